//! WAFv2 IP sets: add and remove addresses without ever losing a concurrent writer's.
//!
//! `UpdateIPSet` replaces the whole list, guarded by the lock token of the `GetIPSet` it was
//! based on; a writer in between makes it fail with `WAFOptimisticLockException` (AWS WAF API
//! Reference, "UpdateIPSet"). So every write is read, merge, write — and on a conflict, read
//! again (with the other writer's change) and merge again, with jittered backoff, up to a bound.
//! An IP set holds at most 10,000 addresses ("AWS WAF quotas"); past that is `IR.LimitReached`.
//! Removing the last address writes an empty list: a set is never left holding an expired
//! block because it would become empty.

use crate::error::TaskError;
use aws_sdk_wafv2::types::Scope;
use contract::case::CasePlace;
use contract::ErrorName;
use ipnet::IpNet;
use std::time::Duration;

/// AWS WAF quotas: "Maximum number of IP addresses in an IP set" (10,000).
pub const MAX_ADDRESSES: usize = 10_000;

/// One of the stack's IP sets.
#[derive(Debug, Clone, PartialEq)]
pub struct IpSetRef {
    pub name: String,
    pub id: String,
    pub scope: Scope,
}

/// A set a block was written to, as the ledger records it: one of the stack's own
/// (`name|id|scope`), or a member's (#20), with the account, Region and case whose session
/// wrote it (`name|id|scope|account|region|case`): where the expiry acts again, and the case
/// its session is named after.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerSet {
    pub set: IpSetRef,
    pub place: Option<CasePlace>,
}

impl LedgerSet {
    pub fn text(&self) -> String {
        let set = format!(
            "{}|{}|{}",
            self.set.name,
            self.set.id,
            self.set.scope.as_str()
        );
        match &self.place {
            None => set,
            Some(p) => format!("{set}|{}|{}|{}", p.account, p.region, p.case_id),
        }
    }

    pub fn parse(text: &str) -> Option<LedgerSet> {
        let parts: Vec<&str> = text.split('|').collect();
        let set = |name: &str, id: &str, scope: &str| IpSetRef {
            name: name.to_string(),
            id: id.to_string(),
            scope: Scope::from(scope),
        };
        match parts.as_slice() {
            [name, id, scope] => Some(LedgerSet {
                set: set(name, id, scope),
                place: None,
            }),
            [name, id, scope, account, region, case_id] => Some(LedgerSet {
                set: set(name, id, scope),
                place: Some(CasePlace {
                    case_id: case_id.to_string(),
                    account: account.to_string(),
                    region: region.to_string(),
                }),
            }),
            _ => None,
        }
    }

    /// The same set in the same account and Region, whichever case wrote to it.
    pub fn same_set(&self, other: &LedgerSet) -> bool {
        let place =
            |p: &Option<CasePlace>| p.as_ref().map(|p| (p.account.clone(), p.region.clone()));
        self.set == other.set && place(&self.place) == place(&other.place)
    }
}

/// The set named `name` in `scope` where `client` acts: a member stack's, whose id WAF gave it
/// there (`ListIPSets`, page by page).
pub async fn find(
    client: &aws_sdk_wafv2::Client,
    name: &str,
    scope: Scope,
) -> Result<IpSetRef, TaskError> {
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .list_ip_sets()
            .scope(scope.clone())
            .limit(100)
            .set_next_marker(marker.clone())
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("find IP set {name}")))?;
        if let Some(found) = page.ip_sets().iter().find(|s| s.name() == Some(name)) {
            return Ok(IpSetRef {
                name: name.to_string(),
                id: found.id().unwrap_or_default().to_string(),
                scope,
            });
        }
        match page.next_marker() {
            Some(m) if !m.is_empty() && !page.ip_sets().is_empty() => marker = Some(m.to_string()),
            _ => {
                return Err(TaskError::new(
                    ErrorName::Misconfigured,
                    format!("no {} IP set named {name} where the case is: the member stack (organization/member.json, `irctl deploy --organization`) creates it in every member account and Region; deploy it there, or exclude the account (ExcludedAccounts)", scope.as_str()),
                ))
            }
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    /// Networks this call added or removed.
    pub changed: Vec<IpNet>,
    /// Networks that were already as wanted.
    pub unchanged: Vec<IpNet>,
    /// Lock conflicts survived on the way (other writers in between).
    pub lock_retries: u32,
}

/// Backoff before attempt `n` (1-based retries): 50 ms doubling, capped at 2 s, full jitter
/// (AWS Architecture Blog, "Exponential Backoff And Jitter"), so that writers that collided
/// do not collide again in step.
pub(crate) fn backoff(retry: u32) -> Duration {
    let cap = 50u64.saturating_mul(1 << retry.min(6)).min(2_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(nanos % (cap + 1))
}

pub async fn read(
    client: &aws_sdk_wafv2::Client,
    set: &IpSetRef,
) -> Result<(Vec<String>, String), TaskError> {
    let got = client
        .get_ip_set()
        .name(&set.name)
        .id(&set.id)
        .scope(set.scope.clone())
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read IP set {}", set.name)))?;
    let addresses = got
        .ip_set()
        .map(|s| s.addresses().to_vec())
        .unwrap_or_default();
    Ok((addresses, got.lock_token().unwrap_or_default().to_string()))
}

fn parsed(addresses: &[String]) -> Vec<IpNet> {
    addresses
        .iter()
        .filter_map(|a| a.parse::<IpNet>().ok().map(|n| n.trunc()))
        .collect()
}

/// Adds `nets` to `set` (or removes them, `add = false`), retrying lock conflicts up to
/// `max_attempts` writes in all.
pub async fn write(
    client: &aws_sdk_wafv2::Client,
    set: &IpSetRef,
    nets: &[IpNet],
    add: bool,
    max_attempts: u32,
) -> Result<Written, TaskError> {
    let mut out = Written::default();
    for attempt in 0..max_attempts.max(1) {
        let (addresses, token) = read(client, set).await?;
        let live = parsed(&addresses);
        let (changed, unchanged): (Vec<IpNet>, Vec<IpNet>) =
            nets.iter().partition(|n| live.contains(n) != add);
        if changed.is_empty() {
            out.unchanged = unchanged;
            return Ok(out);
        }
        let next: Vec<IpNet> = if add {
            live.iter().chain(changed.iter()).copied().collect()
        } else {
            live.iter()
                .filter(|n| !changed.contains(n))
                .copied()
                .collect()
        };
        if next.len() > MAX_ADDRESSES {
            return Err(TaskError::new(
                ErrorName::LimitReached,
                format!(
                    "IP set {} holds {} of {MAX_ADDRESSES} addresses; adding {} would pass AWS WAF's cap: expire old blocks or add a second set",
                    set.name,
                    live.len(),
                    changed.len()
                ),
            ));
        }
        let update = client
            .update_ip_set()
            .name(&set.name)
            .id(&set.id)
            .scope(set.scope.clone())
            .lock_token(token)
            .set_addresses(Some(next.iter().map(|n| n.to_string()).collect()))
            .send()
            .await;
        match update {
            Ok(_) => {
                out.changed = changed;
                out.unchanged = unchanged;
                return Ok(out);
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_waf_optimistic_lock_exception()) =>
            {
                out.lock_retries += 1;
                if attempt + 1 < max_attempts {
                    tokio::time::sleep(backoff(out.lock_retries)).await;
                }
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("update IP set {}", set.name),
                ))
            }
        }
    }
    Err(TaskError::new(
        ErrorName::Transient,
        format!(
            "IP set {} changed under this write {} times in a row; the step is retried",
            set.name, out.lock_retries
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_set_reads_back_what_it_wrote_and_knows_its_place() {
        let home = LedgerSet {
            set: IpSetRef {
                name: "e2e-malicious-ip-blocked-ipv4".into(),
                id: "abc".into(),
                scope: Scope::Regional,
            },
            place: None,
        };
        assert_eq!(home.text(), "e2e-malicious-ip-blocked-ipv4|abc|REGIONAL");
        assert_eq!(LedgerSet::parse(&home.text()), Some(home.clone()));
        let member = |case: &str, account: &str| LedgerSet {
            set: IpSetRef {
                name: "aws-ir-blocked-ipv4".into(),
                id: "def".into(),
                scope: Scope::Regional,
            },
            place: Some(CasePlace {
                case_id: case.into(),
                account: account.into(),
                region: "eu-west-1".into(),
            }),
        };
        let written = member("case-0123456789abcdef", "111122223333");
        assert_eq!(
            written.text(),
            "aws-ir-blocked-ipv4|def|REGIONAL|111122223333|eu-west-1|case-0123456789abcdef"
        );
        assert_eq!(LedgerSet::parse(&written.text()), Some(written.clone()));
        // Another case's write to the same set is the same set; another account's is not.
        assert!(written.same_set(&member("case-fedcba9876543210", "111122223333")));
        assert!(!written.same_set(&member("case-0123456789abcdef", "444455556666")));
        assert!(!written.same_set(&home));
        assert_eq!(LedgerSet::parse("a|b"), None);
    }

    #[test]
    fn backoff_stays_within_its_cap() {
        for retry in 0..10 {
            assert!(backoff(retry) <= Duration::from_millis(2_000));
        }
        assert!(backoff(1) <= Duration::from_millis(100));
    }
}
