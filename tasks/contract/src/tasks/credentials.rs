//! The compromised-credentials playbook's steps: one task Lambda each, so that each holds only
//! the IAM actions of its own cut.
//!
//! Every step takes the case, one principal the case names and the playbook's policy. The
//! assessment resolves the principal (an access key to its user; an assumed-role session to its
//! role and, for instance credentials, the instance) and records its pre-state; the cuts return
//! the ec2 playbook's [`Outcome`] shape, so records and notifications read the same.

use super::{case_table, key_for_table, MUTATE_ERRORS};
use crate::case::{Case, PrincipalRef};
use crate::lenient;
use crate::task::{Permission, Scope, Task};
use crate::tasks::outcome::Outcome;
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The playbook's policy, from the stack's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CredentialsPolicy {
    /// Users and roles carrying this tag key are left alone (break-glass), recorded as excluded.
    pub exclusion_tag: String,
    /// Comma-separated user or role names that are never touched (break-glass by name).
    pub excluded_principals: String,
    /// Principals carrying this tag key are contained only after a responder approves.
    pub protected_tag: String,
    /// Cases below this severity (0–10) wait for approval.
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub min_severity_automatic: f64,
    /// Seconds a responder has to answer an approval request; the machine's approval wait reads
    /// it (`TimeoutSecondsPath`), the tasks do not (so a caller of a task alone may leave it out).
    #[serde(default, deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub approval_timeout_seconds: f64,
    /// `proceed` or `skip` when nobody answers an approval request in time.
    pub on_approval_timeout: String,
    /// Attach a deny-all inline policy to a compromised user.
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub user_deny_all: bool,
    /// Delete a compromised user's console password (it cannot be restored, only reset).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub remove_console_login: bool,
    /// When a role's instance credentials were used elsewhere, hand the instance they were
    /// issued to over to the ec2-compromise playbook (a manual request on the default bus).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub contain_source_instance: bool,
    /// The stack's case table.
    pub case_table: String,
    /// The key that seals the pre-state (the release checks the seal before acting on it).
    #[serde(default)]
    pub record_key: String,
}

impl CredentialsPolicy {
    pub fn excluded_name(&self, name: &str) -> bool {
        self.excluded_principals
            .split(',')
            .map(str::trim)
            .any(|n| !n.is_empty() && n == name)
    }
}

/// The common input of the per-principal steps.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PrincipalStep {
    pub case: Case,
    /// The principal as the case names it.
    pub principal: PrincipalRef,
    pub policy: CredentialsPolicy,
    /// The execution running the step: claims and records name it.
    pub execution: String,
}

/// A cut's input: the step and the principal as the assessment resolved it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CutStep {
    pub case: Case,
    pub target: PrincipalAssessment,
    pub policy: CredentialsPolicy,
    pub execution: String,
}

/// Name of the inline policy that denies a role's sessions issued before the cut.
pub fn revocation_policy_name(case_id: &str) -> String {
    format!("aws-ir-revoke-{case_id}")
}

/// Name of the inline policy that denies a user everything.
pub fn deny_all_policy_name(case_id: &str) -> String {
    format!("aws-ir-deny-{case_id}")
}

/// Who the principal is, live, and what to do about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrincipalAssessment {
    /// `proceed`, `skip` or `approve` (wait for a responder).
    pub decision: String,
    pub reason: String,
    /// `access-key` (a user's long-term key), `role` (sessions of a role), `user`, `root`.
    pub kind: String,
    /// The case-table item key: `principal#key/AKIA…`, `principal#role/NAME`, `principal#user/NAME`.
    pub id: String,
    pub user_name: String,
    pub role_name: String,
    pub access_key_id: String,
    /// Instances whose profile holds the role (they lose their current sessions too).
    pub sharing_instances: Vec<String>,
    /// The instance the credentials were issued to (instance credentials), if any.
    pub source_instance: String,
    /// The command that undoes this principal's cut.
    pub release_command: String,
}

/// What the playbook may change on a principal, recorded before the first change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CredentialsPreState {
    pub id: String,
    pub kind: String,
    pub user_name: String,
    pub role_name: String,
    pub access_key_id: String,
    /// `Active` or `Inactive` before the cut (access keys).
    pub key_status: String,
    /// The user had a console password (it cannot be restored; only a new one can be set).
    pub login_profile: bool,
    /// The principal's tags before the cut.
    pub tags: BTreeMap<String, String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

const IAM_USERS: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*";
const IAM_ROLES: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*";

// The cuts may touch any user or role except aws-ir's own: codegen adds an explicit deny on
// aws-ir's role path to every task that writes roles, so IAM itself refuses, whatever the
// task's code decides. (A tag would not do: a principal may tag itself.)

/// Resolves a principal live, decides, and records its pre-state before any cut.
pub struct AssessPrincipal;

impl Task for AssessPrincipal {
    const NAME: &'static str = "assess-principal";
    const TITLE: &'static str = "AssessPrincipal";
    const DESCRIPTION: &'static str = "Resolves a principal (access key to user, session to role and instance), decides whether to cut it off, skip it or ask, and records its pre-state.";
    type Input = PrincipalStep;
    type Output = PrincipalAssessment;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "ReadPrincipals",
                &[
                    "iam:GetAccessKeyLastUsed",
                    "iam:ListAccessKeys",
                    "iam:GetUser",
                    "iam:GetRole",
                    "iam:GetLoginProfile",
                    "iam:ListInstanceProfilesForRole",
                ],
                Scope::Arns(&[IAM_USERS, IAM_ROLES]),
            ),
            Permission::new(
                "FindInstancesOfProfile",
                &["ec2:DescribeIamInstanceProfileAssociations"],
                Scope::Unscoped {
                    reason: "EC2 Describe* actions do not support resource-level permissions (Service Authorization Reference, Amazon EC2).",
                },
            ),
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            super::read_own_executions(),
            super::record_key("kms:GenerateMac"),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Deactivates an access key (never deletes it: the key id is evidence).
pub struct DeactivateAccessKey;

impl Task for DeactivateAccessKey {
    const NAME: &'static str = "deactivate-access-key";
    const TITLE: &'static str = "DeactivateAccessKey";
    const DESCRIPTION: &'static str =
        "Deactivates a compromised access key (kept as evidence) and tags its user with the case.";
    type Input = CutStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "DeactivateKey",
                &["iam:UpdateAccessKey", "iam:TagUser"],
                Scope::Arn(IAM_USERS),
            ),
            Permission::new("ReadKeys", &["iam:ListAccessKeys"], Scope::Arn(IAM_USERS)),
            case_table(&["dynamodb:UpdateItem"]),
            key_for_table(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Denies a role's sessions issued before now (new sessions still work).
pub struct RevokeRoleSessions;

impl Task for RevokeRoleSessions {
    const NAME: &'static str = "revoke-role-sessions";
    const TITLE: &'static str = "RevokeRoleSessions";
    const DESCRIPTION: &'static str = "Denies every session of a role issued before now with an inline policy named after the case, and tags the role.";
    type Input = CutStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "RevokeSessions",
                &["iam:PutRolePolicy", "iam:TagRole"],
                Scope::Arn(IAM_ROLES),
            ),
            Permission::new(
                "ReadRolePolicy",
                &["iam:GetRolePolicy"],
                Scope::Arn(IAM_ROLES),
            ),
            case_table(&["dynamodb:UpdateItem"]),
            key_for_table(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Per policy: a deny-all inline policy on the user and its console password removed.
pub struct RestrictUser;

impl Task for RestrictUser {
    const NAME: &'static str = "restrict-user";
    const TITLE: &'static str = "RestrictUser";
    const DESCRIPTION: &'static str = "Per policy, attaches a deny-all inline policy to a compromised user and removes its console password; tags the user.";
    type Input = CutStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "RestrictUser",
                &["iam:PutUserPolicy", "iam:DeleteLoginProfile", "iam:TagUser"],
                Scope::Arn(IAM_USERS),
            ),
            Permission::new(
                "ReadUser",
                &["iam:GetUserPolicy", "iam:GetLoginProfile"],
                Scope::Arn(IAM_USERS),
            ),
            case_table(&["dynamodb:UpdateItem"]),
            key_for_table(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Puts back what the case recorded for the principals a release names.
pub struct ReleaseCredentials;

impl Task for ReleaseCredentials {
    const NAME: &'static str = "release-credentials";
    const TITLE: &'static str = "ReleaseCredentials";
    const DESCRIPTION: &'static str = "Restores what a credentials case recorded: reactivates keys that were active, removes the deny policies, restores the case tags.";
    type Input = PrincipalStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "RestoreUsers",
                &[
                    "iam:UpdateAccessKey",
                    "iam:DeleteUserPolicy",
                    "iam:TagUser",
                    "iam:UntagUser",
                ],
                Scope::Arn(IAM_USERS),
            ),
            Permission::new(
                "RestoreRoles",
                &["iam:DeleteRolePolicy", "iam:TagRole", "iam:UntagRole"],
                Scope::Arn(IAM_ROLES),
            ),
            Permission::new(
                "ReadPrincipals",
                &["iam:GetAccessKeyLastUsed", "iam:ListAccessKeys"],
                Scope::Arn(IAM_USERS),
            ),
            // The pre-state is read by key (`GetItem`), its seal checked before anything is put
            // back.
            case_table(&["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]),
            key_for_table(),
            super::record_key("kms:VerifyMac"),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        let mut e = MUTATE_ERRORS.to_vec();
        e.push(ErrorName::RecordTampered);
        e
    }
}

/// Writes the case's final record: one line per principal, every call and note.
pub struct RecordCredentials;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordCredentialsInput {
    pub case: Case,
    pub policy: CredentialsPolicy,
    pub execution: String,
    /// One compact result per principal (`principal`, `kind`, `status`, `detail`, `release`).
    pub principals: Vec<serde_json::Value>,
}

impl Task for RecordCredentials {
    const NAME: &'static str = "record-credentials";
    const TITLE: &'static str = "RecordCredentials";
    const DESCRIPTION: &'static str =
        "Writes a credentials case's final record: who was cut off, every call and note, how to release.";
    type Input = RecordCredentialsInput;
    type Output = crate::tasks::ec2::CaseRecord;
    fn permissions() -> Vec<Permission> {
        vec![
            case_table(&["dynamodb:Query", "dynamodb:PutItem"]),
            key_for_table(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
            ErrorName::Misconfigured,
        ]
    }
}

/// The principal's key in the case table, from the case's reference alone (release has nothing
/// else): `key/AKIA…` for a user's access key, `role/NAME` for a role or a session of it,
/// `user/NAME`, `root`. `Err` says why the reference cannot be acted on.
pub fn principal_id(p: &PrincipalRef) -> Result<String, String> {
    let name = p
        .name
        .clone()
        .or_else(|| {
            p.arn
                .as_deref()
                .and_then(|a| a.rsplit('/').next())
                .map(String::from)
        })
        .filter(|n| !n.is_empty());
    let key = p.access_key_id.as_deref().filter(|k| !k.is_empty());
    match (p.principal_type.as_str(), key, name) {
        ("Root", _, _) => Ok("root".into()),
        ("AssumedRole" | "Role", _, Some(n)) => Ok(format!("role/{n}")),
        (_, Some(k), _) if k.starts_with("AKIA") => Ok(format!("key/{k}")),
        (_, Some(k), _) if k.starts_with("ASIA") => Err(format!(
            "{k} is a temporary key: IAM cannot deactivate it; name the role it belongs to (--principal ROLE_ARN) to revoke its sessions"
        )),
        (_, Some(k), _) => Err(format!("`{k}` is not an AWS access key id")),
        ("IAMUser", None, Some(n)) => Ok(format!("user/{n}")),
        (t, _, _) => Err(format!("a {t} principal without a name or key cannot be resolved")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str, name: Option<&str>, arn: Option<&str>, key: Option<&str>) -> PrincipalRef {
        PrincipalRef {
            principal_type: t.into(),
            name: name.map(String::from),
            arn: arn.map(String::from),
            access_key_id: key.map(String::from),
        }
    }

    #[test]
    fn every_reference_maps_to_the_item_release_will_look_for() {
        let session = p(
            "AssumedRole",
            Some("orders-api-role"),
            None,
            Some("ASIA4Q2ZKXW7H5TDQ3NB"),
        );
        assert_eq!(principal_id(&session).unwrap(), "role/orders-api-role");
        let role = p(
            "Role",
            Some("orders-api-role"),
            Some("arn:aws:iam::1:role/orders-api-role"),
            None,
        );
        assert_eq!(principal_id(&role).unwrap(), "role/orders-api-role");
        let key = p("AccessKey", None, None, Some("AKIAEXAMPLE123456789"));
        assert_eq!(principal_id(&key).unwrap(), "key/AKIAEXAMPLE123456789");
        let user_key = p("IAMUser", Some("alice"), None, Some("AKIAEXAMPLE123456789"));
        assert_eq!(principal_id(&user_key).unwrap(), "key/AKIAEXAMPLE123456789");
        let user = p("IAMUser", None, Some("arn:aws:iam::1:user/ops/alice"), None);
        assert_eq!(principal_id(&user).unwrap(), "user/alice");
        assert_eq!(
            principal_id(&p("Root", None, None, Some("AKIAROOT"))).unwrap(),
            "root"
        );
        assert!(principal_id(&p("AccessKey", None, None, Some("ASIAXYZ")))
            .unwrap_err()
            .contains("temporary"));
        assert!(principal_id(&p("AccessKey", None, None, Some("nope"))).is_err());
        assert!(principal_id(&p("FederatedUser", None, None, None)).is_err());
    }
}

/// Hands the instance whose credentials were used elsewhere to the ec2-compromise playbook, as
/// a signed request (the same authenticated path a responder's takes): that stack's own policy
/// (exclusions, approval) then decides.
pub struct HandOffInstance;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HandOffInput {
    pub case: Case,
    pub instance_id: String,
    /// Why, for the other playbook's case.
    pub reason: String,
    /// The ec2-compromise state machine (named after its stack, in this account and Region).
    pub target: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HandOffOutput {
    /// `started`, `already started` or `planned` (dry run).
    pub status: String,
    /// The execution of the other playbook.
    pub execution: String,
}

impl Task for HandOffInstance {
    const NAME: &'static str = "hand-off-instance";
    const TITLE: &'static str = "HandOffInstance";
    const DESCRIPTION: &'static str = "Starts the ec2-compromise playbook on an instance with a request signed by this task's role, so that playbook authenticates it as aws-ir's.";
    type Input = HandOffInput;
    type Output = HandOffOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            "StartEc2Compromise",
            &["states:StartExecution"],
            Scope::Arn("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StackPrefix}-ec2-compromise"),
        )
        .at_home()]
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::ResourceNotFound,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
            ErrorName::Misconfigured,
        ]
    }
}
