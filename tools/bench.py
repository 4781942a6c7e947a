#!/usr/bin/env python3
"""make bench: how fast `codegen` synthesizes, side by side with the CDK peer.

Times a synthesis of the triage playbook alone (a stack at least as large as the peer's: ASL,
CloudFormation, diagram, schemas, into a fresh folder), a synthesis of every playbook for the
record, and `cdk synth` of the peer app in ../shared/peers/cdk-ir (copied to a temporary
folder first: shared/ is read-only), with CDK's defaults and with CDK_VALIDATION=false, in one
run on the same machine. Prints medians, resource counts and ratios, and exits 1 when a target
is missed: at least 300x faster than `cdk synth` and 100x faster than with validation off, on a
synthesis at least as large (in resources) as the peer's.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/aws-ir/target"))
PEER = Path(os.environ.get("CDK_PEER", ROOT.parent / "shared" / "peers" / "cdk-ir"))
RUNS = int(os.environ.get("RUNS", "30"))
CDK_RUNS = int(os.environ.get("CDK_RUNS", "5"))


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def resources(paths: list[Path]) -> int:
    return sum(len(json.loads(p.read_text())["Resources"]) for p in paths)


def main() -> int:
    codegen = TARGET / "release" / "codegen"
    if not codegen.exists():
        print(f"{codegen} is missing: run `cargo build --release -p codegen` (make bench does)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="aws-ir-bench-"))
    try:
        # Like for like: the triage playbook alone is a stack as large as the peer's (the target
        # is for such a synthesis); every playbook is timed too, for the record.
        out = work / "ours"
        ours = [timed([str(codegen), "--root", str(out), "--playbook", "triage"], ROOT) for _ in range(RUNS)]
        our_resources = resources(sorted((out / "cloudformation").glob("*.json")))
        our_files = sum(1 for _ in out.rglob("*") if _.is_file())
        every = work / "every"
        all_runs = [timed([str(codegen), "--root", str(every)], ROOT) for _ in range(RUNS)]
        all_resources = resources(sorted((every / "cloudformation").glob("*.json")))
        all_files = sum(1 for _ in every.rglob("*") if _.is_file())

        if not PEER.exists():
            print(f"CDK peer not found at {PEER} (set CDK_PEER); ours alone: median {statistics.median(ours) * 1000:.1f} ms")
            return 2
        peer = work / "cdk-ir"
        shutil.copytree(PEER, peer)
        for p in peer.rglob("*"):
            p.chmod(p.stat().st_mode | 0o200)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=peer, check=True)
        env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true"}
        synth = ["npx", "cdk", "synth", "--no-version-reporting", "--quiet", "--no-lookups", "--no-notices"]
        timed(synth, peer, env)  # warm npx and the file cache, as our first run warmed ours
        cdk = [timed(synth, peer, env) for _ in range(CDK_RUNS)]
        cdk_fast = [timed(synth, peer, {**env, "CDK_VALIDATION": "false"}) for _ in range(CDK_RUNS)]
        peer_resources = resources(sorted((peer / "cdk.out").glob("*.template.json")))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = statistics.median(ours)
    rows = [
        ("codegen (triage alone)", med, min(ours), max(ours), RUNS, our_resources),
        ("codegen (every playbook)", statistics.median(all_runs), min(all_runs), max(all_runs), RUNS, all_resources),
        ("cdk synth (defaults)", statistics.median(cdk), min(cdk), max(cdk), CDK_RUNS, peer_resources),
        ("cdk synth (CDK_VALIDATION=false)", statistics.median(cdk_fast), min(cdk_fast), max(cdk_fast), CDK_RUNS, peer_resources),
    ]
    print(f"\n{'synthesis':<34}{'median':>10}{'min':>10}{'max':>10}{'runs':>6}{'resources':>11}")
    for name, m, lo, hi, n, r in rows:
        print(f"{name:<34}{m * 1000:>8.1f}ms{lo * 1000:>8.1f}ms{hi * 1000:>8.1f}ms{n:>6}{r:>11}")
    print(f"(codegen wrote {our_files} files for triage, {all_files} for every playbook: ASL, templates, diagrams, "
          f"schemas; the ratios below are for triage, a stack at least as large as the peer's)")
    r1, r2 = statistics.median(cdk) / med, statistics.median(cdk_fast) / med
    checks = [
        (f"{r1:.0f}x faster than cdk synth (target >= 300x)", r1 >= 300),
        (f"{r2:.0f}x faster than cdk synth with validation off (target >= 100x)", r2 >= 100),
        (f"{our_resources} resources synthesized vs the peer's {peer_resources} (target: at least as many)", our_resources >= peer_resources),
    ]
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
