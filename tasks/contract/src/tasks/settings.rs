//! The settings-recovery playbook's steps: put a weakened security setting back, record what
//! was changed so a release can undo the recovery if the change was legitimate.
//!
//! First setting: security groups opened to the world on sensitive ports. Only the offending
//! rules are revoked, by rule id; a neighbouring restricted rule, or the rest of the group, is
//! never touched (users of comparable tools lost legitimate rules exactly so).

use super::{case_table, key_for_table, MUTATE_ERRORS};
use crate::case::Case;
use crate::lenient;
use crate::task::{Permission, Scope, Task};
use crate::tasks::outcome::Outcome;
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The playbook's policy, from the stack's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SettingsPolicy {
    /// Resources carrying this tag key are left alone; the skip is recorded.
    pub exemption_tag: String,
    /// Comma-separated ports that must never be open to the world (`all` for every protocol).
    pub sensitive_ports: String,
    /// Put the setting back; when false, only report (detect mode).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub recover: bool,
    /// The stack's case table.
    pub case_table: String,
    /// Comma-separated account ids whose settings are never recovered (the skip is recorded).
    #[serde(default)]
    pub exempt_accounts: String,
    /// The stack's `ResponderPrincipals`: their writes of `aws-ir:*` tags are theirs to make.
    #[serde(default)]
    pub responders: String,
    /// The ec2-compromise stack's case table, where aws-ir records its containment groups
    /// (never recovered here: they are world-open or rule-less by design); empty: none.
    #[serde(default)]
    pub containment_table: String,
}

impl SettingsPolicy {
    /// Whether `account` is exempt by policy.
    pub fn exempt_account(&self, account: &str) -> bool {
        !account.is_empty() && self.exempt_accounts.split(',').any(|a| a.trim() == account)
    }

    /// The sensitive ports, and whether an all-traffic rule counts (`all` in the list).
    pub fn ports(&self) -> (Vec<i32>, bool) {
        let mut ports = Vec::new();
        let mut all = false;
        for p in self
            .sensitive_ports
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if p == "all" {
                all = true;
            } else if let Ok(n) = p.parse() {
                ports.push(n);
            }
        }
        (ports, all)
    }
}

/// One weakened resource of a case.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SettingStep {
    pub case: Case,
    /// The resource id (`sg-…`).
    pub resource_id: String,
    pub policy: SettingsPolicy,
    pub execution: String,
}

/// A security group rule as recorded before it was revoked: enough to authorize it again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordedRule {
    pub rule_id: String,
    pub protocol: String,
    pub from_port: i32,
    pub to_port: i32,
    pub cidr_ipv4: String,
    pub cidr_ipv6: String,
    pub description: String,
}

const SECURITY_GROUPS: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*";

fn read_groups() -> Permission {
    Permission::new(
        "ReadSecurityGroups",
        &["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules"],
        Scope::Unscoped {
            reason: "EC2 Describe* actions do not support resource-level permissions (Service Authorization Reference, Amazon EC2).",
        },
    )
}

fn common() -> Vec<Permission> {
    vec![
        case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
        key_for_table(),
    ]
}

/// Who made the change: a role of aws-ir's (its own release) is never reverted.
fn read_actor_role() -> Permission {
    Permission::new(
        "ReadActorRole",
        &["iam:GetRole"],
        Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
    )
}

/// What an AWS Config rule checks, read from Config itself (`DescribeConfigRules`): accounts
/// run rules of their own (Control Tower, conformance packs, Security Hub's `securityhub-…`),
/// named as their authors chose; the source identifier says what they check.
pub struct IdentifyConfigRule;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct IdentifyConfigRuleInput {
    /// A case from an AWS Config compliance change: `finding_type` is the rule's name.
    pub case: Case,
    /// The stack's own custom rule for trail logging (`<stack>-trail-logging`).
    pub own_trail_rule: String,
}

impl Task for IdentifyConfigRule {
    const NAME: &'static str = "identify-config-rule";
    const TITLE: &'static str = "IdentifyConfigRule";
    const DESCRIPTION: &'static str = "Reads what the AWS Config rule behind a case checks (its owner, source identifier and parameters), whatever it is named.";
    type Input = IdentifyConfigRuleInput;
    type Output = crate::case::Check;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            "ReadConfigRules",
            &["config:DescribeConfigRules"],
            Scope::Unscoped {
                reason: "AWS Config DescribeConfigRules supports no resource-level permissions (Service Authorization Reference, AWS Config); it reads rule definitions only.",
            },
        )]
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
        ]
    }
}

/// Revokes the world-open ingress rules on sensitive ports of one group, by rule id.
pub struct RevokeOpenIngress;

impl Task for RevokeOpenIngress {
    const NAME: &'static str = "revoke-open-ingress";
    const TITLE: &'static str = "RevokeOpenIngress";
    const DESCRIPTION: &'static str = "Revokes only the ingress rules that open sensitive ports of a security group to the world, by rule id, after recording them.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(read_groups());
        p.push(Permission::new(
            "RevokeOffendingRules",
            &["ec2:RevokeSecurityGroupIngress"],
            Scope::Arn(SECURITY_GROUPS),
        ));
        p.push(read_actor_role());
        // aws-ir's containment groups, as the ec2-compromise stack recorded them.
        p.push(Permission::new(
            "ReadContainmentGroups",
            &["dynamodb:Query"],
            Scope::Arn("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${StackPrefix}-ec2-compromise-cases"),
        )
        .at_home());
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Authorizes again the rules a case revoked (the change was legitimate).
pub struct RestoreIngress;

impl Task for RestoreIngress {
    const NAME: &'static str = "restore-ingress";
    const TITLE: &'static str = "RestoreIngress";
    const DESCRIPTION: &'static str =
        "Authorizes again exactly the ingress rules a settings case revoked from a security group.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(read_groups());
        p.push(Permission::new(
            "RestoreRules",
            &["ec2:AuthorizeSecurityGroupIngress"],
            Scope::Arn(SECURITY_GROUPS),
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

const BUCKETS: &str = "arn:${AWS::Partition}:s3:::*";

/// Turns a bucket's Block Public Access back on (all four settings), after recording what it was.
pub struct BlockBucketPublicAccess;

impl Task for BlockBucketPublicAccess {
    const NAME: &'static str = "block-bucket-public-access";
    const TITLE: &'static str = "BlockBucketPublicAccess";
    const DESCRIPTION: &'static str =
        "Turns a bucket's Block Public Access settings back on, after recording what they were.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "RestoreBlockPublicAccess",
            &[
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketTagging",
            ],
            Scope::Arn(BUCKETS),
        ));
        p.push(read_actor_role());
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Puts a bucket's Block Public Access back to what a case recorded (the change was legitimate).
pub struct ReleaseBucketPublicAccess;

impl Task for ReleaseBucketPublicAccess {
    const NAME: &'static str = "release-bucket-public-access";
    const TITLE: &'static str = "ReleaseBucketPublicAccess";
    const DESCRIPTION: &'static str =
        "Puts a bucket's Block Public Access settings back to what a settings case recorded.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "PutBackBlockPublicAccess",
            &[
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
            ],
            Scope::Arn(BUCKETS),
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Account-level S3 actions name no resource (Service Authorization Reference, Amazon S3:
/// `PutAccountPublicAccessBlock` and `GetAccountPublicAccessBlock` have no resource types).
const ACCOUNT_LEVEL: &str = "S3's account-level Block Public Access actions support no resource-level permissions (Service Authorization Reference, Amazon S3).";

/// Turns the account's S3 Block Public Access back on (all four settings), after recording it.
pub struct BlockAccountPublicAccess;

impl Task for BlockAccountPublicAccess {
    const NAME: &'static str = "block-account-public-access";
    const TITLE: &'static str = "BlockAccountPublicAccess";
    const DESCRIPTION: &'static str = "Turns the account-level S3 Block Public Access settings back on, after recording what they were.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "RestoreAccountBlockPublicAccess",
            &[
                "s3:GetAccountPublicAccessBlock",
                "s3:PutAccountPublicAccessBlock",
            ],
            Scope::Unscoped {
                reason: ACCOUNT_LEVEL,
            },
        ));
        p.push(read_actor_role());
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Puts the account's S3 Block Public Access back to what a case recorded.
pub struct ReleaseAccountPublicAccess;

impl Task for ReleaseAccountPublicAccess {
    const NAME: &'static str = "release-account-public-access";
    const TITLE: &'static str = "ReleaseAccountPublicAccess";
    const DESCRIPTION: &'static str =
        "Puts the account-level S3 Block Public Access settings back to what a settings case recorded.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "PutBackAccountBlockPublicAccess",
            &[
                "s3:GetAccountPublicAccessBlock",
                "s3:PutAccountPublicAccessBlock",
            ],
            Scope::Unscoped {
                reason: ACCOUNT_LEVEL,
            },
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// A trail delivering to CloudWatch Logs names the role CloudTrail assumes for it: creating or
/// updating such a trail passes that role.
fn pass_trail_logs_role() -> Permission {
    Permission::new(
        "PassTrailLogsRole",
        &["iam:PassRole"],
        Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"),
    )
    .when(
        "StringEquals",
        "iam:PassedToService",
        &["cloudtrail.amazonaws.com"],
    )
}

/// Any region: a multi-region trail lives in its home region but is seen (and stopped) from all.
const TRAILS: &str = "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*";

/// Starts a trail's logging again after someone stopped it, and puts back a trail someone
/// changed, recording what it was. A deleted trail is created again. Both come from the
/// configuration the Config rule kept of it (a deleted organization trail, or one never seen,
/// fails with the commands to run).
pub struct RestartTrailLogging;

impl Task for RestartTrailLogging {
    const NAME: &'static str = "restart-trail-logging";
    const TITLE: &'static str = "RestartTrailLogging";
    const DESCRIPTION: &'static str =
        "Starts a CloudTrail trail's logging again and puts its kept configuration back (a deleted trail is created again as it was), after recording what it was.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "RestartLogging",
            &[
                "cloudtrail:GetTrail",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
                "cloudtrail:GetInsightSelectors",
                "cloudtrail:ListTags",
                "cloudtrail:StartLogging",
            ],
            Scope::Arn(TRAILS),
        ));
        // CreateTrail with TagsList is authorized as AddTags too (CloudTrail User Guide,
        // "Identity-based policy examples").
        p.push(Permission::new(
            "PutTrailBack",
            &[
                "cloudtrail:CreateTrail",
                "cloudtrail:AddTags",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:PutInsightSelectors",
            ],
            Scope::Arn(TRAILS),
        ));
        p.push(pass_trail_logs_role());
        p.push(read_actor_role());
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Undoes a trail's recovery when the change was legitimate: stops its logging again, makes the
/// recorded change again, or deletes again the trail the case created.
pub struct ReleaseTrailLogging;

impl Task for ReleaseTrailLogging {
    const NAME: &'static str = "release-trail-logging";
    const TITLE: &'static str = "ReleaseTrailLogging";
    const DESCRIPTION: &'static str =
        "Stops a trail's logging again, changes it again or deletes it again, when a settings case undid that (the change was legitimate).";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        let mut p = common();
        p.push(Permission::new(
            "StopLoggingAsRecorded",
            &["cloudtrail:GetTrailStatus", "cloudtrail:StopLogging"],
            Scope::Arn(TRAILS),
        ));
        // A trail the case created again is deleted (only if its recreated-by tag names the
        // case); a trail it put back gets the change again.
        p.push(Permission::new(
            "UndoTrailRecovery",
            &[
                "cloudtrail:GetTrail",
                "cloudtrail:GetEventSelectors",
                "cloudtrail:GetInsightSelectors",
                "cloudtrail:ListTags",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:PutInsightSelectors",
            ],
            Scope::Arn(TRAILS),
        ));
        p.push(pass_trail_logs_role());
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// What AWS Config sends a custom rule's Lambda ("Example Events for AWS Config Rules", AWS
/// Config Developer Guide).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigRuleInvocation {
    /// JSON text: `configurationItem` (a change) or a scheduled notification, and `messageType`.
    pub invoking_event: String,
    /// The token `PutEvaluations` must quote.
    pub result_token: String,
    pub config_rule_name: String,
    /// The resource left the rule's scope: it is NOT_APPLICABLE now.
    #[serde(default)]
    pub event_left_scope: bool,
    #[serde(default)]
    pub rule_parameters: Option<String>,
    #[serde(default)]
    pub account_id: String,
}

/// One resource's evaluation, as put to AWS Config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleEvaluation {
    pub resource_type: String,
    pub resource_id: String,
    /// COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.
    pub compliance: String,
    pub annotation: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RuleEvaluations {
    pub evaluations: Vec<RuleEvaluation>,
}

/// The custom AWS Config rule behind the trail recovery: a trail is compliant while it logs.
/// No managed rule evaluates each trail's logging status (`cloudtrail-enabled` checks the
/// account), so this one does; Config invokes it on a trail's change and every hour. It keeps
/// each trail's configuration on the way (the stack passes the case table as `caseTable`), so
/// that a deleted trail can be created again.
pub struct EvaluateTrailLogging;

impl Task for EvaluateTrailLogging {
    const NAME: &'static str = "evaluate-trail-logging";
    const TITLE: &'static str = "EvaluateTrailLogging";
    const DESCRIPTION: &'static str =
        "AWS Config custom rule: a CloudTrail trail is NON_COMPLIANT while its logging is stopped.";
    type Input = ConfigRuleInvocation;
    type Output = RuleEvaluations;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "ReadTrails",
                &[
                    "cloudtrail:GetTrail",
                    "cloudtrail:GetTrailStatus",
                    "cloudtrail:GetEventSelectors",
                    "cloudtrail:GetInsightSelectors",
                    "cloudtrail:ListTags",
                ],
                Scope::Arn(TRAILS),
            ),
            // Each trail's configuration, kept for its re-creation once deleted.
            case_table(&["dynamodb:UpdateItem"]),
            key_for_table(),
            Permission::new(
                "ListTrails",
                &["cloudtrail:ListTrails"],
                Scope::Unscoped {
                    reason: "CloudTrail ListTrails supports no resource-level permissions (Service Authorization Reference, AWS CloudTrail).",
                },
            ),
            Permission::new(
                "ReportEvaluations",
                &["config:PutEvaluations"],
                Scope::Unscoped {
                    reason: "AWS Config PutEvaluations supports no resource-level permissions; the result token ties each call to its rule (Service Authorization Reference, AWS Config).",
                },
            ),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
        ]
    }
}

/// A bucket's Block Public Access as recorded before the recovery (`present`: a configuration
/// existed at all).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecordedBlock {
    pub present: bool,
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

/// Undoes a write of an `aws-ir:*` tag by anyone but aws-ir or a responder: such tags steer the
/// response (exclusions, opt-ins, case marks), and a principal may tag itself.
pub struct GuardAwsIrTags;

impl Task for GuardAwsIrTags {
    const NAME: &'static str = "guard-aws-ir-tags";
    const TITLE: &'static str = "GuardAwsIrTags";
    const DESCRIPTION: &'static str = "Removes an aws-ir:* tag written by anyone but aws-ir or a responder (an instance, role, user, bucket or trail exempting itself), recorded and reported.";
    type Input = SettingStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        // No case table: the guard records what it removed in its outcome and the report.
        let mut p = vec![read_actor_role()];
        p.push(
            Permission::new(
                "RemoveAwsIrEc2Tags",
                &["ec2:DeleteTags"],
                Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:*/*"),
            )
            .when("ForAllValues:StringLike", "aws:TagKeys", &["aws-ir:*"]),
        );
        p.push(
            Permission::new(
                "RemoveAwsIrIamTags",
                &["iam:UntagRole", "iam:UntagUser"],
                Scope::Arns(&[
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*",
                    "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*",
                ]),
            )
            .when("ForAllValues:StringLike", "aws:TagKeys", &["aws-ir:*"]),
        );
        p.push(
            Permission::new(
                "RemoveAwsIrTrailTags",
                &["cloudtrail:RemoveTags"],
                Scope::Arn(
                    "arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/*",
                ),
            )
            .when("ForAllValues:StringLike", "aws:TagKeys", &["aws-ir:*"]),
        );
        // S3 rewrites a bucket's tags whole: no key condition exists for it.
        p.push(Permission::new(
            "RewriteBucketTags",
            &["s3:GetBucketTagging", "s3:PutBucketTagging"],
            Scope::Arn("arn:${AWS::Partition}:s3:::*"),
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_ports_parse_with_all() {
        let p = SettingsPolicy {
            exemption_tag: String::new(),
            sensitive_ports: "22, 3389,all,x".into(),
            recover: true,
            case_table: String::new(),
            exempt_accounts: "111111111111, 222222222222".into(),
            responders: String::new(),
            containment_table: String::new(),
        };
        assert_eq!(p.ports(), (vec![22, 3389], true));
        assert!(p.exempt_account("222222222222"));
        assert!(!p.exempt_account("123456789012"));
        assert!(!p.exempt_account(""));
    }
}
