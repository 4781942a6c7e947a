//! Triage: every finding worth a look becomes a case and a readable notification.
//!
//! Normalize turns the event into a case (or rejects it with `IR.InvalidEvent`, which is
//! reported and ends the execution as failed, so a malformed or foreign event is never silent);
//! a Choice on the case kind records what kind of response the case calls for; Notify publishes
//! the summary. Any other failure is reported the same way.

use crate::asl::*;
use crate::constructs::playbook::Playbook;
use crate::constructs::trigger::Trigger;
use contract::case::{CaseKind, SeverityLabel};
use contract::tasks::{Normalize, Notify};
use contract::ErrorName;
use serde_json::json;

pub const ID: &str = "triage";

/// What each kind of case calls for, shown in the notification.
fn assessment(kind: CaseKind) -> (&'static str, &'static str) {
    match kind {
        CaseKind::Instance => (
            "An EC2 instance may be compromised; contain it if the finding holds.",
            "ec2-compromise",
        ),
        CaseKind::Credentials => (
            "IAM credentials may be compromised; cut them off if the finding holds.",
            "credentials",
        ),
        CaseKind::RemoteAddress => (
            "A remote address is attacking or being contacted; block it if the finding holds.",
            "malicious-ip",
        ),
        CaseKind::SecuritySetting => (
            "A security setting was weakened; restore it unless the change was intended.",
            "restore-settings",
        ),
        CaseKind::Other => ("No automated response applies; review the finding.", "none"),
    }
}

fn report(name: &str, subject: &str, lead: &str) -> Task {
    Task::sns_publish(name)
        .comment("Tell the responders that the playbook could not finish, and why.")
        .parameters(json!({
            "Subject": subject,
            "Message.$": format!("States.Format('{lead}\n\nError: {{}}\nCause: {{}}\nExecution: {{}}\nThe execution input holds the event as received.', $.error.Error, $.error.Cause, $$.Execution.Id)"),
        }))
        .discard_result()
}

pub fn playbook() -> Playbook {
    let rejected = report(
        "ReportRejectedEvent",
        "aws-ir triage: event rejected (IR.InvalidEvent)",
        "Playbook triage rejected an event it cannot read.",
    )
    .next(
        Fail::new("EventRejected")
            .error(ErrorName::InvalidEvent.as_str())
            .cause("The event is not one this playbook understands; see the notification."),
    );

    let failed = report(
        "ReportFailure",
        "aws-ir triage: playbook failed",
        "Playbook triage failed before it could finish.",
    )
    .next(
        Fail::new("TriageFailed")
            .error("IR.PlaybookFailed")
            .cause("A step failed; see the notification and the execution history."),
    );

    let normalize = Task::invoke::<Normalize>("Normalize")
        .comment("Turn the event into a case; reject anything else with IR.InvalidEvent.")
        .input_path("event", "$")
        .input("dry_run", json!("${DryRun}"))
        .result_path("$")
        .select_literal("results", json!({}))
        .catch([ErrorName::InvalidEvent.as_str()], "$.error", rejected)
        .catch([STATES_ALL], "$.error", failed);

    let mut route =
        Choice::new("RouteByKind").comment("Record what kind of response the case calls for.");
    for kind in CaseKind::ALL.into_iter().filter(|k| *k != CaseKind::Other) {
        route = route.when(
            Condition::string_equals("$.case.kind", kind.as_str()),
            assess(kind),
        );
    }
    let route = route.otherwise(assess(CaseKind::Other));

    let notify = Task::invoke::<Notify>("Notify")
        .comment("Publish a readable summary of the case to the topic.")
        .input_path("case", "$.case")
        .input("topic_arn", json!("${NotificationTopicArn}"))
        .input_path("outcome", "$.results.assessment.summary")
        .input_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto("ReportFailure"));

    let machine = StateMachine::new(
        ID,
        "Triage: normalize any supported finding into a case, assess it, and notify the responders.",
        normalize.next(route).next(notify).next(Succeed::new("Triaged")),
    )
    .timeout(900);

    Playbook {
        id: ID,
        title: "Triage",
        description: "Turns every supported finding into a case and a readable notification.",
        machine,
        triggers: vec![
            Trigger::guardduty(&[], 4.0),
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::High, SeverityLabel::Critical],
                // GuardDuty findings also reach Security Hub; its own rule already covers them.
                exclude_products: vec!["GuardDuty".into()],
                resource_types: vec![],
                resource_tag: None,
            },
            Trigger::SecurityHubCustomAction {
                id: "Triage".into(),
                name: "Triage finding".into(),
                description: "Run the aws-ir triage playbook on the selected findings.".into(),
            },
            Trigger::ConfigCompliance { rule_names: vec![] },
            Trigger::CloudTrailApiCall {
                event_source: "cloudtrail.amazonaws.com".into(),
                event_names: vec![
                    "StopLogging".into(),
                    "DeleteTrail".into(),
                    "UpdateTrail".into(),
                ],
            },
            Trigger::Manual {
                playbook: ID.into(),
            },
        ],
    }
}

fn assess(kind: CaseKind) -> Pass {
    let (summary, playbook) = assessment(kind);
    Pass::new(&format!("Assess{}", kind.as_str()))
        .comment("Record the assessment for the notification and later playbooks.")
        .result(json!({"kind": kind.as_str(), "summary": summary, "suggested_playbook": playbook}))
        .result_path("$.results.assessment")
}
