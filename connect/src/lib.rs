//! How aws-ir reaches AWS, the same way from the task Lambdas and from `irctl`.
//!
//! A crate of its own because both need it and neither should carry the other's dependencies
//! (`irctl` no Lambda runtime, the tasks no CLI): the SDK configuration from the environment
//! (region, credentials, `AWS_ENDPOINT_URL`, which is how the same binaries talk to the local
//! emulator) with an HTTP client that honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, as the
//! AWS CLI and boto3 do. The Rust SDK's default client ignores them, yet a Lambda in a VPC
//! whose only way out is a proxy, or a responder on a corporate network, needs them.

pub mod proof;
pub mod ready;

pub use ready::preconnect;

pub use aws_config::SdkConfig;

/// The SDK configuration from the environment, through [`http_client`]. `app_name` goes into
/// every call's user agent (CloudTrail's `userAgent`): the tasks pass their function name.
pub async fn sdk_config(app_name: Option<String>) -> aws_config::SdkConfig {
    let loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client());
    match app_name.and_then(|name| aws_config::AppName::new(name).ok()) {
        Some(app) => loader.app_name(app).load().await,
        None => loader.load().await,
    }
}

/// The SDK's default HTTP client (rustls with aws-lc), with the proxy the environment names,
/// one per process, whose connections [`preconnect`] can open ahead of the first request (see
/// [`ready`]). (The emulator relies on the proxy too: S3 Control puts the account id in the host
/// name, and a proxy is how those names reach the emulator without touching the host's DNS.)
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    ready::shared()
}
