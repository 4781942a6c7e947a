#!/usr/bin/env python3
"""make bench, part 3: how fast settings-recovery puts a weakened setting back, on the emulator.

Brings up an emulator of its own (as bench_ec2.py does), deploys
cloudformation/settings-recovery.json with irctl, then per setting, BENCH_SETTINGS_RUNS times
(default 5): weakens it through the AWS API as a person would, delivers CloudTrail's event for
that call onto the default bus as CloudTrail does (irmoto.services), and polls the setting
through its own API until it is restored. It reports, per setting, the time from the API-call
event to the setting read back restored (median and worst):

- a security group opened to the world on SSH (only that rule revoked, by rule id);
- a bucket whose Block Public Access was deleted (all four settings back on);
- a trail whose logging was stopped (logging again);
- a trail pointed at another bucket, its log file validation off, after AWS Config's rule saw it
  (put back as kept);
- a trail deleted after AWS Config's rule saw it (created again as it was, logging);
- the account's S3 Block Public Access turned off (all four back on; S3 Control, reached through
  the emulator's proxy as the task Lambdas reach it).

Every AWS call is held BENCH_LATENCY_MS (default 20) on the emulator, as in bench_ec2.py. The
issue names no target for these times: the bench reports them. Exits 2 when a run fails.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ec2 as emulator  # noqa: E402  (its up/down/irctl: one way to run the emulator)

PLAYBOOK = "settings-recovery"
RUNS = int(os.environ.get("BENCH_SETTINGS_RUNS", "5"))
SAMPLES = emulator.ROOT / "tasks" / "contract" / "samples"
TIMEOUT = 120.0


def log(message: str) -> None:
    print(f"bench-settings: {message}", file=sys.stderr, flush=True)


def cloudtrail_event(sample: str, **request: str) -> dict[str, Any]:
    event = json.loads((SAMPLES / f"{sample}.json").read_text())
    event["id"] = str(uuid.uuid4())
    event["detail"]["eventID"] = event["id"]
    event["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    event["detail"]["requestParameters"].update(request)
    return event


def time_to_restore(event: dict[str, Any], restored: Callable[[], bool], what: str) -> float:
    begin = time.monotonic()
    emulator.deliver_as_service(event)
    while not restored():
        if time.monotonic() - begin > TIMEOUT:
            raise SystemExit(f"{what}: not restored within {TIMEOUT:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - begin


def security_group(i: int) -> float:
    import boto3

    ec2 = boto3.client("ec2")
    group = ec2.create_security_group(GroupName=f"bench-open-{i}-{uuid.uuid4().hex[:6]}", Description="bench")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    sample = json.loads((SAMPLES / "cloudtrail-authorize-sg-ingress-ssh-world.json").read_text())
    event = json.loads(json.dumps(sample).replace("sg-0ee55ff6677889900", group))
    event["id"] = str(uuid.uuid4())
    event["detail"]["eventID"] = event["id"]

    def restored() -> bool:
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
        return not any(r.get("CidrIpv4") == "0.0.0.0/0" and not r["IsEgress"] for r in rules["SecurityGroupRules"])

    return time_to_restore(event, restored, f"security group {group}")


def bucket(i: int) -> float:
    import boto3

    s3 = boto3.client("s3")
    name = f"bench-exports-{i}-{uuid.uuid4().hex[:6]}"
    s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    event = cloudtrail_event("cloudtrail-delete-bucket-public-access-block", bucketName=name)

    def restored() -> bool:
        config = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        return all(config.values())

    return time_to_restore(event, restored, f"bucket {name}")


def trail(i: int) -> float:
    import boto3

    s3, cloudtrail = boto3.client("s3"), boto3.client("cloudtrail")
    name = f"bench-trail-{i}-{uuid.uuid4().hex[:6]}"
    s3.create_bucket(Bucket=f"{name}-logs")
    arn = cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-logs")["TrailARN"]
    cloudtrail.start_logging(Name=arn)
    cloudtrail.stop_logging(Name=arn)
    event = cloudtrail_event("cloudtrail-stop-logging", name=arn)
    return time_to_restore(event, lambda: cloudtrail.get_trail_status(Name=arn)["IsLogging"], f"trail {name}")


def kept_trail(prefix: str, i: int) -> str:
    """A trail as a team keeps it, logging, whose configuration AWS Config's rule has kept (not
    timed: it happens before the change)."""
    import boto3

    s3, cloudtrail, config = boto3.client("s3"), boto3.client("cloudtrail"), boto3.client("config")
    name = f"{prefix}-{i}-{uuid.uuid4().hex[:6]}"
    s3.create_bucket(Bucket=f"{name}-logs")
    cloudtrail.create_trail(Name=name, S3BucketName=f"{name}-logs", S3KeyPrefix="audit", IsMultiRegionTrail=True,
                            EnableLogFileValidation=True, TagsList=[{"Key": "owner", "Value": "bench"}])
    cloudtrail.put_event_selectors(TrailName=name, EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{name}-logs/"]}]}])
    cloudtrail.start_logging(Name=name)
    rule = next(r["ConfigRuleName"] for r in config.describe_config_rules()["ConfigRules"]
                if r["ConfigRuleName"].endswith("-trail-logging"))
    item = {"resourceType": "AWS::CloudTrail::Trail", "resourceId": name, "resourceName": name}
    request = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/moto-api/irmoto/config-rule-invocations",
                                     data=json.dumps({"rule": rule, "messageType": "ConfigurationItemChangeNotification",
                                                      "configurationItem": item}).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return name


def changed_trail(i: int) -> float:
    import boto3

    cloudtrail = boto3.client("cloudtrail")
    name = kept_trail("bench-changed", i)
    boto3.client("s3").create_bucket(Bucket=f"{name}-elsewhere")
    cloudtrail.update_trail(Name=name, S3BucketName=f"{name}-elsewhere", EnableLogFileValidation=False)
    event = cloudtrail_event("cloudtrail-stop-logging", name=name)
    event["detail"]["eventName"] = "UpdateTrail"

    def put_back() -> bool:
        trail = cloudtrail.get_trail(Name=name)["Trail"]
        return trail["S3BucketName"] == f"{name}-logs" and trail["LogFileValidationEnabled"]

    return time_to_restore(event, put_back, f"changed trail {name}")


def deleted_trail(i: int) -> float:
    import boto3
    from botocore.exceptions import ClientError

    cloudtrail = boto3.client("cloudtrail")
    name = kept_trail("bench-gone", i)
    cloudtrail.delete_trail(Name=name)
    event = cloudtrail_event("cloudtrail-stop-logging", name=name)
    event["detail"]["eventName"] = "DeleteTrail"

    def recreated() -> bool:
        try:
            return cloudtrail.get_trail_status(Name=name)["IsLogging"]
        except ClientError:
            return False

    return time_to_restore(event, recreated, f"deleted trail {name}")


def account(i: int) -> float:
    import boto3

    s3control = boto3.client("s3control")  # HTTP_PROXY and AWS_ENDPOINT_URL_S3_CONTROL: state.env
    off = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
           "RestrictPublicBuckets": False}
    s3control.put_public_access_block(AccountId="123456789012", PublicAccessBlockConfiguration=off)
    event = cloudtrail_event("cloudtrail-put-account-public-access-block")

    def restored() -> bool:
        got = s3control.get_public_access_block(AccountId="123456789012")["PublicAccessBlockConfiguration"]
        return all(got.values())

    return time_to_restore(event, restored, "the account's Block Public Access")


def main() -> int:
    return emulator.with_emulator(log, run)


def run() -> int:

    emulator.deploy_playbook(PLAYBOOK)
    emulator.call_log("POST")  # every call held BENCH_LATENCY_MS from here on
    # One unmeasured run per setting: `cargo lambda watch` starts each function on first use.
    for setting in (security_group, bucket, trail, changed_trail, deleted_trail, account):
        setting(-1)
    print(f"\nsettings-recovery: from the API-call event to the setting read back restored "
          f"({RUNS} runs each, {emulator.LATENCY_MS:.0f} ms per AWS call)")
    for title, setting in (("security group, world-open SSH", security_group),
                           ("bucket Block Public Access", bucket), ("trail logging", trail),
                           ("trail changed, put back", changed_trail),
                           ("trail deleted, created again", deleted_trail), ("account Block Public Access", account)):
        times = [setting(i) for i in range(RUNS)]
        print(f"  {title:<32} median {statistics.median(times):5.2f} s   worst {max(times):5.2f} s")
    emulator.call_log("DELETE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
