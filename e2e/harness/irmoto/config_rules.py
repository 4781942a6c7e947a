"""AWS Config rules as the generated stacks deploy and use them.

Every patch is one function below, listed in ``CONFIG_EXTENSIONS`` and applied by
``irmoto.extensions.apply_all()``.

- ``patch_cfn_config_rule``: ``AWS::Config::ConfigRule`` is created in moto's config backend.
- ``patch_config_put_evaluations``: ``PutEvaluations`` with the result token of an invocation
  records the evaluations, and a change of compliance goes to EventBridge as
  "Config Rules Compliance Change".
- ``patch_config_invoke_endpoint``: ``POST /moto-api/irmoto/config-rule-invocations`` plays
  Config invoking a custom rule's Lambda (a configuration change or a periodic run).
- ``GetComplianceDetailsByConfigRule`` reads the recorded evaluations back.
- ``patch_config_describe_missing_rules``: ``DescribeConfigRules`` names a rule that does not
  exist: ``NoSuchConfigRuleException``, also when the Region has no rule left.
- ``patch_cfn_lambda_permission``: ``AWS::Lambda::Permission`` (Config's right to invoke a
  custom rule's function) gets a statement id, a physical id, and goes with its stack.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

INVOCATIONS_PATH = "/moto-api/irmoto/config-rule-invocations"
_LOCK = threading.Lock()
# Result token -> (account, region, rule name), as Config issues one per invocation.
_TOKENS: dict[str, tuple[str, str, str]] = {}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _backend(account_id: str, region_name: str) -> Any:
    from moto.config.models import config_backends

    return config_backends[account_id][region_name]


def _evaluations(backend: Any) -> dict[tuple[str, str, str], dict[str, Any]]:
    # On the backend instance, so moto's reset clears it too.
    return backend.__dict__.setdefault("_irmoto_evaluations", {})


# --------------------------------------------------------------------------
# C1. AWS::Config::ConfigRule
# AWS doc: CloudFormation Template Reference, "AWS::Config::ConfigRule" (ConfigRuleName,
# Description, Scope, Source {Owner, SourceIdentifier, SourceDetails}, InputParameters as a
# JSON object, MaximumExecutionFrequency; Ref returns the rule name; Fn::GetAtt Arn,
# ConfigRuleId, Compliance.Type).
# moto 5.2.5 (moto/cloudformation/parsing.py) has no model for the type: the stack reports
# CREATE_COMPLETE and no rule exists. Added, on moto's ConfigBackend.put_config_rule (which
# validates the source, managed identifiers and the custom rule's Lambda as AWS does).
# --------------------------------------------------------------------------


def _rule_request(name: str, props: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"ConfigRuleName": name, "Source": props["Source"]}
    for key in ("Description", "Scope", "MaximumExecutionFrequency"):
        if key in props:
            rule[key] = props[key]
    if "InputParameters" in props:
        params = props["InputParameters"]
        rule["InputParameters"] = params if isinstance(params, str) else json.dumps(params)
    return rule


def _config_model() -> type:
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.core.common_models import CloudFormationModel

    class ConfigRuleModel(CloudFormationModel):
        def __init__(self, name: str, account_id: str, region_name: str):
            self.name, self.account_id, self.region_name = name, account_id, region_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Config::ConfigRule"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "ConfigRuleName"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Arn", "ConfigRuleId", "Compliance.Type")

        @property
        def physical_resource_id(self) -> str:
            return self.name

        def _rule(self) -> Any:
            return _backend(self.account_id, self.region_name).config_rules[self.name]

        def get_cfn_attribute(self, attribute_name: str) -> Any:
            if attribute_name == "Arn":
                return self._rule().config_rule_arn
            if attribute_name == "ConfigRuleId":
                return self._rule().config_rule_id
            if attribute_name == "Compliance.Type":
                return "INSUFFICIENT_DATA"
            raise UnformattedGetAttTemplateException()

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            name = props.get("ConfigRuleName") or resource_name
            _backend(account_id, region_name).put_config_rule(_rule_request(name, props))
            return cls(name, account_id, region_name)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):  # type: ignore[no-untyped-def,override]
            props = cloudformation_json["Properties"]
            name = props.get("ConfigRuleName") or original_resource.name
            if name != original_resource.name:  # ConfigRuleName: "Update requires: Replacement"
                original_resource.delete(account_id, region_name)
                return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
            _backend(account_id, region_name).put_config_rule(_rule_request(name, props))
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            backend = _backend(self.account_id, self.region_name)
            if self.name in backend.config_rules:
                backend.delete_config_rule(self.name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def,override]
            cls(resource_name, account_id, region_name).delete(account_id, region_name)

    return ConfigRuleModel


CONFIG_MODELS: list[type] = []


def patch_cfn_config_rule() -> None:
    from moto.cloudformation import parsing

    if not CONFIG_MODELS:
        CONFIG_MODELS.append(_config_model())
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    if "AWS::Config::ConfigRule" not in parsing.get_model_map():
        raise RuntimeError("irmoto: AWS::Config::ConfigRule not registered")


# --------------------------------------------------------------------------
# C2. PutEvaluations, compliance and its change events
# AWS doc: AWS Config API Reference, "PutEvaluations" (ResultToken "an encrypted token that
# associates an evaluation with an AWS Config rule", identifies the rule; Evaluations [1..100]
# of {ComplianceResourceType, ComplianceResourceId, ComplianceType COMPLIANT | NON_COMPLIANT |
# NOT_APPLICABLE | INSUFFICIENT_DATA, Annotation, OrderingTimestamp}; InvalidResultTokenException;
# TestMode records nothing), "GetComplianceDetailsByConfigRule" (EvaluationResults filtered by
# ComplianceTypes), and the Developer Guide, "Example AWS Config rules compliance change
# notification" (EventBridge detail-type "Config Rules Compliance Change", messageType
# ComplianceChangeNotification, newEvaluationResult / oldEvaluationResult), sent when a
# resource's compliance with a rule changes.
# moto 5.2.5 (moto/config/models.py ConfigBackend.put_evaluations) raises NotImplementedError
# (HTTP 500) without TestMode, keeps nothing and sends nothing.
# --------------------------------------------------------------------------


def _result(rule: Any, evaluation: dict[str, Any], invoked: str) -> dict[str, Any]:
    out = {
        "evaluationResultIdentifier": {
            "evaluationResultQualifier": {
                "configRuleName": rule.config_rule_name,
                "resourceType": evaluation["ComplianceResourceType"],
                "resourceId": evaluation["ComplianceResourceId"],
                "evaluationMode": "DETECTIVE",
            },
            "orderingTimestamp": str(evaluation.get("OrderingTimestamp") or invoked),
        },
        "complianceType": evaluation["ComplianceType"],
        "resultRecordedTime": _now(),
        "configRuleInvokedTime": invoked,
    }
    if evaluation.get("Annotation"):
        out["annotation"] = evaluation["Annotation"]
    return out


def compliance_change_event(backend: Any, rule: Any, new: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    qualifier = new["evaluationResultIdentifier"]["evaluationResultQualifier"]
    detail: dict[str, Any] = {
        "resourceId": qualifier["resourceId"],
        "awsRegion": backend.region_name,
        "awsAccountId": backend.account_id,
        "configRuleName": rule.config_rule_name,
        "recordVersion": "1.0",
        "configRuleARN": rule.config_rule_arn,
        "messageType": "ComplianceChangeNotification",
        "newEvaluationResult": new,
        "notificationCreationTime": _now(),
        "resourceType": qualifier["resourceType"],
    }
    if old is not None:
        detail["oldEvaluationResult"] = old
    return {
        "source": "aws.config",
        "detail-type": "Config Rules Compliance Change",
        "account": backend.account_id,
        "region": backend.region_name,
        "detail": detail,
    }


def put_evaluations(backend: Any, evaluations: list[dict[str, Any]], token: str | None, test_mode: bool) -> list[dict[str, Any]]:
    from moto.config.exceptions import InvalidParameterValueException, InvalidResultTokenException

    from .services import deliver_as_service

    if not evaluations or len(evaluations) > 100:
        raise InvalidParameterValueException("Evaluations must hold 1 to 100 evaluations.")
    with _LOCK:
        owner = _TOKENS.get(token or "")
    if owner is None or owner[:2] != (backend.account_id, backend.region_name):
        raise InvalidResultTokenException()
    if test_mode:
        return []
    rule = backend.config_rules.get(owner[2])
    if rule is None:
        raise InvalidResultTokenException()
    invoked = _now()
    store = _evaluations(backend)
    for e in evaluations:
        key = (rule.config_rule_name, e["ComplianceResourceType"], e["ComplianceResourceId"])
        new = _result(rule, e, invoked)
        old = store.get(key)
        store[key] = new
        if old is None or old["complianceType"] != new["complianceType"]:
            deliver_as_service(compliance_change_event(backend, rule, new, old))
    return []


def patch_config_put_evaluations() -> None:
    """PutEvaluations records evaluations and sends compliance changes; GetComplianceDetailsByConfigRule."""
    from moto.config.responses import ConfigResponse

    def put(self: Any) -> str:
        failed = put_evaluations(
            _backend(self.current_account, self.region),
            self._get_param("Evaluations"),
            self._get_param("ResultToken"),
            bool(self._get_param("TestMode")),
        )
        return json.dumps({"FailedEvaluations": failed})

    def details(self: Any) -> str:
        backend = _backend(self.current_account, self.region)
        name = self._get_param("ConfigRuleName")
        if name not in backend.config_rules:
            from moto.config.exceptions import NoSuchConfigRuleException

            raise NoSuchConfigRuleException(name)
        wanted = set(self._get_param("ComplianceTypes") or [])
        results = []
        for (rule, _, _), r in sorted(_evaluations(backend).items()):
            if rule == name and (not wanted or r["complianceType"] in wanted):
                q = r["evaluationResultIdentifier"]["evaluationResultQualifier"]
                results.append({
                    "EvaluationResultIdentifier": {
                        "EvaluationResultQualifier": {
                            "ConfigRuleName": q["configRuleName"],
                            "ResourceType": q["resourceType"],
                            "ResourceId": q["resourceId"],
                        },
                    },
                    "ComplianceType": r["complianceType"],
                    "Annotation": r.get("annotation", ""),
                })
        return json.dumps({"EvaluationResults": results})

    ConfigResponse.put_evaluations = put  # type: ignore[method-assign]
    ConfigResponse.get_compliance_details_by_config_rule = details  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# C3. Config invoking a custom rule's Lambda
# AWS doc: AWS Config Developer Guide, "Example Events for AWS Config Rules" (the function
# receives {version, invokingEvent: JSON text with configurationItem | the scheduled
# notification and messageType, ruleParameters: JSON text, resultToken, eventLeftScope,
# executionRoleArn, configRuleArn, configRuleName, configRuleId, accountId}).
# moto 5.2.5 never invokes a rule. ``POST /moto-api/irmoto/config-rule-invocations`` with
# {"rule": NAME, "messageType": "ConfigurationItemChangeNotification" | "ScheduledNotification",
#  "configurationItem": {...}} invokes the rule's function as Config would and answers with
# the function's result.
# --------------------------------------------------------------------------


def invoke_rule(account_id: str, region_name: str, request: dict[str, Any]) -> dict[str, Any]:
    from moto.awslambda.utils import get_backend

    backend = _backend(account_id, region_name)
    rule = backend.config_rules.get(request.get("rule"))
    if rule is None or rule.source.owner != "CUSTOM_LAMBDA":
        raise ValueError(f"no custom Config rule named {request.get('rule')!r}")
    message_type = request.get("messageType", "ConfigurationItemChangeNotification")
    now = _now()
    if message_type == "ScheduledNotification":
        invoking = {"awsAccountId": account_id, "notificationCreationTime": now, "messageType": message_type,
                    "recordVersion": "1.0"}
    else:
        item = dict(request.get("configurationItem") or {})
        item.setdefault("configurationItemCaptureTime", now)
        item.setdefault("configurationItemStatus", "OK")
        item.setdefault("awsAccountId", account_id)
        item.setdefault("awsRegion", region_name)
        invoking = {"configurationItem": item, "notificationCreationTime": now, "messageType": message_type,
                    "recordVersion": "1.3"}
    token = str(uuid.uuid4())
    with _LOCK:
        _TOKENS[token] = (account_id, region_name, rule.config_rule_name)
    event = {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": rule.input_parameters or "{}",
        "resultToken": token,
        "eventLeftScope": bool(request.get("eventLeftScope", False)),
        "executionRoleArn": f"arn:aws:iam::{account_id}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "configRuleArn": rule.config_rule_arn,
        "configRuleName": rule.config_rule_name,
        "configRuleId": rule.config_rule_id,
        "accountId": account_id,
    }
    headers: dict[str, str] = {}
    payload = get_backend(account_id, region_name).invoke(
        rule.source.source_identifier, None, json.dumps(event), {"X-Amz-Invocation-Type": "RequestResponse"}, headers
    )
    text = payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)
    try:
        result = json.loads(text or "null")
    except ValueError:
        result = text
    return {"FunctionError": headers.get("x-amz-function-error"), "Payload": result, "ResultToken": token}


def patch_config_invoke_endpoint() -> None:
    from moto.moto_api._internal import urls

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        try:
            body = json.loads(request.get_data() or b"{}")
            out = invoke_rule(body.get("account", "123456789012"), body.get("region", "us-east-1"), body)
        except (ValueError, KeyError, TypeError) as e:
            return 400, {"Content-Type": "application/json"}, json.dumps({"message": f"bad invocation: {e}"})
        return 200, {"Content-Type": "application/json"}, json.dumps(out)

    urls.url_paths["{0}" + INVOCATIONS_PATH + "$"] = handler


# --------------------------------------------------------------------------
# C4. AWS::Lambda::Permission
# AWS doc: CloudFormation Template Reference, "AWS::Lambda::Permission" (Action, FunctionName,
# Principal, SourceAccount, SourceArn, ...; the statement is added to the function's resource
# policy, and removed when the resource is deleted; Ref returns the permission's id).
# moto 5.2.5 (moto/awslambda/models.py Permission.create_from_cloudformation_json) adds the
# statement with a random id but keeps no physical id (DescribeStackResources lists the
# resource without PhysicalResourceId) and never removes the statement.
# --------------------------------------------------------------------------


def patch_cfn_lambda_permission() -> None:
    from moto.awslambda.models import Permission
    from moto.awslambda.utils import get_backend

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        props = dict(cloudformation_json["Properties"])
        fn = get_backend(account_id, region_name).get_function(props["FunctionName"])
        sid = f"{resource_name}-{uuid.uuid4().hex[:12].upper()}"
        statement = {k: v for k, v in props.items() if k != "FunctionName"}
        fn.policy.add_statement(raw=json.dumps({**statement, "StatementId": sid}))
        permission = cls(region=region_name)
        permission.sid, permission.function, permission.account_id = sid, props["FunctionName"], account_id
        return permission

    def delete(self, account_id: str, region_name: str) -> None:  # type: ignore[no-untyped-def]
        try:
            fn = get_backend(self.account_id, self.region).get_function(self.function)
            fn.policy.del_statement(self.sid)
        except Exception:  # the function went first: its policy with it
            pass

    Permission.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]
    Permission.physical_resource_id = property(lambda self: getattr(self, "sid", None))  # type: ignore[attr-defined]
    Permission.delete = delete  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# C5. DescribeConfigRules of a rule that does not exist
# AWS doc: AWS Config API Reference, "DescribeConfigRules" (Errors: NoSuchConfigRuleException,
# "The AWS Config rule in the request is not valid"): every name in ConfigRuleNames must be a rule.
# moto 5.2.5 (moto/config/models.py ConfigBackend.describe_config_rules) answers an empty list,
# whatever the names, while the Region has no rule at all: the last rule deleted (a stack's),
# asking for it by name said nothing instead of "no such rule".
# --------------------------------------------------------------------------


def patch_config_describe_missing_rules() -> None:
    from moto.config.exceptions import NoSuchConfigRuleException
    from moto.config.models import ConfigBackend

    original = getattr(ConfigBackend.describe_config_rules, "__wrapped__", ConfigBackend.describe_config_rules)

    def describe(self: Any, config_rule_names: list[str] | None, next_token: str | None) -> dict[str, Any]:
        for name in config_rule_names or []:
            if name not in self.config_rules:
                raise NoSuchConfigRuleException(name)
        return original(self, config_rule_names, next_token)

    describe.__wrapped__ = original  # type: ignore[attr-defined]
    ConfigBackend.describe_config_rules = describe  # type: ignore[method-assign]


CONFIG_EXTENSIONS: list[Callable[[], None]] = [
    patch_cfn_lambda_permission,
    patch_cfn_config_rule,
    patch_config_put_evaluations,
    patch_config_invoke_endpoint,
    patch_config_describe_missing_rules,
]
