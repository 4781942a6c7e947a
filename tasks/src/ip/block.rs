//! The `block-in-waf` and `block-in-nacl` steps.
//!
//! WAF needs no lock of ours: `UpdateIPSet` is guarded by the lock token, and [`waf::write`]
//! re-reads and merges on a conflict. A network ACL has no such guard: two writers could pick
//! the same free number (one fails and retries, harmless) or evict the same oldest deny (the
//! second `ReplaceNetworkAclEntry` silently overwrites the first's block). So each ACL has one
//! writer at a time, under a lease in the case table ([`ledger::lock`]); other ACLs and the WAF
//! go on in parallel.

use super::ledger;
use super::nacl::{self, Limits, Ours};
use super::waf::{self, IpSetRef, LedgerSet};
use crate::cases;
use crate::error::TaskError;
use aws_sdk_wafv2::types::Scope;
use contract::case::{Case, CasePlace, Direction};
use contract::tasks::ip::{BlockOutcome, BlockStep, Family, IpPolicy, StackIpSet};
use contract::tasks::outcome::{Outcome, Status};
use contract::ErrorName;
use ipnet::IpNet;
use std::time::Duration;

/// Lock-token conflicts survived per write before the step fails (and Step Functions retries).
const WAF_ATTEMPTS: u32 = 12;
/// How long a writer waits for a network ACL another execution is writing.
const ACL_WAIT: Duration = Duration::from_secs(90);

/// One of the stack's IP sets (`name|id|scope`), and whether it holds IPv6; `None` for a set
/// the stack does not have.
pub fn ip_set(stack_set: &StackIpSet) -> Option<(IpSetRef, bool)> {
    let mut parts = stack_set.set.split('|');
    let (name, id, scope) = (parts.next()?, parts.next()?, parts.next()?);
    if name.is_empty() || id.is_empty() {
        return None;
    }
    Some((
        IpSetRef {
            name: name.to_string(),
            id: id.to_string(),
            scope: Scope::from(scope),
        },
        stack_set.family == Family::Ipv6,
    ))
}

/// A member's set (#20), named without its id (`name||scope`), and whether it holds IPv6.
fn member_ip_set(stack_set: &StackIpSet) -> Option<(String, Scope, bool)> {
    let mut parts = stack_set.set.split('|');
    let (name, _, scope) = (parts.next()?, parts.next()?, parts.next()?);
    (!name.is_empty()).then(|| {
        (
            name.to_string(),
            Scope::from(scope),
            stack_set.family == Family::Ipv6,
        )
    })
}

/// The case's place when its policy is a member's: what the ledger records with its blocks.
fn member_place(step: &BlockStep) -> Option<CasePlace> {
    step.policy.in_member.then(|| CasePlace {
        case_id: step.case.case_id.clone(),
        account: step.case.account.clone(),
        region: step.case.region.clone(),
    })
}

pub fn networks(texts: &[String]) -> Result<Vec<IpNet>, TaskError> {
    texts
        .iter()
        .map(|t| {
            t.parse::<IpNet>()
                .map_err(|_| TaskError::invalid_event(format!("`{t}` is not a network to block")))
        })
        .collect()
}

/// The reserved rule numbers and limits from the policy.
pub fn limits(p: &IpPolicy) -> Result<Limits, TaskError> {
    let (first, last) = p
        .rule_range()
        .map_err(|e| TaskError::new(ErrorName::Misconfigured, e))?;
    Ok(Limits {
        first,
        last,
        per_direction: p.nacl_limit.max(1.0) as usize,
    })
}

fn start(step: &BlockStep) -> BlockOutcome {
    let plan_only = step.case.dry_run || !step.policy.block;
    let mut out = BlockOutcome {
        outcome: Outcome::new(plan_only),
        ..BlockOutcome::default()
    };
    if !step.policy.block {
        out.outcome.note(
            "detect mode (Block=false): nothing is written, these are the changes it would make",
        );
    }
    out
}

async fn record(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &BlockStep,
    attribute: &str,
    out: &BlockOutcome,
) {
    if step.case.dry_run {
        return;
    }
    // The record is for people; a failure to write it must not undo a block that was made.
    let _ = cases::record_on(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &contract::tasks::ip::record_item(&step.execution),
        attribute,
        &serde_json::to_value(out).unwrap_or_default(),
    )
    .await;
}

async fn touch_all(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &BlockStep,
    nets: &[IpNet],
    out: &mut BlockOutcome,
) -> Result<(), TaskError> {
    let now = ledger::now_epoch();
    for net in nets {
        let until = ledger::touch(
            dynamodb,
            &step.policy.case_table,
            net,
            &step.case.case_id,
            now,
            step.policy.ttl_hours,
        )
        .await?;
        out.expires.push(format!("{net} until {until}"));
    }
    Ok(())
}

pub async fn block_in_waf(
    wafv2: &aws_sdk_wafv2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: BlockStep,
) -> Result<BlockOutcome, TaskError> {
    let nets = networks(&step.networks)?;
    let mut out = start(&step);
    let place = member_place(&step);
    let sets: Vec<(IpSetRef, bool)> = if place.is_some() {
        // The member stack's sets, found by name where the case is.
        let mut sets = Vec::new();
        for (name, scope, v6) in step.policy.ip_sets.iter().filter_map(member_ip_set) {
            sets.push((waf::find(wafv2, &name, scope).await?, v6));
        }
        sets
    } else {
        step.policy.ip_sets.iter().filter_map(ip_set).collect()
    };
    if out.outcome.status == Status::Planned {
        for (set, v6) in &sets {
            for net in nets.iter().filter(|n| n.addr().is_ipv6() == *v6) {
                out.outcome
                    .act("wafv2:UpdateIPSet", &set.name, format!("would add {net}"));
            }
        }
        return Ok(out);
    }
    touch_all(dynamodb, &step, &nets, &mut out).await?;
    for (set, v6) in &sets {
        let family: Vec<IpNet> = nets
            .iter()
            .copied()
            .filter(|n| n.addr().is_ipv6() == *v6)
            .collect();
        if family.is_empty() {
            continue;
        }
        let written = waf::write(wafv2, set, &family, true, WAF_ATTEMPTS).await?;
        out.retries += written.lock_retries;
        for net in &written.changed {
            out.outcome
                .act("wafv2:UpdateIPSet", &set.name, format!("added {net}"));
        }
        for net in &written.unchanged {
            out.outcome
                .note(format!("{net} was already in {}", set.name));
        }
        let reference = LedgerSet {
            set: set.clone(),
            place: place.clone(),
        }
        .text();
        for net in &family {
            ledger::add_ip_set(dynamodb, &step.policy.case_table, net, &reference).await?;
        }
    }
    if out.outcome.actions.is_empty() {
        out.outcome.status = Status::Skipped;
    }
    if out.retries > 0 {
        out.outcome.note(format!(
            "{} concurrent write(s) to the IP sets met and merged (lock token conflicts)",
            out.retries
        ));
    }
    record(dynamodb, &step, "waf", &out).await;
    Ok(out)
}

/// Inbound always; outbound too when the policy says so, or when our instance reached the
/// address (attacker infrastructure: a C&C server, a drop point), so that no other instance in
/// the subnet can open a connection to it.
fn directions(p: &IpPolicy, case: &Case, net: &IpNet) -> Vec<bool> {
    let reached = case.remote_ips.iter().any(|r| {
        r.direction == Direction::Outbound
            && r.address
                .parse::<IpNet>()
                .map(|a| net.contains(&a))
                .or_else(|_| {
                    r.address
                        .parse::<std::net::IpAddr>()
                        .map(|a| net.contains(&a))
                })
                .unwrap_or(false)
    });
    if p.nacl_egress || reached {
        vec![false, true]
    } else {
        vec![false]
    }
}

fn arrow(egress: bool) -> &'static str {
    if egress {
        "outbound"
    } else {
        "inbound"
    }
}

/// Denies `nets` in one ACL; the caller holds its lease.
async fn deny_in(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &BlockStep,
    acl: &str,
    nets: &[IpNet],
    limits: Limits,
    out: &mut BlockOutcome,
) -> Result<(), TaskError> {
    let table = &step.policy.case_table;
    let mut ours: Vec<Ours> = ledger::denies(dynamodb, table, Some(acl))
        .await?
        .iter()
        .map(Ours::from)
        .collect();
    for net in nets {
        for egress in directions(&step.policy, &step.case, net) {
            let denied = nacl::deny(ec2, acl, *net, egress, &ours, limits, 5).await?;
            out.retries += denied.races;
            if denied.already {
                let mine = ours.iter().any(|o| {
                    o.network == *net && o.egress == egress && o.rule_number == denied.rule_number
                });
                out.outcome.note(if mine {
                    format!("{net} was already denied {} in {acl} (rule {})", arrow(egress), denied.rule_number)
                } else {
                    format!("{net} is already denied {} in {acl} by rule {}, which aws-ir did not write: left as it is", arrow(egress), denied.rule_number)
                });
                continue;
            }
            let blocked_at = crate::now();
            let deny = ledger::Deny {
                acl: acl.to_string(),
                network: *net,
                egress,
                rule_number: denied.rule_number,
                blocked_at: blocked_at.clone(),
                case_id: step.case.case_id.clone(),
                place: member_place(step),
            };
            ledger::put_deny(dynamodb, table, &deny).await?;
            let call = if denied.evicted.is_some() {
                "ec2:ReplaceNetworkAclEntry"
            } else {
                "ec2:CreateNetworkAclEntry"
            };
            out.outcome.act(
                call,
                acl,
                format!(
                    "deny {net} {} as rule {}",
                    arrow(egress),
                    denied.rule_number
                ),
            );
            if let Some(evicted) = &denied.evicted {
                ledger::delete(
                    dynamodb,
                    table,
                    &ledger::deny_item(acl, evicted.egress, &evicted.network),
                )
                .await?;
                ours.retain(|o| o != evicted);
                out.evicted
                    .push(format!("{acl} {} {}", evicted.rule_number, evicted.network));
                out.outcome.note(format!(
                    "{acl} was full: aws-ir's oldest deny ({} since {}, rule {}) made room; it stays blocked in WAF",
                    evicted.network, evicted.blocked_at, evicted.rule_number
                ));
            }
            ours.push(Ours {
                rule_number: denied.rule_number,
                network: *net,
                egress,
                blocked_at,
            });
        }
    }
    Ok(())
}

pub async fn block_in_nacl(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: BlockStep,
) -> Result<BlockOutcome, TaskError> {
    let nets = networks(&step.networks)?;
    let limits = limits(&step.policy)?;
    let mut out = start(&step);
    if step.network_acls.is_empty() {
        out.outcome.status = Status::Skipped;
        out.outcome
            .note("no network ACL: the case names no instance with a subnet here");
        return Ok(out);
    }
    if out.outcome.status == Status::Planned {
        for acl in &step.network_acls {
            let live = nacl::entries(ec2, acl).await?;
            let ours: Vec<Ours> = Vec::new();
            for net in &nets {
                for egress in directions(&step.policy, &step.case, net) {
                    let plan = nacl::plan(&live, &ours, *net, egress, limits);
                    out.outcome.act(
                        "ec2:CreateNetworkAclEntry",
                        acl,
                        format!("would deny {net} {}: {plan:?}", arrow(egress)),
                    );
                }
            }
        }
        return Ok(out);
    }
    touch_all(dynamodb, &step, &nets, &mut out).await?;
    let holder = step.execution.clone();
    for acl in &step.network_acls {
        out.retries +=
            ledger::lock(dynamodb, &step.policy.case_table, acl, &holder, ACL_WAIT).await?;
        let done = deny_in(ec2, dynamodb, &step, acl, &nets, limits, &mut out).await;
        ledger::unlock(dynamodb, &step.policy.case_table, acl, &holder).await;
        done?;
    }
    if out.outcome.actions.is_empty() {
        out.outcome.status = Status::Skipped;
    }
    record(dynamodb, &step, "nacl", &out).await;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_set_references_and_their_family() {
        use contract::tasks::ip::WafScope;
        let stack_set = |family, set: &str| StackIpSet {
            family,
            scope: WafScope::Regional,
            set: set.into(),
        };
        // The family is the policy's, whatever the set is called.
        let (set, v6) = ip_set(&stack_set(Family::Ipv6, "blocklist|abc|REGIONAL")).unwrap();
        assert!(v6 && set.name == "blocklist" && set.scope == Scope::Regional);
        let (set, v6) = ip_set(&stack_set(Family::Ipv4, "ir-blocked-ipv6|d|CLOUDFRONT")).unwrap();
        assert!(!v6 && set.scope == Scope::Cloudfront);
        assert!(ip_set(&stack_set(Family::Ipv4, "")).is_none());
        assert!(ip_set(&stack_set(Family::Ipv4, "a||REGIONAL")).is_none());
        // A member's set is named without its id, which is found where the case is.
        let (name, scope, v6) =
            member_ip_set(&stack_set(Family::Ipv6, "aws-ir-blocked-ipv6||REGIONAL")).unwrap();
        assert!(v6 && name == "aws-ir-blocked-ipv6" && scope == Scope::Regional);
        assert!(member_ip_set(&stack_set(Family::Ipv4, "")).is_none());
    }
}
