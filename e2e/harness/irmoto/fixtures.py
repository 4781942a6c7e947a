"""Realistic environments in the emulated AWS, for `make demo` and end-to-end tests.

``python -m irmoto.fixtures account-baseline`` switches on what an incident-response account
has (Security Hub). ``python -m irmoto.fixtures demo-environment`` creates a small production-like workload and
prints its ids as JSON: a VPC with a subnet, an instance role and profile, a launch template,
an Auto Scaling group whose instance has two volumes and sits behind a target group, and whose
SSM Agent is Online (the role allows what AmazonSSMManagedInstanceCore allows).
Idempotent: a second call finds the environment by its tag and prints the same ids.

``python -m irmoto.fixtures ssm-agent INSTANCE_ID [--ping-status Online|ConnectionLost|Inactive|absent]
[--platform Linux|Windows|MacOS] [--fail-commands|--no-fail-commands] [--command-seconds N]
[--delivery-timeout-seconds N] [--memory-image-bytes N] [--memory-fault none|corrupt_part=K|stop_after_parts=K]``
says whether the instance runs an SSM Agent and how it answers (see irmoto/ec2_evidence.py; the
memory options: the image aws-ir's memory scripts find, irmoto/memory_scripts.py); ``absent``
removes the agent. It prints the harness's answer.

``python -m irmoto.fixtures web-host --name NAME [--enis N] [--volumes N] [--target-groups N] [--asg]
[--classic-elb] [--profile | --profile-of HOST] [--tag KEY=VALUE ...] [--agent Online|ConnectionLost|absent]`` creates a compromised web
server as the EC2 playbook meets it (network interfaces, volumes that are deleted on termination,
instance profile, Auto Scaling group, target groups, SSM Agent) and prints it as the APIs read it
back; ``forensic-host --name NAME`` an instance to receive evidence volumes; ``forensic-network
--name NAME [--instance-id ID]`` a subnet and security group for forensic interfaces. They share one
VPC and are idempotent per NAME (see the README, "Host fixtures for the EC2-compromise playbook").

``python -m irmoto.fixtures principal NAME --policy JSON [--path PATH]`` makes an IAM user with that
inline policy and a fresh access key (``{"Arn", "UserName", "AccessKeyId", "SecretAccessKey"}``);
``assume ROLE_ARN [--session NAME]`` prints a session's credentials; ``task-credentials`` the
session of aws-ir-emulator-tasks that up.sh gives `cargo lambda watch` (see irmoto/iam.py: the
emulator evaluates the policies of such principals, never those of the `testing` key).
"""

from __future__ import annotations

import argparse
import base64
import fcntl
import hashlib
import ipaddress
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

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


# Where this fixture process acts: the security account and the environment's Region, unless
# `--in ACCOUNT REGION` moved it (_act_in). The harness's own endpoints take the same place.
_PLACE: dict[str, str] = {}
_BOTO3_CLIENT = boto3.client


def _act_in(account: str, region: str) -> None:
    """Every client this fixture process makes acts in ACCOUNT and REGION, as that account's
    administrator (in_account): the same fixtures build a host in a member account (#20)."""
    _PLACE.update({"account_id": account, "region": region})
    boto3.client = lambda service, *_, **__: in_account(service, account, region)  # type: ignore[assignment]


def _endpoint() -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_SSM") or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise SystemExit("AWS_ENDPOINT_URL is not set: source .local/emulator/state.env first")
    return endpoint.rstrip("/")


def ssm_agent(instance_id: str, ping_status: str = "Online", **options: object) -> dict:
    """Registers (or updates) the emulated SSM Agent of an instance; ping_status "absent" removes it."""
    url = _endpoint() + SSM_AGENTS_PATH
    if ping_status == "absent":
        query = urllib.parse.urlencode({"instance_id": instance_id, **_PLACE})
        request = urllib.request.Request(f"{url}?{query}", method="DELETE")
    else:
        body = {"instance_id": instance_id, "ping_status": ping_status, **_PLACE,
                **{k: v for k, v in options.items() if v is not None or k == "memory_fault"}}  # null clears a fault
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the harness refused: HTTP {e.code} {e.read().decode(errors='replace')}") from None


def volume_blocks(volume_id: str, blocks: dict[int, str], corrupt_snapshot: str | None = None,
                  corrupt: list[int] | None = None, change_snapshot: str | None = None) -> dict:
    """Writes blocks of an EC2 volume (irmoto.ebs_direct) and answers what a reader of a snapshot
    of it must find: each block's SHA-256 and the snapshot's LINEAR aggregate (SHA-256 over the
    block digests in ascending index, base64), computed here independently of aws-ir."""
    from .ebs_direct import VOLUME_BLOCKS_PATH, block_bytes

    seeds = {str(i): seed for i, seed in blocks.items()}
    body: dict = ({"snapshot_id": corrupt_snapshot, "corrupt_in_transit": corrupt or []} if corrupt_snapshot
                  else {"snapshot_id": change_snapshot, "blocks": seeds} if change_snapshot
                  else {"volume_id": volume_id, "blocks": seeds})
    body.update(_PLACE)
    request = urllib.request.Request(_endpoint() + VOLUME_BLOCKS_PATH, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the harness refused: HTTP {e.code} {e.read().decode(errors='replace')}") from None
    if corrupt_snapshot or change_snapshot:
        return answer
    digests = {i: hashlib.sha256(block_bytes(seed)).digest() for i, seed in blocks.items()}
    linear = hashlib.sha256(b"".join(digests[i] for i in sorted(digests))).digest()
    return {**answer, "Sha256": {str(i): base64.b64encode(d).decode() for i, d in sorted(digests.items())},
            "Linear": base64.b64encode(linear).decode()}


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

    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                         TagSpecifications=_tagged("vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", Ipv6CidrBlock=_first_ipv6_subnet(ec2, vpc),
                               AvailabilityZone="us-east-1a", TagSpecifications=_tagged("subnet"))["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": True})
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


# --------------------------------------------------------------------------
# Hosts for the EC2-compromise playbook's scenarios: web-host, forensic-host, forensic-network.
# They share one VPC (tagged aws-ir:fixture=hosts, made on first use: one subnet, a web security
# group that allows HTTPS from anywhere). Everything is found again by its tags, so a second call
# with the same --name prints the same ids (its options are not applied again: use `ssm-agent` to
# change an agent). Each printed shape is read back through the EC2, Auto Scaling and ELBv2 APIs.
# --------------------------------------------------------------------------

HOSTS_TAG = {"Key": "aws-ir:fixture", "Value": "hosts"}
HOST_KEY, ROLE_KEY, NETWORK_KEY = "aws-ir:fixture-host", "aws-ir:fixture-role", "aws-ir:fixture-network"
HOSTS_CIDR = "10.40.0.0/16"
LIVE_STATES = ["pending", "running", "stopping", "stopped"]
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9-]{0,23}"  # fits every name derived from it (target groups: 32)
DATA_DEVICES = [f"/dev/sd{c}" for c in "fghijklmnop"]
# Instance types by how many network interfaces they take (EC2 User Guide, "Maximum IP addresses per
# network interface": t3.micro 2, t3.medium 3, m5.xlarge 4, m5.4xlarge 8).
TYPES_BY_ENIS = [(2, "t3.micro"), (3, "t3.medium"), (4, "m5.xlarge"), (8, "m5.4xlarge")]
SSM_CORE_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
EC2_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _filters(**by: object) -> list[dict]:
    return [{"Name": k.replace("__", ":").replace("_", "-"), "Values": v if isinstance(v, list) else [v]}
            for k, v in by.items()]


def _tag_spec(resource_type: str, tags: dict[str, str]) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def _group(ec2, vpc_id: str, name: str, description: str, ingress: list[dict]) -> str:
    """The security group `name` of the VPC, made with its ingress rules if missing."""
    found = ec2.describe_security_groups(Filters=_filters(vpc_id=vpc_id, group_name=name))["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    group = ec2.create_security_group(GroupName=name, Description=description, VpcId=vpc_id,
                                      TagSpecifications=_tag_spec("security-group", {HOSTS_TAG["Key"]: HOSTS_TAG["Value"]}))
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=ingress)
    return group["GroupId"]


def _https_from_anywhere() -> list[dict]:
    return [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS"}]}]


def _ssh_from(cidr: str, description: str) -> list[dict]:
    return [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr, "Description": description}]}]


def _first_ipv6_subnet(ec2, vpc_id: str) -> str:
    """The first /64 of the VPC's Amazon-provided /56."""
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    return str(next(ipaddress.ip_network(block).subnets(new_prefix=64)))


def shared_network() -> dict:
    """The fixtures' VPC, its subnet and web security group; made on first use, by one fixture
    process at a time (scenarios run concurrently, each fixture in its own process)."""
    lock_path = os.path.join(tempfile.gettempdir(), f"irmoto-shared-network-{_endpoint_key()}.lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _shared_network()


def _endpoint_key() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", _endpoint()).strip("-")


def _shared_network() -> dict:
    ec2 = boto3.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=_filters(**{"tag:aws-ir:fixture": "hosts"}))["Vpcs"]
    if vpcs:
        vpc_id = vpcs[0]["VpcId"]
    else:
        # Dual-stack, as production VPCs increasingly are: a new group then also gets an
        # allow-all `::/0` egress rule, which isolation must handle.
        vpc_id = ec2.create_vpc(CidrBlock=HOSTS_CIDR, AmazonProvidedIpv6CidrBlock=True, TagSpecifications=_tag_spec(
            "vpc", {HOSTS_TAG["Key"]: HOSTS_TAG["Value"], "Name": "irmoto-fixture-hosts"}))["Vpc"]["VpcId"]
    subnets = ec2.describe_subnets(Filters=_filters(vpc_id=vpc_id, **{"tag:aws-ir:fixture-subnet": "hosts"}))["Subnets"]
    if subnets:
        subnet = subnets[0]
    else:
        # A /20 (4,091 addresses): the bench's fleet of 500 two-interface hosts does not fit a /24.
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.16.0/20", Ipv6CidrBlock=_first_ipv6_subnet(ec2, vpc_id),
                                   AvailabilityZone=f"{ec2.meta.region_name}a",
                                   TagSpecifications=_tag_spec("subnet", {HOSTS_TAG["Key"]: HOSTS_TAG["Value"],
                                                                          "aws-ir:fixture-subnet": "hosts",
                                                                          "Name": "irmoto-fixture-hosts"}))["Subnet"]
        ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], AssignIpv6AddressOnCreation={"Value": True})
    web = _group(ec2, vpc_id, "fixture-web", "web tier: HTTPS from anywhere", _https_from_anywhere())
    return {"vpc_id": vpc_id, "subnet_id": subnet["SubnetId"], "availability_zone": subnet["AvailabilityZone"],
            "web_security_group_id": web, "ipv6": bool(subnet.get("Ipv6CidrBlockAssociationSet"))}


def _image(ec2) -> dict:
    """Amazon Linux 2023 (x86_64), the newest of moto's preloaded images."""
    images = ec2.describe_images(Owners=["amazon"], Filters=_filters(name="al2023-ami-2023.*-x86_64",
                                                                     architecture="x86_64"))["Images"]
    if not images:
        images = ec2.describe_images(Owners=["amazon"], Filters=_filters(name="amzn2-ami-hvm-*-x86_64-gp2"))["Images"]
    return max(images, key=lambda i: i.get("CreationDate", ""))


def _find_instance(ec2, name: str, role: str) -> str | None:
    reservations = ec2.describe_instances(Filters=_filters(**{"tag:aws-ir:fixture-host": name,
                                                              "tag:aws-ir:fixture-role": role},
                                                           instance_state_name=LIVE_STATES))["Reservations"]
    found = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    return found[0] if found else None


def _instance_profile(name: str) -> str:
    """Role NAME-role (ec2.amazonaws.com may assume it; AmazonSSMManagedInstanceCore) in profile NAME-profile."""
    iam = boto3.client("iam")
    role, profile = f"{name}-role", f"{name}-profile"
    try:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), Tags=[HOSTS_TAG])
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    try:
        iam.attach_role_policy(RoleName=role, PolicyArn=SSM_CORE_ARN)
    except ClientError as e:  # AWS managed policies not loaded (MOTO_IAM_LOAD_MANAGED_POLICIES unset)
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        iam.put_role_policy(RoleName=role, PolicyName="ssm-managed-instance-core",
                            PolicyDocument=json.dumps(SSM_MANAGED_INSTANCE_CORE))
    try:
        arn = iam.create_instance_profile(InstanceProfileName=profile, Tags=[HOSTS_TAG])["InstanceProfile"]["Arn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        arn = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Arn"]
    if not iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]:
        iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    return arn


def _target_group(elb, name: str, port: int, vpc_id: str) -> str:
    try:
        return elb.create_target_group(Name=name, Protocol="HTTPS", Port=port, VpcId=vpc_id, TargetType="instance",
                                       HealthCheckPath="/health", Tags=[HOSTS_TAG])["TargetGroups"][0]["TargetGroupArn"]
    except ClientError as e:  # AWS answers the existing group when the settings are the same; moto refuses
        if e.response["Error"]["Code"] != "DuplicateTargetGroupName":
            raise
        return elb.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]


def _auto_scaling_group(name: str, instance_id: str, launch: dict, subnet_id: str) -> None:
    """A new group NAME (min 0, max 2) from launch template NAME, with the instance attached."""
    ec2, asg = boto3.client("ec2"), boto3.client("autoscaling")
    try:
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=launch,
                                   TagSpecifications=_tag_spec("launch-template", {HOSTS_TAG["Key"]: HOSTS_TAG["Value"]}))
    except ClientError as e:
        if e.response["Error"]["Code"] != "InvalidLaunchTemplateName.AlreadyExistsException":
            raise
    if not asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]:
        asg.create_auto_scaling_group(
            AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateName": name, "Version": "$Latest"},
            MinSize=0, MaxSize=2, DesiredCapacity=0, VPCZoneIdentifier=subnet_id,
            Tags=[{**HOSTS_TAG, "PropagateAtLaunch": False, "ResourceId": name, "ResourceType": "auto-scaling-group"}])
    # AttachInstances: the instance is InService at once and DesiredCapacity grows by one, as on AWS.
    asg.attach_instances(AutoScalingGroupName=name, InstanceIds=[instance_id])


def _target_port(index: int) -> int:
    return 443 if index == 0 else 8443 + 1000 * (index - 1)  # 443, 8443, 9443, ...


def web_host(name: str, enis: int = 1, volumes: int = 1, target_groups: int = 0, asg: bool = False,
             profile: bool = False, tags: dict[str, str] | None = None, agent: str = "absent",
             tier: str | None = None, profile_of: str | None = None, classic_elb: bool = False) -> dict:
    """A compromised web server as the playbook meets it; idempotent per name. Its target groups
    are its own (NAME-PORT), or its tier's (TIER-PORT) when hosts share a tier as a fleet does."""
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    existing = _find_instance(ec2, name, "web-host")
    if existing:
        return describe_host(existing)
    if not 1 <= enis <= TYPES_BY_ENIS[-1][0]:
        raise SystemExit(f"--enis must be 1 to {TYPES_BY_ENIS[-1][0]}")
    if not 1 <= volumes <= 1 + len(DATA_DEVICES):
        raise SystemExit(f"--volumes must be 1 to {1 + len(DATA_DEVICES)}")
    net = shared_network()
    image = _image(ec2)
    instance_type = next(t for most, t in TYPES_BY_ENIS if enis <= most)
    host_tags = {"Name": name, HOST_KEY: name, ROLE_KEY: "web-host", **(tags or {})}
    # Root and data volumes from the launch: DeleteOnTermination true on all, as a launch gives the
    # AMI's root volume and as launch templates commonly set for data volumes.
    devices = [image["RootDeviceName"], *DATA_DEVICES[: volumes - 1]]
    mappings = [{"DeviceName": d, "Ebs": {"VolumeSize": 8 if i == 0 else 20, "VolumeType": "gp3",
                                          "DeleteOnTermination": True}} for i, d in enumerate(devices)]
    launch = {"ImageId": image["ImageId"], "InstanceType": instance_type, "SecurityGroupIds": [net["web_security_group_id"]],
              "BlockDeviceMappings": mappings, "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"}}
    if profile or profile_of:
        launch["IamInstanceProfile"] = {"Arn": _instance_profile(profile_of or name)}
    dual_stack = {"Ipv6AddressCount": 1} if net["ipv6"] else {}
    instance_id = ec2.run_instances(
        **launch, MinCount=1, MaxCount=1, SubnetId=net["subnet_id"], **dual_stack,
        TagSpecifications=_tag_spec("instance", host_tags) + _tag_spec("volume", host_tags),
    )["Instances"][0]["InstanceId"]
    if enis > 1:
        admin = _group(ec2, net["vpc_id"], f"{name}-admin", f"admin interfaces of {name}: SSH from the VPC",
                       _ssh_from(HOSTS_CIDR, "SSH from the VPC"))
        for index in range(1, enis):
            eni = ec2.create_network_interface(
                SubnetId=net["subnet_id"], Groups=[admin], Description=f"{name} interface {index}", **dual_stack,
                TagSpecifications=_tag_spec("network-interface", {"Name": f"{name}-eth{index}", HOST_KEY: name}),
            )["NetworkInterface"]["NetworkInterfaceId"]
            ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=instance_id, DeviceIndex=index)
    if asg:
        _auto_scaling_group(name, instance_id, launch, net["subnet_id"])
    for index in range(target_groups):
        port = _target_port(index)
        arn = _target_group(elb, f"{tier or name}-{port}", port, net["vpc_id"])
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance_id, "Port": port}])
    if classic_elb:  # a classic load balancer NAME-clb of its own, the instance registered
        clb = boto3.client("elb")
        clb.create_load_balancer(
            LoadBalancerName=f"{name}-clb", Subnets=[net["subnet_id"]], SecurityGroups=[net["web_security_group_id"]],
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
        clb.register_instances_with_load_balancer(LoadBalancerName=f"{name}-clb", Instances=[{"InstanceId": instance_id}])
    if agent != "absent":
        ssm_agent(instance_id, agent)
    return describe_host(instance_id)


def describe_host(instance_id: str) -> dict:
    """The host as the EC2, Auto Scaling, ELBv2 and SSM APIs show it."""
    ec2, elb = boto3.client("ec2"), boto3.client("elbv2")
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    root = instance.get("RootDeviceName")
    groups = boto3.client("autoscaling").describe_auto_scaling_instances(InstanceIds=[instance_id])["AutoScalingInstances"]
    registered = []
    for page in elb.get_paginator("describe_target_groups").paginate():
        for group in page["TargetGroups"]:
            if group.get("VpcId") != instance["VpcId"]:
                continue
            for d in elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]:
                if d["Target"]["Id"] == instance_id and d["TargetHealth"]["State"] not in ("draining", "unused"):
                    registered.append({"arn": group["TargetGroupArn"], "port": d["Target"].get("Port")})
    classic = [lb["LoadBalancerName"]
               for page in boto3.client("elb").get_paginator("describe_load_balancers").paginate()
               for lb in page["LoadBalancerDescriptions"]
               if any(i["InstanceId"] == instance_id for i in lb.get("Instances", []))]
    agents = boto3.client("ssm").describe_instance_information(
        Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])["InstanceInformationList"]
    return {
        "instance_id": instance_id,
        "vpc_id": instance["VpcId"],
        "subnet_id": instance["SubnetId"],
        "availability_zone": instance["Placement"]["AvailabilityZone"],
        "network_interfaces": [
            {"id": n["NetworkInterfaceId"], "device_index": n["Attachment"]["DeviceIndex"],
             "groups": [g["GroupId"] for g in n.get("Groups", [])],
             "ipv6_addresses": [a["Ipv6Address"] for a in n.get("Ipv6Addresses", [])]}
            for n in sorted(instance.get("NetworkInterfaces", []), key=lambda n: n["Attachment"]["DeviceIndex"])
        ],
        "volumes": [
            {"id": m["Ebs"]["VolumeId"], "device": m["DeviceName"], "delete_on_termination": m["Ebs"]["DeleteOnTermination"]}
            for m in sorted(instance.get("BlockDeviceMappings", []), key=lambda m: (m["DeviceName"] != root, m["DeviceName"]))
        ],
        "instance_profile_arn": instance.get("IamInstanceProfile", {}).get("Arn"),
        "auto_scaling_group": groups[0]["AutoScalingGroupName"] if groups else None,
        "target_groups": sorted(registered, key=lambda r: (r["port"] or 0, r["arn"])),
        "classic_load_balancers": sorted(classic),
        "tags": {t["Key"]: t["Value"] for t in sorted(instance.get("Tags", []), key=lambda t: t["Key"])},
        "ssm_agent": agents[0]["PingStatus"] if agents else None,
        "termination_protection": ec2.describe_instance_attribute(
            InstanceId=instance_id, Attribute="disableApiTermination")["DisableApiTermination"]["Value"],
    }


def forensic_host(name: str) -> dict:
    """A plain instance in the fixtures' subnet to receive evidence volumes; idempotent per name."""
    ec2 = boto3.client("ec2")
    instance_id = _find_instance(ec2, name, "forensic-host")
    if instance_id is None:
        net = shared_network()
        image = _image(ec2)
        workstation = _group(ec2, net["vpc_id"], f"{name}-workstation", f"forensic workstation {name}: no inbound", [])
        tags = {"Name": name, HOST_KEY: name, ROLE_KEY: "forensic-host"}
        instance_id = ec2.run_instances(
            ImageId=image["ImageId"], InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=net["subnet_id"],
            SecurityGroupIds=[workstation],
            BlockDeviceMappings=[{"DeviceName": image["RootDeviceName"],
                                  "Ebs": {"VolumeSize": 30, "VolumeType": "gp3", "DeleteOnTermination": True}}],
            TagSpecifications=_tag_spec("instance", tags) + _tag_spec("volume", tags),
        )["Instances"][0]["InstanceId"]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return {"instance_id": instance_id, "availability_zone": instance["Placement"]["AvailabilityZone"],
            "subnet_id": instance["SubnetId"], "vpc_id": instance["VpcId"]}


def forensic_network(name: str, instance_id: str | None = None) -> dict:
    """A subnet in the instance's Availability Zone (default: the fixtures' subnet's) and VPC, and a
    security group for forensic interfaces (SSH from that subnet only); idempotent per name."""
    ec2 = boto3.client("ec2")
    found = ec2.describe_subnets(Filters=_filters(**{"tag:aws-ir:fixture-network": name}))["Subnets"]
    if found:
        subnet = found[0]
    else:
        if instance_id:
            instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
            vpc_id, zone = instance["VpcId"], instance["Placement"]["AvailabilityZone"]
        else:
            net = shared_network()
            vpc_id, zone = net["vpc_id"], net["availability_zone"]
        vpc_cidr = ipaddress.ip_network(ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"])
        taken = [ipaddress.ip_network(s["CidrBlock"]) for s in ec2.describe_subnets(Filters=_filters(vpc_id=vpc_id))["Subnets"]]
        prefix = min(max(vpc_cidr.prefixlen + 1, 24), 28)
        candidates = reversed(list(vpc_cidr.subnets(new_prefix=prefix))) if prefix > vpc_cidr.prefixlen else []
        free = next((c for c in candidates if not any(c.overlaps(t) for t in taken)), None)
        if free is None:
            raise SystemExit(f"no free range left in {vpc_id} ({vpc_cidr})")
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(free), AvailabilityZone=zone, TagSpecifications=_tag_spec(
            "subnet", {"Name": f"{name}-forensic", NETWORK_KEY: name, HOSTS_TAG["Key"]: HOSTS_TAG["Value"]}))["Subnet"]
    group = _group(ec2, subnet["VpcId"], f"{name}-forensic-eni", f"forensic interfaces {name}: SSH from {subnet['CidrBlock']}",
                   _ssh_from(subnet["CidrBlock"], "forensic subnet"))
    return {"vpc_id": subnet["VpcId"], "subnet_id": subnet["SubnetId"], "availability_zone": subnet["AvailabilityZone"],
            "cidr_block": subnet["CidrBlock"], "security_group_id": group}


# --------------------------------------------------------------------------
# Principals the emulator evaluates (irmoto/iam.py): an IAM user with an inline policy and a fresh
# access key, a role session, and the role the task Lambdas run as. Any other key (the harness's
# `testing`) is the emulator's administrator and is never evaluated.
# --------------------------------------------------------------------------

TASKS_ROLE, TASKS_PATH, TASKS_SESSION = "aws-ir-emulator-tasks", "/aws-ir/emulator/", "cargo-lambda-watch"
LONGEST_SESSION = 43200  # seconds: the longest MaxSessionDuration IAM allows (moto enforces none)


def principal(name: str, policy: dict, path: str = "/") -> dict:
    """IAM user NAME (at PATH) with POLICY as its only inline policy and a fresh access key (its
    older keys are deleted, IAM allows two); idempotent per name."""
    iam = boto3.client("iam")
    try:
        user = iam.create_user(UserName=name, Path=path)["User"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        user = iam.get_user(UserName=name)["User"]
        if user["Path"] != path:
            iam.update_user(UserName=name, NewPath=path)
            user = iam.get_user(UserName=name)["User"]
    for old in iam.list_user_policies(UserName=name)["PolicyNames"]:
        iam.delete_user_policy(UserName=name, PolicyName=old)
    iam.put_user_policy(UserName=name, PolicyName="irmoto-principal", PolicyDocument=json.dumps(policy))
    for old in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=name, AccessKeyId=old["AccessKeyId"])
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"Arn": user["Arn"], "UserName": name, "AccessKeyId": key["AccessKeyId"],
            "SecretAccessKey": key["SecretAccessKey"]}


def assume(role_arn: str, session: str = "irmoto-fixture", duration: int = 3600) -> dict:
    """A session of the role: its credentials and the session's ARN."""
    answer = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session, DurationSeconds=duration)
    credentials = answer["Credentials"]
    return {"AccessKeyId": credentials["AccessKeyId"], "SecretAccessKey": credentials["SecretAccessKey"],
            "SessionToken": credentials["SessionToken"], "Expiration": credentials["Expiration"].isoformat(),
            "Arn": answer["AssumedRoleUser"]["Arn"], "RoleArn": role_arn}


def task_credentials() -> dict:
    """The role every task Lambda runs as in the emulator (one `cargo lambda watch` process, one
    environment: no per-function roles): aws-ir-emulator-tasks under /aws-ir/emulator/, so it is an
    aws-ir role for the templates' resource policies; `*` on `*` inline, so only resource policies
    refuse it. Made idempotently; answers a fresh session of it (cargo-lambda-watch, 12 hours)."""
    session = _emulator_role_session(TASKS_ROLE)
    return {k: session[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "RoleArn")}


def _emulator_role_session(name: str, tags: list[dict[str, str]] | None = None) -> dict:
    """Role NAME under /aws-ir/emulator/ (the account may assume it; ``*`` on ``*`` inline, so only
    resource and key policies refuse it), made idempotently with TAGS, and a 12-hour session
    ``cargo-lambda-watch`` of it."""
    iam = boto3.client("iam")
    account = boto3.client("sts").get_caller_identity()["Account"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{account}:root"}}]}
    try:
        role_arn = iam.create_role(RoleName=name, Path=TASKS_PATH, AssumeRolePolicyDocument=json.dumps(trust),
                                   MaxSessionDuration=LONGEST_SESSION, Tags=tags or [])["Role"]["Arn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role_arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="everything", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return assume(role_arn, TASKS_SESSION, LONGEST_SESSION)


def in_account(service: str, account: str, region: str | None = None,  # type: ignore[no-untyped-def]
               endpoint_url: str | None = None):
    """A boto3 client of the administrator acting in ACCOUNT: moto serves a request in the account
    its ``x-moto-account-id`` header names (moto/core/responses.py get_current_account), as a
    StackSet's service-managed execution role acts in each member account. The endpoint is the
    environment's (``AWS_ENDPOINT_URL``) unless given."""
    from .iam import ADMIN_KEY, ADMIN_SECRET

    client = _BOTO3_CLIENT(service, region_name=region or os.environ.get("AWS_REGION", "us-east-1"),
                          endpoint_url=endpoint_url, aws_access_key_id=ADMIN_KEY,
                          aws_secret_access_key=ADMIN_SECRET)

    def to_account(request, **_):  # type: ignore[no-untyped-def]
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.*.*", to_account)
    return client


MEMBER_ROLES_STACK = "aws-ir-member-roles"


def member_account(account: str) -> dict:
    """ACCOUNT as a member of the security account's organization (#20): the generated
    organization/member-roles.json deployed there, as the StackSet would; idempotent."""
    cfn = in_account("cloudformation", account)
    try:
        stack = cfn.describe_stacks(StackName=MEMBER_ROLES_STACK)["Stacks"][0]
    except ClientError:
        security = boto3.client("sts").get_caller_identity()["Account"]
        stack = create_stack(cfn, MEMBER_ROLES_STACK, ORGANIZATION_DIR / "member-roles.json",
                             {"SecurityAccountId": security, "OrganizationId": organization()["Id"]}, account)
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise RuntimeError(f"member stack in {account}: {stack['StackStatus']} {stack.get('StackStatusReason')}")
    roles = in_account("iam", account).list_roles(PathPrefix="/aws-ir/")["Roles"]
    return {"Account": account, "Stack": stack["StackStatus"], "Roles": len(roles)}


ORGANIZATION_DIR = Path(__file__).resolve().parents[3] / "organization"


def _bucket(s3, name: str) -> str:  # type: ignore[no-untyped-def]
    """Bucket NAME through S3, made on first use; its name."""
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    return name


def template_source(cfn, template: Path, account: str | None = None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """TemplateBody, or for a template over CloudFormation's 51,200 bytes of body (irmoto.stacks
    S22), TemplateURL of a copy in a bucket of ACCOUNT (the caller's when None), as a deployer
    must on AWS."""
    body = template.read_text()
    if len(body.encode()) <= 51_200:
        return {"TemplateBody": body}
    s3 = in_account("s3", account, endpoint_url=cfn.meta.endpoint_url) if account else boto3.client("s3")
    owner = account or boto3.client("sts").get_caller_identity()["Account"]
    bucket = _bucket(s3, f"irmoto-templates-{owner}")
    key = f"{hashlib.sha256(body.encode()).hexdigest()[:16]}/{template.name}"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    region = os.environ.get("AWS_REGION", "us-east-1")
    return {"TemplateURL": f"https://{bucket}.s3.{region}.amazonaws.com/{key}"}


def create_stack(cfn, name: str, template: Path, parameters: dict[str, str],  # type: ignore[no-untyped-def]
                 account: str | None = None) -> dict:
    """Creates stack NAME from TEMPLATE with PARAMETERS through the client CFN (acting in ACCOUNT,
    the caller's when None) and waits (60 s at most) for it to leave IN_PROGRESS; answers the
    stack as DescribeStacks shows it."""
    stack_id = cfn.create_stack(StackName=name, **template_source(cfn, template, account),
                                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])["StackId"]
    for _ in range(600):
        stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            return stack
        time.sleep(0.1)
    return stack


def member_user(account: str, name: str, keys: int = 2) -> dict:
    """IAM user NAME in member ACCOUNT with KEYS access keys, a console password and a team tag."""
    iam = in_account("iam", account)
    iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "payments"}])
    iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-9")
    made = [iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"] for _ in range(keys)]
    return {"Account": account, "UserName": name, "AccessKeyIds": made}


def member_user_state(account: str, name: str) -> dict:
    """What the credentials playbook may change on user NAME of member ACCOUNT, read there."""
    iam = in_account("iam", account)
    return {
        "Keys": {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]},
        "Policies": iam.list_user_policies(UserName=name)["PolicyNames"],
        "Tags": {t["Key"]: t["Value"] for t in iam.list_user_tags(UserName=name)["Tags"]},
    }


def task_role_credentials(directory: str) -> dict:
    """A role per task, as on AWS (each task Lambda has its own, tagged ``aws-ir:task`` with the
    task's name, which a member account's aws-ir role trusts, #20): ``aws-ir-emulator-<task>``
    under /aws-ir/emulator/, ``*`` on ``*`` as the shared role, and a session of each written to
    DIRECTORY/<task>.env for e2e/harness/cargo-for-watch, which starts each function's process
    with its own. The tasks are the contracts the schemas were generated from. Made before any
    stack exists, so no tag guard sees the tags written."""
    schemas = Path(__file__).resolve().parents[3] / "statemachines" / "schemas"
    tasks = sorted({p.name.split(".", 1)[0] for p in schemas.glob("*.input.schema.json")})
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        session = _emulator_role_session(f"aws-ir-emulator-{task}", [{"Key": "aws-ir:task", "Value": task}])
        (out / f"{task}.env").write_text(
            f"export AWS_ACCESS_KEY_ID={session['AccessKeyId']}\n"
            f"export AWS_SECRET_ACCESS_KEY={session['SecretAccessKey']}\n"
            f"export AWS_SESSION_TOKEN={session['SessionToken']}\n")
    return {"Tasks": len(tasks), "Directory": str(out)}


def organization() -> dict:
    """The security account's organization (made on first use), whose id the member stacks and
    the playbooks' OrganizationId name (#20)."""
    org = boto3.client("organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as e:
        if e.response["Error"]["Code"] != "AlreadyInOrganizationException":
            raise
    return {"Id": org.describe_organization()["Organization"]["Id"]}


def members_ou(child: str | None = None) -> str:
    """The organizational unit whose accounts get aws-ir's member stacks, or its unit CHILD (made on
    first use): an account there gets the member stacks too (StackSets target OUs at any depth)."""
    org = boto3.client("organizations")
    organization()

    def unit(parent: str, name: str) -> str:
        found = next((ou for ou in org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]
                      if ou["Name"] == name), None)
        return found["Id"] if found else org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]

    members = unit(org.list_roots()["Roots"][0]["Id"], MEMBERS_OU)
    return unit(members, child) if child else members


def member_template_urls() -> dict[str, str]:
    """organization/member-roles.json and member.json uploaded where the StackSets read them, as
    `irctl deploy --organization` does (a StackSet takes at most 51,200 bytes of template body)."""
    s3 = boto3.client("s3")
    account = boto3.client("sts").get_caller_identity()["Account"]
    bucket = _bucket(s3, f"aws-ir-templates-{account}")
    urls = {}
    for parameter, file in (("MemberRolesTemplateUrl", "member-roles.json"), ("MemberTemplateUrl", "member.json")):
        s3.put_object(Bucket=bucket, Key=f"organization/{file}", Body=(ORGANIZATION_DIR / file).read_bytes())
        urls[parameter] = f"https://{bucket}.s3.us-east-1.amazonaws.com/organization/{file}"
    return urls


def security_account_parameters(ou: str, regions: list[str]) -> dict[str, str]:
    """What organization/security-account.json takes here: the emulator's organization, whose
    management account is the security account (CallAs SELF), member stacks for the accounts of
    OU in REGIONS."""
    return {"OrganizationId": organization()["Id"], "MemberOrganizationalUnits": ou,
            "MemberRegions": ",".join(regions), "CallAs": "SELF", **member_template_urls()}


def security_account(regions: list[str] | None = None) -> dict:
    """organization/security-account.json in the security account's Region: its default bus admits
    the member stacks' forwarders, and the StackSets deploy the member stacks to every account of
    the members OU (``members_ou``), in REGIONS (default: the home Region and eu-west-1).
    Idempotent: an existing stack is kept as it is."""
    cfn = boto3.client("cloudformation")
    home = os.environ.get("AWS_REGION", "us-east-1")
    try:
        stack = cfn.describe_stacks(StackName=SECURITY_STACK)["Stacks"][0]
    except ClientError:
        stack = create_stack(cfn, SECURITY_STACK, ORGANIZATION_DIR / "security-account.json",
                             security_account_parameters(members_ou(), regions or [home, "eu-west-1"]))
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise RuntimeError(f"security account stack: {stack['StackStatus']} {stack.get('StackStatusReason')}")
    return {"Stack": SECURITY_STACK, "Status": stack["StackStatus"], "MembersOu": members_ou()}


def organization_account(name: str, member: bool = False, unit: str | None = None) -> dict:
    """An account of the security account's organization named NAME, made with CreateAccount on
    first use (so the emulator's Organizations knows it, for aws:PrincipalOrgID). MEMBER: moved
    into the members OU, where the StackSets' automatic deployment gives it the member stacks
    (``security_account``); UNIT: into that unit of the members OU instead. Answers the account and
    the stack instances it has. Idempotent."""
    org = boto3.client("organizations")
    organization()
    found = next((a for a in org.list_accounts()["Accounts"] if a["Name"] == name), None)
    if found is None:
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        account = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]["AccountId"]
    else:
        account = found["Id"]
    if member or unit:
        target = members_ou(unit)
        [parent] = org.list_parents(ChildId=account)["Parents"]
        if parent["Id"] != target:
            org.move_account(AccountId=account, SourceParentId=parent["Id"], DestinationParentId=target)
    return {"Account": account, "Name": name, "StackInstances": stack_instances(account)}


def stack_instances(account: str) -> list[str]:
    """The member stacks ACCOUNT has, as the administrator's ListStackInstances says: NAME/REGION."""
    cfn = boto3.client("cloudformation")
    out = []
    for stack_set in (ROLES_STACK_SET, MEMBER_STACK):
        try:
            found = cfn.list_stack_instances(StackSetName=stack_set, StackInstanceAccount=account)["Summaries"]
        except ClientError:
            continue
        out += [f"{stack_set}/{i['Region']}" for i in found if i["Account"] == account]
    return sorted(out)


def member_open_group(account: str, region: str, name: str) -> dict:
    """Security group NAME in ACCOUNT's default VPC of REGION with SSH open to the world (IPv4
    and IPv6) beside two legitimate rules: SSH from 10.0.0.0/8 and HTTPS from the world."""
    ec2 = in_account("ec2", account, region)
    group = ec2.create_security_group(GroupName=name, Description=f"{name}: e2e")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
    return {"GroupId": group, **member_group_rules(account, region, group)}


def member_group_rules(account: str, region: str, group: str) -> dict:
    """The ingress rules of GROUP in ACCOUNT and REGION as [protocol, from, to, cidr], read there."""
    ec2 = in_account("ec2", account, region)
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return {"Rules": sorted([r["IpProtocol"], r.get("FromPort", -1), r.get("ToPort", -1),
                             r.get("CidrIpv4") or r.get("CidrIpv6") or ""] for r in rules if not r.get("IsEgress"))}


def member_delete_role(account: str, name: str) -> dict:
    """Role NAME of ACCOUNT deleted, its policies first (as IAM requires): a member whose aws-ir
    role someone removed (#20)."""
    iam = in_account("iam", account)
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)
    return {"Account": account, "Deleted": name}


def member_blocks(account: str, region: str, subnet: str) -> dict:
    """What aws-ir blocks in ACCOUNT and REGION, read there (#20): the addresses of the member
    stack's IP sets (aws-ir-blocked-ipv4/-ipv6, found by name) and the denies of the network ACL
    of SUBNET as [rule, cidr, egress]."""
    waf, ec2 = in_account("wafv2", account, region), in_account("ec2", account, region)
    sets = {}
    for s in waf.list_ip_sets(Scope="REGIONAL")["IPSets"]:
        if s["Name"] in ("aws-ir-blocked-ipv4", "aws-ir-blocked-ipv6"):
            got = waf.get_ip_set(Name=s["Name"], Id=s["Id"], Scope="REGIONAL")["IPSet"]
            sets[s["Name"]] = sorted(got["Addresses"])
    acl = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["NetworkAcls"][0]
    denies = sorted([e["RuleNumber"], e.get("CidrBlock") or e.get("Ipv6CidrBlock"), e["Egress"]]
                    for e in acl["Entries"] if e["RuleAction"] == "deny" and e["RuleNumber"] < 32767)
    return {"IpSets": sets, "NetworkAcl": acl["NetworkAclId"], "Denies": denies}


MEMBER_STACK = "aws-ir-member"
ROLES_STACK_SET = "aws-ir-member-roles"
SECURITY_STACK = "aws-ir-security-account"
MEMBERS_OU = "aws-ir-members"

COMMANDS = {"demo-environment": demo_environment, "account-baseline": account_baseline,
            "task-credentials": task_credentials, "organization": organization,
            "security-account": security_account, "members-ou": lambda: {"Id": members_ou()}}


def _name(text: str) -> str:
    if not re.fullmatch(NAME_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r}: 1-24 letters, digits and hyphens, not starting with a hyphen")
    return text


def _block(text: str) -> tuple[int, str]:
    index, sep, seed = text.partition("=")
    if not sep or not index.isdigit():
        raise argparse.ArgumentTypeError(f"expected INDEX=SEED, got {text!r}")
    return int(index), seed


def _tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key, value


def _host_command(argv: list[str]) -> dict:
    command = argv[1]
    parser = argparse.ArgumentParser(prog=f"python -m irmoto.fixtures {command}")
    parser.add_argument("--name", required=True, type=_name)
    if command == "web-host":
        parser.description = "A compromised web server: ENIs, volumes, profile, Auto Scaling group, target groups, agent."
        parser.add_argument("--enis", type=int, default=1, help="network interfaces (the primary + N-1 attached)")
        parser.add_argument("--volumes", type=int, default=1, help="EBS volumes (root + N-1 data volumes)")
        parser.add_argument("--target-groups", type=int, default=0, help="new target groups it is registered in")
        parser.add_argument("--tier", type=_name, help="share the target groups of this tier (TIER-PORT) with other hosts")
        parser.add_argument("--asg", action="store_true", help="attach it to a new Auto Scaling group NAME")
        parser.add_argument("--profile", action="store_true", help="launch it with instance profile NAME-profile")
        parser.add_argument("--classic-elb", action="store_true",
                            help="register it with a new classic load balancer NAME-clb")
        parser.add_argument("--profile-of", type=_name, metavar="HOST",
                            help="launch it with host HOST's instance profile (a role shared by a fleet)")
        parser.add_argument("--tag", type=_tag, action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--agent", choices=["Online", "ConnectionLost", "absent"], default="absent",
                            help="its SSM Agent (default absent: not a managed node)")
        args = parser.parse_args(argv[2:])
        return web_host(args.name, enis=args.enis, volumes=args.volumes, target_groups=args.target_groups,
                        asg=args.asg, profile=args.profile, tags=dict(args.tag), agent=args.agent, tier=args.tier,
                        profile_of=args.profile_of, classic_elb=args.classic_elb)
    if command == "forensic-network":
        parser.add_argument("--instance-id", help="the subnet goes in this instance's VPC and zone "
                                                  "(default: the fixtures' subnet's)")
        args = parser.parse_args(argv[2:])
        return forensic_network(args.name, args.instance_id)
    args = parser.parse_args(argv[2:])
    return forensic_host(args.name)


def _memory_fault(text: str) -> dict[str, int]:
    if text == "none":
        return {}
    name, _, count = text.partition("=")
    if name not in ("corrupt_part", "stop_after_parts") or not count.isdigit():
        raise argparse.ArgumentTypeError("none, corrupt_part=K or stop_after_parts=K")
    return {name: int(count)}


def main(argv: list[str]) -> int:
    if len(argv) >= 5 and argv[1] == "--in":
        _act_in(argv[2], argv[3])
        argv = [argv[0], *argv[4:]]
    if len(argv) >= 2 and argv[1] in ("web-host", "forensic-host", "forensic-network"):
        print(json.dumps(_host_command(argv), indent=2))
        return 0
    if len(argv) >= 2 and argv[1] == "ssm-agent":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures ssm-agent",
                                         description="Say whether an instance runs an SSM Agent, and how it answers.")
        parser.add_argument("instance_id")
        parser.add_argument("--ping-status", default="Online", choices=["Online", "ConnectionLost", "Inactive", "absent"])
        parser.add_argument("--platform", choices=["Linux", "Windows", "MacOS"])
        parser.add_argument("--fail-commands", action=argparse.BooleanOptionalAction, default=None)
        parser.add_argument("--command-seconds", type=float)
        parser.add_argument("--delivery-timeout-seconds", type=float)
        parser.add_argument("--memory-image-bytes", type=int)
        parser.add_argument("--memory-fault", type=_memory_fault, metavar="none|corrupt_part=K|stop_after_parts=K")
        args = parser.parse_args(argv[2:])
        memory: dict[str, object] = {}
        if args.memory_fault is not None:
            memory["memory_fault"] = args.memory_fault or None  # {} (none) clears it
        print(json.dumps(ssm_agent(args.instance_id, args.ping_status, platform=args.platform,
                                   fail_commands=args.fail_commands, command_seconds=args.command_seconds,
                                   delivery_timeout_seconds=args.delivery_timeout_seconds,
                                   memory_image_bytes=args.memory_image_bytes, **memory), indent=2))
        return 0
    if len(argv) >= 2 and argv[1] == "volume-blocks":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures volume-blocks",
                                         description="Write blocks of an EC2 volume (content: SHAKE-256 of the seed); "
                                                     "prints each block's SHA-256 and the LINEAR aggregate of them all.")
        parser.add_argument("volume_id")
        parser.add_argument("--block", action="append", default=[], type=_block, metavar="INDEX=SEED")
        parser.add_argument("--corrupt-snapshot", metavar="SNAPSHOT_ID",
                            help="instead: send these --corrupt blocks of the snapshot with a byte flipped")
        parser.add_argument("--corrupt", action="append", type=int, default=[], metavar="INDEX")
        parser.add_argument("--change-snapshot", metavar="SNAPSHOT_ID",
                            help="instead: replace these --block blocks of the snapshot (a copy that differs)")
        args = parser.parse_args(argv[2:])
        print(json.dumps(volume_blocks(args.volume_id, dict(args.block), args.corrupt_snapshot, args.corrupt,
                                       args.change_snapshot), indent=2))
        return 0
    if len(argv) >= 2 and argv[1] == "ebs-limits":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures ebs-limits",
                                         description="Set the EBS direct APIs' per-snapshot GetSnapshotBlock rate and "
                                                     "added latency (irmoto.ebs_direct); prints the settings and the "
                                                     "number of requests throttled since they were set.")
        parser.add_argument("--blocks-per-second", type=float)
        parser.add_argument("--latency-ms", type=float)
        args = parser.parse_args(argv[2:])
        from .ebs_direct import LIMITS_PATH

        body = {k: v for k, v in (("blocks_per_second", args.blocks_per_second), ("latency_ms", args.latency_ms))
                if v is not None}
        request = urllib.request.Request(_endpoint() + LIMITS_PATH, data=json.dumps(body).encode() if body else None,
                                         method="POST" if body else "GET", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            print(json.dumps(json.load(response), indent=2))
        return 0
    if len(argv) >= 2 and argv[1] == "principal":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures principal",
                                         description="An IAM user with an inline policy and a fresh access key.")
        parser.add_argument("name")
        parser.add_argument("--policy", required=True, type=json.loads, help="the inline policy, as JSON")
        parser.add_argument("--path", default="/")
        args = parser.parse_args(argv[2:])
        print(json.dumps(principal(args.name, args.policy, args.path), indent=2))
        return 0
    if len(argv) == 3 and argv[1] == "members-unit":  # a unit of the members OU, made on first use
        print(json.dumps({"Id": members_ou(argv[2])}, indent=2))
        return 0
    if len(argv) == 3 and argv[1] == "describe-host":
        print(json.dumps(describe_host(argv[2]), indent=2))
        return 0
    if len(argv) == 3 and argv[1] == "task-role-credentials":
        print(json.dumps(task_role_credentials(argv[2]), indent=2))
        return 0
    if len(argv) == 3 and argv[1] == "call-log" and argv[2] in ("start", "read", "stop"):
        # irmoto.calls: start recording (clears the log), read it, or stop and clear it.
        from .calls import CALLS_PATH

        method = {"start": "POST", "read": "GET", "stop": "DELETE"}[argv[2]]
        request = urllib.request.Request(_endpoint() + CALLS_PATH, method=method,
                                         data=b"{}" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            print(json.dumps(json.load(response), indent=2))
        return 0
    if len(argv) >= 3 and argv[1] in ("member-account", "member-user", "member-user-state"):
        parser = argparse.ArgumentParser(prog=f"python -m irmoto.fixtures {argv[1]}",
                                         description="A member account of the organization (#20) and what is in it.")
        parser.add_argument("account")
        parser.add_argument("name", nargs="?" if argv[1] == "member-account" else None)
        args = parser.parse_args(argv[2:])
        if argv[1] == "member-account":
            out = member_account(args.account)
        elif argv[1] == "member-user":
            out = member_user(args.account, args.name)
        else:
            out = member_user_state(args.account, args.name)
        print(json.dumps(out, indent=2))
        return 0
    if len(argv) >= 3 and argv[1] == "organization-account":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures organization-account",
                                         description="An account of the organization; --member: in the members OU.")
        parser.add_argument("name")
        parser.add_argument("--member", action="store_true", help="move it into the members OU")
        parser.add_argument("--unit", help="move it into this unit of the members OU (made on first use)")
        args = parser.parse_args(argv[2:])
        print(json.dumps(organization_account(args.name, args.member, args.unit), indent=2))
        return 0
    if len(argv) == 4 and argv[1] == "member-delete-role":
        print(json.dumps(member_delete_role(argv[2], argv[3]), indent=2))
        return 0
    if len(argv) == 5 and argv[1] in ("member-open-group", "member-group-rules", "member-blocks"):
        out = {"member-open-group": member_open_group, "member-group-rules": member_group_rules,
               "member-blocks": member_blocks}[argv[1]](argv[2], argv[3], argv[4])
        print(json.dumps(out, indent=2))
        return 0
    if len(argv) >= 2 and argv[1] == "assume":
        parser = argparse.ArgumentParser(prog="python -m irmoto.fixtures assume",
                                         description="The credentials of a session of a role.")
        parser.add_argument("role_arn")
        parser.add_argument("--session", default="irmoto-fixture")
        args = parser.parse_args(argv[2:])
        print(json.dumps(assume(args.role_arn, args.session), indent=2))
        return 0
    if len(argv) != 2 or argv[1] not in COMMANDS:
        print(f"usage: python -m irmoto.fixtures {{{'|'.join(COMMANDS)}}}\n"
              "       python -m irmoto.fixtures ssm-agent INSTANCE_ID [--ping-status STATUS] [...]\n"
              "       python -m irmoto.fixtures web-host --name NAME [--enis N] [--volumes N] [--target-groups N]"
              " [--tier T] [--asg] [--classic-elb] [--profile | --profile-of HOST] [--tag KEY=VALUE ...] [--agent Online|ConnectionLost|absent]\n"
              "       python -m irmoto.fixtures describe-host INSTANCE_ID\n"
              "       python -m irmoto.fixtures forensic-host --name NAME\n"
              "       python -m irmoto.fixtures forensic-network --name NAME [--instance-id ID]\n"
              "       python -m irmoto.fixtures volume-blocks VOLUME_ID --block INDEX=SEED ... | --corrupt-snapshot SNAP --corrupt INDEX\n"
              "       python -m irmoto.fixtures principal NAME --policy JSON [--path PATH]\n"
              "       python -m irmoto.fixtures assume ROLE_ARN [--session NAME]\n"
              "       python -m irmoto.fixtures member-account ACCOUNT | member-user ACCOUNT NAME | member-user-state ACCOUNT NAME\n"
              "       python -m irmoto.fixtures organization-account NAME [--member | --unit UNIT] | members-unit UNIT\n"
              "       python -m irmoto.fixtures member-open-group ACCOUNT REGION NAME | member-group-rules ACCOUNT REGION GROUP\n"
              "       python -m irmoto.fixtures member-blocks ACCOUNT REGION SUBNET | member-delete-role ACCOUNT NAME\n"
              "       python -m irmoto.fixtures call-log start|read|stop\n"
              "       python -m irmoto.fixtures --in ACCOUNT REGION COMMAND ...  (in a member account and Region)",
              file=sys.stderr)
        return 2
    print(json.dumps(COMMANDS[argv[1]](), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
