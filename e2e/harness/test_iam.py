"""IAM for the principals the emulator issued keys to (irmoto/iam.py), the principal fixtures
(irmoto/fixtures.py principal, assume, task-credentials), and GetCallerIdentity as a proof of
identity. The `testing` key (the `aws` fixture) is the administrator: never evaluated. Run with
IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see every test fail on plain moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import ACCOUNT, HARNESS, REGION, ROLE, signed_as

AWS_IR_ROLES = f"arn:aws:iam::{ACCOUNT}:role/aws-ir/*"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def allow(*actions: str, resource: str = "*") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


Clients = Callable[[str], Any]


@pytest.fixture
def user(emulator_env: dict[str, str], moto_endpoint: str, uid: str) -> Callable[..., Clients]:
    """user(policy, name=...) -> clients signing as a fresh IAM user with that inline policy."""
    from irmoto import fixtures

    def make(policy: dict[str, Any], name: str = "") -> Clients:
        return signed_as(moto_endpoint, fixtures.principal(name or f"attacker-{uid}", policy))

    return make


@pytest.fixture
def aws_ir_role(emulator_env: dict[str, str], moto_endpoint: str, aws: Any, uid: str) -> Clients:
    """Clients signing as a session of an aws-ir role (path /aws-ir/, `*` on `*`)."""
    from irmoto import fixtures

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    role = aws("iam").create_role(RoleName=f"responder-{uid}", Path="/aws-ir/",
                                  AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    aws("iam").put_role_policy(RoleName=f"responder-{uid}", PolicyName="all", PolicyDocument=json.dumps(EVERYTHING))
    return signed_as(moto_endpoint, fixtures.assume(role, "responder"))


def refused(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as e:
        call()
    error = e.value.response["Error"]
    return error["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"], error.get("Message", "")


def deny_unless_aws_ir(action: str | list[str], resource: str = "*") -> dict[str, Any]:
    """The generated templates' resource-policy statement: writes only by aws-ir roles."""
    return {"Sid": "OnlyAwsIr", "Effect": "Deny", "Principal": "*", "Action": action, "Resource": resource,
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": AWS_IR_ROLES}}}


# ---------------------------------------------------------------- who is calling


def test_principal_fixture_commands(emulator_env: dict[str, str], moto_endpoint: str, uid: str) -> None:
    def run(*args: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "irmoto.fixtures", *args], cwd=HARNESS, capture_output=True,
                              text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(HARNESS)}, check=True)
        return json.loads(done.stdout)

    policy = json.dumps(allow("sts:GetCallerIdentity"))
    first = run("principal", f"fixture-{uid}", "--policy", policy, "--path", "/attackers/")
    again = run("principal", f"fixture-{uid}", "--policy", policy, "--path", "/attackers/")
    assert first["Arn"] == again["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/attackers/fixture-{uid}"
    assert first["AccessKeyId"] != again["AccessKeyId"]  # a fresh key each time
    me = signed_as(moto_endpoint, again)("sts").get_caller_identity()
    assert me["Arn"] == again["Arn"]

    tasks = run("task-credentials")
    assert tasks["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/aws-ir/emulator/aws-ir-emulator-tasks"
    assert run("task-credentials")["RoleArn"] == tasks["RoleArn"]  # idempotent
    identity = signed_as(moto_endpoint, tasks)("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/aws-ir-emulator-tasks/cargo-lambda-watch"
    # Its identity policy allows everything: only resource policies refuse it.
    tasks_sqs = signed_as(moto_endpoint, tasks)("sqs")
    tasks_sqs.create_queue(QueueName=f"tasks-{uid}")

    session = run("assume", tasks["RoleArn"], "--session", "checker")
    assert session["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/aws-ir-emulator-tasks/checker"
    assert {"AccessKeyId", "SecretAccessKey", "SessionToken"} <= set(session)
    with pytest.raises(ClientError) as e:  # a user whose policy allows nothing else
        signed_as(moto_endpoint, again)("sqs").create_queue(QueueName=f"not-{uid}")
    assert e.value.response["Error"]["Code"] == "AccessDenied"


# ---------------------------------------------------------------- resource policies


def test_a_table_policy_refuses_put_item_to_anyone_but_aws_ir_roles(aws: Any, user: Any, aws_ir_role: Clients,
                                                                    uid: str) -> None:
    ddb = aws("dynamodb")
    table = f"cases-{uid}"
    arn = ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])["TableDescription"]["TableArn"]
    ddb.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        # BatchWriteItem is an action of its own; TransactWriteItems is checked as each item's PutItem...
        deny_unless_aws_ir(["dynamodb:PutItem", "dynamodb:BatchWriteItem"], arn),
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "dynamodb:*", "Resource": arn}]}))
    ddb.put_item(TableName=table, Item={"pk": {"S": "existing"}})  # the administrator: never evaluated

    attacker = user(allow("dynamodb:*"))("dynamodb")
    code, status, message = refused(lambda: attacker.put_item(TableName=table, Item={"pk": {"S": "forged"}}))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (f"User: arn:aws:iam::{ACCOUNT}:user/attacker-{uid} is not authorized to perform: "
                       f"dynamodb:PutItem on resource: {arn} with an explicit deny in a resource-based policy")
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "forged"}})  # nothing written
    assert attacker.get_item(TableName=table, Key={"pk": {"S": "existing"}})["Item"]
    code, _, message = refused(lambda: attacker.batch_write_item(
        RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": "batched"}}}}]}))
    assert f"dynamodb:BatchWriteItem on resource: {arn}" in message
    code, _, _ = refused(lambda: attacker.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "transacted"}}}}]))
    assert code == "AccessDeniedException"

    aws_ir_role("dynamodb").put_item(TableName=table, Item={"pk": {"S": "by-aws-ir"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "by-aws-ir"}})["Item"]


def test_start_execution_needs_states_start_execution(aws: Any, user: Any, uid: str) -> None:
    machine = aws("stepfunctions").create_state_machine(
        name=f"sm-{uid}", roleArn=ROLE,
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    reader = user(allow("states:Describe*", "states:List*"), f"reader-{uid}")("stepfunctions")
    code, status, message = refused(lambda: reader.start_execution(stateMachineArn=machine))
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.endswith(f"states:StartExecution on resource: {machine} because no identity-based policy "
                            "allows the states:StartExecution action")
    assert aws("stepfunctions").list_executions(stateMachineArn=machine)["executions"] == []
    starter = user(allow("states:StartExecution", resource=machine), f"starter-{uid}")("stepfunctions")
    execution = starter.start_execution(stateMachineArn=machine)["executionArn"]
    assert execution.startswith(machine.replace(":stateMachine:", ":execution:"))


def test_get_access_key_last_used_acts_on_the_keys_user(aws: Any, user: Any, uid: str) -> None:
    # IAM's Service Authorization Reference: the action's resource is the key's owner (user/*),
    # though the request names only the key.
    iam = aws("iam")
    iam.create_user(UserName=f"owner-{uid}")
    key = iam.create_access_key(UserName=f"owner-{uid}")["AccessKey"]["AccessKeyId"]
    own = f"arn:aws:iam::{ACCOUNT}:user/owner-{uid}"
    reader = user(allow("iam:GetAccessKeyLastUsed", resource=own), f"keyreader-{uid}")("iam")
    assert reader.get_access_key_last_used(AccessKeyId=key)["UserName"] == f"owner-{uid}"
    other = user(allow("iam:GetAccessKeyLastUsed", resource=f"arn:aws:iam::{ACCOUNT}:user/someone-else"),
                 f"otherreader-{uid}")("iam")
    code, _, message = refused(lambda: other.get_access_key_last_used(AccessKeyId=key))
    assert code == "AccessDenied" and own in message


def test_put_events_on_a_bus_whose_policy_denies_is_refused_as_a_whole(aws: Any, user: Any, uid: str) -> None:
    events = aws("events")
    bus = events.create_event_bus(Name=f"ir-{uid}")["EventBusArn"]
    events.put_permission(EventBusName=f"ir-{uid}", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        deny_unless_aws_ir("events:PutEvents", bus)]}))
    sender = user(allow("events:PutEvents"))("events")
    entry = {"Source": f"custom.{uid}", "DetailType": "Request", "Detail": "{}"}
    code, status, message = refused(lambda: sender.put_events(Entries=[entry, {**entry, "EventBusName": bus}]))
    assert (code, status) == ("AccessDeniedException", 400)
    assert f"events:PutEvents on resource: {bus} with an explicit deny in a resource-based policy" in message
    assert sender.put_events(Entries=[entry])["FailedEntryCount"] == 0  # the default bus has no policy
    assert events.put_events(Entries=[{**entry, "EventBusName": bus}])["FailedEntryCount"] == 0  # administrator


def test_a_kms_key_policy_must_allow_the_caller(aws: Any, user: Any, aws_ir_role: Clients, uid: str) -> None:
    root = f"arn:aws:iam::{ACCOUNT}:root"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": root}, "Resource": "*",
         "NotAction": ["kms:GenerateMac", "kms:VerifyMac"]},
        {"Sid": "MacsByAwsIr", "Effect": "Allow", "Principal": {"AWS": "*"}, "Resource": "*",
         "Action": ["kms:GenerateMac", "kms:VerifyMac"],
         "Condition": {"ArnLike": {"aws:PrincipalArn": AWS_IR_ROLES}}}]}
    key = aws("kms").create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC",
                                Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    aws("kms").create_alias(AliasName=f"alias/macs-{uid}", TargetKeyId=key)
    attacker = user(allow("kms:*"))("kms")
    code, _, message = refused(lambda: attacker.generate_mac(KeyId=f"alias/macs-{uid}", Message=b"case",
                                                             MacAlgorithm="HMAC_SHA_256"))
    assert code == "AccessDeniedException"
    assert message.endswith(f"kms:GenerateMac on resource: {key} because no resource-based policy allows the "
                            "kms:GenerateMac action")
    assert attacker.describe_key(KeyId=key)["KeyMetadata"]["Arn"] == key  # delegated to IAM by the account
    mac = aws_ir_role("kms").generate_mac(KeyId=key, Message=b"case", MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert aws_ir_role("kms").verify_mac(KeyId=key, Message=b"case", MacAlgorithm="HMAC_SHA_256", Mac=mac)["MacValid"]
    # The account's statement delegates: the identity policy must allow too.
    code, _, message = refused(lambda: user(allow("sqs:*"), f"nokms-{uid}")("kms").describe_key(KeyId=key))
    assert message.endswith("because no identity-based policy allows the kms:DescribeKey action")


def test_an_identity_deny_wins_over_a_resource_allow(aws: Any, user: Any, emulator_env: dict[str, str],
                                                      moto_endpoint: str, uid: str) -> None:
    from irmoto import fixtures

    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=f"evidence-{uid}")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    named = fixtures.principal(f"named-{uid}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}]})
    plain = fixtures.principal(f"plain-{uid}", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": [named["Arn"], plain["Arn"]]}, "Action": "sqs:SendMessage",
         "Resource": queue}]})})
    code, status, message = refused(lambda: signed_as(moto_endpoint, named)("sqs").send_message(QueueUrl=url, MessageBody="x"))
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("with an explicit deny in an identity-based policy")
    # The queue's policy names the other user: that is enough within the account.
    signed_as(moto_endpoint, plain)("sqs").send_message(QueueUrl=url, MessageBody="y")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]] == ["y"]


def test_a_bucket_policy_lets_aws_ir_roles_write_and_refuses_others(aws: Any, user: Any, aws_ir_role: Clients,
                                                                     uid: str) -> None:
    s3 = aws("s3")
    bucket = f"evidence-{uid}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        deny_unless_aws_ir("s3:PutObject", f"arn:aws:s3:::{bucket}/*")]}))
    aws_ir_role("s3").put_object(Bucket=bucket, Key="cases/1/memory.lime", Body=b"evidence")
    attacker = user(allow("s3:*"))("s3")
    code, status, _ = refused(lambda: attacker.put_object(Bucket=bucket, Key="cases/1/memory.lime", Body=b"forged"))
    assert (code, status) == ("AccessDenied", 403)
    assert attacker.get_object(Bucket=bucket, Key="cases/1/memory.lime")["Body"].read() == b"evidence"


def test_tag_keys_conditions_refuse_tagging_an_exclusion(aws: Any, user: Any, uid: str) -> None:
    aws("iam").create_role(RoleName=f"workload-{uid}", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))
    tagger = user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:TagRole", "iam:UntagRole", "ec2:CreateTags"], "Resource": "*"},
        {"Effect": "Deny", "Action": ["iam:TagRole", "ec2:CreateTags"], "Resource": "*",
         "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["aws-ir:exclude*"]}}}]})
    iam = tagger("iam")
    code, status, message = refused(lambda: iam.tag_role(RoleName=f"workload-{uid}", Tags=[
        {"Key": "team", "Value": "web"}, {"Key": "aws-ir:exclude", "Value": "true"}]))
    assert (code, status) == ("AccessDenied", 403)
    assert f"iam:TagRole on resource: arn:aws:iam::{ACCOUNT}:role/workload-{uid} with an explicit deny" in message
    assert aws("iam").list_role_tags(RoleName=f"workload-{uid}")["Tags"] == []
    iam.tag_role(RoleName=f"workload-{uid}", Tags=[{"Key": "team", "Value": "web"}])
    vpc = aws("ec2").create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    code, status, message = refused(lambda: tagger("ec2").create_tags(
        Resources=[vpc], Tags=[{"Key": "aws-ir:exclude", "Value": "true"}]))
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert message.startswith("You are not authorized to perform this operation. User: ")
    assert f"ec2:CreateTags on resource: arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vpc}" in message


def test_a_deleted_key_is_refused_not_promoted(aws: Any, emulator_env: dict[str, str], moto_endpoint: str,
                                               uid: str) -> None:
    from irmoto import fixtures

    credentials = fixtures.principal(f"leaver-{uid}", EVERYTHING)
    sqs = signed_as(moto_endpoint, credentials)("sqs")
    sqs.list_queues()
    aws("iam").delete_access_key(UserName=f"leaver-{uid}", AccessKeyId=credentials["AccessKeyId"])
    for _ in range(2):  # and stays refused
        code, status, _ = refused(sqs.list_queues)
        assert (code, status) == ("InvalidClientTokenId", 403)


# ---------------------------------------------------------------- GetCallerIdentity as a proof of identity


def presign(endpoint: str, credentials: dict[str, str], headers: dict[str, str] | None = None,
            expires: int = 900) -> str:
    """A presigned GetCallerIdentity as Vault's or aws-iam-authenticator's clients make it."""
    request = AWSRequest(method="GET", url=f"{endpoint}/?Action=GetCallerIdentity&Version=2011-06-15",
                         headers=headers or {})
    creds = Credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials.get("SessionToken"))
    SigV4QueryAuth(creds, "sts", REGION, expires=expires).add_auth(request)
    return request.url


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_presigned_get_caller_identity_proves_a_user(emulator_env: dict[str, str], moto_endpoint: str,
                                                       uid: str) -> None:
    from irmoto import fixtures

    credentials = fixtures.principal(f"prover-{uid}", allow("sts:GetCallerIdentity"))
    header = {"x-aws-ir-server-id": "irctl.example"}
    url = presign(moto_endpoint, credentials, header)
    status, body = get(url, header)
    assert status == 200, body
    assert f"<Arn>{credentials['Arn']}</Arn>" in body and f"<Account>{ACCOUNT}</Account>" in body

    status, body = get(url.replace("Version=2011-06-15", "Version=2011-06-16"), header)  # one parameter changed
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
    status, body = get(url, {"x-aws-ir-server-id": "attacker.example"})  # the signed header changed
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
    status, body = get(url)  # the signed header left out
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
    status, body = get(url.replace(credentials["AccessKeyId"], "AKIAIOSFODNN7EXAMPLE"), header)
    assert status != 200 or credentials["Arn"] not in body


def test_an_expired_presigned_request_is_refused(emulator_env: dict[str, str], moto_endpoint: str, uid: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from irmoto import fixtures

    credentials = fixtures.principal(f"late-{uid}", allow("sts:GetCallerIdentity"))
    with monkeypatch.context() as m:
        m.setattr(botocore.auth, "get_current_datetime", lambda: datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=20))
        old = presign(moto_endpoint, credentials, expires=3600)
        short = presign(moto_endpoint, credentials, expires=60)
    status, body = get(old)  # STS keeps a presigned request 15 minutes, whatever X-Amz-Expires says
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body and "Signature expired: " in body
    assert get(short)[0] == 403
    status, body = get(presign(moto_endpoint, credentials, expires=604801))
    assert status == 400 and "X-Amz-Expires" in body


def test_a_signed_post_and_an_assumed_role_are_verified(aws: Any, emulator_env: dict[str, str], moto_endpoint: str,
                                                        aws_ir_role: Clients, uid: str) -> None:
    from irmoto import fixtures

    credentials = fixtures.principal(f"poster-{uid}", allow("sts:GetCallerIdentity"))
    assert signed_as(moto_endpoint, credentials)("sts").get_caller_identity()["Arn"] == credentials["Arn"]
    code, status, _ = refused(signed_as(moto_endpoint, {**credentials, "SecretAccessKey": "wrong"})("sts").get_caller_identity)
    assert (code, status) == ("SignatureDoesNotMatch", 403)
    # The administrator's key signs with the secret `testing`, as the harness's environment says.
    assert aws("sts").get_caller_identity()["Account"] == ACCOUNT
    code, _, _ = refused(signed_as(moto_endpoint, {"AccessKeyId": "testing", "SecretAccessKey": "nope"})("sts").get_caller_identity)
    assert code == "SignatureDoesNotMatch"

    role = aws("iam").get_role(RoleName=f"responder-{uid}")["Role"]["Arn"]
    session = fixtures.assume(role, "vault-login")
    status, body = get(presign(moto_endpoint, session))
    assert status == 200, body
    assert f"<Arn>arn:aws:sts::{ACCOUNT}:assumed-role/responder-{uid}/vault-login</Arn>" in body
    status, body = get(presign(moto_endpoint, {**session, "SessionToken": "forged"}))
    assert status == 403 and "<Code>InvalidClientTokenId</Code>" in body


def test_instance_actions_are_authorized_on_the_resources_they_name(aws: Any, user: Any, uid: str) -> None:
    """Service Authorization Reference: ModifyInstanceAttribute, DisassociateIamInstanceProfile (by
    association id), SendCommand (the document and each instance) and GetInstanceProfile act on
    the ARNs they name. A policy scoped to those ARNs allows them, one scoped elsewhere refuses,
    naming the ARN (#20: the member roles' scoped policies)."""
    ec2, iam, ssm = aws("ec2"), aws("iam"), aws("ssm")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    iam.create_role(RoleName=f"host-{uid}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    profile = iam.create_instance_profile(InstanceProfileName=f"host-{uid}")["InstanceProfile"]["Arn"]
    association = ec2.associate_iam_instance_profile(IamInstanceProfile={"Arn": profile}, InstanceId=instance)[
        "IamInstanceProfileAssociation"]["AssociationId"]
    document = f"capture-{uid}"
    ssm.create_document(Name=document, DocumentType="Command", Content=json.dumps({
        "schemaVersion": "2.2", "description": "x", "mainSteps": [
            {"action": "aws:runShellScript", "name": "x", "inputs": {"runCommand": ["true"]}}]}))
    instances = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/*"
    scoped = user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Resource": instances, "Action": [
            "ec2:ModifyInstanceAttribute", "ec2:DescribeInstanceAttribute", "ec2:DisassociateIamInstanceProfile"]},
        {"Effect": "Allow", "Action": "ssm:SendCommand",
         "Resource": [instances, f"arn:aws:ssm:{REGION}:{ACCOUNT}:document/{document}"]},
        {"Effect": "Allow", "Action": "iam:GetInstanceProfile",
         "Resource": f"arn:aws:iam::{ACCOUNT}:instance-profile/host-*"},
    ]}, f"scoped-{uid}")
    scoped("ec2").describe_instance_attribute(InstanceId=instance, Attribute="disableApiTermination")
    scoped("ec2").modify_instance_attribute(InstanceId=instance, DisableApiTermination={"Value": True})
    scoped("iam").get_instance_profile(InstanceProfileName=f"host-{uid}")
    # Authorized; then refused for what it is (the instance runs no agent), not for access.
    code, _, _ = refused(lambda: scoped("ssm").send_command(DocumentName=document, InstanceIds=[instance]))
    assert code == "InvalidInstanceId"
    code, _, message = refused(lambda: scoped("ssm").send_command(DocumentName="AWS-RunShellScript",
                                                                  InstanceIds=[instance],
                                                                  Parameters={"commands": ["id"]}))
    assert code == "AccessDeniedException" and f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript" in message
    scoped("ec2").disassociate_iam_instance_profile(AssociationId=association)
    elsewhere = user(allow("ec2:ModifyInstanceAttribute", resource=f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-0"),
                     f"elsewhere-{uid}")
    code, _, message = refused(lambda: elsewhere("ec2").modify_instance_attribute(
        InstanceId=instance, DisableApiTermination={"Value": False}))
    assert code == "UnauthorizedOperation" and f"instance/{instance}" in message


def test_ip_set_actions_are_authorized_on_the_set_they_name(aws: Any, user: Any, uid: str) -> None:
    """Service Authorization Reference (AWS WAF V2): GetIPSet and UpdateIPSet act on
    `arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID`; ListIPSets names no resource. A member
    role scoped to aws-ir's sets (#20) writes them and no other."""
    waf = aws("wafv2")
    ours = waf.create_ip_set(Name=f"aws-ir-blocked-{uid}", Scope="REGIONAL", IPAddressVersion="IPV4",
                             Addresses=[])["Summary"]
    theirs = waf.create_ip_set(Name=f"partners-{uid}", Scope="REGIONAL", IPAddressVersion="IPV4",
                               Addresses=[])["Summary"]
    scoped = user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
         "Resource": f"arn:aws:wafv2:*:{ACCOUNT}:regional/ipset/aws-ir-blocked-*/*"},
        {"Effect": "Allow", "Action": "wafv2:ListIPSets", "Resource": "*"},
    ]}, f"waf-{uid}")("wafv2")
    names = [s["Name"] for s in scoped.list_ip_sets(Scope="REGIONAL")["IPSets"]]
    assert ours["Name"] in names and theirs["Name"] in names
    token = scoped.get_ip_set(Name=ours["Name"], Id=ours["Id"], Scope="REGIONAL")["LockToken"]
    scoped.update_ip_set(Name=ours["Name"], Id=ours["Id"], Scope="REGIONAL", LockToken=token,
                         Addresses=["203.0.113.7/32"])
    code, _, message = refused(lambda: scoped.get_ip_set(Name=theirs["Name"], Id=theirs["Id"], Scope="REGIONAL"))
    assert code == "AccessDeniedException" and f"regional/ipset/{theirs['Name']}/{theirs['Id']}" in message
