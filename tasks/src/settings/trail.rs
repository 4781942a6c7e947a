//! CloudTrail logging stopped, or a trail updated or deleted: start logging again, record that it
//! was stopped (so a release can stop it again if the stop was legitimate), and say who did it.
//!
//! A deleted trail is created again from the configuration aws-ir kept of it
//! (`trail_baseline`), tagged with the case, and logs again; a release deletes it again. A trail
//! aws-ir never saw (no configuration kept), or an organization trail (its creation needs the
//! management account's Organizations permissions), fails with `IR.ResourceNotFound` and the
//! exact commands that recreate it, so the case says so loudly.

use super::trail_baseline::{TrailBaseline, RECREATED_BY_TAG};
use super::{accept, accepted, left_alone, not_this_check, previous, record_before, stops_at_plan};
use crate::aws::clients;
use crate::error::TaskError;
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::tasks::outcome::{Outcome, Status};
use contract::tasks::settings::{
    ConfigRuleInvocation, RuleEvaluation, RuleEvaluations, SettingStep,
};
use contract::ErrorName;

/// What a case records before it creates a deleted trail again.
const DELETED: &str = r#"{"deleted":true}"#;
/// What a case records before it starts a stopped trail's logging.
const STOPPED: &str = r#"{"logging":false}"#;

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
async fn is_logging(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    trail: &str,
) -> Result<Option<bool>, TaskError> {
    match cloudtrail.get_trail_status().name(trail).send().await {
        Ok(s) => Ok(Some(s.is_logging().unwrap_or(false))),
        Err(e) if e.code() == Some("TrailNotFoundException") => Ok(None),
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!("read the status of trail {trail}"),
        )),
    }
}

/// A deleted trail aws-ir cannot create again: never seen (nothing kept), or an organization
/// trail. The error carries the commands a responder runs instead.
fn deleted(trail: &str, actor: &str, kept: Option<&TrailBaseline>) -> TaskError {
    let detail = match kept {
        None => format!(
            "aws-ir kept no configuration of it (the Config rule evaluate-trail-logging keeps each trail's when it evaluates it, on every change and hourly; this one was never evaluated), so it cannot be created again: recreate it with `aws cloudtrail create-trail --name {trail} --s3-bucket-name BUCKET --is-multi-region-trail`"
        ),
        Some(b) => format!(
            "it is an organization trail, which aws-ir does not create (that needs the management account's Organizations permissions): recreate it as it was with `{}`",
            b.create_command()
        ),
    };
    TaskError::new(
        ErrorName::ResourceNotFound,
        format!(
            "trail {trail} no longer exists (deleted by {actor}); {detail} and `aws cloudtrail start-logging --name {trail}`"
        ),
    )
}

/// A deleted trail, created again as aws-ir last saw it, logging.
async fn recreate(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    trail: &str,
    who: &str,
) -> Result<Outcome, TaskError> {
    let p = &step.policy;
    let Some((b, seen_at)) = TrailBaseline::kept(dynamodb, &p.case_table, trail).await? else {
        return Err(deleted(trail, who, None));
    };
    let mut out = Outcome::new(step.case.dry_run);
    if !p.exemption_tag.is_empty() && b.tags.contains_key(&p.exemption_tag) {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail} carried the exemption tag {}; its deletion is left as it is",
            p.exemption_tag
        ));
        return Ok(out);
    }
    if let Some((_, case)) = accepted(dynamodb, &p.case_table, trail).await? {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail}'s stop was accepted by the release of case {case}; its deletion is left as it is"
        ));
        return Ok(out);
    }
    if b.is_organization_trail {
        return Err(deleted(trail, who, Some(&b)));
    }
    out.act(
        "cloudtrail:CreateTrail",
        &b.arn,
        format!(
            "deleted by {who}; created again as aws-ir last saw it at {seen_at}: {}",
            b.summary()
        ),
    );
    out.act("cloudtrail:StartLogging", &b.arn, "logging again");
    if stops_at_plan(&mut out, step, "the trail was not created again") {
        return Ok(out);
    }
    record_before(dynamodb, step, trail, "previous", DELETED).await?;
    b.create(cloudtrail, &step.case.case_id).await?;
    start_logging(cloudtrail, trail, &b.arn).await?;
    out.note(format!(
        "undo if the deletion was legitimate (deletes the trail again): irctl start settings-release --case {} --resource {} --reason '...'",
        step.case.case_id, b.arn
    ));
    Ok(out)
}

/// Starts the trail's logging and reads it back.
async fn start_logging(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    trail: &str,
    arn: &str,
) -> Result<(), TaskError> {
    cloudtrail
        .start_logging()
        .name(arn)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("start the logging of trail {trail}")))?;
    if is_logging(cloudtrail, trail).await? != Some(true) {
        return Err(TaskError::new(
            ErrorName::Transient,
            format!("trail {trail} still does not log after StartLogging: check it in the CloudTrail console"),
        ));
    }
    Ok(())
}

clients! {
    /// What restarting a trail calls: the trail (CloudTrail), the kept configuration and the
    /// case's record (DynamoDB), whether the change was aws-ir's own (IAM).
    pub struct RestartTrailClients {
        cloudtrail: aws_sdk_cloudtrail::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        iam: aws_sdk_iam::Client,
    }
}

pub async fn restart_trail_logging(
    aws: &RestartTrailClients,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let trail = trail_name(&step.resource_id)?;
    if let Some(out) = not_this_check(&step, "AwsCloudTrailTrail", &format!("trail {trail}")) {
        return Ok(out);
    }
    if let Some(out) = left_alone(&aws.iam, &step, &format!("trail {trail}")).await? {
        return Ok(out);
    }
    let who = step
        .case
        .actor
        .as_ref()
        .and_then(|a| a.arn.as_deref())
        .unwrap_or("an unknown principal");
    let Some(now) = TrailBaseline::read(&aws.cloudtrail, trail).await? else {
        return recreate(&aws.cloudtrail, &aws.dynamodb, &step, trail, who).await;
    };
    let mut out = Outcome::new(step.case.dry_run);
    let p = &step.policy;
    if !p.exemption_tag.is_empty() && now.tags.contains_key(&p.exemption_tag) {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail} carries the exemption tag {}; left as it is",
            p.exemption_tag
        ));
        return Ok(out);
    }
    // What the owner should check after an UpdateTrail: where the trail writes, and how much.
    out.note(format!(
        "trail {trail} writes to {}; changed by {who}",
        now.summary()
    ));
    let kept = TrailBaseline::kept(&aws.dynamodb, &p.case_table, trail).await?;
    let drift = kept
        .as_ref()
        .map(|(k, _)| k.drift(&now))
        .unwrap_or_default();
    let accepted = accepted(&aws.dynamodb, &p.case_table, trail).await?;
    let start = !now.logging && accepted.is_none();
    if !now.logging {
        if let Some((_, case)) = &accepted {
            out.note(format!(
                "trail {trail}'s stop was accepted by the release of case {case}; left stopped"
            ));
        }
    }
    if let Some((k, seen_at)) = kept.as_ref().filter(|_| !drift.is_empty()) {
        out.act(
            "cloudtrail:UpdateTrail",
            &now.arn,
            format!(
                "{} changed by {who}; put back as aws-ir last saw it at {seen_at}: {}",
                drift.join(", "),
                k.summary()
            ),
        );
    }
    if start {
        out.act(
            "cloudtrail:StartLogging",
            &now.arn,
            format!("logging was stopped by {who}"),
        );
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
        if now.logging && kept.is_some() {
            out.note(format!("trail {trail} is logging, configured as kept"));
        } else if now.logging {
            out.note(format!(
                "trail {trail} is logging; no configuration of it is kept yet to compare with (the Config rule keeps it on its next evaluation)"
            ));
        }
        return Ok(out);
    }
    if stops_at_plan(&mut out, &step, "the trail was not changed") {
        return Ok(out);
    }
    // What a release puts back: the configuration as changed (with its logging status), or
    // just the stop.
    let record = if drift.is_empty() {
        STOPPED.to_string()
    } else {
        serde_json::json!({ "updated": now }).to_string()
    };
    let recorded = record_before(&aws.dynamodb, &step, trail, "previous", &record).await?;
    match &kept {
        Some((k, _)) if !drift.is_empty() => k.update(&aws.cloudtrail, &now).await?,
        // A retry of this case's own re-creation that stopped half-way: its selectors first.
        Some((k, _)) if recorded == DELETED => k.put_selectors(&aws.cloudtrail, Some(&now)).await?,
        _ => {}
    }
    if start {
        start_logging(&aws.cloudtrail, trail, &now.arn).await?;
    }
    out.note(format!(
        "undo if the change was legitimate: irctl start settings-release --case {} --resource {} --reason '...'",
        step.case.case_id, now.arn
    ));
    Ok(out)
}

pub async fn release_trail_logging(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let trail = trail_name(&step.resource_id)?;
    // Only a case that started the trail's logging (or created it again) can undo that.
    let recorded = previous(dynamodb, &step, trail, &format!("trail {trail}'s logging")).await?;
    if recorded == DELETED {
        return delete_again(cloudtrail, dynamodb, &step, trail).await;
    }
    if let Ok(Updated { updated }) = serde_json::from_str::<Updated>(&recorded) {
        return update_again(cloudtrail, dynamodb, &step, trail, updated).await;
    }
    let mut out = Outcome::new(step.case.dry_run);
    match is_logging(cloudtrail, trail).await? {
        None => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} no longer exists"));
        }
        Some(false) => {
            out.status = Status::Skipped;
            out.note(format!("trail {trail} is already stopped, as recorded"));
            if !step.case.dry_run {
                accept(dynamodb, &step, trail, STOPPED).await?;
            }
        }
        Some(true) => {
            out.act(
                "cloudtrail:StopLogging",
                trail,
                "stopped again, as it was before the case",
            );
            if !step.case.dry_run {
                cloudtrail
                    .stop_logging()
                    .name(trail)
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("stop the logging of trail {trail}"))
                    })?;
                accept(dynamodb, &step, trail, STOPPED).await?;
                out.note(format!(
                    "accepted as legitimate: the recovery leaves trail {trail} stopped from now on"
                ));
            }
        }
    }
    Ok(out)
}

/// What a case records before it puts a changed trail back: the trail as changed.
#[derive(serde::Deserialize)]
struct Updated {
    updated: TrailBaseline,
}

/// The release of a trail the case put back: the change is made again (and stopped again, if it
/// was stopped then), and that configuration becomes the one kept, so that neither a re-sent
/// event nor the next evaluation undoes it.
async fn update_again(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    trail: &str,
    changed: TrailBaseline,
) -> Result<Outcome, TaskError> {
    let mut out = Outcome::new(step.case.dry_run);
    let Some(now) = TrailBaseline::read(cloudtrail, trail).await? else {
        out.status = Status::Skipped;
        out.note(format!("trail {trail} no longer exists"));
        return Ok(out);
    };
    let drift = changed.drift(&now);
    if !drift.is_empty() {
        out.act(
            "cloudtrail:UpdateTrail",
            &now.arn,
            format!(
                "{} as changed before the case: {}",
                drift.join(", "),
                changed.summary()
            ),
        );
    }
    let stop = !changed.logging && now.logging;
    if stop {
        out.act(
            "cloudtrail:StopLogging",
            &now.arn,
            "stopped again, as it was before the case",
        );
    }
    if step.case.dry_run {
        return Ok(out);
    }
    if !drift.is_empty() {
        changed.update(cloudtrail, &now).await?;
    }
    if stop {
        cloudtrail
            .stop_logging()
            .name(trail)
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("stop the logging of trail {trail}")))?;
        accept(dynamodb, step, trail, STOPPED).await?;
    }
    if let Some(kept) = TrailBaseline::read(cloudtrail, trail).await? {
        kept.keep(dynamodb, &step.policy.case_table).await?;
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail} is already as it was before the case"
        ));
    } else {
        out.note(format!(
            "accepted as legitimate: trail {trail}'s configuration is kept as it is now"
        ));
    }
    Ok(out)
}

/// The release of a trail the case created again: it is deleted again, if it is still the one
/// this case created (its `aws-ir:recreated-by` tag), and the deletion is accepted.
async fn delete_again(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    trail: &str,
) -> Result<Outcome, TaskError> {
    let mut out = Outcome::new(step.case.dry_run);
    let case = &step.case.case_id;
    let Some(now) = TrailBaseline::read(cloudtrail, trail).await? else {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail} no longer exists, as before the case"
        ));
        if !step.case.dry_run {
            accept(dynamodb, step, trail, DELETED).await?;
        }
        return Ok(out);
    };
    let by = now
        .tags
        .get(RECREATED_BY_TAG)
        .map(String::as_str)
        .unwrap_or("");
    if by != case.as_str() {
        out.status = Status::Skipped;
        out.note(format!(
            "trail {trail} is not the one case {case} created (its {RECREATED_BY_TAG} tag says `{by}`): someone created it since, so it is not deleted"
        ));
        return Ok(out);
    }
    out.act(
        "cloudtrail:DeleteTrail",
        &now.arn,
        "deleted again, as it was before the case",
    );
    if !step.case.dry_run {
        cloudtrail
            .delete_trail()
            .name(trail)
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("delete trail {trail} again")))?;
        accept(dynamodb, step, trail, DELETED).await?;
        out.note(format!(
            "accepted as legitimate: the recovery leaves trail {trail} deleted from now on"
        ));
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

/// One trail's compliance: logging is on. Its configuration is kept in `table` on the way, so
/// that the recovery can create it again once it is deleted.
async fn evaluate(
    cloudtrail: &aws_sdk_cloudtrail::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    resource_id: &str,
    name: &str,
    table: Option<&str>,
) -> Result<RuleEvaluation, TaskError> {
    let logging = match table {
        Some(table) => match TrailBaseline::read(cloudtrail, name).await? {
            Some(b) => {
                b.keep(dynamodb, table).await?;
                Some(b.logging)
            }
            None => None,
        },
        None => is_logging(cloudtrail, name).await?,
    };
    Ok(match logging {
        None => evaluation(resource_id, "NOT_APPLICABLE", "the trail no longer exists"),
        Some(true) => evaluation(resource_id, "COMPLIANT", "logging"),
        Some(false) => evaluation(
            resource_id,
            "NON_COMPLIANT",
            "logging is stopped: aws-ir settings-recovery starts it again",
        ),
    })
}

/// The case table the stack passes the rule (`InputParameters` `{"caseTable": …}`); without
/// it the rule only evaluates.
fn case_table(invocation: &ConfigRuleInvocation) -> Result<Option<String>, TaskError> {
    let Some(text) = invocation.rule_parameters.as_deref() else {
        return Ok(None);
    };
    let parameters: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        TaskError::invalid_event(format!(
            "rule {}: ruleParameters is not JSON ({e}); the stack passes {{\"caseTable\": TABLE}}",
            invocation.config_rule_name
        ))
    })?;
    Ok(parameters["caseTable"]
        .as_str()
        .filter(|t| !t.is_empty())
        .map(String::from))
}

clients! {
    /// What the Config rule calls: the trails (CloudTrail), their kept configurations
    /// (DynamoDB), the evaluations put back (Config).
    pub struct EvaluateTrailClients {
        cloudtrail: aws_sdk_cloudtrail::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        config: aws_sdk_config::Client,
    }
}

/// Config's invocation of the custom rule: a trail's change, or the periodic run over every
/// trail whose home is this Region. Each result is put to Config with the invocation's token.
pub async fn evaluate_trail_logging(
    aws: &EvaluateTrailClients,
    invocation: ConfigRuleInvocation,
) -> Result<RuleEvaluations, TaskError> {
    let event: serde_json::Value = serde_json::from_str(&invocation.invoking_event)
        .map_err(|e| TaskError::invalid_event(format!("invokingEvent is not JSON: {e}")))?;
    let message = event["messageType"].as_str().unwrap_or_default();
    let table = case_table(&invocation)?;
    let table = table.as_deref();
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
                evaluations.push(
                    evaluate(
                        &aws.cloudtrail,
                        &aws.dynamodb,
                        resource_id,
                        trail_name(name)?,
                        table,
                    )
                    .await?,
                );
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
                    evaluations
                        .push(evaluate(&aws.cloudtrail, &aws.dynamodb, name, name, table).await?);
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
