#!/usr/bin/env python3
"""make bench, part 5: how fast chain of custody reads a snapshot through the EBS direct APIs (#18).

Brings up an emulator of its own (as bench_ec2.py does), writes two sparse EBS volumes (1 GiB and
10 GiB, every BENCH_CUSTODY_STRIDE-th block written, default 4: a quarter of the disk), snapshots
them, and invokes the ``hash-range`` task Lambda once per snapshot, as the playbook's Distributed
Map does for one range: it lists the snapshot's blocks, reads each with GetSnapshotBlock (16 at a
time), checks each against AWS's SHA-256 and writes the range's hash list. It reports:

- blocks per second for each volume, and the linearity (10 GiB's time over 1 GiB's, divided by the
  ratio of their blocks: 1.0 is linear);
- the same 1 GiB read against a per-snapshot quota of BENCH_CUSTODY_QUOTA (default 40) requests a
  second, set in the emulator (AWS's is 1,000): blocks per second as a share of the quota and how
  many requests the emulator throttled (the reader backs off in the SDK's adaptive retry mode);
- the emulator's CPU per 1,000 blocks, beside the figures: moto serves every block from one Python
  process, and is the ceiling here, not the reader;
- a 1 TiB volume, fully written (2,097,152 blocks), extrapolated: at AWS's quota, and at the
  measured rate.

The task Lambdas run as ``cargo lambda watch`` serves them (the debug build ``make bench`` builds),
so the figure is a floor. The issue names no target: the bench reports the figures. Exits 2 when a
run fails.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ec2 as emulator  # noqa: E402  (its up/down: one way to run the emulator)

BLOCK = 524288
BLOCKS_PER_GIB = 2048
STRIDE = int(os.environ.get("BENCH_CUSTODY_STRIDE", "4"))
QUOTA = float(os.environ.get("BENCH_CUSTODY_QUOTA", "40"))
AWS_QUOTA = 1000.0
TIB_BLOCKS = 1024 * BLOCKS_PER_GIB
BUCKET = "bench-custody"


def log(message: str) -> None:
    print(f"bench-custody: {message}", file=sys.stderr, flush=True)


def post(path: str, body: dict[str, Any], base: str | None = None) -> Any:
    request = urllib.request.Request((base or os.environ["AWS_ENDPOINT_URL"]) + path, method="POST",
                                     data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=3600) as response:
        return json.load(response)


def get(path: str) -> Any:
    with urllib.request.urlopen(os.environ["AWS_ENDPOINT_URL"] + path, timeout=30) as response:
        return json.load(response)


def snapshot(ec2: Any, gib: int) -> tuple[str, int]:
    """A snapshot of a new volume of `gib` GiB with every STRIDE-th block written."""
    volume = ec2.create_volume(Size=gib, AvailabilityZone="us-east-1a")["VolumeId"]
    blocks = {str(i): f"{volume}-{i}" for i in range(0, gib * BLOCKS_PER_GIB, STRIDE)}
    post("/moto-api/irmoto/volume-blocks", {"volume_id": volume, "blocks": blocks})
    snap = ec2.create_snapshot(VolumeId=volume, Description="aws-ir custody bench")["SnapshotId"]
    return snap, len(blocks)


def hash_snapshot(snap: str, gib: int) -> tuple[float, float]:
    """Invokes hash-range for the whole snapshot as one range; (seconds, emulator CPU seconds)."""
    case = f"case-{uuid.uuid4().hex[:16]}"
    payload = {"case_id": case, "bucket": BUCKET, "snapshot_id": snap, "first_block": 0,
               "block_count": gib * BLOCKS_PER_GIB}
    cpu, begin = emulator.emulator_cpu_seconds(), time.monotonic()
    answer = post("/2015-03-31/functions/hash-range/invocations", payload, os.environ["IR_LAMBDA_INVOKE_ENDPOINT"])
    seconds, cpu = time.monotonic() - begin, emulator.emulator_cpu_seconds() - cpu
    if "errorType" in answer or answer.get("stored") != "written":
        raise SystemExit(f"hash-range of {snap} failed: {answer}")
    return seconds, cpu


def duration(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def main() -> int:
    log("bringing up an emulator of its own (moto + cargo lambda watch)")
    emulator.up()
    try:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        ec2 = boto3.client("ec2")
        runs: dict[int, tuple[str, int, float, float]] = {}
        for gib in (1, 10):
            snap, present = snapshot(ec2, gib)
            hash_snapshot(snap, gib) if gib == 1 else None  # the first invoke starts the Lambda
            seconds, cpu = hash_snapshot(snap, gib)
            runs[gib] = (snap, present, seconds, cpu)
            log(f"{gib} GiB: {present} blocks in {seconds:.1f} s")
        post("/moto-api/irmoto/ebs-direct-limits", {"blocks_per_second": QUOTA})
        before = get("/moto-api/irmoto/ebs-direct-limits").get("throttled", 0)
        snap, present = runs[1][0], runs[1][1]
        quota_seconds, _ = hash_snapshot(snap, 1)
        throttled = get("/moto-api/irmoto/ebs-direct-limits").get("throttled", 0) - before
        post("/moto-api/irmoto/ebs-direct-limits", {"blocks_per_second": AWS_QUOTA})
    except (OSError, SystemExit, KeyError, ValueError) as e:
        log(f"the run failed: {e}")
        return 2
    finally:
        emulator.down()

    rate = {gib: present / seconds for gib, (_, present, seconds, _) in runs.items()}
    linearity = (runs[10][2] / runs[1][2]) / (runs[10][1] / runs[1][1])
    cpu_per_1000 = {gib: cpu / present * 1000 for gib, (_, present, _, cpu) in runs.items()}
    under_quota = present / quota_seconds
    rows = [
        ("1 GiB, a quarter written", f"{runs[1][1]} blocks in {runs[1][2]:.1f} s",
         f"{rate[1]:.0f} blocks/s", f"emulator CPU {cpu_per_1000[1]:.1f} s per 1,000 blocks"),
        ("10 GiB, a quarter written", f"{runs[10][1]} blocks in {runs[10][2]:.1f} s",
         f"{rate[10]:.0f} blocks/s", f"emulator CPU {cpu_per_1000[10]:.1f} s per 1,000 blocks"),
        ("linearity (10 GiB / 1 GiB per block)", f"{linearity:.2f}", "1.0 is linear", ""),
        (f"1 GiB under a quota of {QUOTA:.0f}/s", f"{present} blocks in {quota_seconds:.1f} s",
         f"{under_quota:.0f} blocks/s = {under_quota / QUOTA:.0%} of the quota", f"{throttled} requests throttled"),
        ("1 TiB fully written, at AWS's 1,000/s", f"{TIB_BLOCKS:,} blocks", duration(TIB_BLOCKS / AWS_QUOTA),
         "the per-snapshot quota is the bound: 6 ranges x 16 readers keep ~96 reads in flight"),
        ("1 TiB fully written, at this rate", f"{TIB_BLOCKS:,} blocks", duration(TIB_BLOCKS / rate[10]),
         "the emulator's rate, not AWS's"),
    ]
    print("\nChain of custody: snapshot hashing through the EBS direct APIs (one hash-range invocation per snapshot)")
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  " + "  ".join(c.ljust(width[i]) for i, c in enumerate(r)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
