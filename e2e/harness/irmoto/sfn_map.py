"""A Distributed Map whose items fail beyond its tolerated threshold fails, as on AWS; an
execution stops at AWS's 25,000 history events (``patch_sfn_history_limit``, below); and each
item of a Distributed Map is a child execution a client can list and read
(``patch_sfn_distributed_children``, below).

AWS doc: Step Functions Developer Guide, "Setting failure thresholds for Distributed Map
states in Step Functions": ToleratedFailurePercentage and ToleratedFailureCount default to 0;
when failed (or timed-out, aborted) items exceed the threshold, the Map Run fails and the state
fails with ``States.ExceedToleratedFailureThreshold`` (a Catch on the Map state can take it).

moto 5.2.5 (stepfunctions/parser/.../distributed_item_processor_worker.py ``_eval_job``) counts a
failed item and carries on; the Map Run and the state then succeed with the item's output
missing, whatever the threshold. aws-ir's custody relies on the documented behaviour (evidence is
all or nothing; a failed range must reach the Map's Catch).
``patch_sfn_distributed_map_failure_threshold`` checks the threshold once the items are done.
(moto's parser also refuses an integer ``ToleratedFailurePercentage``, such as the default 0
written out: aws-ir leaves it out, and the test below tolerates by ``ToleratedFailureCount``.)
"""

from __future__ import annotations

from typing import Any

ERROR = "States.ExceedToleratedFailureThreshold"


def exceeded(failed: int, total: int, tolerated_count: int, tolerated_percentage: float) -> bool:
    """With both thresholds at their default (0), any failed item fails the run."""
    if failed == 0:
        return False
    return failed > tolerated_count and (total == 0 or failed * 100.0 / total > tolerated_percentage)


def patch_sfn_distributed_map_failure_threshold() -> None:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = DistributedIterationComponent._map_run

    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        original(self, env, eval_input)
        items = eval_input.map_run_record.item_counter
        failed = items.failed.get() + items.timed_out.get() + items.aborted.get()
        total = items.total.get()
        if not exceeded(failed, total, int(eval_input.tolerated_failure_count or 0),
                        float(eval_input.tolerated_failure_percentage or 0)):
            return
        env.stack.pop()  # the outputs of the items that succeeded
        cause = f"The specified tolerated failure threshold was exceeded: {failed} of {total} items failed."
        raise FailureEventException(failure_event=FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold),
            event_type=HistoryEventType.ExecutionFailed,
            event_details=EventDetails(executionFailedEventDetails=ExecutionFailedEventDetails(error=ERROR, cause=cause)),
        ))

    DistributedIterationComponent._map_run = _map_run  # type: ignore[method-assign]


# AWS doc: Step Functions Developer Guide, "Step Functions service quotas" (maximum execution
# history size: 25,000 events; a Standard execution that reaches it fails) and "Using Map
# state in Distributed mode" (each child workflow has its own history). As AWS reports it, the
# 25,000th event is the failure itself: ExecutionFailed, States.Runtime, "The execution reached
# the maximum number of history events (25000).", which no Catch can take. moto 5.2.5 keeps
# appending events for ever, so an inline Map of hundreds of instances that could never finish
# on AWS succeeded here (#19: a 500-instance request must be shaped to fit).
HISTORY_LIMIT = 25_000
HISTORY_CAUSE = f"The execution reached the maximum number of history events ({HISTORY_LIMIT})."


def patch_sfn_history_limit() -> None:
    """An execution whose history reaches 25,000 events fails with event 25,000: the limit
    counts the events of one execution's own history (the root environment's event manager; a
    Distributed Map's runs keep theirs apart, as child executions do on AWS)."""
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager

    init = Environment.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        # Frames replace this manager with their root's; only a root's keeps the mark.
        self.event_manager._irmoto_root = self

    Environment.__init__ = __init__  # type: ignore[method-assign]

    set_error = Environment.set_error

    def sticky_set_error(self: Any, error: Any) -> None:
        # The state that was running when the limit came may still fail on its way out (its
        # events are gone); the execution's error stays the limit's.
        if getattr(self.event_manager, "_irmoto_limited", False) and (error or {}).get("cause") != HISTORY_CAUSE:
            return
        set_error(self, error)

    Environment.set_error = sticky_set_error  # type: ignore[method-assign]

    add_event = EventManager.add_event
    terminal = {HistoryEventType.ExecutionFailed, HistoryEventType.ExecutionSucceeded,
                HistoryEventType.ExecutionAborted, HistoryEventType.ExecutionTimedOut}

    def limited_add_event(self: Any, context: Any, event_type: Any, *args: Any, **kwargs: Any) -> int:
        root = getattr(self, "_irmoto_root", None)
        if root is None or root.is_frame():
            return add_event(self, context, event_type, *args, **kwargs)
        if getattr(self, "_irmoto_limited", False):
            # Past the limit only the failure is written (as event 25,000); the rest of the
            # state that was running is not history any more.
            if event_type == HistoryEventType.ExecutionFailed and not getattr(self, "_irmoto_failed", False):
                self._irmoto_failed = True
                return add_event(self, context, event_type, *args, **kwargs)
            return self._event_id_gen._next_id - 1
        if self._event_id_gen._next_id >= HISTORY_LIMIT and event_type not in terminal:
            root.set_error(ExecutionFailedEventDetails(error="States.Runtime", cause=HISTORY_CAUSE))
            self._irmoto_limited = True
            return self._event_id_gen._next_id - 1
        return add_event(self, context, event_type, *args, **kwargs)

    EventManager.add_event = limited_add_event  # type: ignore[method-assign]



# AWS doc: Step Functions Developer Guide, "Using Map state in Distributed mode" (each item is
# processed by a child workflow execution with its own execution history) and "Viewing a Map
# Run"; Step Functions API Reference, "ListExecutions" (mapRunArn: "the child workflow
# executions started by a Distributed Map"), "DescribeExecution" (mapRunArn of a child) and
# "GetExecutionHistory". A child's ARN is
# ``arn:aws:states:<region>:<account>:execution:<machine>/<label>:<name>``.
# moto 5.2.5 (distributed_iteration_component.py ``_eval_body``) runs every item inside the
# parent's worker and writes all their events into one EventManager that nobody can read; the
# children are not executions: ListExecutions ignores mapRunArn, and a task token an item waits
# on (a responder's approval for one instance of hundreds) cannot be found in any history.
# Here each item keeps its own history (ExecutionStarted ... ExecutionSucceeded/Failed/Aborted,
# ids from 1), its context object names it (``$$.Execution.Id``), and ListExecutions(mapRunArn),
# DescribeExecution and GetExecutionHistory answer for it.

class ChildExecution:
    """One item of a Distributed Map run, kept as AWS shows it: a Standard execution."""

    def __init__(self, arn: str, name: str, map_run_arn: str, state_machine_arn: str, event_manager: Any) -> None:
        import datetime

        self.execution_arn = arn
        self.name = name
        self.map_run_arn = map_run_arn
        self.state_machine_arn = state_machine_arn
        self.event_manager = event_manager
        self.start_date = datetime.datetime.now(tz=datetime.timezone.utc)
        self.stop_date: Any = None
        self.status = "RUNNING"
        self.execution_input = "{}"
        self.output: Any = None
        self.output_details = {"included": True}
        self.error: str | None = None
        self.cause: str | None = None


_CHILDREN: dict[str, ChildExecution] = {}


def children_of(map_run_arn: str) -> list[ChildExecution]:
    """The run's children, newest first (as ListExecutions orders them)."""
    found = [c for c in list(_CHILDREN.values()) if c.map_run_arn == map_run_arn]
    return sorted(found, key=lambda c: c.start_date, reverse=True)


def patch_sfn_distributed_children() -> None:
    import copy
    import datetime

    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import (
        ExecutionAbortedEventDetails,
        ExecutionFailedEventDetails,
        ExecutionStartedEventDetails,
        ExecutionSucceededEventDetails,
        HistoryEventExecutionDataDetails,
        HistoryEventType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext, EventManager
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramEnded, ProgramError, ProgramStopped
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.parser.utils import long_uid
    from moto.stepfunctions.responses import StepFunctionResponse

    eval_job = DistributedItemProcessorWorker._eval_job
    eval_input = DistributedItemProcessorWorker._eval_input

    def _eval_input(self: Any, env_frame: Any) -> None:
        eval_input(self, env_frame)
        child = getattr(env_frame, "_irmoto_child", None)
        if child is None:
            return
        child.execution_input = to_json_str(env_frame.states.get_input())
        context = env_frame.states.context_object.context_object_data
        context["Execution"] = {**copy.deepcopy(context["Execution"]), "Id": child.execution_arn,
                                "Name": child.name, "Input": env_frame.states.get_input()}
        child.event_manager.add_event(
            context=env_frame.event_history_context,
            event_type=HistoryEventType.ExecutionStarted,
            event_details=EventDetails(executionStartedEventDetails=ExecutionStartedEventDetails(
                input=child.execution_input,
                inputDetails=HistoryEventExecutionDataDetails(truncated=False),
                roleArn=env_frame.aws_execution_details.role_arn,
            )),
            update_source_event_id=False,
        )

    def _eval_job(self: Any, env: Any, job: Any) -> None:
        record = self._map_run_record
        name = long_uid()
        machine = record.map_state_machine_arn  # arn:...:stateMachine:<machine>/<label>
        child = ChildExecution(machine.replace(":stateMachine:", ":execution:") + ":" + name, name,
                               record.map_run_arn, machine, EventManager())
        env.event_manager = child.event_manager
        env.event_history_context = EventHistoryContext.of_program_start()
        env._irmoto_child = child
        _CHILDREN[child.execution_arn] = child
        eval_job(self, env, job)
        state = env.program_state()
        child.stop_date = datetime.datetime.now(tz=datetime.timezone.utc)
        if isinstance(state, ProgramStopped):
            child.status = "ABORTED"
            child.event_manager.add_event(
                context=env.event_history_context, event_type=HistoryEventType.ExecutionAborted,
                event_details=EventDetails(executionAbortedEventDetails=ExecutionAbortedEventDetails(
                    error=state.error or "", cause=state.cause or "")))
        elif isinstance(state, ProgramEnded) and job.job_output is not None:
            child.status = "SUCCEEDED"
            child.output = to_json_str(job.job_output)
            child.event_manager.add_event(
                context=env.event_history_context, event_type=HistoryEventType.ExecutionSucceeded,
                event_details=EventDetails(executionSucceededEventDetails=ExecutionSucceededEventDetails(
                    output=child.output, outputDetails=HistoryEventExecutionDataDetails(truncated=False))))
        else:
            child.status = "FAILED"
            details = state.error if isinstance(state, ProgramError) and state.error else {}
            child.error = details.get("error") or "States.Runtime"
            child.cause = details.get("cause") or "the child execution did not finish"
            # A Fail state or an uncaught error has written ExecutionFailed already.
            history = child.event_manager.get_event_history()
            if not history or history[-1]["type"] != HistoryEventType.ExecutionFailed:
                child.event_manager.add_event(
                    context=env.event_history_context, event_type=HistoryEventType.ExecutionFailed,
                    event_details=EventDetails(executionFailedEventDetails=ExecutionFailedEventDetails(
                        error=child.error, cause=child.cause)))

    DistributedItemProcessorWorker._eval_input = _eval_input  # type: ignore[method-assign]
    DistributedItemProcessorWorker._eval_job = _eval_job  # type: ignore[method-assign]

    describe_execution = StepFunctionsParserBackend.describe_execution
    get_execution_history = StepFunctionsParserBackend.get_execution_history

    def backend_describe_execution(self: Any, execution_arn: str) -> Any:
        child = _CHILDREN.get(execution_arn)
        return child if child is not None else describe_execution(self, execution_arn)

    def backend_get_execution_history(self: Any, execution_arn: str) -> Any:
        child = _CHILDREN.get(execution_arn)
        if child is None:
            return get_execution_history(self, execution_arn)
        return {"events": child.event_manager.get_event_history()}

    StepFunctionsParserBackend.describe_execution = backend_describe_execution  # type: ignore[method-assign]
    StepFunctionsParserBackend.get_execution_history = backend_get_execution_history  # type: ignore[method-assign]

    response_describe = StepFunctionResponse.describe_execution

    def response_describe_execution(self: Any) -> Any:
        result = response_describe(self)
        child = _CHILDREN.get(self._get_param("executionArn"))
        if child is not None:
            result.result["mapRunArn"] = child.map_run_arn  # type: ignore[index]
        return result

    StepFunctionResponse.describe_execution = response_describe_execution  # type: ignore[method-assign]

    list_executions = StepFunctionResponse.list_executions

    def response_list_executions(self: Any) -> Any:
        run = self._get_param("mapRunArn")
        if not run:
            return list_executions(self)
        status = self._get_param("statusFilter")
        found = [c for c in children_of(run) if not status or c.status == status]
        size = int(self._get_param("maxResults") or 0) or 100
        token = self._get_param("nextToken")
        start = int(token) if token and str(token).isdigit() else 0
        executions = []
        for c in found[start:start + size]:
            item = {"executionArn": c.execution_arn, "name": c.name, "startDate": c.start_date,
                    "stateMachineArn": c.state_machine_arn, "mapRunArn": c.map_run_arn, "status": c.status}
            if c.stop_date is not None:
                item["stopDate"] = c.stop_date
            executions.append(item)
        page: dict[str, Any] = {"executions": executions}
        if start + size < len(found):
            page["nextToken"] = str(start + size)
        return ActionResult(page)

    StepFunctionResponse.list_executions = response_list_executions  # type: ignore[method-assign]


SFN_MAP_EXTENSIONS = [patch_sfn_distributed_map_failure_threshold, patch_sfn_history_limit,
                      patch_sfn_distributed_children]
