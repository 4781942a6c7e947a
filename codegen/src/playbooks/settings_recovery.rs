//! Settings recovery: when someone weakens a security setting, put it back within seconds, tell
//! the owner who did it, and keep a record that lets a release undo the recovery if the change
//! was legitimate (`settings-release`).
//!
//! Per resource the case names (a Map): a Choice on the resource type routes to that setting's
//! recovery task. Security groups come first: only the ingress rules that open a sensitive port
//! to the world are revoked, by rule id, after being recorded; an exemption tag, detect-only
//! policy and aws-ir's own changes (no loops) are recorded skips. Adding a setting is one task
//! and one branch here.

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::Playbook;
use crate::constructs::trigger::Trigger;
use crate::playbooks::intake::{intake, REPORT_FAILURE};
use contract::tasks::settings::{BlockBucketPublicAccess, RevokeOpenIngress};
use contract::tasks::Notify;
use serde_json::json;

pub const ID: &str = "settings-recovery";

/// API calls that open a security group.
pub const SECURITY_GROUP_CALLS: [&str; 2] =
    ["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"];

/// API calls that weaken a bucket's Block Public Access.
pub const BUCKET_CALLS: [&str; 2] = [
    "DeleteBucketPublicAccessBlock",
    "PutBucketPublicAccessBlock",
];

pub fn policy_parameters() -> Vec<(&'static str, Parameter)> {
    vec![
        ("ExemptionTagKey", Parameter::string("Resources with this tag key are never recovered; the skip is recorded.").default(json!("aws-ir:exempt"))),
        ("SensitivePorts", Parameter::string("Comma-separated ports that must never be open to 0.0.0.0/0 or ::/0 (`all`: an all-traffic rule counts too).").default(json!("22,3389,1433,1521,3306,5432,6379,9200,11211,27017,all")).pattern("^(all|[0-9]{1,5})(,(all|[0-9]{1,5}))*$")),
        ("Recover", Parameter::string("true: put the setting back; false: detect and report only.").default(json!("true")).allowed(&[json!("true"), json!("false")])),
    ]
}

/// The policy every step receives (the release reads the same).
pub fn read_policy() -> Pass {
    Pass::new("ReadPolicy")
        .comment("The stack's parameters and stores, as the policy every step receives.")
        .parameters(json!({
            "exemption_tag": "${ExemptionTagKey}",
            "sensitive_ports": "${SensitivePorts}",
            "recover": "${Recover}",
            "case_table": "${CaseTableName}",
        }))
        .result_path("$.policy")
}

fn per_resource() -> Chain {
    let failed = Pass::new("RecoveryFailed")
        .comment("The setting could not be recovered: reported with the error.")
        .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status": "failed", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"}));
    let revoke = Task::invoke::<RevokeOpenIngress>("RevokeOpenIngress")
        .comment("Only the world-open rules on sensitive ports, by rule id, recorded first.")
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.results.revoke")
        .catch([STATES_ALL], "$.error", failed)
        .next(
            Pass::new("SecurityGroupChecked")
                .comment("The group's compact result: what was revoked, or why nothing was.")
                .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status.$": "$.results.revoke.status", "actions.$": "$.results.revoke.actions", "notes.$": "$.results.revoke.notes"})),
        );
    let block = Task::invoke::<BlockBucketPublicAccess>("BlockBucketPublicAccess")
        .comment("All four Block Public Access settings back on, the previous ones recorded first.")
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.results.block")
        .catch([STATES_ALL], "$.error", Chain::goto("RecoveryFailed"))
        .next(
            Pass::new("BucketChecked")
                .comment("The bucket's compact result.")
                .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status.$": "$.results.block.status", "actions.$": "$.results.block.actions", "notes.$": "$.results.block.notes"})),
        );
    Choice::new("RecoverByType")
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsEc2SecurityGroup"),
            revoke,
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3Bucket"),
            block,
        )
        .otherwise(
            Pass::new("NotRecoverable")
                .comment("A setting this playbook does not recover yet: reported only.")
                .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status": "reported", "detail": "this playbook does not recover this kind of setting yet; it is reported only"})),
        )
        .into_chain()
}

pub fn playbook() -> Playbook {
    let each = MapState::new("EachResource")
        .comment("Every weakened resource the case names.")
        .items_path("$.case.resources")
        .item_selector(json!({
            "case.$": "$.case",
            "policy.$": "$.policy",
            "resource.$": "$$.Map.Item.Value",
            "execution.$": "$$.Execution.Id",
            "results": {},
        }))
        .max_concurrency(10)
        .item_processor(per_resource())
        .result_path("$.results.resources")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let not_applicable = Pass::new("NotApplicable")
        .comment("Not a weakened setting (a failed call, another kind of case, a sample).")
        .result(json!([{"resource": "-", "status": "not applicable", "detail": "the case names no weakened security setting"}]))
        .result_path("$.results.resources");

    let notify = Task::invoke::<Notify>("Notify")
        .comment("What changed, who did it, what was put back and how to undo the recovery.")
        .with_path("case", "$.case")
        .with("topic_arn", json!("${NotificationTopicArn}"))
        .with_path("outcome", "States.Format('Settings recovery for case {}. If the change was legitimate: irctl start settings-release --case {} --resource ID --reason ...', $.case.case_id, $.case.case_id)")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let route = Choice::new("HasWeakenedSetting")
        .comment("Only successful calls that weaken a setting, naming the resource.")
        .when(
            Condition::and([
                Condition::string_equals("$.case.kind", "SecuritySetting"),
                Condition::is_present("$.case.resources[0]", true),
                Condition::boolean_equals("$.case.sample", false),
            ]),
            read_policy().next(each),
        )
        .otherwise(not_applicable);

    let machine = StateMachine::new(
        ID,
        "Settings recovery: per weakened resource, put the setting back (security groups: only the world-open rules on sensitive ports, recorded first); notify with who changed it and how to undo.",
        intake(ID).next(route).next(notify).next(Succeed::new("Done")),
    )
    .timeout(3600);

    let mut parameters = policy_parameters();
    parameters.sort_by_key(|(n, _)| *n);
    Playbook {
        id: ID,
        title: "Settings recovery",
        description: "Puts weakened security settings back within seconds of the API call, recorded and reversible.",
        machine,
        triggers: vec![
            Trigger::CloudTrailApiCall {
                event_source: "ec2.amazonaws.com".into(),
                event_names: SECURITY_GROUP_CALLS.iter().map(|s| s.to_string()).collect(),
            },
            Trigger::CloudTrailApiCall {
                event_source: "s3.amazonaws.com".into(),
                event_names: BUCKET_CALLS.iter().map(|s| s.to_string()).collect(),
            },
            Trigger::Manual { playbook: ID.into() },
        ],
        parameters,
        companions: vec![super::settings_release::companion()],
    }
}
