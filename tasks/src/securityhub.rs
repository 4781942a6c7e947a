//! Security Hub: after a playbook has acted, the finding that started it says so
//! (`BatchUpdateFindings`: workflow NOTIFIED and a note with what was done), so the analyst
//! working Security Hub sees the response where they triage.
//!
//! NOTIFIED, not RESOLVED: the automation has acted and told the owner; a human closes the
//! finding. Security Hub sends the update to EventBridge as "Findings - Imported"; every aws-ir
//! Security Hub rule matches only `Workflow.Status: NEW`, so the update starts nothing again.

use aws_sdk_securityhub::types::{
    AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate,
};
use contract::case::Case;

/// AWS doc: Security Hub API Reference, NoteUpdate: `Text` and `UpdatedBy` at most 512 characters.
const MAX_NOTE: usize = 512;

/// The note put on the finding: the case, and what the playbook concluded.
pub fn note(case: &Case, summary: &str) -> String {
    let text = format!("aws-ir case {}: {summary}", case.case_id);
    if text.chars().count() <= MAX_NOTE {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_NOTE - 1).collect();
    cut.push('…');
    cut
}

/// Updates the case's Security Hub findings; returns what happened, one line per finding, for
/// the record. Never fails the step: the notification has gone out already, and a hub that is
/// not enabled, or a finding archived meanwhile, must not hide that.
pub async fn update_findings(
    client: &aws_sdk_securityhub::Client,
    case: &Case,
    summary: &str,
    updated_by: &str,
) -> Vec<String> {
    if case.security_hub.is_empty() {
        return Vec::new();
    }
    if case.sample || case.dry_run {
        return vec![format!(
            "Security Hub finding(s) not updated: {}",
            if case.sample { "a sample" } else { "dry run" }
        )];
    }
    let mut request = client
        .batch_update_findings()
        .workflow(
            WorkflowUpdate::builder()
                .status(WorkflowStatus::Notified)
                .build(),
        )
        .note(
            NoteUpdate::builder()
                .text(note(case, summary))
                .updated_by(updated_by)
                .build(),
        );
    for f in &case.security_hub {
        request = request.finding_identifiers(
            AwsSecurityFindingIdentifier::builder()
                .id(&f.finding_id)
                .product_arn(&f.product_arn)
                .build(),
        );
    }
    match request.send().await {
        Ok(out) => {
            let mut lines: Vec<String> = out
                .processed_findings()
                .iter()
                .map(|f| {
                    format!(
                        "Security Hub finding {} set to NOTIFIED with a note",
                        f.id().unwrap_or("?")
                    )
                })
                .collect();
            lines.extend(out.unprocessed_findings().iter().map(|u| {
                format!(
                    "Security Hub finding {} not updated: {} ({})",
                    u.finding_identifier().and_then(|f| f.id()).unwrap_or("?"),
                    u.error_code().unwrap_or("?"),
                    u.error_message().unwrap_or("?")
                )
            }));
            lines
        }
        Err(e) => {
            let e = crate::error::TaskError::from_sdk(e, "update the Security Hub findings");
            tracing::warn!(error = %e, "Security Hub findings not updated");
            vec![format!("Security Hub finding(s) not updated: {e}")]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_fit_security_hub() {
        let case: Case = serde_json::from_value(serde_json::json!({
            "case_id": "case-0123456789abcdef", "source": "SecurityHub", "kind": "SecuritySetting",
            "finding_type": "t", "finding_id": "f", "title": "t",
            "severity": {"label": "HIGH", "score": 7.0}, "account": "1", "region": "r",
            "observed_at": "t", "instances": [], "principals": [], "remote_ips": [],
            "resources": [], "actor": null, "security_hub": [], "custom_action": null,
            "sample": false, "dry_run": false, "authority": "aws"
        }))
        .unwrap();
        assert_eq!(
            note(&case, "done"),
            "aws-ir case case-0123456789abcdef: done"
        );
        let long = note(&case, &"x".repeat(600));
        assert_eq!(long.chars().count(), 512);
        assert!(long.ends_with('…'));
    }
}
