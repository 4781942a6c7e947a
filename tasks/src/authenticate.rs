//! Who asked, and who answered: established by STS from a proof (see `contract::proof`), then
//! matched against the responders the stack names or aws-ir's own roles.
//!
//! The proof is a presigned `GetCallerIdentity` URL. It is sent only to a genuine STS endpoint
//! (STS in some Region, or the endpoint this Lambda itself is configured with), with the
//! binding header set to the digest recomputed here from the message: STS answers with the
//! signer's ARN only if the signature, the binding and the expiry all hold.

use crate::error::TaskError;
use contract::approval::{Answer, AnswerClaim, Decision};
use contract::case::Actor;
use contract::tasks::authenticate::{
    AuthenticateAnswerInput, AuthenticateAnswerOutput, AuthenticateRequestInput,
    AuthenticateRequestOutput,
};
use contract::trust::{Authority, Principal, Responders, ROLE_PATH};
use contract::ErrorName;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the Lambda needs to check a proof: the STS endpoint it trusts as its own.
#[derive(Debug, Clone)]
pub struct Sts {
    /// e.g. `https://sts.us-east-1.amazonaws.com/`, or the emulator's endpoint.
    pub endpoint: String,
}

impl Sts {
    pub fn from_config(config: &aws_config::SdkConfig) -> Sts {
        Sts {
            endpoint: connect::proof::sts_endpoint(config).unwrap_or_default(),
        }
    }
}

/// STS, reached only with proofs others presigned: the Lambda's role calls nothing (and
/// `sts:GetCallerIdentity` needs no grant anyway).
impl crate::aws::Client for Sts {
    const SERVICE: &'static str = "sts";
    fn build(config: &aws_config::SdkConfig) -> Self {
        Sts::from_config(config)
    }
    /// Proofs go out through a client of their own (`chat::https_client`), one request each:
    /// nothing to open ahead.
    fn endpoint(_: &aws_config::SdkConfig) -> Option<String> {
        None
    }
}

fn unauthorized(message: impl Into<String>) -> TaskError {
    TaskError::new(ErrorName::Unauthorized, message)
}

/// `scheme://authority` of a URL, lower-case.
fn origin(uri: &hyper::Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or_default(),
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    )
    .to_ascii_lowercase()
}

/// A genuine STS host: `sts.amazonaws.com` or `sts.<region>.amazonaws.com(.cn)`, over HTTPS.
fn is_sts_host(uri: &hyper::Uri) -> bool {
    if uri.scheme_str() != Some("https") || uri.port().is_some() {
        return false;
    }
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    if host == "sts.amazonaws.com" {
        return true;
    }
    let region = host
        .strip_prefix("sts.")
        .and_then(|h| {
            h.strip_suffix(".amazonaws.com")
                .or_else(|| h.strip_suffix(".amazonaws.com.cn"))
        })
        .unwrap_or_default();
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn query(uri: &hyper::Uri) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(&v.replace('+', " "))))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `20261206T104455Z` as seconds since the epoch.
fn amz_date(s: &str) -> Option<i64> {
    if s.len() != 16 || !s.ends_with('Z') || s.as_bytes()[8] != b'T' {
        return None;
    }
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[9..11],
        &s[11..13],
        &s[13..15]
    );
    aws_sdk_dynamodb::primitives::DateTime::from_str(
        &rfc,
        aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime,
    )
    .ok()
    .map(|d| d.secs())
}

/// Checks a proof's form before anything is sent: the URL must be a presigned
/// `GetCallerIdentity` for a genuine STS endpoint (or this Lambda's own), signed over the
/// binding header, fresh. Returns the URL to send.
pub fn check_proof(sts: &Sts, proof: &str, now: i64) -> Result<hyper::Uri, TaskError> {
    if proof.trim().is_empty() {
        return Err(unauthorized(
            "the request carries no proof of identity: start it with `irctl start` (which signs it), as a responder the stack names",
        ));
    }
    let uri: hyper::Uri = proof
        .parse()
        .map_err(|_| unauthorized("the proof of identity is not a URL"))?;
    let own: Option<hyper::Uri> = sts.endpoint.parse().ok();
    let own_origin = own.as_ref().map(origin).unwrap_or_default();
    if !(is_sts_host(&uri) || (!own_origin.is_empty() && origin(&uri) == own_origin)) {
        return Err(unauthorized(format!(
            "the proof of identity names {}, which is not an AWS STS endpoint",
            origin(&uri)
        )));
    }
    if uri.path() != "/" {
        return Err(unauthorized("the proof of identity is not an STS request"));
    }
    let q = query(&uri);
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    if get("Action") != "GetCallerIdentity" || get("Version") != "2011-06-15" {
        return Err(unauthorized(
            "the proof of identity is not an STS GetCallerIdentity request",
        ));
    }
    if !get("X-Amz-SignedHeaders")
        .split(';')
        .any(|h| h == contract::proof::HEADER)
    {
        return Err(unauthorized(format!(
            "the proof of identity is not bound to its message (its signature does not cover {})",
            contract::proof::HEADER
        )));
    }
    let max = contract::proof::MAX_AGE_SECONDS as i64;
    let expires: i64 = get("X-Amz-Expires").parse().unwrap_or(i64::MAX);
    let signed = amz_date(get("X-Amz-Date"))
        .ok_or_else(|| unauthorized("the proof of identity has no valid X-Amz-Date"))?;
    if expires > max || now - signed > max || signed - now > 300 {
        return Err(unauthorized(format!(
            "the proof of identity was signed at {} for {expires} s: proofs are valid for at most {max} s; sign the request again",
            get("X-Amz-Date")
        )));
    }
    Ok(uri)
}

/// The text of the first `<tag>…</tag>` in an XML document.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].trim())
}

/// Sends the proof to STS with the binding header; the signer's ARN as STS names it.
pub async fn caller(sts: &Sts, proof: &str, digest: &str) -> Result<String, TaskError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let uri = check_proof(sts, proof, now)?;
    let request = hyper::Request::get(uri.clone())
        .header(contract::proof::HEADER, digest)
        .body(Empty::<Bytes>::new())
        .map_err(|e| unauthorized(format!("the proof of identity cannot be sent: {e}")))?;
    let client = crate::chat::https_client::<Empty<Bytes>>()
        .map_err(|e| TaskError::new(ErrorName::Misconfigured, e))?;
    let response =
        match tokio::time::timeout(Duration::from_secs(10), client.request(request)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return Err(TaskError::new(
                    ErrorName::Transient,
                    format!(
                        "STS ({}) could not be reached to check a proof of identity: {e}",
                        origin(&uri)
                    ),
                ))
            }
            Err(_) => {
                return Err(TaskError::new(
                    ErrorName::Transient,
                    format!("STS ({}) did not answer within 10 s", origin(&uri)),
                ))
            }
        };
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    match status {
        200 => xml_text(&body, "Arn")
            .filter(|a| !a.is_empty())
            .map(String::from)
            .ok_or_else(|| {
                TaskError::new(
                    ErrorName::Transient,
                    "STS answered GetCallerIdentity without an Arn",
                )
            }),
        _ => {
            let code = xml_text(&body, "Code").unwrap_or("Unknown");
            let message = xml_text(&body, "Message").unwrap_or_default();
            let name = match code {
                "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => {
                    ErrorName::Throttled
                }
                _ if status >= 500 => ErrorName::Transient,
                _ => ErrorName::Unauthorized,
            };
            Err(TaskError::new(
                name,
                format!("STS refused the proof of identity (HTTP {status}, {code}: {message}): it was not signed by the credentials it names, for this message, or it expired"),
            ))
        }
    }
}

/// The principal `arn` (as STS names it) is one of aws-ir's roles: a role session whose role,
/// read live, has aws-ir's path, in the same account. IAM only lets the task read roles on
/// that path, so a denied read is a "no".
pub async fn is_own_role(iam: &aws_sdk_iam::Client, arn: &str) -> Result<bool, TaskError> {
    let Some(Principal::RoleSession { account, role, .. }) = Principal::parse(arn) else {
        return Ok(false);
    };
    match iam.get_role().role_name(&role).send().await {
        Ok(out) => Ok(out.role().is_some_and(|r| {
            r.path().starts_with(ROLE_PATH)
                && Principal::parse(r.arn()).is_some_and(|p| p.account() == account)
        })),
        Err(e) => {
            let e = TaskError::from_sdk(e, &format!("read role {role}"));
            match e.name {
                ErrorName::AccessDenied | ErrorName::ResourceNotFound => Ok(false),
                _ => Err(e),
            }
        }
    }
}

fn not_a_responder(arn: &str, responders: &Responders) -> TaskError {
    let listed = if responders.is_empty() {
        "the stack names no responders (ResponderPrincipals is empty)".to_string()
    } else {
        format!(
            "ResponderPrincipals lists {}",
            responders.entries().join(", ")
        )
    };
    unauthorized(format!(
        "{arn} is not a responder of this stack ({listed}); the attempt is reported. To let this principal act, add its role or user ARN to ResponderPrincipals and redeploy."
    ))
}

/// Checks a manual request: the case's actor becomes the authenticated requester.
pub async fn authenticate_request(
    iam: &aws_sdk_iam::Client,
    sts: &Sts,
    input: AuthenticateRequestInput,
) -> Result<AuthenticateRequestOutput, TaskError> {
    let mut case = input.case;
    if case.source != contract::case::Source::Manual {
        return Ok(AuthenticateRequestOutput { case });
    }
    if input.request.digest.is_empty() {
        return Err(TaskError::invalid_event(
            "the manual request's digest is missing (Normalize computes it)",
        ));
    }
    let arn = caller(sts, &input.request.proof, &input.request.digest).await?;
    let responders = Responders::parse(&input.responders);
    let (authority, kind) = if responders.admitting(&arn).is_some() {
        (Authority::Responder, "Responder")
    } else if is_own_role(iam, &arn).await? {
        (Authority::AwsIr, "aws-ir")
    } else {
        return Err(not_a_responder(&arn, &responders));
    };
    let claimed = case.actor.as_ref().and_then(|a| a.arn.clone());
    case.actor = Some(Actor {
        arn: Some(arn),
        principal_type: Some(kind.into()),
        source_ip: None,
        // What the request said about itself, kept for the record next to what STS said.
        user_agent: claimed.map(|c| format!("requested_by (as claimed): {c}")),
    });
    case.authority = authority;
    Ok(AuthenticateRequestOutput { case })
}

/// The same principal (a role session: the same role and session).
fn same_principal(a: &str, b: &str) -> bool {
    match (Principal::parse(a), Principal::parse(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Checks an answer to an approval request.
pub async fn authenticate_answer(
    sts: &Sts,
    input: AuthenticateAnswerInput,
) -> Result<AuthenticateAnswerOutput, TaskError> {
    let answer: Answer = serde_json::from_value(input.answer.clone()).map_err(|e| {
        unauthorized(format!(
            "the answer is not one `irctl approve`/`irctl reject` sends ({e}); it is refused and the responders are asked again"
        ))
    })?;
    if answer.decision == Decision::Reject && answer.reason.trim().is_empty() {
        return Err(unauthorized("a rejection needs a reason"));
    }
    let digest = AnswerClaim {
        case_id: &input.case.case_id,
        nonce: &input.nonce,
        decision: answer.decision,
        reason: &answer.reason,
    }
    .digest();
    let arn = caller(sts, &answer.proof, &digest).await?;
    let responders = Responders::parse(&input.responders);
    if responders.admitting(&arn).is_none() {
        return Err(not_a_responder(&arn, &responders));
    }
    if !input.distinct_from.is_empty() && same_principal(&arn, &input.distinct_from) {
        return Err(unauthorized(format!(
            "{arn} asked for this release and cannot also approve it: a second responder must (ReleaseApproval=second-responder)"
        )));
    }
    Ok(AuthenticateAnswerOutput {
        decision: answer.decision.as_str().to_string(),
        by: arn,
        reason: answer.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sts() -> Sts {
        Sts {
            endpoint: "http://127.0.0.1:5055/".into(),
        }
    }

    const NOW: i64 = 1_796_550_000; // 2026-12-06T…

    fn url(host: &str, date: &str, extra: &str) -> String {
        format!("{host}/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261206%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date={date}&X-Amz-Expires=300&X-Amz-SignedHeaders=host%3Bx-aws-ir-request&X-Amz-Signature=ab{extra}")
    }

    fn date(secs: i64) -> String {
        aws_sdk_dynamodb::primitives::DateTime::from_secs(secs)
            .fmt(aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime)
            .unwrap()
            .replace(['-', ':'], "")
    }

    #[test]
    fn the_binding_header_is_the_contracts() {
        assert_eq!(connect::proof::HEADER, contract::proof::HEADER);
    }

    #[test]
    fn a_fresh_proof_for_sts_or_our_own_endpoint_passes() {
        let d = date(NOW - 10);
        assert!(check_proof(&sts(), &url("http://127.0.0.1:5055", &d, ""), NOW).is_ok());
        assert!(check_proof(
            &sts(),
            &url("https://sts.eu-west-1.amazonaws.com", &d, ""),
            NOW
        )
        .is_ok());
        assert!(check_proof(&sts(), &url("https://sts.amazonaws.com", &d, ""), NOW).is_ok());
    }

    #[test]
    fn anything_else_is_refused_before_it_is_sent() {
        let d = date(NOW - 10);
        let refused = |u: &str| {
            let e = check_proof(&sts(), u, NOW).unwrap_err();
            assert_eq!(e.name, ErrorName::Unauthorized, "{u}");
            e.message
        };
        // An attacker's server that would answer any ARN.
        assert!(
            refused(&url("https://sts.evil.example", &d, "")).contains("not an AWS STS endpoint")
        );
        assert!(
            refused(&url("http://sts.us-east-1.amazonaws.com", &d, "")).contains("not an AWS STS")
        );
        assert!(
            refused(&url("https://sts.us-east-1.amazonaws.com:8443", &d, ""))
                .contains("not an AWS STS")
        );
        assert!(refused(&url("http://127.0.0.1:5056", &d, "")).contains("not an AWS STS"));
        // Stale, or valid for too long.
        assert!(
            refused(&url("http://127.0.0.1:5055", &date(NOW - 1000), ""))
                .contains("valid for at most")
        );
        assert!(refused(
            &url("http://127.0.0.1:5055", &d, "")
                .replace("X-Amz-Expires=300", "X-Amz-Expires=604800")
        )
        .contains("valid for at most"));
        // Not bound, another action, nothing at all.
        assert!(
            refused(&url("http://127.0.0.1:5055", &d, "").replace("%3Bx-aws-ir-request", ""))
                .contains("not bound")
        );
        assert!(refused(
            &url("http://127.0.0.1:5055", &d, "").replace("GetCallerIdentity", "AssumeRole")
        )
        .contains("not an STS GetCallerIdentity"));
        assert!(refused("").contains("no proof"));
        assert!(
            refused("not a url at all").contains("not a URL")
                || refused("not a url at all").contains("STS")
        );
    }

    #[test]
    fn sts_answers_are_read() {
        let ok = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>";
        assert_eq!(
            xml_text(ok, "Arn"),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        let err = "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error></ErrorResponse>";
        assert_eq!(xml_text(err, "Code"), Some("SignatureDoesNotMatch"));
        assert_eq!(amz_date("20261206T104455Z"), amz_date("20261206T104455Z"));
        assert!(amz_date("2026-12-06").is_none());
    }

    #[test]
    fn sessions_of_one_role_are_different_people() {
        assert!(same_principal(
            "arn:aws:sts::123456789012:assumed-role/R/alice",
            "arn:aws:sts::123456789012:assumed-role/R/alice"
        ));
        assert!(!same_principal(
            "arn:aws:sts::123456789012:assumed-role/R/alice",
            "arn:aws:sts::123456789012:assumed-role/R/bob"
        ));
    }
}
