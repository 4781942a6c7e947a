//! Chain of custody (#18): what a case's evidence manifest, its signature and its custody log
//! say, as the custody tasks write them and `irctl verify` (and anyone with the public key)
//! reads them.
//!
//! Everything lives in the evidence bucket under `cases/<case>/custody/`, written once
//! (`If-None-Match: *`) under S3 Object Lock, by aws-ir's roles only (the bucket policy):
//! - `ranges/…`: each range's per-block SHA-256 list (`tasks::custody::digest::RangeHash`);
//! - `manifest.json`: every item, its size, hashes, the acquiring step and version, the time;
//! - `manifest.sig.json`: the manifest's SHA-256 signed with the stack's asymmetric KMS key;
//! - `log/<time>-<event>-<digest>.json`: one [`LogEntry`] per acquisition, transfer,
//!   verification and release; a new entry is a new object, so the log only grows.

use serde::{Deserialize, Serialize};

/// Where a case's custody record lives in the evidence bucket.
pub fn prefix(case_id: &str) -> String {
    format!("cases/{case_id}/custody")
}
pub fn manifest_key(case_id: &str) -> String {
    format!("{}/manifest.json", prefix(case_id))
}
pub fn signature_key(case_id: &str) -> String {
    format!("{}/manifest.sig.json", prefix(case_id))
}
pub fn log_prefix(case_id: &str) -> String {
    format!("{}/log/", prefix(case_id))
}
/// The ranges a run hashes, one JSON array per execution (the Distributed Map's `ItemReader`).
pub fn plan_key(case_id: &str, execution_name: &str) -> String {
    format!("{}/plans/{execution_name}.json", prefix(case_id))
}
/// A range's per-block hashes.
pub fn range_key(case_id: &str, snapshot_id: &str, first_block: u64) -> String {
    format!(
        "{}/{snapshot_id}/ranges/{first_block:012}.json",
        prefix(case_id)
    )
}

/// Where a verification run keeps what it re-read: beside the record, never over it.
pub fn verification_prefix(case_id: &str, verification: &str) -> String {
    format!("{}/verifications/{verification}", prefix(case_id))
}
pub fn verification_plan_key(case_id: &str, verification: &str) -> String {
    format!("{}/plan.json", verification_prefix(case_id, verification))
}
/// A range's block hashes as acquired (`verification` empty) or as a verification re-read them.
pub fn hashes_key(
    case_id: &str,
    verification: &str,
    snapshot_id: &str,
    first_block: u64,
) -> String {
    if verification.is_empty() {
        range_key(case_id, snapshot_id, first_block)
    } else {
        format!(
            "{}/{snapshot_id}/ranges/{first_block:012}.json",
            verification_prefix(case_id, verification)
        )
    }
}

/// Blocks one range reads: 16 GiB. At most a few minutes of one Lambda at the per-snapshot
/// quota, and few enough items that a 16 TiB volume is 1,024 ranges.
pub const RANGE_BLOCKS: u64 = 32_768;

/// One range of one snapshot: an item of the Distributed Map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeItem {
    pub snapshot_id: String,
    pub first_block: u64,
    pub block_count: u64,
}

/// The signing algorithm of the custody key (`ECC_NIST_P256`, `SIGN_VERIFY`).
pub const SIGNING_ALGORITHM: &str = "ECDSA_SHA_256";

/// A case's evidence manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `aws-ir/custody-manifest/1`.
    pub format: String,
    pub case_id: String,
    /// When the manifest was sealed (RFC 3339, UTC).
    pub sealed_at: String,
    /// The execution that acquired the evidence.
    pub execution: String,
    /// The ARN AWS authenticated for the sealing step (its role session).
    pub sealed_by: String,
    pub items: Vec<Item>,
    /// The other evidence of the case: each volatile-capture output and the memory image, as
    /// S3 reports it (version, size, the SHA-256 S3 verified on upload).
    #[serde(default)]
    pub objects: Vec<ObjectItem>,
}

/// A piece of evidence that is an object in the evidence bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectItem {
    /// `volatile-capture` or `memory-image`.
    pub kind: String,
    pub instance_id: String,
    /// Key, version and SHA-256, read back from S3 (`sha256` empty: S3 holds none for it, so
    /// only its version pins it).
    pub object: StoredObject,
    pub size: i64,
    /// The step that acquired it and its version.
    pub acquired_by: String,
}

pub const MANIFEST_FORMAT: &str = "aws-ir/custody-manifest/1";

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// `ebs-snapshot`.
    pub kind: String,
    /// Where it is: the snapshot id (and Region, account).
    pub location: String,
    pub snapshot_id: String,
    pub volume_id: String,
    pub instance_id: String,
    pub volume_size_gib: u64,
    /// Blocks of 524,288 bytes the volume has, of which the snapshot holds `blocks_present`;
    /// the others were never written (sparse).
    pub blocks_total: u64,
    pub blocks_present: u64,
    /// AWS's `LINEAR` aggregate: base64 SHA-256 of the blocks' SHA-256 digests in index order.
    pub sha256_linear: String,
    /// The per-block hash lists, in block order: `s3://bucket/key` with the S3 version id and
    /// the SHA-256 S3 verified when it stored them.
    pub block_hashes: Vec<StoredObject>,
    /// The step that acquired it and its version (`hash-range@0.1.0`).
    pub acquired_by: String,
    /// When the snapshot was taken (EC2's `StartTime`).
    pub taken_at: String,
    /// For a copy made for a forensic account: the snapshot it copies, and the account it is
    /// shared with (both empty for an original).
    #[serde(default)]
    pub copy_of: String,
    #[serde(default)]
    pub shared_with: String,
}

/// An object in the evidence bucket, as S3 reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    pub key: String,
    pub version_id: String,
    /// `x-amz-checksum-sha256`, read back from S3.
    pub sha256: String,
}

/// The manifest's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub key_arn: String,
    /// [`SIGNING_ALGORITHM`], over the digest (`MessageType: DIGEST`).
    pub algorithm: String,
    /// Base64 SHA-256 of the manifest object's bytes.
    pub manifest_sha256: String,
    /// Base64 DER signature as KMS returned it.
    pub signature: String,
}

/// One entry of the custody log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// `acquisition`, `transfer`, `verification` or `release`.
    pub event: String,
    pub case_id: String,
    /// The ARN AWS authenticated for whoever acted.
    pub actor: String,
    pub at: String,
    pub purpose: String,
    /// `snapshot id → LINEAR aggregate`, and the manifest's SHA-256.
    pub hashes: Vec<(String, String)>,
    /// Where it happened (the execution, or the irctl command).
    pub context: String,
}

/// How a verification request names one snapshot to verify (`irctl verify --snapshot`):
/// a case resource of this type.
pub const SNAPSHOT_RESOURCE: &str = "AwsEc2Snapshot";

/// A case id as aws-ir makes them (`case-` and 16 hex digits): it is part of every custody key.
pub fn is_case_id(id: &str) -> bool {
    id.strip_prefix("case-")
        .is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An EBS snapshot id (`snap-` and 8 or 17 hex digits).
pub fn is_snapshot_id(id: &str) -> bool {
    id.strip_prefix("snap-").is_some_and(|h| {
        (h.len() == 8 || h.len() == 17) && h.chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_key_custody_records_are_checked() {
        assert!(is_case_id("case-0123456789abcdef"));
        assert!(!is_case_id("case-0123/../../x"));
        assert!(is_snapshot_id("snap-0123456789abcdef0"));
        assert!(!is_snapshot_id("snap-../x"));
        assert_eq!(
            range_key("case-0123456789abcdef", "snap-0123456789abcdef0", 32768),
            "cases/case-0123456789abcdef/custody/snap-0123456789abcdef0/ranges/000000032768.json"
        );
    }
}
