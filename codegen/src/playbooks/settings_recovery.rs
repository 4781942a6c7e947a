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
use crate::cfn::{ref_, Parameter};
use crate::constructs::evidence::CASE_TABLE;
use crate::constructs::playbook::Playbook;
use crate::constructs::trigger::{ConfigRule, RuleSource, Trigger};
use crate::playbooks::intake::{intake, notify, screen_account, REPORT_FAILURE};
use contract::case::SeverityLabel;
use contract::tasks::settings::{
    BlockAccountPublicAccess, BlockBucketPublicAccess, EvaluateTrailLogging, GuardAwsIrTags,
    IdentifyConfigRule, RestartTrailLogging, RevokeOpenIngress,
};
use contract::tasks::ClaimCase;
use serde_json::json;

pub const ID: &str = "settings-recovery";

/// API calls that open a security group.
pub const SECURITY_GROUP_CALLS: [&str; 2] =
    ["AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules"];

/// API calls that stop a trail's logging, delete it, or change where it writes and what it
/// covers (an update can point it elsewhere; selectors can leave management events out).
pub const TRAIL_CALLS: [&str; 4] = [
    "StopLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
];

/// API calls that weaken a bucket's, or the account's, S3 Block Public Access.
/// (S3 Control's own names, `PutPublicAccessBlock`/`DeletePublicAccessBlock`, are the account's
/// too when no bucket is named: the normalizer tells them apart.)
pub const BUCKET_CALLS: [&str; 6] = [
    "DeleteBucketPublicAccessBlock",
    "PutBucketPublicAccessBlock",
    "DeleteAccountPublicAccessBlock",
    "PutAccountPublicAccessBlock",
    "DeletePublicAccessBlock",
    "PutPublicAccessBlock",
];

pub fn policy_parameters() -> Vec<(&'static str, Parameter)> {
    vec![
        ("ExemptionTagKey", Parameter::string("Resources with this tag key are never recovered; the skip is recorded.").default(json!(contract::tags::defaults::EXEMPT))),
        ("SensitivePorts", Parameter::string("Comma-separated ports that must never be open to 0.0.0.0/0 or ::/0 (`all`: an all-traffic rule counts too).").default(json!("22,3389,1433,1521,3306,5432,6379,9200,11211,27017,all")).pattern("^(all|[0-9]{1,5})(,(all|[0-9]{1,5}))*$")),
        ("ExemptAccounts", Parameter::string("Comma-separated account ids whose settings are never recovered (e.g. a sandbox); the skip is recorded.").default(json!("")).pattern("^([0-9]{12}(,[0-9]{12})*)?$")),
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
            "exempt_accounts": "${ExemptAccounts}",
            "responders": format!("${{{}}}", contract::trust::RESPONDERS_PARAMETER),
            "containment_table": format!("${{{}}}", crate::constructs::playbook::peer_table_variable(super::ec2_compromise::ID)),
        }))
        .result_path("$.policy")
}

/// A task on one resource of the case (`SettingStep`), as the recovery and the release invoke it.
pub(super) fn setting_task<T: contract::task::Task>(
    name: &str,
    comment: &str,
    result: &str,
) -> Task {
    Task::invoke::<T>(name)
        .comment(comment)
        .with_path("case", "$.case")
        .with_path("resource_id", "$.resource.id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path(result)
}

/// One setting's recovery: its task, then the resource's compact result (what was done, or why
/// nothing was). A failure goes to `failed` (the shared `RecoveryFailed`).
fn recovery<T: contract::task::Task>(
    name: &str,
    comment: &str,
    checked: &str,
    failed: impl IntoChain,
) -> Chain {
    let result = format!("$.results.{}", name);
    setting_task::<T>(name, comment, &result)
        .catch([STATES_ALL], "$.error", failed)
        .next(
            Pass::new(checked)
                .comment("The resource's compact result: what was put back, or why nothing was.")
                .parameters(json!({
                    "resource.$": "$.resource.id",
                    "type.$": "$.resource.resource_type",
                    "status.$": format!("{result}.status"),
                    "actions.$": format!("{result}.actions"),
                    "notes.$": format!("{result}.notes"),
                })),
        )
}

fn per_resource() -> Chain {
    let failed = Pass::new("RecoveryFailed")
        .comment("The setting could not be recovered: reported with the error.")
        .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status": "failed", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"}));
    Choice::new("RecoverByType")
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsEc2SecurityGroup"),
            recovery::<RevokeOpenIngress>(
                "RevokeOpenIngress",
                "Only the world-open rules on sensitive ports, by rule id, recorded first.",
                "SecurityGroupChecked",
                failed,
            ),
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3Bucket"),
            recovery::<BlockBucketPublicAccess>(
                "BlockBucketPublicAccess",
                "All four Block Public Access settings back on, the previous ones recorded first.",
                "BucketChecked",
                Chain::goto("RecoveryFailed"),
            ),
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsS3AccountPublicAccessBlock"),
            recovery::<BlockAccountPublicAccess>(
                "BlockAccountPublicAccess",
                "The account's four S3 Block Public Access settings back on, the previous ones recorded first.",
                "AccountChecked",
                Chain::goto("RecoveryFailed"),
            ),
        )
        .when(
            Condition::or([
                Condition::string_equals("$.resource.resource_type", "AwsIrTagAdded"),
                Condition::string_equals("$.resource.resource_type", "AwsIrTagRemoved"),
            ]),
            recovery::<GuardAwsIrTags>(
                "GuardAwsIrTags",
                "An aws-ir tag written by anyone but aws-ir or a responder: removed and reported.",
                "TagChecked",
                Chain::goto("RecoveryFailed"),
            ),
        )
        .when(
            Condition::string_equals("$.resource.resource_type", "AwsCloudTrailTrail"),
            recovery::<RestartTrailLogging>(
                "RestartTrailLogging",
                "Logging started again and a changed trail put back as kept, what it was recorded first; a deleted trail is created again as it was kept.",
                "TrailChecked",
                Chain::goto("RecoveryFailed"),
            ),
        )
        .otherwise(
            Pass::new("NotRecoverable")
                .comment("A setting this playbook does not recover yet: reported only.")
                .parameters(json!({"resource.$": "$.resource.id", "type.$": "$.resource.resource_type", "status": "reported", "detail": "this playbook does not recover this kind of setting yet; it is reported only"})),
        )
        .into_chain()
}

/// The safety net: AWS Config evaluates the same settings on every change and periodically, so a
/// change whose CloudTrail event was missed (a trigger disabled, an event lost) is still put
/// back. Managed rules where AWS has one; the trail's logging status has none.
fn config_rules() -> Trigger {
    let sg = vec!["AWS::EC2::SecurityGroup"];
    Trigger::ConfigRules {
        rules: vec![
            ConfigRule {
                id: "RestrictedSsh",
                name: "restricted-ssh",
                description: "Security groups must not allow SSH (22) from 0.0.0.0/0 or ::/0.",
                resource_types: sg.clone(),
                source: RuleSource::Managed { identifier: "INCOMING_SSH_DISABLED", parameters: json!({}) },
            },
            ConfigRule {
                id: "RestrictedPorts",
                name: "restricted-common-ports",
                description: "Security groups must not open remote-access and database ports to the world.",
                resource_types: sg,
                source: RuleSource::Managed {
                    identifier: "RESTRICTED_INCOMING_TRAFFIC",
                    parameters: json!({"blockedPorts": CONFIG_BLOCKED_PORTS}),
                },
            },
            ConfigRule {
                id: "BucketPublicAccess",
                name: "bucket-public-access-blocked",
                description: "Every bucket must block public access.",
                resource_types: vec!["AWS::S3::Bucket"],
                source: RuleSource::Managed { identifier: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", parameters: json!({}) },
            },
            ConfigRule {
                id: "AccountPublicAccess",
                name: "account-public-access-blocked",
                description: "The account-level S3 Block Public Access must block all public access.",
                resource_types: vec!["AWS::S3::AccountPublicAccessBlock"],
                source: RuleSource::Managed { identifier: "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS", parameters: json!({}) },
            },
            ConfigRule {
                id: "TrailLogging",
                name: TRAIL_RULE,
                description: "Every CloudTrail trail must be logging (custom rule: aws-ir evaluate-trail-logging).",
                resource_types: vec!["AWS::CloudTrail::Trail"],
                // It keeps each trail's configuration in the case table, for re-creation.
                source: RuleSource::Custom {
                    task: Box::new(TaskInfo::of::<EvaluateTrailLogging>()),
                    parameters: json!({"caseTable": ref_(CASE_TABLE)}),
                },
            },
        ],
    }
}

/// The stack's custom rule for trail logging, named `<stack>-trail-logging`.
const TRAIL_RULE: &str = "trail-logging";

/// The default sensitive ports other than SSH (its own rule) and `all`, for the managed rule.
const CONFIG_BLOCKED_PORTS: &str = "3389,1433,1521,3306,5432,6379,9200,11211,27017";

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

    let claim = Task::invoke::<ClaimCase>("ClaimCase")
        .comment("One execution per case: EventBridge delivers at least once, and CloudTrail or Config may re-send.")
        .with_path("case", "$.case")
        .with_path("case_table", "$.policy.case_table")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.claim")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    // A Config rule is known by what it checks (its source identifier), not by its name: the
    // account's own rules (Control Tower, conformance packs, Security Hub's) count as much as
    // the stack's, and each is answered by its own check.
    let identify = Choice::new("FromConfigRule")
        .comment("A Config compliance change: read what the rule checks before anything is done.")
        .when(
            Condition::string_equals("$.case.source", "Config"),
            Task::invoke::<IdentifyConfigRule>("IdentifyConfigRule")
                .comment("Owner, source identifier and parameters, from AWS Config itself.")
                .with_path("case", "$.case")
                .with(
                    "own_trail_rule",
                    json!(format!(
                        "${{{}}}-{}",
                        crate::constructs::playbook::STACK_NAME,
                        TRAIL_RULE
                    )),
                )
                .result_path("$.case.check")
                .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE)),
        )
        .otherwise_continue();

    let not_applicable = Pass::new("NotApplicable")
        .comment("Not a weakened setting (a failed call, another kind of case, a sample).")
        .result(json!([{"resource": "-", "status": "not applicable", "detail": "the case names no weakened security setting"}]))
        .result_path("$.results.resources");

    let notify = notify()
        .comment("What changed, who did it, what was put back and how to undo the recovery.")
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
            read_policy().next(claim).next(
                Choice::new("FirstDelivery")
                    .comment("The same event delivered again is answered once: by the first execution.")
                    .when(Condition::boolean_equals("$.claim.ours", true), identify.next(each))
                    .otherwise(
                        Pass::new("AlreadyHandled")
                            .comment("Another execution handles this case; nothing is changed or notified twice.")
                            .parameters(json!({"case.$": "$.case.case_id", "status": "already handled", "by.$": "$.claim.by"}))
                            .next(Chain::goto("Done")),
                    ),
            ),
        )
        .otherwise(not_applicable);

    let machine = StateMachine::new(
        ID,
        "Settings recovery: per weakened resource, put the setting back (security groups: only the world-open rules on sensitive ports, recorded first); notify with who changed it and how to undo.",
        intake(ID).next(screen_account()).next(route).next(notify).next(Succeed::new("Done")),
    )
    .timeout(3600);

    let mut parameters = policy_parameters();
    parameters.extend(super::release::parameters());
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
                event_source: "cloudtrail.amazonaws.com".into(),
                event_names: TRAIL_CALLS.iter().map(|s| s.to_string()).collect(),
            },
            Trigger::CloudTrailApiCall {
                event_source: "s3.amazonaws.com".into(),
                event_names: BUCKET_CALLS.iter().map(|s| s.to_string()).collect(),
            },
            // Security Hub's own controls (EC2.13/EC2.19 open ports, S3.1/S3.8 public access,
            // CloudTrail.1/.2): a FAILED control on one of these resources is the same drift.
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::Medium, SeverityLabel::High, SeverityLabel::Critical],
                products: vec!["Security Hub".into()],
                exclude_products: vec![],
                // ASFF names the account-level Block Public Access (control S3.1) as the account.
                resource_types: ["AwsEc2SecurityGroup", "AwsS3Bucket", "AwsCloudTrailTrail", "AwsAccount"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                resource_tag: None,
                remote_address: false,
            },
            Trigger::SecurityHubCustomAction {
                id: "Restore".into(),
                name: "Restore setting".into(),
                description: "Put back the weakened security settings of the selected findings with the aws-ir settings-recovery playbook.".into(),
            },
            config_rules(),
            // The tag guard: aws-ir's tags written by anyone (the task tells who may).
            Trigger::TagWrites {
                prefix: contract::tags::PREFIX,
            },
            Trigger::Manual { playbook: ID.into() },
        ],
        parameters,
        companions: vec![super::settings_release::companion()],
    }
}
