//! Asking a responder, one builder for every playbook: containments that need a go-ahead,
//! triage's "take or dismiss", and the second responder a release waits for.
//!
//! `PrepareApproval → AskApproval → AuthenticateAnswer → IsRejected`, as
//! `contract::approval` describes the protocol. The request carries a fresh nonce; the answer
//! must carry a proof, signed by a responder the stack names, over the case, that nonce and the
//! decision. Anything else — an answer without a valid proof, a `SendTaskFailure` from whoever
//! holds the token, a proof made for another request — is reported and the responders are
//! asked again, at most [`MAX_ATTEMPTS`] times, so a task token lets nobody steer a response.

use crate::asl::*;
use contract::approval::{attribute, KIND_REQUEST};
use contract::tasks::authenticate::AuthenticateAnswer;
use contract::trust::RESPONDERS_PARAMETER;
use contract::ErrorName;
use serde_json::{json, Map, Value};

/// Answers refused before the playbook gives up asking (an attacker holding the token could
/// otherwise keep a response waiting forever).
pub const MAX_ATTEMPTS: u32 = 5;

/// What to ask.
pub struct Approval<'a> {
    pub subject: &'a str,
    /// The message: a `States.Format(...)` expression over the state (the nonce is at
    /// `$.approval.nonce`).
    pub message: String,
    /// Further message attributes: (name, JSONPath), e.g. the instance the request is about.
    pub attributes: Vec<(&'static str, &'a str)>,
    /// Where the state holds the number of seconds to wait (`TimeoutSecondsPath`).
    pub timeout_path: &'a str,
    /// A JSONPath naming a principal who may not answer (the requester of a release).
    pub distinct_from: Option<&'a str>,
}

/// The chain asks and continues, on its open end, when a responder approved; `on_timeout` and
/// `on_reject` take the other outcomes (the answer is at `$.results.approval`: `decision`, `by`,
/// `reason`); a failure goes to the state `on_failure` with `$.error`.
pub fn ask(
    a: Approval,
    on_timeout: impl IntoChain,
    on_reject: impl IntoChain,
    on_failure: &str,
) -> Chain {
    let mut attributes = Map::new();
    let text = |path: &str| json!({"DataType": "String", "StringValue.$": path});
    attributes.insert(attribute::CASE_ID.into(), text("$.case.case_id"));
    attributes.insert(attribute::NONCE.into(), text("$.approval.nonce"));
    attributes.insert(
        attribute::KIND.into(),
        json!({"DataType": "String", "StringValue": KIND_REQUEST}),
    );
    attributes.insert(attribute::TASK_TOKEN.into(), text("$$.Task.Token"));
    for (name, path) in &a.attributes {
        attributes.insert((*name).into(), text(path));
    }

    let prepare = Pass::new("PrepareApproval")
        .comment("A fresh nonce: an answer is valid only for the request that carries it.")
        .parameters(json!({"nonce.$": "States.UUID()", "attempt": 1}))
        .result_path("$.approval");
    let again = Pass::new("AskAgain")
        .comment("A new request, with a new nonce.")
        .parameters(json!({"nonce.$": "States.UUID()", "attempt.$": "States.MathAdd($.approval.attempt, 1)"}))
        .result_path("$.approval")
        .next(Chain::goto("AskApproval"));
    let give_up = Pass::new("TooManyRefusedAnswers")
        .parameters(json!({
            "Error": ErrorName::Unauthorized.as_str(),
            "Cause": format!("{MAX_ATTEMPTS} answers to the approval request were refused (none was signed by a responder the stack names for this request); nothing was done"),
        }))
        .result_path("$.error")
        .next(Chain::goto(on_failure));
    let refused = super::intake::publish(
        "ReportRefusedAnswer",
        "aws-ir: an answer to an approval request was refused",
        &format!("States.Format('An answer to the approval request for case {{}} was refused: {{}}: {{}}\n\nNothing was done on it; the responders are asked again (attempt {{}} of {MAX_ATTEMPTS}). If no responder sent it, someone holding the task token is trying to steer the response.', $.case.case_id, $.approval.refusal.Error, $.approval.refusal.Cause, $.approval.attempt)"),
    )
    .comment("Say that an answer was refused, and who gave it when STS could tell.")
    .catch([STATES_ALL], "$.error", Chain::goto(on_failure))
    .next(
        Choice::new("MayAskAgain")
            .when(
                Condition::numeric_less_than("$.approval.attempt", MAX_ATTEMPTS as f64),
                again,
            )
            .otherwise(give_up),
    );

    let mut parameters = json!({
        "Subject": a.subject,
        "Message.$": a.message,
    });
    parameters["MessageAttributes"] = Value::Object(attributes);
    let wait = Task::sns_publish("AskApproval")
        .comment("Wait for a responder: irctl approve / irctl reject, which sign their answer.")
        .wait_for_task_token()
        .parameters(parameters)
        .timeout_path(a.timeout_path)
        .result_path("$.approval.answer")
        .catch(["States.Timeout"], "$.error", on_timeout)
        // SendTaskFailure from whoever holds the token, or a publish that failed.
        .catch([STATES_ALL], "$.approval.refusal", refused);
    let check = Task::invoke::<AuthenticateAnswer>("AuthenticateAnswer")
        .comment(
            "Who answered, as STS says; refused unless a responder signed it for this request.",
        )
        .with_path("case", "$.case")
        .with_path("answer", "$.approval.answer")
        .with_path("nonce", "$.approval.nonce")
        .with("responders", json!(format!("${{{RESPONDERS_PARAMETER}}}")))
        .result_path("$.results.approval")
        .catch(
            [
                ErrorName::Unauthorized.as_str(),
                ErrorName::InvalidEvent.as_str(),
            ],
            "$.approval.refusal",
            Chain::goto("ReportRefusedAnswer"),
        )
        .catch([STATES_ALL], "$.error", Chain::goto(on_failure));
    let check = match a.distinct_from {
        Some(path) => check.with_path("distinct_from", path),
        None => check.with("distinct_from", json!("")),
    };
    prepare.next(wait).next(check).next(
        Choice::new("IsRejected")
            .when_ending(
                Condition::string_equals("$.results.approval.decision", "reject"),
                on_reject,
            )
            .otherwise_continue(),
    )
}
