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
const MIB: usize = 1024 * 1024;

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
    // The library called as the test driver, which the evidence bucket's policy refuses as it
    // would any principal but aws-ir's roles: a bucket of the test's own (the playbook's run
    // below writes to the evidence bucket through the task Lambdas).
    let bucket = "e2e-custody-library".to_string();
    let _ = c.world.s3.create_bucket().bucket(&bucket).send().await;
    // One range of a snapshot, hashed at most once, under `case`.
    let hash = |case: &str, snapshot_id: &str, first: u64| {
        let (ebs_client, s3, bucket) = (ebs_client.clone(), s3.clone(), bucket.clone());
        let (key, snapshot_id) = (
            ebs::range_key(case, snapshot_id, first),
            snapshot_id.to_string(),
        );
        async move {
            ebs::hash_range_once(&ebs_client, &s3, &bucket, &key, &snapshot_id, first, RANGE).await
        }
    };
    for snapshot in &snapshots {
        let (snapshot_id, volume) = (
            snapshot.snapshot_id().unwrap(),
            snapshot.volume_id().unwrap(),
        );
        let gib = snapshot.volume_size().unwrap() as u64;
        let firsts = digest::ranges(gib, RANGE);
        let mut results = Vec::new();
        for &first in &firsts {
            let (range, stored) = hash(&case, snapshot_id, first)
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
            let (_, stored) = hash(&case, snapshot_id, first).await.unwrap();
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
    let err = hash(&other_case, snapshot_id, 4096).await.unwrap_err();
    assert_eq!(err.name, contract::ErrorName::EvidenceMismatch, "{err}");
    assert!(err.message.contains("block 4096"), "{err}");
    let key = ebs::range_key(&other_case, snapshot_id, 4096);
    assert_eq!(ebs::stored_range(&s3, &bucket, &key).await.unwrap(), None);
    // The other ranges of the snapshot still read.
    hash(&other_case, snapshot_id, 0).await.unwrap();
}

/// The whole of it through the playbook, as a responder meets it: a contained host with three
/// volumes yields three hashed snapshots, one signed manifest and one acquisition in the
/// custody log. One range was hashed before the run (a run killed half-way): the playbook keeps
/// it and reads none of its blocks again (they are corrupted on the wire now, and a re-read
/// would fail the seal). A second seal adds nothing, and an edited manifest fails the signature.
pub async fn a_contained_host_gets_a_signed_evidence_manifest(c: Arc<Ctx>) {
    use contract::custody::{self as custody, LogEntry, Manifest, Signature};
    let h = host(&c, "custody-playbook", &[]);
    let instance = id(&h);
    // The host holds 20 MiB and 3 bytes of memory: three parts of 8 MiB, the last 4 MiB + 3.
    let image_bytes = (20 * MIB + 3).to_string();
    c.world
        .fixture(&["ssm-agent", instance, "--memory-image-bytes", &image_bytes]);
    let mut expected: BTreeMap<String, Value> = BTreeMap::new();
    for volume in h["volumes"].as_array().unwrap() {
        let volume = volume["id"].as_str().unwrap();
        let mut cmd = vec!["volume-blocks", volume];
        let args: Vec<String> = [0u64, 7, 4096, 16_383]
            .iter()
            .map(|b| format!("{b}={volume}-p{b}"))
            .collect();
        for a in &args {
            cmd.extend(["--block", a.as_str()]);
        }
        expected.insert(volume.to_string(), c.world.fixture(&cmd));
    }

    // Half a run: the snapshots taken and one range hashed, for the case the finding will be.
    let event = super::finding(instance);
    let step = super::ec2_tasks::step_of(&c, &event, instance, false);
    let case = step["case"]["case_id"].as_str().unwrap().to_string();
    let snapped = c.world.invoke("snapshot-volumes", &step).unwrap();
    assert_eq!(snapped["status"], "done", "{snapped}");
    let snapshots = super::case_snapshot_details(&c, &case, instance).await;
    assert_eq!(snapshots.len(), 3);
    let bucket = c.main.outputs["EvidenceBucketName"].clone();
    let first = snapshots[0].snapshot_id().unwrap().to_string();
    let first_blocks = snapshots[0].volume_size().unwrap() as u64 * BLOCKS_PER_GIB;
    let hashed = c
        .world
        .invoke(
            "hash-range",
            &serde_json::json!({"case_id": case, "bucket": bucket, "snapshot_id": first,
                "first_block": 0, "block_count": first_blocks.min(custody::RANGE_BLOCKS)}),
        )
        .unwrap();
    assert_eq!(
        hashed,
        serde_json::json!({"blocks": 4, "stored": "written"})
    );
    c.world.fixture(&[
        "volume-blocks",
        "-",
        "--corrupt-snapshot",
        &first,
        "--corrupt",
        "4096",
    ]);

    let (_, status, out) = super::run(&c, &c.main, &event).await;
    assert_eq!(
        status,
        aws_sdk_sfn::types::ExecutionStatus::Succeeded,
        "{out}"
    );
    assert_eq!(
        super::instance_result(&out, instance)["status"],
        "contained"
    );
    let record = &out["results"]["custody"];
    assert_eq!(record["status"], "sealed", "{record}");
    let snapshot_lines = record["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l.as_str().unwrap().starts_with("snap-"))
        .count();
    assert_eq!(snapshot_lines, 3, "{record}");
    let ranges: u64 = snapshots
        .iter()
        .map(|s| (s.volume_size().unwrap() as u64 * BLOCKS_PER_GIB).div_ceil(custody::RANGE_BLOCKS))
        .sum();
    assert_eq!(out["results"]["custody_hashing"]["ranges"], ranges, "{out}");

    // The case's record names the manifest, its signature and how to verify it.
    let recorded = case_item(&c, &case, "record").await;
    let custody_record: Value = serde_json::from_str(recorded["custody"].as_s().unwrap()).unwrap();
    assert_eq!(custody_record["manifest"], record["manifest"]);
    assert!(custody_record["verify"]
        .as_str()
        .unwrap()
        .contains(&format!("irctl verify {case}")));

    // The manifest: every snapshot, its LINEAR aggregate as the harness computed it.
    let config = tasks::aws_config().await;
    let s3 = tasks::aws::s3(&config);
    let read = |key: String| {
        let (c, bucket) = (c.clone(), bucket.clone());
        async move { c.world.object(&bucket, &key).await }
    };
    let manifest_bytes = read(custody::manifest_key(&case)).await;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).unwrap();
    assert_eq!(manifest.case_id, case);
    assert_eq!(manifest.items.len(), 3);
    for item in &manifest.items {
        let wanted = &expected[&item.volume_id];
        assert_eq!(
            item.sha256_linear,
            wanted["Linear"].as_str().unwrap(),
            "{item:?}"
        );
        assert_eq!(item.blocks_present, 4);
        assert_eq!(item.blocks_total, item.volume_size_gib * BLOCKS_PER_GIB);
        assert_eq!(item.instance_id, instance);
        assert!(item.acquired_by.starts_with("hash-range@"));
        for stored in &item.block_hashes {
            assert!(
                !stored.sha256.is_empty() && !stored.version_id.is_empty(),
                "{stored:?}"
            );
        }
    }

    // The volatile evidence too, each output with the SHA-256 S3 verified on upload (read back
    // by aws-ir, not what the host said).
    let captured: Vec<_> = manifest
        .objects
        .iter()
        .filter(|o| o.kind == "volatile-capture" && o.instance_id == instance)
        .collect();
    assert_eq!(
        captured.len(),
        contract::tasks::ec2::CAPTURE_STEPS.len(),
        "{:?}",
        manifest.objects
    );
    for o in &captured {
        let key = o
            .object
            .key
            .strip_prefix(&format!("s3://{bucket}/"))
            .unwrap();
        let bytes = c.world.object(&bucket, key).await;
        use sha2::Digest as _;
        assert_eq!(
            o.object.sha256,
            aws_smithy_types::base64::encode(sha2::Sha256::digest(&bytes)),
            "{o:?}"
        );
        assert_eq!(o.size, bytes.len() as i64);
    }

    // The memory image: sent part by part through URLs that sign each part's SHA-256, and kept
    // only once S3 had every part; recorded with S3's COMPOSITE checksum. Its bytes are what
    // the host held.
    let memory: Vec<_> = manifest
        .objects
        .iter()
        .filter(|o| o.kind == "memory-image" && o.instance_id == instance)
        .collect();
    assert_eq!(memory.len(), 1, "{:?}", manifest.objects);
    let image = c.world.memory_image(instance, &case);
    assert_eq!(image.len(), 20 * MIB + 3);
    let key = memory[0]
        .object
        .key
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap();
    assert!(
        c.world.object(&bucket, key).await == image,
        "the evidence bucket holds the host's image"
    );
    let part_digests: Vec<u8> = image
        .chunks(8 * MIB)
        .flat_map(|p| sha2::Sha256::digest(p).to_vec())
        .collect();
    assert_eq!(
        memory[0].object.sha256,
        format!(
            "{}-3",
            aws_smithy_types::base64::encode(sha2::Sha256::digest(&part_digests))
        )
    );
    assert_eq!(memory[0].size, image.len() as i64);

    // Its signature, checked by KMS; an edited manifest fails it.
    let signature: Signature =
        serde_json::from_slice(&read(custody::signature_key(&case)).await).unwrap();
    let kms = aws_sdk_kms::Client::new(&config);
    let verify = |digest: Vec<u8>| {
        let (kms, signature) = (kms.clone(), signature.clone());
        async move {
            kms.verify()
                .key_id(&signature.key_arn)
                .message(aws_sdk_kms::primitives::Blob::new(digest))
                .message_type(aws_sdk_kms::types::MessageType::Digest)
                .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
                .signature(aws_sdk_kms::primitives::Blob::new(
                    aws_smithy_types::base64::decode(&signature.signature).unwrap(),
                ))
                .send()
                .await
                .map(|v| v.signature_valid())
                .unwrap_or(false)
        }
    };
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&manifest_bytes).to_vec();
    assert_eq!(
        aws_smithy_types::base64::encode(&digest),
        signature.manifest_sha256
    );
    assert!(verify(digest).await, "the manifest's signature verifies");
    let edited = String::from_utf8(manifest_bytes.clone()).unwrap().replacen(
        &manifest.items[0].sha256_linear,
        "AAAA",
        1,
    );
    assert!(
        !verify(sha2::Sha256::digest(edited.as_bytes()).to_vec()).await,
        "an edited manifest does not"
    );

    // The custody log: one acquisition, by the ARN AWS authenticated, with every hash.
    let log_keys = || {
        let (s3, bucket, prefix) = (s3.clone(), bucket.clone(), custody::log_prefix(&case));
        async move {
            s3.list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .send()
                .await
                .unwrap()
                .contents()
                .iter()
                .filter_map(|o| o.key().map(String::from))
                .collect::<Vec<_>>()
        }
    };
    let keys = log_keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let entry: LogEntry = serde_json::from_slice(&read(keys[0].clone()).await).unwrap();
    assert_eq!(entry.event, "acquisition");
    assert!(entry.actor.starts_with("arn:aws:"), "{entry:?}");
    assert_eq!(entry.hashes.len(), 4, "three snapshots and the manifest");

    // A second seal writes nothing new.
    let mut again = step.clone();
    again["plan"] = out["results"]["custody_plan"]["plan"].clone();
    let kept = c.world.invoke("seal-custody", &again).unwrap();
    assert_eq!(kept["status"], "kept", "{kept}");
    assert_eq!(log_keys().await.len(), 1);

    // Malformed input is a named error: a snapshot that does not exist (or is another
    // account's), a plan that is not this case's.
    let (error, message) = c
        .world
        .invoke(
            "hash-range",
            &serde_json::json!({"case_id": case, "bucket": bucket, "snapshot_id": "snap-0123456789abcdef0",
                "first_block": 0, "block_count": 16}),
        )
        .unwrap_err();
    assert_eq!(error, "IR.ResourceNotFound", "{message}");
    assert!(message.contains("snap-0123456789abcdef0"), "{message}");
    let mut foreign = again.clone();
    foreign["plan"] = serde_json::json!("cases/case-0000000000000000/custody/plans/x.json");
    let (error, message) = c.world.invoke("seal-custody", &foreign).unwrap_err();
    assert_eq!(error, "IR.InvalidEvent", "{message}");
    assert!(message.contains(&case), "{message}");

    // `irctl verify`: intact, then one block of a snapshot changed, then the manifest edited.
    // (The wire is clean again: a verifier reads every block.)
    c.world
        .fixture(&["volume-blocks", "-", "--corrupt-snapshot", &first]);
    let verify = || {
        let out = c
            .world
            .irctl(&["--stack-prefix", &c.main.prefix, "verify", &case]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, said) = verify();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains(&format!("{case}: OK")), "{said}");
    assert!(
        said.contains("offline signature check") && said.contains(": valid"),
        "{said}"
    );
    let intact = |said: &str| {
        said.lines()
            .filter(|l| l.starts_with("  snap-") && l.contains(": OK, 4 blocks"))
            .count()
    };
    assert_eq!(intact(&said), 3, "{said}");
    assert!(
        said.contains("/volatile/identify.txt: OK"),
        "the volatile evidence is checked too: {said}"
    );

    let changed = snapshots[1].snapshot_id().unwrap();
    c.world.fixture(&[
        "volume-blocks",
        "-",
        "--change-snapshot",
        changed,
        "--block",
        "16383=not-what-was-acquired",
    ]);
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains(&format!("{changed} of "))
            && said.contains("MISMATCH: 1 block(s) differ: 16383;"),
        "names the block: {said}"
    );
    assert!(said.contains(&format!("{case}: MISMATCH")), "{said}");
    assert_eq!(intact(&said), 2, "the other snapshots: {said}");

    // Each verification is in the custody log, with the responder AWS authenticated as actor.
    let keys = log_keys().await;
    assert_eq!(keys.len(), 3, "{keys:?}");
    let mut verifications = Vec::new();
    for key in keys.iter().filter(|k| k.contains("-verification-")) {
        let entry: LogEntry = serde_json::from_slice(&read(key.clone()).await).unwrap();
        assert_eq!(entry.actor, c.world.responders[0].arn, "{entry:?}");
        verifications.push(entry.purpose);
    }
    verifications.sort();
    assert!(
        verifications[0].ends_with(": MISMATCH") && verifications[1].ends_with(": OK"),
        "{verifications:?}"
    );

    // `--snapshot`: only the snapshots named (signed into the request like the rest of it).
    let verify_only = |snapshot: &str| {
        let out = c.world.irctl(&[
            "--stack-prefix",
            &c.main.prefix,
            "verify",
            &case,
            "--snapshot",
            snapshot,
        ]);
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let untouched = snapshots[0].snapshot_id().unwrap();
    let (code, said) = verify_only(untouched);
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(intact(&said), 1, "{said}");
    assert!(
        said.contains(&format!("only {untouched} verified")) && !said.contains("identify.txt"),
        "{said}"
    );
    let (code, said) = verify_only(changed);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("MISMATCH: 1 block(s) differ: 16383;"),
        "{said}"
    );
    let (code, said) = verify_only("snap-0123456789abcdef0");
    assert_ne!(code, Some(0), "{said}");
    assert!(
        said.contains("snap-0123456789abcdef0 is not in the manifest"),
        "{said}"
    );
    let logged = log_keys().await;
    assert_eq!(
        logged.len(),
        5,
        "two more verifications, the refused one is not: {logged:?}"
    );

    // An administrator who lifts the bucket policy can write a new manifest; the signature
    // says so, here and offline.
    let forged = String::from_utf8(manifest_bytes.clone())
        .unwrap()
        .replace(&manifest.items[1].sha256_linear, "forged");
    let output = captured[0]
        .object
        .key
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap()
        .to_string();
    write_past_the_policy(
        &c,
        &bucket,
        vec![
            (custody::manifest_key(&case), forged.into_bytes()),
            (output.clone(), b"nothing to see here".to_vec()),
        ],
    )
    .await;
    let (code, said) = verify();
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("signature: the manifest was edited"),
        "{said}"
    );
    assert!(said.contains(": INVALID"), "offline too: {said}");
    assert!(
        said.contains(&format!("{output}: MISMATCH: S3 now holds version")),
        "a capture output replaced is named: {said}"
    );

    // A manifest that is not aws-ir's at all: a named error, reported, and a failed verify.
    write_past_the_policy(
        &c,
        &bucket,
        vec![(custody::manifest_key(&case), b"not a manifest".to_vec())],
    )
    .await;
    let (code, said) = verify();
    assert_ne!(code, Some(0), "{said}");
    assert!(said.contains("IR.RecordTampered"), "{said}");
    assert!(said.contains(&format!("{case}: MISMATCH")), "{said}");
}

/// Writes `objects` as an administrator who first lifts the evidence bucket's policy (which
/// refuses every writer but aws-ir's roles), then puts the policy back.
async fn write_past_the_policy(c: &Ctx, bucket: &str, objects: Vec<(String, Vec<u8>)>) {
    let s3 = &c.world.s3;
    let policy = s3
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .to_string();
    s3.delete_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    for (key, body) in objects {
        s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body.into())
            .send()
            .await
            .unwrap();
    }
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .unwrap();
}

/// The forensic account the strict stack transfers evidence to, and its key.
pub const FORENSIC_ACCOUNT: &str = "111122223333";
pub const FORENSIC_KEY: &str =
    "arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-0000-4000-8000-000000000001";

/// Transfer to a forensic account: each snapshot copied, re-encrypted with that account's key,
/// shared with it, and hashed like the original; the log says the aggregates are equal, and
/// `irctl verify` re-reads originals and copies alike.
pub async fn a_forensic_copy_is_hashed_and_verifies_equal(c: Arc<Ctx>) {
    use contract::custody::{self as custody, LogEntry, Manifest};
    let h = host(&c, "custody-transfer", &[]);
    let instance = id(&h);
    for volume in h["volumes"].as_array().unwrap() {
        let volume = volume["id"].as_str().unwrap();
        let block = format!("3={volume}-t");
        c.world
            .fixture(&["volume-blocks", volume, "--block", block.as_str()]);
    }
    let (_, out) =
        super::run_direct(&c, &c.strict, "ec2-compromise", &super::finding(instance)).await;
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    assert_eq!(out["results"]["custody"]["status"], "sealed", "{out}");
    assert_eq!(out["results"]["transfer"]["status"], "copied", "{out}");

    let bucket = c.strict.outputs["EvidenceBucketName"].clone();
    let manifest: Manifest =
        serde_json::from_slice(&c.world.object(&bucket, &custody::manifest_key(&case)).await)
            .unwrap();
    let (copies, originals): (Vec<_>, Vec<_>) =
        manifest.items.iter().partition(|i| !i.copy_of.is_empty());
    assert_eq!((originals.len(), copies.len()), (3, 3), "{manifest:?}");
    for copy in &copies {
        let original = originals
            .iter()
            .find(|o| o.snapshot_id == copy.copy_of)
            .expect("each copy is of an original");
        assert_eq!(copy.sha256_linear, original.sha256_linear);
        assert_eq!(copy.blocks_present, 1);
        assert_eq!(copy.shared_with, FORENSIC_ACCOUNT);
        let described = c
            .world
            .ec2
            .describe_snapshots()
            .snapshot_ids(&copy.snapshot_id)
            .send()
            .await
            .unwrap();
        let snapshot = &described.snapshots()[0];
        assert_eq!(snapshot.encrypted(), Some(true));
        assert_eq!(snapshot.kms_key_id(), Some(FORENSIC_KEY));
        let shared = c
            .world
            .ec2
            .describe_snapshot_attribute()
            .snapshot_id(&copy.snapshot_id)
            .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
            .send()
            .await
            .unwrap();
        assert!(
            shared
                .create_volume_permissions()
                .iter()
                .any(|p| p.user_id() == Some(FORENSIC_ACCOUNT)),
            "{shared:?}"
        );
    }
    let listed = c
        .world
        .s3
        .list_objects_v2()
        .bucket(&bucket)
        .prefix(custody::log_prefix(&case))
        .send()
        .await
        .unwrap();
    let mut transfers = 0;
    for key in listed.contents().iter().filter_map(|o| o.key()) {
        let entry: LogEntry = serde_json::from_slice(&c.world.object(&bucket, key).await).unwrap();
        if entry.event == "transfer" {
            transfers += 1;
            assert!(entry.purpose.ends_with("aggregates equal"), "{entry:?}");
        }
    }
    assert_eq!(transfers, 3);

    let verified = c
        .world
        .irctl(&["--stack-prefix", &c.strict.prefix, "verify", &case]);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{said}");
    assert_eq!(
        said.lines()
            .filter(|l| l.starts_with("  snap-") && l.contains(": OK, 1 blocks"))
            .count(),
        6,
        "originals and copies: {said}"
    );
}

/// Reads past the per-snapshot quota are throttled (`RequestThrottledException`, as the EBS
/// direct APIs answer): the hasher slows down and retries, and the range's hashes are complete
/// and right.
pub async fn hashing_under_throttling_completes(c: Arc<Ctx>) {
    let h = host(&c, "custody-throttled", &[]);
    let instance = id(&h);
    let volume = h["volumes"][0]["id"].as_str().unwrap().to_string();
    let args: Vec<String> = (0..40u64).map(|b| format!("{b}={volume}-q{b}")).collect();
    let mut cmd = vec!["volume-blocks", volume.as_str()];
    for a in &args {
        cmd.extend(["--block", a.as_str()]);
    }
    let expected = c.world.fixture(&cmd);
    let step = super::ec2_tasks::step(&c, instance, false);
    let case = step["case"]["case_id"].as_str().unwrap().to_string();
    let snapped = c.world.invoke("snapshot-volumes", &step).unwrap();
    assert_eq!(snapped["status"], "done", "{snapped}");
    let snapshot = super::case_snapshot_details(&c, &case, instance)
        .await
        .into_iter()
        .find(|s| s.volume_id() == Some(volume.as_str()))
        .unwrap();
    let snapshot_id = snapshot.snapshot_id().unwrap().to_string();
    let total = snapshot.volume_size().unwrap() as u64 * BLOCKS_PER_GIB;

    c.world.fixture(&[
        "ebs-limits",
        "--blocks-per-second",
        "10",
        "--latency-ms",
        "5",
    ]);
    let bucket = c.main.outputs["EvidenceBucketName"].clone();
    let hashed = c.world.invoke(
        "hash-range",
        &serde_json::json!({"case_id": case, "bucket": bucket, "snapshot_id": snapshot_id,
            "first_block": 0, "block_count": total.min(contract::custody::RANGE_BLOCKS)}),
    );
    let limits = c.world.fixture(&["ebs-limits"]);
    c.world.fixture(&[
        "ebs-limits",
        "--blocks-per-second",
        "1000",
        "--latency-ms",
        "0",
    ]);
    assert_eq!(
        hashed.unwrap(),
        serde_json::json!({"blocks": 40, "stored": "written"})
    );
    assert!(
        limits["throttled"].as_u64().unwrap() > 0,
        "the quota was reached: {limits}"
    );
    // The stored hashes are the blocks' own.
    let key = contract::custody::range_key(&case, &snapshot_id, 0);
    let range: digest::RangeHash =
        serde_json::from_slice(&c.world.object(&bucket, &key).await).unwrap();
    assert_eq!(range.blocks.len(), 40);
    for block in &range.blocks {
        assert_eq!(block.sha256, expected["Sha256"][block.index.to_string()]);
    }
}

/// A memory image that does not reach S3 whole is reported failed and leaves nothing behind: a
/// part changed on the way is refused by S3 (its URL signs the part's SHA-256), and a host that
/// stops after one part leaves the others missing. Either way the upload is aborted, there is
/// no image in the evidence bucket and no upload left open; the volatile outputs are kept.
pub async fn a_memory_image_that_does_not_arrive_whole_is_not_kept(c: Arc<Ctx>) {
    let bucket = c.main.outputs["EvidenceBucketName"].clone();
    for (name, fault) in [
        ("memory-corrupt", "corrupt_part=2"),
        ("memory-cut", "stop_after_parts=1"),
    ] {
        let h = host(&c, name, &[]);
        let instance = id(&h);
        let image_bytes = (20 * MIB + 3).to_string();
        c.world.fixture(&[
            "ssm-agent",
            instance,
            "--memory-image-bytes",
            &image_bytes,
            "--memory-fault",
            fault,
        ]);
        let step = super::ec2_tasks::step(&c, instance, false);
        let case = step["case"]["case_id"].as_str().unwrap().to_string();
        let out = c.world.invoke("capture-volatile-evidence", &step).unwrap();
        assert_eq!(out["status"], "captured", "{fault}: {out}");
        let memory = &out["memory"];
        assert_eq!(memory["status"], "failed", "{fault}: {out}");
        let reason = memory["reason"].as_str().unwrap();
        assert!(
            reason.contains("1 of 3 parts arrived intact, not: part 2, part 3")
                && reason.contains("the upload was aborted, nothing partial is kept"),
            "{fault}: {reason}"
        );
        let key = format!("cases/{case}/{instance}/memory.lime");
        let head = c
            .world
            .s3
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await;
        assert!(head.is_err(), "{fault}: no image is kept");
        let open = c
            .world
            .s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .prefix(&key)
            .send()
            .await
            .unwrap();
        assert!(open.uploads().is_empty(), "{fault}: {open:?}");
    }
}

/// A snapshot someone else tagged with the case is no evidence. A workload role that may
/// snapshot a volume of its own can tag the snapshot like the case's (the case id is on the
/// contained instance's tags); snapshot-volumes still snapshots the instance, because what it
/// took is recorded in the case table, which only aws-ir writes, and the tag is only for people.
pub async fn a_snapshot_tagged_by_someone_else_is_no_evidence(c: Arc<Ctx>) {
    use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};
    let h = host(&c, "planted", &[]);
    let instance = id(&h);
    let step = super::ec2_tasks::step(&c, instance, false);
    let case = step["case"]["case_id"].as_str().unwrap().to_string();
    let other = c
        .world
        .ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(1)
        .send()
        .await
        .unwrap();
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    let planted = c
        .world
        .ec2
        .create_snapshot()
        .volume_id(other.volume_id().unwrap())
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Snapshot)
                .tags(tag("aws-ir:case", &case))
                .tags(tag("aws-ir:instance", instance))
                .tags(tag("aws-ir:role", "evidence"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .snapshot_id
        .unwrap();

    let snapped = c.world.invoke("snapshot-volumes", &step).unwrap();
    assert_eq!(
        snapped["status"], "done",
        "the instance is snapshotted: {snapped}"
    );
    let item = case_item(&c, &case, &contract::case_table::item::instance(instance)).await;
    let recorded = item["evidence_snapshots"].as_ss().unwrap().clone();
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert!(!recorded.contains(&planted), "{recorded:?}");
    // A second run finds what it recorded, not the planted one, and takes nothing new.
    let again = c.world.invoke("snapshot-volumes", &step).unwrap();
    assert_eq!(again["status"], "skipped", "{again}");
    let said = again.to_string();
    assert!(
        recorded.iter().all(|s| said.contains(s.as_str())) && !said.contains(&planted),
        "{said}"
    );
}

/// An item of the main stack's case table, read as the administrator.
async fn case_item(
    c: &Ctx,
    case: &str,
    item: &str,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    c.world
        .dynamodb
        .get_item()
        .table_name(&c.main.outputs["CaseTableName"])
        .key("case_id", AttributeValue::S(case.into()))
        .key("item", AttributeValue::S(item.into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no item {item} of {case}"))
}
