"""What an EC2-compromise playbook calls, restored to documented AWS behaviour.

The playbook checks the instance's SSM agent (DescribeInstanceInformation), captures volatile
evidence with Run Command (SendCommand, then GetCommandInvocation / ListCommandInvocations until
the command ends, output in S3), snapshots the volumes (CreateSnapshots), keeps the volumes on
termination (ModifyInstanceAttribute BlockDeviceMappings), attaches forensic volumes and network
interfaces, swaps the instance profile, and takes the instance out of its Auto Scaling group and
load balancers. Probed against moto 5.2.5, those calls failed (HTTP 500), answered with fixed
values, or accepted what EC2 refuses. Each patch below is one function, with the AWS page whose
behaviour it restores and the moto internals it replaces; they are listed in
``EC2_EVIDENCE_EXTENSIONS`` and applied by ``irmoto.extensions.apply_all()``.

The emulated SSM Agent
----------------------
No agent runs in the emulator, so which instances are *managed nodes* is told to the harness:
``POST /moto-api/irmoto/ssm-agents`` registers (or updates) the agent of an EC2 instance::

    {"instance_id": "i-...", "ping_status": "Online" | "ConnectionLost" | "Inactive",
     "platform": "Linux" | "Windows" | "MacOS",            # default Linux
     "fail_commands": false,          # the agent fails every step (exit code 1)
     "command_seconds": 1.0,          # how long the emulated agent takes to run a command
     "delivery_timeout_seconds": null,  # give up delivery after this many seconds instead of
                                        # the command's TimeoutSeconds (tests of DeliveryTimedOut)
     "memory_image_bytes": 0,         # size of the memory image AVML acquires; 0: no AVML on the host
     "memory_fault": null,            # or {"corrupt_part": K}: the upload script sends part K with one
                                      #   byte changed (and the plan's header: S3 must refuse it);
                                      # or {"stop_after_parts": K}: it dies after K parts (exit 1)
     "agent_version": "3.3.1142.0", "account_id": "123456789012", "region": "us-east-1"}

Fields left out keep their previous value (defaults above on first registration). The answer is
``{"Agent": {...}, "InstanceInformation": {...}}``. ``DELETE /moto-api/irmoto/ssm-agents?instance_id=i-...``
removes the agent (the instance is no longer managed); ``GET`` lists the registered agents.

An instance is **not** managed until its agent is registered, even when it was launched with an
instance profile. On AWS a node is managed only when the agent is installed and running on the
image, reaches the ssm/ssmmessages/ec2messages endpoints, and the profile's role allows it
(AmazonSSMManagedInstanceCore or Default Host Management): a profile alone proves none of that,
and the emulator cannot see the image or the network. Defaulting to "not managed" also makes the
playbook's safe path (record that capture was skipped, go on, never stop the instance) the one a
test gets unless it asks for an agent. The EC2 state still counts: a stopped instance's agent
answers ConnectionLost, a terminated one's Inactive.

``GET /moto-api/irmoto/ssm-agents/memory-image?instance_id=i-...&case_id=case-...`` answers the
memory image that host holds (or held) for that case, ``application/octet-stream``: the bytes of
``random.Random(f"{instance_id}:{case_id}").randbytes(N)``, N the size acquired (else
``memory_image_bytes``); 404 without an agent or a size.

Run Command, as the emulated agent runs it: an Online agent takes the command (Pending), runs the
document's steps one after another (InProgress) over ``command_seconds`` and ends Success (or
Failed with ``fail_commands``). It runs nothing: each step's standard output says that it was
produced by the emulator and lists the step's commands with the parameters substituted. The
exception is aws-ir's two memory-image scripts (irmoto.memory_scripts): a step whose runCommand
has a line starting ``: aws-ir-memory-acquire case='...' capture='on|off'`` prints what the
acquire script prints for an image of ``memory_image_bytes`` (its size, part size and each
part's SHA-256), and one starting ``: aws-ir-memory-upload case='...' plan='<URL>'`` really
fetches the plan and PUTs the image's parts to the URLs it lists, with its headers, from the
agent's own thread; the step (and the command) ends when the script has, Success or Failed (exit
code 1, curl's error on stderr) by what happened. A failed step does not stop the steps after it;
``fail_commands`` fails these steps too, without running them. With
``OutputS3BucketName`` it uploads what the real agent uploads, for each step,
``<OutputS3KeyPrefix>/<CommandId>/<InstanceId>/<plugin without colons>/<step name>/stdout`` (and
``stderr`` when not empty), e.g. ``cases/1/<id>/i-0abc/awsrunShellScript/processes/stdout``
(amazon-ssm-agent: runcommand's ``s3KeyPrefix = path.Join(prefix, commandID, instanceID)``,
runpluginutil's ``BuildS3Path(prefix, pluginName, stepName)`` without colons, iohandler's
``stdout``/``stderr`` files uploaded when not empty). A command for a ConnectionLost agent stays
Pending and ends TimedOut / DeliveryTimedOut when its delivery timeout passes, unless the agent
comes back Online first (then it runs). SendCommand refuses an instance that is not a managed
node (no agent, agent Inactive, instance terminated) with ``InvalidInstanceId``; an instance
reached through ``Targets`` without an agent gets an invocation that is Failed / Undeliverable.
Snapshots complete at once (moto has no progress model): State is "completed", Progress "100%".
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from . import memory_scripts

LOG = logging.getLogger("irmoto.ec2_evidence")
_ORIGINALS: dict[str, Any] = {}

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str | None, error: Callable[[str], Exception]) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["o"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except (ValueError, KeyError, TypeError):
        pass
    raise error("The specified token isn't valid.")


# --------------------------------------------------------------------------
# 1. CloudFormation AWS::SSM::Document with Content as an object
# AWS doc: CloudFormation Template Reference, "AWS::SSM::Document" (Content: "Json"; DocumentFormat:
# "JSON is the default format"); SSM API Reference, "DescribeDocument" / "GetDocument".
# moto 5.2.5 (moto/ssm/models.py Document.create_from_cloudformation_json) stores the object as
# the document's `content`, so DescribeDocument fails (HTTP 500: Document.hash calls
# content.encode) and GetDocument returns an object; without DocumentFormat it fails with
# "Invalid document format None". Here the object is stored as the JSON (or YAML) text AWS keeps.
# --------------------------------------------------------------------------


def patch_cfn_ssm_document() -> None:
    import yaml
    from moto.ssm.models import Document

    original = _ORIGINALS.setdefault("ssm_document_cfn", Document.__dict__["create_from_cloudformation_json"])

    def create_from_cloudformation_json(  # type: ignore[no-untyped-def]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        cloudformation_json = copy.deepcopy(cloudformation_json)
        props = cloudformation_json.setdefault("Properties", {})
        props["DocumentFormat"] = props.get("DocumentFormat") or "JSON"
        if isinstance(props.get("Content"), dict | list):
            content = props["Content"]
            props["Content"] = yaml.safe_dump(content) if props["DocumentFormat"] == "YAML" else json.dumps(content)
        return original.__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Document.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[method-assign,assignment]


# --------------------------------------------------------------------------
# The emulated SSM Agent registry (shared by the SSM patches below)
# --------------------------------------------------------------------------

SSM_AGENTS_PATH = "/moto-api/irmoto/ssm-agents"
PING_STATUSES = ("Online", "ConnectionLost", "Inactive")
PLATFORMS = {
    "Linux": ("Amazon Linux", "2023"),
    "Windows": ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
    "MacOS": ("macOS", "14.6"),
}
EMULATED_AGENT_VERSION = "3.3.1142.0"
_LOCK = threading.RLock()  # guards the registries and the invocations' progress


class EmulatedAgent:
    def __init__(self, instance_id: str) -> None:
        self.instance_id = instance_id
        self.ping_status = "Online"
        self.platform_type = "Linux"
        self.agent_version = EMULATED_AGENT_VERSION
        self.fail_commands = False
        self.command_seconds = 1.0
        self.delivery_timeout_seconds: float | None = None
        self.memory_image_bytes = 0  # 0: the host has no AVML
        self.memory_fault: dict[str, int] | None = None
        self.memory_images: dict[str, int] = {}  # case -> bytes of the image in /tmp now
        self.acquired_images: dict[str, int] = {}  # case -> bytes of the last image acquired
        self.registered_at = _now()
        self.last_ping = self.registered_at

    def update(self, body: dict[str, Any]) -> None:
        status = body.get("ping_status", self.ping_status)
        if status not in PING_STATUSES:
            raise ValueError(f"`ping_status` must be one of {', '.join(PING_STATUSES)}")
        platform = body.get("platform", self.platform_type)
        if platform not in PLATFORMS:
            raise ValueError(f"`platform` must be one of {', '.join(PLATFORMS)}")
        seconds = body.get("command_seconds", self.command_seconds)
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise ValueError("`command_seconds` must be a number >= 0")
        timeout = body.get("delivery_timeout_seconds", self.delivery_timeout_seconds)
        if timeout is not None and (not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0):
            raise ValueError("`delivery_timeout_seconds` must be a number > 0 or null")
        fail = body.get("fail_commands", self.fail_commands)
        if not isinstance(fail, bool):
            raise ValueError("`fail_commands` must be true or false")
        image_bytes = body.get("memory_image_bytes", self.memory_image_bytes)
        if not isinstance(image_bytes, int) or isinstance(image_bytes, bool) or image_bytes < 0:
            raise ValueError("`memory_image_bytes` must be an integer >= 0")
        fault = body.get("memory_fault", self.memory_fault)
        if fault is not None:
            valid = isinstance(fault, dict) and len(fault) == 1 and (
                (isinstance(fault.get("corrupt_part"), int) and fault["corrupt_part"] >= 1)
                or (isinstance(fault.get("stop_after_parts"), int) and fault["stop_after_parts"] >= 0))
            if not valid or any(isinstance(v, bool) for v in fault.values()):
                raise ValueError('`memory_fault` must be null, {"corrupt_part": K} (K >= 1) or '
                                 '{"stop_after_parts": K} (K >= 0)')
        if self.ping_status == "Online" and status != "Online":
            self.last_ping = _now()  # the last ping before the agent went quiet
        self.ping_status, self.platform_type = status, platform
        self.command_seconds, self.delivery_timeout_seconds, self.fail_commands = float(seconds), timeout, fail
        self.memory_image_bytes, self.memory_fault = image_bytes, dict(fault) if fault is not None else None
        self.agent_version = str(body.get("agent_version", self.agent_version))

    def describe(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id, "ping_status": self.ping_status, "platform": self.platform_type,
            "agent_version": self.agent_version, "fail_commands": self.fail_commands,
            "command_seconds": self.command_seconds, "delivery_timeout_seconds": self.delivery_timeout_seconds,
            "memory_image_bytes": self.memory_image_bytes, "memory_fault": self.memory_fault,
            "memory_images": dict(self.memory_images),
        }


def _agents(ssm_backend: Any) -> dict[str, EmulatedAgent]:
    # Kept on the backend so that POST /moto-api/reset forgets them with everything else.
    return ssm_backend.__dict__.setdefault("_irmoto_agents", {})


def _ec2_instance(account_id: str, region: str, instance_id: str) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[account_id][region].get_instance_by_id(instance_id)


def _effective_ping(agent: EmulatedAgent, instance: Any) -> str:
    """An agent cannot answer from a stopped or terminated instance, whatever it was told."""
    state = instance.state if instance is not None else "terminated"
    if state in ("terminated", "shutting-down"):
        return "Inactive"
    if state in ("stopped", "stopping") and agent.ping_status == "Online":
        return "ConnectionLost"
    return agent.ping_status


def _instance_information(agent: EmulatedAgent, instance: Any, now: datetime) -> dict[str, Any]:
    ping = _effective_ping(agent, instance)
    platform_name, platform_version = PLATFORMS[agent.platform_type]
    return {
        "InstanceId": agent.instance_id,
        "PingStatus": ping,
        "LastPingDateTime": now if ping == "Online" else agent.last_ping,
        "AgentVersion": agent.agent_version,
        "IsLatestVersion": agent.agent_version == EMULATED_AGENT_VERSION,
        "PlatformType": agent.platform_type,
        "PlatformName": platform_name,
        "PlatformVersion": platform_version,
        "ResourceType": "EC2Instance",
        "IPAddress": instance.private_ip,
        "ComputerName": instance.private_dns_name,
        "SourceId": agent.instance_id,
        "SourceType": "AWS::EC2::Instance",
    }


# --------------------------------------------------------------------------
# 2. The harness endpoint that says which instances run an SSM Agent, and how it answers
# AWS doc: Systems Manager User Guide, "Managed nodes" / "Setting up Systems Manager for EC2
# instances" (a node is managed when SSM Agent runs on it, reaches the service and its instance
# profile allows it) and "Troubleshooting managed node availability" (PingStatus Online,
# ConnectionLost, Inactive).
# moto 5.2.5 has no notion of a managed node (moto/ssm/models.py keeps none). The registry is
# stored on the SSM backend (ssm_backends[account][region]), so a moto reset clears it.
# --------------------------------------------------------------------------


def patch_ssm_agent_endpoint() -> None:
    from moto.moto_api._internal import urls
    from moto.ssm.models import ssm_backends

    def answer(status: int, payload: Any) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(
            payload, default=lambda o: o.isoformat() if isinstance(o, datetime) else str(o))

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(full_url).query))
        try:
            body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
        except ValueError as e:
            return answer(400, {"message": f"bad request: {e}"})
        account = body.get("account_id") or query.get("account_id") or DEFAULT_ACCOUNT
        region = body.get("region") or query.get("region") or DEFAULT_REGION
        backend = ssm_backends[account][region]
        with _LOCK:
            agents = _agents(backend)
            if request.method == "GET":
                return answer(200, {"Agents": [a.describe() for a in agents.values()]})
            instance_id = body.get("instance_id") or query.get("instance_id")
            if not instance_id:
                return answer(400, {"message": "bad request: `instance_id` is required"})
            if request.method == "DELETE":
                return answer(200, {"Removed": agents.pop(instance_id, None) is not None})
            if request.method != "POST":
                return answer(405, {"message": "use GET, POST or DELETE"})
            instance = _ec2_instance(account, region, instance_id)
            if instance is None:
                return answer(400, {"message": f"bad request: no EC2 instance {instance_id} in {account}/{region}"})
            agent = agents.get(instance_id) or EmulatedAgent(instance_id)
            try:
                agent.update(body)
            except ValueError as e:
                return answer(400, {"message": f"bad request: {e}"})
            agents[instance_id] = agent
            if _effective_ping(agent, instance) == "Online":
                _deliver_waiting_commands(backend, agent)
            return answer(200, {"Agent": agent.describe(), "InstanceInformation": _instance_information(agent, instance, _now())})

    def memory_image(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], Any]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(full_url).query))
        if request.method != "GET":
            return answer(405, {"message": "use GET"})
        instance_id, case_id = query.get("instance_id"), query.get("case_id")
        if not instance_id or not case_id:
            return answer(400, {"message": "bad request: `instance_id` and `case_id` are required"})
        backend = ssm_backends[query.get("account_id") or DEFAULT_ACCOUNT][query.get("region") or DEFAULT_REGION]
        with _LOCK:
            agent = _agents(backend).get(instance_id)
            size = (agent.acquired_images.get(case_id) or agent.memory_image_bytes) if agent else 0
        if not size:
            return answer(404, {"message": f"no memory image for {instance_id} and {case_id}: no agent, "
                                           "or its memory_image_bytes is 0"})
        data = memory_scripts.memory_image(instance_id, case_id, size)
        return 200, {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}, data

    urls.url_paths["{0}" + SSM_AGENTS_PATH + "$"] = handler
    urls.url_paths["{0}" + SSM_AGENTS_PATH + "/memory-image$"] = memory_image


# --------------------------------------------------------------------------
# 3. SSM DescribeInstanceInformation
# AWS doc: SSM API Reference, "DescribeInstanceInformation" (InstanceInformationFilterList
# {key, valueSet} and Filters {Key, Values}: InstanceIds, PingStatus, PlatformTypes, ResourceType
# (one value), AgentVersion, tag:<key>, tag-key...; MaxResults 5-50, NextToken) and
# "InstanceInformation" (InstanceId, PingStatus, LastPingDateTime, AgentVersion, IsLatestVersion,
# PlatformType/Name/Version, ResourceType EC2Instance, IPAddress, ComputerName, SourceId/Type).
# moto 5.2.5 does not implement the action (HTTP 500, NotImplementedError in
# moto/core/responses.py); here it lists the emulated agents' instances.
# --------------------------------------------------------------------------

_INFO_FILTER_KEYS = {"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes", "ActivationIds", "IamRole",
                     "ResourceType", "AssociationStatus"}


def _info_matches(info: dict[str, Any], instance: Any, key: str, values: list[str]) -> bool:
    if key == "InstanceIds":
        return info["InstanceId"] in values
    if key == "PingStatus":
        return info["PingStatus"] in values
    if key in ("PlatformTypes", "PlatformType"):
        return info["PlatformType"] in values
    if key == "ResourceType":
        return info["ResourceType"] in values
    if key == "AgentVersion":
        return info["AgentVersion"] in values
    tags = {t["key"]: t["value"] for t in instance.get_tags()}
    if key.startswith("tag:"):
        return tags.get(key[4:]) in values
    if key == "tag-key":
        return any(k in tags for k in values)
    return False  # ActivationIds, IamRole, AssociationStatus: hybrid nodes and associations, none here


def patch_ssm_describe_instance_information() -> None:
    from moto.core.responses import ActionResult
    from moto.ssm.exceptions import SSMException, ValidationException
    from moto.ssm.responses import SimpleSystemManagerResponse

    def describe_instance_information(self):  # type: ignore[no-untyped-def]
        wanted: list[tuple[str, list[str]]] = []
        for f in self._get_param("InstanceInformationFilterList") or []:
            if f.get("key") not in _INFO_FILTER_KEYS:
                raise SSMException("InvalidInstanceInformationFilterValue", f"Invalid filter key: {f.get('key')}")
            wanted.append((f["key"], list(f.get("valueSet") or [])))
        for f in self._get_param("Filters") or []:
            key = f.get("Key") or ""
            if key not in _INFO_FILTER_KEYS | {"PlatformType"} and not key.startswith("tag:") and key != "tag-key":
                raise SSMException("InvalidFilterKey", f"The filter key {key} isn't valid.")
            wanted.append((key, list(f.get("Values") or [])))
        for key, values in wanted:
            if not values:
                raise SSMException("InvalidInstanceInformationFilterValue", f"The {key} filter needs at least one value.")
            if key == "ResourceType" and len(values) > 1:
                raise SSMException("InvalidInstanceInformationFilterValue", "ResourceType filter may contain only one value.")
        max_results = self._get_param("MaxResults")
        if max_results is not None and not 5 <= int(max_results) <= 50:
            raise ValidationException(
                f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy constraint: "
                "Member must have value between 5 and 50")
        start = _offset(self._get_param("NextToken"), lambda m: SSMException("InvalidNextToken", m))
        now = _now()
        with _LOCK:
            listed = []
            for agent in list(_agents(self.ssm_backend).values()):
                instance = _ec2_instance(self.current_account, self.region, agent.instance_id)
                if instance is None:
                    continue
                info = _instance_information(agent, instance, now)
                if all(_info_matches(info, instance, key, values) for key, values in wanted):
                    listed.append(info)
        end = start + int(max_results or 50)
        result: dict[str, Any] = {"InstanceInformationList": listed[start:end]}
        if end < len(listed):
            result["NextToken"] = _token(end)
        return ActionResult(result)

    SimpleSystemManagerResponse.describe_instance_information = describe_instance_information  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# 4. SSM Run Command through the emulated agent
# AWS doc: SSM API Reference, "SendCommand" (InvalidDocument, InvalidParameters,
# InvalidInstanceId "Instances [[...]] not in a valid state", DocumentVersion, TimeoutSeconds =
# delivery timeout), "GetCommandInvocation" (PluginName = step name, required when the document
# has several steps: InvalidPluginName; ExecutionStart/EndDateTime, ExecutionElapsedTime,
# StandardOutputContent first 24,000 characters, StandardErrorContent first 8,000,
# StandardOutput/ErrorUrl), "ListCommandInvocations" (CommandId, InstanceId, Details ->
# CommandPlugins, Filters, MaxResults 1-50, NextToken), "CommandInvocation", "CommandPlugin";
# Systems Manager User Guide, "Understanding command statuses" (Pending, In Progress, Success,
# Failed, Delivery Timed Out, Undeliverable; CompletedCount/ErrorCount/DeliveryTimedOutCount).
# moto 5.2.5 (moto/ssm/models.py Command, SimpleSystemManagerBackend.send_command /
# get_command_invocation; moto/ssm/responses.py) accepts any document, parameters and instance,
# adds every instance of the region when Targets is empty (Command._get_instance_ids_from_targets),
# reports Success with empty output at once (PluginName "aws:runShellScript", elapsed "PT5M"),
# writes nothing to S3, and has no ListCommandInvocations (HTTP 500). Replaced here:
# SimpleSystemManagerResponse.send_command / get_command_invocation / list_command_invocations and
# Command.response_object (for the commands made here; moto's Command object is kept).
# --------------------------------------------------------------------------

# AWS-RunShellScript is an AWS-owned document moto does not ship; its content (schema 1.2) as
# GetDocument shows it, so SendCommand with it works as on AWS.
AWS_RUN_SHELL_SCRIPT = {
    "schemaVersion": "1.2",
    "description": "Run a shell script or specify the commands to run.",
    "parameters": {
        "commands": {"type": "StringList", "description": "(Required) Specify a shell script or a command to run.",
                     "minItems": 1, "displayType": "textarea"},
        "workingDirectory": {"type": "String", "default": "",
                             "description": "(Optional) The path to the working directory on your instance.",
                             "maxChars": 4096},
        "executionTimeout": {"type": "String", "default": "3600",
                             "description": "(Optional) The time in seconds for a command to complete before it is "
                                            "considered to have failed. Default is 3600 (1 hour). Maximum is 172800 (48 hours).",
                             "allowedPattern": "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"},
    },
    "runtimeConfig": {"aws:runShellScript": {"properties": [
        {"id": "0.aws:runShellScript", "runCommand": "{{ commands }}", "workingDirectory": "{{ workingDirectory }}",
         "timeoutSeconds": "{{ executionTimeout }}"}]}},
}
_PARAM = re.compile(r"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")
STDOUT_LIMIT, STDERR_LIMIT, PLUGIN_OUTPUT_LIMIT = 24_000, 8_000, 2_500
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled"}


def _ssm_error(code: str, message: str) -> Exception:
    from moto.ssm.exceptions import SSMException

    return SSMException(code, message)


def _resolve_document(backend: Any, name: str, version: str | None) -> tuple[str, str, dict[str, Any]]:
    """(name, version, content) of a Command document, as SendCommand resolves DocumentName/Version."""
    if name.startswith("arn:"):
        name = name.split(":document/", 1)[-1]
    documents = backend._documents.get(name)
    if documents is None:
        if name == "AWS-RunShellScript":
            return name, "1", AWS_RUN_SHELL_SCRIPT
        raise _ssm_error("InvalidDocument", "The specified document does not exist.")
    document = documents.find(None if version in (None, "", "$DEFAULT") else version)
    if document.document_type != "Command":
        raise _ssm_error("InvalidDocument",
                         f"Document {name} is of type {document.document_type}; SendCommand runs Command documents.")
    return document.name, document.document_version, document.content_json


def _bind_parameters(document: str, declared: dict[str, Any], given: dict[str, list[str]]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise _ssm_error("InvalidParameters",
                         f"Parameters {unknown} are not defined in document {document}.")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        kind = spec.get("type", "String")
        if name not in given:
            if "default" not in spec:
                raise _ssm_error("InvalidParameters", f"Parameter \"{name}\" is required by document {document}.")
            values[name] = spec["default"]
            continue
        value = given[name]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _ssm_error("InvalidParameters", f"Parameter \"{name}\" must be a list of strings.")
        if kind != "StringList" and len(value) != 1:
            raise _ssm_error("InvalidParameters", f"Parameter \"{name}\" of type {kind} takes one value.")
        pattern, allowed = spec.get("allowedPattern"), spec.get("allowedValues")
        for item in value:
            if allowed and item not in allowed:
                raise _ssm_error("InvalidParameters",
                                 f"Parameter \"{name}\" \"{item}\" is not one of the allowed values {allowed}.")
            try:
                if pattern and re.fullmatch(pattern, item) is None:
                    raise _ssm_error("InvalidParameters",
                                     f"Parameter \"{name}\" \"{item}\" failed to satisfy constraint: "
                                     f"Member must satisfy regular expression pattern: {pattern}")
            except re.error:
                LOG.warning("allowedPattern of %s is not a Python regular expression; not checked", name)
        values[name] = value if kind == "StringList" else value[0]
    return values


def _render(node: Any, values: dict[str, Any]) -> Any:
    """Substitutes {{ name }} as the agent does; a string that is just a StringList parameter
    becomes the list (runCommand: "{{ commands }}")."""
    if isinstance(node, str):
        whole = _PARAM.fullmatch(node.strip())
        if whole and isinstance(values.get(whole.group(1)), list):
            return list(values[whole.group(1)])

        def text(m: re.Match[str]) -> str:
            if m.group(1) not in values:
                return m.group(0)
            value = values[m.group(1)]
            return "\n".join(value) if isinstance(value, list) else str(value)

        return _PARAM.sub(text, node)
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            rendered = _render(item, values)
            if isinstance(item, str) and isinstance(rendered, list):
                out.extend(rendered)
            else:
                out.append(rendered)
        return out
    if isinstance(node, dict):
        return {k: _render(v, values) for k, v in node.items()}
    return node


class _Step:
    def __init__(self, name: str, action: str, s3_step: str, inputs: Any) -> None:
        self.name, self.action, self.inputs = name, action, inputs
        self.plugin_dir = action.replace(":", "")  # fileutil.BuildS3Path removes colons
        self.s3_step = s3_step.replace(":", "")

    def commands(self) -> list[str] | None:
        if not isinstance(self.inputs, dict) or "runCommand" not in self.inputs:
            return None
        run = self.inputs["runCommand"]
        return [str(c) for c in run] if isinstance(run, list) else str(run).splitlines()

    def script(self) -> tuple[str, dict[str, str]] | None:
        """(script, fields) when the step is one of aws-ir's memory scripts (irmoto.memory_scripts)."""
        commands = self.commands()
        return memory_scripts.marker(commands) if commands else None


def _document_steps(content: dict[str, Any], values: dict[str, Any]) -> list[_Step]:
    if str(content.get("schemaVersion")) == "1.2":
        steps = []
        for plugin, config in (content.get("runtimeConfig") or {}).items():
            properties = config.get("properties") if isinstance(config, dict) else None
            first = properties[0] if isinstance(properties, list) and properties else (properties or {})
            steps.append(_Step(plugin, plugin, str(first.get("id") or f"0.{plugin}"), _render(first, values)))
        return steps
    steps = []
    for step in content.get("mainSteps") or []:
        action = str(step.get("action") or "")
        name = str(step.get("name") or action)
        steps.append(_Step(name, action, name, _render(step.get("inputs", {}), values)))
    return steps


def _s3_key(*parts: str) -> str:
    """Go's path.Join, as the agent builds its keys: empty parts skipped, one slash between."""
    return "/".join(p.strip("/") for p in parts if p and p.strip("/"))


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class _Run:
    """What the service knows of a command: document, steps, output location, invocations."""

    def __init__(self, command: Any, account: str, region: str, document: str, version: str, requested_version: str,
                 steps: list[_Step], notification: dict[str, Any] | None, cloudwatch: dict[str, Any] | None) -> None:
        self.command, self.account, self.region = command, account, region
        self.document, self.version, self.requested_version = document, version, requested_version
        self.steps = steps
        self.requested = _now()
        self.notification = notification or {"NotificationArn": "", "NotificationEvents": [], "NotificationType": ""}
        self.cloudwatch = cloudwatch or {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
        self.invocations: dict[str, _Invocation] = {}

    @property
    def bucket(self) -> str:
        return self.command.output_s3_bucket_name or ""

    def url(self, key: str) -> str:
        if not self.bucket:
            return ""
        region = self.command.output_s3_region or self.region
        return f"https://s3.{region}.amazonaws.com/{self.bucket}/{urllib.parse.quote(key)}"


class _StepResult:
    """What one of aws-ir's memory scripts did on the emulated host (irmoto.memory_scripts)."""

    def __init__(self, stdout: str, stderr: str, code: int, finished: datetime) -> None:
        self.stdout, self.stderr, self.code, self.finished = stdout, stderr, code, finished


class _Invocation:
    """One instance's copy of a command, as the emulated agent runs it. Its state is a function
    of time (each step takes an equal share of `command_seconds`), except for the steps that are
    aws-ir's memory scripts: those really run, on the agent's own thread, and a step ends when
    its script has (and no sooner than its share), so the steps after it, and the invocation,
    wait for it. `advance` uploads the output of the steps that have ended."""

    def __init__(self, run: _Run, instance_id: str, instance_name: str, undeliverable: bool, timeout: float) -> None:
        self.run, self.instance_id, self.instance_name = run, instance_id, instance_name
        self.undeliverable = undeliverable
        self.deadline = run.requested + timedelta(seconds=timeout)
        self.started: datetime | None = None
        self.ended: datetime | None = None
        self.fail = False
        self.uploaded: set[int] = set()
        self.scripts = {i: found for i, step in enumerate(run.steps) if (found := step.script()) is not None}
        self.results: dict[int, _StepResult] = {}

    def deliver(self, agent: EmulatedAgent, at: datetime) -> None:
        self.fail = agent.fail_commands
        self.started = at + timedelta(seconds=agent.command_seconds / 4)
        self.ended = at + timedelta(seconds=agent.command_seconds)
        if self.scripts and not self.fail:
            threading.Thread(target=self.run_scripts, args=(agent,), daemon=True,
                             name=f"irmoto-ssm-agent-{self.instance_id}").start()
            return
        delay = max(0.0, (self.ended - _now()).total_seconds()) + 0.05
        timer = threading.Timer(delay, _advance_command, args=(self.run.command,))
        timer.daemon = True
        timer.start()

    def share(self) -> timedelta:
        assert self.started is not None and self.ended is not None
        return (self.ended - self.started) / max(1, len(self.run.steps))

    def schedule(self) -> list[tuple[datetime | None, datetime | None]]:
        """Each step's (start, end): None where it is not known yet (a script still running)."""
        assert self.started is not None
        share, at = self.share(), self.started
        windows: list[tuple[datetime | None, datetime | None]] = []
        for index in range(len(self.run.steps)):
            if at is None:
                windows.append((None, None))
                continue
            if index in self.scripts and not self.fail:
                result = self.results.get(index)
                end = result.finished if result is not None else None
            else:
                end = at + share
            windows.append((at, end))
            at = end
        return windows

    def run_scripts(self, agent: EmulatedAgent) -> None:
        """The agent's thread: runs each memory script when its step starts, with no lock held
        while it works (its HTTP requests are served by this very server)."""
        for index in range(len(self.run.steps)):
            with _LOCK:
                start = self.schedule()[index][0]
            assert start is not None  # the steps before it have ended
            _sleep_until(start)
            if index not in self.scripts:
                continue
            try:
                result = _run_memory_script(agent, self.instance_id, *self.scripts[index])
            except Exception as e:  # noqa: BLE001 - a harness bug must end the step, not hang it
                LOG.exception("emulated SSM agent: the memory script of %s failed", self.instance_id)
                result = memory_scripts.ScriptResult(stderr=f"[irmoto] the emulated script failed: {e!r}\n",
                                                     exit_code=1)
            with _LOCK:
                finished = max(_now(), start + self.share())
                self.results[index] = _StepResult(result.stdout, result.stderr, result.exit_code, finished)
        with _LOCK:
            end = self.schedule()[-1][1]
        _sleep_until((end or _now()) + timedelta(seconds=0.05))
        _advance_command(self.run.command)

    def failed(self) -> bool:
        return self.fail or any(r.code != 0 for r in self.results.values())

    def status(self, now: datetime) -> tuple[str, str]:
        if self.undeliverable:
            return "Failed", "Undeliverable"
        if self.started is None:
            return ("TimedOut", "DeliveryTimedOut") if now >= self.deadline else ("Pending", "Pending")
        if now < self.started:
            return "Pending", "Pending"
        end = self.schedule()[-1][1]
        if end is None or now < end:
            return "InProgress", "InProgress"
        return ("Failed", "Failed") if self.failed() else ("Success", "Success")

    def step_state(self, index: int, now: datetime) -> dict[str, Any]:
        status, details = self.status(now)
        state: dict[str, Any] = {"Status": status, "StatusDetails": details, "ResponseCode": -1,
                                 "start": None, "end": None, "stdout": "", "stderr": ""}
        if self.started is None or now < self.started:
            return state
        start, end = self.schedule()[index]
        if start is None or now < start:
            return {**state, "Status": "Pending", "StatusDetails": "Pending"}
        if end is None or now < end:
            return {**state, "Status": "InProgress", "StatusDetails": "InProgress", "start": start}
        result = self.results.get(index)
        if result is not None:
            stdout, stderr, code = result.stdout, result.stderr, result.code
        else:
            (stdout, stderr), code = self.output(index), 1 if self.fail else 0
        final = "Failed" if code else "Success"
        return {"Status": final, "StatusDetails": final, "ResponseCode": code, "start": start, "end": end,
                "stdout": stdout, "stderr": stderr}

    def output(self, index: int) -> tuple[str, str]:
        step = self.run.steps[index]
        lines = [
            f"[irmoto] Emulated SSM Agent: nothing was run on {self.instance_id} and nothing was captured.",
            f"[irmoto] command {self.run.command.command_id}, document {self.run.document} "
            f"(version {self.run.version}), step {step.name} ({step.action})",
        ]
        commands = step.commands()
        if commands is not None:
            lines.append("[irmoto] the step's commands, as the agent would have run them:")
            lines.extend(commands)
        else:
            lines.append("[irmoto] the step's inputs: " + json.dumps(step.inputs, sort_keys=True))
        stderr = ""
        if self.fail:
            stderr = (f"[irmoto] the emulated agent of {self.instance_id} was told to fail commands "
                      "(fail_commands): exit status 1")
        return "\n".join(lines) + "\n", stderr

    def key(self, index: int, stream: str) -> str:
        step = self.run.steps[index]
        return _s3_key(self.run.command.output_s3_key_prefix or "", self.run.command.command_id, self.instance_id,
                       step.plugin_dir, step.s3_step, stream)

    def plugin_prefix(self, index: int) -> str:
        return _s3_key(self.run.command.output_s3_key_prefix or "", self.run.command.command_id, self.instance_id,
                       self.run.steps[index].plugin_dir)

    def advance(self, now: datetime) -> None:
        if not self.run.bucket:
            return
        for index in range(len(self.run.steps)):
            if index in self.uploaded:
                continue
            state = self.step_state(index, now)
            if state["end"] is None:
                continue
            self.uploaded.add(index)
            for stream in ("stdout", "stderr"):
                if state[stream]:  # the agent uploads a stream only when it is not empty
                    _upload(self.run.account, self.run.bucket, self.key(index, stream), state[stream])


def _sleep_until(when: datetime) -> None:
    time.sleep(max(0.0, (when - _now()).total_seconds()))


def _run_memory_script(agent: EmulatedAgent, instance_id: str, script: str,
                       fields: dict[str, str]) -> memory_scripts.ScriptResult:
    """Runs one of aws-ir's memory scripts on the agent's host (irmoto.memory_scripts); the
    host's settings are read now, so a test may change them between commands."""
    case_id = fields.get("case", "")
    with _LOCK:
        size, fault = agent.memory_image_bytes, copy.deepcopy(agent.memory_fault)
        on_host = agent.memory_images.get(case_id)
    if script == memory_scripts.ACQUIRE:
        result = memory_scripts.acquire(case_id, fields.get("capture", ""), size,
                                        lambda: memory_scripts.memory_image(instance_id, case_id, size))
        if result.acquired is not None:
            with _LOCK:
                agent.memory_images[case_id] = agent.acquired_images[case_id] = result.acquired
        return result
    result = memory_scripts.upload(
        case_id, fields.get("plan", ""),
        lambda: memory_scripts.memory_image(instance_id, case_id, on_host) if on_host is not None else None, fault)
    if result.removed:
        with _LOCK:
            agent.memory_images.pop(case_id, None)
    return result


def _upload(account: str, bucket: str, key: str, text: str) -> None:
    from moto.s3.models import s3_backends

    try:
        s3_backends[account]["aws"].put_object(bucket, key, text.encode())
    except Exception as e:  # noqa: BLE001 - the agent logs a failed upload and goes on
        LOG.warning("emulated SSM agent: upload to s3://%s/%s failed: %s", bucket, key, e)


def _advance_command(command: Any) -> None:
    run = getattr(command, "_irmoto_run", None)
    if run is None:
        return
    with _LOCK:
        now = _now()
        for invocation in run.invocations.values():
            invocation.advance(now)


def _deliver_waiting_commands(backend: Any, agent: EmulatedAgent) -> None:
    """An agent back Online picks up the commands still waiting for it (before their timeout)."""
    now = _now()
    for command in list(backend._commands):
        run = getattr(command, "_irmoto_run", None)
        invocation = run.invocations.get(agent.instance_id) if run else None
        if invocation and not invocation.undeliverable and invocation.started is None and now < invocation.deadline:
            invocation.deliver(agent, now)


def _target_instances(account: str, region: str, targets: list[dict[str, Any]]) -> list[str]:
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[account][region]
    found: list[str] = []
    for target in targets:
        key, values = target.get("Key") or "", list(target.get("Values") or [])
        if key == "InstanceIds":
            ids = values
        elif key.startswith("tag:") or key == "tag-key":
            ids = [i.id for r in ec2.all_reservations(filters={key: values}) for i in r.instances]
        else:
            raise _ssm_error("InvalidParameters", f"Target key {key} is not supported by the emulator "
                                                  "(InstanceIds, tag:<key>, tag-key are).")
        found.extend(i for i in ids if i not in found)
    return found


def _send_command(response: Any) -> Any:
    from moto.ssm.models import Command

    backend, account, region = response.ssm_backend, response.current_account, response.region
    param = response._get_param
    requested_version = param("DocumentVersion") or ""
    document, version, content = _resolve_document(backend, param("DocumentName") or "", requested_version)
    values = _bind_parameters(document, content.get("parameters") or {}, param("Parameters") or {})
    steps = _document_steps(content, values)
    instance_ids: list[str] = list(dict.fromkeys(param("InstanceIds") or []))
    targets: list[dict[str, Any]] = param("Targets") or []
    if not instance_ids and not targets:
        raise _ssm_error("ValidationException", "Specify InstanceIds or Targets.")
    agents = _agents(backend)
    invalid = []
    for instance_id in instance_ids:
        instance = _ec2_instance(account, region, instance_id)
        agent = agents.get(instance_id)
        if instance is None or agent is None or _effective_ping(agent, instance) == "Inactive":
            invalid.append(instance_id)
    if invalid:
        raise _ssm_error("InvalidInstanceId",
                         f"Instances [[{', '.join(invalid)}]] not in a valid state for account {account}")
    from_targets = [i for i in _target_instances(account, region, targets) if i not in instance_ids]
    timeout = param("TimeoutSeconds")
    command = Command(
        account_id=account, comment=param("Comment") or "", document_name=document,
        timeout_seconds=int(timeout) if timeout else None, instance_ids=[], max_concurrency=param("MaxConcurrency") or "50",
        max_errors=param("MaxErrors") or "0", notification_config=param("NotificationConfig"),
        output_s3_bucket_name=param("OutputS3BucketName") or "", output_s3_key_prefix=param("OutputS3KeyPrefix") or "",
        output_s3_region=param("OutputS3Region") or "", parameters=param("Parameters") or {},
        service_role_arn=param("ServiceRoleArn") or "", targets=[], backend_region=region,
    )
    # moto's constructor adds every instance of the region when Targets is empty: set them here.
    command.instance_ids = instance_ids + from_targets
    command.targets = targets
    run = _Run(command, account, region, document, version, requested_version or "$DEFAULT", steps,
               param("NotificationConfig"), param("CloudWatchOutputConfig"))
    command._irmoto_run = run
    with _LOCK:
        now = run.requested
        for instance_id in command.instance_ids:
            instance = _ec2_instance(account, region, instance_id)
            agent = agents.get(instance_id)
            ping = _effective_ping(agent, instance) if agent else None
            deliverable = instance is not None and ping in ("Online", "ConnectionLost")
            seconds = (agent.delivery_timeout_seconds if agent and agent.delivery_timeout_seconds
                       else command.timeout_seconds)
            invocation = _Invocation(run, instance_id, instance.private_dns_name if instance else "",
                                     not deliverable, float(seconds))
            run.invocations[instance_id] = invocation
            if agent is not None and ping == "Online":
                invocation.deliver(agent, now)
        backend._commands.append(command)
    return command


def _command_summary(run: _Run, now: datetime) -> dict[str, Any]:
    statuses = [inv.status(now) for inv in run.invocations.values()]
    terminal = [s for s in statuses if s[0] in TERMINAL]
    errors = sum(1 for s in statuses if s == ("Failed", "Failed"))
    timeouts = sum(1 for s in statuses if s[1] == "DeliveryTimedOut")
    max_errors_text = str(run.command.max_errors or "0")
    if max_errors_text.endswith("%"):
        max_errors = int(len(statuses) * float(max_errors_text[:-1] or 0) / 100)
    else:
        max_errors = int(max_errors_text) if max_errors_text.isdigit() else 0
    if statuses and len(terminal) == len(statuses):
        counted = [s for s in statuses if s[1] != "Undeliverable"]
        if errors > max_errors:
            status = ("Failed", "Failed")
        elif timeouts > max_errors:
            status = ("TimedOut", "DeliveryTimedOut")
        elif counted and all(s[0] == "Success" for s in counted):
            status = ("Success", "Success")
        else:
            status = ("Failed", "Incomplete")
    elif any(s[0] != "Pending" for s in statuses):
        status = ("InProgress", "InProgress")
    else:
        status = ("Pending", "Pending")
    return {"Status": status[0], "StatusDetails": status[1], "TargetCount": len(statuses),
            "CompletedCount": len(terminal), "ErrorCount": errors, "DeliveryTimedOutCount": timeouts}


def _plugin(inv: _Invocation, index: int, now: datetime) -> dict[str, Any]:
    state = inv.step_state(index, now)
    output = state["stdout"] + (("\n----------ERROR-------\n" + state["stderr"]) if state["stderr"] else "")
    run = inv.run
    return {
        "Name": run.steps[index].name,
        "Status": state["Status"],
        "StatusDetails": state["StatusDetails"],
        "ResponseCode": state["ResponseCode"],
        "ResponseStartDateTime": state["start"],
        "ResponseFinishDateTime": state["end"],
        "Output": output[:PLUGIN_OUTPUT_LIMIT],
        "StandardOutputUrl": run.url(inv.key(index, "stdout")),
        "StandardErrorUrl": run.url(inv.key(index, "stderr")) if state["end"] else "",  # empty until it ends
        "OutputS3Region": run.command.output_s3_region or (run.region if run.bucket else ""),
        "OutputS3BucketName": run.bucket,
        "OutputS3KeyPrefix": inv.plugin_prefix(index) if run.bucket else "",
    }


def _invocation(inv: _Invocation, now: datetime, details: bool) -> dict[str, Any]:
    run = inv.run
    status, status_details = inv.status(now)
    single = len(run.steps) == 1
    return {
        "CommandId": run.command.command_id,
        "InstanceId": inv.instance_id,
        "InstanceName": inv.instance_name,
        "Comment": run.command.comment,
        "DocumentName": run.document,
        "DocumentVersion": run.requested_version,
        "RequestedDateTime": run.requested,
        "Status": status,
        "StatusDetails": status_details,
        "TraceOutput": "",
        "StandardOutputUrl": run.url(inv.key(0, "stdout")) if single else "",
        "StandardErrorUrl": run.url(inv.key(0, "stderr")) if single and status in TERMINAL else "",
        "CommandPlugins": [_plugin(inv, i, now) for i in range(len(run.steps))] if details else [],
        "ServiceRole": run.command.service_role_arn,
        "NotificationConfig": run.notification,
        "CloudWatchOutputConfig": run.cloudwatch,
    }


def _parse_time(value: str) -> datetime:
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise _ssm_error("InvalidFilterValue", f"{value} is not an ISO 8601 date and time.") from None


def patch_ssm_run_command() -> None:
    from moto.core.responses import ActionResult
    from moto.ssm.models import Command
    from moto.ssm.responses import SimpleSystemManagerResponse

    original_response_object = _ORIGINALS.setdefault("ssm_command_response_object", Command.response_object)

    def response_object(self):  # type: ignore[no-untyped-def]
        base = original_response_object(self)
        run = getattr(self, "_irmoto_run", None)
        if run is None:
            return base
        with _LOCK:
            now = _now()
            for invocation in run.invocations.values():
                invocation.advance(now)
            base.update(_command_summary(run, now))
        base.update({
            "InstanceIds": list(self.instance_ids), "Targets": self.targets,
            "DocumentVersion": run.requested_version, "RequestedDateTime": run.requested,
            "ExpiresAfter": run.requested + timedelta(seconds=self.timeout_seconds),
            "NotificationConfig": run.notification, "CloudWatchOutputConfig": run.cloudwatch,
        })
        return base

    def send_command(self):  # type: ignore[no-untyped-def]
        return ActionResult({"Command": _send_command(self).response_object()})

    def get_command_invocation(self):  # type: ignore[no-untyped-def]
        command = self.ssm_backend.get_command_by_id(self._get_param("CommandId"))  # InvalidCommandId
        run: _Run | None = getattr(command, "_irmoto_run", None)
        instance_id = self._get_param("InstanceId")
        invocation = run.invocations.get(instance_id) if run else None
        if invocation is None:
            raise _ssm_error("InvocationDoesNotExist",
                             "An error occurred (InvocationDoesNotExist) when calling the GetCommandInvocation operation")
        plugin = self._get_param("PluginName")
        names = [s.name for s in run.steps]
        if plugin is None and len(names) == 1:
            index = 0
        elif plugin in names:
            index = names.index(plugin)
        else:
            raise _ssm_error("InvalidPluginName",
                             "The plugin name isn't valid." if plugin is not None else
                             f"Document {run.document} has {len(names)} steps: PluginName must name one of {names}.")
        with _LOCK:
            now = _now()
            invocation.advance(now)
            state = invocation.step_state(index, now)
        elapsed = (state["end"] or now) - state["start"] if state["start"] else None
        return ActionResult({
            "CommandId": command.command_id,
            "InstanceId": instance_id,
            "Comment": command.comment,
            "DocumentName": run.document,
            "DocumentVersion": run.requested_version,
            "PluginName": names[index],
            "ResponseCode": state["ResponseCode"],
            "ExecutionStartDateTime": _iso(state["start"]),
            "ExecutionElapsedTime": f"PT{elapsed.total_seconds():.3f}S" if elapsed is not None else "",
            "ExecutionEndDateTime": _iso(state["end"]),
            "Status": state["Status"],
            "StatusDetails": state["StatusDetails"],
            "StandardOutputContent": state["stdout"][:STDOUT_LIMIT],
            "StandardOutputUrl": run.url(invocation.key(index, "stdout")),
            "StandardErrorContent": state["stderr"][:STDERR_LIMIT],
            "StandardErrorUrl": run.url(invocation.key(index, "stderr")) if state["end"] else "",
            "CloudWatchOutputConfig": run.cloudwatch,
        })

    def list_command_invocations(self):  # type: ignore[no-untyped-def]
        command_id, instance_id = self._get_param("CommandId"), self._get_param("InstanceId")
        commands = ([self.ssm_backend.get_command_by_id(command_id)] if command_id
                    else list(self.ssm_backend._commands))
        max_results = int(self._get_param("MaxResults") or 50)
        if not 1 <= max_results <= 50:
            raise _ssm_error("ValidationException",
                             f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
                             "constraint: Member must have value between 1 and 50")
        checks: list[Callable[[dict[str, Any]], bool]] = []
        for f in self._get_param("Filters") or []:
            key, value = f.get("key"), f.get("value") or ""
            if key == "InvokedAfter":
                checks.append(lambda i, t=_parse_time(value): i["RequestedDateTime"] >= t)
            elif key == "InvokedBefore":
                checks.append(lambda i, t=_parse_time(value): i["RequestedDateTime"] <= t)
            elif key == "Status":
                checks.append(lambda i, v=value: v in (i["Status"], i["StatusDetails"]))
            elif key == "DocumentName":
                checks.append(lambda i, v=value: i["DocumentName"] == v)
            else:
                raise _ssm_error("InvalidFilterKey", f"The filter key {key} isn't valid.")
        details = bool(self._get_param("Details"))
        start = _offset(self._get_param("NextToken"), lambda m: _ssm_error("InvalidNextToken", m))
        listed = []
        with _LOCK:
            now = _now()
            for command in commands:
                run = getattr(command, "_irmoto_run", None)
                for invocation in (run.invocations.values() if run else []):
                    if instance_id and invocation.instance_id != instance_id:
                        continue
                    invocation.advance(now)
                    item = _invocation(invocation, now, details)
                    if all(check(item) for check in checks):
                        listed.append(item)
        end = start + max_results
        result: dict[str, Any] = {"CommandInvocations": listed[start:end]}
        if end < len(listed):
            result["NextToken"] = _token(end)
        return ActionResult(result)

    Command.response_object = response_object  # type: ignore[method-assign]
    SimpleSystemManagerResponse.send_command = send_command  # type: ignore[method-assign]
    SimpleSystemManagerResponse.get_command_invocation = get_command_invocation  # type: ignore[method-assign]
    SimpleSystemManagerResponse.list_command_invocations = list_command_invocations  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# 5. EC2 CreateSnapshots: State, CopyTagsFromSource, ExcludeDataVolumeIds
# AWS doc: EC2 API Reference, "CreateSnapshots" (InstanceSpecification {InstanceId,
# ExcludeBootVolume, ExcludeDataVolumeIds}, CopyTagsFromSource=volume copies each volume's tags to
# its snapshot, TagSpecifications) and "SnapshotInfo" (State, Progress, StartTime, VolumeId, ...).
# moto 5.2.5: CreateSnapshots items have no State (SnapshotInfo.State reads an attribute `state`
# that moto's Snapshot, moto/ec2/models/elastic_block_store.py, calls `status`), and
# EBSBackend.create_snapshots ignores CopyTagsFromSource and ExcludeDataVolumeIds. Snapshots stay
# instant ("completed", "100%"): moto has no progress model.
# --------------------------------------------------------------------------


def patch_ec2_create_snapshots() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.models.elastic_block_store import Snapshot
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    Snapshot.state = property(lambda self: self.status)  # type: ignore[attr-defined]

    def create_snapshots(self):  # type: ignore[no-untyped-def]
        spec = self._get_param("InstanceSpecification", {})
        description = self._get_param("Description", "")
        copy_tags = self._get_param("CopyTagsFromSource") == "volume"
        spec_tags = self._parse_tag_specification().get("snapshot", {})
        self.error_on_dryrun()
        instance = self.ec2_backend.get_instance(spec["InstanceId"])  # InvalidInstanceID.NotFound
        exclude_boot = str(spec.get("ExcludeBootVolume", False)).lower() == "true"
        excluded = set(spec.get("ExcludeDataVolumeIds") or [])
        snapshots = []
        for device, mapping in instance.get_block_device_mapping:
            is_boot = device == instance.root_device_name
            if (is_boot and exclude_boot) or (not is_boot and mapping.volume_id in excluded):
                continue
            snapshot = self.ec2_backend.create_snapshot(mapping.volume_id, description=description)
            if copy_tags:
                volume = self.ec2_backend.get_volume(mapping.volume_id)
                snapshot.add_tags({t["key"]: t["value"] for t in volume.get_tags() if not t["key"].startswith("aws:")})
            snapshot.add_tags(spec_tags)
            snapshots.append(snapshot)
        return ActionResult({"Snapshots": snapshots})

    ElasticBlockStore.create_snapshots = create_snapshots  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 6. EC2 DescribeSnapshots: OwnerIds, RestorableByUserIds, MaxResults/NextToken
# AWS doc: EC2 API Reference, "DescribeSnapshots" (OwnerIds: account ids, `self`, `amazon`;
# RestorableByUserIds; MaxResults 5-1000 with NextToken, not with SnapshotIds). Without
# OwnerIds/RestorableByUserIds it lists every snapshot the account may use (its own, public
# ones, shared ones).
# moto 5.2.5 (moto/ec2/responses/elastic_block_store.py describe_snapshots) ignores OwnerIds,
# RestorableByUserIds and MaxResults, so `OwnerIds=self` returned the ~1,300 snapshots behind
# moto's preloaded public AMIs along with the account's own. Here OwnerIds filters by owner
# (`amazon` = snapshots behind AMIs whose owner alias is amazon); with no owner filter the
# preloaded snapshots stay listed, as public snapshots are on AWS.
# --------------------------------------------------------------------------


def patch_ec2_describe_snapshots() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    def owner_alias(backend: Any, snapshot: Any) -> str | None:
        ami = backend.amis.get(snapshot.from_ami) if getattr(snapshot, "from_ami", None) else None
        return getattr(ami, "owner_alias", None)

    def describe_snapshots(self):  # type: ignore[no-untyped-def]
        filters = self._filters_from_querystring()
        snapshot_ids = self._get_param("SnapshotIds", [])
        owners = self._get_param("OwnerIds", [])
        restorable_by = self._get_param("RestorableByUserIds", [])
        max_results = self._get_param("MaxResults")
        if max_results is not None and snapshot_ids:
            raise EC2ClientError("InvalidParameterCombination",
                                 "The parameter snapshotIdSet cannot be used with the parameter maxResults")
        snapshots = self.ec2_backend.describe_snapshots(snapshot_ids=snapshot_ids, filters=filters)
        account = self.current_account
        if owners:
            wanted = {account if o == "self" else o for o in owners}
            snapshots = [s for s in snapshots
                         if s.owner_id in wanted or ("amazon" in wanted and owner_alias(self.ec2_backend, s) == "amazon")]
        if restorable_by:
            wanted = {account if u == "self" else u for u in restorable_by}
            snapshots = [s for s in snapshots
                         if s.owner_id in wanted or "all" in s.create_volume_permission_groups
                         or wanted & set(s.create_volume_permission_userids)]
        result: dict[str, Any] = {"Snapshots": snapshots}
        if max_results is not None:
            size = min(max(int(max_results), 5), 1000)
            start = _offset(self._get_param("NextToken"),
                            lambda m: EC2ClientError("InvalidNextToken", "The token is invalid."))
            result["Snapshots"] = snapshots[start:start + size]
            if start + size < len(snapshots):
                result["NextToken"] = _token(start + size)
        return ActionResult(result)

    ElasticBlockStore.describe_snapshots = describe_snapshots  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 7. EC2 DeleteOnTermination: seen in DescribeInstanceAttribute and DescribeVolumes, unknown
#    devices refused
# AWS doc: EC2 API Reference, "ModifyInstanceAttribute" (BlockDeviceMappings: "Modifies the
# DeleteOnTermination attribute for volumes that are currently attached"),
# "DescribeInstanceAttribute" (blockDeviceMapping -> BlockDeviceMappings [{DeviceName, Ebs
# {AttachTime, DeleteOnTermination, Status, VolumeId}}]) and "VolumeAttachment"
# (DeleteOnTermination).
# moto 5.2.5: DescribeInstanceAttribute blockDeviceMapping answers no mapping
# (moto/ec2/responses/instances.py describe_instance_attribute names it BlockDeviceMapping, the
# shape member is BlockDeviceMappings), VolumeAttachment (moto/ec2/models/elastic_block_store.py)
# has no DeleteOnTermination, and a device the instance does not have gives HTTP 500 (KeyError in
# InstanceResponse._block_device_mapping_handler).
# --------------------------------------------------------------------------


def patch_ec2_delete_on_termination() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.elastic_block_store import VolumeAttachment
    from moto.ec2.responses.instances import InstanceResponse

    def attachment_delete_on_termination(self):  # type: ignore[no-untyped-def]
        mapping = getattr(self.instance, "block_device_mapping", {}).get(self.device)
        return bool(mapping.delete_on_termination) if mapping is not None else False

    VolumeAttachment.delete_on_termination = property(attachment_delete_on_termination)  # type: ignore[attr-defined]

    original_describe = _ORIGINALS.setdefault("ec2_describe_instance_attribute",
                                              InstanceResponse.describe_instance_attribute)
    original_handler = _ORIGINALS.setdefault("ec2_block_device_mapping_handler",
                                             InstanceResponse._block_device_mapping_handler)

    def describe_instance_attribute(self):  # type: ignore[no-untyped-def]
        if self._get_param("Attribute") != "blockDeviceMapping":
            return original_describe(self)
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        mappings = [
            {"DeviceName": device, "Ebs": {"AttachTime": m.attach_time, "DeleteOnTermination": bool(m.delete_on_termination),
                                           "Status": "attached", "VolumeId": m.volume_id}}
            for device, m in instance.get_block_device_mapping
        ]
        return ActionResult({"InstanceId": instance.id, "BlockDeviceMappings": mappings})

    def block_device_mapping_handler(self):  # type: ignore[no-untyped-def]
        mappings = self._get_param("BlockDeviceMappings", [])
        if mappings:
            instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
            for mapping in mappings:
                if mapping.get("DeviceName") not in instance.block_device_mapping:
                    raise EC2ClientError("InvalidInstanceAttributeValue",
                                         f"No device is currently mapped at {mapping.get('DeviceName')}")
        return original_handler(self)

    InstanceResponse.describe_instance_attribute = describe_instance_attribute  # type: ignore[method-assign]
    InstanceResponse._block_device_mapping_handler = block_device_mapping_handler  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 8. EC2 ModifyInstanceAttribute InstanceInitiatedShutdownBehavior, without touching the groups
# AWS doc: EC2 API Reference, "ModifyInstanceAttribute" (InstanceInitiatedShutdownBehavior
# {Value: stop | terminate}; Groups replaces the security groups only when it is given).
# moto 5.2.5 (moto/ec2/responses/instances.py InstanceResponse.modify_instance_attribute): the
# handlers do not know InstanceInitiatedShutdownBehavior, so the call falls through to
# _security_grp_instance_attribute_handler, which replaces the instance's security groups with
# the empty list of a request that has none: the behaviour is not changed and the instance loses
# all its groups. Here the behaviour is set, and a request without Groups never changes groups
# (an attribute moto does not know stays moto's "not implemented").
# --------------------------------------------------------------------------


def patch_ec2_shutdown_behavior() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.instances import InstanceResponse

    original_dot = _ORIGINALS.setdefault("ec2_dot_value_handler", InstanceResponse._dot_value_instance_attribute_handler)
    original_groups = _ORIGINALS.setdefault("ec2_groups_handler",
                                            InstanceResponse._security_grp_instance_attribute_handler)

    def dot_value_handler(self):  # type: ignore[no-untyped-def]
        value = self._get_param("InstanceInitiatedShutdownBehavior.Value")
        if value is None:
            return original_dot(self)
        if value not in ("stop", "terminate"):
            raise EC2ClientError("InvalidParameterValue",
                                 f"Value ({value}) for parameter instanceInitiatedShutdownBehavior is invalid. "
                                 "Valid values are 'stop' and 'terminate'.")
        self.error_on_dryrun()
        self.ec2_backend.modify_instance_attribute(self._get_param("InstanceId"),
                                                   "instance_initiated_shutdown_behavior", value)
        return True

    def groups_handler(self):  # type: ignore[no-untyped-def]
        return original_groups(self) if self._get_param("Groups") else False

    InstanceResponse._dot_value_instance_attribute_handler = dot_value_handler  # type: ignore[method-assign]
    InstanceResponse._security_grp_instance_attribute_handler = groups_handler  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 9. EC2 AttachVolume checks
# AWS doc: EC2 API Reference, "AttachVolume" and "Error codes" (VolumeInUse "vol-... is already
# attached to an instance"; InvalidParameterValue "Invalid value '/dev/sdf' for unixDevice.
# Attachment point /dev/sdf is already in use"; InvalidVolume.ZoneMismatch: the volume and the
# instance must be in the same Availability Zone).
# moto 5.2.5 (moto/ec2/models/elastic_block_store.py EBSBackend.attach_volume) attaches a volume
# that is attached elsewhere and replaces whatever is at the device. The checks are made on the
# API call (ElasticBlockStore.attach_volume), not in the backend, which moto's own launch path
# also uses.
# --------------------------------------------------------------------------


def patch_ec2_attach_volume_checks() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    original = _ORIGINALS.setdefault("ec2_attach_volume", ElasticBlockStore.attach_volume)

    def attach_volume(self):  # type: ignore[no-untyped-def]
        volume = self.ec2_backend.get_volume(self._get_param("VolumeId"))  # InvalidVolume.NotFound
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))  # InvalidInstanceID.NotFound
        device = self._get_param("Device")
        if volume.attachment is not None:
            raise EC2ClientError("VolumeInUse", f"{volume.id} is already attached to an instance")
        if device in instance.block_device_mapping:
            raise EC2ClientError("InvalidParameterValue",
                                 f"Invalid value '{device}' for unixDevice. Attachment point {device} is already in use")
        if volume.availability_zone and volume.availability_zone != instance.placement.zone:
            raise EC2ClientError("InvalidVolume.ZoneMismatch",
                                 f"The volume '{volume.id}' is not in the same availability zone as instance '{instance.id}'")
        return original(self)

    ElasticBlockStore.attach_volume = attach_volume  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 10. EC2 AttachNetworkInterface checks
# AWS doc: EC2 API Reference, "AttachNetworkInterface" (DeviceIndex; InvalidParameterValue
# "Instance '<id>' already has an interface attached at device index '<n>'.";
# InvalidNetworkInterface.InUse "Interface: [eni-...] in use.").
# moto 5.2.5 (moto/ec2/models/instances.py Instance.attach_eni) puts the interface at the index
# whatever is there (DeviceIndex 0 silently replaced the primary interface) and attaches an
# interface that is already attached (it then appears twice in DescribeInstances).
# --------------------------------------------------------------------------


def patch_ec2_attach_network_interface_checks() -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

    original = _ORIGINALS.setdefault("ec2_attach_network_interface", ElasticNetworkInterfaces.attach_network_interface)

    def attach_network_interface(self):  # type: ignore[no-untyped-def]
        eni = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
        instance = self.ec2_backend.get_instance(self._get_param("InstanceId"))
        index = int(self._get_param("DeviceIndex"))
        if eni.instance is not None or eni.status == "in-use":
            raise EC2ClientError("InvalidNetworkInterface.InUse", f"Interface: [{eni.id}] in use.")
        if index in instance.nics:
            raise EC2ClientError("InvalidParameterValue",
                                 f"Instance '{instance.id}' already has an interface attached at device index '{index}'.")
        return original(self)

    ElasticNetworkInterfaces.attach_network_interface = attach_network_interface  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 11. EC2 instance profile associations as DescribeInstances shows them
# AWS doc: EC2 API Reference, "ReplaceIamInstanceProfileAssociation" (replaces the profile of a
# running instance), "IamInstanceProfile" in "Instance" (Arn and Id of the instance profile).
# moto 5.2.5 (moto/ec2/models/iam_instance_profile.py): after ReplaceIamInstanceProfileAssociation
# DescribeInstances still shows the old profile, and its `Id` is the association id, not the
# profile's.
# --------------------------------------------------------------------------


def patch_ec2_profile_association_view() -> None:
    from moto.ec2.models.iam_instance_profile import IamInstanceProfileAssociationBackend

    original_associate = _ORIGINALS.setdefault("ec2_associate_profile",
                                               IamInstanceProfileAssociationBackend.associate_iam_instance_profile)
    original_replace = _ORIGINALS.setdefault("ec2_replace_profile",
                                             IamInstanceProfileAssociationBackend.replace_iam_instance_profile_association)

    def show(association: Any) -> Any:
        profile = association.iam_instance_profile
        association.instance.iam_instance_profile = {"Arn": profile.arn, "Id": profile.id}
        return association

    def associate_iam_instance_profile(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return show(original_associate(self, *args, **kwargs))

    def replace_iam_instance_profile_association(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return show(original_replace(self, *args, **kwargs))

    backend = IamInstanceProfileAssociationBackend
    backend.associate_iam_instance_profile = associate_iam_instance_profile  # type: ignore[method-assign]
    backend.replace_iam_instance_profile_association = replace_iam_instance_profile_association  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 12. ELBv2 targets: one registration per (Id, Port), draining, idempotent deregistration
# AWS doc: ELBv2 API Reference, "RegisterTargets" ("you can register each EC2 instance or IP
# address with the same target group multiple times using different ports"), "DeregisterTargets",
# "DescribeTargetHealth" and "TargetHealth" (draining / Target.DeregistrationInProgress while the
# deregistration delay runs; unused / Target.NotRegistered after); target group attribute
# deregistration_delay.timeout_seconds (default 300).
# moto 5.2.5 (moto/elbv2/models.py FakeTargetGroup.register / deregister / health_for,
# ELBv2Backend.describe_target_health) keys targets by Id only (a second port replaces the
# first; deregistering one port removes the instance), shows nothing draining, answers a
# registered instance on another port as healthy, and refuses to deregister a target that is not
# registered (InvalidTarget). Registered targets stay "healthy" (no health checks run here).
# --------------------------------------------------------------------------


def patch_elbv2_targets() -> None:
    import time as _time

    from moto.elbv2.exceptions import InvalidTargetError, TargetGroupNotFoundError, TargetNotRunning
    from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup

    def delay(group: Any) -> float:
        try:
            return float(group.attributes.get("deregistration_delay.timeout_seconds", 300))
        except (TypeError, ValueError):
            return 300.0

    def key(group: Any, target: dict[str, Any]) -> tuple[str, Any]:
        return target["Id"], target.get("Port", group.port if group.target_type != "lambda" else None)

    def draining(group: Any) -> dict[tuple[str, Any], dict[str, Any]]:
        store = group.__dict__.setdefault("_irmoto_draining", {})
        now = _time.monotonic()
        for k in [k for k, t in store.items() if t["until"] <= now]:
            del store[k]
        return store

    def register(self, targets):  # type: ignore[no-untyped-def]
        for target in targets:
            instance = self.ec2_backend.get_instance_by_id(target["Id"])
            if instance and instance.state != "running":
                raise TargetNotRunning(instance_id=target["Id"])
            k = key(self, target)
            self.targets.pop(k[0], None)  # an entry moto made before this patch
            self.targets[k] = {"Id": k[0], "Port": k[1]}
            draining(self).pop(k, None)

    def deregister(self, targets):  # type: ignore[no-untyped-def]
        for target in targets:
            k = key(self, target)
            if k not in self.targets:
                if target["Id"].startswith("i-") and self.ec2_backend.get_instance_by_id(target["Id"]) is None:
                    raise InvalidTargetError()
                continue  # not registered: nothing to do, as on AWS
            t = self.targets.pop(k)
            draining(self)[k] = {**t, "until": _time.monotonic() + delay(self)}

    def deregister_terminated_instances(self, instance_ids):  # type: ignore[no-untyped-def]
        for k in [k for k in self.targets if k[0] in instance_ids]:
            draining(self)[k] = {**self.targets.pop(k), "until": _time.monotonic() + delay(self)}

    def health_for(self, target, ec2_backend):  # type: ignore[no-untyped-def]
        port = target.get("Port", self.port)
        k = (target["Id"], port)
        if k in self.targets:
            instance = ec2_backend.get_instance_by_id(target["Id"]) if target["Id"].startswith("i-") else None
            if instance and instance.state == "stopped":
                return FakeHealthStatus(target["Id"], port, self.health_check_port, "unused",
                                        "Target.InvalidState", "Target is in the stopped state")
            return FakeHealthStatus(target["Id"], port, self.health_check_port, "healthy")
        if k in draining(self):
            return FakeHealthStatus(target["Id"], port, self.health_check_port, "draining",
                                    "Target.DeregistrationInProgress", "Target deregistration is in progress")
        return FakeHealthStatus(target["Id"], port, self.health_check_port, "unused",
                                "Target.NotRegistered", "Target is not registered to the target group")

    def describe_target_health(self, target_group_arn, targets):  # type: ignore[no-untyped-def]
        group = self.target_groups.get(target_group_arn)
        if group is None:
            raise TargetGroupNotFoundError()
        if not targets:
            listed = [dict(t) for t in group.targets.values()] + \
                     [{"Id": t["Id"], "Port": t["Port"]} for t in draining(group).values()]
        else:
            listed = []
            for target in targets:
                if "Port" in target:
                    listed.append(target)
                    continue
                known = [k for k in list(group.targets) + list(draining(group)) if k[0] == target["Id"]]
                listed.extend({"Id": i, "Port": p} for i, p in known) if known else listed.append(target)
        return [group.health_for(t, self.ec2_backend) for t in listed]

    FakeTargetGroup.register = register  # type: ignore[method-assign]
    FakeTargetGroup.deregister = deregister  # type: ignore[method-assign]
    FakeTargetGroup.deregister_terminated_instances = deregister_terminated_instances  # type: ignore[method-assign]
    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]
    ELBv2Backend.describe_target_health = describe_target_health  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 13. Auto Scaling DetachInstances leaves the group's load balancers and target groups
# AWS doc: Auto Scaling API Reference, "DetachInstances" ("If there is a Classic Load Balancer
# attached to your Auto Scaling group, the instances are deregistered from the load balancer.
# If there are target groups attached to your Auto Scaling group, the instances are
# deregistered from the target groups.").
# moto 5.2.5 (moto/autoscaling/models.py AutoScalingBackend.detach_instances) leaves the
# detached instance registered (and healthy) in the group's target groups and load balancers.
# --------------------------------------------------------------------------


def patch_autoscaling_detach_deregisters() -> None:
    from moto.autoscaling.models import AutoScalingBackend

    original = _ORIGINALS.setdefault("asg_detach_instances", AutoScalingBackend.detach_instances)

    def detach_instances(self, group_name, instance_ids, should_decrement):  # type: ignore[no-untyped-def]
        group = self.autoscaling_groups[group_name]
        members = {s.instance.id for s in group.instance_states}
        detached = [i for i in instance_ids if i in members]
        activities = original(self, group_name, instance_ids, should_decrement)
        for arn in group.target_group_arns:
            target_group = self.elbv2_backend.target_groups.get(arn)
            if target_group is not None and detached:
                self.elbv2_backend.deregister_targets(arn, [{"Id": i, "Port": target_group.port} for i in detached])
        for name in group.load_balancer_names:
            if detached and name in self.elb_backend.load_balancers:
                self.elb_backend.deregister_instances(name, detached, from_autoscaling=True)
        return activities

    AutoScalingBackend.detach_instances = detach_instances  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# 14. Classic ELB Register/DeregisterInstances answers
# AWS doc: ELB API Reference, "RegisterInstancesWithLoadBalancer" and
# "DeregisterInstancesFromLoadBalancer" (Instances: "The updated list of instances for the load
# balancer"); registering an instance twice lists it once.
# moto 5.2.5 (moto/elb/responses.py) answers an empty list (it wraps the ids in a list the
# serializer cannot read) and moto/elb/models.py ELBBackend.register_instances appends duplicates.
# --------------------------------------------------------------------------


def patch_elb_instances_answers() -> None:
    from moto.core.responses import ActionResult
    from moto.elb.responses import ELBResponse

    def answer(load_balancer: Any) -> Any:
        return ActionResult({"Instances": [{"InstanceId": i} for i in dict.fromkeys(load_balancer.instance_ids)]})

    def register_instances_with_load_balancer(self):  # type: ignore[no-untyped-def]
        name = self._get_param("LoadBalancerName")
        wanted = [i["InstanceId"] for i in self._get_param("Instances", [])]
        current = set(self.elb_backend.get_load_balancer(name).instance_ids)
        return answer(self.elb_backend.register_instances(name, [i for i in dict.fromkeys(wanted) if i not in current]))

    def deregister_instances_from_load_balancer(self):  # type: ignore[no-untyped-def]
        name = self._get_param("LoadBalancerName")
        ids = [i["InstanceId"] for i in self._get_param("Instances", [])]
        self.elb_backend.deregister_instances(name, ids, from_autoscaling=True)
        return answer(self.elb_backend.deregister_instances(name, ids))

    ELBResponse.register_instances_with_load_balancer = register_instances_with_load_balancer  # type: ignore[method-assign]
    ELBResponse.deregister_instances_from_load_balancer = deregister_instances_from_load_balancer  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# S3 Object Lock default retention in days
# AWS doc: Amazon S3 API Reference, "PutObjectLockConfiguration" / DefaultRetention (Days or
# Years, one of them); every new object version gets the bucket's default retention.
# moto 5.2.5 (moto/s3/models.py FakeBucket.default_retention) multiplies the unset Years
# (None) by 365, so with a retention in Days every PutObject answers HTTP 500.
# --------------------------------------------------------------------------


def patch_s3_object_lock_default_retention() -> None:
    import datetime

    from moto.core.utils import utcnow
    from moto.s3.models import FakeBucket

    def default_retention(self):  # type: ignore[no-untyped-def]
        days = int(self.default_lock_days or 0) + 365 * int(self.default_lock_years or 0)
        return (utcnow() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    FakeBucket.default_retention = default_retention  # type: ignore[method-assign]


EC2_EVIDENCE_EXTENSIONS: list[Callable[[], None]] = [
    patch_s3_object_lock_default_retention,
    patch_cfn_ssm_document,
    patch_ssm_agent_endpoint,
    patch_ssm_describe_instance_information,
    patch_ssm_run_command,
    patch_ec2_create_snapshots,
    patch_ec2_describe_snapshots,
    patch_ec2_delete_on_termination,
    patch_ec2_shutdown_behavior,
    patch_ec2_attach_volume_checks,
    patch_ec2_attach_network_interface_checks,
    patch_ec2_profile_association_view,
    patch_elbv2_targets,
    patch_autoscaling_detach_deregisters,
    patch_elb_instances_answers,
]
