"""The emulated SSM Agent runs aws-ir's two memory-image scripts (irmoto.memory_scripts through
irmoto.ec2_evidence): acquire prints the image's parts and their SHA-256, upload PUTs them to the
presigned UploadPart URLs of a plan, and S3 checks each part (irmoto.s3_checksums)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

from conftest import HARNESS, REGION, wait_for

AGENTS = "/moto-api/irmoto/ssm-agents"
MIB = 1048576
CASE = "case-00c0ffee00c0ffee"
IMAGE_BYTES = 20 * MIB + 3  # P = 8 MiB, K = 3 (the last part 4 MiB + 3 bytes)

# The two documents, with the marker lines of aws-ir's capture and upload scripts (the rest of
# each script is what the emulator does not run).
ACQUIRE_DOCUMENT = {
    "schemaVersion": "2.2",
    "description": "aws-ir capture (memory part)",
    "parameters": {
        "CaseId": {"type": "String", "allowedPattern": "^case-[0-9a-f]{16}$"},
        "MemoryCapture": {"type": "String", "default": "off", "allowedValues": ["on", "off"]},
    },
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "identify", "inputs": {"runCommand": ["uname -a"]}},
        {"action": "aws:runShellScript", "name": "memory", "inputs": {"runCommand": [
            ": aws-ir-memory-acquire case='{{ CaseId }}' capture='{{ MemoryCapture }}'",
            "set -u; avml_url='none'; mib=1048576",
            "if [ '{{ MemoryCapture }}' != on ]; then echo 'memory capture off'; exit 0; fi",
            "img=/tmp/aws-ir-{{ CaseId }}.lime; avml --compress \"$img\"",
        ]}},
    ],
}
UPLOAD_DOCUMENT = {
    "schemaVersion": "2.2",
    "description": "aws-ir memory upload",
    "parameters": {
        "CaseId": {"type": "String", "allowedPattern": "^case-[0-9a-f]{16}$"},
        "PlanUrl": {"type": "String"},
    },
    "mainSteps": [
        {"action": "aws:runShellScript", "name": "upload", "inputs": {"runCommand": [
            ": aws-ir-memory-upload case='{{ CaseId }}' plan='{{ PlanUrl }}'",
            "img=/tmp/aws-ir-{{ CaseId }}.lime; curl -sSf '{{ PlanUrl }}' | while read -r n skip count url headers; do "
            "dd if=\"$img\" bs=1048576 skip=$skip count=$count status=none > part; "
            "curl -sSf -X PUT -T part $(printf ' -H %s' $headers) \"$url\"; echo \"aws-ir-uploaded $n\"; done",
        ]}},
    ],
}


@pytest.fixture(scope="module")
def aws1(moto_endpoint: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=moto_endpoint, config=config)


@pytest.fixture(scope="module")
def presigner(moto_endpoint: str) -> Any:
    """SigV4 presigning, as aws-ir presigns (the Rust SDK's presigned requests)."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client("s3", endpoint_url=moto_endpoint, config=Config(signature_version="s3v4"))


@pytest.fixture(scope="module")
def documents(aws1: Any) -> dict[str, str]:
    ssm, suffix = aws1("ssm"), str(int(time.time() * 1000))
    names = {"acquire": f"ir-capture-{suffix}", "upload": f"ir-memory-upload-{suffix}"}  # "aws" is reserved
    ssm.create_document(Name=names["acquire"], DocumentType="Command", DocumentFormat="JSON",
                        Content=json.dumps(ACQUIRE_DOCUMENT))
    ssm.create_document(Name=names["upload"], DocumentType="Command", DocumentFormat="JSON",
                        Content=json.dumps(UPLOAD_DOCUMENT))
    return names


def agent(endpoint: str, instance_id: str, **body: Any) -> dict[str, Any]:
    request = urllib.request.Request(endpoint + AGENTS, data=json.dumps({"instance_id": instance_id, **body}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def host_image(endpoint: str, instance_id: str, case_id: str = CASE) -> bytes:
    url = f"{endpoint}{AGENTS}/memory-image?instance_id={instance_id}&case_id={case_id}"
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        return response.read()


@pytest.fixture
def instance(aws1: Any, moto_endpoint: str) -> str:
    ec2 = aws1("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.31.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    instance_id = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                    SubnetId=subnet)["Instances"][0]["InstanceId"]
    agent(moto_endpoint, instance_id, command_seconds=0.2, memory_image_bytes=IMAGE_BYTES)
    return instance_id


def run(aws1: Any, document: str, instance_id: str, step: str, **parameters: str) -> dict[str, Any]:
    ssm = aws1("ssm")
    command_id = ssm.send_command(InstanceIds=[instance_id], DocumentName=document,
                                  Parameters={k: [v] for k, v in parameters.items()})["Command"]["CommandId"]

    def ended() -> dict[str, Any] | None:
        got = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id, PluginName=step)
        return got if got["Status"] not in ("Pending", "InProgress", "Delayed") else None

    return wait_for(ended, timeout=60, interval=0.1, what=f"step {step}")


def acquire(aws1: Any, documents: dict[str, str], instance_id: str) -> list[str]:
    """Phase 1; the parts' SHA-256 as the Base64 S3 wants."""
    done = run(aws1, documents["acquire"], instance_id, "memory", CaseId=CASE, MemoryCapture="on")
    assert done["Status"] == "Success"
    return [base64.b64encode(bytes.fromhex(line.split()[2])).decode()
            for line in done["StandardOutputContent"].splitlines() if line.startswith("aws-ir-part ")]


class Upload:
    """aws-ir's side of phase 2: a multipart upload with SHA-256, each part's UploadPart presigned
    with its checksum signed, the plan written and its GET presigned."""

    def __init__(self, aws1: Any, presigner: Any, bucket: str, checksums: list[str], sign: bool = True) -> None:
        self.s3, self.bucket, self.key = aws1("s3"), bucket, f"cases/{CASE}/memory.lime"
        self.s3.create_bucket(Bucket=bucket)
        self.upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key=self.key,
                                                         ChecksumAlgorithm="SHA256")["UploadId"]
        lines = []
        for number, value in enumerate(checksums, 1):
            params = {"Bucket": bucket, "Key": self.key, "UploadId": self.upload_id, "PartNumber": number}
            if sign:
                params["ChecksumSHA256"] = value
            url = presigner.generate_presigned_url("upload_part", Params=params, HttpMethod="PUT", ExpiresIn=3600)
            # botocore signs ChecksumSHA256 as a header (X-Amz-SignedHeaders=host;x-amz-checksum-sha256):
            # the plan line carries it.
            assert ("x-amz-checksum-sha256" in url) == sign
            lines.append(f"{number} {(number - 1) * 8} 8 {url} x-amz-checksum-sha256:{value}")
        plan_key = f"cases/{CASE}/memory.plan"
        self.s3.put_object(Bucket=bucket, Key=plan_key, Body=("\n".join(lines) + "\n").encode())
        self.plan_url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": plan_key},
                                                         ExpiresIn=3600)

    def parts(self) -> list[tuple[int, str]]:
        listed = self.s3.list_parts(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        return [(p["PartNumber"], p.get("ChecksumSHA256", "")) for p in listed.get("Parts", [])]


def test_the_acquire_script_prints_the_image_parts_and_their_hashes(aws1: Any, moto_endpoint: str, instance: str,
                                                                     documents: dict[str, str]) -> None:
    done = run(aws1, documents["acquire"], instance, "memory", CaseId=CASE, MemoryCapture="on")
    image = host_image(moto_endpoint, instance)
    assert len(image) == IMAGE_BYTES
    part = 8 * MIB
    expected = [f"aws-ir-memory image=/tmp/aws-ir-{CASE}.lime bytes={IMAGE_BYTES} part-bytes={part} parts=3"]
    expected += [f"aws-ir-part {i + 1} {hashlib.sha256(image[i * part:(i + 1) * part]).hexdigest()}" for i in range(3)]
    assert (done["Status"], done["ResponseCode"], done["StandardErrorContent"]) == ("Success", 0, "")
    assert done["StandardOutputContent"] == "\n".join(expected) + "\n"
    identify = aws1("ssm").get_command_invocation(CommandId=done["CommandId"], InstanceId=instance, PluginName="identify")
    assert "Emulated SSM Agent" in identify["StandardOutputContent"]  # other steps: as before
    [listed] = [a for a in json.load(urllib.request.urlopen(moto_endpoint + AGENTS, timeout=10))["Agents"]
                if a["instance_id"] == instance]
    assert listed["memory_images"] == {CASE: IMAGE_BYTES} and listed["memory_image_bytes"] == IMAGE_BYTES

    off = run(aws1, documents["acquire"], instance, "memory", CaseId=CASE, MemoryCapture="off")
    assert (off["Status"], off["StandardOutputContent"]) == ("Success", "memory capture off\n")
    agent(moto_endpoint, instance, memory_image_bytes=0)
    no_avml = run(aws1, documents["acquire"], instance, "memory", CaseId=CASE, MemoryCapture="on")
    assert (no_avml["Status"], no_avml["StandardOutputContent"]) == \
        ("Success", "no AVML on the instance: memory not captured\n")
    with pytest.raises(urllib.error.HTTPError) as e:
        host_image(moto_endpoint, instance, "case-0000000000000000")
    assert e.value.code == 404


def test_the_upload_script_sends_every_part_and_s3_keeps_their_checksums(
        aws1: Any, presigner: Any, moto_endpoint: str, instance: str, documents: dict[str, str], uid: str) -> None:
    checksums = acquire(aws1, documents, instance)
    assert len(checksums) == 3
    upload = Upload(aws1, presigner, f"evidence-{uid}", checksums)
    ssm = aws1("ssm")
    command_id = ssm.send_command(InstanceIds=[instance], DocumentName=documents["upload"],
                                  Parameters={"CaseId": [CASE], "PlanUrl": [upload.plan_url]})["Command"]["CommandId"]
    seen = []

    def ended() -> dict[str, Any] | None:
        [invocation] = ssm.list_command_invocations(CommandId=command_id, Details=True)["CommandInvocations"]
        seen.append((invocation["Status"], len(upload.parts())))
        return invocation if invocation["Status"] not in ("Pending", "InProgress") else None

    invocation = wait_for(ended, timeout=60, interval=0.05, what="the upload")
    # Never Success before the parts were in S3.
    assert all(parts == 3 for status, parts in seen if status == "Success")
    [plugin] = invocation["CommandPlugins"]
    assert (invocation["Status"], plugin["Status"], plugin["ResponseCode"]) == ("Success", "Success", 0)
    step = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance)
    assert step["StandardOutputContent"] == \
        "aws-ir-uploaded 1\naws-ir-uploaded 2\naws-ir-uploaded 3\nmemory image uploaded; removed from the instance\n"
    assert step["StandardErrorContent"] == ""

    assert upload.parts() == [(1, checksums[0]), (2, checksums[1]), (3, checksums[2])]
    listed = upload.s3.list_parts(Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id)
    assert listed["ChecksumAlgorithm"] == "SHA256"
    completed = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"], "ChecksumSHA256": p["ChecksumSHA256"]}
                 for p in listed["Parts"]]
    upload.s3.complete_multipart_upload(Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id,
                                        MultipartUpload={"Parts": completed})
    composite = base64.b64encode(hashlib.sha256(b"".join(base64.b64decode(c) for c in checksums)).digest()).decode()
    head = upload.s3.head_object(Bucket=upload.bucket, Key=upload.key, ChecksumMode="ENABLED")
    assert (head["ChecksumSHA256"], head["ChecksumType"]) == (f"{composite}-3", "COMPOSITE")
    image = host_image(moto_endpoint, instance)
    assert upload.s3.get_object(Bucket=upload.bucket, Key=upload.key)["Body"].read() == image
    [listed_agent] = [a for a in json.load(urllib.request.urlopen(moto_endpoint + AGENTS, timeout=10))["Agents"]
                      if a["instance_id"] == instance]
    assert listed_agent["memory_images"] == {}  # removed from the host

    again = run(aws1, documents["upload"], instance, "upload", CaseId=CASE, PlanUrl=upload.plan_url)
    assert (again["Status"], again["ResponseCode"]) == ("Failed", 1)  # no image left to send
    assert again["StandardErrorContent"] == f"dd: failed to open '/tmp/aws-ir-{CASE}.lime': No such file or directory\n"


def test_a_part_corrupted_on_the_way_is_refused_and_the_step_fails(
        aws1: Any, presigner: Any, moto_endpoint: str, instance: str, documents: dict[str, str], uid: str) -> None:
    checksums = acquire(aws1, documents, instance)
    upload = Upload(aws1, presigner, f"evidence-{uid}", checksums)
    agent(moto_endpoint, instance, memory_fault={"corrupt_part": 2})
    done = run(aws1, documents["upload"], instance, "upload", CaseId=CASE, PlanUrl=upload.plan_url)
    assert (done["Status"], done["StatusDetails"], done["ResponseCode"]) == ("Failed", "Failed", 1)
    assert done["StandardOutputContent"] == "aws-ir-uploaded 1\n"
    assert done["StandardErrorContent"].startswith("curl: (22) The requested URL returned error: 400\n")
    assert "BadDigest" in done["StandardErrorContent"]
    assert upload.parts() == [(1, checksums[0])]  # part 2 not stored
    [command] = aws1("ssm").list_commands(CommandId=done["CommandId"])["Commands"]
    assert (command["Status"], command["ErrorCount"]) == ("Failed", 1)
    assert len(host_image(moto_endpoint, instance)) == IMAGE_BYTES


def test_an_upload_that_stops_after_k_parts_fails(
        aws1: Any, presigner: Any, moto_endpoint: str, instance: str, documents: dict[str, str], uid: str) -> None:
    checksums = acquire(aws1, documents, instance)
    upload = Upload(aws1, presigner, f"evidence-{uid}", checksums)
    agent(moto_endpoint, instance, memory_fault={"stop_after_parts": 1})
    done = run(aws1, documents["upload"], instance, "upload", CaseId=CASE, PlanUrl=upload.plan_url)
    assert (done["Status"], done["ResponseCode"]) == ("Failed", 1)
    assert done["StandardOutputContent"] == "aws-ir-uploaded 1\n"
    assert done["StandardErrorContent"] == "emulated fault: the upload stopped after 1 parts\n"
    assert upload.parts() == [(1, checksums[0])]
    [invocation] = aws1("ssm").list_command_invocations(CommandId=done["CommandId"])["CommandInvocations"]
    assert invocation["Status"] == "Failed"

    agent(moto_endpoint, instance, memory_fault=None)  # the image is still there: a retry completes
    retry = run(aws1, documents["upload"], instance, "upload", CaseId=CASE, PlanUrl=upload.plan_url)
    assert retry["Status"] == "Success" and [n for n, _ in upload.parts()] == [1, 2, 3]
    for bad in ({"corrupt_part": 0}, {"stop_after_parts": -1}, {"nope": 1}, {"corrupt_part": True}):
        with pytest.raises(urllib.error.HTTPError) as e:
            agent(moto_endpoint, instance, memory_fault=bad)
        assert e.value.code == 400


def test_a_part_url_that_does_not_sign_the_checksum_header_is_refused(
        aws1: Any, presigner: Any, moto_endpoint: str, instance: str, documents: dict[str, str], uid: str) -> None:
    # Why phase 1 exists: a presigned URL must sign x-amz-checksum-sha256 for S3 to take it.
    checksums = acquire(aws1, documents, instance)
    upload = Upload(aws1, presigner, f"evidence-{uid}", checksums, sign=False)
    done = run(aws1, documents["upload"], instance, "upload", CaseId=CASE, PlanUrl=upload.plan_url)
    assert (done["Status"], done["ResponseCode"]) == ("Failed", 1)
    assert done["StandardOutputContent"] == ""
    assert done["StandardErrorContent"] == (
        "curl: (22) The requested URL returned error: 403\n[irmoto] part 1: the server answered AccessDenied: "
        "There were headers present in the request which were not signed\n")
    assert upload.parts() == []


def test_the_fixture_command_sets_the_hosts_memory(instance: str, moto_endpoint: str) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "PYTHONPATH": str(HARNESS)}

    def fixture(*args: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "irmoto.fixtures", "ssm-agent", instance, *args], cwd=HARNESS,
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        agent_answer: dict[str, Any] = json.loads(done.stdout)["Agent"]
        return agent_answer

    answer = fixture("--memory-image-bytes", str(9 * MIB), "--memory-fault", "stop_after_parts=2")
    assert (answer["memory_image_bytes"], answer["memory_fault"]) == (9 * MIB, {"stop_after_parts": 2})
    answer = fixture("--memory-fault", "none")
    assert (answer["memory_image_bytes"], answer["memory_fault"]) == (9 * MIB, None)
