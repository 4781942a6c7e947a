"""Emit an event onto the emulated default bus as the AWS service in its `source` would.

    python -m irmoto.emit SAMPLE_NAME_OR_FILE [--set-instance i-...] [--keep-ids]

SAMPLE_NAME is a file name (without .json) in tasks/contract/samples/. By default the event
and finding ids are fresh, so each emission is a new finding; `--set-instance` points the
sample at an instance of the emulated account. Prints the event id. Needs AWS_ENDPOINT_URL
(source .local/emulator/state.env).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
import uuid
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "tasks" / "contract" / "samples"
INSTANCE_ID = re.compile(r"\bi-(?:[0-9a-f]{17}|[0-9a-f]{8})\b")


def load(name_or_file: str) -> dict:
    path = Path(name_or_file)
    if not path.is_file():
        path = SAMPLES / f"{name_or_file}.json"
    return json.loads(path.read_text())


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m irmoto.emit", description=__doc__.split("\n\n")[0])
    p.add_argument("event", help="sample name or JSON file")
    p.add_argument("--set-instance", help="replace the sample's instance id(s) with this one")
    p.add_argument("--keep-ids", action="store_true", help="keep the sample's event and finding ids")
    args = p.parse_args(argv[1:])
    text = json.dumps(load(args.event))
    if args.set_instance:
        text = INSTANCE_ID.sub(args.set_instance, text)
    event = json.loads(text)
    if not args.keep_ids:
        event["id"] = str(uuid.uuid4())
        if event.get("source") == "aws.guardduty" and isinstance(event.get("detail"), dict):
            event["detail"]["id"] = uuid.uuid4().hex
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print("AWS_ENDPOINT_URL is not set: source .local/emulator/state.env", file=sys.stderr)
        return 2
    request = urllib.request.Request(
        endpoint + "/moto-api/irmoto/service-events",
        data=json.dumps({"events": [event]}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        print(json.load(response)["Entries"][0]["EventId"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
