//! The custody log's `release` entries: an instance went back to service, its evidence stays
//! as it was sealed. Each entry names the responder AWS authenticated for the release, the
//! request's reason, and the hashes the manifest sealed for that instance, so the log shows
//! who let the instance go and what its evidence was at that moment.

use super::store::{self, Stored};
use crate::error::TaskError;
use aws_smithy_types::base64;
use contract::custody::{log_prefix, manifest_key, LogEntry, Manifest};
use contract::tasks::custody::{LogReleaseInput, ReleaseLogged};
use sha2::{Digest, Sha256};

/// The hashes the sealed manifest holds for `instance`: its snapshots' LINEAR aggregates, its
/// objects' SHA-256, and the manifest's own SHA-256.
pub fn hashes_of(manifest: &Manifest, bytes: &[u8], instance: &str) -> Vec<(String, String)> {
    let mut hashes: Vec<(String, String)> = manifest
        .items
        .iter()
        .filter(|i| i.instance_id == instance)
        .map(|i| (i.snapshot_id.clone(), i.sha256_linear.clone()))
        .collect();
    hashes.extend(
        manifest
            .objects
            .iter()
            .filter(|o| o.instance_id == instance)
            .map(|o| (o.object.key.clone(), o.object.sha256.clone())),
    );
    hashes.push((
        "manifest.json".into(),
        base64::encode(Sha256::digest(bytes)),
    ));
    hashes
}

/// The entry's key: one per instance and release execution, so a retried step writes nothing
/// new.
pub fn entry_key(case_id: &str, instance: &str, execution: &str) -> String {
    let run: String = execution
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{}release-{instance}-{run}.json", log_prefix(case_id))
}

pub async fn log(
    s3: &aws_sdk_s3::Client,
    input: LogReleaseInput,
) -> Result<ReleaseLogged, TaskError> {
    let case_id = &input.case.case_id;
    if !contract::custody::is_case_id(case_id) {
        return Err(TaskError::invalid_event(format!(
            "not a case id: {case_id:?}"
        )));
    }
    let released: Vec<&str> = input
        .released
        .iter()
        .filter(|r| r.status == "released")
        .map(|r| r.instance_id.as_str())
        .collect();
    if released.is_empty() {
        return Ok(ReleaseLogged {
            status: "nothing released".into(),
            entries: vec![],
        });
    }
    if input.case.dry_run {
        return Ok(ReleaseLogged {
            status: "planned".into(),
            entries: vec![],
        });
    }
    let bucket = &input.policy.evidence_bucket;
    // A case without a sealed manifest (custody off, or not reached) still logs who released.
    let sealed = match store::get(s3, bucket, &manifest_key(case_id)).await? {
        Some((bytes, _)) => match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(manifest) => Ok((manifest, bytes)),
            Err(e) => Err(format!("the manifest is not aws-ir's ({e})")),
        },
        None => Err("no manifest was sealed for this case".to_string()),
    };
    let actor = input.case.actor_arn().to_string();
    let mut entries = Vec::new();
    for instance in released {
        crate::ec2::check_instance_id(instance)?;
        let (hashes, sealed_note) = match &sealed {
            Ok((manifest, bytes)) => (hashes_of(manifest, bytes, instance), String::new()),
            Err(why) => (vec![], format!("; {why}")),
        };
        let entry = LogEntry {
            event: "release".into(),
            case_id: case_id.clone(),
            actor: actor.clone(),
            at: crate::now(),
            purpose: format!(
                "{instance} released to service by {actor} ({}); its evidence stays locked as sealed{sealed_note}",
                input.case.title
            ),
            hashes,
            context: input.execution.clone(),
        };
        let key = entry_key(case_id, instance, &input.execution);
        if store::put_once(s3, bucket, &key, store::to_json(&entry, &key)?).await? == Stored::Kept {
            tracing::info!(case_id, instance, "the release was logged already");
        }
        entries.push(format!("s3://{bucket}/{key}"));
    }
    Ok(ReleaseLogged {
        status: "logged".into(),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_key_is_one_per_instance_and_execution() {
        let key = entry_key(
            "case-0123456789abcdef",
            "i-0abc",
            "arn:aws:states:us-east-1:123456789012:execution:ec2-release:run-1",
        );
        assert_eq!(
            key,
            "cases/case-0123456789abcdef/custody/log/release-i-0abc-run-1.json"
        );
        // Nothing from the execution name can leave the log's prefix.
        assert_eq!(
            entry_key("case-0123456789abcdef", "i-0abc", "x:../../y"),
            "cases/case-0123456789abcdef/custody/log/release-i-0abc-y.json"
        );
    }
}
