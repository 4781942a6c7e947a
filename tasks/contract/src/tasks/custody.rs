//! The custody steps (#18): after containment, every snapshot the case took is read back
//! through the EBS direct APIs range by range (a Distributed Map), and the case's manifest is
//! sealed with the stack's signing key. See [`crate::custody`] for what they write.

use super::ec2::{Ec2Policy, EC2_DESCRIBE};
use super::{
    case_table, encryption_key_via, errors_and, key_for_table, Permission, Scope, StackResource,
    Task,
};
use crate::case::Case;
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The snapshots aws-ir took (tagged with a case when they were created, `CreateSnapshots`).
const CASE_SNAPSHOTS: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*";

/// The case, the stack's stores and keys (the policy), and the execution.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CustodyInput {
    pub case: Case,
    pub policy: Ec2Policy,
    pub execution: String,
}

fn describe_snapshots() -> Permission {
    Permission::new(
        "DescribeSnapshots",
        &["ec2:DescribeSnapshots"],
        Scope::Unscoped {
            reason: EC2_DESCRIBE,
        },
    )
}

fn evidence(actions: &[&'static str]) -> [Permission; 2] {
    [
        Permission::new(
            "CustodyRecords",
            actions,
            Scope::Stack(StackResource::EvidenceReports),
        ),
        encryption_key_via(
            "UseEncryptionKeyForEvidence",
            &["kms:Decrypt", "kms:GenerateDataKey"],
            "s3.${AWS::Region}.amazonaws.com",
        ),
    ]
}

/// Copies each of the case's snapshots for the forensic account, re-encrypted with its key,
/// and shares the copies with it.
pub struct TransferEvidence;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TransferOutcome {
    /// `copied`, `not configured` (no forensic account), or `planned` (dry run).
    pub status: String,
    /// One line per snapshot: the copy, its state, whom it is shared with.
    pub copies: Vec<String>,
}

/// Keys of other accounts (the forensic account's), used through EC2 only.
const FORENSIC_KEYS: &str = "arn:${AWS::Partition}:kms:${AWS::Region}:*:key/*";

impl Task for TransferEvidence {
    const NAME: &'static str = "transfer-evidence";
    const TITLE: &'static str = "TransferEvidence";
    const DESCRIPTION: &'static str = "Copies the case's snapshots for the forensic account, re-encrypted with its key, and shares the copies with it.";
    const TIMEOUT_SECONDS: u32 = 120;
    type Input = CustodyInput;
    type Output = TransferOutcome;
    fn permissions() -> Vec<Permission> {
        vec![
            describe_snapshots(),
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            Permission::new(
                "CopyAndShareEvidence",
                &["ec2:CopySnapshot", "ec2:ModifySnapshotAttribute"],
                Scope::Arn(CASE_SNAPSHOTS),
            ),
            Permission::new("TagCopies", &["ec2:CreateTags"], Scope::Arn(CASE_SNAPSHOTS)).when(
                "StringEquals",
                "ec2:CreateAction",
                &["CopySnapshot"],
            ),
            Permission::new(
                "EncryptCopiesForTheForensicAccount",
                &[
                    "kms:CreateGrant",
                    "kms:Decrypt",
                    "kms:DescribeKey",
                    "kms:Encrypt",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                ],
                Scope::Arn(FORENSIC_KEYS),
            )
            .when(
                "StringEquals",
                "kms:ViaService",
                &["ec2.${AWS::Region}.amazonaws.com"],
            ),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[ErrorName::NotReady, ErrorName::ResourceNotFound])
    }
}

/// Waits for the case's snapshots to complete and writes the ranges to hash.
pub struct PlanCustody;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CustodyPlan {
    /// `ready`, `nothing to hash` or `planned` (dry run: nothing written).
    pub status: String,
    /// One line per snapshot: id, volume, instance, size, ranges.
    pub snapshots: Vec<String>,
    /// Ranges to hash (the Distributed Map's items).
    pub ranges: u64,
    /// Key of the ranges' JSON array in the evidence bucket (empty when nothing is to hash).
    pub plan: String,
}

impl Task for PlanCustody {
    const NAME: &'static str = "plan-custody";
    const TITLE: &'static str = "PlanCustody";
    const DESCRIPTION: &'static str =
        "Waits for the case's snapshots to complete and writes the block ranges to hash.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = CustodyInput;
    type Output = CustodyPlan;
    fn permissions() -> Vec<Permission> {
        let mut p = vec![
            describe_snapshots(),
            case_table(&["dynamodb:GetItem"]),
            key_for_table(),
        ];
        p.extend(evidence(&["s3:PutObject"]));
        p
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[ErrorName::NotReady])
    }
}

/// Hashes one range of one snapshot (an item of the Distributed Map).
pub struct HashRange;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HashRangeInput {
    pub case_id: String,
    pub bucket: String,
    pub snapshot_id: String,
    pub first_block: u64,
    pub block_count: u64,
    /// Empty when acquiring; the verification run's name when re-reading for `irctl verify`
    /// (its hashes are kept beside the record, never over it).
    #[serde(default)]
    pub verification: String,
    /// Where the snapshot is: a member's case reads it there (#20). Absent: here.
    #[serde(default)]
    pub case: Option<crate::case::CasePlace>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HashRangeOutput {
    /// Blocks the snapshot holds in the range.
    pub blocks: u64,
    /// `written`, or `kept` (an earlier run's result, not hashed again).
    pub stored: String,
}

impl Task for HashRange {
    const NAME: &'static str = "hash-range";
    const TITLE: &'static str = "HashRange";
    const DESCRIPTION: &'static str = "Reads one range of a snapshot through the EBS direct APIs, checks every block against AWS's SHA-256 and writes the range's block hashes once.";
    const TIMEOUT_SECONDS: u32 = 900;
    const MEMORY_MB: u32 = 512;
    type Input = HashRangeInput;
    type Output = HashRangeOutput;
    fn permissions() -> Vec<Permission> {
        let mut p = vec![Permission::new(
            "ReadCaseSnapshots",
            &["ebs:ListSnapshotBlocks", "ebs:GetSnapshotBlock"],
            Scope::Arn(CASE_SNAPSHOTS),
        )
        .when("StringLike", "aws:ResourceTag/aws-ir:case", &["case-*"])];
        // An encrypted snapshot (a copy for the forensic account is) is read through EBS with
        // its key.
        p.push(
            Permission::new(
                "DecryptEvidenceBlocks",
                &["kms:Decrypt"],
                Scope::Arn(FORENSIC_KEYS),
            )
            .when(
                "StringEquals",
                "kms:ViaService",
                &["ebs.${AWS::Region}.amazonaws.com"],
            ),
        );
        p.extend(evidence(&["s3:GetObject", "s3:PutObject"]));
        p
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[
            ErrorName::EvidenceMismatch,
            ErrorName::RecordTampered,
            ErrorName::ResourceNotFound,
        ])
    }
}

/// Aggregates the ranges, writes and signs the manifest, and logs the acquisition.
pub struct SealCustody;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SealCustodyInput {
    pub case: Case,
    pub policy: Ec2Policy,
    pub execution: String,
    /// The plan's key ([`CustodyPlan::plan`]).
    pub plan: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CustodyRecord {
    /// `sealed`, or `kept` (the case already had a manifest: nothing new was written).
    pub status: String,
    /// `s3://bucket/key` of the manifest and of its signature.
    pub manifest: String,
    pub signature: String,
    /// One line per item: snapshot, volume, blocks, LINEAR aggregate.
    pub items: Vec<String>,
    /// How to check it.
    pub verify: String,
}

impl Task for SealCustody {
    const NAME: &'static str = "seal-custody";
    const TITLE: &'static str = "SealCustody";
    const DESCRIPTION: &'static str = "Aggregates the case's range hashes (LINEAR), writes the evidence manifest, signs it with the stack's custody key and appends the acquisition to the custody log.";
    const TIMEOUT_SECONDS: u32 = 900;
    const MEMORY_MB: u32 = 512;
    type Input = SealCustodyInput;
    type Output = CustodyRecord;
    fn permissions() -> Vec<Permission> {
        let mut p = vec![
            describe_snapshots(),
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
        ];
        p.extend(evidence(&["s3:GetObject", "s3:PutObject"]));
        p.push(Permission::new(
            "SignManifest",
            &["kms:Sign"],
            Scope::Stack(StackResource::SigningKey),
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[ErrorName::EvidenceMismatch, ErrorName::RecordTampered])
    }
}

/// Checks the manifest's signature and plans the re-reading of every snapshot it lists.
pub struct PlanVerification;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VerificationPlan {
    /// `ready`, or `no manifest` (the case has none to verify).
    pub status: String,
    /// `valid`, or why not (the manifest was edited, or the signature does not verify).
    pub signature: String,
    /// The verification run's name, which keys what it re-reads.
    pub verification: String,
    pub ranges: u64,
    /// Key of the ranges to re-read (empty when there are none).
    pub plan: String,
}

impl Task for PlanVerification {
    const NAME: &'static str = "plan-verification";
    const TITLE: &'static str = "PlanVerification";
    const DESCRIPTION: &'static str = "Checks a case's evidence manifest against its KMS signature and plans the re-reading of every snapshot it lists.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = CustodyInput;
    type Output = VerificationPlan;
    fn permissions() -> Vec<Permission> {
        let mut p = evidence(&["s3:GetObject", "s3:PutObject"]).to_vec();
        p.push(Permission::new(
            "VerifyManifests",
            &["kms:Verify"],
            Scope::Stack(StackResource::SigningKey),
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[ErrorName::RecordTampered])
    }
}

/// Compares what was re-read with the manifest, and logs the verification.
pub struct FinishVerification;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FinishVerificationInput {
    pub case: Case,
    pub policy: Ec2Policy,
    pub execution: String,
    /// The plan's outcome ([`VerificationPlan`]).
    pub signature: String,
    pub verification: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct VerificationRecord {
    /// `OK`, or `MISMATCH` (the lines say what differs).
    pub status: String,
    /// One line per item, and one per difference: the snapshot and the block indexes.
    pub lines: Vec<String>,
    /// `s3://…` of the custody log entry.
    pub logged: String,
}

impl Task for FinishVerification {
    const NAME: &'static str = "finish-verification";
    const TITLE: &'static str = "FinishVerification";
    const DESCRIPTION: &'static str = "Compares the re-read block hashes and LINEAR aggregates with the manifest, names every block that differs, and appends the verification to the custody log.";
    const TIMEOUT_SECONDS: u32 = 900;
    const MEMORY_MB: u32 = 512;
    type Input = FinishVerificationInput;
    type Output = VerificationRecord;
    fn permissions() -> Vec<Permission> {
        evidence(&["s3:GetObject", "s3:PutObject"]).to_vec()
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[ErrorName::RecordTampered])
    }
}

/// Appends a `release` entry to the custody log of a case whose instances were released.
pub struct LogRelease;

/// One instance's release, as the release machine's Map reports it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReleasedInstance {
    pub instance_id: String,
    /// `released`, or `not released` (only released instances are logged).
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LogReleaseInput {
    pub case: Case,
    pub policy: Ec2Policy,
    pub execution: String,
    pub released: Vec<ReleasedInstance>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseLogged {
    /// `logged`, `planned` (dry run), or `nothing released`.
    pub status: String,
    /// `s3://bucket/key` of each entry written (or kept from an earlier try of this execution).
    pub entries: Vec<String>,
}

impl Task for LogRelease {
    const NAME: &'static str = "log-release";
    const TITLE: &'static str = "LogRelease";
    const DESCRIPTION: &'static str = "Appends a release entry to the case's custody log for each released instance: who released it, when, why, and the sealed hashes of its evidence.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = LogReleaseInput;
    type Output = ReleaseLogged;
    fn permissions() -> Vec<Permission> {
        evidence(&["s3:GetObject", "s3:PutObject"]).to_vec()
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[])
    }
}
