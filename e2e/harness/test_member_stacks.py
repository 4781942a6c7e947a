"""The member stacks of an organization deployment (#20) deploy into a member account of the
emulator, in two Regions, and read back through the member's own APIs.

organization/member-roles.json (once per account: IAM is global) gives every task that acts on a
member's resources a role of its name, which only that task's role in the security account may
assume; organization/member.json (once per account and Region) forwards what the playbooks start
on to the security account's bus in the home Region. What the emulator cannot judge (the trust
policy's conditions under AWS's evaluation across accounts) is read back as written here and
evaluated by the playbooks' end-to-end tests once tasks act through these roles.

The administrator acts in the member account with moto's `x-moto-account-id` header
(irmoto.fixtures.in_account), as StackSets' service-managed execution role would: the stacks are
created in that account, not in the security account.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "organization" / "member-roles.json"
FORWARDING = REPO / "organization" / "member.json"
MEMBER = "222233334444"
ORGANIZATION = "o-a1b2c3d4e5"
HOME = "us-east-1"
REGIONS = ["us-east-1", "eu-west-1"]
SECURITY_BUS = f"arn:aws:events:{HOME}:{ACCOUNT}:event-bus/default"


@pytest.fixture(scope="module")
def member(moto_endpoint: str) -> Callable[..., Any]:
    from irmoto import fixtures

    def client(service: str, region: str = HOME) -> Any:
        return fixtures.in_account(service, MEMBER, region, endpoint_url=moto_endpoint)

    parameters = {"SecurityAccountId": ACCOUNT, "OrganizationId": ORGANIZATION}
    stack = fixtures.create_stack(client("cloudformation"), "aws-ir-member-roles", ROLES, parameters, MEMBER)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    for region in REGIONS:
        stack = fixtures.create_stack(client("cloudformation", region), "aws-ir-member", FORWARDING,
                                      {"SecurityAccountId": ACCOUNT, "HomeRegion": HOME})
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return client


def template_roles() -> dict[str, dict[str, Any]]:
    resources = json.loads(ROLES.read_text())["Resources"]
    return {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Role"
    }


def test_every_task_role_is_in_the_member_account_under_its_name(member: Callable[[str, str], Any], aws: Callable[[str], Any]) -> None:
    iam = member("iam", HOME)
    expected = template_roles()
    task_roles = {n: p for n, p in expected.items() if n != "aws-ir-quarantine"}
    assert "aws-ir-isolate-network" in task_roles and "aws-ir-deactivate-access-key" in task_roles
    for name, properties in task_roles.items():
        role = iam.get_role(RoleName=name)["Role"]
        assert role["Arn"] == f"arn:aws:iam::{MEMBER}:role/aws-ir/{name}"
        assert role["MaxSessionDuration"] == 3600
        trust = role["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(urllib.parse.unquote(trust))
        [statement] = trust["Statement"]
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
        condition = statement["Condition"]
        assert condition["ArnLike"] == {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/aws-ir/*"}
        assert condition["StringEquals"] == {
            "aws:PrincipalTag/aws-ir:task": name.removeprefix("aws-ir-"),
            "aws:PrincipalOrgID": ORGANIZATION,
        }
        assert condition["StringLike"] == {"sts:RoleSessionName": "case-*"}
        [policy_name] = iam.list_role_policies(RoleName=name)["PolicyNames"]
        document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        text = json.dumps(document)
        # Only the member's own resources, in any Region; nothing of the security account's.
        assert ACCOUNT not in text, f"{name}: {text}"
        assert "${" not in text, f"{name}: unresolved {text}"
    # The security account holds none of them: the member stack went where it was sent.
    own = {r["RoleName"] for r in aws("iam").list_roles(PathPrefix="/aws-ir/")["Roles"]}
    assert not own & set(task_roles)


def test_isolated_instances_get_the_members_own_quarantine_profile(member: Callable[[str, str], Any]) -> None:
    iam = member("iam", HOME)
    profile = iam.get_instance_profile(InstanceProfileName="aws-ir-quarantine")["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == ["aws-ir-quarantine"]
    # Not an aws-ir role: a compromised instance holds its credentials.
    assert profile["Roles"][0]["Path"] == "/"
    attached = iam.list_attached_role_policies(RoleName="aws-ir-quarantine")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonSSMManagedInstanceCore"]


def test_every_event_a_member_forwards_is_forwarded_once() -> None:
    """Each rule that matches an event delivers it again: one finding forwarded by two rules would
    start a playbook twice. Every sample event the playbooks start on matches at most one of
    member.json's rules (moto's pattern matcher, as EventBridge evaluates `$or`), and those the
    playbooks take from a member at least one."""
    from moto.events.models import EventPattern

    samples = REPO / "tasks" / "contract" / "samples"
    rules = {i: EventPattern.load(json.dumps(r["Properties"]["EventPattern"]))
             for i, r in json.loads(FORWARDING.read_text())["Resources"].items() if r["Type"] == "AWS::Events::Rule"}
    forwarded = 0
    for sample in sorted(samples.glob("*.json")):
        event = json.loads(sample.read_text())
        if not isinstance(event, dict) or "detail-type" not in event:
            continue
        matching = [i for i, pattern in rules.items() if pattern.matches_event(event)]
        assert len(matching) <= 1, (sample.name, matching)
        forwarded += len(matching)
    assert forwarded >= 25, forwarded
    backdoor = json.loads((samples / "guardduty-ec2-backdoor-c2.json").read_text())
    assert [i for i, p in rules.items() if p.matches_event(backdoor)] == ["ForwardGuardDutyFindings"]


def test_each_region_has_the_run_command_documents_ec2_containment_runs_there(member: Callable[[str, str], Any]) -> None:
    """A member case's capture runs the member's own documents (documents are regional), under the
    names the ec2-compromise playbook gives a member case (contract::naming)."""
    for region in REGIONS:
        ssm = member("ssm", region)
        for name in ("incident-response-capture-volatile-evidence", "incident-response-upload-memory-image"):
            document = ssm.describe_document(Name=name)["Document"]
            assert document["DocumentType"] == "Command", document
            assert "CaseId" in [p["Name"] for p in document["Parameters"]], document


def test_a_host_is_built_in_a_member_account_and_region(member: Callable[[str, str], Any], emulator_env: dict[str, str],
                                                        uid: str) -> None:
    """`irmoto.fixtures --in ACCOUNT REGION web-host ...`: the same compromised host, in the member
    (its agent too), as the member's own APIs show it; the security account has no such instance."""
    import os
    import subprocess
    import sys

    harness = Path(__file__).resolve().parent
    done = subprocess.run([sys.executable, "-m", "irmoto.fixtures", "--in", MEMBER, "eu-west-1", "web-host", "--name",
                           f"member-{uid}", "--enis", "2", "--volumes", "2", "--profile", "--agent", "Online"],
                          cwd=harness, env={**os.environ, **emulator_env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    host = json.loads(done.stdout)
    assert host["availability_zone"].startswith("eu-west-1"), host
    assert host["instance_profile_arn"].startswith(f"arn:aws:iam::{MEMBER}:instance-profile/"), host
    assert host["ssm_agent"] == "Online" and len(host["network_interfaces"]) == 2, host
    ec2 = member("ec2", "eu-west-1")
    [reservation] = ec2.describe_instances(InstanceIds=[host["instance_id"]])["Reservations"]
    assert reservation["OwnerId"] == MEMBER
    agents = member("ssm", "eu-west-1").describe_instance_information()["InstanceInformationList"]
    assert host["instance_id"] in [a["InstanceId"] for a in agents]
    import boto3

    with pytest.raises(ClientError):
        boto3.client("ec2", region_name="eu-west-1").describe_instances(InstanceIds=[host["instance_id"]])


def test_each_region_forwards_aws_events_to_the_security_accounts_bus(member: Callable[[str, str], Any]) -> None:
    template = json.loads(FORWARDING.read_text())["Resources"]
    unconditional = [i for i, r in template.items() if r["Type"] == "AWS::Events::Rule" and "Condition" not in r]
    for region in REGIONS:
        events = member("events", region)
        rules = events.list_rules()["Rules"]
        # ForwardFindings=disabled (the default): findings come through their own aggregation.
        assert len(rules) == len(unconditional), [r["Name"] for r in rules]
        for rule in rules:
            assert rule["Arn"].startswith(f"arn:aws:events:{region}:{MEMBER}:rule/")
            pattern = json.loads(rule["EventPattern"])
            assert all(s.startswith("aws.") for s in pattern["source"]), pattern
            assert not {"aws.guardduty", "aws.securityhub"} & set(pattern["source"])
            [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
            assert target["Arn"] == SECURITY_BUS
            assert target["RoleArn"].startswith(f"arn:aws:iam::{MEMBER}:role/aws-ir/")
            assert target["DeadLetterConfig"]["Arn"].startswith(f"arn:aws:sqs:{region}:{MEMBER}:")


def test_only_the_tasks_own_role_of_the_organization_assumes_its_member_role(
        emulator_env: dict[str, str], moto_endpoint: str, aws: Callable[[str], Any]) -> None:
    # The attack: a workload role of the security account that tags itself with a task's name
    # (`aws-ir:task` is a tag, which such a principal may be allowed to write), or an aws-ir role
    # of another task, or aws-ir's own role under a session name that names no case. The member
    # role admits only the last one with a case's session name (its trust, evaluated by irmoto.iam).
    from irmoto import fixtures

    from conftest import signed_as

    account = "444455556666"
    fixtures.member_account(account)  # with the emulator organization's real id
    iam = aws("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    anything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}

    def session_of(name: str, path: str, task: str) -> Callable[[str], Any]:
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust),
                        Tags=[{"Key": "aws-ir:task", "Value": task}])
        iam.put_role_policy(RoleName=name, PolicyName="assume", PolicyDocument=json.dumps(anything))
        return signed_as(moto_endpoint, fixtures.assume(f"arn:aws:iam::{ACCOUNT}:role{path}{name}", "caller"))

    member_role = f"arn:aws:iam::{account}:role/aws-ir/aws-ir-deactivate-access-key"
    case_session = "case-0123456789abcdef-deactivate-access-key"

    def assumes(caller: Callable[[str], Any], session: str) -> bool:
        try:
            caller("sts").assume_role(RoleArn=member_role, RoleSessionName=session)
            return True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "AccessDenied", e.response
            return False

    workload = session_of("workload-claims-a-task", "/", "deactivate-access-key")
    other_task = session_of("aws-ir-restrict-user-task", "/aws-ir/", "restrict-user")
    own = session_of("aws-ir-deactivate-access-key-task", "/aws-ir/", "deactivate-access-key")
    assert not assumes(workload, case_session), "a tag is not aws-ir's path"
    assert not assumes(other_task, case_session), "another task's role"
    assert not assumes(own, "not-a-case"), "a session that names no case"
    assert assumes(own, case_session)


SECURITY = REPO / "organization" / "security-account.json"


def _uid() -> str:
    import uuid

    return uuid.uuid4().hex[:10]


def _opened_in(account: str, region: str) -> dict[str, Any]:
    """CloudTrail's event of someone opening a security group in ACCOUNT and REGION."""
    from irmoto import emit

    event = emit.load("cloudtrail-authorize-sg-ingress-ssh-world")
    event["id"] = f"forwarded-{_uid()}"
    event["account"], event["region"] = account, region
    event["detail"]["recipientAccountId"], event["detail"]["awsRegion"] = account, region
    return event


def _ou(name: str) -> str:
    """A fresh organizational unit under the root."""
    import boto3

    from irmoto import fixtures

    fixtures.organization()
    org = boto3.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    return org.create_organizational_unit(ParentId=root, Name=f"{name}-{_uid()}")["OrganizationalUnit"]["Id"]


def _security_stack(aws: Callable[[str], Any], ou: str | None = None, regions: tuple[str, ...] = (HOME,)) -> dict[str, Any]:
    """organization/security-account.json in the security account, its StackSets aimed at OU (a
    fresh, empty one unless given)."""
    from irmoto import fixtures

    stack = fixtures.create_stack(aws("cloudformation"), f"aws-ir-security-{_uid()}", SECURITY,
                                  fixtures.security_account_parameters(ou or _ou("empty"), list(regions)))
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return stack


def _dead_letters(member: Callable[..., Any], region: str) -> list[dict[str, Any]]:
    sqs = member("sqs", region)
    [url] = sqs.list_queues()["QueueUrls"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                              WaitTimeSeconds=1).get("Messages", [])
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def test_a_members_aws_events_reach_the_security_bus_only_once_it_admits_the_organizations_forwarders(
        emulator_env: dict[str, str], moto_endpoint: str, aws: Callable[[str], Any]) -> None:
    from irmoto import fixtures

    from conftest import emit_as_service, events_to_queue

    account = fixtures.organization_account("forwarding")["Account"]
    region = "eu-west-1"

    def member(service: str, in_region: str = region) -> Any:
        return fixtures.in_account(service, account, in_region, endpoint_url=moto_endpoint)

    stack = fixtures.create_stack(member("cloudformation"), "aws-ir-member", FORWARDING,
                                  {"SecurityAccountId": ACCOUNT, "HomeRegion": HOME})
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    received = events_to_queue(aws, f"security-bus-{_uid()}", {"source": ["aws.ec2"], "account": [account]})

    # Before the security account's stack: its bus admits no one else, so the event is parked.
    emit_as_service(moto_endpoint, _opened_in(account, region))
    assert received() == []
    [parked] = _dead_letters(member, region)
    assert parked["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
    assert "no resource-based policy allows" in parked["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]

    security = _security_stack(aws)
    try:
        event = _opened_in(account, region)
        emit_as_service(moto_endpoint, event)
        [arrived] = received()
        # The event as it happened: where (account, Region), when and its id, unchanged.
        for field in ("id", "account", "region", "source", "detail-type", "detail"):
            assert arrived.get(field) == event[field], (field, arrived)
        assert _dead_letters(member, region) == []
    finally:
        aws("cloudformation").delete_stack(StackName=security["StackId"])


def test_nothing_but_the_organizations_forwarders_puts_events_on_the_security_bus(
        emulator_env: dict[str, str], moto_endpoint: str, aws: Callable[[str], Any]) -> None:
    # The attack: a workload of a member account, allowed events:PutEvents anywhere by its own
    # policy, puts an event straight on the security account's bus; an account outside the
    # organization deploys the member stack itself, so that its own AWS events (about its own
    # resources) would start responses. The bus's policy admits neither.
    from irmoto import fixtures

    from conftest import emit_as_service, events_to_queue, signed_as

    inside = fixtures.organization_account("workload")["Account"]
    outside = "555566667777"
    security = _security_stack(aws)
    anything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam = fixtures.in_account("iam", inside, HOME, endpoint_url=moto_endpoint)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{inside}:root"}}]}
    role = iam.create_role(RoleName="orders-service", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="orders-service", PolicyName="anything", PolicyDocument=json.dumps(anything))
    session = fixtures.in_account("sts", inside, HOME, endpoint_url=moto_endpoint).assume_role(
        RoleArn=role, RoleSessionName="workload")["Credentials"]
    workload = signed_as(moto_endpoint, session)
    received = events_to_queue(aws, f"security-bus-{_uid()}", {"account": [inside, outside]})
    try:
        entry = {"EventBusName": SECURITY_BUS, "Source": "acme.orders", "DetailType": "Order placed", "Detail": "{}"}
        with pytest.raises(ClientError) as refused:
            workload("events").put_events(Entries=[entry])
        assert refused.value.response["Error"]["Code"] == "AccessDeniedException", refused.value.response
        assert "no resource-based policy allows the events:PutEvents action" in str(refused.value)

        def stranger(service: str, region: str = HOME) -> Any:
            return fixtures.in_account(service, outside, region, endpoint_url=moto_endpoint)

        stack = fixtures.create_stack(stranger("cloudformation"), "aws-ir-member", FORWARDING,
                                      {"SecurityAccountId": ACCOUNT, "HomeRegion": HOME})
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
        emit_as_service(moto_endpoint, _opened_in(outside, HOME))
        [parked] = _dead_letters(stranger, HOME)
        assert parked["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_PERMISSIONS"
        assert received() == []
    finally:
        aws("cloudformation").delete_stack(StackName=security["StackId"])


def test_an_account_that_joins_the_target_ou_gets_the_member_stacks_and_loses_them_when_it_leaves(
        emulator_env: dict[str, str], moto_endpoint: str, aws: Callable[[str], Any]) -> None:
    # The security account's StackSets (service-managed, automatic deployment) aimed at one OU:
    # an account already there gets the member stacks when they are created; one created
    # elsewhere gets nothing until it moves in, and loses them when it moves out. The security
    # account (here the management account) never gets them.
    import boto3

    from irmoto import fixtures

    org = boto3.client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = _ou("members")
    early = fixtures.organization_account(f"early-{_uid()}")["Account"]
    org.move_account(AccountId=early, SourceParentId=root, DestinationParentId=ou)
    joiner = fixtures.organization_account(f"joiner-{_uid()}")["Account"]
    regions = (HOME, "eu-west-1")
    security = _security_stack(aws, ou, regions)

    def has_member_stacks(account: str) -> list[str]:
        roles = {r["RoleName"] for r in fixtures.in_account("iam", account, HOME, endpoint_url=moto_endpoint)
                 .list_roles(PathPrefix="/aws-ir/")["Roles"]}
        found = ["member-roles"] if "aws-ir-isolate-network" in roles else []
        for region in regions:
            rules = fixtures.in_account("events", account, region, endpoint_url=moto_endpoint).list_rules()["Rules"]
            if any(r["Name"].startswith(fixtures.MEMBER_STACK) or "Forward" in r["Name"] for r in rules):
                found.append(f"member/{region}")
        return found

    everything = ["member-roles", f"member/{HOME}", "member/eu-west-1"]
    listed = sorted(["aws-ir-member-roles/us-east-1", "aws-ir-member/us-east-1", "aws-ir-member/eu-west-1"])
    try:
        assert has_member_stacks(early) == everything
        assert fixtures.stack_instances(early) == listed
        assert has_member_stacks(joiner) == [] and fixtures.stack_instances(joiner) == []

        org.move_account(AccountId=joiner, SourceParentId=root, DestinationParentId=ou)
        assert has_member_stacks(joiner) == everything
        assert fixtures.stack_instances(joiner) == listed

        org.move_account(AccountId=joiner, SourceParentId=ou, DestinationParentId=root)
        assert has_member_stacks(joiner) == [] and fixtures.stack_instances(joiner) == []

        # Not in the security account itself: it acts with its own roles.
        with pytest.raises(ClientError):
            aws("iam").get_role(RoleName="aws-ir-isolate-network")
    finally:
        aws("cloudformation").delete_stack(StackName=security["StackId"])
    assert has_member_stacks(early) == []


def test_the_security_accounts_stack_updates_with_the_values_it_was_given(
        emulator_env: dict[str, str], aws: Callable[[str], Any]) -> None:
    # What `irctl deploy --organization` does on its second run: UpdateStack passing back the
    # parameters DescribeStacks listed, ForwardFindings among them at its default (irmoto.stacks
    # S21). Nothing changed, so nothing is to be done.
    from irmoto import fixtures

    given = fixtures.security_account_parameters(_ou("empty"), [HOME])
    stack = fixtures.create_stack(aws("cloudformation"), f"aws-ir-security-{_uid()}", SECURITY, given)
    cfn = aws("cloudformation")
    try:
        listed = cfn.describe_stacks(StackName=stack["StackId"])["Stacks"][0]["Parameters"]
        assert "ForwardFindings" in {p["ParameterKey"] for p in listed}
        again = [{"ParameterKey": k, "ParameterValue": v} for k, v in given.items()]
        again += [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True} for p in listed
                  if p["ParameterKey"] not in given]
        with pytest.raises(ClientError) as nothing:
            cfn.update_stack(StackName=stack["StackName"], TemplateBody=SECURITY.read_text(), Parameters=again)
        assert "No updates are to be performed" in str(nothing.value)
    finally:
        cfn.delete_stack(StackName=stack["StackId"])
