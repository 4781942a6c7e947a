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
