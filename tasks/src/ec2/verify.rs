//! Verify: re-read everything and check that isolation holds, so the record says what is true
//! now, not what was attempted.

use super::prestate::{auto_scaling_group, profile_association, registrations, Registrations};
use super::{check_instance_id, describe, survey};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use aws_sdk_ec2::types::InstanceAttributeName;
use contract::tasks::ec2::{InstanceStep, Verification};

clients! {
    /// What verifying reads: the instance, its groups, profile and registrations; the case's
    /// record, where the verdict is written.
    pub struct VerifyClients {
        ec2: aws_sdk_ec2::Client,
        autoscaling: aws_sdk_autoscaling::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

pub async fn handle(aws: &VerifyClients, step: InstanceStep) -> Result<Verification, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let table = step.policy.case_table.as_str();
    let (live, recorded, forensic) = tokio::join!(
        describe(&aws.ec2, id),
        cases::containment_groups(&aws.dynamodb, table),
        cases::forensic_interfaces(&aws.dynamodb, table, &step.case.case_id, id),
    );
    let mut live = live?;
    live.keep_recorded_forensic(&forensic?);
    // The isolation group is the one aws-ir recorded for the VPC, and it must allow nothing.
    let closed = recorded?
        .into_iter()
        .find(|g| g.vpc == live.vpc_id)
        .map(|g| g.closed);
    let closed_rules = match &closed {
        Some(c) => aws
            .ec2
            .describe_security_groups()
            .group_ids(c)
            .send()
            .await
            .ok()
            .and_then(|o| o.security_groups().first().cloned())
            .map(|g| g.ip_permissions().len() + g.ip_permissions_egress().len()),
        None => None,
    };
    // With a survey, only where it found the instance is read again here (the case's review
    // reads every target group of the VPC once, after all instances); without one, all of it.
    let regs = async {
        match &step.registrations {
            Some(surveyed) => {
                let (asg, still) = tokio::join!(
                    auto_scaling_group(&aws.autoscaling, id),
                    survey::still_registered(&aws.elbv2, &aws.elb, id, surveyed)
                );
                let still = still?;
                Ok(Registrations {
                    auto_scaling_group: asg?,
                    target_groups: still.target_groups,
                    classic_load_balancers: still.classic_load_balancers,
                })
            }
            None => registrations(&aws.autoscaling, &aws.elbv2, &aws.elb, &live, None).await,
        }
    };
    let (regs, profile, termination) = tokio::join!(
        regs,
        profile_association(&aws.ec2, id),
        aws.ec2
            .describe_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::DisableApiTermination)
            .send(),
    );
    let (regs, profile) = (regs?, profile?);
    let protected = termination
        .map_err(|e| TaskError::from_sdk(e, &format!("read the termination protection of {id}")))?
        .disable_api_termination()
        .and_then(|v| v.value())
        .unwrap_or(false);
    let mut checks = Vec::new();
    let mut check = |ok: bool, what: String| {
        checks.push(format!("{}: {what}", if ok { "ok" } else { "FAILED" }))
    };
    match (&closed, closed_rules) {
        (Some(c), Some(0)) => check(true, format!("isolation group {c} has no rules")),
        (Some(c), Some(n)) => check(false, format!("isolation group {c} has {n} rule(s)")),
        (Some(c), None) => check(false, format!("isolation group {c} cannot be read")),
        (None, _) => check(
            false,
            format!("no isolation group is recorded for {}", live.vpc_id),
        ),
    }
    for n in &live.interfaces {
        let isolated = closed.as_ref().is_some_and(|c| n.groups == [c.clone()]);
        check(
            isolated,
            format!("{} groups [{}]", n.id, n.groups.join(", ")),
        );
    }
    for n in &live.forensic_interfaces {
        let forensic = &step.policy.forensic_security_group_id;
        check(
            !forensic.is_empty() && n.groups == [forensic.clone()],
            format!(
                "{} is the forensic interface, groups [{}]",
                n.id,
                n.groups.join(", ")
            ),
        );
    }
    let quarantine = step.policy.profile_action == "quarantine";
    match &profile {
        None => check(true, "no instance profile".into()),
        Some(p) if quarantine && p.arn == step.policy.quarantine_profile_arn => {
            check(true, format!("quarantine profile {}", p.arn))
        }
        Some(p) => check(
            false,
            format!("instance profile {} still associated", p.arn),
        ),
    }
    check(
        regs.auto_scaling_group.is_none(),
        format!(
            "Auto Scaling group: {}",
            regs.auto_scaling_group.as_deref().unwrap_or("none")
        ),
    );
    check(
        regs.target_groups.is_empty(),
        format!("target groups: {}", regs.target_groups.len()),
    );
    check(
        regs.classic_load_balancers.is_empty(),
        format!(
            "classic load balancers: {}",
            regs.classic_load_balancers.len()
        ),
    );
    check(protected, "termination protection".into());
    let isolated = checks.iter().all(|c| c.starts_with("ok"));
    if !step.case.dry_run {
        let status = if isolated {
            "contained"
        } else {
            "containment incomplete"
        };
        cases::set_status(
            &aws.dynamodb,
            &step.policy.case_table,
            &step.case.case_id,
            id,
            status,
            &checks.join("; "),
        )
        .await?;
    }
    Ok(Verification {
        isolated,
        summary: contract::tasks::ec2::verification_summary(&checks),
        checks,
    })
}
