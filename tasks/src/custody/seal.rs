//! Sealing a case's custody record: every range's block hashes added up to each snapshot's
//! `LINEAR` aggregate, the manifest written once, its SHA-256 signed with the stack's
//! asymmetric key (`kms:Sign`, ECDSA P-256), and the acquisition appended to the custody log.
//!
//! Each write is once-only and derived from what is already stored, so a run that stopped
//! half-way finishes on a re-run (a manifest without a signature gets one; a signed manifest
//! without its log entry gets it), and a second run after a complete one writes nothing.

use super::digest::{linear, Gap, RangeHash, BLOCKS_PER_GIB};
use super::plan::case_snapshots;
use super::store::{self, Stored};
use crate::error::TaskError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use aws_smithy_types::base64;
use contract::custody::{
    log_prefix, manifest_key, range_key, signature_key, Item, LogEntry, Manifest, ObjectItem,
    RangeItem, Signature, MANIFEST_FORMAT, SIGNING_ALGORITHM,
};
use contract::tasks::custody::{CustodyRecord, SealCustodyInput};
use contract::ErrorName;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

crate::aws::clients! {
    /// The seal's clients: the evidence bucket, the case's snapshots (case table, EC2), the
    /// signing key, and
    /// STS for the ARN AWS authenticates the seal as.
    pub struct SealCustodyClients {
        s3: aws_sdk_s3::Client,
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        kms: aws_sdk_kms::Client,
        sts: aws_sdk_sts::Client,
    }
}

/// The step and version that acquire disk evidence, as the manifest names them.
pub fn acquiring_step() -> String {
    format!(
        "{}@{}",
        <contract::tasks::custody::HashRange as contract::Task>::NAME,
        env!("CARGO_PKG_VERSION")
    )
}

fn mismatch(message: String) -> TaskError {
    TaskError::new(ErrorName::EvidenceMismatch, message)
}

/// Each snapshot's item, from its ranges' stored results.
async fn items(
    aws: &SealCustodyClients,
    input: &SealCustodyInput,
    plan: &[RangeItem],
) -> Result<Vec<Item>, TaskError> {
    let case_id = input.case.case_id.as_str();
    let bucket = input.policy.evidence_bucket.as_str();
    let instances = super::plan::instance_ids(&input.case);
    let described: BTreeMap<String, _> = case_snapshots(
        &aws.ec2,
        &aws.dynamodb,
        &input.policy.case_table,
        case_id,
        &instances,
    )
    .await?
    .into_iter()
    .map(|s| (s.snapshot_id.clone(), s))
    .collect();
    let mut by_snapshot: BTreeMap<&str, Vec<&RangeItem>> = BTreeMap::new();
    for r in plan {
        by_snapshot
            .entry(r.snapshot_id.as_str())
            .or_default()
            .push(r);
    }
    let mut items = Vec::new();
    for (snapshot_id, ranges) in by_snapshot {
        let Some(snapshot) = described.get(snapshot_id) else {
            return Err(TaskError::new(
                ErrorName::RecordTampered,
                format!("the custody plan {} names {snapshot_id}, which is not a snapshot of {case_id}: nothing was sealed", input.plan),
            ));
        };
        let mut results: Vec<RangeHash> = Vec::new();
        let mut stored = Vec::new();
        for r in ranges {
            let key = range_key(case_id, snapshot_id, r.first_block);
            let Some((range, object)) = store::get_json::<RangeHash>(&aws.s3, bucket, &key).await?
            else {
                return Err(mismatch(format!(
                    "{snapshot_id} has no hashes for blocks {}..{} (s3://{bucket}/{key}): the range was not read, so no aggregate can be sealed. Start ec2-compromise again with the same finding (irctl start ec2-compromise --file FINDING.json): containment is not repeated, and custody reads only the missing ranges",
                    r.first_block,
                    r.first_block + r.block_count
                )));
            };
            results.push(range);
            stored.push(object);
        }
        let total = snapshot.volume_size_gib * BLOCKS_PER_GIB;
        let (aggregate, present) = linear(snapshot_id, total, &results).map_err(|gap| match gap {
            Gap::Missing { from_block } => mismatch(format!(
                "{snapshot_id}: no range result starts at block {from_block}, so the hashes do not cover the volume; nothing was sealed"
            )),
            Gap::Inconsistent(why) => TaskError::new(
                ErrorName::RecordTampered,
                format!("{snapshot_id}: the stored range results are inconsistent ({why}); nothing was sealed. Keep them as they are and compare them with the custody log"),
            ),
        })?;
        items.push(Item {
            kind: "ebs-snapshot".into(),
            location: format!("arn:aws:ec2:{}::snapshot/{snapshot_id}", input.case.region),
            snapshot_id: snapshot_id.to_string(),
            volume_id: snapshot.volume_id.clone(),
            instance_id: snapshot.instance_id.clone(),
            volume_size_gib: snapshot.volume_size_gib,
            blocks_total: total,
            blocks_present: present,
            sha256_linear: aggregate,
            block_hashes: stored,
            acquired_by: acquiring_step(),
            taken_at: snapshot.taken_at.clone(),
            shared_with: if snapshot.copy_of.is_empty() {
                String::new()
            } else {
                input.policy.forensic_account_id.clone()
            },
            copy_of: snapshot.copy_of.clone(),
        });
    }
    Ok(items)
}

/// The case's other evidence objects: each instance's volatile-capture outputs and memory
/// image, where the capture step keeps them, as S3 reports them.
pub async fn objects(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    case_id: &str,
    instances: &[String],
) -> Result<Vec<ObjectItem>, TaskError> {
    let capture = format!(
        "{}@{}",
        <contract::tasks::ec2::CaptureVolatileEvidence as contract::Task>::NAME,
        env!("CARGO_PKG_VERSION")
    );
    let mut found = Vec::new();
    for instance in instances {
        let mut keys: Vec<(&str, String)> = contract::tasks::ec2::CAPTURE_STEPS
            .iter()
            .map(|step| {
                (
                    "volatile-capture",
                    format!("cases/{case_id}/{instance}/volatile/{step}.txt"),
                )
            })
            .collect();
        keys.push((
            "memory-image",
            format!("cases/{case_id}/{instance}/memory.lime"),
        ));
        for (kind, key) in keys {
            if let Some((object, size)) = store::head(s3, bucket, &key).await? {
                found.push(ObjectItem {
                    kind: kind.into(),
                    instance_id: instance.clone(),
                    object,
                    size,
                    acquired_by: capture.clone(),
                });
            }
        }
    }
    Ok(found)
}

/// Signs the manifest's SHA-256 with the custody key.
pub async fn sign(
    kms: &aws_sdk_kms::Client,
    key: &str,
    manifest: &[u8],
) -> Result<Signature, TaskError> {
    let digest = Sha256::digest(manifest);
    let out = kms
        .sign()
        .key_id(key)
        .message(Blob::new(digest.to_vec()))
        .message_type(MessageType::Digest)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("sign the custody manifest with {key}")))?;
    Ok(Signature {
        key_arn: out.key_id().unwrap_or(key).to_string(),
        algorithm: SIGNING_ALGORITHM.into(),
        manifest_sha256: base64::encode(digest),
        signature: out
            .signature()
            .map(|s| base64::encode(s.as_ref()))
            .unwrap_or_default(),
    })
}

/// The acquisition's log entry; its key is derived from the manifest, so it is written once.
pub fn acquisition(manifest: &Manifest, manifest_sha256: &str) -> (String, LogEntry) {
    let mut hashes: Vec<(String, String)> = manifest
        .items
        .iter()
        .map(|i| (i.snapshot_id.clone(), i.sha256_linear.clone()))
        .collect();
    hashes.push(("manifest.json".into(), manifest_sha256.to_string()));
    let digest_hex: String = base64::decode(manifest_sha256)
        .unwrap_or_default()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let key = format!(
        "{}{}-acquisition-{digest_hex}.json",
        log_prefix(&manifest.case_id),
        manifest.sealed_at.replace(':', "")
    );
    let entry = LogEntry {
        event: "acquisition".into(),
        case_id: manifest.case_id.clone(),
        actor: manifest.sealed_by.clone(),
        at: manifest.sealed_at.clone(),
        purpose: "disk evidence: every block of the case's snapshots read through the EBS direct APIs after containment, checked against AWS's SHA-256, aggregated (LINEAR) and signed".into(),
        hashes,
        context: manifest.execution.clone(),
    };
    (key, entry)
}

/// One transfer entry per copy in the manifest: whether its aggregate equals its original's.
pub fn transfers(manifest: &Manifest) -> Vec<(String, LogEntry)> {
    manifest
        .items
        .iter()
        .filter(|c| !c.copy_of.is_empty())
        .map(|copy| {
            let original = manifest
                .items
                .iter()
                .find(|o| o.snapshot_id == copy.copy_of);
            let equal = original.is_some_and(|o| o.sha256_linear == copy.sha256_linear);
            let key = format!(
                "{}{}-transfer-{}.json",
                log_prefix(&manifest.case_id),
                manifest.sealed_at.replace(':', ""),
                copy.snapshot_id
            );
            let entry = LogEntry {
                event: "transfer".into(),
                case_id: manifest.case_id.clone(),
                actor: manifest.sealed_by.clone(),
                at: manifest.sealed_at.clone(),
                purpose: format!(
                    "{} copied to {} for account {}, re-encrypted with its key; LINEAR aggregates {}",
                    copy.copy_of,
                    copy.snapshot_id,
                    copy.shared_with,
                    if equal { "equal" } else { "DIFFER" }
                ),
                hashes: vec![
                    (
                        copy.copy_of.clone(),
                        original.map(|o| o.sha256_linear.clone()).unwrap_or_default(),
                    ),
                    (copy.snapshot_id.clone(), copy.sha256_linear.clone()),
                ],
                context: manifest.execution.clone(),
            };
            (key, entry)
        })
        .collect()
}

fn lines(manifest: &Manifest) -> Vec<String> {
    let objects = manifest.objects.iter().map(|o| {
        format!(
            "{} of {}: {} ({} bytes, version {}, SHA-256 {})",
            o.kind,
            o.instance_id,
            o.object.key,
            o.size,
            o.object.version_id,
            if o.object.sha256.is_empty() {
                "none: S3 holds none for it"
            } else {
                &o.object.sha256
            }
        )
    });
    manifest
        .items
        .iter()
        .map(|i| {
            format!(
                "{} of {} ({}{}): {} of {} blocks held, LINEAR {}",
                i.snapshot_id,
                i.volume_id,
                i.instance_id,
                if i.copy_of.is_empty() {
                    String::new()
                } else {
                    format!(", copy of {} shared with {}", i.copy_of, i.shared_with)
                },
                i.blocks_present,
                i.blocks_total,
                i.sha256_linear
            )
        })
        .chain(objects)
        .collect()
}

pub async fn seal(
    aws: &SealCustodyClients,
    input: SealCustodyInput,
) -> Result<CustodyRecord, TaskError> {
    let case_id = input.case.case_id.clone();
    if !contract::custody::is_case_id(&case_id) {
        return Err(TaskError::invalid_event(format!(
            "`{case_id}` is not a case id aws-ir made: no custody record is keyed by it"
        )));
    }
    let plans = format!("{}/plans/", contract::custody::prefix(&case_id));
    if !input.plan.starts_with(&plans) || input.plan.contains("..") {
        return Err(TaskError::invalid_event(format!(
            "the custody plan `{}` is not one of {case_id}'s plans ({plans}…)",
            input.plan
        )));
    }
    let bucket = input.policy.evidence_bucket.clone();
    let key = input.policy.signing_key.clone();
    if key.is_empty() || bucket.is_empty() {
        return Err(TaskError::new(
            ErrorName::Misconfigured,
            "the policy names no evidence bucket or signing key: redeploy the generated stack",
        ));
    }
    let manifest_at = manifest_key(&case_id);

    // The manifest: the stored one if there is one, else built now and written once.
    let (manifest_bytes, mut status) = match store::get(&aws.s3, &bucket, &manifest_at).await? {
        Some((bytes, _)) => (bytes, "kept"),
        None => {
            let Some((plan, _)) =
                store::get_json::<Vec<RangeItem>>(&aws.s3, &bucket, &input.plan).await?
            else {
                return Err(TaskError::invalid_event(format!(
                    "there is no custody plan at s3://{bucket}/{}",
                    input.plan
                )));
            };
            let items = items(aws, &input, &plan).await?;
            let objects = objects(
                &aws.s3,
                &bucket,
                &case_id,
                &super::plan::instance_ids(&input.case),
            )
            .await?;
            let actor = aws
                .sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(e, "find who seals the manifest (sts:GetCallerIdentity)")
                })?
                .arn()
                .unwrap_or_default()
                .to_string();
            let manifest = Manifest {
                format: MANIFEST_FORMAT.into(),
                case_id: case_id.clone(),
                sealed_at: crate::now(),
                execution: input.execution.clone(),
                sealed_by: actor,
                items,
                objects,
            };
            let bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| {
                TaskError::new(ErrorName::Transient, format!("encode the manifest: {e}"))
            })?;
            match store::put_once(&aws.s3, &bucket, &manifest_at, bytes.clone()).await? {
                Stored::Written => (bytes, "sealed"),
                // Another run sealed first: theirs is the record.
                Stored::Kept => (
                    store::get(&aws.s3, &bucket, &manifest_at)
                        .await?
                        .map(|(b, _)| b)
                        .unwrap_or(bytes),
                    "kept",
                ),
            }
        }
    };
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes).map_err(|e| {
        TaskError::new(
            ErrorName::RecordTampered,
            format!("s3://{bucket}/{manifest_at} is not a manifest aws-ir wrote ({e}); keep it and compare it with the custody log"),
        )
    })?;

    // Its signature, once.
    let sig_at = signature_key(&case_id);
    let signature = match store::get_json::<Signature>(&aws.s3, &bucket, &sig_at).await? {
        Some((s, _)) => s,
        None => {
            let s = sign(&aws.kms, &key, &manifest_bytes).await?;
            store::put_once(&aws.s3, &bucket, &sig_at, store::to_json(&s, &sig_at)?).await?;
            status = "sealed";
            s
        }
    };

    // The acquisition and each transfer in the custody log, once.
    let mut entries = vec![acquisition(&manifest, &signature.manifest_sha256)];
    entries.extend(transfers(&manifest));
    for (log_at, entry) in entries {
        if store::put_once(&aws.s3, &bucket, &log_at, store::to_json(&entry, &log_at)?).await?
            == Stored::Written
        {
            status = "sealed";
        }
    }

    let record = CustodyRecord {
        status: status.into(),
        manifest: format!("s3://{bucket}/{manifest_at}"),
        signature: format!("s3://{bucket}/{sig_at}"),
        // As far as they fit in the execution's state: the manifest lists every item.
        items: contract::excerpt(lines(&manifest), &format!("s3://{bucket}/{manifest_at}")),
        verify: format!(
            "irctl verify {case_id} (aws-ir re-reads every snapshot and names any block that differs); manifest.sig.json is an {SIGNING_ALGORITHM} signature over the SHA-256 of manifest.json by {}, which anyone can check with kms:Verify (MessageType DIGEST) or offline with the key's public key (kms:GetPublicKey)",
            signature.key_arn
        ),
    };
    // The case's record names it too (the record item, written before custody ran).
    crate::cases::record_on(
        &aws.dynamodb,
        &input.policy.case_table,
        &case_id,
        contract::case_table::item::RECORD,
        "custody",
        &serde_json::to_value(&record).unwrap_or_default(),
    )
    .await?;
    Ok(record)
}
