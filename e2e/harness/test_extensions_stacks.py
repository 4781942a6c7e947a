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

from conftest import ACCOUNT, REGION, ROLE, events_to_queue, execution_finished, wait_for

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


def test_imported_and_updated_findings_reach_eventbridge(aws: Any, hub: Any, uid: str) -> None:
    received = events_to_queue(aws, f"hub-{uid}", {
        "source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
        "detail": {"findings": {"Id": [f"finding-{uid}"]}}})

    hub.batch_import_findings(Findings=[finding(f"finding-{uid}")])
    imported = received()
    assert [e["detail"]["findings"][0]["Workflow"]["Status"] for e in imported] == ["NEW"]
    assert imported[0]["detail-type"] == "Security Hub Findings - Imported"
    hub.batch_update_findings(FindingIdentifiers=[{"Id": f"finding-{uid}", "ProductArn": PRODUCT}],
                              Workflow={"Status": "NOTIFIED"}, Note={"Text": "done", "UpdatedBy": "aws-ir"})
    updated = received()
    assert [e["detail"]["findings"][0]["Workflow"]["Status"] for e in updated] == ["NOTIFIED"]
    assert updated[0]["detail"]["findings"][0]["Note"]["Text"] == "done"


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


# ---------------------------------------------------------------- S11. IAM roles: managed policies on delete


def test_cfn_role_managed_policies_attached_and_detached_on_delete(aws: Any, uid: str) -> None:
    cfn, iam = aws("cloudformation"), aws("iam")
    stack = f"managed-{uid}"
    body = role_template(["ec2:DescribeInstances"])
    body["Resources"]["Role"]["Properties"]["ManagedPolicyArns"] = [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
    ]
    body["Resources"]["Profile"] = {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}}
    deploy(cfn, stack, body)
    name, profile = outputs(cfn, stack)["Name"], resources(cfn, stack)["Profile"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]  # an AWS managed policy
    assert attached == [
        {
            "PolicyName": "AmazonSSMManagedInstanceCore",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        }
    ]
    assert [
        r["RoleName"] for r in iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    ] == [name]

    cfn.delete_stack(StackName=stack)  # CloudFormation detaches the managed policy before DeleteRole
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack] == [
        "DELETE_COMPLETE"
    ]
    for call in (lambda: iam.get_role(RoleName=name), lambda: iam.get_instance_profile(InstanceProfileName=profile)):
        with pytest.raises(ClientError) as gone:
            call()
        assert error_code(gone) == "NoSuchEntity"


# ---------------------------------------------------------------- S14. S3 buckets


def evidence_bucket_template(log_bucket: str, days: int, logging: bool, block_acls: bool) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "Properties": {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": days}},
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]},
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": block_acls,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "Tags": [{"Key": "retention", "Value": str(days)}],
        },
    }
    if logging:
        bucket["Properties"]["LoggingConfiguration"] = {
            "DestinationBucketName": log_bucket,
            "LogFilePrefix": "evidence/",
        }
    return {
        "Resources": {"Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "Properties": {}}, "Bucket": bucket},
        "Outputs": {"Bucket": {"Value": {"Ref": "Bucket"}}, "Key": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
    }


def test_cfn_s3_bucket_keeps_lock_versioning_encryption_access_block_ownership_logging(aws: Any, uid: str) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    stack, log_bucket = f"bucket-{uid}", f"ir-logs-{uid}"
    s3.create_bucket(Bucket=log_bucket, ACL="log-delivery-write")  # logging allowed by ACL: S15 not involved
    deploy(cfn, stack, evidence_bucket_template(log_bucket, 3, logging=True, block_acls=True))
    out = outputs(cfn, stack)
    bucket, key = out["Bucket"], out["Key"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    retention = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Days"]) == ("GOVERNANCE", 3)
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule == {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
        "BucketKeyEnabled": True,
    }
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
        "TargetBucket": log_bucket,
        "TargetPrefix": "evidence/",
    }
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "retention", "Value": "3"}]
    version = s3.put_object(Bucket=bucket, Key="cases/1/report.json", Body=b"{}")["VersionId"]
    head = s3.head_object(Bucket=bucket, Key="cases/1/report.json")
    assert head["ObjectLockMode"] == "GOVERNANCE" and head["SSEKMSKeyId"] == key  # the bucket's defaults apply
    with pytest.raises(ClientError) as locked:
        s3.delete_object(Bucket=bucket, Key="cases/1/report.json", VersionId=version)
    assert error_code(locked) == "AccessDenied"

    update(cfn, stack, evidence_bucket_template(log_bucket, 7, logging=False, block_acls=False))
    assert outputs(cfn, stack)["Bucket"] == bucket  # all of these: no interruption
    retention = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Days"] == 7  # changed although the bucket holds objects
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is False
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)  # removed property: logging off
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "retention", "Value": "7"}]

    cfn.delete_stack(StackName=stack)  # Retain: the bucket, its objects and its configuration stay
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_object(Bucket=bucket, Key="cases/1/report.json")["Body"].read() == b"{}"


# ---------------------------------------------------------------- S15. Logging into an owner-enforced bucket


def test_s3_logging_into_owner_enforced_bucket_before_its_policy(aws: Any, uid: str, moto_endpoint: str) -> None:
    s3 = aws("s3")
    source, target = f"ir-src-{uid}", f"ir-dst-{uid}"
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=target, ObjectOwnership="BucketOwnerEnforced")  # ACLs off, no policy yet
    s3.put_bucket_logging(
        Bucket=source, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "src/"}}
    )
    assert s3.get_bucket_logging(Bucket=source)["LoggingEnabled"] == {"TargetBucket": target, "TargetPrefix": "src/"}

    with pytest.raises(ClientError) as missing:  # the destination must still exist
        s3.put_bucket_logging(
            Bucket=source,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": f"ir-none-{uid}", "TargetPrefix": ""}},
        )
    assert error_code(missing) == "InvalidTargetBucketForLogging"
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    west = session.client("s3", region_name="us-west-2", endpoint_url=moto_endpoint)
    west.create_bucket(
        Bucket=f"ir-west-{uid}",
        CreateBucketConfiguration={"LocationConstraint": "us-west-2"},
        ObjectOwnership="BucketOwnerEnforced",
    )
    with pytest.raises(ClientError) as elsewhere:  # and be in the source's Region
        s3.put_bucket_logging(
            Bucket=source,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": f"ir-west-{uid}", "TargetPrefix": ""}},
        )
    assert error_code(elsewhere) == "CrossLocationLoggingProhibited"


# ---------------------------------------------------------------- S16. Bucket policy conditions


def test_bucket_policy_statements_apply_only_when_principal_and_condition_match(aws: Any, uid: str) -> None:
    s3 = aws("s3")
    bucket = f"ir-policy-{uid}"
    s3.create_bucket(Bucket=bucket)
    arn = f"arn:aws:s3:::{bucket}"

    def deny(sid: str, action: str, **extra: Any) -> dict[str, Any]:
        return {
            "Sid": sid,
            "Effect": "Deny",
            "Principal": "*",
            "Action": action,
            "Resource": [arn, f"{arn}/*"],
            **extra,
        }

    statements = [
        deny("DenyInsecureTransport", "s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
        # Keys the caller's request does not carry: the condition is false, the Deny does not apply.
        deny("OnlyForLogDelivery", "s3:*", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        deny("OnlyForAService", "s3:*", Principal={"Service": "logging.s3.amazonaws.com"}),
        # These two do apply: a condition that holds, and none at all.
        deny("NoReadsOverTls", "s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}}),
        deny("NoDeletes", "s3:DeleteObject"),
    ]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))

    s3.put_object(Bucket=bucket, Key="cases/1/report.json", Body=b"{}")  # over TLS on AWS, as SDKs connect
    for call in (
        lambda: s3.get_object(Bucket=bucket, Key="cases/1/report.json"),
        lambda: s3.delete_object(Bucket=bucket, Key="cases/1/report.json"),
    ):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ---------------------------------------------------------------- S17. Bucket policies


def bucket_policy_template(target: str, sid: str) -> dict[str, Any]:
    def policy_for(logical: str) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": sid,
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [{"Fn::GetAtt": [logical, "Arn"]}, {"Fn::Sub": "${" + logical + ".Arn}/*"}],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }

    return {
        "Resources": {
            "First": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
            "Second": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {}},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": {"Ref": target}, "PolicyDocument": policy_for(target)},
            },
        },
        "Outputs": {
            "First": {"Value": {"Ref": "First"}},
            "Second": {"Value": {"Ref": "Second"}},
            "Policy": {"Value": {"Ref": "Policy"}},
        },
    }


def test_cfn_s3_bucket_policy_is_put_updated_moved_and_deleted(aws: Any, uid: str) -> None:
    cfn, s3 = aws("cloudformation"), aws("s3")
    stack = f"bucketpolicy-{uid}"

    def policy(bucket: str) -> dict[str, Any]:
        return json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])

    deploy(cfn, stack, bucket_policy_template("First", "DenyInsecureTransport"))
    out = outputs(cfn, stack)
    first, second = out["First"], out["Second"]
    assert out["Policy"] == first == resources(cfn, stack)["Policy"]  # Ref: the bucket's name
    (statement,) = policy(first)["Statement"]
    assert statement["Sid"] == "DenyInsecureTransport"
    assert statement["Resource"] == [f"arn:aws:s3:::{first}", f"arn:aws:s3:::{first}/*"]

    update(cfn, stack, bucket_policy_template("First", "TlsOnly"))  # PolicyDocument: no interruption
    assert [s["Sid"] for s in policy(first)["Statement"]] == ["TlsOnly"]

    update(cfn, stack, bucket_policy_template("Second", "TlsOnly"))  # Bucket: replacement
    assert outputs(cfn, stack)["Policy"] == second
    assert [s["Sid"] for s in policy(second)["Statement"]] == ["TlsOnly"]
    with pytest.raises(ClientError) as moved:
        s3.get_bucket_policy(Bucket=first)
    assert error_code(moved) == "NoSuchBucketPolicy"

    cfn.delete_stack(StackName=stack)  # the buckets are retained, the policy resource is not
    with pytest.raises(ClientError) as deleted:
        s3.get_bucket_policy(Bucket=second)
    assert error_code(deleted) == "NoSuchBucketPolicy"


# ---------------------------------------------------------------- S18. DynamoDB tables


def case_table_template(pitr: bool, ttl: bool, tag: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "Properties": {}},
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "case_id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "case_id", "KeyType": "HASH"}],
                    "SSESpecification": {
                        "SSEEnabled": True,
                        "SSEType": "KMS",
                        "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                    },
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": pitr},
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": ttl},
                    "DeletionProtectionEnabled": True,
                    "Tags": [{"Key": "tag", "Value": tag}],
                },
            },
        },
        "Outputs": {"Table": {"Value": {"Ref": "Table"}}, "Key": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
    }


def test_cfn_dynamodb_table_encryption_recovery_ttl_protection(aws: Any, uid: str) -> None:
    cfn, ddb = aws("cloudformation"), aws("dynamodb")
    stack = f"table-{uid}"
    deploy(cfn, stack, case_table_template(pitr=True, ttl=True, tag="one"))
    out = outputs(cfn, stack)
    table_name, key = out["Table"], out["Key"]

    def pitr_status() -> str:
        backups = ddb.describe_continuous_backups(TableName=table_name)["ContinuousBackupsDescription"]
        return backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]

    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["SSEDescription"] == {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] is True
    assert pitr_status() == "ENABLED"
    assert ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }
    with pytest.raises(ClientError) as protected:
        ddb.delete_table(TableName=table_name)
    assert error_code(protected) == "ValidationException"

    update(cfn, stack, case_table_template(pitr=False, ttl=False, tag="two"))
    assert outputs(cfn, stack)["Table"] == table_name  # no interruption
    assert pitr_status() == "DISABLED"
    assert ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    assert ddb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"] == [{"Key": "tag", "Value": "two"}]

    cfn.delete_stack(StackName=stack)  # Retain: deletion protection does not get in the way
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack] == [
        "DELETE_COMPLETE"
    ]
    assert ddb.describe_table(TableName=table_name)["Table"]["DeletionProtectionEnabled"] is True


# ---------------------------------------------------------------- S19. Delete failures


def test_cfn_resource_that_cannot_be_deleted_leaves_the_stack_delete_failed(aws: Any, uid: str) -> None:
    cfn, ddb, s3, sns = aws("cloudformation"), aws("dynamodb"), aws("s3"), aws("sns")
    stack = f"delfail-{uid}"
    body = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"delfail-{uid}"}},
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "DeletionProtectionEnabled": True,
                },
            },
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        },
        "Outputs": {"Table": {"Value": {"Ref": "Table"}}, "Bucket": {"Value": {"Ref": "Bucket"}}},
    }
    deploy(cfn, stack, body)
    out = outputs(cfn, stack)
    s3.put_object(Bucket=out["Bucket"], Key="evidence", Body=b"x")  # "Deletion fails for buckets that have contents"
    with pytest.raises(ClientError) as not_yet:  # RetainResources is for DELETE_FAILED stacks only
        cfn.delete_stack(StackName=stack, RetainResources=["Table"])
    assert error_code(not_yet) == "ValidationError"

    cfn.delete_stack(StackName=stack)  # accepted
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "DELETE_FAILED"
    assert described["StackStatusReason"] == "The following resource(s) failed to delete: [Bucket, Table]. "
    failed = {
        e["LogicalResourceId"]: e["ResourceStatusReason"]
        for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
        if e["ResourceStatus"] == "DELETE_FAILED" and e["LogicalResourceId"] != stack
    }
    assert set(failed) == {"Table", "Bucket"}
    assert "DeletionProtectionEnabled" in failed["Table"] and "BucketNotEmpty" in failed["Bucket"]
    assert sorted(r["LogicalResourceId"] for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]) == [
        "Bucket",
        "Table",
    ]
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:delfail-{uid}"
    assert topic not in [t["TopicArn"] for t in sns.list_topics()["Topics"]]  # deleted, and not created again

    cfn.delete_stack(StackName=stack, RetainResources=["Table", "Bucket"])
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack] == [
        "DELETE_COMPLETE"
    ]
    assert ddb.describe_table(TableName=out["Table"])["Table"]["TableStatus"] == "ACTIVE"  # retained
    assert s3.get_object(Bucket=out["Bucket"], Key="evidence")["Body"].read() == b"x"


# ---------------------------------------------------------------- S18/S20. What the hardened templates use


def hardened_template(uid: str, writers: str) -> dict[str, Any]:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "OnlyAwsIr", "Effect": "Deny", "Principal": "*", "Action": "dynamodb:PutItem", "Resource": "*",
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:" + writers}}}}]}
    return {
        "Resources": {
            "Cases": {"Type": "AWS::DynamoDB::Table", "Properties": {
                "TableName": f"hardened-{uid}", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "ResourcePolicy": {"PolicyDocument": policy}}},
            "TaskRole": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": f"task-{uid}", "Path": "/aws-ir/", "AssumeRolePolicyDocument": trust}},
            "MacKey": {"Type": "AWS::KMS::Key", "Properties": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}},
            "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
                "StateMachineName": f"hardened-{uid}", "RoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                "Definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}},
        },
        "Outputs": {"Role": {"Value": {"Fn::GetAtt": ["TaskRole", "Arn"]}}, "Key": {"Value": {"Ref": "MacKey"}},
                    "Machine": {"Value": {"Ref": "Machine"}}, "Table": {"Value": {"Ref": "Cases"}}},
    }


def test_cfn_table_resource_policy_names_and_termination_protection(aws: Any, uid: str) -> None:
    cfn, ddb, kms = aws("cloudformation"), aws("dynamodb"), aws("kms")
    stack = f"hardened-{uid}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps(hardened_template(uid, "role/aws-ir/*")),
                     Capabilities=["CAPABILITY_NAMED_IAM"], EnableTerminationProtection=True)
    out = outputs(cfn, stack)
    assert out["Table"] == f"hardened-{uid}"
    assert out["Machine"] == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:hardened-{uid}"
    assert out["Role"] == f"arn:aws:iam::{ACCOUNT}:role/aws-ir/task-{uid}"
    assert aws("iam").get_role(RoleName=f"task-{uid}")["Role"]["Arn"] == out["Role"]
    mac = kms.generate_mac(KeyId=out["Key"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert kms.verify_mac(KeyId=out["Key"], Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=mac)["MacValid"]
    arn = ddb.describe_table(TableName=f"hardened-{uid}")["Table"]["TableArn"]

    def condition() -> Any:
        statement = json.loads(ddb.get_resource_policy(ResourceArn=arn)["Policy"])["Statement"][0]
        return statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]

    assert condition() == f"arn:aws:iam::{ACCOUNT}:role/aws-ir/*"
    update(cfn, stack, hardened_template(uid, "role/aws-ir/emulator/*"))
    assert condition() == f"arn:aws:iam::{ACCOUNT}:role/aws-ir/emulator/*"

    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["EnableTerminationProtection"] is True
    with pytest.raises(ClientError) as protected:
        cfn.delete_stack(StackName=stack)
    assert error_code(protected) == "ValidationError"
    assert protected.value.response["Error"]["Message"] == (
        f"Stack [{stack}] cannot be deleted while TerminationProtection is enabled")
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    stack_id = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackId"]
    assert cfn.update_termination_protection(StackName=stack, EnableTerminationProtection=False)["StackId"] == stack_id
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["EnableTerminationProtection"] is False
    cfn.delete_stack(StackName=stack)
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == stack] == [
        "DELETE_COMPLETE"]


def test_a_template_body_over_51200_bytes_is_refused_and_one_in_s3_is_not(aws: Any, uid: str) -> None:
    """S22: CreateStack/UpdateStack/ValidateTemplate take at most 51,200 bytes of TemplateBody
    (API Reference); a larger template is deployed from S3 by TemplateURL."""
    cfn, s3 = aws("cloudformation"), aws("s3")
    body = {"Description": "x" * 1024, "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Metadata": {"Padding": "p" * 52_000}}
    text = json.dumps(body)
    assert len(text) > 51_200
    for call in (lambda: cfn.create_stack(StackName=f"big-{uid}", TemplateBody=text),
                 lambda: cfn.validate_template(TemplateBody=text)):
        with pytest.raises(ClientError) as refused:
            call()
        assert error_code(refused) == "ValidationError"
        assert "less than or equal to 51200" in refused.value.response["Error"]["Message"]
    assert f"big-{uid}" not in [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]
    s3.create_bucket(Bucket=f"templates-{uid}")
    s3.put_object(Bucket=f"templates-{uid}", Key="big.json", Body=text.encode())
    cfn.create_stack(StackName=f"big-{uid}",
                     TemplateURL=f"https://templates-{uid}.s3.{REGION}.amazonaws.com/big.json")
    assert cfn.describe_stacks(StackName=f"big-{uid}")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    small = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
    cfn.create_stack(StackName=f"small-{uid}", TemplateBody=small)
    with pytest.raises(ClientError) as refused:
        cfn.update_stack(StackName=f"small-{uid}", TemplateBody=text)
    assert error_code(refused) == "ValidationError"
