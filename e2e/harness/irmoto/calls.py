"""A call log: which API calls the emulator served, by whom, and when — for `make bench`.

AWS doc: AWS CloudTrail User Guide, "CloudTrail record contents" (``eventSource``,
``eventName``, ``userAgent``, ``eventTime``): on AWS, the sequence of calls a playbook makes is
read from CloudTrail, and the SDK's ``userAgent`` says which task Lambda made each one (our
tasks set the SDK app name to their function name). moto 5.2.5 records no CloudTrail events
for the calls it serves, so the benchmark could not count the sequential calls on a playbook's
critical path. ``patch_call_log`` wraps the same function as ``irmoto.faults``
(``moto.core.utils.convert_to_flask_response.__call__``, every request of every service in
server mode) and, only while recording is on, appends one entry per request:

    {"service": "ec2", "action": "ModifyNetworkInterfaceAttribute", "app": "isolate-network",
     "resource": "eni-0abc", "start": 1764418000.123, "end": 1764418000.131, "status": 200,
     "account": "123456789012", "caller": "arn:aws:sts::123456789012:assumed-role/ROLE/SESSION"}

``account`` and ``caller`` are CloudTrail's ``recipientAccountId`` and ``userIdentity.arn``: the
account the call acted in, and the emulator principal that made it (a role session's ARN names
the role and the session; None for the administrator), so a member account's log shows which
aws-ir role and which case's session acted there (#20). ``resource`` is the request's ``NetworkInterfaceId`` or ``InstanceId`` parameter (query
protocol, as CloudTrail's ``requestParameters`` carries it), or an AssumeRole's
``RoleSessionName``, else None: the benchmarks time each interface's isolation and count the
sessions each case opens from it. ``app`` is the ``app/NAME`` token of the User-Agent (None for callers that set none); ``start``
and ``end`` are the emulator's wall clock around the request (seconds since the epoch), so two
calls overlap exactly when one starts before the other ends. ``action`` is the query
``Action``, the JSON ``X-Amz-Target`` operation, or ``METHOD /path`` for REST services.

``POST /moto-api/irmoto/calls`` starts recording (and clears the log); ``GET`` answers
``{"Recording": bool, "LatencyMs": n, "Calls": [...]}``; ``DELETE`` stops recording and clears
it. Recording is off by default, so nothing grows while the harness serves tests.

moto answers in a millisecond, AWS APIs in tens to hundreds (AWS re:Post and the SDK
developer guides quote typical EC2 control-plane latencies of 50-300 ms): at a millisecond, two
requests a client sends together rarely overlap on the server, so parallelism would be
invisible. ``POST`` with ``{"latency_ms": n}`` holds every response n ms while recording (the
call's ``end`` includes it), so concurrent calls overlap as they do on AWS and the wall times
the benchmark reports include a stated per-call latency.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

CALLS_PATH = "/moto-api/irmoto/calls"
_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"recording": False, "latency": 0.0, "calls": []}
_APP = re.compile(r"(?:^|\s)app/([^\s/]+)")


def _action(request: Any) -> str:
    action = request.values.get("Action")
    if action:
        return action
    target = request.headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    return f"{request.method} {request.path}"


def _resource(request: Any) -> str | None:
    return (request.values.get("NetworkInterfaceId") or request.values.get("InstanceId")
            or request.values.get("RoleSessionName"))


def _app(request: Any) -> str | None:
    for header in ("x-amz-user-agent", "User-Agent"):
        found = _APP.search(request.headers.get(header, ""))
        if found:
            return found.group(1)
    return None


def _caller(request: Any) -> tuple[str | None, str | None]:
    """The account a request acted in and who made it, as CloudTrail's ``recipientAccountId`` and
    ``userIdentity.arn`` say: an emulator principal (an IAM user, a role session named as it was
    assumed) by its credential; the administrator (None) in the account moto serves it in."""
    from .iam import credential_of, principal_for

    scope = credential_of(request)
    principal = principal_for(scope[0]) if scope else None
    if principal is None or isinstance(principal, str):
        return request.headers.get("x-moto-account-id", "123456789012"), None
    return principal.account, principal.arn


def patch_call_log() -> None:
    from flask import current_app
    from flask import request as flask_request
    from moto.core.utils import convert_to_flask_response

    inner = convert_to_flask_response.__call__

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        if not _STATE["recording"]:
            return inner(self, args, **kwargs)
        start = time.time()
        response = inner(self, args, **kwargs)
        if _STATE["latency"]:
            time.sleep(_STATE["latency"])
        end = time.time()
        account, caller = _caller(flask_request)
        entry = {"service": getattr(current_app, "service", ""), "action": _action(flask_request),
                 "app": _app(flask_request), "resource": _resource(flask_request), "start": start, "end": end,
                 "status": getattr(response, "status_code", None), "account": account, "caller": caller}
        with _LOCK:
            if _STATE["recording"]:
                _STATE["calls"].append(entry)
        return response

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


def patch_call_log_endpoint() -> None:
    from moto.moto_api._internal import urls

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        with _LOCK:
            if request.method == "POST":
                try:
                    latency = float(json.loads(request.get_data() or b"{}").get("latency_ms", 0)) / 1000
                except (ValueError, AttributeError):
                    return 400, {"Content-Type": "application/json"}, json.dumps({"message": "body: {\"latency_ms\": n}"})
                _STATE.update(recording=True, latency=max(latency, 0.0), calls=[])
            elif request.method == "DELETE":
                _STATE.update(recording=False, latency=0.0, calls=[])
            elif request.method != "GET":
                return 405, {"Content-Type": "application/json"}, json.dumps({"message": "use GET, POST or DELETE"})
            body = {"Recording": _STATE["recording"], "LatencyMs": _STATE["latency"] * 1000,
                    "Calls": list(_STATE["calls"])}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    urls.url_paths["{0}" + CALLS_PATH + "$"] = handler


# After irmoto.faults' patch, so a call a fault fails is logged too (as on AWS, where CloudTrail
# records failed calls with their error code).
CALL_LOG_EXTENSIONS: list[Callable[[], None]] = [
    patch_call_log,
    patch_call_log_endpoint,
]


def critical_path(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The longest chain of calls each of which started after the previous one ended: the number
    of sequential round trips the callers needed (calls made in parallel count once)."""
    chain: list[dict[str, Any]] = []
    for call in sorted(calls, key=lambda c: c["end"]):
        if not chain or call["start"] >= chain[-1]["end"]:
            chain.append(call)
    return chain
