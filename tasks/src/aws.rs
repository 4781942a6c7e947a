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
pub trait Client: Sized {
    /// The IAM service prefix (`ec2`, `states`, `elasticloadbalancing`, ...).
    const SERVICE: &'static str;
    fn build(config: &SdkConfig) -> Self;
}

macro_rules! client {
    ($($client:ty => $service:literal,)*) => {$(
        impl Client for $client {
            const SERVICE: &'static str = $service;
            fn build(config: &SdkConfig) -> Self {
                <$client>::new(config)
            }
        }
    )*};
}

client! {
    aws_sdk_autoscaling::Client => "autoscaling",
    aws_sdk_cloudtrail::Client => "cloudtrail",
    aws_sdk_config::Client => "config",
    aws_sdk_dynamodb::Client => "dynamodb",
    aws_sdk_ec2::Client => "ec2",
    aws_sdk_elasticloadbalancing::Client => "elasticloadbalancing",
    aws_sdk_elasticloadbalancingv2::Client => "elasticloadbalancing",
    aws_sdk_iam::Client => "iam",
    aws_sdk_kms::Client => "kms",
    aws_sdk_s3control::Client => "s3",
    aws_sdk_securityhub::Client => "securityhub",
    aws_sdk_sfn::Client => "states",
    aws_sdk_sns::Client => "sns",
    aws_sdk_ssm::Client => "ssm",
    aws_sdk_sts::Client => "sts",
    aws_sdk_wafv2::Client => "wafv2",
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
}

impl Client for aws_sdk_s3::Client {
    const SERVICE: &'static str = "s3";
    fn build(config: &SdkConfig) -> Self {
        s3(config)
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
}

/// What one Lambda builds: nothing, one client, two or three clients, or a step's clients
/// struct ([`clients!`]).
pub trait Clients: Sized {
    /// The IAM service prefixes of the clients, in the order they are declared.
    const SERVICES: &'static [&'static str];
    fn build(config: &SdkConfig) -> Self;
}

impl Clients for () {
    const SERVICES: &'static [&'static str] = &[];
    fn build(_: &SdkConfig) -> Self {}
}

impl<A: Client> Clients for A {
    const SERVICES: &'static [&'static str] = &[A::SERVICE];
    fn build(config: &SdkConfig) -> Self {
        A::build(config)
    }
}

impl<A: Client, B: Client> Clients for (A, B) {
    const SERVICES: &'static [&'static str] = &[A::SERVICE, B::SERVICE];
    fn build(config: &SdkConfig) -> Self {
        (A::build(config), B::build(config))
    }
}

impl<A: Client, B: Client, C: Client> Clients for (A, B, C) {
    const SERVICES: &'static [&'static str] = &[A::SERVICE, B::SERVICE, C::SERVICE];
    fn build(config: &SdkConfig) -> Self {
        (A::build(config), B::build(config), C::build(config))
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
            fn build(config: &aws_config::SdkConfig) -> Self {
                $name {
                    $($field: <$client as $crate::aws::Client>::build(config),)*
                }
            }
        }
    };
}
pub(crate) use clients;
