//! S3 Block Public Access at the account level (S3 Control): the setting that overrides every
//! bucket's. Recovered like a bucket's — all four settings back on, the previous ones recorded
//! first — and released the same way. An account carries no tags: exemption is by account
//! (`ExemptAccounts`).

use super::{accept, accepted, describe_block, item, left_alone, ALL_BLOCKED};
use crate::aws::Aws;
use crate::cases;
use crate::error::TaskError;
use aws_sdk_s3control::error::ProvideErrorMetadata;
use contract::tasks::ec2::{Outcome, Status};
use contract::tasks::settings::{RecordedBlock, SettingStep};
use contract::ErrorName;

fn account_ok(id: &str) -> Result<(), TaskError> {
    if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(TaskError::invalid_event(format!(
            "`{id}` is not an AWS account id (12 digits)"
        )))
    }
}

/// The account's Block Public Access now (`present: false` when it has none).
async fn read(aws: &Aws, account: &str) -> Result<RecordedBlock, TaskError> {
    match aws
        .s3control
        .get_public_access_block()
        .account_id(account)
        .send()
        .await
    {
        Ok(got) => {
            let c = got.public_access_block_configuration();
            Ok(RecordedBlock {
                present: true,
                block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
                ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
                block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
                restrict_public_buckets: c
                    .and_then(|c| c.restrict_public_buckets())
                    .unwrap_or(false),
            })
        }
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => {
            Ok(RecordedBlock::default())
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("read the account-level Block Public Access of {account}"),
        )),
    }
}

async fn put(aws: &Aws, account: &str, b: &RecordedBlock) -> Result<(), TaskError> {
    let config = aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(b.block_public_acls)
        .ignore_public_acls(b.ignore_public_acls)
        .block_public_policy(b.block_public_policy)
        .restrict_public_buckets(b.restrict_public_buckets)
        .build();
    aws.s3control
        .put_public_access_block()
        .account_id(account)
        .public_access_block_configuration(config)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("set the account-level Block Public Access of {account}"),
            )
        })
}

pub async fn block_account_public_access(
    aws: &Aws,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let account = step.resource_id.as_str();
    account_ok(account)?;
    let what = format!("account {account}'s Block Public Access");
    if let Some(out) = left_alone(aws, &step, &what).await? {
        return Ok(out);
    }
    let mut out = Outcome::new(step.case.dry_run);
    let p = &step.policy;
    let now = read(aws, account).await?;
    if let Some((json, case)) = accepted(aws, &p.case_table, account).await? {
        if serde_json::from_str::<RecordedBlock>(&json).ok().as_ref() == Some(&now) {
            out.status = Status::Skipped;
            out.note(format!(
                "{what} ({}) was accepted by the release of case {case}; left as it is",
                describe_block(&now)
            ));
            return Ok(out);
        }
    }
    if now == ALL_BLOCKED {
        out.status = Status::Skipped;
        out.note(format!("{what} already blocks all public access"));
        return Ok(out);
    }
    out.act(
        "s3:PutAccountPublicAccessBlock",
        account,
        format!("all four settings on (were: {})", describe_block(&now)),
    );
    if !p.recover {
        out.status = Status::Skipped;
        out.note("policy is detect-only (Recover=false): nothing was changed".to_string());
        return Ok(out);
    }
    if step.case.dry_run {
        return Ok(out);
    }
    cases::keep_first(
        &aws.dynamodb,
        &p.case_table,
        &step.case.case_id,
        &item(account),
        "previous",
        &serde_json::to_string(&now).expect("serializes"),
    )
    .await?;
    put(aws, account, &ALL_BLOCKED).await?;
    out.note(format!(
        "undo if the change was legitimate: irctl start settings-release --case {} --resource account/{account} --reason '...'",
        step.case.case_id
    ));
    Ok(out)
}

pub async fn release_account_public_access(
    aws: &Aws,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let account = step.resource_id.as_str();
    account_ok(account)?;
    let text = cases::get(
        &aws.dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item(account),
    )
    .await?
    .and_then(|i| i.get("previous").and_then(|v| v.as_s().ok()).cloned())
    .ok_or_else(|| {
        TaskError::new(
            ErrorName::ResourceNotFound,
            format!(
                "case {} changed nothing on account {account}'s Block Public Access: nothing to release",
                step.case.case_id
            ),
        )
    })?;
    let previous: RecordedBlock = serde_json::from_str(&text).map_err(|e| {
        TaskError::new(
            ErrorName::Misconfigured,
            format!("the record of account {account}'s Block Public Access is unreadable: {e}"),
        )
    })?;
    let mut out = Outcome::new(step.case.dry_run);
    if read(aws, account).await? == previous {
        out.status = Status::Skipped;
        out.note(format!(
            "account {account}'s Block Public Access is already as recorded"
        ));
        return Ok(out);
    }
    out.act(
        "s3:PutAccountPublicAccessBlock",
        account,
        format!("back to {}", describe_block(&previous)),
    );
    if !step.case.dry_run {
        // None before: four `false` settings have the same effect, and need no delete right.
        let released = RecordedBlock {
            present: true,
            ..previous
        };
        put(aws, account, &released).await?;
        accept(
            aws,
            &step,
            account,
            &serde_json::to_string(&released).expect("serializes"),
        )
        .await?;
        out.note(format!(
            "accepted as legitimate: the recovery leaves account {account}'s Block Public Access so from now on"
        ));
    }
    Ok(out)
}
