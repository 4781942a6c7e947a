"""Fault injection: throttling and transient errors on demand, for every service.

AWS doc: "Error retries and exponential backoff in AWS" (AWS General Reference) and the AWS
SDKs and Tools Reference Guide, "Retry behavior" (throttling error codes such as Throttling,
ThrottlingException, RequestLimitExceeded, TooManyRequestsException, and HTTP 500/502/503/504
are retried); EC2 API Reference, "Error codes" / "Request throttling" (RequestLimitExceeded);
the Smithy AWS protocol pages for how each protocol answers an error: ec2Query
(``<Response><Errors><Error><Code>``), awsQuery (``<ErrorResponse><Error><Type/><Code>``),
awsJson1_0/1_1 (``{"__type", "message"}`` + ``X-Amzn-ErrorType``), restJson1, restXml (S3:
``<Error><Code>`` unwrapped).

moto 5.2.5 never throttles and never fails transiently, so nothing showed that a caller
retries and still completes. ``patch_fault_injection`` wraps the one function every request of
every service goes through in server mode (``moto.core.utils.convert_to_flask_response.__call__``,
the Flask view of each backend's url paths, moto/moto_server/werkzeug_app.py
create_backend_app): while faults are registered, the request's operation is found the way
moto's own routing finds it (``moto.core.routing.get_service_router(...).match``: the query
``Action``, the JSON ``X-Amz-Target``, the REST method + URI), and a matching fault answers with
the error serialized by moto's serializer for the request's protocol
(``moto.core.serialize.get_serializer_class``), with the fault's HTTP status. Nothing reaches
the backend: a failed call changes nothing, as on AWS. With no fault registered the request goes
straight to moto.

``patch_fault_endpoint`` adds the harness endpoint that registers them:

``POST /moto-api/irmoto/faults`` ::

    {"service": "ec2",                      # boto3 client name (also moto's backend name or the
                                            # endpoint/signing prefix: "lambda", "states", ...)
     "action": "ModifyNetworkInterfaceAttribute",   # optional: any operation of the service
     "error": "RequestLimitExceeded",       # the error code the caller sees
     "status": 503,                         # optional: default by code (below)
     "message": "Request limit exceeded.",  # optional
     "count": 5,                            # optional, default 1; null = every matching request
                                            # until cleared
     "after": 0,                            # optional: let this many matching requests through first
     "match": {"NetworkInterfaceId": "eni-..."}}    # optional: request parameters (any depth;
                                            # a list value matches any member; every key must match)

answers ``{"Fault": {...}}``. ``GET`` answers ``{"Faults": [...]}``: every fault registered
since the last clear, in order, with ``served`` (requests it failed), ``passed`` (matching
requests let through by ``after``), ``remaining`` (null when unlimited) and ``active``.
``DELETE`` clears them all (``?id=...``: one), answering ``{"Cleared": n}``. A request is
checked against the faults in the order they were added; each fault counts the matching
requests it sees, and the first one whose ``after`` is used up and that has a count left fails
the request. Faults are process-wide (every account and region) and survive a moto reset.

Default statuses: RequestLimitExceeded, ServiceUnavailable, SlowDown 503; InternalError,
InternalFailure, InternalServerError 500; TooManyRequestsException 429; any other code 400
(Throttling, ThrottlingException, ...), as AWS answers them.

``python -m irmoto.faults add --service ec2 --action X --error RequestLimitExceeded [--status 503]
[--message M] [--count N | --unlimited] [--after N] [--match Key=Value ...]``, ``list`` and
``clear [--id ID]`` call the endpoint at ``$AWS_ENDPOINT_URL`` and print its JSON answer.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULTS_PATH = "/moto-api/irmoto/faults"
LOG = logging.getLogger("irmoto.faults")
_ORIGINALS: dict[str, Any] = {}
_LOCK = threading.Lock()

DEFAULT_STATUS = {
    "RequestLimitExceeded": 503,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
    "SlowDown": 503,
    "InternalError": 500,
    "InternalFailure": 500,
    "InternalServerError": 500,
    "TooManyRequestsException": 429,
}
DEFAULT_MESSAGE = {
    "RequestLimitExceeded": "Request limit exceeded.",
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "TooManyRequestsException": "Rate exceeded",
    "SlowDown": "Please reduce your request rate.",
    "ServiceUnavailable": "The service is unavailable. Please try again shortly.",
    "InternalError": "An internal error has occurred.",
    "InternalFailure": "The request processing has failed because of an unknown error, exception or failure.",
}
# Requests to these apps are the harness's own, never faulted.
_NOT_FAULTED = {"moto_api", "moto_api._internal", "instance_metadata", "core"}


@dataclass(eq=False)  # compared by identity
class Fault:
    service: str
    error: str
    action: str | None = None
    status: int = 400
    message: str = ""
    count: int | None = 1
    after: int = 0
    match: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: "fault-" + uuid.uuid4().hex[:12])
    served: int = 0
    passed: int = 0

    @classmethod
    def from_request(cls, body: Any) -> Fault:
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        unknown = set(body) - {"service", "action", "error", "status", "message", "count", "after", "match"}
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}")
        service, error, action = body.get("service"), body.get("error"), body.get("action")
        if not isinstance(service, str) or not service:
            raise ValueError("`service` is required (a boto3 client name, e.g. ec2)")
        if not isinstance(error, str) or not error:
            raise ValueError("`error` is required (an AWS error code, e.g. RequestLimitExceeded)")
        if action is not None and (not isinstance(action, str) or not action):
            raise ValueError("`action` must be an operation name, e.g. DescribeInstances")
        status = body.get("status", DEFAULT_STATUS.get(error, 400))
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ValueError("`status` must be an HTTP error status (400-599)")
        count = body.get("count", 1)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise ValueError("`count` must be a positive integer, or null for every matching request")
        after = body.get("after", 0)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError("`after` must be a non-negative integer")
        match = body.get("match") or {}
        if not isinstance(match, dict) or not all(
            isinstance(v, (str, int, bool)) or (isinstance(v, list) and all(isinstance(x, (str, int, bool)) for x in v))
            for v in match.values()
        ):
            raise ValueError("`match` must map parameter names to a value or a list of values")
        message = body.get("message") or DEFAULT_MESSAGE.get(error, f"Injected fault: {error}")
        return cls(service=service, error=error, action=action, status=status, message=str(message),
                   count=count, after=after, match=match)

    @property
    def remaining(self) -> int | None:
        return None if self.count is None else max(self.count - self.served, 0)

    @property
    def active(self) -> bool:
        return self.remaining is None or self.remaining > 0

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "service": self.service, "action": self.action, "error": self.error,
                "status": self.status, "message": self.message, "count": self.count, "after": self.after,
                "match": self.match, "served": self.served, "passed": self.passed,
                "remaining": self.remaining, "active": self.active}


FAULTS: list[Fault] = []
_WIRE_INDEX = re.compile(r"(\.member)?\.\d+$")


def _service_names(backend_name: str, service_model: Any) -> set[str]:
    """Every name a fault may use for the service: moto's backend name, boto3's client name,
    the endpoint prefix and the signing name (e.g. awslambda / lambda, stepfunctions / states)."""
    from moto.backends import ALT_BACKEND_NAMES

    names = {backend_name, ALT_BACKEND_NAMES.get(backend_name, backend_name)}
    if service_model is not None:
        names.add(service_model.service_name)
        for key in ("endpointPrefix", "signingName"):
            if service_model.metadata.get(key):
                names.add(service_model.metadata[key])
    return {n.lower() for n in names}


def _boto3_name(backend_name: str) -> str:
    from moto.backends import ALT_BACKEND_NAMES

    return ALT_BACKEND_NAMES.get(backend_name, backend_name)


def _value_matches(found: Any, wanted: Any) -> bool:
    wanted_values = [str(w).lower() if isinstance(w, bool) else str(w)
                     for w in (wanted if isinstance(wanted, list) else [wanted])]
    found_values = found if isinstance(found, list) else [found]
    for value in found_values:
        if isinstance(value, (dict, list)):
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if text in wanted_values:
            return True
    return False


def _find(params: Any, key: str) -> list[Any]:
    """Every value of parameter `key` at any depth of the parsed request."""
    found: list[Any] = []
    if isinstance(params, dict):
        for k, v in params.items():
            if k == key:
                found.append(v)
            found.extend(_find(v, key))
    elif isinstance(params, list):
        for item in params:
            found.extend(_find(item, key))
    return found


def request_params(request: Any, operation: Any, uri_params: dict[str, Any], protocol: str | None) -> dict[str, Any]:
    """The request's parameters: "parsed" as moto's parser reads them for the operation (any
    protocol; else the raw query/form values and JSON body), "wire" the query/form values by name."""
    from moto.core.parse import PROTOCOL_PARSERS

    params: dict[str, Any] = {}
    if operation is not None and protocol in PROTOCOL_PARSERS:
        try:
            parsed = PROTOCOL_PARSERS[protocol](operation, map_type=dict).parse({
                "method": request.method, "values": request.values, "headers": request.headers,
                "body": request.data, "url_path": request.path, "url_params": uri_params,
            })
            params.update(json.loads(json.dumps(parsed, default=str)))
        except Exception:  # noqa: BLE001 - a body moto cannot parse still matches by raw values
            params = {}
    if not params:
        params.update({k: v for k, v in request.values.items()})
        try:
            body = json.loads(request.data or b"null")
            if isinstance(body, dict):
                params.update(body)
        except ValueError:
            pass
    params.update(uri_params)
    # The wire names of query parameters too (NetworkInterfaceId.1, InstanceIds.member.1), so a
    # fault may name a parameter either way.
    wire: dict[str, list[Any]] = {}
    for key, value in request.values.items(multi=True):
        wire.setdefault(_WIRE_INDEX.sub("", key), []).append(value)
    return {"parsed": params, "wire": wire}


def error_response(request: Any, service_model: Any, operation: Any, protocol: str | None, code: str, status: int,
                   message: str, headers: dict[str, str] | None = None) -> Any:
    """An error as the service would answer it, serialized by moto for the request's protocol (also
    irmoto.iam's refusals)."""
    from flask import Response
    from moto.core.exceptions import ServiceException
    from moto.core.model import OperationModel
    from moto.core.serialize import SerializationContext, get_serializer_class

    class ServiceError(ServiceException):
        pass

    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "x-amz-request-id": request_id, **(headers or {})}
    if service_model is None:  # a moto app without a botocore model: the JSON form
        body = json.dumps({"__type": code, "message": message})
        return Response(response=body, status=status, headers={
            **headers, "Content-Type": "application/json", "X-Amzn-ErrorType": code})
    error = ServiceError(code, message)
    if protocol == "query" and request.values.get("ContentType", "").upper() == "JSON":
        protocol = "query-json"
    serializer_cls = get_serializer_class(service_model.service_name, protocol or service_model.protocol)
    serializer = serializer_cls(operation_model=operation or OperationModel({}, service_model),
                                context=SerializationContext(request_id=request_id))
    with warnings.catch_warnings():  # "code ... does not match an error shape": it need not
        warnings.simplefilter("ignore")
        serialized = serializer.serialize(error)
    return Response(response=serialized["body"], status=status, headers={**serialized["headers"], **headers})


def service_model_of(backend_name: str, request: Any) -> tuple[str, Any]:
    """(backend name, botocore service model or None) of a request moto's app `backend_name` took."""
    from moto.core.utils import get_service_model

    if backend_name in ("elb", "elbv2"):
        # One host and url space for both: moto's app (moto/elb/urls.py api_version_elb_backend)
        # picks the API by the Version parameter, whichever of the two apps took the request.
        backend_name = "elb" if request.values.get("Version") == "2012-06-01" else "elbv2"
    try:
        return backend_name, get_service_model(_boto3_name(backend_name))
    except Exception:  # noqa: BLE001 - a moto app without a botocore model
        return backend_name, None


def operation_of(service_model: Any, request: Any) -> tuple[Any, dict[str, Any], str | None]:
    """(operation model or None, URI parameters, protocol), found as moto's own routing finds them."""
    from moto.core.request import determine_request_protocol
    from moto.core.routing import get_service_router

    if service_model is None:
        return None, {}, None
    protocol = None
    try:
        protocol = determine_request_protocol(service_model, request.content_type)
        operation, uri_params = get_service_router(service_model.service_name).match(request)
        return operation, dict(uri_params), protocol
    except Exception:  # noqa: BLE001 - not an operation moto routes
        return None, {}, protocol


def _fault_for(backend_name: str) -> Any:
    """The response of the first fault the current request fires, else None."""
    from flask import request as flask_request
    from moto.core.request import normalize_request

    with _LOCK:
        if not any(f.active for f in FAULTS) or backend_name in _NOT_FAULTED:
            return None
    request = normalize_request(flask_request)
    backend_name, service_model = service_model_of(backend_name, request)
    names = _service_names(backend_name, service_model)
    with _LOCK:
        candidates = [f for f in FAULTS if f.active and f.service.lower() in names]
    if not candidates:
        return None
    operation, uri_params, protocol = operation_of(service_model, request)  # None: only action-less faults match
    action = operation.name if operation is not None else None
    params = None
    with _LOCK:
        for fault in FAULTS:
            if not any(fault is c for c in candidates) or not fault.active or (fault.action and fault.action != action):
                continue
            if fault.match:
                if params is None:
                    params = request_params(request, operation, dict(uri_params), protocol)
                if not all(any(_value_matches(v, wanted) for v in _find(params["parsed"], key) + params["wire"].get(key, []))
                           for key, wanted in fault.match.items()):
                    continue
            if fault.passed < fault.after:
                fault.passed += 1
                continue
            fault.served += 1
            fired = fault
            break
        else:
            return None
    return error_response(request, service_model, operation, protocol, fired.error, fired.status, fired.message,
                          {"x-irmoto-fault": fired.id})


def patch_fault_injection() -> None:
    from flask import current_app
    from moto.core.utils import convert_to_flask_response

    original = _ORIGINALS.setdefault("flask_view_call", convert_to_flask_response.__call__)

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        if FAULTS:  # nothing registered: straight to moto
            try:
                response = _fault_for(getattr(current_app, "service", ""))
            except Exception:  # noqa: BLE001 - a harness bug must not fail the request itself
                LOG.exception("irmoto.faults: could not check the request against the faults")
                response = None
            if response is not None:
                return response
        return original(self, args, **kwargs)

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


def patch_fault_endpoint() -> None:
    from moto.moto_api._internal import urls

    def answer(status: int, payload: Any) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(full_url).query))
        if request.method == "GET":
            with _LOCK:
                return answer(200, {"Faults": [f.describe() for f in FAULTS]})
        if request.method == "DELETE":
            with _LOCK:
                keep = [f for f in FAULTS if query.get("id") and f.id != query["id"]]
                cleared = len(FAULTS) - len(keep)
                FAULTS[:] = keep
            return answer(200, {"Cleared": cleared})
        if request.method != "POST":
            return answer(405, {"message": "use GET, POST or DELETE"})
        try:
            fault = Fault.from_request(json.loads(request.get_data() or b"{}"))
        except ValueError as e:
            return answer(400, {"message": f"bad fault: {e}"})
        with _LOCK:
            FAULTS.append(fault)
        return answer(200, {"Fault": fault.describe()})

    urls.url_paths["{0}" + FAULTS_PATH + "$"] = handler


FAULT_EXTENSIONS: list[Callable[[], None]] = [
    patch_fault_injection,
    patch_fault_endpoint,
]


# --------------------------------------------------------------------------
# The command line: python -m irmoto.faults add|list|clear
# --------------------------------------------------------------------------


def call(method: str, body: dict[str, Any] | None = None, query: dict[str, str] | None = None,
         endpoint: str | None = None) -> Any:
    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise SystemExit("AWS_ENDPOINT_URL is not set: source .local/emulator/state.env first")
    url = endpoint.rstrip("/") + FAULTS_PATH + (f"?{urllib.parse.urlencode(query)}" if query else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"the harness refused: HTTP {e.code} {e.read().decode(errors='replace')}") from None


def _match_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected Key=Value, got {text!r}")
    return key, value


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m irmoto.faults",
                                     description="Inject AWS errors into the emulator's next matching requests.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="fail the next matching requests")
    add.add_argument("--service", required=True, help="boto3 client name, e.g. ec2, autoscaling, elbv2, ssm")
    add.add_argument("--action", help="operation name, e.g. ModifyNetworkInterfaceAttribute (default: any)")
    add.add_argument("--error", required=True, help="AWS error code, e.g. RequestLimitExceeded")
    add.add_argument("--status", type=int, help="HTTP status (default by code: 503, 500, 429 or 400)")
    add.add_argument("--message")
    counts = add.add_mutually_exclusive_group()
    counts.add_argument("--count", type=int, default=1, help="how many requests fail (default 1)")
    counts.add_argument("--unlimited", action="store_true", help="every matching request fails until cleared")
    add.add_argument("--after", type=int, default=0, help="let this many matching requests through first")
    add.add_argument("--match", type=_match_arg, action="append", default=[], metavar="KEY=VALUE",
                     help="only requests with this parameter value (repeatable)")
    commands.add_parser("list", help="the registered faults, with served/remaining counts")
    clear = commands.add_parser("clear", help="remove every fault (or one)")
    clear.add_argument("--id")
    args = parser.parse_args(argv[1:])

    if args.command == "add":
        body: dict[str, Any] = {"service": args.service, "error": args.error,
                                "count": None if args.unlimited else args.count, "after": args.after}
        for key in ("action", "status", "message"):
            if getattr(args, key) is not None:
                body[key] = getattr(args, key)
        if args.match:
            body["match"] = dict(args.match)
        result = call("POST", body)
    elif args.command == "list":
        result = call("GET")
    else:
        result = call("DELETE", query={"id": args.id} if args.id else None)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
