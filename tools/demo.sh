#!/usr/bin/env bash
# make demo: the main job, end to end, on the emulated AWS.
#
# Synthesizes the playbooks, brings up the emulated AWS (moto + cargo lambda watch), creates a
# small production-like environment, deploys the generated stacks with irctl, has GuardDuty
# report a backdoor on the environment's instance, follows the playbook, answers it as a
# responder, and shows what happened. The emulator stays up afterwards for exploring.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aws-ir/target}"
BIN="$CARGO_TARGET_DIR/debug"
OUT=.local/demo
PY="$PWD/.venv/bin/python"
mkdir -p "$OUT"
step() { printf '\n=== %s\n' "$*"; }
harness() { (cd tests/harness && "$PY" -m "$@"); }

step "1/7  Synthesize the playbooks (codegen)"
cargo run -q -p codegen

step "2/7  Build irctl and the task Lambdas"
cargo build -q -p irctl -p tasks --bins

step "3/7  Bring up the emulated AWS: moto 5.2.5 with our extensions, task Lambdas under cargo lambda watch"
tests/harness/up.sh >/dev/null
# shellcheck disable=SC1091
source .local/emulator/state.env
echo "AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL"

step "4/7  A small production-like environment: VPC, subnet, instance with a profile and two volumes, in an Auto Scaling group behind a target group"
harness irmoto.fixtures account-baseline >/dev/null
harness irmoto.fixtures demo-environment | tee "$OUT/environment.json"
instance=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["instance_id"])' "$OUT/environment.json")

step "5/7  Deploy the generated stacks through CloudFormation (irctl deploy)"
"$BIN/irctl" deploy --artifact-bucket aws-ir-demo-artifacts --create-bucket --lambda-dir "$BIN"
topic=$("$PY" - <<'PY'
import boto3
outs = boto3.client("cloudformation").describe_stacks(StackName="aws-ir-triage")["Stacks"][0]["Outputs"]
print(next(o["OutputValue"] for o in outs if o["OutputKey"] == "NotificationTopicArn"))
PY
)
inbox=$(TOPIC="$topic" "$PY" - <<'PY'
import boto3, os
sqs, sns = boto3.client("sqs"), boto3.client("sns")
url = sqs.create_queue(QueueName="demo-responder-inbox")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sns.subscribe(TopicArn=os.environ["TOPIC"], Protocol="sqs", Endpoint=arn)
print(url)
PY
)
echo "a responder's inbox (SQS) is subscribed to $topic"

step "6/7  GuardDuty reports Backdoor:EC2/C&CActivity.B (HIGH) on $instance; the triage playbook runs"
event=$(harness irmoto.emit guardduty-ec2-backdoor-c2 --set-instance "$instance")
echo "GuardDuty finding delivered to EventBridge as event $event"
set +e
"$BIN/irctl" watch --playbook triage --until-waiting --timeout 60 | tee "$OUT/watch-1.txt"
set -e
case_id=$(grep -o 'irctl approve case-[0-9a-f]*' "$OUT/watch-1.txt" | head -1 | awk '{print $3}')
if [[ -n "$case_id" ]]; then
    echo
    echo "A responder takes the case:"
    "$BIN/irctl" approve "$case_id" --by "demo-responder" --reason "taking it"
    "$BIN/irctl" watch --playbook triage --timeout 30 | tee "$OUT/watch-2.txt"
fi

step "7/7  What changed, and where to look"
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
"$BIN/irctl" render --playbook triage --latest --out "$OUT/triage.html"
cat <<MORE

The emulated AWS is still up. To look further:
  source .local/emulator/state.env
  $BIN/irctl watch --playbook triage                                  # the last execution again
  $BIN/irctl start triage --instance $instance --reason "manual check"   # a manual request through EventBridge
  $BIN/irctl samples                                                  # other findings to try (start --sample NAME)
  xdg-open $OUT/triage.html                                           # the graph, coloured by the path taken
  ls .local/emulator/logs/                                            # moto and the task Lambdas' logs
To tear it down:  make emulator-down
MORE
