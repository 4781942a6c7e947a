//! Record a credentials case: one line per principal for people (with its release command),
//! every call and note from the case table, and the record item in the case table.

use crate::cases;
use crate::ec2::record::action_lines;
use crate::error::TaskError;
use contract::case_table;
use contract::tasks::credentials::RecordCredentialsInput;
use contract::tasks::ec2::CaseRecord;
use serde_json::Value;

/// `(line, status)` for one principal's compact result.
pub fn line(item: &Value, dry_run: bool) -> (String, String) {
    let text = |k: &str| item[k].as_str().unwrap_or_default().to_string();
    let mut status = text("status");
    if dry_run && status == "contained" {
        status = "planned".into();
    }
    let mut line = format!("{} ({}): {status}", text("principal"), text("kind"));
    for (key, label) in [("detail", ""), ("release", "release with: ")] {
        let value = text(key);
        if !value.is_empty() {
            line.push_str(&format!("; {label}{value}"));
        }
    }
    (line, status)
}

pub fn overall(statuses: &[String], dry_run: bool) -> String {
    let contained = statuses.iter().filter(|s| *s == "contained").count();
    if dry_run {
        "planned".into()
    } else if contained == 0 {
        "nothing cut off".into()
    } else if contained == statuses.len() {
        "cut off".into()
    } else {
        "partially cut off".into()
    }
}

pub async fn handle(
    dynamodb: &aws_sdk_dynamodb::Client,
    input: RecordCredentialsInput,
    now: &str,
) -> Result<CaseRecord, TaskError> {
    let dry_run = input.case.dry_run;
    let (summary, statuses): (Vec<String>, Vec<String>) =
        input.principals.iter().map(|p| line(p, dry_run)).unzip();
    let status = overall(&statuses, dry_run);
    let table = &input.policy.case_table;
    let items = cases::items(dynamodb, table, &input.case.case_id).await?;
    let actions: Vec<String> = items
        .iter()
        .filter(|i| {
            i.get(case_table::SORT_KEY)
                .is_some_and(|k| k.starts_with(case_table::item::PRINCIPAL_PREFIX))
        })
        .flat_map(|i| action_lines(i, dry_run))
        .collect();
    if !dry_run {
        cases::put_record(
            dynamodb,
            table,
            &input.case.case_id,
            &serde_json::json!({"status": status, "summary": summary, "actions": actions, "recorded_at": now, "execution": input.execution}),
        )
        .await?;
    }
    Ok(CaseRecord {
        status,
        summary,
        actions,
        report: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_line_per_principal_with_its_release_command() {
        let cut = json!({"principal": "key/AKIA1", "kind": "access-key", "status": "contained", "release": "irctl start credentials-release --case c --access-key AKIA1 --reason '...'"});
        let (text, status) = line(&cut, false);
        assert_eq!(status, "contained");
        assert!(
            text.starts_with("key/AKIA1 (access-key): contained; release with: irctl"),
            "{text}"
        );
        let skipped = json!({"principal": "role/x", "kind": "role", "status": "skipped", "detail": "break-glass"});
        assert_eq!(
            line(&skipped, false).0,
            "role/x (role): skipped; break-glass"
        );
        assert_eq!(line(&cut, true).1, "planned");
        assert_eq!(
            overall(&["contained".into(), "skipped".into()], false),
            "partially cut off"
        );
        assert_eq!(overall(&["skipped".into()], false), "nothing cut off");
    }
}
