//! Detach: out of its Auto Scaling group (capacity kept, so the group replaces it and the
//! service stays up) and out of every target group and classic load balancer (no more traffic
//! to serve, no health checks that would make the group kill it).
//!
//! The undo lives here too: [`restore`] puts the instance back where the pre-state recorded it.

use super::prestate::registrations;
use super::{check_instance_id, describe, Live};
use crate::aws::clients;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome, PreState, Status};

clients! {
    /// What detaching calls: the instance and its registrations read, then deregistered; the
    /// outcome recorded on the case.
    pub struct DetachClients {
        ec2: aws_sdk_ec2::Client,
        autoscaling: aws_sdk_autoscaling::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

async fn run(aws: &DetachClients, step: InstanceStep) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let live = describe(&aws.ec2, id).await?;
    let regs = registrations(
        &aws.autoscaling,
        &aws.elbv2,
        &aws.elb,
        &live,
        step.registrations.as_ref(),
    )
    .await?;
    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;

    match &regs.auto_scaling_group {
        Some(group) => {
            out.act("autoscaling:DetachInstances", group, format!("detach {id}, ShouldDecrementDesiredCapacity=false (the group launches a replacement)"));
            if act {
                aws.autoscaling
                    .detach_instances()
                    .auto_scaling_group_name(group)
                    .instance_ids(id)
                    .should_decrement_desired_capacity(false)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(
                            e,
                            &format!("detach {id} from Auto Scaling group {group}"),
                        )
                    })?;
            }
        }
        None => out.note("not in an Auto Scaling group"),
    }
    for r in &regs.target_groups {
        let port = r.port.map(|p| format!(" port {p}")).unwrap_or_default();
        out.act(
            "elasticloadbalancing:DeregisterTargets",
            &r.target_group_arn,
            format!("deregister {id}{port}"),
        );
        if act {
            aws.elbv2
                .deregister_targets()
                .target_group_arn(&r.target_group_arn)
                .targets(super::target(id, r.port, r.availability_zone.as_deref()))
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("deregister {id} from {}", r.target_group_arn))
                })?;
        }
    }
    if regs.target_groups.is_empty() {
        out.note("not registered in any target group of its VPC");
    }
    for lb in &regs.classic_load_balancers {
        out.act(
            "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            lb,
            format!("deregister {id}"),
        );
        if act {
            aws.elb
                .deregister_instances_from_load_balancer()
                .load_balancer_name(lb)
                .instances(
                    aws_sdk_elasticloadbalancing::types::Instance::builder()
                        .instance_id(id)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(
                        e,
                        &format!("deregister {id} from classic load balancer {lb}"),
                    )
                })?;
        }
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
    }
    Ok(out)
}

/// Undoes [`run`]: back into the Auto Scaling group (re-attaching raises the group's desired
/// capacity by one: the group may have launched a replacement meanwhile), the target groups (on
/// their ports) and the classic load balancers the pre-state recorded (`recorded`). Where the
/// instance is registered now is read first; a registration still in place is left alone.
pub async fn restore(
    autoscaling: &aws_sdk_autoscaling::Client,
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    elb: &aws_sdk_elasticloadbalancing::Client,
    recorded: &PreState,
    live: &Live,
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let id = live.instance_id.as_str();
    let regs = registrations(autoscaling, elbv2, elb, live, None).await?;
    if let Some(group) = &recorded.auto_scaling_group {
        if regs.auto_scaling_group.as_deref() != Some(group.as_str()) {
            out.act(
                "autoscaling:AttachInstances",
                group,
                format!("{id} (raises the desired capacity by one)"),
            );
            if act {
                autoscaling
                    .attach_instances()
                    .auto_scaling_group_name(group)
                    .instance_ids(id)
                    .send()
                    .await
                    .map_err(|e| TaskError::from_sdk(e, &format!("re-attach {id} to {group}")))?;
            }
        }
    }
    for r in &recorded.target_groups {
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
            elbv2
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
    for lb in &recorded.classic_load_balancers {
        if regs.classic_load_balancers.contains(lb) {
            continue;
        }
        out.act(
            "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            lb,
            id.to_string(),
        );
        if act {
            elb.register_instances_with_load_balancer()
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
    Ok(())
}

pub async fn handle(aws: &DetachClients, step: InstanceStep) -> Result<Outcome, TaskError> {
    let out = run(aws, step.clone()).await?;
    super::remember(&aws.dynamodb, &step, "detach", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{World, ASG, CLASSIC, INSTANCE, TARGET_GROUP};

    fn clients(w: &World) -> DetachClients {
        DetachClients {
            ec2: w.ec2(),
            autoscaling: w.autoscaling(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            dynamodb: w.dynamodb(),
        }
    }

    /// The do, then its undo: every registration the do took away (Auto Scaling group, target
    /// group on its port, classic load balancer) is made again, and only those; a second undo
    /// finds nothing to do.
    #[tokio::test]
    async fn restoring_registers_the_instance_where_detaching_took_it_from() {
        let w = World::before();
        let step = crate::ec2::fake::step(INSTANCE, false);
        let live = describe(&w.ec2(), INSTANCE).await.unwrap();
        let (autoscaling, elbv2, elb) = (w.autoscaling(), w.elbv2(), w.elb());
        let before = registrations(&autoscaling, &elbv2, &elb, &live, None)
            .await
            .unwrap();
        let recorded = w.record(INSTANCE).await;
        run(&clients(&w), step).await.unwrap();
        assert_eq!(
            w.take_calls(),
            [
                format!("autoscaling:DetachInstances {ASG} decrement=false"),
                format!("elasticloadbalancing:DeregisterTargets {TARGET_GROUP} [Some(8080)]"),
                format!("elasticloadbalancing:DeregisterInstancesFromLoadBalancer {CLASSIC}"),
            ]
        );
        let detached = registrations(&autoscaling, &elbv2, &elb, &live, None)
            .await
            .unwrap();
        assert_eq!(detached, Default::default());

        let mut out = Outcome::new(false);
        restore(&autoscaling, &elbv2, &elb, &recorded, &live, true, &mut out)
            .await
            .unwrap();
        assert_eq!(
            w.take_calls(),
            [
                format!("autoscaling:AttachInstances {ASG}"),
                format!("elasticloadbalancing:RegisterTargets {TARGET_GROUP} [Some(8080)]"),
                format!("elasticloadbalancing:RegisterInstancesWithLoadBalancer {CLASSIC}"),
            ]
        );
        let after = registrations(&autoscaling, &elbv2, &elb, &live, None)
            .await
            .unwrap();
        assert_eq!(after, before);

        let mut again = Outcome::new(false);
        restore(
            &autoscaling,
            &elbv2,
            &elb,
            &recorded,
            &live,
            true,
            &mut again,
        )
        .await
        .unwrap();
        assert_eq!(w.take_calls(), Vec::<String>::new());
        assert!(again.actions.is_empty());
    }
}
