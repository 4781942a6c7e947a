//! Credentials release: put principals back exactly as the case recorded them. Started by a
//! responder with the case id: `irctl start credentials-release --case CASE --access-key KEY
//! (or --principal ARN) --reason ...`.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::constructs::trigger::Trigger;
use crate::playbooks::credentials_compromise::release_policy;
use crate::playbooks::intake::{intake, REPORT_FAILURE};
use contract::tasks::credentials::ReleaseCredentials;
use contract::tasks::Notify;
use serde_json::json;

pub const ID: &str = "credentials-release";

/// The release machine, deployed in the credentials-compromise stack (it reads its records).
pub fn companion() -> Companion {
    let release = Task::invoke::<ReleaseCredentials>("ReleaseCredentials")
        .comment("Restore what the case recorded for this principal.")
        .with_path("case", "$.case")
        .with_path("principal", "$.principal")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.release")
        .catch(
            [STATES_ALL],
            "$.error",
            Pass::new("ReleaseFailed").parameters(json!({"principal.$": "$.principal", "status": "not released", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"})),
        )
        .next(Pass::new("Released").parameters(json!({"principal.$": "$.principal", "status": "released", "actions.$": "$.release.actions", "notes.$": "$.release.notes"})));

    let each = MapState::new("EachPrincipal")
        .items_path("$.case.principals")
        .item_selector(json!({"case.$": "$.case", "policy.$": "$.policy", "principal.$": "$$.Map.Item.Value", "execution.$": "$$.Execution.Id"}))
        .max_concurrency(10)
        .item_processor(release)
        .result_path("$.results.release")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let notify = Task::invoke::<Notify>("Notify")
        .with_path("case", "$.case")
        .with("topic_arn", json!("${NotificationTopicArn}"))
        .with(
            "outcome",
            json!("Credentials release: recorded state restored"),
        )
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let machine = StateMachine::new(
        ID,
        "Credentials release: reactivate keys, remove the case's deny policies and tags, as recorded.",
        intake(ID)
            .next(release_policy())
            .next(each)
            .next(notify)
            .next(Succeed::new("Done")),
    )
    .timeout(3600);

    Companion {
        id: ID,
        machine,
        triggers: vec![Trigger::Manual {
            playbook: ID.into(),
        }],
    }
}
