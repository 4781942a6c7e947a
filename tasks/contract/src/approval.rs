//! The approval protocol between a playbook that waits for a responder and `irctl approve` /
//! `irctl reject`: one home for the message attributes the request carries and the answer the
//! responder sends back.
//!
//! A playbook publishes an approval request (`sns:publish.waitForTaskToken`) whose message
//! attributes name the case, what is to be done and a fresh `nonce`, with the task token. The
//! responder answers with `SendTaskSuccess` and an [`Answer`]: approve or reject, why, and a
//! proof of identity bound to the case, the nonce and the decision ([`AnswerClaim`]). The
//! playbook then checks the proof (`authenticate-answer`): an answer from anyone else, a
//! `SendTaskFailure`, or a proof made for another request is refused and reported, and the
//! responders are asked again. So holding a task token (it is in the execution history and the
//! topic) lets nobody steer a response.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Message attributes of what aws-ir publishes to its topic (approval requests, escalations,
/// notifications), by which subscribers filter and `irctl` finds a request.
pub mod attribute {
    pub const CASE_ID: &str = "case_id";
    pub const INSTANCE_ID: &str = "instance_id";
    pub const PRINCIPAL: &str = "principal";
    pub const TASK_TOKEN: &str = "task_token";
    pub const NONCE: &str = "nonce";
    /// What the message is: [`super::KIND_REQUEST`], [`super::KIND_ESCALATION`], or for a
    /// notification the case's kind (`instance`, `principal`, ...).
    pub const KIND: &str = "kind";
    /// A notification's case severity label.
    pub const SEVERITY: &str = "severity";
    /// A notification's case source.
    pub const SOURCE: &str = "source";
}

/// The `kind` attribute of an approval request.
pub const KIND_REQUEST: &str = "approval-request";
/// The `kind` attribute of an escalation (nobody took a case in time).
pub const KIND_ESCALATION: &str = "escalation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        }
    }
}

/// What a responder sends with `SendTaskSuccess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub decision: Decision,
    /// Why (required to reject); recorded with the case.
    pub reason: String,
    /// The responder's proof of identity (see [`crate::proof`]) over an [`AnswerClaim`].
    pub proof: String,
}

/// What an answer's proof is bound to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerClaim<'a> {
    pub case_id: &'a str,
    pub nonce: &'a str,
    pub decision: Decision,
    pub reason: &'a str,
}

impl AnswerClaim<'_> {
    pub fn digest(&self) -> String {
        crate::proof::digest(crate::proof::Purpose::Answer, self)
    }
}
