//! Chain of custody for disk evidence (#18): every block of a case's snapshots read back
//! through the EBS direct APIs, each checked against the SHA-256 AWS sends with it, and one
//! aggregate per snapshot in AWS's own `LINEAR` form, so that the figure means the same thing
//! outside aws-ir (it is what `CompleteSnapshot` takes).
//!
//! The work is split into ranges of block indexes ([`plan`]): a 16 TiB volume has 33.5 M
//! blocks, hours of reading at the per-snapshot quota, far beyond one Lambda's 15 minutes.
//! Step Functions runs the ranges (a Distributed Map); a range is hashed by
//! [`ebs::hash_range_once`], and [`seal`] adds them up ([`digest::linear`]), writes the
//! manifest, signs it and logs the acquisition. [`verify`] checks it all again on request. Pure logic is in [`digest`], the EBS calls in
//! [`ebs`], the evidence bucket in [`store`].

pub mod digest;
pub mod ebs;
pub mod plan;
pub mod release;
pub mod seal;
pub mod store;
pub mod transfer;
pub mod verify;

use crate::error::TaskError;
use contract::tasks::custody::{HashRangeInput, HashRangeOutput};

/// The Distributed Map's item: one range, hashed at most once.
pub async fn hash_range(
    ebs_client: &aws_sdk_ebs::Client,
    s3: &aws_sdk_s3::Client,
    input: HashRangeInput,
) -> Result<HashRangeOutput, TaskError> {
    if !contract::custody::is_case_id(&input.case_id)
        || !contract::custody::is_snapshot_id(&input.snapshot_id)
    {
        return Err(TaskError::invalid_event(format!(
            "`{}` / `{}` is not a case and snapshot aws-ir hashes",
            input.case_id, input.snapshot_id
        )));
    }
    if input.block_count == 0 || input.block_count > contract::custody::RANGE_BLOCKS {
        return Err(TaskError::invalid_event(format!(
            "a range of {} blocks: ranges hold 1 to {} blocks",
            input.block_count,
            contract::custody::RANGE_BLOCKS
        )));
    }
    if !input
        .verification
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(TaskError::invalid_event(format!(
            "`{}` is not a verification run's name",
            input.verification
        )));
    }
    let key = contract::custody::hashes_key(
        &input.case_id,
        &input.verification,
        &input.snapshot_id,
        input.first_block,
    );
    let (range, stored) = ebs::hash_range_once(
        ebs_client,
        s3,
        &input.bucket,
        &key,
        &input.snapshot_id,
        input.first_block,
        input.block_count,
    )
    .await?;
    Ok(HashRangeOutput {
        blocks: range.blocks.len() as u64,
        stored: match stored {
            ebs::Stored::Written => "written",
            ebs::Stored::Kept => "kept",
        }
        .into(),
    })
}
