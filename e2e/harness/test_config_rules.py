"""irmoto.config_rules through boto3 against a real server: AWS Config rules from
CloudFormation, a custom rule's Lambda invoked as Config does, PutEvaluations and the
compliance change events. Run with IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see them fail."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import events_to_queue, wait_for
from test_extensions import create_function


def invoke_rule(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(endpoint + "/moto-api/irmoto/config-rule-invocations",
                                     data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_stack_creates_managed_and_custom_rules(aws: Any, fake_lambda: Any, uid: str) -> None:
    fn = create_function(aws, f"rule-fn-{uid}")
    template = {"Resources": {
        "Ssh": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": f"ssh-{uid}", "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
            "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}},
        "Ports": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": f"ports-{uid}", "InputParameters": {"blockedPort1": "3389"},
            "Source": {"Owner": "AWS", "SourceIdentifier": "RESTRICTED_INCOMING_TRAFFIC"}}},
        "Custom": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": f"custom-{uid}",
            "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": fn, "SourceDetails": [
                {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]}}},
    }, "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Custom", "Arn"]}}, "Name": {"Value": {"Ref": "Ssh"}}}}
    cfn = aws("cloudformation")
    cfn.create_stack(StackName=f"rules-{uid}", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName=f"rules-{uid}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["Name"] == f"ssh-{uid}"
    rules = {r["ConfigRuleName"]: r for r in aws("config").describe_config_rules(
        ConfigRuleNames=[f"ssh-{uid}", f"ports-{uid}", f"custom-{uid}"])["ConfigRules"]}
    assert rules[f"custom-{uid}"]["ConfigRuleArn"] == outputs["Arn"]
    assert json.loads(rules[f"ports-{uid}"]["InputParameters"]) == {"blockedPort1": "3389"}
    cfn.delete_stack(StackName=f"rules-{uid}")
    assert not aws("config").describe_config_rules()["ConfigRules"] or all(
        not r["ConfigRuleName"].endswith(uid) for r in aws("config").describe_config_rules()["ConfigRules"])


def test_a_custom_rule_evaluates_and_a_change_is_sent(aws: Any, fake_lambda: Any, moto_endpoint: str, uid: str) -> None:
    config = aws("config")
    name = f"evaluator-{uid}"
    fn = create_function(aws, name)
    config.put_config_rule(ConfigRule={"ConfigRuleName": f"trail-{uid}", "Source": {
        "Owner": "CUSTOM_LAMBDA", "SourceIdentifier": fn,
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]}})
    received = events_to_queue(aws, f"cfg-{uid}", {
        "source": ["aws.config"], "detail-type": ["Config Rules Compliance Change"],
        "detail": {"configRuleName": [f"trail-{uid}"]}})

    def evaluate(event: dict[str, Any]) -> str:
        item = json.loads(event["invokingEvent"])["configurationItem"]
        compliance = "NON_COMPLIANT" if item["resourceId"] == "stopped" else "COMPLIANT"
        config.put_evaluations(ResultToken=event["resultToken"], Evaluations=[{
            "ComplianceResourceType": item["resourceType"], "ComplianceResourceId": item["resourceId"],
            "ComplianceType": compliance, "Annotation": "logging is off", "OrderingTimestamp": "2026-11-29T00:00:00Z"}])
        return compliance

    fake_lambda.handlers[name] = evaluate
    for resource in ("stopped", "stopped", "logging"):  # the second evaluation changes nothing
        out = invoke_rule(moto_endpoint, {"rule": f"trail-{uid}", "configurationItem": {
            "resourceType": "AWS::CloudTrail::Trail", "resourceId": resource}})
        assert out["FunctionError"] is None, out
    event = fake_lambda.calls_to(name)[0]
    assert event["configRuleName"] == f"trail-{uid}" and event["resultToken"]

    details = config.get_compliance_details_by_config_rule(ConfigRuleName=f"trail-{uid}",
                                                           ComplianceTypes=["NON_COMPLIANT"])
    assert [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
            for r in details["EvaluationResults"]] == ["stopped"]

    changes = wait_for(received, what="compliance changes")
    changes += received()
    seen = sorted((c["detail"]["resourceId"], c["detail"]["newEvaluationResult"]["complianceType"]) for c in changes)
    assert seen == [("logging", "COMPLIANT"), ("stopped", "NON_COMPLIANT")]

    with pytest.raises(ClientError) as bad:
        config.put_evaluations(ResultToken="forged", Evaluations=[{
            "ComplianceResourceType": "AWS::CloudTrail::Trail", "ComplianceResourceId": "x",
            "ComplianceType": "COMPLIANT", "OrderingTimestamp": "2026-11-29T00:00:00Z"}])
    assert bad.value.response["Error"]["Code"] == "InvalidResultTokenException"


def test_describing_a_rule_that_does_not_exist_fails_also_when_no_rule_is_left(moto_endpoint: str, uid: str) -> None:
    import boto3

    # A Region of its own: no other test's rule in it, as when a stack deletes the last one.
    config = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                   region_name="eu-north-1").client("config", endpoint_url=moto_endpoint)
    for _ in ("no rule at all", "the only rule deleted"):
        assert config.describe_config_rules()["ConfigRules"] == []
        with pytest.raises(ClientError) as missing:
            config.describe_config_rules(ConfigRuleNames=[f"ssh-{uid}"])
        assert missing.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
        config.put_config_rule(ConfigRule={"ConfigRuleName": f"ssh-{uid}", "Source": {
            "Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
        (rule,) = config.describe_config_rules(ConfigRuleNames=[f"ssh-{uid}"])["ConfigRules"]
        assert rule["ConfigRuleName"] == f"ssh-{uid}"
        with pytest.raises(ClientError) as one_missing:  # one missing name among existing ones fails too
            config.describe_config_rules(ConfigRuleNames=[f"ssh-{uid}", f"other-{uid}"])
        assert one_missing.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
        config.delete_config_rule(ConfigRuleName=f"ssh-{uid}")
