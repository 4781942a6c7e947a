"""aws-ir's two memory-image scripts, as the emulated SSM Agent runs them (irmoto.ec2_evidence).

The capture document acquires a memory image and hashes its parts; a second document uploads
them. S3 checks a presigned upload's x-amz-checksum-sha256 only when the URL signs it (AWS doc:
S3 API Reference, "Authenticating Requests: Using Query Parameters"; irmoto.s3_checksums), so
the host must hash the image before aws-ir can presign each UploadPart with its part's hash.
A step is one of these scripts when a line of its runCommand starts with the marker the
script's first line carries (a shell no-op, ``:``):

``: aws-ir-memory-acquire case='<case-id>' capture='<on|off>'`` - AVML writes
``/tmp/aws-ir-<case>.lime``; the script prints::

    aws-ir-memory image=/tmp/aws-ir-<case>.lime bytes=<N> part-bytes=<P> parts=<K>
    aws-ir-part 1 <lowercase hex SHA-256 of bytes [0, P)>
    ...
    aws-ir-part K <... of bytes [(K-1)P, N)>

with MiB = 1048576, P = max(8 MiB, (N // 256 // MiB + 1) MiB) (at most 256 parts of whole MiB,
S3's minimum part is 5 MiB) and K = ceil(N / P). ``capture`` other than ``on``: ``memory capture
off``; a host without AVML: ``no AVML on the instance: memory not captured``; both exit 0.

``: aws-ir-memory-upload case='<case-id>' plan='<presigned GET URL>'`` - the script downloads
the plan (``curl -sSf``); each line is ``<part-number> <skip> <count> <url> <name:value>...``
(skip/count in MiB blocks, ``dd bs=1MiB``): bytes [skip MiB, (skip + count) MiB) of the image,
clipped to its end, are PUT to the url with those headers (``curl -sSf -X PUT -T part -H
name:value ... url``) and ``aws-ir-uploaded <n>`` printed; at the end the image is removed and
``memory image uploaded; removed from the instance`` printed. curl -f makes an HTTP status of
400 or more fail the step (exit 1, curl's error on stderr); a missing image fails dd.

The image is deterministic, ``random.Random(f"{instance_id}:{case_id}").randbytes(N)``, so a test
can compare what S3 holds with what the host held (``GET
/moto-api/irmoto/ssm-agents/memory-image``). The HTTP requests are real: the URLs point at the
emulator (or anywhere), and they are made from the agent's own thread, never from a request
handler of the server they go to.
"""

from __future__ import annotations

import hashlib
import http.client
import random
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MIB = 1048576
MIN_PART_BYTES = 8 * MIB
ACQUIRE = "aws-ir-memory-acquire"
UPLOAD = "aws-ir-memory-upload"
_MARKER = re.compile(r"^\s*:\s+(aws-ir-memory-acquire|aws-ir-memory-upload)\b(.*)$")
_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)='([^']*)'")
HTTP_TIMEOUT_SECONDS = 120.0


def part_layout(image_bytes: int) -> tuple[int, int]:
    """(part bytes P, parts K) of an image of `image_bytes`, as the acquire script computes them."""
    part = max(MIN_PART_BYTES, (image_bytes // 256 // MIB + 1) * MIB)
    return part, (image_bytes + part - 1) // part


def memory_image(instance_id: str, case_id: str, image_bytes: int) -> bytes:
    """The memory image the emulated host holds for a case (tests compute it the same way)."""
    return random.Random(f"{instance_id}:{case_id}").randbytes(image_bytes)


def image_path(case_id: str) -> str:
    return f"/tmp/aws-ir-{case_id}.lime"


def marker(commands: list[str]) -> tuple[str, dict[str, str]] | None:
    """(script, fields) when a line of the step's commands is one of the scripts' markers."""
    for command in commands:
        for line in command.splitlines():
            found = _MARKER.match(line)
            if found:
                return found.group(1), dict(_FIELD.findall(found.group(2)))
    return None


@dataclass
class ScriptResult:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    acquired: int | None = None   # bytes of the image left on the host by the acquire script
    removed: bool = False         # the upload script removed the image
    uploaded: list[int] = field(default_factory=list)


def acquire(case_id: str, capture: str, image_bytes: int, image: Callable[[], bytes]) -> ScriptResult:
    if capture != "on":
        return ScriptResult(stdout="memory capture off\n")
    if image_bytes <= 0:
        return ScriptResult(stdout="no AVML on the instance: memory not captured\n")
    data = image()
    part, parts = part_layout(len(data))
    lines = [f"aws-ir-memory image={image_path(case_id)} bytes={len(data)} part-bytes={part} parts={parts}"]
    lines += [f"aws-ir-part {i + 1} {hashlib.sha256(data[i * part:(i + 1) * part]).hexdigest()}" for i in range(parts)]
    return ScriptResult(stdout="\n".join(lines) + "\n", acquired=len(data))


class _CurlError(Exception):
    def __init__(self, code: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


def _error_detail(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    code, message = re.search(r"<Code>([^<]*)</Code>", text), re.search(r"<Message>([^<]*)</Message>", text)
    if code is None:
        return ""
    return code.group(1) + (f": {message.group(1)}" if message else "")


def curl(method: str, url: str, body: bytes | None = None, headers: list[tuple[str, str]] | None = None) -> bytes:
    """What ``curl -sSf`` does with the request: the body, or _CurlError as curl reports it."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _CurlError(3, "URL using bad/illegal format or missing URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection: http.client.HTTPConnection = (http.client.HTTPSConnection if parts.scheme == "https"
                                              else http.client.HTTPConnection)(parts.hostname, port,
                                                                               timeout=HTTP_TIMEOUT_SECONDS)
    try:
        connection.putrequest(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        connection.putheader("User-Agent", "curl/8.5.0 (irmoto emulated SSM Agent)")
        connection.putheader("Accept", "*/*")
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
    except TimeoutError:
        raise _CurlError(28, f"Operation timed out after {int(HTTP_TIMEOUT_SECONDS * 1000)} milliseconds") from None
    except OSError as e:
        raise _CurlError(7, f"Failed to connect to {parts.hostname} port {port}: {e}") from None
    finally:
        connection.close()
    if response.status >= 400:
        raise _CurlError(22, f"The requested URL returned error: {response.status}", _error_detail(data))
    return data


def _failed(result: ScriptResult, error: _CurlError, what: str) -> ScriptResult:
    result.stderr += f"curl: ({error.code}) {error.message}\n"
    if error.detail:
        result.stderr += f"[irmoto] {what}: the server answered {error.detail}\n"
    result.exit_code = 1
    return result


def upload(case_id: str, plan_url: str, image: Callable[[], bytes | None], fault: dict[str, Any] | None) -> ScriptResult:
    result = ScriptResult()
    try:
        plan = curl("GET", plan_url).decode("utf-8", "replace")
    except _CurlError as e:
        return _failed(result, e, "the plan")
    data: bytes | None = None
    stop_after = (fault or {}).get("stop_after_parts")
    corrupt = (fault or {}).get("corrupt_part")
    for number, line in enumerate(plan.splitlines(), 1):
        if not line.strip():
            continue
        if stop_after is not None and len(result.uploaded) >= stop_after:
            break
        fields = line.split()
        try:
            if len(fields) < 4:
                raise ValueError("too few fields")
            part, skip, count = int(fields[0]), int(fields[1]), int(fields[2])
            headers = []
            for header in fields[4:]:
                name, colon, value = header.partition(":")
                if not name or not colon:
                    raise ValueError(f"header {header!r} is not name:value")
                headers.append((name, value))
        except ValueError as e:
            result.stderr += (f"[irmoto] plan line {number} is not `<part-number> <skip> <count> <url> "
                              f"<name:value>...` ({e}): {line[:200]}\n")
            result.exit_code = 1
            return result
        if data is None:
            data = image()
            if data is None:
                result.stderr += f"dd: failed to open '{image_path(case_id)}': No such file or directory\n"
                result.exit_code = 1
                return result
        body = data[skip * MIB:(skip + count) * MIB]
        if corrupt == part and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]  # one byte changed on the way, same header
        try:
            curl("PUT", fields[3], body, headers)
        except _CurlError as e:
            return _failed(result, e, f"part {part}")
        result.uploaded.append(part)
        result.stdout += f"aws-ir-uploaded {part}\n"
    if stop_after is not None and len(result.uploaded) >= stop_after:
        result.stderr += f"emulated fault: the upload stopped after {stop_after} parts\n"
        result.exit_code = 1
        return result
    result.removed = True
    result.stdout += "memory image uploaded; removed from the instance\n"
    return result
