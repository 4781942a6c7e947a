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

The same for Security Hub findings, whose ``ProductArn`` says who produced them:

- ``patch_securityhub_product_arns``: BatchImportFindings refuses a finding whose product is an
  AWS service's (``arn:aws:securityhub:<region>::product/aws/<service>``) or another account's
  default product (``product/<other account>/default``), for every caller;
- ``patch_securityhub_findings_endpoint``: ``POST /moto-api/irmoto/securityhub-findings`` with
  ``{"Findings": [<ASFF finding>, ...]}`` imports them as the AWS service their ProductArn names
  (GuardDuty, Security Hub's own controls...): stored, and sent to EventBridge as any imported
  finding is (irmoto.stacks S2b).
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


# --------------------------------------------------------------------------
# Security Hub: only AWS imports findings as an AWS service
# AWS doc: Security Hub API Reference, "BatchImportFindings" ("must be called by ... the Amazon
# Web Services account that is associated with a finding if you are using the default product
# ARN or are a partner sending findings from within a customer's account ... or an account that
# Security Hub has allow-listed for an official partner integration"); the product
# arn:aws:securityhub:<region>::product/aws/<service> is AWS's own integration (GuardDuty,
# Inspector, Security Hub's controls), whose findings the services import themselves. A
# ProductArn the caller may not import for is the IAM resource of the call, and AWS refuses the
# whole call with AccessDeniedException (HTTP 403) "User: <arn> is not authorized to perform:
# securityhub:BatchImportFindings on resource: <ProductArn>" (as reported with AWS Support's
# confirmation: prowler-cloud/prowler #711 and #867, cloud-custodian #6091 - not per finding in
# FailedFindings, whose ImportFindingsError {Id, ErrorCode, ErrorMessage} reports invalid findings).
# moto 5.2.5 (moto/securityhub/responses.py SecurityHubResponse.batch_import_findings) stores any
# ProductArn, so anyone allowed BatchImportFindings could forge a GuardDuty finding.
# --------------------------------------------------------------------------

SECURITYHUB_FINDINGS_PATH = "/moto-api/irmoto/securityhub-findings"


def aws_service_product(product_arn: str) -> bool:
    parts = str(product_arn).split(":", 5)
    return len(parts) == 6 and parts[5].startswith("product/aws/") and len(parts[5]) > len("product/aws/")


def product_refused(product_arn: str, account: str) -> bool:
    """An AWS service's product, or another account's default product (product/<account>/default)."""
    parts = str(product_arn).split(":", 5)
    if len(parts) < 6 or not parts[5].startswith("product/"):
        return False  # not a product ARN: moto's own validation answers
    company = parts[5].split("/")[1] if parts[5].count("/") >= 1 else ""
    if company == "aws":
        return True
    return company.isdigit() and (company != account or parts[4] not in ("", account))


def patch_securityhub_product_arns() -> None:
    from moto.securityhub.exceptions import SecurityHubClientError
    from moto.securityhub.responses import SecurityHubResponse

    from .iam import caller_arn, current_principal

    original = _ORIGINALS.setdefault("securityhub_batch_import_findings", SecurityHubResponse.batch_import_findings)

    def batch_import_findings(self: Any) -> str:
        raw = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
        for finding in (json.loads(raw or "{}").get("Findings") or []):
            product = finding.get("ProductArn", "") if isinstance(finding, dict) else ""
            if product_refused(product, self.current_account):
                raise SecurityHubClientError(
                    "AccessDeniedException",
                    f"User: {caller_arn(current_principal(), self.current_account)} is not authorized to perform: "
                    f"securityhub:BatchImportFindings on resource: {product}")
        return original(self)

    SecurityHubResponse.batch_import_findings = batch_import_findings  # type: ignore[method-assign]


def import_as_service(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Imports the findings as the AWS service their ProductArn names, in their AwsAccountId and
    Region (defaults 123456789012, the product's region); answers as BatchImportFindings does."""
    from moto.securityhub.models import securityhub_backends

    answer: dict[str, Any] = {"FailedCount": 0, "SuccessCount": 0, "FailedFindings": []}
    for finding in findings:
        if not isinstance(finding, dict) or not aws_service_product(finding.get("ProductArn", "")):
            raise ValueError("each finding's ProductArn must be an AWS service's: "
                             "arn:aws:securityhub:<region>::product/aws/<service>")
        region = finding.get("Region") or finding["ProductArn"].split(":")[3] or "us-east-1"
        backend = securityhub_backends[finding.get("AwsAccountId") or "123456789012"][region]
        failed_count, success_count, failed = backend.batch_import_findings([finding])  # stored, then sent
        answer["FailedCount"] += failed_count
        answer["SuccessCount"] += success_count
        answer["FailedFindings"] += [{"Id": f.get("Id"), "ErrorCode": f.get("ErrorCode"),
                                      "ErrorMessage": f.get("ErrorMessage")} for f in failed]
    return answer


def patch_securityhub_findings_endpoint() -> None:
    from moto.moto_api._internal import urls

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        try:
            findings = json.loads(request.get_data() or b"{}")["Findings"]
            if not isinstance(findings, list):
                raise ValueError("`Findings` must be a list")
            answer = import_as_service(findings)
        except (ValueError, KeyError, TypeError) as e:
            return 400, {"Content-Type": "application/json"}, json.dumps({"message": f"bad findings: {e}"})
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    urls.url_paths["{0}" + SECURITYHUB_FINDINGS_PATH + "$"] = handler


SERVICE_EXTENSIONS: list[Callable[[], None]] = [
    patch_events_reserved_sources,
    patch_service_event_endpoint,
    patch_securityhub_product_arns,
    patch_securityhub_findings_endpoint,
]
