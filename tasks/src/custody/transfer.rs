//! Transfer to a forensic account: each snapshot the case took is copied, re-encrypted with
//! the forensic account's key (`CopySnapshot`), and the copy shared with that account
//! (`ModifySnapshotAttribute`), as AWS's Automated Forensic Orchestrator hands evidence over.
//! The copies are recorded in the case table; custody then hashes them like the originals, and
//! the seal logs each transfer with whether the two aggregates are equal.

use super::plan::{case_snapshots, instance_ids};
use crate::cases;
use crate::error::TaskError;
use aws_sdk_ec2::types::{OperationType, ResourceType, SnapshotAttributeName, TagSpecification};
use contract::tags::marks::{CASE, ROLE};
use contract::tasks::custody::{CustodyInput, TransferOutcome};
use contract::ErrorName;

/// The tag naming the snapshot a copy was made from.
pub const COPY_OF: &str = "aws-ir:copy-of";

crate::aws::clients! {
    /// The transfer's clients: EC2 (copy, share) and the case table (which snapshots, and the
    /// copies made).
    pub struct TransferEvidenceClients {
        ec2: aws_sdk_ec2::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

fn misconfigured(message: String) -> TaskError {
    TaskError::new(ErrorName::Misconfigured, message)
}

/// The forensic account and key, checked; `None` when no transfer is configured.
pub fn destination(account: &str, key: &str) -> Result<Option<(String, String)>, TaskError> {
    let (account, key) = (account.trim(), key.trim());
    if account.is_empty() {
        return Ok(None);
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(misconfigured(format!(
            "ForensicAccountId `{account}` is not a 12-digit account id: redeploy with the forensic account's id"
        )));
    }
    let parts: Vec<&str> = key.split(':').collect();
    if parts.len() != 6 || parts[2] != "kms" || parts[4] != account || !parts[5].starts_with("key/")
    {
        return Err(misconfigured(format!(
            "ForensicKeyArn `{key}` is not a KMS key ARN of account {account}: the copies must be encrypted with a key the forensic account owns"
        )));
    }
    Ok(Some((account.to_string(), key.to_string())))
}

pub async fn transfer(
    aws: &TransferEvidenceClients,
    input: CustodyInput,
) -> Result<TransferOutcome, TaskError> {
    let Some((account, key)) = destination(
        &input.policy.forensic_account_id,
        &input.policy.forensic_key_arn,
    )?
    else {
        return Ok(TransferOutcome {
            status: "not configured".into(),
            copies: vec![],
        });
    };
    let case_id = input.case.case_id.as_str();
    if !contract::custody::is_case_id(case_id) {
        return Err(TaskError::invalid_event(format!(
            "`{case_id}` is not a case id aws-ir made"
        )));
    }
    let table = input.policy.case_table.as_str();
    let snapshots = case_snapshots(
        &aws.ec2,
        &aws.dynamodb,
        table,
        case_id,
        &instance_ids(&input.case),
    )
    .await?;
    let originals: Vec<_> = snapshots.iter().filter(|s| s.copy_of.is_empty()).collect();
    if let Some(p) = originals.iter().find(|s| s.state == "pending") {
        return Err(TaskError::new(
            ErrorName::NotReady,
            format!(
                "{} is still pending: it is copied once it has completed",
                p.snapshot_id
            ),
        ));
    }
    let region = aws
        .ec2
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| input.case.region.clone());
    let mut lines = Vec::new();
    let mut started = Vec::new();
    for original in originals.iter().filter(|s| s.state == "completed") {
        if snapshots.iter().any(|c| c.copy_of == original.snapshot_id) {
            continue;
        }
        if input.case.dry_run {
            lines.push(format!(
                "would copy {} for account {account}, encrypted with {key}, and share it",
                original.snapshot_id
            ));
            continue;
        }
        let made = aws
            .ec2
            .copy_snapshot()
            .source_snapshot_id(&original.snapshot_id)
            .source_region(&region)
            .encrypted(true)
            .kms_key_id(&key)
            .description(format!(
                "aws-ir evidence for {case_id}: copy of {} for account {account}",
                original.snapshot_id
            ))
            .tag_specifications(
                TagSpecification::builder()
                    .resource_type(ResourceType::Snapshot)
                    .tags(crate::ec2::tag(CASE, case_id))
                    .tags(crate::ec2::tag(ROLE, "evidence-copy"))
                    .tags(crate::ec2::tag(COPY_OF, &original.snapshot_id))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(
                    e,
                    &format!(
                        "copy {} for account {account} with {key}",
                        original.snapshot_id
                    ),
                )
            })?;
        let copy_id = made.snapshot_id().unwrap_or_default().to_string();
        cases::add_evidence_copy(
            &aws.dynamodb,
            table,
            case_id,
            &original.instance_id,
            &original.snapshot_id,
            &copy_id,
        )
        .await?;
        started.push(format!("{copy_id} (copy of {})", original.snapshot_id));
    }
    // Copies complete later: the next attempt (IR.NotReady is retried) shares them.
    if !started.is_empty() {
        return Err(TaskError::new(
            ErrorName::NotReady,
            format!(
                "copies for account {account} started: {}",
                started.join(", ")
            ),
        ));
    }
    for copy in snapshots.iter().filter(|c| !c.copy_of.is_empty()) {
        if copy.state == "pending" {
            return Err(TaskError::new(
                ErrorName::NotReady,
                format!(
                    "{} (copy of {}) is still pending",
                    copy.snapshot_id, copy.copy_of
                ),
            ));
        }
        if !input.case.dry_run {
            aws.ec2
                .modify_snapshot_attribute()
                .snapshot_id(&copy.snapshot_id)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .operation_type(OperationType::Add)
                .user_ids(&account)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(
                        e,
                        &format!("share {} with account {account}", copy.snapshot_id),
                    )
                })?;
        }
        lines.push(format!(
            "{} (copy of {}, {}): shared with {account}",
            copy.snapshot_id, copy.copy_of, copy.state
        ));
    }
    Ok(TransferOutcome {
        status: if input.case.dry_run {
            "planned"
        } else {
            "copied"
        }
        .into(),
        // As far as they fit in the execution's state; each copy is also in the custody log.
        copies: contract::excerpt(lines, "the custody log"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_is_checked() {
        assert_eq!(destination("", "").unwrap(), None);
        let key = "arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-0000-4000-8000-000000000001";
        assert_eq!(
            destination("111122223333", key).unwrap(),
            Some(("111122223333".into(), key.into()))
        );
        for (account, key) in [
            ("11112222333", key),
            ("111122223333", "arn:aws:kms:us-east-1:444455556666:key/x"),
            ("111122223333", "alias/forensics"),
        ] {
            let e = destination(account, key).unwrap_err();
            assert_eq!(e.name, ErrorName::Misconfigured, "{account} {key}: {e}");
        }
    }
}
