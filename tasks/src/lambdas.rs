//! Every task Lambda's entry point: one plain (non-generic) function per task, and [`serve`],
//! which picks one by name.
//!
//! Why here and not in each `main`: a task's handler, its futures and the SDK code they
//! instantiate are compiled once, in this library. Each `src/bin/<task>.rs` then only links
//! (`cargo lambda watch` runs a function by its binary's name), and the one release bootstrap
//! (`src/bin/bootstrap.rs`, `make package`) serves every task by the function's `IR_TASK`. Each
//! entry is typed by its contract ([`runtime::serve`] takes the task's `Input` and `Output` and
//! its `NAME`), so a main and its contract cannot disagree.
//!
//! Each entry builds only the clients its handler takes, named once per task ([`Entry`], in
//! `entries!`), and the tests below hold that set to the IAM actions the task's contract grants
//! (see [`crate::aws`]).

use crate::aws::Clients;
use crate::{authenticate, cases, credentials, ec2, ip, normalize, notify, runtime, settings};
use contract::tasks::authenticate::{AuthenticateAnswer, AuthenticateRequest};
use contract::tasks::credentials::{
    AssessPrincipal, DeactivateAccessKey, HandOffInstance, RecordCredentials, ReleaseCredentials,
    RestrictUser, RevokeRoleSessions,
};
use contract::tasks::ec2::{
    AssessInstance, AttachForensics, CaptureVolatileEvidence, DetachFromServices, IsolateNetwork,
    ProtectInstance, RecordCase, RecordPreState, ReleaseInstance, RemoveInstanceProfile,
    SnapshotVolumes, TagInstance, VerifyIsolation,
};
use contract::tasks::ip::{BlockInNacl, BlockInWaf, ExpireBlocks, ScreenAddresses};
use contract::tasks::settings::{
    BlockAccountPublicAccess, BlockBucketPublicAccess, EvaluateTrailLogging, GuardAwsIrTags,
    IdentifyConfigRule, ReleaseAccountPublicAccess, ReleaseBucketPublicAccess, ReleaseTrailLogging,
    RestartTrailLogging, RestoreIngress, RevokeOpenIngress,
};
use contract::tasks::{ClaimCase, Normalize, Notify};
use contract::Task;
use lambda_runtime::Error;
use std::future::Future;
use std::time::Duration;

/// Leave the capture Lambda time to answer: it runs up to 900 s.
const CAPTURE_BUDGET: Duration = Duration::from_secs(840);

/// The Tokio runtime `#[tokio::main]` builds, around one Lambda's life.
fn block_on(serve: impl Future<Output = Result<(), Error>>) -> Result<(), Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(serve)
}

/// Every task, by contract name.
pub const TASKS: &[&str] = &[
    AssessInstance::NAME,
    AssessPrincipal::NAME,
    AttachForensics::NAME,
    AuthenticateAnswer::NAME,
    AuthenticateRequest::NAME,
    BlockAccountPublicAccess::NAME,
    BlockBucketPublicAccess::NAME,
    BlockInNacl::NAME,
    BlockInWaf::NAME,
    CaptureVolatileEvidence::NAME,
    ClaimCase::NAME,
    DeactivateAccessKey::NAME,
    DetachFromServices::NAME,
    EvaluateTrailLogging::NAME,
    ExpireBlocks::NAME,
    GuardAwsIrTags::NAME,
    HandOffInstance::NAME,
    IdentifyConfigRule::NAME,
    IsolateNetwork::NAME,
    Normalize::NAME,
    Notify::NAME,
    ProtectInstance::NAME,
    RecordCase::NAME,
    RecordCredentials::NAME,
    RecordPreState::NAME,
    ReleaseAccountPublicAccess::NAME,
    ReleaseBucketPublicAccess::NAME,
    ReleaseCredentials::NAME,
    ReleaseInstance::NAME,
    ReleaseTrailLogging::NAME,
    RemoveInstanceProfile::NAME,
    RestartTrailLogging::NAME,
    RestoreIngress::NAME,
    RestrictUser::NAME,
    RevokeOpenIngress::NAME,
    RevokeRoleSessions::NAME,
    ScreenAddresses::NAME,
    SnapshotVolumes::NAME,
    TagInstance::NAME,
    VerifyIsolation::NAME,
];

/// A task's Lambda: the clients its handler takes, and so the only ones it builds.
pub trait Entry: Task {
    /// Built once per Lambda instance by [`clients`]; see [`crate::aws`].
    type Clients: Clients;
}

/// Declares each task's clients once: its [`Entry`], and the services the test below holds to
/// the task's IAM permissions.
macro_rules! entries {
    ($($task:ty => $clients:ty,)*) => {
        $(impl Entry for $task {
            type Clients = $clients;
        })*

        /// The IAM service prefixes of the clients `task`'s Lambda builds, and the actions its
        /// contract grants; `None` for no task.
        #[cfg(test)]
        fn services(task: &str) -> Option<(&'static [&'static str], Vec<contract::Permission>)> {
            $(if task == <$task as Task>::NAME {
                return Some((
                    <<$task as Entry>::Clients as Clients>::SERVICES,
                    <$task as Task>::permissions(),
                ));
            })*
            None
        }
    };
}

entries! {
    AssessInstance => ec2::assess::AssessInstanceClients,
    AssessPrincipal => credentials::assess::AssessPrincipalClients,
    AttachForensics => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    AuthenticateAnswer => authenticate::Sts,
    AuthenticateRequest => (aws_sdk_iam::Client, authenticate::Sts),
    BlockAccountPublicAccess => settings::BlockAccountClients,
    BlockBucketPublicAccess => settings::BlockBucketClients,
    BlockInNacl => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    BlockInWaf => (aws_sdk_wafv2::Client, aws_sdk_dynamodb::Client),
    CaptureVolatileEvidence => ec2::capture::CaptureClients,
    ClaimCase => (aws_sdk_dynamodb::Client, aws_sdk_sfn::Client),
    DeactivateAccessKey => (aws_sdk_iam::Client, aws_sdk_dynamodb::Client),
    DetachFromServices => ec2::detach::DetachClients,
    EvaluateTrailLogging => settings::EvaluateTrailClients,
    ExpireBlocks => ip::expire::ExpireClients,
    GuardAwsIrTags => settings::GuardTagsClients,
    HandOffInstance => (aws_sdk_sfn::Client, aws_config::SdkConfig),
    IdentifyConfigRule => aws_sdk_config::Client,
    IsolateNetwork => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    Normalize => (),
    Notify => (aws_sdk_sns::Client, aws_sdk_securityhub::Client, aws_sdk_ssm::Client),
    ProtectInstance => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    RecordCase => (aws_sdk_dynamodb::Client, aws_sdk_s3::Client),
    RecordCredentials => aws_sdk_dynamodb::Client,
    RecordPreState => ec2::prestate::PreStateClients,
    ReleaseAccountPublicAccess => (aws_sdk_s3control::Client, aws_sdk_dynamodb::Client),
    ReleaseBucketPublicAccess => (aws_sdk_s3::Client, aws_sdk_dynamodb::Client),
    ReleaseCredentials => credentials::release::ReleaseCredentialsClients,
    ReleaseInstance => ec2::release::ReleaseInstanceClients,
    ReleaseTrailLogging => (aws_sdk_cloudtrail::Client, aws_sdk_dynamodb::Client),
    RemoveInstanceProfile => ec2::profile::ProfileClients,
    RestartTrailLogging => settings::RestartTrailClients,
    RestoreIngress => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    RestrictUser => (aws_sdk_iam::Client, aws_sdk_dynamodb::Client),
    RevokeOpenIngress => settings::RevokeOpenIngressClients,
    RevokeRoleSessions => (aws_sdk_iam::Client, aws_sdk_dynamodb::Client),
    ScreenAddresses => ip::screen::ScreenClients,
    SnapshotVolumes => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    TagInstance => (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client),
    VerifyIsolation => ec2::verify::VerifyClients,
}

/// The clients task `T`'s handler takes, built from the one SDK configuration
/// ([`crate::aws_config`]). Building a client makes no call.
async fn clients<T: Entry>() -> T::Clients {
    <T::Clients as Clients>::build(&crate::aws_config().await)
}

/// Runs the Lambda of `task` (a name in [`TASKS`]).
pub fn serve(task: &str) -> Result<(), Error> {
    match task {
        AssessInstance::NAME => assess_instance(),
        AssessPrincipal::NAME => assess_principal(),
        AttachForensics::NAME => attach_forensics(),
        AuthenticateAnswer::NAME => authenticate_answer(),
        AuthenticateRequest::NAME => authenticate_request(),
        BlockAccountPublicAccess::NAME => block_account_public_access(),
        BlockBucketPublicAccess::NAME => block_bucket_public_access(),
        BlockInNacl::NAME => block_in_nacl(),
        BlockInWaf::NAME => block_in_waf(),
        CaptureVolatileEvidence::NAME => capture_volatile_evidence(),
        ClaimCase::NAME => claim_case(),
        DeactivateAccessKey::NAME => deactivate_access_key(),
        DetachFromServices::NAME => detach_from_services(),
        EvaluateTrailLogging::NAME => evaluate_trail_logging(),
        ExpireBlocks::NAME => expire_blocks(),
        GuardAwsIrTags::NAME => guard_aws_ir_tags(),
        HandOffInstance::NAME => hand_off_instance(),
        IdentifyConfigRule::NAME => identify_config_rule(),
        IsolateNetwork::NAME => isolate_network(),
        Normalize::NAME => normalize(),
        Notify::NAME => notify(),
        ProtectInstance::NAME => protect_instance(),
        RecordCase::NAME => record_case(),
        RecordCredentials::NAME => record_credentials(),
        RecordPreState::NAME => record_pre_state(),
        ReleaseAccountPublicAccess::NAME => release_account_public_access(),
        ReleaseBucketPublicAccess::NAME => release_bucket_public_access(),
        ReleaseCredentials::NAME => release_credentials(),
        ReleaseInstance::NAME => release_instance(),
        ReleaseTrailLogging::NAME => release_trail_logging(),
        RemoveInstanceProfile::NAME => remove_instance_profile(),
        RestartTrailLogging::NAME => restart_trail_logging(),
        RestoreIngress::NAME => restore_ingress(),
        RestrictUser::NAME => restrict_user(),
        RevokeOpenIngress::NAME => revoke_open_ingress(),
        RevokeRoleSessions::NAME => revoke_role_sessions(),
        ScreenAddresses::NAME => screen_addresses(),
        SnapshotVolumes::NAME => snapshot_volumes(),
        TagInstance::NAME => tag_instance(),
        VerifyIsolation::NAME => verify_isolation(),
        other => Err(format!(
            "no task is named `{other}`: set the function's IR_TASK to one of {}",
            TASKS.join(", ")
        )
        .into()),
    }
}

/// `assess-instance`: [`AssessInstance`].
pub fn assess_instance() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<AssessInstance>().await;
        runtime::serve::<AssessInstance, _, _>(move |input| async move {
            ec2::assess::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `assess-principal`: [`AssessPrincipal`].
pub fn assess_principal() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<AssessPrincipal>().await;
        runtime::serve::<AssessPrincipal, _, _>(move |input| async move {
            credentials::assess::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `attach-forensics`: [`AttachForensics`].
pub fn attach_forensics() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<AttachForensics>().await;
        runtime::serve::<AttachForensics, _, _>(move |input| async move {
            ec2::forensics::handle(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `authenticate-answer`: [`AuthenticateAnswer`].
pub fn authenticate_answer() -> Result<(), Error> {
    block_on(async {
        let sts = &clients::<AuthenticateAnswer>().await;
        runtime::serve::<AuthenticateAnswer, _, _>(move |input| async move {
            authenticate::authenticate_answer(sts, input).await
        })
        .await
    })
}

/// `authenticate-request`: [`AuthenticateRequest`].
pub fn authenticate_request() -> Result<(), Error> {
    block_on(async {
        let (iam, sts) = &clients::<AuthenticateRequest>().await;
        runtime::serve::<AuthenticateRequest, _, _>(move |input| async move {
            authenticate::authenticate_request(iam, sts, input).await
        })
        .await
    })
}

/// `block-account-public-access`: [`BlockAccountPublicAccess`].
pub fn block_account_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<BlockAccountPublicAccess>().await;
        runtime::serve::<BlockAccountPublicAccess, _, _>(move |input| async move {
            settings::block_account_public_access(aws, input).await
        })
        .await
    })
}

/// `block-bucket-public-access`: [`BlockBucketPublicAccess`].
pub fn block_bucket_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<BlockBucketPublicAccess>().await;
        runtime::serve::<BlockBucketPublicAccess, _, _>(move |input| async move {
            settings::block_bucket_public_access(aws, input).await
        })
        .await
    })
}

/// `block-in-nacl`: [`BlockInNacl`].
pub fn block_in_nacl() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<BlockInNacl>().await;
        runtime::serve::<BlockInNacl, _, _>(move |input| async move {
            ip::block::block_in_nacl(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `block-in-waf`: [`BlockInWaf`].
pub fn block_in_waf() -> Result<(), Error> {
    block_on(async {
        let (wafv2, dynamodb) = &clients::<BlockInWaf>().await;
        runtime::serve::<BlockInWaf, _, _>(move |input| async move {
            ip::block::block_in_waf(wafv2, dynamodb, input).await
        })
        .await
    })
}

/// `capture-volatile-evidence`: [`CaptureVolatileEvidence`].
pub fn capture_volatile_evidence() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<CaptureVolatileEvidence>().await;
        runtime::serve::<CaptureVolatileEvidence, _, _>(move |input| async move {
            ec2::capture::handle(aws, input, CAPTURE_BUDGET).await
        })
        .await
    })
}

/// `claim-case`: [`ClaimCase`].
pub fn claim_case() -> Result<(), Error> {
    block_on(async {
        let (dynamodb, sfn) = &clients::<ClaimCase>().await;
        runtime::serve::<ClaimCase, _, _>(move |input| async move {
            cases::claim_case(dynamodb, sfn, input).await
        })
        .await
    })
}

/// `deactivate-access-key`: [`DeactivateAccessKey`].
pub fn deactivate_access_key() -> Result<(), Error> {
    block_on(async {
        let (iam, dynamodb) = &clients::<DeactivateAccessKey>().await;
        runtime::serve::<DeactivateAccessKey, _, _>(move |input| async move {
            credentials::cuts::deactivate_access_key(iam, dynamodb, input).await
        })
        .await
    })
}

/// `detach-from-services`: [`DetachFromServices`].
pub fn detach_from_services() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<DetachFromServices>().await;
        runtime::serve::<DetachFromServices, _, _>(move |input| async move {
            ec2::detach::handle(aws, input).await
        })
        .await
    })
}

/// `evaluate-trail-logging`: [`EvaluateTrailLogging`].
pub fn evaluate_trail_logging() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<EvaluateTrailLogging>().await;
        runtime::serve::<EvaluateTrailLogging, _, _>(move |input| async move {
            settings::evaluate_trail_logging(aws, input).await
        })
        .await
    })
}

/// `expire-blocks`: [`ExpireBlocks`].
pub fn expire_blocks() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<ExpireBlocks>().await;
        runtime::serve::<ExpireBlocks, _, _>(move |input| async move {
            ip::expire::expire_blocks(aws, input).await
        })
        .await
    })
}

/// `guard-aws-ir-tags`: [`GuardAwsIrTags`].
pub fn guard_aws_ir_tags() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<GuardAwsIrTags>().await;
        runtime::serve::<GuardAwsIrTags, _, _>(move |input| async move {
            settings::guard_aws_ir_tags(aws, input).await
        })
        .await
    })
}

/// `hand-off-instance`: [`HandOffInstance`].
pub fn hand_off_instance() -> Result<(), Error> {
    block_on(async {
        let (sfn, config) = &clients::<HandOffInstance>().await;
        runtime::serve::<HandOffInstance, _, _>(move |input| async move {
            credentials::handoff::hand_off(sfn, config, input).await
        })
        .await
    })
}

/// `identify-config-rule`: [`IdentifyConfigRule`].
pub fn identify_config_rule() -> Result<(), Error> {
    block_on(async {
        let config = &clients::<IdentifyConfigRule>().await;
        runtime::serve::<IdentifyConfigRule, _, _>(move |input| async move {
            settings::identify_config_rule(config, input).await
        })
        .await
    })
}

/// `isolate-network`: [`IsolateNetwork`].
pub fn isolate_network() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<IsolateNetwork>().await;
        runtime::serve::<IsolateNetwork, _, _>(move |input| async move {
            ec2::isolate::handle(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `normalize`: [`Normalize`].
pub fn normalize() -> Result<(), Error> {
    block_on(async {
        runtime::serve::<Normalize, _, _>(|input| async move { normalize::normalize(input) }).await
    })
}

/// `notify`: [`Notify`].
pub fn notify() -> Result<(), Error> {
    block_on(async {
        let (sns, securityhub, ssm) = &clients::<Notify>().await;
        runtime::serve::<Notify, _, _>(move |input| async move {
            notify::handle(sns, securityhub, ssm, input).await
        })
        .await
    })
}

/// `protect-instance`: [`ProtectInstance`].
pub fn protect_instance() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<ProtectInstance>().await;
        runtime::serve::<ProtectInstance, _, _>(move |input| async move {
            ec2::protect::handle(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `record-case`: [`RecordCase`].
pub fn record_case() -> Result<(), Error> {
    block_on(async {
        let (dynamodb, s3) = &clients::<RecordCase>().await;
        runtime::serve::<RecordCase, _, _>(move |input| async move {
            ec2::record::handle(dynamodb, s3, input, &crate::now()).await
        })
        .await
    })
}

/// `record-credentials`: [`RecordCredentials`].
pub fn record_credentials() -> Result<(), Error> {
    block_on(async {
        let dynamodb = &clients::<RecordCredentials>().await;
        runtime::serve::<RecordCredentials, _, _>(move |input| async move {
            credentials::record::handle(dynamodb, input, &crate::now()).await
        })
        .await
    })
}

/// `record-pre-state`: [`RecordPreState`].
pub fn record_pre_state() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<RecordPreState>().await;
        runtime::serve::<RecordPreState, _, _>(move |input| async move {
            ec2::prestate::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `release-account-public-access`: [`ReleaseAccountPublicAccess`].
pub fn release_account_public_access() -> Result<(), Error> {
    block_on(async {
        let (s3control, dynamodb) = &clients::<ReleaseAccountPublicAccess>().await;
        runtime::serve::<ReleaseAccountPublicAccess, _, _>(move |input| async move {
            settings::release_account_public_access(s3control, dynamodb, input).await
        })
        .await
    })
}

/// `release-bucket-public-access`: [`ReleaseBucketPublicAccess`].
pub fn release_bucket_public_access() -> Result<(), Error> {
    block_on(async {
        let (s3, dynamodb) = &clients::<ReleaseBucketPublicAccess>().await;
        runtime::serve::<ReleaseBucketPublicAccess, _, _>(move |input| async move {
            settings::release_bucket_public_access(s3, dynamodb, input).await
        })
        .await
    })
}

/// `release-credentials`: [`ReleaseCredentials`].
pub fn release_credentials() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<ReleaseCredentials>().await;
        runtime::serve::<ReleaseCredentials, _, _>(move |input| async move {
            credentials::release::handle(aws, input).await
        })
        .await
    })
}

/// `release-instance`: [`ReleaseInstance`].
pub fn release_instance() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<ReleaseInstance>().await;
        runtime::serve::<ReleaseInstance, _, _>(move |input| async move {
            ec2::release::handle(aws, input).await
        })
        .await
    })
}

/// `release-trail-logging`: [`ReleaseTrailLogging`].
pub fn release_trail_logging() -> Result<(), Error> {
    block_on(async {
        let (cloudtrail, dynamodb) = &clients::<ReleaseTrailLogging>().await;
        runtime::serve::<ReleaseTrailLogging, _, _>(move |input| async move {
            settings::release_trail_logging(cloudtrail, dynamodb, input).await
        })
        .await
    })
}

/// `remove-instance-profile`: [`RemoveInstanceProfile`].
pub fn remove_instance_profile() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<RemoveInstanceProfile>().await;
        runtime::serve::<RemoveInstanceProfile, _, _>(move |input| async move {
            ec2::profile::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `restart-trail-logging`: [`RestartTrailLogging`].
pub fn restart_trail_logging() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<RestartTrailLogging>().await;
        runtime::serve::<RestartTrailLogging, _, _>(move |input| async move {
            settings::restart_trail_logging(aws, input).await
        })
        .await
    })
}

/// `restore-ingress`: [`RestoreIngress`].
pub fn restore_ingress() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<RestoreIngress>().await;
        runtime::serve::<RestoreIngress, _, _>(move |input| async move {
            settings::restore_ingress(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `restrict-user`: [`RestrictUser`].
pub fn restrict_user() -> Result<(), Error> {
    block_on(async {
        let (iam, dynamodb) = &clients::<RestrictUser>().await;
        runtime::serve::<RestrictUser, _, _>(move |input| async move {
            credentials::cuts::restrict_user(iam, dynamodb, input).await
        })
        .await
    })
}

/// `revoke-open-ingress`: [`RevokeOpenIngress`].
pub fn revoke_open_ingress() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<RevokeOpenIngress>().await;
        runtime::serve::<RevokeOpenIngress, _, _>(move |input| async move {
            settings::revoke_open_ingress(aws, input).await
        })
        .await
    })
}

/// `revoke-role-sessions`: [`RevokeRoleSessions`].
pub fn revoke_role_sessions() -> Result<(), Error> {
    block_on(async {
        let (iam, dynamodb) = &clients::<RevokeRoleSessions>().await;
        runtime::serve::<RevokeRoleSessions, _, _>(move |input| async move {
            credentials::cuts::revoke_role_sessions(iam, dynamodb, input, &crate::now()).await
        })
        .await
    })
}

/// `screen-addresses`: [`ScreenAddresses`].
pub fn screen_addresses() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<ScreenAddresses>().await;
        runtime::serve::<ScreenAddresses, _, _>(move |input| async move {
            ip::screen::screen_addresses(aws, input).await
        })
        .await
    })
}

/// `snapshot-volumes`: [`SnapshotVolumes`].
pub fn snapshot_volumes() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<SnapshotVolumes>().await;
        runtime::serve::<SnapshotVolumes, _, _>(move |input| async move {
            ec2::snapshot::handle(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `tag-instance`: [`TagInstance`].
pub fn tag_instance() -> Result<(), Error> {
    block_on(async {
        let (ec2, dynamodb) = &clients::<TagInstance>().await;
        runtime::serve::<TagInstance, _, _>(move |input| async move {
            ec2::tag::handle(ec2, dynamodb, input).await
        })
        .await
    })
}

/// `verify-isolation`: [`VerifyIsolation`].
pub fn verify_isolation() -> Result<(), Error> {
    block_on(async {
        let aws = &clients::<VerifyIsolation>().await;
        runtime::serve::<VerifyIsolation, _, _>(move |input| async move {
            ec2::verify::handle(aws, input).await
        })
        .await
    })
}

#[cfg(test)]
mod tests {
    use super::TASKS;
    use std::collections::BTreeSet;
    use std::path::Path;

    fn sorted(names: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        names.into_iter().collect()
    }

    /// Every task has its per-task binary (their names are also the functions `cargo lambda
    /// watch` knows), named as its contract, and nothing else is a binary but the bootstrap.
    #[test]
    fn every_task_has_its_binary_and_every_binary_its_task() {
        let manifest =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
                .unwrap();
        let bins = manifest
            .split("[[bin]]")
            .skip(1)
            .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("name = ")))
            .map(|n| n.trim_matches('"').to_string())
            .filter(|n| n != "bootstrap");
        assert_eq!(sorted(bins), sorted(TASKS.iter().map(|t| t.to_string())));
    }

    /// Every function of every generated template names a task the bootstrap serves.
    #[test]
    fn the_bootstrap_serves_every_task_the_templates_run() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cloudformation");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let template: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for (id, r) in template["Resources"].as_object().into_iter().flatten() {
                if r["Type"] != "AWS::Lambda::Function" {
                    continue;
                }
                let task = r["Properties"]["Environment"]["Variables"]["IR_TASK"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    TASKS.contains(&task),
                    "{} {id}: IR_TASK `{task}` is no task",
                    path.display()
                );
                seen += 1;
            }
        }
        assert!(seen > 30, "{seen} functions");
    }

    /// Services a Lambda calls with no grant of its role: (service, why).
    const UNGRANTED: &[(&str, &str)] = &[(
        "sts",
        "proofs: a presigned sts:GetCallerIdentity, which no IAM policy grants or denies, signed \
         by hand-off and only forwarded (signed by others) by the authenticate tasks",
    )];

    /// The services `permissions` grant calls of. A key granted only through another service
    /// (`kms:ViaService`) is a use of that service, which the Lambda calls; `iam:PassRole` is
    /// authorized when another service's call passes a role, not called.
    fn granted(permissions: &[contract::Permission]) -> BTreeSet<&'static str> {
        permissions
            .iter()
            .flat_map(|p| {
                let via = p
                    .conditions
                    .iter()
                    .find(|(_, key, _)| key.ends_with(":ViaService"))
                    .map(|(_, _, via)| via.iter().map(|v| v.split('.').next().unwrap_or(v)));
                let called = p
                    .actions
                    .iter()
                    .filter(|a| **a != "iam:PassRole")
                    .map(|a| a.split(':').next().unwrap_or(a));
                match via {
                    Some(via) => via.collect::<Vec<_>>(),
                    None => called.collect(),
                }
            })
            .collect()
    }

    /// Each Lambda builds clients of exactly the services its role grants (see `crate::aws`):
    /// a client its role may not call fails here, and so does a grant for a service none of
    /// its clients calls.
    #[test]
    fn every_lambda_builds_the_clients_its_role_grants_and_no_other() {
        let mut wrong = Vec::new();
        for task in TASKS {
            let Some((built, permissions)) = super::services(task) else {
                wrong.push(format!(
                    "{task}: declares no clients (`entries!` in lambdas.rs)"
                ));
                continue;
            };
            let built: BTreeSet<&str> = built
                .iter()
                .copied()
                .filter(|s| !UNGRANTED.iter().any(|(u, _)| u == s))
                .collect();
            let granted = granted(&permissions);
            let differ: BTreeSet<&str> = built.symmetric_difference(&granted).copied().collect();
            if !differ.is_empty() {
                wrong.push(format!(
                    "{task}: builds clients of {built:?}, its role grants {granted:?}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// The entry points build their clients only through `clients::<their own task>()`, the
    /// set the test above checks, and the SDK configuration only there.
    #[test]
    fn every_entry_builds_the_clients_of_its_own_task_only() {
        let source =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lambdas.rs"))
                .unwrap();
        let code = source.split("#[cfg(test)]\nmod tests").next().unwrap();
        assert_eq!(
            code.matches("aws_config()").count(),
            1,
            "built once, in `clients`"
        );
        let mut entries = 0;
        for entry in code.split("\npub fn ").skip(1) {
            let Some(task) = entry
                .split("runtime::serve::<")
                .nth(1)
                .and_then(|s| s.split(',').next())
            else {
                continue;
            };
            entries += 1;
            for built in entry.split("clients::<").skip(1) {
                assert!(built.starts_with(&format!("{task}>()")), "{entry}");
            }
            for other in [
                "::new(",
                "from_conf",
                "from_config",
                "::build(",
                "aws_config",
            ] {
                assert!(!entry.contains(other), "{entry}");
            }
        }
        assert_eq!(entries, TASKS.len());
    }

    #[test]
    fn an_unknown_task_is_named_with_what_to_do() {
        let e = super::serve("isolate-netwrok").unwrap_err().to_string();
        assert!(
            e.contains("isolate-netwrok") && e.contains("IR_TASK") && e.contains("isolate-network"),
            "{e}"
        );
    }
}
