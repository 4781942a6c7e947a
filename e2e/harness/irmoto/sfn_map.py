"""A Distributed Map whose items fail beyond its tolerated threshold fails, as on AWS.

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


SFN_MAP_EXTENSIONS = [patch_sfn_distributed_map_failure_threshold]
