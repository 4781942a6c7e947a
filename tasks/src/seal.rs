//! Records a release acts on are sealed: a MAC (HMAC-SHA-256 under the stack's record key, which
//! only aws-ir's roles may use) over the record, its case and its item. The case table already
//! refuses every writer but aws-ir; the seal is what lets a release prove, before it reattaches
//! a profile or reopens a group, that what it reads is what aws-ir wrote, and refuse anything
//! else (`IR.RecordTampered`).

use crate::error::TaskError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::MacAlgorithmSpec;
use contract::ErrorName;
use sha2::{Digest, Sha256};

/// What the MAC covers: a digest of the case, the item and the record (KMS takes at most 4 KiB
/// of message; a record may be longer).
fn message(case_id: &str, item: &str, record: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    for part in [case_id, item, record] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().to_vec()
}

/// The seal of `record`, base64.
pub async fn seal(
    kms: &aws_sdk_kms::Client,
    key: &str,
    case_id: &str,
    item: &str,
    record: &str,
) -> Result<String, TaskError> {
    let out = kms
        .generate_mac()
        .key_id(key)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new(message(case_id, item, record)))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("seal {item} of {case_id} with {key}")))?;
    Ok(out
        .mac()
        .map(|m| aws_smithy_types::base64::encode(m.as_ref()))
        .unwrap_or_default())
}

/// Checks `record`'s seal; `IR.RecordTampered` when it is missing or does not match.
pub async fn verify(
    kms: &aws_sdk_kms::Client,
    key: &str,
    case_id: &str,
    item: &str,
    record: &str,
    mac: Option<&str>,
) -> Result<(), TaskError> {
    let tampered = |why: &str| {
        TaskError::new(
            ErrorName::RecordTampered,
            format!("the record of {item} in {case_id} {why}: something other than aws-ir wrote it, so nothing is done from it. Compare it with the case's report in the evidence bucket and put things back by hand"),
        )
    };
    let Some(mac) = mac.filter(|m| !m.is_empty()) else {
        return Err(tampered("carries no seal"));
    };
    let bytes =
        aws_smithy_types::base64::decode(mac).map_err(|_| tampered("has a malformed seal"))?;
    match kms
        .verify_mac()
        .key_id(key)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new(message(case_id, item, record)))
        .mac(Blob::new(bytes))
        .send()
        .await
    {
        Ok(out) if out.mac_valid() => Ok(()),
        Ok(_) => Err(tampered("does not match its seal")),
        Err(e)
            if aws_sdk_kms::error::ProvideErrorMetadata::code(&e)
                == Some("KMSInvalidMacException") =>
        {
            Err(tampered("does not match its seal"))
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("check the seal of {item} of {case_id}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sealed_message_binds_case_item_and_record() {
        let m = super::message("case-1", "instance#i-1", "{}");
        assert_eq!(m.len(), 32);
        assert_ne!(m, super::message("case-1", "instance#i-2", "{}"));
        assert_ne!(m, super::message("case-1", "instance#i-1", "{ }"));
        // No ambiguity between where one part ends and the next begins.
        assert_ne!(super::message("ab", "c", ""), super::message("a", "bc", ""));
    }
}
