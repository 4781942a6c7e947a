//! The EC2 compromise playbook's step logic, one module per step.
//!
//! A containment step's module holds its change and its undo, side by side (`isolate`,
//! `forensics`, `profile`, `detach`, `protect`, `tag`), and each pair is tested as a round trip
//! against a stateful fake of AWS (`fake`). `release` only orchestrates the undos.
//!
//! Every step reads the instance live first ([`describe`]): findings are minutes old and the
//! instance may have changed, been replaced by its Auto Scaling group, or gone.

pub mod assess;
pub mod capture;
pub mod detach;
#[cfg(test)]
pub(crate) mod fake;
pub mod forensics;
pub mod isolate;
pub mod memory;
pub mod prestate;
pub mod profile;
pub mod protect;
pub mod record;
pub mod release;
pub mod snapshot;
pub mod survey;
pub mod tag;
pub mod verify;

use crate::error::TaskError;
use aws_sdk_ec2::types::{Filter, Instance};
use contract::ErrorName;
use std::collections::BTreeMap;

/// Tag keys the playbook writes; `aws-ir:` marks everything it owns.
pub use contract::tags::marks::{
    CASE as TAG_CASE, INSTANCE as TAG_INSTANCE, ROLE as TAG_ROLE, STATUS as TAG_STATUS,
};

/// How the forensic interface the playbook attaches is recognised in `DescribeInstances`,
/// which returns an interface's description but not its tags.
pub const FORENSIC_INTERFACE_DESCRIPTION: &str = "aws-ir forensic access";

/// What the steps need to know about an instance, read live.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Live {
    pub instance_id: String,
    pub state: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    /// The instance's own interfaces: what isolation cuts and release restores.
    pub interfaces: Vec<LiveInterface>,
    /// Interfaces the playbook attached for forensic access: never isolated, detached on release.
    pub forensic_interfaces: Vec<LiveInterface>,
    pub profile_arn: Option<String>,
    pub volumes: Vec<LiveVolume>,
    pub tags: BTreeMap<String, String>,
}

/// An EBS volume attached to the instance, as its block device mapping says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveVolume {
    pub device: String,
    pub volume_id: String,
    pub delete_on_termination: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveInterface {
    pub id: String,
    pub attachment_id: String,
    pub device_index: i32,
    pub subnet_id: String,
    pub groups: Vec<String>,
    pub private_ip: String,
    pub public_ip: Option<String>,
    pub ipv6_addresses: Vec<String>,
}

impl Live {
    /// Only the interfaces the case recorded as its forensic ones stay apart; one merely
    /// described like a forensic interface (anyone may set a description) is the instance's own.
    pub fn keep_recorded_forensic(&mut self, recorded: &[String]) {
        let (keep, own): (Vec<_>, Vec<_>) = std::mem::take(&mut self.forensic_interfaces)
            .into_iter()
            .partition(|n| recorded.contains(&n.id));
        self.forensic_interfaces = keep;
        self.interfaces.extend(own);
        self.interfaces.sort_by_key(|n| n.device_index);
    }

    pub fn name(&self) -> String {
        self.tags.get("Name").cloned().unwrap_or_default()
    }

    pub fn from_sdk(i: &Instance) -> Live {
        let (forensic, own): (Vec<_>, Vec<_>) = i.network_interfaces().iter().partition(|n| {
            n.description()
                .is_some_and(|d| d.starts_with(FORENSIC_INTERFACE_DESCRIPTION))
        });
        let live_interface = |n: &&aws_sdk_ec2::types::InstanceNetworkInterface| LiveInterface {
            id: n.network_interface_id().unwrap_or_default().to_string(),
            attachment_id: n
                .attachment()
                .and_then(|a| a.attachment_id())
                .unwrap_or_default()
                .to_string(),
            device_index: n.attachment().and_then(|a| a.device_index()).unwrap_or(0),
            subnet_id: n.subnet_id().unwrap_or_default().to_string(),
            groups: n
                .groups()
                .iter()
                .filter_map(|g| g.group_id().map(String::from))
                .collect(),
            private_ip: n.private_ip_address().unwrap_or_default().to_string(),
            public_ip: n
                .association()
                .and_then(|a| a.public_ip())
                .map(String::from),
            ipv6_addresses: n
                .ipv6_addresses()
                .iter()
                .filter_map(|a| a.ipv6_address().map(String::from))
                .collect(),
        };
        let mut interfaces: Vec<LiveInterface> = own.iter().map(live_interface).collect();
        interfaces.sort_by_key(|n| n.device_index);
        let forensic_interfaces = forensic.iter().map(live_interface).collect();
        Live {
            instance_id: i.instance_id().unwrap_or_default().to_string(),
            state: i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            vpc_id: i.vpc_id().unwrap_or_default().to_string(),
            subnet_id: i.subnet_id().unwrap_or_default().to_string(),
            availability_zone: i
                .placement()
                .and_then(|p| p.availability_zone())
                .unwrap_or_default()
                .to_string(),
            interfaces,
            forensic_interfaces,
            profile_arn: i
                .iam_instance_profile()
                .and_then(|p| p.arn())
                .map(String::from),
            volumes: i
                .block_device_mappings()
                .iter()
                .filter_map(|m| {
                    let ebs = m.ebs()?;
                    Some(LiveVolume {
                        device: m.device_name()?.to_string(),
                        volume_id: ebs.volume_id()?.to_string(),
                        delete_on_termination: ebs.delete_on_termination().unwrap_or(false),
                    })
                })
                .collect(),
            tags: i
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
        }
    }
}

/// The instance as EC2 sees it now; `IR.ResourceNotFound` when EC2 does not know it.
pub async fn describe(ec2: &aws_sdk_ec2::Client, instance_id: &str) -> Result<Live, TaskError> {
    let out = ec2
        .describe_instances()
        .instance_ids(instance_id)
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            let not_found = e
                .as_service_error()
                .and_then(aws_sdk_ec2::error::ProvideErrorMetadata::code)
                .is_some_and(|c| c.starts_with("InvalidInstanceID"));
            if not_found {
                return Err(TaskError::new(ErrorName::ResourceNotFound, format!("instance {instance_id} does not exist in this account and Region; nothing was changed")));
            }
            return Err(TaskError::from_sdk(
                e,
                &format!("describe instance {instance_id}"),
            ));
        }
    };
    out.reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find(|i| i.instance_id() == Some(instance_id))
        .map(Live::from_sdk)
        .ok_or_else(|| TaskError::new(ErrorName::ResourceNotFound, format!("instance {instance_id} does not exist in this account and Region; nothing was changed")))
}

pub fn filter(name: &str, values: &[&str]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

pub fn tag(key: &str, value: &str) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
}

/// The profile `arn` as an association request names it.
pub fn profile(arn: &str) -> aws_sdk_ec2::types::IamInstanceProfileSpecification {
    aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
        .arn(arn)
        .build()
}

/// A target-group target: the instance, on `port` when it was registered with one, in `zone`
/// when the registration named one.
pub fn target(
    id: &str,
    port: Option<i32>,
    zone: Option<&str>,
) -> aws_sdk_elasticloadbalancingv2::types::TargetDescription {
    aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
        .id(id)
        .set_port(port)
        .set_availability_zone(zone.map(String::from))
        .build()
}

/// Validates an instance id before it reaches an API (a bad one would be a confusing error).
pub fn check_instance_id(id: &str) -> Result<(), TaskError> {
    let hex = id.strip_prefix("i-").unwrap_or("");
    if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(TaskError::invalid_event(format!(
            "`{id}` is not an EC2 instance id"
        )))
    }
}

/// Stores a step's outcome on the instance's item: `step_<name>`, or `plan_<name>` in a dry run
/// (the plan is our own record; nothing of the instance's changes).
pub async fn remember<T: serde::Serialize>(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &contract::tasks::ec2::InstanceStep,
    name: &str,
    outcome: &T,
) -> Result<(), TaskError> {
    let json = serde_json::to_value(outcome).expect("outcomes serialize");
    let attribute = if step.case.dry_run {
        format!("plan_{name}")
    } else {
        format!("step_{name}")
    };
    crate::cases::record_step(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &step.instance_id,
        &attribute,
        &json,
    )
    .await
}
