"""Each irmoto extension on its own, through boto3 against a real server.

Every test asserts the documented AWS behaviour; run with
IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see them fail on plain moto 5.2.5.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from datetime import UTC
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, ROLE, HandlerError, execution_finished, history, wait_for


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


def create_function(aws: Any, name: str, env: dict[str, str] | None = None) -> str:
    kwargs: dict[str, Any] = {"Environment": {"Variables": env}} if env else {}
    return aws("lambda").create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="bootstrap",
        Code={"ZipFile": zip_bytes()},
        **kwargs,
    )["FunctionArn"]


def create_pass_machine(aws: Any, name: str) -> str:
    definition = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    return aws("stepfunctions").create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def stack_outputs(cfn: Any, stack: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"].endswith("_COMPLETE"), described["StackStatus"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


# ---------------------------------------------------------------- 1. CFN state machines


def sfn_template(uid: str, greeting: str, tag: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"sfn-topic-{uid}"}},
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": ROLE,
                    "Definition": {
                        "StartAt": "Greet",
                        "States": {
                            "Greet": {
                                "Type": "Pass",
                                "Result": {"greeting": "${Greeting}", "topic": "${TopicArn}"},
                                "ResultPath": "$.greeting",
                                "Next": "Discard",
                            },
                            # JSON null is meaningful in ASL: the result is discarded.
                            "Discard": {"Type": "Pass", "Result": {"dropped": True}, "ResultPath": None, "End": True},
                        },
                    },
                    "DefinitionSubstitutions": {
                        "Greeting": {"Fn::Sub": greeting + " from ${AWS::Region}"},
                        "TopicArn": {"Ref": "Topic"},
                    },
                    "LoggingConfiguration": {
                        "Level": "ALL",
                        "IncludeExecutionData": True,
                        "Destinations": [
                            {
                                "CloudWatchLogsLogGroup": {
                                    "LogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ir/{uid}:*"
                                }
                            }
                        ],
                    },
                    "TracingConfiguration": {"Enabled": True},
                    "Tags": [{"Key": "team", "Value": tag}],
                },
            },
            "Express": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": f"express-{uid}",
                    "StateMachineType": "EXPRESS",
                    "RoleArn": ROLE,
                    "DefinitionString": '{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"${Where}","End":true}}}',
                    "DefinitionSubstitutions": {"Where": {"Fn::Sub": "${AWS::Region}-x"}},
                },
            },
        },
        "Outputs": {
            "Ref": {"Value": {"Ref": "Machine"}},
            "Name": {"Value": {"Fn::GetAtt": ["Machine", "Name"]}},
            "Arn": {"Value": {"Fn::GetAtt": ["Machine", "Arn"]}},
            "TopicArn": {"Value": {"Ref": "Topic"}},
        },
    }


def test_cfn_state_machine_definition_object_is_created_executable_and_updatable(aws: Any, uid: str) -> None:
    cfn, sfn = aws("cloudformation"), aws("stepfunctions")
    stack = f"sfn-{uid}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(sfn_template(uid, "hello", "ir")))
    out = stack_outputs(cfn, stack)

    # Ref = ARN, GetAtt Arn = ARN, GetAtt Name = the generated "<LogicalId>-<12 chars>".
    arn = out["Ref"]
    assert out["Arn"] == arn
    assert re.fullmatch(r"Machine-[A-Za-z0-9]{12}", out["Name"]), out["Name"]
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{out['Name']}"
    assert arn in [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]

    described = sfn.describe_state_machine(stateMachineArn=arn)
    definition = json.loads(described["definition"])
    assert definition["States"]["Greet"]["Result"] == {"greeting": f"hello from {REGION}", "topic": out["TopicArn"]}
    assert "ResultPath" in definition["States"]["Discard"] and definition["States"]["Discard"]["ResultPath"] is None
    assert described["loggingConfiguration"]["level"] == "ALL"
    assert described["loggingConfiguration"]["includeExecutionData"] is True
    assert described["tracingConfiguration"] == {"enabled": True}
    assert {"key": "team", "value": "ir"} in sfn.list_tags_for_resource(resourceArn=arn)["tags"]

    express = sfn.describe_state_machine(stateMachineArn=arn.rsplit(":", 1)[0] + f":express-{uid}")
    assert express["type"] == "EXPRESS"
    assert json.loads(express["definition"])["States"]["P"]["Result"] == f"{REGION}-x"

    started = sfn.start_execution(stateMachineArn=arn, name=f"run-{uid}", input='{"a": 1}')
    done = wait_for(execution_finished(sfn, started["executionArn"]), what="the execution")
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {
        "a": 1,
        "greeting": {"greeting": f"hello from {REGION}", "topic": out["TopicArn"]},
    }

    # Update in place (same ARN), then delete with the stack.
    cfn.update_stack(StackName=stack, TemplateBody=json.dumps(sfn_template(uid, "bye", "sec")))
    assert stack_outputs(cfn, stack)["Ref"] == arn
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert definition["States"]["Greet"]["Result"]["greeting"] == f"bye from {REGION}"
    assert {"key": "team", "value": "sec"} in sfn.list_tags_for_resource(resourceArn=arn)["tags"]

    cfn.delete_stack(StackName=stack)
    remaining = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    assert arn not in remaining and express["stateMachineArn"] not in remaining


def test_cfn_state_machine_definition_from_s3(aws: Any, uid: str) -> None:
    s3, cfn, sfn = aws("s3"), aws("cloudformation"), aws("stepfunctions")
    s3.create_bucket(Bucket=f"defs-{uid}")
    s3.put_object(
        Bucket=f"defs-{uid}",
        Key="machine.asl.json",
        Body=b'{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"${Value}","End":true}}}',
    )
    body = {
        "Resources": {
            "FromS3": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "StateMachineName": f"from-s3-{uid}",
                    "RoleArn": ROLE,
                    "DefinitionS3Location": {"Bucket": f"defs-{uid}", "Key": "machine.asl.json"},
                    "DefinitionSubstitutions": {"Value": 'say "hi"'},
                },
            }
        },
        "Outputs": {"Arn": {"Value": {"Ref": "FromS3"}}},
    }
    cfn.create_stack(StackName=f"s3def-{uid}", TemplateBody=json.dumps(body))
    arn = stack_outputs(cfn, f"s3def-{uid}")["Arn"]
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
    assert definition["States"]["P"]["Result"] == 'say "hi"'  # substituted, JSON-escaped


# ---------------------------------------------------------------- 2. Lambda forwarding


def test_lambda_invoke_is_forwarded_to_the_ir_task_binary(aws: Any, fake_lambda: Any, uid: str) -> None:
    fake_lambda.handlers["normalize"] = lambda event: {"normalized": event["x"] * 2}
    create_function(aws, f"normalize-fn-{uid}", {"IR_TASK": "normalize"})

    response = aws("lambda").invoke(FunctionName=f"normalize-fn-{uid}", Payload=b'{"x": 21}')
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"normalized": 42}
    assert fake_lambda.calls_to("normalize") == [{"x": 21}]


def test_lambda_invoke_without_ir_task_uses_the_function_name(aws: Any, fake_lambda: Any, uid: str) -> None:
    name = f"plain-{uid}"
    fake_lambda.handlers[name] = lambda event: "ok"
    arn = create_function(aws, name)
    response = aws("lambda").invoke(FunctionName=arn, Payload=b"{}")
    assert json.loads(response["Payload"].read()) == "ok"
    assert fake_lambda.calls_to(name) == [{}]


def test_lambda_handler_error_is_an_unhandled_function_error(aws: Any, fake_lambda: Any, uid: str) -> None:
    def fail(event: Any) -> Any:
        raise HandlerError("IR.InvalidEvent", "missing detail")

    fake_lambda.handlers["validate"] = fail
    create_function(aws, f"validate-{uid}", {"IR_TASK": "validate"})
    response = aws("lambda").invoke(FunctionName=f"validate-{uid}", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {"errorType": "IR.InvalidEvent", "errorMessage": "missing detail"}


def test_lambda_invoke_of_a_missing_binary_fails_loudly(aws: Any, fake_lambda: Any, uid: str) -> None:
    # cargo lambda watch answers 404 {"title": "Missing function"}: an Unhandled error, never an echo.
    create_function(aws, f"ghost-{uid}", {"IR_TASK": "no-such-binary"})
    response = aws("lambda").invoke(FunctionName=f"ghost-{uid}", Payload=b"{}")
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "Harness.InvokeFailed" and "404" in error["errorMessage"]


def test_lambda_async_invoke_returns_202_and_runs_the_handler(aws: Any, fake_lambda: Any, uid: str) -> None:
    fake_lambda.handlers["notify"] = lambda event: None
    create_function(aws, f"notify-{uid}", {"IR_TASK": "notify"})
    response = aws("lambda").invoke(FunctionName=f"notify-{uid}", InvocationType="Event", Payload=b'{"n": 1}')
    assert response["StatusCode"] == 202
    assert wait_for(lambda: fake_lambda.calls_to("notify"), what="the async invocation") == [{"n": 1}]


def test_step_functions_sees_the_lambda_error_type_as_the_state_error(aws: Any, fake_lambda: Any, uid: str) -> None:
    def fail(event: Any) -> Any:
        raise HandlerError("IR.InvalidEvent", "no findings")

    fake_lambda.handlers["check"] = fail
    fn_arn = create_function(aws, f"check-{uid}", {"IR_TASK": "check"})
    definition = {
        "StartAt": "ViaInvoke",
        "States": {
            "ViaInvoke": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": fn_arn, "Payload.$": "$"},
                "Catch": [{"ErrorEquals": ["IR.InvalidEvent"], "ResultPath": "$.error", "Next": "ViaArn"}],
                "Next": "NotReached",
            },
            "NotReached": {"Type": "Fail", "Error": "NotReached"},
            "ViaArn": {"Type": "Task", "Resource": fn_arn, "End": True},
        },
    }
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name=f"errors-{uid}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = sfn.start_execution(stateMachineArn=arn, name="r1", input='{"k": "v"}')["executionArn"]
    done = wait_for(execution_finished(sfn, run), what="the execution")

    assert done["status"] == "FAILED" and done["error"] == "IR.InvalidEvent"
    events = history(sfn, run)
    task_failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    assert [t["error"] for t in task_failed] == ["IR.InvalidEvent"]  # lambda:invoke, caught by name
    assert json.loads(task_failed[0]["cause"])["errorMessage"] == "no findings"
    lambda_failed = [e["lambdaFunctionFailedEventDetails"] for e in events if e["type"] == "LambdaFunctionFailed"]
    assert [f["error"] for f in lambda_failed] == ["IR.InvalidEvent"]  # plain ARN task
    failed = [e["executionFailedEventDetails"] for e in events if e["type"] == "ExecutionFailed"]
    assert failed[0]["error"] == "IR.InvalidEvent"
    assert fake_lambda.calls_to("check")[0] == {"k": "v"}


# ---------------------------------------------------------------- 3. EventBridge

FINDINGS_EVENT = {
    "version": "0",
    "id": "0d6e3d5a-1",
    "detail-type": "Security Hub Findings - Imported",
    "source": "aws.securityhub",
    "account": ACCOUNT,
    "time": "2026-11-29T00:00:00Z",
    "region": REGION,
    "resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"],
    "detail": {
        "findings": [
            {
                "Severity": {"Label": "HIGH", "Normalized": 70},
                "Resources": [{"Type": "AwsEc2Instance", "Id": "i-1", "Tags": {"env": "prod"}}],
                "Workflow": {"Status": "NEW"},
            },
            {
                "Severity": {"Label": "LOW", "Normalized": 10},
                "Resources": [{"Type": "AwsS3Bucket", "Id": "b"}],
                "Workflow": {"Status": "SUPPRESSED"},
            },
        ],
        "count": 2,
        "ip": "10.0.0.5",
        "name": "Finding-abc",
    },
}

PATTERNS = [
    # arrays of objects (the Security Hub shape)
    ({"detail": {"findings": {"Severity": {"Label": ["HIGH"]}}}}, True),
    ({"detail": {"findings": {"Severity": {"Label": ["CRITICAL"]}}}}, False),
    ({"detail": {"findings": {"Resources": {"Type": ["AwsEc2Instance"], "Tags": {"env": ["prod"]}}}}}, True),
    # array consistency: both fields must hold in the same element
    ({"detail": {"findings": {"Severity": {"Label": ["HIGH"]}, "Workflow": {"Status": ["SUPPRESSED"]}}}}, False),
    ({"detail": {"findings": {"Severity": {"Label": ["LOW"]}, "Workflow": {"Status": ["SUPPRESSED"]}}}}, True),
    # scalar arrays: non-empty intersection
    ({"resources": [f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1", "other"]}, True),
    # numeric, also inside arrays
    ({"detail": {"count": [{"numeric": [">", 1, "<=", 2]}]}}, True),
    ({"detail": {"count": [{"numeric": [">", 2]}]}}, False),
    ({"detail": {"findings": {"Severity": {"Normalized": [{"numeric": [">=", 70]}]}}}}, True),
    # prefix, suffix, equals-ignore-case, wildcard, cidr
    ({"source": [{"prefix": "aws.sec"}]}, True),
    ({"source": [{"suffix": "hub"}]}, True),
    ({"detail": {"findings": {"Severity": {"Label": [{"equals-ignore-case": "high"}]}}}}, True),
    ({"detail": {"name": [{"wildcard": "Finding-*"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"ip": [{"cidr": "10.1.0.0/24"}]}}, False),
    # anything-but
    ({"detail-type": [{"anything-but": "Other"}]}, True),
    ({"detail": {"findings": {"Workflow": {"Status": [{"anything-but": ["NEW", "SUPPRESSED"]}]}}}}, False),
    ({"source": [{"anything-but": {"prefix": "aws."}}]}, False),
    # exists (leaves only)
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"count": [{"exists": False}]}}, False),
    ({"detail": {"findings": {"Resources": {"Tags": {"env": [{"exists": True}]}}}}}, True),
    ({"detail": {"findings": {"Resources": {"Tags": {"team": [{"exists": True}]}}}}}, False),
    # $or
    ({"$or": [{"source": ["nope"]}, {"detail": {"findings": {"Severity": {"Label": ["HIGH"]}}}}]}, True),
    ({"$or": [{"source": ["nope"]}, {"detail-type": ["nope"]}]}, False),
]


@pytest.mark.parametrize(("pattern", "expected"), PATTERNS, ids=[json.dumps(p)[:70] for p, _ in PATTERNS])
def test_event_pattern_matching(aws: Any, pattern: dict[str, Any], expected: bool) -> None:
    result = aws("events").test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(FINDINGS_EVENT))
    assert result["Result"] is expected


def put_finding(aws: Any, source: str, label: str, bus: str = "default") -> None:
    detail = {"findings": [{"Severity": {"Label": label}, "Resources": [{"Id": "i-1"}]}]}
    result = aws("events").put_events(
        Entries=[{"Source": source, "DetailType": "Finding", "Detail": json.dumps(detail), "EventBusName": bus}]
    )
    assert result["FailedEntryCount"] == 0, result


def executions_of(sfn: Any, arn: str) -> list[dict[str, Any]]:
    return sfn.list_executions(stateMachineArn=arn)["executions"]


def test_rule_with_array_pattern_starts_the_state_machine_target(aws: Any, uid: str) -> None:
    sfn, events = aws("stepfunctions"), aws("events")
    machine = create_pass_machine(aws, f"target-{uid}")
    source = f"ir.test.{uid}"
    events.put_rule(
        Name=f"high-{uid}",
        EventPattern=json.dumps({"source": [source], "detail": {"findings": {"Severity": {"Label": ["HIGH"]}}}}),
    )
    events.put_targets(Rule=f"high-{uid}", Targets=[{"Id": "sm", "Arn": machine, "RoleArn": ROLE}])

    put_finding(aws, source, "LOW")
    assert executions_of(sfn, machine) == []  # delivery happens inside PutEvents
    put_finding(aws, source, "HIGH")
    (execution,) = wait_for(lambda: executions_of(sfn, machine), what="an execution")
    done = wait_for(execution_finished(sfn, execution["executionArn"]), what="the execution")
    event = json.loads(done["input"])
    assert event["source"] == source and event["detail-type"] == "Finding" and event["account"] == ACCOUNT
    assert event["detail"]["findings"][0]["Severity"]["Label"] == "HIGH"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["time"]), event["time"]


def test_rule_target_input_and_input_path(aws: Any, uid: str) -> None:
    sfn, events = aws("stepfunctions"), aws("events")
    machine = create_pass_machine(aws, f"inputs-{uid}")
    source = f"ir.inputs.{uid}"
    events.put_rule(Name=f"inputs-{uid}", EventPattern=json.dumps({"source": [source]}))
    events.put_targets(
        Rule=f"inputs-{uid}",
        Targets=[
            {"Id": "fixed", "Arn": machine, "RoleArn": ROLE, "Input": '{"fixed": true}'},
            {"Id": "path", "Arn": machine, "RoleArn": ROLE, "InputPath": "$.detail.findings[0].Severity"},
        ],
    )
    put_finding(aws, source, "MEDIUM")
    runs = wait_for(lambda: len(executions_of(sfn, machine)) == 2 and executions_of(sfn, machine), what="2 executions")
    inputs = [json.loads(sfn.describe_execution(executionArn=r["executionArn"])["input"]) for r in runs]
    assert sorted(inputs, key=json.dumps) == sorted([{"fixed": True}, {"Label": "MEDIUM"}], key=json.dumps)


def test_disabled_rule_does_not_fire(aws: Any, uid: str) -> None:
    sqs, events = aws("sqs"), aws("events")
    queue = sqs.create_queue(QueueName=f"rule-{uid}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source = f"ir.disabled.{uid}"
    events.put_rule(Name=f"off-{uid}", EventPattern=json.dumps({"source": [source]}), State="DISABLED")
    events.put_targets(Rule=f"off-{uid}", Targets=[{"Id": "q", "Arn": queue_arn}])

    put_finding(aws, source, "HIGH")
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0)

    events.enable_rule(Name=f"off-{uid}")  # the same rule enabled does deliver: the setup is right
    put_finding(aws, source, "HIGH")
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    assert json.loads(messages[0]["Body"])["source"] == source


def test_rule_lambda_target_is_invoked_with_the_event(aws: Any, fake_lambda: Any, uid: str) -> None:
    fake_lambda.handlers["on-finding"] = lambda event: None
    fn = create_function(aws, f"on-finding-{uid}", {"IR_TASK": "on-finding"})
    events = aws("events")
    source = f"ir.lambda.{uid}"
    events.put_rule(Name=f"fn-{uid}", EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"fn-{uid}", Targets=[{"Id": "fn", "Arn": fn}])
    put_finding(aws, source, "HIGH")
    (event,) = wait_for(lambda: fake_lambda.calls_to("on-finding"), what="the Lambda target")
    assert event["source"] == source and event["detail"]["findings"][0]["Severity"]["Label"] == "HIGH"


def test_rule_sns_target_publishes_the_event(aws: Any, uid: str) -> None:
    sns, sqs, events = aws("sns"), aws("sqs"), aws("events")
    topic = sns.create_topic(Name=f"alerts-{uid}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"alerts-{uid}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    source = f"ir.sns.{uid}"
    events.put_rule(Name=f"sns-{uid}", EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=f"sns-{uid}", Targets=[{"Id": "t", "Arn": topic}])
    put_finding(aws, source, "HIGH")
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=2)["Messages"]
    assert json.loads(messages[0]["Body"])["source"] == source


def test_put_events_over_256_kb_is_refused(aws: Any, uid: str) -> None:
    events = aws("events")

    def entry(detail_bytes: int) -> dict[str, str]:
        return {"Source": f"ir.size.{uid}", "DetailType": "Big", "Detail": json.dumps({"pad": "x" * detail_bytes})}

    accepted = events.put_events(Entries=[entry(200 * 1024)])
    assert accepted["FailedEntryCount"] == 0 and "EventId" in accepted["Entries"][0]
    with pytest.raises(ClientError) as refused:
        events.put_events(Entries=[entry(300 * 1024)])
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError):  # the limit is on the request's total entry size
        events.put_events(Entries=[entry(140 * 1024), entry(140 * 1024)])


def test_start_execution_without_name_gets_a_uuid(aws: Any, uid: str) -> None:
    sfn = aws("stepfunctions")
    machine = create_pass_machine(aws, f"noname-{uid}")
    first = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert first != second
    assert all(re.search(r":[0-9a-f-]{36}$", arn) for arn in (first, second)), (first, second)


# ---------------------------------------------------------------- 4. EC2 groups per ENI


@pytest.fixture
def vpc(aws: Any, uid: str) -> dict[str, str]:
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    groups = {
        name: ec2.create_security_group(GroupName=f"{name}-{uid}", Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("app", "open", "isolation")
    }
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    return {"vpc": vpc_id, "subnet": subnet, "image": image, **groups}


def group_ids(groups: list[dict[str, str]]) -> list[str]:
    return sorted(g["GroupId"] for g in groups)


def test_modify_network_interface_groups_replaces_the_set(aws: Any, vpc: dict[str, str]) -> None:
    ec2 = aws("ec2")
    instance = ec2.run_instances(
        ImageId=vpc["image"], MinCount=1, MaxCount=1, SubnetId=vpc["subnet"], SecurityGroupIds=[vpc["app"]]
    )["Instances"][0]
    eni = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]

    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[vpc["open"]])
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[vpc["isolation"]])

    assert group_ids(ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["Groups"]) == [
        vpc["isolation"]
    ]
    described = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert group_ids(described["NetworkInterfaces"][0]["Groups"]) == [vpc["isolation"]]
    assert group_ids(described["SecurityGroups"]) == [vpc["isolation"]]
    with pytest.raises(ClientError) as missing:
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=["sg-0000000000000dead"])
    assert missing.value.response["Error"]["Code"] == "InvalidGroup.NotFound"


def test_instance_level_groups_fail_with_several_enis(aws: Any, vpc: dict[str, str]) -> None:
    ec2 = aws("ec2")
    instance = ec2.run_instances(
        ImageId=vpc["image"], MinCount=1, MaxCount=1, SubnetId=vpc["subnet"], SecurityGroupIds=[vpc["app"]]
    )["Instances"][0]
    iid = instance["InstanceId"]
    primary = instance["NetworkInterfaces"][0]["NetworkInterfaceId"]

    # One ENI: the instance-level call replaces that ENI's groups.
    ec2.modify_instance_attribute(InstanceId=iid, Groups=[vpc["open"]])
    assert group_ids(
        ec2.describe_network_interfaces(NetworkInterfaceIds=[primary])["NetworkInterfaces"][0]["Groups"]
    ) == [vpc["open"]]

    second = ec2.create_network_interface(SubnetId=vpc["subnet"], Groups=[vpc["app"]])["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=second["NetworkInterfaceId"], InstanceId=iid, DeviceIndex=1)
    with pytest.raises(ClientError) as refused:
        ec2.modify_instance_attribute(InstanceId=iid, Groups=[vpc["isolation"]])
    assert refused.value.response["Error"]["Code"] == "InvalidInstanceID"
    assert "multiple interfaces" in refused.value.response["Error"]["Message"]

    described = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    per_eni = {n["NetworkInterfaceId"]: group_ids(n["Groups"]) for n in described["NetworkInterfaces"]}
    assert per_eni == {primary: [vpc["open"]], second["NetworkInterfaceId"]: [vpc["app"]]}
    assert group_ids(described["SecurityGroups"]) == sorted([vpc["open"], vpc["app"]])


# ---------------------------------------------------------------- 5. CFN types moto ignores


def waf_template(uid: str, addresses: list[str]) -> dict[str, Any]:
    return {
        "Resources": {
            "BlockList": {
                "Type": "AWS::WAFv2::IPSet",
                "Properties": {
                    "Name": f"block-{uid}",
                    "Scope": "REGIONAL",
                    "IPAddressVersion": "IPV4",
                    "Addresses": addresses,
                    "Description": "responder block list",
                },
            }
        },
        "Outputs": {
            "Ref": {"Value": {"Ref": "BlockList"}},
            "Arn": {"Value": {"Fn::GetAtt": ["BlockList", "Arn"]}},
            "Id": {"Value": {"Fn::GetAtt": ["BlockList", "Id"]}},
        },
    }


def test_cfn_wafv2_ip_set_is_created_updated_and_deleted(aws: Any, uid: str) -> None:
    cfn, waf = aws("cloudformation"), aws("wafv2")
    stack = f"waf-{uid}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(waf_template(uid, ["192.0.2.1/32"])))
    out = stack_outputs(cfn, stack)
    assert out["Ref"] == f"block-{uid}|{out['Id']}|REGIONAL"
    assert out["Arn"].startswith(f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/ipset/block-{uid}/")
    ip_set = waf.get_ip_set(Name=f"block-{uid}", Scope="REGIONAL", Id=out["Id"])["IPSet"]
    assert ip_set["Addresses"] == ["192.0.2.1/32"] and ip_set["ARN"] == out["Arn"]

    cfn.update_stack(StackName=stack, TemplateBody=json.dumps(waf_template(uid, ["192.0.2.1/32", "198.51.100.0/24"])))
    assert stack_outputs(cfn, stack)["Id"] == out["Id"]
    ip_set = waf.get_ip_set(Name=f"block-{uid}", Scope="REGIONAL", Id=out["Id"])["IPSet"]
    assert ip_set["Addresses"] == ["192.0.2.1/32", "198.51.100.0/24"]

    cfn.delete_stack(StackName=stack)
    assert out["Id"] not in [s["Id"] for s in waf.list_ip_sets(Scope="REGIONAL")["IPSets"]]


def test_cfn_sns_subscription_is_created_and_delivers(aws: Any, uid: str) -> None:
    cfn, sns, sqs = aws("cloudformation"), aws("sns"), aws("sqs")
    stack = f"sub-{uid}"
    body = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"sub-{uid}"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"sub-{uid}"}},
            "Subscription": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
                    "RawMessageDelivery": True,
                },
            },
        },
        "Outputs": {
            "Subscription": {"Value": {"Ref": "Subscription"}},
            "Topic": {"Value": {"Ref": "Topic"}},
            "Queue": {"Value": {"Ref": "Queue"}},
        },
    }
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))
    out = stack_outputs(cfn, stack)
    assert [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=out["Topic"])["Subscriptions"]] == [
        out["Subscription"]
    ]
    assert (
        sns.get_subscription_attributes(SubscriptionArn=out["Subscription"])["Attributes"]["RawMessageDelivery"]
        == "true"
    )
    sns.publish(TopicArn=out["Topic"], Message="raw body")
    assert sqs.receive_message(QueueUrl=out["Queue"], WaitTimeSeconds=2)["Messages"][0]["Body"] == "raw body"

    cfn.delete_stack(StackName=stack)
    assert out["Subscription"] not in [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]]


# ---------------------------------------------------------------- SendTaskFailure cause


def test_send_task_failure_passes_error_and_cause_to_the_catch(aws: Any, uid: str) -> None:
    sqs, sfn = aws("sqs"), aws("stepfunctions")
    url = sqs.create_queue(QueueName=f"tokens-{uid}")["QueueUrl"]
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": url, "MessageBody": {"token.$": "$$.Task.Token"}},
                "TimeoutSeconds": 60,
                "Catch": [{"ErrorEquals": ["IR.Rejected"], "ResultPath": "$.dismissal", "Next": "Dismissed"}],
                "End": True,
            },
            "Dismissed": {"Type": "Pass", "End": True},
        },
    }
    machine = sfn.create_state_machine(name=f"ask-{uid}", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, name=f"run-{uid}", input="{}")["executionArn"]
    message = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), what="the token")
    token = json.loads(message[0]["Body"])["token"]
    sfn.send_task_failure(taskToken=token, error="IR.Rejected", cause="pen test in progress")
    done = wait_for(execution_finished(sfn, run), what="the execution")
    assert json.loads(done["output"])["dismissal"] == {"Error": "IR.Rejected", "Cause": "pen test in progress"}


def test_a_token_reaches_its_execution_past_one_without_a_worker() -> None:
    """An execution between its end and its cleanup (no worker) is not asked for the token: the
    waiting one gets it (moto 5.2.5 answered HTTP 500, AttributeError)."""
    from types import SimpleNamespace

    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    from irmoto import extensions

    told: list[str] = []
    pool = SimpleNamespace(notify=lambda callback_id, outcome: told.append(callback_id) or True)
    waiting = SimpleNamespace(status=ExecutionStatus.RUNNING, exec_worker=SimpleNamespace(
        env=SimpleNamespace(callback_pool_manager=pool)))
    ending = SimpleNamespace(status=ExecutionStatus.RUNNING, exec_worker=None)
    backend = StepFunctionsParserBackend.__new__(StepFunctionsParserBackend)
    backend.state_machines = [SimpleNamespace(executions=[ending, waiting])]  # type: ignore[list-item]
    extensions.patch_sfn_tokens_skip_executions_without_worker()
    backend.send_task_success("token-1", "{}")
    assert told == ["token-1"]


def test_list_map_runs_of_an_execution_only_starting_is_empty() -> None:
    """3e3: ListMapRuns of an execution whose worker is not set up yet lists no Map Run, as AWS
    answers for one that has just begun (moto 5.2.5 answered HTTP 500, AttributeError); one whose
    worker runs lists its runs as before."""
    from types import SimpleNamespace

    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    from irmoto import extensions

    run = SimpleNamespace(list_item=lambda: {"mapRunArn": "arn:run"})
    running = SimpleNamespace(exec_worker=SimpleNamespace(
        env=SimpleNamespace(map_run_record_pool_manager=SimpleNamespace(get_all=lambda: [run]))))
    executions = {"starting": SimpleNamespace(exec_worker=None),
                  "setting-up": SimpleNamespace(exec_worker=SimpleNamespace(env=None)),
                  "running": running}
    backend = StepFunctionsParserBackend.__new__(StepFunctionsParserBackend)
    backend.describe_execution = lambda execution_arn: executions[execution_arn]  # type: ignore[method-assign]
    extensions.patch_sfn_list_map_runs_of_a_starting_execution()
    assert backend.list_map_runs("starting") == {"mapRuns": []}
    assert backend.list_map_runs("setting-up") == {"mapRuns": []}
    assert backend.list_map_runs("running") == {"mapRuns": [{"mapRunArn": "arn:run"}]}


# ---------------------------------------------------------------- States.* errors out of Parallel and Map


def test_a_task_timeout_in_a_parallel_branch_inside_a_map_is_caught_by_name(aws: Any, fake_lambda: Any, uid: str) -> None:
    """One slow Lambda fails its branch with States.Timeout; the Parallel's Catch handles it and
    the other Map iteration is unaffected (moto 5.2.5 failed the execution with States.Runtime)."""

    def slow(event: Any) -> Any:
        if event.get("slow"):
            time.sleep(2.5)
        return {"ok": True}

    fake_lambda.handlers["slow"] = slow
    fn = create_function(aws, f"slow-{uid}", {"IR_TASK": "slow"})
    call = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 1,
            "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "End": True}
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "Branches": [{"StartAt": "Call", "States": {"Call": call}}],
                     "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                     "End": True},
            "Failed": {"Type": "Pass", "Parameters": {"caught.$": "$.error.Error"}, "End": True}}},
        "End": True}}}
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name=f"timeouts-{uid}", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": [{"slow": True}, {"slow": False}]}))
    done = wait_for(execution_finished(sfn, run["executionArn"]), timeout=30, what="the execution")

    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    assert output[0] == {"caught": "States.Timeout"}
    assert output[1][0]["Payload"] == {"ok": True}


def test_a_states_error_out_of_a_map_iteration_is_caught_by_the_map(aws: Any, fake_lambda: Any, uid: str) -> None:
    def slow(event: Any) -> Any:
        time.sleep(2.5)
        return {"ok": True}

    fake_lambda.handlers["slower"] = slow
    fn = create_function(aws, f"slower-{uid}", {"IR_TASK": "slower"})
    definition = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items",
                 "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Call", "States": {
                     "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 1,
                              "Parameters": {"FunctionName": fn, "Payload.$": "$"}, "End": True}}},
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}],
                 "End": True},
        "TimedOut": {"Type": "Pass", "Parameters": {"caught.$": "$.error.Error"}, "End": True}}}
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name=f"map-timeout-{uid}", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": [{}]}))
    done = wait_for(execution_finished(sfn, run["executionArn"]), timeout=30, what="the execution")

    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"caught": "States.Timeout"}


# ---------------------------------------------------------------- tags read per resource


def test_tag_filters_answer_the_same_through_the_per_resource_read(aws: Any, uid: str) -> None:
    """The per-resource tag read (a performance patch) keeps every tag filter's answer."""
    ec2 = aws("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    volumes = [ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"] for _ in range(3)]
    snaps = [ec2.create_snapshot(VolumeId=v, TagSpecifications=[{"ResourceType": "snapshot", "Tags": [
        {"Key": "case", "Value": f"case-{uid}" if i < 2 else "other"}, {"Key": f"k{i}", "Value": "v"}]}])["SnapshotId"]
        for i, v in enumerate(volumes)]
    eni = ec2.create_network_interface(SubnetId=subnet, TagSpecifications=[{"ResourceType": "network-interface",
                                                                           "Tags": [{"Key": "role", "Value": uid}]}])
    found = ec2.describe_snapshots(Filters=[{"Name": "tag:case", "Values": [f"case-{uid}"]}])["Snapshots"]
    assert sorted(s["SnapshotId"] for s in found) == sorted(snaps[:2])
    assert {t["Key"]: t["Value"] for t in found[0]["Tags"]}["case"] == f"case-{uid}"
    keyed = ec2.describe_snapshots(Filters=[{"Name": "tag-key", "Values": ["k2"]}])["Snapshots"]
    assert [s["SnapshotId"] for s in keyed] == [snaps[2]]
    by_value = ec2.describe_network_interfaces(Filters=[{"Name": "tag-value", "Values": [uid]}])["NetworkInterfaces"]
    assert [n["NetworkInterfaceId"] for n in by_value] == [eni["NetworkInterface"]["NetworkInterfaceId"]]
    described = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [snaps[0]]}])["Tags"]
    assert sorted((t["Key"], t["Value"], t["ResourceType"]) for t in described) == [
        ("case", f"case-{uid}", "snapshot"), ("k0", "v", "snapshot")]


# ---------------------------------------------------------------- execution history pages


def test_execution_history_pages_newest_first(aws: Any, uid: str) -> None:
    sfn = aws("stepfunctions")
    states = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(60)}
    states["P60"] = {"Type": "Succeed"}
    arn = sfn.create_state_machine(name=f"pages-{uid}", definition=json.dumps({"StartAt": "P0", "States": states}),
                                   roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    wait_for(execution_finished(sfn, run), what="the execution")

    first = sfn.get_execution_history(executionArn=run)
    assert len(first["events"]) == 100 and "nextToken" in first  # 1 + 61 x 2 + 1 events, 100 per page
    assert [e["id"] for e in first["events"]][:2] == [1, 2]
    rest = sfn.get_execution_history(executionArn=run, nextToken=first["nextToken"])
    ids = [e["id"] for e in first["events"] + rest["events"]]
    assert ids == list(range(1, len(ids) + 1)) and "nextToken" not in rest

    newest = sfn.get_execution_history(executionArn=run, reverseOrder=True, maxResults=3)["events"]
    assert [e["type"] for e in newest][0] == "ExecutionSucceeded"
    assert [e["id"] for e in newest] == [ids[-1], ids[-2], ids[-3]]
    paged = [e["id"] for page in sfn.get_paginator("get_execution_history").paginate(executionArn=run, reverseOrder=True)
             for e in page["events"]]
    assert paged == list(reversed(ids))


def test_the_context_start_time_is_an_iso_8601_string(aws: Any, uid: str) -> None:
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Now", "States": {"Now": {"Type": "Pass", "Parameters": {
        "time.$": "$$.Execution.StartTime"}, "End": True}}}
    arn = sfn.create_state_machine(name=f"start-time-{uid}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    done = wait_for(execution_finished(sfn, run), what="the execution")
    assert done["status"] == "SUCCEEDED", done
    started = done["startDate"].astimezone(UTC)
    stamp = json.loads(done["output"])["time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
    assert stamp[:19] == started.strftime("%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------- ENI lookup under concurrent creation


def test_a_network_interface_is_found_while_another_is_being_added() -> None:
    """moto iterated over every interface, and a concurrent create raised RuntimeError
    (HTTP 500); the lookup is by id and never walks the others."""
    import pytest
    from moto.ec2.exceptions import InvalidNetworkInterfaceIdError
    from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend

    from irmoto import extensions

    class Growing(dict):  # type: ignore[type-arg]
        def values(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("dictionary changed size during iteration")

    extensions.patch_ec2_network_interface_lookup()
    backend = NetworkInterfaceBackend.__new__(NetworkInterfaceBackend)
    eni = object()
    backend.enis = Growing({"eni-1": eni})  # type: ignore[attr-defined]
    assert backend.get_network_interface("eni-1") is eni
    with pytest.raises(InvalidNetworkInterfaceIdError):
        backend.get_network_interface("eni-2")


def test_list_parents_of_an_account_outside_the_organization_is_child_not_found(aws: Any) -> None:
    from irmoto import fixtures  # noqa: F401  (the organization the fixtures make)

    org = aws("organizations")
    try:
        org.create_organization(FeatureSet="ALL")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "AlreadyInOrganizationException"
    with pytest.raises(ClientError) as e:
        org.list_parents(ChildId="999988887777")
    assert e.value.response["Error"]["Code"] == "ChildNotFoundException"
    root = org.list_roots()["Roots"][0]["Id"]
    me = org.describe_organization()["Organization"]["MasterAccountId"]
    assert org.list_parents(ChildId=me)["Parents"] == [{"Id": root, "Type": "ROOT"}]
