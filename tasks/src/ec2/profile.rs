//! Remove the instance profile (or swap it for the quarantine profile), so that whatever runs
//! on the instance loses the role's permissions; optionally deny the role's sessions issued
//! before now, which also cuts credentials already stolen from the instance.
//!
//! Revoking sessions acts on the *role*: every instance that shares it loses its current
//! sessions too (they get new ones at the next refresh). The outcome says which instances share
//! it.
//!
//! The undo lives here too: [`restore`] gives the instance back the profile the pre-state
//! recorded, [`lift_revocation`] deletes the case's revocation policy from that profile's role.

use super::prestate::profile_association;
use super::{check_instance_id, describe};
use crate::aws::clients;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome, ProfileState, Status};

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

/// Undoes [`run`]'s change of the association: the instance gets back the profile the pre-state
/// recorded (`recorded`), in place of the quarantine profile or of none, or loses the one it
/// has if it had none before. A profile already the recorded one is left alone.
pub async fn restore(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    recorded: Option<&ProfileState>,
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let current = profile_association(ec2, id).await?;
    match (recorded, &current) {
        (Some(want), None) => {
            out.act("ec2:AssociateIamInstanceProfile", id, want.arn.clone());
            if act {
                ec2.associate_iam_instance_profile()
                    .instance_id(id)
                    .iam_instance_profile(super::profile(&want.arn))
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("restore the instance profile of {id}"))
                    })?;
            }
        }
        (Some(want), Some(have)) if want.arn != have.arn => {
            out.act(
                "ec2:ReplaceIamInstanceProfileAssociation",
                id,
                format!("{} -> {}", have.arn, want.arn),
            );
            if act {
                ec2.replace_iam_instance_profile_association()
                    .association_id(&have.association_id)
                    .iam_instance_profile(super::profile(&want.arn))
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("restore the instance profile of {id}"))
                    })?;
            }
        }
        (None, Some(have)) => {
            out.act(
                "ec2:DisassociateIamInstanceProfile",
                id,
                format!("remove {} (it had none before)", have.arn),
            );
            if act {
                ec2.disassociate_iam_instance_profile()
                    .association_id(&have.association_id)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("remove the quarantine profile of {id}"))
                    })?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Undoes the session revocation of [`run`]: the case's revocation policy is deleted from each
/// role of the recorded profile that carries it, so sessions issued from now on are valid
/// again. A profile IAM no longer knows has nothing to lift.
pub async fn lift_revocation(
    iam: &aws_sdk_iam::Client,
    case_id: &str,
    recorded: Option<&ProfileState>,
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let Some(profile) = recorded else {
        return Ok(());
    };
    let name = profile.arn.rsplit('/').next().unwrap_or_default();
    // Only "it does not exist" means there is nothing to lift: any other failure (throttling, a
    // missing permission) would leave the role's sessions denied with nobody told.
    let got = match iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            out.note(format!(
                "instance profile {name} no longer exists: no session revocation of its role to lift"
            ));
            return Ok(());
        }
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("read instance profile {name} to lift the session revocation of its role"),
            ))
        }
    };
    for role in got.instance_profile.map(|p| p.roles).unwrap_or_default() {
        let policy = revocation_policy_name(case_id);
        let present = match iam
            .get_role_policy()
            .role_name(&role.role_name)
            .policy_name(&policy)
            .send()
            .await
        {
            Ok(_) => true,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                false
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read {policy} of role {} to lift it", role.role_name),
                ))
            }
        };
        if present {
            out.act(
                "iam:DeleteRolePolicy",
                &role.role_name,
                format!("{policy} (sessions issued from now on are valid again)"),
            );
            if act {
                iam.delete_role_policy()
                    .role_name(&role.role_name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(
                            e,
                            &format!("remove {policy} from role {}", role.role_name),
                        )
                    })?;
            }
        }
    }
    Ok(())
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
    use crate::ec2::fake::{self, World, INSTANCE, PROFILE, QUARANTINE, ROLE};

    fn clients(w: &World) -> ProfileClients {
        ProfileClients {
            ec2: w.ec2(),
            iam: w.iam(),
            dynamodb: w.dynamodb(),
        }
    }

    /// Runs the do with `action`, then both undos with the recorded profile; returns the
    /// undos' writes and checks the world is back as it was.
    async fn round_trip(action: &str) -> (Vec<String>, String) {
        let w = World::before();
        let mut step = fake::step(INSTANCE, false);
        step.policy.profile_action = action.into();
        let before = w.snapshot();
        let recorded = w.record(INSTANCE).await.instance_profile;
        assert_eq!(recorded.as_ref().map(|p| p.arn.as_str()), Some(PROFILE));
        run(&clients(&w), step, "2026-11-29T10:05:00Z")
            .await
            .unwrap();
        let contained = w.snapshot();
        assert_ne!(contained.association, before.association);
        assert_ne!(contained.role_policies, before.role_policies);
        w.take_calls();

        let mut out = Outcome::new(false);
        restore(&w.ec2(), INSTANCE, recorded.as_ref(), true, &mut out)
            .await
            .unwrap();
        lift_revocation(&w.iam(), fake::CASE, recorded.as_ref(), true, &mut out)
            .await
            .unwrap();
        let calls = w.take_calls();
        let after = w.snapshot();
        assert_eq!(
            after.association.as_ref().map(|a| &a.1),
            before.association.as_ref().map(|a| &a.1)
        );
        assert_eq!(after.role_policies, before.role_policies);

        let mut again = Outcome::new(false);
        restore(&w.ec2(), INSTANCE, recorded.as_ref(), true, &mut again)
            .await
            .unwrap();
        lift_revocation(&w.iam(), fake::CASE, recorded.as_ref(), true, &mut again)
            .await
            .unwrap();
        assert_eq!(w.take_calls(), Vec::<String>::new());
        assert!(again.actions.is_empty());
        let swapped = contained.association.map(|a| a.0).unwrap_or_default();
        (calls, swapped)
    }

    /// The do removed the profile and revoked the role's sessions: the undo associates the
    /// recorded profile and deletes the case's revocation policy from its role.
    #[tokio::test]
    async fn a_removed_profile_comes_back_and_its_sessions_are_valid_again() {
        let (calls, _) = round_trip("remove").await;
        assert_eq!(
            calls,
            [
                format!("ec2:AssociateIamInstanceProfile {PROFILE}"),
                format!(
                    "iam:DeleteRolePolicy {ROLE} {}",
                    revocation_policy_name(fake::CASE)
                ),
            ]
        );
    }

    /// The do swapped in the quarantine profile: the undo swaps the recorded one back, on the
    /// association the do made, and lifts the revocation from the recorded profile's role.
    #[tokio::test]
    async fn a_quarantined_instance_gets_its_own_profile_back() {
        let (calls, association) = round_trip("quarantine").await;
        assert_eq!(
            calls,
            [
                format!("ec2:ReplaceIamInstanceProfileAssociation {association} {PROFILE}"),
                format!(
                    "iam:DeleteRolePolicy {ROLE} {}",
                    revocation_policy_name(fake::CASE)
                ),
            ]
        );
        assert_ne!(QUARANTINE, PROFILE);
    }

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
