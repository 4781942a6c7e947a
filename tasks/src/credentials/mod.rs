//! The compromised-credentials playbook's steps (contracts in `contract::tasks::credentials`).
//!
//! [`assess`] resolves a principal live and records its pre-state on the case item
//! `principal#<id>` before any cut; the cuts ([`cuts`]) each change one thing and record what
//! they did on the same item; [`release`] reads the item back and undoes exactly that.

pub mod assess;
pub mod cuts;
pub mod handoff;
pub mod record;
pub mod release;

use crate::error::TaskError;
use contract::case_table::item;
use contract::tasks::credentials::CredentialsPreState;
use contract::ErrorName;
use std::collections::BTreeMap;

/// Tag keys the cuts set on the principal; release removes them (unless they were there).
pub use contract::tags::marks::{CASE as TAG_CASE, STATUS as TAG_STATUS};

/// The inline policy that denies a user everything (attached to a compromised user).
pub fn deny_all_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AwsIrDenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]
    })
    .to_string()
}

fn iam_tag(key: &str, value: &str) -> aws_sdk_iam::types::Tag {
    aws_sdk_iam::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

/// The tags of the case on a user or role.
pub fn case_tags(case_id: &str, status: &str) -> Vec<aws_sdk_iam::types::Tag> {
    vec![iam_tag(TAG_CASE, case_id), iam_tag(TAG_STATUS, status)]
}

/// What release must do to the tags: `(keys to remove, tags to put back)`, so that the
/// principal ends with exactly the tags recorded before the cut.
pub fn tags_to_restore(
    before: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<aws_sdk_iam::types::Tag>) {
    let mut remove = Vec::new();
    let mut put = Vec::new();
    for key in [TAG_CASE, TAG_STATUS] {
        match before.get(key) {
            Some(v) => put.push(iam_tag(key, v)),
            None => remove.push(key.to_string()),
        }
    }
    (remove, put)
}

/// The pre-state a case recorded for principal `id`, checked against its seal (see
/// `crate::seal`): a release acts on nothing else.
pub async fn sealed_pre_state(
    dynamodb: &aws_sdk_dynamodb::Client,
    kms: &aws_sdk_kms::Client,
    table: &str,
    key: &str,
    case_id: &str,
    id: &str,
) -> Result<Option<CredentialsPreState>, TaskError> {
    let got = crate::cases::get(dynamodb, table, case_id, &item::principal(id)).await?;
    let text = |k: &str| {
        got.as_ref()
            .and_then(|i| i.get(k))
            .and_then(|v| v.as_s().ok())
            .cloned()
    };
    let Some(json) = text("pre_state") else {
        return Ok(None);
    };
    crate::seal::verify(
        kms,
        key,
        case_id,
        &item::principal(id),
        &json,
        text("pre_state_seal").as_deref(),
    )
    .await?;
    serde_json::from_str(&json).map(Some).map_err(|e| {
        TaskError::new(
            ErrorName::RecordTampered,
            format!("the pre-state of {id} in {case_id} is unreadable: {e}"),
        )
    })
}

/// Reads the pre-state a case recorded for principal `id`.
pub async fn pre_state(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    case_id: &str,
    id: &str,
) -> Result<Option<CredentialsPreState>, TaskError> {
    let got = crate::cases::get(dynamodb, table, case_id, &item::principal(id)).await?;
    match got
        .as_ref()
        .and_then(|i| i.get("pre_state"))
        .and_then(|v| v.as_s().ok())
    {
        Some(text) => serde_json::from_str(text).map(Some).map_err(|e| {
            TaskError::new(
                ErrorName::Misconfigured,
                format!("the pre-state of {id} in {case_id} is unreadable: {e}"),
            )
        }),
        None => Ok(None),
    }
}

/// Stores a cut's outcome on the principal's item (`plan_<name>` in a dry run).
pub async fn remember(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    case_id: &str,
    id: &str,
    name: &str,
    dry_run: bool,
    outcome: &contract::tasks::outcome::Outcome,
) -> Result<(), TaskError> {
    let attribute = if dry_run {
        format!("plan_{name}")
    } else {
        format!("step_{name}")
    };
    let json = serde_json::to_value(outcome).expect("outcomes serialize");
    crate::cases::record_on(
        dynamodb,
        table,
        case_id,
        &item::principal(id),
        &attribute,
        &json,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_removes_the_case_tags_and_puts_back_what_was_there() {
        let mut before = BTreeMap::new();
        before.insert("team".to_string(), "orders".to_string());
        let (remove, put) = tags_to_restore(&before);
        assert_eq!(remove, vec![TAG_CASE, TAG_STATUS]);
        assert!(put.is_empty());

        before.insert(TAG_STATUS.to_string(), "watched".to_string());
        let (remove, put) = tags_to_restore(&before);
        assert_eq!(remove, vec![TAG_CASE]);
        assert_eq!(put.len(), 1);
        assert_eq!((put[0].key(), put[0].value()), (TAG_STATUS, "watched"));
    }

    #[test]
    fn the_deny_all_policy_denies_everything() {
        let p: serde_json::Value = serde_json::from_str(&deny_all_policy()).unwrap();
        assert_eq!(p["Statement"][0]["Effect"], "Deny");
        assert_eq!(p["Statement"][0]["Action"], "*");
    }
}
