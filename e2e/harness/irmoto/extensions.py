"""Extensions of moto 5.2.5 that restore documented AWS behaviour.

Every patch is one function below, listed in ``EXTENSIONS`` and applied by
``apply_all()``; the patches that deploying the generated stacks needed live in the
sibling module ``irmoto.stacks`` (same rules) and are appended to ``EXTENSIONS``, as are
those of ``irmoto.services`` (AWS services as event sources) and ``irmoto.ec2_evidence``
(what an EC2-compromise playbook calls: SSM agent and Run Command, snapshots, volumes,
network interfaces, load balancers) and ``irmoto.faults`` (throttling and transient errors
injected on demand, in every service), ``irmoto.iam`` (who is calling; IAM policy evaluation for
the principals the emulator issued keys to), ``irmoto.s3_checksums`` (S3 additional checksums
checked on receipt; presigned requests' unsigned headers refused) and ``irmoto.calls`` (a
CloudTrail-like log of the calls served, for the benchmarks), ``irmoto.event_buses`` (rules that
forward to another account's or Region's bus) and ``irmoto.stack_sets`` (service-managed
StackSets with automatic deployment).
Each names the AWS documentation page whose behaviour it restores and the moto
internals it replaces. They are written against moto
5.2.5 only: the version check at import refuses any other moto, because a new
release may rename or fix what is patched here. To bump moto, re-read each
patched function in the new release, re-run ``pytest e2e/harness`` and drop
the patches that moto no longer needs.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import logging
import os
import random
import string
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from operator import eq, ge, gt, le, lt
from typing import Any

import moto

PINNED_MOTO = "5.2.5"
if moto.__version__ != PINNED_MOTO:  # an explicit check, not `assert`: -O must not skip it
    raise RuntimeError(
        f"irmoto patches moto internals and is verified against moto=={PINNED_MOTO} only; "
        f"this environment has moto=={moto.__version__}. Install e2e/harness/requirements.txt, "
        "or re-verify every patch in irmoto/extensions.py before moving the pin."
    )

LOG = logging.getLogger("irmoto")

# The originals replaced by the patches, by name, so a patch can defer to moto.
_ORIGINALS: dict[str, Any] = {}
_APPLIED = False
_APPLY_LOCK = threading.Lock()


# --------------------------------------------------------------------------
# 1. CloudFormation AWS::StepFunctions::StateMachine
# AWS doc: CloudFormation Template Reference, "AWS::StepFunctions::StateMachine"
# (Definition / DefinitionString / DefinitionS3Location + DefinitionSubstitutions,
# RoleArn, StateMachineName or a generated "<LogicalId>-<12 chars>", StateMachineType,
# LoggingConfiguration, TracingConfiguration, EncryptionConfiguration, Tags;
# Ref = ARN, Fn::GetAtt Arn and Name).
# moto 5.2.5 reads only DefinitionString and creates the machine in the
# non-executing store (moto/stepfunctions/models.py StateMachine.*_cloudformation_json),
# so ListStateMachines/StartExecution with execution switched on never see it.
# Its clean_json also drops JSON nulls ("ResultPath": null) from a Definition object.
# --------------------------------------------------------------------------

SFN_CFN_TYPE = "AWS::StepFunctions::StateMachine"


def _cfn_to_api_keys(node: Any) -> Any:
    """CloudFormation PascalCase property names -> Step Functions API camelCase."""
    if isinstance(node, dict):
        return {k[:1].lower() + k[1:]: _cfn_to_api_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_cfn_to_api_keys(v) for v in node]
    return node


def _resolve_keeping_nulls(node: Any, resources_map: Any) -> Any:
    """Resolve intrinsics (Ref, Fn::*) inside a Definition object but keep JSON nulls."""
    from moto.cloudformation.parsing import clean_json

    if isinstance(node, dict):
        if len(node) == 1:
            (key,) = node
            if key == "Ref" or key.startswith("Fn::"):
                return clean_json(node, resources_map)
        return {k: _resolve_keeping_nulls(v, resources_map) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_keeping_nulls(v, resources_map) for v in node]
    return node


def _render_definition(props: dict[str, Any], account_id: str, region_name: str) -> str:
    if "Definition" in props:
        text = json.dumps(props["Definition"])
    elif "DefinitionString" in props:
        text = props["DefinitionString"]  # Fn::Sub / Fn::Join already resolved by moto
    elif "DefinitionS3Location" in props:
        from moto.s3.models import s3_backends
        from moto.utilities.utils import get_partition

        loc = props["DefinitionS3Location"]
        key = s3_backends[account_id][get_partition(region_name)].get_object(
            loc["Bucket"], loc["Key"], version_id=loc.get("Version")
        )
        text = key.value.decode("utf-8")
    else:
        raise ValueError(f"{SFN_CFN_TYPE} needs Definition, DefinitionString or DefinitionS3Location")
    # DefinitionSubstitutions: every ${Name} in the definition becomes the value
    # (the values may themselves be resolved intrinsics). The definition is JSON
    # text here, so the value is inserted JSON-escaped.
    for name, value in (props.get("DefinitionSubstitutions") or {}).items():
        as_text = value if isinstance(value, str) else json.dumps(value)
        text = text.replace("${" + name + "}", json.dumps(as_text)[1:-1])
    return text


def _generated_state_machine_name(logical_id: str) -> str:
    suffix = "".join(random.choices(string.ascii_letters + string.digits, k=12))
    return f"{logical_id[: 80 - 13]}-{suffix}"


def _sfn_backend(account_id: str, region_name: str) -> Any:
    # moto's own switch: the executing (parser) store when
    # {"stepfunctions": {"execute_state_machine": true}} is set, as irmoto.server does.
    from moto.stepfunctions.responses import get_backend

    return get_backend(account_id, region_name)


def _sfn_create_state_machine(
    resource_name: str, props: dict[str, Any], account_id: str, region_name: str, logical_id: str | None
) -> Any:
    from moto.stepfunctions.utils import cfn_to_api_tags

    name = props.get("StateMachineName") or _generated_state_machine_name(logical_id or resource_name)
    return _sfn_backend(account_id, region_name).create_state_machine(
        name=name,
        definition=_render_definition(props, account_id, region_name),
        roleArn=props.get("RoleArn", ""),
        tags=cfn_to_api_tags(props.get("Tags", [])),
        loggingConfiguration=_cfn_to_api_keys(props.get("LoggingConfiguration")),
        tracingConfiguration=_cfn_to_api_keys(props.get("TracingConfiguration")),
        encryptionConfiguration=_cfn_to_api_keys(props.get("EncryptionConfiguration")),
        sm_type=props.get("StateMachineType", "STANDARD"),
    )


def patch_cfn_state_machine() -> None:
    """CFN StateMachine: Definition object + substitutions, created in the executing store."""
    from moto.cloudformation import parsing
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.utils import cfn_to_api_tags

    # parse_resource is looked up as a module global by parse_resource_and_generate_name
    # (create and update paths): keep the raw Definition object, nulls included.
    original_parse_resource = _ORIGINALS.setdefault("parse_resource", parsing.parse_resource)

    def parse_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        raw = None
        if resource_json.get("Type") == SFN_CFN_TYPE:
            raw = copy.deepcopy((resource_json.get("Properties") or {}).get("Definition"))
        parsed = original_parse_resource(resource_json, resources_map)
        if parsed and raw is not None:
            parsed[1]["Properties"]["Definition"] = _resolve_keeping_nulls(raw, resources_map)
        return parsed

    parsing.parse_resource = parse_resource

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = cloudformation_json["Properties"]
        return _sfn_create_state_machine(resource_name, props, account_id, region_name, kwargs.get("LogicalId"))

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
        _sfn_backend(account_id, region_name).delete_state_machine(resource_name)  # physical id = ARN

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):  # type: ignore[no-untyped-def]
        props = cloudformation_json.get("Properties", {})
        backend = _sfn_backend(account_id, region_name)
        name = props.get("StateMachineName") or original_resource.name
        sm_type = props.get("StateMachineType", "STANDARD")
        if name != original_resource.name or sm_type != original_resource.type:
            # StateMachineName and StateMachineType: "Update requires: Replacement"
            # (a new generated name unless StateMachineName is given).
            backend.delete_state_machine(original_resource.arn)
            return _sfn_create_state_machine(
                new_resource_name,
                props,
                account_id,
                region_name,
                getattr(original_resource, "logical_resource_id", None),
            )
        state_machine = backend.update_state_machine(
            original_resource.arn,
            definition=_render_definition(props, account_id, region_name),
            role_arn=props.get("RoleArn"),
            logging_configuration=_cfn_to_api_keys(props.get("LoggingConfiguration")),
            tracing_configuration=_cfn_to_api_keys(props.get("TracingConfiguration")),
        )
        tags = cfn_to_api_tags(props.get("Tags", []))
        if tags:
            backend.tagger.tag_resource(state_machine.arn, tags)
        return state_machine

    original_get_att = _ORIGINALS.setdefault("sfn_get_cfn_attribute", StateMachine.get_cfn_attribute)

    def get_cfn_attribute(self, attribute_name):  # type: ignore[no-untyped-def]
        if attribute_name == "Arn":
            return self.arn
        return original_get_att(self, attribute_name)  # Name, DefinitionString, RoleArn, ...

    original_has_att = _ORIGINALS.setdefault("sfn_has_cfn_attr", StateMachine.has_cfn_attr)

    def has_cfn_attr(cls, attr):  # type: ignore[no-untyped-def]
        return attr == "Arn" or original_has_att(attr)

    StateMachine.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    StateMachine.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    StateMachine.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)  # type: ignore[method-assign,assignment]
    StateMachine.get_cfn_attribute = get_cfn_attribute  # type: ignore[method-assign]
    StateMachine.has_cfn_attr = classmethod(has_cfn_attr)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# 2. Lambda Invoke forwarded to a Lambda Invoke API (cargo lambda watch)
# AWS doc: Lambda API Reference, "Invoke" (X-Amz-Invocation-Type RequestResponse /
# Event / DryRun; a function error answers 200 with X-Amz-Function-Error: Unhandled
# and the {"errorType", "errorMessage"} payload) and Step Functions Developer Guide,
# "Handling errors in Step Functions workflows" (a Lambda errorType is the state's
# error name that Retry/Catch match).
# moto 5.2.5 without Docker (moto/awslambda_simple/models.py LambdaSimpleBackend.invoke)
# only echoes the payload. cargo lambda watch answers a handler error with HTTP 500 and
# the runtime's error body, and no X-Amz-Function-Error header.
# moto's interpreter (stepfunctions/parser/.../lambda_eval_utils.py) raises
# LambdaFunctionErrorException on FunctionError and StateTaskLambda /
# StateTaskServiceLambda._from_error use the payload's errorType as the ASL error.
# --------------------------------------------------------------------------


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _function_error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode("utf-8")


def _post_invoke(url: str, data: bytes) -> tuple[bool, bytes]:
    """POST one invocation; returns (is_function_error, payload)."""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    # cargo lambda watch compiles a function on its first invocation: no Lambda-sized timeout.
    timeout = float(os.environ.get("IR_LAMBDA_INVOKE_TIMEOUT", "900"))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return False, response.read()
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "errorType" in parsed:
            return True, raw
        return True, _function_error("Harness.InvokeFailed", f"{url} answered HTTP {err.code}: {raw[:2000]!r}")
    except (urllib.error.URLError, OSError) as err:
        return True, _function_error("Harness.InvokeEndpointUnreachable", f"{url}: {err}")


def patch_lambda_invoke_forwarding() -> None:
    """Lambda Invoke -> $IR_LAMBDA_INVOKE_ENDPOINT/2015-03-31/functions/<IR_TASK or name>/invocations."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original_invoke = _ORIGINALS.setdefault("lambda_invoke", LambdaSimpleBackend.invoke)

    def invoke(self, function_name, qualifier, body, headers, response_headers):  # type: ignore[no-untyped-def]
        endpoint = os.environ.get("IR_LAMBDA_INVOKE_ENDPOINT")
        if not endpoint:
            return original_invoke(self, function_name, qualifier, body, headers, response_headers)
        fn = self.get_function(function_name, qualifier)  # ResourceNotFoundException as on AWS
        binary = (fn.environment_vars or {}).get("IR_TASK") or fn.function_name
        url = f"{endpoint.rstrip('/')}/2015-03-31/functions/{urllib.parse.quote(binary, safe='')}/invocations"
        data = body.encode("utf-8") if isinstance(body, str) else (body or b"{}")
        invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":  # asynchronous: 202 at once, the handler runs behind
            threading.Thread(target=_post_invoke, args=(url, data), daemon=True).start()
            return b""
        is_error, payload = _post_invoke(url, data)
        if is_error:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["Content-Length"] = str(len(payload))
        return payload

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3a. EventBridge event patterns: arrays of objects, array-consistent
# AWS doc: EventBridge User Guide, "Arrays in Amazon EventBridge event patterns" and
# "Content filtering in Amazon EventBridge event patterns" (prefix, suffix,
# equals-ignore-case, wildcard, anything-but, numeric, cidr, exists, $or).
# moto 5.2.5 (moto/events/models.py EventPattern.matches_event) flattens only nested
# objects, so {"detail": {"findings": {"Severity": {"Label": ["HIGH"]}}}} never matches
# detail.findings[0].Severity.Label. Replaced by a recursive matcher that descends into
# arrays and, like EventBridge's event-ruler (rulesForJSONEvent), requires sibling
# fields to match within the same array element.
# --------------------------------------------------------------------------

_MISSING = object()


def _elements(value: Any) -> list[Any]:
    """Arrays (nested too) are crushed into their elements."""
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(_elements(item))
        return out
    return [value]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    return type(expected) is type(value) and expected == value


def _string_op(value: Any, arg: Any, test: Callable[[str, str], bool]) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(arg, dict) and "equals-ignore-case" in arg:
        return test(value.lower(), str(arg["equals-ignore-case"]).lower())
    args = arg if isinstance(arg, list) else [arg]
    return any(isinstance(a, str) and test(value, a) for a in args)


def _match_operator(op: str, arg: Any, value: Any) -> bool:
    from moto.events.models import EventPattern

    if op == "prefix":
        return _string_op(value, arg, str.startswith)
    if op == "suffix":
        return _string_op(value, arg, str.endswith)
    if op == "equals-ignore-case":
        args = arg if isinstance(arg, list) else [arg]
        return isinstance(value, str) and any(value.lower() == str(a).lower() for a in args)
    if op == "wildcard":
        args = arg if isinstance(arg, list) else [arg]
        return any(EventPattern._wildcard_match(value, a) for a in args)
    if op == "numeric":
        if not _is_number(value):
            return False
        ops = {"<": lt, "<=": le, "=": eq, ">=": ge, ">": gt}
        return all(ops[o](value, v) for o, v in zip(arg[::2], arg[1::2], strict=False))
    if op == "anything-but":
        if isinstance(arg, dict):
            ((sub_op, sub_arg),) = arg.items()
            return not _match_operator(sub_op, sub_arg, value)
        args = arg if isinstance(arg, list) else [arg]
        return not any(_same(a, value) for a in args)
    if op == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
        except (TypeError, ValueError):
            return False
    return False  # unknown operator: never a match (moto 5.2.5 answered True)


def _match_leaf(filters: list[Any], value: Any) -> bool:
    # "exists" works on leaves only: an object is not a leaf; an empty array holds none.
    leaves = [] if value is _MISSING else [v for v in _elements(value) if not isinstance(v, dict)]
    present = bool(leaves)
    for f in filters:
        if isinstance(f, dict):
            ((op, arg),) = f.items()
            if op == "exists":
                if bool(arg) == present:
                    return True
            elif any(_match_operator(op, arg, v) for v in leaves):
                return True
        elif any(_same(f, v) for v in leaves):
            return True
    return False


def match_event_pattern(pattern: dict[str, Any], node: Any) -> bool:
    """True when `node` (an event or a part of it) matches `pattern`."""
    for key, sub in pattern.items():
        if key == "$or" and isinstance(sub, list) and all(isinstance(p, dict) for p in sub):
            if not any(match_event_pattern(p, node) for p in sub):
                return False
            continue
        value = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
        if isinstance(sub, dict):
            objects = [] if value is _MISSING else [v for v in _elements(value) if isinstance(v, dict)]
            # Each array element is tried on its own (array consistency); an absent
            # path is an empty object, where only {"exists": false} can match.
            if not any(match_event_pattern(sub, obj) for obj in objects or [{}]):
                return False
        elif isinstance(sub, list):
            if not _match_leaf(sub, value):
                return False
        else:
            return False
    return True


def patch_events_pattern_arrays() -> None:
    """EventBridge patterns match inside arrays of objects."""
    from moto.events.models import EventPattern

    _ORIGINALS.setdefault("matches_event", EventPattern.matches_event)

    def matches_event(self, event):  # type: ignore[no-untyped-def]
        pattern = self.get_pattern()
        if not pattern:
            return True
        return match_event_pattern(pattern, json.loads(json.dumps(event)))

    EventPattern.matches_event = matches_event  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3a'. EventBridge TestEventPattern
# AWS doc: EventBridge API Reference, "TestEventPattern" (Result: whether the event
# matches the pattern). moto 5.2.5 (moto/events/responses.py EventsHandler.
# test_event_pattern) answers an empty body. Served with the matcher of 3a, so
# playbooks' patterns can be checked against sample findings through the API.
# --------------------------------------------------------------------------


def patch_events_test_event_pattern() -> None:
    """TestEventPattern answers {"Result": bool}."""
    from moto.events.models import EventPattern
    from moto.events.responses import EventsHandler

    _ORIGINALS.setdefault("test_event_pattern", EventsHandler.test_event_pattern)

    def test_event_pattern(self):  # type: ignore[no-untyped-def]
        pattern = EventPattern.load(self._get_param("EventPattern"))  # InvalidEventPatternException
        event = json.loads(self._get_param("Event"))
        return self._create_response({"Result": pattern.matches_event(event)})

    EventsHandler.test_event_pattern = test_event_pattern  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3b. EventBridge targets: Step Functions, Lambda, SNS; DISABLED rules stay quiet
# AWS doc: EventBridge User Guide, "Amazon EventBridge targets" (Input, InputPath,
# InputTransformer) and "Disabling or deleting a rule in Amazon EventBridge"; the
# delivered event has the shape of "Amazon EventBridge events" (time as ISO 8601).
# moto 5.2.5 (moto/events/models.py Rule.send_to_targets) handles logs, SQS, event
# buses, archives and API destinations only, raises on any other target (failing
# PutEvents), and fires rules whatever their State. A bus target is irmoto.event_buses'.
# Its own targets (SQS, logs) get the event without its `account` (moto/events/utils.py
# EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE), which AWS delivers: put back.
# --------------------------------------------------------------------------


def _arn_region_account(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return parts[3], parts[4]


def _delivered_event(event: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(out.get("time"), (int, float)):
        out["time"] = datetime.fromtimestamp(out["time"], tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _target_input(target: dict[str, Any], event: dict[str, Any]) -> str:
    if "Input" in target:
        return target["Input"]
    delivered = _delivered_event(event)
    if "InputPath" in target:
        from jsonpath_ng.ext import parse

        found = parse(target["InputPath"]).find(delivered)
        return json.dumps(found[0].value if found else None)
    if "InputTransformer" in target:
        from moto.events.utils import EventTemplateParser

        transformer = target["InputTransformer"]
        return json.dumps(
            EventTemplateParser.parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}),
                event={**delivered, "ingestion-time": event.get("ingestion-time")},  # type: ignore[typeddict-item]
            )
        )
    return json.dumps(delivered)


def _deliver_to_state_machine(target: dict[str, Any], payload: str) -> None:
    region, account = _arn_region_account(target["Arn"])
    _sfn_backend(account, region).start_execution(target["Arn"], str(uuid.uuid4()), payload)


def _deliver_to_lambda(target: dict[str, Any], payload: str) -> None:
    from moto.awslambda.utils import get_backend

    region, account = _arn_region_account(target["Arn"])  # EventBridge invokes asynchronously
    get_backend(account, region).invoke(target["Arn"], None, payload, {"X-Amz-Invocation-Type": "Event"}, {})


def _deliver_to_sns(target: dict[str, Any], payload: str) -> None:
    from moto.sns.models import sns_backends

    region, account = _arn_region_account(target["Arn"])
    sns_backends[account][region].publish(message=payload, arn=target["Arn"])


_EXTRA_TARGETS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "states": _deliver_to_state_machine,
    "lambda": _deliver_to_lambda,
    "sns": _deliver_to_sns,
}


def patch_events_targets() -> None:
    """Rules start executions, invoke Lambdas, publish to SNS; DISABLED rules never fire."""
    from moto.events.models import Rule

    from moto.events.utils import EventTemplateParser

    from .event_buses import deliver_to_bus, is_bus_target

    if '"account"' not in EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE:
        EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE.replace(
            '"source": "<source>", ', '"source": "<source>", "account": "<account>", ')
        assert '"account"' in EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE

    original_send = _ORIGINALS.setdefault("send_to_targets", Rule.send_to_targets)

    def send_to_targets(self, original_event, transform_input=True):  # type: ignore[no-untyped-def]
        if not str(self.state).startswith("ENABLED"):
            return
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return  # a schedule-only rule is not matched by PutEvents
        if not self.event_pattern.matches_event(original_event):
            return
        for target in list(self.targets):
            service = target["Arn"].split(":")[2]
            try:
                if is_bus_target(target["Arn"]):  # irmoto.event_buses B1
                    deliver_to_bus(self, target, original_event)
                elif service in _EXTRA_TARGETS:
                    payload = (
                        _target_input(target, original_event)
                        if transform_input
                        else json.dumps(_delivered_event(original_event))
                    )
                    _EXTRA_TARGETS[service](target, payload)
                else:  # moto's own targets, one at a time
                    single = copy.copy(self)
                    single.targets = [target]
                    original_send(single, original_event, transform_input)
            except Exception:  # AWS never fails PutEvents because a target failed
                LOG.exception("irmoto: delivery of rule %s to %s failed", self.name, target.get("Arn"))

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3c. EventBridge PutEvents size limit
# AWS doc: EventBridge User Guide, "Calculating Amazon EventBridge PutEvents event entry
# size" (Time = 14 bytes, UTF-8 bytes of Source, DetailType, Detail and each Resources
# entry; "the total entry size must be less than 256KB"). AWS refuses such a request
# as a whole with ValidationException "Total size of the entries in the request is over
# the limit."; the per-entry ErrorCodes of PutEventsResultEntry have no size code.
# moto 5.2.5 (moto/events/models.py EventsBackend.put_events) accepts any size.
# The limit is 262144 bytes unless IR_EVENTS_MAX_REQUEST_BYTES says otherwise. Note: AWS
# was reported (Jan 2026) to raise EventBridge, SQS and async Lambda payloads to 1 MB;
# 256 KiB is kept as the stricter bound (what passes here passes there); set
# IR_EVENTS_MAX_REQUEST_BYTES=1048576 to follow the new quota.
# --------------------------------------------------------------------------


def put_events_entry_size(entry: dict[str, Any]) -> int:
    size = 14 if entry.get("Time") is not None else 0
    for field in ("Source", "DetailType", "Detail"):
        if entry.get(field) is not None:
            size += len(str(entry[field]).encode("utf-8"))
    for resource in entry.get("Resources") or []:
        if resource is not None:
            size += len(str(resource).encode("utf-8"))
    return size


def patch_events_put_events_size() -> None:
    """PutEvents over the documented size is refused."""
    from moto.events.exceptions import ValidationException
    from moto.events.models import EventsBackend

    original_put_events = _ORIGINALS.setdefault("put_events", EventsBackend.put_events)

    def put_events(self, events):  # type: ignore[no-untyped-def]
        limit = int(os.environ.get("IR_EVENTS_MAX_REQUEST_BYTES", str(256 * 1024)))
        if sum(put_events_entry_size(e) for e in events) > limit:
            raise ValidationException("Total size of the entries in the request is over the limit.")
        return original_put_events(self, events)

    EventsBackend.put_events = put_events  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3d. StartExecution without a name
# AWS doc: Step Functions API Reference, "StartExecution" (name optional: "If you don't
# provide a name for the execution, Step Functions automatically generates a UUID").
# moto 5.2.5 (moto/stepfunctions/parser/models.py StepFunctionsParserBackend.start_execution)
# builds the ARN "...:None", and a second unnamed start fails with ExecutionAlreadyExists.
# --------------------------------------------------------------------------


def patch_sfn_execution_default_name() -> None:
    """StartExecution without a name gets a UUID."""
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_start = _ORIGINALS.setdefault("sfn_start_execution", StepFunctionsParserBackend.start_execution)

    def start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):  # type: ignore[no-untyped-def]
        return original_start(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)

    StepFunctionsParserBackend.start_execution = start_execution  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 4. Security groups belong to each ENI
# AWS doc: EC2 API Reference, "ModifyNetworkInterfaceAttribute" (Groups: "Changes the
# security groups for the network interface. The new set of groups you specify replaces
# the current set") and "ModifyInstanceAttribute" (for an instance with several network
# interfaces EC2 answers InvalidInstanceID "There are multiple interfaces attached to
# instance '<id>'. Please specify an interface ID for the operation instead.").
# moto 5.2.5: NetworkInterface.group_set (moto/ec2/models/elastic_network_interfaces.py)
# unions the ENI's groups with the instance's launch groups, and
# InstanceBackend.modify_instance_security_groups (moto/ec2/models/instances.py) changes
# only an instance-level list, for any number of ENIs.
# Here an ENI's groups are its own, the instance's SecurityGroups in DescribeInstances
# is the union over its ENIs (in device order), and instance-level changes apply to the
# single ENI or fail as on EC2.
# --------------------------------------------------------------------------


def _multiple_interfaces_error(instance_id: str) -> Exception:
    from moto.ec2.exceptions import EC2ClientError

    return EC2ClientError(
        "InvalidInstanceID",
        f"There are multiple interfaces attached to instance '{instance_id}'. "
        "Please specify an interface ID for the operation instead.",
    )


def patch_ec2_groups_per_eni() -> None:
    """ENI security groups are replaced, not merged; instance-level changes need a single ENI."""
    from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
    from moto.ec2.models.instances import Instance, InstanceBackend

    _ORIGINALS.setdefault("eni_group_set", NetworkInterface.__dict__["group_set"])
    NetworkInterface.group_set = property(lambda self: list(self._group_set))  # type: ignore[method-assign,assignment]

    def get_security_groups(self):  # type: ignore[no-untyped-def]
        nics = self.__dict__.get("nics")
        if not nics:  # before prep_nics, at launch
            return self.__dict__.get("_irmoto_launch_groups", [])
        groups: list[Any] = []
        for index in sorted(nics):
            groups.extend(g for g in nics[index]._group_set if g not in groups)
        return groups

    def set_security_groups(self, value):  # type: ignore[no-untyped-def]
        self.__dict__["_irmoto_launch_groups"] = list(value or [])

    Instance.security_groups = property(get_security_groups, set_security_groups)  # type: ignore[assignment]

    def lookup_groups(backend: Any, group_ids: list[str]) -> list[Any]:
        groups = []
        for group_id in group_ids:
            group = backend.get_security_group_from_id(group_id)
            if group is None:
                raise InvalidSecurityGroupNotFoundError(group_id)
            groups.append(group)
        return groups

    original_modify_eni = _ORIGINALS.setdefault(
        "modify_network_interface_attribute", NetworkInterfaceBackend.modify_network_interface_attribute
    )

    def modify_network_interface_attribute(self, eni_id, group_ids, source_dest_check=None, description=None):  # type: ignore[no-untyped-def]
        lookup_groups(self, group_ids or [])  # InvalidGroup.NotFound instead of a None in the set
        return original_modify_eni(self, eni_id, group_ids, source_dest_check, description)

    def modify_instance_security_groups(self, instance_id, new_group_id_list):  # type: ignore[no-untyped-def]
        instance = self.get_instance(instance_id)
        if len(instance.nics) > 1:
            raise _multiple_interfaces_error(instance_id)
        groups = lookup_groups(self, new_group_id_list)
        for nic in instance.nics.values():
            nic._group_set = groups
        instance.security_groups = groups
        return instance

    original_modify_attribute = _ORIGINALS.setdefault(
        "modify_instance_attribute", InstanceBackend.modify_instance_attribute
    )

    def modify_instance_attribute(self, instance_id, key, value):  # type: ignore[no-untyped-def]
        if key == "source_dest_check" and len(self.get_instance(instance_id).nics) > 1:
            raise _multiple_interfaces_error(instance_id)
        return original_modify_attribute(self, instance_id, key, value)

    NetworkInterfaceBackend.modify_network_interface_attribute = modify_network_interface_attribute  # type: ignore[method-assign]
    InstanceBackend.modify_instance_security_groups = modify_instance_security_groups  # type: ignore[method-assign]
    InstanceBackend.modify_instance_attribute = modify_instance_attribute  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 5. CloudFormation resource types moto accepts silently without creating anything
# moto 5.2.5 (moto/cloudformation/parsing.py resource_class_from_type) logs "No Moto
# CloudFormation support" and reports CREATE_COMPLETE with nothing behind. Models are
# found through CloudFormationModel.__subclasses__() (lru_cached get_model_list /
# get_model_map / get_name_type_map), so each type below is one small class that is a
# direct subclass of CloudFormationModel; apply_all() clears those caches.
# --------------------------------------------------------------------------


def _cfn_model_classes() -> list[type]:
    from moto.core.common_models import CloudFormationModel

    class WAFv2IPSet(CloudFormationModel):
        """AWS doc: CloudFormation Template Reference, "AWS::WAFv2::IPSet" (Ref returns
        "name|id|scope"; Fn::GetAtt Arn and Id), created in moto's wafv2 backend."""

        def __init__(self, ip_set: Any, account_id: str, backend_region: str, scope: str):
            self.ip_set, self.account_id, self.backend_region, self.scope = ip_set, account_id, backend_region, scope

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::WAFv2::IPSet"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Arn", "Id")

        @property
        def physical_resource_id(self) -> str:
            return f"{self.ip_set.name}|{self.ip_set.ip_set_id}|{self.scope}"

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.ip_set.arn
            if attribute_name == "Id":
                return self.ip_set.ip_set_id
            raise UnformattedGetAttTemplateException()

        @staticmethod
        def _backend(account_id: str, region_name: str, scope: str) -> tuple[Any, str]:
            from moto.wafv2.models import GLOBAL_REGION, wafv2_backends

            region = GLOBAL_REGION if scope == "CLOUDFRONT" else region_name
            return wafv2_backends[account_id][region], region

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            scope = props["Scope"]
            backend, region = cls._backend(account_id, region_name, scope)
            ip_set = backend.create_ip_set(
                name=props.get("Name", resource_name),
                scope=scope,
                description=props.get("Description"),
                ip_address_version=props["IPAddressVersion"],
                addresses=list(props.get("Addresses", [])),
                tags=props.get("Tags", []),
            )
            return cls(ip_set, account_id, region, scope)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            old = original_resource.ip_set
            if (props.get("Name", old.name), props["Scope"], props["IPAddressVersion"]) != (
                old.name,
                original_resource.scope,
                old.ip_address_version,
            ):  # Name, Scope, IPAddressVersion: "Update requires: Replacement"
                new = cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
                original_resource.delete(account_id, region_name)
                return new
            old.update(props.get("Description"), list(props.get("Addresses", [])))
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend, _ = self._backend(self.account_id, self.backend_region, self.scope)
            backend.ip_sets.pop(self.ip_set.arn, None)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def,override]
            name, ip_set_id, scope = resource_name.split("|")
            backend, _ = cls._backend(account_id, region_name, scope)
            for arn, ip_set in list(backend.ip_sets.items()):
                if ip_set.ip_set_id == ip_set_id:
                    backend.ip_sets.pop(arn)

    class SNSSubscription(CloudFormationModel):
        """AWS doc: CloudFormation Template Reference, "AWS::SNS::Subscription" (TopicArn,
        Protocol, Endpoint, RawMessageDelivery, FilterPolicy[Scope], RedrivePolicy,
        DeliveryPolicy; Ref returns the subscription ARN), created in moto's sns backend."""

        ATTRIBUTES = ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy", "DeliveryPolicy")
        REPLACING = ("TopicArn", "Protocol", "Endpoint")

        def __init__(self, arn: str, account_id: str, region_name: str):
            self.arn, self.account_id, self.region_name = arn, account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

            if attribute_name == "Arn":
                return self.arn
            raise UnformattedGetAttTemplateException()

        @staticmethod
        def _backend(account_id: str, region_name: str) -> Any:
            from moto.sns.models import sns_backends

            return sns_backends[account_id][region_name]

        @classmethod
        def _set_attributes(cls, backend: Any, arn: str, props: dict[str, Any]) -> None:
            for name in cls.ATTRIBUTES:
                if name in props:
                    value = props[name]
                    if isinstance(value, bool):
                        value = "true" if value else "false"
                    elif isinstance(value, (dict, list)):
                        value = json.dumps(value)
                    backend.set_subscription_attributes(arn, name, value)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            region = props.get("Region") or props["TopicArn"].split(":")[3]
            backend = cls._backend(account_id, region)
            subscription = backend.subscribe(props["TopicArn"], props.get("Endpoint"), props["Protocol"])
            cls._set_attributes(backend, subscription.arn, props)
            return cls(subscription.arn, account_id, region)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            subscription = cls._backend(account_id, original_resource.region_name).subscriptions[original_resource.arn]
            current = (subscription.topic.arn, subscription.protocol, subscription.endpoint)
            if tuple(props.get(k) for k in cls.REPLACING) != current:
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(
                    new_resource_name, cloudformation_json, account_id, region_name
                )
            cls._set_attributes(cls._backend(account_id, original_resource.region_name), original_resource.arn, props)
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            self._backend(self.account_id, self.region_name).unsubscribe(self.arn)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def,override]
            cls._backend(account_id, resource_name.split(":")[3]).unsubscribe(resource_name)

    return [WAFv2IPSet, SNSSubscription]


CFN_MODELS: list[type] = []


def patch_cfn_missing_types() -> None:
    """Register CloudFormation models for types moto 5.2.5 ignores (AWS::WAFv2::IPSet, AWS::SNS::Subscription)."""
    from moto.cloudformation import parsing

    if not CFN_MODELS:
        CFN_MODELS.extend(_cfn_model_classes())
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    missing = {m.cloudformation_type() for m in CFN_MODELS} - set(parsing.get_model_map())
    if missing:
        raise RuntimeError(f"irmoto: CloudFormation models not registered: {sorted(missing)}")


# --------------------------------------------------------------------------

# --------------------------------------------------------------------------
# 3e. SendTaskFailure keeps its cause
# AWS doc: Step Functions API Reference, "SendTaskFailure" (error and cause "provide more
# details"; a Catch receives {"Error": error, "Cause": cause}).
# moto 5.2.5 (moto/stepfunctions/responses.py StepFunctionResponse.send_task_failure)
# reads only `error`, so a Catch saw "Cause": null and the reason a responder gave was lost.
# --------------------------------------------------------------------------


def patch_sfn_send_task_failure_cause() -> None:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):  # type: ignore[no-untyped-def]
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3e2. A task token is answered by the execution that waits on it
# AWS doc: Step Functions API Reference, "SendTaskSuccess", "SendTaskFailure",
# "SendTaskHeartbeat" (the token names the task; an unknown one is InvalidToken, a finished
# task TaskDoesNotExist or TaskTimedOut).
# moto 5.2.5 (moto/stepfunctions/parser/models.py StepFunctionsParserBackend.send_task_*,
# describe_map_run, update_map_run) asks every execution in turn through its worker, and an
# execution that has no worker (one just ending, or not yet started) raised AttributeError:
# HTTP 500, and a responder's answer was lost whenever another execution was at that point
# (seen under CI load). Executions without a worker are not asked: they wait on no token.
# --------------------------------------------------------------------------


def patch_sfn_tokens_skip_executions_without_worker() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = _ORIGINALS.setdefault("sfn_get_executions", StepFunctionsParserBackend._get_executions)

    def _get_executions(self, execution_status=None):  # type: ignore[no-untyped-def]
        return [e for e in original(self, execution_status) if getattr(e, "exec_worker", None) is not None]

    StepFunctionsParserBackend._get_executions = _get_executions  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3e3. ListMapRuns of an execution that is only starting
# AWS doc: Step Functions API Reference, "ListMapRuns" (lists the Map Runs an execution started:
# none yet, for one that has just begun).
# moto 5.2.5 (moto/stepfunctions/parser/models.py StepFunctionsParserBackend.list_map_runs)
# reads the execution worker's environment, which is None until the worker has set it up:
# AttributeError, HTTP 500, for whoever asked in that window (seen in e2e --test ec2 under load,
# 7 times in one run; three in a row exhausted the SDK's retries and failed a scenario).
# --------------------------------------------------------------------------


def patch_sfn_list_map_runs_of_a_starting_execution() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = _ORIGINALS.setdefault("sfn_list_map_runs", StepFunctionsParserBackend.list_map_runs)

    def list_map_runs(self, execution_arn):  # type: ignore[no-untyped-def]
        execution = self.describe_execution(execution_arn=execution_arn)  # ExecutionDoesNotExist as before
        worker = getattr(execution, "exec_worker", None)
        if worker is None or getattr(worker, "env", None) is None:
            return {"mapRuns": []}
        return original(self, execution_arn)

    StepFunctionsParserBackend.list_map_runs = list_map_runs  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3f. A States.* error leaving a Parallel branch or a Map iteration keeps its name
# AWS doc: Step Functions Developer Guide, "Handling errors in Step Functions workflows"
# (States.Timeout, States.TaskFailed, ... are the errors a Retry/Catch matches, States.ALL
# matches any of them) and "Parallel workflow state" / "Map workflow state" (when a branch
# or an iteration fails with an unhandled error, the whole state fails with that error, and
# the state's Catch handles it).
# moto 5.2.5 (parser/asl/component/state/exec/state_parallel/branches_decl.py
# BranchesDecl._eval_body, state_map/iteration/iteration_worker.py IterationWorker) wraps the
# failed branch's error name in CustomErrorName, whose constructor refuses names that start
# with "States.": a task that timed out inside a Parallel or Map raised ValueError instead,
# which became an uncatchable States.Runtime and failed the whole execution (one slow Lambda
# in a Map of 50 instances aborted all 50).
# --------------------------------------------------------------------------


def _propagated_error_name(error_name: str | None) -> Any:
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName

    if error_name is not None and error_name.startswith("States."):
        try:
            return StatesErrorName.from_name(error_name)
        except ValueError:  # a States.* name the interpreter does not know: keep moto's behaviour
            pass
    return CustomErrorName(error_name=error_name)


def patch_sfn_states_errors_propagate() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl

    for module in (branches_decl, iteration_worker):
        module.CustomErrorName = _propagated_error_name  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# 3g. A resource's tags are read from its own entry (performance only)
# AWS doc: EC2 API Reference, "DescribeSnapshots" / "DescribeInstances" (filters tag:KEY,
# tag-key, tag-value): results do not depend on how many other resources carry tags.
# moto 5.2.5 (moto/ec2/models/core.py TaggedEC2Resource.get_tags) answers one resource's tags
# by scanning every tag of every resource in the region (TagBackend.describe_tags with a
# resource-id regex), once per resource per filter: a tag-filtered DescribeSnapshots over 200
# snapshots read the whole tag store 200 times. With 50 instances contained at once the
# emulator spent half its time there and serialized the playbook it should measure. Same
# result (the resource's tags in insertion order, same dict shape), read from
# TagBackend.tags[resource_id] directly.
# --------------------------------------------------------------------------


def patch_ec2_tags_by_resource() -> None:
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

    def get_tags(self: Any) -> list[dict[str, str]]:
        resource_id = getattr(self, "id", None)
        if not resource_id:
            return []
        tags = self.ec2_backend.tags.get(resource_id) or {}
        resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
        return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type}
                for key, value in list(tags.items())]

    TaggedEC2Resource.get_tags = get_tags  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3h. GetExecutionHistory pages and reverse order
# AWS doc: Step Functions API Reference, "GetExecutionHistory" (reverseOrder "lists events in
# descending order of their timeStamp"; maxResults "the default is 100 and the maximum allowed
# page size is 1000", 0 means the default; nextToken for the next page).
# moto 5.2.5 (moto/stepfunctions/responses.py StepFunctionResponse.get_execution_history)
# ignores all three and answers every event, oldest first, in one page: a client that follows
# an execution by reading newest first until it meets an event it has seen (irctl watch) never
# saw a new event.
# --------------------------------------------------------------------------


def patch_sfn_execution_history_pages() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def get_execution_history(self: Any) -> Any:
        history = self.stepfunction_backend.get_execution_history(self._get_param("executionArn"))
        events = list(history.get("events") or [])
        if self._get_param("reverseOrder"):
            events.reverse()
        size = int(self._get_param("maxResults") or 0) or 100
        if not 0 < size <= 1000:
            raise ValueError("maxResults must be 0 to 1000")
        token = self._get_param("nextToken")
        start = int(token) if token and str(token).isdigit() else 0
        page: dict[str, Any] = {"events": events[start:start + size]}
        if start + size < len(events):
            page["nextToken"] = str(start + size)
        return ActionResult(page)

    StepFunctionResponse.get_execution_history = get_execution_history  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3h2. The Context object's Execution.StartTime is an ISO 8601 string
# AWS doc: AWS Step Functions Developer Guide, "Accessing execution data from the Context
# object in Step Functions" ("StartTime": "2019-03-26T20:14:13.192Z", a string).
# moto 5.2.5 (moto/stepfunctions/parser/backend/execution.py Execution.get_start_execution_details)
# hands the execution's start `datetime` itself to the context, so `$$.Execution.StartTime`
# in a Pass state or a Lambda payload fails to serialize and the state fails. The start time
# is now given as AWS writes it: UTC, milliseconds, `Z`.
# --------------------------------------------------------------------------


def iso_start_time(start: Any) -> Any:
    if isinstance(start, datetime):
        aware = start if start.tzinfo else start.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{aware.microsecond // 1000:03d}Z"
    return start


def patch_sfn_context_start_time() -> None:
    from moto.stepfunctions.parser.backend.execution import Execution

    original = _ORIGINALS.setdefault("sfn_start_execution_details", Execution.get_start_execution_details)

    def get_start_execution_details(self: Any) -> Any:
        details = original(self)
        details.start_time = iso_start_time(details.start_time)
        return details

    Execution.get_start_execution_details = get_start_execution_details  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3i. The backend for a host is looked up once (performance only)
# AWS doc: none; how a request finds its service is the emulator's business.
# moto 5.2.5 (moto/moto_server/werkzeug_app.py DomainDispatcherApplication.get_backend_for_host,
# moto/backends.py list_of_moto_modules) lists moto's package folder and stats each entry, then
# tries every service's URL regex, for every request, inside the dispatcher's global lock: a
# serial section in front of every call the playbooks make. The answer for a host never
# changes while the server runs, so it is remembered per host (same answer, first lookup as
# before).
# --------------------------------------------------------------------------


def patch_backend_lookup_cache() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    cache: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in cache:
            cache[host] = original(self, host)
        return cache[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3j. A network interface is found while others are being created
# AWS doc: EC2 API Reference, "AttachNetworkInterface", "DescribeNetworkInterfaces" (an
# interface id that exists is found; a request never fails because another one is in flight).
# moto 5.2.5 (moto/ec2/models/elastic_network_interfaces.py get_network_interface) finds one
# by iterating over every interface of the region while another request thread may add one:
# "RuntimeError: dictionary changed size during iteration", an HTTP 500, seen creating the
# bench's 500-host fleet four at a time. Looked up by key instead (the dict is keyed by id).
# --------------------------------------------------------------------------


def patch_ec2_network_interface_lookup() -> None:
    from moto.ec2.exceptions import InvalidNetworkInterfaceIdError
    from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend

    def get_network_interface(self: Any, eni_id: str) -> Any:
        eni = self.enis.get(eni_id)
        if eni is None:
            raise InvalidNetworkInterfaceIdError(eni_id)
        return eni

    NetworkInterfaceBackend.get_network_interface = get_network_interface  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 3k. ListParents of a child the organization does not hold
# AWS doc: Organizations API Reference, "ListParents", Errors: ChildNotFoundException ("We can't
# find an organizational unit (OU) or AWS account with the ChildId that you specified").
# moto 5.2.5 (moto/organizations/models.py list_parents) answered AccountNotFoundException for
# an account id it does not know; aws-ir reads ChildNotFoundException as "not in this
# organization" (tasks::screen).
# --------------------------------------------------------------------------


def patch_organizations_list_parents_child_not_found() -> None:
    from moto.organizations.exceptions import AccountNotFoundException, OrganizationsClientError
    from moto.organizations.models import OrganizationsBackend

    original = OrganizationsBackend.list_parents

    def list_parents(self: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return original(self, **kwargs)
        except AccountNotFoundException:
            raise OrganizationsClientError(
                "ChildNotFoundException",
                "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
            ) from None

    OrganizationsBackend.list_parents = list_parents  # type: ignore[method-assign]


EXTENSIONS: list[Callable[[], None]] = [
    patch_organizations_list_parents_child_not_found,
    patch_ec2_network_interface_lookup,
    patch_sfn_send_task_failure_cause,
    patch_sfn_tokens_skip_executions_without_worker,
    patch_sfn_list_map_runs_of_a_starting_execution,
    patch_backend_lookup_cache,
    patch_sfn_execution_history_pages,
    patch_sfn_context_start_time,
    patch_ec2_tags_by_resource,
    patch_sfn_states_errors_propagate,
    patch_cfn_state_machine,
    patch_lambda_invoke_forwarding,
    patch_events_pattern_arrays,
    patch_events_test_event_pattern,
    patch_events_targets,
    patch_events_put_events_size,
    patch_sfn_execution_default_name,
    patch_ec2_groups_per_eni,
    patch_cfn_missing_types,
]

# The patches that deploying the generated stacks (cloudformation/*.json) needed live in
# the sibling module irmoto.stacks; they are applied after the ones above.
from .stacks import STACK_EXTENSIONS  # noqa: E402  (after the version check and the patches above)

EXTENSIONS.extend(STACK_EXTENSIONS)

from .services import SERVICE_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(SERVICE_EXTENSIONS)

from .config_rules import CONFIG_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(CONFIG_EXTENSIONS)

from .ec2_evidence import EC2_EVIDENCE_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(EC2_EVIDENCE_EXTENSIONS)

from .ebs_direct import EBS_DIRECT_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(EBS_DIRECT_EXTENSIONS)

from .kms_digest import KMS_DIGEST_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(KMS_DIGEST_EXTENSIONS)

from .sfn_map import SFN_MAP_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(SFN_MAP_EXTENSIONS)

from .faults import FAULT_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(FAULT_EXTENSIONS)

from .iam import IAM_EXTENSIONS  # noqa: E402  (same reason; wraps the faults' patch)

EXTENSIONS.extend(IAM_EXTENSIONS)

from .waf import WAF_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(WAF_EXTENSIONS)

from .cloudtrail import CLOUDTRAIL_EXTENSIONS  # noqa: E402  (same reason)

EXTENSIONS.extend(CLOUDTRAIL_EXTENSIONS)

from .s3_checksums import S3_CHECKSUM_EXTENSIONS  # noqa: E402  (same reason; wraps the faults' and IAM's patches)

EXTENSIONS.extend(S3_CHECKSUM_EXTENSIONS)

from .calls import CALL_LOG_EXTENSIONS  # noqa: E402  (same reason; wraps the faults' patch)

EXTENSIONS.extend(CALL_LOG_EXTENSIONS)

from .stack_sets import STACK_SET_EXTENSIONS  # noqa: E402  (same reason; after irmoto.stacks' models)

EXTENSIONS.extend(STACK_SET_EXTENSIONS)


def apply_all() -> None:
    """Apply every extension once (idempotent)."""
    global _APPLIED
    with _APPLY_LOCK:
        if _APPLIED:
            return
        for extension in EXTENSIONS:
            extension()
        _APPLIED = True
