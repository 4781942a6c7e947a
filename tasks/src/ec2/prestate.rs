//! Record the pre-state: everything the playbook may change, before the first change.
//!
//! Discovery is shared with detach and verify ([`registrations`]): which Auto Scaling group,
//! target groups (with ports) and classic load balancers hold the instance; the last two from
//! the case's survey when there is one (see [`super::survey`]).

use super::{describe, filter, survey, Live};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use aws_sdk_ec2::types::InstanceAttributeName;
use contract::tasks::ec2::*;
use std::collections::BTreeMap;

/// Where the instance is registered for traffic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registrations {
    pub auto_scaling_group: Option<String>,
    pub target_groups: Vec<TargetRegistration>,
    pub classic_load_balancers: Vec<String>,
}

/// Where `live` is registered: its Auto Scaling group (by instance id, always live), and its
/// target groups and classic load balancers from the case's survey when the step has one
/// (`surveyed`), else read live ([`survey::traffic`]).
pub async fn registrations(
    autoscaling: &aws_sdk_autoscaling::Client,
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    elb: &aws_sdk_elasticloadbalancing::Client,
    live: &Live,
    surveyed: Option<&TrafficRegistrations>,
) -> Result<Registrations, TaskError> {
    let id = live.instance_id.as_str();
    let traffic = async {
        match surveyed {
            Some(s) => Ok(s.clone()),
            None => {
                let one = BTreeMap::from([(live.instance_id.clone(), live.vpc_id.clone())]);
                Ok(survey::traffic(elbv2, elb, &one)
                    .await?
                    .remove(id)
                    .unwrap_or_default())
            }
        }
    };
    let (asg, traffic) = tokio::join!(auto_scaling_group(autoscaling, id), traffic);
    let traffic: TrafficRegistrations = traffic?;
    Ok(Registrations {
        auto_scaling_group: asg?,
        target_groups: traffic.target_groups,
        classic_load_balancers: traffic.classic_load_balancers,
    })
}

pub async fn auto_scaling_group(
    autoscaling: &aws_sdk_autoscaling::Client,
    id: &str,
) -> Result<Option<String>, TaskError> {
    let out = autoscaling
        .describe_auto_scaling_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("find the Auto Scaling group of {id}")))?;
    Ok(out
        .auto_scaling_instances()
        .first()
        .and_then(|i| i.auto_scaling_group_name())
        .map(String::from))
}

/// The profile association, if the instance has one.
pub async fn profile_association(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<Option<ProfileState>, TaskError> {
    let out = ec2
        .describe_iam_instance_profile_associations()
        .filters(filter("instance-id", &[id]))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read the instance profile of {id}")))?;
    Ok(out
        .iam_instance_profile_associations()
        .iter()
        .find(|a| a.state().map(|s| s.as_str()) == Some("associated"))
        .map(|a| ProfileState {
            association_id: a.association_id().unwrap_or_default().to_string(),
            arn: a
                .iam_instance_profile()
                .and_then(|p| p.arn())
                .unwrap_or_default()
                .to_string(),
        }))
}

clients! {
    /// What recording the pre-state calls: the instance and where it is registered for
    /// traffic, read; the record sealed (KMS) and kept (DynamoDB).
    pub struct PreStateClients {
        ec2: aws_sdk_ec2::Client,
        autoscaling: aws_sdk_autoscaling::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        kms: aws_sdk_kms::Client,
    }
}

pub async fn gather(
    aws: &PreStateClients,
    live: &Live,
    surveyed: Option<&TrafficRegistrations>,
    execution: &str,
    now: &str,
) -> Result<PreState, TaskError> {
    let id = live.instance_id.as_str();
    let termination = aws
        .ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::DisableApiTermination)
        .send();
    let shutdown = aws
        .ec2
        .describe_instance_attribute()
        .instance_id(id)
        .attribute(InstanceAttributeName::InstanceInitiatedShutdownBehavior)
        .send();
    let addresses = aws
        .ec2
        .describe_addresses()
        .filters(filter("instance-id", &[id]))
        .send();
    let (termination, shutdown, addresses, profile, regs) = tokio::join!(
        termination,
        shutdown,
        addresses,
        profile_association(&aws.ec2, id),
        registrations(&aws.autoscaling, &aws.elbv2, &aws.elb, live, surveyed)
    );
    let termination = termination
        .map_err(|e| TaskError::from_sdk(e, &format!("read the termination protection of {id}")))?;
    let shutdown = shutdown
        .map_err(|e| TaskError::from_sdk(e, &format!("read the shutdown behaviour of {id}")))?;
    let addresses =
        addresses.map_err(|e| TaskError::from_sdk(e, &format!("read the Elastic IPs of {id}")))?;
    let regs = regs?;
    let interfaces = live
        .interfaces
        .iter()
        .map(|n| InterfaceState {
            network_interface_id: n.id.clone(),
            device_index: n.device_index,
            subnet_id: n.subnet_id.clone(),
            security_groups: n.groups.clone(),
            private_ip: n.private_ip.clone(),
            elastic_ip: addresses
                .addresses()
                .iter()
                .find(|a| a.network_interface_id() == Some(n.id.as_str()))
                .map(|a| ElasticIpState {
                    public_ip: a.public_ip().unwrap_or_default().to_string(),
                    allocation_id: a.allocation_id().unwrap_or_default().to_string(),
                    association_id: a.association_id().unwrap_or_default().to_string(),
                }),
        })
        .collect();
    Ok(PreState {
        instance_id: id.to_string(),
        state: live.state.clone(),
        vpc_id: live.vpc_id.clone(),
        subnet_id: live.subnet_id.clone(),
        availability_zone: live.availability_zone.clone(),
        interfaces,
        instance_profile: profile?,
        auto_scaling_group: regs.auto_scaling_group,
        target_groups: regs.target_groups,
        classic_load_balancers: regs.classic_load_balancers,
        termination_protection: termination
            .disable_api_termination()
            .and_then(|v| v.value())
            .unwrap_or(false),
        shutdown_behavior: shutdown
            .instance_initiated_shutdown_behavior()
            .and_then(|v| v.value())
            .unwrap_or("stop")
            .to_string(),
        volumes: live
            .volumes
            .iter()
            .map(|v| VolumeState {
                device_name: v.device.clone(),
                volume_id: v.volume_id.clone(),
                delete_on_termination: v.delete_on_termination,
            })
            .collect(),
        tags: live.tags.clone(),
        recorded_at: now.to_string(),
        recorded_by: execution.to_string(),
    })
}

pub async fn handle(
    aws: &PreStateClients,
    step: InstanceStep,
    now: &str,
) -> Result<PreStateRecorded, TaskError> {
    super::check_instance_id(&step.instance_id)?;
    let mut live = describe(&aws.ec2, &step.instance_id).await?;
    // An interface described like a forensic one but not recorded as the case's is the
    // instance's own: its groups are recorded like any other's.
    live.keep_recorded_forensic(
        &cases::forensic_interfaces(
            &aws.dynamodb,
            &step.policy.case_table,
            &step.case.case_id,
            &step.instance_id,
        )
        .await?,
    );
    let fresh = gather(
        aws,
        &live,
        step.registrations.as_ref(),
        &step.execution,
        now,
    )
    .await?;
    let (kept, status) = if step.case.dry_run {
        (fresh, "planned")
    } else {
        let json = serde_json::to_string(&fresh).expect("pre-state serializes");
        let item = contract::case_table::item::instance(&step.instance_id);
        let seal = crate::seal::seal(
            &aws.kms,
            &step.policy.record_key,
            &step.case.case_id,
            &item,
            &json,
        )
        .await?;
        match cases::keep_pre_state(
            &aws.dynamodb,
            &step.policy.case_table,
            &step.case.case_id,
            &fresh,
            &json,
            &seal,
        )
        .await?
        {
            (state, true) => (state, "recorded"),
            (state, false) => (state, "kept"),
        }
    };
    Ok(PreStateRecorded {
        status: status.to_string(),
        interfaces: kept.interfaces.len(),
        volumes: kept.volumes.len(),
        auto_scaling_group: kept.auto_scaling_group.clone().unwrap_or_default(),
        target_groups: kept.target_groups.len(),
        classic_load_balancers: kept.classic_load_balancers.len(),
        instance_profile: kept
            .instance_profile
            .as_ref()
            .map(|p| p.arn.clone())
            .unwrap_or_default(),
    })
}
