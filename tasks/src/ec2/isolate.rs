//! Isolate: cut the instance off the network, on every interface, in a way that also ends the
//! connections already open.
//!
//! Security-group changes do not end tracked connections (EC2 User Guide, "Security group
//! connection tracking"). A flow is untracked only while TCP and UDP are allowed to and from
//! 0.0.0.0/0 and ::/0 on all ports in both directions. So, per interface: first the *open*
//! group (everything allowed: existing flows become untracked), then the *isolation* group (no
//! rules at all: untracked flows stop at once). Groups are changed per interface
//! (`ModifyNetworkInterfaceAttribute`), because the instance-level call fails on instances with
//! several interfaces. Both groups are created once per VPC under names nobody else holds,
//! recorded by id in the case table, and reused; each use reads them by those ids and makes
//! their rules exactly right again (IPv4 and IPv6: a group in a VPC with IPv6 starts with a
//! `::/0` outbound rule too). A group that only looks like aws-ir's (by tag or name) is never
//! used. An interface is never left on the open group: a failed second swap is retried, then
//! the interface gets its groups back and the step fails, so the case ends incomplete. Flows
//! through NLB, NAT gateways, Transit Gateway and similar stay tracked; the
//! optional subnet NACL step is the only cut for those, and it affects the whole subnet.
//!
//! The undo lives here too, beside each change: [`restore_groups`] gives each interface the
//! groups the pre-state recorded, [`release_nacl`] lets go of the NACL denies the instance
//! holds (the last holder removes the entry). `ec2::release` only calls them, in its order.

use super::{check_instance_id, describe, filter, tag, LiveInterface, TAG_ROLE};
use crate::cases::{self, ContainmentGroups, NaclEntry};
use crate::error::TaskError;
use crate::ip::{ledger, nacl};
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, ResourceType, SecurityGroup, TagSpecification,
};
use contract::tasks::ec2::{InstanceStep, InterfaceState, Outcome, Status};
use contract::ErrorName;
use ipnet::IpNet;

pub use contract::tags::marks::ISOLATION as TAG_ISOLATION;

/// The two containment groups of a VPC: `Open` allows everything, so that the flows the
/// instance's groups tracked become untracked for an instant; `Closed` allows nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Open,
    Closed,
}

impl GroupKind {
    /// Its `aws-ir:isolation` tag value, and how messages name it.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Open => "open",
            GroupKind::Closed => "closed",
        }
    }
}

impl std::fmt::Display for GroupKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
/// Tries of the second swap (untracked → isolated) before the interface's groups are put back.
const SWAP_TRIES: u32 = 3;

/// The containment groups of `vpc`, as the case table records them.
pub async fn recorded_groups(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    vpc: &str,
) -> Result<Option<ContainmentGroups>, TaskError> {
    Ok(cases::containment_groups(dynamodb, table)
        .await?
        .into_iter()
        .find(|g| g.vpc == vpc))
}

/// What a permission allows to or from the whole internet, per family: (IPv4, IPv6).
fn world(p: &IpPermission) -> (bool, bool) {
    (
        p.ip_ranges()
            .iter()
            .any(|r| r.cidr_ip() == Some("0.0.0.0/0")),
        p.ipv6_ranges()
            .iter()
            .any(|r| r.cidr_ipv6() == Some("::/0")),
    )
}

/// A change that makes a containment group's rules exactly what its kind needs.
enum Change {
    Authorize {
        egress: bool,
        rule: IpPermission,
    },
    Revoke {
        egress: bool,
        rules: Vec<IpPermission>,
    },
}

/// The changes a group needs, from what it has now (`live`): the open group allows all TCP and
/// UDP in and everything out, over IPv4 and IPv6; the closed group allows nothing at all. A new
/// group comes with default outbound rules (`-1` to 0.0.0.0/0, and to ::/0 in a VPC with IPv6),
/// which are kept or removed as the kind needs; only a missing family is authorized (AWS
/// refuses a duplicate rule).
fn changes(live: &SecurityGroup, kind: GroupKind) -> Vec<(Change, String)> {
    let mut out = Vec::new();
    let missing = |rules: &[IpPermission], protocol: &str| {
        let (v4, v6) = rules
            .iter()
            .filter(|p| {
                p.ip_protocol() == Some(protocol)
                    && (protocol == "-1"
                        || (p.from_port() == Some(0) && p.to_port() == Some(65535)))
            })
            .map(world)
            .fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1));
        let mut rule = IpPermission::builder().ip_protocol(protocol);
        if protocol != "-1" {
            rule = rule.from_port(0).to_port(65535);
        }
        if !v4 {
            rule = rule.ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build());
        }
        if !v6 {
            rule = rule.ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build());
        }
        (!(v4 && v6)).then(|| rule.build())
    };
    if kind == GroupKind::Open {
        for p in ["tcp", "udp"] {
            if let Some(rule) = missing(live.ip_permissions(), p) {
                out.push((
                    Change::Authorize {
                        egress: false,
                        rule,
                    },
                    format!("all {p} from 0.0.0.0/0 and ::/0"),
                ));
            }
        }
        if let Some(rule) = missing(live.ip_permissions_egress(), "-1") {
            out.push((
                Change::Authorize { egress: true, rule },
                "all traffic to 0.0.0.0/0 and ::/0".into(),
            ));
        }
    } else {
        if !live.ip_permissions().is_empty() {
            out.push((
                Change::Revoke {
                    egress: false,
                    rules: live.ip_permissions().to_vec(),
                },
                format!(
                    "{} inbound rule(s): the isolation group allows nothing",
                    live.ip_permissions().len()
                ),
            ));
        }
        if !live.ip_permissions_egress().is_empty() {
            out.push((
                Change::Revoke {
                    egress: true,
                    rules: live.ip_permissions_egress().to_vec(),
                },
                format!(
                    "{} outbound rule(s), IPv4 and IPv6: the isolation group allows nothing",
                    live.ip_permissions_egress().len()
                ),
            ));
        }
    }
    out
}

/// Plans the changes `live` needs, and makes them unless `act` is false.
async fn shape(
    ec2: &aws_sdk_ec2::Client,
    kind: GroupKind,
    live: &SecurityGroup,
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let id = live.group_id().unwrap_or_default();
    for (change, detail) in changes(live, kind) {
        let call = match &change {
            Change::Authorize { egress: false, .. } => "ec2:AuthorizeSecurityGroupIngress",
            Change::Authorize { egress: true, .. } => "ec2:AuthorizeSecurityGroupEgress",
            Change::Revoke { egress: false, .. } => "ec2:RevokeSecurityGroupIngress",
            Change::Revoke { egress: true, .. } => "ec2:RevokeSecurityGroupEgress",
        };
        out.act(call, id, detail);
        if !act {
            continue;
        }
        let what = format!("change the rules of {kind} containment group {id} ({call})");
        match change {
            Change::Authorize {
                egress: false,
                rule,
            } => ec2
                .authorize_security_group_ingress()
                .group_id(id)
                .ip_permissions(rule)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &what)),
            Change::Authorize { egress: true, rule } => ec2
                .authorize_security_group_egress()
                .group_id(id)
                .ip_permissions(rule)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &what)),
            Change::Revoke {
                egress: false,
                rules,
            } => ec2
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(rules))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &what)),
            Change::Revoke {
                egress: true,
                rules,
            } => ec2
                .revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(Some(rules))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &what)),
        }?;
    }
    Ok(())
}

/// Creates a containment group with a name nobody else holds (a group someone created with the
/// name aws-ir would use is simply not ours), and reads it back.
async fn create_group(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    kind: GroupKind,
    execution: &str,
) -> Result<SecurityGroup, TaskError> {
    let stem = if kind == GroupKind::Open {
        "aws-ir-untrack"
    } else {
        "aws-ir-isolation"
    };
    let description = if kind == GroupKind::Open {
        "aws-ir: allows all traffic so tracked flows become untracked, for an instant before isolation"
    } else {
        "aws-ir: isolation, no inbound or outbound rules"
    };
    let suffix = {
        use sha2::{Digest, Sha256};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let h = Sha256::digest(format!("{execution}/{kind}/{nanos}"));
        h.iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let name = format!("{stem}-{vpc}-{suffix}");
    let created = ec2
        .create_security_group()
        .group_name(&name)
        .description(description)
        .vpc_id(vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(tag(TAG_ROLE, "isolation"))
                .tags(tag(TAG_ISOLATION, kind.as_str()))
                .tags(tag("Name", &name))
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("create the {kind} containment group in {vpc}"))
        })?;
    let id = created.group_id().unwrap_or_default().to_string();
    read_groups(ec2, std::slice::from_ref(&id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            TaskError::new(
                contract::ErrorName::Transient,
                format!("the new group {id} cannot be read yet"),
            )
        })
}

/// The groups by id; a group that no longer exists is left out.
async fn read_groups(
    ec2: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<Vec<SecurityGroup>, TaskError> {
    match ec2
        .describe_security_groups()
        .set_group_ids(Some(ids.to_vec()))
        .send()
        .await
    {
        Ok(out) => Ok(out.security_groups().to_vec()),
        Err(e)
            if aws_sdk_ec2::error::ProvideErrorMetadata::code(&e)
                == Some("InvalidGroup.NotFound") =>
        {
            // One of them is gone: read them one by one.
            let mut found = Vec::new();
            for id in ids {
                if let Ok(out) = ec2.describe_security_groups().group_ids(id).send().await {
                    found.extend(out.security_groups().to_vec());
                }
            }
            Ok(found)
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("read groups {}", ids.join(", ")),
        )),
    }
}

/// The VPC's containment groups, checked live: the recorded ones with their rules repaired, or
/// new ones created and recorded when none are recorded or a recorded one is gone.
async fn ensure_groups(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &InstanceStep,
    vpc: &str,
    recorded: Option<ContainmentGroups>,
    out: &mut Outcome,
) -> Result<ContainmentGroups, TaskError> {
    let table = &step.policy.case_table;
    let act = !step.case.dry_run;
    if let Some(r) = &recorded {
        let live = read_groups(ec2, &[r.open.clone(), r.closed.clone()]).await?;
        let find = |id: &str| live.iter().find(|g| g.group_id() == Some(id)).cloned();
        if let (Some(open), Some(closed)) = (find(&r.open), find(&r.closed)) {
            if !(changes(&open, GroupKind::Open).is_empty()
                && changes(&closed, GroupKind::Closed).is_empty())
            {
                out.note(format!("the recorded containment groups of {vpc} ({}, {}) had other rules than aws-ir gave them: put right", r.open, r.closed));
            }
            shape(ec2, GroupKind::Open, &open, act, out).await?;
            shape(ec2, GroupKind::Closed, &closed, act, out).await?;
            return Ok(r.clone());
        }
        out.note(format!(
            "a recorded containment group of {vpc} ({} or {}) is gone: creating new ones",
            r.open, r.closed
        ));
    }
    for kind in [GroupKind::Open, GroupKind::Closed] {
        out.act(
            "ec2:CreateSecurityGroup",
            vpc,
            format!("the {kind} containment group of {vpc}, recorded in the case table"),
        );
    }
    if !act {
        return Ok(ContainmentGroups {
            vpc: vpc.into(),
            open: format!("<{} group of {vpc}>", GroupKind::Open),
            closed: format!("<{} group of {vpc}>", GroupKind::Closed),
        });
    }
    let (open, closed) = (
        create_group(ec2, vpc, GroupKind::Open, &step.execution).await?,
        create_group(ec2, vpc, GroupKind::Closed, &step.execution).await?,
    );
    let groups = ContainmentGroups {
        vpc: vpc.into(),
        open: open.group_id().unwrap_or_default().to_string(),
        closed: closed.group_id().unwrap_or_default().to_string(),
    };
    shape(ec2, GroupKind::Open, &open, true, out).await?;
    shape(ec2, GroupKind::Closed, &closed, true, out).await?;
    if cases::record_containment_groups(dynamodb, table, &groups, recorded.as_ref(), &crate::now())
        .await?
    {
        return Ok(groups);
    }
    // Another execution recorded its groups first: use those, and remove ours.
    for id in [&groups.open, &groups.closed] {
        let _ = ec2
            .delete_security_group()
            .group_id(id.as_str())
            .send()
            .await;
    }
    let theirs = recorded_groups(dynamodb, table, vpc)
        .await?
        .ok_or_else(|| {
            TaskError::new(
                contract::ErrorName::Transient,
                format!("the containment groups of {vpc} changed while being recorded"),
            )
        })?;
    out.note(format!(
        "another execution recorded the containment groups of {vpc} first ({}, {}): using them",
        theirs.open, theirs.closed
    ));
    Ok(theirs)
}

async fn set_groups(ec2: &aws_sdk_ec2::Client, eni: &str, groups: &[String]) -> Result<(), aws_sdk_ec2::error::SdkError<aws_sdk_ec2::operation::modify_network_interface_attribute::ModifyNetworkInterfaceAttributeError>>{
    ec2.modify_network_interface_attribute()
        .network_interface_id(eni)
        .set_groups(Some(groups.to_vec()))
        .send()
        .await
        .map(|_| ())
}

/// Untracks, then isolates one interface. The interface is never left on the open group: the
/// second swap is tried again, and if it still fails, the interface gets back the groups it had.
async fn swap(
    ec2: aws_sdk_ec2::Client,
    eni: String,
    before: Vec<String>,
    open: String,
    closed: String,
) -> Result<(), TaskError> {
    set_groups(&ec2, &eni, std::slice::from_ref(&open))
        .await
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("put {eni} in the untracking group {open}"))
        })?;
    let mut last = None;
    for attempt in 0..SWAP_TRIES {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(200 * 2u64.pow(attempt))).await;
        }
        match set_groups(&ec2, &eni, std::slice::from_ref(&closed)).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                last = Some(TaskError::from_sdk(
                    e,
                    &format!("put {eni} in the isolation group {closed}"),
                ))
            }
        }
    }
    let why = last.map(|e| e.message).unwrap_or_default();
    let restored = set_groups(&ec2, &eni, &before).await;
    Err(TaskError::new(
        contract::ErrorName::Transient,
        match restored {
            Ok(()) => format!("{eni} could not be isolated after {SWAP_TRIES} tries ({why}); its groups [{}] were put back, so it is no more exposed than before: the case is incomplete", before.join(", ")),
            Err(e) => format!("{eni} could not be isolated ({why}) and its groups [{}] could not be put back ({}): it is in the untracking group {open}, open to the world, until it is isolated by hand: aws ec2 modify-network-interface-attribute --network-interface-id {eni} --groups {closed}", before.join(", "), TaskError::from_sdk(e, "restore").message),
        },
    ))
}

async fn run(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let table = step.policy.case_table.as_str();
    let (live, recorded, forensic) = tokio::join!(
        describe(ec2, &step.instance_id),
        cases::containment_groups(dynamodb, table),
        cases::forensic_interfaces(dynamodb, table, &step.case.case_id, &step.instance_id),
    );
    let mut live = live?;
    live.keep_recorded_forensic(&forensic?);
    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;
    let vpc = live.vpc_id.clone();
    let recorded = recorded?.into_iter().find(|g| g.vpc == vpc);
    let groups = ensure_groups(ec2, dynamodb, &step, &vpc, recorded, &mut out).await?;
    let (open, closed) = (groups.open.clone(), groups.closed.clone());
    // An interface already on the open group (a run that died between its swaps) falls back,
    // if isolating it fails, to the groups the pre-state recorded, never to the open group.
    let recorded_before = if live.interfaces.iter().any(|n| n.groups == [open.clone()]) {
        cases::pre_state(dynamodb, table, &step.case.case_id, &step.instance_id)
            .await?
            .map(|p| {
                p.interfaces
                    .into_iter()
                    .map(|i| (i.network_interface_id, i.security_groups))
                    .collect::<std::collections::BTreeMap<_, _>>()
            })
            .unwrap_or_default()
    } else {
        Default::default()
    };

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
            // An interface found on the open group (a run that died between its swaps) goes
            // back to nothing more open than it had: its pre-state groups are in the record.
            let before = if n.groups == [open.clone()] {
                recorded_before
                    .get(&n.id)
                    .cloned()
                    .unwrap_or_else(|| vec![closed.clone()])
            } else {
                n.groups.clone()
            };
            tasks.spawn(swap(
                ec2.clone(),
                n.id.clone(),
                before,
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
        nacl(ec2, dynamodb, &step, &live.interfaces, &mut out).await?;
    }
    if live.interfaces.is_empty() {
        out.note("the instance has no network interface");
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
    }
    Ok(out)
}

/// Undoes the swaps of [`run`]: each interface still attached (`live`) gets back the groups the
/// pre-state recorded for it; one that already has them is left alone, so a re-run changes
/// nothing, and one no longer attached is named in a note.
pub async fn restore_groups(
    ec2: &aws_sdk_ec2::Client,
    recorded: &[InterfaceState],
    live: &[LiveInterface],
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    for recorded in recorded {
        let Some(now) = live.iter().find(|n| n.id == recorded.network_interface_id) else {
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
            set_groups(ec2, &now.id, &recorded.security_groups)
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, &format!("restore the groups of {}", now.id))
                })?;
        }
    }
    Ok(())
}

/// How long isolation waits for another writer of the same network ACL (40 instances of one
/// subnet contained at once take turns of a few calls each).
pub const ACL_WAIT: std::time::Duration = std::time::Duration::from_secs(45);

/// The holder of a network ACL deny: one contained instance of one case.
pub fn nacl_holder(case_id: &str, instance_id: &str) -> String {
    format!("{case_id}#{instance_id}")
}

/// Who holds an ACL's write lease: Map iterations of one execution run at once, so the lease
/// names the instance too.
pub fn nacl_lease(step: &InstanceStep) -> String {
    format!("{}#{}", step.execution, step.instance_id)
}

/// Deny all traffic, both ways, on the NACL of each subnet the instance is in: IPv4, and IPv6
/// where the instance has an IPv6 address there. The deny-all is shared: through the one NACL
/// writer (`ip::nacl`), under the ACL's lease, held by every instance that needs it, so that
/// releasing one instance never lifts what another still needs.
async fn nacl(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
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
    let table = &step.policy.case_table;
    let holder = nacl_holder(&step.case.case_id, &step.instance_id);
    let lease = nacl_lease(step);
    let mut added = Vec::new();
    for subnet in subnets {
        let acls = ec2
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
        let mut networks: Vec<IpNet> = vec!["0.0.0.0/0".parse().expect("a network")];
        if interfaces
            .iter()
            .any(|n| n.subnet_id == subnet && !n.ipv6_addresses.is_empty())
        {
            networks.push("::/0".parse().expect("a network"));
        }
        if step.case.dry_run {
            for network in &networks {
                for egress in [false, true] {
                    out.act(
                        "ec2:CreateNetworkAclEntry",
                        &acl_id,
                        format!("deny all {} {network}", direction(egress)),
                    );
                }
            }
            continue;
        }
        ledger::lock(dynamodb, table, &acl_id, &lease, ACL_WAIT).await?;
        let held = hold_all(ec2, dynamodb, table, &acl_id, &networks, &holder, out).await;
        ledger::unlock(dynamodb, table, &acl_id, &lease).await;
        added.extend(held?);
    }
    if !added.is_empty() {
        cases::add_nacl_entries(
            dynamodb,
            table,
            &step.case.case_id,
            &step.instance_id,
            &added,
        )
        .await?;
    }
    Ok(())
}

fn direction(egress: bool) -> &'static str {
    if egress {
        "egress"
    } else {
        "ingress"
    }
}

/// Holds the deny of each network both ways in one ACL; the caller holds its lease.
async fn hold_all(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    acl: &str,
    networks: &[IpNet],
    holder: &str,
    out: &mut Outcome,
) -> Result<Vec<NaclEntry>, TaskError> {
    let mut added = Vec::new();
    for network in networks {
        for egress in [false, true] {
            let hold = nacl::hold_deny(
                ec2,
                dynamodb,
                table,
                acl,
                *network,
                egress,
                holder,
                nacl::Limits::default(),
            )
            .await?;
            let rule_number = match hold {
                nacl::Hold::Joined {
                    rule_number,
                    others,
                } => {
                    out.note(format!(
                        "{acl} rule {rule_number} already denies all {} {network} for {others} other contained instance(s): held for this one too",
                        direction(egress)
                    ));
                    rule_number
                }
                nacl::Hold::Written {
                    rule_number,
                    evicted,
                    ..
                } => {
                    out.act(
                        "ec2:CreateNetworkAclEntry",
                        acl,
                        format!(
                            "rule {rule_number} deny all {} {network}",
                            direction(egress)
                        ),
                    );
                    if let Some(e) = evicted {
                        out.note(format!(
                            "{acl} was full: aws-ir's oldest IP block ({} since {}) made room; it stays blocked in WAF",
                            e.network, e.blocked_at
                        ));
                    }
                    rule_number
                }
            };
            added.push(NaclEntry {
                network_acl_id: acl.to_string(),
                rule_number,
                egress,
                network: network.to_string(),
                held: true,
            });
        }
    }
    Ok(added)
}

/// Undoes [`nacl`]: the instance lets go of each deny the case recorded for it, under the ACL's
/// lease, and the last holder removes the entry, so releasing one instance never lifts what
/// another still needs. An entry recorded before denies were shared was the instance's alone:
/// it is removed. A dry run says what it would remove.
pub async fn release_nacl(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &InstanceStep,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let table = &step.policy.case_table;
    let act = !step.case.dry_run;
    let holder = nacl_holder(&step.case.case_id, &step.instance_id);
    let lease = nacl_lease(step);
    for entry in cases::nacl_entries(dynamodb, table, &step.case.case_id, &step.instance_id).await?
    {
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
            if nacl::remove_entry(ec2, acl, network, entry.egress, entry.rule_number).await? {
                out.act("ec2:DeleteNetworkAclEntry", acl, what);
            } else {
                out.note(format!("{what} of {acl} was already removed"));
            }
            continue;
        }
        ledger::lock(dynamodb, table, acl, &lease, ACL_WAIT).await?;
        let released =
            nacl::release_deny(ec2, dynamodb, table, acl, network, entry.egress, &holder).await;
        ledger::unlock(dynamodb, table, acl, &lease).await;
        match released? {
            nacl::Released::Removed { .. } => out.act("ec2:DeleteNetworkAclEntry", acl, what),
            nacl::Released::Kept { others } => out.note(format!(
                "{what} of {acl} stays: {others} other contained instance(s) still need it"
            )),
            nacl::Released::Gone => out.note(format!("{what} of {acl} was already removed")),
        }
    }
    Ok(())
}

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let out = run(ec2, dynamodb, step.clone()).await?;
    super::remember(dynamodb, &step, "isolate", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{self, World, CLOSED_GROUP, INSTANCE, NEIGHBOUR};

    /// Puts the recorded groups back on the live interfaces, as a release does.
    async fn restore_recorded(w: &World, recorded: &contract::tasks::ec2::PreState) -> Outcome {
        let live = describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut out = Outcome::new(false);
        restore_groups(
            &w.ec2(),
            &recorded.interfaces,
            &live.interfaces,
            true,
            &mut out,
        )
        .await
        .unwrap();
        out
    }

    /// The do, then its undo: each interface gets back exactly the groups the swap replaced,
    /// and a second undo finds nothing to change.
    #[tokio::test]
    async fn restoring_the_groups_undoes_the_swap() {
        let w = World::before();
        let mut step = fake::step(INSTANCE, false);
        step.policy.nacl_isolation = false;
        let before = w.snapshot();
        let recorded = w.record(INSTANCE).await;
        run(&w.ec2(), &w.dynamodb(), step).await.unwrap();
        for n in w.snapshot().attached() {
            assert_eq!(n.groups, [CLOSED_GROUP], "{} is isolated", n.id);
        }
        w.take_calls();

        restore_recorded(&w, &recorded).await;
        assert_eq!(
            w.take_calls(),
            [
                "ec2:ModifyNetworkInterfaceAttribute eni-a [sg-web, sg-db]",
                "ec2:ModifyNetworkInterfaceAttribute eni-b [sg-admin]",
            ]
        );
        assert_eq!(w.snapshot().enis, before.enis);

        let again = restore_recorded(&w, &recorded).await;
        assert_eq!(w.take_calls(), Vec::<String>::new());
        assert!(again.actions.is_empty() && again.notes.is_empty());
    }

    /// An interface detached since isolation is not written to, and the outcome says so.
    #[tokio::test]
    async fn an_interface_gone_since_keeps_its_isolation_and_is_named() {
        let w = World::before();
        let mut step = fake::step(INSTANCE, false);
        step.policy.nacl_isolation = false;
        let recorded = w.record(INSTANCE).await;
        run(&w.ec2(), &w.dynamodb(), step).await.unwrap();
        w.change(|s| s.enis[1].attachment = None);
        w.take_calls();

        let out = restore_recorded(&w, &recorded).await;
        assert_eq!(
            w.take_calls(),
            ["ec2:ModifyNetworkInterfaceAttribute eni-a [sg-web, sg-db]"]
        );
        assert_eq!(
            out.notes,
            ["eni-b is no longer attached; its groups were not restored"]
        );
        assert_eq!(w.snapshot().eni("eni-b").groups, [CLOSED_GROUP]);
    }

    /// Two instances of one subnet hold the same denies. Releasing one lets go of its hold and
    /// leaves the denies to the other; releasing the last removes exactly the entries the do
    /// wrote, and the ACL and the ledger are as they were.
    #[tokio::test]
    async fn releasing_the_nacl_lets_go_and_the_last_holder_removes_the_denies() {
        let w = World::before();
        let before = w.snapshot();
        let (first, second) = (fake::step(INSTANCE, false), fake::step(NEIGHBOUR, false));
        let interfaces = describe(&w.ec2(), INSTANCE).await.unwrap().interfaces;
        let mut out = Outcome::new(false);
        nacl(&w.ec2(), &w.dynamodb(), &first, &interfaces, &mut out)
            .await
            .unwrap();
        nacl(&w.ec2(), &w.dynamodb(), &second, &interfaces, &mut out)
            .await
            .unwrap();
        let written: Vec<String> = w
            .take_calls()
            .iter()
            .filter_map(|c| c.strip_prefix("ec2:CreateNetworkAclEntry "))
            .map(|c| c.split(" deny").next().unwrap().to_string())
            .collect();
        assert_eq!(written.len(), 4, "both ways, IPv4 and IPv6: {written:?}");
        let held = w.snapshot();

        let mut out = Outcome::new(false);
        release_nacl(&w.ec2(), &w.dynamodb(), &second, &mut out)
            .await
            .unwrap();
        assert_eq!(w.snapshot().acl, held.acl, "the denies stay for the other");
        assert!(out.actions.is_empty());
        assert_eq!(out.notes.len(), 4);
        assert!(
            out.notes
                .iter()
                .all(|n| n.ends_with("stays: 1 other contained instance(s) still need it")),
            "{:?}",
            out.notes
        );
        for h in w.snapshot().ledger("held#") {
            assert_eq!(
                h.get("holders").and_then(|v| v.as_ss().ok()),
                Some(&vec![nacl_holder(fake::CASE, INSTANCE)])
            );
        }

        w.take_calls();
        let mut out = Outcome::new(false);
        release_nacl(&w.ec2(), &w.dynamodb(), &first, &mut out)
            .await
            .unwrap();
        let removed: Vec<String> = w
            .take_calls()
            .iter()
            .filter_map(|c| c.strip_prefix("ec2:DeleteNetworkAclEntry "))
            .map(String::from)
            .collect();
        assert_eq!(removed, written, "the undo removes what the do wrote");
        assert_eq!(out.actions.len(), 4);
        let after = w.snapshot();
        assert_eq!(after.acl, before.acl);
        assert!(after.ledger("held#").is_empty() && after.ledger("lock#").is_empty());
    }
}
