//! Planning a case's custody run: the snapshots the case took, once every one has completed,
//! cut into ranges of [`RANGE_BLOCKS`] blocks (the Distributed Map's items, written to the
//! evidence bucket: a 16 TiB volume is 1,024 of them, more than a state's payload could carry).

use super::digest::BLOCKS_PER_GIB;
use super::store;
use crate::cases;
use crate::error::TaskError;
use contract::custody::{plan_key, RangeItem, RANGE_BLOCKS};
use contract::tasks::custody::{CustodyInput, CustodyPlan};
use contract::ErrorName;

/// A snapshot the case took, as EC2 describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSnapshot {
    pub snapshot_id: String,
    pub volume_id: String,
    pub instance_id: String,
    pub volume_size_gib: u64,
    /// `pending`, `completed`, `error`, ...
    pub state: String,
    pub taken_at: String,
    /// For a copy made for the forensic account: the snapshot it copies (empty otherwise).
    pub copy_of: String,
}

/// The snapshots aws-ir recorded for the case's instances (in the case table, which only
/// aws-ir may write; a tag anyone may write is no evidence of anything), as EC2 describes them,
/// by id.
pub async fn case_snapshots(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    case_id: &str,
    instances: &[String],
) -> Result<Vec<CaseSnapshot>, TaskError> {
    // (snapshot, instance, the snapshot it copies)
    let mut recorded: Vec<(String, String, String)> = Vec::new();
    for instance in instances {
        for id in cases::evidence_snapshots(dynamodb, table, case_id, instance).await? {
            recorded.push((id, instance.clone(), String::new()));
        }
        for (original, copy) in cases::evidence_copies(dynamodb, table, case_id, instance).await? {
            recorded.push((copy, instance.clone(), original));
        }
    }
    if recorded.is_empty() {
        return Ok(Vec::new());
    }
    let out = ec2
        .describe_snapshots()
        .set_snapshot_ids(Some(recorded.iter().map(|(id, _, _)| id.clone()).collect()))
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(e, &format!("describe the snapshots recorded for {case_id}"))
        })?;
    let mut found: Vec<CaseSnapshot> = out
        .snapshots()
        .iter()
        .map(|s| {
            let snapshot_id = s.snapshot_id().unwrap_or_default().to_string();
            let (instance_id, copy_of) = recorded
                .iter()
                .find(|(id, _, _)| *id == snapshot_id)
                .map(|(_, i, o)| (i.clone(), o.clone()))
                .unwrap_or_default();
            CaseSnapshot {
                instance_id,
                copy_of,
                snapshot_id,
                volume_id: s.volume_id().unwrap_or_default().to_string(),
                volume_size_gib: s.volume_size().unwrap_or_default().max(0) as u64,
                state: s
                    .state()
                    .map(|st| st.as_str().to_string())
                    .unwrap_or_default(),
                taken_at: s
                    .start_time()
                    .and_then(|t| {
                        t.fmt(aws_sdk_ec2::primitives::DateTimeFormat::DateTime)
                            .ok()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    found.sort_by(|a, b| a.snapshot_id.cmp(&b.snapshot_id));
    Ok(found)
}

/// The instances a case names: the ones whose recorded snapshots are its evidence.
pub fn instance_ids(case: &contract::Case) -> Vec<String> {
    case.instances
        .iter()
        .map(|i| i.instance_id.clone())
        .collect()
}

/// The ranges that cover a snapshot's volume exactly (the last one may be shorter).
pub fn ranges_of(snapshot: &CaseSnapshot) -> Vec<RangeItem> {
    let total = snapshot.volume_size_gib * BLOCKS_PER_GIB;
    (0..total)
        .step_by(RANGE_BLOCKS as usize)
        .map(|first| RangeItem {
            snapshot_id: snapshot.snapshot_id.clone(),
            first_block: first,
            block_count: RANGE_BLOCKS.min(total - first),
        })
        .collect()
}

/// The execution's name, from its ARN (`arn:…:execution:<machine>:<name>`).
pub fn execution_name(execution: &str) -> Result<&str, TaskError> {
    let name = execution.rsplit(':').next().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(TaskError::invalid_event(format!(
            "`{execution}` is not an execution ARN whose name can key a record"
        )));
    }
    Ok(name)
}

crate::aws::clients! {
    /// The plan's clients: the case table (which snapshots), EC2 (their state and size) and
    /// the evidence bucket (the ranges).
    pub struct PlanCustodyClients {
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        s3: aws_sdk_s3::Client,
    }
}

pub async fn plan(aws: &PlanCustodyClients, input: CustodyInput) -> Result<CustodyPlan, TaskError> {
    let case_id = input.case.case_id.as_str();
    if !contract::custody::is_case_id(case_id) {
        return Err(TaskError::invalid_event(format!(
            "`{case_id}` is not a case id aws-ir made: no custody record is keyed by it"
        )));
    }
    let instances = instance_ids(&input.case);
    let snapshots = case_snapshots(
        &aws.ec2,
        &aws.dynamodb,
        &input.policy.case_table,
        case_id,
        &instances,
    )
    .await?;
    let pending: Vec<&str> = snapshots
        .iter()
        .filter(|s| s.state == "pending")
        .map(|s| s.snapshot_id.as_str())
        .collect();
    if !pending.is_empty() {
        return Err(TaskError::new(
            ErrorName::NotReady,
            format!(
                "{} of the case's {} snapshot(s) are still pending ({}): custody reads a snapshot once it has completed",
                pending.len(),
                snapshots.len(),
                pending.join(", ")
            ),
        ));
    }
    let mut lines = Vec::new();
    let mut items = Vec::new();
    for s in &snapshots {
        if s.state != "completed" {
            lines.push(format!(
                "{} of {} ({}): {}, not read: take a new snapshot of the volume",
                s.snapshot_id, s.volume_id, s.instance_id, s.state
            ));
            continue;
        }
        let ranges = ranges_of(s);
        lines.push(format!(
            "{} of {} ({}{}): {} GiB, {} range(s)",
            s.snapshot_id,
            s.volume_id,
            s.instance_id,
            if s.copy_of.is_empty() {
                String::new()
            } else {
                format!(", copy of {}", s.copy_of)
            },
            s.volume_size_gib,
            ranges.len()
        ));
        items.extend(ranges);
    }
    let ranges = items.len() as u64;
    // One line per snapshot in the execution's state, as far as they fit; the case table
    // lists every snapshot.
    let lines = contract::excerpt(lines, "the case table's snapshot items");
    if input.case.dry_run {
        return Ok(CustodyPlan {
            status: "planned".into(),
            snapshots: lines,
            ranges,
            plan: String::new(),
        });
    }
    if items.is_empty() {
        return Ok(CustodyPlan {
            status: "nothing to hash".into(),
            snapshots: lines,
            ranges: 0,
            plan: String::new(),
        });
    }
    let key = plan_key(case_id, execution_name(&input.execution)?);
    let body = store::to_json(&items, &key)?;
    // A retry finds its own plan (the same snapshots); the Map reads whichever is stored.
    store::put_once(&aws.s3, &input.policy.evidence_bucket, &key, body).await?;
    Ok(CustodyPlan {
        status: "ready".into(),
        snapshots: lines,
        ranges,
        plan: key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(gib: u64) -> CaseSnapshot {
        CaseSnapshot {
            snapshot_id: "snap-0123456789abcdef0".into(),
            volume_id: "vol-1".into(),
            instance_id: "i-1".into(),
            volume_size_gib: gib,
            state: "completed".into(),
            taken_at: String::new(),
            copy_of: String::new(),
        }
    }

    #[test]
    fn ranges_cover_the_volume_exactly() {
        let r = ranges_of(&snapshot(40));
        assert_eq!(r.len(), 3);
        assert_eq!(r[2].first_block, 2 * RANGE_BLOCKS);
        assert_eq!(r[2].block_count, 40 * BLOCKS_PER_GIB - 2 * RANGE_BLOCKS);
        let sum: u64 = r.iter().map(|x| x.block_count).sum();
        assert_eq!(sum, 40 * BLOCKS_PER_GIB);
        // 16 TiB: 1,024 items.
        assert_eq!(ranges_of(&snapshot(16 * 1024)).len(), 1024);
    }

    #[test]
    fn the_plan_is_keyed_by_the_execution_name() {
        assert_eq!(
            execution_name("arn:aws:states:us-east-1:123456789012:execution:e2e-ec2:run-1")
                .unwrap(),
            "run-1"
        );
        assert!(execution_name("arn:x:execution:m:../../etc").is_err());
        assert!(execution_name("").is_err());
    }
}
