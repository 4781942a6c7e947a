//! The `expire-blocks` step: blocks whose time is up leave WAF and the network ACLs, and the
//! ledger is reconciled with AWS both ways:
//!
//! - a block the ledger holds that AWS lost (an entry deleted by hand, an address taken out of
//!   a set) is written again while it has time left;
//! - an address in the stack's own IP sets without a ledger row is removed and reported (the
//!   sets are aws-ir's; a block by hand goes through `irctl start malicious-ip --ip`);
//! - a deny in aws-ir's rule range that it did not write is reported and left alone: an ACL
//!   entry carries no owner, so it is not provably ours, and deleting another team's rule is
//!   the one thing this must never do.
//!
//! A member's blocks (#20) are reconciled where they are: every member set and ACL the ledger
//! names, through the member role, in a session named after the case that blocked there. A
//! member that cannot be reached (its role deleted, the account gone) is reported and does not
//! stop the others; its expired blocks stay in the ledger, so the next run tries them again.

use super::block::{ip_set, limits};
use super::ledger::{self, Deny};
use super::nacl::{self, Ours};
use super::waf::{self, LedgerSet};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use crate::member::Places;
use contract::case::CasePlace;
use contract::tasks::ip::{ExpireInput, ExpireOutcome};
use contract::tasks::outcome::{Outcome, Status};
use ipnet::IpNet;
use std::collections::BTreeSet;
use std::time::Duration;

fn push(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

clients! {
    /// What expiry calls: the ledger (DynamoDB), the stack's IP sets (WAF), the network ACLs
    /// (EC2).
    pub struct ExpireClients {
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        wafv2: aws_sdk_wafv2::Client,
    }
}

/// What every reconciliation of one run shares.
struct Run<'a> {
    aws: &'a ExpireClients,
    table: &'a str,
    /// Blocks with time left.
    active: &'a [ledger::Block],
    /// Networks whose time is up.
    expired: &'a BTreeSet<IpNet>,
    limits: nacl::Limits,
    plan_only: bool,
}

/// How a place is named in the outcome: `ACL` or `ACL in ACCOUNT/REGION`.
fn at(what: &str, place: &Option<CasePlace>) -> String {
    match place {
        None => what.to_string(),
        Some(p) => format!("{what} in {}/{}", p.account, p.region),
    }
}

/// One of our IP sets, through `wafv2` (this account's, or the member's where the set is):
/// expired and unknown addresses out, lost ones back in.
async fn reconcile_set(
    run: &Run<'_>,
    wafv2: &aws_sdk_wafv2::Client,
    ledger_set: &LedgerSet,
    v6: bool,
    out: &mut ExpireOutcome,
) -> Result<(), TaskError> {
    let (active, expired, plan_only) = (run.active, run.expired, run.plan_only);
    let set = &ledger_set.set;
    let name = at(&set.name, &ledger_set.place);
    let (addresses, _) = waf::read(wafv2, set).await?;
    let live: Vec<IpNet> = addresses
        .iter()
        .filter_map(|a| a.parse::<IpNet>().ok())
        .map(|n| n.trunc())
        .collect();
    let known = |n: &IpNet| active.iter().any(|b| b.network == *n);
    let mut remove = Vec::new();
    for n in &live {
        if expired.contains(n) {
            remove.push(*n);
        } else if !known(n) {
            remove.push(*n);
            push(&mut out.removed_unknown, format!("{n} in {name}"));
        }
    }
    let in_this_set = |b: &ledger::Block| {
        b.ip_sets
            .iter()
            .filter_map(|t| LedgerSet::parse(t))
            .any(|s| s.same_set(ledger_set))
    };
    let lost: Vec<IpNet> = active
        .iter()
        .filter(|b| b.network.addr().is_ipv6() == v6 && in_this_set(b))
        .map(|b| b.network)
        .filter(|n| !live.contains(n))
        .collect();
    for n in &lost {
        push(&mut out.reapplied, format!("{n} in {name}"));
    }
    if plan_only {
        return Ok(());
    }
    if !remove.is_empty() {
        let w = waf::write(wafv2, set, &remove, false, 12).await?;
        for n in &w.changed {
            out.outcome
                .act("wafv2:UpdateIPSet", &name, format!("removed {n}"));
        }
    }
    if !lost.is_empty() {
        let w = waf::write(wafv2, set, &lost, true, 12).await?;
        for n in &w.changed {
            out.outcome
                .act("wafv2:UpdateIPSet", &name, format!("added {n} again"));
        }
    }
    Ok(())
}

/// Every member set (#20) a block of `blocks` was written to, once per set and place, with
/// whether it holds IPv6 (a set holds one family).
fn member_sets(blocks: &[ledger::Block]) -> Vec<(LedgerSet, bool)> {
    let mut out: Vec<(LedgerSet, bool)> = Vec::new();
    for b in blocks {
        for set in b.ip_sets.iter().filter_map(|t| LedgerSet::parse(t)) {
            if set.place.is_some() && !out.iter().any(|(s, _)| s.same_set(&set)) {
                out.push((set, b.network.addr().is_ipv6()));
            }
        }
    }
    out
}

/// A member's set or ACL this run could not reach: reported (and notified), and its expired
/// blocks left in the ledger for the next run.
fn not_reached(out: &mut ExpireOutcome, kind: &str, what: &str, e: &TaskError) {
    push(
        &mut out.unreachable,
        format!("{kind} {what}: {}: {}", e.name.as_str(), e.message),
    );
    out.outcome.note(format!(
        "{kind} {what} was not reached this run ({}); its expired blocks stay in the ledger for the next run",
        e.name.as_str()
    ));
}

/// Whether `place` is one of `failed` (the same account and Region).
fn among(failed: &[CasePlace], place: &Option<CasePlace>) -> bool {
    place.as_ref().is_some_and(|p| {
        failed
            .iter()
            .any(|f| f.account == p.account && f.region == p.region)
    })
}

/// One network ACL, under its lease, through `ec2` (this account's, or the member's where the
/// ACL is).
async fn reconcile_acl(
    run: &Run<'_>,
    ec2: &aws_sdk_ec2::Client,
    acl: &str,
    rows: &[Deny],
    out: &mut ExpireOutcome,
) -> Result<(), TaskError> {
    let (aws, table, active, limits, plan_only) =
        (run.aws, run.table, run.active, run.limits, run.plan_only);
    let live = match nacl::entries(ec2, acl).await {
        Ok(l) => l,
        Err(e) if e.name == contract::ErrorName::ResourceNotFound => {
            // The ACL is gone, and its entries with it.
            out.outcome.note(format!(
                "network ACL {acl} no longer exists: its ledger rows are closed"
            ));
            if !plan_only {
                for d in rows {
                    ledger::delete(
                        &aws.dynamodb,
                        table,
                        &ledger::deny_item(acl, d.egress, &d.network),
                    )
                    .await?;
                }
                ledger::delete(&aws.dynamodb, table, &format!("acl#{acl}")).await?;
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let is_live = |d: &Deny| {
        live.iter()
            .any(|e| e.is_deny(d.rule_number, d.network, d.egress))
    };
    let mut ours: Vec<Ours> = rows.iter().map(Ours::from).collect();
    for d in rows {
        let still = active.iter().any(|b| b.network == d.network);
        let item = ledger::deny_item(acl, d.egress, &d.network);
        if !still {
            push(&mut out.expired, d.network.to_string());
            if plan_only {
                continue;
            }
            if is_live(d) {
                ec2.delete_network_acl_entry()
                    .network_acl_id(acl)
                    .rule_number(d.rule_number)
                    .egress(d.egress)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(
                            e,
                            &format!("delete rule {} of network ACL {acl}", d.rule_number),
                        )
                    })?;
                out.outcome.act(
                    "ec2:DeleteNetworkAclEntry",
                    acl,
                    format!("removed the deny of {} (rule {})", d.network, d.rule_number),
                );
            }
            ledger::delete(&aws.dynamodb, table, &item).await?;
            ours.retain(|o| !(o.network == d.network && o.egress == d.egress));
        } else if !is_live(d) {
            push(&mut out.reapplied, format!("{} in {acl}", d.network));
            if plan_only {
                continue;
            }
            // Written again, perhaps under another number: plan against what is live now.
            ours.retain(|o| !(o.network == d.network && o.egress == d.egress));
            let denied = nacl::deny(ec2, acl, d.network, d.egress, &ours, limits, 5).await?;
            let again = Deny {
                rule_number: denied.rule_number,
                blocked_at: crate::now(),
                ..d.clone()
            };
            ledger::put_deny(&aws.dynamodb, table, &again).await?;
            out.outcome.act(
                "ec2:CreateNetworkAclEntry",
                acl,
                format!(
                    "denied {} again as rule {} (the entry had been removed)",
                    d.network, denied.rule_number
                ),
            );
            ours.push(Ours {
                rule_number: again.rule_number,
                network: again.network,
                egress: again.egress,
                blocked_at: again.blocked_at,
            });
        }
    }
    // Denies contained instances hold are aws-ir's too; they are no block and never expire.
    let held = ledger::held(&aws.dynamodb, table, acl).await?;
    for e in live
        .iter()
        .filter(|e| e.deny && (limits.first..=limits.last).contains(&e.rule_number))
    {
        let written_by_us = rows.iter().any(|d| {
            d.rule_number == e.rule_number && d.network == e.network && d.egress == e.egress
        }) || held.iter().any(|h| {
            h.rule_number == e.rule_number && h.network == e.network && h.egress == e.egress
        });
        if !written_by_us {
            push(
                &mut out.foreign,
                format!(
                    "{acl} {} {} {}",
                    e.rule_number,
                    if e.egress { "outbound" } else { "inbound" },
                    e.network
                ),
            );
        }
    }
    Ok(())
}

pub async fn expire_blocks(
    aws: &ExpireClients,
    places: &Places<'_, ExpireClients>,
    input: ExpireInput,
) -> Result<ExpireOutcome, TaskError> {
    let as_of = ledger::epoch(&input.as_of).ok_or_else(|| {
        TaskError::invalid_event(format!(
            "`{}` is not an RFC 3339 time to expire against",
            input.as_of
        ))
    })?;
    let policy = &input.policy;
    let table = &policy.case_table;
    let limits = limits(policy)?;
    let plan_only = input.dry_run || !policy.block;
    let mut out = ExpireOutcome {
        outcome: Outcome::new(plan_only),
        ..ExpireOutcome::default()
    };

    let blocks = ledger::blocks(&aws.dynamodb, table).await?;
    let (expired_blocks, active): (Vec<ledger::Block>, Vec<ledger::Block>) =
        blocks.into_iter().partition(|b| b.expires_epoch <= as_of);
    let expired: BTreeSet<IpNet> = expired_blocks.iter().map(|b| b.network).collect();
    for b in &expired_blocks {
        push(&mut out.expired, b.network.to_string());
    }
    out.active = active.len() as u32;

    let run = Run {
        aws,
        table,
        active: &active,
        expired: &expired,
        limits,
        plan_only,
    };
    for text in &policy.ip_sets {
        if let Some((set, v6)) = ip_set(text) {
            let set = LedgerSet { set, place: None };
            reconcile_set(&run, &aws.wafv2, &set, v6, &mut out).await?;
        }
    }
    // Places of members that could not be reconciled: reported, the others go on.
    let mut failed: Vec<CasePlace> = Vec::new();
    let all: Vec<ledger::Block> = expired_blocks.iter().chain(&active).cloned().collect();
    for (set, v6) in member_sets(&all) {
        let place = set.place.clone().unwrap_or_default();
        let done = match places.clients(&place).await {
            Ok(there) => reconcile_set(&run, &there.wafv2, &set, v6, &mut out).await,
            Err(e) => Err(e),
        };
        if let Err(e) = done {
            not_reached(&mut out, "IP set", &at(&set.set.name, &set.place), &e);
            failed.push(place);
        }
    }

    let rows = ledger::denies(&aws.dynamodb, table, None).await?;
    let mut acls: Vec<ledger::Acl> = ledger::acls(&aws.dynamodb, table).await?;
    for d in &rows {
        if !acls.iter().any(|a| a.acl == d.acl) {
            acls.push(ledger::Acl {
                acl: d.acl.clone(),
                place: d.place.clone(),
            });
        }
    }
    let holder = format!("expiry {}", input.as_of);
    for acl in &acls {
        let mine: Vec<Deny> = rows.iter().filter(|d| d.acl == acl.acl).cloned().collect();
        let ec2 = match &acl.place {
            None => aws.ec2.clone(),
            Some(p) => match places.clients(p).await {
                Ok(there) => there.ec2,
                Err(e) => {
                    not_reached(&mut out, "network ACL", &at(&acl.acl, &acl.place), &e);
                    failed.push(p.clone());
                    continue;
                }
            },
        };
        if !plan_only {
            ledger::lock(
                &aws.dynamodb,
                table,
                &acl.acl,
                &holder,
                Duration::from_secs(120),
            )
            .await?;
        }
        let done = reconcile_acl(&run, &ec2, &acl.acl, &mine, &mut out).await;
        if !plan_only {
            ledger::unlock(&aws.dynamodb, table, &acl.acl, &holder).await;
        }
        match done {
            Err(e) if acl.place.is_some() => {
                not_reached(&mut out, "network ACL", &at(&acl.acl, &acl.place), &e);
                failed.extend(acl.place.clone());
            }
            other => other?,
        }
    }

    if !plan_only {
        for b in &expired_blocks {
            // A block still written in a member that could not be reached stays on record.
            let unreachable = b
                .ip_sets
                .iter()
                .filter_map(|t| LedgerSet::parse(t))
                .any(|s| among(&failed, &s.place))
                || rows
                    .iter()
                    .any(|d| d.network == b.network && among(&failed, &d.place));
            if unreachable {
                // Not "expired" to a reader: it is still in force there (see `unreachable`).
                let network = b.network.to_string();
                out.expired.retain(|e| *e != network);
                continue;
            }
            ledger::delete(&aws.dynamodb, table, &ledger::block_item(&b.network)).await?;
            // The owner case's record says when its block ended.
            let _ = cases::record_on(
                &aws.dynamodb,
                table,
                &b.owner_case,
                &format!("unblocked#{}", b.network),
                "expired",
                &serde_json::json!({"network": b.network.to_string(), "expired_at": ledger::rfc3339(b.expires_epoch), "removed_at": crate::now()}),
            )
            .await;
        }
    }
    if out.outcome.actions.is_empty() && !plan_only {
        out.outcome.status = Status::Skipped;
    }
    for f in &out.foreign.clone() {
        out.outcome.note(format!(
            "a deny in aws-ir's rule range that it did not write, left alone: {f}"
        ));
    }
    Ok(out)
}
