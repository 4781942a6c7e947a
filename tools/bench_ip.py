#!/usr/bin/env python3
"""make bench, part 4: how many addresses malicious-ip blocks per minute, sustained, on the emulator.

Brings up an emulator of its own (as bench_ec2.py does), deploys cloudformation/malicious-ip.json
with irctl, and puts GuardDuty SSH brute-force findings with distinct source addresses on the
default bus as GuardDuty does (irmoto.services), all at once, then waits for every execution to
succeed. A block is counted when its execution succeeded with the address in the WAF IP set and
a deny written (or our oldest evicted for it) in the instance's network ACL. Two shapes:

- spread: BENCH_IP_FINDINGS (default 60) findings over BENCH_IP_ACLS (default 6) VPCs, each
  with its own network ACL: WAF writers contend on the one IP set, ACL writers per ACL;
- one ACL: the same number against a single subnet: every NACL write waits for the ACL's lease
  (and the ACL fills, so the oldest of ours is evicted again and again) — the worst case.

Blocks per minute = findings / (last execution's end - first event) * 60. Every AWS call is held
BENCH_LATENCY_MS (default 20) on the emulator, as in bench_ec2.py. The issue names no target:
the bench reports the figure. Exits 2 when a run fails.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ec2 as emulator  # noqa: E402  (its up/down/irctl: one way to run the emulator)

PLAYBOOK = "malicious-ip"
FINDINGS = int(os.environ.get("BENCH_IP_FINDINGS", "60"))
ACLS = int(os.environ.get("BENCH_IP_ACLS", "6"))
SAMPLE = emulator.ROOT / "tasks" / "contract" / "samples" / "guardduty-ec2-ssh-brute-force.json"
TIMEOUT = 900.0


def log(message: str) -> None:
    print(f"bench-ip: {message}", file=sys.stderr, flush=True)


def host(ec2: Any, image: str, n: int) -> str:
    vpc = ec2.create_vpc(CidrBlock=f"10.{150 + n}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{150 + n}.1.0/24")["Subnet"]["SubnetId"]
    return ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=subnet)["Instances"][0]["InstanceId"]


def finding(instance: str, address: str) -> dict[str, Any]:
    text = SAMPLE.read_text().replace("i-0a1b2c3d4e5f60718", instance).replace("185.220.101.45", address)
    event = json.loads(text)
    event["id"] = str(uuid.uuid4())
    event["detail"]["id"] = uuid.uuid4().hex
    return event


def blocks_per_minute(sfn: Any, waf: Any, machine: str, ip_set: tuple[str, str], instances: list[str],
                      base: int) -> tuple[float, float, int]:
    """Puts FINDINGS findings on the bus at once; returns (blocks/min, seconds, WAF conflicts)."""
    addresses = [f"45.{base + i // 250}.{i % 250}.9" for i in range(FINDINGS)]
    events = [finding(instances[i % len(instances)], a) for i, a in enumerate(addresses)]
    ids = {e["id"] for e in events}
    begin = time.monotonic()
    for e in events:
        emulator.deliver_as_service(e)
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(ids):
        if time.monotonic() - begin > TIMEOUT:
            raise SystemExit(f"{len(done)} of {len(ids)} findings blocked within {TIMEOUT:.0f} s")
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
            for e in page["executions"]:
                if e["executionArn"] in {d["arn"] for d in done.values()} or e["status"] == "RUNNING":
                    continue
                d = sfn.describe_execution(executionArn=e["executionArn"])
                event_id = json.loads(d["input"]).get("id")
                if event_id in ids and event_id not in done:
                    if d["status"] != "SUCCEEDED":
                        raise SystemExit(f"{e['executionArn']} ended {d['status']}: {d.get('cause')}")
                    done[event_id] = {"arn": e["executionArn"], "output": json.loads(d["output"]), "stop": d["stopDate"]}
        time.sleep(0.25)
    elapsed = time.monotonic() - begin
    name, set_id = ip_set
    held = set(waf.get_ip_set(Name=name, Id=set_id, Scope="REGIONAL")["IPSet"]["Addresses"])
    missing = [a for a in addresses if f"{a}/32" not in held]
    if missing:
        raise SystemExit(f"{len(missing)} addresses missing from the IP set, e.g. {missing[:3]}")
    conflicts = sum(d["output"]["results"]["blocks"]["waf"]["retries"] for d in done.values())
    for d in done.values():
        nacl = d["output"]["results"]["blocks"]["nacl"]
        if nacl.get("status") not in ("done", "skipped"):
            raise SystemExit(f"{d['arn']}: the NACL block {nacl}")
    return FINDINGS / elapsed * 60, elapsed, conflicts


def main() -> int:
    return emulator.with_emulator(log, run)


def run() -> int:
    import boto3

    # Throughput, not the flood cap (#15): every finding of the run may block without a responder.
    emulator.deploy_playbook(PLAYBOOK, "--param", "MaxAutomaticBlocksPerHour=99999")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in boto3.client("cloudformation").describe_stacks(
        StackName=f"{emulator.PREFIX}-{PLAYBOOK}")["Stacks"][0]["Outputs"]}
    machine = outputs["StateMachineArn"]
    *_, set_name, set_id = outputs["BlockedIpv4RegionalArn"].split("/")
    ec2, sfn, waf = boto3.client("ec2"), boto3.client("stepfunctions"), boto3.client("wafv2")
    image = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023.*-x86_64"]}])["Images"][0]["ImageId"]
    spread = [host(ec2, image, n) for n in range(ACLS)]
    single = [host(ec2, image, ACLS)]
    emulator.call_log("POST")  # every call held BENCH_LATENCY_MS from here on
    # One unmeasured block: `cargo lambda watch` starts each function on first use.
    emulator.deliver_as_service(finding(single[0], "45.199.0.9"))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        listed = sfn.list_executions(stateMachineArn=machine)["executions"]
        if listed and all(e["status"] != "RUNNING" for e in listed):
            break
        time.sleep(0.5)
    print(f"\nmalicious-ip: {FINDINGS} GuardDuty findings with distinct addresses put on the bus at once, "
          f"until every execution succeeded ({emulator.LATENCY_MS:.0f} ms per AWS call)")
    for title, instances, base in ((f"spread over {ACLS} network ACLs", spread, 60),
                                   ("all in one network ACL", single, 120)):
        rate, elapsed, conflicts = blocks_per_minute(sfn, waf, machine, (set_name, set_id), instances, base)
        print(f"  {title:<28} {rate:6.0f} blocks/min   ({elapsed:5.1f} s, {conflicts} WAF lock conflicts survived)")
    emulator.call_log("DELETE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
