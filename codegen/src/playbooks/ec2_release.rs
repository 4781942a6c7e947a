//! EC2 release: put contained instances back exactly as they were recorded before containment.
//! Started by a responder with the case id: `irctl start ec2-release --case CASE --instance ID
//! --reason ...`.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::playbooks::ec2_compromise::read_policy;
use contract::tasks::custody::LogRelease;
use contract::tasks::ec2::ReleaseInstance;
use serde_json::json;

pub const ID: &str = "ec2-release";

/// The release machine, deployed in the ec2-compromise stack (it reads that stack's records).
pub fn companion() -> Companion {
    let release = Task::invoke::<ReleaseInstance>("ReleaseInstance")
        .comment("Restore the recorded pre-state of this instance.")
        .with_path("case", "$.case")
        .with_path("instance_id", "$.instance_id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.release")
        .catch(
            [STATES_ALL],
            "$.error",
            Pass::new("ReleaseFailed").parameters(json!({"instance_id.$": "$.instance_id", "status": "not released", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"})),
        )
        .next(Pass::new("Released").parameters(json!({"instance_id.$": "$.instance_id", "status": "released", "actions.$": "$.release.actions", "notes.$": "$.release.notes"})));

    let each = MapState::new("EachInstance")
        .items_path("$.case.instances")
        .item_selector(json!({"case.$": "$.case", "policy.$": "$.policy", "instance_id.$": "$$.Map.Item.Value.instance_id", "execution.$": "$$.Execution.Id"}))
        .item_processor(release);

    // The evidence stays locked; the custody log records who let the instances go.
    let log = Task::invoke::<LogRelease>("LogRelease")
        .comment("Append who released each instance, why, and its sealed hashes to the custody log.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .with_path("released", "$.results.release")
        .result_path("$.results.custody_log")
        .catch(
            [STATES_ALL],
            "$.error",
            Pass::new("ReleaseNotLogged")
                .parameters(json!({"status": "not logged", "detail.$": "States.Format('{}: {}; the instances are released, the custody log lacks the entry', $.error.Error, $.error.Cause)"}))
                .result_path("$.results.custody_log")
                .next(Chain::goto("Outcome")),
        );
    super::release::companion(
        ID,
        "EC2 release: restore contained instances to their recorded pre-state.",
        read_policy(),
        each,
        Some(log),
        "EC2 release: recorded pre-state restored",
    )
}
