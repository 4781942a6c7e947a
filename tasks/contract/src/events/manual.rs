//! Manual response requests: `irctl start` (or a playbook handing work to another) starts the
//! playbook's state machine with one, as an event envelope around this detail.
//!
//! `StartExecution` is a management event, so CloudTrail records who called it; and the request
//! carries a proof of identity ([`crate::proof`]) bound to the envelope's id and this detail, so
//! the playbook itself knows, from STS, who asked. `requested_by` is only what the requester
//! says about itself: it is shown, never trusted. No rule on any event bus starts a playbook
//! from a manual request, because anyone allowed `events:PutEvents` could put one.

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
    /// The requester's proof of identity over [`request_digest`] (a presigned STS
    /// `GetCallerIdentity` URL). Without it the request is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
}

/// What a request's proof is bound to: the envelope's id (which the case id derives from), its
/// time (the case's, and the time ip-expiry expires as of) and the detail without the proof.
pub fn request_digest(event_id: &str, time: &str, request: &ManualRequest) -> String {
    #[derive(Serialize)]
    struct Bound<'a> {
        id: &'a str,
        time: &'a str,
        detail: &'a ManualRequest,
    }
    let unsigned = ManualRequest {
        proof: None,
        ..request.clone()
    };
    crate::proof::digest(
        crate::proof::Purpose::Request,
        &Bound {
            id: event_id,
            time,
            detail: &unsigned,
        },
    )
}

/// Playbooks a request may start without naming a target (ip-expiry: "run now"; ec2-verify:
/// the case it names is its target).
pub const TARGETLESS_PLAYBOOKS: [&str; 2] = ["ip-expiry", "ec2-verify"];

pub const SOURCE: &str = "aws-ir.manual";
pub const DETAIL_TYPE: &str = "Manual Response Request";
