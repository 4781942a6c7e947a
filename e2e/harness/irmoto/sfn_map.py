"""A Distributed Map whose items fail beyond its tolerated threshold fails, as on AWS; and an
execution stops at AWS's 25,000 history events (``patch_sfn_history_limit``, below).

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


SFN_MAP_EXTENSIONS = [patch_sfn_distributed_map_failure_threshold, patch_sfn_history_limit]
