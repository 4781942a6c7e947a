//! CloudTrail logging stopped, or a trail updated or deleted: start logging again, record that it
//! was stopped (so a release can stop it again if the stop was legitimate), and say who did it.
//!
//! A deleted trail cannot be restarted: CloudTrail keeps no configuration of it. The step fails
//! with `IR.ResourceNotFound` and the commands that recreate it, so the case says so loudly.

use super::{item, own_role};
use crate::aws::Aws;
use crate::cases;
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::tasks::ec2::{Outcome, Status};
use contract::tasks::settings::SettingStep;
use contract::ErrorName;

/// The trail's name from a name or an ARN (`arn:…:cloudtrail:REGION:ACCOUNT:trail/NAME`).
pub fn trail_name(id: &str) -> Result<&str, TaskError> {
    let name = match id.strip_prefix("arn:") {
        Some(_) => match id.split_once(":trail/") {
            Some((head, name)) if head.contains(":cloudtrail:") => name,
            _ => "",
        },
        None => id,
    };
    // CloudTrail API Reference, CreateTrail `Name`: 3–128 characters, letters, digits,
    // periods, underscores and dashes, starting with a letter or digit.
    let ok = (3..=128).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(TaskError::invalid_event(format!(
            "`{id}` is not a CloudTrail trail name or ARN (arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME)"
        )))
    }
}

/// Whether the trail logs now; `None` when it no longer exists.
async fn is_logging(aws: &Aws, trail: &str) -> Result<Option<bool>, TaskError> {
    match aws.cloudtrail.get_trail_status().name(trail).send().await {
        Ok(s) => Ok(Some(s.is_logging().unwrap_or(false))),
        Err(e) if e.code() == Some("TrailNotFoundException") => Ok(None),
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("read the status of trail {trail}"),
        )),
    }
}

fn deleted(trail: &str, actor: &str) -> TaskError {
    TaskError::new(
        ErrorName::ResourceNotFound,
        format!(
            "trail {trail} no longer exists (deleted by {actor}); CloudTrail keeps no configuration of a deleted trail, so it cannot be restarted: recreate it with `aws cloudtrail create-trail --name {trail} --s3-bucket-name BUCKET --is-multi-region-trail` and `aws cloudtrail start-logging --name {trail}`"
        ),
    )
}

pub async fn restart_trail_logging(aws: &Aws, step: SettingStep) -> Result<Outcome, TaskError> {
    let trail = trail_name(&step.resource_id)?;
    let mut out = Outcome::new(step.case.dry_run);
    let actor = step.case.actor.as_ref().and_then(|a| a.arn.as_deref());
    if let Some(role) = own_role(aws, actor).await? {
        out.status = Status::Skipped;
        out.note(format!(
            "the change to trail {trail} was made by aws-ir itself (role {role}); not reverted"
        ));
        return Ok(out);
    }
    let who = actor.unwrap_or("an unknown principal");
    let got = match aws.cloudtrail.get_trail().name(trail).send().await {
        Ok(got) => got,
        Err(e) if e.code() == Some("TrailNotFoundException") => return Err(deleted(trail, who)),
        Err(e) => return Err(TaskError::from_sdk(e, &format!("read trail {trail}"))),
    };
    let Some(t) = got.trail() else {
        return Err(deleted(trail, who));
    };
    let arn = t.trail_arn().unwrap_or(trail).to_string();
    let p = &step.policy;
    if !p.exemption_tag.is_empty() {
        let tags = aws
            .cloudtrail
            .list_tags()
            .resource_id_list(&arn)
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("read the tags of trail {trail}")))?;
        let exempt = tags
            .resource_tag_list()
            .iter()
            .flat_map(|r| r.tags_list())
            .any(|t| t.key() == p.exemption_tag);
        if exempt {
            out.status = Status::Skipped;
            out.note(format!(
                "trail {trail} carries the exemption tag {}; left as it is",
                p.exemption_tag
            ));
            return Ok(out);
        }
    }
    // What the owner should check after an UpdateTrail: where the trail writes, and how much.
    out.note(format!(
        "trail {trail} writes to s3://{} (multi-region: {}, log file validation: {}); changed by {who}",
        t.s3_bucket_name().unwrap_or("?"),
        t.is_multi_region_trail().unwrap_or(false),
        t.log_file_validation_enabled().unwrap_or(false),
    ));
    match is_logging(aws, trail).await? {
        None => return Err(deleted(trail, who)),
        Some(true) => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} is logging"));
            return Ok(out);
        }
        Some(false) => {}
    }
    out.act(
        "cloudtrail:StartLogging",
        &arn,
        format!("logging was stopped by {who}"),
    );
    if !p.recover {
        out.status = Status::Skipped;
        out.note("policy is detect-only (Recover=false): logging was not started".to_string());
        return Ok(out);
    }
    if step.case.dry_run {
        return Ok(out);
    }
    cases::keep_first(
        &aws.dynamodb,
        &p.case_table,
        &step.case.case_id,
        &item(trail),
        "previous",
        r#"{"logging":false}"#,
    )
    .await?;
    aws.cloudtrail
        .start_logging()
        .name(&arn)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("start the logging of trail {trail}")))?;
    if is_logging(aws, trail).await? != Some(true) {
        return Err(TaskError::new(
            ErrorName::Transient,
            format!("trail {trail} still does not log after StartLogging: check it in the CloudTrail console"),
        ));
    }
    out.note(format!(
        "undo if the stop was legitimate: irctl start settings-release --case {} --resource {arn} --reason '...'",
        step.case.case_id
    ));
    Ok(out)
}

pub async fn release_trail_logging(aws: &Aws, step: SettingStep) -> Result<Outcome, TaskError> {
    let trail = trail_name(&step.resource_id)?;
    let recorded = cases::get(
        &aws.dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item(trail),
    )
    .await?
    .is_some_and(|i| i.contains_key("previous"));
    if !recorded {
        return Err(TaskError::new(
            ErrorName::ResourceNotFound,
            format!(
                "case {} started no logging on trail {trail}: nothing to release",
                step.case.case_id
            ),
        ));
    }
    let mut out = Outcome::new(step.case.dry_run);
    match is_logging(aws, trail).await? {
        None => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} no longer exists"));
        }
        Some(false) => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} is already stopped, as recorded"));
        }
        Some(true) => {
            out.act(
                "cloudtrail:StopLogging",
                trail,
                "stopped again, as it was before the case",
            );
            if !step.case.dry_run {
                aws.cloudtrail
                    .stop_logging()
                    .name(trail)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("stop the logging of trail {trail}"))
                    })?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trail_names_and_arns_are_read() {
        assert_eq!(
            trail_name("management-events").unwrap(),
            "management-events"
        );
        assert_eq!(
            trail_name("arn:aws:cloudtrail:us-east-1:123456789012:trail/org.trail_1").unwrap(),
            "org.trail_1"
        );
        assert!(trail_name("arn:aws:s3:::bucket/trail/x").is_err());
        assert!(trail_name("ab").is_err());
        assert!(trail_name("-starts-with-dash").is_err());
        assert!(trail_name("has space").is_err());
    }
}
