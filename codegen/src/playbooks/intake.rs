//! How every playbook begins: take whatever arrived, make it a case, and make sure a rejected
//! event or a failure is reported before the execution ends.
//!
//! The first state wraps the input (`{"event": <input>}`) so that the state is always an
//! object: a Catch writes the error beside the input with `ResultPath`, which Step Functions
//! cannot do on an array or a string (`States.ResultPathMatchFailure`, which no Catch sees).
//! Without it, a malformed start would fail silently.
//!
//! A manual request is then authenticated (`AuthenticateRequest`): STS says who signed it, and
//! unless that is a responder the stack names (or one of aws-ir's roles handing work over), the
//! request is refused and reported before anything is done. Events from AWS services need no
//! such step: EventBridge reserves their `aws.*` sources to AWS.

use crate::asl::*;
use contract::tasks::authenticate::AuthenticateRequest;
use contract::tasks::{Normalize, Notify, ScreenAccount};
use contract::trust::RESPONDERS_PARAMETER;
use contract::ErrorName;
use serde_json::{json, Value};

/// The state every other state's `Catch` may jump to: report, then fail.
pub const REPORT_FAILURE: &str = "ReportFailure";

/// Publishes why the playbook could not finish, naming the error, cause and execution.
pub fn report(name: &str, subject: &str, lead: &str) -> Task {
    publish(
        name,
        subject,
        &format!("States.Format('{lead}\n\nError: {{}}\nCause: {{}}\nExecution: {{}}\nThe execution input holds the event as received.', $.error.Error, $.error.Cause, $$.Execution.Id)"),
    )
    .comment("Tell the responders that the playbook could not finish, and why.")
}

/// Publishes `message` (a JSONPath or intrinsic) to the stack's topic, retried: a report is
/// the last word of an execution, so a throttled or briefly failing publish must not lose it.
pub fn publish(name: &str, subject: &str, message: &str) -> Task {
    Task::sns_publish(name)
        .parameters(json!({"Subject": subject, "Message.$": message}))
        .discard_result()
        .retry(
            Retrier::on([STATES_ALL])
                .interval(1)
                .max_attempts(3)
                .backoff(2.0)
                .jitter(Jitter::Full),
        )
}

/// The Notify step every playbook ends with: the case, the stack's topic and chat webhook; the
/// playbook adds what it did (`outcome`, `results`) and where a failure goes.
pub fn notify() -> Task {
    notify_as("Notify")
}

/// [`notify`], as the state `name`.
fn notify_as(name: &str) -> Task {
    Task::invoke::<Notify>(name)
        .with_path("case", "$.case")
        .with("topic_arn", json!("${NotificationTopicArn}"))
        .with("chat_parameter", json!("${ChatWebhookParameter}"))
}

/// `Receive → Normalize → (manual requests) AuthenticateRequest`, with IR.InvalidEvent
/// reported as a rejection, IR.Unauthorized as a refused request and anything else as a failure
/// (the `ReportFailure` state, which later states can reach with
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
        .with("trusted_products", json!("${TrustedProducts}"))
        .result_path("$")
        .select_literal("results", json!({}))
        .catch([ErrorName::InvalidEvent.as_str()], "$.error", rejected)
        .catch([STATES_ALL], "$.error", failed);
    let refused = report(
        "ReportRefusedRequest",
        &format!("aws-ir {playbook}: request refused (IR.Unauthorized)"),
        &format!("Playbook {playbook} refused a request that no responder it names signed; nothing was done. If no responder sent it, someone in the account is trying to steer the response."),
    )
    .next(
        Fail::new("RequestRefused")
            .error(ErrorName::Unauthorized.as_str())
            .cause("The request was not signed by a responder this stack names; see the notification."),
    );
    let authenticate = Task::invoke::<AuthenticateRequest>("AuthenticateRequest")
        .comment(
            "Who asked, as STS says: a responder the stack names, or aws-ir handing work over.",
        )
        .with_path("case", "$.case")
        .with_path("request", "$.request")
        .with("responders", json!(format!("${{{RESPONDERS_PARAMETER}}}")))
        .result_path("$")
        .select_literal("results", json!({}))
        .catch([ErrorName::Unauthorized.as_str()], "$.error", refused)
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let manual = Choice::new("IsManualRequest")
        .comment("A person (or another playbook) asked: establish who before anything is done.")
        .when(
            Condition::string_equals("$.case.source", "Manual"),
            authenticate,
        )
        .otherwise_continue();
    receive.next(normalize).next(manual)
}

/// Exclusions by account and by organizational unit (#20), after intake and before a playbook
/// acts: an excluded account's case is left alone, notified with the reason (which names the
/// exclusion and, for a unit, where Organizations says the account is) and ends there. A
/// failure to read the organization is reported, and nothing is done.
pub fn screen_account() -> Chain {
    let notify_excluded = notify_as("NotifyExcluded")
        .comment("Say that the account is excluded, and by what; nothing was changed.")
        .with_path("outcome", "$.results.screen.reason")
        .with_path("results", "$.results")
        .result_path("$.results.notify")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE))
        .next(Succeed::new("Excluded"));
    let screen = Task::invoke::<ScreenAccount>("ScreenAccount")
        .comment("Is the case's account excluded, by its id or an organizational unit it is in?")
        .with_path("case", "$.case")
        .with(
            "excluded_accounts",
            json!(format!(
                "${{{}}}",
                crate::constructs::params::EXCLUDED_ACCOUNTS
            )),
        )
        .with(
            "excluded_organizational_units",
            json!(format!(
                "${{{}}}",
                crate::constructs::params::EXCLUDED_UNITS
            )),
        )
        .result_path("$.results.screen")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    screen.next(
        Choice::new("IsExcluded")
            .when_ending(
                Condition::string_equals("$.results.screen.decision", "excluded"),
                notify_excluded,
            )
            .otherwise_continue(),
    )
}

/// After `ReadPolicy` (#20): a case in another account or Region (a member's) gets the policy
/// `fields` with `overrides` (what the member stacks create there, under fixed names), every
/// other field carried over; its steps act there through the member roles. A case that names
/// no place is acted on here, as the steps do (`tasks::member::Target`). The stack's own
/// account and Region are the `StackAccountId` and `StackRegion` substitutions.
pub fn where_the_case_is(fields: &Value, overrides: Value, comment: &str) -> Choice {
    let mut member = serde_json::Map::new();
    for key in fields.as_object().into_iter().flat_map(|m| m.keys()) {
        let field = key.trim_end_matches(".$");
        let overridden = [field.to_string(), format!("{field}.$")]
            .into_iter()
            .find_map(|k| overrides.get(&k).map(|v| (k, v.clone())));
        let (k, v) = overridden
            .unwrap_or_else(|| (format!("{field}.$"), json!(format!("$.policy.{field}"))));
        member.insert(k, v);
    }
    let in_member = Pass::new("ActInTheMemberAccount")
        .comment(comment)
        .parameters(Value::Object(member))
        .result_path("$.policy");
    Choice::new("WhereIsTheCase")
        .comment("In this account and Region, or a member's (#20).")
        .when(
            Condition::and([
                Condition::not(Condition::string_equals("$.case.account", "")),
                Condition::not(Condition::string_equals("$.case.region", "")),
                Condition::not(Condition::and([
                    Condition::string_equals("$.case.account", "${StackAccountId}"),
                    Condition::string_equals("$.case.region", "${StackRegion}"),
                ])),
            ]),
            in_member,
        )
        .otherwise_continue()
}
