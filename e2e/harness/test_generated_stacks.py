"""Every generated template (cloudformation/*.json) deploys into the emulator as it would on AWS.

For each template: CreateStack reaches CREATE_COMPLETE; DescribeStackResources lists exactly
the resources whose Condition holds, each with a physical id, and each one reads back
through its own service API (READ_BACK, one entry per resource type: a type without one
fails the test, so a new type in a template needs its read-back here, and usually an
irmoto extension); a GuardDuty finding put on the bus starts the playbook while a foreign
event starts nothing; no rule starts anything from a manual request (those only start a state
machine directly, and its intake refuses one no responder signed); the trust boundary's
properties read back (the case table's resource policy, roles on aws-ir's path, state machine
and table names) and the case table refuses writes by anyone but aws-ir's roles; UpdateStack
with a new ArtifactPrefix moves the Lambda code in place; DeleteStack removes everything but the
DeletionPolicy Retain resources.

The deploy tool supplies ArtifactBucket and ArtifactPrefix (zips at
s3://<ArtifactBucket>/<ArtifactPrefix>/<task>.zip) and ResponderPrincipals (irctl names the
deployer when no one else is named; here a responder that never signs anything); every other
parameter keeps its default.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import (
    ACCOUNT,
    REGION,
    HandlerError,
    emit_as_service,
    events_to_queue,
    execution_finished,
    history,
    signed_as,
    wait_for,
)

REPO = Path(__file__).resolve().parents[2]
# The playbook stacks; the keys stack they import from (deployed first) has a test of its own.
KEYS_TEMPLATE = REPO / "cloudformation" / "keys.json"
TEMPLATES = sorted(p for p in (REPO / "cloudformation").glob("*.json") if p != KEYS_TEMPLATE)
SAMPLES = REPO / "tasks" / "contract" / "samples"
GUARDDUTY_SAMPLE = SAMPLES / "guardduty-ec2-backdoor-c2.json"
FOREIGN_SAMPLE = SAMPLES / "foreign-ec2-state-change.json"
# contract::events::manual: what `irctl start` sends a state machine (never a bus).
MANUAL_SOURCE, MANUAL_DETAIL_TYPE = "aws-ir.manual", "Manual Response Request"
RESPONDER = f"arn:aws:iam::{ACCOUNT}:user/responder"
AWS_IR_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-ir/*"
# The case table's resource policy: item writes only by aws-ir's roles.
ITEM_WRITES = sorted(
    f"dynamodb:{a}"
    for a in ("BatchWriteItem", "DeleteItem", "PartiQLDelete", "PartiQLInsert", "PartiQLUpdate", "PutItem", "UpdateItem")
)
# The instance profile's role of a quarantined instance: the attacker's code runs with it, so it
# must never be one of aws-ir's roles (which the case table and the intake trust).
NOT_AWS_IR_ROLES = {"QuarantineRole"}
# State machines without the intake (Normalize, AuthenticateRequest): none. ip-expiry, started by
# its schedule too, routes a manual request through the intake first (`HowStarted`) and otherwise
# expires as of Step Functions' own start time, never a time its input claims.
WITHOUT_INTAKE: set[str] = set()
# States a machine enters before its intake.
BEFORE_INTAKE = {"ip-expiry": ["HowStarted"]}

NOT_FOUND = {
    "ResourceNotFoundException",
    "NotFound",
    "NotFoundException",
    "NoSuchEntity",
    "StateMachineDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "WAFNonexistentItemException",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "TableNotFoundException",
    "InvalidDocument",
    "NoSuchConfigRuleException",
    "PolicyNotFoundException",
}


class Missing(Exception):
    """The resource does not exist (any more)."""


def found(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ClientError as err:
        if err.response["Error"]["Code"] in NOT_FOUND:
            raise Missing(str(err)) from err
        raise


def zip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("bootstrap", f"#!/bin/sh\n# {text}\n")
    return buf.getvalue()


# ---------------------------------------------------------------- the template, read as CloudFormation does


@dataclass
class Deployment:
    path: Path
    template: dict[str, Any]
    stack: str
    bucket: str
    parameters: dict[str, Any]
    aws: Callable[[str], Any]
    stack_id: str = ""
    physical: dict[str, str] = field(default_factory=dict)
    deleted: bool = False

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def parameter(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        return self.template["Parameters"][name].get("Default")

    def resolve(self, node: Any) -> Any:
        """The value of a property: literals, Ref (parameters, pseudo parameters, resources'
        physical ids), Fn::Sub and Fn::If over those; None for anything else (not checked then)."""
        if isinstance(node, (str, int, float, bool)):
            return node
        if isinstance(node, dict) and "Ref" in node:
            name = node["Ref"]
            pseudo = {
                "AWS::Region": REGION,
                "AWS::AccountId": ACCOUNT,
                "AWS::StackName": self.stack,
                "AWS::Partition": "aws",
            }
            if name in pseudo:
                return pseudo[name]
            if name in (self.template.get("Parameters") or {}):
                return self.parameter(name)
            return self.physical.get(name)
        if isinstance(node, dict) and "Fn::Sub" in node and isinstance(node["Fn::Sub"], str):
            unresolved = False

            def one(match: re.Match[str]) -> str:
                nonlocal unresolved
                value = None if "." in match.group(1) else self.resolve({"Ref": match.group(1)})
                unresolved = unresolved or value is None
                return str(value)

            text = re.sub(r"\$\{([^!}][^}]*)\}", one, node["Fn::Sub"])
            return None if unresolved else text
        if isinstance(node, dict) and "Fn::If" in node:
            name, then, otherwise = node["Fn::If"]
            return self.resolve(then if self.condition(name) else otherwise)
        if isinstance(node, dict) and "Fn::ImportValue" in node:  # another stack's export (the keys)
            export = self.resolve(node["Fn::ImportValue"])
            exports = {e["Name"]: e["Value"] for e in self.aws("cloudformation").list_exports()["Exports"]}
            return exports.get(export)
        return None

    def resolve_all(self, node: Any) -> Any:
        """resolve() throughout a document (a policy): intrinsic functions resolved, the rest kept."""
        if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("Ref", "Fn::Sub", "Fn::If", "Fn::ImportValue"):
            return self.resolve(node)
        if isinstance(node, dict):
            return {k: self.resolve_all(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve_all(v) for v in node]
        return node

    def condition(self, name: str) -> bool:
        """A template condition, evaluated over the parameters the stack was created with."""
        def holds(node: Any) -> bool:
            if "Condition" in node:
                return self.condition(node["Condition"])
            if "Fn::Equals" in node:
                a, b = (self.resolve(x) for x in node["Fn::Equals"])
                return str(a) == str(b)
            if "Fn::Not" in node:
                return not holds(node["Fn::Not"][0])
            if "Fn::And" in node:
                return all(holds(x) for x in node["Fn::And"])
            if "Fn::Or" in node:
                return any(holds(x) for x in node["Fn::Or"])
            raise AssertionError(f"condition {name}: cannot evaluate {node}")

        return holds(self.template["Conditions"][name])

    def condition(self, name: str) -> bool:
        def value(node: Any) -> Any:
            if isinstance(node, dict) and "Condition" in node:
                return self.condition(node["Condition"])
            if isinstance(node, dict) and len(node) == 1:
                ((fn, args),) = node.items()
                if fn == "Fn::Equals":
                    left, right = (value(a) for a in args)
                    return (
                        str(left).lower() == str(right).lower() if isinstance(right, bool) else str(left) == str(right)
                    )
                if fn == "Fn::Not":
                    return not value(args[0])
                if fn == "Fn::And":
                    return all(value(a) for a in args)
                if fn == "Fn::Or":
                    return any(value(a) for a in args)
            resolved = self.resolve(node)
            assert resolved is not None, f"condition operand not understood by this test: {node}"
            return resolved

        return bool(value(self.template["Conditions"][name]))

    def expected_resources(self) -> dict[str, str]:
        return {
            name: res["Type"]
            for name, res in self.resources.items()
            if "Condition" not in res or self.condition(res["Condition"])
        }


def parameter_values(template: dict[str, Any], bucket: str, prefix: str) -> dict[str, str]:
    declared = template.get("Parameters") or {}
    supplied = {"ArtifactBucket": bucket, "ArtifactPrefix": prefix, "ResponderPrincipals": RESPONDER}
    unknown = [name for name, spec in declared.items() if "Default" not in spec and name not in supplied]
    assert not unknown, f"{unknown} have no default: give them a test value in parameter_values()"
    return {name: value for name, value in supplied.items() if name in declared}


def upload_task_zips(deployment: Deployment, prefix: str) -> dict[str, str]:
    """Put a zip where each function's Code.S3Bucket/S3Key point for `prefix`; logical id -> key."""
    s3, keys = deployment.aws("s3"), {}
    saved = dict(deployment.parameters)
    deployment.parameters["ArtifactPrefix"] = prefix
    try:
        for name, res in deployment.resources.items():
            if res["Type"] != "AWS::Lambda::Function" or "S3Key" not in res["Properties"]["Code"]:
                continue
            code = res["Properties"]["Code"]
            bucket, key = deployment.resolve(code["S3Bucket"]), deployment.resolve(code["S3Key"])
            assert bucket and key, f"{name}: Code {code} is not resolvable by this test"
            s3.put_object(Bucket=bucket, Key=key, Body=zip_bytes(f"{name} {prefix}"))
            keys[name] = key
    finally:
        deployment.parameters = saved
    return keys


# ---------------------------------------------------------------- read-back, per resource type


def sids(policy: Any) -> list[str]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    return sorted(s.get("Sid", "") for s in statements)


def tag_keys(props: dict[str, Any]) -> set[str]:
    return {t["Key"] for t in props.get("Tags", [])}


def read_lambda(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    got = found(lambda: d.aws("lambda").get_function(FunctionName=physical))
    config = got["Configuration"]
    assert config["FunctionName"] == physical
    for key in ("Runtime", "Handler", "MemorySize", "Timeout", "Architectures"):
        if key in props:
            want = [d.resolve(v) for v in props[key]] if isinstance(props[key], list) else d.resolve(props[key])
            assert config[key] == want, (key, config[key])
    assert config.get("Environment", {}).get("Variables", {}) == (props.get("Environment") or {}).get("Variables", {})
    if "TracingConfig" in props:
        assert config["TracingConfig"]["Mode"] == props["TracingConfig"]["Mode"]
    if "KmsKeyArn" in props:
        assert config.get("KMSKeyArn", "").startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"), config.get("KMSKeyArn")
    if "LoggingConfig" in props:
        wanted = {k: d.resolve(v) for k, v in props["LoggingConfig"].items()}
        assert {k: config["LoggingConfig"].get(k) for k in wanted} == wanted
    reserved = d.resolve(props["ReservedConcurrentExecutions"]) if "ReservedConcurrentExecutions" in props else None
    if reserved is not None or "ReservedConcurrentExecutions" not in props:
        assert got.get("Concurrency", {}).get("ReservedConcurrentExecutions") == reserved
    assert set(got.get("Tags", {})) >= tag_keys(props)
    if "S3Key" in props["Code"]:
        assert got["Code"]["Location"].endswith("/" + d.resolve(props["Code"]["S3Key"])), got["Code"]["Location"]


def read_topic(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    attributes = found(lambda: d.aws("sns").get_topic_attributes(TopicArn=physical))["Attributes"]
    assert attributes["TopicArn"] == physical
    for key in ("DisplayName", "KmsMasterKeyId"):
        if key in props and d.resolve(props[key]) is not None:
            assert attributes[key] == d.resolve(props[key]), key


def read_topic_policy(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    for topic in props["Topics"]:
        attributes = found(lambda t=topic: d.aws("sns").get_topic_attributes(TopicArn=d.resolve(t)))["Attributes"]
        assert sids(attributes["Policy"]) == sids(props["PolicyDocument"])


def read_subscription(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    attributes = found(lambda: d.aws("sns").get_subscription_attributes(SubscriptionArn=physical))["Attributes"]
    assert attributes["Protocol"] == props["Protocol"] and attributes["TopicArn"] == d.resolve(props["TopicArn"])


def read_queue(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    attributes = found(lambda: d.aws("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["All"]))[
        "Attributes"
    ]
    for key in ("MessageRetentionPeriod", "VisibilityTimeout", "KmsMasterKeyId"):
        if key in props and d.resolve(props[key]) is not None:
            assert attributes[key] == str(d.resolve(props[key])), key


def read_queue_policy(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    sqs = d.aws("sqs")
    for queue in props["Queues"]:
        attributes = found(lambda q=queue: sqs.get_queue_attributes(QueueUrl=d.resolve(q), AttributeNames=["Policy"]))
        assert sids(attributes["Attributes"]["Policy"]) == sids(props["PolicyDocument"])


def read_log_group(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    groups = d.aws("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
    group = next((g for g in groups if g["logGroupName"] == physical), None)
    if group is None:
        raise Missing(physical)
    if "RetentionInDays" in props:
        assert group.get("retentionInDays") == int(d.resolve(props["RetentionInDays"]))
    if "KmsKeyId" in props:
        assert group.get("kmsKeyId", "").startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"), group


def read_role(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    iam = d.aws("iam")
    role = found(lambda: iam.get_role(RoleName=physical))["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"], role
    path = props.get("Path", "/")
    assert (role["Path"], role["Arn"]) == (path, f"arn:aws:iam::{ACCOUNT}:role{path}{physical}"), role
    names = iam.list_role_policies(RoleName=physical)["PolicyNames"]
    assert sorted(names) == sorted(p["PolicyName"] for p in props.get("Policies", []))
    for policy in props.get("Policies", []):
        document = iam.get_role_policy(RoleName=physical, PolicyName=policy["PolicyName"])["PolicyDocument"]
        assert isinstance(document, dict) and sids(document) == sids(policy["PolicyDocument"]), document
    assert {t["Key"] for t in role.get("Tags", [])} >= tag_keys(props)
    attached = iam.list_attached_role_policies(RoleName=physical)["AttachedPolicies"]
    assert sorted(p["PolicyArn"] for p in attached) == sorted(d.resolve(a) for a in props.get("ManagedPolicyArns", []))


def read_instance_profile(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    profile = found(lambda: d.aws("iam").get_instance_profile(InstanceProfileName=physical))["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [d.resolve(r) for r in props["Roles"]]
    assert profile["Path"] == props.get("Path", "/")


def kms_key_arn(d: Deployment, node: Any) -> str | None:
    """The ARN a KMS key reference in the template stands for (GetAtt Arn / Ref of a key of the stack)."""
    if isinstance(node, dict) and "Fn::GetAtt" in node and node["Fn::GetAtt"][1] == "Arn":
        logical = node["Fn::GetAtt"][0]
    elif isinstance(node, dict) and isinstance(node.get("Ref"), str) and node["Ref"] in d.resources:
        logical = node["Ref"]
    else:
        return d.resolve(node)
    assert d.resources[logical]["Type"] == "AWS::KMS::Key", logical
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{d.physical[logical]}"


def read_table(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    ddb = d.aws("dynamodb")
    table = found(lambda: ddb.describe_table(TableName=physical))["Table"]
    assert table["TableStatus"] == "ACTIVE"
    if "TableName" in props:
        assert physical == table["TableName"] == d.resolve(props["TableName"]), physical
    assert table["KeySchema"] == props["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(props["AttributeDefinitions"], key=str)
    assert table["BillingModeSummary"]["BillingMode"] == props.get("BillingMode", "PROVISIONED")
    sse = props.get("SSESpecification") or {}
    if sse.get("SSEEnabled"):
        description = table["SSEDescription"]
        assert (description["Status"], description["SSEType"]) == ("ENABLED", sse.get("SSEType", "KMS")), description
        if "KMSMasterKeyId" in sse:
            assert description["KMSMasterKeyArn"] == kms_key_arn(d, sse["KMSMasterKeyId"]), description
    else:
        assert "SSEDescription" not in table
    backups = found(lambda: ddb.describe_continuous_backups(TableName=physical))["ContinuousBackupsDescription"]
    pitr = (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == ("ENABLED" if pitr else "DISABLED")
    if "TimeToLiveSpecification" in props:
        ttl = ddb.describe_time_to_live(TableName=physical)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == ("ENABLED" if props["TimeToLiveSpecification"]["Enabled"] else "DISABLED")
    protected = bool(props.get("DeletionProtectionEnabled", False))
    assert table["DeletionProtectionEnabled"] is protected
    if protected:  # DeleteTable refuses, as on AWS
        with pytest.raises(ClientError) as refused:
            ddb.delete_table(TableName=physical)
        assert refused.value.response["Error"]["Code"] == "ValidationException"
    if "ResourcePolicy" in props:
        policy = ddb.get_resource_policy(ResourceArn=table["TableArn"])["Policy"]
        assert json.loads(policy) == d.resolve_all(props["ResourcePolicy"]["PolicyDocument"]), policy
    else:
        with pytest.raises(ClientError) as none:
            ddb.get_resource_policy(ResourceArn=table["TableArn"])
        assert none.value.response["Error"]["Code"] == "PolicyNotFoundException"


def read_bucket(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    s3 = d.aws("s3")
    versioning = found(lambda: s3.get_bucket_versioning(Bucket=physical))
    lock = props.get("ObjectLockConfiguration") or {}
    locked = bool(props.get("ObjectLockEnabled")) or lock.get("ObjectLockEnabled") == "Enabled"
    status = (props.get("VersioningConfiguration") or {}).get("Status") or ("Enabled" if locked else None)
    assert versioning.get("Status") == status, versioning
    if locked:
        config = s3.get_object_lock_configuration(Bucket=physical)["ObjectLockConfiguration"]
        assert config["ObjectLockEnabled"] == "Enabled"
        retention = (lock.get("Rule") or {}).get("DefaultRetention")
        if retention:
            got = config["Rule"]["DefaultRetention"]
            assert got["Mode"] == d.resolve(retention["Mode"])
            for period in ("Days", "Years"):
                if period in retention:
                    assert got[period] == int(d.resolve(retention[period])), (period, got)
    else:
        with pytest.raises(ClientError) as none:
            s3.get_object_lock_configuration(Bucket=physical)
        assert none.value.response["Error"]["Code"] == "ObjectLockConfigurationNotFoundError"
    if "BucketEncryption" in props:
        (wanted,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        (rule,) = s3.get_bucket_encryption(Bucket=physical)["ServerSideEncryptionConfiguration"]["Rules"]
        by_default = rule["ApplyServerSideEncryptionByDefault"]
        assert by_default["SSEAlgorithm"] == wanted["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
        if "KMSMasterKeyID" in wanted["ServerSideEncryptionByDefault"]:
            key = kms_key_arn(d, wanted["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
            assert by_default["KMSMasterKeyID"] == key, by_default
        assert rule.get("BucketKeyEnabled", False) is bool(wanted.get("BucketKeyEnabled", False))
    if "PublicAccessBlockConfiguration" in props:
        block = s3.get_public_access_block(Bucket=physical)["PublicAccessBlockConfiguration"]
        assert block == {k: bool(v) for k, v in props["PublicAccessBlockConfiguration"].items()}
    if "OwnershipControls" in props:
        rules = s3.get_bucket_ownership_controls(Bucket=physical)["OwnershipControls"]["Rules"]
        assert rules == props["OwnershipControls"]["Rules"]
    logging = s3.get_bucket_logging(Bucket=physical).get("LoggingEnabled")
    if "LoggingConfiguration" in props:
        wanted_logging = props["LoggingConfiguration"]
        destination = d.resolve(wanted_logging.get("DestinationBucketName")) or physical
        assert logging == {"TargetBucket": destination, "TargetPrefix": wanted_logging.get("LogFilePrefix", "")}
    else:
        assert logging is None
    if "Tags" in props:
        tags = s3.get_bucket_tagging(Bucket=physical)["TagSet"]
        assert {t["Key"] for t in tags} >= tag_keys(props)


def read_bucket_policy(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    bucket = d.resolve(props["Bucket"])
    assert physical == bucket  # Ref of AWS::S3::BucketPolicy is the bucket's name
    policy = found(lambda: d.aws("s3").get_bucket_policy(Bucket=bucket))["Policy"]
    assert sids(policy) == sids(props["PolicyDocument"])


def read_document(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    ssm = d.aws("ssm")
    document = found(lambda: ssm.describe_document(Name=physical))["Document"]
    assert document["Status"] == "Active"
    assert document["DocumentType"] == props.get("DocumentType", "Command")
    assert document["DocumentFormat"] == props.get("DocumentFormat", "JSON")
    content = ssm.get_document(Name=physical)["Content"]
    if isinstance(props["Content"], dict) and document["DocumentFormat"] == "JSON":
        assert json.loads(content) == props["Content"]
    declared = (props["Content"].get("parameters") or {}) if isinstance(props["Content"], dict) else {}
    assert sorted(p["Name"] for p in document.get("Parameters", [])) == sorted(declared)


def read_kms_key(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    kms = d.aws("kms")
    metadata = found(lambda: kms.describe_key(KeyId=physical))["KeyMetadata"]
    if metadata["KeyState"] == "PendingDeletion":
        raise Missing(physical)
    assert metadata["KeyState"] == "Enabled"
    assert {t["TagKey"] for t in kms.list_resource_tags(KeyId=physical)["Tags"]} >= tag_keys(props)
    if "EnableKeyRotation" in props:
        assert kms.get_key_rotation_status(KeyId=physical)["KeyRotationEnabled"] is props["EnableKeyRotation"]
    if "KeyPolicy" in props:
        assert sids(kms.get_key_policy(KeyId=physical, PolicyName="default")["Policy"]) == sids(props["KeyPolicy"])


def read_kms_alias(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    aliases = d.aws("kms").list_aliases()["Aliases"]
    alias = next((a for a in aliases if a["AliasName"] == physical), None)
    if alias is None:
        raise Missing(physical)
    assert alias["TargetKeyId"] == d.resolve(props["TargetKeyId"])


def read_state_machine(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    described = found(lambda: d.aws("stepfunctions").describe_state_machine(stateMachineArn=physical))
    assert described["status"] == "ACTIVE"
    if "StateMachineName" in props:
        name = d.resolve(props["StateMachineName"])
        assert (described["name"], physical) == (name, f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
    definition = described["definition"]
    assert "${" not in definition, "a DefinitionSubstitutions placeholder was left in the definition"
    assert json.loads(definition)["StartAt"]
    assert described["type"] == props.get("StateMachineType", "STANDARD")
    if "LoggingConfiguration" in props:
        logging = described["loggingConfiguration"]
        assert logging["level"] == props["LoggingConfiguration"]["Level"]
        for destination in logging.get("destinations", []):  # Step Functions: "The ARN must end with :*"
            assert destination["cloudWatchLogsLogGroup"]["logGroupArn"].endswith(":*"), destination
    if "TracingConfiguration" in props:
        assert described["tracingConfiguration"]["enabled"] is props["TracingConfiguration"]["Enabled"]


def read_rule(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    events = d.aws("events")
    rule = found(lambda: events.describe_rule(Name=physical))
    assert rule["State"] == d.resolve(props.get("State", "ENABLED"))
    if "EventPattern" in props:
        assert set(json.loads(rule["EventPattern"])) == set(props["EventPattern"])
    targets = {t["Id"]: t for t in events.list_targets_by_rule(Rule=physical)["Targets"]}
    assert set(targets) == {t["Id"] for t in props.get("Targets", [])}
    for wanted in props.get("Targets", []):
        got = targets[wanted["Id"]]
        if d.resolve(wanted["Arn"]) is not None:
            assert got["Arn"] == d.resolve(wanted["Arn"])
        for key in ("RoleArn", "RetryPolicy", "DeadLetterConfig", "Input", "InputPath", "InputTransformer"):
            assert (key in got) == (key in wanted), (wanted["Id"], key)
        if "RetryPolicy" in wanted:
            assert got["RetryPolicy"] == wanted["RetryPolicy"]


def read_action_target(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    prefix = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/"
    assert physical.startswith(prefix), physical
    action_id = physical[len(prefix) :]
    assert action_id.isalnum() and len(action_id) <= 20, action_id  # the API's limits
    if isinstance(props["Id"], str):
        assert action_id == props["Id"]
    (target,) = found(lambda: d.aws("securityhub").describe_action_targets(ActionTargetArns=[physical]))[
        "ActionTargets"
    ]
    assert (target["Name"], target["Description"]) == (props["Name"], props["Description"])


def read_ip_set(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    name, ip_set_id, scope = physical.split("|")
    ip_set = found(lambda: d.aws("wafv2").get_ip_set(Name=name, Scope=scope, Id=ip_set_id))["IPSet"]
    assert ip_set["IPAddressVersion"] == props["IPAddressVersion"]


def function_of(d: Deployment, node: Any) -> str:
    """A function named by Ref or Fn::GetAtt [logical, "Arn"]: its physical name."""
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        return d.physical[node["Fn::GetAtt"][0]]
    return d.resolve(node)


def read_config_rule(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    (rule,) = found(lambda: d.aws("config").describe_config_rules(ConfigRuleNames=[physical]))["ConfigRules"]
    assert rule["ConfigRuleName"] == d.resolve(props["ConfigRuleName"])
    assert rule["Source"]["Owner"] == props["Source"]["Owner"]
    assert rule["Scope"]["ComplianceResourceTypes"] == props["Scope"]["ComplianceResourceTypes"]
    if props["Source"]["Owner"] == "CUSTOM_LAMBDA":
        function = function_of(d, props["Source"]["SourceIdentifier"])
        assert rule["Source"]["SourceIdentifier"].endswith(f":function:{function}"), rule["Source"]
    else:
        assert rule["Source"]["SourceIdentifier"] == props["Source"]["SourceIdentifier"]


def read_lambda_permission(d: Deployment, physical: str, props: dict[str, Any]) -> None:
    policy = json.loads(found(lambda: d.aws("lambda").get_policy(FunctionName=function_of(d, props["FunctionName"])))["Policy"])
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == physical]
    assert statement["Principal"] == {"Service": props["Principal"]}
    assert statement["Action"] == props["Action"]
    if "SourceAccount" in props:
        assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == d.resolve(props["SourceAccount"])


READ_BACK: dict[str, Callable[[Deployment, str, dict[str, Any]], None]] = {
    "AWS::Config::ConfigRule": read_config_rule,
    "AWS::Lambda::Permission": read_lambda_permission,
    "AWS::Lambda::Function": read_lambda,
    "AWS::SNS::Topic": read_topic,
    "AWS::SNS::TopicPolicy": read_topic_policy,
    "AWS::SNS::Subscription": read_subscription,
    "AWS::SQS::Queue": read_queue,
    "AWS::SQS::QueuePolicy": read_queue_policy,
    "AWS::Logs::LogGroup": read_log_group,
    "AWS::IAM::Role": read_role,
    "AWS::IAM::InstanceProfile": read_instance_profile,
    "AWS::DynamoDB::Table": read_table,
    "AWS::S3::Bucket": read_bucket,
    "AWS::S3::BucketPolicy": read_bucket_policy,
    "AWS::SSM::Document": read_document,
    "AWS::KMS::Key": read_kms_key,
    "AWS::KMS::Alias": read_kms_alias,
    "AWS::StepFunctions::StateMachine": read_state_machine,
    "AWS::Events::Rule": read_rule,
    "AWS::SecurityHub::ActionTarget": read_action_target,
    "AWS::WAFv2::IPSet": read_ip_set,
}


def read_back(d: Deployment, logical: str) -> None:
    resource = d.resources[logical]
    reader = READ_BACK.get(resource["Type"])
    if reader is None:
        pytest.fail(f"{d.path.name}: no read-back for {resource['Type']} ({logical}): add one to READ_BACK")
    reader(d, d.physical[logical], resource.get("Properties") or {})


# ---------------------------------------------------------------- the stack's life


def stack_status(d: Deployment) -> str:
    summaries = d.aws("cloudformation").list_stacks()["StackSummaries"]
    return next(s["StackStatus"] for s in summaries if s["StackId"] == d.stack_id)


# The prefix the playbook templates import their keys by when given none (`StackPrefix`'s
# default): irctl deploys `<prefix>-keys` first, and so does this module.
SHARED_PREFIX = "aws-ir"


def template_url(d: Deployment) -> str:
    """The template in the deployment's bucket: a playbook template is larger than the 51,200
    bytes CreateStack takes as a body (irmoto.stacks S22), so it goes by URL, as irctl sends it."""
    d.aws("s3").put_object(Bucket=d.bucket, Key=f"templates/{d.path.name}", Body=d.path.read_bytes())
    return f"https://{d.bucket}.s3.{REGION}.amazonaws.com/templates/{d.path.name}"


def ensure_shared_keys(aws: Callable[[str], Any]) -> None:
    cfn = aws("cloudformation")
    exports = {e["Name"] for e in cfn.list_exports()["Exports"]}
    if f"{SHARED_PREFIX}:EncryptionKeyArn" not in exports:
        cfn.create_stack(StackName=f"{SHARED_PREFIX}-keys", TemplateBody=KEYS_TEMPLATE.read_text(),
                         Parameters=[{"ParameterKey": "StackPrefix", "ParameterValue": SHARED_PREFIX}])


@pytest.fixture(scope="module", params=TEMPLATES, ids=[p.stem for p in TEMPLATES])
def deployment(request: pytest.FixtureRequest, aws: Callable[[str], Any]) -> Iterator[Deployment]:
    path: Path = request.param
    template = json.loads(path.read_text())
    ensure_shared_keys(aws)
    suffix = re.sub(r"[^a-z0-9]", "", path.stem.lower())[:12]
    securityhub = aws("securityhub")
    try:  # the custom actions need a subscribed account, as on AWS
        securityhub.enable_security_hub(EnableDefaultStandards=False)
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ResourceConflictException"
    uid = uuid.uuid4().hex[:8]
    bucket = f"ir-artifacts-{suffix}-{uid}"
    aws("s3").create_bucket(Bucket=bucket)
    d = Deployment(path, template, f"ir-{suffix}-{uid}", bucket, parameter_values(template, bucket, "build-1"), aws)
    upload_task_zips(d, "build-1")

    cfn = aws("cloudformation")
    d.stack_id = cfn.create_stack(
        StackName=d.stack,
        TemplateURL=template_url(d),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in d.parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )["StackId"]
    d.physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=d.stack)["StackResources"]
    }
    yield d
    if not d.deleted:
        cfn.delete_stack(StackName=d.stack_id)


def test_the_keys_stack_creates_reads_back_and_exports_each_key(aws: Callable[[str], Any]) -> None:
    """cloudformation/keys.json, under a prefix of its own: every key and alias reads back as the
    template says, and each key's ARN is exported under `<prefix>:<Output>`, the name the
    playbook stacks import."""
    uid = uuid.uuid4().hex[:8]
    template = json.loads(KEYS_TEMPLATE.read_text())
    d = Deployment(KEYS_TEMPLATE, template, f"ir-keys-{uid}", "", {"StackPrefix": f"ir-{uid}"}, aws)
    cfn = aws("cloudformation")
    d.stack_id = cfn.create_stack(StackName=d.stack, TemplateBody=KEYS_TEMPLATE.read_text(),
                                  Parameters=[{"ParameterKey": "StackPrefix", "ParameterValue": f"ir-{uid}"}])["StackId"]
    d.physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                  for r in cfn.describe_stack_resources(StackName=d.stack)["StackResources"]}
    assert set(d.physical) == set(d.resources)
    for logical in d.resources:
        read_back(d, logical)
    exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    for output in template["Outputs"]:
        assert exports[f"ir-{uid}:{output}"] == kms_key_arn(d, template["Outputs"][output]["Value"]), output
    cfn.delete_stack(StackName=d.stack_id)


def test_stack_creates_and_every_resource_reads_back(deployment: Deployment) -> None:
    d, cfn = deployment, deployment.aws("cloudformation")
    described = cfn.describe_stacks(StackName=d.stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")

    listed = cfn.describe_stack_resources(StackName=d.stack)["StackResources"]
    assert {r["LogicalResourceId"]: r["ResourceType"] for r in listed} == d.expected_resources()
    for resource in listed:
        assert resource["PhysicalResourceId"], resource
        assert resource["ResourceStatus"] == "CREATE_COMPLETE", resource

    for logical in d.expected_resources():
        read_back(d, logical)

    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    for name, output in (d.template.get("Outputs") or {}).items():
        if "Condition" in output and not d.condition(output["Condition"]):
            assert name not in outputs
            continue
        assert outputs.get(name) not in (None, "", "None"), name
        value = output["Value"]
        if isinstance(value, dict) and isinstance(value.get("Ref"), str) and value["Ref"] in d.physical:
            assert outputs[name] == d.physical[value["Ref"]], name
        if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "ActionTargetArn":
            assert outputs[name] == d.physical[value["Fn::GetAtt"][0]], name


def test_guardduty_finding_starts_the_playbook_and_a_foreign_event_does_not(
    deployment: Deployment, fake_lambda: Any, moto_endpoint: str
) -> None:
    d = deployment
    events, sfn = d.aws("events"), d.aws("stepfunctions")
    machines = {d.physical[n] for n, r in d.resources.items() if r["Type"] == "AWS::StepFunctions::StateMachine"}
    sample, foreign = json.loads(GUARDDUTY_SAMPLE.read_text()), json.loads(FOREIGN_SAMPLE.read_text())
    triggered = set()
    for name, res in d.resources.items():
        if res["Type"] != "AWS::Events::Rule" or name not in d.physical:
            continue
        pattern = events.describe_rule(Name=d.physical[name]).get("EventPattern")
        if pattern and events.test_event_pattern(EventPattern=pattern, Event=json.dumps(sample))["Result"]:
            triggered |= {t["Arn"] for t in events.list_targets_by_rule(Rule=d.physical[name])["Targets"]} & machines
    if not triggered:
        pytest.skip(f"{d.path.name} has no rule for GuardDuty findings")

    def runs() -> dict[str, list[dict[str, Any]]]:
        return {m: sfn.list_executions(stateMachineArn=m)["executions"] for m in machines}

    before = runs()
    # Delivered as GuardDuty and EC2 themselves would (callers may not put aws.* events).
    emit_as_service(moto_endpoint, foreign)
    assert runs() == before, "a foreign event started a playbook"  # delivery happens inside PutEvents

    emit_as_service(moto_endpoint, sample)
    for machine in triggered:
        new = wait_for(
            lambda m=machine: [r for r in runs()[m] if r not in before[m]], what=f"an execution of {machine}"
        )
        assert len(new) == 1, new
        delivered = json.loads(sfn.describe_execution(executionArn=new[0]["executionArn"])["input"])
        assert (delivered["source"], delivered["detail-type"]) == (sample["source"], sample["detail-type"])
        assert delivered["detail"] == sample["detail"] and delivered["detail"] != foreign["detail"]
    untouched = machines - triggered
    assert all(runs()[m] == before[m] for m in untouched)


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def playbooks(path: Path, template: dict[str, Any]) -> dict[str, str]:
    """Each state machine's logical id -> its playbook: the template's for the primary
    (StateMachine), the companion's id for the others (their logical id less StateMachine)."""
    return {
        name: path.stem if name == "StateMachine" else kebab(name.removesuffix("StateMachine"))
        for name, res in template["Resources"].items()
        if res["Type"] == "AWS::StepFunctions::StateMachine"
    }


ALL_PLAYBOOKS = sorted({p for path in TEMPLATES for p in playbooks(path, json.loads(path.read_text())).values()})


def manual_request(playbook: str, reason: str) -> dict[str, Any]:
    """The event `irctl start PLAYBOOK --reason ...` starts a state machine with, unsigned (no
    `proof`): what anyone allowed events:PutEvents or states:StartExecution could send."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": MANUAL_DETAIL_TYPE,
        "source": MANUAL_SOURCE,
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"playbook": playbook, "reason": reason, "requested_by": RESPONDER, "dry_run": True},
    }


def all_executions(sfn: Any) -> set[str]:
    """Every execution of every state machine in the account and Region."""
    machines = [m["stateMachineArn"] for page in sfn.get_paginator("list_state_machines").paginate()
                for m in page["stateMachines"]]
    return {e["executionArn"] for m in machines
            for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=m) for e in page["executions"]}


def test_no_rule_starts_a_playbook_from_a_manual_request(deployment: Deployment, uid: str) -> None:
    """Manual requests only start a state machine directly (irctl start): no rule of the stack
    matches one, for any playbook, and requests put on the default bus start nothing anywhere
    (anyone allowed events:PutEvents could put them there)."""
    d = deployment
    events, sfn = d.aws("events"), d.aws("stepfunctions")
    requests = [manual_request(p, f"forged on the bus {uid}") for p in ALL_PLAYBOOKS]
    probe = {"source": [MANUAL_SOURCE], "detail-type": [MANUAL_DETAIL_TYPE]}
    rules = [n for n, r in d.resources.items() if r["Type"] == "AWS::Events::Rule" and n in d.physical]
    assert rules, f"{d.path.name} has no rules to check"
    for request in requests:
        # TestEventPattern can answer yes: a pattern for manual requests matches each of them.
        assert events.test_event_pattern(EventPattern=json.dumps(probe), Event=json.dumps(request))["Result"]
        for name in rules:
            rule = events.describe_rule(Name=d.physical[name])
            if "EventPattern" not in rule:
                assert rule.get("ScheduleExpression"), rule  # schedule-only: no event starts it
                continue
            matched = events.test_event_pattern(EventPattern=rule["EventPattern"], Event=json.dumps(request))
            assert not matched["Result"], (name, request["detail"]["playbook"], rule["EventPattern"])

    before = all_executions(sfn)
    probe_rule = f"manual-probe-{uid}"
    received = events_to_queue(d.aws, probe_rule, probe)  # the requests do reach the bus's rules
    try:
        for i in range(0, len(requests), 10):  # PutEvents takes 10 entries at most
            put = events.put_events(Entries=[
                {"Source": r["source"], "DetailType": r["detail-type"], "Detail": json.dumps(r["detail"])}
                for r in requests[i : i + 10]
            ])
            assert put["FailedEntryCount"] == 0, put
        delivered = received()
    finally:
        events.remove_targets(Rule=probe_rule, Ids=["q"])
        events.delete_rule(Name=probe_rule)
    assert sorted(e["detail"]["playbook"] for e in delivered) == ALL_PLAYBOOKS
    deadline = time.monotonic() + 3  # delivery happens inside PutEvents; a few seconds more
    while True:
        assert all_executions(sfn) == before, "a manual request put on the bus started a state machine"
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)


def test_every_state_machine_refuses_an_unsigned_request_started_directly(
    deployment: Deployment, fake_lambda: Any, uid: str
) -> None:
    """Each state machine is in the executing store and runs when started directly, as irctl
    starts every playbook: its intake normalizes the request and asks AuthenticateRequest, with
    the stack's ResponderPrincipals, who signed it; a request with no proof is refused there
    (IR.Unauthorized, as the task answers it), reported on the stack's topic, and the execution
    fails IR.Unauthorized with nothing else done. A machine without the intake (WITHOUT_INTAKE,
    started by its schedule) runs its states."""
    d = deployment
    sfn, sqs, sns = d.aws("stepfunctions"), d.aws("sqs"), d.aws("sns")
    machines = {d.physical[n]: p for n, p in playbooks(d.path, d.template).items()}
    assert set(machines) == {d.physical[n] for n, r in d.resources.items()
                             if r["Type"] == "AWS::StepFunctions::StateMachine"}
    with_intake = {}
    for arn, playbook in machines.items():
        states = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])["States"]
        assert ("AuthenticateRequest" in states) == (playbook not in WITHOUT_INTAKE), playbook
        if playbook not in WITHOUT_INTAKE:
            with_intake[arn] = playbook

    queue = sqs.create_queue(QueueName=f"notices-{uid}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=d.physical["NotificationTopic"], Protocol="sqs", Endpoint=queue_arn)

    def normalize(payload: dict[str, Any]) -> dict[str, Any]:
        event = payload["event"]
        if (event.get("source"), event.get("detail-type")) != (MANUAL_SOURCE, MANUAL_DETAIL_TYPE):
            raise HandlerError("IR.InvalidEvent", "not a manual request")  # another test's execution
        case = {"case_id": f"manual-{event['id']}", "source": "Manual", "title": event["detail"]["reason"],
                "authority": "unvouched"}
        return {"case": case, "request": {"proof": event["detail"].get("proof", ""), "digest": f"digest-{event['id']}"}}

    def authenticate(payload: dict[str, Any]) -> Any:
        # As the task answers a request without a proof (tasks/src/authenticate.rs check_proof).
        raise HandlerError("IR.Unauthorized", "the request carries no proof of identity")

    fake_lambda.handlers.update({"normalize": normalize, "authenticate-request": authenticate})
    started = {}
    for arn, playbook in with_intake.items():
        request = manual_request(playbook, f"unsigned {uid}")
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(request))["executionArn"]
        started[execution] = (playbook, request)
    for execution, (playbook, request) in started.items():
        done = wait_for(execution_finished(sfn, execution), timeout=30, what=f"{playbook} to end")
        assert (done["status"], done.get("error")) == ("FAILED", "IR.Unauthorized"), done
        entered = [e["stateEnteredEventDetails"]["name"] for e in history(sfn, execution)
                   if e["type"].endswith("StateEntered")]
        assert entered == BEFORE_INTAKE.get(playbook, []) + [
            "Receive", "Normalize", "IsManualRequest", "AuthenticateRequest",
            "ReportRefusedRequest", "RequestRefused"], (playbook, entered)
    # Only the intake ran: each request was normalized and authenticated once, with the stack's
    # responders and no proof, and no other task was invoked with it.
    ids = [request["id"] for _, request in started.values()]
    calls = [(name, payload) for name, payload in list(fake_lambda.calls) if any(i in json.dumps(payload) for i in ids)]
    assert sorted(name for name, _ in calls) == sorted(["normalize", "authenticate-request"] * len(ids)), calls
    asked = [payload for name, payload in calls if name == "authenticate-request"]
    assert sorted(payload["case"]["case_id"] for payload in asked) == sorted(f"manual-{i}" for i in ids)
    for payload in asked:
        assert (payload["responders"], payload["request"]["proof"]) == (RESPONDER, ""), payload

    notices: dict[str, dict[str, Any]] = {}  # execution -> its notification (other tests' may come too)

    def notified() -> bool:
        received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10)
        for message in received.get("Messages", []):
            body = json.loads(message["Body"])
            for execution in started:
                if f"Execution: {execution}" in body["Message"]:
                    assert execution not in notices, f"{execution} notified twice"
                    notices[execution] = body
        return len(notices) == len(started)

    wait_for(notified, what="a notification of each refusal")
    for execution, (playbook, _) in started.items():
        body = notices[execution]
        assert body["Subject"] == f"aws-ir {playbook}: request refused (IR.Unauthorized)", body
        assert "Error: IR.Unauthorized" in body["Message"] and "no proof of identity" in body["Message"], body

    for arn, playbook in machines.items():
        if playbook in with_intake.values():
            continue
        request = manual_request(playbook, f"unsigned {uid}")
        execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(request))["executionArn"]
        ran = wait_for(lambda a=execution: [e["type"] for e in history(sfn, a) if e["type"].endswith("StateEntered")],
                       what=f"a state of {playbook} to run")
        assert ran[0] in ("PassStateEntered", "TaskStateEntered", "ChoiceStateEntered"), ran


def test_the_trust_boundary_reads_back(deployment: Deployment) -> None:
    """What the trust boundary's template properties create, read through each API: aws-ir's
    roles on the path /aws-ir/ (the quarantine role never), state machines named after the stack,
    and the case table `<stack>-cases` whose resource policy denies item writes to everyone but
    aws-ir's roles."""
    d = deployment
    iam, sfn, ddb = d.aws("iam"), d.aws("stepfunctions"), d.aws("dynamodb")
    roles = [n for n, r in d.resources.items() if r["Type"] == "AWS::IAM::Role" and n in d.physical]
    assert roles
    for name in roles:
        role = iam.get_role(RoleName=d.physical[name])["Role"]
        if name in NOT_AWS_IR_ROLES:
            assert not role["Path"].startswith("/aws-ir/"), role
        else:
            assert role["Path"] == "/aws-ir/", (name, role["Path"])
            assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-ir/{d.physical[name]}", role["Arn"]

    for name, playbook in playbooks(d.path, d.template).items():
        wanted = d.stack if name == "StateMachine" else f"{d.stack}-{playbook}"
        assert sfn.describe_state_machine(stateMachineArn=d.physical[name])["name"] == wanted, name

    if "CaseTable" not in d.resources:
        assert d.path.stem == "triage", f"{d.path.name} has no case table"  # triage records no case
        return
    table = ddb.describe_table(TableName=d.physical["CaseTable"])["Table"]
    assert table["TableName"] == f"{d.stack}-cases"
    policy = json.loads(ddb.get_resource_policy(ResourceArn=table["TableArn"])["Policy"])
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    actions = deny["Action"] if isinstance(deny["Action"], list) else [deny["Action"]]
    assert (deny["Principal"], sorted(actions), deny["Resource"]) == ("*", ITEM_WRITES, table["TableArn"]), deny
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": AWS_IR_ROLES}}, deny


def test_only_aws_ir_roles_write_the_case_table(
    deployment: Deployment, emulator_env: dict[str, str], moto_endpoint: str, uid: str
) -> None:
    """An IAM user allowed dynamodb:* on * cannot write a case (the table's policy denies it by
    name of what it is not: one of aws-ir's roles), while it and the administrator can read it;
    a session of an aws-ir role writes."""
    from irmoto import fixtures

    d = deployment
    if "CaseTable" not in d.resources:
        pytest.skip(f"{d.path.name} has no case table")
    ddb, iam = d.aws("dynamodb"), d.aws("iam")
    attacker = signed_as(moto_endpoint, fixtures.principal(f"case-forger-{uid}", {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    role = iam.create_role(RoleName=f"case-writer-{uid}", Path="/aws-ir/",
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"case-writer-{uid}", PolicyName="tables", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    aws_ir = signed_as(moto_endpoint, fixtures.assume(role, "case-writer"))("dynamodb")

    table = ddb.describe_table(TableName=d.physical["CaseTable"])["Table"]
    name, arn = table["TableName"], table["TableArn"]
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}

    def key(marker: str) -> dict[str, Any]:
        return {k["AttributeName"]: {types[k["AttributeName"]]: marker if types[k["AttributeName"]] == "S" else "1"}
                for k in table["KeySchema"]}

    recorded, forged = key(f"recorded-{uid}"), key(f"forged-{uid}")
    aws_ir.put_item(TableName=name, Item={**recorded, "note": {"S": "by aws-ir"}})

    forger = attacker("dynamodb")
    attempts = {
        "PutItem": lambda: forger.put_item(TableName=name, Item={**forged, "note": {"S": "forged"}}),
        "UpdateItem": lambda: forger.update_item(TableName=name, Key=recorded, UpdateExpression="SET note = :n",
                                                 ExpressionAttributeValues={":n": {"S": "forged"}}),
        "DeleteItem": lambda: forger.delete_item(TableName=name, Key=recorded),
        "BatchWriteItem": lambda: forger.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": forged}}]}),
    }
    for action, attempt in attempts.items():
        with pytest.raises(ClientError) as refused:
            attempt()
        error = refused.value.response["Error"]
        assert error["Code"] == "AccessDeniedException", (action, error)
        assert error["Message"] == (
            f"User: arn:aws:iam::{ACCOUNT}:user/case-forger-{uid} is not authorized to perform: "
            f"dynamodb:{action} on resource: {arn} with an explicit deny in a resource-based policy"), error

    # Reading is not denied: the refusals above are the table's policy, not a missing permission.
    assert forger.get_item(TableName=name, Key=recorded)["Item"]["note"] == {"S": "by aws-ir"}
    assert ddb.get_item(TableName=name, Key=recorded)["Item"]["note"] == {"S": "by aws-ir"}
    assert "Item" not in ddb.get_item(TableName=name, Key=forged)
    items = ddb.scan(TableName=name)["Items"]
    assert not [i for i in items if "forged" in json.dumps(i)], items


def test_update_with_a_new_artifact_prefix_then_delete(deployment: Deployment) -> None:
    d, cfn = deployment, deployment.aws("cloudformation")
    keys = upload_task_zips(d, "build-2")
    assert keys, f"{d.path.name} has no Lambda code in S3 to move"
    parameters = [
        {"ParameterKey": name, "ParameterValue": "build-2"}
        if name == "ArtifactPrefix"
        else {"ParameterKey": name, "UsePreviousValue": True}
        for name in d.parameters
    ]
    cfn.update_stack(
        StackName=d.stack,
        TemplateURL=template_url(d),
        Parameters=parameters,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    assert cfn.describe_stacks(StackName=d.stack)["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    after = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=d.stack)["StackResources"]
    }
    assert after == d.physical  # the code moves in place: nothing is replaced
    d.parameters["ArtifactPrefix"] = "build-2"
    for logical, key in keys.items():
        location = d.aws("lambda").get_function(FunctionName=d.physical[logical])["Code"]["Location"]
        assert location.endswith("/" + key) and key.startswith("build-2/"), (logical, location)
    for logical in d.expected_resources():
        read_back(d, logical)

    cfn.delete_stack(StackName=d.stack)
    d.deleted = True
    assert stack_status(d) == "DELETE_COMPLETE"
    for logical in d.expected_resources():
        if d.resources[logical].get("DeletionPolicy") == "Retain":
            read_back(d, logical)  # kept
        else:
            with pytest.raises(Missing):
                read_back(d, logical)
