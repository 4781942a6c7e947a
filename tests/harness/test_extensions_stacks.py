"""Each irmoto.stacks extension on its own, through boto3 against a real server.

Every test asserts the documented AWS behaviour; run with
IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see them fail on plain moto 5.2.5.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, ROLE, execution_finished, wait_for

PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"


def error_code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return err.value.response["Error"]["Code"]


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"].endswith("_COMPLETE"), described["StackStatus"]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def resources(cfn: Any, stack: str) -> dict[str, str]:
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
    }


def deploy(cfn: Any, stack: str, body: dict[str, Any], **parameters: str) -> None:
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body), Parameters=params, Capabilities=["CAPABILITY_IAM"])


def update(cfn: Any, stack: str, body: dict[str, Any], **parameters: str) -> None:
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    cfn.update_stack(StackName=stack, TemplateBody=json.dumps(body), Parameters=params, Capabilities=["CAPABILITY_IAM"])


@pytest.fixture(scope="module")
def hub(aws: Any) -> Any:
    securityhub = aws("securityhub")
    try:
        securityhub.enable_security_hub(EnableDefaultStandards=False)
    except ClientError as err:  # already subscribed (AWS: ResourceConflictException)
        assert error_code(err) == "ResourceConflictException"
    return securityhub


def zip_bytes(text: str = "#!/bin/sh\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bootstrap", text)
    return buf.getvalue()


# ---------------------------------------------------------------- S1/S2. Security Hub API


def test_action_targets_are_created_described_updated_and_deleted(aws: Any, hub: Any, uid: str) -> None:
    target_id = f"Isolate{uid[:8]}"
    arn = hub.create_action_target(Name="Isolate instance", Description="Run isolation", Id=target_id)[
        "ActionTargetArn"
    ]
    assert arn == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{target_id}"
    assert hub.describe_action_targets(ActionTargetArns=[arn])["ActionTargets"] == [
        {"ActionTargetArn": arn, "Name": "Isolate instance", "Description": "Run isolation"}
    ]
    assert arn in [t["ActionTargetArn"] for t in hub.describe_action_targets()["ActionTargets"]]

    with pytest.raises(ClientError) as duplicate:
        hub.create_action_target(Name="Again", Description="d", Id=target_id)
    assert error_code(duplicate) == "ResourceConflictException"
    for name, target in (("A" * 21, "Ok1"), ("Ok", "has-dash"), ("Ok", "X" * 21)):
        with pytest.raises(ClientError) as invalid:  # Id: up to 20 alphanumerics; Name: up to 20 characters
            hub.create_action_target(Name=name, Description="d", Id=target)
        assert error_code(invalid) == "InvalidInputException"

    hub.update_action_target(ActionTargetArn=arn, Name="Isolate now")
    assert hub.describe_action_targets(ActionTargetArns=[arn])["ActionTargets"][0]["Name"] == "Isolate now"

    assert hub.delete_action_target(ActionTargetArn=arn)["ActionTargetArn"] == arn
    assert arn not in [t["ActionTargetArn"] for t in hub.describe_action_targets()["ActionTargets"]]
    for call in (
        lambda: hub.describe_action_targets(ActionTargetArns=[arn]),
        lambda: hub.delete_action_target(ActionTargetArn=arn),
        lambda: hub.update_action_target(ActionTargetArn=arn, Name="x"),
    ):
        with pytest.raises(ClientError) as missing:
            call()
        assert error_code(missing) == "ResourceNotFoundException"


def test_action_targets_need_security_hub_enabled(moto_endpoint: str) -> None:
    # A Region where nothing in the suite enables Security Hub.
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    other = session.client("securityhub", region_name="ap-southeast-2", endpoint_url=moto_endpoint)
    with pytest.raises(ClientError) as refused:
        other.create_action_target(Name="Isolate", Description="d", Id="Isolate")
    assert error_code(refused) == "InvalidAccessException"
    assert "not subscribed to AWS Security Hub" in refused.value.response["Error"]["Message"]


def finding(finding_id: str, label: str = "HIGH") -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding_id,
        "ProductArn": PRODUCT,
        "GeneratorId": "aws-ir-tests",
        "AwsAccountId": ACCOUNT,
        "Types": ["TTPs/Command and Control"],
        "CreatedAt": "2026-08-19T04:38:14.000Z",
        "UpdatedAt": "2026-08-19T04:38:14.000Z",
        "Severity": {"Label": label},
        "Title": "Backdoor",
        "Description": "C&C activity",
        "Resources": [{"Type": "AwsEc2Instance", "Id": "i-0c3d4e5f60718293a"}],
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE",
    }


def findings_by_id(hub: Any, *ids: str) -> dict[str, dict[str, Any]]:
    found = {}
    for page in hub.get_paginator("get_findings").paginate():
        found.update({f["Id"]: f for f in page["Findings"] if f["Id"] in ids})
    return found


def test_batch_update_findings_sets_workflow_and_note(hub: Any, uid: str) -> None:
    first, second = f"finding-{uid}-1", f"finding-{uid}-2"
    assert hub.batch_import_findings(Findings=[finding(first), finding(second, "LOW")])["SuccessCount"] == 2

    result = hub.batch_update_findings(
        FindingIdentifiers=[
            {"Id": first, "ProductArn": PRODUCT},
            {"Id": f"missing-{uid}", "ProductArn": PRODUCT},
            {"Id": second, "ProductArn": f"arn:aws:securityhub:{REGION}::product/aws/guardduty"},  # wrong product
        ],
        Workflow={"Status": "NOTIFIED"},
        Note={"Text": "Case opened by aws-ir triage", "UpdatedBy": "aws-ir/triage"},
    )
    assert result["ProcessedFindings"] == [{"Id": first, "ProductArn": PRODUCT}]
    assert [(u["FindingIdentifier"]["Id"], u["ErrorCode"]) for u in result["UnprocessedFindings"]] == [
        (f"missing-{uid}", "FindingNotFound"),
        (second, "FindingNotFound"),
    ]

    found = findings_by_id(hub, first, second)
    assert found[first]["Workflow"] == {"Status": "NOTIFIED"}
    note = found[first]["Note"]
    assert (note["Text"], note["UpdatedBy"]) == ("Case opened by aws-ir triage", "aws-ir/triage") and note["UpdatedAt"]
    assert found[first]["UpdatedAt"] == "2026-08-19T04:38:14.000Z"  # BatchUpdateFindings leaves UpdatedAt alone
    assert found[second]["Workflow"] == {"Status": "NEW"} and "Note" not in found[second]

    # Severity.Normalized alone sets the Label; a duplicated identifier is refused per finding.
    result = hub.batch_update_findings(
        FindingIdentifiers=[{"Id": second, "ProductArn": PRODUCT}] * 2, Severity={"Normalized": 95}
    )
    assert {u["ErrorCode"] for u in result["UnprocessedFindings"]} == {"DuplicatedFindingIdentifier"}
    hub.batch_update_findings(
        FindingIdentifiers=[{"Id": second, "ProductArn": PRODUCT}],
        Severity={"Normalized": 95},
        Workflow={"Status": "RESOLVED"},
    )
    updated = findings_by_id(hub, second)[second]
    assert updated["Severity"]["Label"] == "CRITICAL" and updated["Workflow"]["Status"] == "RESOLVED"

    with pytest.raises(ClientError) as invalid:
        hub.batch_update_findings(
            FindingIdentifiers=[{"Id": first, "ProductArn": PRODUCT}], Workflow={"Status": "DONE"}
        )
    assert error_code(invalid) == "InvalidInputException"


# ---------------------------------------------------------------- S3. CFN types


def action_target_template(target_id: str, name: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Target": {
                "Type": "AWS::SecurityHub::ActionTarget",
                "Properties": {"Id": target_id, "Name": name, "Description": "Run the playbook"},
            }
        },
        "Outputs": {
            "Ref": {"Value": {"Ref": "Target"}},
            "Arn": {"Value": {"Fn::GetAtt": ["Target", "ActionTargetArn"]}},
        },
    }


def test_cfn_action_target(aws: Any, hub: Any, uid: str) -> None:
    cfn, stack = aws("cloudformation"), f"action-{uid}"
    first = f"Triage{uid[:8]}"
    deploy(cfn, stack, action_target_template(first, "Triage finding"))
    out = outputs(cfn, stack)
    arn = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{first}"
    assert out == {"Ref": arn, "Arn": arn}
    assert resources(cfn, stack) == {"Target": arn}
    assert hub.describe_action_targets(ActionTargetArns=[arn])["ActionTargets"][0]["Name"] == "Triage finding"

    update(cfn, stack, action_target_template(first, "Triage now"))  # Name: no interruption
    assert outputs(cfn, stack)["Arn"] == arn
    assert hub.describe_action_targets(ActionTargetArns=[arn])["ActionTargets"][0]["Name"] == "Triage now"

    second = f"Again{uid[:8]}"
    update(cfn, stack, action_target_template(second, "Triage now"))  # Id: replacement
    new_arn = outputs(cfn, stack)["Arn"]
    assert new_arn.endswith(f"/custom/{second}")
    listed = [t["ActionTargetArn"] for t in hub.describe_action_targets()["ActionTargets"]]
    assert new_arn in listed and arn not in listed

    cfn.delete_stack(StackName=stack)
    assert new_arn not in [t["ActionTargetArn"] for t in hub.describe_action_targets()["ActionTargets"]]


def test_cfn_topic_and_queue_policies(aws: Any, uid: str) -> None:
    cfn, sns, sqs = aws("cloudformation"), aws("sns"), aws("sqs")
    stack = f"policies-{uid}"
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": {"Ref": "Topic"},
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    allow = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeSends",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["Queue", "Arn"]},
            }
        ],
    }
    body = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": deny},
            },
            "QueuePolicy": {
                "Type": "AWS::SQS::QueuePolicy",
                "Properties": {"Queues": [{"Ref": "Queue"}], "PolicyDocument": allow},
            },
        },
        "Outputs": {"Topic": {"Value": {"Ref": "Topic"}}, "Queue": {"Value": {"Ref": "Queue"}}},
    }
    deploy(cfn, stack, body)
    out, physical = outputs(cfn, stack), resources(cfn, stack)
    assert physical["TopicPolicy"] and physical["QueuePolicy"]
    topic_policy = json.loads(sns.get_topic_attributes(TopicArn=out["Topic"])["Attributes"]["Policy"])
    assert topic_policy["Statement"][0]["Sid"] == "DenyInsecureTransport"
    assert topic_policy["Statement"][0]["Resource"] == out["Topic"]
    queue_policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=out["Queue"], AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    assert queue_policy["Statement"][0]["Sid"] == "EventBridgeSends"
    assert queue_policy["Statement"][0]["Resource"].startswith(f"arn:aws:sqs:{REGION}:{ACCOUNT}:")


# ---------------------------------------------------------------- S4. KMS key


def kms_template(description: str, tags: dict[str, str], retain: bool = False) -> dict[str, Any]:
    key: dict[str, Any] = {
        "Type": "AWS::KMS::Key",
        "Properties": {
            "Description": description,
            "EnableKeyRotation": True,
            "PendingWindowInDays": 7,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "Root",
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        },
    }
    if retain:
        key["DeletionPolicy"] = "Retain"
    return {
        "Resources": {"Key": key},
        "Outputs": {"KeyId": {"Value": {"Ref": "Key"}}, "Arn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
    }


def test_cfn_kms_key_tags_policy_update_and_scheduled_deletion(aws: Any, uid: str) -> None:
    cfn, kms = aws("cloudformation"), aws("kms")
    stack = f"kms-{uid}"
    deploy(cfn, stack, kms_template("stack key", {"aws-ir:stack": stack, "team": "sec"}))
    key_id = outputs(cfn, stack)["KeyId"]
    tags = kms.list_resource_tags(KeyId=key_id)["Tags"]
    assert sorted(tags, key=lambda t: t["TagKey"]) == [
        {"TagKey": "aws-ir:stack", "TagValue": stack},
        {"TagKey": "team", "TagValue": "sec"},
    ]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True

    update(cfn, stack, kms_template("renamed key", {"aws-ir:stack": stack}))
    assert outputs(cfn, stack)["KeyId"] == key_id  # Description and Tags: no interruption
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "renamed key"
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "aws-ir:stack", "TagValue": stack}]

    cfn.delete_stack(StackName=stack)  # scheduled for deletion after PendingWindowInDays, not gone at once
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion" and "DeletionDate" in metadata


# ---------------------------------------------------------------- S5. Conditions


def conditional_template() -> dict[str, Any]:
    return {
        "Parameters": {"Email": {"Type": "String", "Default": ""}},
        "Conditions": {"HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}},
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
            "Subscription": {
                "Type": "AWS::SNS::Subscription",
                "Condition": "HasEmail",
                "Properties": {"TopicArn": {"Ref": "Topic"}, "Protocol": "email", "Endpoint": {"Ref": "Email"}},
            },
        },
        "Outputs": {"Topic": {"Value": {"Ref": "Topic"}}},
    }


def test_cfn_condition_false_resource_is_absent_and_follows_updates(aws: Any, uid: str) -> None:
    cfn, sns = aws("cloudformation"), aws("sns")
    stack = f"cond-{uid}"
    deploy(cfn, stack, conditional_template())
    topic = outputs(cfn, stack)["Topic"]
    described = cfn.describe_stack_resources(StackName=stack)["StackResources"]
    assert [(r["LogicalResourceId"], r["ResourceType"]) for r in described] == [("Topic", "AWS::SNS::Topic")]
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []

    update(cfn, stack, conditional_template(), Email="soc@example.com")  # condition turns true: created
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "soc@example.com")]
    assert set(resources(cfn, stack)) == {"Topic", "Subscription"}

    update(cfn, stack, conditional_template(), Email="")  # and false again: deleted
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
    assert set(resources(cfn, stack)) == {"Topic"}


# ---------------------------------------------------------------- S6. Intrinsic literals


def test_states_format_literal_with_line_breaks(aws: Any, uid: str) -> None:
    sfn = aws("stepfunctions")
    definition = {
        "StartAt": "Say",
        "States": {
            "Say": {
                "Type": "Pass",
                "Parameters": {
                    "message.$": "States.Format('Case {}\n\nRun: irctl reject {} --reason \\'...\\'', $.id, $.id)"
                },
                "End": True,
            }
        },
    }
    arn = sfn.create_state_machine(name=f"format-{uid}", definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    run = sfn.start_execution(stateMachineArn=arn, name="r", input='{"id": "c-1"}')["executionArn"]
    done = wait_for(execution_finished(sfn, run), what="the execution")
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"message": "Case c-1\n\nRun: irctl reject c-1 --reason '...'"}


# ---------------------------------------------------------------- S7. Parameter constraints


CONSTRAINED = {
    "Parameters": {
        "Mode": {"Type": "String", "Default": "false", "AllowedValues": ["true", "false"]},
        "Prefix": {"Type": "String", "AllowedPattern": "^[A-Za-z0-9._/-]+$"},
        "Days": {"Type": "Number", "Default": 365, "AllowedValues": [90, 365]},
        "Count": {"Type": "Number", "Default": 5, "MinValue": 0, "MaxValue": 10},
        "Name": {"Type": "String", "Default": "abc", "MinLength": 2, "MaxLength": 4},
        "Email": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^$|^[^@\\s]+@[^@\\s]+$",
            "ConstraintDescription": "an e-mail address or nothing",
        },
    },
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}},
}


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"Mode": "maybe"}, "Parameter 'Mode' must be one of AllowedValues"),
        ({"Prefix": "has space"}, "Parameter 'Prefix' must match pattern ^[A-Za-z0-9._/-]+$"),
        ({"Days": "30"}, "Parameter 'Days' must be one of AllowedValues"),
        ({"Count": "11"}, "Parameter 'Count' must be a number not greater than 10"),
        ({"Count": "-1"}, "Parameter 'Count' must be a number not less than 0"),
        ({"Count": "five"}, "Parameter 'Count' must be a number"),
        ({"Name": "a"}, "Parameter 'Name' must contain at least 2 characters"),
        ({"Name": "abcde"}, "Parameter 'Name' must contain at most 4 characters"),
        ({"Email": "not an address"}, "Parameter 'Email' failed to satisfy constraint: an e-mail address or nothing"),
        ({"Unknown": "x"}, "Parameters: [Unknown] do not exist in the template"),
    ],
    ids=lambda value: json.dumps(value)[:40],
)
def test_cfn_parameter_constraints(aws: Any, uid: str, parameters: dict[str, str], message: str) -> None:
    cfn = aws("cloudformation")
    stack = f"params-{uid}"
    with pytest.raises(ClientError) as refused:
        deploy(cfn, stack, CONSTRAINED, **{"Prefix": "ok/1", **parameters})
    assert error_code(refused) == "ValidationError"
    assert refused.value.response["Error"]["Message"] == message
    assert stack not in [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]


def test_cfn_parameter_constraints_accept_valid_values(aws: Any, uid: str) -> None:
    cfn = aws("cloudformation")
    deploy(cfn, f"params-ok-{uid}", CONSTRAINED, Prefix="build/1.2", Days="90", Count="0", Email="a@b.c")
    assert outputs(cfn, f"params-ok-{uid}") == {}
    with pytest.raises(ClientError) as refused:  # UpdateStack checks too, and changes nothing
        update(cfn, f"params-ok-{uid}", CONSTRAINED, Prefix="build/2", Count="99")
    assert refused.value.response["Error"]["Message"] == "Parameter 'Count' must be a number not greater than 10"
    assert {
        p["ParameterKey"]: p["ParameterValue"]
        for p in cfn.describe_stacks(StackName=f"params-ok-{uid}")["Stacks"][0]["Parameters"]
    }["Prefix"] == "build/1.2"


# ---------------------------------------------------------------- S8. Updates


def lambda_template(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "Parameters": {"Bucket": {"Type": "String"}, "Prefix": {"Type": "String"}},
        "Resources": {
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Role": ROLE,
                    "Code": {"S3Bucket": {"Ref": "Bucket"}, "S3Key": {"Fn::Sub": "${Prefix}/task.zip"}},
                    **(extra or {}),
                },
            },
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Retain",
                "Properties": {"LogGroupName": {"Fn::Sub": "/ir/${AWS::StackName}"}, "RetentionInDays": 30},
            },
        },
        "Outputs": {"Function": {"Value": {"Ref": "Function"}}, "Arn": {"Value": {"Fn::GetAtt": ["Function", "Arn"]}}},
    }


@pytest.fixture
def artifacts(aws: Any, uid: str) -> str:
    s3, bucket = aws("s3"), f"artifacts-{uid}"
    s3.create_bucket(Bucket=bucket)
    for prefix, text in (("v1", "one"), ("v2", "two")):
        s3.put_object(Bucket=bucket, Key=f"{prefix}/task.zip", Body=zip_bytes(text))
    return bucket


def test_cfn_update_follows_parameters_inside_fn_sub(aws: Any, uid: str, artifacts: str) -> None:
    cfn, lam, logs = aws("cloudformation"), aws("lambda"), aws("logs")
    stack = f"upd-{uid}"
    deploy(cfn, stack, lambda_template(), Bucket=artifacts, Prefix="v1")
    first = outputs(cfn, stack)
    before = lam.get_function(FunctionName=first["Function"])
    assert before["Code"]["Location"].endswith("/v1/task.zip")

    with pytest.raises(ClientError) as unchanged:
        update(cfn, stack, lambda_template(), Bucket=artifacts, Prefix="v1")
    assert unchanged.value.response["Error"]["Message"] == "No updates are to be performed."

    update(cfn, stack, lambda_template(), Bucket=artifacts, Prefix="v2")
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    after = lam.get_function(FunctionName=first["Function"])
    assert outputs(cfn, stack) == first  # updated in place
    assert after["Code"]["Location"].endswith("/v2/task.zip")
    assert after["Configuration"]["CodeSha256"] != before["Configuration"]["CodeSha256"]

    # A resource removed from the template with DeletionPolicy Retain stays.
    without_logs = lambda_template()
    del without_logs["Resources"]["Logs"]
    update(cfn, stack, without_logs, Bucket=artifacts, Prefix="v2")
    assert set(resources(cfn, stack)) == {"Function"}
    assert logs.describe_log_groups(logGroupNamePrefix=f"/ir/{stack}")["logGroups"][0]["logGroupName"] == f"/ir/{stack}"


# ---------------------------------------------------------------- S9. Lambda properties


def test_cfn_lambda_keeps_kms_tracing_logging_and_tags(aws: Any, uid: str, artifacts: str) -> None:
    cfn, lam, kms = aws("cloudformation"), aws("lambda"), aws("kms")
    key_arn = kms.create_key(Description=f"lambda-{uid}")["KeyMetadata"]["Arn"]
    stack = f"fn-{uid}"
    extra = {
        "KmsKeyArn": key_arn,
        "TracingConfig": {"Mode": "Active"},
        "LoggingConfig": {
            "LogGroup": f"/ir/{uid}",
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "WARN",
        },
        "ReservedConcurrentExecutions": 5,
        "Tags": [{"Key": "aws-ir:task", "Value": "normalize"}],
    }
    deploy(cfn, stack, lambda_template(extra), Bucket=artifacts, Prefix="v1")
    name = outputs(cfn, stack)["Function"]
    got = lam.get_function(FunctionName=name)
    config = got["Configuration"]
    assert config["KMSKeyArn"] == key_arn
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["LoggingConfig"] == extra["LoggingConfig"]
    assert got["Tags"] == {"aws-ir:task": "normalize"}
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 5}

    # Update: tracing off, logging back to the default, no reserved concurrency, other tags.
    update(
        cfn,
        stack,
        lambda_template({"KmsKeyArn": key_arn, "Tags": [{"Key": "aws-ir:task", "Value": "notify"}]}),
        Bucket=artifacts,
        Prefix="v1",
    )
    got = lam.get_function(FunctionName=name)
    assert got["Configuration"]["TracingConfig"] == {"Mode": "PassThrough"}
    assert got["Configuration"]["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert "Concurrency" not in got and got["Tags"] == {"aws-ir:task": "notify"}

    # The API keeps LoggingConfig too.
    lam.update_function_configuration(FunctionName=name, LoggingConfig={"LogFormat": "JSON"})
    assert lam.get_function_configuration(FunctionName=name)["LoggingConfig"]["LogFormat"] == "JSON"


# ---------------------------------------------------------------- S10. Log groups


def test_cfn_log_group_kms_key_and_update(aws: Any, uid: str) -> None:
    cfn, logs, kms = aws("cloudformation"), aws("logs"), aws("kms")
    key_arn = kms.create_key(Description=f"logs-{uid}")["KeyMetadata"]["Arn"]
    stack = f"logs-{uid}"

    def body(days: int) -> dict[str, Any]:
        return {
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {"LogGroupName": f"/ir/logs-{uid}", "RetentionInDays": days, "KmsKeyId": key_arn},
                }
            },
            "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Logs", "Arn"]}}},
        }

    deploy(cfn, stack, body(365))
    (group,) = logs.describe_log_groups(logGroupNamePrefix=f"/ir/logs-{uid}")["logGroups"]
    assert group["kmsKeyId"] == key_arn and group["retentionInDays"] == 365
    assert outputs(cfn, stack)["Arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ir/logs-{uid}:*"
    update(cfn, stack, body(731))
    (group,) = logs.describe_log_groups(logGroupNamePrefix=f"/ir/logs-{uid}")["logGroups"]
    assert group["retentionInDays"] == 731 and group["kmsKeyId"] == key_arn
    assert resources(cfn, stack) == {"Logs": f"/ir/logs-{uid}"}


# ---------------------------------------------------------------- S11. IAM roles


def role_template(actions: list[str], policy_name: str = "task") -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": policy_name,
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [{"Sid": "Act", "Effect": "Allow", "Action": actions, "Resource": "*"}],
                            },
                        }
                    ],
                },
            }
        },
        "Outputs": {"Name": {"Value": {"Ref": "Role"}}},
    }


def test_cfn_role_inline_policies_are_json_validated_and_updated(aws: Any, uid: str) -> None:
    cfn, iam = aws("cloudformation"), aws("iam")
    stack = f"role-{uid}"
    deploy(cfn, stack, role_template(["ec2:DescribeInstances"]))
    name = outputs(cfn, stack)["Name"]
    document = iam.get_role_policy(RoleName=name, PolicyName="task")["PolicyDocument"]
    assert document["Statement"][0]["Action"] == ["ec2:DescribeInstances"]  # parsed JSON, not a Python repr

    update(cfn, stack, role_template(["ec2:DescribeInstances", "ec2:CreateSnapshot"], "task-v2"))
    assert outputs(cfn, stack)["Name"] == name
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["task-v2"]
    document = iam.get_role_policy(RoleName=name, PolicyName="task-v2")["PolicyDocument"]
    assert document["Statement"][0]["Action"] == ["ec2:DescribeInstances", "ec2:CreateSnapshot"]

    broken = role_template(["ec2:DescribeInstances"])
    broken["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Effect"] = "Maybe"
    # Validated as PutRolePolicy does: the stack rolls back with the IAM error as the reason.
    deploy(cfn, f"role-bad-{uid}", broken)
    assert cfn.describe_stacks(StackName=f"role-bad-{uid}")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=f"role-bad-{uid}")["StackEvents"]
    (failed,) = [e for e in events if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed["LogicalResourceId"] == "Role" and "MalformedPolicyDocument" in failed["ResourceStatusReason"]


# ---------------------------------------------------------------- S12. In-place updates


def test_cfn_topic_queue_and_rule_update_in_place(aws: Any, uid: str) -> None:
    cfn, sns, sqs, events = aws("cloudformation"), aws("sns"), aws("sqs"), aws("events")
    stack = f"inplace-{uid}"

    def body(display: str, retention: int, target_ids: list[str]) -> dict[str, Any]:
        return {
            "Resources": {
                "Topic": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"DisplayName": display, "Tags": [{"Key": "display", "Value": display}]},
                },
                "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": retention}},
                "Rule": {
                    "Type": "AWS::Events::Rule",
                    "Properties": {
                        "EventPattern": {"source": [f"ir.inplace.{uid}"]},
                        "Targets": [{"Id": i, "Arn": {"Ref": "Topic"}} for i in target_ids],
                    },
                },
            },
            "Outputs": {
                "Topic": {"Value": {"Ref": "Topic"}},
                "Queue": {"Value": {"Ref": "Queue"}},
                "Rule": {"Value": {"Ref": "Rule"}},
                "RuleArn": {"Value": {"Fn::GetAtt": ["Rule", "Arn"]}},
            },
        }

    deploy(cfn, stack, body("first", 3600, ["a", "b"]))
    first = outputs(cfn, stack)
    assert sns.list_tags_for_resource(ResourceArn=first["Topic"])["Tags"] == [{"Key": "display", "Value": "first"}]
    sqs_url = first["Queue"]
    sqs.set_queue_attributes(
        QueueUrl=sqs_url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Keep",
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": "*",
                        }
                    ],
                }
            )
        },
    )

    update(cfn, stack, body("second", 7200, ["b", "c"]))
    assert outputs(cfn, stack) == first  # same topic, queue and rule
    attributes = sns.get_topic_attributes(TopicArn=first["Topic"])["Attributes"]
    assert attributes["DisplayName"] == "second"
    assert sns.list_tags_for_resource(ResourceArn=first["Topic"])["Tags"] == [{"Key": "display", "Value": "second"}]
    queue = sqs.get_queue_attributes(QueueUrl=sqs_url, AttributeNames=["All"])["Attributes"]
    assert queue["MessageRetentionPeriod"] == "7200" and json.loads(queue["Policy"])["Statement"][0]["Sid"] == "Keep"
    assert sorted(t["Id"] for t in events.list_targets_by_rule(Rule=first["Rule"])["Targets"]) == ["b", "c"]


# ---------------------------------------------------------------- S13. Create failures roll back


def test_cfn_resource_failure_rolls_the_new_stack_back(aws: Any, uid: str) -> None:
    cfn, logs, sns = aws("cloudformation"), aws("logs"), aws("sns")
    taken = f"/ir/taken-{uid}"
    logs.create_log_group(logGroupName=taken)
    stack = f"rollback-{uid}"
    body = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"rollback-{uid}"}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "DependsOn": "Topic", "Properties": {"LogGroupName": taken}},
        },
        "Outputs": {"Topic": {"Value": {"Ref": "Topic"}}},
    }
    stack_id = cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))["StackId"]  # accepted

    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Logs]" in described["StackStatusReason"] and "Outputs" not in described
    failed = [
        e for e in cfn.describe_stack_events(StackName=stack)["StackEvents"] if e["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [("Logs", "AWS::Logs::LogGroup")]
    assert "already exists" in failed[0]["ResourceStatusReason"]
    assert cfn.describe_stack_resources(StackName=stack)["StackResources"] == []
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:rollback-{uid}"
    assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]  # what was created went

    with pytest.raises(ClientError) as taken_name:  # the failed stack keeps its name until deleted
        cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))
    assert error_code(taken_name) == "AlreadyExistsException"
    with pytest.raises(ClientError) as not_updatable:  # and can only be deleted
        cfn.update_stack(StackName=stack, TemplateBody=json.dumps(body))
    assert "ROLLBACK_COMPLETE state and can not be updated" in not_updatable.value.response["Error"]["Message"]
    cfn.delete_stack(StackName=stack_id)
    body["Resources"]["Logs"]["Properties"]["LogGroupName"] = f"/ir/free-{uid}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(body))
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
