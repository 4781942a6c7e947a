"""S3 additional checksums, checked as S3 checks them, and presigned requests' unsigned headers.

aws-ir keeps evidence in S3 with a SHA-256 that S3 computes on receipt and keeps: PutObject with
``x-amz-checksum-sha256``, and the memory image as a multipart upload whose parts each carry
theirs (the host hashes the image, aws-ir presigns each UploadPart with its hash signed, the host
uploads with curl). AWS docs: Amazon S3 User Guide, "Checking object integrity in Amazon S3"
(S3 calculates the checksum of the data it receives and compares it with the one provided; a
multipart object's checksum is a checksum of the parts' checksums, "-<number of parts>" after it);
API Reference "PutObject" and "UploadPart" (x-amz-checksum-crc32 / -crc32c / -crc64nvme / -sha1 /
-sha256: "This header specifies the Base64 encoded ... checksum of the object"; a request whose
data does not match fails with BadDigest), "CreateMultipartUpload" (x-amz-checksum-algorithm),
"ListParts" (each Part's ChecksumSHA256..., the upload's ChecksumAlgorithm and ChecksumType),
"CompleteMultipartUpload" (each part's checksum "if the part was uploaded with one"; a part that
does not match is InvalidPart), "HeadObject" / "GetObject" (x-amz-checksum-mode ENABLED answers
x-amz-checksum-<algorithm> and x-amz-checksum-type), "GetObjectAttributes".

moto 5.2.5 (moto/s3/responses.py S3Response._get_checksum) reads a checksum only when
``x-amz-sdk-checksum-algorithm`` names its algorithm and stores it without computing anything:
a wrong SHA-256 is kept as the object's, and a request that sends only ``x-amz-checksum-sha256``
(curl, a presigned URL) gets no checksum at all. UploadPart stores none on the part, ListParts
shows none, CompleteMultipartUpload reads only PartNumber and ETag, HeadObject answers a
multipart object's checksum without its part count or type, and where moto computes CRC32C or
CRC64NVME itself it falls back to CRC-32 unless the optional crc32c/awscrt packages are installed
(they are not in this harness).

Here a request's checksum (a header, or the trailer of an aws-chunked body as the SDKs stream it:
``x-amz-trailer``) is computed over the body S3 received (moto has already taken the aws-chunked
framing off) with CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512 or MD5 (the CRCs in pure Python
here: about a second per 8 MiB for CRC32C and CRC64NVME); XXHASH* checksums stay unchecked.

Presigned requests (AWS doc: Amazon S3 API Reference, "Authenticating Requests: Using Query
Parameters (AWS Signature Version 4)": the signed headers "must be present" in the request;
S3 refuses an ``x-amz-*`` header that X-Amz-SignedHeaders does not list, 403 AccessDenied "There
were headers present in the request which were not signed" with ``<HeadersNotSigned>``, as
aws-sdk-js-v3 #3906 and aws/aws-sdk #338 show for ``x-amz-checksum-sha256``): moto verifies no
signature, so a presigned PUT with an unsigned checksum header passed here and fails on AWS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any
from xml.dom import minidom
from xml.sax.saxutils import escape

LOG = logging.getLogger("irmoto.s3_checksums")
_ORIGINALS: dict[str, Any] = {}

# Algorithm -> digest length in bytes (S3 API Reference: ChecksumAlgorithm; the XXHASH ones are
# not computed here).
DIGEST_BYTES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32, "SHA512": 64, "MD5": 16}


def _crc_table(polynomial: int) -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = _crc_table(0x82F63B78)  # Castagnoli, reflected (RFC 3720)
_CRC64NVME = _crc_table(0x9A6C9329AC4BC9B5)  # NVM Express, reflected


def _reflected_crc(table: list[int], ones: int, data: bytes) -> int:
    crc = ones
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ ones


def digest(algorithm: str, data: bytes) -> bytes:
    """The raw checksum of `data` (big-endian for the CRCs, as S3 encodes them)."""
    if algorithm == "CRC32":
        return binascii.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return _reflected_crc(_CRC32C, 0xFFFFFFFF, data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return _reflected_crc(_CRC64NVME, 0xFFFFFFFFFFFFFFFF, data).to_bytes(8, "big")
    return hashlib.new(algorithm.lower(), data, usedforsecurity=False).digest()


def checksum(algorithm: str, data: bytes) -> str:
    """The Base64 checksum S3 shows for `data`."""
    return base64.b64encode(digest(algorithm, data)).decode()


def composite(algorithm: str, part_checksums: list[str]) -> str:
    """A COMPOSITE multipart checksum without its "-<parts>": the checksum of the parts' raw
    checksums, concatenated in part order."""
    return checksum(algorithm, b"".join(base64.b64decode(c) for c in part_checksums))


def _s3_error(code: str, message: str) -> Exception:
    from moto.s3.exceptions import S3ClientError

    return S3ClientError(code, message)


def _decoded(value: str, algorithm: str) -> bytes | None:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == DIGEST_BYTES[algorithm] else None


def _trailer_claim(response: Any) -> tuple[str, str] | None:
    """(algorithm, value) of an aws-chunked body's checksum trailer (x-amz-trailer names it)."""
    names = [n.strip().lower() for n in (response.headers.get("x-amz-trailer") or "").split(",") if n.strip()]
    for name in names:
        algorithm = name.removeprefix("x-amz-checksum-").upper()
        if not name.startswith("x-amz-checksum-") or algorithm not in DIGEST_BYTES:
            continue
        raw = response.raw_body if isinstance(response.raw_body, bytes) else b""
        at = raw.rfind(name.encode() + b":")  # the trailer follows the last (empty) chunk
        if at < 0:
            return algorithm, ""
        value = raw[at + len(name) + 1:].split(b"\n", 1)[0].strip()  # CRLF, or LF in signed trailers
        return algorithm, value.decode("ascii", "replace")
    return None


def verified_checksum(response: Any) -> tuple[str, str] | None:
    """The checksum a PutObject/UploadPart request claims, checked against the body S3 received:
    (algorithm, Base64 value), or None when it claims none. Raises S3's InvalidRequest (a
    malformed value, several checksums) or BadDigest (the body does not match)."""
    claims = [(a, response.headers.get(f"x-amz-checksum-{a.lower()}")) for a in DIGEST_BYTES]
    found = [(a, v) for a, v in claims if v is not None]
    trailer = _trailer_claim(response)
    if trailer is not None and trailer[0] not in {a for a, _ in found}:
        found.append(trailer)
    if len(found) > 1:
        raise _s3_error("InvalidRequest",
                        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
    if not found:
        return None
    algorithm, value = found[0]
    value = value.strip()
    claimed = _decoded(value, algorithm)
    if claimed is None:
        raise _s3_error("InvalidRequest", f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")
    body = response.body if isinstance(response.body, bytes) else (response.body or "").encode()
    if digest(algorithm, body) != claimed:
        raise _s3_error("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")
    return algorithm, value


def _checksum_type(key: Any) -> str | None:
    if not key.checksum_algorithm or not key.checksum_value:
        return None
    return key.checksum_type or "FULL_OBJECT"


def _response_checksum_headers(key: Any) -> dict[str, str]:
    """x-amz-checksum-<algorithm> and x-amz-checksum-type as HeadObject/GetObject answer them."""
    kind = _checksum_type(key)
    if kind is None:
        return {}
    value = key.checksum_value
    if kind == "COMPOSITE" and key.checksum_parts:
        value = f"{value}-{key.checksum_parts}"
    return {f"x-amz-checksum-{key.checksum_algorithm.lower()}": value, "x-amz-checksum-type": kind}


def _upload_algorithm(multipart: Any) -> tuple[str | None, str | None]:
    algorithm = multipart.metadata.get("x-amz-checksum-algorithm")
    algorithm = algorithm.upper() if algorithm else None
    kind = multipart.metadata.get("x-amz-checksum-type")
    if algorithm and not kind:
        kind = "FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE"
    return algorithm, kind


def _with_result(response: Any, amend: Callable[[dict[str, Any]], None], call: Callable[[], Any]) -> Any:
    """Runs a moto response method, letting `amend` change the result it serializes."""
    serialized = response.serialized

    def amended(action_result: Any) -> Any:
        if isinstance(action_result.result, dict):
            amend(action_result.result)
        return serialized(action_result)

    response.serialized = amended
    try:
        return call()
    finally:
        del response.serialized


# --------------------------------------------------------------------------
# C1. PutObject and UploadPart check the checksum they are sent, and keep it
# AWS doc: S3 API Reference, "PutObject" / "UploadPart" (x-amz-checksum-*; BadDigest "The
# SHA256 you specified did not match the calculated checksum."), User Guide "Checking object
# integrity" (trailing checksums of aws-chunked uploads). Errors for a value that is not the
# Base64 of a digest of the right size and for two checksums at once: InvalidRequest.
# moto internals replaced: S3Response._get_checksum for PutObject (the other callers keep
# moto's), S3Response.upload_part (the part was stored before its checksum was even read).
# --------------------------------------------------------------------------


def patch_s3_checksum_verification() -> None:
    from moto.s3.exceptions import InvalidMaxPartNumberArgument
    from moto.s3.responses import S3Response

    original_get = _ORIGINALS.setdefault("s3_get_checksum", S3Response._get_checksum)
    original_put = _ORIGINALS.setdefault("s3_put_object", S3Response.put_object)

    def checked(self: Any, response_headers: dict[str, Any]) -> tuple[str, str | None]:
        claim = verified_checksum(self)
        if claim is None:
            algorithm = (self.headers.get("x-amz-sdk-checksum-algorithm") or "").upper()
            if algorithm not in DIGEST_BYTES:
                return original_get(self, response_headers)  # type: ignore[no-any-return]
            # An algorithm without a value: S3 computes it (moto's behaviour, right algorithm).
            claim = algorithm, checksum(algorithm, self.body or b"")
        algorithm, value = claim
        response_headers[f"x-amz-checksum-{algorithm.lower()}"] = value
        response_headers["x-amz-checksum-type"] = "FULL_OBJECT"
        return algorithm, value

    def _get_checksum(self, response_headers):  # type: ignore[no-untyped-def]
        if getattr(self, "_irmoto_checksum_checked", False):
            return checked(self, response_headers)
        return original_get(self, response_headers)

    def put_object(self):  # type: ignore[no-untyped-def]
        self._irmoto_checksum_checked = True
        return original_put(self)

    def upload_part(self):  # type: ignore[no-untyped-def]
        upload_id = self._get_param("uploadId")
        part_number = self._get_int_param("partNumber")
        if part_number > 10000:
            raise InvalidMaxPartNumberArgument(part_number)
        response_headers = self._get_cors_headers_other()
        algorithm, value = checked(self, response_headers)  # before anything is stored
        key = self.backend.upload_part(self.bucket_name, upload_id, part_number, self.body)
        if value:
            key.checksum_algorithm, key.checksum_value = algorithm, value
        response_headers.update(key.response_dict)
        response_headers.pop("x-amz-sdk-checksum-algorithm", None)  # a request header, not S3's answer
        response_headers.pop("x-amz-checksum-type", None)
        response_headers["content-length"] = "0"
        return 200, response_headers, ""

    S3Response._get_checksum = _get_checksum  # type: ignore[method-assign]
    S3Response.put_object = put_object  # type: ignore[method-assign]
    S3Response.upload_part = upload_part  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# C2. ListParts shows the parts' checksums and the upload's algorithm
# AWS doc: S3 API Reference, "ListParts" (Part: ChecksumCRC32, ChecksumCRC32C, ChecksumCRC64NVME,
# ChecksumSHA1, ChecksumSHA256 "if the part was uploaded with" one; ChecksumAlgorithm,
# ChecksumType of the upload).
# moto internals: S3Response.list_parts builds the parts without them; the result is amended
# before moto serializes it, and the root element renamed to AWS's.
# --------------------------------------------------------------------------


def patch_s3_list_parts_checksums() -> None:
    from moto.s3.responses import S3Response

    original = _ORIGINALS.setdefault("s3_list_parts", S3Response.list_parts)

    def list_parts(self):  # type: ignore[no-untyped-def]
        upload_id = self._get_param("uploadId")
        multipart = self.backend.get_bucket(self.bucket_name).multiparts.get(upload_id)

        def amend(result: dict[str, Any]) -> None:
            if multipart is None:
                return
            algorithm, kind = _upload_algorithm(multipart)
            if algorithm:
                result["ChecksumAlgorithm"], result["ChecksumType"] = algorithm, kind
            for listed in result.get("Parts") or []:
                part = multipart.parts.get(int(listed["PartNumber"]))
                if part is not None and part.checksum_algorithm and part.checksum_value:
                    listed[f"Checksum{part.checksum_algorithm}"] = part.checksum_value

        status, headers, body = _with_result(self, amend, lambda: original(self))
        # The root element is ListPartsResult (S3 API Reference, "ListParts", response syntax);
        # moto names it ListPartsResponse, which botocore ignores and the Rust SDK refuses.
        if isinstance(body, bytes):
            body = body.replace(b"ListPartsResponse", b"ListPartsResult")
        elif isinstance(body, str):
            body = body.replace("ListPartsResponse", "ListPartsResult")
        return status, headers, body

    S3Response.list_parts = list_parts  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# C3. CompleteMultipartUpload checks the parts' checksums; the object's is COMPOSITE
# AWS doc: S3 API Reference, "CompleteMultipartUpload" (CompletedPart ChecksumSHA256...: a part
# whose checksum is not the one it was uploaded with is InvalidPart; the answer carries the
# object's checksum and ChecksumType), User Guide "Checking object integrity" ("Using part-level
# checksums for multipart uploads": the checksum of the concatenated part checksums, then
# "-<number of parts>"), "HeadObject" / "GetObject" (x-amz-checksum-mode: ENABLED).
# moto internals: S3Response._complete_multipart_body (read PartNumber and ETag only),
# FakeMultipart.complete (the parts used are recorded), S3Backend.complete_multipart_upload
# (moto recomputed the composite from the part bytes with its CRC-32 fallback for CRC32C; here it
# comes from the parts' checksums, as S3 does), S3Response._key_response_post's answer,
# S3Response.head_object (answered the composite without "-<parts>" and no type) and get_object.
# --------------------------------------------------------------------------


def patch_s3_complete_multipart_checksums() -> None:
    from moto.s3.exceptions import InvalidPart
    from moto.s3.models import FakeMultipart, S3Backend
    from moto.s3.responses import S3Response

    original_body = _ORIGINALS.setdefault("s3_complete_body", S3Response._complete_multipart_body)
    original_complete = _ORIGINALS.setdefault("s3_multipart_complete", FakeMultipart.complete)
    original_backend_complete = _ORIGINALS.setdefault("s3_backend_complete", S3Backend.complete_multipart_upload)
    original_post = _ORIGINALS.setdefault("s3_key_response_post", S3Response._key_response_post)
    original_head = _ORIGINALS.setdefault("s3_head_object", S3Response.head_object)
    original_get = _ORIGINALS.setdefault("s3_get_object", S3Response.get_object)

    def _complete_multipart_body(self, body):  # type: ignore[no-untyped-def]
        upload_id = (self.querystring.get("uploadId") or [None])[0]
        multipart = self.backend.get_bucket(self.bucket_name).multiparts.get(upload_id)
        for element in minidom.parseString(body).getElementsByTagName("Part"):
            numbers = element.getElementsByTagName("PartNumber")
            part = multipart.parts.get(int(numbers[0].firstChild.wholeText)) if multipart and numbers else None
            for algorithm in DIGEST_BYTES:
                given = element.getElementsByTagName(f"Checksum{algorithm}")
                if not given or given[0].firstChild is None:
                    continue
                value = given[0].firstChild.wholeText.strip()
                if part is None or part.checksum_algorithm != algorithm or part.checksum_value != value:
                    raise InvalidPart()
        yield from original_body(self, body)

    def complete(self, body):  # type: ignore[no-untyped-def]
        listed = list(body)
        self._irmoto_completed = [number for number, _ in listed]
        return original_complete(self, iter(listed))

    def complete_multipart_upload(self, bucket_name, multipart_id, body):  # type: ignore[no-untyped-def]
        key = original_backend_complete(self, bucket_name, multipart_id, body)
        multipart = getattr(key, "multipart", None)
        if key is None or multipart is None:
            return key
        algorithm, kind = _upload_algorithm(multipart)
        numbers = getattr(multipart, "_irmoto_completed", None)
        if algorithm and kind == "COMPOSITE" and numbers and algorithm in DIGEST_BYTES:
            checksums = []
            for number in numbers:
                part = multipart.parts[number]
                same = part.checksum_algorithm == algorithm and part.checksum_value
                checksums.append(part.checksum_value if same else checksum(algorithm, part.value))
            key.checksum_algorithm, key.checksum_type = algorithm, kind
            key.checksum_value, key.checksum_parts = composite(algorithm, checksums), len(numbers)
        return key

    def _key_response_post(self, request, body, bucket_name, query, key_name):  # type: ignore[no-untyped-def]
        if "uploadId" not in query:
            return original_post(self, request, body, bucket_name, query, key_name)

        def amend(result: dict[str, Any]) -> None:
            if "ETag" not in result or "Location" not in result:
                return
            key = self.backend.get_object(bucket_name, key_name)
            if key is not None and _checksum_type(key) is not None:
                header = _response_checksum_headers(key)
                result[f"Checksum{key.checksum_algorithm}"] = header[f"x-amz-checksum-{key.checksum_algorithm.lower()}"]
                result["ChecksumType"] = header["x-amz-checksum-type"]

        return _with_result(self, amend, lambda: original_post(self, request, body, bucket_name, query, key_name))

    def with_checksum_headers(response: Any, key: Any) -> Any:
        status, headers, content = response
        if status in (200, 206) and key is not None:
            for name in [h for h in headers if str(h).lower().startswith("x-amz-checksum-")]:
                del headers[name]
            headers.update(_response_checksum_headers(key))
        return status, headers, content

    def head_object(self, bucket_name, query, key_name, headers):  # type: ignore[no-untyped-def]
        response = original_head(self, bucket_name, query, key_name, headers)
        if headers.get("x-amz-checksum-mode") != "ENABLED" or query.get("partNumber"):
            return response
        version_id = query.get("versionId", [None])[0]
        return with_checksum_headers(response, self.backend.get_object(bucket_name, key_name, version_id=version_id))

    def get_object(self):  # type: ignore[no-untyped-def]
        response = original_get(self)
        if self.headers.get("x-amz-checksum-mode") != "ENABLED" or self._get_int_param("partNumber"):
            return response
        version_id = self.querystring.get("versionId", [None])[0]
        key = self.backend.get_object(self.bucket_name, self.parse_key_name(), version_id=version_id)
        return with_checksum_headers(response, key)

    S3Response._complete_multipart_body = _complete_multipart_body  # type: ignore[method-assign]
    FakeMultipart.complete = complete  # type: ignore[method-assign]
    S3Backend.complete_multipart_upload = complete_multipart_upload  # type: ignore[method-assign]
    S3Response._key_response_post = _key_response_post  # type: ignore[method-assign]
    S3Response.head_object = head_object  # type: ignore[method-assign]
    S3Response.get_object = get_object  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# C4. A presigned request's x-amz-* headers must be signed
# AWS doc: S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
# Version 4)" (X-Amz-SignedHeaders; the signed headers are part of the request) and the error S3
# answers: 403 AccessDenied "There were headers present in the request which were not signed",
# <HeadersNotSigned> naming them (aws-sdk-js-v3 #3906, aws/aws-sdk #338: a presigned PUT sent
# with an x-amz-checksum-sha256 header the URL did not sign). A header the URL signs but the
# request lacks cannot give the signature: 403 SignatureDoesNotMatch. Only presigned SigV4
# requests (X-Amz-Signature in the query); header-signed SDK requests are unchanged.
# x-amz-content-sha256 is let through unsigned (presigned payloads are UNSIGNED-PAYLOAD).
# moto verifies no S3 signature; this wraps moto.core.utils.convert_to_flask_response.__call__
# (every request in server mode, as irmoto.faults does) for the s3 app only.
# --------------------------------------------------------------------------

UNSIGNED_TOLERATED = {"x-amz-content-sha256"}


def presigned_header_problem(query: Any, headers: Any) -> tuple[int, str, str, dict[str, str]] | None:
    """(status, code, message, extra elements) S3 answers a presigned request whose headers do not
    match its X-Amz-SignedHeaders; None otherwise (or when it is not a presigned SigV4 request)."""
    if not query.get("X-Amz-Signature") or query.get("X-Amz-Algorithm", "AWS4-HMAC-SHA256") != "AWS4-HMAC-SHA256":
        return None
    signed = {h.strip().lower() for h in (query.get("X-Amz-SignedHeaders") or "").split(";") if h.strip()}
    present = {str(name).lower() for name in headers.keys()}
    unsigned = sorted(h for h in present if h.startswith("x-amz-") and h not in signed and h not in UNSIGNED_TOLERATED)
    if unsigned:
        return (403, "AccessDenied", "There were headers present in the request which were not signed",
                {"HeadersNotSigned": ", ".join(unsigned)})
    if any(h not in present for h in signed):
        return (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                "you provided. Check your key and signing method.", {})
    return None


def patch_s3_presigned_unsigned_headers() -> None:
    from flask import Response, current_app
    from flask import request as flask_request
    from moto.core.utils import convert_to_flask_response

    original = _ORIGINALS.setdefault("flask_view_call_s3_presigned", convert_to_flask_response.__call__)

    def __call__(self, args=None, **kwargs):  # type: ignore[no-untyped-def]
        if getattr(current_app, "service", "") != "s3" or "X-Amz-Signature" not in flask_request.args:
            return original(self, args, **kwargs)
        problem = presigned_header_problem(flask_request.args, flask_request.headers)
        if problem is None:
            return original(self, args, **kwargs)
        status, code, message, extra = problem
        request_id = uuid.uuid4().hex[:16].upper()
        elements = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}</Message>'
                f"{elements}<RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>")
        LOG.info("irmoto.s3_checksums: presigned %s %s refused: %s %s", flask_request.method, flask_request.path,
                 code, extra or "")
        return Response(response=b"" if flask_request.method == "HEAD" else body.encode(), status=status,
                        headers={"Content-Type": "application/xml", "x-amz-request-id": request_id})

    convert_to_flask_response.__call__ = __call__  # type: ignore[method-assign]


S3_CHECKSUM_EXTENSIONS: list[Callable[[], None]] = [
    patch_s3_checksum_verification,
    patch_s3_list_parts_checksums,
    patch_s3_complete_multipart_checksums,
    patch_s3_presigned_unsigned_headers,
]
