//! Chain of custody (#18), its disk part, against the emulated AWS: the snapshots a case takes
//! are read back block by block through the EBS direct APIs, each block checked against AWS's
//! checksum, and the snapshot's `LINEAR` aggregate equals the one the harness computes on its
//! own from what it wrote. Ranges are written once: a re-run hashes nothing again. A block
//! corrupted on the wire is `IR.EvidenceMismatch`, and its range records nothing.

use super::{host, id, Ctx};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tasks::custody::digest::{self, BLOCKS_PER_GIB};
use tasks::custody::ebs::{self, Stored};

/// Blocks per range: a 20 GiB data volume is 40,960 blocks, 10 ranges.
const RANGE: u64 = 4096;

pub async fn disk_evidence_is_hashed_through_the_ebs_direct_apis(c: Arc<Ctx>) {
    let h = host(&c, "custody", &[]);
    let instance = id(&h);
    // What each volume holds: sparse blocks, some in the last range, one past the first page.
    let mut expected: BTreeMap<String, Value> = BTreeMap::new();
    for (n, volume) in h["volumes"].as_array().unwrap().iter().enumerate() {
        let volume = volume["id"].as_str().unwrap();
        let blocks = [0u64, 1, 4095, 4096, 10_001 + n as u64, 16_383];
        let args: Vec<String> = blocks.iter().map(|b| format!("{b}={volume}-{b}")).collect();
        let mut cmd = vec!["volume-blocks", volume];
        for a in &args {
            cmd.extend(["--block", a.as_str()]);
        }
        expected.insert(volume.to_string(), c.world.fixture(&cmd));
    }

    let step = super::ec2_tasks::step(&c, instance, false);
    let case = step["case"]["case_id"].as_str().unwrap().to_string();
    let snapped = c.world.invoke("snapshot-volumes", &step).unwrap();
    assert_eq!(snapped["status"], "done", "{snapped}");
    let snapshots = super::case_snapshot_details(&c, &case, instance).await;
    assert_eq!(snapshots.len(), 3);

    let config = tasks::aws_config().await;
    let ebs_client = aws_sdk_ebs::Client::new(&config);
    let s3 = tasks::aws::s3(&config);
    let bucket = c.main.outputs["EvidenceBucketName"].clone();
    for snapshot in &snapshots {
        let (snapshot_id, volume) = (
            snapshot.snapshot_id().unwrap(),
            snapshot.volume_id().unwrap(),
        );
        let gib = snapshot.volume_size().unwrap() as u64;
        let firsts = digest::ranges(gib, RANGE);
        let mut results = Vec::new();
        for &first in &firsts {
            let (range, stored) =
                ebs::hash_range_once(&ebs_client, &s3, &bucket, &case, snapshot_id, first, RANGE)
                    .await
                    .unwrap_or_else(|e| panic!("{snapshot_id} from {first}: {e}"));
            assert_eq!(stored, Stored::Written);
            results.push(range);
        }
        let (aggregate, held) =
            digest::linear(snapshot_id, gib * BLOCKS_PER_GIB, &results).unwrap();
        let wanted = &expected[volume];
        assert_eq!(
            aggregate,
            wanted["Linear"].as_str().unwrap(),
            "{snapshot_id} of {volume}"
        );
        assert_eq!(held, 6);
        for range in &results {
            for block in &range.blocks {
                assert_eq!(
                    block.sha256,
                    wanted["Sha256"][block.index.to_string()],
                    "block {}",
                    block.index
                );
            }
        }
        // Resumable: every range has its result, so a re-run reads no block again.
        for &first in &firsts {
            let (_, stored) =
                ebs::hash_range_once(&ebs_client, &s3, &bucket, &case, snapshot_id, first, RANGE)
                    .await
                    .unwrap();
            assert_eq!(stored, Stored::Kept);
        }
    }

    // A block corrupted on the wire (read twice, wrong both times): a named error, and the
    // range keeps no result.
    let snapshot_id = snapshots[0].snapshot_id().unwrap();
    c.world.fixture(&[
        "volume-blocks",
        "-",
        "--corrupt-snapshot",
        snapshot_id,
        "--corrupt",
        "4096",
    ]);
    let other_case = format!("{case}-again");
    let err = ebs::hash_range_once(
        &ebs_client,
        &s3,
        &bucket,
        &other_case,
        snapshot_id,
        4096,
        RANGE,
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, contract::ErrorName::EvidenceMismatch, "{err}");
    assert!(err.message.contains("block 4096"), "{err}");
    let key = ebs::range_key(&other_case, snapshot_id, 4096);
    assert_eq!(ebs::stored_range(&s3, &bucket, &key).await.unwrap(), None);
    // The other ranges of the snapshot still read.
    ebs::hash_range_once(
        &ebs_client,
        &s3,
        &bucket,
        &other_case,
        snapshot_id,
        0,
        RANGE,
    )
    .await
    .unwrap();
}
