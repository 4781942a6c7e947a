"""CloudTrail trails as AWS creates and deletes them (what re-creating a deleted trail needs).

C1. ``SnsTopicName`` takes a topic's name or its ARN.
AWS doc: AWS CloudTrail API Reference, "CreateTrail" and "UpdateTrail" (``SnsTopicName``:
"Specifies the name or the ARN of the Amazon SNS topic defined for notification of log file
delivery"); ``GetTrail`` answers ``SnsTopicName`` (the name) and ``SnsTopicARN``.
moto 5.2.5 (moto/cloudtrail/models.py Trail.topic_arn) builds the ARN from the value as if it
were a name, so an ARN fails as "SNS Topic does not exist". An ARN is taken as the ARN here.

C2. ``DeleteTrail`` takes a trail's name or ARN, refuses an unknown one, and the trail's tags
go with it.
AWS doc: AWS CloudTrail API Reference, "DeleteTrail" (``Name``: "Specifies the name or the
ARN of the trail to be deleted"; errors ``TrailNotFoundException``); tags are attributes of
the resource ("AddTags": "Adds one or more tags to a trail").
moto 5.2.5 (CloudTrailBackend.delete_trail) deletes by name only, silently ignores anything
else, and leaves the tags in its tagging service, so a trail created again under the same
name would show the deleted trail's tags as if they had been put back.

C3. ``CreateTrail`` refuses a name already in use.
AWS doc: AWS CloudTrail API Reference, "CreateTrail" (errors ``TrailAlreadyExistsException``:
"This exception is thrown when the specified trail already exists").
moto 5.2.5 (CloudTrailBackend.create_trail) silently replaces the trail.

C4. Tag writes reach EventBridge as "AWS API Call via CloudTrail".
AWS doc: EventBridge User Guide, "Events from AWS services" (CloudTrail delivers management
events - write API calls - to the default bus as detail-type "AWS API Call via CloudTrail",
source ``aws.<service>``) and CloudTrail User Guide, "CloudTrail record contents" and "CloudTrail
userIdentity element" (eventVersion, eventTime, eventSource, eventName, awsRegion,
sourceIPAddress, userAgent, requestParameters, responseElements, requestID, eventID, eventType
AwsApiCall, managementEvent, readOnly, eventCategory, recipientAccountId; userIdentity of an
IAMUser, an AssumedRole with its sessionContext.sessionIssuer, the Root). requestParameters are
in CloudTrail's shapes: EC2's ``resourcesSet``/``tagSet`` items, IAM's and CloudTrail's request
members in lower camel case (``roleName``, ``tags`` [{key, value}], ``tagKeys``, ``resourceId``,
``tagsList``), S3's ``bucketName`` + ``Tagging.TagSet.Tag``.
moto 5.2.5 records no CloudTrail events: a rule on tag changes (EC2 CreateTags/DeleteTags, IAM
TagRole/UntagRole/TagUser/UntagUser, S3 PutBucketTagging/DeleteBucketTagging, CloudTrail
AddTags/RemoveTags) never fired. Each such successful call, whoever makes it, now puts its
record on the default bus through irmoto.services.deliver_as_service; a refused call (an error
status, e.g. irmoto.iam's AccessDenied) is not delivered, as the rules match successful calls.
Creations that carry tags (EC2 RunInstances/CreateSecurityGroup/CreateVolume/
CreateNetworkInterface with ``TagSpecification``, IAM CreateRole/CreateUser with ``Tags``) are
delivered too, with CloudTrail's ``tagSpecificationSet.items[].tags[]`` and a
``responseElements`` naming what was created (``instancesSet.items[].instanceId``, ``groupId``,
``volumeId``, ``networkInterface.networkInterfaceId``). AWS records every creation; only tagged
ones are delivered here, to keep the emulator's bus quiet (no rule of ours matches the others).
AWS doc: AWS CloudTrail User Guide, "CloudTrail record contents for management events", and
Amazon EC2 API Reference, "TagSpecification".
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

_ORIGINALS: dict[str, Any] = {}


def patch_cloudtrail_sns_topic_arn() -> None:
    from moto.cloudtrail.models import Trail

    topic_arn = _ORIGINALS.setdefault("topic_arn", Trail.topic_arn)
    description = _ORIGINALS.setdefault("description", Trail.description)

    def arn(self: Any) -> str | None:
        if self.sns_topic_name and str(self.sns_topic_name).startswith("arn:"):
            return str(self.sns_topic_name)
        return topic_arn.fget(self)

    def describe(self: Any, include_region: bool = False) -> dict[str, Any]:
        desc = description(self, include_region)
        if str(desc.get("SnsTopicName") or "").startswith("arn:"):
            desc["SnsTopicName"] = desc["SnsTopicName"].rsplit(":", 1)[-1]
        return desc

    Trail.topic_arn = property(arn)  # type: ignore[method-assign,assignment]
    Trail.description = describe  # type: ignore[method-assign]


def patch_cloudtrail_delete_trail() -> None:
    from moto.cloudtrail.models import CloudTrailBackend

    def delete_trail(self: Any, name: str) -> None:
        trail = self.get_trail(name)  # TrailNotFoundException for an unknown name or ARN
        del self.trails[trail.trail_name]
        self.tagging_service.delete_all_tags_for_resource(trail.arn)

    CloudTrailBackend.delete_trail = delete_trail  # type: ignore[method-assign]


def patch_cloudtrail_create_existing() -> None:
    from moto.cloudtrail.models import CloudTrailBackend
    from moto.core.exceptions import JsonRESTError

    original = _ORIGINALS.setdefault("create_trail", CloudTrailBackend.create_trail)

    def create_trail(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        if name in self.trails:
            raise JsonRESTError("TrailAlreadyExistsException", f"Trail {name} already exists for customer: {self.account_id}")
        return original(self, name, *args, **kwargs)

    CloudTrailBackend.create_trail = create_trail  # type: ignore[method-assign]


TAG_CALLS = {"ec2": {"CreateTags", "DeleteTags"}, "iam": {"TagRole", "UntagRole", "TagUser", "UntagUser"},
             "cloudtrail": {"AddTags", "RemoveTags"}}
# Creations whose tags are given in the call, delivered only when they carry tags.
CREATE_CALLS = {"ec2": {"RunInstances", "CreateSecurityGroup", "CreateVolume", "CreateNetworkInterface"},
                "iam": {"CreateRole", "CreateUser"}}
# Where each EC2 creation's response names what it created (CloudTrail's responseElements).
CREATED_IDS = {"RunInstances": "instanceId", "CreateSecurityGroup": "groupId", "CreateVolume": "volumeId",
               "CreateNetworkInterface": "networkInterfaceId"}
XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _tag_call(service: str, request: Any) -> str | None:
    """The tag-writing operation a request makes, found cheaply (before any routing)."""
    if service == "s3":  # path-style: PUT/DELETE /<bucket>?tagging
        if "tagging" in request.args and "/" not in request.path.strip("/"):
            return {"PUT": "PutBucketTagging", "DELETE": "DeleteBucketTagging"}.get(request.method)
        return None
    if service == "cloudtrail":
        name = request.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
    else:
        request.get_data(cache=True)  # keep the body for moto: read it before the form is parsed
        name = request.values.get("Action")
    if name in TAG_CALLS.get(service, ()) or name in CREATE_CALLS.get(service, ()):
        return name
    return None


def carries_tags(service: str, name: str, params: dict[str, Any]) -> bool:
    """A tagging call always does; a creation only when it was given tags."""
    if name not in CREATE_CALLS.get(service, ()):
        return True
    if service == "ec2":
        return any(spec.get("Tags") for spec in params.get("TagSpecifications") or [])
    return bool(params.get("Tags"))


def response_elements(service: str, name: str, body: str, request_id: str) -> dict[str, Any] | None:
    if service != "ec2":
        return None
    out: dict[str, Any] = {"requestId": request_id}
    key = CREATED_IDS.get(name)
    if key is None:
        out["_return"] = True
        return out
    ids = re.findall(rf"<{key}>([^<]+)</{key}>", body)
    if name == "RunInstances":
        out["instancesSet"] = {"items": [{"instanceId": i} for i in dict.fromkeys(ids)]}
    elif name == "CreateNetworkInterface":
        out["networkInterface"] = {"networkInterfaceId": ids[0] if ids else None}
    else:
        out[key] = ids[0] if ids else None
    return out


def _lower_camel(node: Any) -> Any:
    if isinstance(node, dict):
        return {k[:1].lower() + k[1:]: _lower_camel(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_camel(v) for v in node]
    return node


def request_parameters(service: str, name: str, params: dict[str, Any], request: Any) -> dict[str, Any]:
    if service == "ec2" and name in CREATE_CALLS["ec2"]:
        specs = [{"resourceType": spec.get("ResourceType"),
                  "tags": [{k.lower(): v for k, v in t.items()} for t in spec.get("Tags") or []]}
                 for spec in params.get("TagSpecifications") or []]
        return {"tagSpecificationSet": {"items": specs}}
    if service == "ec2":
        tags = [{k.lower(): v for k, v in t.items()} for t in params.get("Tags") or []]
        return {"resourcesSet": {"items": [{"resourceId": r} for r in params.get("Resources") or []]},
                "tagSet": {"items": tags}}
    if service == "s3":
        out: dict[str, Any] = {"bucketName": params.get("Bucket"), "Host": request.host, "tagging": ""}
        if name == "PutBucketTagging":
            out["Tagging"] = {"xmlns": XMLNS, "TagSet": {"Tag": list((params.get("Tagging") or {}).get("TagSet") or [])}}
        return out
    return _lower_camel(params)  # IAM, CloudTrail: the request's members


def cloudtrail_record(service: str, name: str, params: dict[str, Any], request: Any,
                      response_body: str = "") -> dict[str, Any]:
    from .iam import Principal, credential_of, principal_for, user_identity

    scope = credential_of(request) or []
    principal = principal_for(scope[0] if scope else None)
    principal = principal if isinstance(principal, Principal) else None
    account = principal.account if principal else "123456789012"
    region = "us-east-1" if service == "iam" else (scope[2] if len(scope) > 2 else "us-east-1")
    now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    request_id = str(uuid.uuid4())
    return {
        "eventVersion": "1.09",
        "userIdentity": user_identity(principal, scope[0] if scope else None, account),
        "eventTime": now,
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": request.remote_addr,
        "userAgent": request.headers.get("User-Agent", ""),
        "requestParameters": request_parameters(service, name, params, request),
        "responseElements": response_elements(service, name, response_body, request_id),
        "requestID": request_id,
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }


def patch_cloudtrail_tag_events() -> None:
    from flask import current_app
    from flask import request as flask_request
    from moto.core.request import normalize_request
    from moto.core.utils import convert_to_flask_response

    from .faults import operation_of, request_params, service_model_of
    from .services import deliver_as_service

    original = _ORIGINALS.setdefault("flask_view_call_tags", convert_to_flask_response.__call__)

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        service = getattr(current_app, "service", "")
        name = _tag_call(service, flask_request) if service in ("ec2", "iam", "s3", "cloudtrail") else None
        if name is None:
            return original(self, args, **kwargs)
        request = normalize_request(flask_request)
        _, model = service_model_of(service, request)
        operation, uri_params, protocol = operation_of(model, request)
        params = request_params(request, operation, uri_params, protocol)["parsed"]
        response = original(self, args, **kwargs)
        if 200 <= getattr(response, "status_code", 500) < 300 and carries_tags(service, name, params):
            body = response.get_data(as_text=True) if hasattr(response, "get_data") else ""
            record = cloudtrail_record(service, name, params, request, body)
            deliver_as_service({"source": f"aws.{service}", "detail-type": "AWS API Call via CloudTrail",
                                "account": record["recipientAccountId"], "region": record["awsRegion"],
                                "time": record["eventTime"], "detail": record})
        return response

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


CLOUDTRAIL_EXTENSIONS: list[Callable[[], None]] = [
    patch_cloudtrail_sns_topic_arn,
    patch_cloudtrail_delete_trail,
    patch_cloudtrail_create_existing,
    patch_cloudtrail_tag_events,
]
