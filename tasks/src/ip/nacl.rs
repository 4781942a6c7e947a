//! Where a network ACL deny goes, and what it may displace.
//!
//! A network ACL has no tags or descriptions on its entries, so "ours" means both: in the rule
//! numbers reserved to aws-ir, and in aws-ir's ledger with the same network. A rule in that
//! range that the ledger does not know is somebody else's and is never touched (its number is
//! skipped). Rules are evaluated lowest number first, so the reserved range sits below the
//! account's own allow rules.
//!
//! AWS allows 20 rules per direction and address family by default (Amazon VPC quotas:
//! "Rules per network ACL", adjustable up to 40); when full, the oldest of our own denies makes
//! room, and a list with none of ours is `LimitReached` for a human.
//!
//! This is the one writer of network ACL entries: IP blocking ([`deny`]) and EC2 NACL isolation
//! ([`hold_deny`], [`release_deny`]) share the allocator, the lease on the ACL and the ledger.
//! Isolation's deny-all is *held*: one entry per ACL, direction and family, kept while any
//! contained instance needs it, and never evicted to make room for a block.

use super::ledger;
use crate::error::TaskError;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::RuleAction;
use contract::ErrorName;
use ipnet::IpNet;

/// A live entry, as `DescribeNetworkAcls` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub rule_number: i32,
    pub network: IpNet,
    pub egress: bool,
    pub deny: bool,
}

impl Entry {
    /// This entry is the deny of `network` with number `rule_number` in that direction.
    pub fn is_deny(&self, rule_number: i32, network: IpNet, egress: bool) -> bool {
        self.rule_number == rule_number
            && self.network == network
            && self.egress == egress
            && self.deny
    }
}

/// One of our denies, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    pub rule_number: i32,
    pub network: IpNet,
    pub egress: bool,
    /// RFC 3339; the oldest is evicted first.
    pub blocked_at: String,
}

impl From<&ledger::Deny> for Ours {
    fn from(d: &ledger::Deny) -> Ours {
        Ours {
            rule_number: d.rule_number,
            network: d.network,
            egress: d.egress,
            blocked_at: d.blocked_at.clone(),
        }
    }
}

/// The rule numbers reserved to aws-ir, and how many rules a direction and family may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub first: i32,
    pub last: i32,
    pub per_direction: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            first: 1,
            last: 40,
            per_direction: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The network is already denied in this direction (by us or anyone): nothing to do.
    Present { rule_number: i32 },
    /// Create the deny with this number.
    Add { rule_number: i32 },
    /// Full: delete our oldest deny (`evict`), then create the new one in its number.
    Replace { evict: Ours },
    /// Full, and none of the rules is ours to displace.
    Full { reason: String },
}

/// The default rules (`*`: 32767 for IPv4, 32768 for IPv6) are not counted, as AWS does not
/// count them.
const DEFAULT_RULE: i32 = 32767;

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// Where a deny of `network` in direction `egress` goes, given the live entries and our ledger.
/// Any rule that already denies it counts: a blocked address is blocked, whoever wrote the rule.
pub fn plan(live: &[Entry], ours: &[Ours], network: IpNet, egress: bool, limits: Limits) -> Plan {
    plan_with(live, ours, network, egress, limits, true)
}

/// [`plan`], where `existing_counts: false` writes a deny of aws-ir's own even when some rule
/// already denies the network: a contained instance must not stay isolated only by a rule its
/// writer may delete at will.
pub fn plan_with(
    live: &[Entry],
    ours: &[Ours],
    network: IpNet,
    egress: bool,
    limits: Limits,
    existing_counts: bool,
) -> Plan {
    let same_direction: Vec<&Entry> = live
        .iter()
        .filter(|e| e.egress == egress && e.rule_number < DEFAULT_RULE)
        .collect();
    // A deny counts only if no allow overlapping it is evaluated first (lowest number first).
    let effective = |e: &Entry| {
        !same_direction
            .iter()
            .any(|a| !a.deny && a.rule_number < e.rule_number && overlaps(&a.network, &e.network))
    };
    if let Some(e) = same_direction
        .iter()
        .filter(|e| existing_counts && e.deny && e.network == network && effective(e))
        .min_by_key(|e| e.rule_number)
    {
        return Plan::Present {
            rule_number: e.rule_number,
        };
    }
    let v4 = network.addr().is_ipv4();
    let used = same_direction
        .iter()
        .filter(|e| e.network.addr().is_ipv4() == v4)
        .count();
    let taken = |n: i32| same_direction.iter().any(|e| e.rule_number == n);
    if used < limits.per_direction {
        if let Some(n) = (limits.first..=limits.last).find(|n| !taken(*n)) {
            return Plan::Add { rule_number: n };
        }
    }
    // Ours: in the reserved range, in the ledger, and live with the same network and direction.
    let mut mine: Vec<&Ours> = ours
        .iter()
        .filter(|o| o.egress == egress && o.network.addr().is_ipv4() == v4)
        .filter(|o| (limits.first..=limits.last).contains(&o.rule_number))
        .filter(|o| {
            same_direction
                .iter()
                .any(|e| e.rule_number == o.rule_number && e.network == o.network && e.deny)
        })
        .collect();
    mine.sort_by(|a, b| a.blocked_at.cmp(&b.blocked_at));
    match mine.first() {
        Some(oldest) => Plan::Replace {
            evict: (*oldest).clone(),
        },
        None => Plan::Full {
            reason: format!(
                "{} {} rules for IPv{} ({} allowed), and none of them is one of aws-ir's denies: raise the quota or make room by hand",
                used,
                if egress { "outbound" } else { "inbound" },
                if v4 { 4 } else { 6 },
                limits.per_direction
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(t: &str) -> IpNet {
        t.parse().unwrap()
    }

    fn entry(n: i32, network: &str, deny: bool) -> Entry {
        Entry {
            rule_number: n,
            network: net(network),
            egress: false,
            deny,
        }
    }

    fn ours(n: i32, network: &str, at: &str) -> Ours {
        Ours {
            rule_number: n,
            network: net(network),
            egress: false,
            blocked_at: at.into(),
        }
    }

    /// The default ACL: allow all (100) and the `*` deny.
    fn default_acl() -> Vec<Entry> {
        vec![
            entry(100, "0.0.0.0/0", false),
            entry(32767, "0.0.0.0/0", true),
        ]
    }

    #[test]
    fn the_lowest_free_number_in_our_range_and_never_a_duplicate() {
        let mut live = default_acl();
        let limits = Limits::default();
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), false, limits),
            Plan::Add { rule_number: 1 }
        );
        // A foreign rule sits at 1 (in our range): its number is skipped, it is never ours.
        live.push(entry(1, "198.18.0.0/15", true));
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), false, limits),
            Plan::Add { rule_number: 2 }
        );
        live.push(entry(2, "45.9.148.7/32", true));
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), false, limits),
            Plan::Present { rule_number: 2 }
        );
        // The other direction is its own list.
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), true, limits),
            Plan::Add { rule_number: 1 }
        );
    }

    #[test]
    fn a_deny_behind_an_allow_denies_nothing() {
        let mut live = default_acl();
        // Evaluated after the allow-all at 100: traffic is allowed before it is reached.
        live.push(entry(200, "45.9.148.7/32", true));
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), false, Limits::default()),
            Plan::Add { rule_number: 1 }
        );
        // An allow of another network does not shadow it.
        live.push(entry(150, "45.9.148.7/32", true));
        live.retain(|e| e.rule_number != 100);
        live.push(entry(100, "10.0.0.0/8", false));
        assert_eq!(
            plan(&live, &[], net("45.9.148.7/32"), false, Limits::default()),
            Plan::Present { rule_number: 150 }
        );
    }

    #[test]
    fn isolation_writes_its_own_deny_beside_anyone_elses() {
        let mut live = default_acl();
        live.push(entry(1, "0.0.0.0/0", true));
        let any = net("0.0.0.0/0");
        assert_eq!(
            plan(&live, &[], any, false, Limits::default()),
            Plan::Present { rule_number: 1 }
        );
        assert_eq!(
            plan_with(&live, &[], any, false, Limits::default(), false),
            Plan::Add { rule_number: 2 }
        );
    }

    #[test]
    fn when_full_the_oldest_of_ours_makes_room_and_never_a_foreign_rule() {
        let limits = Limits {
            first: 1,
            last: 40,
            per_direction: 5,
        };
        // 100 (allow all) and a foreign deny at 3, then three of ours.
        let mut live = default_acl();
        live.push(entry(3, "198.18.0.0/15", true));
        let ledger = vec![
            ours(1, "45.9.148.1/32", "2026-11-29T10:00:02Z"),
            ours(2, "45.9.148.2/32", "2026-11-29T10:00:01Z"),
            ours(4, "45.9.148.4/32", "2026-11-29T10:00:03Z"),
        ];
        for o in &ledger {
            live.push(entry(o.rule_number, &o.network.to_string(), true));
        }
        assert_eq!(
            plan(&live, &ledger, net("45.9.148.9/32"), false, limits),
            Plan::Replace {
                evict: ledger[1].clone()
            }
        );
        // IPv6 rules are counted apart: room there.
        assert_eq!(
            plan(&live, &ledger, net("2a03:b0c0::1/128"), false, limits),
            Plan::Add { rule_number: 5 }
        );
    }

    #[test]
    fn a_full_list_without_ours_is_for_a_human() {
        let limits = Limits {
            first: 1,
            last: 40,
            per_direction: 3,
        };
        let mut live = default_acl();
        live.push(entry(10, "198.18.0.0/15", true));
        live.push(entry(11, "198.20.0.0/16", true));
        // A ledger row whose rule someone replaced by hand is not ours any more.
        let ledger = vec![ours(10, "45.9.148.1/32", "2026-11-29T10:00:00Z")];
        match plan(&live, &ledger, net("45.9.148.9/32"), false, limits) {
            Plan::Full { reason } => {
                assert!(reason.contains("3 inbound rules for IPv4"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
}

// --- Writing the deny ----------------------------------------------------------------------

/// What a deny did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub rule_number: i32,
    /// The network was already denied in this direction: nothing was written.
    pub already: bool,
    /// Our oldest deny whose number this one took.
    pub evicted: Option<Ours>,
    /// Other writers that took a number (or removed an entry) between our read and our write.
    pub races: u32,
}

/// The ACL's entries, live.
pub async fn entries(ec2: &aws_sdk_ec2::Client, acl: &str) -> Result<Vec<Entry>, TaskError> {
    let got = ec2
        .describe_network_acls()
        .network_acl_ids(acl)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read network ACL {acl}")))?;
    Ok(got
        .network_acls()
        .iter()
        .flat_map(|a| a.entries())
        .filter_map(|e| {
            let network = e
                .cidr_block()
                .or(e.ipv6_cidr_block())
                .and_then(|c| c.parse::<IpNet>().ok())?;
            Some(Entry {
                rule_number: e.rule_number()?,
                network,
                egress: e.egress().unwrap_or(false),
                deny: e.rule_action() == Some(&RuleAction::Deny),
            })
        })
        .collect())
}

/// Denies `network` in one direction of `acl`: reads the live entries, plans, writes; a writer
/// that got in between (the number taken, the evicted entry gone) means read and plan again.
pub async fn deny(
    ec2: &aws_sdk_ec2::Client,
    acl: &str,
    network: IpNet,
    egress: bool,
    ours: &[Ours],
    limits: Limits,
    max_attempts: u32,
) -> Result<Denied, TaskError> {
    deny_with(ec2, acl, network, egress, ours, limits, max_attempts, true).await
}

/// [`deny`], with [`plan_with`]'s `existing_counts`.
#[allow(clippy::too_many_arguments)]
async fn deny_with(
    ec2: &aws_sdk_ec2::Client,
    acl: &str,
    network: IpNet,
    egress: bool,
    ours: &[Ours],
    limits: Limits,
    max_attempts: u32,
    existing_counts: bool,
) -> Result<Denied, TaskError> {
    let mut races = 0;
    for _ in 0..max_attempts.max(1) {
        let live = entries(ec2, acl).await?;
        let (number, evicted) =
            match plan_with(&live, ours, network, egress, limits, existing_counts) {
                Plan::Present { rule_number } => {
                    return Ok(Denied {
                        rule_number,
                        already: true,
                        evicted: None,
                        races,
                    })
                }
                Plan::Full { reason } => {
                    return Err(TaskError::new(
                        ErrorName::LimitReached,
                        format!("network ACL {acl}: {reason}"),
                    ))
                }
                Plan::Add { rule_number } => (rule_number, None),
                Plan::Replace { evict } => (evict.rule_number, Some(evict)),
            };
        let (v4, v6) = match network {
            IpNet::V4(_) => (Some(network.to_string()), None),
            IpNet::V6(_) => (None, Some(network.to_string())),
        };
        // Replacing keeps the number: no moment without a deny in that slot.
        // Create and replace take the same entry; replacing keeps the number.
        macro_rules! send_deny {
            ($request:expr, $doing:expr) => {
                $request
                    .network_acl_id(acl)
                    .rule_number(number)
                    .egress(egress)
                    .protocol("-1")
                    .rule_action(RuleAction::Deny)
                    .set_cidr_block(v4)
                    .set_ipv6_cidr_block(v6)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| (e.code().map(String::from), TaskError::from_sdk(e, &$doing)))
            };
        }
        let written = if evicted.is_some() {
            send_deny!(
                ec2.replace_network_acl_entry(),
                format!("replace rule {number} of network ACL {acl}")
            )
        } else {
            send_deny!(
                ec2.create_network_acl_entry(),
                format!("add rule {number} to network ACL {acl}")
            )
        };
        match written {
            Ok(()) => {
                return Ok(Denied {
                    rule_number: number,
                    already: false,
                    evicted,
                    races,
                })
            }
            Err((Some(code), _))
                if code == "NetworkAclEntryAlreadyExists"
                    || code == "InvalidNetworkAclEntry.NotFound" =>
            {
                races += 1;
            }
            Err((Some(code), _)) if code == "NetworkAclEntryLimitExceeded" => {
                return Err(TaskError::new(
                    ErrorName::LimitReached,
                    format!("network ACL {acl} is at its rule quota, below the {} per direction the policy assumes: lower the limit to the account's quota", limits.per_direction),
                ))
            }
            Err((_, e)) => return Err(e),
        }
    }
    Err(TaskError::new(
        ErrorName::Transient,
        format!("network ACL {acl} changed under this write {races} times in a row; the step is retried"),
    ))
}

// --- Denies that contained instances hold --------------------------------------------------

/// What holding a deny did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The entry was written (`evicted`: the block whose number it took).
    Written {
        rule_number: i32,
        evicted: Option<Ours>,
        races: u32,
    },
    /// Another contained instance already holds it: this one holds it too.
    Joined { rule_number: i32, others: usize },
}

/// Makes `network` denied in one direction of `acl` for `holder`, shared with every other
/// holder. A deny somebody else wrote does not count (they may delete it at will), so the entry
/// is always aws-ir's own. Block denies may make room for it, held denies never. The caller
/// holds the lease.
#[allow(clippy::too_many_arguments)]
pub async fn hold_deny(
    ec2: &aws_sdk_ec2::Client,
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    acl: &str,
    network: IpNet,
    egress: bool,
    holder: &str,
    limits: Limits,
) -> Result<Hold, TaskError> {
    let held = ledger::held(ddb, table, acl).await?;
    let live = entries(ec2, acl).await?;
    if let Some(h) = held
        .iter()
        .find(|h| h.network == network && h.egress == egress)
    {
        let in_place = live
            .iter()
            .any(|e| e.is_deny(h.rule_number, network, egress));
        if in_place {
            ledger::hold(ddb, table, acl, &network, egress, h.rule_number, holder).await?;
            let others = h.holders.iter().filter(|x| x.as_str() != holder).count();
            return Ok(Hold::Joined {
                rule_number: h.rule_number,
                others,
            });
        }
        // Removed by hand while held: written again below, for every holder.
    }
    let ours: Vec<Ours> = ledger::denies(ddb, table, Some(acl))
        .await?
        .iter()
        .map(Ours::from)
        .collect();
    let denied = deny_with(ec2, acl, network, egress, &ours, limits, 5, false).await?;
    if let Some(evicted) = &denied.evicted {
        ledger::delete(
            ddb,
            table,
            &ledger::deny_item(acl, evicted.egress, &evicted.network),
        )
        .await?;
    }
    ledger::hold(
        ddb,
        table,
        acl,
        &network,
        egress,
        denied.rule_number,
        holder,
    )
    .await?;
    Ok(Hold::Written {
        rule_number: denied.rule_number,
        evicted: denied.evicted,
        races: denied.races,
    })
}

/// What giving up a held deny did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    /// Other holders still need it: it stays.
    Kept { others: usize },
    /// This was the last holder: the entry is deleted.
    Removed { rule_number: i32 },
    /// Nothing of it was left (an earlier release, the ACL deleted, the entry removed by hand).
    Gone,
}

/// Takes `holder` off the deny of `network` in `acl`; the last holder deletes the entry, only
/// if it is still the deny that was written (a number someone else took is theirs). The caller
/// holds the lease.
pub async fn release_deny(
    ec2: &aws_sdk_ec2::Client,
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    acl: &str,
    network: IpNet,
    egress: bool,
    holder: &str,
) -> Result<Released, TaskError> {
    let Some(left) = ledger::let_go(ddb, table, acl, &network, egress, holder).await? else {
        return Ok(Released::Gone);
    };
    if !left.holders.is_empty() {
        return Ok(Released::Kept {
            others: left.holders.len(),
        });
    }
    let removed = remove_entry(ec2, acl, network, egress, left.rule_number).await?;
    ledger::delete(ddb, table, &ledger::held_item(acl, egress, &network)).await?;
    Ok(if removed {
        Released::Removed {
            rule_number: left.rule_number,
        }
    } else {
        Released::Gone
    })
}

/// Deletes entry `rule_number` of `acl` if it still denies `network` in that direction;
/// `false` when it is not there (or the ACL is gone).
pub async fn remove_entry(
    ec2: &aws_sdk_ec2::Client,
    acl: &str,
    network: IpNet,
    egress: bool,
    rule_number: i32,
) -> Result<bool, TaskError> {
    let live = match entries(ec2, acl).await {
        Ok(l) => l,
        Err(e) if e.name == ErrorName::ResourceNotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let there = live.iter().any(|e| e.is_deny(rule_number, network, egress));
    if !there {
        return Ok(false);
    }
    match ec2
        .delete_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(rule_number)
        .egress(egress)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("InvalidNetworkAclEntry.NotFound") => Ok(false),
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("delete rule {rule_number} of network ACL {acl}"),
        )),
    }
}
