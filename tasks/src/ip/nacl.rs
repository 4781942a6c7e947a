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

/// One of our denies, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    pub rule_number: i32,
    pub network: IpNet,
    pub egress: bool,
    /// RFC 3339; the oldest is evicted first.
    pub blocked_at: String,
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

/// The default rule (`*`, number 32767) is not counted, as AWS does not count it.
const DEFAULT_RULE: i32 = 32767;

/// Where a deny of `network` in direction `egress` goes, given the live entries and our ledger.
pub fn plan(live: &[Entry], ours: &[Ours], network: IpNet, egress: bool, limits: Limits) -> Plan {
    let same_direction: Vec<&Entry> = live
        .iter()
        .filter(|e| e.egress == egress && e.rule_number != DEFAULT_RULE)
        .collect();
    if let Some(e) = same_direction
        .iter()
        .find(|e| e.deny && e.network == network)
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
    let mut races = 0;
    for _ in 0..max_attempts.max(1) {
        let live = entries(ec2, acl).await?;
        let (number, evicted) = match plan(&live, ours, network, egress, limits) {
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
