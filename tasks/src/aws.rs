//! The AWS clients of the task Lambdas, and why each step takes only its own.
//!
//! A step takes the clients it calls, and nothing else: a leaf function the one client it calls
//! (`ip::nacl::deny` takes `&aws_sdk_ec2::Client`), a handler its one or two clients as
//! arguments or, from three on, a small struct named for its step and declared next to it with
//! [`clients!`] (`ec2::release::ReleaseInstanceClients`). So a signature says which services a
//! step may call, and a mocked test builds exactly those clients: a call to any other service
//! cannot compile.
//!
//! Each Lambda builds only what its handler takes ([`Clients`], named once per task in
//! `lambdas::Entry`), from the one SDK configuration [`crate::aws_config`] builds. A test there
//! holds each task's services to the IAM actions its contract grants: a Lambda cannot build a
//! client its role may not call, nor its role grant a service the Lambda never builds a client
//! for. Building a client makes no call.

use aws_config::SdkConfig;

/// An AWS client a Lambda may build, and the IAM service prefix of the actions it calls.
pub trait Client: Sized + Clone {
    /// The IAM service prefix (`ec2`, `states`, `elasticloadbalancing`, ...).
    const SERVICE: &'static str;
    fn build(config: &SdkConfig) -> Self;
    /// The base URL its requests go to, resolved by the service's own endpoint rules (Region,
    /// partition, FIPS, dual-stack, `AWS_ENDPOINT_URL`), for `connect::preconnect`; `None` when
    /// it depends on the request (S3 Control puts the account in the host name).
    fn endpoint(config: &SdkConfig) -> Option<String>;
}

/// The endpoint a crate's default rules give for `config`, without any request's parameters.
macro_rules! endpoint_of {
    ($krate:ident, $config:expr $(, $set:ident($value:expr))*) => {{
        use $krate::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        let config: &SdkConfig = $config;
        let params = Params::builder()
            .set_region(config.region().map(|r| r.to_string()))
            .set_use_fips(config.use_fips())
            .set_use_dual_stack(config.use_dual_stack())
            .set_endpoint(config.endpoint_url().map(String::from))
            $(.$set($value))*
            .build()
            .ok()?;
        // The default rules answer at once (no I/O): the future is ready when made.
        let resolver = DefaultResolver::new();
        let endpoint = $crate::aws::futures_ready(resolver.resolve_endpoint(&params))?.ok()?;
        Some(endpoint.url().to_string())
    }};
}

/// The output of a future that is ready when first polled (an endpoint resolution without
/// I/O); `None` if it is not.
pub(crate) fn futures_ready<F: std::future::IntoFuture>(f: F) -> Option<F::Output> {
    use std::future::Future;
    let mut f = std::pin::pin!(f.into_future());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    }
}

macro_rules! client {
    ($($krate:ident => $service:literal,)*) => {$(
        impl Client for $krate::Client {
            const SERVICE: &'static str = $service;
            fn build(config: &SdkConfig) -> Self {
                $krate::Client::new(config)
            }
            fn endpoint(config: &SdkConfig) -> Option<String> {
                endpoint_of!($krate, config)
            }
        }
    )*};
}

client! {
    aws_sdk_autoscaling => "autoscaling",
    aws_sdk_cloudtrail => "cloudtrail",
    aws_sdk_config => "config",
    aws_sdk_dynamodb => "dynamodb",
    aws_sdk_ec2 => "ec2",
    aws_sdk_elasticloadbalancing => "elasticloadbalancing",
    aws_sdk_elasticloadbalancingv2 => "elasticloadbalancing",
    aws_sdk_iam => "iam",
    aws_sdk_kms => "kms",
    aws_sdk_organizations => "organizations",
    aws_sdk_securityhub => "securityhub",
    aws_sdk_sfn => "states",
    aws_sdk_sns => "sns",
    aws_sdk_ssm => "ssm",
    aws_sdk_sts => "sts",
    aws_sdk_wafv2 => "wafv2",
}

/// S3 Control's host names carry the account id of each request: nothing to open ahead.
impl Client for aws_sdk_s3control::Client {
    const SERVICE: &'static str = "s3";
    fn build(config: &SdkConfig) -> Self {
        aws_sdk_s3control::Client::new(config)
    }
    fn endpoint(_: &SdkConfig) -> Option<String> {
        None
    }
}

/// S3 with path-style addressing (`endpoint/bucket/key`), which works with every endpoint, the
/// emulator's included.
pub fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

/// The EBS direct APIs are read at the per-snapshot quota (1,000 blocks a second): the SDK's
/// adaptive retry mode slows the client down after throttling (a client-side rate limiter) and
/// retries a block up to 10 times before the range fails with `IR.Throttled`.
impl Client for aws_sdk_ebs::Client {
    const SERVICE: &'static str = "ebs";
    fn build(config: &SdkConfig) -> Self {
        aws_sdk_ebs::Client::from_conf(
            aws_sdk_ebs::config::Builder::from(config)
                .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(10))
                .build(),
        )
    }
    fn endpoint(config: &SdkConfig) -> Option<String> {
        endpoint_of!(aws_sdk_ebs, config)
    }
}

impl Client for aws_sdk_s3::Client {
    const SERVICE: &'static str = "s3";
    fn build(config: &SdkConfig) -> Self {
        s3(config)
    }
    /// Path-style, as [`s3`] addresses: the Region's endpoint, whatever the bucket.
    fn endpoint(config: &SdkConfig) -> Option<String> {
        endpoint_of!(aws_sdk_s3, config, set_force_path_style(Some(true)))
    }
}

/// The configuration itself, for a step that signs with the Lambda's credentials without a
/// client: a presigned `sts:GetCallerIdentity` (a proof, see `contract::proof`), which no IAM
/// policy grants or denies.
impl Client for SdkConfig {
    const SERVICE: &'static str = "sts";
    fn build(config: &SdkConfig) -> Self {
        config.clone()
    }
    /// A presigned URL is handed on, not sent: no connection of ours.
    fn endpoint(_: &SdkConfig) -> Option<String> {
        None
    }
}

/// What one Lambda builds: nothing, one client, two or three clients, or a step's clients
/// struct ([`clients!`]).
pub trait Clients: Sized + Clone {
    /// The IAM service prefixes of the clients, in the order they are declared.
    const SERVICES: &'static [&'static str];
    fn build(config: &SdkConfig) -> Self {
        Self::build_with(&|_| config)
    }
    /// Each client from the configuration `config` gives for its IAM service prefix: a step
    /// acting in a member account builds the clients its contract places there from the
    /// member's ([`crate::member`]).
    fn build_with<'a>(config: &dyn Fn(&'static str) -> &'a SdkConfig) -> Self;
    /// The endpoints the clients send to, each once (see [`Client::endpoint`]).
    fn endpoints(config: &SdkConfig) -> Vec<String>;
}

/// Each endpoint once, in order.
pub fn distinct(endpoints: impl IntoIterator<Item = Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in endpoints.into_iter().flatten() {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

impl Clients for () {
    const SERVICES: &'static [&'static str] = &[];
    fn build_with<'a>(_: &dyn Fn(&'static str) -> &'a SdkConfig) -> Self {}
    fn endpoints(_: &SdkConfig) -> Vec<String> {
        Vec::new()
    }
}

impl<A: Client> Clients for A {
    const SERVICES: &'static [&'static str] = &[A::SERVICE];
    fn build_with<'a>(config: &dyn Fn(&'static str) -> &'a SdkConfig) -> Self {
        A::build(config(A::SERVICE))
    }
    fn endpoints(config: &SdkConfig) -> Vec<String> {
        distinct([A::endpoint(config)])
    }
}

impl<A: Client, B: Client> Clients for (A, B) {
    const SERVICES: &'static [&'static str] = &[A::SERVICE, B::SERVICE];
    fn build_with<'a>(config: &dyn Fn(&'static str) -> &'a SdkConfig) -> Self {
        (A::build(config(A::SERVICE)), B::build(config(B::SERVICE)))
    }
    fn endpoints(config: &SdkConfig) -> Vec<String> {
        distinct([A::endpoint(config), B::endpoint(config)])
    }
}

impl<A: Client, B: Client, C: Client> Clients for (A, B, C) {
    const SERVICES: &'static [&'static str] = &[A::SERVICE, B::SERVICE, C::SERVICE];
    fn build_with<'a>(config: &dyn Fn(&'static str) -> &'a SdkConfig) -> Self {
        (
            A::build(config(A::SERVICE)),
            B::build(config(B::SERVICE)),
            C::build(config(C::SERVICE)),
        )
    }
    fn endpoints(config: &SdkConfig) -> Vec<String> {
        distinct([
            A::endpoint(config),
            B::endpoint(config),
            C::endpoint(config),
        ])
    }
}

/// Declares a step's clients struct: its fields are the clients, and its [`Clients`] services
/// are read from the same list, so the two cannot disagree.
macro_rules! clients {
    ($(#[$meta:meta])* pub struct $name:ident { $($field:ident: $client:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        pub struct $name {
            $(pub $field: $client,)*
        }

        impl $crate::aws::Clients for $name {
            const SERVICES: &'static [&'static str] =
                &[$(<$client as $crate::aws::Client>::SERVICE,)*];
            fn build_with<'a>(
                config: &dyn Fn(&'static str) -> &'a aws_config::SdkConfig,
            ) -> Self {
                $name {
                    $($field: <$client as $crate::aws::Client>::build(
                        config(<$client as $crate::aws::Client>::SERVICE),
                    ),)*
                }
            }
            fn endpoints(config: &aws_config::SdkConfig) -> Vec<String> {
                $crate::aws::distinct([
                    $(<$client as $crate::aws::Client>::endpoint(config),)*
                ])
            }
        }
    };
}
pub(crate) use clients;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// An HTTP/1.1 server on a local port that counts the connections it accepts and answers
    /// every request, keeping the connection open: `HEAD` with no body, anything else with an
    /// empty SNS `ListTopics` answer.
    async fn counting_server() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    loop {
                        let n = match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        let request = String::from_utf8_lossy(&buf[..n]);
                        let body = if request.starts_with("HEAD") {
                            ""
                        } else {
                            "<ListTopicsResponse><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>"
                        };
                        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n", body.len());
                        let answer = if request.starts_with("HEAD") {
                            head.clone()
                        } else {
                            format!("{head}{body}")
                        };
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (url, accepted)
    }

    async fn config(url: &str) -> SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(connect::http_client())
            .endpoint_url(url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sns::config::Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            ))
            .load()
            .await
    }

    /// The connection opened ahead is the one the first request takes: the server sees one
    /// connection, opened before the request.
    #[tokio::test]
    async fn the_first_request_takes_the_connection_opened_ahead() {
        let (url, accepted) = counting_server().await;
        let config = config(&url).await;
        let endpoints = <aws_sdk_sns::Client as Clients>::endpoints(&config);
        assert_eq!(endpoints, vec![url.clone()]);
        assert_eq!(connect::preconnect(&config, &endpoints).await, 1);
        assert_eq!(accepted.load(Ordering::SeqCst), 1);
        let sns = aws_sdk_sns::Client::new(&config);
        sns.list_topics().send().await.unwrap();
        sns.list_topics().send().await.unwrap();
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "the request opened a connection of its own"
        );
    }

    /// Without an endpoint override, each client's endpoint comes from its service's rules; a
    /// step's clients open each endpoint once.
    #[tokio::test]
    async fn endpoints_follow_the_services_rules() {
        let config = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        assert_eq!(
            <(aws_sdk_ec2::Client, aws_sdk_s3::Client, aws_sdk_iam::Client) as Clients>::endpoints(
                &config
            ),
            vec![
                "https://ec2.eu-west-1.amazonaws.com".to_string(),
                "https://s3.eu-west-1.amazonaws.com".to_string(),
                "https://iam.amazonaws.com".to_string(),
            ]
        );
        assert_eq!(
            <(
                aws_sdk_elasticloadbalancing::Client,
                aws_sdk_elasticloadbalancingv2::Client
            ) as Clients>::endpoints(&config),
            vec!["https://elasticloadbalancing.eu-west-1.amazonaws.com".to_string()]
        );
        assert!(<aws_sdk_s3control::Client as Client>::endpoint(&config).is_none());
    }
}
