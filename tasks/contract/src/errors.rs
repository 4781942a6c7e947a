//! ASL error names: part of the public API.
//!
//! A task that fails returns one of these as its Lambda `errorType`; Step Functions surfaces it as
//! the state's error, so `Retry` and `Catch` match it by name. Renaming one is a breaking change.

use serde::{Deserialize, Serialize};

/// Every error a task may raise, by its ASL name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ErrorName {
    /// The input is not an event this playbook understands, or is malformed. Not retried.
    #[serde(rename = "IR.InvalidEvent")]
    InvalidEvent,
    /// A resource named by the case does not exist (any more). Not retried.
    #[serde(rename = "IR.ResourceNotFound")]
    ResourceNotFound,
    /// The resource or account is excluded by policy; the skip is recorded. Not retried.
    #[serde(rename = "IR.Excluded")]
    Excluded,
    /// The SSM agent on the instance is not online. Not retried.
    #[serde(rename = "IR.AgentUnavailable")]
    AgentUnavailable,
    /// A service quota or a limit of ours would be exceeded. Not retried.
    #[serde(rename = "IR.LimitReached")]
    LimitReached,
    /// The task's role lacks a permission. Not retried: the deployment must be fixed.
    #[serde(rename = "IR.AccessDenied")]
    AccessDenied,
    /// AWS throttled the call. Retried with backoff.
    #[serde(rename = "IR.Throttled")]
    Throttled,
    /// A transient failure (timeout, 5xx, conflict with a concurrent writer). Retried.
    #[serde(rename = "IR.Transient")]
    Transient,
    /// The task's own configuration (from the template) is wrong. Not retried.
    #[serde(rename = "IR.Misconfigured")]
    Misconfigured,
    /// A resource is not ready yet (a snapshot still pending, a volume still creating).
    /// Retried with a patient backoff: it is waiting, not failing.
    #[serde(rename = "IR.NotReady")]
    NotReady,
    /// A request or an answer that does not come from a responder the stack names (or from
    /// aws-ir itself), or whose proof of identity does not verify: refused, reported, never
    /// retried.
    #[serde(rename = "IR.Unauthorized")]
    Unauthorized,
    /// A record aws-ir wrote no longer verifies (its MAC does not match): something other than
    /// aws-ir changed it, so nothing is done from it. Not retried.
    #[serde(rename = "IR.RecordTampered")]
    RecordTampered,
    /// Evidence read back does not match the checksum AWS sent with it, twice: it cannot be
    /// vouched for, and nothing is recorded for it. Not retried; a responder looks.
    #[serde(rename = "IR.EvidenceMismatch")]
    EvidenceMismatch,
}

impl ErrorName {
    pub const ALL: [ErrorName; 13] = [
        ErrorName::InvalidEvent,
        ErrorName::ResourceNotFound,
        ErrorName::Excluded,
        ErrorName::AgentUnavailable,
        ErrorName::LimitReached,
        ErrorName::AccessDenied,
        ErrorName::Throttled,
        ErrorName::Transient,
        ErrorName::Misconfigured,
        ErrorName::NotReady,
        ErrorName::Unauthorized,
        ErrorName::RecordTampered,
        ErrorName::EvidenceMismatch,
    ];

    /// The errors a `Retry` should match: only those that can succeed on a second try.
    pub const TRANSIENT: [ErrorName; 2] = [ErrorName::Throttled, ErrorName::Transient];

    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorName::InvalidEvent => "IR.InvalidEvent",
            ErrorName::ResourceNotFound => "IR.ResourceNotFound",
            ErrorName::Excluded => "IR.Excluded",
            ErrorName::AgentUnavailable => "IR.AgentUnavailable",
            ErrorName::LimitReached => "IR.LimitReached",
            ErrorName::AccessDenied => "IR.AccessDenied",
            ErrorName::Throttled => "IR.Throttled",
            ErrorName::Transient => "IR.Transient",
            ErrorName::Misconfigured => "IR.Misconfigured",
            ErrorName::NotReady => "IR.NotReady",
            ErrorName::Unauthorized => "IR.Unauthorized",
            ErrorName::RecordTampered => "IR.RecordTampered",
            ErrorName::EvidenceMismatch => "IR.EvidenceMismatch",
        }
    }

    pub fn is_transient(self) -> bool {
        Self::TRANSIENT.contains(&self)
    }
}

impl std::fmt::Display for ErrorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_name_is_the_asl_name() {
        for e in ErrorName::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
    }
}
