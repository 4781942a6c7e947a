#!/usr/bin/env bash
# make demo-org: aws-ir across an AWS Organization, end to end, on the emulated AWS (#20).
#
# The emulator's account is the security account (and the organization's management account).
# irctl deploys two playbooks across the organization: their stacks, and the security account's
# stack whose StackSets give every account of the members OU the member stacks. Two teams'
# accounts join that OU and get them. Then someone opens SSH to the world on a security group
# of team-payments in eu-west-1: the event crosses to the security account's bus in us-east-1
# and the group is put right there, by team-payments' own aws-ir role, in a session named after
# the case. And GuardDuty, whose delegated administrator is the security account, reports a
# leaked key of team-data: it is cut off in team-data. The emulator stays up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aws-ir/target}"
BIN="$CARGO_TARGET_DIR/debug"
OUT=.local/demo-org
PY="$PWD/.venv/bin/python"
mkdir -p "$OUT"
step() { printf '\n=== %s\n' "$*"; }
harness() { (cd e2e/harness && "$PY" -m "$@"); }
field() { "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

step "1/7  Synthesize (codegen) and build irctl and the task Lambdas"
cargo run -q -p codegen
cargo build -q -p irctl -p tasks --bins

step "2/7  Bring up the emulated AWS"
e2e/harness/up.sh >/dev/null
# shellcheck disable=SC1091
source .local/emulator/state.env
echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"
harness irmoto.fixtures account-baseline >/dev/null
org=$(harness irmoto.fixtures organization | field Id)
ou=$(harness irmoto.fixtures members-ou | field Id)
echo "organization $org; member stacks go to the accounts of OU $ou"

step "3/7  Deploy across the organization: irctl deploy --organization"
alice=$(harness irmoto.fixtures principal demo-alice \
    --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' | field Arn)
# A key GuardDuty rates 5 or more is cut off at once (no responder's approval first).
for playbook in settings-recovery "credentials-compromise --param CredentialsMinSeverityAutomatic=5"; do
    # shellcheck disable=SC2086  (the playbook's own parameters ride with its name)
    "$BIN/irctl" deploy $playbook --artifact-bucket aws-ir-demo-org-artifacts --create-bucket --lambda-dir "$BIN" \
        --param "ResponderPrincipals=$alice" --param ReleaseApproval=none \
        --organization --member-ous "$ou" --member-regions us-east-1,eu-west-1 --call-as SELF
done

step "4/7  Two teams' accounts join the members OU; the StackSets give them the member stacks"
payments=$(harness irmoto.fixtures organization-account team-payments --member | field Account)
data=$(harness irmoto.fixtures organization-account team-data --member | field Account)
"$BIN/irctl" members --call-as SELF

step "5/7  Someone opens SSH to the world on a group of team-payments ($payments) in eu-west-1"
group=$(harness irmoto.fixtures member-open-group "$payments" eu-west-1 web-bastion | field GroupId)
harness irmoto.fixtures member-group-rules "$payments" eu-west-1 "$group"
harness irmoto.fixtures call-log start >/dev/null
# CloudTrail's record of the call, on team-payments' own bus in eu-west-1 (irmoto.emit delivers
# it as the service would).
"$PY" - "$payments" "$group" "$OUT/opened.json" <<'PY'
import json, sys, uuid
account, group = sys.argv[1:3]
event = json.loads(open("tasks/contract/samples/cloudtrail-authorize-sg-ingress-ssh-world.json").read()
                   .replace("sg-0ee55ff6677889900", group))
event["id"] = str(uuid.uuid4())
event["account"], event["region"] = account, "eu-west-1"
event["detail"].update(eventID=event["id"], recipientAccountId=account, awsRegion="eu-west-1")
json.dump(event, open(sys.argv[3], "w"))
PY
event=$(harness irmoto.emit "$PWD/$OUT/opened.json" --keep-ids)
echo "CloudTrail's AuthorizeSecurityGroupIngress event is on team-payments' bus in eu-west-1 ($event)"
set +e
"$BIN/irctl" watch --playbook settings-recovery --timeout 120 | tee "$OUT/watch-settings.txt"
set -e
echo "the group's rules now, read in team-payments:"
harness irmoto.fixtures member-group-rules "$payments" eu-west-1 "$group"

step "6/7  GuardDuty (delegated administrator) reports a key of team-data ($data) used from a strange place"
key=$(harness irmoto.fixtures member-user "$data" data-pipeline | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["AccessKeyIds"][0])')
"$PY" - "$data" "$key" "$OUT/finding.json" <<'PY'
import json, sys, uuid
account, key = sys.argv[1:3]
text = open("tasks/contract/samples/guardduty-iam-anomalous-behavior.json").read()
event = json.loads(text.replace("AKIA4Q2ZKXW7LQ6MDV3A", key).replace("ci-deployer", "data-pipeline"))
event["id"], event["detail"]["id"], event["detail"]["accountId"] = str(uuid.uuid4()), uuid.uuid4().hex, account
json.dump(event, open(sys.argv[3], "w"))
PY
harness irmoto.emit "$PWD/$OUT/finding.json" --keep-ids >/dev/null
echo "GuardDuty finding about $key of account $data"
set +e
"$BIN/irctl" watch --playbook credentials-compromise --timeout 180 | tee "$OUT/watch-credentials.txt"
set -e
echo "the user in team-data now:"
harness irmoto.fixtures member-user-state "$data" data-pipeline

step "7/7  Who acted in the member accounts (their CloudTrail-like call logs)"
harness irmoto.fixtures call-log read >"$OUT/calls.json"
"$PY" - "$OUT/calls.json" <<'PY'
import json, sys
security = "123456789012"
for c in json.load(open(sys.argv[1]))["Calls"]:
    caller = c["caller"] or ""
    if c["account"] not in (None, security) and ":assumed-role/aws-ir-" in caller:
        print("  {}  {}:{:<30} {}".format(c["account"], c["service"], c["action"], caller))
PY
harness irmoto.fixtures call-log stop >/dev/null
cat <<MORE

The emulated AWS is still up. To look further:
  source .local/emulator/state.env
  $BIN/irctl members --call-as SELF                      # which accounts and Regions have the member stacks
  $BIN/irctl watch --playbook settings-recovery          # the last execution again
To tear it down:  make emulator-down
MORE
