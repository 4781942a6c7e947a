//! The tag guard: `aws-ir:*` tags steer the response (an exclusion, an opt-in, a case's mark),
//! and anyone allowed to tag a resource (a principal, itself) could write one. So a write of
//! such a tag by anyone but aws-ir or a responder the stack names is undone and reported, from
//! CloudTrail's record of the call (which names the caller as AWS authenticated it).
//!
//! The case names one resource per tag the call wrote: `AwsIrTagAdded` /
//! `AwsIrTagRemoved`, id `<kind>/<name>|<key>`, kind `ec2` (any EC2 resource id), `role`,
//! `user`, `bucket` or `trail` (its ARN). An added tag is removed; a removed one is reported
//! (the call does not say what its value was, and aws-ir's own records keep what it wrote).

use super::{left_alone, skipped, stops_at_plan, SettingStep};
use crate::aws::clients;
use crate::error::TaskError;
use contract::tags;
use contract::tasks::outcome::{Outcome, Status};
use contract::trust::Responders;
use contract::ErrorName;

pub const ADDED: &str = "AwsIrTagAdded";
pub const REMOVED: &str = "AwsIrTagRemoved";

/// `(kind, name, key)` of a tag resource id.
pub fn parse(id: &str) -> Result<(&str, &str, &str), TaskError> {
    let bad = || {
        TaskError::invalid_event(format!(
            "`{id}` is not a tag the guard knows (<ec2|role|user|bucket|trail>/<name>|<key>)"
        ))
    };
    let (resource, key) = id.rsplit_once('|').ok_or_else(bad)?;
    let (kind, name) = resource.split_once('/').ok_or_else(bad)?;
    if !matches!(kind, "ec2" | "role" | "user" | "bucket" | "trail")
        || name.is_empty()
        || !key.starts_with(tags::PREFIX)
    {
        return Err(bad());
    }
    Ok((kind, name, key))
}

clients! {
    /// What the tag guard calls: whether the writer was aws-ir (IAM), and the tagged
    /// resource's own service (EC2, IAM, CloudTrail or S3) to remove the tag.
    pub struct GuardTagsClients {
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        cloudtrail: aws_sdk_cloudtrail::Client,
        s3: aws_sdk_s3::Client,
    }
}

async fn remove(
    aws: &GuardTagsClients,
    kind: &str,
    name: &str,
    key: &str,
) -> Result<(), TaskError> {
    let what = format!("remove tag {key} from {kind} {name}");
    match kind {
        "ec2" => aws
            .ec2
            .delete_tags()
            .resources(name)
            .tags(aws_sdk_ec2::types::Tag::builder().key(key).build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| TaskError::from_sdk(e, &what)),
        "role" => aws
            .iam
            .untag_role()
            .role_name(name)
            .tag_keys(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| TaskError::from_sdk(e, &what)),
        "user" => aws
            .iam
            .untag_user()
            .user_name(name)
            .tag_keys(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| TaskError::from_sdk(e, &what)),
        "trail" => aws
            .cloudtrail
            .remove_tags()
            .resource_id(name)
            .tags_list(
                aws_sdk_cloudtrail::types::Tag::builder()
                    .key(key)
                    .build()
                    .map_err(|e| TaskError::new(ErrorName::InvalidEvent, format!("{what}: {e}")))?,
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| TaskError::from_sdk(e, &what)),
        _ => {
            // A bucket's tags are rewritten whole: read, drop the key, write back.
            let current = match aws.s3.get_bucket_tagging().bucket(name).send().await {
                Ok(t) => t.tag_set().to_vec(),
                Err(e)
                    if aws_sdk_s3::error::ProvideErrorMetadata::code(&e)
                        == Some("NoSuchTagSet") =>
                {
                    Vec::new()
                }
                Err(e) => return Err(TaskError::from_sdk(e, &what)),
            };
            if !current.iter().any(|t| t.key() == key) {
                return Ok(());
            }
            let kept: Vec<_> = current.into_iter().filter(|t| t.key() != key).collect();
            let tagging = aws_sdk_s3::types::Tagging::builder()
                .set_tag_set(Some(kept))
                .build()
                .map_err(|e| TaskError::new(ErrorName::InvalidEvent, format!("{what}: {e}")))?;
            aws.s3
                .put_bucket_tagging()
                .bucket(name)
                .tagging(tagging)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| TaskError::from_sdk(e, &what))
        }
    }
}

pub async fn guard_aws_ir_tags(
    aws: &GuardTagsClients,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let (kind, name, key) = parse(&step.resource_id)?;
    let added = step
        .case
        .resources
        .iter()
        .any(|r| r.id == step.resource_id && r.resource_type == ADDED);
    let what = format!("tag {key} on {kind} {name}");
    if let Some(out) = left_alone(&aws.iam, &step, &what).await? {
        return Ok(out);
    }
    let actor = step.case.actor_arn().to_string();
    if let Some(entry) = Responders::parse(&step.policy.responders).admitting(&actor) {
        return Ok(skipped(format!(
            "{what} was written by responder {actor} ({entry}); kept"
        )));
    }
    let by = if actor.is_empty() {
        "an unknown principal".to_string()
    } else {
        actor.clone()
    };
    let mut out = Outcome::new(step.case.dry_run);
    if !added {
        out.status = Status::Skipped;
        out.note(format!(
            "{by}, neither aws-ir nor a responder, removed {what}: reported (the call does not say what it held; aws-ir's own records keep what it wrote)"
        ));
        return Ok(out);
    }
    out.note(format!(
        "{by}, neither aws-ir nor a responder, wrote {what}: an aws-ir tag steers the response (exclusions, opt-ins), and a principal may tag itself"
    ));
    out.act(
        match kind {
            "ec2" => "ec2:DeleteTags",
            "role" => "iam:UntagRole",
            "user" => "iam:UntagUser",
            "trail" => "cloudtrail:RemoveTags",
            _ => "s3:PutBucketTagging",
        },
        name,
        format!("remove {key}"),
    );
    if stops_at_plan(&mut out, &step, &format!("{what} is left in place")) {
        return Ok(out);
    }
    remove(aws, kind, name, key).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_ids_name_the_resource_and_an_aws_ir_key() {
        assert_eq!(
            parse("role/app|aws-ir:exclude").unwrap(),
            ("role", "app", "aws-ir:exclude")
        );
        assert_eq!(
            parse("trail/arn:aws:cloudtrail:us-east-1:1:trail/t|aws-ir:exempt").unwrap(),
            (
                "trail",
                "arn:aws:cloudtrail:us-east-1:1:trail/t",
                "aws-ir:exempt"
            )
        );
        for bad in [
            "role/app|Name",
            "pod/x|aws-ir:a",
            "role/|aws-ir:a",
            "role/app",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
