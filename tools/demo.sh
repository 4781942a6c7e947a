#!/usr/bin/env bash
# make demo: the main job, end to end, on the emulated AWS.
#
# Synthesizes the playbooks, brings up the emulated AWS (moto + cargo lambda watch), creates a
# small production-like environment, deploys the generated stacks with irctl, has GuardDuty
# report a backdoor on the environment's instance, follows both playbooks it starts (the
# EC2 containment runs on its own; triage waits for a responder, who takes the case), shows
# what happened, and releases the instance; then a leaked access key is cut off and restored by
# the credentials playbooks. The emulator stays up afterwards for exploring.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/aws-ir/target}"
BIN="$CARGO_TARGET_DIR/debug"
OUT=.local/demo
PY="$PWD/.venv/bin/python"
mkdir -p "$OUT"
step() { printf '\n=== %s\n' "$*"; }
harness() { (cd tests/harness && "$PY" -m "$@"); }

step "1/9  Synthesize the playbooks (codegen)"
cargo run -q -p codegen

step "2/9  Build irctl and the task Lambdas"
cargo build -q -p irctl -p tasks --bins

step "3/9  Bring up the emulated AWS: moto 5.2.5 with our extensions, task Lambdas under cargo lambda watch"
tests/harness/up.sh >/dev/null
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

step "5/9  Deploy the generated stacks through CloudFormation (irctl deploy)"
"$BIN/irctl" deploy triage --artifact-bucket aws-ir-demo-artifacts --create-bucket --lambda-dir "$BIN"
"$BIN/irctl" deploy ec2-compromise --artifact-bucket aws-ir-demo-artifacts --lambda-dir "$BIN" \
    --param ForensicInstanceId="$forensic" --param ForensicSubnetId="$fsubnet" \
    --param ForensicSecurityGroupId="$fgroup" --param CaptureTimeoutSeconds=60
"$BIN/irctl" deploy credentials-compromise --artifact-bucket aws-ir-demo-artifacts --lambda-dir "$BIN"
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
    echo "A responder takes the case:"
    "$BIN/irctl" approve "$case_id" --by "demo-responder" --reason "taking it"
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

step "8/9  The responder decides it was a drill: ec2-release puts back what the case recorded"
ec2_case=$(grep -o 'case-[0-9a-f]\{8,\}' "$OUT/watch-ec2.txt" | head -1)
if [[ -n "$ec2_case" ]]; then
    "$BIN/irctl" start ec2-release --case "$ec2_case" --instance "$instance" --reason "demo: a drill" \
        --watch --timeout 120 | tee "$OUT/watch-release.txt"
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
"$BIN/irctl" start credentials-compromise --access-key "$key" --reason "demo: key found in a public repository" \
    --watch --timeout 120 | tee "$OUT/watch-credentials.txt"
"$PY" -c 'import boto3,sys; print("key status now:", [k["Status"] for k in boto3.client("iam").list_access_keys(UserName="demo-ci-deployer")["AccessKeyMetadata"] if k["AccessKeyId"] == sys.argv[1]][0])' "$key"
cred_case=$(grep -o 'case-[0-9a-f]\{8,\}' "$OUT/watch-credentials.txt" | head -1)
if [[ -n "$cred_case" ]]; then
    "$BIN/irctl" start credentials-release --case "$cred_case" --access-key "$key" --reason "demo: rotated" \
        --watch --timeout 120 | tee "$OUT/watch-credentials-release.txt"
    "$PY" -c 'import boto3,sys; print("key status after release:", [k["Status"] for k in boto3.client("iam").list_access_keys(UserName="demo-ci-deployer")["AccessKeyMetadata"] if k["AccessKeyId"] == sys.argv[1]][0])' "$key"
fi
"$BIN/irctl" render --playbook triage --latest --out "$OUT/triage.html"
"$BIN/irctl" render --playbook ec2-compromise --latest --out "$OUT/ec2-compromise.html"
cat <<MORE

The emulated AWS is still up. To look further:
  source .local/emulator/state.env
  $BIN/irctl watch --playbook triage                                  # the last execution again
  $BIN/irctl start triage --instance $instance --reason "manual check"   # a manual request through EventBridge
  $BIN/irctl samples                                                  # other findings to try (start --sample NAME)
  $BIN/irctl start ec2-compromise --instance $instance --reason "again" --watch   # contain it again
  xdg-open $OUT/triage.html $OUT/ec2-compromise.html                  # the graphs, coloured by the path taken
  ls .local/emulator/logs/                                            # moto and the task Lambdas' logs
To tear it down:  make emulator-down
MORE
