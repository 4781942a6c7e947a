"""Who is calling, and what AWS's policy evaluation lets them do (IAM for emulator principals).

AWS doc: IAM User Guide, "Policy evaluation logic" (a request within one account: an explicit
Deny in any applicable policy wins; otherwise it is allowed when an identity-based policy or the
resource-based policy allows it - "Determining whether a request is allowed or denied within an
account"), "IAM JSON policy elements reference" (Action/NotAction, Resource/NotResource,
Principal/NotPrincipal - an account principal delegates to the account's IAM policies -,
Condition), "AWS global condition context keys" (aws:PrincipalArn, aws:PrincipalAccount,
aws:PrincipalOrgID (from the emulator's Organizations), aws:PrincipalType, aws:userid, aws:username,
aws:PrincipalTag/*, sts:RoleSessionName (an AssumeRole's session name), aws:RequestTag/*, aws:TagKeys,
aws:ResourceTag/*, aws:SecureTransport, aws:CurrentTime, aws:EpochTime, aws:RequestedRegion) and
the AWS KMS Developer Guide, "Key policies in AWS KMS" (no principal may use a KMS key unless its
key policy allows it: directly, or by a statement naming the account, which then lets IAM
policies allow it). A role's trust policy works the same way for sts:AssumeRole.

moto 5.2.5 evaluates IAM only when INITIAL_NO_AUTH_ACTION_COUNT is set
(moto/core/authorization.py ActionAuthenticatorMixin), and then for every caller, the harness's
own included, with identity policies only (moto/iam/access_control.py IAMRequest: no resource
policies but S3's, Resource and Condition barely): switched on, every test would need IAM set
up, and still no DynamoDB, KMS, SQS, SNS or EventBridge policy would refuse anything. So:

- **the administrator**: any access key the emulator did not issue (the harness's ``testing``:
  up.sh's deployer, the test driver, irctl) is never evaluated; everything is allowed, as before;
- **emulator principals**: an access key of an IAM user (CreateAccessKey) is that user; a key
  from AssumeRole is that role session, evaluated as the role (aws:PrincipalArn is the role's
  ARN with its path). Each of their requests, to any service, is evaluated before moto sees it;
  a refusal is answered in the service's own protocol and code and nothing changes.

The caller is known by the access key id of its SigV4 credential (the Authorization header or a
presigned URL's X-Amz-Credential). Signatures are checked only by GetCallerIdentity
(``patch_sts_caller_identity_signature``), as moto checks none. Not evaluated: permissions
boundaries, session policies, SCPs, iam:PassRole, service principals. A request for another
account's resource needs both the caller's policies and the resource's ("Cross-account policy
evaluation logic"), known by the account in its ARN (an S3 ARN names none: a bucket is judged
as the caller's own).

``patch_sts_presigned_requests``: a presigned GET (credential in the query string only) reaches
the service its credential scope names, and moto reads its access key from it.
``patch_iam_evaluation``: the evaluation above (it also tells irmoto.cloudtrail and
irmoto.services who is calling). ``patch_s3_bucket_policy_principal``: S3's own bucket-policy
check leaves emulator principals to it. ``patch_sts_caller_identity_signature``: GetCallerIdentity
verifies the SigV4 signature, so a signed request proves an identity as on AWS.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .faults import _NOT_FAULTED, error_response, operation_of, request_params, service_model_of
from .stacks import _listed, _wildcard, policy_condition_holds

LOG = logging.getLogger("irmoto.iam")
_ORIGINALS: dict[str, Any] = {}
ADMIN_KEY, ADMIN_SECRET = "testing", "testing"  # the harness's environment (conftest, up.sh state.env)
PARTITION = "aws"
_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_CURRENT = threading.local()


# --------------------------------------------------------------------------
# Who is calling
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    type: str  # CloudTrail's userIdentity.type: "IAMUser" or "AssumedRole"
    account: str
    access_key_id: str
    secret: str
    session_token: str | None
    name: str  # the user's or the role's name
    arn: str  # the user's ARN, or the session's arn:aws:sts::...:assumed-role/NAME/SESSION
    principal_arn: str  # aws:PrincipalArn: the user's or the role's ARN, with its path
    principal_id: str  # aws:userid: the user's id, or "<role id>:<session name>"
    role_id: str | None = None
    created: str | None = None  # the session's creation time (CloudTrail sessionContext)


_PRINCIPALS: dict[str, Principal | None] = {}  # by access key id; None: the administrator
_ISSUED: set[str] = set()  # keys once issued to an emulator principal
REVOKED = "revoked"


def credential_of(request: Any) -> list[str] | None:
    """The SigV4 credential scope [key id, date, region, service, "aws4_request"] of a request."""
    found = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    scope = found.group(1) if found else request.args.get("X-Amz-Credential")
    return scope.split("/") if scope else None


def _resolve(access_key_id: str) -> Principal | None:
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    for account_id, account in list(iam_backends.items()):
        backend = account[PARTITION]
        key = backend.access_keys.get(access_key_id)
        if key is None or key.status != "Active":
            continue
        if key.user_name:
            user = backend.users.get(key.user_name)
            if user is None:
                return None
            return Principal("IAMUser", account_id, access_key_id, key.secret_access_key, None, user.name,
                             user.arn, user.arn, user.id)
        session = next((s for s in sts_backends[account_id][PARTITION].assumed_roles
                        if s.access_key_id == access_key_id), None)
        role_name = (key.role_arn or "").rsplit("/", 1)[-1]
        role = next((r for r in backend.roles.values() if r.name == role_name), None)
        if session is None:
            return None
        role_arn = role.arn if role is not None else session.role_arn
        role_id = role.id if role is not None else session.user_id.split(":", 1)[0]
        return Principal("AssumedRole", account_id, access_key_id, session.secret_access_key, session.session_token,
                         role_name, session.arn, role_arn, f"{role_id}:{session.session_name}", role_id,
                         key.create_date.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return None


def principal_for(access_key_id: str | None) -> Principal | str | None:
    """The emulator principal owning the key; None for the administrator; REVOKED for a key the
    emulator issued that is gone or inactive (AWS: InvalidClientTokenId), never the administrator."""
    if not access_key_id:
        return None
    cached = _PRINCIPALS.get(access_key_id)
    if cached is not None:
        from moto.iam.models import iam_backends

        key = iam_backends[cached.account][PARTITION].access_keys.get(access_key_id)
        if key is not None and key.status == "Active":
            return cached
    elif access_key_id in _PRINCIPALS and access_key_id not in _ISSUED:
        return None  # a key the emulator never issued: the administrator, known already
    principal = _resolve(access_key_id)
    _PRINCIPALS[access_key_id] = principal
    if principal is not None:
        _ISSUED.add(access_key_id)
        return principal
    return REVOKED if access_key_id in _ISSUED else None


def current_principal() -> Principal | None:
    """The emulator principal of the request being served (None: the administrator or no request)."""
    return getattr(_CURRENT, "principal", None)


def caller_arn(principal: Principal | None, account: str = "123456789012") -> str:
    return principal.arn if principal is not None else f"arn:aws:iam::{account}:root"


def user_identity(principal: Principal | None, access_key_id: str | None, account: str = "123456789012") -> dict[str, Any]:
    """CloudTrail's userIdentity for the caller (CloudTrail User Guide, "CloudTrail userIdentity element")."""
    if principal is None:
        return {"type": "Root", "principalId": account, "arn": f"arn:aws:iam::{account}:root", "accountId": account,
                "accessKeyId": access_key_id or ADMIN_KEY}
    if principal.type == "IAMUser":
        return {"type": "IAMUser", "principalId": principal.principal_id, "arn": principal.arn,
                "accountId": principal.account, "accessKeyId": principal.access_key_id, "userName": principal.name}
    return {"type": "AssumedRole", "principalId": principal.principal_id, "arn": principal.arn,
            "accountId": principal.account, "accessKeyId": principal.access_key_id,
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "principalId": principal.role_id, "arn": principal.principal_arn,
                                  "accountId": principal.account, "userName": principal.name},
                "attributes": {"creationDate": principal.created, "mfaAuthenticated": "false"}}}


# --------------------------------------------------------------------------
# Policies that apply: identity-based and resource-based
# --------------------------------------------------------------------------


def _documents(holder: Any) -> list[str]:
    docs = list(holder.policies.values())
    for managed in holder.managed_policies.values():
        docs += [v.document for v in managed.versions if v.is_default]
    return docs


def identity_statements(principal: Principal) -> list[dict[str, Any]]:
    """User: inline + managed + its groups'; role: inline + managed."""
    from moto.iam.models import iam_backends

    backend = iam_backends[principal.account][PARTITION]
    if principal.type == "IAMUser":
        user = backend.users.get(principal.name)
        docs = _documents(user) if user else []
        for group in backend.get_groups_for_user(principal.name) if user else []:
            docs += _documents(group)
    else:
        role = next((r for r in backend.roles.values() if r.name == principal.name), None)
        docs = _documents(role) if role else []
    statements: list[dict[str, Any]] = []
    for doc in docs:
        parsed = json.loads(doc) if isinstance(doc, str) else doc
        statements += _listed(parsed.get("Statement") or [])
    return statements


def resource_policy(action: str, arn: str, account: str) -> str | None:
    """The policy of the resource (DynamoDB table, KMS key, SQS queue, SNS topic, event bus, S3
    bucket, and a role's trust policy for sts:AssumeRole), as JSON text; None if it has none."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, region, owner, rest = parts[2], parts[3], parts[4] or account, parts[5]
    if service == "dynamodb":
        from moto.dynamodb.models import dynamodb_backends

        table = "/".join(rest.split("/")[:2])  # an index's policy is its table's
        found = dynamodb_backends[owner][region].resource_policies.get(f"arn:aws:dynamodb:{region}:{owner}:{table}")
        return found.policy_doc if found else None
    if service == "kms" and rest.startswith("key/"):
        from moto.kms.models import kms_backends

        key = kms_backends[owner][region].keys.get(rest[4:])
        return key.policy if key else None
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[owner][region].queues.get(rest)
        return queue.policy if queue else None
    if service == "sns":
        from moto.sns.models import sns_backends

        topic = sns_backends[owner][region].topics.get(arn)
        return topic.policy if topic else None
    if service == "events" and rest.startswith("event-bus/"):
        from moto.events.models import events_backends

        bus = events_backends[owner][region].event_buses.get(rest.split("/", 1)[1])
        return bus.policy if bus else None
    if service == "s3":
        from moto.s3.models import s3_backends

        bucket = s3_backends[owner][PARTITION].buckets.get(rest.split("/", 1)[0])
        policy = bucket.policy if bucket else None
        return policy.decode() if isinstance(policy, bytes) else policy
    if service == "iam" and action == "sts:AssumeRole" and rest.startswith("role/"):
        from moto.iam.models import iam_backends

        role = next((r for r in iam_backends[owner][PARTITION].roles.values() if r.arn == arn), None)
        return role.assume_role_policy_document if role else None
    return None


# Resource policies that must allow the request themselves (directly, or by naming the account,
# which then needs an identity policy too): KMS key policies and role trust policies.
def _resource_policy_required(action: str, resource: str) -> bool:
    return (action.startswith("kms:") and ":key/" in resource) or action == "sts:AssumeRole"


def _principal_match(statement: dict[str, Any], principal: Principal) -> str | None:
    """"direct" when the statement names the caller (or everyone), "account" when it names the
    caller's account (a delegation to its IAM policies), else None."""
    direct = {principal.arn, principal.principal_arn}
    account = {principal.account, f"arn:aws:iam::{principal.account}:root"}
    if "NotPrincipal" in statement:
        listed = statement["NotPrincipal"]
        names = set(_listed(listed.get("AWS", []))) if isinstance(listed, dict) else set(_listed(listed))
        return None if names & (direct | account) else "direct"
    named = statement.get("Principal")
    if named == "*":
        return "direct"
    if not isinstance(named, dict):
        return None
    names = set(_listed(named.get("AWS", [])))
    if "*" in names or names & direct:
        return "direct"
    return "account" if names & account else None


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, Any]) -> bool:
    if "NotAction" in statement:
        if any(_wildcard(a, action, ignore_case=True) for a in _listed(statement["NotAction"])):
            return False
    elif not any(_wildcard(a, action, ignore_case=True) for a in _listed(statement.get("Action") or [])):
        return False
    if "NotResource" in statement:
        if any(_wildcard(r, resource) for r in _listed(statement["NotResource"])):
            return False
    elif "Resource" in statement and not any(_wildcard(r, resource) for r in _listed(statement["Resource"])):
        return False
    return policy_condition_holds(statement.get("Condition"), context)


def refusal_reason(principal: Principal, action: str, resource: str, context: dict[str, Any],
                   identity: list[dict[str, Any]]) -> str | None:
    """Why AWS refuses the request (the tail of its message), or None when it is allowed."""
    identity_allows = False
    for statement in identity:
        if _statement_applies(statement, action, resource, context):
            if statement.get("Effect") == "Deny":
                return "with an explicit deny in an identity-based policy"
            identity_allows = True
    granted = None  # "direct" or "account"
    text = resource_policy(action, resource, principal.account) if resource != "*" else None
    for statement in _listed(json.loads(text).get("Statement") or []) if text else []:
        match = _principal_match(statement, principal)
        if match is None or not _statement_applies(statement, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return "with an explicit deny in a resource-based policy"
        if granted != "direct":
            granted = match
    owner = resource.split(":")[4] if resource.count(":") >= 5 else ""
    if owner and owner != principal.account:
        # IAM User Guide, "Cross-account policy evaluation logic": the caller's own policies
        # and the resource's policy must both allow a request for another account's resource.
        if not identity_allows:
            return f"because no identity-based policy allows the {action} action"
        if granted is None:
            return f"because no resource-based policy allows the {action} action"
        return None
    if _resource_policy_required(action, resource):
        if granted == "direct" or (granted == "account" and identity_allows):
            return None
        if granted is None:
            return f"because no resource-based policy allows the {action} action"
        return f"because no identity-based policy allows the {action} action"
    if identity_allows or granted == "direct":
        return None
    return f"because no identity-based policy allows the {action} action"


# --------------------------------------------------------------------------
# What a request asks for: (IAM action name, resource ARN) pairs, and its condition keys
# --------------------------------------------------------------------------

Resolver = Callable[[str, dict[str, Any], str, str], list[tuple[str, str]]]
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"
        return f"{arn}/index/{index}" if index else arn

    if op in ("BatchWriteItem", "BatchGetItem"):
        return [(op, table(name)) for name in params.get("RequestItems") or {}]
    if op in ("TransactWriteItems", "TransactGetItems"):  # no IAM action of their own: each item's
        return [(_TRANSACT_ACTIONS[kind], table(body["TableName"]))
                for item in params.get("TransactItems") or [] for kind, body in item.items()]
    if params.get("TableName"):
        return [(op, table(params["TableName"], params.get("IndexName")))]
    return [(op, params.get("ResourceArn") or "*")]


def _kms(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    from moto.kms.models import kms_backends

    key_id = params.get("KeyId") or params.get("TargetKeyId")
    if not key_id:
        return [(op, "*")]
    backend = kms_backends[account][region]
    try:
        return [(op, backend.keys[backend.any_id_to_key_id(key_id)].arn)]
    except (KeyError, TypeError, AttributeError):  # an unknown key: moto answers NotFoundException
        return [(op, key_id if key_id.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key_id}")]


def _states(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    if op.startswith("SendTask"):  # task tokens name no resource
        return [(op, "*")]
    arn = next((params[k] for k in ("stateMachineArn", "executionArn", "activityArn", "resourceArn") if params.get(k)), "*")
    return [(op, arn)]


def _events(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    def bus(name: str | None) -> str:
        name = name or "default"
        return name if name.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{name}"

    if op == "PutEvents":  # every entry's bus; one refused entry refuses the call
        return [(op, bus(entry.get("EventBusName"))) for entry in params.get("Entries") or []]
    rule = params.get("Rule") or (params.get("Name") if "Rule" in op else None)
    if rule:
        on = params.get("EventBusName")
        on = on.rsplit("/", 1)[-1] if on and on.startswith("arn:") else on
        return [(op, f"arn:aws:events:{region}:{account}:rule/{on + '/' if on and on != 'default' else ''}{rule}")]
    if op in ("PutPermission", "RemovePermission", "DescribeEventBus"):
        return [(op, bus(params.get("EventBusName") or params.get("Name")))]
    return [(op, "*")]


def _sqs(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    url = params.get("QueueUrl")
    if url:
        path = urllib.parse.urlsplit(url).path.strip("/").split("/")  # /<account>/<name>
        return [(op, f"arn:aws:sqs:{region}:{path[-2] if len(path) > 1 else account}:{path[-1]}")]
    if params.get("QueueName"):
        return [(op, f"arn:aws:sqs:{region}:{account}:{params['QueueName']}")]
    return [(op, "*")]


def _sns(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    arn = next((params[k] for k in ("TopicArn", "TargetArn", "ResourceArn") if params.get(k)), None)
    if arn is None and op == "CreateTopic":
        arn = f"arn:aws:sns:{region}:{account}:{params.get('Name')}"
    return [(op, arn or "*")]


_S3_ACTIONS = {
    "HeadObject": "GetObject", "GetObjectAttributes": "GetObject", "CopyObject": "PutObject",
    "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "UploadPartCopy": "PutObject",
    "CompleteMultipartUpload": "PutObject", "DeleteObjects": "DeleteObject", "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "ListObjectVersions": "ListBucketVersions",
    "ListBuckets": "ListAllMyBuckets", "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts", "DeleteBucketTagging": "PutBucketTagging",
    "PutBucketEncryption": "PutEncryptionConfiguration", "GetBucketEncryption": "GetEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock", "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
}


def _s3(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    action = _S3_ACTIONS.get(op, op)
    bucket = params.get("Bucket")
    if not bucket:
        return [(action, "*")]
    if op == "DeleteObjects":
        keys = [o.get("Key") for o in (params.get("Delete") or {}).get("Objects") or []]
        return [(action, f"arn:aws:s3:::{bucket}/{k}") for k in keys]
    key = params.get("Key")
    return [(action, f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}")]


def _iam(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    from moto.iam.models import iam_backends

    backend = iam_backends[account][PARTITION]
    if params.get("RoleName"):
        name = params["RoleName"]
        role = next((r for r in backend.roles.values() if r.name == name), None)
        return [(op, role.arn if role else f"arn:aws:iam::{account}:role{params.get('Path') or '/'}{name}")]
    if params.get("UserName"):
        user = backend.users.get(params["UserName"])
        return [(op, user.arn if user else f"arn:aws:iam::{account}:user{params.get('Path') or '/'}{params['UserName']}")]
    if params.get("InstanceProfileName"):  # instance-profile* (Service Authorization Reference, IAM)
        name = params["InstanceProfileName"]
        profile = next((p for p in backend.instance_profiles.values() if p.name == name), None)
        return [(op, profile.arn if profile else f"arn:aws:iam::{account}:instance-profile/{name}")]
    if op == "GetAccessKeyLastUsed" and params.get("AccessKeyId"):
        # Service Authorization Reference, IAM: GetAccessKeyLastUsed acts on the key's user.
        key = backend.access_keys.get(params["AccessKeyId"])
        user = backend.users.get(key.user_name) if key is not None and key.user_name else None
        return [(op, user.arn if user else f"arn:aws:iam::{account}:user/*")]
    return [(op, params.get("PolicyArn") or "*")]


def _sts(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    return [(op, params.get("RoleArn") or "*")]


_EC2_TYPES = {"i": "instance", "sg": "security-group", "eni": "network-interface", "vol": "volume",
              "snap": "snapshot", "subnet": "subnet", "vpc": "vpc", "acl": "network-acl", "ami": "image",
              "igw": "internet-gateway", "rtb": "route-table", "lt": "launch-template"}


def ec2_arn(resource_id: str, account: str, region: str) -> str:
    kind = _EC2_TYPES.get(resource_id.split("-", 1)[0], "")
    owner = "" if kind in ("snapshot", "image") else account  # public-able: no account in the ARN
    return f"arn:aws:ec2:{region}:{owner}:{kind}/{resource_id}" if kind else "*"


# AWS doc: Service Authorization Reference, "Actions defined by Amazon EC2" (the resource types
# each action is authorized on). An action on a named instance, interface, group, volume or
# network ACL is authorized on that resource's ARN, not on `*`: a policy that scopes
# ModifyInstanceAttribute to `instance/*` allows it, which `*` never matched here (#20: the
# member roles are the first task policies the emulator evaluates, the emulator's own task
# roles allowing `*`). Describe* actions that name ids are resolved the same way; AWS
# authorizes most on `*`, which every statement that grants them names.
_EC2_ID_PARAMS = ("InstanceId", "NetworkInterfaceId", "GroupId", "VolumeId", "NetworkAclId")


def _ec2_association_instance(association: str, account: str, region: str) -> str | None:
    from moto.ec2.models import ec2_backends

    for instance_id, assoc in ec2_backends[account][region].iam_instance_profile_associations.items():
        if assoc.association_id == association:
            return instance_id
    return None


def _ec2(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    if op in ("CreateTags", "DeleteTags"):
        return [(op, ec2_arn(r, account, region)) for r in params.get("Resources") or []]
    if op == "CreateSecurityGroup":
        return [(op, f"arn:aws:ec2:{region}:{account}:security-group/*")]
    if op == "CreateSnapshots":  # instance*, volume*, snapshot*: the instance and the new snapshots
        instance = (params.get("InstanceSpecification") or {}).get("InstanceId")
        return [(op, ec2_arn(instance, account, region) if instance else "*"),
                (op, f"arn:aws:ec2:{region}::snapshot/*")]
    if op in ("DisassociateIamInstanceProfile", "ReplaceIamInstanceProfileAssociation") and params.get("AssociationId"):
        instance = _ec2_association_instance(params["AssociationId"], account, region)
        return [(op, ec2_arn(instance, account, region) if instance else "*")]
    if op.startswith("Describe") and op != "DescribeInstanceAttribute":
        return [(op, "*")]
    named = [params[k] for k in _EC2_ID_PARAMS if isinstance(params.get(k), str)]
    return [(op, ec2_arn(named[0], account, region))] if named else [(op, "*")]


def _autoscaling(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    """A group's actions on its ARN (its uuid part unknown to the caller: `*`, as policies name it)."""
    name = params.get("AutoScalingGroupName")
    if not name or op.startswith("Describe"):
        return [(op, "*")]
    return [(op, f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/{name}")]


def _elasticloadbalancing(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    if op.startswith("Describe"):
        return [(op, "*")]
    if params.get("TargetGroupArn"):
        return [(op, params["TargetGroupArn"])]
    if params.get("LoadBalancerName"):  # a classic load balancer
        return [(op, f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{params['LoadBalancerName']}")]
    return [(op, "*")]


def _ebs(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    """The EBS direct APIs act on the snapshot (ec2's ARN, with no account: snapshots can be shared)."""
    snapshot = params.get("SnapshotId") or params.get("FirstSnapshotId")
    return [(op, f"arn:aws:ec2:{region}::snapshot/{snapshot}" if snapshot else "*")]


def _ssm(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    if op == "SendCommand":  # document* and instance (AWS authorizes the document and each instance)
        name = params.get("DocumentName") or ""
        owner = "" if name.startswith(("AWS-", "AWSSupport-", "AmazonInspector")) else account
        document = name if name.startswith("arn:") else f"arn:aws:ssm:{region}:{owner}:document/{name}"
        return [(op, document)] + [(op, ec2_arn(i, account, region)) for i in params.get("InstanceIds") or []]
    if "Parameter" not in op:
        return [(op, "*")]
    names = params.get("Names") or ([params["Name"]] if params.get("Name") else [])
    return [(op, n if n.startswith("arn:") else f"arn:aws:ssm:{region}:{account}:parameter/{n.lstrip('/')}")
            for n in names] or [(op, "*")]


def _securityhub(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    if op == "BatchImportFindings":  # the findings' products (AWS names the product in its refusal)
        return [(op, f.get("ProductArn") or "*") for f in params.get("Findings") or []] or [(op, "*")]
    return [(op, "*")]


def _wafv2(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    """An IP set's actions on its ARN, `arn:aws:wafv2:REGION:ACCOUNT:SCOPE/ipset/NAME/ID`, the global
    (CloudFront) scope in us-east-1; List* name no resource (Service Authorization Reference, AWS
    WAF V2). #20: the member roles may write only aws-ir's sets."""
    if "IPSet" not in op or op.startswith("List") or not params.get("Name"):
        return [(op, "*")]
    scope = "global" if params.get("Scope") == "CLOUDFRONT" else "regional"
    where = "us-east-1" if scope == "global" else region
    return [(op, f"arn:aws:wafv2:{where}:{account}:{scope}/ipset/{params['Name']}/{params.get('Id', '*')}")]


def _lambda(op: str, params: dict[str, Any], account: str, region: str) -> list[tuple[str, str]]:
    return [("InvokeFunction" if op in ("Invoke", "InvokeAsync") else op, "*")]


RESOURCES: dict[str, Resolver] = {
    "dynamodb": _dynamodb, "kms": _kms, "states": _states, "events": _events, "sqs": _sqs, "sns": _sns,
    "s3": _s3, "iam": _iam, "sts": _sts, "ec2": _ec2, "ssm": _ssm, "securityhub": _securityhub,
    "lambda": _lambda, "autoscaling": _autoscaling, "elasticloadbalancing": _elasticloadbalancing, "ebs": _ebs,
    "wafv2": _wafv2,
}
_ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}  # "No permissions are required" (STS API Reference)


def iam_prefix(service_model: Any) -> str:
    """The service's prefix in IAM actions: its signing name (states, elasticloadbalancing, ...)."""
    prefix = service_model.metadata.get("signingName") or service_model.metadata["endpointPrefix"]
    return {"monitoring": "cloudwatch"}.get(prefix, prefix)


def request_tags(params: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """aws:RequestTag/* and aws:TagKeys of a tagging or creating call (Tags, TagSpecifications, TagKeys)."""
    tags: dict[str, str] = {}
    keys: list[str] = []
    for spec in params.get("TagSpecifications") or []:
        tags.update({t["Key"]: t.get("Value", "") for t in spec.get("Tags") or []})
    for name in ("Tags", "tags", "TagList"):
        value = params.get(name)
        if isinstance(value, dict):
            tags.update({str(k): str(v) for k, v in value.items()})
        elif isinstance(value, list):
            tags.update({t.get("Key", t.get("key")): t.get("Value", t.get("value", "")) or "" for t in value
                         if isinstance(t, dict)})
    for name in ("TagKeys", "tagKeys"):
        keys += [k for k in _listed(params.get(name) or []) if k not in keys]
    return tags, list(tags) + [k for k in keys if k not in tags]


def _tags_context(prefix: str, tags: list[dict[str, str]] | dict[str, str] | None) -> dict[str, list[str]]:
    if isinstance(tags, dict):
        pairs = tags.items()
    else:
        pairs = ((t["Key"], t["Value"]) for t in tags or [])
    return {f"{prefix}/{k}".lower(): [v] for k, v in pairs}


def principal_tags(principal: Principal) -> list[dict[str, str]]:
    from moto.iam.models import iam_backends

    backend = iam_backends[principal.account][PARTITION]
    if principal.type == "IAMUser":
        user = backend.users.get(principal.name)
        return (user.tags or []) if user else []
    role = next((r for r in backend.roles.values() if r.name == principal.name), None)
    return list(role.tags or []) if role else []


def resource_tags(arn: str, account: str) -> dict[str, str]:
    """aws:ResourceTag/*: an EC2 resource's or an IAM role's or user's tags."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return {}
    service, region, rest = parts[2], parts[3], parts[5]
    if service == "ec2" and "/" in rest:
        from moto.ec2.models import ec2_backends

        return dict(ec2_backends[account][region].tags.get(rest.rsplit("/", 1)[-1]) or {})
    if service == "iam" and rest.startswith(("role/", "user/")):
        from moto.iam.models import iam_backends

        backend = iam_backends[account][PARTITION]
        if rest.startswith("role/"):
            role = next((r for r in backend.roles.values() if r.arn == arn), None)
            return {t["Key"]: t["Value"] for t in (role.tags or [])} if role else {}
        user = next((u for u in backend.users.values() if u.arn == arn), None)
        return {t["Key"]: t["Value"] for t in (user.tags or [])} if user else {}
    return {}


def principal_org_id(account: str) -> str | None:
    """aws:PrincipalOrgID: the organization the caller's account belongs to (its management
    account's, for a member), if any (AWS global condition context keys)."""
    from moto.organizations.models import organizations_backends

    master, partition = organizations_backends.master_accounts.get(account, (account, PARTITION))
    org = organizations_backends[master][partition].org
    return org.id if org is not None else None


def request_context(principal: Principal, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The request's global condition keys (lower-cased, as IAM compares them)."""
    now = time.time()
    context: dict[str, Any] = {
        "aws:principalarn": principal.principal_arn,
        "aws:principalaccount": principal.account,
        "aws:principaltype": "User" if principal.type == "IAMUser" else "AssumedRole",
        "aws:userid": principal.principal_id,
        # The emulator's http stands in for the HTTPS endpoint SDKs use (as irmoto.stacks S16).
        "aws:securetransport": "true",
        "aws:currenttime": datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now)),
        "aws:requestedregion": region,
        **_tags_context("aws:PrincipalTag", principal_tags(principal)),
    }
    if principal.type == "IAMUser":
        context["aws:username"] = principal.name
    organization = principal_org_id(principal.account)
    if organization:
        context["aws:principalorgid"] = organization
    # IAM User Guide, "Available keys for AWS STS": the session name a caller asks AssumeRole for.
    if params.get("RoleSessionName"):
        context["sts:rolesessionname"] = params["RoleSessionName"]
    tags, keys = request_tags(params)
    context.update(_tags_context("aws:RequestTag", tags))
    if keys:
        context["aws:tagkeys"] = keys
    return context


_REFUSAL_CODES = {"ec2": ("UnauthorizedOperation", 403), "s3": ("AccessDenied", 403), "sqs": ("AccessDenied", 403),
                  "sns": ("AuthorizationError", 403)}


def refusal_code(prefix: str, protocol: str | None) -> tuple[str, int]:
    """The service's access-denied error and HTTP status."""
    if prefix in _REFUSAL_CODES:
        return _REFUSAL_CODES[prefix]
    if protocol == "json":
        return "AccessDeniedException", 400
    if protocol == "rest-json":
        return "AccessDeniedException", 403
    return "AccessDenied", 403


def evaluate(principal: Principal, backend_name: str, request: Any) -> Any:
    """The refusal to answer (a response), or None when the request is allowed."""
    backend_name, service_model = service_model_of(backend_name, request)
    operation, uri_params, protocol = operation_of(service_model, request)
    if operation is None:  # no operation of the service's model (a model-less moto app): not evaluated
        return None
    prefix = iam_prefix(service_model)
    if f"{prefix}:{operation.name}" in _ALWAYS_ALLOWED:
        return None
    params = request_params(request, operation, uri_params, protocol)["parsed"]
    scope = credential_of(request) or []
    region = scope[2] if len(scope) > 2 else "us-east-1"
    resolve = RESOURCES.get(prefix, lambda op, *_: [(op, "*")])
    context = request_context(principal, region, params)
    identity = identity_statements(principal)
    for name, resource in resolve(operation.name, params, principal.account, region):
        action = f"{prefix}:{name}"
        tags = _tags_context("aws:ResourceTag", resource_tags(resource, principal.account))
        reason = refusal_reason(principal, action, resource, {**context, **tags}, identity)
        if reason is not None:
            code, status = refusal_code(prefix, protocol)
            message = f"User: {principal.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
            if code == "UnauthorizedOperation":
                message = "You are not authorized to perform this operation. " + message
            return error_response(request, service_model, operation, protocol, code, status, message)
    return None


# --------------------------------------------------------------------------
# I1. A presigned GET reaches its service
# AWS doc: IAM User Guide / AWS General Reference, "Authenticating requests: using query
# parameters (AWS Signature Version 4)" (X-Amz-Credential carries the credential scope
# <key>/<date>/<region>/<service>/aws4_request instead of the Authorization header).
# moto 5.2.5 (moto/moto_server/werkzeug_app.py DomainDispatcherApplication.
# infer_service_region_host) reads the service only from the Authorization header, so a
# presigned GET to http://127.0.0.1:<port>/?Action=GetCallerIdentity&... went to S3; and
# BaseResponse.get_access_key (moto/core/responses.py) reads no X-Amz-Credential, so STS
# answered the made-up "user/moto". Routing now reads the query's scope when there is no
# Authorization header, and the access key is the query credential's.
# --------------------------------------------------------------------------


def patch_sts_presigned_requests() -> None:
    from moto.core.responses import BaseResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original_infer = _ORIGINALS.setdefault("infer_service_region_host", DomainDispatcherApplication.infer_service_region_host)

    def infer_service_region_host(self: Any, environ: dict[str, Any], path: str) -> str | None:
        if not environ.get("HTTP_AUTHORIZATION"):
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            if query.get("X-Amz-Credential"):  # route as the same request signed in a header would be
                signed = {**environ, "HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 Credential={query['X-Amz-Credential'][0]}, "
                                                           "SignedHeaders=host, Signature=presigned"}
                return original_infer(self, signed, path)
        return original_infer(self, environ, path)

    original_access_key = _ORIGINALS.setdefault("get_access_key", BaseResponse.get_access_key)

    def get_access_key(self: Any) -> str:
        credential = (self.querystring.get("X-Amz-Credential") or [""])[0]
        if "Authorization" not in self.headers and credential:
            return credential.split("/", 1)[0]
        return original_access_key(self)

    DomainDispatcherApplication.infer_service_region_host = infer_service_region_host  # type: ignore[method-assign]
    BaseResponse.get_access_key = get_access_key  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# I2. IAM evaluation for emulator principals (see the module's docstring)
# moto internals: wraps moto.core.utils.convert_to_flask_response.__call__ (every request of
# every service in server mode, as irmoto.faults does); the request is routed and parsed by
# moto's own router and protocol parsers (irmoto.faults.operation_of / request_params), and
# resource policies are read from moto's models (DynamoDB resource_policies, KMS Key.policy,
# SQS Queue.policy, SNS Topic.policy, EventBus.policy, FakeBucket.policy, Role trust policy).
# Refusals: AccessDeniedException (JSON: DynamoDB, KMS, Step Functions, EventBridge, SSM - HTTP
# 400; REST-JSON: Security Hub, Lambda - 403), EC2 UnauthorizedOperation 403, AccessDenied 403
# (IAM, STS, SQS, S3, CloudFormation...), SNS AuthorizationError 403 (SNS API Reference, common
# errors), with AWS's message "User: <arn> is not authorized to perform: <action> on resource:
# <arn> because no identity-based policy allows the <action> action" (or "with an explicit deny
# in an identity-based / a resource-based policy", "because no resource-based policy allows").
# A harness error refuses too (InternalFailure 500): an evaluation must never allow by mistake.
# --------------------------------------------------------------------------


def patch_iam_evaluation() -> None:
    from flask import current_app
    from flask import request as flask_request
    from moto.core.request import normalize_request
    from moto.core.utils import convert_to_flask_response

    original = _ORIGINALS.setdefault("flask_view_call_iam", convert_to_flask_response.__call__)

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        backend_name = getattr(current_app, "service", "")
        scope = credential_of(flask_request) if backend_name not in _NOT_FAULTED else None
        principal = principal_for(scope[0] if scope else None)
        if principal is None:  # the administrator: as before
            return original(self, args, **kwargs)
        request = normalize_request(flask_request)
        if principal == REVOKED:
            name, model = service_model_of(backend_name, request)
            code, status = ("AuthFailure", 401) if name == "ec2" else ("InvalidClientTokenId", 403)
            return error_response(request, model, None, None, code, status,
                                  "The security token included in the request is invalid.")
        try:
            refusal = evaluate(principal, backend_name, request)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - refuse rather than allow by mistake
            LOG.exception("irmoto.iam: could not evaluate the request of %s", principal.arn)  # type: ignore[union-attr]
            name, model = service_model_of(backend_name, request)
            return error_response(request, model, None, None, "InternalFailure", 500,
                                  "irmoto.iam could not evaluate this request (see the emulator's log).")
        if refusal is not None:
            return refusal
        _CURRENT.principal = principal
        try:
            return original(self, args, **kwargs)
        finally:
            _CURRENT.principal = None

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# I3. S3's own bucket-policy check leaves emulator principals to I2
# moto 5.2.5 checks bucket policies on object calls for every caller (moto/s3/responses.py
# _key_response, _bucket_response_delete_keys -> FakeBucket.get_permission, irmoto.stacks S16),
# without the caller's condition keys: a statement denying writes unless aws:PrincipalArn is an
# aws-ir role (ArnNotLike: a key the request lacks matches) refused aws-ir roles too. I2 has
# evaluated the bucket policy with the principal's keys before the request reached S3, so for
# emulator principals this check answers NEUTRAL; the administrator's requests are unchanged.
# --------------------------------------------------------------------------


def patch_s3_bucket_policy_principal() -> None:
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    original = _ORIGINALS.setdefault("s3_get_permission", FakeBucket.get_permission)

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if current_principal() is not None:
            return PermissionResult.NEUTRAL
        return original(self, action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# I4. GetCallerIdentity authenticates its caller
# AWS doc: AWS General Reference / IAM User Guide, "Signature Version 4 signing process" and
# "Authenticating requests: using query parameters" (every header named in SignedHeaders is part
# of the signature; a temporary credential's session token must be the one issued), STS API
# Reference "GetCallerIdentity" and "Common errors" (SignatureDoesNotMatch 403,
# InvalidClientTokenId 403). Signatures older than 15 minutes are refused ("Signature expired:
# <date> is now earlier than <limit> (<now> - 15 min.)"); STS gives a presigned request the same
# 15 minutes whatever X-Amz-Expires says (aws-sdk-go #2167 / PR #2224: only S3 honours longer
# X-Amz-Expires), so a presigned request expires at X-Amz-Date + min(X-Amz-Expires, 900) s, and
# an X-Amz-Expires that is not 1..604800 is refused (AuthorizationQueryParametersError).
# This is what HashiCorp Vault's AWS auth and EKS's aws-iam-authenticator rely on: a signed
# GetCallerIdentity is a proof of identity.
# moto 5.2.5 (moto/sts/responses.py TokenResponse.get_caller_identity) answers any request, signed
# or not. The signature is recomputed with botocore's SigV4Auth (as moto/iam/access_control.py
# IAMRequestBase._calculate_signature does) over the request as received: method, path, query
# (less X-Amz-Signature), the signed headers' values and the body. Secrets: an IAM user's key, an
# assumed-role session's key (and its token), and the harness's `testing` key (secret `testing`);
# a request with any other key, or unsigned, is answered as moto did.
# --------------------------------------------------------------------------

STS_WINDOW = 15 * 60


def _amz_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def signature_problem(request: Any, secret: str, token: str | None, now: datetime | None = None) -> tuple[str, int, str] | None:
    """(code, status, message) when the request's SigV4 signature does not prove its credential."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    now = now or datetime.now(tz=UTC)
    mismatch = ("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the service documentation "
                "for details.")
    header = request.headers.get("Authorization", "")
    if header:
        fields = dict(re.findall(r"(Credential|SignedHeaders|Signature)=([^,\s]+)", header))
        scope, signed, signature = fields.get("Credential", ""), fields.get("SignedHeaders", ""), fields.get("Signature", "")
        stamp, given_token, window = request.headers.get("X-Amz-Date", ""), request.headers.get("X-Amz-Security-Token"), STS_WINDOW
        query = request.query_string.decode()
        body = request.get_data()
    else:
        args = request.args
        scope, signed, signature = args.get("X-Amz-Credential", ""), args.get("X-Amz-SignedHeaders", ""), args.get("X-Amz-Signature", "")
        stamp, given_token = args.get("X-Amz-Date", ""), args.get("X-Amz-Security-Token")
        expires = args.get("X-Amz-Expires", "")
        if not expires.isdigit() or not 1 <= int(expires) <= 604800:
            return ("AuthorizationQueryParametersError", 400,
                    "X-Amz-Expires must be a number of seconds from 1 to 604800 (a week)")
        window = min(int(expires), STS_WINDOW)
        query = "&".join(p for p in request.query_string.decode().split("&") if p.split("=", 1)[0] != "X-Amz-Signature")
        body = b""
    access_key_id, _, rest = scope.partition("/")
    date_scope, region, service = (rest.split("/") + ["", "", ""])[:3]
    when = _amz_date(stamp)
    if when is None or not signature or when.strftime("%Y%m%d") != date_scope:
        return mismatch
    if token is not None and given_token != token:
        return "InvalidClientTokenId", 403, "The security token included in the request is invalid."
    fmt = "%Y%m%dT%H%M%SZ"
    if now > when + timedelta(seconds=window):
        limit = (now - timedelta(seconds=window)).strftime(fmt)
        span = f"{window // 60} min." if window % 60 == 0 else f"{window} s."
        return "SignatureDoesNotMatch", 403, f"Signature expired: {stamp} is now earlier than {limit} ({now.strftime(fmt)} - {span})"
    if when - now > timedelta(seconds=STS_WINDOW):
        limit = (now + timedelta(seconds=STS_WINDOW)).strftime(fmt)
        return ("SignatureDoesNotMatch", 403,
                f"Signature not yet current: {stamp} is still later than {limit} ({now.strftime(fmt)} + 15 min.)")
    headers = {}
    for name in signed.split(";"):
        if name and name in request.headers:  # a signed header the request lacks changes the signature
            headers[name] = request.headers[name]
    aws_request = AWSRequest(method=request.method, url=f"http://{request.headers.get('Host', 'localhost')}{request.path}"
                             + (f"?{query}" if query else ""),
                             headers=headers, data=body)
    aws_request.context["timestamp"] = stamp
    auth = SigV4Auth(Credentials(access_key_id, secret, token), service, region)
    canonical = auth.canonical_request(aws_request)
    if auth.signed_headers(auth.headers_to_sign(aws_request)) != signed:
        return mismatch
    expected = auth.signature(auth.string_to_sign(aws_request, canonical), aws_request)
    return None if hmac.compare_digest(expected, signature) else mismatch


def patch_sts_caller_identity_signature() -> None:
    from flask import current_app
    from flask import request as flask_request
    from moto.core.request import normalize_request
    from moto.core.utils import convert_to_flask_response

    original = _ORIGINALS.setdefault("flask_view_call_sts", convert_to_flask_response.__call__)

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(current_app, "service", "") != "sts":
            return original(self, args, **kwargs)
        flask_request.get_data(cache=True)  # the body as signed: read before the form is parsed
        if flask_request.values.get("Action") != "GetCallerIdentity":
            return original(self, args, **kwargs)
        scope = credential_of(flask_request)
        principal = principal_for(scope[0] if scope else None)
        if principal is None and scope and scope[0] == ADMIN_KEY:
            secret, token = ADMIN_SECRET, None
        elif isinstance(principal, Principal):
            secret, token = principal.secret, principal.session_token
        else:  # unsigned, or a key whose secret cannot be known: as moto answers
            return original(self, args, **kwargs)
        problem = signature_problem(flask_request, secret, token)
        if problem is None:
            return original(self, args, **kwargs)
        request = normalize_request(flask_request)
        name, model = service_model_of("sts", request)
        operation, _, protocol = operation_of(model, request)
        return error_response(request, model, operation, protocol, problem[0], problem[1], problem[2])

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


IAM_EXTENSIONS: list[Callable[[], None]] = [
    patch_sts_presigned_requests,
    patch_iam_evaluation,
    patch_s3_bucket_policy_principal,
    patch_sts_caller_identity_signature,
]
