//! Isolate: cut the instance off the network, on every interface, in a way that also ends the
//! connections already open.
//!
//! Security-group changes do not end tracked connections (EC2 User Guide, "Security group
//! connection tracking"). A flow is untracked only while TCP and UDP are allowed to and from
//! 0.0.0.0/0 and ::/0 on all ports in both directions. So, per interface: first the *open*
//! group (everything allowed: existing flows become untracked), then the *isolation* group (no
//! rules at all: untracked flows stop at once). Groups are changed per interface
//! (`ModifyNetworkInterfaceAttribute`), because the instance-level call fails on instances with
//! several interfaces. Both groups are created once per VPC, tagged `aws-ir:role=isolation`,
//! and reused. Flows through NLB, NAT gateways, Transit Gateway and similar stay tracked; the
//! optional subnet NACL step is the only cut for those, and it affects the whole subnet.

use super::{check_instance_id, describe, filter, tag, LiveInterface, TAG_ROLE};
use crate::aws::Aws;
use crate::cases::{self, NaclEntry};
use crate::error::TaskError;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, RuleAction, TagSpecification,
};
use contract::tasks::ec2::{InstanceStep, Outcome, Status};

pub const TAG_ISOLATION: &str = "aws-ir:isolation";
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";
/// NACL rule numbers the playbook may use (lowest numbers are evaluated first).
pub const NACL_RULES: std::ops::RangeInclusive<i32> = 1..=32;

/// The isolation group of `kind` in `vpc`, if it exists.
pub async fn find_group(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    kind: &str,
) -> Result<Option<String>, TaskError> {
    Ok(isolation_groups(ec2)
        .await?
        .into_iter()
        .find(|(v, k, _)| v == vpc && k == kind)
        .map(|(_, _, id)| id))
}

/// Every isolation group of the account and Region: (vpc, kind, group id), lowest id first.
/// One call that does not depend on the instance, so it runs while the instance is read: the
/// cut then takes two further calls per interface, all interfaces in parallel.
pub async fn isolation_groups(
    ec2: &aws_sdk_ec2::Client,
) -> Result<Vec<(String, String, String)>, TaskError> {
    let out = ec2
        .describe_security_groups()
        .filters(filter(&format!("tag:{TAG_ROLE}"), &["isolation"]))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, "find the isolation groups"))?;
    let mut groups: Vec<(String, String, String)> = out
        .security_groups()
        .iter()
        .filter_map(|g| {
            let kind = g
                .tags()
                .iter()
                .find(|t| t.key() == Some(TAG_ISOLATION))
                .and_then(|t| t.value())?;
            Some((
                g.vpc_id()?.to_string(),
                kind.to_string(),
                g.group_id()?.to_string(),
            ))
        })
        .collect();
    groups.sort();
    Ok(groups)
}

fn all_traffic(protocol: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol(protocol)
        .from_port(0)
        .to_port(65535)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
        .build()
}

fn any_protocol_anywhere() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// Creates the group, or finds the one a concurrent execution just created.
async fn create_group(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    kind: &str,
) -> Result<String, TaskError> {
    let name = if kind == OPEN {
        format!("aws-ir-untrack-{vpc}")
    } else {
        format!("aws-ir-isolation-{vpc}")
    };
    let description = if kind == OPEN {
        "aws-ir: allows all traffic so tracked flows become untracked, for an instant before isolation"
    } else {
        "aws-ir: isolation, no inbound or outbound rules"
    };
    let created = ec2
        .create_security_group()
        .group_name(&name)
        .description(description)
        .vpc_id(vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(tag(TAG_ROLE, "isolation"))
                .tags(tag(TAG_ISOLATION, kind))
                .tags(tag("Name", &name))
                .build(),
        )
        .send()
        .await;
    let id = match created {
        Ok(o) => o.group_id().unwrap_or_default().to_string(),
        Err(e)
            if aws_sdk_ec2::error::ProvideErrorMetadata::code(&e)
                == Some("InvalidGroup.Duplicate") =>
        {
            return find_group(ec2, vpc, kind).await?.ok_or_else(|| {
                TaskError::new(contract::ErrorName::Misconfigured, format!("a security group named {name} exists in {vpc} without the aws-ir tags; rename or tag it"))
            });
        }
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("create the {kind} isolation group in {vpc}"),
            ))
        }
    };
    if kind == OPEN {
        for p in ["tcp", "udp"] {
            ec2.authorize_security_group_ingress()
                .group_id(&id)
                .ip_permissions(all_traffic(p))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &format!("open {id} to inbound {p}")))?;
        }
        ec2.authorize_security_group_egress()
            .group_id(&id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("open {id} to outbound IPv6")))?;
    } else {
        // A new group allows all outbound traffic by default; isolation allows nothing.
        ec2.revoke_security_group_egress()
            .group_id(&id)
            .ip_permissions(any_protocol_anywhere())
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("remove the default outbound rule of {id}"))
            })?;
    }
    Ok(id)
}

async fn swap(
    ec2: aws_sdk_ec2::Client,
    eni: String,
    open: String,
    closed: String,
) -> Result<(), TaskError> {
    for (group, what) in [(open, "untracking"), (closed, "isolation")] {
        ec2.modify_network_interface_attribute()
            .network_interface_id(&eni)
            .groups(&group)
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("put {eni} in the {what} group {group}"))
            })?;
    }
    Ok(())
}

async fn run(aws: &Aws, step: InstanceStep) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let (live, groups) = tokio::join!(
        describe(&aws.ec2, &step.instance_id),
        isolation_groups(&aws.ec2)
    );
    let (live, groups) = (live?, groups?);
    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;
    let vpc = live.vpc_id.clone();
    let pick = |kind: &str| {
        groups
            .iter()
            .find(|(v, k, _)| *v == vpc && k == kind)
            .map(|(_, _, id)| id.clone())
    };
    let (mut open, mut closed) = (pick(OPEN), pick(CLOSED));
    for (slot, kind) in [(&mut open, OPEN), (&mut closed, CLOSED)] {
        if slot.is_none() {
            out.act(
                "ec2:CreateSecurityGroup",
                &vpc,
                format!("the {kind} isolation group of {vpc}, tagged {TAG_ROLE}=isolation"),
            );
            if act {
                *slot = Some(create_group(&aws.ec2, &vpc, kind).await?);
            }
        }
    }
    let open = open.unwrap_or_else(|| format!("<{OPEN} group of {vpc}>"));
    let closed = closed.unwrap_or_else(|| format!("<{CLOSED} group of {vpc}>"));

    let todo: Vec<&LiveInterface> = live
        .interfaces
        .iter()
        .filter(|n| n.groups != [closed.clone()])
        .collect();
    for n in &live.interfaces {
        if !todo.iter().any(|t| t.id == n.id) {
            out.note(format!("{} was already isolated", n.id));
        }
    }
    for n in &todo {
        out.act(
            "ec2:ModifyNetworkInterfaceAttribute",
            &n.id,
            format!("groups [{}] -> [{open}] (untrack)", n.groups.join(", ")),
        );
        out.act(
            "ec2:ModifyNetworkInterfaceAttribute",
            &n.id,
            format!("groups [{open}] -> [{closed}] (isolate)"),
        );
    }
    if act && !todo.is_empty() {
        // Interfaces in parallel: isolation takes two sequential calls however many there are.
        let mut tasks = tokio::task::JoinSet::new();
        for n in &todo {
            tasks.spawn(swap(
                aws.ec2.clone(),
                n.id.clone(),
                open.clone(),
                closed.clone(),
            ));
        }
        let mut failures = Vec::new();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => failures.push(e),
                Err(e) => failures.push(TaskError::new(
                    contract::ErrorName::Transient,
                    format!("an interface swap did not finish: {e}"),
                )),
            }
        }
        if let Some(first) = failures.into_iter().next() {
            // Retried by the playbook: interfaces already isolated are skipped next time.
            return Err(first);
        }
    }
    if step.policy.nacl_isolation {
        nacl(aws, &step, &live.interfaces, &mut out).await?;
    }
    if live.interfaces.is_empty() {
        out.note("the instance has no network interface");
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
    }
    Ok(out)
}

/// Deny all IPv4 traffic, both ways, on the NACL of each subnet the instance is in.
async fn nacl(
    aws: &Aws,
    step: &InstanceStep,
    interfaces: &[LiveInterface],
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let mut subnets: Vec<&str> = interfaces.iter().map(|n| n.subnet_id.as_str()).collect();
    subnets.sort();
    subnets.dedup();
    out.note(format!(
        "NACL isolation denies all traffic of subnet(s) {}: every instance in them is cut off",
        subnets.join(", ")
    ));
    let mut added = Vec::new();
    for subnet in subnets {
        let acls = aws
            .ec2
            .describe_network_acls()
            .filters(filter("association.subnet-id", &[subnet]))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("find the network ACL of {subnet}")))?;
        let Some(acl) = acls.network_acls().first() else {
            out.note(format!("{subnet} has no network ACL"));
            continue;
        };
        let acl_id = acl.network_acl_id().unwrap_or_default().to_string();
        for egress in [false, true] {
            let entries: Vec<_> = acl
                .entries()
                .iter()
                .filter(|e| e.egress() == Some(egress))
                .collect();
            let ours = entries.iter().any(|e| {
                e.rule_action().map(|a| a.as_str()) == Some("deny")
                    && e.cidr_block() == Some("0.0.0.0/0")
                    && e.protocol() == Some("-1")
                    && e.rule_number().is_some_and(|n| NACL_RULES.contains(&n))
            });
            if ours {
                out.note(format!(
                    "{acl_id} already denies all {} traffic",
                    if egress { "outbound" } else { "inbound" }
                ));
                continue;
            }
            let Some(rule) = NACL_RULES
                .clone()
                .find(|n| !entries.iter().any(|e| e.rule_number() == Some(*n)))
            else {
                out.status = Status::Partial;
                out.note(format!(
                    "{acl_id}: rule numbers {NACL_RULES:?} are all taken; subnet not denied"
                ));
                continue;
            };
            out.act(
                "ec2:CreateNetworkAclEntry",
                &acl_id,
                format!(
                    "rule {rule} deny all {} 0.0.0.0/0",
                    if egress { "egress" } else { "ingress" }
                ),
            );
            if !step.case.dry_run {
                aws.ec2
                    .create_network_acl_entry()
                    .network_acl_id(&acl_id)
                    .rule_number(rule)
                    .protocol("-1")
                    .rule_action(RuleAction::Deny)
                    .egress(egress)
                    .cidr_block("0.0.0.0/0")
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("add a deny-all entry to {acl_id}"))
                    })?;
                added.push(NaclEntry {
                    network_acl_id: acl_id.clone(),
                    rule_number: rule,
                    egress,
                });
            }
        }
    }
    if !added.is_empty() {
        cases::add_nacl_entries(
            &aws.dynamodb,
            &step.policy.case_table,
            &step.case.case_id,
            &step.instance_id,
            &added,
        )
        .await?;
    }
    Ok(())
}

pub async fn handle(aws: &Aws, step: InstanceStep) -> Result<Outcome, TaskError> {
    let out = run(aws, step.clone()).await?;
    super::remember(aws, &step, "isolate", &out).await?;
    Ok(out)
}
