"""Fault injection (irmoto/faults.py) and the playbook's host fixtures (irmoto/fixtures.py web-host,
forensic-host, forensic-network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import HARNESS, REGION

FAULTS = "/moto-api/irmoto/faults"


def faults(endpoint: str, method: str = "GET", body: dict[str, Any] | None = None, query: str = "") -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + FAULTS + query, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture(autouse=True)
def no_faults_left(moto_endpoint: str) -> Iterator[None]:
    """The server is shared by the whole session: no fault may outlive its test."""

    def clear() -> None:
        try:
            faults(moto_endpoint, "DELETE")
        except urllib.error.HTTPError as e:  # plain moto (IRMOTO_TEST_WITHOUT_EXTENSIONS=1) has no such endpoint
            if os.environ.get("IRMOTO_TEST_WITHOUT_EXTENSIONS") != "1":
                raise
            assert e.code in (404, 405, 500)

    clear()
    yield
    clear()


@pytest.fixture(scope="module")
def once(moto_endpoint: str) -> Any:
    """Clients that do not retry, so each injected error is seen by the caller."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=moto_endpoint, config=config)


def error_of(call: Any) -> tuple[str, int, dict[str, str]]:
    with pytest.raises(ClientError) as e:
        call()
    meta = e.value.response["ResponseMetadata"]
    return e.value.response["Error"]["Code"], meta["HTTPStatusCode"], meta["HTTPHeaders"]


def served(endpoint: str, fault_id: str) -> dict[str, Any]:
    return next(f for f in faults(endpoint)["Faults"] if f["id"] == fault_id)


class Eni:
    def __init__(self, aws: Any) -> None:
        self.ec2 = aws("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]

    def group(self, name: str) -> str:
        return self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]

    def interface(self) -> str:
        return self.ec2.create_network_interface(SubnetId=self.subnet)["NetworkInterface"]["NetworkInterfaceId"]

    def groups_of(self, eni: str) -> list[str]:
        described = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        return [g["GroupId"] for g in described["Groups"]]


# ---------------------------------------------------------------- faults


def test_an_ec2_throttle_fails_exactly_count_requests_then_the_call_works(once: Any, aws: Any, moto_endpoint: str, uid: str) -> None:
    net = Eni(aws)
    eni, quarantine = net.interface(), net.group(f"quarantine-{uid}")
    before = net.groups_of(eni)
    fault = faults(moto_endpoint, "POST", {"service": "ec2", "action": "ModifyNetworkInterfaceAttribute",
                                           "error": "RequestLimitExceeded", "message": "Request limit exceeded.",
                                           "count": 3})["Fault"]
    assert fault["status"] == 503 and fault["remaining"] == 3 and fault["active"] is True
    ec2 = once("ec2")
    modify = lambda: ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[quarantine])  # noqa: E731
    for _ in range(3):
        code, status, _ = error_of(modify)
        assert (code, status) == ("RequestLimitExceeded", 503)
        assert net.groups_of(eni) == before, "a failed call changed the interface"
    modify()
    assert net.groups_of(eni) == [quarantine]
    assert {k: served(moto_endpoint, fault["id"])[k] for k in ("served", "remaining", "active")} == \
        {"served": 3, "remaining": 0, "active": False}


def test_the_sdk_retries_an_injected_throttle_and_the_call_completes(aws: Any, moto_endpoint: str, uid: str) -> None:
    # botocore's standard mode classifies RequestLimitExceeded as throttling (as aws-sdk-rust does)
    # and retries it: 2 failures, then the third attempt succeeds.
    net = Eni(aws)
    eni, quarantine = net.interface(), net.group(f"q-{uid}")
    fault = faults(moto_endpoint, "POST", {"service": "ec2", "action": "ModifyNetworkInterfaceAttribute",
                                           "error": "RequestLimitExceeded", "count": 2})["Fault"]
    ec2 = boto3.client("ec2", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    answer = ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[quarantine])
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert net.groups_of(eni) == [quarantine]
    assert served(moto_endpoint, fault["id"])["served"] == 2


def test_json_protocol_services_answer_their_own_error_format(once: Any, moto_endpoint: str) -> None:
    faults(moto_endpoint, "POST", {"service": "dynamodb", "action": "ListTables", "error": "ThrottlingException"})
    faults(moto_endpoint, "POST", {"service": "ssm", "error": "ThrottlingException", "message": "Rate exceeded"})
    code, status, headers = error_of(once("dynamodb").list_tables)
    assert (code, status) == ("ThrottlingException", 400)
    assert headers["x-amzn-errortype"].endswith("ThrottlingException")
    assert headers["content-type"] == "application/x-amz-json-1.0"
    code, status, headers = error_of(lambda: once("ssm").get_parameter(Name="anything"))
    assert (code, status, headers["content-type"]) == ("ThrottlingException", 400, "application/x-amz-json-1.1")
    once("dynamodb").list_tables()  # count 1: used up
    with pytest.raises(ClientError) as e:
        once("ssm").get_parameter(Name="anything")
    assert e.value.response["Error"]["Code"] == "ParameterNotFound"  # moto again


def test_elbv2_and_autoscaling_throttles(once: Any, aws: Any, moto_endpoint: str, uid: str) -> None:
    vpc = aws("ec2").create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    tg = aws("elbv2").create_target_group(Name=f"flt-{uid}", Protocol="HTTPS", Port=443, VpcId=vpc)[
        "TargetGroups"][0]["TargetGroupArn"]
    faults(moto_endpoint, "POST", {"service": "elbv2", "action": "DescribeTargetHealth", "error": "Throttling",
                                   "count": 2})
    faults(moto_endpoint, "POST", {"service": "autoscaling", "error": "Throttling"})  # any action
    faults(moto_endpoint, "POST", {"service": "elbv2", "action": "DescribeLoadBalancers", "error": "Throttling"})
    elbv2, asg = once("elbv2"), once("autoscaling")
    assert error_of(lambda: elbv2.describe_target_health(TargetGroupArn=tg))[:2] == ("Throttling", 400)
    elbv2.describe_target_groups(TargetGroupArns=[tg])  # another action: not faulted
    assert error_of(lambda: elbv2.describe_target_health(TargetGroupArn=tg))[:2] == ("Throttling", 400)
    assert elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"] == []
    once("elb").describe_load_balancers()  # Classic ELB shares the endpoint and the action name
    assert error_of(elbv2.describe_load_balancers)[:2] == ("Throttling", 400)
    assert error_of(asg.describe_auto_scaling_groups)[:2] == ("Throttling", 400)
    asg.describe_auto_scaling_groups()


def post_form(endpoint: str, service: str, form: str) -> tuple[int, str]:
    request = urllib.request.Request(endpoint + "/", data=form.encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/{service}/aws4_request, "
                         "SignedHeaders=host, Signature=0"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_error_envelopes_are_the_ones_sdks_parse(moto_endpoint: str) -> None:
    # ec2Query: <Response><Errors><Error>; awsQuery (Auto Scaling, ELB): <ErrorResponse><Error>, which is
    # what aws-sdk-rust's query error parser reads (it looks for Error under the root).
    faults(moto_endpoint, "POST", {"service": "ec2", "error": "RequestLimitExceeded"})
    faults(moto_endpoint, "POST", {"service": "elbv2", "error": "Throttling"})
    status, body = post_form(moto_endpoint, "ec2", "Action=DescribeVpcs&Version=2016-11-15")
    assert status == 503
    assert "<Response" in body and "<Errors><Error><Code>RequestLimitExceeded</Code>" in body
    status, body = post_form(moto_endpoint, "elasticloadbalancing", "Action=DescribeTargetGroups&Version=2015-12-01")
    assert status == 400
    assert body.startswith("<ErrorResponse") and "<Error><Type>Sender</Type><Code>Throttling</Code>" in body


def test_s3_rest_xml_fault_matched_by_key(once: Any, aws: Any, moto_endpoint: str, uid: str) -> None:
    aws("s3").create_bucket(Bucket=f"faults-{uid}")
    fault = faults(moto_endpoint, "POST", {"service": "s3", "action": "PutObject", "error": "SlowDown",
                                           "match": {"Key": "evidence/memory.lime"}, "count": None})["Fault"]
    assert fault["status"] == 503 and fault["remaining"] is None
    s3 = once("s3")
    s3.put_object(Bucket=f"faults-{uid}", Key="evidence/other", Body=b"x")
    for _ in range(2):
        code, status, headers = error_of(lambda: s3.put_object(Bucket=f"faults-{uid}", Key="evidence/memory.lime", Body=b"x"))
        assert (code, status, headers["content-type"]) == ("SlowDown", 503, "application/xml")
    assert served(moto_endpoint, fault["id"])["served"] == 2
    assert faults(moto_endpoint, "DELETE", query=f"?id={fault['id']}") == {"Cleared": 1}
    s3.put_object(Bucket=f"faults-{uid}", Key="evidence/memory.lime", Body=b"x")


def test_match_targets_one_resource_and_after_lets_requests_through(once: Any, aws: Any, moto_endpoint: str, uid: str) -> None:
    net = Eni(aws)
    target, other, group = net.interface(), net.interface(), net.group(f"m-{uid}")
    fault = faults(moto_endpoint, "POST", {"service": "ec2", "action": "ModifyNetworkInterfaceAttribute",
                                           "error": "RequestLimitExceeded", "match": {"NetworkInterfaceId": target},
                                           "after": 2, "count": 1})["Fault"]
    ec2 = once("ec2")
    modify = lambda eni: lambda: ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[group])  # noqa: E731
    modify(other)()  # another interface: not counted
    modify(target)()
    modify(target)()  # `after`: two matching requests through
    assert error_of(modify(target))[:2] == ("RequestLimitExceeded", 503)
    modify(target)()  # count used up
    assert {k: served(moto_endpoint, fault["id"])[k] for k in ("passed", "served", "active")} == \
        {"passed": 2, "served": 1, "active": False}
    # A list parameter matches any of its members, by its API name or its wire name (NetworkInterfaceId.N).
    for key in ("NetworkInterfaceIds", "NetworkInterfaceId"):
        faults(moto_endpoint, "POST", {"service": "ec2", "action": "DescribeNetworkInterfaces",
                                       "error": "RequestLimitExceeded", "match": {key: target}})
        ec2.describe_network_interfaces(NetworkInterfaceIds=[other])
        assert error_of(lambda: ec2.describe_network_interfaces(NetworkInterfaceIds=[other, target]))[0] == "RequestLimitExceeded"


def test_a_bad_fault_is_refused(moto_endpoint: str) -> None:
    for body in ({"error": "Throttling"}, {"service": "ec2"}, {"service": "ec2", "error": "X", "count": 0},
                 {"service": "ec2", "error": "X", "status": 200}, {"service": "ec2", "error": "X", "match": "eni-1"},
                 {"service": "ec2", "error": "X", "typo": 1}):
        with pytest.raises(urllib.error.HTTPError) as e:
            faults(moto_endpoint, "POST", body)
        assert e.value.code == 400
    assert faults(moto_endpoint)["Faults"] == []


def test_the_faults_command_adds_lists_and_clears(once: Any, moto_endpoint: str) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "PYTHONPATH": str(HARNESS)}

    def run(*args: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "irmoto.faults", *args], cwd=HARNESS, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return json.loads(done.stdout)

    added = run("add", "--service", "ec2", "--action", "DescribeVpcs", "--error", "RequestLimitExceeded",
                "--count", "2", "--after", "1", "--match", "VpcId=vpc-12345678")["Fault"]
    assert {k: added[k] for k in ("service", "action", "error", "status", "count", "after", "match")} == {
        "service": "ec2", "action": "DescribeVpcs", "error": "RequestLimitExceeded", "status": 503,
        "count": 2, "after": 1, "match": {"VpcId": "vpc-12345678"}}
    run("add", "--service", "sts", "--error", "Throttling", "--unlimited")
    sts = once("sts")
    for _ in range(2):
        assert error_of(sts.get_caller_identity)[:2] == ("Throttling", 400)
    listed = run("list")["Faults"]
    assert [(f["service"], f["served"], f["remaining"]) for f in listed] == [("ec2", 0, 2), ("sts", 2, None)]
    assert run("clear") == {"Cleared": 2}
    sts.get_caller_identity()


# ---------------------------------------------------------------- host fixtures


@pytest.fixture
def fixture_env(moto_endpoint: str) -> dict[str, str]:
    return {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": str(HARNESS)}


def fixture(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "irmoto.fixtures", *args], cwd=HARNESS, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_web_host_reads_back_through_the_apis_as_printed(aws: Any, fixture_env: dict[str, str], uid: str) -> None:
    name = f"web-{uid}"
    host = fixture(fixture_env, "web-host", "--name", name, "--enis", "3", "--volumes", "3", "--target-groups", "2",
                   "--asg", "--classic-elb", "--profile", "--tag", "env=prod", "--tag", "app=shop", "--agent", "Online")
    ec2, asg, elbv2, iam = aws("ec2"), aws("autoscaling"), aws("elbv2"), aws("iam")
    iid = host["instance_id"]
    instance = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] == "running"
    assert (instance["VpcId"], instance["SubnetId"], instance["Placement"]["AvailabilityZone"]) == \
        (host["vpc_id"], host["subnet_id"], host["availability_zone"])
    assert {t["Key"]: t["Value"] for t in instance["Tags"]} == host["tags"]
    assert {"env": "prod", "app": "shop", "Name": name, "aws:autoscaling:groupName": name}.items() <= host["tags"].items()

    # Network interfaces: the primary from the launch (web group), two more at 1 and 2 (their own group).
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])["NetworkInterfaces"]
    assert sorted(({"id": n["NetworkInterfaceId"], "device_index": n["Attachment"]["DeviceIndex"],
                    "groups": [g["GroupId"] for g in n["Groups"]],
                    "ipv6_addresses": [a["Ipv6Address"] for a in n.get("Ipv6Addresses", [])]} for n in enis),
                  key=lambda n: n["device_index"]) == host["network_interfaces"]
    # The fixtures' network is dual-stack: every interface has an IPv6 address.
    assert all(len(n["ipv6_addresses"]) == 1 for n in host["network_interfaces"])
    assert [n["device_index"] for n in host["network_interfaces"]] == [0, 1, 2]
    assert all(n["SubnetId"] == host["subnet_id"] for n in enis)
    web_group = host["network_interfaces"][0]["groups"]
    assert host["network_interfaces"][1]["groups"] == host["network_interfaces"][2]["groups"] != web_group
    rules = ec2.describe_security_groups(GroupIds=web_group)["SecurityGroups"][0]["IpPermissions"]
    assert any(r.get("FromPort") == 443 and r.get("ToPort") == 443 and
               {"CidrIp": "0.0.0.0/0"}.items() <= r["IpRanges"][0].items() for r in rules)

    # Volumes: root + two data volumes, DeleteOnTermination true on all.
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])["Volumes"]
    assert {v["VolumeId"]: (v["Attachments"][0]["Device"], v["Attachments"][0]["DeleteOnTermination"]) for v in volumes} == \
        {v["id"]: (v["device"], v["delete_on_termination"]) for v in host["volumes"]}
    assert len(host["volumes"]) == 3 and all(v["delete_on_termination"] for v in host["volumes"])
    assert host["volumes"][0]["device"] == instance["RootDeviceName"]
    mapping = ec2.describe_instance_attribute(InstanceId=iid, Attribute="blockDeviceMapping")["BlockDeviceMappings"]
    assert {m["Ebs"]["VolumeId"]: m["Ebs"]["DeleteOnTermination"] for m in mapping} == \
        {v["id"]: True for v in host["volumes"]}

    # Instance profile NAME-profile with role NAME-role.
    profile = iam.get_instance_profile(InstanceProfileName=f"{name}-profile")["InstanceProfile"]
    assert profile["Arn"] == host["instance_profile_arn"] == instance["IamInstanceProfile"]["Arn"]
    assert [r["RoleName"] for r in profile["Roles"]] == [f"{name}-role"]

    # Auto Scaling group NAME: min 0, max 2, the instance attached and in service.
    assert host["auto_scaling_group"] == name
    member = asg.describe_auto_scaling_instances(InstanceIds=[iid])["AutoScalingInstances"][0]
    assert (member["AutoScalingGroupName"], member["LifecycleState"]) == (name, "InService")
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (0, 2, 1)
    assert [i["InstanceId"] for i in group["Instances"]] == [iid]

    # Two new target groups on 443 and 8443, the instance registered on each port.
    assert [t["port"] for t in host["target_groups"]] == [443, 8443]
    for registration in host["target_groups"]:
        tg = elbv2.describe_target_groups(TargetGroupArns=[registration["arn"]])["TargetGroups"][0]
        assert (tg["TargetGroupName"], tg["Port"], tg["VpcId"]) == (f"{name}-{registration['port']}", registration["port"], host["vpc_id"])
        health = elbv2.describe_target_health(TargetGroupArn=registration["arn"])["TargetHealthDescriptions"]
        assert [(d["Target"]["Id"], d["Target"]["Port"], d["TargetHealth"]["State"]) for d in health] == \
            [(iid, registration["port"], "healthy")]

    # A classic load balancer NAME-clb with the instance registered.
    assert host["classic_load_balancers"] == [f"{name}-clb"]
    clb = aws("elb").describe_load_balancers(LoadBalancerNames=[f"{name}-clb"])["LoadBalancerDescriptions"][0]
    assert [i["InstanceId"] for i in clb["Instances"]] == [iid]

    info = aws("ssm").describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [iid]}])
    assert [i["PingStatus"] for i in info["InstanceInformationList"]] == ["Online"] == [host["ssm_agent"]]

    # Idempotent per name: the same host, nothing new.
    assert fixture(fixture_env, "web-host", "--name", name, "--enis", "3", "--asg") == host

    # The launch template is usable: detaching without decrementing launches a replacement.
    asg.detach_instances(AutoScalingGroupName=name, InstanceIds=[iid], ShouldDecrementDesiredCapacity=False)
    replacement = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["Instances"]
    assert len(replacement) == 1 and replacement[0]["InstanceId"] != iid


def test_a_plain_web_host_and_its_agent_states(aws: Any, fixture_env: dict[str, str], uid: str) -> None:
    refused = subprocess.run([sys.executable, "-m", "irmoto.fixtures", "web-host", "--name", "bad_name"], cwd=HARNESS,
                             env=fixture_env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "letters, digits and hyphens" in refused.stderr
    lost = fixture(fixture_env, "web-host", "--name", f"lost-{uid}", "--agent", "ConnectionLost")
    plain = fixture(fixture_env, "web-host", "--name", f"plain-{uid}")
    assert lost["vpc_id"] == plain["vpc_id"] and lost["subnet_id"] == plain["subnet_id"]  # the shared VPC
    assert len(plain["network_interfaces"]) == 1 and plain["network_interfaces"][0]["device_index"] == 0
    assert [(v["device"], v["delete_on_termination"]) for v in plain["volumes"]] == [("/dev/xvda", True)]
    assert (plain["instance_profile_arn"], plain["auto_scaling_group"], plain["target_groups"]) == (None, None, [])
    assert aws("autoscaling").describe_auto_scaling_instances(InstanceIds=[plain["instance_id"]])["AutoScalingInstances"] == []
    ssm = aws("ssm")

    def ping(instance_id: str) -> list[str]:
        return [i["PingStatus"] for i in ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}])["InstanceInformationList"]]

    assert (lost["ssm_agent"], ping(lost["instance_id"])) == ("ConnectionLost", ["ConnectionLost"])
    assert (plain["ssm_agent"], ping(plain["instance_id"])) == (None, [])
    vpcs = aws("ec2").describe_vpcs(Filters=[{"Name": "tag:aws-ir:fixture", "Values": ["hosts"]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [plain["vpc_id"]]


def test_a_forensic_host_and_network_next_to_the_web_host(aws: Any, fixture_env: dict[str, str], uid: str) -> None:
    ec2 = aws("ec2")
    web = fixture(fixture_env, "web-host", "--name", f"victim-{uid}", "--enis", "2")
    forensic = fixture(fixture_env, "forensic-host", "--name", f"fx-{uid}")
    assert (forensic["vpc_id"], forensic["availability_zone"]) == (web["vpc_id"], web["availability_zone"])
    described = ec2.describe_instances(InstanceIds=[forensic["instance_id"]])["Reservations"][0]["Instances"][0]
    assert described["Placement"]["AvailabilityZone"] == forensic["availability_zone"]
    assert len(described["BlockDeviceMappings"]) == 1 and len(described["NetworkInterfaces"]) == 1
    assert fixture(fixture_env, "forensic-host", "--name", f"fx-{uid}") == forensic

    network = fixture(fixture_env, "forensic-network", "--name", f"fn-{uid}", "--instance-id", web["instance_id"])
    subnet = ec2.describe_subnets(SubnetIds=[network["subnet_id"]])["Subnets"][0]
    assert (subnet["VpcId"], subnet["AvailabilityZone"], subnet["CidrBlock"]) == \
        (web["vpc_id"], web["availability_zone"], network["cidr_block"])
    group = ec2.describe_security_groups(GroupIds=[network["security_group_id"]])["SecurityGroups"][0]
    assert group["VpcId"] == web["vpc_id"]
    assert [(r["FromPort"], r["IpRanges"][0]["CidrIp"]) for r in group["IpPermissions"]] == [(22, network["cidr_block"])]
    assert fixture(fixture_env, "forensic-network", "--name", f"fn-{uid}") == network
    # What the playbook does with them: a forensic interface on the web host at the next index.
    eni = ec2.create_network_interface(SubnetId=network["subnet_id"], Groups=[network["security_group_id"]])[
        "NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=web["instance_id"], DeviceIndex=2)
    attached = ec2.describe_instances(InstanceIds=[web["instance_id"]])["Reservations"][0]["Instances"][0]["NetworkInterfaces"]
    assert sorted(n["Attachment"]["DeviceIndex"] for n in attached) == [0, 1, 2]

