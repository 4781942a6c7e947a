//! Release a principal of a credentials case: put back exactly what was recorded before the cut.
//!
//! A key that was active is reactivated (one that was already inactive stays so); the case's
//! deny policies are removed; the case tags are removed or restored to their recorded values.
//! A console password that was removed cannot be restored (IAM never reveals it); the outcome
//! says how to set a new one. Running it twice changes nothing more.

use super::{remember, sealed_pre_state, tags_to_restore};
use crate::aws::clients;
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::tasks::credentials::{
    deny_all_policy_name, principal_id, revocation_policy_name, PrincipalStep,
};
use contract::tasks::outcome::Outcome;
use contract::ErrorName;

clients! {
    /// What releasing a principal calls: its sealed pre-state (DynamoDB, KMS), the principal
    /// put back (IAM), the outcome recorded.
    pub struct ReleaseCredentialsClients {
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        kms: aws_sdk_kms::Client,
    }
}

pub async fn handle(
    aws: &ReleaseCredentialsClients,
    step: PrincipalStep,
) -> Result<Outcome, TaskError> {
    let id = principal_id(&step.principal).map_err(TaskError::invalid_event)?;
    let case_id = &step.case.case_id;
    let table = &step.policy.case_table;
    let pre = sealed_pre_state(&aws.dynamodb, &aws.kms, table, &step.policy.record_key, case_id, &id)
        .await?
        .ok_or_else(|| {
        TaskError::new(
            ErrorName::ResourceNotFound,
            format!("case {case_id} recorded nothing for {id}: it was never cut by this case (check the case id and the principal in the notification)"),
        )
    })?;
    let act = !step.case.dry_run;
    let mut out = Outcome::new(step.case.dry_run);

    if !pre.access_key_id.is_empty() && pre.key_status == "Active" {
        let (user, key) = (&pre.user_name, &pre.access_key_id);
        out.act(
            "iam:UpdateAccessKey",
            key,
            format!("{user}: Inactive -> Active, as recorded"),
        );
        if act {
            aws.iam
                .update_access_key()
                .user_name(user)
                .access_key_id(key)
                .status(aws_sdk_iam::types::StatusType::Active)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("reactivate access key {key} of {user}"))
                })?;
        }
    } else if !pre.access_key_id.is_empty() {
        out.note(format!(
            "access key {} was {} before the cut; left so",
            pre.access_key_id, pre.key_status
        ));
    }

    if !pre.user_name.is_empty() {
        let user = &pre.user_name;
        let name = deny_all_policy_name(case_id);
        let removed = if act {
            aws.iam
                .delete_user_policy()
                .user_name(user)
                .policy_name(&name)
                .send()
                .await
                .map(|_| ())
        } else {
            Ok(())
        };
        match removed {
            Ok(()) => out.act("iam:DeleteUserPolicy", user, name.clone()),
            Err(e) if e.code() == Some("NoSuchEntity") => {
                out.note(format!("user {user} carries no {name}"))
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("remove policy {name} from user {user}"),
                ))
            }
        }
        if pre.login_profile {
            out.note(format!("if the cut removed the console password of {user}, set a new one: aws iam create-login-profile --user-name {user} --password-reset-required"));
        }
        let (remove, put) = tags_to_restore(&pre.tags);
        out.act("iam:UntagUser", user, remove.join(", "));
        if act {
            aws.iam
                .untag_user()
                .user_name(user)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("untag user {user}")))?;
            if !put.is_empty() {
                aws.iam
                    .tag_user()
                    .user_name(user)
                    .set_tags(Some(put))
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("restore the tags of user {user}"))
                    })?;
            }
        }
    }

    if !pre.role_name.is_empty() {
        let role = &pre.role_name;
        let name = revocation_policy_name(case_id);
        let removed = if act {
            aws.iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(&name)
                .send()
                .await
                .map(|_| ())
        } else {
            Ok(())
        };
        match removed {
            Ok(()) => out.act("iam:DeleteRolePolicy", role, name.clone()),
            Err(e) if e.code() == Some("NoSuchEntity") => {
                out.note(format!("role {role} carries no {name}"))
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("remove policy {name} from role {role}"),
                ))
            }
        }
        let (remove, put) = tags_to_restore(&pre.tags);
        out.act("iam:UntagRole", role, remove.join(", "));
        if act {
            aws.iam
                .untag_role()
                .role_name(role)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("untag role {role}")))?;
            if !put.is_empty() {
                aws.iam
                    .tag_role()
                    .role_name(role)
                    .set_tags(Some(put))
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("restore the tags of role {role}"))
                    })?;
            }
        }
    }
    remember(
        &aws.dynamodb,
        table,
        case_id,
        &id,
        "release",
        step.case.dry_run,
        &out,
    )
    .await?;
    Ok(out)
}
