"""The call log (irmoto/calls.py): what the benchmark counts sequential AWS calls from."""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.config import Config

from conftest import REGION
from irmoto.calls import critical_path

CALLS = "/moto-api/irmoto/calls"

pytestmark = pytest.mark.skipif(os.environ.get("IRMOTO_TEST_WITHOUT_EXTENSIONS") == "1",
                                reason="the call log is an irmoto endpoint; plain moto has none")


def calls(endpoint: str, method: str = "GET", body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body or {}).encode() if method == "POST" else None
    request = urllib.request.Request(endpoint + CALLS, method=method, data=data)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def recording(moto_endpoint: str) -> Iterator[None]:
    calls(moto_endpoint, "POST")
    yield
    calls(moto_endpoint, "DELETE")


def client(endpoint: str, service: str, app: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client(service, endpoint_url=endpoint, config=Config(user_agent_appid=app))


def test_nothing_is_logged_unless_recording(aws: Any, moto_endpoint: str) -> None:
    calls(moto_endpoint, "DELETE")
    aws("ec2").describe_vpcs()
    assert calls(moto_endpoint) == {"Recording": False, "LatencyMs": 0.0, "Calls": []}


def test_each_call_is_logged_with_its_caller_and_times(recording: None, moto_endpoint: str) -> None:
    ec2 = client(moto_endpoint, "ec2", "isolate-network")
    ddb = client(moto_endpoint, "dynamodb", "record-case")
    ec2.describe_vpcs()
    ddb.list_tables()
    with pytest.raises(ec2.exceptions.ClientError):
        ec2.describe_network_interface_attribute(NetworkInterfaceId="eni-0000000000000000", Attribute="groupSet")
    logged = calls(moto_endpoint)["Calls"]
    assert [(c["service"], c["action"], c["app"], c["resource"]) for c in logged] == [
        ("ec2", "DescribeVpcs", "isolate-network", None),
        ("dynamodb", "ListTables", "record-case", None),
        ("ec2", "DescribeNetworkInterfaceAttribute", "isolate-network", "eni-0000000000000000"),
    ]
    assert [c["status"] for c in logged[:2]] == [200, 200]
    assert logged[0]["start"] <= logged[0]["end"] <= logged[1]["start"] <= logged[1]["end"]


def test_the_critical_path_counts_parallel_calls_once(moto_endpoint: str) -> None:
    # With an AWS-like latency, calls sent together are in flight together on the server.
    calls(moto_endpoint, "POST", {"latency_ms": 100})
    ec2 = client(moto_endpoint, "ec2", "bench")
    ec2.describe_vpcs()  # 1
    together = [client(moto_endpoint, "ec2", "bench") for _ in range(4)]  # made before: a client takes ~50 ms
    with ThreadPoolExecutor(4) as pool:  # 2: four at once
        list(pool.map(lambda c: c.describe_security_groups(), together))
    ec2.describe_subnets()  # 3
    log = calls(moto_endpoint)
    calls(moto_endpoint, "DELETE")
    assert log["LatencyMs"] == 100
    logged = [c for c in log["Calls"] if c["app"] == "bench"]
    assert len(logged) == 6
    assert all(c["end"] - c["start"] >= 0.1 for c in logged)
    path = critical_path(logged)
    assert [c["action"] for c in path] == ["DescribeVpcs", "DescribeSecurityGroups", "DescribeSubnets"]
    assert critical_path([{"start": 0, "end": 10}, {"start": 0, "end": 2}, {"start": 10, "end": 11}]) == [
        {"start": 0, "end": 2}, {"start": 10, "end": 11}]


def test_a_role_session_in_another_account_is_logged_there_under_its_session_name(
        recording: None, moto_endpoint: str, emulator_env: dict[str, str]) -> None:
    # What a member account's CloudTrail shows of aws-ir (#20): the account acted in, and the
    # role session that acted, named after the case and the step.
    from irmoto import fixtures

    member = "222233334444"
    admin = fixtures.in_account("iam", member, REGION)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}
    admin.create_role(RoleName="aws-ir-calls-test", Path="/aws-ir/", AssumeRolePolicyDocument=json.dumps(trust))
    admin.put_role_policy(RoleName="aws-ir-calls-test", PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    sts = boto3.client("sts", endpoint_url=moto_endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    session = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/aws-ir/aws-ir-calls-test",
                              RoleSessionName="case-0123456789abcdef-calls")["Credentials"]
    boto3.client("iam", endpoint_url=moto_endpoint, region_name=REGION, aws_access_key_id=session["AccessKeyId"],
                 aws_secret_access_key=session["SecretAccessKey"],
                 aws_session_token=session["SessionToken"]).list_users()
    [logged] = [c for c in calls(moto_endpoint)["Calls"] if c["action"] == "ListUsers"]
    assert logged["account"] == member
    assert logged["caller"] == f"arn:aws:sts::{member}:assumed-role/aws-ir-calls-test/case-0123456789abcdef-calls"
    # The administrator is nobody in particular, in the account it acted in.
    [assumed] = [c for c in calls(moto_endpoint)["Calls"] if c["action"] == "AssumeRole"]
    assert (assumed["account"], assumed["caller"]) == ("123456789012", None)
    # The session asked for, as CloudTrail's requestParameters has it: what a case opened.
    assert assumed["resource"] == "case-0123456789abcdef-calls"
