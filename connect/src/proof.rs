//! Signing a proof of identity (see `contract::proof`): a presigned STS `GetCallerIdentity`
//! URL whose signature covers the digest of what it vouches for. `irctl` signs requests and
//! answers with the responder's credentials; a task Lambda handing work to another playbook
//! signs with its role's. Checking happens in the tasks, which send the URL to STS.

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use std::time::{Duration, SystemTime};

/// The signed header that binds a proof to its message (`contract::proof::HEADER`; repeated
/// here because this crate carries no contract, and checked equal by the tasks' tests).
pub const HEADER: &str = "x-aws-ir-request";

/// The STS endpoint this process reaches: `AWS_ENDPOINT_URL_STS`, else the SDK's endpoint
/// override (`AWS_ENDPOINT_URL`, which is how the emulator is reached), else STS in the
/// configured Region. Ends with `/`.
pub fn sts_endpoint(config: &aws_config::SdkConfig) -> Option<String> {
    let base = std::env::var("AWS_ENDPOINT_URL_STS")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| config.endpoint_url().map(String::from))
        .or_else(|| config.region().map(|r| regional_sts(r.as_ref())))?;
    Some(format!("{}/", base.trim_end_matches('/')))
}

/// `https://sts.<region>.amazonaws.com` (`.com.cn` in the China Regions).
pub fn regional_sts(region: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://sts.{region}.{domain}")
}

/// A proof over `digest`, valid for `lifetime`, signed with the configuration's credentials.
pub async fn sign_proof(
    config: &aws_config::SdkConfig,
    digest: &str,
    lifetime: Duration,
) -> Result<String, String> {
    let region = config
        .region()
        .ok_or("no AWS Region is configured (set AWS_REGION)")?
        .to_string();
    let endpoint = sts_endpoint(config).ok_or("no STS endpoint")?;
    let credentials = config
        .credentials_provider()
        .ok_or("no AWS credentials are configured")?
        .provide_credentials()
        .await
        .map_err(|e| format!("no AWS credentials: {e}"))?;
    let identity = credentials.into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(lifetime);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("sts")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .map_err(|e| format!("signing parameters: {e}"))?
        .into();
    let url = format!("{endpoint}?Action=GetCallerIdentity&Version=2011-06-15");
    let request = SignableRequest::new(
        "GET",
        &url,
        [(HEADER, digest)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| format!("signable request: {e}"))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| format!("signing the proof: {e}"))?
        .into_parts();
    let mut out = url;
    for (name, value) in instructions.params() {
        out.push('&');
        out.push_str(name);
        out.push('=');
        out.push_str(&percent_encoding::utf8_percent_encode(value, QUERY).to_string());
    }
    Ok(out)
}

/// Everything but SigV4's unreserved characters is encoded in a query value.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
