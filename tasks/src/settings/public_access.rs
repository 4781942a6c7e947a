//! S3 Block Public Access, on a bucket (S3) or on the whole account (S3 Control, which overrides
//! every bucket's): put all four settings back on after recording what they were, and on
//! release put back exactly that and accept it. The two differ only in where the setting is
//! read and written, and a bucket can carry the exemption tag (an account cannot: it is
//! exempted by `ExemptAccounts`).

use super::{accept, accepted, left_alone, not_this_check, previous, record_before, stops_at_plan};
use crate::aws::clients;
use crate::error::TaskError;
use aws_sdk_s3::error::ProvideErrorMetadata;
use contract::tasks::outcome::{Outcome, Status};
use contract::tasks::settings::{RecordedBlock, SettingStep};
use contract::ErrorName;

/// Where a Block Public Access setting lives, with the client that reads and writes it there.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Bucket(&'a aws_sdk_s3::Client, &'a str),
    Account(&'a aws_sdk_s3control::Client, &'a str),
}

/// The four settings as either API reports them (they are the same shape in both).
macro_rules! recorded {
    ($c:expr) => {{
        let c = $c;
        RecordedBlock {
            present: true,
            block_public_acls: c.and_then(|c| c.block_public_acls()).unwrap_or(false),
            ignore_public_acls: c.and_then(|c| c.ignore_public_acls()).unwrap_or(false),
            block_public_policy: c.and_then(|c| c.block_public_policy()).unwrap_or(false),
            restrict_public_buckets: c.and_then(|c| c.restrict_public_buckets()).unwrap_or(false),
        }
    }};
}

/// A configuration for either API from a record.
macro_rules! configuration {
    ($t:ty, $b:expr) => {{
        let b = $b;
        <$t>::builder()
            .block_public_acls(b.block_public_acls)
            .ignore_public_acls(b.ignore_public_acls)
            .block_public_policy(b.block_public_policy)
            .restrict_public_buckets(b.restrict_public_buckets)
            .build()
    }};
}

impl Target<'_> {
    fn id(&self) -> &str {
        match self {
            Target::Bucket(_, id) | Target::Account(_, id) => id,
        }
    }

    fn what(&self) -> String {
        match self {
            Target::Bucket(_, b) => format!("bucket {b}'s Block Public Access"),
            Target::Account(_, a) => format!("account {a}'s S3 Block Public Access"),
        }
    }

    /// The call, as IAM and CloudTrail name it.
    fn call(&self) -> &'static str {
        match self {
            Target::Bucket(..) => "s3:PutBucketPublicAccessBlock",
            Target::Account(..) => "s3:PutAccountPublicAccessBlock",
        }
    }

    /// How `irctl start settings-release --resource` names it.
    fn release_resource(&self) -> String {
        match self {
            Target::Bucket(_, b) => format!("s3://{b}"),
            Target::Account(_, a) => format!("account/{a}"),
        }
    }

    fn check(&self) -> Result<(), TaskError> {
        let ok = match self {
            Target::Bucket(_, name) => {
                (3..=63).contains(&name.len())
                    && name.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
                    })
            }
            Target::Account(_, id) => id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()),
        };
        if ok {
            return Ok(());
        }
        Err(TaskError::invalid_event(match self {
            Target::Bucket(_, name) => format!("`{name}` is not an S3 bucket name"),
            Target::Account(_, id) => format!("`{id}` is not an AWS account id (12 digits)"),
        }))
    }

    /// The setting now (`present: false` when there is none).
    async fn read(&self) -> Result<RecordedBlock, TaskError> {
        let none = |code: Option<&str>| code == Some("NoSuchPublicAccessBlockConfiguration");
        let failed = format!("read {}", self.what());
        match self {
            Target::Bucket(s3, b) => match s3.get_public_access_block().bucket(*b).send().await {
                Ok(got) => Ok(recorded!(got.public_access_block_configuration())),
                Err(e) if none(e.code()) => Ok(RecordedBlock::default()),
                Err(e) => Err(TaskError::from_sdk(e, &failed)),
            },
            Target::Account(s3control, a) => {
                match s3control
                    .get_public_access_block()
                    .account_id(*a)
                    .send()
                    .await
                {
                    Ok(got) => Ok(recorded!(got.public_access_block_configuration())),
                    Err(e) if none(e.code()) => Ok(RecordedBlock::default()),
                    Err(e) => Err(TaskError::from_sdk(e, &failed)),
                }
            }
        }
    }

    async fn write(&self, b: &RecordedBlock) -> Result<(), TaskError> {
        let failed = format!("set {}", self.what());
        match self {
            Target::Bucket(s3, bucket) => s3
                .put_public_access_block()
                .bucket(*bucket)
                .public_access_block_configuration(configuration!(
                    aws_sdk_s3::types::PublicAccessBlockConfiguration,
                    b
                ))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &failed)),
            Target::Account(s3control, account) => s3control
                .put_public_access_block()
                .account_id(*account)
                .public_access_block_configuration(configuration!(
                    aws_sdk_s3control::types::PublicAccessBlockConfiguration,
                    b
                ))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &failed)),
        }
    }
}

const ALL_BLOCKED: RecordedBlock = RecordedBlock {
    present: true,
    block_public_acls: true,
    ignore_public_acls: true,
    block_public_policy: true,
    restrict_public_buckets: true,
};

fn describe(b: &RecordedBlock) -> String {
    if !b.present {
        return "no configuration".into();
    }
    format!(
        "BlockPublicAcls={}, IgnorePublicAcls={}, BlockPublicPolicy={}, RestrictPublicBuckets={}",
        b.block_public_acls, b.ignore_public_acls, b.block_public_policy, b.restrict_public_buckets
    )
}

/// All four settings back on, the previous ones recorded first; an accepted setting, one
/// already all on, or a detect-only policy is a recorded skip.
async fn restore(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    target: Target<'_>,
) -> Result<Outcome, TaskError> {
    let (what, p) = (target.what(), &step.policy);
    let mut out = Outcome::new(step.case.dry_run);
    let now = target.read().await?;
    if let Some((json, case)) = accepted(dynamodb, &p.case_table, target.id()).await? {
        if serde_json::from_str::<RecordedBlock>(&json).ok().as_ref() == Some(&now) {
            out.status = Status::Skipped;
            out.note(format!(
                "{what} ({}) was accepted by the release of case {case}; left as it is",
                describe(&now)
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
        target.call(),
        target.id(),
        format!("all four settings on (were: {})", describe(&now)),
    );
    if stops_at_plan(&mut out, step, "nothing was changed") {
        return Ok(out);
    }
    let json = serde_json::to_string(&now).expect("serializes");
    record_before(dynamodb, step, target.id(), "previous", &json).await?;
    target.write(&ALL_BLOCKED).await?;
    out.note(format!(
        "undo if the change was legitimate: irctl start settings-release --case {} --resource {} --reason '...'",
        step.case.case_id,
        target.release_resource()
    ));
    Ok(out)
}

/// Back to what the case recorded, then accepted: the recovery leaves it so from now on.
async fn release(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    target: Target<'_>,
) -> Result<Outcome, TaskError> {
    target.check()?;
    let what = target.what();
    let text = previous(dynamodb, step, target.id(), &what).await?;
    let previous: RecordedBlock = serde_json::from_str(&text).map_err(|e| {
        TaskError::new(
            ErrorName::Misconfigured,
            format!("the record of {what} is unreadable: {e}"),
        )
    })?;
    let mut out = Outcome::new(step.case.dry_run);
    if target.read().await? == previous {
        out.status = Status::Skipped;
        out.note(format!("{what} is already as recorded"));
        return Ok(out);
    }
    out.act(
        target.call(),
        target.id(),
        format!("back to {}", describe(&previous)),
    );
    if !previous.present {
        // Four `false` settings have the same effect as none, and need no delete right.
        out.note(format!("{what} had no configuration: it now has one with all four settings off, which has the same effect"));
    }
    if !step.case.dry_run {
        let released = RecordedBlock {
            present: true,
            ..previous
        };
        target.write(&released).await?;
        accept(
            dynamodb,
            step,
            target.id(),
            &serde_json::to_string(&released).expect("serializes"),
        )
        .await?;
        out.note(format!(
            "accepted as legitimate: the recovery leaves {what} so from now on"
        ));
    }
    Ok(out)
}

clients! {
    /// What blocking a bucket's public access calls: the bucket (S3), whether the change was
    /// aws-ir's own (IAM), the case's record (DynamoDB).
    pub struct BlockBucketClients {
        s3: aws_sdk_s3::Client,
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

pub async fn block_bucket_public_access(
    aws: &BlockBucketClients,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let bucket = step.resource_id.as_str();
    let target = Target::Bucket(&aws.s3, bucket);
    target.check()?;
    if let Some(out) = not_this_check(&step, "AwsS3Bucket", &format!("bucket {bucket}")) {
        return Ok(out);
    }
    if let Some(out) = left_alone(&aws.iam, &step, &format!("bucket {bucket}")).await? {
        return Ok(out);
    }
    let tag = &step.policy.exemption_tag;
    let tags: Vec<String> = match aws.s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(t) => t.tag_set().iter().map(|t| t.key().to_string()).collect(),
        Err(e) if e.code() == Some("NoSuchTagSet") => Vec::new(),
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("read the tags of bucket {bucket}"),
            ))
        }
    };
    if !tag.is_empty() && tags.contains(tag) {
        let mut out = Outcome::new(step.case.dry_run);
        out.status = Status::Skipped;
        out.note(format!(
            "bucket {bucket} carries the exemption tag {tag}; left as it is"
        ));
        return Ok(out);
    }
    restore(&aws.dynamodb, &step, target).await
}

pub async fn release_bucket_public_access(
    s3: &aws_sdk_s3::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    release(dynamodb, &step, Target::Bucket(s3, &step.resource_id)).await
}

clients! {
    /// What blocking the account's public access calls: the account's setting (S3 Control),
    /// whether the change was aws-ir's own (IAM), the case's record (DynamoDB).
    pub struct BlockAccountClients {
        s3control: aws_sdk_s3control::Client,
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

pub async fn block_account_public_access(
    aws: &BlockAccountClients,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let account = step.resource_id.as_str();
    let target = Target::Account(&aws.s3control, account);
    target.check()?;
    let what = target.what();
    if let Some(out) = not_this_check(&step, "AwsS3AccountPublicAccessBlock", &what) {
        return Ok(out);
    }
    if let Some(out) = left_alone(&aws.iam, &step, &what).await? {
        return Ok(out);
    }
    restore(&aws.dynamodb, &step, target).await
}

pub async fn release_account_public_access(
    s3control: &aws_sdk_s3control::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    release(
        dynamodb,
        &step,
        Target::Account(s3control, &step.resource_id),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_any_call() {
        const NONE: [&aws_smithy_mocks::Rule; 0] = [];
        let s3 = &aws_smithy_mocks::mock_client!(aws_sdk_s3, NONE);
        let s3control = &aws_smithy_mocks::mock_client!(aws_sdk_s3control, NONE);
        assert!(Target::Bucket(s3, "acme-exports.prod").check().is_ok());
        assert!(Target::Bucket(s3, "Acme_Exports").check().is_err());
        assert!(Target::Account(s3control, "123456789012").check().is_ok());
        assert!(Target::Account(s3control, "12345").check().is_err());
        assert_eq!(
            Target::Account(s3control, "123456789012").release_resource(),
            "account/123456789012"
        );
    }

    #[test]
    fn a_record_reads_as_people_write_it() {
        assert_eq!(describe(&RecordedBlock::default()), "no configuration");
        assert!(describe(&ALL_BLOCKED).starts_with("BlockPublicAcls=true"));
    }
}
