"""What an EC2-compromise playbook calls (irmoto/ec2_evidence.py): the SSM Agent and Run Command,
snapshots, volumes, network interfaces, instance profiles, load balancers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCOUNT, HARNESS, REGION, wait_for

AGENTS = "/moto-api/irmoto/ssm-agents"


@pytest.fixture(scope="module")
def aws1(moto_endpoint: str) -> Any:
    """Clients that do not retry: on plain moto these calls answer HTTP 500, which SDKs retry."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=moto_endpoint, config=config)


def agent(endpoint: str, instance_id: str, method: str = "POST", **body: Any) -> dict[str, Any]:
    url = endpoint + AGENTS
    if method == "POST":
        data = json.dumps({"instance_id": instance_id, **body}).encode()
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    else:
        request = urllib.request.Request(f"{url}?instance_id={instance_id}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"]


class Net:
    def __init__(self, aws: Any, uid: str) -> None:
        self.ec2 = aws("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.30.1.0/24",
                                             AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        self.uid = uid

    def instance(self, **kwargs: Any) -> str:
        return self.ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                      SubnetId=self.subnet, **kwargs)["Instances"][0]["InstanceId"]


@pytest.fixture
def net(aws: Any, uid: str) -> Net:
    return Net(aws, uid)


def info(ssm: Any, instance_id: str) -> list[dict[str, Any]]:
    return ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])[
        "InstanceInformationList"]


CAPTURE = {
    "schemaVersion": "2.2",
    "description": "capture",
    "parameters": {
        "CaseId": {"type": "String", "allowedPattern": "^case-[0-9a-f]{16}$"},
        "PacketCaptureSeconds": {"type": "String", "default": "0", "allowedPattern": "^[0-9]{1,3}$"},
    },
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "identify",
         "inputs": {"timeoutSeconds": "600", "runCommand": ["echo case={{ CaseId }}", "uname -a"]}},
        {"action": "aws:runShellScript", "name": "processes", "inputs": {"runCommand": ["ps auxwwf"]}},
        {"action": "aws:runShellScript", "name": "packets",
         "inputs": {"runCommand": ["timeout {{PacketCaptureSeconds}} tcpdump -w /tmp/{{ CaseId }}.pcap"]}},
    ],
}
CASE = "case-0123456789abcdef"


@pytest.fixture
def capture_document(aws: Any, uid: str) -> str:
    """The capture document as the project's stack declares it: Content an object, no Name."""
    cfn = aws("cloudformation")
    template = {"Resources": {"CaptureDocument": {"Type": "AWS::SSM::Document", "Properties": {
        "DocumentType": "Command", "DocumentFormat": "JSON", "Content": CAPTURE}}}}
    cfn.create_stack(StackName=f"capture-{uid}", TemplateBody=json.dumps(template))
    return cfn.describe_stack_resources(StackName=f"capture-{uid}")["StackResources"][0]["PhysicalResourceId"]


def finished(ssm: Any, command_id: str, instance_id: str, step: str | None = None) -> Any:
    def check() -> dict[str, Any] | None:
        kwargs = {"PluginName": step} if step else {}
        got = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id, **kwargs)
        return got if got["Status"] not in ("Pending", "InProgress", "Delayed") else None

    return check


# ---------------------------------------------------------------- CloudFormation SSM document


def test_a_stack_document_with_object_content_reads_back(aws1: Any, uid: str) -> None:
    # CloudFormation AWS::SSM::Document: Content is JSON, DocumentFormat defaults to JSON.
    cfn, ssm = aws1("cloudformation"), aws1("ssm")
    template = {"Resources": {"Doc": {"Type": "AWS::SSM::Document", "Properties": {
        "DocumentType": "Command", "Content": CAPTURE, "Name": f"doc-{uid}"}}}}
    cfn.create_stack(StackName=f"doc-{uid}", TemplateBody=json.dumps(template))
    assert cfn.describe_stacks(StackName=f"doc-{uid}")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    described = ssm.describe_document(Name=f"doc-{uid}")["Document"]
    assert described["DocumentFormat"] == "JSON" and described["SchemaVersion"] == "2.2"
    got = ssm.get_document(Name=f"doc-{uid}")
    assert isinstance(got["Content"], str) and json.loads(got["Content"]) == CAPTURE


# ---------------------------------------------------------------- managed nodes


def test_an_instance_is_managed_only_once_its_agent_is_registered(aws1: Any, net: Net, moto_endpoint: str,
                                                                   capture_document: str) -> None:
    iam, ssm = aws1("iam"), aws1("ssm")
    profile = iam.create_instance_profile(InstanceProfileName=f"p-{net.uid}")["InstanceProfile"]
    instance_id = net.instance(IamInstanceProfile={"Arn": profile["Arn"]})
    # A profile alone does not make a managed node.
    assert info(ssm, instance_id) == []
    assert error_code(lambda: ssm.send_command(InstanceIds=[instance_id], DocumentName=capture_document,
                                               Parameters={"CaseId": [CASE]})) == "InvalidInstanceId"

    answer = agent(moto_endpoint, instance_id, ping_status="Online")
    assert answer["Agent"]["ping_status"] == "Online"
    [listed] = info(ssm, instance_id)
    private = net.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert listed["InstanceId"] == instance_id and listed["PingStatus"] == "Online"
    assert listed["ResourceType"] == "EC2Instance" and listed["PlatformType"] == "Linux"
    assert listed["IPAddress"] == private["PrivateIpAddress"] and listed["ComputerName"] == private["PrivateDnsName"]
    assert listed["AgentVersion"] and listed["IsLatestVersion"] is True and listed["LastPingDateTime"]
    legacy = ssm.describe_instance_information(
        InstanceInformationFilterList=[{"key": "InstanceIds", "valueSet": [instance_id]}])["InstanceInformationList"]
    assert [i["InstanceId"] for i in legacy] == [instance_id]
    online = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [instance_id]},
                                                        {"Key": "PingStatus", "Values": ["ConnectionLost"]}])
    assert online["InstanceInformationList"] == []
    assert error_code(lambda: ssm.describe_instance_information(Filters=[
        {"Key": "ResourceType", "Values": ["EC2Instance", "ManagedInstance"]}])) == "InvalidInstanceInformationFilterValue"
    assert error_code(lambda: ssm.describe_instance_information(Filters=[{"Key": "Nope", "Values": ["x"]}])) == \
        "InvalidFilterKey"

    assert agent(moto_endpoint, instance_id, method="DELETE") == {"Removed": True}
    assert info(ssm, instance_id) == []


def test_ping_status_follows_the_agent_and_the_instance(aws1: Any, net: Net, moto_endpoint: str) -> None:
    ssm = aws1("ssm")
    instance_id = net.instance()
    agent(moto_endpoint, instance_id, ping_status="Online")
    agent(moto_endpoint, instance_id, ping_status="ConnectionLost", platform="Windows")
    time.sleep(0.3)
    [lost] = info(ssm, instance_id)
    assert lost["PingStatus"] == "ConnectionLost" and lost["PlatformType"] == "Windows"
    assert lost["LastPingDateTime"].timestamp() < time.time() - 0.25  # its last ping, not now

    agent(moto_endpoint, instance_id, ping_status="Online")
    net.ec2.stop_instances(InstanceIds=[instance_id])
    assert info(ssm, instance_id)[0]["PingStatus"] == "ConnectionLost"
    net.ec2.start_instances(InstanceIds=[instance_id])
    assert info(ssm, instance_id)[0]["PingStatus"] == "Online"
    net.ec2.terminate_instances(InstanceIds=[instance_id])
    assert info(ssm, instance_id)[0]["PingStatus"] == "Inactive"

    for body in ({"instance_id": "i-0123456789abcdef0"}, {"instance_id": instance_id, "ping_status": "Sleepy"},
                 {"instance_id": instance_id, "command_seconds": -1}):
        with pytest.raises(urllib.error.HTTPError) as e:
            agent(moto_endpoint, **body)
        assert e.value.code == 400


def test_describe_instance_information_pages(aws1: Any, net: Net, moto_endpoint: str) -> None:
    ssm = aws1("ssm")
    ids = [net.instance() for _ in range(7)]
    for instance_id in ids:
        agent(moto_endpoint, instance_id)
    flt = [{"Key": "InstanceIds", "Values": ids}]
    first = ssm.describe_instance_information(Filters=flt, MaxResults=5)
    second = ssm.describe_instance_information(Filters=flt, MaxResults=5, NextToken=first["NextToken"])
    assert len(first["InstanceInformationList"]) == 5 and "NextToken" not in second
    assert sorted(i["InstanceId"] for i in first["InstanceInformationList"] + second["InstanceInformationList"]) == \
        sorted(ids)
    unchecked = boto3.client("ssm", endpoint_url=ssm.meta.endpoint_url, region_name=REGION,
                             aws_access_key_id="testing", aws_secret_access_key="testing",
                             config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    assert error_code(lambda: unchecked.describe_instance_information(Filters=flt, MaxResults=4)) == \
        "ValidationException"


# ---------------------------------------------------------------- Run Command


def test_run_command_runs_each_step_and_uploads_what_the_agent_uploads(aws1: Any, net: Net, moto_endpoint: str,
                                                                     capture_document: str) -> None:
    ssm, s3 = aws1("ssm"), aws1("s3")
    instance_id = net.instance()
    agent(moto_endpoint, instance_id, command_seconds=0.6)
    bucket = f"evidence-{net.uid}"
    s3.create_bucket(Bucket=bucket)
    sent = ssm.send_command(InstanceIds=[instance_id], DocumentName=capture_document, Parameters={"CaseId": [CASE]},
                            OutputS3BucketName=bucket, OutputS3KeyPrefix=f"cases/{CASE}/volatile")["Command"]
    command_id = sent["CommandId"]
    assert sent["Status"] == "Pending" and sent["TargetCount"] == 1 and sent["InstanceIds"] == [instance_id]
    early = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id, PluginName="packets")
    assert early["Status"] in ("Pending", "InProgress") and early["ResponseCode"] == -1
    assert early["StandardOutputContent"] == ""
    # Several steps: PluginName (the step name) is required.
    assert error_code(lambda: ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)) == \
        "InvalidPluginName"

    done = wait_for(finished(ssm, command_id, instance_id, "identify"), timeout=10, what="the identify step")
    assert done["Status"] == "Success" and done["StatusDetails"] == "Success" and done["ResponseCode"] == 0
    assert done["PluginName"] == "identify" and done["DocumentName"] == capture_document
    assert done["ExecutionStartDateTime"] and done["ExecutionEndDateTime"] and done["ExecutionElapsedTime"].startswith("PT")
    out = done["StandardOutputContent"]
    assert "Emulated SSM Agent" in out and "nothing was captured" in out
    assert f"echo case={CASE}\nuname -a" in out  # the step's commands, parameters substituted
    key = f"cases/{CASE}/volatile/{command_id}/{instance_id}/awsrunShellScript/identify/stdout"
    assert done["StandardOutputUrl"] == f"https://s3.us-east-1.amazonaws.com/{bucket}/{key}"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode() == out
    packets = wait_for(finished(ssm, command_id, instance_id, "packets"), timeout=10, what="the last step")
    assert f"timeout 0 tcpdump -w /tmp/{CASE}.pcap" in packets["StandardOutputContent"]

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"cases/{CASE}/volatile/{command_id}/{instance_id}/awsrunShellScript/{step}/stdout"
                          for step in ("identify", "processes", "packets"))  # no empty stderr uploaded
    [listed] = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
    assert listed["Status"] == "Success" and listed["InstanceId"] == instance_id
    assert [p["Name"] for p in listed["CommandPlugins"]] == ["identify", "processes", "packets"]
    assert all(p["Status"] == "Success" and p["ResponseCode"] == 0 for p in listed["CommandPlugins"])
    assert listed["CommandPlugins"][1]["OutputS3KeyPrefix"] == \
        f"cases/{CASE}/volatile/{command_id}/{instance_id}/awsrunShellScript"
    assert ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"][0]["CommandPlugins"] == []
    by_instance = ssm.list_command_invocations(InstanceId=instance_id)["CommandInvocations"]
    assert [i["CommandId"] for i in by_instance] == [command_id]
    [command] = ssm.list_commands(CommandId=command_id)["Commands"]
    assert (command["Status"], command["CompletedCount"], command["ErrorCount"], command["TargetCount"]) == \
        ("Success", 1, 0, 1)


def test_send_command_validates_document_parameters_and_instances(aws1: Any, net: Net, moto_endpoint: str,
                                                                  capture_document: str) -> None:
    ssm = aws1("ssm")
    instance_id = net.instance()
    net.instance()  # another instance in the region must not be targeted
    agent(moto_endpoint, instance_id)

    def send(**kwargs: Any) -> Any:
        return lambda: ssm.send_command(**{"InstanceIds": [instance_id], "DocumentName": capture_document,
                                           "Parameters": {"CaseId": [CASE]}, **kwargs})

    assert error_code(send(DocumentName=f"nope-{net.uid}")) == "InvalidDocument"
    assert error_code(send(Parameters={"CaseId": [CASE], "Nope": ["x"]})) == "InvalidParameters"
    assert error_code(send(Parameters={"CaseId": ["case-XYZ"]})) == "InvalidParameters"  # allowedPattern
    assert error_code(send(Parameters={})) == "InvalidParameters"  # CaseId has no default
    assert error_code(send(InstanceIds=["i-0123456789abcdef0"])) == "InvalidInstanceId"
    command = send()()["Command"]
    assert command["InstanceIds"] == [instance_id] and command["TargetCount"] == 1


def test_aws_run_shell_script_keeps_the_agents_plugin_layout(aws1: Any, net: Net, moto_endpoint: str) -> None:
    ssm, s3 = aws1("ssm"), aws1("s3")
    instance_id = net.instance()
    agent(moto_endpoint, instance_id, command_seconds=0)
    bucket = f"out-{net.uid}"
    s3.create_bucket(Bucket=bucket)
    command_id = ssm.send_command(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                                  Parameters={"commands": ["uname -a", "id"]}, OutputS3BucketName=bucket)["Command"]["CommandId"]
    done = wait_for(finished(ssm, command_id, instance_id), timeout=10, what="the command")  # one plugin: no name needed
    assert done["Status"] == "Success" and done["PluginName"] == "aws:runShellScript"
    assert "uname -a\nid" in done["StandardOutputContent"]
    key = f"{command_id}/{instance_id}/awsrunShellScript/0.awsrunShellScript/stdout"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode() == done["StandardOutputContent"]
    [listed] = ssm.list_command_invocations(CommandId=command_id)["CommandInvocations"]
    assert listed["StandardOutputUrl"].endswith(f"/{bucket}/{key}")  # one plugin: shown on the invocation


def test_an_agent_told_to_fail_fails_each_step(aws1: Any, net: Net, moto_endpoint: str, capture_document: str) -> None:
    ssm, s3 = aws1("ssm"), aws1("s3")
    instance_id = net.instance()
    agent(moto_endpoint, instance_id, command_seconds=0, fail_commands=True)
    bucket = f"fail-{net.uid}"
    s3.create_bucket(Bucket=bucket)
    command_id = ssm.send_command(InstanceIds=[instance_id], DocumentName=capture_document, Parameters={"CaseId": [CASE]},
                                  OutputS3BucketName=bucket)["Command"]["CommandId"]
    done = wait_for(finished(ssm, command_id, instance_id, "processes"), timeout=10, what="the step")
    assert (done["Status"], done["StatusDetails"], done["ResponseCode"]) == ("Failed", "Failed", 1)
    assert "fail_commands" in done["StandardErrorContent"]
    key = f"{command_id}/{instance_id}/awsrunShellScript/processes/stderr"
    assert "fail_commands" in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    [command] = ssm.list_commands(CommandId=command_id)["Commands"]
    assert (command["Status"], command["ErrorCount"]) == ("Failed", 1)


def test_a_lost_agent_times_out_delivery_or_runs_the_command_when_back(aws1: Any, net: Net, moto_endpoint: str,
                                                                       capture_document: str) -> None:
    ssm = aws1("ssm")
    lost, back = net.instance(), net.instance()
    agent(moto_endpoint, lost, ping_status="ConnectionLost", delivery_timeout_seconds=0.5)
    agent(moto_endpoint, back, ping_status="ConnectionLost", command_seconds=0)
    command_id = ssm.send_command(InstanceIds=[lost, back], DocumentName=capture_document,
                                  Parameters={"CaseId": [CASE]})["Command"]["CommandId"]
    pending = ssm.get_command_invocation(CommandId=command_id, InstanceId=lost, PluginName="identify")
    assert (pending["Status"], pending["ResponseCode"]) == ("Pending", -1)

    timed_out = wait_for(finished(ssm, command_id, lost, "identify"), timeout=10, what="the delivery timeout")
    assert (timed_out["Status"], timed_out["StatusDetails"], timed_out["ResponseCode"]) == \
        ("TimedOut", "DeliveryTimedOut", -1)
    assert ssm.get_command_invocation(CommandId=command_id, InstanceId=back, PluginName="identify")["Status"] == "Pending"
    agent(moto_endpoint, back, ping_status="Online")
    assert wait_for(finished(ssm, command_id, back, "identify"), timeout=10, what="delivery")["Status"] == "Success"
    [command] = ssm.list_commands(CommandId=command_id)["Commands"]
    assert (command["Status"], command["DeliveryTimedOutCount"], command["CompletedCount"]) == ("TimedOut", 1, 2)
    statuses = {i["InstanceId"]: i["StatusDetails"] for i in ssm.list_command_invocations(
        CommandId=command_id)["CommandInvocations"]}
    assert statuses == {lost: "DeliveryTimedOut", back: "Success"}


def test_targets_without_an_agent_are_undeliverable(aws1: Any, net: Net, moto_endpoint: str,
                                                    capture_document: str) -> None:
    ssm = aws1("ssm")
    tag = [{"ResourceType": "instance", "Tags": [{"Key": "fleet", "Value": net.uid}]}]
    managed, unmanaged = net.instance(TagSpecifications=tag), net.instance(TagSpecifications=tag)
    agent(moto_endpoint, managed, command_seconds=0)
    command_id = ssm.send_command(Targets=[{"Key": "tag:fleet", "Values": [net.uid]}], DocumentName=capture_document,
                                  Parameters={"CaseId": [CASE]})["Command"]["CommandId"]
    wait_for(finished(ssm, command_id, managed, "identify"), timeout=10)
    statuses = {i["InstanceId"]: (i["Status"], i["StatusDetails"]) for i in ssm.list_command_invocations(
        CommandId=command_id)["CommandInvocations"]}
    assert statuses == {managed: ("Success", "Success"), unmanaged: ("Failed", "Undeliverable")}


# ---------------------------------------------------------------- EBS


def test_create_snapshots_items_have_state_and_tags(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    instance_id = net.instance(BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8}},
                                                    {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 20}},
                                                    {"DeviceName": "/dev/xvdc", "Ebs": {"VolumeSize": 5}}])
    volumes = {v["Attachments"][0]["Device"]: v["VolumeId"] for v in ec2.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]}
    ec2.create_tags(Resources=[volumes["/dev/xvdb"]], Tags=[{"Key": "app", "Value": "web"},
                                                            {"Key": "case", "Value": "from-volume"}])
    made = ec2.create_snapshots(
        InstanceSpecification={"InstanceId": instance_id, "ExcludeBootVolume": True,
                               "ExcludeDataVolumeIds": [volumes["/dev/xvdc"]]},
        Description="evidence", CopyTagsFromSource="volume",
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "case", "Value": net.uid}]}])["Snapshots"]
    assert [s["VolumeId"] for s in made] == [volumes["/dev/xvdb"]]
    [snapshot] = made
    assert snapshot["State"] == "completed" and snapshot["Progress"] == "100%" and snapshot["OwnerId"] == ACCOUNT
    assert {t["Key"]: t["Value"] for t in snapshot["Tags"]} == {"app": "web", "case": net.uid}
    by_tag = ec2.describe_snapshots(Filters=[{"Name": "tag:case", "Values": [net.uid]}])["Snapshots"]
    assert [s["SnapshotId"] for s in by_tag] == [snapshot["SnapshotId"]]


def test_describe_snapshots_owner_self_lists_only_the_accounts_own(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    instance_id = net.instance()
    mine = ec2.create_snapshots(InstanceSpecification={"InstanceId": instance_id})["Snapshots"][0]["SnapshotId"]
    own = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert mine in {s["SnapshotId"] for s in own}
    assert {s["OwnerId"] for s in own} == {ACCOUNT}
    everything = ec2.describe_snapshots()["Snapshots"]
    assert len(everything) > len(own)  # public snapshots are listed when no owner is asked for
    assert mine not in {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"]}
    paged, token = [], None
    while True:
        page = ec2.describe_snapshots(OwnerIds=["self"], MaxResults=5, **({"NextToken": token} if token else {}))
        assert len(page["Snapshots"]) <= 5
        paged += page["Snapshots"]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(s["SnapshotId"] for s in paged) == sorted(s["SnapshotId"] for s in own)


def test_delete_on_termination_is_kept_shown_and_honoured(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    instance_id = net.instance()
    [root] = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="blockDeviceMapping")["BlockDeviceMappings"]
    assert root["DeviceName"] == "/dev/sda1" and root["Ebs"]["DeleteOnTermination"] is True
    ec2.modify_instance_attribute(InstanceId=instance_id, BlockDeviceMappings=[
        {"DeviceName": "/dev/sda1", "Ebs": {"DeleteOnTermination": False}}])
    [root] = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="blockDeviceMapping")["BlockDeviceMappings"]
    assert root["Ebs"]["DeleteOnTermination"] is False
    [volume] = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
    assert volume["Attachments"][0]["DeleteOnTermination"] is False
    assert error_code(lambda: ec2.modify_instance_attribute(InstanceId=instance_id, BlockDeviceMappings=[
        {"DeviceName": "/dev/xvdz", "Ebs": {"DeleteOnTermination": False}}])) == "InvalidInstanceAttributeValue"
    ec2.modify_instance_attribute(InstanceId=instance_id, InstanceInitiatedShutdownBehavior={"Value": "stop"})
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="instanceInitiatedShutdownBehavior")[
        "InstanceInitiatedShutdownBehavior"]["Value"] == "stop"
    ec2.terminate_instances(InstanceIds=[instance_id])
    [kept] = ec2.describe_volumes(VolumeIds=[root["Ebs"]["VolumeId"]])["Volumes"]
    assert kept["State"] == "available"


def test_shutdown_behaviour_changes_and_groups_stay(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    group = ec2.create_security_group(GroupName=f"web-{net.uid}", Description="web", VpcId=net.vpc)["GroupId"]
    instance_id = net.instance(SecurityGroupIds=[group])
    ec2.modify_instance_attribute(InstanceId=instance_id, InstanceInitiatedShutdownBehavior={"Value": "terminate"})
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="instanceInitiatedShutdownBehavior")[
        "InstanceInitiatedShutdownBehavior"]["Value"] == "terminate"
    ec2.modify_instance_attribute(InstanceId=instance_id, InstanceInitiatedShutdownBehavior={"Value": "stop"})
    ec2.modify_instance_attribute(InstanceId=instance_id, DisableApiTermination={"Value": True})
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="instanceInitiatedShutdownBehavior")[
        "InstanceInitiatedShutdownBehavior"]["Value"] == "stop"
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination")[
        "DisableApiTermination"]["Value"] is True
    assert [g["GroupId"] for g in ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="groupSet")[
        "Groups"]] == [group]
    assert error_code(lambda: ec2.modify_instance_attribute(
        InstanceId=instance_id, InstanceInitiatedShutdownBehavior={"Value": "hibernate"})) == "InvalidParameterValue"


def test_attach_volume_refuses_what_ec2_refuses(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    instance_id, other = net.instance(), net.instance()
    snapshot = ec2.create_snapshots(InstanceSpecification={"InstanceId": instance_id})["Snapshots"][0]["SnapshotId"]

    def volume(zone: str = "us-east-1a") -> str:
        return ec2.create_volume(SnapshotId=snapshot, AvailabilityZone=zone, TagSpecifications=[
            {"ResourceType": "volume", "Tags": [{"Key": "case", "Value": net.uid}]}])["VolumeId"]

    first, second, elsewhere = volume(), volume(), volume("us-east-1b")
    assert ec2.attach_volume(VolumeId=first, InstanceId=other, Device="/dev/sdf")["State"] == "attaching"
    assert error_code(lambda: ec2.attach_volume(VolumeId=second, InstanceId=other, Device="/dev/sdf")) == \
        "InvalidParameterValue"
    assert error_code(lambda: ec2.attach_volume(VolumeId=first, InstanceId=instance_id, Device="/dev/sdg")) == \
        "VolumeInUse"
    assert error_code(lambda: ec2.attach_volume(VolumeId=elsewhere, InstanceId=other, Device="/dev/sdh")) == \
        "InvalidVolume.ZoneMismatch"
    [attached] = ec2.describe_volumes(VolumeIds=[first])["Volumes"]
    assert attached["State"] == "in-use" and attached["Attachments"][0]["Device"] == "/dev/sdf"
    assert {t["Key"]: t["Value"] for t in attached["Tags"]} == {"case": net.uid}


# ---------------------------------------------------------------- ENI, instance profile


def test_attach_network_interface_refuses_a_used_index_or_interface(aws1: Any, net: Net) -> None:
    ec2 = aws1("ec2")
    instance_id = net.instance()
    forensic, spare = (ec2.create_network_interface(SubnetId=net.subnet)["NetworkInterface"]["NetworkInterfaceId"]
                       for _ in range(2))
    assert error_code(lambda: ec2.attach_network_interface(NetworkInterfaceId=forensic, InstanceId=instance_id,
                                                           DeviceIndex=0)) == "InvalidParameterValue"
    ec2.attach_network_interface(NetworkInterfaceId=forensic, InstanceId=instance_id, DeviceIndex=1)
    assert error_code(lambda: ec2.attach_network_interface(NetworkInterfaceId=spare, InstanceId=instance_id,
                                                           DeviceIndex=1)) == "InvalidParameterValue"
    assert error_code(lambda: ec2.attach_network_interface(NetworkInterfaceId=forensic, InstanceId=instance_id,
                                                           DeviceIndex=2)) == "InvalidNetworkInterface.InUse"
    nics = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["NetworkInterfaces"]
    assert sorted(n["Attachment"]["DeviceIndex"] for n in nics) == [0, 1]
    assert len({n["NetworkInterfaceId"] for n in nics}) == 2


def test_a_replaced_instance_profile_shows_in_describe_instances(aws1: Any, net: Net) -> None:
    ec2, iam = aws1("ec2"), aws1("iam")
    first = iam.create_instance_profile(InstanceProfileName=f"web-{net.uid}")["InstanceProfile"]
    quarantine = iam.create_instance_profile(InstanceProfileName=f"quarantine-{net.uid}")["InstanceProfile"]
    instance_id = net.instance(IamInstanceProfile={"Arn": first["Arn"]})
    shown = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["IamInstanceProfile"]
    assert shown == {"Arn": first["Arn"], "Id": first["InstanceProfileId"]}
    [association] = ec2.describe_iam_instance_profile_associations(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}])["IamInstanceProfileAssociations"]
    ec2.replace_iam_instance_profile_association(AssociationId=association["AssociationId"],
                                                 IamInstanceProfile={"Name": f"quarantine-{net.uid}"})
    shown = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["IamInstanceProfile"]
    assert shown == {"Arn": quarantine["Arn"], "Id": quarantine["InstanceProfileId"]}


# ---------------------------------------------------------------- load balancers, Auto Scaling


def test_target_registrations_are_per_port_and_drain(aws1: Any, net: Net) -> None:
    elbv2 = aws1("elbv2")
    instance_id, other = net.instance(), net.instance()
    tg = elbv2.create_target_group(Name=f"tg-{net.uid}", Protocol="HTTP", Port=80, VpcId=net.vpc)[
        "TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "1"}])
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": instance_id, "Port": 8080}, {"Id": instance_id, "Port": 8081}])

    def health(**kwargs: Any) -> dict[tuple[str, int], str]:
        return {(d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]["State"]
                for d in elbv2.describe_target_health(TargetGroupArn=tg, **kwargs)["TargetHealthDescriptions"]}

    assert health() == {(instance_id, 8080): "healthy", (instance_id, 8081): "healthy"}
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": instance_id, "Port": 8080}])
    assert health() == {(instance_id, 8080): "draining", (instance_id, 8081): "healthy"}
    draining = elbv2.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": instance_id, "Port": 8080}])[
        "TargetHealthDescriptions"][0]["TargetHealth"]
    assert draining["Reason"] == "Target.DeregistrationInProgress"
    wait_for(lambda: health() == {(instance_id, 8081): "healthy"}, timeout=10, what="the deregistration delay")
    gone = elbv2.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": instance_id, "Port": 8080}])[
        "TargetHealthDescriptions"][0]["TargetHealth"]
    assert (gone["State"], gone["Reason"]) == ("unused", "Target.NotRegistered")
    assert health(Targets=[{"Id": other}]) == {(other, 80): "unused"}
    elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": other}])  # not registered: nothing to do
    assert error_code(lambda: elbv2.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": "i-0123456789abcdef0"}])) == \
        "InvalidTarget"


def test_detach_instances_leaves_the_groups_target_groups_and_load_balancers(aws1: Any, net: Net) -> None:
    ec2, asg, elbv2, elb = aws1("ec2"), aws1("autoscaling"), aws1("elbv2"), aws1("elb")
    name = f"asg-{net.uid}"
    ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": "ami-12c6146b",
                                                                            "InstanceType": "t3.micro"})
    tg = elbv2.create_target_group(Name=f"tg-{net.uid}", Protocol="HTTP", Port=80, VpcId=net.vpc)[
        "TargetGroups"][0]["TargetGroupArn"]
    elb.create_load_balancer(LoadBalancerName=f"clb-{net.uid}", Subnets=[net.subnet],
                             Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    asg.create_auto_scaling_group(AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateName": name},
                                  MinSize=1, MaxSize=3, DesiredCapacity=2, VPCZoneIdentifier=net.subnet,
                                  TargetGroupARNs=[tg], LoadBalancerNames=[f"clb-{net.uid}"])
    members = [i["InstanceId"] for i in asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"][0]["Instances"]]
    victim = members[0]
    asg.detach_instances(AutoScalingGroupName=name, InstanceIds=[victim], ShouldDecrementDesiredCapacity=False)
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 2 and victim not in {i["InstanceId"] for i in group["Instances"]}
    states = {d["Target"]["Id"]: d["TargetHealth"]["State"]
              for d in elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}
    assert states[victim] == "draining"
    assert sorted(i for i, s in states.items() if s == "healthy") == sorted(i["InstanceId"] for i in group["Instances"])
    clb = elb.describe_load_balancers(LoadBalancerNames=[f"clb-{net.uid}"])["LoadBalancerDescriptions"][0]
    assert victim not in {i["InstanceId"] for i in clb["Instances"]}


def test_classic_elb_register_and_deregister_answer_the_instance_list(aws1: Any, net: Net) -> None:
    elb = aws1("elb")
    a, b = net.instance(), net.instance()
    elb.create_load_balancer(LoadBalancerName=f"web-{net.uid}", Subnets=[net.subnet],
                             Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    registered = elb.register_instances_with_load_balancer(LoadBalancerName=f"web-{net.uid}",
                                                           Instances=[{"InstanceId": a}, {"InstanceId": b}])
    assert registered["Instances"] == [{"InstanceId": a}, {"InstanceId": b}]
    again = elb.register_instances_with_load_balancer(LoadBalancerName=f"web-{net.uid}", Instances=[{"InstanceId": a}])
    assert again["Instances"] == [{"InstanceId": a}, {"InstanceId": b}]
    left = elb.deregister_instances_from_load_balancer(LoadBalancerName=f"web-{net.uid}", Instances=[{"InstanceId": a}])
    assert left["Instances"] == [{"InstanceId": b}]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def fixture_env(moto_endpoint: str) -> Iterator[dict[str, str]]:
    yield {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": str(HARNESS)}


def run_fixture(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irmoto.fixtures", *args], cwd=HARNESS, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_fixture_command_says_whether_an_instance_runs_an_agent(aws1: Any, net: Net, fixture_env: dict[str, str]) -> None:
    ssm = aws1("ssm")
    instance_id = net.instance()
    done = run_fixture(fixture_env, "ssm-agent", instance_id, "--ping-status", "ConnectionLost", "--fail-commands")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Agent"]["fail_commands"] is True
    assert info(ssm, instance_id)[0]["PingStatus"] == "ConnectionLost"
    done = run_fixture(fixture_env, "ssm-agent", instance_id, "--ping-status", "absent")
    assert done.returncode == 0, done.stderr
    assert info(ssm, instance_id) == []
    refused = run_fixture(fixture_env, "ssm-agent", "i-0123456789abcdef0")
    assert refused.returncode != 0 and "400" in refused.stderr


def test_the_demo_environment_instance_is_a_managed_node(aws1: Any, fixture_env: dict[str, str]) -> None:
    done = run_fixture(fixture_env, "demo-environment")
    assert done.returncode == 0, done.stderr
    environment = json.loads(done.stdout)
    assert environment["ssm_ping_status"] == "Online"
    assert info(aws1("ssm"), environment["instance_id"])[0]["PingStatus"] == "Online"


def test_object_lock_default_retention_in_days_applies_to_new_objects(aws: Any, uid: str) -> None:
    # Through CloudFormation, as the evidence bucket is made: that path leaves Years unset.
    cfn, s3 = aws("cloudformation"), aws("s3")
    template = {
        "Resources": {
            "Evidence": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "ObjectLockEnabled": True,
                    "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}},
                    "VersioningConfiguration": {"Status": "Enabled"},
                },
            }
        },
        "Outputs": {"Bucket": {"Value": {"Ref": "Evidence"}}},
    }
    cfn.create_stack(StackName=f"locked-{uid}", TemplateBody=json.dumps(template))
    bucket = cfn.describe_stacks(StackName=f"locked-{uid}")["Stacks"][0]["Outputs"][0]["OutputValue"]
    s3.put_object(Bucket=bucket, Key="evidence", Body=b"memory", ContentMD5=base64.b64encode(hashlib.md5(b"memory").digest()).decode())
    head = s3.head_object(Bucket=bucket, Key="evidence")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    days = (head["ObjectLockRetainUntilDate"] - datetime.now(UTC)).days
    assert 28 <= days <= 30, head["ObjectLockRetainUntilDate"]


def test_object_lock_default_retention_in_days_set_through_the_api_applies_to_new_objects(aws: Any, uid: str) -> None:
    # PutObjectLockConfiguration with Days only leaves moto's Years as None (every PutObject then
    # failed with HTTP 500 before patch_s3_object_lock_default_retention).
    s3 = aws("s3")
    bucket = f"locked-api-{uid}"
    s3.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 7}}},
    )
    s3.put_object(Bucket=bucket, Key="evidence", Body=b"memory", ContentMD5=base64.b64encode(hashlib.md5(b"memory").digest()).decode())
    head = s3.head_object(Bucket=bucket, Key="evidence")
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert 6 <= (head["ObjectLockRetainUntilDate"] - datetime.now(UTC)).days <= 7, head["ObjectLockRetainUntilDate"]
