//! Reading a snapshot's blocks through the EBS direct APIs, and keeping each range's result in
//! the evidence bucket once.
//!
//! As awslabs' coldsnap reads snapshots: list the blocks (`ListSnapshotBlocks`, which also
//! tells which blocks are sparse), read them concurrently (`GetSnapshotBlock`), and check each
//! against the SHA-256 AWS sends in `x-amz-Checksum`. A block that does not match is read once
//! more (a fault on the wire); a second mismatch is `IR.EvidenceMismatch` and the range records
//! nothing. Throttling (`RequestThrottledException`, per snapshot and per account) is retried by
//! the SDK with backoff, then by Step Functions (`IR.Throttled`).

use super::digest::{verify_block, BlockHash, RangeHash};
use super::store;
pub use super::store::Stored;
use crate::error::TaskError;
use contract::ErrorName;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Blocks one range reads at once. Ranges of one snapshot run side by side (bounded by the
/// state machine), so this stays well under the per-snapshot quota of 1,000 reads a second.
pub const READERS: usize = 16;
/// `ListSnapshotBlocks` pages: 100 to 10,000 blocks.
const PAGE_MIN: u64 = 100;
const PAGE_MAX: u64 = 10_000;

fn snapshot_index(index: u64, snapshot_id: &str) -> Result<i32, TaskError> {
    i32::try_from(index).map_err(|_| {
        TaskError::invalid_event(format!(
            "block {index} of {snapshot_id} is beyond the EBS direct APIs' block indexes (at most {})",
            i32::MAX
        ))
    })
}

/// The blocks `snapshot_id` holds in `[first_block, first_block + block_count)`, ascending, with
/// the tokens to read them by.
pub async fn list_blocks(
    ebs: &aws_sdk_ebs::Client,
    snapshot_id: &str,
    first_block: u64,
    block_count: u64,
) -> Result<Vec<(u64, String)>, TaskError> {
    let end = first_block + block_count;
    let page_size = block_count.clamp(PAGE_MIN, PAGE_MAX) as i32;
    let mut listed = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let request = ebs
            .list_snapshot_blocks()
            .snapshot_id(snapshot_id)
            .max_results(page_size);
        let request = match &next {
            Some(token) => request.next_token(token),
            None => request.starting_block_index(snapshot_index(first_block, snapshot_id)?),
        };
        let page = request.send().await.map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("list the blocks of {snapshot_id} from block {first_block}"),
            )
        })?;
        let mut past_end = false;
        for block in page.blocks() {
            let index = u64::try_from(block.block_index().unwrap_or(-1)).map_err(|_| {
                TaskError::new(
                    ErrorName::Transient,
                    format!(
                        "ListSnapshotBlocks on {snapshot_id} answered a block without an index"
                    ),
                )
            })?;
            if index >= end {
                past_end = true;
                break;
            }
            listed.push((index, block.block_token().unwrap_or_default().to_string()));
        }
        next = page.next_token().map(String::from);
        if past_end || next.is_none() {
            return Ok(listed);
        }
    }
}

/// One block, read and checked against AWS's checksum (a mismatch is read once more).
pub async fn read_block(
    ebs: &aws_sdk_ebs::Client,
    snapshot_id: &str,
    index: u64,
    token: &str,
) -> Result<BlockHash, TaskError> {
    let what = format!("block {index} of {snapshot_id}");
    let mut mismatch = None;
    for _ in 0..2 {
        let got = ebs
            .get_snapshot_block()
            .snapshot_id(snapshot_id)
            .block_index(snapshot_index(index, snapshot_id)?)
            .block_token(token)
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("read {what}")))?;
        let algorithm = got.checksum_algorithm().map(|a| a.as_str().to_string());
        if algorithm.as_deref() != Some("SHA256") {
            return Err(TaskError::new(
                ErrorName::EvidenceMismatch,
                format!("{what} came with checksum algorithm {algorithm:?}, not SHA256: it cannot be checked, so nothing was recorded for its range"),
            ));
        }
        let checksum = got.checksum().unwrap_or_default().to_string();
        let data = got
            .block_data
            .collect()
            .await
            .map_err(|e| TaskError::new(ErrorName::Transient, format!("read {what}: {e}")))?
            .into_bytes();
        match verify_block(index, &data, &checksum) {
            Ok(sha256) => return Ok(BlockHash { index, sha256 }),
            Err(m) => mismatch = Some(m),
        }
    }
    let m = mismatch.unwrap_or(super::digest::Mismatch {
        index,
        expected: String::new(),
        actual: String::new(),
    });
    Err(TaskError::new(
        ErrorName::EvidenceMismatch,
        format!(
            "{what} was read twice and its bytes hash to {} while AWS's checksum is {}: the snapshot's copy cannot be vouched for, and nothing was recorded for its range. Read it again later (a re-run hashes only the ranges with no result), and keep the snapshot",
            m.actual, m.expected
        ),
    ))
}

/// Hashes every block `snapshot_id` holds in `[first_block, first_block + block_count)`, at most
/// `readers` at once.
pub async fn hash_range(
    ebs: &aws_sdk_ebs::Client,
    snapshot_id: &str,
    first_block: u64,
    block_count: u64,
    readers: usize,
) -> Result<RangeHash, TaskError> {
    let listed = list_blocks(ebs, snapshot_id, first_block, block_count).await?;
    let gate = Arc::new(Semaphore::new(readers.max(1)));
    let mut reads = JoinSet::new();
    for (index, token) in listed {
        let (ebs, snapshot_id, gate) = (ebs.clone(), snapshot_id.to_string(), gate.clone());
        reads.spawn(async move {
            let _turn = gate.acquire_owned().await.map_err(|_| {
                TaskError::new(ErrorName::Transient, "the block readers were stopped")
            })?;
            read_block(&ebs, &snapshot_id, index, &token).await
        });
    }
    let mut blocks = Vec::new();
    while let Some(read) = reads.join_next().await {
        match read {
            Ok(Ok(block)) => blocks.push(block),
            Ok(Err(e)) => return Err(e),
            Err(stopped) => {
                return Err(TaskError::new(
                    ErrorName::Transient,
                    format!("a reader of {snapshot_id} stopped: {stopped}"),
                ))
            }
        }
    }
    blocks.sort_by_key(|b| b.index);
    Ok(RangeHash {
        snapshot_id: snapshot_id.to_string(),
        first_block,
        block_count,
        blocks,
    })
}

/// Where a range's result is kept in the evidence bucket.
pub use contract::custody::range_key;

/// The range's result, if one was written.
pub async fn stored_range(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<RangeHash>, TaskError> {
    Ok(store::get_json(s3, bucket, key)
        .await?
        .map(|(range, _)| range))
}

/// Writes a range's result once: when another run wrote it first, theirs stays.
pub async fn store_range(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    range: &RangeHash,
) -> Result<Stored, TaskError> {
    store::put_once(s3, bucket, key, store::to_json(range, key)?).await
}

/// A range hashed at most once, its result kept at `key`: an earlier result is returned as it
/// is (a re-run or a retry hashes only the ranges that have none).
pub async fn hash_range_once(
    ebs: &aws_sdk_ebs::Client,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    snapshot_id: &str,
    first_block: u64,
    block_count: u64,
) -> Result<(RangeHash, Stored), TaskError> {
    if let Some(kept) = stored_range(s3, bucket, key).await? {
        return Ok((kept, Stored::Kept));
    }
    let range = hash_range(ebs, snapshot_id, first_block, block_count, READERS).await?;
    match store_range(s3, bucket, key, &range).await? {
        Stored::Written => Ok((range, Stored::Written)),
        // Another run finished first: theirs is the record.
        Stored::Kept => Ok((
            stored_range(s3, bucket, key).await?.unwrap_or(range),
            Stored::Kept,
        )),
    }
}
