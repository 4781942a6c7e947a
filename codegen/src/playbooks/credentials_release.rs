//! Credentials release: put principals back exactly as the case recorded them. Started by a
//! responder with the case id: `irctl start credentials-release --case CASE --access-key KEY
//! (or --principal ARN) --reason ...`.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::playbooks::credentials_compromise::read_policy;
use contract::tasks::credentials::ReleaseCredentials;
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
        .item_processor(release);

    super::release::companion(
        ID,
        "Credentials release: reactivate keys, remove the case's deny policies and tags, as recorded.",
        read_policy(),
        each,
        None,
        "Credentials release: recorded state restored",
    )
}
