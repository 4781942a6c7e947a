//! Verifying a case's custody record (`irctl verify`): the manifest against its signature
//! (the deployment's custody key, never a key the signature file names), every snapshot it lists re-read
//! through the EBS direct APIs (the same ranges and Distributed Map as the acquisition, their
//! hashes kept beside the record), and each block and `LINEAR` aggregate compared. The answer
//! names every block that differs, and the verification is appended to the custody log with
//! the responder AWS authenticated as its actor.

use super::digest::{linear, RangeHash};
use super::plan::{execution_name, ranges_of, CaseSnapshot};
use super::store::{self, Stored};
use crate::error::TaskError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use aws_smithy_types::base64;
use contract::custody::{
    hashes_key, log_prefix, manifest_key, range_key, signature_key, verification_plan_key,
    LogEntry, Manifest, Signature,
};
use contract::tasks::custody::{
    CustodyInput, FinishVerificationInput, VerificationPlan, VerificationRecord,
};
use contract::ErrorName;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Blocks named per item in a mismatch (the log keeps the count).
const NAMED_BLOCKS: usize = 20;

fn check_case(case_id: &str) -> Result<(), TaskError> {
    if contract::custody::is_case_id(case_id) {
        Ok(())
    } else {
        Err(TaskError::invalid_event(format!(
            "`{case_id}` is not a case id aws-ir made: no custody record is keyed by it"
        )))
    }
}

fn parse_manifest(bytes: &[u8], at: &str) -> Result<Manifest, TaskError> {
    serde_json::from_slice(bytes).map_err(|e| {
        TaskError::new(
            ErrorName::RecordTampered,
            format!("{at} is not a manifest aws-ir wrote ({e}): keep it as it is and compare it with the custody log"),
        )
    })
}

/// The ranges covering an item's volume, as the acquisition cut them.
fn item_ranges(item: &contract::custody::Item) -> Vec<contract::custody::RangeItem> {
    ranges_of(&CaseSnapshot {
        snapshot_id: item.snapshot_id.clone(),
        volume_id: item.volume_id.clone(),
        instance_id: item.instance_id.clone(),
        volume_size_gib: item.volume_size_gib,
        state: String::new(),
        taken_at: String::new(),
        copy_of: item.copy_of.clone(),
    })
}

/// `valid`, or why the manifest's signature does not hold.
pub async fn check_signature(
    kms: &aws_sdk_kms::Client,
    key: &str,
    manifest: &[u8],
    signature: Option<&Signature>,
) -> Result<String, TaskError> {
    let Some(signature) = signature else {
        return Ok("missing: the manifest was never signed".into());
    };
    let digest = Sha256::digest(manifest);
    let actual = base64::encode(digest);
    if actual != signature.manifest_sha256 {
        return Ok(format!(
            "the manifest was edited: its SHA-256 is {actual}, the signed one {}",
            signature.manifest_sha256
        ));
    }
    let Ok(der) = base64::decode(&signature.signature) else {
        return Ok("the signature is not base64".into());
    };
    let verified = kms
        .verify()
        .key_id(key)
        .message(Blob::new(digest.to_vec()))
        .message_type(MessageType::Digest)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .signature(Blob::new(der))
        .send()
        .await;
    match verified {
        Ok(v) if v.signature_valid() => Ok("valid".into()),
        Ok(_) => Ok(format!("does not verify with the custody key {key}")),
        Err(e)
            if aws_sdk_kms::error::ProvideErrorMetadata::code(&e)
                == Some("KMSInvalidSignatureException") =>
        {
            Ok(format!("does not verify with the custody key {key}"))
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("verify the manifest's signature with {key}"),
        )),
    }
}

/// The snapshots the request named (`irctl verify --snapshot`), originals or copies; empty:
/// every item and object of the manifest.
pub fn selected(case: &contract::case::Case) -> Vec<&str> {
    case.resources
        .iter()
        .filter(|r| r.resource_type == contract::custody::SNAPSHOT_RESOURCE)
        .map(|r| r.id.as_str())
        .collect()
}

/// The manifest's items to verify: all, or the selected ones, each of which must be there.
fn items_to_verify<'m>(
    manifest: &'m Manifest,
    selected: &[&str],
) -> Result<Vec<&'m contract::custody::Item>, TaskError> {
    if let Some(unknown) = selected
        .iter()
        .find(|s| !manifest.items.iter().any(|i| i.snapshot_id == **s))
    {
        let listed: Vec<&str> = manifest
            .items
            .iter()
            .map(|i| i.snapshot_id.as_str())
            .collect();
        return Err(TaskError::invalid_event(format!(
            "{unknown} is not in the manifest of {}; it lists {}",
            manifest.case_id,
            listed.join(", ")
        )));
    }
    Ok(manifest
        .items
        .iter()
        .filter(|i| selected.is_empty() || selected.contains(&i.snapshot_id.as_str()))
        .collect())
}

pub async fn plan(
    s3: &aws_sdk_s3::Client,
    kms: &aws_sdk_kms::Client,
    input: CustodyInput,
) -> Result<VerificationPlan, TaskError> {
    let case_id = input.case.case_id.as_str();
    check_case(case_id)?;
    let verification = execution_name(&input.execution)?.to_string();
    let bucket = input.policy.evidence_bucket.as_str();
    let at = manifest_key(case_id);
    let Some((bytes, _)) = store::get(s3, bucket, &at).await? else {
        return Ok(VerificationPlan {
            status: "no manifest".into(),
            signature: format!("there is no manifest at s3://{bucket}/{at}"),
            verification,
            ranges: 0,
            plan: String::new(),
        });
    };
    let signature = store::get_json::<Signature>(s3, bucket, &signature_key(case_id))
        .await?
        .map(|(s, _)| s);
    let checked =
        check_signature(kms, &input.policy.signing_key, &bytes, signature.as_ref()).await?;
    let manifest = parse_manifest(&bytes, &format!("s3://{bucket}/{at}"))?;
    let items: Vec<_> = items_to_verify(&manifest, &selected(&input.case))?
        .into_iter()
        .flat_map(item_ranges)
        .collect();
    let key = verification_plan_key(case_id, &verification);
    store::put_once(s3, bucket, &key, store::to_json(&items, &key)?).await?;
    Ok(VerificationPlan {
        status: "ready".into(),
        signature: checked,
        verification,
        ranges: items.len() as u64,
        plan: key,
    })
}

/// The blocks whose hashes differ between two lists of one range (present in one only, or
/// with another hash), ascending.
pub fn differing(acquired: &RangeHash, reread: &RangeHash) -> Vec<u64> {
    let a: BTreeMap<u64, &str> = acquired
        .blocks
        .iter()
        .map(|b| (b.index, b.sha256.as_str()))
        .collect();
    let r: BTreeMap<u64, &str> = reread
        .blocks
        .iter()
        .map(|b| (b.index, b.sha256.as_str()))
        .collect();
    let mut out: Vec<u64> = a
        .iter()
        .filter(|(i, h)| r.get(i) != Some(h))
        .map(|(i, _)| *i)
        .chain(r.keys().filter(|i| !a.contains_key(i)).copied())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub async fn finish(
    s3: &aws_sdk_s3::Client,
    input: FinishVerificationInput,
) -> Result<VerificationRecord, TaskError> {
    let case_id = input.case.case_id.as_str();
    check_case(case_id)?;
    let bucket = input.policy.evidence_bucket.as_str();
    let at = manifest_key(case_id);
    let Some((bytes, _)) = store::get(s3, bucket, &at).await? else {
        return Err(TaskError::invalid_event(format!(
            "{case_id} has no manifest at s3://{bucket}/{at}: nothing to verify"
        )));
    };
    let manifest = parse_manifest(&bytes, &format!("s3://{bucket}/{at}"))?;
    let mut lines = Vec::new();
    let mut ok = input.signature == "valid";
    lines.push(format!("signature: {}", input.signature));
    let mut hashes = Vec::new();
    let selected = selected(&input.case);
    for item in items_to_verify(&manifest, &selected)? {
        let mut acquired_ranges = Vec::new();
        let mut reread_ranges = Vec::new();
        let mut changed: Vec<u64> = Vec::new();
        let mut problems = Vec::new();
        for (n, r) in item_ranges(item).iter().enumerate() {
            let key = range_key(case_id, &item.snapshot_id, r.first_block);
            let acquired = store::get_json::<RangeHash>(s3, bucket, &key).await?;
            let reread_at = hashes_key(
                case_id,
                &input.verification,
                &item.snapshot_id,
                r.first_block,
            );
            let reread = store::get_json::<RangeHash>(s3, bucket, &reread_at).await?;
            match &acquired {
                Some((_, stored)) if item.block_hashes.get(n) != Some(stored) => problems.push(format!(
                    "the hash list of blocks {}.. is not the one the manifest names (version or checksum differs)",
                    r.first_block
                )),
                None => problems.push(format!("the hash list of blocks {}.. is missing", r.first_block)),
                _ => {}
            }
            match (&acquired, reread) {
                (Some((a, _)), Some((b, _))) => {
                    changed.extend(differing(a, &b));
                    acquired_ranges.push(a.clone());
                    reread_ranges.push(b);
                }
                (_, None) => problems.push(format!("blocks {}.. were not re-read", r.first_block)),
                (None, Some((b, _))) => reread_ranges.push(b),
            }
        }
        let recomputed = linear(&item.snapshot_id, item.blocks_total, &reread_ranges)
            .map(|(l, _)| l)
            .unwrap_or_default();
        hashes.push((item.snapshot_id.clone(), recomputed.clone()));
        let same = recomputed == item.sha256_linear && changed.is_empty() && problems.is_empty();
        ok &= same;
        if same {
            lines.push(format!(
                "{} of {}: OK, {} blocks, LINEAR {}",
                item.snapshot_id, item.volume_id, item.blocks_present, item.sha256_linear
            ));
        } else {
            let named: Vec<String> = changed
                .iter()
                .take(NAMED_BLOCKS)
                .map(u64::to_string)
                .collect();
            let more = changed.len().saturating_sub(NAMED_BLOCKS);
            lines.push(format!(
                "{} of {}: MISMATCH: {} block(s) differ{}{}; LINEAR now {} (manifest {}){}",
                item.snapshot_id,
                item.volume_id,
                changed.len(),
                if named.is_empty() {
                    String::new()
                } else {
                    format!(": {}", named.join(", "))
                },
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                if recomputed.is_empty() {
                    "not computable".to_string()
                } else {
                    recomputed
                },
                item.sha256_linear,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!("; {}", problems.join("; "))
                },
            ));
        }
    }
    if !selected.is_empty() {
        lines.push(format!(
            "only {} verified, as asked; the other items and the objects were not checked",
            selected.join(", ")
        ));
    }
    for o in manifest.objects.iter().filter(|_| selected.is_empty()) {
        let key = o
            .object
            .key
            .strip_prefix(&format!("s3://{bucket}/"))
            .unwrap_or_default();
        let now = store::head(s3, bucket, key).await?;
        match now {
            Some((stored, _)) if stored == o.object => lines.push(format!("{}: OK", o.object.key)),
            Some((stored, _)) => {
                ok = false;
                lines.push(format!(
                    "{}: MISMATCH: S3 now holds version {} (SHA-256 {}), the manifest names version {} (SHA-256 {})",
                    o.object.key, stored.version_id, stored.sha256, o.object.version_id, o.object.sha256
                ));
            }
            None => {
                ok = false;
                lines.push(format!("{}: MISMATCH: the object is gone", o.object.key));
            }
        }
    }
    let status = if ok { "OK" } else { "MISMATCH" };
    hashes.push((
        "manifest.json".into(),
        base64::encode(Sha256::digest(&bytes)),
    ));
    let actor = input.case.actor_arn().to_string();
    let now = crate::now();
    let entry = LogEntry {
        event: "verification".into(),
        case_id: case_id.to_string(),
        actor: actor.clone(),
        at: now.clone(),
        purpose: format!(
            "verification of {} requested by {actor}: {status}",
            if selected.is_empty() {
                "every item".to_string()
            } else {
                selected.join(", ")
            }
        ),
        hashes,
        context: input.execution.clone(),
    };
    let log_at = format!(
        "{}{}-verification-{}.json",
        log_prefix(case_id),
        now.replace(':', ""),
        input.verification
    );
    if store::put_once(s3, bucket, &log_at, store::to_json(&entry, &log_at)?).await? == Stored::Kept
    {
        tracing::info!(case_id, "the verification was logged already");
    }
    Ok(VerificationRecord {
        status: status.into(),
        lines,
        logged: format!("s3://{bucket}/{log_at}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custody::digest::BlockHash;

    fn range(blocks: &[(u64, &str)]) -> RangeHash {
        RangeHash {
            snapshot_id: "snap-0123456789abcdef0".into(),
            first_block: 0,
            block_count: 100,
            blocks: blocks
                .iter()
                .map(|(i, h)| BlockHash {
                    index: *i,
                    sha256: h.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn differing_names_changed_added_and_removed_blocks() {
        let a = range(&[(1, "x"), (2, "y"), (5, "z")]);
        let b = range(&[(1, "x"), (2, "Y"), (7, "w")]);
        assert_eq!(differing(&a, &b), vec![2, 5, 7]);
        assert!(differing(&a, &a).is_empty());
    }
}
