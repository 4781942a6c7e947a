//! Manual response requests, put on the bus by `irctl start` (or by anyone allowed to
//! `events:PutEvents`), so that a manual start is recorded in CloudTrail like any other.

use serde::{Deserialize, Serialize};

/// `detail` of an event with source `aws-ir.manual` and detail-type `Manual Response Request`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualRequest {
    /// The playbook to run: `triage`, `ec2-compromise`, ...
    pub playbook: String,
    /// Why: shown in the case and the notification.
    pub reason: String,
    /// Who asked (defaults to the caller's identity when the CLI sends it).
    #[serde(default)]
    pub requested_by: Option<String>,
    #[serde(default)]
    pub instance_ids: Vec<String>,
    /// Addresses or CIDR blocks.
    #[serde(default)]
    pub remote_ips: Vec<String>,
    #[serde(default)]
    pub access_key_ids: Vec<String>,
    /// IAM user or role ARNs.
    #[serde(default)]
    pub principal_arns: Vec<String>,
    /// Other resources by id: security groups (`sg-…`).
    #[serde(default)]
    pub resource_ids: Vec<String>,
    /// On GuardDuty's 0–10 scale; a person asking is taken seriously by default (8).
    #[serde(default)]
    pub severity: Option<f64>,
    #[serde(default)]
    pub dry_run: bool,
    /// For playbooks that act on an existing case (release): the case id.
    #[serde(default)]
    pub case_id: Option<String>,
}

pub const SOURCE: &str = "aws-ir.manual";
pub const DETAIL_TYPE: &str = "Manual Response Request";
