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
"""

from __future__ import annotations

from collections.abc import Callable
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


CLOUDTRAIL_EXTENSIONS: list[Callable[[], None]] = [
    patch_cloudtrail_sns_topic_arn,
    patch_cloudtrail_delete_trail,
    patch_cloudtrail_create_existing,
]
