//! The cuts, one task each: deactivate an access key, revoke a role's sessions, restrict a user.
//!
//! Each reads what is there first, so a re-run (or a principal already cut by hand) adds
//! nothing: no second policy, no second tag, no second deactivation. In a dry run each returns
//! the calls it would make.

use super::{case_tags, deny_all_policy, remember};
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::tasks::credentials::{deny_all_policy_name, revocation_policy_name, CutStep};
use contract::tasks::outcome::{Outcome, Status};
use contract::ErrorName;

fn need(value: &str, what: &str, step: &CutStep) -> Result<(), TaskError> {
    if value.is_empty() {
        return Err(TaskError::invalid_event(format!(
            "principal {} has no {what}; this cut does not apply to a {}",
            step.target.id, step.target.kind
        )));
    }
    Ok(())
}

async fn tag_user(
    iam: &aws_sdk_iam::Client,
    step: &CutStep,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let user = &step.target.user_name;
    out.act(
        "iam:TagUser",
        user,
        format!("aws-ir:case={}, aws-ir:status=contained", step.case.case_id),
    );
    if !step.case.dry_run {
        iam.tag_user()
            .user_name(user)
            .set_tags(Some(case_tags(&step.case.case_id, "contained")))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("tag IAM user {user}")))?;
    }
    Ok(())
}

async fn finish(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &CutStep,
    name: &str,
    out: Outcome,
) -> Result<Outcome, TaskError> {
    remember(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &step.target.id,
        name,
        step.case.dry_run,
        &out,
    )
    .await?;
    Ok(out)
}

/// `iam:UpdateAccessKey` to Inactive; never deletes the key (its id is evidence).
pub async fn deactivate_access_key(
    iam: &aws_sdk_iam::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: CutStep,
) -> Result<Outcome, TaskError> {
    need(&step.target.access_key_id, "access key", &step)?;
    let (user, key) = (&step.target.user_name, &step.target.access_key_id);
    let mut out = Outcome::new(step.case.dry_run);
    let keys = iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("list the access keys of {user}")))?;
    let status = keys
        .access_key_metadata()
        .iter()
        .find(|k| k.access_key_id() == Some(key.as_str()))
        .and_then(|k| k.status())
        .map(|s| s.as_str().to_string())
        .ok_or_else(|| {
            TaskError::new(
                ErrorName::ResourceNotFound,
                format!("access key {key} of {user} no longer exists; nothing was changed"),
            )
        })?;
    if status == "Inactive" {
        out.status = Status::Skipped;
        out.note(format!("access key {key} of {user} is already inactive"));
        return finish(dynamodb, &step, "deactivate", out).await;
    }
    out.act(
        "iam:UpdateAccessKey",
        key,
        format!("{user}: Active -> Inactive (kept as evidence, not deleted)"),
    );
    if !step.case.dry_run {
        iam.update_access_key()
            .user_name(user)
            .access_key_id(key)
            .status(aws_sdk_iam::types::StatusType::Inactive)
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("deactivate access key {key} of {user}"))
            })?;
    }
    tag_user(iam, &step, &mut out).await?;
    finish(dynamodb, &step, "deactivate", out).await
}

/// An inline policy denying every session of the role issued before now.
pub async fn revoke_role_sessions(
    iam: &aws_sdk_iam::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: CutStep,
    now: &str,
) -> Result<Outcome, TaskError> {
    need(&step.target.role_name, "role", &step)?;
    let role = &step.target.role_name;
    let name = revocation_policy_name(&step.case.case_id);
    let mut out = Outcome::new(step.case.dry_run);
    let others: Vec<&String> = step
        .target
        .sharing_instances
        .iter()
        .filter(|i| **i != step.target.source_instance)
        .collect();
    if !step.target.source_instance.is_empty() {
        out.note(format!(
            "the credentials were issued to instance {}; contain it with: irctl start ec2-compromise --instance {} --reason 'credentials of {role} used outside it'",
            step.target.source_instance, step.target.source_instance
        ));
    }
    if !others.is_empty() {
        out.note(format!(
            "role {role} is shared: {} other instance(s) lose their current sessions too and get new ones at their next refresh: {}",
            others.len(),
            others.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    match iam
        .get_role_policy()
        .role_name(role)
        .policy_name(&name)
        .send()
        .await
    {
        Ok(_) => {
            out.status = Status::Skipped;
            out.note(format!(
                "role {role} already carries {name}: sessions are already revoked for this case"
            ));
            return finish(dynamodb, &step, "revoke", out).await;
        }
        Err(e) if e.code() == Some("NoSuchEntity") => {}
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("read policy {name} of role {role}"),
            ))
        }
    }
    out.act(
        "iam:PutRolePolicy",
        role,
        format!("{name}: deny sessions issued before {now}"),
    );
    out.act(
        "iam:TagRole",
        role,
        format!("aws-ir:case={}, aws-ir:status=contained", step.case.case_id),
    );
    if !step.case.dry_run {
        iam.put_role_policy()
            .role_name(role)
            .policy_name(&name)
            .policy_document(crate::ec2::profile::revocation_policy(now))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("revoke the sessions of role {role}")))?;
        iam.tag_role()
            .role_name(role)
            .set_tags(Some(case_tags(&step.case.case_id, "contained")))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("tag IAM role {role}")))?;
    }
    finish(dynamodb, &step, "revoke", out).await
}

/// Per policy: deny-all inline policy, console password removed; the user tagged.
pub async fn restrict_user(
    iam: &aws_sdk_iam::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: CutStep,
) -> Result<Outcome, TaskError> {
    need(&step.target.user_name, "user", &step)?;
    let user = &step.target.user_name;
    let p = &step.policy;
    let mut out = Outcome::new(step.case.dry_run);
    if !p.user_deny_all && !p.remove_console_login {
        out.status = Status::Skipped;
        out.note(format!(
            "policy leaves user {user} as it is (UserDenyAll and RemoveConsoleLogin are off)"
        ));
        return finish(dynamodb, &step, "restrict", out).await;
    }
    let mut changed = false;
    if p.user_deny_all {
        let name = deny_all_policy_name(&step.case.case_id);
        match iam
            .get_user_policy()
            .user_name(user)
            .policy_name(&name)
            .send()
            .await
        {
            Ok(_) => out.note(format!("user {user} already carries {name}")),
            Err(e) if e.code() == Some("NoSuchEntity") => {
                changed = true;
                out.act(
                    "iam:PutUserPolicy",
                    user,
                    format!("{name}: deny everything"),
                );
                if !step.case.dry_run {
                    iam.put_user_policy()
                        .user_name(user)
                        .policy_name(&name)
                        .policy_document(deny_all_policy())
                        .send()
                        .await
                        .map_err(|e| {
                            TaskError::from_sdk(e, &format!("deny everything to user {user}"))
                        })?;
                }
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read policy {name} of user {user}"),
                ))
            }
        }
    }
    if p.remove_console_login {
        match iam.get_login_profile().user_name(user).send().await {
            Ok(_) => {
                changed = true;
                out.act("iam:DeleteLoginProfile", user, "console password removed");
                out.note(format!("the console password of {user} cannot be restored: release leaves it off; set a new one with aws iam create-login-profile --user-name {user} --password-reset-required"));
                if !step.case.dry_run {
                    iam.delete_login_profile()
                        .user_name(user)
                        .send()
                        .await
                        .map_err(|e| {
                            TaskError::from_sdk(
                                e,
                                &format!("remove the console password of {user}"),
                            )
                        })?;
                }
            }
            Err(e) if e.code() == Some("NoSuchEntity") => {
                out.note(format!("user {user} has no console password"))
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read the console login of {user}"),
                ))
            }
        }
    }
    if changed {
        tag_user(iam, &step, &mut out).await?;
    } else if !step.case.dry_run {
        out.status = Status::Skipped;
    }
    finish(dynamodb, &step, "restrict", out).await
}
