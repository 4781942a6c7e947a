//! Release: put back exactly what was recorded before containment, for one instance of a case.
//!
//! Groups per interface (only interfaces still attached), the instance profile, the session
//! revocation policy, Auto Scaling membership (re-attaching raises the group's desired capacity
//! by one: the group may have launched a replacement meanwhile), target group and classic load
//! balancer registrations with their ports, termination protection, shutdown behaviour,
//! DeleteOnTermination, the NACL entries the playbook added, and the status tag. The forensic
//! interface is detached (and kept, tagged with the case, for the investigators to delete).

use super::prestate::{profile_association, registrations};
use super::profile::revocation_policy_name;
#[cfg(test)]
use super::TAG_CASE;
use super::{check_instance_id, describe, tag, TAG_STATUS};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use crate::ip::{ledger, nacl};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, EbsInstanceBlockDeviceSpecification,
    InstanceBlockDeviceMappingSpecification,
};
use contract::tasks::ec2::{InstanceStep, Outcome, Status};
use contract::ErrorName;
use ipnet::IpNet;

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

    for recorded in &pre.interfaces {
        let Some(now) = live
            .interfaces
            .iter()
            .find(|n| n.id == recorded.network_interface_id)
        else {
            out.note(format!(
                "{} is no longer attached; its groups were not restored",
                recorded.network_interface_id
            ));
            continue;
        };
        if now.groups == recorded.security_groups {
            continue;
        }
        out.act(
            "ec2:ModifyNetworkInterfaceAttribute",
            &now.id,
            format!("groups -> [{}]", recorded.security_groups.join(", ")),
        );
        if act {
            aws.ec2
                .modify_network_interface_attribute()
                .network_interface_id(&now.id)
                .set_groups(Some(recorded.security_groups.clone()))
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("restore the groups of {}", now.id))
                })?;
        }
    }

    for n in &live.forensic_interfaces {
        out.act(
            "ec2:DetachNetworkInterface",
            &n.id,
            format!("forensic interface off {id} (kept, tagged with the case)"),
        );
        if act {
            aws.ec2
                .detach_network_interface()
                .attachment_id(&n.attachment_id)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("detach forensic interface {} from {id}", n.id))
                })?;
        }
    }

    let current = profile_association(&aws.ec2, id).await?;
    match (&pre.instance_profile, &current) {
        (Some(want), None) => {
            out.act("ec2:AssociateIamInstanceProfile", id, want.arn.clone());
            if act {
                aws.ec2
                    .associate_iam_instance_profile()
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
                aws.ec2
                    .replace_iam_instance_profile_association()
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
                aws.ec2
                    .disassociate_iam_instance_profile()
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
    if let Some(profile) = &pre.instance_profile {
        let name = profile.arn.rsplit('/').next().unwrap_or_default();
        if let Ok(got) = aws
            .iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
        {
            for role in got.instance_profile.map(|p| p.roles).unwrap_or_default() {
                let policy = revocation_policy_name(&step.case.case_id);
                if aws
                    .iam
                    .get_role_policy()
                    .role_name(&role.role_name)
                    .policy_name(&policy)
                    .send()
                    .await
                    .is_ok()
                {
                    out.act(
                        "iam:DeleteRolePolicy",
                        &role.role_name,
                        format!("{policy} (sessions issued from now on are valid again)"),
                    );
                    if act {
                        aws.iam
                            .delete_role_policy()
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
        }
    }

    let regs = registrations(&aws.autoscaling, &aws.elbv2, &aws.elb, &live).await?;
    if let Some(group) = &pre.auto_scaling_group {
        if regs.auto_scaling_group.as_deref() != Some(group.as_str()) {
            out.act(
                "autoscaling:AttachInstances",
                group,
                format!("{id} (raises the desired capacity by one)"),
            );
            if act {
                aws.autoscaling
                    .attach_instances()
                    .auto_scaling_group_name(group)
                    .instance_ids(id)
                    .send()
                    .await
                    .map_err(|e| TaskError::from_sdk(e, &format!("re-attach {id} to {group}")))?;
            }
        }
    }
    for r in &pre.target_groups {
        if regs
            .target_groups
            .iter()
            .any(|t| t.target_group_arn == r.target_group_arn && t.port == r.port)
        {
            continue;
        }
        out.act(
            "elasticloadbalancing:RegisterTargets",
            &r.target_group_arn,
            format!(
                "{id}{}",
                r.port.map(|p| format!(" port {p}")).unwrap_or_default()
            ),
        );
        if act {
            aws.elbv2
                .register_targets()
                .target_group_arn(&r.target_group_arn)
                .targets(super::target(id, r.port, None))
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("re-register {id} with {}", r.target_group_arn))
                })?;
        }
    }
    for lb in &pre.classic_load_balancers {
        if regs.classic_load_balancers.contains(lb) {
            continue;
        }
        out.act(
            "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            lb,
            id.to_string(),
        );
        if act {
            aws.elb
                .register_instances_with_load_balancer()
                .load_balancer_name(lb)
                .instances(
                    aws_sdk_elasticloadbalancing::types::Instance::builder()
                        .instance_id(id)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("re-register {id} with {lb}")))?;
        }
    }

    // Only what differs from the record is put back, so a re-run changes nothing.
    let (protected, behaviour) = super::protect::protections(&aws.ec2, id).await?;
    let restore_protection = protected != pre.termination_protection;
    let restore_shutdown = behaviour != pre.shutdown_behavior;
    if restore_protection {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("DisableApiTermination={}", pre.termination_protection),
        );
    }
    if restore_shutdown {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!(
                "InstanceInitiatedShutdownBehavior={}",
                pre.shutdown_behavior
            ),
        );
    }
    let kept: Vec<_> = pre
        .volumes
        .iter()
        .filter(|v| v.delete_on_termination)
        .filter(|v| {
            !live
                .volumes
                .iter()
                .any(|(dev, _, delete)| *dev == v.device_name && *delete)
        })
        .collect();
    for v in &kept {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("{}: DeleteOnTermination=true", v.device_name),
        );
    }
    if act && restore_protection {
        aws.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .disable_api_termination(
                AttributeBooleanValue::builder()
                    .value(pre.termination_protection)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("restore the termination protection of {id}"))
            })?;
    }
    if act && restore_shutdown {
        aws.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .instance_initiated_shutdown_behavior(
                AttributeValue::builder()
                    .value(&pre.shutdown_behavior)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("restore the shutdown behaviour of {id}"))
            })?;
    }
    if act && !kept.is_empty() {
        let mut req = aws.ec2.modify_instance_attribute().instance_id(id);
        for v in &kept {
            req = req.block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(&v.device_name)
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .delete_on_termination(true)
                            .build(),
                    )
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("restore DeleteOnTermination on {id}")))?;
    }

    let holder = super::isolate::nacl_holder(&step.case.case_id, id);
    let lease = super::isolate::nacl_lease(&step);
    for entry in cases::nacl_entries(&aws.dynamodb, table, &step.case.case_id, id).await? {
        let acl = &entry.network_acl_id;
        let what = format!(
            "rule {} ({} {})",
            entry.rule_number,
            if entry.egress { "egress" } else { "ingress" },
            entry.network
        );
        let network: IpNet = entry.network.parse().map_err(|_| {
            TaskError::new(
                ErrorName::RecordTampered,
                format!(
                    "the case's record of {acl} names `{}`, not a network",
                    entry.network
                ),
            )
        })?;
        if !act {
            out.act(
                "ec2:DeleteNetworkAclEntry",
                acl,
                format!("{what}, unless another contained instance still needs it"),
            );
            continue;
        }
        if !entry.held {
            // Recorded before denies were shared: this instance owned the entry alone.
            if nacl::remove_entry(&aws.ec2, acl, network, entry.egress, entry.rule_number).await? {
                out.act("ec2:DeleteNetworkAclEntry", acl, what);
            } else {
                out.note(format!("{what} of {acl} was already removed"));
            }
            continue;
        }
        ledger::lock(&aws.dynamodb, table, acl, &lease, super::isolate::ACL_WAIT).await?;
        let released = nacl::release_deny(
            &aws.ec2,
            &aws.dynamodb,
            table,
            acl,
            network,
            entry.egress,
            &holder,
        )
        .await;
        ledger::unlock(&aws.dynamodb, table, acl, &lease).await;
        match released? {
            nacl::Released::Removed { .. } => out.act("ec2:DeleteNetworkAclEntry", acl, what),
            nacl::Released::Kept { others } => out.note(format!(
                "{what} of {acl} stays: {others} other contained instance(s) still need it"
            )),
            nacl::Released::Gone => out.note(format!("{what} of {acl} was already removed")),
        }
    }

    // Already released (a re-run): nothing left to tag or record.
    if live.tags.get(TAG_STATUS).map(String::as_str) == Some("released") {
        return Ok(out);
    }
    out.act("ec2:CreateTags", id, format!("{TAG_STATUS}=released"));
    if act {
        aws.ec2
            .create_tags()
            .resources(id)
            .tags(tag(TAG_STATUS, "released"))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("tag {id} as released")))?;
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
    use crate::ec2::{detach, forensics, isolate, prestate, profile, protect};

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
        super::super::tag::handle(&w.ec2(), &w.dynamodb(), step.clone())
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
        assert_eq!(lines(&out), [
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
        "ec2:DeleteNetworkAclEntry acl-1: rule 1 (ingress 0.0.0.0/0)",
        "ec2:DeleteNetworkAclEntry acl-1: rule 1 (egress 0.0.0.0/0)",
        "ec2:DeleteNetworkAclEntry acl-1: rule 2 (ingress ::/0)",
        "ec2:DeleteNetworkAclEntry acl-1: rule 2 (egress ::/0)",
        "ec2:CreateTags i-0a1b2c3d4e5f60718: aws-ir:status=released",
    ]);

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
        "ec2:DeleteNetworkAclEntry acl-1: rule 1 (ingress 0.0.0.0/0), unless another contained instance still needs it",
        "ec2:DeleteNetworkAclEntry acl-1: rule 1 (egress 0.0.0.0/0), unless another contained instance still needs it",
        "ec2:DeleteNetworkAclEntry acl-1: rule 2 (ingress ::/0), unless another contained instance still needs it",
        "ec2:DeleteNetworkAclEntry acl-1: rule 2 (egress ::/0), unless another contained instance still needs it",
        "ec2:CreateTags i-0a1b2c3d4e5f60718: aws-ir:status=released",
    ]);
        assert_eq!(
            outside_the_table(w.snapshot()),
            outside_the_table(contained)
        );
    }
}
