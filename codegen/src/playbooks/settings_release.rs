//! Settings release: the change was legitimate, so put back exactly what the case changed — the
//! revoked rules, the bucket's previous Block Public Access, a trail's stopped logging — and
//! record it as accepted. Started by a responder: `irctl start settings-release --case CASE
//! --resource sg-… --reason ...`.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::playbooks::settings_recovery::{read_policy, setting_task};
use contract::tasks::settings::{
    ReleaseAccountPublicAccess, ReleaseBucketPublicAccess, ReleaseTrailLogging, RestoreIngress,
};
use serde_json::json;

pub const ID: &str = "settings-release";

/// One setting's release: its task, then the shared `Released`, or `ReleaseFailed` on error.
fn release<T: contract::task::Task>(
    name: &str,
    comment: &str,
    failed: impl IntoChain,
    released: impl IntoChain,
) -> Chain {
    setting_task::<T>(name, comment, "$.release")
        .catch([STATES_ALL], "$.error", failed)
        .next(released)
}

pub fn companion() -> Companion {
    let restore = release::<RestoreIngress>(
        "RestoreIngress",
        "Authorize again the rules the case revoked.",
        Pass::new("ReleaseFailed").parameters(json!({"resource.$": "$.resource.id", "status": "not released", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"})),
        Pass::new("Released").parameters(json!({"resource.$": "$.resource.id", "status": "released", "actions.$": "$.release.actions", "notes.$": "$.release.notes"})),
    );
    let bucket = release::<ReleaseBucketPublicAccess>(
        "ReleaseBucketPublicAccess",
        "Put the bucket's Block Public Access back to what the case recorded.",
        Chain::goto("ReleaseFailed"),
        Chain::goto("Released"),
    );
    let trail = release::<ReleaseTrailLogging>(
        "ReleaseTrailLogging",
        "Stop the trail's logging again, when the case recorded it stopped.",
        Chain::goto("ReleaseFailed"),
        Chain::goto("Released"),
    );
    let account = release::<ReleaseAccountPublicAccess>(
        "ReleaseAccountPublicAccess",
        "Put the account's S3 Block Public Access back to what the case recorded.",
        Chain::goto("ReleaseFailed"),
        Chain::goto("Released"),
    );
    let route = Choice::new("ReleaseByType")
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3Bucket"),
            bucket,
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsCloudTrailTrail"),
            trail,
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3AccountPublicAccessBlock"),
            account,
        )
        .otherwise(restore);

    let each = MapState::new("EachResource")
        .items_path("$.case.resources")
        .item_selector(json!({"case.$": "$.case", "policy.$": "$.policy", "resource.$": "$$.Map.Item.Value", "execution.$": "$$.Execution.Id"}))
        .item_processor(route);

    super::release::companion(
        ID,
        "Settings release: put back exactly what a settings case changed (rules, Block Public Access, trail logging) and record it as accepted.",
        read_policy(),
        each,
        None,
        "Settings release: what the case changed is put back and accepted",
    )
}
