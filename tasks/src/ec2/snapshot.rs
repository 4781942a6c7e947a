//! Snapshot: every attached volume at once (`CreateSnapshots`: crash-consistent across
//! volumes), tagged with the case and the instance (for people), recorded in the case table (for
//! aws-ir). A second run finds the case's recorded snapshots and makes none.

use super::{check_instance_id, describe, filter, tag, TAG_CASE, TAG_INSTANCE, TAG_ROLE};
use crate::error::TaskError;
use aws_sdk_ec2::types::{
    CopyTagsFromSource, InstanceSpecification, ResourceType, TagSpecification,
};
use contract::tasks::ec2::{InstanceStep, Outcome, Status};

/// A snapshot a case took of one of an instance's volumes.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSnapshot {
    pub snapshot_id: String,
    /// The volume it was taken from.
    pub volume_id: String,
    /// `pending`, `completed`, `error`, ...
    pub state: String,
}

/// The snapshots this case recorded of `instance`, as EC2 describes them. The record is the
/// case table's (`snapshot-volumes` writes it, and only aws-ir may write the table): a snapshot
/// anyone tagged with the case is no evidence, and must neither stop the real snapshots being
/// taken nor be attached to the forensic instance. A recorded snapshot that is gone is left
/// out (the filter, unlike `SnapshotIds`, does not fail on it).
pub async fn case_snapshots(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    case_id: &str,
    instance: &str,
) -> Result<Vec<CaseSnapshot>, TaskError> {
    let recorded = crate::cases::evidence_snapshots(dynamodb, table, case_id, instance).await?;
    if recorded.is_empty() {
        return Ok(Vec::new());
    }
    let out = ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(filter(
            "snapshot-id",
            &recorded.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("describe the snapshots of {instance} recorded for {case_id}"),
            )
        })?;
    Ok(out
        .snapshots()
        .iter()
        .map(|s| CaseSnapshot {
            snapshot_id: s.snapshot_id().unwrap_or_default().to_string(),
            volume_id: s.volume_id().unwrap_or_default().to_string(),
            state: s
                .state()
                .map(|st| st.as_str().to_string())
                .unwrap_or_default(),
        })
        .collect())
}

/// The outcome, and the snapshots made now.
async fn run(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<(Outcome, Vec<String>), TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let live = describe(ec2, id).await?;
    let mut out = Outcome::new(step.case.dry_run);
    let existing = case_snapshots(
        ec2,
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        id,
    )
    .await?;
    if !existing.is_empty() {
        out.status = Status::Skipped;
        out.note(format!(
            "this case already has {} snapshot(s) of the instance: {}",
            existing.len(),
            existing
                .iter()
                .map(|s| format!("{} of {} ({})", s.snapshot_id, s.volume_id, s.state))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok((out, Vec::new()));
    }
    if live.volumes.is_empty() {
        out.status = Status::Skipped;
        out.note("the instance has no EBS volume");
        return Ok((out, Vec::new()));
    }
    let volumes: Vec<String> = live
        .volumes
        .iter()
        .map(|v| format!("{} ({})", v.volume_id, v.device))
        .collect();
    out.act(
        "ec2:CreateSnapshots",
        id,
        format!("crash-consistent snapshots of {}", volumes.join(", ")),
    );
    if step.case.dry_run {
        return Ok((out, Vec::new()));
    }
    let created = ec2
        .create_snapshots()
        .instance_specification(
            InstanceSpecification::builder()
                .instance_id(id)
                .exclude_boot_volume(false)
                .build(),
        )
        .description(format!(
            "aws-ir evidence for {} from {id}",
            step.case.case_id
        ))
        .copy_tags_from_source(CopyTagsFromSource::Volume)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .tags(tag(TAG_CASE, &step.case.case_id))
                .tags(tag(TAG_INSTANCE, id))
                .tags(tag(TAG_ROLE, "evidence"))
                .build(),
        )
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("snapshot the volumes of {id}")))?;
    for s in created.snapshots() {
        out.note(format!(
            "{} of {}",
            s.snapshot_id().unwrap_or_default(),
            s.volume_id().unwrap_or_default()
        ));
    }
    Ok((
        out,
        created
            .snapshots()
            .iter()
            .filter_map(|s| s.snapshot_id().map(String::from))
            .collect(),
    ))
}

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let (out, created) = run(ec2, dynamodb, step.clone()).await?;
    crate::cases::add_evidence_snapshots(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &step.instance_id,
        &created,
    )
    .await?;
    super::remember(dynamodb, &step, "snapshot", &out).await?;
    Ok(out)
}
