//! How every playbook begins: take whatever arrived, make it a case, and make sure a rejected
//! event or a failure is reported before the execution ends.
//!
//! The first state wraps the input (`{"event": <input>}`) so that the state is always an
//! object: a Catch writes the error beside the input with `ResultPath`, which Step Functions
//! cannot do on an array or a string (`States.ResultPathMatchFailure`, which no Catch sees).
//! Without it, a malformed start would fail silently.

use crate::asl::*;
use contract::tasks::{Normalize, Notify};
use contract::ErrorName;
use serde_json::json;

/// The state every other state's `Catch` may jump to: report, then fail.
pub const REPORT_FAILURE: &str = "ReportFailure";

/// Publishes why the playbook could not finish, naming the error, cause and execution.
pub fn report(name: &str, subject: &str, lead: &str) -> Task {
    Task::sns_publish(name)
        .comment("Tell the responders that the playbook could not finish, and why.")
        .parameters(json!({
            "Subject": subject,
            "Message.$": format!("States.Format('{lead}\n\nError: {{}}\nCause: {{}}\nExecution: {{}}\nThe execution input holds the event as received.', $.error.Error, $.error.Cause, $$.Execution.Id)"),
        }))
        .discard_result()
}

/// The Notify step every playbook ends with: the case, the stack's topic and chat webhook; the
/// playbook adds what it did (`outcome`, `results`) and where a failure goes.
pub fn notify() -> Task {
    Task::invoke::<Notify>("Notify")
        .with_path("case", "$.case")
        .with("topic_arn", json!("${NotificationTopicArn}"))
        .with("chat_parameter", json!("${ChatWebhookParameter}"))
}

/// `Receive → Normalize`, with IR.InvalidEvent reported as a rejection and anything else as a
/// failure (the `ReportFailure` state, which later states can reach with
/// `Chain::goto(REPORT_FAILURE)`). Continues with `{"case": …, "results": {}}`.
pub fn intake(playbook: &str) -> Chain {
    let rejected = report(
        "ReportRejectedEvent",
        &format!("aws-ir {playbook}: event rejected (IR.InvalidEvent)"),
        &format!("Playbook {playbook} rejected an event it cannot read."),
    )
    .next(
        Fail::new("EventRejected")
            .error(ErrorName::InvalidEvent.as_str())
            .cause("The event is not one this playbook understands; see the notification."),
    );
    let failed = report(
        REPORT_FAILURE,
        &format!("aws-ir {playbook}: playbook failed"),
        &format!("Playbook {playbook} failed before it could finish."),
    )
    .next(
        Fail::new("PlaybookFailed")
            .error("IR.PlaybookFailed")
            .cause("A step failed; see the notification and the execution history."),
    );
    let receive = Pass::new("Receive")
        .comment("Hold the input under `event`, whatever it is, so the state is always an object.")
        .parameters(json!({"event.$": "$"}));
    let normalize = Task::invoke::<Normalize>("Normalize")
        .comment("Turn the event into a case; reject anything else with IR.InvalidEvent.")
        .with_path("event", "$.event")
        .with("dry_run", json!("${DryRun}"))
        .result_path("$")
        .select_literal("results", json!({}))
        .catch([ErrorName::InvalidEvent.as_str()], "$.error", rejected)
        .catch([STATES_ALL], "$.error", failed);
    receive.next(normalize)
}
