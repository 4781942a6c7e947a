//! The task Lambdas' logic, one module per step, tested without a network.
//!
//! Each Lambda is a thin `main` in `src/bin/` that builds its AWS clients once and hands a typed
//! handler to [`runtime::run`]. AWS calls sit behind narrow functions that take the client, so
//! the logic around them is plain Rust. Every failure is a [`error::TaskError`] whose name is
//! the ASL error Step Functions matches.

pub mod aws;
pub mod cases;
pub mod ec2;
pub mod error;
pub mod normalize;
pub mod notify;
pub mod runtime;

/// AWS configuration from the environment: region, credentials and `AWS_ENDPOINT_URL` (which is
/// how the same binary talks to the local emulator).
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
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
