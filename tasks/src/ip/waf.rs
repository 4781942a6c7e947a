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
use contract::ErrorName;
use ipnet::IpNet;
use std::time::Duration;

/// AWS WAF quotas: "Maximum number of IP addresses in an IP set" (10,000).
pub const MAX_ADDRESSES: usize = 10_000;

/// One of the stack's IP sets.
#[derive(Debug, Clone)]
pub struct IpSetRef {
    pub name: String,
    pub id: String,
    pub scope: Scope,
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
    fn backoff_stays_within_its_cap() {
        for retry in 0..10 {
            assert!(backoff(retry) <= Duration::from_millis(2_000));
        }
        assert!(backoff(1) <= Duration::from_millis(100));
    }
}
