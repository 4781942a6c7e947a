"""The EBS direct APIs on the snapshots EC2 takes, and volumes with content to snapshot.

Chain of custody (#18) reads every block of every snapshot a case takes through the EBS direct
APIs and checks each block against the SHA-256 that AWS returns with it. AWS docs: EBS direct
APIs API Reference, "ListSnapshotBlocks" and "GetSnapshotBlock"; Amazon EBS User Guide,
"Concepts for EBS direct APIs" (blocks of 512 KiB, block index = offset / 524288, block tokens,
Base64 SHA-256 checksums) and "Read Amazon EBS snapshots using EBS direct APIs".

moto 5.2.5 (moto/ebs) answers only for snapshots it was sent with StartSnapshot/PutSnapshotBlock:
a snapshot EC2 took (CreateSnapshot, CreateSnapshots, CopySnapshot) is a KeyError, HTTP 500. Its
BlockSize is 512 (bytes; AWS: 524288), it ignores MaxResults, StartingBlockIndex and NextToken,
never checks a BlockToken, and GetSnapshotBlock returns whatever checksum the writer claimed. An
EC2 volume has no content at all, so there is nothing to snapshot.

The emulated disk
-----------------
``POST /moto-api/irmoto/volume-blocks`` writes blocks of an EC2 volume::

    {"volume_id": "vol-...", "blocks": {"0": "seed-a", "9": "seed-b"},
     "account_id": "123456789012", "region": "us-east-1"}          # defaults

A block's 524,288 bytes are SHAKE-256 of its seed (``block_bytes``), so a test knows what a disk
holds without sending it. A snapshot (CreateSnapshot, CreateSnapshots, CopySnapshot) keeps the
blocks its volume (or source snapshot) held when it was taken; later writes do not change it.
Blocks never written are not in the snapshot (sparse), as on AWS. ``GET ...?volume_id=`` answers
``{"Blocks": [indexes]}``.

``POST /moto-api/irmoto/volume-blocks`` with ``{"snapshot_id": "snap-...", "corrupt_in_transit":
[indexes]}`` makes GetSnapshotBlock send those blocks with one byte flipped and the true
checksum, as a fault on the wire would look: the reader must notice. With ``"blocks": {index:
seed}`` instead, the snapshot's blocks are replaced (their checksums follow the new content): the
copy a verifier reads differs from the one acquired, and only a comparison with the record shows it.
A snapshot on AWS never changes; this stands for a copy that is not the original.

Quotas and latency (AWS doc: EBS User Guide, "Quotas for the EBS direct APIs": GetSnapshotBlock
1,000 requests per second per snapshot; API Reference, errors: ``RequestThrottledException``,
HTTP 400, reason ``RESOURCE_LEVEL_THROTTLE``): GetSnapshotBlock past the per-snapshot rate is
refused so, from a token bucket per snapshot (one second of burst). ``POST
/moto-api/irmoto/ebs-direct-limits`` with ``{"blocks_per_second": 1000, "latency_ms": 0}`` sets the
rate and a delay added to every GetSnapshotBlock (a round trip to a distant Region); ``GET``
answers the settings and how many requests were throttled.

ListSnapshotBlocks pages by MaxResults (100-10,000), StartingBlockIndex and NextToken, in
ascending block index. Each listing issues new block tokens; a token stays valid for its block
until ExpiryTime (one hour here, our choice: AWS documents only that tokens expire).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

BLOCK_SIZE = 524288
TOKEN_SECONDS = 3600
VOLUME_BLOCKS_PATH = "/moto-api/irmoto/volume-blocks"
LIMITS_PATH = "/moto-api/irmoto/ebs-direct-limits"
PER_SNAPSHOT_RATE = 1000.0  # GetSnapshotBlock requests per second per snapshot (AWS's quota)
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
_LOCK = threading.Lock()
_ORIGINALS: dict[str, Any] = {}
_LIMITS: dict[str, float] = {"blocks_per_second": PER_SNAPSHOT_RATE, "latency_ms": 0.0}
_BUCKETS: dict[str, tuple[float, float]] = {}  # snapshot -> (tokens, at)
_THROTTLED = {"count": 0}


def take_block_token(snapshot_id: str, now: float | None = None) -> bool:
    """One GetSnapshotBlock of `snapshot_id` within the per-snapshot rate (token bucket)."""
    now = time.monotonic() if now is None else now
    rate = _LIMITS["blocks_per_second"]
    with _LOCK:
        tokens, at = _BUCKETS.get(snapshot_id, (rate, now))
        tokens = min(rate, tokens + (now - at) * rate)
        if tokens < 1:
            _BUCKETS[snapshot_id] = (tokens, now)
            _THROTTLED["count"] += 1
            return False
        _BUCKETS[snapshot_id] = (tokens - 1, now)
        return True


def block_bytes(seed: str) -> bytes:
    """The content of a block written with this seed (tests compute it the same way)."""
    return hashlib.shake_256(seed.encode()).digest(BLOCK_SIZE)


def _checksum(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _blocks(resource: Any) -> dict[int, bytes]:
    if not hasattr(resource, "ir_blocks"):
        resource.ir_blocks = {}
    return resource.ir_blocks  # type: ignore[no-any-return]


def _error(status: int, code: str, reason: str, message: str) -> tuple[str, dict[str, Any]]:
    headers = {"status": status, "x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return json.dumps({"Message": message, "Reason": reason}), headers


# --------------------------------------------------------------------------
# Snapshots keep their volume's blocks (CreateSnapshot, CreateSnapshots, CopySnapshot)
# --------------------------------------------------------------------------


def patch_ec2_snapshots_keep_blocks() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_block_store import EBSBackend

    create = _ORIGINALS.setdefault("create_snapshot", EBSBackend.create_snapshot)
    copy = _ORIGINALS.setdefault("copy_snapshot", EBSBackend.copy_snapshot)

    def create_snapshot(self, volume_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        snapshot = create(self, volume_id, *args, **kwargs)
        with _LOCK:
            snapshot.ir_blocks = dict(_blocks(self.get_volume(volume_id)))
        return snapshot

    def copy_snapshot(self, source_snapshot_id, source_region, *args, **kwargs):  # type: ignore[no-untyped-def]
        snapshot = copy(self, source_snapshot_id, source_region, *args, **kwargs)
        source = ec2_backends[self.account_id][source_region].snapshots[source_snapshot_id]
        with _LOCK:
            snapshot.ir_blocks = dict(_blocks(source))
        # AWS doc: EC2 API Reference, CopySnapshot (KmsKeyId: "the copy is encrypted with this
        # key"); moto kept the source's encryption flag, so a copy re-encrypted for a forensic
        # account read as unencrypted.
        if kwargs.get("kms_key_id"):
            snapshot.encrypted = True
        return snapshot

    EBSBackend.create_snapshot = create_snapshot  # type: ignore[method-assign]
    EBSBackend.copy_snapshot = copy_snapshot  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# ListSnapshotBlocks / GetSnapshotBlock on EC2's snapshots
# --------------------------------------------------------------------------


def _page_token(index: int) -> str:
    return base64.b64encode(json.dumps({"next": index}).encode()).decode()


def _page_start(token: str) -> int | None:
    try:
        index = json.loads(base64.b64decode(token.encode(), validate=True))["next"]
    except (ValueError, KeyError, TypeError):
        return None
    return index if isinstance(index, int) and index >= 0 else None


def patch_ebs_direct_reads() -> None:
    from moto.ebs.responses import EBSResponse
    from moto.ec2.models import ec2_backends

    list_blocks = _ORIGINALS.setdefault("list_snapshot_blocks", EBSResponse.list_snapshot_blocks)
    get_block = _ORIGINALS.setdefault("get_snapshot_block", EBSResponse.get_snapshot_block)

    def ec2_snapshot(response: Any, snapshot_id: str) -> Any:
        return ec2_backends[response.current_account][response.region].snapshots.get(snapshot_id)

    def not_found(snapshot_id: str) -> tuple[str, dict[str, Any]]:
        return _error(404, "ResourceNotFoundException", "SNAPSHOT_NOT_FOUND", f"The snapshot '{snapshot_id}' does not exist.")

    def param(response: Any, query: str) -> str | None:
        value = response.querystring.get(query)
        return value[0] if value else None

    def list_snapshot_blocks(self):  # type: ignore[no-untyped-def]
        snapshot_id = self._get_param("SnapshotId")
        if snapshot_id in self.ebs_backend.snapshots:
            return list_blocks(self)
        snapshot = ec2_snapshot(self, snapshot_id)
        if snapshot is None:
            return not_found(snapshot_id)
        raw_max, raw_start = param(self, "maxResults"), param(self, "startingBlockIndex")
        page_token = param(self, "pageToken")
        try:
            max_results = int(raw_max) if raw_max is not None else 10000
            start = int(raw_start) if raw_start is not None else 0
        except ValueError:
            return _error(400, "ValidationException", "INVALID_PARAMETER_VALUE", "MaxResults and StartingBlockIndex are integers.")
        if not 100 <= max_results <= 10000:
            return _error(400, "ValidationException", "INVALID_PARAMETER_VALUE",
                          f"MaxResults must be between 100 and 10000, got {max_results}.")
        if start < 0:
            return _error(400, "ValidationException", "INVALID_PARAMETER_VALUE", "StartingBlockIndex must be 0 or more.")
        if page_token is not None:  # NextToken wins over StartingBlockIndex (API Reference)
            next_start = _page_start(page_token)
            if next_start is None:
                return _error(400, "ValidationException", "INVALID_PAGE_TOKEN", "The page token is not valid.")
            start = next_start
        expiry = time.time() + TOKEN_SECONDS
        with _LOCK:
            blocks = _blocks(snapshot)
            indexes = sorted(i for i in blocks if i >= start)
            page = indexes[:max_results]
            tokens = getattr(snapshot, "ir_tokens", {})
            now = time.time()
            tokens = {t: v for t, v in tokens.items() if v[1] > now}
            listed = []
            for index in page:
                token = base64.b64encode(secrets.token_bytes(30)).decode()
                tokens[token] = (index, expiry)
                listed.append({"BlockIndex": index, "BlockToken": token})
            snapshot.ir_tokens = tokens
        body: dict[str, Any] = {"Blocks": listed, "ExpiryTime": expiry, "VolumeSize": snapshot.volume.size, "BlockSize": BLOCK_SIZE}
        if len(indexes) > len(page):
            body["NextToken"] = _page_token(page[-1] + 1)
        return json.dumps(body), {"status": 200, "Content-Type": "application/json"}

    def get_snapshot_block(self):  # type: ignore[no-untyped-def]
        parts = urllib.parse.urlsplit(self.uri).path.rstrip("/").split("/")
        snapshot_id, raw_index = parts[-3], parts[-1]
        if snapshot_id in self.ebs_backend.snapshots:
            return get_block(self)
        snapshot = ec2_snapshot(self, snapshot_id)
        if snapshot is None:
            return not_found(snapshot_id)
        if not take_block_token(snapshot_id):
            return _error(400, "RequestThrottledException", "RESOURCE_LEVEL_THROTTLE",
                          f"GetSnapshotBlock requests for {snapshot_id} exceed {_LIMITS['blocks_per_second']:g} per second.")
        if _LIMITS["latency_ms"] > 0:
            time.sleep(_LIMITS["latency_ms"] / 1000)
        token = param(self, "blockToken")
        try:
            index = int(raw_index)
        except ValueError:
            return _error(400, "ValidationException", "INVALID_BLOCK", f"Block index {raw_index!r} is not a number.")
        with _LOCK:
            issued = getattr(snapshot, "ir_tokens", {}).get(token or "")
            data = _blocks(snapshot).get(index)
            corrupt = index in getattr(snapshot, "ir_corrupt", set())
        if issued is None or issued[0] != index or issued[1] <= time.time() or data is None:
            return _error(400, "ValidationException", "INVALID_BLOCK_TOKEN",
                          f"The block token for block {index} of {snapshot_id} is not valid or has expired.")
        checksum = _checksum(data)
        if corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        headers = {
            "status": 200,
            "Content-Type": "application/octet-stream",
            "x-amz-Data-Length": str(len(data)),
            "x-amz-Checksum": checksum,
            "x-amz-Checksum-Algorithm": "SHA256",
        }
        return data, headers

    EBSResponse.list_snapshot_blocks = list_snapshot_blocks  # type: ignore[method-assign]
    EBSResponse.get_snapshot_block = get_snapshot_block  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# The harness endpoint: write a volume's blocks; corrupt a snapshot's blocks in transit
# --------------------------------------------------------------------------


def patch_volume_blocks_endpoint() -> None:
    from moto.ec2.models import ec2_backends
    from moto.moto_api._internal import urls

    def answer(status: int, payload: Any) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(payload)

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(full_url).query))
        try:
            body = json.loads(request.get_data() or b"{}") if request.method == "POST" else query
        except ValueError as e:
            return answer(400, {"message": f"body is not JSON: {e}"})
        backend = ec2_backends[body.get("account_id", DEFAULT_ACCOUNT)][body.get("region", DEFAULT_REGION)]
        if body.get("snapshot_id"):
            snapshot = backend.snapshots.get(body["snapshot_id"])
            if snapshot is None:
                return answer(404, {"message": f"no snapshot {body['snapshot_id']}"})
            if "blocks" in body:
                try:
                    changed = {int(i): block_bytes(str(seed)) for i, seed in (body.get("blocks") or {}).items()}
                except ValueError as e:
                    return answer(400, {"message": f"block indexes are integers: {e}"})
                with _LOCK:
                    _blocks(snapshot).update(changed)
                    return answer(200, {"SnapshotId": snapshot.id, "Blocks": sorted(_blocks(snapshot))})
            with _LOCK:
                snapshot.ir_corrupt = {int(i) for i in body.get("corrupt_in_transit", [])}
            return answer(200, {"CorruptInTransit": sorted(snapshot.ir_corrupt)})
        volume = backend.volumes.get(body.get("volume_id", ""))
        if volume is None:
            return answer(404, {"message": f"no volume {body.get('volume_id')!r}"})
        if request.method == "POST":
            try:
                written = {int(i): block_bytes(str(seed)) for i, seed in (body.get("blocks") or {}).items()}
            except ValueError as e:
                return answer(400, {"message": f"block indexes are integers: {e}"})
            limit = volume.size * 1024 * 1024 * 1024 // BLOCK_SIZE
            if any(not 0 <= i < limit for i in written):
                return answer(400, {"message": f"a block index is outside the {volume.size} GiB volume (0..{limit - 1})"})
            with _LOCK:
                _blocks(volume).update(written)
        elif request.method != "GET":
            return answer(405, {"message": "use GET or POST"})
        with _LOCK:
            return answer(200, {"VolumeId": volume.id, "Blocks": sorted(_blocks(volume))})

    urls.url_paths["{0}" + VOLUME_BLOCKS_PATH + "$"] = handler

    def limits(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        if request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"{}")
                changed = {k: float(body[k]) for k in ("blocks_per_second", "latency_ms") if k in body}
            except (ValueError, TypeError) as e:
                return answer(400, {"message": f"give numbers: {e}"})
            if changed.get("blocks_per_second", 1) <= 0 or changed.get("latency_ms", 0) < 0:
                return answer(400, {"message": "blocks_per_second must be positive and latency_ms not negative"})
            with _LOCK:
                _LIMITS.update(changed)
                _BUCKETS.clear()
                _THROTTLED["count"] = 0
        with _LOCK:
            return answer(200, {**_LIMITS, "throttled": _THROTTLED["count"]})

    urls.url_paths["{0}" + LIMITS_PATH + "$"] = limits


EBS_DIRECT_EXTENSIONS: list[Callable[[], None]] = [
    patch_ec2_snapshots_keep_blocks,
    patch_ebs_direct_reads,
    patch_volume_blocks_endpoint,
]
