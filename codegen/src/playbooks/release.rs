//! What every release companion shares: a responder names the case and what to put back; the
//! machine reads the stack's policy, waits for a second responder to approve (unless the
//! operator turned that off), releases each item the request names (at most 10 at once), and
//! notifies. A release differs only in its policy and in what it does per item.
//!
//! A release undoes a containment, so it is exactly what an attacker who was contained wants:
//! only a responder may ask for one (the intake authenticates the request), and by default
//! another responder must agree (`ReleaseApproval=second-responder`).

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::Companion;
use crate::constructs::trigger::Trigger;
use crate::playbooks::approval::{self, Approval};
use crate::playbooks::intake::{intake, notify, REPORT_FAILURE};
use serde_json::json;

pub const APPROVAL_PARAMETER: &str = "ReleaseApproval";
pub const TIMEOUT_PARAMETER: &str = "ReleaseApprovalTimeoutSeconds";

/// The stack parameters of a stack with a release companion.
pub fn parameters() -> Vec<(&'static str, Parameter)> {
    vec![
        (
            APPROVAL_PARAMETER,
            Parameter::string("second-responder: a release waits until a responder other than the one who asked approves it (irctl approve); none: a responder's request is enough.")
                .default(json!("second-responder"))
                .allowed(&[json!("second-responder"), json!("none")]),
        ),
        (
            TIMEOUT_PARAMETER,
            Parameter::number("Seconds a second responder has to approve a release before it is dropped (nothing is released).")
                .default(json!(3600))
                .range(60, 86_400),
        ),
    ]
}

/// The companion `id`, started by manual requests:
/// `intake → policy → [second responder] → each → Outcome → Notify → Done`.
/// `each` is the Map over the request's items with its per-item processor.
pub fn companion(
    id: &'static str,
    description: &str,
    policy: Pass,
    each: MapState,
    after: Option<Task>,
    outcome: &str,
) -> Companion {
    let each = each
        .max_concurrency(10)
        .result_path("$.results.release")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let release_policy = Pass::new("ReadReleasePolicy")
        .comment("Whether a second responder must approve, and for how long to wait.")
        .parameters(json!({
            "approval": format!("${{{APPROVAL_PARAMETER}}}"),
            "timeout_seconds.$": format!("States.StringToJson('${{{TIMEOUT_PARAMETER}}}')"),
        }))
        .result_path("$.release_policy");
    let not_released = |name: &str, why: &str| {
        Pass::new(name)
            .parameters(json!({"outcome.$": why}))
            .result_path("$.outcome")
            .next(Chain::goto("Notify"))
    };
    let second = approval::ask(
        Approval {
            subject: &format!("aws-ir {id}: a second responder must approve a release"),
            message: "States.Format('{} asks to release case {}: {}\n\nInstances: {}\nPrincipals: {}\nResources: {}\n\nRelease it:  irctl approve {}\nRefuse it:   irctl reject {} --reason \\'...\\'\n\nThe responder who asked cannot approve it.', $.case.actor.arn, $.case.case_id, $.case.title, States.JsonToString($.case.instances), States.JsonToString($.case.principals), States.JsonToString($.case.resources), $.case.case_id, $.case.case_id)".to_string(),
            attributes: vec![],
            timeout_path: "$.release_policy.timeout_seconds",
            distinct_from: Some("$.case.actor.arn"),
        },
        not_released(
            "ReleaseNotApproved",
            &format!("States.Format('{id}: not released, no second responder approved within {{}} s', $.release_policy.timeout_seconds)"),
        ),
        not_released(
            "ReleaseRefused",
            &format!("States.Format('{id}: not released, refused by {{}}: {{}}', $.results.approval.by, $.results.approval.reason)"),
        ),
        REPORT_FAILURE,
    );
    let gate = Choice::new("NeedsSecondResponder")
        .comment("A release undoes a containment: by default another responder must agree.")
        .when(
            Condition::string_equals("$.release_policy.approval", "second-responder"),
            second,
        )
        .otherwise_continue();
    let done = Pass::new("Outcome")
        .parameters(json!({ "outcome": outcome }))
        .result_path("$.outcome");
    let notify = notify()
        .with_path("outcome", "$.outcome.outcome")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let released = intake(id)
        .next(policy)
        .next(release_policy)
        .next(gate)
        .next(each);
    let machine = StateMachine::new(
        id,
        description,
        match after {
            Some(after) => released.next(after),
            None => released,
        }
        .next(done)
        .next(notify)
        .next(Succeed::new("Done")),
    )
    // The approval window at its longest, and the release itself.
    .timeout(90_000);
    Companion {
        id,
        machine,
        triggers: vec![Trigger::Manual {
            playbook: id.into(),
        }],
    }
}
