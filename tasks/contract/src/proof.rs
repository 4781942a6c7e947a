//! Proofs of identity: a presigned STS `GetCallerIdentity` request, bound to what it vouches
//! for.
//!
//! A responder's request or answer carries a URL that only the responder's credentials could
//! have signed. The task that checks it sends the URL to STS itself (only to a genuine STS
//! endpoint) and STS answers with the caller's ARN: the identity is established by AWS, not by
//! a field of the message (the same scheme HashiCorp Vault's and EKS's IAM authenticators use).
//! The signature covers a header, [`HEADER`], whose value is the [`digest`] of what the proof
//! vouches for; the checker recomputes it from the message, so a proof cannot be moved to
//! another request, and it expires after [`LIFETIME_SECONDS`].

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The signed header that binds a proof to its message.
pub const HEADER: &str = "x-aws-ir-request";

/// How long a proof is valid (`X-Amz-Expires`): long enough for a slow deploy of a request,
/// short enough that a copied proof is soon worthless.
pub const LIFETIME_SECONDS: u64 = 300;

/// A proof older than this is refused whatever its `X-Amz-Expires` says.
pub const MAX_AGE_SECONDS: u64 = 900;

/// What a proof vouches for; part of the digest, so a proof of one kind is never another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A manual request to a playbook (`irctl start`, or a hand-off between playbooks).
    Request,
    /// A responder's answer to an approval request.
    Answer,
}

impl Purpose {
    fn label(self) -> &'static str {
        match self {
            Purpose::Request => "aws-ir request v1",
            Purpose::Answer => "aws-ir answer v1",
        }
    }
}

/// Hex SHA-256 of the purpose and the JSON of `what` (field order as the type declares it, so
/// the signer and the checker, both using these types, agree byte for byte).
pub fn digest<T: Serialize>(purpose: Purpose, what: &T) -> String {
    let mut h = Sha256::new();
    h.update(purpose.label());
    h.update([b'\n']);
    h.update(serde_json::to_vec(what).unwrap_or_default());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_digest_depends_on_purpose_and_every_byte() {
        let a = digest(Purpose::Request, &json!({"x": 1}));
        assert_eq!(a.len(), 64);
        assert_eq!(a, digest(Purpose::Request, &json!({"x": 1})));
        assert_ne!(a, digest(Purpose::Answer, &json!({"x": 1})));
        assert_ne!(a, digest(Purpose::Request, &json!({"x": 2})));
    }
}
