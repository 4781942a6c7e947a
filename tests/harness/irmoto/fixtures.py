"""Realistic environments in the emulated AWS, for `make demo` and end-to-end tests.

``python -m irmoto.fixtures account-baseline`` switches on what an incident-response account
has (Security Hub). ``python -m irmoto.fixtures demo-environment`` creates a small production-like workload and
prints its ids as JSON: a VPC with a subnet, an instance role and profile, a launch template,
an Auto Scaling group whose instance has two volumes and sits behind a target group, and whose
SSM Agent is Online (the role allows what AmazonSSMManagedInstanceCore allows).
Idempotent: a second call finds the environment by its tag and prints the same ids.

``python -m irmoto.fixtures ssm-agent INSTANCE_ID [--ping-status Online|ConnectionLost|Inactive|absent]
[--platform Linux|Windows|MacOS] [--fail-commands|--no-fail-commands] [--command-seconds N]
[--delivery-timeout-seconds N]`` says whether the instance runs an SSM Agent and how it answers
(see irmoto/ec2_evidence.py); ``absent`` removes the agent. It prints the harness's answer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.exceptions import ClientError

TAG = {"Key": "aws-ir:fixture", "Value": "demo-environment"}
SSM_AGENTS_PATH = "/moto-api/irmoto/ssm-agents"

# What the AWS managed policy AmazonSSMManagedInstanceCore allows (moto does not load AWS managed
# policies, so the demo role gets the same actions inline).
SSM_MANAGED_INSTANCE_CORE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
        "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
        "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus", "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint",
        "ec2messages:GetMessages", "ec2messages:SendReply"]}],
}


def _endpoint() -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SSM") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise SystemExit("AWS_ENDPOINT_URL is not set: source .local/emulator/state.env first")
    return endpoint.rstrip("/")


def ssm_agent(instance_id: str, ping_status: str = "Online", **options: object) -> dict:
    """Registers (or updates) the emulated SSM Agent of an instance; ping_status "absent" removes it."""
    url = _endpoint() + SSM_AGENTS_PATH
    if ping_status == "absent":
        request = urllib.request.Request(f"{url}?instance_id={instance_id}", method="DELETE")
    else:
        body = {"instance_id": instance_id, "ping_status": ping_status,
                **{k: v for k, v in options.items() if v is not None}}
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the harness refused: HTTP {e.code} {e.read().decode(errors='replace')}") from None


def _tagged(resource_type: str) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [TAG, {"Key": "Name", "Value": f"demo-{resource_type}"}]}]


def demo_environment() -> dict:
    ec2 = boto3.client("ec2")
    iam = boto3.client("iam")
    asg = boto3.client("autoscaling")
    elb = boto3.client("elbv2")

    existing = ec2.describe_vpcs(Filters=[{"Name": "tag:aws-ir:fixture", "Values": ["demo-environment"]}])["Vpcs"]
    if existing:
        return _describe(existing[0]["VpcId"])

    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=_tagged("vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1a",
                               TagSpecifications=_tagged("subnet"))["Subnet"]["SubnetId"]
    web_sg = ec2.create_security_group(GroupName="demo-web", Description="web tier", VpcId=vpc,
                                       TagSpecifications=_tagged("security-group"))["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="demo-web-role", AssumeRolePolicyDocument=json.dumps(trust), Tags=[TAG])
    iam.put_role_policy(RoleName="demo-web-role", PolicyName="ssm-managed-instance-core",
                        PolicyDocument=json.dumps(SSM_MANAGED_INSTANCE_CORE))
    profile = iam.create_instance_profile(InstanceProfileName="demo-web-profile", Tags=[TAG])["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="demo-web-profile", RoleName="demo-web-role")

    ec2.create_launch_template(
        LaunchTemplateName="demo-web",
        LaunchTemplateData={
            "ImageId": "ami-0abcdef1234567890",
            "InstanceType": "t3.micro",
            "IamInstanceProfile": {"Arn": profile["Arn"]},
            "SecurityGroupIds": [web_sg],
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "DeleteOnTermination": True}},
                {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 20, "DeleteOnTermination": True}},
            ],
            "MetadataOptions": {"HttpTokens": "required"},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [TAG, {"Key": "Name", "Value": "demo-web-1"}]}],
        },
    )
    tg = elb.create_target_group(Name="demo-web", Protocol="HTTPS", Port=443, VpcId=vpc, TargetType="instance")[
        "TargetGroups"][0]["TargetGroupArn"]
    asg.create_auto_scaling_group(
        AutoScalingGroupName="demo-web",
        LaunchTemplate={"LaunchTemplateName": "demo-web", "Version": "$Latest"},
        MinSize=1, MaxSize=2, DesiredCapacity=1,
        VPCZoneIdentifier=subnet,
        TargetGroupARNs=[tg],
        Tags=[{**TAG, "PropagateAtLaunch": True, "ResourceId": "demo-web", "ResourceType": "auto-scaling-group"}],
    )
    for _ in range(50):
        instances = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-web"])["AutoScalingGroups"][0]["Instances"]
        if instances:
            break
        time.sleep(0.1)
    # moto 5.2.5 does not apply a launch template's IamInstanceProfile to instances an Auto
    # Scaling group launches (AWS does); associate it so the instance looks as it would on AWS.
    for i in instances:
        if not ec2.describe_iam_instance_profile_associations(
                Filters=[{"Name": "instance-id", "Values": [i["InstanceId"]]}])["IamInstanceProfileAssociations"]:
            ec2.associate_iam_instance_profile(IamInstanceProfile={"Arn": profile["Arn"]}, InstanceId=i["InstanceId"])
        # The image runs SSM Agent and the role allows it: the instance is a managed node.
        ssm_agent(i["InstanceId"], "Online")
    return _describe(vpc)


def _describe(vpc: str) -> dict:
    ec2 = boto3.client("ec2")
    asg = boto3.client("autoscaling")
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["demo-web"])["AutoScalingGroups"][0]
    instance_id = group["Instances"][0]["InstanceId"]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    volumes = [m["Ebs"]["VolumeId"] for m in instance.get("BlockDeviceMappings", [])]
    return {
        "vpc_id": vpc,
        "subnet_id": instance.get("SubnetId"),
        "instance_id": instance_id,
        "instance_profile_arn": instance.get("IamInstanceProfile", {}).get("Arn"),
        "volume_ids": volumes,
        "auto_scaling_group": group["AutoScalingGroupName"],
        "target_groups": group.get("TargetGroupARNs", []),
        "ssm_ping_status": next((i["PingStatus"] for i in boto3.client("ssm").describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])["InstanceInformationList"]), "not managed"),
    }


def account_baseline() -> dict:
    """What an account that runs incident response has switched on: Security Hub (custom actions
    and finding updates need it). Idempotent."""
    hub = boto3.client("securityhub")
    try:
        hub.enable_security_hub(EnableDefaultStandards=False)
    except ClientError as e:  # ResourceConflictException: already enabled
        if e.response["Error"]["Code"] != "ResourceConflictException":
            raise
    return {"security_hub": hub.describe_hub()["HubArn"]}


COMMANDS = {"demo-environment": demo_environment, "account-baseline": account_baseline}


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[1] == "ssm-agent":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures ssm-agent",
                                         description="Say whether an instance runs an SSM Agent, and how it answers.")
        parser.add_argument("instance_id")
        parser.add_argument("--ping-status", default="Online", choices=["Online", "ConnectionLost", "Inactive", "absent"])
        parser.add_argument("--platform", choices=["Linux", "Windows", "MacOS"])
        parser.add_argument("--fail-commands", action=argparse.BooleanOptionalAction, default=None)
        parser.add_argument("--command-seconds", type=float)
        parser.add_argument("--delivery-timeout-seconds", type=float)
        args = parser.parse_args(argv[2:])
        print(json.dumps(ssm_agent(args.instance_id, args.ping_status, platform=args.platform,
                                   fail_commands=args.fail_commands, command_seconds=args.command_seconds,
                                   delivery_timeout_seconds=args.delivery_timeout_seconds), indent=2))
        return 0
    if len(argv) != 2 or argv[1] not in COMMANDS:
        print(f"usage: python -m irmoto.fixtures {{{'|'.join(COMMANDS)}}}\n"
              "       python -m irmoto.fixtures ssm-agent INSTANCE_ID [--ping-status STATUS] [...]", file=sys.stderr)
        return 2
    print(json.dumps(COMMANDS[argv[1]](), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
