//! The block ledger, in the case table under the partition [`LEDGER`]:
//!
//! - `net#<cidr>`: one blocked network: the case that first blocked it and every case that saw
//!   it, first and last seen, when it expires, and the WAF IP sets it was written to.
//! - `nacl#<acl>#<in|out>#<cidr>`: one deny entry aws-ir wrote: its rule number and when.
//! - `acl#<acl>`: a network ACL aws-ir has written to (the expiry reconciles each of them).
//!   A member's (#20) deny and ACL also name its `account` and `region`, and the `case` whose
//!   session wrote there; a member's IP set is recorded with the same three
//!   ([`super::waf::LedgerSet`]).
//! - `lock#<acl>`: the lease of the one writer of that ACL.
//! - `held#<acl>#<in|out>#<cidr>`: a deny that contained instances need (EC2 NACL isolation's
//!   deny-all): its rule number and every holder (`<case>#<instance>`). It stays while one holder
//!   remains, is never evicted to make room, and is no block (the expiry leaves it alone).
//! - `rate#<hour>`: how many addresses findings blocked in that hour without a responder.
//!
//! The ledger is the record; AWS is the truth. The expiry compares them both ways.

use crate::error::TaskError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use contract::case::CasePlace;
use contract::case_table::{item, partition::IP_BLOCKS as LEDGER, PARTITION_KEY, SORT_KEY};
use ipnet::IpNet;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

fn key(item: &str) -> Item {
    HashMap::from([
        (
            PARTITION_KEY.to_string(),
            AttributeValue::S(LEDGER.to_string()),
        ),
        (SORT_KEY.to_string(), AttributeValue::S(item.to_string())),
    ])
}

pub fn block_item(net: &IpNet) -> String {
    item::block(&net.to_string())
}

pub fn deny_item(acl: &str, egress: bool, net: &IpNet) -> String {
    item::acl_deny(acl, egress, &net.to_string())
}

pub fn held_item(acl: &str, egress: bool, net: &IpNet) -> String {
    item::held_deny(acl, egress, &net.to_string())
}

fn text(i: &Item, k: &str) -> String {
    i.get(k)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

fn number(i: &Item, k: &str) -> i64 {
    i.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// RFC 3339 of an epoch second.
pub fn rfc3339(secs: i64) -> String {
    aws_sdk_dynamodb::primitives::DateTime::from_secs(secs)
        .fmt(aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default()
}

/// Epoch seconds of an RFC 3339 time.
pub fn epoch(text: &str) -> Option<i64> {
    aws_sdk_dynamodb::primitives::DateTime::from_str(
        text,
        aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime,
    )
    .ok()
    .map(|d| d.secs())
}

pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A blocked network, as the ledger holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub network: IpNet,
    pub owner_case: String,
    pub expires_epoch: i64,
    pub ip_sets: Vec<String>,
}

/// A deny entry aws-ir wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Deny {
    pub acl: String,
    pub network: IpNet,
    pub egress: bool,
    pub rule_number: i32,
    pub blocked_at: String,
    pub case_id: String,
    /// The member account and Region of the ACL (#20); `None`: this account and Region.
    pub place: Option<CasePlace>,
}

/// A network ACL aws-ir has written to, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Acl {
    pub acl: String,
    /// The member account and Region (with the case whose session wrote there), or `None`.
    pub place: Option<CasePlace>,
}

/// The place a ledger item records (`account`, `region`, `case`), if it names one.
fn place_of(i: &Item) -> Option<CasePlace> {
    let (account, region) = (text(i, "account"), text(i, "region"));
    (!account.is_empty() && !region.is_empty()).then(|| CasePlace {
        case_id: text(i, "case"),
        account,
        region,
    })
}

fn record_place(item: &mut Item, place: &Option<CasePlace>) {
    if let Some(p) = place {
        item.insert("account".into(), AttributeValue::S(p.account.clone()));
        item.insert("region".into(), AttributeValue::S(p.region.clone()));
        item.insert("case".into(), AttributeValue::S(p.case_id.clone()));
    }
}

/// Records that `case_id` saw `net` now: first seen and owner are kept, last seen and the
/// expiry move on. Returns the expiry (RFC 3339).
pub async fn touch(
    ddb: &Client,
    table: &str,
    net: &IpNet,
    case_id: &str,
    now: i64,
    ttl_hours: f64,
) -> Result<String, TaskError> {
    let expires = now + (ttl_hours * 3600.0).round() as i64;
    let expires_text = rfc3339(expires);
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(&block_item(net))))
        .update_expression("SET network = :n, first_seen = if_not_exists(first_seen, :now), last_seen = :now, owner_case = if_not_exists(owner_case, :c), expires_at = :e, expires_epoch = :ee ADD cases :cs")
        .expression_attribute_values(":n", AttributeValue::S(net.to_string()))
        .expression_attribute_values(":now", AttributeValue::S(rfc3339(now)))
        .expression_attribute_values(":c", AttributeValue::S(case_id.to_string()))
        .expression_attribute_values(":e", AttributeValue::S(expires_text.clone()))
        .expression_attribute_values(":ee", AttributeValue::N(expires.to_string()))
        .expression_attribute_values(":cs", AttributeValue::Ss(vec![case_id.to_string()]))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("record the block of {net} in table {table}")))?;
    Ok(expires_text)
}

/// Records that `net` is in the IP set `set` (`name|id|scope`).
pub async fn add_ip_set(
    ddb: &Client,
    table: &str,
    net: &IpNet,
    set: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(&block_item(net))))
        .update_expression("ADD ip_sets :s")
        .expression_attribute_values(":s", AttributeValue::Ss(vec![set.to_string()]))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("record {net} in IP set {set} in table {table}"))
        })
}

async fn query(ddb: &Client, table: &str, prefix: &str) -> Result<Vec<Item>, TaskError> {
    let mut out = Vec::new();
    let mut pages = ddb
        .query()
        .table_name(table)
        .key_condition_expression("#case = :p AND begins_with(#item, :prefix)")
        .expression_attribute_names("#case", PARTITION_KEY)
        .expression_attribute_names("#item", SORT_KEY)
        .expression_attribute_values(":p", AttributeValue::S(LEDGER.to_string()))
        .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string()))
        .consistent_read(true)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("read the block ledger ({prefix}…) from table {table}"),
            )
        })?;
        out.extend(page.items().iter().cloned());
    }
    Ok(out)
}

pub async fn blocks(ddb: &Client, table: &str) -> Result<Vec<Block>, TaskError> {
    Ok(query(ddb, table, item::BLOCK_PREFIX)
        .await?
        .iter()
        .filter_map(|i| {
            Some(Block {
                network: text(i, "network").parse().ok()?,
                owner_case: text(i, "owner_case"),
                expires_epoch: number(i, "expires_epoch"),
                ip_sets: i
                    .get("ip_sets")
                    .and_then(|v| v.as_ss().ok())
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// Our denies, all of them or in one ACL.
pub async fn denies(ddb: &Client, table: &str, acl: Option<&str>) -> Result<Vec<Deny>, TaskError> {
    Ok(query(ddb, table, &item::acl_deny_prefix(acl))
        .await?
        .iter()
        .filter_map(|i| {
            Some(Deny {
                acl: text(i, "acl"),
                network: text(i, "network").parse().ok()?,
                egress: i
                    .get("egress")
                    .and_then(|v| v.as_bool().ok())
                    .copied()
                    .unwrap_or(false),
                rule_number: number(i, "rule_number") as i32,
                blocked_at: text(i, "blocked_at"),
                case_id: text(i, "case"),
                place: place_of(i),
            })
        })
        .collect())
}

pub async fn put_deny(ddb: &Client, table: &str, d: &Deny) -> Result<(), TaskError> {
    let mut item = key(&deny_item(&d.acl, d.egress, &d.network));
    item.insert("acl".into(), AttributeValue::S(d.acl.clone()));
    item.insert("network".into(), AttributeValue::S(d.network.to_string()));
    item.insert("egress".into(), AttributeValue::Bool(d.egress));
    item.insert(
        "rule_number".into(),
        AttributeValue::N(d.rule_number.to_string()),
    );
    item.insert("blocked_at".into(), AttributeValue::S(d.blocked_at.clone()));
    item.insert("case".into(), AttributeValue::S(d.case_id.clone()));
    let mut acl = key(&format!("acl#{}", d.acl));
    acl.insert("acl".into(), AttributeValue::S(d.acl.clone()));
    record_place(&mut item, &d.place);
    record_place(&mut acl, &d.place);
    for item in [item, acl] {
        ddb.put_item()
            .table_name(table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(
                    e,
                    &format!(
                        "record the deny of {} in {} in table {table}",
                        d.network, d.acl
                    ),
                )
            })?;
    }
    Ok(())
}

/// The network ACLs aws-ir has written to.
pub async fn acls(ddb: &Client, table: &str) -> Result<Vec<Acl>, TaskError> {
    Ok(query(ddb, table, "acl#")
        .await?
        .iter()
        .map(|i| Acl {
            acl: text(i, "acl"),
            place: place_of(i),
        })
        .collect())
}

pub async fn delete(ddb: &Client, table: &str, item: &str) -> Result<(), TaskError> {
    ddb.delete_item()
        .table_name(table)
        .set_key(Some(key(item)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("delete {item} from the block ledger in table {table}"),
            )
        })
}

// --- Denies that contained instances hold ------------------------------------------------

/// A deny that one or more contained instances need.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub acl: String,
    pub network: IpNet,
    pub egress: bool,
    pub rule_number: i32,
    pub holders: Vec<String>,
}

fn held_from(i: &Item) -> Option<Held> {
    Some(Held {
        acl: text(i, "acl"),
        network: text(i, "network").parse().ok()?,
        egress: i
            .get("egress")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        rule_number: number(i, "rule_number") as i32,
        holders: i
            .get("holders")
            .and_then(|v| v.as_ss().ok())
            .cloned()
            .unwrap_or_default(),
    })
}

/// The held denies of one ACL.
pub async fn held(ddb: &Client, table: &str, acl: &str) -> Result<Vec<Held>, TaskError> {
    Ok(query(ddb, table, &item::held_deny_prefix(acl))
        .await?
        .iter()
        .filter_map(held_from)
        .collect())
}

/// Adds `holder` to the deny of `network` in `acl` (rule `rule_number`); holding twice is
/// holding once (a re-sent finding).
pub async fn hold(
    ddb: &Client,
    table: &str,
    acl: &str,
    network: &IpNet,
    egress: bool,
    rule_number: i32,
    holder: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(&held_item(acl, egress, network))))
        .update_expression(
            "SET acl = :a, network = :n, egress = :e, rule_number = :r ADD holders :h",
        )
        .expression_attribute_values(":a", AttributeValue::S(acl.to_string()))
        .expression_attribute_values(":n", AttributeValue::S(network.to_string()))
        .expression_attribute_values(":e", AttributeValue::Bool(egress))
        .expression_attribute_values(":r", AttributeValue::N(rule_number.to_string()))
        .expression_attribute_values(":h", AttributeValue::Ss(vec![holder.to_string()]))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!(
                    "record that {holder} needs the deny of {network} in {acl} in table {table}"
                ),
            )
        })
}

/// Takes `holder` off the deny; returns what is left of it (`None`: nobody recorded it).
pub async fn let_go(
    ddb: &Client,
    table: &str,
    acl: &str,
    network: &IpNet,
    egress: bool,
    holder: &str,
) -> Result<Option<Held>, TaskError> {
    let item = held_item(acl, egress, network);
    let got = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(&item)))
        .update_expression("DELETE holders :h")
        .condition_expression("attribute_exists(acl)")
        .expression_attribute_values(":h", AttributeValue::Ss(vec![holder.to_string()]))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
        .send()
        .await;
    match got {
        Ok(out) => Ok(out.attributes().and_then(held_from)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("record that {holder} no longer needs the deny of {network} in {acl} in table {table}"),
        )),
    }
}

// --- The one writer of a network ACL -----------------------------------------------------

/// How long a lease lasts: longer than one ACL write (a few calls), shorter than a task's
/// timeout, so a writer that died holding it blocks the others for seconds, not forever.
pub const LEASE_SECONDS: i64 = 30;

/// Takes the lease on `acl` for `holder`, waiting (jittered) while another writer holds it, up
/// to `wait`. Returns how many times it had to wait.
pub async fn lock(
    ddb: &Client,
    table: &str,
    acl: &str,
    holder: &str,
    wait: std::time::Duration,
) -> Result<u32, TaskError> {
    let started = std::time::Instant::now();
    let mut waits = 0u32;
    loop {
        let now = now_epoch();
        let put = ddb
            .put_item()
            .table_name(table)
            .set_item(Some({
                let mut i = key(&item::acl_lease(acl));
                i.insert("holder".into(), AttributeValue::S(holder.to_string()));
                i.insert(
                    "until".into(),
                    AttributeValue::N((now + LEASE_SECONDS).to_string()),
                );
                i
            }))
            .condition_expression("attribute_not_exists(holder) OR holder = :me OR #until < :now")
            .expression_attribute_names("#until", "until")
            .expression_attribute_values(":me", AttributeValue::S(holder.to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(waits),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                if started.elapsed() >= wait {
                    return Err(TaskError::new(
                        contract::ErrorName::Transient,
                        format!("network ACL {acl} is being written by another execution for over {}s; the step is retried", wait.as_secs()),
                    ));
                }
                waits += 1;
                tokio::time::sleep(super::waf::backoff(waits.min(4))).await;
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("take the write lease on {acl} in table {table}"),
                ))
            }
        }
    }
}

/// Gives the lease back (only if still ours: an expired lease may have passed on).
pub async fn unlock(ddb: &Client, table: &str, acl: &str, holder: &str) {
    let _ = ddb
        .delete_item()
        .table_name(table)
        .set_key(Some(key(&item::acl_lease(acl))))
        .condition_expression("holder = :me")
        .expression_attribute_values(":me", AttributeValue::S(holder.to_string()))
        .send()
        .await;
}

/// Takes `n` automatic blocks from this hour's budget of `limit`: `false` (and nothing taken)
/// when they would pass it. One conditional update, so concurrent findings never overspend.
pub async fn take_automatic_budget(
    ddb: &Client,
    table: &str,
    now: i64,
    n: usize,
    limit: i64,
) -> Result<bool, TaskError> {
    if n == 0 {
        return Ok(true);
    }
    let hour = rfc3339(now - now.rem_euclid(3600));
    let room = limit - n as i64;
    if room < 0 {
        return Ok(false);
    }
    let update = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(&format!("rate#{hour}"))))
        .update_expression("ADD blocked :n SET expires_at = :ttl")
        .condition_expression("attribute_not_exists(blocked) OR blocked <= :room")
        .expression_attribute_values(":n", AttributeValue::N(n.to_string()))
        .expression_attribute_values(":room", AttributeValue::N(room.to_string()))
        .expression_attribute_values(":ttl", AttributeValue::N((now + 2 * 86_400).to_string()))
        .send()
        .await;
    match update {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("count this hour's automatic blocks in table {table}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_times() {
        let net: IpNet = "45.9.148.7/32".parse().unwrap();
        assert_eq!(block_item(&net), "net#45.9.148.7/32");
        assert_eq!(
            deny_item("acl-1", true, &net),
            "nacl#acl-1#out#45.9.148.7/32"
        );
        assert_eq!(
            held_item("acl-1", false, &net),
            "held#acl-1#in#45.9.148.7/32"
        );
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(epoch("2026-11-29T10:00:00Z"), Some(1_795_946_400));
        assert_eq!(epoch("yesterday"), None);
    }
}
