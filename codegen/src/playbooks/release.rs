//! What every release companion shares: a responder names the case and what to put back; the
//! machine reads the stack's policy, releases each item the request names (at most 10 at
//! once), and notifies. A release differs only in its policy and in what it does per item.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::constructs::trigger::Trigger;
use crate::playbooks::intake::{intake, notify, REPORT_FAILURE};
use serde_json::json;

/// The companion `id`, started by manual requests: `intake → policy → each → Notify → Done`.
/// `each` is the Map over the request's items with its per-item processor.
pub fn companion(
    id: &'static str,
    description: &str,
    policy: Pass,
    each: MapState,
    outcome: &str,
) -> Companion {
    let each = each
        .max_concurrency(10)
        .result_path("$.results.release")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let notify = notify()
        .with("outcome", json!(outcome))
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let machine = StateMachine::new(
        id,
        description,
        intake(id)
            .next(policy)
            .next(each)
            .next(notify)
            .next(Succeed::new("Done")),
    )
    .timeout(3600);
    Companion {
        id,
        machine,
        triggers: vec![Trigger::Manual {
            playbook: id.into(),
        }],
    }
}
