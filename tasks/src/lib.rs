//! The task Lambdas' logic, one module per step, tested without a network.
//!
//! Each Lambda's entry point is in [`lambdas`]: it builds its AWS clients once and hands a
//! handler typed by its contract to [`runtime::serve`]; `src/bin/<task>.rs` only calls it. AWS calls sit behind narrow functions that take the client, so
//! the logic around them is plain Rust. Every failure is a [`error::TaskError`] whose name is
//! the ASL error Step Functions matches.

pub mod authenticate;
pub mod aws;
pub mod cases;
pub mod chat;
pub mod credentials;
pub mod custody;
pub mod ec2;
pub mod error;
pub mod ip;
pub mod lambdas;
pub mod member;
pub mod normalize;
pub mod notify;
pub mod runtime;
pub mod screen;
pub mod seal;
pub mod securityhub;
pub mod settings;

/// AWS configuration from the environment, through a client that honours the proxy variables
/// (see the `connect` crate). The SDK's app name is the Lambda's function name, so every call's
/// user agent (CloudTrail's `userAgent`) says which step of which stack made it.
pub async fn aws_config() -> aws_config::SdkConfig {
    connect::sdk_config(std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok()).await
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
