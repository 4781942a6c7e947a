//! Record the case: one line per instance for people, the full report (every step's outcome,
//! from the case table) for the evidence bucket, and the record item in the case table.
//!
//! Each instance of the Map ends with a compact `{instance_id, status, detail}`, so the
//! execution's payload stays small however many instances a finding names; the details live in
//! the case table, written by the steps themselves.

use crate::cases;
use crate::error::TaskError;
use contract::tasks::ec2::{CaseRecord, RecordCaseInput};
use serde_json::Value;

/// `(line, status)` for one instance's compact result.
pub fn line(item: &Value, dry_run: bool) -> (String, String) {
    let id = item["instance_id"].as_str().unwrap_or("?");
    let status = item["status"].as_str().unwrap_or("unknown");
    let detail = item["detail"].as_str().unwrap_or("");
    let status = if dry_run && matches!(status, "contained" | "incomplete") {
        "planned"
    } else {
        status
    };
    let text = if detail.is_empty() {
        format!("{id}: {status}")
    } else {
        format!("{id}: {status}: {detail}")
    };
    (text, status.to_string())
}

pub fn overall(statuses: &[String], dry_run: bool) -> String {
    let contained = statuses.iter().filter(|s| *s == "contained").count();
    if dry_run {
        "planned".into()
    } else if contained == 0 {
        "nothing contained".into()
    } else if contained == statuses.len() {
        "contained".into()
    } else {
        "partially contained".into()
    }
}

/// Every action and note recorded on an instance's item, one line each (`plan_*` in a dry run).
pub fn action_lines(
    item: &std::collections::HashMap<String, String>,
    dry_run: bool,
) -> Vec<String> {
    // `instance#ID` here; the credentials playbook's `principal#ID` items read the same way.
    let Some(instance) = item
        .get("item")
        .and_then(|i| i.split_once('#').map(|(_, id)| id))
    else {
        return Vec::new();
    };
    let prefix = if dry_run { "plan_" } else { "step_" };
    let mut steps: Vec<(&String, &String)> =
        item.iter().filter(|(k, _)| k.starts_with(prefix)).collect();
    steps.sort();
    let mut out = Vec::new();
    for (key, text) in steps {
        let step = &key[prefix.len()..];
        let Ok(v) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        for a in v["actions"].as_array().into_iter().flatten() {
            out.push(format!(
                "{instance} {step}: {} {} ({})",
                a["call"].as_str().unwrap_or("?"),
                a["target"].as_str().unwrap_or("?"),
                a["detail"].as_str().unwrap_or("")
            ));
        }
        for n in v["notes"].as_array().into_iter().flatten() {
            out.push(format!(
                "{instance} {step}: note: {}",
                n.as_str().unwrap_or("")
            ));
        }
        // Capture results have a status and a reason instead.
        if let (Some(st), Some(reason)) = (v["status"].as_str(), v["reason"].as_str()) {
            out.push(format!("{instance} {step}: {st}: {reason}"));
        }
    }
    out
}

pub async fn handle(
    dynamodb: &aws_sdk_dynamodb::Client,
    s3: &aws_sdk_s3::Client,
    input: RecordCaseInput,
    now: &str,
) -> Result<CaseRecord, TaskError> {
    let dry_run = input.case.dry_run;
    let (lines, statuses): (Vec<String>, Vec<String>) =
        input.instances.iter().map(|i| line(i, dry_run)).unzip();
    let status = overall(&statuses, dry_run);
    let execution = input.execution.rsplit(':').next().unwrap_or("execution");
    let key = format!("cases/{}/report-{execution}.json", input.case.case_id);
    let location = format!("s3://{}/{key}", input.policy.evidence_bucket);
    let items = cases::items(dynamodb, &input.policy.case_table, &input.case.case_id).await?;
    let actions: Vec<String> = items
        .iter()
        .flat_map(|i| action_lines(i, dry_run))
        .collect();
    // The table item (at most 400 KB) and the execution's state get an excerpt; the report
    // keeps every line.
    let whole = if dry_run {
        "a dry run writes no report".to_string()
    } else {
        location.clone()
    };
    let excerpt = contract::excerpt(actions.clone(), &whole);
    if !dry_run {
        let details: Vec<Value> = items
            .iter()
            .map(|i| {
                Value::Object(
                    i.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                serde_json::from_str(v)
                                    .unwrap_or_else(|_| Value::String(v.clone())),
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        let report = serde_json::json!({
            "case": input.case,
            "status": status,
            "summary": lines,
            "actions": actions,
            "recorded_at": now,
            "execution": input.execution,
            "instances": details,
        });
        // The report first: the record names it.
        s3.put_object()
            .bucket(&input.policy.evidence_bucket)
            .key(&key)
            .content_type("application/json")
            .body(
                serde_json::to_vec_pretty(&report)
                    .expect("report serializes")
                    .into(),
            )
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("write the report to {location}")))?;
        cases::put_record(
            dynamodb,
            &input.policy.case_table,
            &input.case.case_id,
            &serde_json::json!({"status": status, "summary": lines, "actions": excerpt, "report": location, "recorded_at": now, "execution": input.execution}),
        )
        .await?;
    }
    Ok(CaseRecord {
        status,
        summary: contract::excerpt(lines, &whole),
        actions: excerpt,
        report: if dry_run { String::new() } else { location },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_and_overall_status() {
        let items = [
            json!({"instance_id": "i-1", "status": "contained", "detail": "volatile evidence: captured"}),
            json!({"instance_id": "i-2", "status": "skipped", "detail": "the instance carries the exclusion tag aws-ir:exclude"}),
        ];
        let (lines, statuses): (Vec<String>, Vec<String>) =
            items.iter().map(|i| line(i, false)).unzip();
        assert_eq!(
            lines[1],
            "i-2: skipped: the instance carries the exclusion tag aws-ir:exclude"
        );
        assert_eq!(overall(&statuses, false), "partially contained");
        assert_eq!(overall(&statuses[..1], false), "contained");
        assert_eq!(overall(&statuses[1..], false), "nothing contained");
        let (l, s) = line(&items[0], true);
        assert_eq!(
            (l.as_str(), s.as_str()),
            ("i-1: planned: volatile evidence: captured", "planned")
        );
    }
}
