"""A Python twin of aws-ir's isolate-network task, written as a Python Lambda usually is (#19).

The cold-start bench (tools/bench_coldstart.py) starts it beside the Rust task: the same input
contract (an instance step), the same AWS calls (the instance's interfaces, the VPC's isolation
group found or made, each interface swapped to it), clients made at import as AWS's guidance
for Python functions says. Below the handler, a loop that speaks the Lambda Runtime API the way
the managed Python runtime does (awslambdaric), reduced to what one invocation needs, so that
the twin starts the way a Python function starts on provided runtimes.
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import boto3

ec2 = boto3.client("ec2")
dynamodb = boto3.client("dynamodb")

ISOLATION_GROUP = "aws-ir-isolation-{vpc}"


class InvalidEvent(Exception):
    """The input does not match the task's contract (IR.InvalidEvent in the Rust task)."""


def isolation_group(vpc: str) -> str:
    name = ISOLATION_GROUP.format(vpc=vpc)
    found = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                  {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    group = ec2.create_security_group(GroupName=name, VpcId=vpc, Description="aws-ir isolation: no rule")["GroupId"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    egress = [r["SecurityGroupRuleId"] for r in rules if r.get("IsEgress")]
    if egress:
        ec2.revoke_security_group_egress(GroupId=group, SecurityGroupRuleIds=egress)
    return group


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        instance_id = event["instance_id"]
        case = event["case"]
        table = event["policy"]["case_table"]
    except (KeyError, TypeError) as e:
        raise InvalidEvent(f"the input of task isolate-network does not match its contract: {e}") from e
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    instance = reservations[0]["Instances"][0]
    group = isolation_group(instance["VpcId"])
    actions = []
    for interface in instance["NetworkInterfaces"]:
        if [g["GroupId"] for g in interface["Groups"]] == [group]:
            continue
        if not case.get("dry_run"):
            ec2.modify_network_interface_attribute(NetworkInterfaceId=interface["NetworkInterfaceId"], Groups=[group])
        actions.append({"call": "ec2:ModifyNetworkInterfaceAttribute", "target": interface["NetworkInterfaceId"]})
    dynamodb.update_item(TableName=table, Key={"case_id": {"S": case["case_id"]}, "item": {"S": f"instance#{instance_id}"}},
                         UpdateExpression="SET isolate = :o", ExpressionAttributeValues={":o": {"S": json.dumps(actions)}})
    return {"status": "done", "actions": actions}


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request) as response:
        response.read()


def main() -> None:
    api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
    while True:
        with urllib.request.urlopen(f"{api}/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.load(response)
        try:
            _post(f"{api}/{request_id}/response", handler(event, None))
        except Exception as e:  # noqa: BLE001 (the runtime reports every error)
            _post(f"{api}/{request_id}/error", {"errorType": type(e).__name__, "errorMessage": str(e)})


if __name__ == "__main__":
    main()
