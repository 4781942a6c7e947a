//! What a hash of disk evidence is, without the network: a block's SHA-256 checked against
//! the one AWS sent, the ranges a snapshot is read in, and the `LINEAR` aggregate.

use aws_smithy_types::base64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The EBS direct APIs' block: 512 KiB (block index = byte offset / 524,288).
pub const BLOCK_SIZE: u64 = 524_288;
/// Blocks in one GiB of volume.
pub const BLOCKS_PER_GIB: u64 = (1 << 30) / BLOCK_SIZE;

/// One block's hash, as the range results and the manifest list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHash {
    pub index: u64,
    /// Base64 SHA-256 of the block's 524,288 bytes (the EBS direct APIs' `x-amz-Checksum`).
    pub sha256: String,
}

/// The result of hashing one range of a snapshot: the blocks the snapshot holds in
/// `[first_block, first_block + block_count)`, in ascending index. Blocks the snapshot does not
/// hold (never written: sparse) are not listed; `block_count - blocks.len()` of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeHash {
    pub snapshot_id: String,
    pub first_block: u64,
    pub block_count: u64,
    pub blocks: Vec<BlockHash>,
}

impl RangeHash {
    /// Blocks of the range the snapshot does not hold.
    pub fn sparse(&self) -> u64 {
        self.block_count - self.blocks.len() as u64
    }
}

/// A block whose bytes do not hash to the checksum AWS sent with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub index: u64,
    pub expected: String,
    pub actual: String,
}

/// The block's SHA-256 (base64), checked against `checksum` (base64, as AWS sends it).
pub fn verify_block(index: u64, data: &[u8], checksum: &str) -> Result<String, Mismatch> {
    let actual = base64::encode(Sha256::digest(data));
    if actual == checksum {
        Ok(actual)
    } else {
        Err(Mismatch {
            index,
            expected: checksum.to_string(),
            actual,
        })
    }
}

/// The first block of every range of `block_count` blocks that covers a volume of
/// `volume_gib` GiB.
pub fn ranges(volume_gib: u64, block_count: u64) -> Vec<u64> {
    let total = volume_gib * BLOCKS_PER_GIB;
    (0..total).step_by(block_count.max(1) as usize).collect()
}

/// Why ranges do not add up to one snapshot's aggregate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// No range result starts where the previous one ended (or at 0).
    Missing { from_block: u64 },
    /// A range result belongs to another snapshot, overlaps, or lists a block outside itself.
    Inconsistent(String),
}

/// A snapshot's aggregate in AWS's `LINEAR` form: SHA-256 over the concatenated SHA-256
/// digests of every block the snapshot holds, in ascending block index, base64 (EBS direct
/// APIs, `CompleteSnapshot`: "ChecksumAggregationMethod"). `ranges` must cover
/// `[0, total_blocks)` exactly, in any order; returns the aggregate and the blocks it covers.
pub fn linear(
    snapshot_id: &str,
    total_blocks: u64,
    ranges: &[RangeHash],
) -> Result<(String, u64), Gap> {
    let mut ordered: Vec<&RangeHash> = ranges.iter().collect();
    ordered.sort_by_key(|r| r.first_block);
    let mut next = 0u64;
    let mut aggregate = Sha256::new();
    let mut held = 0u64;
    for range in ordered {
        if range.snapshot_id != snapshot_id {
            return Err(Gap::Inconsistent(format!(
                "the range from block {} is of {}, not {snapshot_id}",
                range.first_block, range.snapshot_id
            )));
        }
        if range.first_block != next {
            return Err(if range.first_block > next {
                Gap::Missing { from_block: next }
            } else {
                Gap::Inconsistent(format!("ranges overlap at block {}", range.first_block))
            });
        }
        let end = range.first_block + range.block_count;
        let mut previous = None;
        for block in &range.blocks {
            if block.index < range.first_block
                || block.index >= end
                || previous.is_some_and(|p| block.index <= p)
            {
                return Err(Gap::Inconsistent(format!(
                    "block {} is out of order or outside the range {}..{end}",
                    block.index, range.first_block
                )));
            }
            previous = Some(block.index);
            let digest = base64::decode(&block.sha256).map_err(|_| {
                Gap::Inconsistent(format!("block {} has a malformed hash", block.index))
            })?;
            aggregate.update(&digest);
            held += 1;
        }
        next = end;
    }
    if next < total_blocks {
        return Err(Gap::Missing { from_block: next });
    }
    Ok((base64::encode(aggregate.finalize()), held))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(index: u64, data: &[u8]) -> BlockHash {
        BlockHash {
            index,
            sha256: base64::encode(Sha256::digest(data)),
        }
    }

    fn range(first: u64, count: u64, blocks: Vec<BlockHash>) -> RangeHash {
        RangeHash {
            snapshot_id: "snap-1".into(),
            first_block: first,
            block_count: count,
            blocks,
        }
    }

    #[test]
    fn linear_is_the_hash_of_the_block_digests_in_index_order() {
        let (a, b, c) = (vec![1u8; 8], vec![2u8; 8], vec![3u8; 8]);
        // As AWS defines it (and coldsnap computes it): the raw digests, concatenated.
        let mut expected = Sha256::new();
        for data in [&a, &b, &c] {
            expected.update(Sha256::digest(data));
        }
        let expected = base64::encode(expected.finalize());
        // Given out of order, over two ranges, with sparse blocks between.
        let ranges = [
            range(4, 4, vec![block(5, &c)]),
            range(0, 4, vec![block(0, &a), block(3, &b)]),
        ];
        assert_eq!(linear("snap-1", 8, &ranges), Ok((expected, 3)));
    }

    #[test]
    fn missing_overlapping_or_foreign_ranges_have_no_aggregate() {
        let one = range(0, 4, vec![]);
        assert_eq!(
            linear("snap-1", 8, std::slice::from_ref(&one)),
            Err(Gap::Missing { from_block: 4 })
        );
        assert_eq!(
            linear("snap-1", 8, &[one.clone(), range(8, 4, vec![])]),
            Err(Gap::Missing { from_block: 4 })
        );
        assert!(matches!(
            linear("snap-1", 8, &[one.clone(), range(2, 6, vec![])]),
            Err(Gap::Inconsistent(_))
        ));
        let mut foreign = range(4, 4, vec![]);
        foreign.snapshot_id = "snap-2".into();
        assert!(matches!(
            linear("snap-1", 8, &[one.clone(), foreign]),
            Err(Gap::Inconsistent(_))
        ));
        let outside = range(4, 4, vec![block(9, b"x")]);
        assert!(matches!(
            linear("snap-1", 8, &[one, outside]),
            Err(Gap::Inconsistent(_))
        ));
    }

    #[test]
    fn a_block_is_checked_against_the_checksum_aws_sent() {
        let good = base64::encode(Sha256::digest(b"evidence"));
        assert_eq!(verify_block(7, b"evidence", &good), Ok(good.clone()));
        let bad = verify_block(7, b"evidencE", &good).unwrap_err();
        assert_eq!((bad.index, bad.expected), (7, good));
    }

    #[test]
    fn ranges_cover_the_volume() {
        assert_eq!(BLOCKS_PER_GIB, 2048);
        assert_eq!(ranges(1, 1024), vec![0, 1024]);
        assert_eq!(ranges(1, 1000), vec![0, 1000, 2000]);
        // 16 TiB in 8 GiB ranges: 2,048 ranges.
        assert_eq!(ranges(16 * 1024, 16 * 1024).len(), 2048);
    }
}
