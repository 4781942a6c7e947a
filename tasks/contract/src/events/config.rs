//! AWS Config "Config Rules Compliance Change" events (AWS Config Developer Guide, "Example
//! Amazon EventBridge events for AWS Config").

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplianceChange {
    pub resource_id: String,
    pub aws_region: String,
    pub aws_account_id: String,
    pub config_rule_name: String,
    #[serde(rename = "configRuleARN")]
    pub config_rule_arn: Option<String>,
    pub message_type: Option<String>,
    pub resource_type: String,
    pub notification_creation_time: Option<String>,
    pub new_evaluation_result: EvaluationResult,
    pub old_evaluation_result: Option<EvaluationResult>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationResult {
    pub compliance_type: String,
    pub result_recorded_time: Option<String>,
    pub config_rule_invoked_time: Option<String>,
    pub annotation: Option<String>,
    pub evaluation_result_identifier: Option<serde_json::Value>,
}
