//! Resolve a principal live, decide, and record its pre-state before any cut.
//!
//! An access key resolves to its user (`GetAccessKeyLastUsed`); a session to its role and, for
//! instance credentials, to the instance it was issued to and the other instances sharing the
//! role. Root is never cut from inside the account (notify only); aws-ir's own roles and
//! break-glass principals are skipped with a record.

use super::pre_state;
use crate::aws::clients;
use crate::cases::{self, Claim};
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::case::PrincipalRef;
use contract::case_table::item;
use contract::tasks::credentials::{
    principal_id, CredentialsPreState, PrincipalAssessment, PrincipalStep,
};
use contract::trust::ROLE_PATH;
use std::collections::BTreeMap;

const PROCEED: &str = "proceed";
const SKIP: &str = "skip";
const APPROVE: &str = "approve";

/// The principal as IAM shows it now.
#[derive(Debug, Default)]
pub struct Live {
    pub kind: String,
    pub user_name: String,
    pub role_name: String,
    pub access_key_id: String,
    pub key_status: String,
    pub login_profile: bool,
    pub tags: BTreeMap<String, String>,
    /// The role's IAM path (`/aws-ir/` for aws-ir's own).
    pub path: String,
}

impl Live {
    fn name(&self) -> &str {
        if self.role_name.is_empty() {
            &self.user_name
        } else {
            &self.role_name
        }
    }
}

/// Why policy leaves the principal alone, if it does.
pub fn exclusion(step: &PrincipalStep, live: &Live) -> Option<String> {
    let p = &step.policy;
    // By path, which only a role's creator sets; never by a tag, which a role may set itself.
    if live.kind == "role" && live.path.starts_with(ROLE_PATH) {
        return Some(format!(
            "role {} is one of aws-ir's own (path {ROLE_PATH}): the playbook never locks itself out",
            live.role_name
        ));
    }
    if !p.exclusion_tag.is_empty() && live.tags.contains_key(&p.exclusion_tag) {
        return Some(format!(
            "{} carries the exclusion tag {} (break-glass). A principal may tag itself: if your team did not set this tag, treat it as part of the attack (the tag guard reports who wrote it) and contain it by hand",
            live.name(),
            p.exclusion_tag
        ));
    }
    if p.excluded_name(live.name()) {
        return Some(format!(
            "{} is in the policy's excluded principals (break-glass)",
            live.name()
        ));
    }
    None
}

pub fn needs_approval(step: &PrincipalStep, live: &Live) -> Option<String> {
    let p = &step.policy;
    if !step.case.authority.acts_automatically() {
        return Some(format!(
            "the finding comes from a source AWS does not vouch for ({:?} authority: a custom Security Hub integration anyone in the account can write to); a responder decides",
            step.case.authority
        ));
    }
    if !p.protected_tag.is_empty() && live.tags.contains_key(&p.protected_tag) {
        return Some(format!(
            "{} carries the protected tag {}",
            live.name(),
            p.protected_tag
        ));
    }
    if step.case.severity.score < p.min_severity_automatic {
        return Some(format!(
            "severity {:.1} is below {:.1}, the policy's threshold for automatic containment",
            step.case.severity.score, p.min_severity_automatic
        ));
    }
    None
}

/// The command that undoes the cut of `id`.
pub fn release_command(case_id: &str, account: &str, id: &str) -> String {
    let target = match id.split_once('/') {
        Some(("key", k)) => format!("--access-key {k}"),
        Some(("role", n)) => format!("--principal arn:aws:iam::{account}:role/{n}"),
        Some(("user", n)) => format!("--principal arn:aws:iam::{account}:user/{n}"),
        _ => return String::new(),
    };
    format!("irctl start credentials-release --case {case_id} {target} --reason '...'")
}

async fn tags_of_user(
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> Result<BTreeMap<String, String>, TaskError> {
    let got = iam
        .get_user()
        .user_name(user)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read IAM user {user}")))?;
    Ok(got
        .user()
        .map(|u| {
            u.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default())
}

async fn login_profile(iam: &aws_sdk_iam::Client, user: &str) -> Result<bool, TaskError> {
    match iam.get_login_profile().user_name(user).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("NoSuchEntity") => Ok(false),
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("read the console login of {user}"),
        )),
    }
}

/// Reads the principal `id` names (see [`principal_id`]) live.
pub async fn resolve(iam: &aws_sdk_iam::Client, id: &str) -> Result<Live, TaskError> {
    let mut live = Live::default();
    match id.split_once('/') {
        Some(("key", key)) => {
            let used = iam
                .get_access_key_last_used()
                .access_key_id(key)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("find the user of access key {key}"))
                })?;
            let user = used.user_name().unwrap_or_default().to_string();
            let keys = iam
                .list_access_keys()
                .user_name(&user)
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("list the access keys of {user}")))?;
            live.key_status = keys
                .access_key_metadata()
                .iter()
                .find(|k| k.access_key_id() == Some(key))
                .and_then(|k| k.status())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            live.kind = "access-key".into();
            live.access_key_id = key.to_string();
            live.tags = tags_of_user(iam, &user).await?;
            live.login_profile = login_profile(iam, &user).await?;
            live.user_name = user;
        }
        Some(("user", user)) => {
            live.kind = "user".into();
            live.tags = tags_of_user(iam, user).await?;
            live.login_profile = login_profile(iam, user).await?;
            live.user_name = user.to_string();
        }
        Some(("role", role)) => {
            let got = iam
                .get_role()
                .role_name(role)
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("read IAM role {role}")))?;
            live.kind = "role".into();
            live.role_name = role.to_string();
            live.path = got.role().map(|r| r.path().to_string()).unwrap_or_default();
            live.tags = got
                .role()
                .map(|r| {
                    r.tags()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect()
                })
                .unwrap_or_default();
        }
        _ => live.kind = "root".into(),
    }
    Ok(live)
}

/// Instances whose instance profile holds `role`.
async fn instances_of_role(
    iam: &aws_sdk_iam::Client,
    ec2: &aws_sdk_ec2::Client,
    role: &str,
) -> Result<Vec<String>, TaskError> {
    let profiles = iam
        .list_instance_profiles_for_role()
        .role_name(role)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("list the instance profiles of {role}")))?;
    let arns: Vec<&str> = profiles
        .instance_profiles()
        .iter()
        .map(|p| p.arn())
        .collect();
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let mut pages = ec2
        .describe_iam_instance_profile_associations()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| TaskError::from_sdk(e, "list instance profile associations"))?;
        for a in page.iam_instance_profile_associations() {
            let associated = a.state().map(|s| s.as_str()) == Some("associated");
            if associated
                && a.iam_instance_profile()
                    .and_then(|p| p.arn())
                    .is_some_and(|p| arns.contains(&p))
            {
                out.extend(a.instance_id().map(String::from));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The instance the credentials were issued to: GuardDuty names the session after it.
fn source_instance(step: &PrincipalStep, p: &PrincipalRef) -> String {
    if p.principal_type != "AssumedRole" {
        return String::new();
    }
    step.case
        .instances
        .first()
        .map(|i| i.instance_id.clone())
        .unwrap_or_default()
}

clients! {
    /// What assessing a principal calls: the principal, read (IAM), the instances sharing its
    /// role (EC2), the case's claim (DynamoDB, checked against the claiming execution in Step
    /// Functions), the sealed pre-state (KMS).
    pub struct AssessPrincipalClients {
        iam: aws_sdk_iam::Client,
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        sfn: aws_sdk_sfn::Client,
        kms: aws_sdk_kms::Client,
    }
}

pub async fn handle(
    aws: &AssessPrincipalClients,
    step: PrincipalStep,
    now: &str,
) -> Result<PrincipalAssessment, TaskError> {
    let case_id = step.case.case_id.clone();
    let mut out = PrincipalAssessment {
        source_instance: source_instance(&step, &step.principal),
        ..Default::default()
    };
    let id = match principal_id(&step.principal) {
        Ok(id) => id,
        Err(why) => {
            out.decision = SKIP.into();
            out.reason = why;
            out.kind = "unresolved".into();
            return Ok(out);
        }
    };
    out.id = id.clone();
    out.release_command = release_command(&case_id, &step.case.account, &id);
    if id == "root" {
        out.kind = "root".into();
        out.decision = SKIP.into();
        out.reason = "root credentials are used: notify only (AWS cannot cut root sessions from inside the account). Sign in as root, change the password, check MFA and delete any root access key".into();
        out.release_command = String::new();
        return Ok(out);
    }
    let live = resolve(&aws.iam, &id).await?;
    out.kind = live.kind.clone();
    out.user_name = live.user_name.clone();
    out.role_name = live.role_name.clone();
    out.access_key_id = live.access_key_id.clone();
    if live.kind == "role" {
        out.sharing_instances = instances_of_role(&aws.iam, &aws.ec2, &live.role_name).await?;
    }
    let (decision, reason) = match exclusion(&step, &live) {
        Some(why) => (SKIP, why),
        None => {
            let claim = if step.case.dry_run {
                Claim::Ours
            } else {
                let claim = cases::claim_item(
                    &aws.dynamodb,
                    &step.policy.case_table,
                    &case_id,
                    &item::principal(&id),
                    &step.execution,
                    now,
                )
                .await?;
                cases::take_over_stalled(
                    &aws.dynamodb,
                    &aws.sfn,
                    &step.policy.case_table,
                    &case_id,
                    &item::principal(&id),
                    &step.execution,
                    claim,
                    // A principal's item keeps its claim's status: only a holder that ended
                    // badly (failed, timed out, stopped) gives it up.
                    &[],
                )
                .await?
            };
            match claim {
                Claim::Theirs { execution, status } => (
                    SKIP,
                    format!("already handled for this case by execution {execution} (status: {status}); a re-sent finding changes nothing"),
                ),
                Claim::Ours => {
                    if !step.case.dry_run {
                        record(&aws.dynamodb, &aws.kms, &step, &id, &live, now).await?;
                    }
                    match needs_approval(&step, &live) {
                        Some(why) => (APPROVE, why),
                        None => (PROCEED, "no exclusion applies; severity meets the policy".to_string()),
                    }
                }
            }
        }
    };
    out.decision = decision.into();
    out.reason = reason;
    tracing::info!(case_id = %case_id, principal = %id, decision = %out.decision, reason = %out.reason, "assessed");
    Ok(out)
}

/// The pre-state, once per case and principal: a re-run keeps the first.
async fn record(
    dynamodb: &aws_sdk_dynamodb::Client,
    kms: &aws_sdk_kms::Client,
    step: &PrincipalStep,
    id: &str,
    live: &Live,
    now: &str,
) -> Result<(), TaskError> {
    if pre_state(dynamodb, &step.policy.case_table, &step.case.case_id, id)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let state = CredentialsPreState {
        id: id.to_string(),
        kind: live.kind.clone(),
        user_name: live.user_name.clone(),
        role_name: live.role_name.clone(),
        access_key_id: live.access_key_id.clone(),
        key_status: live.key_status.clone(),
        login_profile: live.login_profile,
        tags: live.tags.clone(),
        recorded_at: now.to_string(),
        recorded_by: step.execution.clone(),
    };
    let json = serde_json::to_string(&state).expect("pre-state serializes");
    let (kept, _) = cases::keep_first(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item::principal(id),
        "pre_state",
        &json,
    )
    .await?;
    // Sealed, so that the release acts only on what aws-ir recorded.
    let seal = crate::seal::seal(
        kms,
        &step.policy.record_key,
        &step.case.case_id,
        &item::principal(id),
        &kept,
    )
    .await?;
    cases::keep_first(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item::principal(id),
        "pre_state_seal",
        &seal,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract::tasks::credentials::CredentialsPolicy;

    fn step(excluded: &str, severity: f64) -> PrincipalStep {
        let event = serde_json::json!({"source": "aws-ir.manual", "detail-type": "Manual Response Request", "id": "1", "account": "123456789012", "region": "us-east-1", "time": "2026-11-29T00:00:00Z", "detail": {"playbook": "credentials-compromise", "reason": "r", "access_key_ids": ["AKIAEXAMPLE123456789"], "severity": severity}});
        let mut case = crate::normalize::case_from_event(&event).unwrap();
        // As AuthenticateRequest leaves it for a responder's request.
        case.authority = contract::trust::Authority::Responder;
        PrincipalStep {
            principal: case.principals[0].clone(),
            case,
            policy: CredentialsPolicy {
                exclusion_tag: "aws-ir:exclude".into(),
                excluded_principals: excluded.into(),
                protected_tag: "aws-ir:protected".into(),
                min_severity_automatic: 7.0,
                approval_timeout_seconds: 3600.0,
                on_approval_timeout: "skip".into(),
                user_deny_all: true,
                remove_console_login: false,
                contain_source_instance: false,
                case_table: "t".into(),
                record_key: String::new(),
            },
            execution: "e".into(),
        }
    }

    fn live(kind: &str, name: &str, tags: &[&str]) -> Live {
        let mut l = Live {
            kind: kind.into(),
            ..Default::default()
        };
        if kind == "role" {
            l.role_name = name.into();
        } else {
            l.user_name = name.into();
        }
        l.tags = tags
            .iter()
            .map(|t| (t.to_string(), "x".to_string()))
            .collect();
        l
    }

    #[test]
    fn own_roles_break_glass_and_protected_principals() {
        let s = step("break-glass-admin, ops-root", 8.0);
        let mut own = live("role", "task", &[]);
        own.path = "/aws-ir/".into();
        assert!(exclusion(&s, &own).unwrap().contains("aws-ir's own"));
        // A role that tags itself like aws-ir's is not aws-ir's.
        assert!(exclusion(&s, &live("role", "app", &["aws-ir:playbook"])).is_none());
        assert!(exclusion(&s, &live("user", "bob", &["aws-ir:exclude"]))
            .unwrap()
            .contains("exclusion tag"));
        assert!(exclusion(&s, &live("user", "ops-root", &[]))
            .unwrap()
            .contains("excluded principals"));
        assert!(
            exclusion(&s, &live("user", "ops", &[])).is_none(),
            "names match whole"
        );
        assert!(needs_approval(&s, &live("user", "carol", &["aws-ir:protected"])).is_some());
        assert!(needs_approval(&s, &live("user", "carol", &[])).is_none());
        assert!(needs_approval(&step("", 5.0), &live("user", "carol", &[]))
            .unwrap()
            .contains("below"));
        // A finding nobody vouches for waits for a responder, whatever its severity.
        let mut forged = step("", 10.0);
        forged.case.authority = contract::trust::Authority::Unvouched;
        assert!(needs_approval(&forged, &live("user", "carol", &[]))
            .unwrap()
            .contains("does not vouch"));
    }

    #[test]
    fn the_release_command_names_the_principal_as_release_reads_it() {
        assert_eq!(
            release_command("case-1", "123456789012", "key/AKIAEXAMPLE"),
            "irctl start credentials-release --case case-1 --access-key AKIAEXAMPLE --reason '...'"
        );
        assert!(release_command("case-1", "123456789012", "role/app")
            .contains("--principal arn:aws:iam::123456789012:role/app"));
        assert_eq!(release_command("case-1", "1", "root"), "");
    }
}
