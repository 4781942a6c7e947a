//! Triage: every finding worth a look becomes a case and a readable notification.
//!
//! Normalize turns the event into a case (or rejects it with `IR.InvalidEvent`, which is
//! reported and ends the execution as failed, so a malformed or foreign event is never silent);
//! a Choice on the case kind records what kind of response the case calls for; Notify publishes
//! the summary. Any other failure is reported the same way.

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::Playbook;
use crate::constructs::trigger::Trigger;
use crate::playbooks::approval::{self, Approval};
use crate::playbooks::intake::{intake, notify, screen_account, REPORT_FAILURE};
use contract::approval::{attribute, KIND_ESCALATION};
use contract::case::{CaseKind, SeverityLabel};
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

pub fn playbook() -> Playbook {
    let mut route =
        Choice::new("RouteByKind").comment("Record what kind of response the case calls for.");
    for kind in CaseKind::ALL.into_iter().filter(|k| *k != CaseKind::Other) {
        route = route.when(
            Condition::string_equals("$.case.kind", kind.as_str()),
            assess(kind),
        );
    }
    let route = route.otherwise(assess(CaseKind::Other));

    let notify = notify()
        .comment("Publish a readable summary of the case to the topic.")
        .with_path("outcome", "$.results.assessment.summary")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let machine = StateMachine::new(
        ID,
        "Triage: normalize any supported finding into a case, assess it, notify the responders, and for serious cases wait for one of them to take it.",
        intake(ID)
            .next(screen_account())
            .next(route)
            .next(notify)
            .next(
                Choice::new("NeedsResponder")
                    .comment("HIGH and CRITICAL cases need a named responder; sample findings never do.")
                    .when(
                        Condition::and([
                            Condition::numeric_greater_than_equals("$.case.severity.score", 7.0),
                            Condition::boolean_equals("$.case.sample", false),
                        ]),
                        acknowledgement(),
                    )
                    .otherwise(Succeed::new("Triaged")),
            ),
    )
    // Long enough for the acknowledgement window at its maximum.
    .timeout(90_000);

    Playbook {
        id: ID,
        title: "Triage",
        description: "Turns every supported finding into a case and a readable notification.",
        machine,
        triggers: vec![
            Trigger::guardduty(&[], 4.0),
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::High, SeverityLabel::Critical],
                products: vec![],
                // GuardDuty findings also reach Security Hub; its own rule already covers them.
                exclude_products: vec!["GuardDuty".into()],
                resource_types: vec![],
                resource_tag: None,
                remote_address: false,
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
        parameters: vec![(
            ACK_PARAMETER,
            Parameter::number("Seconds a responder has to acknowledge a HIGH or CRITICAL case before it is escalated.")
                .default(json!(3600))
                .range(1, 86_400),
        )],
        companions: vec![],
    }
}

pub const ACK_PARAMETER: &str = "AcknowledgeWithinSeconds";

/// Wait for a responder to take the case (`irctl approve`) or dismiss it (`irctl reject`);
/// escalate when nobody does in time.
fn acknowledgement() -> Chain {
    let policy = Pass::new("ReadAcknowledgementPolicy")
        .comment("Substitutions are strings; StringToJson makes the parameter a number for TimeoutSecondsPath.")
        .parameters(json!({"acknowledge_within_seconds.$": format!("States.StringToJson('${{{ACK_PARAMETER}}}')")}))
        .result_path("$.policy");
    let escalate = Task::sns_publish("Escalate")
                .retry(
                    Retrier::on([STATES_ALL])
                        .interval(1)
                        .max_attempts(3)
                        .backoff(2.0)
                        .jitter(Jitter::Full),
                )
        .comment("Nobody took the case in time: say so loudly.")
        .parameters(json!({
            "Subject": "aws-ir triage: ESCALATION - case not acknowledged",
            "Message.$": "States.Format('Nobody acknowledged case {} within {} seconds.\n\n{}\nSeverity: {}\n\nTake it with: irctl approve {}', $.case.case_id, $.policy.acknowledge_within_seconds, $.case.title, $.case.severity.label, $.case.case_id)",
            "MessageAttributes": {
                (attribute::CASE_ID): {"DataType": "String", "StringValue.$": "$.case.case_id"},
                (attribute::KIND): {"DataType": "String", "StringValue": KIND_ESCALATION},
            },
        }))
        .result_path("$.results.escalation")
        .next(
            Pass::new("RecordUnacknowledged")
                .result(json!({"disposition": "unacknowledged"}))
                .result_path("$.results.acknowledgement"),
        )
        .next(Succeed::new("Escalated"));
    let dismissed = Pass::new("RecordDismissal")
        .comment("A responder dismissed the case; who and why are in $.results.approval.")
        .result(json!({"disposition": "dismissed"}))
        .result_path("$.results.acknowledgement")
        .next(Succeed::new("Dismissed"));
    let taken = Pass::new("RecordAcknowledgement")
        .comment("A responder took the case; who is in $.results.approval.")
        .result(json!({"disposition": "acknowledged"}))
        .result_path("$.results.acknowledgement");
    let ask = approval::ask(
        Approval {
            subject: "aws-ir triage: case needs a responder",
            message: "States.Format('Case {} needs a responder.\n\n{}\nSeverity: {}\n\nTake it:     irctl approve {}\nDismiss it:  irctl reject {} --reason \\'...\\'', $.case.case_id, $.case.title, $.case.severity.label, $.case.case_id, $.case.case_id)".into(),
            attributes: vec![],
            timeout_path: "$.policy.acknowledge_within_seconds",
            distinct_from: None,
        },
        escalate,
        dismissed,
        REPORT_FAILURE,
    );
    policy
        .next(ask)
        .next(taken)
        .next(Succeed::new("Acknowledged"))
}

fn assess(kind: CaseKind) -> Pass {
    let (summary, playbook) = assessment(kind);
    Pass::new(&format!("Assess{}", kind.as_str()))
        .comment("Record the assessment for the notification and later playbooks.")
        .result(json!({"kind": kind.as_str(), "summary": summary, "suggested_playbook": playbook}))
        .result_path("$.results.assessment")
}
