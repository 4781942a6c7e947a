//! The evidence bucket as custody uses it: every object written once (`If-None-Match: *`, with
//! a SHA-256 that S3 checks on receipt and keeps), and read back with the checksum and version
//! S3 reports, so a record names what S3 holds rather than what the writer meant to send.

use crate::error::TaskError;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use contract::custody::StoredObject;
use contract::ErrorName;

/// Whether an object was written now or an earlier one kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Written,
    Kept,
}

/// Writes `body` at `key` unless an object is there already (then the existing one stays).
pub async fn put_once(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
) -> Result<Stored, TaskError> {
    let put = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .if_none_match("*")
        .content_type("application/json")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(body.into())
        .send()
        .await;
    match put {
        Ok(_) => Ok(Stored::Written),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 412) => Ok(Stored::Kept),
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("write s3://{bucket}/{key}"),
        )),
    }
}

/// The object at `key` with what S3 reports about it; `None` when there is none.
pub async fn get(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<(Vec<u8>, StoredObject)>, TaskError> {
    let got = match s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
    {
        Ok(got) => got,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
        Err(e) => return Err(TaskError::from_sdk(e, &format!("read s3://{bucket}/{key}"))),
    };
    let stored = StoredObject {
        key: format!("s3://{bucket}/{key}"),
        version_id: got.version_id().unwrap_or_default().to_string(),
        sha256: got.checksum_sha256().unwrap_or_default().to_string(),
    };
    let body = got
        .body
        .collect()
        .await
        .map_err(|e| {
            TaskError::new(
                ErrorName::Transient,
                format!("read s3://{bucket}/{key}: {e}"),
            )
        })?
        .into_bytes()
        .to_vec();
    Ok(Some((body, stored)))
}

/// What S3 reports about the object at `key` (key, version, SHA-256) and its size; `None`
/// when there is none.
pub async fn head(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<(StoredObject, i64)>, TaskError> {
    match s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
    {
        Ok(h) => Ok(Some((
            StoredObject {
                key: format!("s3://{bucket}/{key}"),
                version_id: h.version_id().unwrap_or_default().to_string(),
                sha256: h.checksum_sha256().unwrap_or_default().to_string(),
            },
            h.content_length().unwrap_or_default(),
        ))),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
        Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
        Err(e) => Err(TaskError::from_sdk(e, &format!("read s3://{bucket}/{key}"))),
    }
}

/// The object at `key` as JSON of type `T`; a body that is not is `IR.RecordTampered`.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<Option<(T, StoredObject)>, TaskError> {
    let Some((body, stored)) = get(s3, bucket, key).await? else {
        return Ok(None);
    };
    serde_json::from_slice(&body)
        .map(|v| Some((v, stored)))
        .map_err(|e| {
            TaskError::new(
                ErrorName::RecordTampered,
                format!("s3://{bucket}/{key} is not what aws-ir writes there ({e}); nothing is built on it. Keep it as it is and compare it with the custody log"),
            )
        })
}

/// JSON for an object, or a named error.
pub fn to_json<T: serde::Serialize>(value: &T, key: &str) -> Result<Vec<u8>, TaskError> {
    serde_json::to_vec(value).map_err(|e| {
        TaskError::new(
            ErrorName::Transient,
            format!("encode the record for {key}: {e}"),
        )
    })
}
