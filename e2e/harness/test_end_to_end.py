"""A small response flow deployed by CloudFormation and driven by an event.

Lambda (code from S3, IR_TASK names the binary) <- lambda:invoke task in a state
machine (Definition object + DefinitionSubstitutions) with a Catch on
IR.InvalidEvent -> sns:publish to a topic with an SQS subscription; an Events rule
(array pattern, RoleArn) targets the state machine. PutEvents runs it to the end,
with the Lambda call forwarded to the fake `cargo lambda watch`.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from conftest import HandlerError, emit_as_service, execution_finished, history, wait_for

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com", "events.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


def template(bucket: str, key: str, uid: str) -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "TaskRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
            "NormalizeFunction": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "provided.al2023",
                    "Handler": "bootstrap",
                    "Role": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                    "Code": {"S3Bucket": bucket, "S3Key": key},
                    "Environment": {"Variables": {"IR_TASK": "normalize"}},
                },
            },
            "AlertTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"alerts-{uid}"}},
            "AlertQueue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"alerts-{uid}"}},
            "AlertSubscription": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "AlertTopic"},
                    "Protocol": "sqs",
                    "Endpoint": {"Fn::GetAtt": ["AlertQueue", "Arn"]},
                    "RawMessageDelivery": "true",
                },
            },
            "Playbook": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                    "Definition": {
                        "StartAt": "Normalize",
                        "States": {
                            "Normalize": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::lambda:invoke",
                                "Parameters": {"FunctionName": "${NormalizeArn}", "Payload.$": "$"},
                                "ResultSelector": {"normalized.$": "$.Payload"},
                                "Catch": [
                                    {"ErrorEquals": ["IR.InvalidEvent"], "ResultPath": "$.error", "Next": "Alert"}
                                ],
                                "Next": "Done",
                            },
                            "Done": {"Type": "Succeed"},
                            "Alert": {
                                "Type": "Task",
                                "Resource": "arn:aws:states:::sns:publish",
                                "Parameters": {"TopicArn": "${AlertTopicArn}", "Message.$": "$.error.Cause"},
                                "End": True,
                            },
                        },
                    },
                    "DefinitionSubstitutions": {
                        "NormalizeArn": {"Fn::GetAtt": ["NormalizeFunction", "Arn"]},
                        "AlertTopicArn": {"Ref": "AlertTopic"},
                    },
                },
            },
            "FindingRule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {
                        "source": ["aws.securityhub"],
                        "detail-type": ["Security Hub Findings - Imported"],
                        "detail": {"findings": {"Severity": {"Label": ["HIGH", "CRITICAL"]}}},
                    },
                    "Targets": [
                        {
                            "Id": "playbook",
                            "Arn": {"Ref": "Playbook"},
                            "RoleArn": {"Fn::GetAtt": ["TaskRole", "Arn"]},
                        }
                    ],
                },
            },
        },
        "Outputs": {
            "Playbook": {"Value": {"Ref": "Playbook"}},
            "Function": {"Value": {"Ref": "NormalizeFunction"}},
            "QueueUrl": {"Value": {"Ref": "AlertQueue"}},
        },
    }


def put_finding(endpoint: str, finding_id: str, label: str) -> None:
    # As Security Hub itself delivers it: callers may not put aws.* events.
    detail = {"findings": [{"Id": finding_id, "Severity": {"Label": label}, "Resources": [{"Id": "i-0abc"}]}]}
    emit_as_service(
        endpoint,
        {"source": "aws.securityhub", "detail-type": "Security Hub Findings - Imported", "detail": detail,
         "account": "123456789012", "region": "us-east-1", "time": "2026-11-29T00:00:00Z"},
    )


def test_event_to_state_machine_to_lambda_and_sns(aws: Any, fake_lambda: Any, uid: str, moto_endpoint: str) -> None:
    def normalize(event: Any) -> Any:
        finding = event["detail"]["findings"][0]
        if finding["Id"] == "bad":
            raise HandlerError("IR.InvalidEvent", "finding bad has no resource type")
        return {"finding": finding["Id"], "instance": finding["Resources"][0]["Id"]}

    fake_lambda.handlers["normalize"] = normalize

    s3, cfn, sfn, sqs = aws("s3"), aws("cloudformation"), aws("stepfunctions"), aws("sqs")
    bucket = f"artifacts-{uid}"
    s3.create_bucket(Bucket=bucket)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as zf:
        zf.writestr("bootstrap", "#!/bin/sh\n")
    s3.put_object(Bucket=bucket, Key="normalize.zip", Body=code.getvalue())

    stack = f"e2e-{uid}"
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(template(bucket, "normalize.zip", uid)),
        Capabilities=["CAPABILITY_IAM"],
    )
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    out = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
    playbook = out["Playbook"]
    assert aws("lambda").get_function(FunctionName=out["Function"])["Configuration"]["Environment"]["Variables"] == {
        "IR_TASK": "normalize"
    }

    # A LOW finding does not match; a HIGH one runs the playbook to its end.
    put_finding(moto_endpoint, "low", "LOW")
    put_finding(moto_endpoint, "good", "HIGH")
    (run,) = wait_for(lambda: sfn.list_executions(stateMachineArn=playbook)["executions"], what="the playbook run")
    done = wait_for(execution_finished(sfn, run["executionArn"]), what="the playbook run to end")
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"normalized": {"finding": "good", "instance": "i-0abc"}}
    assert [e["detail"]["findings"][0]["Id"] for e in fake_lambda.calls_to("normalize")] == ["good"]

    # A handler error named IR.InvalidEvent is caught by name and published to SNS -> SQS.
    put_finding(moto_endpoint, "bad", "CRITICAL")
    runs = wait_for(
        lambda: [
            r
            for r in sfn.list_executions(stateMachineArn=playbook)["executions"]
            if r["executionArn"] != run["executionArn"]
        ],
        what="the second run",
    )
    failed_run = wait_for(execution_finished(sfn, runs[0]["executionArn"]), what="the second run to end")
    assert failed_run["status"] == "SUCCEEDED"
    errors = [
        e["taskFailedEventDetails"]["error"]
        for e in history(sfn, failed_run["executionArn"])
        if e["type"] == "TaskFailed"
    ]
    assert errors == ["IR.InvalidEvent"]
    messages = sqs.receive_message(QueueUrl=out["QueueUrl"], WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"]) == {
        "errorType": "IR.InvalidEvent",
        "errorMessage": "finding bad has no resource type",
    }
