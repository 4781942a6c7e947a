//! Detach: out of its Auto Scaling group (capacity kept, so the group replaces it and the
//! service stays up) and out of every target group and classic load balancer (no more traffic
//! to serve, no health checks that would make the group kill it).

use super::prestate::registrations;
use super::{check_instance_id, describe};
use crate::aws::clients;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome, Status};

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
    let regs = registrations(&aws.autoscaling, &aws.elbv2, &aws.elb, &live).await?;
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

pub async fn handle(aws: &DetachClients, step: InstanceStep) -> Result<Outcome, TaskError> {
    let out = run(aws, step.clone()).await?;
    super::remember(&aws.dynamodb, &step, "detach", &out).await?;
    Ok(out)
}
