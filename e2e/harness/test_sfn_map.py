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


def test_each_item_of_a_distributed_map_is_a_child_execution(aws: Any, uid: str) -> None:
    """Every item is listed by ListExecutions(mapRunArn), described with its map run, and has a
    history of its own from ExecutionStarted on; a task token one item waits on is found in its
    history and answered there (moto 5.2.5 kept no child: nothing to list or read)."""
    sqs, sfn = aws("sqs"), aws("stepfunctions")
    url = sqs.create_queue(QueueName=f"children-{uid}")["QueueUrl"]
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Which",
        "States": {
            "Which": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 2, "Next": "Ask"}],
                      "Default": "Done"},
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": url, "MessageBody": {"n.$": "$.n", "token.$": "$$.Task.Token",
                                                                    "me.$": "$$.Execution.Id"}},
                    "TimeoutSeconds": 60, "End": True},
            "Done": {"Type": "Pass", "Parameters": {"n.$": "$.n", "me.$": "$$.Execution.Id"}, "End": True},
        },
    }
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"n.$": "$$.Map.Item.Value", "case.$": "$.case"},
        "ItemProcessor": processor, "Label": "items", "MaxConcurrency": 3, "End": True}}}
    machine = sfn.create_state_machine(name=f"children-{uid}", definition=json.dumps(definition),
                                       roleArn=ROLE)["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": [1, 2, 3], "case": "c-1"}))[
        "executionArn"]
    message = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"),
                       what="the second item's request")
    asked = json.loads(message[0]["Body"])

    runs = sfn.list_map_runs(executionArn=run)["mapRuns"]
    assert len(runs) == 1
    map_run = runs[0]["mapRunArn"]
    child_prefix = machine.replace(":stateMachine:", ":execution:") + "/items:"
    waiting = sfn.list_executions(mapRunArn=map_run, statusFilter="RUNNING")["executions"]
    assert [c["executionArn"] for c in waiting] == [asked["me"]], waiting
    assert asked["me"].startswith(child_prefix)
    history = sfn.get_execution_history(executionArn=asked["me"], maxResults=1000)["events"]
    assert history[0]["type"] == "ExecutionStarted" and history[0]["id"] == 1
    assert json.loads(history[0]["executionStartedEventDetails"]["input"]) == {"n": 2, "case": "c-1"}
    scheduled = [e for e in history if e["type"] == "TaskScheduled"]
    assert asked["token"] in scheduled[0]["taskScheduledEventDetails"]["parameters"]

    sfn.send_task_success(taskToken=asked["token"], output=json.dumps({"n": 2, "answered": True}))
    done = wait_for(execution_finished(sfn, run), what="the execution")
    assert done["status"] == "SUCCEEDED", done
    children = sfn.list_executions(mapRunArn=map_run)["executions"]
    assert len(children) == 3 and {c["status"] for c in children} == {"SUCCEEDED"}
    assert all(c["executionArn"].startswith(child_prefix) and c["mapRunArn"] == map_run for c in children)
    described = sfn.describe_execution(executionArn=asked["me"])
    assert described["mapRunArn"] == map_run
    assert json.loads(described["output"]) == {"n": 2, "answered": True}
    last = sfn.get_execution_history(executionArn=asked["me"], reverseOrder=True, maxResults=1)["events"][0]
    assert last["type"] == "ExecutionSucceeded"
    # The outputs are the children's, in item order, and each child knew itself.
    outputs = json.loads(done["output"])
    assert [o["n"] for o in outputs] == [1, 2, 3]
    assert {outputs[0]["me"], outputs[2]["me"]} <= {c["executionArn"] for c in children}
    # The parent's own history holds the map run, not the children's states.
    parent = sfn.get_execution_history(executionArn=run, maxResults=1000)["events"]
    assert "MapRunStarted" in [e["type"] for e in parent]
    assert "TaskScheduled" not in [e["type"] for e in parent]
