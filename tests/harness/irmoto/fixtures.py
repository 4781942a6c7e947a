"""Realistic environments in the emulated AWS, for `make demo` and end-to-end tests.

``python -m irmoto.fixtures account-baseline`` switches on what an incident-response account
has (Security Hub). ``python -m irmoto.fixtures demo-environment`` creates a small production-like workload and
prints its ids as JSON: a VPC with a subnet, an instance role and profile, a launch template,
an Auto Scaling group whose instance has two volumes and sits behind a target group.
Idempotent: a second call finds the environment by its tag and prints the same ids.
"""

from __future__ import annotations

import json
import sys
import time

import boto3
from botocore.exceptions import ClientError

TAG = {"Key": "aws-ir:fixture", "Value": "demo-environment"}


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
    if len(argv) != 2 or argv[1] not in COMMANDS:
        print(f"usage: python -m irmoto.fixtures {{{'|'.join(COMMANDS)}}}", file=sys.stderr)
        return 2
    print(json.dumps(COMMANDS[argv[1]](), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
