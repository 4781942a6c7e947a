//! Release: put back exactly what was recorded before containment, for one instance of a case.
//!
//! This module orchestrates; each undo lives beside the change it undoes, in that change's
//! module. The release loads the sealed pre-state and verifies its seal, reads the instance
//! live (a terminated one has nothing to release), then calls, in this order:
//!
//! 1. [`isolate::restore_groups`]: the groups of each interface still attached;
//! 2. [`forensics::detach_interface`]: the forensic interface off (kept, tagged with the case,
//!    for the investigators to delete);
//! 3. [`profile::restore`] and [`profile::lift_revocation`]: the instance profile, and the
//!    session revocation policy off its role;
//! 4. [`detach::restore`]: Auto Scaling membership (re-attaching raises the group's desired
//!    capacity by one), target group and classic load balancer registrations with their ports;
//! 5. [`protect::restore`]: termination protection, shutdown behaviour, DeleteOnTermination;
//! 6. [`isolate::release_nacl`]: the NACL denies the instance holds;
//! 7. [`tag::mark_released`]: the status tag; then the case records the instance as released.

use super::{check_instance_id, describe};
use super::{detach, forensics, isolate, profile, protect, tag};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome, Status};
use contract::ErrorName;

clients! {
    /// What releasing calls: the sealed pre-state (DynamoDB, KMS), the instance, its
    /// registrations and profile restored (EC2, Auto Scaling, ELB, IAM), the outcome recorded.
    pub struct ReleaseInstanceClients {
        ec2: aws_sdk_ec2::Client,
        autoscaling: aws_sdk_autoscaling::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        kms: aws_sdk_kms::Client,
    }
}

async fn run(aws: &ReleaseInstanceClients, step: InstanceStep) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let table = &step.policy.case_table;
    let Some((pre, json, seal)) =
        cases::sealed_pre_state(&aws.dynamodb, table, &step.case.case_id, id).await?
    else {
        return Err(TaskError::new(
            ErrorName::ResourceNotFound,
            format!("case {} has no recorded pre-state for {id}: nothing to release (was it contained by this stack?)", step.case.case_id),
        ));
    };
    // What is put back (groups, a profile that IAM lets the release pass) comes only from a
    // record aws-ir sealed.
    crate::seal::verify(
        &aws.kms,
        &step.policy.record_key,
        &step.case.case_id,
        &contract::case_table::item::instance(id),
        &json,
        seal.as_deref(),
    )
    .await?;
    let mut live = describe(&aws.ec2, id).await?;
    live.keep_recorded_forensic(
        &cases::forensic_interfaces(&aws.dynamodb, table, &step.case.case_id, id).await?,
    );
    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;
    if live.state == "terminated" {
        out.status = Status::Skipped;
        out.note("the instance was terminated since; nothing to release");
        return Ok(out);
    }

    let recorded_profile = pre.instance_profile.as_ref();
    isolate::restore_groups(&aws.ec2, &pre.interfaces, &live.interfaces, act, &mut out).await?;
    forensics::detach_interface(&aws.ec2, id, &live.forensic_interfaces, act, &mut out).await?;
    profile::restore(&aws.ec2, id, recorded_profile, act, &mut out).await?;
    let case = &step.case.case_id;
    profile::lift_revocation(&aws.iam, case, recorded_profile, act, &mut out).await?;
    let (autoscaling, elbv2, elb) = (&aws.autoscaling, &aws.elbv2, &aws.elb);
    detach::restore(autoscaling, elbv2, elb, &pre, &live, act, &mut out).await?;
    protect::restore(&aws.ec2, &pre, &live, act, &mut out).await?;
    isolate::release_nacl(&aws.ec2, &aws.dynamodb, &step, &mut out).await?;

    // Already released (a re-run): nothing left to tag or record.
    if !tag::mark_released(&aws.ec2, &live, act, &mut out).await? {
        return Ok(out);
    }
    if act {
        cases::set_status(
            &aws.dynamodb,
            table,
            &step.case.case_id,
            id,
            "released",
            &format!("by execution {}", step.execution),
        )
        .await?;
    }
    Ok(out)
}

pub async fn handle(
    aws: &ReleaseInstanceClients,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    // Boxed: the restore walks many awaits, and the unboxed future is too deep to lay out.
    let out = Box::pin(run(aws, step.clone())).await?;
    super::remember(&aws.dynamodb, &step, "release", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{self, World, INSTANCE};
    use crate::ec2::{prestate, TAG_CASE, TAG_STATUS};

    fn clients(w: &World) -> ReleaseInstanceClients {
        ReleaseInstanceClients {
            ec2: w.ec2(),
            autoscaling: w.autoscaling(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            iam: w.iam(),
            dynamodb: w.dynamodb(),
            kms: w.kms(),
        }
    }

    /// Every containment step of the playbook, in its order.
    async fn contain(w: &World, step: &InstanceStep) {
        let pre = prestate::PreStateClients {
            ec2: w.ec2(),
            autoscaling: w.autoscaling(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            dynamodb: w.dynamodb(),
            kms: w.kms(),
        };
        prestate::handle(&pre, step.clone(), "2026-11-29T10:00:00Z")
            .await
            .unwrap();
        protect::handle(&w.ec2(), &w.dynamodb(), step.clone())
            .await
            .unwrap();
        let aws = detach::DetachClients {
            ec2: w.ec2(),
            autoscaling: w.autoscaling(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            dynamodb: w.dynamodb(),
        };
        detach::handle(&aws, step.clone()).await.unwrap();
        isolate::handle(&w.ec2(), &w.dynamodb(), step.clone())
            .await
            .unwrap();
        let aws = profile::ProfileClients {
            ec2: w.ec2(),
            iam: w.iam(),
            dynamodb: w.dynamodb(),
        };
        profile::handle(&aws, step.clone(), "2026-11-29T10:05:00Z")
            .await
            .unwrap();
        tag::handle(&w.ec2(), &w.dynamodb(), step.clone())
            .await
            .unwrap();
        forensics::handle(&w.ec2(), &w.dynamodb(), step.clone())
            .await
            .unwrap();
    }

    /// The fake's AWS resources, without the case table (where each run records its outcome).
    fn outside_the_table(mut s: fake::State) -> fake::State {
        s.items.clear();
        s
    }

    fn lines(out: &Outcome) -> Vec<String> {
        out.actions
            .iter()
            .map(|a| format!("{} {}: {}", a.call, a.target, a.detail))
            .chain(out.notes.iter().map(|n| format!("note: {n}")))
            .collect()
    }

    /// What a release of the fake's instance writes, in order (pinned: a release makes these
    /// calls and no others, in this order).
    /// What a release does (and its plan says it will do) before the subnet's ACL entries.
    const RELEASED_BEFORE_THE_ACL: [&str; 11] = [
        "ec2:ModifyNetworkInterfaceAttribute eni-a: groups -> [sg-web, sg-db]",
        "ec2:ModifyNetworkInterfaceAttribute eni-b: groups -> [sg-admin]",
        "ec2:DetachNetworkInterface eni-forensic-1: forensic interface off i-0a1b2c3d4e5f60718 (kept, tagged with the case)",
        "ec2:AssociateIamInstanceProfile i-0a1b2c3d4e5f60718: arn:aws:iam::123456789012:instance-profile/web",
        "iam:DeleteRolePolicy web-role: aws-ir-revoke-case-0123456789abcdef (sessions issued from now on are valid again)",
        "autoscaling:AttachInstances web-asg: i-0a1b2c3d4e5f60718 (raises the desired capacity by one)",
        "elasticloadbalancing:RegisterTargets arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef: i-0a1b2c3d4e5f60718 port 8080",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer legacy: i-0a1b2c3d4e5f60718",
        "ec2:ModifyInstanceAttribute i-0a1b2c3d4e5f60718: DisableApiTermination=false",
        "ec2:ModifyInstanceAttribute i-0a1b2c3d4e5f60718: InstanceInitiatedShutdownBehavior=terminate",
        "ec2:ModifyInstanceAttribute i-0a1b2c3d4e5f60718: /dev/xvda: DeleteOnTermination=true",
    ];

    const RELEASE_CALLS: [&str; 34] = [
        "ec2:ModifyNetworkInterfaceAttribute eni-a [sg-web, sg-db]",
        "ec2:ModifyNetworkInterfaceAttribute eni-b [sg-admin]",
        "ec2:DetachNetworkInterface eni-attach-2",
        "ec2:AssociateIamInstanceProfile arn:aws:iam::123456789012:instance-profile/web",
        "iam:DeleteRolePolicy web-role aws-ir-revoke-case-0123456789abcdef",
        "autoscaling:AttachInstances web-asg",
        "elasticloadbalancing:RegisterTargets arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef [Some(8080)]",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer legacy",
        "ec2:ModifyInstanceAttribute DisableApiTermination=false",
        "ec2:ModifyInstanceAttribute InstanceInitiatedShutdownBehavior=terminate",
        "ec2:ModifyInstanceAttribute /dev/xvda DeleteOnTermination=true",
        "dynamodb:PutItem lock#acl-1",
        "dynamodb:UpdateItem held#acl-1#in#0.0.0.0/0 DELETE holders :h",
        "ec2:DeleteNetworkAclEntry acl-1 rule 1 ingress",
        "dynamodb:DeleteItem held#acl-1#in#0.0.0.0/0",
        "dynamodb:DeleteItem lock#acl-1",
        "dynamodb:PutItem lock#acl-1",
        "dynamodb:UpdateItem held#acl-1#out#0.0.0.0/0 DELETE holders :h",
        "ec2:DeleteNetworkAclEntry acl-1 rule 1 egress",
        "dynamodb:DeleteItem held#acl-1#out#0.0.0.0/0",
        "dynamodb:DeleteItem lock#acl-1",
        "dynamodb:PutItem lock#acl-1",
        "dynamodb:UpdateItem held#acl-1#in#::/0 DELETE holders :h",
        "ec2:DeleteNetworkAclEntry acl-1 rule 2 ingress",
        "dynamodb:DeleteItem held#acl-1#in#::/0",
        "dynamodb:DeleteItem lock#acl-1",
        "dynamodb:PutItem lock#acl-1",
        "dynamodb:UpdateItem held#acl-1#out#::/0 DELETE holders :h",
        "ec2:DeleteNetworkAclEntry acl-1 rule 2 egress",
        "dynamodb:DeleteItem held#acl-1#out#::/0",
        "dynamodb:DeleteItem lock#acl-1",
        "ec2:CreateTags aws-ir:status=released",
        "dynamodb:UpdateItem instance#i-0a1b2c3d4e5f60718 SET #status = :s, status_detail = :d",
        "dynamodb:UpdateItem instance#i-0a1b2c3d4e5f60718 SET #step = :o step_release",
    ];

    #[tokio::test]
    async fn contain_then_release_puts_back_the_instance() {
        let w = World::before();
        let step = fake::step(INSTANCE, false);
        let before = w.snapshot();
        contain(&w, &step).await;
        let contained = w.snapshot();
        assert_ne!(contained.attached(), before.attached());
        assert_ne!(contained.acl, before.acl);
        w.take_calls();

        let out = handle(&clients(&w), step.clone()).await.unwrap();
        assert_eq!(w.take_calls(), RELEASE_CALLS);
        assert_eq!(
            lines(&out),
            [
                &RELEASED_BEFORE_THE_ACL[..],
                &[
                    "ec2:DeleteNetworkAclEntry acl-1: rule 1 (ingress 0.0.0.0/0)",
                    "ec2:DeleteNetworkAclEntry acl-1: rule 1 (egress 0.0.0.0/0)",
                    "ec2:DeleteNetworkAclEntry acl-1: rule 2 (ingress ::/0)",
                    "ec2:DeleteNetworkAclEntry acl-1: rule 2 (egress ::/0)",
                    "ec2:CreateTags i-0a1b2c3d4e5f60718: aws-ir:status=released",
                ],
            ]
            .concat()
        );

        // Back as it was, but for what a release leaves on purpose: a new profile association
        // (of the recorded profile), the forensic interface (detached, kept), aws-ir's tags.
        let after = w.snapshot();
        let own = |s: &fake::State| {
            s.enis
                .iter()
                .filter(|n| n.id.starts_with("eni-") && !n.id.starts_with("eni-forensic"))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(own(&after), own(&before));
        let forensic = after.eni("eni-forensic-1");
        assert_eq!(forensic.attachment, None);
        assert_eq!(
            forensic.tags.get(TAG_CASE).map(String::as_str),
            Some(fake::CASE)
        );
        assert_eq!(after.volumes, before.volumes);
        assert_eq!(after.termination_protection, before.termination_protection);
        assert_eq!(after.shutdown_behavior, before.shutdown_behavior);
        assert_eq!(
            after.association.as_ref().map(|a| &a.1),
            before.association.as_ref().map(|a| &a.1)
        );
        assert_eq!(after.role_policies, before.role_policies);
        assert_eq!(after.auto_scaling_group, before.auto_scaling_group);
        assert_eq!(after.targets, before.targets);
        assert_eq!(after.classic_load_balancers, before.classic_load_balancers);
        assert_eq!(after.acl, before.acl);
        assert!(after.ledger("held#").is_empty() && after.ledger("lock#").is_empty());
        let mut tags = before.tags.clone();
        tags.insert(TAG_CASE.into(), fake::CASE.into());
        tags.insert(TAG_STATUS.into(), "released".into());
        assert_eq!(after.tags, tags);
    }

    #[tokio::test]
    async fn a_release_run_again_changes_nothing() {
        let w = World::before();
        let step = fake::step(INSTANCE, false);
        contain(&w, &step).await;
        handle(&clients(&w), step.clone()).await.unwrap();
        let released = w.snapshot();
        w.take_calls();
        let out = handle(&clients(&w), step.clone()).await.unwrap();
        assert_eq!(
            w.take_calls(),
            [
                "dynamodb:PutItem lock#acl-1",
                "dynamodb:DeleteItem lock#acl-1",
                "dynamodb:PutItem lock#acl-1",
                "dynamodb:DeleteItem lock#acl-1",
                "dynamodb:PutItem lock#acl-1",
                "dynamodb:DeleteItem lock#acl-1",
                "dynamodb:PutItem lock#acl-1",
                "dynamodb:DeleteItem lock#acl-1",
                "dynamodb:UpdateItem instance#i-0a1b2c3d4e5f60718 SET #step = :o step_release",
            ]
        );
        assert_eq!(
            lines(&out),
            [
                "note: rule 1 (ingress 0.0.0.0/0) of acl-1 was already removed",
                "note: rule 1 (egress 0.0.0.0/0) of acl-1 was already removed",
                "note: rule 2 (ingress ::/0) of acl-1 was already removed",
                "note: rule 2 (egress ::/0) of acl-1 was already removed",
            ]
        );
        assert_eq!(outside_the_table(w.snapshot()), outside_the_table(released));
    }

    #[tokio::test]
    async fn a_planned_release_changes_nothing_and_says_what_it_would_do() {
        let w = World::before();
        contain(&w, &fake::step(INSTANCE, false)).await;
        let contained = w.snapshot();
        w.take_calls();
        let out = handle(&clients(&w), fake::step(INSTANCE, true))
            .await
            .unwrap();
        assert_eq!(out.status, Status::Planned);
        assert_eq!(
            w.take_calls(),
            ["dynamodb:UpdateItem instance#i-0a1b2c3d4e5f60718 SET #step = :o plan_release"],
            "only the plan is recorded"
        );
        assert_eq!(lines(&out), [
        &RELEASED_BEFORE_THE_ACL[..],
        &[
            "ec2:DeleteNetworkAclEntry acl-1: rule 1 (ingress 0.0.0.0/0), unless another contained instance still needs it",
            "ec2:DeleteNetworkAclEntry acl-1: rule 1 (egress 0.0.0.0/0), unless another contained instance still needs it",
            "ec2:DeleteNetworkAclEntry acl-1: rule 2 (ingress ::/0), unless another contained instance still needs it",
            "ec2:DeleteNetworkAclEntry acl-1: rule 2 (egress ::/0), unless another contained instance still needs it",
            "ec2:CreateTags i-0a1b2c3d4e5f60718: aws-ir:status=released",
        ],
    ]
    .concat());
        assert_eq!(
            outside_the_table(w.snapshot()),
            outside_the_table(contained)
        );
    }
}
