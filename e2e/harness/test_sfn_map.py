"""A Distributed Map fails when its items fail beyond the tolerated threshold (irmoto/sfn_map.py)."""

from __future__ import annotations

import json
from typing import Any

from conftest import ROLE, execution_finished, wait_for


def machine(aws: Any, name: str, tolerated: dict[str, Any]) -> str:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Bad"}],
                      "Default": "Good"},
            "Bad": {"Type": "Fail", "Error": "Item.Bad", "Cause": "item 2"},
            "Good": {"Type": "Pass", "End": True},
        },
    }
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, "Label": "each",
                     **tolerated, "ResultPath": "$.done",
                     "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.error",
                                "Next": "Caught"}],
                     "End": True},
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    return aws("stepfunctions").create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def run(aws: Any, arn: str) -> dict[str, Any]:
    sfn = aws("stepfunctions")
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"items": [{"n": 1}, {"n": 2}, {"n": 3}]}))
    done = wait_for(execution_finished(sfn, started["executionArn"]), what="the execution")
    assert done["status"] == "SUCCEEDED", done
    return json.loads(done["output"])


def test_one_failed_item_fails_the_map_by_default(aws: Any, uid: str) -> None:
    out = run(aws, machine(aws, f"map-strict-{uid}", {}))
    assert out["error"]["Error"] == "States.ExceedToleratedFailureThreshold", out
    assert "1 of 3" in out["error"]["Cause"]
    assert "done" not in out


def test_failures_within_the_threshold_are_tolerated(aws: Any, uid: str) -> None:
    out = run(aws, machine(aws, f"map-lenient-{uid}", {"ToleratedFailureCount": 1}))
    assert "error" not in out, out
    assert len(out["done"]) == 3


def loop(aws: Any, name: str) -> str:
    """Counts to `$.to`, four history events a turn (a Pass and a Choice, entered and exited),
    and a Catch that would take any error a state raised."""
    definition = {
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "to.$": "$.to"},
                      "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThanPath": "$.to", "Next": "Count"}],
                      "Default": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
    return aws("stepfunctions").create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]


def test_an_execution_stops_at_25000_history_events(aws: Any, uid: str) -> None:
    sfn = aws("stepfunctions")
    arn = loop(aws, f"history-limit-{uid}")
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"n": 0, "to": 10_000}))
    done = wait_for(execution_finished(sfn, started["executionArn"]), what="the execution", timeout=240)
    assert done["status"] == "FAILED", done
    assert done["error"] == "States.Runtime"
    assert done["cause"] == "The execution reached the maximum number of history events (25000)."
    last = sfn.get_execution_history(executionArn=started["executionArn"], reverseOrder=True, maxResults=2)["events"]
    assert [e["id"] for e in last] == [25000, 24999]
    assert last[0]["type"] == "ExecutionFailed"
    assert last[0]["executionFailedEventDetails"]["error"] == "States.Runtime"
    # Below the limit nothing changes.
    small = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"n": 0, "to": 10}))
    assert wait_for(execution_finished(sfn, small["executionArn"]), what="the execution")["status"] == "SUCCEEDED"
