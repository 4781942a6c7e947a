#!/usr/bin/env python3
"""make bench, part 6: an organization at once (#20), on the emulator.

Brings up an emulator of its own (as bench_ec2.py does), deploys settings-recovery across the
emulator's organization with `irctl deploy --organization` (member stacks in us-east-1 and
eu-west-1 for every account of the members OU), and moves BENCH_ORG_ACCOUNTS (default 20) new
accounts into that OU, where the StackSets' automatic deployment gives each the member stacks.
In every account and both Regions a security group is opened to the world on SSH (40 groups by
default). Then CloudTrail's event of each opening is delivered at once onto its own account's
bus in its own Region (irmoto.services), whence the member stack forwards it to the security
account's bus in us-east-1. It reports:

- containments a minute: from the first event to the last group read back with its world-open
  rule revoked (through the member's own EC2 API), over the number of groups;
- AssumeRole calls per case, from the emulator's call log (each names its session, and the
  session names its case): sessions are cached per case, account, Region and step, so one per
  member-acting step (here one: revoke-open-ingress), never one per API call;
- that no case acted in the wrong account: every call made in a member account by an aws-ir
  member role's session belongs to a case of that account and Region (from the executions'
  outputs).

Every AWS call is held BENCH_LATENCY_MS (default 20) on the emulator, as in bench_ec2.py.
Targets: every group restored, AssumeRole calls per case at most the member-acting steps, no
call in the wrong account. Exits 1 when a target is missed, 2 when the run itself failed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_ec2 as emulator  # noqa: E402  (its up/down/irctl/call_log: one way to run the emulator)

PLAYBOOK = "settings-recovery"
ACCOUNTS = int(os.environ.get("BENCH_ORG_ACCOUNTS", "20"))
HOME, OTHER = "us-east-1", "eu-west-1"
REGIONS = [HOME, OTHER]
SAMPLES = emulator.ROOT / "tasks" / "contract" / "samples"
TIMEOUT = 600.0
# The steps of settings-recovery that act in a member account for a security group.
MEMBER_STEPS = {"revoke-open-ingress"}
CASE_ID_LENGTH = len("case-") + 16


def log(message: str) -> None:
    print(f"bench-org: {message}", file=sys.stderr, flush=True)


def opened_event(account: str, region: str, group: str) -> dict[str, Any]:
    """CloudTrail's event of someone opening GROUP in ACCOUNT and REGION."""
    sample = json.loads((SAMPLES / "cloudtrail-authorize-sg-ingress-ssh-world.json").read_text())
    event = json.loads(json.dumps(sample).replace("sg-0ee55ff6677889900", group))
    event["id"] = str(uuid.uuid4())
    event["detail"]["eventID"] = event["id"]
    event["account"], event["region"] = account, region
    event["detail"]["recipientAccountId"], event["detail"]["awsRegion"] = account, region
    return event


def world_open(fixtures: Any, account: str, region: str, group: str) -> bool:
    rules = fixtures.member_group_rules(account, region, group)["Rules"]
    return any(cidr in ("0.0.0.0/0", "::/0") and port == 22 for _, port, _, cidr in rules)


def cases_of(sfn: Any, machine: str) -> dict[str, tuple[str, str]]:
    """case id -> (account, Region), from every execution's output."""
    out: dict[str, tuple[str, str]] = {}
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
        for e in page["executions"]:
            described = sfn.describe_execution(executionArn=e["executionArn"])
            case = json.loads(described.get("output") or "{}").get("case") or {}
            if case.get("case_id"):
                out[case["case_id"]] = (case.get("account"), case.get("region"))
    return out


def main() -> int:
    return emulator.with_emulator(log, run)


def run() -> int:
    import boto3
    from irmoto import fixtures

    fixtures.organization()
    ou = fixtures.members_ou()
    emulator.deploy_playbook(PLAYBOOK, "--organization", "--member-ous", ou,
                             "--member-regions", ",".join(REGIONS), "--call-as", "SELF")
    begin = time.monotonic()
    accounts = [fixtures.organization_account(f"bench-member-{i:02d}", member=True)["Account"]
                for i in range(ACCOUNTS + 1)]
    warm, accounts = accounts[0], accounts[1:]
    log(f"{len(accounts) + 1} accounts joined the members OU in {time.monotonic() - begin:.0f} s")
    missing = [a for a in accounts if len(fixtures.stack_instances(a)) != 1 + len(REGIONS)]
    if missing:
        raise SystemExit(f"accounts without their member stacks: {missing}")
    # One unmeasured case: `cargo lambda watch` starts each function on first use.
    group = fixtures.member_open_group(warm, OTHER, "bench-warm")["GroupId"]
    emulator.deliver_as_service(opened_event(warm, OTHER, group))
    deadline = time.monotonic() + TIMEOUT
    while world_open(fixtures, warm, OTHER, group):
        if time.monotonic() > deadline:
            raise SystemExit("the warm-up case did not restore its group")
        time.sleep(0.2)
    groups = {(a, r): fixtures.member_open_group(a, r, f"bench-open-{r}")["GroupId"]
              for a in accounts for r in REGIONS}
    events = [opened_event(a, r, g) for (a, r), g in groups.items()]
    emulator.call_log("POST")
    log(f"{len(events)} groups opened in {len(accounts)} accounts and {len(REGIONS)} Regions; delivering")
    start = time.monotonic()
    emulator.deliver_as_service(*events)
    pending = dict(groups)
    done_at: dict[tuple[str, str], float] = {}
    with ThreadPoolExecutor(8) as pool:
        while pending:
            if time.monotonic() - start > TIMEOUT:
                raise SystemExit(f"{len(pending)} groups still world-open after {TIMEOUT:.0f} s")
            still = list(pool.map(lambda item: world_open(fixtures, item[0][0], item[0][1], item[1]),
                                  pending.items()))
            now = time.monotonic() - start
            for (key, _), is_open in zip(list(pending.items()), still):
                if not is_open:
                    done_at[key] = now
                    pending.pop(key)
            time.sleep(0.2)
    elapsed = max(done_at.values())
    calls = emulator.call_log("GET")["Calls"]
    emulator.call_log("DELETE")

    sfn = boto3.client("stepfunctions")
    [stack] = boto3.client("cloudformation").describe_stacks(StackName=f"{emulator.PREFIX}-{PLAYBOOK}")["Stacks"]
    machine = next(o["OutputValue"] for o in stack["Outputs"] if o["OutputKey"] == "StateMachineArn")
    cases = cases_of(sfn, machine)
    measured = {c: where for c, where in cases.items() if where[0] in accounts}
    # A session is named `<case>-<step>`, a case `case-` and 16 hex digits.
    sessions: Counter[str] = Counter()
    for call in calls:
        if call["action"] == "AssumeRole" and (call["resource"] or "").startswith("case-"):
            sessions[call["resource"][:CASE_ID_LENGTH]] += 1
    per_case = [sessions.get(c, 0) for c in measured]
    wrong, checked = [], 0
    for call in calls:
        caller = call.get("caller") or ""
        if ":assumed-role/aws-ir-" not in caller or call["account"] in (None, "123456789012"):
            continue
        checked += 1
        case = caller.rsplit("/", 1)[-1][:CASE_ID_LENGTH]
        if case not in cases or cases[case][0] != call["account"]:
            wrong.append(f"{call['service']}:{call['action']} in {call['account']} by {caller}")

    per_minute = len(groups) / elapsed * 60
    print(f"\norganization: settings-recovery for {len(accounts)} member accounts x {len(REGIONS)} Regions at once "
          f"({len(groups)} groups opened, {emulator.LATENCY_MS:.0f} ms per AWS call)")
    print(f"  every group restored in {elapsed:6.1f} s (median group {sorted(done_at.values())[len(done_at) // 2]:.1f} s): "
          f"{per_minute:.0f} containments a minute")
    print(f"  cases                      {len(measured)} (one per group: {len(measured) == len(groups)})")
    print(f"  AssumeRole calls per case  min {min(per_case, default=0)}, max {max(per_case, default=0)} "
          f"(target: at most {len(MEMBER_STEPS)}, the member-acting steps; never one per API call)")
    print(f"  calls in a wrong account   {len(wrong)} of the {checked} made in members by aws-ir's member roles (target: 0)")
    for w in wrong[:10]:
        print(f"    {w}")
    ok = checked > 0 and len(measured) == len(groups) and max(per_case, default=99) <= len(MEMBER_STEPS) \
        and min(per_case, default=0) >= 1 and not wrong
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
