//! Settings release: the change was legitimate, so put back exactly what the case changed:
//! the revoked rules, the bucket's previous Block Public Access, a trail's stopped logging. Started by a responder: `irctl start settings-release --case CASE --resource sg-…
//! --reason ...`.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::playbooks::settings_recovery::read_policy;
use contract::tasks::settings::{ReleaseBucketPublicAccess, ReleaseTrailLogging, RestoreIngress};
use serde_json::json;

pub const ID: &str = "settings-release";

pub fn companion() -> Companion {
    let restore = Task::invoke::<RestoreIngress>("RestoreIngress")
        .comment("Authorize again the rules the case revoked.")
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.release")
        .catch(
            [STATES_ALL],
            "$.error",
            Pass::new("ReleaseFailed").parameters(json!({"resource.$": "$.resource.id", "status": "not released", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"})),
        )
        .next(Pass::new("Released").parameters(json!({"resource.$": "$.resource.id", "status": "released", "actions.$": "$.release.actions", "notes.$": "$.release.notes"})));

    let bucket = Task::invoke::<ReleaseBucketPublicAccess>("ReleaseBucketPublicAccess")
        .comment("Put the bucket's Block Public Access back to what the case recorded.")
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.release")
        .catch([STATES_ALL], "$.error", Chain::goto("ReleaseFailed"))
        .next(Chain::goto("Released"));
    let trail = Task::invoke::<ReleaseTrailLogging>("ReleaseTrailLogging")
        .comment("Stop the trail's logging again, when the case recorded it stopped.")
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.release")
        .catch([STATES_ALL], "$.error", Chain::goto("ReleaseFailed"))
        .next(Chain::goto("Released"));
    let route = Choice::new("ReleaseByType")
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3Bucket"),
            bucket,
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsCloudTrailTrail"),
            trail,
        )
        .otherwise(restore);

    let each = MapState::new("EachResource")
        .items_path("$.case.resources")
        .item_selector(json!({"case.$": "$.case", "policy.$": "$.policy", "resource.$": "$$.Map.Item.Value", "execution.$": "$$.Execution.Id"}))
        .item_processor(route);

    super::release::companion(
        ID,
        "Settings release: authorize again exactly the rules a settings case revoked.",
        read_policy(),
        each,
        "Settings release: the revoked rules are authorized again",
    )
}
