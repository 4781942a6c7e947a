//! Assess: read the instance live and decide to contain it, skip it, or ask a responder.
//!
//! The order matters: exclusions first (never touch what policy excludes, not even to claim
//! it), then the claim (a re-sent finding for an instance another execution already handles is
//! a duplicate), then what needs a human.

use super::{check_instance_id, describe, Live};
use crate::aws::clients;
use crate::cases::{self, Claim};
use crate::error::TaskError;
use contract::case::Source;
use contract::tags::{RESPOND, RESPOND_AUTOMATICALLY};
use contract::tasks::ec2::{Assessment, InstanceStep};

pub const PROCEED: &str = "proceed";
pub const SKIP: &str = "skip";
pub const APPROVE: &str = "approve";

/// The decision before any claim: `Some` when the instance must be skipped or asked about
/// regardless of who else is working on the case.
pub fn exclusions(step: &InstanceStep, live: &Live) -> Option<(&'static str, String)> {
    let p = &step.policy;
    if p.excluded_account(&step.case.account) {
        return Some((
            SKIP,
            format!("account {} is excluded by policy", step.case.account),
        ));
    }
    if step.case.sample {
        return Some((SKIP, "the finding is a sample (GuardDuty CreateSampleFindings): its resources are placeholders".into()));
    }
    if matches!(live.state.as_str(), "terminated" | "shutting-down") {
        return Some((
            SKIP,
            format!(
                "the instance is {}: nothing left to contain, and no volume to snapshot",
                live.state
            ),
        ));
    }
    if !p.exclusion_tag.is_empty() && live.tags.contains_key(&p.exclusion_tag) {
        return Some((
            SKIP,
            format!("the instance carries the exclusion tag {}. Anyone allowed ec2:CreateTags can set it: if your team did not, treat it as part of the attack (the tag guard reports who wrote it) and contain the instance by hand", p.exclusion_tag),
        ));
    }
    // Other products' findings act only on instances whose owner opted in: read live, since a
    // finding's own resource tags are whatever its importer wrote.
    if step.case.source == Source::SecurityHub
        && step.case.custom_action.is_none()
        && live.tags.get(RESPOND).map(String::as_str) != Some(RESPOND_AUTOMATICALLY)
    {
        return Some((
            SKIP,
            format!("the instance does not carry {RESPOND}={RESPOND_AUTOMATICALLY} (read live): its owner has not opted in to automatic response on Security Hub findings"),
        ));
    }
    None
}

/// What needs a responder's approval, once the instance is ours to act on.
pub fn needs_approval(step: &InstanceStep, live: &Live) -> Option<String> {
    let p = &step.policy;
    if !step.case.authority.acts_automatically() {
        return Some(format!(
            "the finding comes from a source AWS does not vouch for ({:?} authority: a custom Security Hub integration anyone in the account can write to); a responder decides",
            step.case.authority
        ));
    }
    if !p.protected_tag.is_empty() && live.tags.contains_key(&p.protected_tag) {
        return Some(format!(
            "the instance carries the protected tag {}",
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

clients! {
    /// What assessing calls: the instance, read; the case's claim on it, taken in DynamoDB and
    /// checked against the claiming execution (Step Functions).
    pub struct AssessInstanceClients {
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        sfn: aws_sdk_sfn::Client,
    }
}

pub async fn handle(
    aws: &AssessInstanceClients,
    step: InstanceStep,
    now: &str,
) -> Result<Assessment, TaskError> {
    check_instance_id(&step.instance_id)?;
    let live = describe(&aws.ec2, &step.instance_id).await?;
    let (decision, reason) = match exclusions(&step, &live) {
        Some((d, r)) => (d.to_string(), r),
        None => {
            // A dry run writes nothing, not even a claim.
            let claim = if step.case.dry_run {
                Claim::Ours
            } else {
                cases::claim(
                    &aws.dynamodb,
                    &aws.sfn,
                    &step.policy.case_table,
                    &step.case.case_id,
                    &step.instance_id,
                    &step.execution,
                    now,
                )
                .await?
            };
            match claim {
                Claim::Theirs { execution, status } => (
                    SKIP.to_string(),
                    format!("already handled for this case by execution {execution} (status: {status}); a re-sent finding changes nothing"),
                ),
                Claim::Ours => match needs_approval(&step, &live) {
                    Some(why) => (APPROVE.to_string(), why),
                    None => (PROCEED.to_string(), "no exclusion applies; severity meets the policy".to_string()),
                },
            }
        }
    };
    tracing::info!(case_id = %step.case.case_id, instance = %step.instance_id, %decision, %reason, "assessed");
    Ok(Assessment {
        decision,
        reason,
        state: live.state.clone(),
        vpc_id: live.vpc_id.clone(),
        availability_zone: live.availability_zone.clone(),
        network_interfaces: live.interfaces.iter().map(|i| i.id.clone()).collect(),
        name: live.name(),
    })
}
