//! The events that start playbooks, typed after AWS's documented formats.
//!
//! `aws_lambda_events` has no GuardDuty, Security Hub or Config detail types, so they are
//! written here. Only the fields a playbook reads are modelled; unknown fields are ignored, so a
//! newer schema version with extra fields still parses. Fields that AWS documents as optional or
//! that are absent for some finding types are `Option` or default to empty.

pub mod cloudtrail;
pub mod config;
pub mod guardduty;
pub mod manual;
pub mod securityhub;

use serde::Deserialize;

/// The EventBridge envelope around every event (see "Amazon EventBridge events" in the
/// EventBridge User Guide). `detail` is kept as JSON until the source is known.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub version: Option<String>,
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    pub account: String,
    pub time: String,
    pub region: String,
    #[serde(default)]
    pub resources: Vec<String>,
    pub detail: Option<serde_json::Value>,
}

/// `detail-type` values this project understands, with their `source`.
pub const GUARDDUTY: (&str, &str) = ("aws.guardduty", "GuardDuty Finding");
pub const SECURITY_HUB_IMPORTED: (&str, &str) =
    ("aws.securityhub", "Security Hub Findings - Imported");
pub const SECURITY_HUB_CUSTOM_ACTION: (&str, &str) =
    ("aws.securityhub", "Security Hub Findings - Custom Action");
pub const CONFIG_COMPLIANCE: (&str, &str) = ("aws.config", "Config Rules Compliance Change");
/// CloudTrail management events arrive with the calling service's source (`aws.ec2`, ...).
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
