"""AWS services as event sources, played by the harness.

AWS doc: EventBridge User Guide, "Events from AWS services" (services such as GuardDuty,
Security Hub, Config and CloudTrail deliver their events to the default event bus) and the
EventBridge API Reference, "PutEventsResultEntry" (a caller putting an event whose source
starts with ``aws.`` gets ``NotAuthorizedForSourceException`` for that entry: those sources
are reserved to AWS).

moto 5.2.5 (moto/events/models.py EventsBackend.put_events) accepts any source, and offers
no way to deliver an event the way a service does. Both are restored here:

- ``patch_events_reserved_sources``: PutEvents refuses ``aws.*`` sources per entry;
- ``patch_service_event_endpoint``: ``POST /moto-api/irmoto/service-events`` with
  ``{"events": [<event as EventBridge delivers it>, ...]}`` puts each event on its account's
  and region's default bus as the named service would (id, time and resources kept), so it
  flows through every rule's real pattern to the rule's targets.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import datetime
from collections.abc import Callable
from typing import Any

SERVICE_EVENTS_PATH = "/moto-api/irmoto/service-events"
_ORIGINALS: dict[str, Any] = {}


def patch_events_reserved_sources() -> None:
    from moto.events.models import EventsBackend

    original = _ORIGINALS.setdefault("put_events", EventsBackend.put_events)

    def put_events(self, events):  # type: ignore[no-untyped-def]
        refused = {i for i, e in enumerate(events) if str(e.get("Source", "")).startswith("aws.")}
        allowed = [e for i, e in enumerate(events) if i not in refused]
        results = iter(original(self, allowed) if allowed else [])
        entries = []
        for i in range(len(events)):
            if i in refused:
                entries.append({
                    "ErrorCode": "NotAuthorizedForSourceException",
                    "ErrorMessage": "Not authorized for the source.",
                })
            else:
                entries.append(next(results))
        return entries

    EventsBackend.put_events = put_events  # type: ignore[method-assign]


def deliver_as_service(event: dict[str, Any]) -> str:
    """Routes one event through the rules of its account's and region's default bus."""
    from moto.events.models import events_backends

    for field in ("source", "detail-type", "detail"):
        if field not in event:
            raise ValueError(f"the event has no `{field}`")
    account = event.get("account") or "123456789012"
    region = event.get("region") or "us-east-1"
    message = copy.deepcopy(event)
    message.setdefault("version", "0")
    message.setdefault("id", str(uuid.uuid4()))
    message.setdefault("resources", [])
    # moto keeps `time` as epoch seconds inside (its targets format it back to ISO 8601).
    when = message.get("time")
    if isinstance(when, str) and when:
        message["time"] = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    elif not when:
        message["time"] = time.time()
    message["ingestion-time"] = time.time()
    bus = events_backends[account][region].describe_event_bus("default")
    for rule in list(bus.rules.values()):
        rule.send_to_targets(copy.deepcopy(message))
    return message["id"]


def patch_service_event_endpoint() -> None:
    from moto.moto_api._internal import urls

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        try:
            body = json.loads(request.get_data() or b"{}")
            events = body["events"]
            if not isinstance(events, list):
                raise ValueError("`events` must be a list")
            ids = [deliver_as_service(e) for e in events]
        except (ValueError, KeyError, TypeError) as e:
            return 400, {"Content-Type": "application/json"}, json.dumps({"message": f"bad service event: {e}"})
        return 200, {"Content-Type": "application/json"}, json.dumps({"Entries": [{"EventId": i} for i in ids]})

    urls.url_paths["{0}" + SERVICE_EVENTS_PATH + "$"] = handler


SERVICE_EXTENSIONS: list[Callable[[], None]] = [
    patch_events_reserved_sources,
    patch_service_event_endpoint,
]
