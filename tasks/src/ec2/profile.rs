//! Remove the instance profile (or swap it for the quarantine profile), so that whatever runs
//! on the instance loses the role's permissions; optionally deny the role's sessions issued
//! before now, which also cuts credentials already stolen from the instance.
//!
//! Revoking sessions acts on the *role*: every instance that shares it loses its current
//! sessions too (they get new ones at the next refresh). The outcome says which instances share
//! it.

use super::prestate::profile_association;
use super::{check_instance_id, describe};
use crate::aws::clients;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome, Status};

/// The inline policy that denies a role's sessions issued before `at` (the policy IAM's own
/// "Revoke active sessions" writes, named for the case).
pub fn revocation_policy(at: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AwsIrRevokeOlderSessions",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": at}}
        }]
    })
    .to_string()
}

/// One name for the case's revocation policy, whichever playbook wrote it.
pub use contract::tasks::credentials::revocation_policy_name;

/// Instances other than `id` whose profile is `profile_arn`.
async fn sharing(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    profile_arn: &str,
) -> Result<Vec<String>, TaskError> {
    let mut others = Vec::new();
    let mut pages = ec2
        .describe_iam_instance_profile_associations()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| TaskError::from_sdk(e, "list instance profile associations"))?;
        for a in page.iam_instance_profile_associations() {
            if a.iam_instance_profile().and_then(|p| p.arn()) == Some(profile_arn)
                && a.instance_id() != Some(id)
            {
                others.extend(a.instance_id().map(String::from));
            }
        }
    }
    others.sort();
    others.dedup();
    Ok(others)
}

clients! {
    /// What removing the profile calls: the instance and its profile association (EC2), the
    /// profile's role (IAM), the case's record.
    pub struct ProfileClients {
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

async fn run(aws: &ProfileClients, step: InstanceStep, now: &str) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    describe(&aws.ec2, id).await?;
    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;
    let quarantine = step.policy.profile_action == "quarantine"
        && !step.policy.quarantine_profile_arn.is_empty();
    let Some(assoc) = profile_association(&aws.ec2, id).await? else {
        out.status = Status::Skipped;
        out.note("the instance has no instance profile");
        return Ok(out);
    };
    if quarantine && assoc.arn == step.policy.quarantine_profile_arn {
        out.status = Status::Skipped;
        out.note("the instance already has the quarantine profile");
        return Ok(out);
    }
    // The role behind the profile, read before the association goes.
    let profile_name = assoc.arn.rsplit('/').next().unwrap_or_default().to_string();
    let role = aws
        .iam
        .get_instance_profile()
        .instance_profile_name(&profile_name)
        .send()
        .await
        .ok()
        .and_then(|o| {
            o.instance_profile
                .and_then(|p| p.roles.into_iter().next())
                .map(|r| r.role_name)
        });

    if quarantine {
        out.act(
            "ec2:ReplaceIamInstanceProfileAssociation",
            id,
            format!(
                "{} -> {} (SSM only)",
                assoc.arn, step.policy.quarantine_profile_arn
            ),
        );
        if act {
            aws.ec2
                .replace_iam_instance_profile_association()
                .association_id(&assoc.association_id)
                .iam_instance_profile(super::profile(&step.policy.quarantine_profile_arn))
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(
                        e,
                        &format!("swap the instance profile of {id} for the quarantine profile"),
                    )
                })?;
        }
    } else {
        out.act(
            "ec2:DisassociateIamInstanceProfile",
            id,
            format!("remove {}", assoc.arn),
        );
        if act {
            aws.ec2
                .disassociate_iam_instance_profile()
                .association_id(&assoc.association_id)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("remove the instance profile of {id}"))
                })?;
        }
    }

    let others = sharing(&aws.ec2, id, &assoc.arn).await?;
    if !others.is_empty() {
        out.note(format!(
            "profile {} is shared with {} other instance(s): {}",
            assoc.arn,
            others.len(),
            others.join(", ")
        ));
    }
    if step.policy.revoke_role_sessions {
        match &role {
            Some(role) => {
                let name = revocation_policy_name(&step.case.case_id);
                out.act(
                    "iam:PutRolePolicy",
                    role,
                    format!("{name}: deny sessions issued before {now}"),
                );
                if !others.is_empty() {
                    out.note(format!("revoking the sessions of role {role} also ends the current sessions of {} (they get new credentials at their next refresh)", others.join(", ")));
                }
                if act {
                    aws.iam
                        .put_role_policy()
                        .role_name(role)
                        .policy_name(&name)
                        .policy_document(revocation_policy(now))
                        .send()
                        .await
                        .map_err(|e| {
                            TaskError::from_sdk(
                                e,
                                &format!("revoke the earlier sessions of role {role}"),
                            )
                        })?;
                }
            }
            None => {
                out.status = Status::Partial;
                out.note(format!(
                    "could not read the role of {}: its sessions were not revoked",
                    assoc.arn
                ));
            }
        }
    }
    Ok(out)
}

pub async fn handle(
    aws: &ProfileClients,
    step: InstanceStep,
    now: &str,
) -> Result<Outcome, TaskError> {
    let out = run(aws, step.clone(), now).await?;
    super::remember(&aws.dynamodb, &step, "profile", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revocation_denies_only_older_sessions() {
        let p: serde_json::Value =
            serde_json::from_str(&revocation_policy("2026-11-29T10:00:00Z")).unwrap();
        assert_eq!(p["Statement"][0]["Effect"], "Deny");
        assert_eq!(
            p["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            "2026-11-29T10:00:00Z"
        );
    }
}
