//! CloudTrail logging stopped, or a trail updated or deleted: start logging again, record that it
//! was stopped (so a release can stop it again if the stop was legitimate), and say who did it.
//!
//! A deleted trail cannot be restarted: CloudTrail keeps no configuration of it. The step fails
//! with `IR.ResourceNotFound` and the commands that recreate it, so the case says so loudly.

use super::{accept, accepted, item, left_alone, previous};
use crate::aws::Aws;
use crate::cases;
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::tasks::ec2::{Outcome, Status};
use contract::tasks::settings::{
    ConfigRuleInvocation, RuleEvaluation, RuleEvaluations, SettingStep,
};
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
    if let Some(out) = left_alone(aws, &step, &format!("trail {trail}")).await? {
        return Ok(out);
    }
    let mut out = Outcome::new(step.case.dry_run);
    let who = step
        .case
        .actor
        .as_ref()
        .and_then(|a| a.arn.as_deref())
        .unwrap_or("an unknown principal");
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
    if let Some((_, case)) = accepted(aws, &p.case_table, trail).await? {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail}'s stop was accepted by the release of case {case}; left as it is"
        ));
        return Ok(out);
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
    // Only a case that started the trail's logging can stop it again.
    previous(aws, &step, trail, &format!("trail {trail}'s logging")).await?;
    let mut out = Outcome::new(step.case.dry_run);
    match is_logging(aws, trail).await? {
        None => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} no longer exists"));
        }
        Some(false) => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} is already stopped, as recorded"));
            if !step.case.dry_run {
                accept(aws, &step, trail, r#"{"logging":false}"#).await?;
            }
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
                accept(aws, &step, trail, r#"{"logging":false}"#).await?;
                out.note(format!(
                    "accepted as legitimate: the recovery leaves trail {trail} stopped from now on"
                ));
            }
        }
    }
    Ok(out)
}

// --- The AWS Config safety net ---------------------------------------------------------

const TRAIL_TYPE: &str = "AWS::CloudTrail::Trail";

fn evaluation(
    resource_id: &str,
    compliance: &str,
    annotation: impl Into<String>,
) -> RuleEvaluation {
    RuleEvaluation {
        resource_type: TRAIL_TYPE.into(),
        resource_id: resource_id.into(),
        compliance: compliance.into(),
        annotation: annotation.into(),
    }
}

/// One trail's compliance: logging is on.
async fn evaluate(aws: &Aws, resource_id: &str, name: &str) -> Result<RuleEvaluation, TaskError> {
    Ok(match is_logging(aws, name).await? {
        None => evaluation(resource_id, "NOT_APPLICABLE", "the trail no longer exists"),
        Some(true) => evaluation(resource_id, "COMPLIANT", "logging"),
        Some(false) => evaluation(
            resource_id,
            "NON_COMPLIANT",
            "logging is stopped: aws-ir settings-recovery starts it again",
        ),
    })
}

/// Config's invocation of the custom rule: a trail's change, or the periodic run over every
/// trail whose home is this Region. Each result is put to Config with the invocation's token.
pub async fn evaluate_trail_logging(
    aws: &Aws,
    invocation: ConfigRuleInvocation,
) -> Result<RuleEvaluations, TaskError> {
    let event: serde_json::Value = serde_json::from_str(&invocation.invoking_event)
        .map_err(|e| TaskError::invalid_event(format!("invokingEvent is not JSON: {e}")))?;
    let message = event["messageType"].as_str().unwrap_or_default();
    let mut evaluations = Vec::new();
    match message {
        "ConfigurationItemChangeNotification" | "OversizedConfigurationItemChangeNotification" => {
            let item = if event["configurationItem"].is_object() {
                &event["configurationItem"]
            } else {
                &event["configurationItemSummary"]
            };
            let resource_type = item["resourceType"].as_str().unwrap_or_default();
            let resource_id = item["resourceId"].as_str().unwrap_or_default();
            if resource_id.is_empty() {
                return Err(TaskError::invalid_event(format!(
                    "rule {}: the configuration item names no resource",
                    invocation.config_rule_name
                )));
            }
            let status = item["configurationItemStatus"].as_str().unwrap_or("OK");
            if resource_type != TRAIL_TYPE {
                evaluations.push(RuleEvaluation {
                    resource_type: resource_type.into(),
                    ..evaluation(resource_id, "NOT_APPLICABLE", "not a trail")
                });
            } else if invocation.event_left_scope || status.starts_with("ResourceDeleted") {
                evaluations.push(evaluation(
                    resource_id,
                    "NOT_APPLICABLE",
                    "deleted or out of scope",
                ));
            } else {
                let name = item["resourceName"].as_str().unwrap_or(resource_id);
                evaluations.push(evaluate(aws, resource_id, trail_name(name)?).await?);
            }
        }
        "ScheduledNotification" => {
            let region = aws.cloudtrail.config().region().map(|r| r.to_string());
            let mut pages = aws.cloudtrail.list_trails().into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| TaskError::from_sdk(e, "list the trails"))?;
                for t in page.trails() {
                    // A multi-Region trail is evaluated once, in its home Region.
                    if region.is_some() && t.home_region().map(String::from) != region {
                        continue;
                    }
                    let name = t.name().unwrap_or_default();
                    evaluations.push(evaluate(aws, name, name).await?);
                }
            }
        }
        other => {
            return Err(TaskError::invalid_event(format!(
                "rule {}: message type `{other}` is not one AWS Config sends a custom rule",
                invocation.config_rule_name
            )))
        }
    }
    let now = aws_sdk_config::primitives::DateTime::from(std::time::SystemTime::now());
    // PutEvaluations takes at most 100 evaluations per call.
    for chunk in evaluations.chunks(100) {
        let mut request = aws
            .config
            .put_evaluations()
            .result_token(&invocation.result_token);
        for e in chunk {
            request = request.evaluations(
                aws_sdk_config::types::Evaluation::builder()
                    .compliance_resource_type(&e.resource_type)
                    .compliance_resource_id(&e.resource_id)
                    .compliance_type(e.compliance.as_str().into())
                    .annotation(&e.annotation)
                    .ordering_timestamp(now)
                    .build()
                    .map_err(|err| TaskError::invalid_event(format!("evaluation: {err}")))?,
            );
        }
        request.send().await.map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!(
                    "put the evaluations of rule {}",
                    invocation.config_rule_name
                ),
            )
        })?;
    }
    Ok(RuleEvaluations { evaluations })
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
