"""irmoto.s3_checksums: S3 additional checksums checked on receipt and kept, multipart checksums,
and the unsigned headers of presigned requests.

Expected values are computed here independently of the patch (hashlib, binascii, and the
published check values of CRC-32C and CRC-64/NVME)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import http.client
import os
import urllib.parse
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import REGION

MIB = 1048576


@pytest.fixture(scope="module")
def s3(moto_endpoint: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client("s3", endpoint_url=moto_endpoint, config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def presigner(moto_endpoint: str) -> Any:
    """SigV4 presigning, as the Rust SDK presigns (boto3's default for S3 is SigV2)."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client("s3", endpoint_url=moto_endpoint, config=Config(signature_version="s3v4"))


@pytest.fixture
def bucket(s3: Any, uid: str) -> str:
    name = f"sums-{uid}"
    s3.create_bucket(Bucket=name)
    return name


def sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def error(call: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as e:
        call()
    return (e.value.response["ResponseMetadata"]["HTTPStatusCode"], e.value.response["Error"]["Code"],
            e.value.response["Error"]["Message"])


def send(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """A request as curl sends it: only the headers given (no Content-Type)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


# ---------------------------------------------------------------- PutObject


def test_put_object_checks_the_checksum_it_is_sent_and_keeps_it(s3: Any, bucket: str) -> None:
    status, code, message = error(lambda: s3.put_object(Bucket=bucket, Key="bad", Body=b"evidence",
                                                       ChecksumSHA256=sha256(b"Evidence")))
    assert (status, code, message) == (400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
    assert keys(s3, bucket) == []  # nothing stored

    put = s3.put_object(Bucket=bucket, Key="good", Body=b"evidence", ChecksumSHA256=sha256(b"evidence"))
    assert put["ChecksumSHA256"] == sha256(b"evidence")
    head = s3.head_object(Bucket=bucket, Key="good", ChecksumMode="ENABLED")
    assert (head["ChecksumSHA256"], head["ChecksumType"]) == (sha256(b"evidence"), "FULL_OBJECT")
    got = s3.get_object(Bucket=bucket, Key="good", ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == sha256(b"evidence") and got["Body"].read() == b"evidence"
    attributes = s3.get_object_attributes(Bucket=bucket, Key="good", ObjectAttributes=["Checksum"])
    assert attributes["Checksum"]["ChecksumSHA256"] == sha256(b"evidence")

    # The other algorithms, from their published check values ("123456789").
    check = b"123456789"
    vectors = {
        "CRC32": base64.b64encode(binascii.crc32(check).to_bytes(4, "big")).decode(),
        "CRC32C": base64.b64encode(bytes.fromhex("e3069283")).decode(),
        "CRC64NVME": base64.b64encode(bytes.fromhex("ae8b14860a799888")).decode(),
        "SHA1": base64.b64encode(hashlib.sha1(check).digest()).decode(),
    }
    for algorithm, value in vectors.items():
        s3.put_object(Bucket=bucket, Key=algorithm, Body=check, **{f"Checksum{algorithm}": value})
        assert s3.head_object(Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")[f"Checksum{algorithm}"] == value
        wrong = base64.b64encode(bytes(len(base64.b64decode(value)))).decode()
        assert error(lambda a=algorithm, w=wrong: s3.put_object(Bucket=bucket, Key=f"{a}-bad", Body=check,
                                                                **{f"Checksum{a}": w}))[1:] == \
            ("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")

    assert error(lambda: s3.put_object(Bucket=bucket, Key="short", Body=b"x", ChecksumSHA256="AAAA"))[1:] == \
        ("InvalidRequest", "Value for x-amz-checksum-sha256 header is invalid.")
    assert "short" not in keys(s3, bucket) and "CRC32-bad" not in keys(s3, bucket)


def test_a_checksum_header_alone_is_checked_as_curl_sends_it(s3: Any, presigner: Any, bucket: str) -> None:
    # curl -T file -H "x-amz-checksum-sha256: ..." <presigned URL>: no x-amz-sdk-checksum-algorithm.
    def url(key: str) -> str:
        return presigner.generate_presigned_url("put_object", HttpMethod="PUT", ExpiresIn=600, Params={
            "Bucket": bucket, "Key": key, "ChecksumSHA256": sha256(b"memory")})

    assert "X-Amz-SignedHeaders=host%3Bx-amz-checksum-sha256" in url("k")  # the header is signed
    status, body = send("PUT", url("bad"), b"Memory", {"x-amz-checksum-sha256": sha256(b"memory")})
    assert status == 400 and "<Code>BadDigest</Code>" in body
    assert keys(s3, bucket) == []
    status, _ = send("PUT", url("good"), b"memory", {"x-amz-checksum-sha256": sha256(b"memory")})
    assert status == 200
    assert s3.head_object(Bucket=bucket, Key="good", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha256(b"memory")


def test_two_checksums_at_once_are_refused(s3: Any, moto_endpoint: str, bucket: str) -> None:
    status, body = send("PUT", f"{moto_endpoint}/{bucket}/two", b"x", {
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host, Signature=0",
        "x-amz-checksum-sha256": sha256(b"x"), "x-amz-checksum-crc32": base64.b64encode(
            binascii.crc32(b"x").to_bytes(4, "big")).decode()})
    assert status == 400 and "<Code>InvalidRequest</Code>" in body and "Multiple checksum Types" in body
    assert keys(s3, bucket) == []


def test_a_streamed_upload_checks_its_trailing_checksum(s3: Any, moto_endpoint: str, bucket: str) -> None:
    # The SDKs stream a body as aws-chunked with the checksum in a trailer (x-amz-trailer).
    def streamed(key: str, data: bytes, trailer: bytes) -> tuple[int, str]:
        chunked = f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\nx-amz-checksum-crc32:" + trailer + b"\r\n\r\n"
        return send("PUT", f"{moto_endpoint}/{bucket}/{key}", chunked, {
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, "
                             "SignedHeaders=host, Signature=0",
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32",
            "x-amz-sdk-checksum-algorithm": "CRC32"})

    crc = base64.b64encode(binascii.crc32(b"streamed body").to_bytes(4, "big"))
    status, body = streamed("bad", b"streamed bodY", crc)
    assert status == 400 and "<Code>BadDigest</Code>" in body and "The CRC32 you specified" in body
    assert streamed("good", b"streamed body", crc)[0] == 200
    assert s3.get_object(Bucket=bucket, Key="good")["Body"].read() == b"streamed body"  # framing removed
    assert s3.head_object(Bucket=bucket, Key="good", ChecksumMode="ENABLED")["ChecksumCRC32"] == crc.decode()
    assert keys(s3, bucket) == ["good"]


# ---------------------------------------------------------------- multipart uploads


def test_parts_are_checked_listed_with_their_checksums_and_the_object_is_composite(s3: Any, presigner: Any,
                                                                                  bucket: str) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), b"the last part"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="image", ChecksumAlgorithm="SHA256")["UploadId"]
    assert error(lambda: s3.upload_part(Bucket=bucket, Key="image", UploadId=upload, PartNumber=1, Body=parts[0],
                                        ChecksumSHA256=sha256(parts[1])))[1] == "BadDigest"
    assert s3.list_parts(Bucket=bucket, Key="image", UploadId=upload).get("Parts", []) == []  # nothing stored
    completed = []
    for number, data in enumerate(parts, 1):
        answer = s3.upload_part(Bucket=bucket, Key="image", UploadId=upload, PartNumber=number, Body=data,
                                ChecksumSHA256=sha256(data))
        assert answer["ChecksumSHA256"] == sha256(data)
        completed.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": sha256(data)})

    listed = s3.list_parts(Bucket=bucket, Key="image", UploadId=upload)
    assert listed["ChecksumAlgorithm"] == "SHA256"
    # The root element AWS answers with (botocore does not look; the Rust SDK refuses another).
    status, xml = send("GET", presigner.generate_presigned_url(
        "list_parts", Params={"Bucket": bucket, "Key": "image", "UploadId": upload}))
    assert status == 200 and "<ListPartsResult" in xml and "ListPartsResponse" not in xml, xml
    assert [(p["PartNumber"], p["ChecksumSHA256"]) for p in listed["Parts"]] == \
        [(n, sha256(d)) for n, d in enumerate(parts, 1)]

    wrong = [dict(p) for p in completed]
    wrong[1]["ChecksumSHA256"] = sha256(b"not this part")
    assert error(lambda: s3.complete_multipart_upload(Bucket=bucket, Key="image", UploadId=upload,
                                                      MultipartUpload={"Parts": wrong}))[:2] == (400, "InvalidPart")

    done = s3.complete_multipart_upload(Bucket=bucket, Key="image", UploadId=upload, MultipartUpload={"Parts": completed})
    whole = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()).decode()
    assert (done["ChecksumSHA256"], done["ChecksumType"]) == (f"{whole}-3", "COMPOSITE")
    head = s3.head_object(Bucket=bucket, Key="image", ChecksumMode="ENABLED")
    assert (head["ChecksumSHA256"], head["ChecksumType"]) == (f"{whole}-3", "COMPOSITE")
    got = s3.get_object(Bucket=bucket, Key="image", ChecksumMode="ENABLED")
    assert (got["ChecksumSHA256"], got["ChecksumType"]) == (f"{whole}-3", "COMPOSITE")
    assert got["Body"].read() == b"".join(parts)
    attributes = s3.get_object_attributes(Bucket=bucket, Key="image", ObjectAttributes=["Checksum", "ObjectSize"])
    assert attributes["Checksum"] == {"ChecksumSHA256": whole, "ChecksumType": "COMPOSITE"}
    assert "ChecksumSHA256" not in s3.head_object(Bucket=bucket, Key="image")  # only with ChecksumMode


def test_a_crc32c_upload_is_composite_of_the_parts_crc32c(s3: Any, bucket: str) -> None:
    from irmoto.s3_checksums import digest  # checked against the check value in the test above

    assert digest("CRC32C", b"123456789").hex() == "e3069283"
    parts = [os.urandom(5 * MIB), b"tail"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="c", ChecksumAlgorithm="CRC32C")["UploadId"]
    completed = []
    for number, data in enumerate(parts, 1):
        value = base64.b64encode(digest("CRC32C", data)).decode()
        etag = s3.upload_part(Bucket=bucket, Key="c", UploadId=upload, PartNumber=number, Body=data,
                              ChecksumCRC32C=value)["ETag"]
        completed.append({"PartNumber": number, "ETag": etag, "ChecksumCRC32C": value})
    s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=upload, MultipartUpload={"Parts": completed})
    whole = base64.b64encode(digest("CRC32C", b"".join(digest("CRC32C", p) for p in parts))).decode()
    assert s3.head_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")["ChecksumCRC32C"] == f"{whole}-2"


# ---------------------------------------------------------------- presigned requests


def test_a_presigned_request_with_an_unsigned_amz_header_is_refused(s3: Any, presigner: Any, bucket: str) -> None:
    plain = presigner.generate_presigned_url("put_object", HttpMethod="PUT", ExpiresIn=600,
                                             Params={"Bucket": bucket, "Key": "plain"})
    assert "X-Amz-SignedHeaders=host&" in plain
    status, body = send("PUT", plain, b"memory", {"x-amz-checksum-sha256": sha256(b"memory")})
    assert status == 403 and "<Code>AccessDenied</Code>" in body
    assert "<Message>There were headers present in the request which were not signed</Message>" in body
    assert "<HeadersNotSigned>x-amz-checksum-sha256</HeadersNotSigned>" in body
    assert keys(s3, bucket) == []
    assert send("PUT", plain, b"memory")[0] == 200  # as signed: accepted

    signed = presigner.generate_presigned_url("put_object", HttpMethod="PUT", ExpiresIn=600, Params={
        "Bucket": bucket, "Key": "signed", "ChecksumSHA256": sha256(b"memory")})
    status, body = send("PUT", signed, b"memory")  # the signed header left out
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
    assert keys(s3, bucket) == ["plain"]
    # Header-signed SDK requests are not concerned: their x-amz-* headers are in the Authorization.
    s3.put_object(Bucket=bucket, Key="sdk", Body=b"x", Metadata={"case": "1"}, ChecksumSHA256=sha256(b"x"))
