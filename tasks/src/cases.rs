//! The case table: one item per case and instance (`instance#<id>`), holding who is working on
//! it, the pre-state recorded before the first change, its status; and a `record` item with the
//! final record.
//!
//! Conditional writes make the playbook idempotent: GuardDuty re-sends an ongoing finding (same
//! id, so the same case), and the second execution must neither redo the containment nor
//! overwrite the pre-state with the already-isolated state.

use crate::error::TaskError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use contract::case_table::{item, partition, PARTITION_KEY, SORT_KEY};
use contract::tasks::ec2::PreState;
use contract::ErrorName;
use std::collections::HashMap;

fn key(case_id: &str, item: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            PARTITION_KEY.to_string(),
            AttributeValue::S(case_id.to_string()),
        ),
        (SORT_KEY.to_string(), AttributeValue::S(item.to_string())),
    ])
}

/// Who holds an instance of a case.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This execution holds it (first time, or a retry of the same execution).
    Ours,
    /// Another execution holds it, with the status it reached.
    Theirs { execution: String, status: String },
}

/// Claims `instance` of `case` for `execution`, unless another execution already did.
pub async fn claim(
    ddb: &Client,
    sfn: &aws_sdk_sfn::Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    execution: &str,
    now: &str,
) -> Result<Claim, TaskError> {
    let claim = claim_item(
        ddb,
        table,
        case_id,
        &item::instance(instance_id),
        execution,
        now,
    )
    .await?;
    // An instance whose run never got past its pre-state was not contained.
    take_over_stalled(
        ddb,
        sfn,
        table,
        case_id,
        &item::instance(instance_id),
        execution,
        claim,
        &["claimed", "pre-state recorded"],
    )
    .await
}

/// A claim held by an execution that ended without finishing the item is taken over: a re-sent
/// finding then does what the first run could not (a run that failed, timed out, was stopped or
/// lost its Lambda mid-way must not make every later delivery a "duplicate"). `stalled` are the
/// item statuses that mean "never got anywhere" even though the holder's execution succeeded
/// (the item failed inside it).
#[allow(clippy::too_many_arguments)]
pub async fn take_over_stalled(
    ddb: &Client,
    sfn: &aws_sdk_sfn::Client,
    table: &str,
    case_id: &str,
    item: &str,
    execution: &str,
    claim: Claim,
    stalled: &[&str],
) -> Result<Claim, TaskError> {
    let Claim::Theirs {
        execution: holder,
        status,
    } = &claim
    else {
        return Ok(claim);
    };
    if holder.is_empty() || holder == execution {
        return Ok(claim);
    }
    let ended = match sfn.describe_execution().execution_arn(holder).send().await {
        Ok(d) => match d.status() {
            aws_sdk_sfn::types::ExecutionStatus::Running
            | aws_sdk_sfn::types::ExecutionStatus::PendingRedrive => false,
            aws_sdk_sfn::types::ExecutionStatus::Succeeded => stalled.contains(&status.as_str()),
            _ => true,
        },
        // An execution that no longer exists (its history expired) is over.
        Err(e)
            if aws_sdk_sfn::error::ProvideErrorMetadata::code(&e)
                == Some("ExecutionDoesNotExist") =>
        {
            true
        }
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("read execution {holder}, which holds {item} of {case_id}"),
            ))
        }
    };
    if !ended {
        return Ok(claim);
    }
    let taken = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(case_id, item)))
        .update_expression("SET #execution = :me, taken_over_from = :old")
        .condition_expression("#execution = :old")
        .expression_attribute_names("#execution", "execution")
        .expression_attribute_values(":me", AttributeValue::S(execution.to_string()))
        .expression_attribute_values(":old", AttributeValue::S(holder.clone()))
        .send()
        .await;
    match taken {
        Ok(_) => Ok(Claim::Ours),
        // Another execution took it over first.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(claim)
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("take over {item} of {case_id} from {holder}"),
        )),
    }
}

/// Claims any item of a case (`instance#…`, `principal#…`) for `execution`.
pub async fn claim_item(
    ddb: &Client,
    table: &str,
    case_id: &str,
    item: &str,
    execution: &str,
    now: &str,
) -> Result<Claim, TaskError> {
    let item = item.to_string();
    let instance_id = item.split_once('#').map_or(item.as_str(), |(_, id)| id);
    // An update, not a put: a retry of the same execution keeps what its steps recorded.
    let put = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item)))
        .update_expression("SET #execution = :me, #status = if_not_exists(#status, :claimed), claimed_at = if_not_exists(claimed_at, :now)")
        // Items a dry run left (plans, no execution) do not count as a claim.
        .condition_expression("attribute_not_exists(#execution) OR #execution = :me")
        .expression_attribute_names("#execution", "execution")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":me", AttributeValue::S(execution.to_string()))
        .expression_attribute_values(":claimed", AttributeValue::S("claimed".into()))
        .expression_attribute_values(":now", AttributeValue::S(now.to_string()))
        .send()
        .await;
    match put {
        Ok(_) => Ok(Claim::Ours),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            let got = get(ddb, table, case_id, &item).await?;
            let text = |k: &str| {
                got.as_ref()
                    .and_then(|i| i.get(k))
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            Ok(Claim::Theirs {
                execution: text("execution"),
                status: text("status"),
            })
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("claim {instance_id} of {case_id} in table {table}"),
        )),
    }
}

pub async fn get(
    ddb: &Client,
    table: &str,
    case_id: &str,
    item: &str,
) -> Result<Option<HashMap<String, AttributeValue>>, TaskError> {
    ddb.get_item()
        .table_name(table)
        .set_key(Some(key(case_id, item)))
        .consistent_read(true)
        .send()
        .await
        .map(|o| o.item)
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("read {item} of {case_id} from table {table}"))
        })
}

/// Stores the pre-state (as `json`, with its `seal`: see `crate::seal`) unless one is already
/// there; returns the one that is kept.
pub async fn keep_pre_state(
    ddb: &Client,
    table: &str,
    case_id: &str,
    state: &PreState,
    json: &str,
    seal: &str,
) -> Result<(PreState, bool), TaskError> {
    let item = item::instance(&state.instance_id);
    let update = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item)))
        .update_expression("SET pre_state = :p, pre_state_seal = :m, #status = :s")
        .condition_expression("attribute_not_exists(pre_state)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":p", AttributeValue::S(json.to_string()))
        .expression_attribute_values(":m", AttributeValue::S(seal.to_string()))
        .expression_attribute_values(":s", AttributeValue::S("pre-state recorded".into()))
        .send()
        .await;
    match update {
        Ok(_) => Ok((state.clone(), true)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            let kept = pre_state(ddb, table, case_id, &state.instance_id)
                .await?
                .ok_or_else(|| {
                    TaskError::new(
                        ErrorName::Transient,
                        format!(
                            "the pre-state of {} in {case_id} vanished while being read",
                            state.instance_id
                        ),
                    )
                })?;
            Ok((kept, false))
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!(
                "record the pre-state of {} in table {table}",
                state.instance_id
            ),
        )),
    }
}

/// The pre-state as stored (its JSON text and seal), for a release to check before acting.
pub async fn sealed_pre_state(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Option<(PreState, String, Option<String>)>, TaskError> {
    let item = get(ddb, table, case_id, &item::instance(instance_id)).await?;
    let text = |k: &str| {
        item.as_ref()
            .and_then(|i| i.get(k))
            .and_then(|v| v.as_s().ok())
            .cloned()
    };
    let Some(json) = text("pre_state") else {
        return Ok(None);
    };
    let state = serde_json::from_str(&json).map_err(|e| {
        TaskError::new(
            ErrorName::RecordTampered,
            format!("the pre-state of {instance_id} in {case_id} is unreadable: {e}"),
        )
    })?;
    Ok(Some((state, json, text("pre_state_seal"))))
}

pub async fn pre_state(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Option<PreState>, TaskError> {
    let item = get(ddb, table, case_id, &item::instance(instance_id)).await?;
    match item
        .as_ref()
        .and_then(|i| i.get("pre_state"))
        .and_then(|v| v.as_s().ok())
    {
        Some(text) => serde_json::from_str(text).map(Some).map_err(|e| {
            TaskError::new(
                ErrorName::Misconfigured,
                format!("the pre-state of {instance_id} in {case_id} is unreadable: {e}"),
            )
        }),
        None => Ok(None),
    }
}

/// Records how far an instance got (`contained`, `released`, ...).
pub async fn set_status(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    status: &str,
    detail: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item::instance(instance_id))))
        .update_expression("SET #status = :s, status_detail = :d")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":s", AttributeValue::S(status.to_string()))
        .expression_attribute_values(":d", AttributeValue::S(detail.to_string()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record status {status} of {instance_id} in table {table}"),
            )
        })
}

/// Writes the case's final record (the latest execution's, under `record`).
pub async fn put_record(
    ddb: &Client,
    table: &str,
    case_id: &str,
    record: &serde_json::Value,
) -> Result<(), TaskError> {
    let mut item = key(case_id, item::RECORD);
    item.insert("record".into(), AttributeValue::S(record.to_string()));
    ddb.put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("write the record of {case_id} to table {table}"),
            )
        })
}

/// Network ACL entries this playbook added for an instance (so release removes exactly them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NaclEntry {
    pub network_acl_id: String,
    pub rule_number: i32,
    pub egress: bool,
    /// The denied network (records made before IPv6 denies name none: IPv4's).
    #[serde(default = "NaclEntry::any_ipv4")]
    pub network: String,
    /// Shared with other contained instances through the ledger (`ip::nacl::hold_deny`);
    /// records made before that owned the entry alone.
    #[serde(default)]
    pub held: bool,
}

impl NaclEntry {
    fn any_ipv4() -> String {
        "0.0.0.0/0".into()
    }
}

pub async fn add_nacl_entries(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    entries: &[NaclEntry],
) -> Result<(), TaskError> {
    let mut all = nacl_entries(ddb, table, case_id, instance_id).await?;
    for e in entries {
        if !all.contains(e) {
            all.push(e.clone());
        }
    }
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item::instance(instance_id))))
        .update_expression("SET nacl_entries = :n")
        .expression_attribute_values(
            ":n",
            AttributeValue::S(serde_json::to_string(&all).expect("entries serialize")),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record the NACL entries added for {instance_id} in table {table}"),
            )
        })
}

pub async fn nacl_entries(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Vec<NaclEntry>, TaskError> {
    let item = get(ddb, table, case_id, &item::instance(instance_id)).await?;
    Ok(item
        .as_ref()
        .and_then(|i| i.get("nacl_entries"))
        .and_then(|v| v.as_s().ok())
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default())
}

/// Stores what a step did (its outcome, as JSON) on the instance's item, under `attribute`.
pub async fn record_step(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    attribute: &str,
    outcome: &serde_json::Value,
) -> Result<(), TaskError> {
    record_on(
        ddb,
        table,
        case_id,
        &item::instance(instance_id),
        attribute,
        outcome,
    )
    .await
}

/// Stores a step's outcome (JSON) on any item of a case, under `attribute`.
pub async fn record_on(
    ddb: &Client,
    table: &str,
    case_id: &str,
    item: &str,
    attribute: &str,
    outcome: &serde_json::Value,
) -> Result<(), TaskError> {
    let instance_id = item.split_once('#').map_or(item, |(_, id)| id);
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, item)))
        .update_expression("SET #step = :o")
        .expression_attribute_names("#step", attribute)
        .expression_attribute_values(":o", AttributeValue::S(outcome.to_string()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record {attribute} of {instance_id} in table {table}"),
            )
        })
}

/// Every item of a case (instances and the record), as attribute name → text.
pub async fn items(
    ddb: &Client,
    table: &str,
    case_id: &str,
) -> Result<Vec<HashMap<String, String>>, TaskError> {
    let mut out = Vec::new();
    let mut pages = ddb
        .query()
        .table_name(table)
        .key_condition_expression("case_id = :c")
        .expression_attribute_values(":c", AttributeValue::S(case_id.to_string()))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("read the items of {case_id} from table {table}"),
            )
        })?;
        for item in page.items() {
            out.push(
                item.iter()
                    .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// Stores `value` under `attribute` of a case's item unless it is already there; returns what
/// is kept and whether it was this call that stored it (a re-sent finding keeps the first).
pub async fn keep_first(
    ddb: &Client,
    table: &str,
    case_id: &str,
    item: &str,
    attribute: &str,
    value: &str,
) -> Result<(String, bool), TaskError> {
    let update = ddb
        .update_item()
        .table_name(table)
        .set_key(Some(key(case_id, item)))
        .update_expression("SET #a = :v")
        .condition_expression("attribute_not_exists(#a)")
        .expression_attribute_names("#a", attribute)
        .expression_attribute_values(":v", AttributeValue::S(value.to_string()))
        .send()
        .await;
    match update {
        Ok(_) => Ok((value.to_string(), true)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            let kept = get(ddb, table, case_id, item)
                .await?
                .and_then(|i| i.get(attribute).and_then(|v| v.as_s().ok()).cloned())
                .unwrap_or_default();
            Ok((kept, false))
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("record {attribute} of {item} in table {table}"),
        )),
    }
}

// The partition of settings a responder released as legitimate: `resource#<id>` holds what
// was accepted (`accepted`, JSON) and by which case, so that neither the API-call trigger nor
// the AWS Config safety net puts back what a human decided to keep.

/// Records that `resource`'s setting `value` (JSON) was accepted by the release of `case_id`.
pub async fn accept(
    ddb: &Client,
    table: &str,
    item: &str,
    value: &str,
    case_id: &str,
    now: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(partition::ACCEPTED_SETTINGS, item)))
        .update_expression("SET accepted = :v, accepted_by = :c, accepted_at = :t")
        .expression_attribute_values(":v", AttributeValue::S(value.to_string()))
        .expression_attribute_values(":c", AttributeValue::S(case_id.to_string()))
        .expression_attribute_values(":t", AttributeValue::S(now.to_string()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| TaskError::from_sdk(e, &format!("record {item} as accepted in table {table}")))
}

/// What was accepted for `item`, and by which case.
pub async fn accepted(
    ddb: &Client,
    table: &str,
    item: &str,
) -> Result<Option<(String, String)>, TaskError> {
    let found = get(ddb, table, partition::ACCEPTED_SETTINGS, item).await?;
    Ok(found.and_then(|i| {
        let text = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
        Some((text("accepted")?, text("accepted_by").unwrap_or_default()))
    }))
}

// The partition of settings as aws-ir last saw them, for what AWS itself does not keep once a
// resource is gone (a deleted trail's configuration): `resource#<id>` holds `baseline` (JSON)
// and `seen_at`. Overwritten on every look, so it is the latest configuration seen.

/// Keeps `value` (JSON) as `item`'s configuration, seen at `now`.
pub async fn keep_baseline(
    ddb: &Client,
    table: &str,
    item: &str,
    value: &str,
    now: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(partition::SETTINGS_BASELINE, item)))
        .update_expression("SET baseline = :v, seen_at = :t")
        .expression_attribute_values(":v", AttributeValue::S(value.to_string()))
        .expression_attribute_values(":t", AttributeValue::S(now.to_string()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("keep the configuration of {item} in table {table}"),
            )
        })
}

/// The configuration kept for `item` (JSON), and when it was seen.
pub async fn baseline(
    ddb: &Client,
    table: &str,
    item: &str,
) -> Result<Option<(String, String)>, TaskError> {
    let found = get(ddb, table, partition::SETTINGS_BASELINE, item).await?;
    Ok(found.and_then(|i| {
        let text = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
        Some((text("baseline")?, text("seen_at").unwrap_or_default()))
    }))
}

/// The `claim-case` step: the first execution of a case claims it; another one learns who has.
/// A dry run claims nothing (the real run that follows must not find it taken).
pub async fn claim_case(
    ddb: &Client,
    sfn: &aws_sdk_sfn::Client,
    input: contract::tasks::ClaimCaseInput,
) -> Result<contract::tasks::ClaimCaseOutput, TaskError> {
    if input.case.dry_run {
        return Ok(contract::tasks::ClaimCaseOutput {
            ours: true,
            by: input.execution,
        });
    }
    let claim = claim_item(
        ddb,
        &input.case_table,
        &input.case.case_id,
        item::CASE,
        &input.execution,
        &crate::now(),
    )
    .await?;
    let claim = take_over_stalled(
        ddb,
        sfn,
        &input.case_table,
        &input.case.case_id,
        item::CASE,
        &input.execution,
        claim,
        &[],
    )
    .await?;
    Ok(match claim {
        Claim::Ours => contract::tasks::ClaimCaseOutput {
            ours: true,
            by: input.execution,
        },
        Claim::Theirs { execution, .. } => contract::tasks::ClaimCaseOutput {
            ours: false,
            by: execution,
        },
    })
}

// The containment groups aws-ir created, per VPC: the partition `containment-groups`, one item
// `vpc#<vpc id>` each (`open`, `closed`). Isolation uses the groups named here and nothing else:
// a group found by its tags or name could be anyone's.

/// A VPC's containment groups as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainmentGroups {
    pub vpc: String,
    /// Allows all traffic: tracked flows become untracked, for an instant before isolation.
    pub open: String,
    /// No rules at all: isolation.
    pub closed: String,
}

/// Every VPC's recorded containment groups.
pub async fn containment_groups(
    ddb: &Client,
    table: &str,
) -> Result<Vec<ContainmentGroups>, TaskError> {
    let out = ddb
        .query()
        .table_name(table)
        .key_condition_expression("case_id = :c")
        .expression_attribute_values(
            ":c",
            AttributeValue::S(partition::CONTAINMENT_GROUPS.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("read the containment groups from table {table}"),
            )
        })?;
    Ok(out
        .items()
        .iter()
        .filter_map(|i| {
            let text = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
            Some(ContainmentGroups {
                vpc: text(SORT_KEY)?.strip_prefix(item::VPC_PREFIX)?.to_string(),
                open: text("open")?,
                closed: text("closed")?,
            })
        })
        .collect())
}

/// Records `groups` as the VPC's containment groups, if the record still holds `replaces` (or
/// nothing); `false` when another execution recorded others first.
pub async fn record_containment_groups(
    ddb: &Client,
    table: &str,
    groups: &ContainmentGroups,
    replaces: Option<&ContainmentGroups>,
    now: &str,
) -> Result<bool, TaskError> {
    let mut put = ddb
        .put_item()
        .table_name(table)
        .item(
            PARTITION_KEY,
            AttributeValue::S(partition::CONTAINMENT_GROUPS.into()),
        )
        .item(SORT_KEY, AttributeValue::S(item::vpc(&groups.vpc)))
        .item("open", AttributeValue::S(groups.open.clone()))
        .item("closed", AttributeValue::S(groups.closed.clone()))
        .item("recorded_at", AttributeValue::S(now.to_string()));
    put = match replaces {
        None => put
            .condition_expression("attribute_not_exists(#i)")
            .expression_attribute_names("#i", SORT_KEY),
        Some(old) => put
            .condition_expression("#o = :o AND #c = :c")
            .expression_attribute_names("#o", "open")
            .expression_attribute_names("#c", "closed")
            .expression_attribute_values(":o", AttributeValue::S(old.open.clone()))
            .expression_attribute_values(":c", AttributeValue::S(old.closed.clone())),
    };
    match put.send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!(
                "record the containment groups of {} in table {table}",
                groups.vpc
            ),
        )),
    }
}

/// Records the snapshots aws-ir took of an instance for a case: custody reads them from here,
/// never from tags (anyone who may tag a snapshot could name one).
pub async fn add_evidence_snapshots(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    snapshots: &[String],
) -> Result<(), TaskError> {
    if snapshots.is_empty() {
        return Ok(());
    }
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item::instance(instance_id))))
        .update_expression("ADD evidence_snapshots :s")
        .expression_attribute_values(":s", AttributeValue::Ss(snapshots.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record the snapshots of {instance_id} in table {table}"),
            )
        })
}

/// The snapshots aws-ir recorded for an instance of a case.
pub async fn evidence_snapshots(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Vec<String>, TaskError> {
    let mut ids = get(ddb, table, case_id, &item::instance(instance_id))
        .await?
        .and_then(|i| i.get("evidence_snapshots").cloned())
        .and_then(|v| v.as_ss().ok().cloned())
        .unwrap_or_default();
    ids.sort();
    Ok(ids)
}

/// Records the copy aws-ir made of an evidence snapshot for the forensic account
/// (`original=copy`).
pub async fn add_evidence_copy(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    original: &str,
    copy: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item::instance(instance_id))))
        .update_expression("ADD evidence_copies :c")
        .expression_attribute_values(":c", AttributeValue::Ss(vec![format!("{original}={copy}")]))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record the copy {copy} of {original} in table {table}"),
            )
        })
}

/// The copies aws-ir recorded for an instance of a case: `(original, copy)`.
pub async fn evidence_copies(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Vec<(String, String)>, TaskError> {
    let mut pairs: Vec<(String, String)> = get(ddb, table, case_id, &item::instance(instance_id))
        .await?
        .and_then(|i| i.get("evidence_copies").cloned())
        .and_then(|v| v.as_ss().ok().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            p.split_once('=')
                .map(|(o, c)| (o.to_string(), c.to_string()))
        })
        .collect();
    pairs.sort();
    Ok(pairs)
}

/// Records an interface aws-ir attached for forensic access, so that isolation leaves exactly
/// it alone (an interface merely described like one is isolated like any other).
pub async fn add_forensic_interface(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
    interface: &str,
) -> Result<(), TaskError> {
    ddb.update_item()
        .table_name(table)
        .set_key(Some(key(case_id, &item::instance(instance_id))))
        .update_expression("ADD forensic_interfaces :i")
        .expression_attribute_values(":i", AttributeValue::Ss(vec![interface.to_string()]))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("record forensic interface {interface} of {instance_id} in table {table}"),
            )
        })
}

/// The forensic interfaces aws-ir recorded for an instance of a case.
pub async fn forensic_interfaces(
    ddb: &Client,
    table: &str,
    case_id: &str,
    instance_id: &str,
) -> Result<Vec<String>, TaskError> {
    Ok(get(ddb, table, case_id, &item::instance(instance_id))
        .await?
        .and_then(|i| i.get("forensic_interfaces").cloned())
        .and_then(|v| v.as_ss().ok().cloned())
        .unwrap_or_default())
}
