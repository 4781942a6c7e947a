//! The task Lambdas' logic, one module per step, tested without a network.
//!
//! Each Lambda is a thin `main` in `src/bin/` that builds its AWS clients once and hands a typed
//! handler to [`runtime::run`]. AWS calls sit behind narrow functions that take the client, so
//! the logic around them is plain Rust. Every failure is a [`error::TaskError`] whose name is
//! the ASL error Step Functions matches.

pub mod aws;
pub mod cases;
pub mod chat;
pub mod credentials;
pub mod ec2;
pub mod error;
pub mod ip;
pub mod normalize;
pub mod notify;
pub mod runtime;
pub mod securityhub;
pub mod settings;

/// AWS configuration from the environment: region, credentials and `AWS_ENDPOINT_URL` (which is
/// how the same binary talks to the local emulator).
///
/// The SDK's app name is the Lambda's function name, so every call's user agent (CloudTrail's
/// `userAgent`) says which step of which stack made it.
pub async fn aws_config() -> aws_config::SdkConfig {
    let loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client());
    let app = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .and_then(|name| aws_config::AppName::new(name).ok());
    match app {
        Some(app) => loader.app_name(app).load().await,
        None => loader.load().await,
    }
}

/// The SDK's default HTTP client (rustls with aws-lc), honouring the standard proxy variables
/// (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) as the AWS CLI and boto3 do: a Lambda in a VPC
/// whose only way out is a proxy, or a responder's network, needs it. The SDK's own default
/// ignores them. (The emulator uses it too: S3 Control puts the account id in the host name,
/// and its proxy is how those names reach the emulator without touching the host's DNS.)
fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, Connector};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut c = Connector::builder().proxy_config(ProxyConfig::from_env());
        if let Some(s) = settings {
            c = c.connector_settings(s.clone());
        }
        if let Some(sleep) = components.and_then(|rc| rc.sleep_impl()) {
            c = c.sleep_impl(sleep);
        }
        c.tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build()
    })
}

/// Now, in RFC 3339 (UTC, seconds): recorded in pre-states, claims and revocation policies.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    aws_sdk_dynamodb::primitives::DateTime::from_secs(secs)
        .fmt(aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime)
        .unwrap_or_default()
}
