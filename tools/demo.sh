#!/usr/bin/env bash
# make demo: the main job, end to end, on the emulated AWS.
#
# Synthesizes the playbooks, brings up the emulated AWS (moto + cargo lambda watch), creates a
# small production-like environment, deploys the generated stacks with irctl, has GuardDuty
# report a backdoor on the environment's instance, follows both playbooks it starts (the
# EC2 containment runs on its own; triage waits for a responder, who takes the case), shows
# what happened, and releases the instance; then a leaked access key is cut off and restored by
# the credentials playbooks. Two responders act: demo-alice asks and answers, demo-bob approves
# each release (a release waits for a second responder). The emulator stays up afterwards for
# exploring.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aws-ir/target}"
BIN="$CARGO_TARGET_DIR/debug"
OUT=.local/demo
PY="$PWD/.venv/bin/python"
mkdir -p "$OUT"
step() { printf '\n=== %s\n' "$*"; }
harness() { (cd e2e/harness && "$PY" -m "$@"); }
# An IAM user with keys (the emulator evaluates its policy): "ARN KEY SECRET".
responder() {
    harness irmoto.fixtures principal "$1" \
        --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' \
        | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["Arn"], d["AccessKeyId"], d["SecretAccessKey"])'
}
# irctl signs requests and answers with the caller's credentials: run it as a responder.
as_alice() { env -u AWS_SESSION_TOKEN -u AWS_PROFILE AWS_ACCESS_KEY_ID="$alice_key" AWS_SECRET_ACCESS_KEY="$alice_secret" "$@"; }
as_bob() { env -u AWS_SESSION_TOKEN -u AWS_PROFILE AWS_ACCESS_KEY_ID="$bob_key" AWS_SECRET_ACCESS_KEY="$bob_secret" "$@"; }
# A release undoes a containment: demo-alice asks for it, and it waits until demo-bob approves.
release() {  # PLAYBOOK CASE OUT-FILE [irctl start options...]
    local playbook=$1 case=$2 out=$3 asked
    shift 3
    as_alice "$BIN/irctl" start "$playbook" --case "$case" "$@"
    set +e
    "$BIN/irctl" watch --playbook "$playbook" --until-waiting --timeout 60 | tee "$out"
    set -e
    asked=$(grep -o 'irctl approve case-[0-9a-f]*' "$out" | head -1 | awk '{print $3}')
    if [[ -n "$asked" ]]; then
        echo
        echo "demo-bob, the second responder, approves the release:"
        as_bob "$BIN/irctl" approve "$asked" --playbook "$playbook" --reason "second responder: agreed"
        "$BIN/irctl" watch --playbook "$playbook" --timeout 120 | tee -a "$out"
    fi
}

step "1/9  Synthesize the playbooks (codegen)"
cargo run -q -p codegen

step "2/9  Build irctl and the task Lambdas"
cargo build -q -p irctl -p tasks --bins

step "3/9  Bring up the emulated AWS: moto 5.2.5 with our extensions, task Lambdas under cargo lambda watch"
e2e/harness/up.sh >/dev/null
# shellcheck disable=SC1091
source .local/emulator/state.env
echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"

step "4/9  A small production-like environment: VPC, subnet, instance with a profile and two volumes, in an Auto Scaling group behind a target group; a forensic workstation"
harness irmoto.fixtures account-baseline >/dev/null
harness irmoto.fixtures demo-environment | tee "$OUT/environment.json"
instance=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["instance_id"])' "$OUT/environment.json")
harness irmoto.fixtures ssm-agent "$instance" --ping-status Online >/dev/null   # a managed node: evidence can be captured
forensic=$(harness irmoto.fixtures forensic-host --name demo-forensics | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["instance_id"])')
read -r fsubnet fgroup < <(harness irmoto.fixtures forensic-network --name demo-forensics --instance-id "$instance" \
    | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["subnet_id"], d["security_group_id"])')
echo "forensic workstation $forensic; forensic subnet $fsubnet, group $fgroup"

step "5/9  Deploy the generated stacks through CloudFormation (irctl deploy), naming two responders"
alice=$(responder demo-alice)
bob=$(responder demo-bob)
read -r alice_arn alice_key alice_secret <<<"$alice"
read -r bob_arn bob_key bob_secret <<<"$bob"
printf 'export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n' "$alice_key" "$alice_secret" >"$OUT/alice.env"
printf 'export AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\n' "$bob_key" "$bob_secret" >"$OUT/bob.env"
echo "Requests (irctl start) and answers (irctl approve/reject) are signed, and a playbook acts only for a responder its stack names: demo-alice ($alice_arn) and demo-bob ($bob_arn)."
responders="ResponderPrincipals=$alice_arn,$bob_arn"
"$BIN/irctl" deploy triage --artifact-bucket aws-ir-demo-artifacts --create-bucket --lambda-dir "$BIN" \
    --param "$responders"
"$BIN/irctl" deploy ec2-compromise --artifact-bucket aws-ir-demo-artifacts --lambda-dir "$BIN" \
    --param "$responders" --param ForensicInstanceId="$forensic" --param ForensicSubnetId="$fsubnet" \
    --param ForensicSecurityGroupId="$fgroup" --param CaptureTimeoutSeconds=60
"$BIN/irctl" deploy credentials-compromise --artifact-bucket aws-ir-demo-artifacts --lambda-dir "$BIN" \
    --param "$responders"
inbox=$("$PY" - <<'PY'
import boto3
cfn, sqs, sns = boto3.client("cloudformation"), boto3.client("sqs"), boto3.client("sns")
url = sqs.create_queue(QueueName="demo-responder-inbox")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
for stack in ("aws-ir-triage", "aws-ir-ec2-compromise"):
    outs = cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    sns.subscribe(TopicArn=next(o["OutputValue"] for o in outs if o["OutputKey"] == "NotificationTopicArn"),
                  Protocol="sqs", Endpoint=arn)
print(url)
PY
)
echo "a responder's inbox (SQS) is subscribed to both stacks' topics"

step "6/9  GuardDuty reports Backdoor:EC2/C&CActivity.B (HIGH) on $instance; ec2-compromise contains it, triage asks a responder"
event=$(harness irmoto.emit guardduty-ec2-backdoor-c2 --set-instance "$instance")
echo "GuardDuty finding delivered to EventBridge as event $event"
set +e
"$BIN/irctl" watch --playbook ec2-compromise --timeout 180 | tee "$OUT/watch-ec2.txt"
echo
"$BIN/irctl" watch --playbook triage --until-waiting --timeout 60 | tee "$OUT/watch-1.txt"
set -e
case_id=$(grep -o 'irctl approve case-[0-9a-f]*' "$OUT/watch-1.txt" | head -1 | awk '{print $3}')
if [[ -n "$case_id" ]]; then
    echo
    echo "demo-alice takes the case:"
    as_alice "$BIN/irctl" approve "$case_id" --reason "taking it"
    "$BIN/irctl" watch --playbook triage --timeout 30 | tee "$OUT/watch-2.txt"
fi

step "7/9  What the responder was told"
INBOX="$inbox" "$PY" - <<'PY'
import boto3, json, os
sqs = boto3.client("sqs")
seen = 0
while True:
    got = sqs.receive_message(QueueUrl=os.environ["INBOX"], MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    if not got:
        break
    for m in got:
        body = json.loads(m["Body"])
        seen += 1
        print(f"--- notification {seen}: {body.get('Subject')}")
        print(body.get("Message", "").rstrip())
        sqs.delete_message(QueueUrl=os.environ["INBOX"], ReceiptHandle=m["ReceiptHandle"])
print(f"\n{seen} notification(s) delivered to the responder's inbox")
PY

step "8/9  demo-alice decides it was a drill: ec2-release, once demo-bob approves, puts back what the case recorded"
ec2_case=$(grep -o 'case-[0-9a-f]\{8,\}' "$OUT/watch-ec2.txt" | head -1)
if [[ -n "$ec2_case" ]]; then
    release ec2-release "$ec2_case" "$OUT/watch-release.txt" --instance "$instance" --reason "demo: a drill"
fi
step "9/9  An access key turns up in a public repository: credentials-compromise cuts it off, credentials-release restores it"
key=$("$PY" - <<'PY'
import boto3
iam = boto3.client("iam")
try:
    iam.create_user(UserName="demo-ci-deployer", Tags=[{"Key": "team", "Value": "platform"}])
except iam.exceptions.EntityAlreadyExistsException:
    pass
print(iam.create_access_key(UserName="demo-ci-deployer")["AccessKey"]["AccessKeyId"])
PY
)
echo "IAM user demo-ci-deployer, access key $key"
as_alice "$BIN/irctl" start credentials-compromise --access-key "$key" --reason "demo: key found in a public repository" \
    --watch --timeout 120 | tee "$OUT/watch-credentials.txt"
"$PY" -c 'import boto3,sys; print("key status now:", [k["Status"] for k in boto3.client("iam").list_access_keys(UserName="demo-ci-deployer")["AccessKeyMetadata"] if k["AccessKeyId"] == sys.argv[1]][0])' "$key"
cred_case=$(grep -o 'case-[0-9a-f]\{8,\}' "$OUT/watch-credentials.txt" | head -1)
if [[ -n "$cred_case" ]]; then
    release credentials-release "$cred_case" "$OUT/watch-credentials-release.txt" --access-key "$key" \
        --reason "demo: rotated"
    "$PY" -c 'import boto3,sys; print("key status after release:", [k["Status"] for k in boto3.client("iam").list_access_keys(UserName="demo-ci-deployer")["AccessKeyMetadata"] if k["AccessKeyId"] == sys.argv[1]][0])' "$key"
fi
"$BIN/irctl" render --playbook triage --latest --out "$OUT/triage.html"
"$BIN/irctl" render --playbook ec2-compromise --latest --out "$OUT/ec2-compromise.html"
cat <<MORE

The emulated AWS is still up. To look further:
  source .local/emulator/state.env
  source $OUT/alice.env                                               # act as demo-alice (or bob.env: demo-bob)
  $BIN/irctl watch --playbook triage                                  # the last execution again
  $BIN/irctl start triage --instance $instance --reason "manual check"   # a signed manual request
  $BIN/irctl samples                                                  # other findings to try (start --sample NAME)
  $BIN/irctl start ec2-compromise --instance $instance --reason "again" --watch   # contain it again
  $BIN/irctl verify $ec2_case                                          # its evidence against the signed manifest
  xdg-open $OUT/triage.html $OUT/ec2-compromise.html                  # the graphs, coloured by the path taken
  ls .local/emulator/logs/                                            # moto and the task Lambdas' logs
To tear it down:  make emulator-down
MORE
