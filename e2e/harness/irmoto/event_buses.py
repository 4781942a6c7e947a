"""EventBridge rules whose target is an event bus of another account or Region.

B1. The event arrives whole, and only where the target bus's policy admits the sender.
AWS doc: EventBridge User Guide, "Sending and receiving events between AWS accounts in Amazon
EventBridge" and "Sending and receiving events between AWS Regions" (a rule's target may be a
bus of another account or Region; the receiving bus routes the event through its own rules, and
the event keeps its own fields: ``account`` and ``region`` still name where it happened, as the
receiving account's rules match on them), "Permissions for event buses in Amazon EventBridge"
(a bus admits another account's events only when its resource-based policy allows that sender
``events:PutEvents``; "If you grant permissions using an organization, then accounts in that
organization must specify a RoleArn": the rule's execution role is the sender, and its own
policy must allow ``events:PutEvents`` on the target bus, IAM User Guide "Cross-account policy
evaluation logic"), "Configuring an input transformer" (transformers are for targets that are
AWS services or API destinations, not buses) and "Event retry policy and using dead-letter
queues" (an event that cannot be delivered goes to the target's dead-letter queue with the
attributes ERROR_CODE, ERROR_MESSAGE, RULE_ARN and TARGET_ARN).
moto 5.2.5 (moto/events/models.py Rule.send_to_targets) re-puts the event through the target
account's ``PutEvents`` as a new event: a new id, the receiving account and Region instead of
the sender's, no ``resources`` or ``time``; no policy is read and the role is ignored; and the
reserved ``aws.*`` sources (irmoto.services) are refused there, so no AWS event ever crossed.
Here the rule's role (a session of it, as EventBridge assumes it) is evaluated by irmoto.iam
against its own policies and the target bus's policy (with ``events:source`` and
``events:detail-type``), and the original event goes through the target bus's rules.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from typing import Any

LOG = logging.getLogger("irmoto.event_buses")


def _parts(arn: str) -> tuple[str, str, str]:
    """(region, account, bus name) of an event bus ARN."""
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5].split("/", 1)[1]


def _role_session(role_arn: str) -> Any:
    """The session EventBridge holds of the rule's role, as irmoto.iam evaluates it."""
    from moto.iam.models import iam_backends

    from .iam import PARTITION, Principal

    account = role_arn.split(":")[4]
    role = next((r for r in iam_backends[account][PARTITION].roles.values() if r.arn == role_arn), None)
    if role is None:
        return None
    session = "EventBridge"
    return Principal("AssumedRole", account, "", "", None, role.name,
                     f"arn:aws:sts::{account}:assumed-role/{role.name}/{session}", role.arn,
                     f"{role.id}:{session}", role.id)


def refusal(rule_account: str, target: dict[str, Any], event: dict[str, Any]) -> str | None:
    """Why AWS would not deliver `event` from a rule of `rule_account` to the bus `target` names
    (None: it would)."""
    from .iam import Principal, identity_statements, refusal_reason, request_context

    region, owner, _ = _parts(target["Arn"])
    role_arn = target.get("RoleArn")
    if role_arn:
        principal = _role_session(role_arn)
        if principal is None:
            return f"the rule's role {role_arn} does not exist"
        identity = identity_statements(principal)
    elif owner != rule_account:
        # No role: the sender is the rule's account, which only the bus's policy can admit.
        principal = Principal("Root", rule_account, "", "", None, "root", f"arn:aws:iam::{rule_account}:root",
                              f"arn:aws:iam::{rule_account}:root", rule_account)
        identity = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    else:
        return None
    context = {**request_context(principal, region, {}),
               "events:source": [event.get("source")], "events:detail-type": [event.get("detail-type")]}
    reason = refusal_reason(principal, "events:PutEvents", target["Arn"], context, identity)
    return None if reason is None else f"{principal.arn} may not put events on {target['Arn']} {reason}"


def _dead_letter(rule: Any, target: dict[str, Any], event: dict[str, Any], code: str, message: str) -> None:
    from moto.sqs.models import sqs_backends

    from .extensions import _delivered_event

    queue = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue:
        return
    _, _, _, region, account, name = queue.split(":", 5)
    attributes = {k: {"DataType": "String", "StringValue": v} for k, v in {
        "ERROR_CODE": code, "ERROR_MESSAGE": message, "RULE_ARN": rule.arn, "TARGET_ARN": target["Arn"]}.items()}
    sqs_backends[account][region].send_message(queue_name=name, message_body=json.dumps(_delivered_event(event)),
                                               message_attributes=attributes)


def deliver_to_bus(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    """`event` as `rule` matched it, to the bus `target` names: through that bus's rules, or to
    the target's dead-letter queue when the sender may not put it there."""
    from moto.events.models import events_backends

    region, owner, name = _parts(target["Arn"])
    why = refusal(rule.account_id, target, event)
    if why is None:
        try:
            bus = events_backends[owner][region].describe_event_bus(name)
        except Exception:
            why = f"the event bus {target['Arn']} does not exist"
    if why is not None:
        LOG.warning("irmoto: rule %s could not deliver event %s: %s", rule.arn, event.get("id"), why)
        _dead_letter(rule, target, event, "NO_PERMISSIONS", why)
        return
    forwarded = copy.deepcopy(event)
    forwarded.setdefault("id", str(uuid.uuid4()))
    for receiving in list(bus.rules.values()):
        receiving.send_to_targets(copy.deepcopy(forwarded))


def is_bus_target(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "events" and parts[5].startswith("event-bus/")
