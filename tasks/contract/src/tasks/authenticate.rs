//! The steps that establish, through STS, who asked for a response or answered an approval
//! request: the only way a person (or another aws-ir playbook) steers a playbook.

use super::SignedRequest;
use crate::case::Case;
use crate::task::{Permission, Scope, Task};
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Recognising aws-ir's own roles: `iam:GetRole` answers a role's path, and the permission is
/// scoped to the path, so IAM itself refuses to vouch for any other role.
fn read_own_roles() -> Permission {
    Permission::new(
        "RecogniseOwnRoles",
        &["iam:GetRole"],
        Scope::Arn(crate::trust::OWN_ROLES),
    )
    .at_home()
}

const ERRORS: [ErrorName; 5] = [
    ErrorName::InvalidEvent,
    ErrorName::Unauthorized,
    ErrorName::Throttled,
    ErrorName::Transient,
    ErrorName::Misconfigured,
];

/// Checks a manual request's proof: the requester must be a responder the stack names (or one
/// of aws-ir's roles, for a hand-off between playbooks). The case's actor becomes the identity
/// STS answered, and its authority says which.
pub struct AuthenticateRequest;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuthenticateRequestInput {
    pub case: Case,
    pub request: SignedRequest,
    /// The stack's `ResponderPrincipals`.
    pub responders: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuthenticateRequestOutput {
    pub case: Case,
}

impl Task for AuthenticateRequest {
    const NAME: &'static str = "authenticate-request";
    const TITLE: &'static str = "AuthenticateRequest";
    const DESCRIPTION: &'static str =
        "Establishes through STS who signed a manual request, and refuses it unless a responder the stack names (or aws-ir itself) did.";
    const TIMEOUT_SECONDS: u32 = 15;
    type Input = AuthenticateRequestInput;
    type Output = AuthenticateRequestOutput;
    fn permissions() -> Vec<Permission> {
        vec![read_own_roles()]
    }
    fn errors() -> Vec<ErrorName> {
        ERRORS.to_vec()
    }
}

/// Checks a responder's answer to an approval request: its proof must be a responder's, bound
/// to this case, this request's nonce and this decision; for a release, from a responder other
/// than the one who asked for it.
pub struct AuthenticateAnswer;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuthenticateAnswerInput {
    pub case: Case,
    /// What `SendTaskSuccess` delivered, as it came (an [`crate::approval::Answer`] when it is
    /// genuine; anything at all otherwise).
    pub answer: serde_json::Value,
    /// The nonce the approval request carried.
    pub nonce: String,
    pub responders: String,
    /// A principal who may not answer (the requester of a release that needs a second
    /// responder); empty: anyone the stack names.
    #[serde(default)]
    pub distinct_from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AuthenticateAnswerOutput {
    /// `approve` or `reject`.
    pub decision: String,
    /// Who answered, as STS names them.
    pub by: String,
    pub reason: String,
}

impl Task for AuthenticateAnswer {
    const NAME: &'static str = "authenticate-answer";
    const TITLE: &'static str = "AuthenticateAnswer";
    const DESCRIPTION: &'static str =
        "Establishes through STS who answered an approval request, and refuses the answer unless a responder the stack names signed it for this request.";
    const TIMEOUT_SECONDS: u32 = 15;
    type Input = AuthenticateAnswerInput;
    type Output = AuthenticateAnswerOutput;
    fn permissions() -> Vec<Permission> {
        Vec::new()
    }
    fn errors() -> Vec<ErrorName> {
        ERRORS.to_vec()
    }
}
