"""Extensions of moto 5.2.5 needed to deploy the project's generated stacks.

A sibling of ``irmoto.extensions`` (same rules: one function per patch, each names
the AWS documentation page whose behaviour it restores and the moto internals it
replaces; all are listed in ``STACK_EXTENSIONS`` and applied by
``irmoto.extensions.apply_all()``). They are what deploying
``cloudformation/*.json`` through moto's CloudFormation needed: resource types
moto lacks or ignores, properties it drops, and CloudFormation semantics (parameter
constraints, updates driven by parameters) it does not implement.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

LOG = logging.getLogger("irmoto")

# The originals replaced below, by name, so a patch can defer to moto.
_ORIGINALS: dict[str, Any] = {}


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------
# S1. Security Hub custom action targets
# AWS doc: Security Hub API Reference, "CreateActionTarget" (POST /actionTargets; Id up
# to 20 alphanumeric characters, Name up to 20 characters; ARN
# arn:aws:securityhub:<region>:<account>:action/custom/<Id>; ResourceConflictException
# when it exists), "DescribeActionTargets" (POST /actionTargets/get),
# "UpdateActionTarget" (PATCH /actionTargets/{ActionTargetArn+}) and
# "DeleteActionTarget" (DELETE /actionTargets/{ActionTargetArn+});
# ResourceNotFoundException for an unknown ARN; InvalidAccessException while the account
# is not subscribed to Security Hub (EnableSecurityHub first).
# moto 5.2.5 has none of these: moto/securityhub/urls.py routes no /actionTargets path
# (HTTP 404) and SecurityHubBackend has no store for them. Added: the routes, four
# SecurityHubResponse methods and a per-backend dict of targets.
# --------------------------------------------------------------------------

SECURITYHUB_ACTION_TARGET_ROUTES = (
    "{0}/actionTargets$",
    "{0}/actionTargets/get$",
    "{0}/actionTargets/(?P<ActionTargetArn>.+)$",
)


def _securityhub_error(code: str, message: str) -> Exception:
    from moto.securityhub.exceptions import SecurityHubClientError

    return SecurityHubClientError(code, message)


def _require_hub(backend: Any) -> None:
    if not backend.enabled:
        raise _securityhub_error(
            "InvalidAccessException", f"Account {backend.account_id} is not subscribed to AWS Security Hub"
        )


def _action_targets(backend: Any) -> dict[str, dict[str, str]]:
    # Kept on the backend instance, so moto's reset (/moto-api/reset) clears it too.
    return backend.__dict__.setdefault("_irmoto_action_targets", {})


def action_target_arn(account_id: str, region_name: str, target_id: str) -> str:
    from moto.utilities.utils import get_partition

    return f"arn:{get_partition(region_name)}:securityhub:{region_name}:{account_id}:action/custom/{target_id}"


def _check_action_target_fields(name: str | None, description: str | None, target_id: str | None = None) -> None:
    def invalid(message: str) -> Exception:
        return _securityhub_error("InvalidInputException", message)

    if target_id is not None and not re.fullmatch(r"[A-Za-z0-9]{1,20}", target_id):
        raise invalid(f"Invalid parameter 'Id': '{target_id}' must be 1 to 20 alphanumeric characters.")
    if name is not None and not (name.strip() and len(name) <= 20):
        raise invalid(f"Invalid parameter 'Name': '{name}' must be 1 to 20 characters.")
    if description is not None and not description.strip():
        raise invalid("Invalid parameter 'Description': must not be empty.")


def securityhub_create_action_target(backend: Any, name: str, description: str, target_id: str) -> str:
    _require_hub(backend)
    if None in (name, description, target_id):
        raise _securityhub_error("InvalidInputException", "Name, Description and Id are required.")
    _check_action_target_fields(name, description, target_id)
    arn = action_target_arn(backend.account_id, backend.region_name, target_id)
    targets = _action_targets(backend)
    if arn in targets:
        raise _securityhub_error("ResourceConflictException", f"Action target {arn} already exists.")
    targets[arn] = {"ActionTargetArn": arn, "Name": name, "Description": description}
    return arn


def _get_action_target(backend: Any, arn: str) -> dict[str, str]:
    _require_hub(backend)
    target = _action_targets(backend).get(arn)
    if target is None:
        raise _securityhub_error("ResourceNotFoundException", f"Action target {arn} not found.")
    return target


def securityhub_update_action_target(backend: Any, arn: str, name: str | None, description: str | None) -> None:
    target = _get_action_target(backend, arn)
    _check_action_target_fields(name, description)
    if name is not None:
        target["Name"] = name
    if description is not None:
        target["Description"] = description


def securityhub_delete_action_target(backend: Any, arn: str) -> str:
    _get_action_target(backend, arn)
    del _action_targets(backend)[arn]
    return arn


def patch_securityhub_action_targets() -> None:
    """Security Hub CreateActionTarget, DescribeActionTargets, UpdateActionTarget, DeleteActionTarget."""
    from moto.securityhub import urls
    from moto.securityhub.models import securityhub_backends
    from moto.securityhub.responses import SecurityHubResponse

    for path in SECURITYHUB_ACTION_TARGET_ROUTES:  # read when the server builds the service's app
        urls.url_paths.setdefault(path, SecurityHubResponse.dispatch)

    def backend(self: Any) -> Any:
        return securityhub_backends[self.current_account][self.region]

    def params(self: Any) -> dict[str, Any]:
        return json.loads(self.body) if self.body else {}

    def arn_in_path(self: Any) -> str:
        arn = self._get_param("ActionTargetArn") or self.path.split("/actionTargets/", 1)[1]
        return urllib.parse.unquote(arn)

    def create_action_target(self: Any) -> str:
        p = params(self)
        arn = securityhub_create_action_target(backend(self), p.get("Name"), p.get("Description"), p.get("Id"))
        return json.dumps({"ActionTargetArn": arn})

    def describe_action_targets(self: Any) -> str:
        p = params(self)
        hub = backend(self)
        _require_hub(hub)
        targets = _action_targets(hub)
        wanted = p.get("ActionTargetArns")
        if wanted:
            missing = [arn for arn in wanted if arn not in targets]
            if missing:
                raise _securityhub_error("ResourceNotFoundException", f"Action targets {missing} not found.")
            listed = [targets[arn] for arn in wanted]
        else:
            listed = list(targets.values())
        start = int(p.get("NextToken") or 0)
        size = int(p.get("MaxResults") or 100)
        page = listed[start : start + size]
        out: dict[str, Any] = {"ActionTargets": [dict(t) for t in page]}
        if start + size < len(listed):
            out["NextToken"] = str(start + size)
        return json.dumps(out)

    def update_action_target(self: Any) -> str:
        p = params(self)
        securityhub_update_action_target(backend(self), arn_in_path(self), p.get("Name"), p.get("Description"))
        return json.dumps({})

    def delete_action_target(self: Any) -> str:
        return json.dumps({"ActionTargetArn": securityhub_delete_action_target(backend(self), arn_in_path(self))})

    SecurityHubResponse.create_action_target = create_action_target  # type: ignore[attr-defined]
    SecurityHubResponse.describe_action_targets = describe_action_targets  # type: ignore[attr-defined]
    SecurityHubResponse.update_action_target = update_action_target  # type: ignore[attr-defined]
    SecurityHubResponse.delete_action_target = delete_action_target  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# S2. Security Hub BatchUpdateFindings
# AWS doc: Security Hub API Reference, "BatchUpdateFindings" (PATCH /findings/batchupdate;
# FindingIdentifiers [{Id, ProductArn}], at most 100; Note {Text, UpdatedBy} stored as
# Note {Text, UpdatedBy, UpdatedAt}; Workflow {Status: NEW|NOTIFIED|RESOLVED|SUPPRESSED};
# Severity (Label set from Normalized when only Normalized is given), VerificationState,
# Confidence, Criticality, Types, UserDefinedFields, RelatedFindings; "your updates don't
# affect the value for the UpdatedAt field"; response ProcessedFindings and
# UnprocessedFindings [{FindingIdentifier, ErrorCode, ErrorMessage}] with ErrorCode
# FindingNotFound / DuplicatedFindingIdentifier) and "BatchUpdateFindingsUnprocessedFinding".
# moto 5.2.5 has no such operation (HTTP 404). Added on SecurityHubBackend's findings
# (moto/securityhub/models.py Finding.data, which GetFindings returns as is).
# --------------------------------------------------------------------------

WORKFLOW_STATUSES = ("NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED")
VERIFICATION_STATES = ("UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE")
SEVERITY_LABELS = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def severity_label(normalized: int) -> str:
    if normalized == 0:
        return "INFORMATIONAL"
    if normalized < 40:
        return "LOW"
    if normalized < 70:
        return "MEDIUM"
    if normalized < 90:
        return "HIGH"
    return "CRITICAL"


def _check_finding_update(update: dict[str, Any]) -> None:
    def invalid(message: str) -> Exception:
        return _securityhub_error("InvalidInputException", message)

    identifiers = update.get("FindingIdentifiers")
    if not identifiers:
        raise invalid("FindingIdentifiers must contain at least one finding identifier.")
    if len(identifiers) > 100:
        raise invalid("BatchUpdateFindings can update at most 100 findings at a time.")
    note = update.get("Note")
    if note is not None and not (note.get("Text") and note.get("UpdatedBy") and len(note["Text"]) <= 512):
        raise invalid("Note needs Text (1 to 512 characters) and UpdatedBy.")
    status = (update.get("Workflow") or {}).get("Status")
    if status is not None and status not in WORKFLOW_STATUSES:
        raise invalid(f"Workflow.Status must be one of {', '.join(WORKFLOW_STATUSES)}.")
    if update.get("VerificationState") not in (None, *VERIFICATION_STATES):
        raise invalid(f"VerificationState must be one of {', '.join(VERIFICATION_STATES)}.")
    severity = update.get("Severity") or {}
    if severity.get("Label") not in (None, *SEVERITY_LABELS):
        raise invalid(f"Severity.Label must be one of {', '.join(SEVERITY_LABELS)}.")
    for field, value in (
        ("Severity.Normalized", severity.get("Normalized")),
        ("Confidence", update.get("Confidence")),
        ("Criticality", update.get("Criticality")),
    ):
        if value is not None and not 0 <= int(value) <= 100:
            raise invalid(f"{field} must be between 0 and 100.")


def _apply_finding_update(finding: dict[str, Any], update: dict[str, Any]) -> None:
    if "Note" in update:
        finding["Note"] = {
            "Text": update["Note"]["Text"],
            "UpdatedBy": update["Note"]["UpdatedBy"],
            "UpdatedAt": _now_iso(),
        }
    if (update.get("Workflow") or {}).get("Status"):
        finding["Workflow"] = {**(finding.get("Workflow") or {}), "Status": update["Workflow"]["Status"]}
    if update.get("Severity"):
        severity = {**(finding.get("Severity") or {}), **update["Severity"]}
        if "Normalized" in update["Severity"] and "Label" not in update["Severity"]:
            severity["Label"] = severity_label(int(update["Severity"]["Normalized"]))
        finding["Severity"] = severity
    for field in ("VerificationState", "Confidence", "Criticality", "Types", "UserDefinedFields", "RelatedFindings"):
        if field in update:
            finding[field] = copy.deepcopy(update[field])


def securityhub_batch_update_findings(backend: Any, update: dict[str, Any]) -> dict[str, Any]:
    _require_hub(backend)
    _check_finding_update(update)
    processed: list[dict[str, str]] = []
    unprocessed: list[dict[str, Any]] = []
    identifiers = [{"Id": i.get("Id"), "ProductArn": i.get("ProductArn")} for i in update["FindingIdentifiers"]]
    keys = [(i["Id"], i["ProductArn"]) for i in identifiers]
    for identifier, key in zip(identifiers, keys, strict=True):
        if keys.count(key) > 1:
            unprocessed.append(
                {
                    "FindingIdentifier": identifier,
                    "ErrorCode": "DuplicatedFindingIdentifier",
                    "ErrorMessage": "Finding Identifier is duplicated",
                }
            )
            continue
        finding = next(
            (f.data for f in backend.findings if f.id == key[0] and f.data.get("ProductArn") == key[1]), None
        )
        if finding is None:
            unprocessed.append(
                {"FindingIdentifier": identifier, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"}
            )
            continue
        _apply_finding_update(finding, update)
        processed.append(identifier)
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


def patch_securityhub_batch_update_findings() -> None:
    """Security Hub BatchUpdateFindings (Workflow, Note, Severity, ...) reflected by GetFindings."""
    from moto.securityhub import urls
    from moto.securityhub.models import securityhub_backends
    from moto.securityhub.responses import SecurityHubResponse

    urls.url_paths.setdefault("{0}/findings/batchupdate$", SecurityHubResponse.dispatch)

    def batch_update_findings(self: Any) -> str:
        update = json.loads(self.body) if self.body else {}
        backend = securityhub_backends[self.current_account][self.region]
        return json.dumps(securityhub_batch_update_findings(backend, update))

    SecurityHubResponse.batch_update_findings = batch_update_findings  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# S2b. Imported and updated findings reach EventBridge
# AWS doc: Security Hub User Guide, "Types of Security Hub integration with EventBridge"
# ("Security Hub automatically sends all new findings and all updates to existing findings
# to EventBridge as Security Hub Findings - Imported events", including updates made with
# BatchImportFindings and BatchUpdateFindings; detail {"findings": [<ASFF finding>]},
# resources [the finding's ARN]).
# moto 5.2.5 (moto/securityhub/models.py SecurityHubBackend.batch_import_findings) stores the
# finding and sends nothing; it also leaves a new finding without the workflow status and
# record state Security Hub gives it ("Workflow.Status ... NEW" and RecordState ACTIVE, ASFF
# syntax reference), which every rule on new findings matches. Added: those defaults, and one
# event per stored or updated finding, through the
# default bus's rules (irmoto.services.deliver_as_service), so a playbook that updates its
# own finding is tested against starting itself again.
# --------------------------------------------------------------------------


def findings_imported_event(backend: Any, finding: dict[str, Any]) -> dict[str, Any]:
    arn = (finding.get("ProductFields") or {}).get("aws/securityhub/FindingId", finding["Id"])
    return {
        "source": "aws.securityhub",
        "detail-type": "Security Hub Findings - Imported",
        "account": backend.account_id,
        "region": backend.region_name,
        "resources": [arn],
        "detail": {"findings": [copy.deepcopy(finding)]},
    }


def _deliver_findings(backend: Any, keys: list[tuple[str, str | None]]) -> None:
    from .services import deliver_as_service

    for finding_id, product in keys:
        for f in backend.findings:
            if f.id == finding_id and (product is None or f.data.get("ProductArn") == product):
                deliver_as_service(findings_imported_event(backend, f.data))


def patch_securityhub_findings_imported_events() -> None:
    """BatchImportFindings and BatchUpdateFindings send "Security Hub Findings - Imported"."""
    from moto.securityhub.models import SecurityHubBackend
    from moto.securityhub.responses import SecurityHubResponse

    original_import = _ORIGINALS.setdefault("batch_import_findings", SecurityHubBackend.batch_import_findings)

    def batch_import_findings(self, findings):  # type: ignore[no-untyped-def]
        known = {f.id for f in self.findings}
        for f in findings:
            if isinstance(f, dict) and f.get("Id") not in known:
                f.setdefault("Workflow", {"Status": "NEW"})
                f.setdefault("RecordState", "ACTIVE")
        failed_count, success_count, failed = original_import(self, findings)
        refused = {f.get("Id") for f in failed}
        _deliver_findings(self, [(f["Id"], f.get("ProductArn")) for f in findings if f.get("Id") not in refused])
        return failed_count, success_count, failed

    original_update = _ORIGINALS.setdefault("batch_update_findings", SecurityHubResponse.batch_update_findings)  # type: ignore[attr-defined]

    def batch_update_findings(self):  # type: ignore[no-untyped-def]
        from moto.securityhub.models import securityhub_backends

        body = original_update(self)
        backend = securityhub_backends[self.current_account][self.region]
        processed = json.loads(body)["ProcessedFindings"]
        _deliver_findings(backend, [(i["Id"], i["ProductArn"]) for i in processed])
        return body

    SecurityHubBackend.batch_import_findings = batch_import_findings  # type: ignore[method-assign]
    SecurityHubResponse.batch_update_findings = batch_update_findings  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# S3. CloudFormation resource types the generated stacks use and moto 5.2.5 lacks
# AWS doc: CloudFormation Template Reference, "AWS::SecurityHub::ActionTarget" (Id,
# Name, Description; Id "Update requires: Replacement", the others no interruption;
# Ref and Fn::GetAtt ActionTargetArn return the ARN), "AWS::SNS::TopicPolicy" (Topics,
# PolicyDocument; the policy is the topic's Policy attribute) and "AWS::SQS::QueuePolicy"
# (Queues = queue URLs, PolicyDocument; the queue's Policy attribute), and
# "AWS::Events::EventBusPolicy" (EventBusName, default the default bus; StatementId; Statement;
# each resource is one statement of the bus's policy. The older Action/Principal form is not
# supported here: the generated templates use Statement).
# moto 5.2.5 (moto/cloudformation/parsing.py resource_class_from_type) answers
# "No Moto CloudFormation support" and reports CREATE_COMPLETE with nothing behind
# (ActionTarget's GetAtt in Outputs even fails the whole CreateStack with HTTP 500).
# Same mechanism as irmoto.extensions.patch_cfn_missing_types.
# --------------------------------------------------------------------------


def _stack_model_classes() -> list[type]:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.core.common_models import CloudFormationModel

    class SecurityHubActionTarget(CloudFormationModel):
        def __init__(self, arn: str, account_id: str, region_name: str):
            self.arn, self.account_id, self.region_name = arn, account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecurityHub::ActionTarget"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "ActionTargetArn"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "ActionTargetArn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @staticmethod
        def _backend(account_id: str, region_name: str) -> Any:
            from moto.securityhub.models import securityhub_backends

            return securityhub_backends[account_id][region_name]

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            arn = securityhub_create_action_target(
                cls._backend(account_id, region_name), props.get("Name"), props.get("Description"), props.get("Id")
            )
            return cls(arn, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            if action_target_arn(account_id, region_name, props.get("Id")) != original_resource.arn:
                new = cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
                original_resource.delete(account_id, region_name)
                return new
            securityhub_update_action_target(
                cls._backend(account_id, region_name),
                original_resource.arn,
                props.get("Name"),
                props.get("Description"),
            )
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            _action_targets(self._backend(self.account_id, self.region_name)).pop(self.arn, None)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def,override]
            _action_targets(cls._backend(account_id, region_name)).pop(resource_name, None)

    class ResourcePolicy:
        """A policy set on each resource of a list (SNS topics, SQS queues); the physical
        id is generated, as CloudFormation does for these types. A mixin: models are the
        direct subclasses of CloudFormationModel."""

        LIST_PROPERTY = ""

        def __init__(self, physical_id: str, targets: list[str], account_id: str, region_name: str):
            self.physical_id, self.targets = physical_id, targets
            self.account_id, self.region_name = account_id, region_name

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        @property
        def physical_resource_id(self) -> str:
            return self.physical_id

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Id":
                return self.physical_id
            raise UnformattedGetAttTemplateException()

        @classmethod
        def _set(cls, account_id: str, region_name: str, target: str, policy: str | None) -> None:
            raise NotImplementedError

        @classmethod
        def _apply(cls, props: dict[str, Any], account_id: str, region_name: str) -> list[str]:
            document = props["PolicyDocument"]
            policy = document if isinstance(document, str) else json.dumps(document)
            targets = list(props[cls.LIST_PROPERTY])
            for target in targets:
                cls._set(account_id, region_name, target, policy)
            return targets

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            targets = cls._apply(cloudformation_json["Properties"], account_id, region_name)
            return cls(resource_name, targets, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            targets = cls._apply(cloudformation_json["Properties"], account_id, region_name)
            for dropped in set(original_resource.targets) - set(targets):
                cls._set(account_id, region_name, dropped, None)
            original_resource.targets = targets
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            for target in self.targets:
                try:
                    self._set(self.account_id, self.region_name, target, None)
                except Exception:  # the topic or queue went first: nothing left to clear
                    pass

    class SNSTopicPolicy(ResourcePolicy, CloudFormationModel):
        LIST_PROPERTY = "Topics"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::TopicPolicy"

        @classmethod
        def _set(cls, account_id: str, region_name: str, target: str, policy: str | None) -> None:
            from moto.sns.models import sns_backends

            topic = sns_backends[account_id][target.split(":")[3]].get_topic(target)
            if policy is None:  # back to the topic's default policy, as when the policy resource goes
                topic._policy_json = topic._create_default_topic_policy(topic.region, topic.account_id, topic.name)
            else:
                topic.policy = policy

    class SQSQueuePolicy(ResourcePolicy, CloudFormationModel):
        LIST_PROPERTY = "Queues"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SQS::QueuePolicy"

        @classmethod
        def _set(cls, account_id: str, region_name: str, target: str, policy: str | None) -> None:
            from moto.sqs.models import sqs_backends

            queue_name = target.rstrip("/").split("/")[-1]
            sqs_backends[account_id][region_name].set_queue_attributes(queue_name, {"Policy": policy or ""})

    class EventBusPolicy(CloudFormationModel):
        """One statement of a bus's policy, under its StatementId (the bus keeps the others)."""

        def __init__(self, bus: str, sid: str, account_id: str, region_name: str):
            self.bus, self.sid, self.account_id, self.region_name = bus, sid, account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Events::EventBusPolicy"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @property
        def physical_resource_id(self) -> str:
            return self.sid

        @staticmethod
        def _bus(account_id: str, region_name: str, name: str) -> Any:
            from moto.events.models import events_backends

            return events_backends[account_id][region_name].describe_event_bus(name.rsplit("/", 1)[-1])

        @classmethod
        def _put(cls, props: dict[str, Any], account_id: str, region_name: str) -> tuple[str, str]:
            from moto.events.models import EventBusPolicyStatement

            name, sid = props.get("EventBusName") or "default", props["StatementId"]
            statement = props.get("Statement")
            if isinstance(statement, str):
                statement = json.loads(statement)
            if statement is None:
                raise ValueError("irmoto: AWS::Events::EventBusPolicy takes Statement here (not the older Action/Principal)")
            bus = cls._bus(account_id, region_name, name)
            bus._statements[sid] = EventBusPolicyStatement.from_dict({**statement, "Sid": sid})
            return name, sid

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            name, sid = cls._put(cloudformation_json["Properties"], account_id, region_name)
            return cls(name, sid, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        def delete(self, account_id: str, region_name: str) -> None:
            try:
                self._bus(self.account_id, self.region_name, self.bus)._statements.pop(self.sid, None)
            except Exception:  # the bus went first: nothing left to clear
                pass

    return [SecurityHubActionTarget, SNSTopicPolicy, SQSQueuePolicy, EventBusPolicy]


def patch_cfn_stack_types() -> None:
    """Register AWS::SecurityHub::ActionTarget, AWS::SNS::TopicPolicy, AWS::SQS::QueuePolicy,
    AWS::Events::EventBusPolicy."""
    from moto.cloudformation import parsing

    if not STACK_MODELS:
        STACK_MODELS.extend(_stack_model_classes())
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    missing = {m.cloudformation_type() for m in STACK_MODELS} - set(parsing.get_model_map())
    if missing:
        raise RuntimeError(f"irmoto: CloudFormation models not registered: {sorted(missing)}")


STACK_MODELS: list[type] = []


# --------------------------------------------------------------------------
# S4. CloudFormation AWS::KMS::Key
# AWS doc: CloudFormation Template Reference, "AWS::KMS::Key" (Tags [{Key, Value}];
# KeyPolicy a JSON object; KeyUsage, KeySpec, MultiRegion, EnableKeyRotation, Enabled,
# Description; Description, KeyPolicy, EnableKeyRotation, Enabled, Tags update with no
# interruption; on removal from a stack the key is scheduled for deletion after
# PendingWindowInDays, 7-30, default 30) and KMS API Reference "ListResourceTags",
# "GetKeyPolicy".
# moto 5.2.5 (moto/kms/models.py Key.create_from_cloudformation_json) hands the CFN tags
# ({Key, Value}) to a tagger that expects {TagKey, TagValue} (CreateStack fails with
# HTTP 500), stores KeyPolicy as a dict (GetKeyPolicy then answers an object, not a
# policy string), ignores KeyUsage/KeySpec/MultiRegion, has no update (a changed key
# becomes None in the stack's resource map) and deletes the key at once.
# --------------------------------------------------------------------------


def _kms_tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props.get("Tags") or []]


def _kms_policy(props: dict[str, Any]) -> str | None:
    policy = props.get("KeyPolicy")
    return policy if policy is None or isinstance(policy, str) else json.dumps(policy)


def patch_cfn_kms_key() -> None:
    """AWS::KMS::Key: tags kept, KeyPolicy as a JSON string, KeyUsage/KeySpec, update, scheduled deletion."""
    from moto.kms.models import Key, kms_backends

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        key = kms_backends[account_id][region_name].create_key(
            policy=_kms_policy(props),
            key_usage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            key_spec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=props.get("Description"),
            tags=_kms_tags(props),
            multi_region=bool(props.get("MultiRegion", False)),
        )
        key.key_rotation_status = bool(props.get("EnableKeyRotation", False))
        key.enabled = bool(props.get("Enabled", True))
        key.key_state = "Enabled" if key.enabled else "Disabled"
        key.__dict__["_irmoto_pending_window"] = int(props.get("PendingWindowInDays", 30))
        return key

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        key = original_resource
        replacing = (
            props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            bool(props.get("MultiRegion", False)),
        )
        if replacing != (key.key_usage, key.key_spec, key.multi_region):  # "Update requires: Replacement"
            new = create_from_cloudformation_json(cls, new_resource_name, cloudformation_json, account_id, region_name)
            key.delete(account_id, region_name)
            return new
        backend = kms_backends[account_id][region_name]
        key.description = props.get("Description") or ""
        key.policy = _kms_policy(props) or key.generate_default_policy()
        key.key_rotation_status = bool(props.get("EnableKeyRotation", False))
        key.enabled = bool(props.get("Enabled", True))
        key.key_state = "Enabled" if key.enabled else "Disabled"
        key.__dict__["_irmoto_pending_window"] = int(props.get("PendingWindowInDays", 30))
        current = {t["TagKey"] for t in backend.tagger.list_tags_for_resource(key.id)["Tags"]}
        wanted = _kms_tags(props)
        backend.tagger.untag_resource_using_names(key.id, list(current - {t["TagKey"] for t in wanted}))
        backend.tagger.tag_resource(key.id, wanted)
        return key

    def delete(self, account_id, region_name):  # type: ignore[no-untyped-def]
        backend = kms_backends[account_id][region_name]
        if self.id in backend.keys and self.key_state != "PendingDeletion":
            backend.schedule_key_deletion(self.id, self.__dict__.get("_irmoto_pending_window", 30))

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Key.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Key.delete = delete  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S5. Resources whose Condition is false are not stack resources
# AWS doc: CloudFormation User Guide, "Conditions syntax" ("CloudFormation creates
# entities that are associated with a true condition and ignores entities that are
# associated with a false condition") and API Reference "DescribeStackResources" /
# "ListStackResources" (the stack's resources).
# moto 5.2.5 (moto/cloudformation/models.py Stack.stack_resources = resource_map.values())
# yields None for such a resource, and DescribeStackResources answers an entry with no
# LogicalResourceId, ResourceType or status.
# --------------------------------------------------------------------------


def patch_cfn_conditional_resources() -> None:
    """DescribeStackResources/ListStackResources leave out resources whose Condition is false."""
    from moto.cloudformation.models import Stack

    _ORIGINALS.setdefault("stack_resources", Stack.__dict__["stack_resources"])
    Stack.stack_resources = property(  # type: ignore[method-assign,assignment]
        lambda self: [r for r in self.resource_map.values() if r is not None]
    )


# --------------------------------------------------------------------------
# S6. Step Functions intrinsic functions read from the definition's JSON strings
# AWS doc: Step Functions Developer Guide, "Intrinsic functions for JSONPath" (string
# literals in single quotes; "the following characters are reserved ... and must be
# escaped with a backslash: ' { } \"): the intrinsic is the *value* of the JSON string,
# so "States.Format('Run: irctl reject {} --reason \\'...\\'\n', $.id)" in a definition
# (JSON \\ = one backslash, JSON \n = a line break) formats "Run: irctl reject c-1
# --reason '...'" and a line break; a line break inside a literal is accepted
# (aws/aws-toolkit-vscode#3068: such a definition deploys).
# moto 5.2.5 hands the raw JSON token text to its intrinsic parser
# (moto/stepfunctions/parser/asl/parse/preprocessor.py Preprocessor.
# visitString_intrinsic_function, and static_analyser/variable_references_static_analyser.py
# the same): JSON escapes are never decoded, so \\' ends the literal early and the state
# gets a truncated string ("Run: irctl reject c-1 --reason \"). Its intrinsic lexer
# (ASLIntrinsicLexer) rejects a raw line break in a literal, and its
# Preprocessor._text_of_str keeps \' \{ \} \\ escaped in the value. Here the token is
# JSON-decoded, line breaks/tabs inside literals are handed to the lexer as \n/\t/\r
# (which _text_of_str already turns back into the characters), and the reserved
# escapes are decoded in literal values.
# --------------------------------------------------------------------------

_LITERAL_CONTROLS = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_RESERVED_ESCAPES = {"'": "'", "{": "{", "}": "}", "\\": "\\"}


def escape_intrinsic_literals(src: str) -> str:
    """Line breaks, tabs and carriage returns inside '...' literals, escaped for moto's lexer."""
    out: list[str] = []
    in_literal = escaped = False
    for char in src:
        if in_literal and not escaped and char in _LITERAL_CONTROLS:
            out.append(_LITERAL_CONTROLS[char])
            continue
        out.append(char)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = in_literal
        elif char == "'":
            in_literal = not in_literal
    return "".join(out)


def _json_string_value(token_text: str) -> str:
    try:
        value = json.loads(token_text)
    except ValueError:
        return token_text[1:-1]
    return value if isinstance(value, str) else token_text[1:-1]


def patch_sfn_intrinsic_string_literals() -> None:
    """Intrinsic functions are parsed from the JSON string's value: \\' and line breaks work as on AWS."""
    from moto.stepfunctions.parser.asl.component.common.string.string_expression import StringIntrinsicFunction
    from moto.stepfunctions.parser.asl.parse.intrinsic.intrinsic_parser import IntrinsicParser
    from moto.stepfunctions.parser.asl.parse.intrinsic.preprocessor import Preprocessor as IntrinsicPreprocessor
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
    from moto.stepfunctions.parser.asl.static_analyser.intrinsic.variable_names_intrinsic_static_analyser import (
        VariableNamesIntrinsicStaticAnalyser,
    )
    from moto.stepfunctions.parser.asl.static_analyser.variable_references_static_analyser import (
        VariableReferencesStaticAnalyser,
    )

    original_parse = _ORIGINALS.setdefault("intrinsic_parse", IntrinsicParser.__dict__["parse"].__func__)

    def parse(src):  # type: ignore[no-untyped-def]
        return original_parse(escape_intrinsic_literals(src))

    original_replace = _ORIGINALS.setdefault(
        "intrinsic_replace_escaped", IntrinsicPreprocessor.__dict__["_replace_escaped_characters"].__func__
    )

    def _replace_escaped_characters(match):  # type: ignore[no-untyped-def]
        if match.group(1) in _RESERVED_ESCAPES:
            return _RESERVED_ESCAPES[match.group(1)]
        return original_replace(match)

    def visitString_intrinsic_function(self, ctx):  # type: ignore[no-untyped-def]  # noqa: N802
        derivation = _json_string_value(ctx.STRINGINTRINSICFUNC().getText())
        function, _ = IntrinsicParser.parse(derivation)
        return StringIntrinsicFunction(intrinsic_function_derivation=derivation, function=function)

    def analyser_visitString_intrinsic_function(self, ctx):  # type: ignore[no-untyped-def]  # noqa: N802
        for variable_name in VariableNamesIntrinsicStaticAnalyser.process_and_get(_json_string_value(ctx.getText())):
            self._put_variable_name(variable_name)

    IntrinsicParser.parse = staticmethod(parse)  # type: ignore[method-assign]
    IntrinsicPreprocessor._replace_escaped_characters = staticmethod(_replace_escaped_characters)  # type: ignore[method-assign]
    Preprocessor.visitString_intrinsic_function = visitString_intrinsic_function  # type: ignore[method-assign]
    VariableReferencesStaticAnalyser.visitString_intrinsic_function = analyser_visitString_intrinsic_function  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S7. Template parameter constraints
# AWS doc: CloudFormation User Guide, "CloudFormation template Parameters syntax"
# (AllowedValues, AllowedPattern, MinLength, MaxLength, MinValue, MaxValue,
# ConstraintDescription; Number parameters must be numbers) - CreateStack and
# UpdateStack refuse a value outside them with ValidationError, before anything is
# created, e.g. "Parameter 'DryRun' must be one of AllowedValues"; a parameter the
# template does not declare is refused too ("Parameters: [X] do not exist in the
# template").
# moto 5.2.5 (moto/cloudformation/parsing.py ResourceMap.load_parameters) checks none of
# them (a non-numeric Number even fails CreateStack with HTTP 500).
# --------------------------------------------------------------------------


def _parameter_error(name: str, declared: dict[str, Any], default_message: str) -> Exception:
    from moto.cloudformation.exceptions import ValidationError

    if declared.get("ConstraintDescription"):
        return ValidationError(
            message=f"Parameter '{name}' failed to satisfy constraint: {declared['ConstraintDescription']}"
        )
    return ValidationError(message=f"Parameter '{name}' {default_message}")


def _as_number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check_parameter(name: str, declared: dict[str, Any], value: Any) -> None:
    """Raise ValidationError as CloudFormation does when `value` breaks a constraint of `declared`."""
    kind = declared.get("Type", "String")
    values = value if isinstance(value, list) else [value]
    for item in values:
        if kind == "Number" or kind == "List<Number>":
            number = _as_number(item)
            if number is None:
                raise _parameter_error(name, {}, "must be a number")
            if "MinValue" in declared and number < float(declared["MinValue"]):
                raise _parameter_error(name, declared, f"must be a number not less than {declared['MinValue']}")
            if "MaxValue" in declared and number > float(declared["MaxValue"]):
                raise _parameter_error(name, declared, f"must be a number not greater than {declared['MaxValue']}")
            allowed = [_as_number(a) for a in declared.get("AllowedValues", [])]
            if allowed and number not in allowed:
                raise _parameter_error(name, declared, "must be one of AllowedValues")
            continue
        text = str(item)
        if "AllowedValues" in declared and text not in [str(a) for a in declared["AllowedValues"]]:
            raise _parameter_error(name, declared, "must be one of AllowedValues")
        if "AllowedPattern" in declared and not re.fullmatch(declared["AllowedPattern"], text):
            raise _parameter_error(name, declared, f"must match pattern {declared['AllowedPattern']}")
        if "MinLength" in declared and len(text) < int(declared["MinLength"]):
            raise _parameter_error(name, declared, f"must contain at least {declared['MinLength']} characters")
        if "MaxLength" in declared and len(text) > int(declared["MaxLength"]):
            raise _parameter_error(name, declared, f"must contain at most {declared['MaxLength']} characters")


def patch_cfn_parameter_constraints() -> None:
    """CreateStack/UpdateStack enforce AllowedValues, AllowedPattern, Min/MaxLength, Min/MaxValue."""
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.parsing import ResourceMap

    original_load_parameters = _ORIGINALS.setdefault("load_parameters", ResourceMap.load_parameters)

    def load_parameters(self):  # type: ignore[no-untyped-def]
        declared = self._template.get("Parameters") or {}
        unknown = sorted(set(self.input_parameters) - set(declared))
        if unknown:
            raise ValidationError(message=f"Parameters: [{', '.join(unknown)}] do not exist in the template")
        for name, value in self.input_parameters.items():
            if declared[name].get("Type", "String") in ("Number", "List<Number>"):
                for item in str(value).split(",") if declared[name]["Type"] == "List<Number>" else [value]:
                    if _as_number(item) is None:
                        raise _parameter_error(name, {}, "must be a number")
        original_load_parameters(self)
        for name, spec in declared.items():
            if not str(spec.get("Type", "")).startswith("AWS::SSM::"):
                check_parameter(name, spec, self.resolved_parameters.get(name))

    ResourceMap.load_parameters = load_parameters  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S8. UpdateStack updates what changed, in dependency order
# AWS doc: CloudFormation User Guide, "Update behaviors of stack resources" and "Update
# your stack template" (CloudFormation compares the resolved properties: a changed
# parameter, wherever it is used - Ref, Fn::Sub, Fn::If, Conditions - updates the
# resources it reaches, and a resource whose replacement changes its Ref/GetAtt
# values updates the resources that use them; a resource whose Condition turns false is
# deleted and one whose Condition turns true is created; a resource removed with
# DeletionPolicy Retain is kept) and API Reference "UpdateStack" (ValidationError "No
# updates are to be performed." when nothing changed).
# moto 5.2.5 (moto/cloudformation/parsing.py ResourceMap.update / build_resource_diff)
# compares raw template JSON and only notices a changed parameter behind a literal
# {"Ref": ...}: a new ArtifactPrefix used in Fn::Sub "${ArtifactPrefix}/task.zip" leaves
# the Lambda code where it was. It also deletes removed Retain resources, ignores
# conditions that flip, updates in template order, and turns a resource whose type has
# no update into None. Replaced here by a comparison of resolved properties; the
# resolved properties of each resource are remembered when it is created or updated
# (parse_and_create_resource wrapped).
# --------------------------------------------------------------------------


def template_references(node: Any) -> set[str]:
    """Logical ids and parameters a template fragment refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("Ref"), str):
            found.add(node["Ref"])
        if "Fn::GetAtt" in node:
            target = node["Fn::GetAtt"]
            found.add(target[0] if isinstance(target, list) else str(target).split(".")[0])
        if "Fn::Sub" in node:
            sub = node["Fn::Sub"]
            text, local = (sub, {}) if isinstance(sub, str) else (sub[0], sub[1] if len(sub) > 1 else {})
            for name in re.findall(r"\$\{([^!}][^}]*)\}", text if isinstance(text, str) else ""):
                if name not in local:
                    found.add(name.split(".")[0])
        for value in node.values():
            found |= template_references(value)
    elif isinstance(node, list):
        for value in node:
            found |= template_references(value)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids, each after every resource it refers to or DependsOn."""
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str, path: set[str]) -> None:
        if name in done or name in path:  # a cycle is CloudFormation's to refuse, not ours
            return
        path.add(name)
        resource = resources[name]
        depends = resource.get("DependsOn") or []
        deps = template_references(resource.get("Properties")) | set([depends] if isinstance(depends, str) else depends)
        for dep in sorted(deps & resources.keys()):
            visit(dep, path)
        done.add(name)
        order.append(name)

    for name in resources:
        visit(name, set())
    return order


def _resolved_properties(resources_map: Any, resource_json: dict[str, Any]) -> Any:
    from moto.cloudformation import parsing

    parsed = parsing.parse_resource(copy.deepcopy(resource_json), resources_map)  # module global: SFN patch included
    if parsed:
        return parsed[1].get("Properties")
    return parsing.clean_json(copy.deepcopy(resource_json.get("Properties") or {}), resources_map)


def _remembered(resources_map: Any) -> dict[str, Any]:
    return resources_map.__dict__.setdefault("_irmoto_resolved", {})


def patch_cfn_update_by_resolved_properties() -> None:
    """UpdateStack: resolved-property diff in dependency order, conditions, Retain, "No updates"."""
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack

    original_create = _ORIGINALS.setdefault("parse_and_create_resource", parsing.parse_and_create_resource)

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):  # type: ignore[no-untyped-def]
        resource = original_create(logical_id, resource_json, resources_map, account_id, region_name)
        if resource is not None:
            _remembered(resources_map)[logical_id] = _resolved_properties(resources_map, resource_json)
        return resource

    parsing.parse_and_create_resource = parse_and_create_resource

    def active(resources_map: Any, resource_json: dict[str, Any]) -> bool:
        condition = resource_json.get("Condition")
        return not condition or bool(resources_map.lazy_condition_map[condition])

    def delete_one(resources_map: Any, name: str, resource_json: dict[str, Any], policy_key: str) -> None:
        resource = resources_map._parsed_resources.pop(name, None)
        _remembered(resources_map).pop(name, None)
        if resource is not None and not isinstance(resource, str) and resource_json.get(policy_key) != "Retain":
            resources_map._delete_resource(resource, resource_json)

    def update(self, template, parameters=None):  # type: ignore[no-untyped-def]
        old_template, old_parameters = self._template, dict(self.resolved_parameters)
        old, new = self._resource_json_map, template["Resources"]
        # Parameters and conditions of the new template first: a refused value changes nothing.
        saved = (self.input_parameters, self.lazy_condition_map, dict(self._parsed_resources))
        self._template = template
        if parameters:
            self.input_parameters = parameters
        try:
            self.load_mapping()
            self.load_parameters()
            self.load_conditions()
        except Exception:
            self._template, self.resolved_parameters = old_template, old_parameters
            self.input_parameters, self.lazy_condition_map = saved[0], saved[1]
            self._parsed_resources.clear()
            self._parsed_resources.update(saved[2])
            raise
        tags_changed = self.__dict__.pop("_irmoto_tags_changed", False)
        if template == old_template and self.resolved_parameters == old_parameters and not tags_changed:
            raise ValidationError(message="No updates are to be performed.")

        # Removed, retyped, or Condition now false: delete, dependents first.
        gone = [
            name
            for name in reversed(dependency_order(old))
            if name not in new or new[name]["Type"] != old[name]["Type"] or not active(self, new[name])
        ]
        for name in gone:
            replaced = name in new and new[name]["Type"] != old[name]["Type"]
            delete_one(self, name, old[name], "UpdateReplacePolicy" if replaced else "DeletionPolicy")
        self._resource_json_map = new

        remembered = _remembered(self)
        for name in dependency_order(new):
            if not active(self, new[name]):
                continue
            if name not in self._parsed_resources:
                _ = self[name]  # added, or its Condition turned true: created (and remembered)
                continue
            resolved = _resolved_properties(self, new[name])
            if resolved == remembered.get(name):
                continue
            updated = parsing.parse_and_update_resource(
                name, new[name], self, account_id=self._account_id, region_name=self._region_name
            )
            if updated is None:  # the type has no update in moto: replace it
                delete_one(self, name, new[name], "UpdateReplacePolicy")
                updated = self[name]
            else:
                self._parsed_resources[name] = updated
            remembered[name] = _resolved_properties(self, new[name])

    parsing.ResourceMap.update = update  # type: ignore[method-assign]

    original_stack_update = _ORIGINALS.setdefault("stack_update", Stack.update)

    def stack_update(self, template, role_arn=None, parameters=None, tags=None):  # type: ignore[no-untyped-def]
        if self.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED", "DELETE_FAILED"):
            # A stack whose creation rolled back can only be deleted (S13 produces such stacks).
            raise ValidationError(message=f"Stack:{self.stack_id} is in {self.status} state and can not be updated.")
        self.resource_map.__dict__["_irmoto_tags_changed"] = tags is not None and tags != self.tags
        saved = (self.template, self.template_dict, len(self.events))
        try:
            return original_stack_update(self, template, role_arn, parameters, tags)
        except Exception:
            # A refused update (ValidationError) leaves the stack as it was: template and events.
            self.template, self.template_dict = saved[0], saved[1]
            del self.events[saved[2] :]
            raise

    Stack.update = stack_update  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S9. CloudFormation AWS::Lambda::Function properties, and Lambda LoggingConfig
# AWS doc: CloudFormation Template Reference, "AWS::Lambda::Function" (KmsKeyArn,
# TracingConfig, LoggingConfig, Tags, Architectures, EphemeralStorage, Layers,
# DeadLetterConfig, ReservedConcurrentExecutions; only FunctionName and PackageType
# replace) and Lambda API Reference "CreateFunction" / "UpdateFunctionConfiguration" /
# "GetFunctionConfiguration" (LoggingConfig {LogFormat Text|JSON, ApplicationLogLevel,
# SystemLogLevel, LogGroup}, default {LogFormat: Text, LogGroup: /aws/lambda/<name>};
# TracingConfig; KMSKeyArn).
# moto 5.2.5 (moto/awslambda/models.py LambdaFunction.create_from_cloudformation_json)
# passes only Description, MemorySize, Publish, Timeout, VpcConfig, Environment and
# ReservedConcurrentExecutions: KmsKeyArn, TracingConfig, LoggingConfig, Tags,
# Architectures... are dropped. Its CFN update ignores those too and never changes the
# reserved concurrency; its update_configuration ignores TracingConfig and KMSKeyArn;
# LoggingConfig exists nowhere (LambdaFunction.get_configuration).
# --------------------------------------------------------------------------

LAMBDA_CFN_TO_API = {
    "Description": "Description",
    "MemorySize": "MemorySize",
    "Timeout": "Timeout",
    "VpcConfig": "VpcConfig",
    "Environment": "Environment",
    "ReservedConcurrentExecutions": "ReservedConcurrentExecutions",
    "KmsKeyArn": "KMSKeyArn",
    "TracingConfig": "TracingConfig",
    "LoggingConfig": "LoggingConfig",
    "Architectures": "Architectures",
    "EphemeralStorage": "EphemeralStorage",
    "Layers": "Layers",
    "DeadLetterConfig": "DeadLetterConfig",
    "PackageType": "PackageType",
    "ImageConfig": "ImageConfig",
}


def lambda_logging_config(config: dict[str, Any] | None, function_name: str) -> dict[str, Any]:
    out = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}", **(config or {})}
    if out["LogFormat"] == "JSON":
        out.setdefault("ApplicationLogLevel", "INFO")
        out.setdefault("SystemLogLevel", "INFO")
    return out


def patch_cfn_lambda_function() -> None:
    """AWS::Lambda::Function keeps KmsKeyArn, TracingConfig, LoggingConfig, Tags...; LoggingConfig in the API."""
    from moto.awslambda.models import LambdaFunction
    from moto.awslambda.utils import get_backend

    original_init = _ORIGINALS.setdefault("lambda_init", LambdaFunction.__init__)

    def __init__(self, account_id, spec, region, version=1):  # type: ignore[no-untyped-def]
        original_init(self, account_id, spec, region, version)
        self.__dict__["_irmoto_logging_config"] = lambda_logging_config(spec.get("LoggingConfig"), self.function_name)
        self.__dict__["_irmoto_dead_letter_config"] = spec.get("DeadLetterConfig")

    original_get_configuration = _ORIGINALS.setdefault("lambda_get_configuration", LambdaFunction.get_configuration)

    def get_configuration(self, on_create=False):  # type: ignore[no-untyped-def]
        config = original_get_configuration(self, on_create)
        config["LoggingConfig"] = self.__dict__.get("_irmoto_logging_config") or lambda_logging_config(
            None, self.function_name
        )
        if self.__dict__.get("_irmoto_dead_letter_config"):
            config["DeadLetterConfig"] = self.__dict__["_irmoto_dead_letter_config"]
        if not config.get("KMSKeyArn"):
            config.pop("KMSKeyArn", None)
        return config

    original_update_configuration = _ORIGINALS.setdefault(
        "lambda_update_configuration", LambdaFunction.update_configuration
    )

    def update_configuration(self, config_updates):  # type: ignore[no-untyped-def]
        if "TracingConfig" in config_updates:
            self.tracing_config = config_updates["TracingConfig"] or {"Mode": "PassThrough"}
        if "KMSKeyArn" in config_updates:
            self.kms_key_arn = config_updates["KMSKeyArn"] or None
        if "LoggingConfig" in config_updates:
            self.__dict__["_irmoto_logging_config"] = lambda_logging_config(
                config_updates["LoggingConfig"], self.function_name
            )
        if "DeadLetterConfig" in config_updates:
            self.__dict__["_irmoto_dead_letter_config"] = config_updates["DeadLetterConfig"] or None
        if "EphemeralStorage" in config_updates:
            self.ephemeral_storage = (config_updates["EphemeralStorage"] or {}).get("Size", 512)
        return original_update_configuration(self, config_updates)

    def spec_from_cfn(resource_name: str, props: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "Code": dict(props["Code"]),
            "FunctionName": resource_name,
            "Handler": props.get("Handler"),
            "Role": props["Role"],
            "Runtime": props.get("Runtime"),
        }
        for cfn_name, api_name in LAMBDA_CFN_TO_API.items():
            if cfn_name in props:
                spec[api_name] = props[cfn_name]
        if "Tags" in props:
            spec["Tags"] = {t["Key"]: t["Value"] for t in props["Tags"]}
        return spec

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        spec = spec_from_cfn(resource_name, cloudformation_json["Properties"])
        if "ZipFile" in spec["Code"]:  # inline code is plain text in CloudFormation
            import base64

            spec["Code"]["ZipFile"] = base64.b64encode(cls._create_zipfile_from_plaintext_code(spec["Code"]["ZipFile"]))
        return get_backend(account_id, region_name).create_function(spec)

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        fn = original_resource
        backend = get_backend(account_id, region_name)
        if (
            props.get("FunctionName", fn.function_name) != fn.function_name
            or props.get("PackageType", "Zip") != fn.package_type
        ):  # "Update requires: Replacement"
            fn.delete(account_id, region_name)
            return create_from_cloudformation_json(cls, new_resource_name, cloudformation_json, account_id, region_name)
        spec = spec_from_cfn(fn.function_name, props)
        fn.update_configuration(
            {
                "Description": spec.get("Description", ""),
                "Handler": spec.get("Handler"),
                "MemorySize": spec.get("MemorySize", 128),
                "Role": spec["Role"],
                "Runtime": spec.get("Runtime"),
                "Timeout": spec.get("Timeout", 3),
                "Environment": spec.get("Environment") or {"Variables": {}},
                "Layers": spec.get("Layers", []),
                "TracingConfig": spec.get("TracingConfig"),
                "KMSKeyArn": spec.get("KMSKeyArn"),
                "LoggingConfig": spec.get("LoggingConfig"),
                "DeadLetterConfig": spec.get("DeadLetterConfig"),
                "EphemeralStorage": spec.get("EphemeralStorage"),
                **({"VpcConfig": spec["VpcConfig"]} if "VpcConfig" in spec else {}),
            }
        )
        if "Architectures" in spec:
            fn.architectures = spec["Architectures"]
        fn.update_function_code(dict(spec["Code"]))
        if spec.get("ReservedConcurrentExecutions") is not None:
            backend.put_function_concurrency(fn.function_name, spec["ReservedConcurrentExecutions"])
        else:
            backend.delete_function_concurrency(fn.function_name)
        fn.tags = dict(spec.get("Tags") or {})
        return fn

    LambdaFunction.__init__ = __init__  # type: ignore[method-assign]
    LambdaFunction.get_configuration = get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update_configuration  # type: ignore[method-assign]
    LambdaFunction.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    LambdaFunction.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# S10. CloudFormation AWS::Logs::LogGroup
# AWS doc: CloudFormation Template Reference, "AWS::Logs::LogGroup" (KmsKeyId - the
# key ARN -, RetentionInDays, Tags; LogGroupName "Update requires: Replacement", the
# others no interruption) and CloudWatch Logs API Reference "DescribeLogGroups"
# (kmsKeyId, retentionInDays).
# Fn::GetAtt Arn is "arn:aws:logs:<region>:<account>:log-group:<name>:*" (the form IAM
# policies for log streams and Step Functions' LoggingConfiguration, "The ARN must end
# with :*", expect).
# moto 5.2.5 (moto/logs/models.py LogGroup.create_from_cloudformation_json) hands the CFN
# properties to LogGroup(**kwargs), which reads "kmsKeyId": KmsKeyId is dropped. There is
# no update_from_cloudformation_json (a changed log group became None in the stack), and
# LogGroup.get_cfn_attribute("Arn") answers the ARN without ":*".
# --------------------------------------------------------------------------


def patch_cfn_log_group() -> None:
    """AWS::Logs::LogGroup keeps KmsKeyId, GetAtt Arn ends with ":*", retention/key/tags update in place."""
    from moto.logs.models import LogGroup, logs_backends

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = dict(cloudformation_json["Properties"])
        tags = {t["Key"]: t["Value"] for t in props.pop("Tags", [])}
        if "KmsKeyId" in props:
            props["kmsKeyId"] = props.pop("KmsKeyId")
        return logs_backends[account_id][region_name].create_log_group(resource_name, tags, **props)

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        group = original_resource
        backend = logs_backends[account_id][region_name]
        if props.get("LogGroupName", group.name) != group.name:  # "Update requires: Replacement"
            created = create_from_cloudformation_json(
                cls, new_resource_name, cloudformation_json, account_id, region_name
            )
            group.delete(account_id, region_name)
            return created
        group.set_retention_policy(props.get("RetentionInDays"))
        group.kms_key_id = props.get("KmsKeyId")
        wanted = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        backend.untag_resource(group.arn, [k for k in backend.list_tags_for_resource(group.arn) if k not in wanted])
        backend.tag_resource(group.arn, wanted)
        return group

    original_get_att = _ORIGINALS.setdefault("log_group_get_cfn_attribute", LogGroup.get_cfn_attribute)

    def get_cfn_attribute(self, attribute_name):  # type: ignore[no-untyped-def]
        if attribute_name == "Arn":
            return f"{self.arn}:*"
        return original_get_att(self, attribute_name)

    LogGroup.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    LogGroup.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    LogGroup.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S11. CloudFormation AWS::IAM::Role
# AWS doc: CloudFormation Template Reference, "AWS::IAM::Role" (Policies inline,
# ManagedPolicyArns, PermissionsBoundary, Tags, Description, MaxSessionDuration,
# AssumeRolePolicyDocument; RoleName and Path replace) and IAM API Reference
# "GetRolePolicy" (PolicyDocument: URL-encoded JSON), "PutRolePolicy"
# (MalformedPolicyDocument for an invalid policy).
# moto 5.2.5 (moto/iam/models.py Role.create_from_cloudformation_json) stores an inline
# PolicyDocument object as is: GetRolePolicy then answers its Python repr ("{'Version':
# ...}"), which no client can parse, and the policy is never validated;
# ManagedPolicyArns is ignored; the CFN update only sets Description (and reads
# MaxSessionDuration from "RoleDescription"): trust policy, inline and managed policies
# and tags never change. Its Role.delete_from_cloudformation_json removes inline policies
# and instance-profile memberships but not attached managed policies, so IAMBackend.delete_role
# refuses (DeleteConflict "must detach all policies first") and DeleteStack of a stack with
# ManagedPolicyArns failed; CloudFormation detaches them itself before DeleteRole.
# --------------------------------------------------------------------------


def _policy_text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document)


def patch_cfn_iam_role() -> None:
    """AWS::IAM::Role: inline policies stored as validated JSON, ManagedPolicyArns, real updates, delete."""
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    original_create = _ORIGINALS.setdefault(
        "iam_role_create", Role.__dict__["create_from_cloudformation_json"].__func__
    )

    def sync_policies(backend: Any, role: Any, props: dict[str, Any]) -> None:
        wanted = {p["PolicyName"]: _policy_text(p["PolicyDocument"]) for p in props.get("Policies", [])}
        for name in [n for n in role.policies if n not in wanted]:
            backend.delete_role_policy(role.name, name)
        for name, text in wanted.items():
            backend.put_role_policy(role.name, name, text)  # validated as PutRolePolicy does
        wanted_arns = list(props.get("ManagedPolicyArns", []))
        for arn in [a for a in role.managed_policies if a not in wanted_arns]:
            backend.detach_role_policy(arn, role.name)
        for arn in wanted_arns:
            if arn not in role.managed_policies:
                backend.attach_role_policy(arn, role.name)

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        without_policies = {**cloudformation_json, "Properties": {k: v for k, v in props.items() if k != "Policies"}}
        role = original_create(cls, resource_name, without_policies, account_id, region_name, **kwargs)
        sync_policies(iam_backends[account_id][get_partition(region_name)], role, props)
        return role

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        role = original_resource
        backend = iam_backends[account_id][get_partition(region_name)]
        if (props.get("RoleName", role.name), props.get("Path", "/")) != (role.name, role.path):  # Replacement
            created = create_from_cloudformation_json(
                cls, new_resource_name, cloudformation_json, account_id, region_name
            )
            cls.delete_from_cloudformation_json(role.name, cloudformation_json, account_id, region_name)
            return created
        backend.update_assume_role_policy(role.name, _policy_text(props["AssumeRolePolicyDocument"]))
        backend.update_role(role.name, props.get("Description", ""), props.get("MaxSessionDuration", 3600))
        if props.get("PermissionsBoundary"):
            backend.put_role_permissions_boundary(role.name, props["PermissionsBoundary"])
        else:
            backend.delete_role_permissions_boundary(role.name)
        sync_policies(backend, role, props)
        wanted_tags = props.get("Tags", [])
        stale = [key for key in list(role.tags) if key not in {w["Key"] for w in wanted_tags}]
        if stale:
            backend.untag_role(role.name, stale)
        if wanted_tags:
            backend.tag_role(role.name, wanted_tags)
        return role

    original_delete = _ORIGINALS.setdefault(
        "iam_role_delete", Role.__dict__["delete_from_cloudformation_json"].__func__
    )

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        backend = iam_backends[account_id][get_partition(region_name)]
        role = next((r for r in backend.roles.values() if r.name == resource_name), None)
        if role is None:
            return  # already gone: nothing to delete
        for arn in list(role.managed_policies):
            backend.detach_role_policy(arn, role.name)
        original_delete(cls, resource_name, cloudformation_json, account_id, region_name)

    Role.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Role.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Role.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# S12. In-place updates of SNS topics, SQS queues and Events rules
# AWS doc: CloudFormation Template Reference, "AWS::SNS::Topic" (only TopicName and
# FifoTopic replace; Tags kept), "AWS::SQS::Queue" (only QueueName and FifoQueue
# replace) and "AWS::Events::Rule" (only Name and EventBusName replace; Targets are
# put and removed to match).
# moto 5.2.5: Topic.update_from_cloudformation_json deletes the topic and creates one
# under a new generated name (new ARN, subscriptions gone) for any change, and
# create_from_cloudformation_json sets the CFN Tags list as a plain attribute
# (ListTagsForResource shows none); Queue.update_from_cloudformation_json applies only
# VisibilityTimeout and ReceiveMessageWaitTimeSeconds; Rule.update_from_cloudformation_json
# deletes the rule and creates one under a new generated name (new ARN).
# --------------------------------------------------------------------------


def patch_cfn_in_place_updates() -> None:
    """SNS topics, SQS queues and Events rules update in place; topic Tags kept."""
    from moto.core.utils import camelcase_to_underscores
    from moto.events.models import Rule, events_backends
    from moto.sns.models import Topic, sns_backends
    from moto.sqs.models import Queue, sqs_backends

    original_topic_create = _ORIGINALS.setdefault(
        "topic_create", Topic.__dict__["create_from_cloudformation_json"].__func__
    )
    original_topic_update = _ORIGINALS.setdefault(
        "topic_update", Topic.__dict__["update_from_cloudformation_json"].__func__
    )

    def topic_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        plain = {**cloudformation_json, "Properties": {k: v for k, v in props.items() if k != "Tags"}}
        topic = original_topic_create(cls, resource_name, plain, account_id, region_name, **kwargs)
        topic._tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        return topic

    def topic_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        topic = original_resource
        if props.get("TopicName", topic.name) != topic.name or bool(props.get("FifoTopic", False)) != (
            str(getattr(topic, "fifo_topic", "false")).lower() == "true"
        ):
            return original_topic_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        backend = sns_backends[account_id][region_name]
        for name in ("DisplayName", "KmsMasterKeyId", "DeliveryPolicy", "SignatureVersion", "TracingConfig"):
            if name in props or name in ("DisplayName", "KmsMasterKeyId"):  # these two reset when removed
                value = props.get(name, "")
                value = value if isinstance(value, str) else json.dumps(value)
                backend.set_topic_attribute(topic.arn, camelcase_to_underscores(name), value)
        if "ContentBasedDeduplication" in props:
            topic.content_based_deduplication = str(props["ContentBasedDeduplication"]).lower() == "true"
        topic._tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        return topic

    def queue_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        queue = original_resource
        backend = sqs_backends[account_id][region_name]
        attributes = {
            k: (v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else str(v))
            for k, v in props.items()
            if k not in ("QueueName", "FifoQueue", "Tags")
        }
        attributes.setdefault("KmsMasterKeyId", "")
        attributes["Policy"] = queue.policy or ""  # SetQueueAttributes without Policy would clear it in moto
        backend.set_queue_attributes(queue.name, attributes)
        queue.tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
        return queue

    original_rule_update = _ORIGINALS.setdefault(
        "rule_update", Rule.__dict__["update_from_cloudformation_json"].__func__
    )

    def rule_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        rule = original_resource
        if props.get("Name", rule.name) != rule.name or props.get("EventBusName", "default") not in (
            rule.event_bus_name,
            f"arn:aws:events:{region_name}:{account_id}:event-bus/{rule.event_bus_name}",
        ):
            return original_rule_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        backend = events_backends[account_id][region_name]
        pattern = props.get("EventPattern")
        updated = backend.put_rule(
            rule.name,
            scheduled_expression=props.get("ScheduleExpression"),
            event_pattern=json.dumps(pattern) if isinstance(pattern, dict) else pattern,
            state=props.get("State"),
            description=props.get("Description"),
            role_arn=props.get("RoleArn"),
            event_bus_arn=rule.event_bus_name,
            tags=props.get("Tags"),
        )
        wanted = props.get("Targets", [])
        stale = [t["Id"] for t in updated.targets if t["Id"] not in {w["Id"] for w in wanted}]
        if stale:
            backend.remove_targets(rule.name, rule.event_bus_name, stale)
        if wanted:
            backend.put_targets(name=rule.name, event_bus_arn=rule.event_bus_name, targets=wanted)
        return updated

    Topic.create_from_cloudformation_json = classmethod(topic_create)  # type: ignore[method-assign,assignment]
    Topic.update_from_cloudformation_json = classmethod(topic_update)  # type: ignore[method-assign,assignment]
    Queue.update_from_cloudformation_json = classmethod(queue_update)  # type: ignore[method-assign,assignment]
    Rule.update_from_cloudformation_json = classmethod(rule_update)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# S13. A resource that fails to create rolls the new stack back
# AWS doc: CloudFormation User Guide, "Stack status codes" and "Choose how to handle
# failures when provisioning resources" (CreateStack returns the StackId; a resource
# error turns the stack to CREATE_FAILED, CloudFormation deletes what it created and the
# stack ends in ROLLBACK_COMPLETE, with the resource's CREATE_FAILED event and reason;
# the stack keeps its name until it is deleted) - while template and parameter errors
# are refused by CreateStack itself (ValidationError) and leave no stack.
# moto 5.2.5 (moto/cloudformation/models.py CloudFormationBackend.create_stack) lets the
# resource's exception out of CreateStack: the caller gets the other service's error
# (serialized for that service - e.g. a CloudWatch Logs JSON body in CloudFormation's
# XML protocol, which SDKs cannot parse), the resources created before it stay, and the
# stack stays listed in CREATE_IN_PROGRESS. (UpdateStack of a ROLLBACK_COMPLETE stack is
# refused in S8's Stack.update wrapper, as on AWS: such a stack can only be deleted.)
# --------------------------------------------------------------------------


def _failure_reason(err: Exception) -> str:
    """CloudFormation's wording for a resource handler's error (S13, S19)."""
    code = getattr(err, "error_type", None) or getattr(err, "code", None)  # RESTError.code is the HTTP status
    code = code if isinstance(code, str) else type(err).__name__
    message = getattr(err, "message", None) or str(err)
    return f'Resource handler returned message: "{message}" (HandlerErrorCode: {code})'


def patch_cfn_create_failure_rolls_back() -> None:
    """CreateStack: a resource error ends in ROLLBACK_COMPLETE (events, reason, resources removed)."""
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import CloudFormationError
    from moto.cloudformation.models import CloudFormationBackend, Event

    wrapped_create = parsing.parse_and_create_resource  # S8's wrapper (remembers resolved properties)

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):  # type: ignore[no-untyped-def]
        try:
            return wrapped_create(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as err:
            resources_map.__dict__.setdefault("_irmoto_failed", (logical_id, resource_json.get("Type"), err))
            raise

    parsing.parse_and_create_resource = parse_and_create_resource

    original_create_stack = _ORIGINALS.setdefault("create_stack", CloudFormationBackend.create_stack)

    def create_stack(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        before = set(self.stacks)
        try:
            return original_create_stack(self, name, *args, **kwargs)
        except Exception as err:
            new = [self.stacks[i] for i in set(self.stacks) - before]
            if not new:
                raise  # refused before any stack existed (ValidationError, AlreadyExistsException)
            stack = new[0]
            try:
                stack.resource_map.delete()  # best effort: what was created goes
            except Exception:
                LOG.warning("irmoto: rollback of stack %s left resources behind", stack.name, exc_info=True)
            if isinstance(err, CloudFormationError):  # a template error found late: refused as on AWS
                del self.stacks[stack.stack_id]
                raise
            logical_id, resource_type, _ = stack.resource_map.__dict__.get("_irmoto_failed", (None, None, err))
            reason = _failure_reason(err)
            if logical_id:
                stack.events.append(
                    Event(stack.stack_id, stack.name, logical_id, "", resource_type, "CREATE_FAILED", reason, None)
                )
            summary = f"The following resource(s) failed to create: [{logical_id}]. Rollback requested by user."
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=summary)
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status, stack.status_reason = "ROLLBACK_COMPLETE", summary
            # moto's maps are lazy: reading outputs or resources would create them again.
            stack.resource_map._resource_json_map = {}
            stack.output_map._output_json_map = {}
            return stack

    CloudFormationBackend.create_stack = create_stack  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S14. CloudFormation AWS::S3::Bucket properties
# AWS doc: CloudFormation Template Reference, "AWS::S3::Bucket" (ObjectLockEnabled,
# ObjectLockConfiguration {ObjectLockEnabled, Rule.DefaultRetention {Mode, Days | Years}},
# VersioningConfiguration, BucketEncryption {ServerSideEncryptionConfiguration
# [{ServerSideEncryptionByDefault {SSEAlgorithm, KMSMasterKeyID}, BucketKeyEnabled}]},
# PublicAccessBlockConfiguration, OwnershipControls, LoggingConfiguration
# {DestinationBucketName, LogFilePrefix}, Tags; only BucketName replaces, the others "No
# interruption"; "You can only delete empty buckets. Deletion fails for buckets that have
# contents"), S3 User Guide "Configuring S3 Object Lock" (Object Lock needs versioning and
# can never be turned off; the default retention may change at any time) and the S3 API
# Reference readers: GetBucketVersioning, GetObjectLockConfiguration, GetBucketEncryption,
# GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketLogging, GetBucketTagging.
# moto 5.2.5 (moto/s3/models.py FakeBucket.create_from_cloudformation_json /
# update_from_cloudformation_json) applies BucketEncryption (dropping BucketKeyEnabled) and
# Tags only, so versioning, Object Lock, public access block, ownership controls and logging
# of a CFN bucket are lost; its update reads properties["BucketName"] for Tags (KeyError when
# the name is generated) and never removes anything; FakeBucket.delete_from_cloudformation_json
# calls S3Backend.delete_bucket, which leaves a non-empty bucket in place and reports success.
# --------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def s3_encryption_from_cfn(config: dict[str, Any]) -> dict[str, Any]:
    """CFN BucketEncryption -> the PutBucketEncryption body moto stores (BucketKeyEnabled kept)."""
    rule = config["ServerSideEncryptionConfiguration"][0]
    default = rule.get("ServerSideEncryptionByDefault") or {}
    by_default = {"SSEAlgorithm": default["SSEAlgorithm"]}
    if default.get("KMSMasterKeyID"):
        by_default["KMSMasterKeyID"] = default["KMSMasterKeyID"]
    stored: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": by_default}
    if "BucketKeyEnabled" in rule:
        stored["BucketKeyEnabled"] = "true" if _truthy(rule["BucketKeyEnabled"]) else "false"
    return {"Rule": stored}


def _s3_invalid(code: str, message: str) -> Exception:
    from moto.s3.exceptions import S3ClientError

    return S3ClientError(code, message)


def apply_s3_bucket_properties(backend: Any, bucket: Any, props: dict[str, Any]) -> None:
    """Make the bucket's configuration what the (resolved) CFN properties say."""
    name = bucket.name
    ownership = (props.get("OwnershipControls") or {}).get("Rules") or []
    if ownership:
        backend.put_bucket_ownership_controls(name, ownership[0]["ObjectOwnership"])
    else:
        backend.delete_bucket_ownership_controls(name)
    if props.get("PublicAccessBlockConfiguration"):
        block = props["PublicAccessBlockConfiguration"]
        backend.put_public_access_block(
            name,
            {
                k: _truthy(block.get(k, False))
                for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
            },
        )
    else:
        backend.delete_public_access_block(name)
    if props.get("BucketEncryption"):
        backend.put_bucket_encryption(name, s3_encryption_from_cfn(props["BucketEncryption"]))
    else:
        backend.delete_bucket_encryption(name)

    lock = props.get("ObjectLockConfiguration") or {}
    if _truthy(props.get("ObjectLockEnabled")) or lock.get("ObjectLockEnabled") == "Enabled":
        bucket.object_lock_enabled = True  # and it stays so: Object Lock cannot be turned off
    status = (props.get("VersioningConfiguration") or {}).get("Status")
    if bucket.object_lock_enabled:
        if status == "Suspended":
            raise _s3_invalid(
                "InvalidBucketState",
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
            )
        status = "Enabled"
    if status:
        backend.put_bucket_versioning(name, status)
    retention = (lock.get("Rule") or {}).get("DefaultRetention")
    if retention:
        if not bucket.object_lock_enabled:
            raise _s3_invalid(
                "InvalidRequest",
                "Object Lock configuration cannot be enabled on existing buckets without ObjectLockEnabled",
            )
        if ("Days" in retention) == ("Years" in retention) or retention.get("Mode") not in ("GOVERNANCE", "COMPLIANCE"):
            raise _s3_invalid("MalformedXML", "DefaultRetention needs a Mode and either Days or Years")
        bucket.default_lock_mode = retention["Mode"]
        # 0 for the period not given, as moto's PutObjectLockConfiguration stores it
        bucket.default_lock_days = int(retention.get("Days", 0))
        bucket.default_lock_years = int(retention.get("Years", 0))
    else:
        bucket.default_lock_mode, bucket.default_lock_days, bucket.default_lock_years = "", 0, 0

    logging_config = props.get("LoggingConfiguration")
    if logging_config is not None:
        backend.put_bucket_logging(
            name,
            {
                "TargetBucket": logging_config.get("DestinationBucketName") or name,
                "TargetPrefix": logging_config.get("LogFilePrefix") or "",
            },
        )
    else:
        backend.put_bucket_logging(name, {})
    tags = {t["Key"]: t["Value"] for t in props.get("Tags") or []}
    if tags:
        backend.put_bucket_tagging(name, tags)
    else:
        backend.delete_bucket_tagging(name)


def patch_cfn_s3_bucket() -> None:
    """AWS::S3::Bucket keeps versioning, Object Lock, encryption, public access block, ownership, logging."""
    from moto.s3.exceptions import BucketNotEmpty, MissingBucket
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    def backend_of(account_id: str, region_name: str) -> Any:
        return s3_backends[account_id][get_partition(region_name)]

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        backend = backend_of(account_id, region_name)
        bucket = backend.create_bucket(resource_name, region_name)
        try:
            apply_s3_bucket_properties(backend, bucket, cloudformation_json.get("Properties") or {})
        except Exception:
            backend.delete_bucket(resource_name)
            raise
        return bucket

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties") or {}
        bucket = original_resource
        if props.get("BucketName", bucket.name) != bucket.name:  # "Update requires: Replacement"
            created = create_from_cloudformation_json(
                cls, props["BucketName"], cloudformation_json, account_id, region_name
            )
            if cloudformation_json.get("UpdateReplacePolicy") != "Retain":
                delete_from_cloudformation_json(cls, bucket.name, cloudformation_json, account_id, region_name)
            return created
        apply_s3_bucket_properties(backend_of(account_id, region_name), bucket, props)
        return bucket

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        backend = backend_of(account_id, region_name)
        try:
            bucket = backend.get_bucket(resource_name)
        except MissingBucket:
            return  # already gone: nothing to delete
        if bucket.keys:
            raise BucketNotEmpty(resource_name)
        backend.delete_bucket(resource_name)

    FakeBucket.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    FakeBucket.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# S15. Server access logging into a bucket whose ACLs are disabled
# AWS doc: S3 User Guide, "Enabling Amazon S3 server access logging" ("Permissions for log
# delivery": with the Bucket owner enforced setting for S3 Object Ownership, ACLs are
# disabled and the logging service principal logging.s3.amazonaws.com is granted
# s3:PutObject by the destination bucket's policy, usually with aws:SourceArn = the source
# bucket). S3 does not look for that policy when PutBucketLogging is called: the CloudFormation
# shape every tool emits (the destination's AWS::S3::BucketPolicy names the source bucket's
# Fn::GetAtt Arn, so it is created after the source bucket and its LoggingConfiguration; e.g.
# aws-cdk-lib's Bucket.allowLogDelivery under @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy)
# deploys; missing permissions only mean logs are not delivered.
# moto 5.2.5 (moto/s3/models.py FakeBucket.set_logging) refuses PutBucketLogging unless the
# destination's policy or ACL already grants log delivery (InvalidTargetBucketForLogging), so
# such a stack fails. Here a destination with ObjectOwnership BucketOwnerEnforced (and no
# TargetGrants, which that setting forbids) keeps moto's other checks: it must exist and be in
# the same Region.
# --------------------------------------------------------------------------


def patch_s3_logging_to_owner_enforced_bucket() -> None:
    """PutBucketLogging into a BucketOwnerEnforced bucket does not need its policy in place yet."""
    from moto.s3.exceptions import CrossLocationLoggingProhibited
    from moto.s3.models import FakeBucket

    original = _ORIGINALS.setdefault("s3_set_logging", FakeBucket.set_logging)

    def set_logging(self, logging_config, bucket_backend):  # type: ignore[no-untyped-def]
        if logging_config and not logging_config.get("TargetGrants"):
            target = bucket_backend.buckets.get(logging_config["TargetBucket"])
            if target is not None and target.ownership_rule == "BucketOwnerEnforced":
                if target.region_name != self.region_name:
                    raise CrossLocationLoggingProhibited()
                self.logging = logging_config
                return
        original(self, logging_config, bucket_backend)

    FakeBucket.set_logging = set_logging  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S16. Bucket policy statements apply only when their Principal and Condition match
# AWS doc: IAM User Guide, "IAM JSON policy elements: Condition operators" (Bool, String*,
# Arn*, ...IfExists, Null; "If the key that you specify in a policy condition is not present
# in the request context, the values do not match" - negated operators excepted) and
# "Policy evaluation logic" (a statement whose condition is false does not apply, whatever
# its Effect); S3 User Guide, "Bucket policy examples" (DenyInsecureTransport: Deny s3:*
# when aws:SecureTransport is "false"). A service principal (logging.s3.amazonaws.com) is
# never the SDK caller.
# moto 5.2.5 (moto/s3/models.py FakeBucket.get_permission ->
# moto/iam/access_control.py IAMPolicyStatement.is_action_permitted, TrustCondition) treats
# every operator but StringEquals as true and missing keys as a match, and answers DENIED for
# any statement whose condition fails: the usual DenyInsecureTransport statement denies every
# GetObject/PutObject/DeleteObjects (HTTP 403), so an evidence bucket with that policy could
# not be written. The emulator is reached over http://127.0.0.1 standing in for the TLS
# endpoint every SDK uses on AWS, so the request context says aws:SecureTransport "true".
# The condition evaluator (also Date*, "ForAnyValue:"/"ForAllValues:" over multivalued keys such
# as aws:TagKeys) is the one irmoto.iam evaluates every policy with.
# --------------------------------------------------------------------------

S3_REQUEST_CONTEXT = {"aws:securetransport": "true"}  # condition keys are case-insensitive
_NEGATED_OPERATORS = (
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
)


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _condition_number(text: str, dates: bool) -> float | None:
    try:
        return float(text)
    except ValueError:
        if not dates:
            return None
    try:  # Date*: ISO 8601 or epoch seconds
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _condition_value_matches(operator: str, expected: Any, actual: str) -> bool:
    base = operator.replace("Not", "", 1) if operator in _NEGATED_OPERATORS else operator
    expected_text = str(expected).lower() if isinstance(expected, bool) else str(expected)
    if base == "StringEquals":
        return actual == expected_text
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == expected_text.lower()
    if base in ("StringLike", "ArnLike", "ArnEquals"):
        return _wildcard(expected_text, actual)
    if base == "Bool":
        return actual.lower() == expected_text.lower()
    if base.startswith(("Numeric", "Date")):
        dates = base.startswith("Date")
        a, e = _condition_number(actual, dates), _condition_number(expected_text, dates)
        if a is None or e is None:
            return False
        return {
            "Equals": a == e,
            "LessThan": a < e,
            "LessThanEquals": a <= e,
            "GreaterThan": a > e,
            "GreaterThanEquals": a >= e,
        }.get(base.removeprefix("Numeric").removeprefix("Date"), False)
    return False  # an operator this evaluator does not know never matches


def policy_condition_holds(condition: dict[str, Any] | None, context: dict[str, Any]) -> bool:
    """AND over operators and keys, OR over each key's values (IAM's rules). A context value may
    be a list (a multivalued key such as aws:TagKeys): ForAnyValue: needs one request value to
    match, ForAllValues: every one (true when there is none); unqualified, one is enough."""
    for raw_operator, keys in (condition or {}).items():
        qualifier, _, operator = raw_operator.rpartition(":")
        if_exists = operator.endswith("IfExists")
        operator = operator.removesuffix("IfExists")
        negated = operator in _NEGATED_OPERATORS
        for key, expected in keys.items():
            actual = context.get(key.lower())
            values = [] if actual is None else [str(v) for v in _listed(actual)]
            if operator == "Null":
                if not any(_truthy(e) == (not values) for e in _listed(expected)):
                    return False
                continue

            def matches(value: str, expected: Any = expected, operator: str = operator) -> bool:
                return any(_condition_value_matches(operator, e, value) for e in _listed(expected))

            if qualifier == "ForAllValues":
                holds = all(matches(v) != negated for v in values)
            elif qualifier == "ForAnyValue":
                holds = any(matches(v) != negated for v in values)
            elif not values:
                holds = if_exists or negated
            else:
                holds = any(matches(v) for v in values) != negated
            if not holds:
                return False
    return True


def _statement_names_caller(statement: dict[str, Any]) -> bool:
    """Whether the statement's Principal can be the SDK caller (an IAM identity of the account)."""
    if "NotPrincipal" in statement:
        return False
    principal = statement.get("Principal")
    if principal is None or principal == "*":
        return principal == "*"
    if isinstance(principal, dict):
        return "AWS" in principal  # "*" or account/role ARNs; Service/Federated/CanonicalUser never
    return False


def bucket_policy_permission(policy_text: str, action: str, resource: str, context: dict[str, str]) -> Any:
    from moto.iam.access_control import PermissionResult

    document = json.loads(policy_text)
    permitted = False
    for statement in _listed(document.get("Statement") or []):
        if not _statement_names_caller(statement):
            continue
        if "NotAction" in statement:
            if any(_wildcard(a, action, ignore_case=True) for a in _listed(statement["NotAction"])):
                continue
        elif not any(_wildcard(a, action, ignore_case=True) for a in _listed(statement.get("Action") or [])):
            continue
        if "NotResource" in statement:
            if any(_wildcard(r, resource) for r in _listed(statement["NotResource"])):
                continue
        elif not any(_wildcard(r, resource) for r in _listed(statement.get("Resource") or [])):
            continue
        if not policy_condition_holds(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return PermissionResult.DENIED
        permitted = True
    return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL


def patch_s3_bucket_policy_conditions() -> None:
    """Bucket policies: a statement applies only if its Principal may be the caller and its Condition holds."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action, resource):  # type: ignore[no-untyped-def]
        if self.policy is None:
            return PermissionResult.NEUTRAL
        text = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        return bucket_policy_permission(text, action, resource, S3_REQUEST_CONTEXT)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S17. CloudFormation AWS::S3::BucketPolicy
# AWS doc: CloudFormation Template Reference, "AWS::S3::BucketPolicy" (Bucket - "Update
# requires: Replacement" -, PolicyDocument - no interruption; Ref returns the bucket name;
# removing the resource deletes the bucket's policy) and S3 API Reference "PutBucketPolicy",
# "GetBucketPolicy" (NoSuchBucketPolicy when there is none), "DeleteBucketPolicy".
# moto 5.2.5 has no model for the type (moto/cloudformation/parsing.py
# resource_class_from_type: "No Moto CloudFormation support"): the stack reports
# CREATE_COMPLETE, DescribeStackResources leaves the resource out and the bucket has no
# policy. Added: a model that calls S3Backend.put_bucket_policy / delete_bucket_policy.
# --------------------------------------------------------------------------


def _bucket_policy_model() -> type:
    from moto.core.common_models import CloudFormationModel
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    def backend_of(account_id: str, region_name: str) -> Any:
        return s3_backends[account_id][get_partition(region_name)]

    class S3BucketPolicy(CloudFormationModel):
        def __init__(self, bucket_name: str, account_id: str, region_name: str):
            self.bucket_name, self.account_id, self.region_name = bucket_name, account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

        @property
        def physical_resource_id(self) -> str:
            return self.bucket_name

        @classmethod
        def _put(cls, props: dict[str, Any], account_id: str, region_name: str) -> str:
            document = props["PolicyDocument"]
            text = document if isinstance(document, str) else json.dumps(document)
            if not isinstance(json.loads(text), dict) or not json.loads(text).get("Statement"):
                raise _s3_invalid("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
            backend_of(account_id, region_name).put_bucket_policy(props["Bucket"], text.encode())
            return props["Bucket"]

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            return cls(cls._put(cloudformation_json["Properties"], account_id, region_name), account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            bucket = cls._put(cloudformation_json["Properties"], account_id, region_name)
            if bucket != original_resource.bucket_name:  # Bucket: replacement, the old bucket's policy goes
                original_resource.delete(account_id, region_name)
                return cls(bucket, account_id, region_name)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            type(self).delete_from_cloudformation_json(self.bucket_name, {}, self.account_id, self.region_name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def,override]
            try:
                backend_of(account_id, region_name).delete_bucket_policy(resource_name)
            except MissingBucket:
                pass  # the bucket went first: no policy left to delete

    return S3BucketPolicy


def patch_cfn_s3_bucket_policy() -> None:
    """Register AWS::S3::BucketPolicy (PutBucketPolicy / DeleteBucketPolicy; Ref = bucket name)."""
    from moto.cloudformation import parsing

    if not BUCKET_POLICY_MODEL:
        BUCKET_POLICY_MODEL.append(_bucket_policy_model())
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    if "AWS::S3::BucketPolicy" not in parsing.get_model_map():
        raise RuntimeError("irmoto: CloudFormation model AWS::S3::BucketPolicy not registered")


BUCKET_POLICY_MODEL: list[type] = []


# --------------------------------------------------------------------------
# S18. CloudFormation AWS::DynamoDB::Table
# AWS doc: CloudFormation Template Reference, "AWS::DynamoDB::Table" (SSESpecification
# {SSEEnabled, SSEType, KMSMasterKeyId - key id, ARN or alias -},
# PointInTimeRecoverySpecification {PointInTimeRecoveryEnabled, RecoveryPeriodInDays},
# TimeToLiveSpecification, DeletionProtectionEnabled, BillingMode, Tags; TableName and
# KeySchema replace, these others "No interruption") and DynamoDB API Reference
# "DescribeTable" (SSEDescription {Status ENABLED, SSEType KMS, KMSMasterKeyArn - always the
# key ARN -}, DeletionProtectionEnabled), "DescribeContinuousBackups"
# (PointInTimeRecoveryStatus ENABLED), "DeleteTable" (refused while DeletionProtectionEnabled).
# moto 5.2.5 (moto/dynamodb/models/table.py Table.create_from_cloudformation_json) hands the
# CFN SSESpecification ({SSEEnabled}) to a Table that reads the API's {Enabled}, so
# DescribeTable has no SSEDescription; PointInTimeRecoverySpecification and
# TimeToLiveSpecification are dropped; there is no update_from_cloudformation_json (a changed
# table became None in the stack). ResourcePolicy {PolicyDocument} ("a resource-based policy
# document that contains permissions to add to the specified table"; DynamoDB API Reference
# "GetResourcePolicy") was dropped too: the table had no policy, so nothing it denied was
# refused (irmoto.iam evaluates it). It is put on create and update, and removed with it.
# --------------------------------------------------------------------------


def dynamodb_sse_from_cfn(spec: dict[str, Any] | None, account_id: str, region_name: str) -> dict[str, Any] | None:
    """CFN SSESpecification -> the API's SSESpecification as moto's Table keeps it (key as an ARN)."""
    if not spec or not _truthy(spec.get("SSEEnabled")):
        return None  # encrypted with an AWS owned key: DescribeTable shows no SSEDescription
    out: dict[str, Any] = {"Enabled": True, "SSEType": spec.get("SSEType", "KMS")}
    if spec.get("KMSMasterKeyId"):
        from moto.kms.exceptions import NotFoundException
        from moto.kms.models import kms_backends

        try:
            out["KMSMasterKeyId"] = kms_backends[account_id][region_name].describe_key(spec["KMSMasterKeyId"]).arn
        except (KeyError, AttributeError, NotFoundException):  # a key moto does not know: kept as given
            out["KMSMasterKeyId"] = spec["KMSMasterKeyId"]
    return out


def apply_dynamodb_table_extras(backend: Any, table: Any, props: dict[str, Any]) -> None:
    sse = dynamodb_sse_from_cfn(props.get("SSESpecification"), table.account_id, table.region_name)
    if sse is not None and "KMSMasterKeyId" not in sse:
        sse["KMSMasterKeyId"] = table._get_default_encryption_key(table.account_id, table.region_name)
    table.sse_specification = sse
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    spec = {"PointInTimeRecoveryEnabled": _truthy(pitr.get("PointInTimeRecoveryEnabled"))}
    if "RecoveryPeriodInDays" in pitr:
        spec["RecoveryPeriodInDays"] = int(pitr["RecoveryPeriodInDays"])
    backend.update_continuous_backups(table.name, spec)
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        backend.update_time_to_live(
            table.name, {"Enabled": _truthy(ttl.get("Enabled")), "AttributeName": ttl.get("AttributeName", "")}
        )
    elif table.ttl.get("TimeToLiveStatus") == "ENABLED":
        table.ttl = {"TimeToLiveStatus": "DISABLED"}
    document = (props.get("ResourcePolicy") or {}).get("PolicyDocument")
    if document:
        text = document if isinstance(document, str) else json.dumps(document)
        backend.put_resource_policy(table.table_arn, text, None)
    else:
        backend.resource_policies.pop(table.table_arn, None)


def patch_cfn_dynamodb_table() -> None:
    """AWS::DynamoDB::Table: SSE with its KMS key, point-in-time recovery, TTL; in-place update."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    original_create = _ORIGINALS.setdefault(
        "ddb_table_create", Table.__dict__["create_from_cloudformation_json"].__func__
    )

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        plain = {**cloudformation_json, "Properties": {k: v for k, v in props.items() if k != "SSESpecification"}}
        table = original_create(cls, resource_name, plain, account_id, region_name, **kwargs)
        backend = dynamodb_backends[account_id][region_name]
        try:
            apply_dynamodb_table_extras(backend, table, props)
        except Exception:
            backend.tables.pop(table.name, None)
            raise
        return table

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        table = original_resource
        backend = dynamodb_backends[account_id][region_name]
        if props.get("TableName", table.name) != table.name or props.get("KeySchema") != table.schema:
            # "Update requires: Replacement": the new table first, then the old one goes (unless
            # UpdateReplacePolicy Retain; a protected table stays, as its deletion fails on AWS).
            created = create_from_cloudformation_json(
                cls, props.get("TableName", new_resource_name), cloudformation_json, account_id, region_name
            )
            if cloudformation_json.get("UpdateReplacePolicy") != "Retain" and not table.deletion_protection_enabled:
                backend.delete_table(table.name)
            return created
        backend.update_table(
            name=table.name,
            attr_definitions=props.get("AttributeDefinitions"),
            global_index=None,
            throughput=props.get("ProvisionedThroughput"),
            billing_mode="PAY_PER_REQUEST" if props.get("BillingMode") == "PAY_PER_REQUEST" else "PROVISIONED",
            stream_spec=None,
            deletion_protection_enabled=_truthy(props.get("DeletionProtectionEnabled", False)),
            warm_throughput=None,
        )
        apply_dynamodb_table_extras(backend, table, props)
        table.tags = list(props.get("Tags") or [])
        return table

    Table.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    Table.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# S19. A resource that fails to delete leaves the stack DELETE_FAILED
# AWS doc: CloudFormation API Reference, "DeleteStack" (accepted; "RetainResources: For
# stacks in the DELETE_FAILED state, a list of resource logical IDs ... CloudFormation
# deletes the stack but doesn't delete the retained resources") and User Guide "Stack status
# codes" (DELETE_FAILED: "Unsuccessful deletion of one or more stacks"; the resource's
# DELETE_FAILED event carries the reason, e.g. a DynamoDB table with deletion protection or a
# non-empty bucket; resources with DeletionPolicy Retain are skipped and never fail it).
# moto 5.2.5 (moto/cloudformation/models.py CloudFormationBackend.delete_stack) pops the stack
# before ResourceMap.delete runs: the resource's error reaches the DeleteStack caller (in the
# other service's error format) and the stack vanishes from ListStacks / DescribeStacks with
# its remaining resources orphaned; RetainResources is not read
# (moto/cloudformation/responses.py CloudFormationResponse.delete_stack).
# --------------------------------------------------------------------------


def patch_cfn_delete_failure() -> None:
    """DeleteStack: a resource error leaves the stack DELETE_FAILED; RetainResources then finishes it."""
    from moto.cloudformation import parsing
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend, Event
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import EmptyResult

    original_delete_resource = _ORIGINALS.setdefault("delete_resource", parsing.ResourceMap._delete_resource)

    def _delete_resource(self, parsed_resource, resource_json):  # type: ignore[no-untyped-def]
        failures = self.__dict__.setdefault("_irmoto_delete_failures", {})
        logical_id = getattr(parsed_resource, "logical_resource_id", None)
        try:
            original_delete_resource(self, parsed_resource, resource_json)
        except Exception as err:
            failures[logical_id] = (parsed_resource, resource_json.get("Type"), err)
            raise
        failures.pop(logical_id, None)

    parsing.ResourceMap._delete_resource = _delete_resource  # type: ignore[method-assign]

    original_delete_stack = _ORIGINALS.setdefault("delete_stack", CloudFormationBackend.delete_stack)

    def find(backend: Any, name_or_id: str) -> Any:
        if name_or_id in backend.stacks:
            return backend.stacks[name_or_id]
        return next((s for s in backend.stacks.values() if s.name == name_or_id), None)

    def delete_stack(self, name_or_stack_id, retain_resources=None):  # type: ignore[no-untyped-def]
        stack = find(self, name_or_stack_id)
        if stack is None:
            return original_delete_stack(self, name_or_stack_id)  # unknown: a no-op, as on AWS
        if retain_resources:
            if stack.status != "DELETE_FAILED":
                raise ValidationError(
                    message=f"Invalid operation on stack {stack.stack_id}: RetainResources can "
                    "only be specified when the stack is in the DELETE_FAILED state"
                )
            for logical_id in retain_resources:  # kept in the account, gone from the stack
                if logical_id in stack.resource_map._resource_json_map:
                    stack.resource_map._resource_json_map[logical_id] = {
                        **stack.resource_map._resource_json_map[logical_id],
                        "DeletionPolicy": "Retain",
                    }
        stack.resource_map.__dict__["_irmoto_delete_failures"] = {}  # this attempt's failures only
        try:
            return original_delete_stack(self, stack.stack_id)
        except Exception:
            self.stacks[stack.stack_id] = stack  # moto popped it before deleting its resources
            failures = stack.resource_map.__dict__.get("_irmoto_delete_failures", {})
            for logical_id, (resource, resource_type, err) in failures.items():
                stack.events.append(
                    Event(
                        stack.stack_id,
                        stack.name,
                        logical_id,
                        getattr(resource, "physical_resource_id", ""),
                        resource_type,
                        "DELETE_FAILED",
                        _failure_reason(err),
                        None,
                    )
                )
            # moto's map is lazy: a resource it no longer holds would be created again when listed.
            stack.resource_map._resource_json_map = {
                k: v
                for k, v in stack.resource_map._resource_json_map.items()
                if k in stack.resource_map._parsed_resources
            }
            reason = f"The following resource(s) failed to delete: [{', '.join(sorted(failures))}]. "
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
            stack.status, stack.status_reason = "DELETE_FAILED", reason
            return None

    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]

    def delete_stack_response(self):  # type: ignore[no-untyped-def]
        retain = self._get_param("RetainResources", [])
        self.cloudformation_backend.delete_stack(self._get_param("StackName"), retain_resources=retain or None)
        return EmptyResult()

    CloudFormationResponse.delete_stack = delete_stack_response  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S20. Stack termination protection
# AWS doc: CloudFormation User Guide, "Protect a CloudFormation stack from being deleted"
# ("you can't delete a stack that has termination protection enabled": DeleteStack fails with
# ValidationError "Stack [<name>] cannot be deleted while TerminationProtection is enabled") and
# API Reference "UpdateTerminationProtection" (EnableTerminationProtection, StackName; answers
# StackId), "CreateStack" (EnableTerminationProtection), "DescribeStacks"
# (EnableTerminationProtection).
# moto 5.2.5 keeps the flag from CreateStack and shows it (moto/cloudformation/models.py
# Stack.enable_termination_protection), but has no UpdateTerminationProtection ("has not been
# implemented") and CloudFormationBackend.delete_stack deletes a protected stack.
# --------------------------------------------------------------------------


def patch_cfn_termination_protection() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import CloudFormationBackend
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult

    original_delete = _ORIGINALS.setdefault("delete_stack_protected", CloudFormationBackend.delete_stack)

    def delete_stack(self, name_or_stack_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.stack_id, s.name)), None)
        if stack is not None and stack.enable_termination_protection:
            raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
        return original_delete(self, name_or_stack_id, *args, **kwargs)

    def update_termination_protection(self):  # type: ignore[no-untyped-def]
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))  # ValidationError if unknown
        stack.enable_termination_protection = _truthy(self._get_param("EnableTerminationProtection"))
        return ActionResult({"StackId": stack.stack_id})

    CloudFormationBackend.delete_stack = delete_stack  # type: ignore[method-assign]
    CloudFormationResponse.update_termination_protection = update_termination_protection  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# S21. UsePreviousValue keeps a parameter that took its default
# AWS doc: CloudFormation API Reference, "Parameter" (UsePreviousValue: "the stack uses the
# existing parameter value"), and DescribeStacks lists every parameter with the value the stack
# uses, defaults included: an update that passes back what it read works.
# moto 5.2.5 (moto/cloudformation/models.py CloudFormationBackend._resolve_update_parameters)
# looks the previous value up among the parameters given at creation only: a parameter left at
# its default raised KeyError, an HTTP 500 with no body.
# --------------------------------------------------------------------------


def patch_cfn_update_previous_default() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend._resolve_update_parameters

    def resolve(self: Any, instance: Any, incoming_params: list[dict[str, str]]) -> dict[str, str]:
        resolved = getattr(getattr(instance, "resource_map", None), "resolved_parameters", None) or {}
        given = dict(instance.parameters)
        for p in incoming_params:
            key = p["ParameterKey"]
            if p.get("UsePreviousValue") and key not in given and key in resolved:
                given[key] = resolved[key]
        saved, instance.parameters = instance.parameters, given
        try:
            return original(self, instance, incoming_params)
        finally:
            instance.parameters = saved

    CloudFormationBackend._resolve_update_parameters = resolve  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S22. A template body holds at most 51,200 bytes
# AWS doc: CloudFormation API Reference, "CreateStack", "UpdateStack", "CreateChangeSet",
# "ValidateTemplate", "CreateStackSet", "UpdateStackSet" (TemplateBody: "Length Constraints:
# Minimum length of 1. Maximum length of 51200"; a larger template goes to S3 and is named by
# TemplateURL, up to 1 MB), and User Guide, "CloudFormation quotas" (template body size in a
# request: 51,200 bytes). AWS answers ValidationError "1 validation error detected: Value at
# 'templateBody' failed to satisfy constraint: Member must have length less than or equal to
# 51200".
# moto 5.2.5 takes a body of any size, so a deployer that sends the playbook templates (94 KB
# to 497 KB) inline worked on the emulator and failed on AWS.
# --------------------------------------------------------------------------

TEMPLATE_BODY_LIMIT = 51_200


def patch_cfn_template_body_limit() -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.responses import CloudFormationResponse

    def limited(name: str) -> None:
        original = _ORIGINALS.setdefault(f"cfn_{name}", getattr(CloudFormationResponse, name))

        def call(self):  # type: ignore[no-untyped-def]
            body = self._get_param("TemplateBody")
            if body is not None and len(body.encode("utf-8")) > TEMPLATE_BODY_LIMIT:
                raise ValidationError(
                    message="1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {TEMPLATE_BODY_LIMIT}")
            return original(self)

        setattr(CloudFormationResponse, name, call)

    for name in ("create_stack", "update_stack", "create_change_set", "validate_template",
                 "create_stack_set", "update_stack_set"):
        limited(name)


STACK_EXTENSIONS: list[Callable[[], None]] = [
    patch_securityhub_action_targets,
    patch_securityhub_batch_update_findings,
    patch_securityhub_findings_imported_events,
    patch_cfn_stack_types,
    patch_cfn_kms_key,
    patch_cfn_conditional_resources,
    patch_sfn_intrinsic_string_literals,
    patch_cfn_parameter_constraints,
    patch_cfn_update_by_resolved_properties,
    patch_cfn_lambda_function,
    patch_cfn_log_group,
    patch_cfn_iam_role,
    patch_cfn_in_place_updates,
    patch_cfn_create_failure_rolls_back,
    patch_cfn_s3_bucket,
    patch_s3_logging_to_owner_enforced_bucket,
    patch_s3_bucket_policy_conditions,
    patch_cfn_s3_bucket_policy,
    patch_cfn_dynamodb_table,
    patch_cfn_delete_failure,
    patch_cfn_termination_protection,
    patch_cfn_update_previous_default,
    patch_cfn_template_body_limit,
]
