#!/usr/bin/env python3
"""The AWS SDK service crates aws-ir builds, pruned to the operations it calls (#23).

    tools/sdk.py prune   # write vendor/<crate>/ (make sdk) for every crate below (after a new AWS call,
                         # or a new SDK version in Cargo.lock)
    tools/sdk.py check   # fail if vendor/ differs from what `prune` writes now

Why: an SDK service crate compiles every operation of its service whatever a program calls
(aws-sdk-ec2: 811 operations, 1.2 million lines, 11 CPU-minutes of `make package`; aws-ir calls
43). The root Cargo.toml patches each crate below to its pruned copy in vendor/ (tools/prune_sdk.py
says how it is cut); the code left is the published crate's, unchanged.

Which operations: every operation name the workspace's Rust sources write as a method or path
(`.describe_instances(`, `Client::describe_instances`), so a new call is found by `check` (and
the compiler: "no method named `…` found for struct `Client`" means: run `make sdk`).
Which version: the one Cargo.lock names; the published source comes from the registry (cargo
fetch of that exact version).
"""

import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prune_sdk import prune  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SDK = os.path.join(ROOT, "vendor")
# aws-sdk-sts is left whole: aws-config calls it too (AssumeRole, web identity), out of our sight.
CRATES = [
    "aws-sdk-autoscaling", "aws-sdk-cloudformation", "aws-sdk-cloudtrail", "aws-sdk-config",
    "aws-sdk-dynamodb", "aws-sdk-ebs", "aws-sdk-ec2", "aws-sdk-elasticloadbalancing",
    "aws-sdk-elasticloadbalancingv2", "aws-sdk-eventbridge", "aws-sdk-iam", "aws-sdk-kms",
    "aws-sdk-organizations", "aws-sdk-s3", "aws-sdk-s3control", "aws-sdk-securityhub",
    "aws-sdk-sfn", "aws-sdk-sns", "aws-sdk-sqs", "aws-sdk-ssm", "aws-sdk-wafv2",
]
# Operations a crate's own code calls beyond ours: S3's client makes S3 Express sessions itself.
EXTRA = {"aws-sdk-s3": ["create_session"]}
SOURCES = ["tasks", "irctl", "e2e", "connect"]


def locked_versions():
    lock = open(os.path.join(ROOT, "Cargo.lock"), encoding="utf-8").read()
    versions = {}
    for m in re.finditer(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock):
        if m.group(1) in CRATES:
            versions[m.group(1)] = m.group(2)
    missing = sorted(set(CRATES) - set(versions))
    if missing:
        raise SystemExit(f"sdk: Cargo.lock names no version of {', '.join(missing)}")
    return versions


def registry_source(crate, version):
    """The published crate's source, fetched from the registry when not already there."""
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))

    def find():
        base = os.path.join(home, "registry", "src")
        for index in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            path = os.path.join(base, index, f"{crate}-{version}")
            if os.path.isfile(os.path.join(path, "Cargo.toml")):
                return path
        return None

    found = find()
    if found:
        return found
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "Cargo.toml"), "w") as f:
            f.write(f'[package]\nname = "fetch"\nversion = "0.0.0"\nedition = "2021"\n\n'
                    f'[lib]\npath = "lib.rs"\n\n[dependencies]\n{crate} = "={version}"\n')
        open(os.path.join(tmp, "lib.rs"), "w").close()
        subprocess.run(["cargo", "fetch", "-q", "--manifest-path", os.path.join(tmp, "Cargo.toml")],
                       check=True)
    found = find()
    if not found:
        raise SystemExit(f"sdk: cargo fetch did not bring {crate} {version}")
    return found


def called_names():
    names = set()
    for top in SOURCES:
        for root, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith(".rs"):
                    text = open(os.path.join(root, name), encoding="utf-8").read()
                    names.update(re.findall(r"(?:\.|::)([a-z][a-z0-9_]*)\b", text))
    return names


def write_all(out):
    versions, names = locked_versions(), called_names()
    os.makedirs(out, exist_ok=True)
    jobs = [(crate, versions[crate], registry_source(crate, versions[crate]), names, out) for crate in CRATES]
    # One crate per core: pruning is CPU-bound Python, and `make check` runs it on every CI run.
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        for line in pool.imap(write_one, jobs):
            print(line)


def write_one(job):
    """Prune one crate into `out`; the line to print."""
    crate, version, src, names, out = job
    ops = sorted(f[:-3] for f in os.listdir(os.path.join(src, "src", "operation")) if f.endswith(".rs"))
    keep = sorted((set(ops) & names) | set(EXTRA.get(crate, ())))
    total, kept = prune(src, os.path.join(out, crate), keep)
    with open(os.path.join(out, crate, "PRUNED.md"), "w", encoding="utf-8") as f:
        f.write(f"# {crate} {version}, pruned\n\n"
                f"The published crate's source (Apache-2.0, see LICENSE) less the modules of the\n"
                f"{total - kept} operations aws-ir does not call, and the types, (de)serializers and\n"
                f"helpers only they reached; its tests and dev-dependencies are left out of\n"
                f"Cargo.toml, and `dead_code` is allowed. Nothing else is changed. Written by\n"
                f"`tools/sdk.py prune` (`make sdk`); do not edit.\n\n"
                f"Operations kept ({kept} of {total}): {', '.join(keep)}.\n")
    return f"sdk: {crate} {version}: {kept} of {total} operations"


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("prune", "check"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "prune":
        tmp = SDK + ".new"
        shutil.rmtree(tmp, ignore_errors=True)
        write_all(tmp)
        shutil.rmtree(SDK, ignore_errors=True)
        os.rename(tmp, SDK)
        return
    with tempfile.TemporaryDirectory() as tmp:
        write_all(os.path.join(tmp, "vendor"))
        diff = subprocess.run(["diff", "-rq", os.path.join(tmp, "vendor"), SDK], capture_output=True, text=True)
        if diff.returncode != 0:
            print(diff.stdout + diff.stderr, end="")
            raise SystemExit("sdk: vendor/ is not what tools/sdk.py prune writes from Cargo.lock's versions "
                             "and the operations the code calls: run `make sdk` and commit vendor/")
    print("sdk: vendor/ is the pruned SDK the code calls")


if __name__ == "__main__":
    main()
