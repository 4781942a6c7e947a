"""irmoto.ebs_direct: EBS direct API reads of the snapshots EC2 takes, and volumes with content."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import HARNESS, REGION
from irmoto.ebs_direct import BLOCK_SIZE, VOLUME_BLOCKS_PATH, block_bytes


@pytest.fixture(scope="module")
def aws1(moto_endpoint: str) -> Any:
    """Clients that do not retry: plain moto answers these calls with HTTP 500, which SDKs retry."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    return lambda service: session.client(service, endpoint_url=moto_endpoint, config=config)


def harness(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(endpoint + VOLUME_BLOCKS_PATH, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def volume(aws1: Any, size: int = 1) -> str:
    return aws1("ec2").create_volume(Size=size, AvailabilityZone="us-east-1a")["VolumeId"]


def error(call: Any) -> tuple[str, str | None]:
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response.get("Reason")


def test_a_snapshot_holds_the_blocks_its_volume_held_when_taken(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"0": f"a-{uid}", "7": f"b-{uid}"}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"3": "written later"}})

    listed = ebs.list_snapshot_blocks(SnapshotId=snap)
    assert listed["BlockSize"] == BLOCK_SIZE == 524288
    assert listed["VolumeSize"] == 1
    assert [b["BlockIndex"] for b in listed["Blocks"]] == [0, 7]  # sparse: 1..6 never written
    assert "NextToken" not in listed
    for block, seed in zip(listed["Blocks"], [f"a-{uid}", f"b-{uid}"], strict=True):
        got = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=block["BlockIndex"], BlockToken=block["BlockToken"])
        data = got["BlockData"].read()
        assert data == block_bytes(seed)
        assert got["DataLength"] == BLOCK_SIZE
        assert got["ChecksumAlgorithm"] == "SHA256"
        assert got["Checksum"] == base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_copy_snapshot_and_create_snapshots_keep_the_blocks(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"2": uid}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    copy = ec2.copy_snapshot(SourceSnapshotId=snap, SourceRegion=REGION)["SnapshotId"]
    blocks = ebs.list_snapshot_blocks(SnapshotId=copy)["Blocks"]
    assert [b["BlockIndex"] for b in blocks] == [2]
    data = ebs.get_snapshot_block(SnapshotId=copy, BlockIndex=2, BlockToken=blocks[0]["BlockToken"])["BlockData"].read()
    assert data == block_bytes(uid)
    assert not ec2.describe_snapshots(SnapshotIds=[copy])["Snapshots"][0]["Encrypted"]
    key = "arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-0000-4000-8000-000000000001"
    sealed = ec2.copy_snapshot(SourceSnapshotId=snap, SourceRegion=REGION, Encrypted=True, KmsKeyId=key)["SnapshotId"]
    described = ec2.describe_snapshots(SnapshotIds=[sealed])["Snapshots"][0]
    assert described["Encrypted"] and described["KmsKeyId"] == key

    subnet = ec2.create_subnet(VpcId=ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"], CidrBlock="10.31.1.0/24",
                               AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    root = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["Volumes"][0]
    harness(moto_endpoint, {"volume_id": root["VolumeId"], "blocks": {"0": f"boot-{uid}"}})
    taken = ec2.create_snapshots(InstanceSpecification={"InstanceId": instance["InstanceId"]})["Snapshots"]
    assert [b["BlockIndex"] for b in ebs.list_snapshot_blocks(SnapshotId=taken[0]["SnapshotId"])["Blocks"]] == [0]


def test_listing_pages_in_block_order_from_a_starting_index(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    written = list(range(0, 2 * 250, 2))  # 250 blocks, every other one
    harness(moto_endpoint, {"volume_id": vol, "blocks": {str(i): f"{uid}-{i}" for i in written}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]

    first = ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100)
    assert [b["BlockIndex"] for b in first["Blocks"]] == written[:100]
    second = ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100, NextToken=first["NextToken"],
                                      StartingBlockIndex=0)  # NextToken wins
    assert [b["BlockIndex"] for b in second["Blocks"]] == written[100:200]
    third = ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100, NextToken=second["NextToken"])
    assert [b["BlockIndex"] for b in third["Blocks"]] == written[200:]
    assert "NextToken" not in third
    ranged = ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=100, StartingBlockIndex=401)
    assert [b["BlockIndex"] for b in ranged["Blocks"]] == [i for i in written if i >= 401]

    # Tokens from an earlier listing stay valid until they expire (two readers of one snapshot).
    old = first["Blocks"][0]
    assert ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=old["BlockIndex"], BlockToken=old["BlockToken"])["DataLength"] == BLOCK_SIZE


def test_bad_requests_fail_as_ebs_fails_them(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"1": uid, "2": uid}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    blocks = ebs.list_snapshot_blocks(SnapshotId=snap)["Blocks"]

    assert error(lambda: ebs.list_snapshot_blocks(SnapshotId="snap-0000000000000000f")) == ("ResourceNotFoundException", "SNAPSHOT_NOT_FOUND")
    assert error(lambda: ebs.list_snapshot_blocks(SnapshotId=snap, MaxResults=10001))[0] == "ValidationException"
    assert error(lambda: ebs.list_snapshot_blocks(SnapshotId=snap, NextToken="bm90IGEgdG9rZW4="))[1] == "INVALID_PAGE_TOKEN"
    # A token is for its own block only.
    assert error(lambda: ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=2, BlockToken=blocks[0]["BlockToken"])) == (
        "ValidationException", "INVALID_BLOCK_TOKEN")
    assert error(lambda: ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=1, BlockToken="AAAA"))[1] == "INVALID_BLOCK_TOKEN"


def test_a_block_corrupted_in_transit_no_longer_matches_its_checksum(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"4": uid}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    harness(moto_endpoint, {"snapshot_id": snap, "corrupt_in_transit": [4]})
    token = ebs.list_snapshot_blocks(SnapshotId=snap)["Blocks"][0]["BlockToken"]
    got = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=4, BlockToken=token)
    data = got["BlockData"].read()
    assert got["Checksum"] == base64.b64encode(hashlib.sha256(block_bytes(uid)).digest()).decode()
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() != got["Checksum"]


def test_a_changed_snapshot_block_is_sent_with_its_new_checksum(aws1: Any, moto_endpoint: str, uid: str) -> None:
    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"4": uid}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    harness(moto_endpoint, {"snapshot_id": snap, "blocks": {"4": f"{uid}-changed", "6": uid}})
    listed = ebs.list_snapshot_blocks(SnapshotId=snap)["Blocks"]
    assert [b["BlockIndex"] for b in listed] == [4, 6]
    got = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=4, BlockToken=listed[0]["BlockToken"])
    data = got["BlockData"].read()
    assert data == block_bytes(f"{uid}-changed")
    assert got["Checksum"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    # The volume, and snapshots taken of it, are untouched.
    again = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    assert [b["BlockIndex"] for b in ebs.list_snapshot_blocks(SnapshotId=again)["Blocks"]] == [4]


def test_blocks_outside_the_volume_are_refused(moto_endpoint: str, aws1: Any) -> None:
    vol = volume(aws1, size=1)  # 2,048 blocks of 512 KiB
    with pytest.raises(urllib.error.HTTPError) as e:
        harness(moto_endpoint, {"volume_id": vol, "blocks": {"2048": "x"}})
    assert e.value.code == 400


def test_the_volume_blocks_fixture_writes_blocks_and_says_what_a_reader_must_find(aws1: Any, moto_endpoint: str,
                                                                                  uid: str) -> None:
    vol = volume(aws1)
    env = {**os.environ, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    done = subprocess.run([sys.executable, "-m", "irmoto.fixtures", "volume-blocks", vol, "--block", f"9={uid}",
                           "--block", f"1={uid}-x"], cwd=HARNESS, env=env, capture_output=True, text=True, check=True)
    said = json.loads(done.stdout)
    assert said["Blocks"] == [1, 9]
    snap = aws1("ec2").create_snapshot(VolumeId=vol)["SnapshotId"]
    ebs = aws1("ebs")
    digests = []
    for block in ebs.list_snapshot_blocks(SnapshotId=snap)["Blocks"]:
        got = ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=block["BlockIndex"], BlockToken=block["BlockToken"])
        assert said["Sha256"][str(block["BlockIndex"])] == got["Checksum"]
        digests.append(base64.b64decode(got["Checksum"]))
    assert said["Linear"] == base64.b64encode(hashlib.sha256(b"".join(digests)).digest()).decode()


def limits(endpoint: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    from irmoto.ebs_direct import LIMITS_PATH

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + LIMITS_PATH, data=data, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_the_per_snapshot_bucket_refills_at_its_rate() -> None:
    from irmoto import ebs_direct

    saved = dict(ebs_direct._LIMITS)
    try:
        ebs_direct._LIMITS["blocks_per_second"] = 4
        taken = [ebs_direct.take_block_token("snap-bucket-test", now=100.0) for _ in range(6)]
        assert taken == [True] * 4 + [False] * 2
        assert ebs_direct.take_block_token("snap-bucket-test", now=100.5)  # half a second: 2 more
        assert ebs_direct.take_block_token("snap-bucket-test", now=100.5)
        assert not ebs_direct.take_block_token("snap-bucket-test", now=100.5)
        assert ebs_direct.take_block_token("snap-other", now=100.5)  # per snapshot
    finally:
        ebs_direct._LIMITS.update(saved)
        ebs_direct._BUCKETS.clear()


def test_reads_past_the_per_snapshot_rate_are_throttled_and_latency_is_added(aws1: Any, moto_endpoint: str,
                                                                             uid: str) -> None:
    import time

    ec2, ebs = aws1("ec2"), aws1("ebs")
    vol = volume(aws1)
    harness(moto_endpoint, {"volume_id": vol, "blocks": {"1": uid}})
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    token = ebs.list_snapshot_blocks(SnapshotId=snap)["Blocks"][0]["BlockToken"]
    try:
        assert limits(moto_endpoint, {"blocks_per_second": 1})["throttled"] == 0
        outcomes = []
        for _ in range(4):
            try:
                ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=1, BlockToken=token)["BlockData"].read()
                outcomes.append("read")
            except ClientError as e:
                assert e.response["Error"]["Code"] == "RequestThrottledException"
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
                outcomes.append("throttled")
        assert outcomes[0] == "read" and "throttled" in outcomes[1:], outcomes
        assert limits(moto_endpoint)["throttled"] >= outcomes.count("throttled")
        limits(moto_endpoint, {"blocks_per_second": 1000, "latency_ms": 300})
        began = time.monotonic()
        ebs.get_snapshot_block(SnapshotId=snap, BlockIndex=1, BlockToken=token)["BlockData"].read()
        assert time.monotonic() - began >= 0.3
    finally:
        limits(moto_endpoint, {"blocks_per_second": 1000, "latency_ms": 0})
