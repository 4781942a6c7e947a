//! The task Lambdas' logic, one module per step, tested without a network.
//!
//! Each Lambda is a thin `main` in `src/bin/` that builds its AWS clients once and hands a typed
//! handler to [`runtime::run`]. AWS calls sit behind narrow functions that take the client, so
//! the logic around them is plain Rust. Every failure is a [`error::TaskError`] whose name is
//! the ASL error Step Functions matches.

pub mod error;
pub mod normalize;
pub mod notify;
pub mod runtime;

/// AWS configuration from the environment: region, credentials and `AWS_ENDPOINT_URL` (which is
/// how the same binary talks to the local emulator).
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
