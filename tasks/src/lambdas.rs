//! Every task Lambda's entry point: one plain (non-generic) function per task, and [`serve`],
//! which picks one by name.
//!
//! Why here and not in each `main`: a task's handler, its futures and the SDK code they
//! instantiate are compiled once, in this library. Each `src/bin/<task>.rs` then only links
//! (`cargo lambda watch` runs a function by its binary's name), and the one release bootstrap
//! (`src/bin/bootstrap.rs`, `make package`) serves every task by the function's `IR_TASK`. Each
//! entry is typed by its contract ([`runtime::serve`] takes the task's `Input` and `Output` and
//! its `NAME`), so a main and its contract cannot disagree.

use crate::aws::Aws;
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
        let aws = &Aws::from_env().await;
        runtime::serve::<AssessInstance, _, _>(move |input| async move {
            ec2::assess::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `assess-principal`: [`AssessPrincipal`].
pub fn assess_principal() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<AssessPrincipal, _, _>(move |input| async move {
            credentials::assess::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `attach-forensics`: [`AttachForensics`].
pub fn attach_forensics() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<AttachForensics, _, _>(move |input| async move {
            ec2::forensics::handle(aws, input).await
        })
        .await
    })
}

/// `authenticate-answer`: [`AuthenticateAnswer`].
pub fn authenticate_answer() -> Result<(), Error> {
    block_on(async {
        let sts = &authenticate::Sts::from_config(&crate::aws_config().await);
        runtime::serve::<AuthenticateAnswer, _, _>(move |input| async move {
            authenticate::authenticate_answer(sts, input).await
        })
        .await
    })
}

/// `authenticate-request`: [`AuthenticateRequest`].
pub fn authenticate_request() -> Result<(), Error> {
    block_on(async {
        let config = crate::aws_config().await;
        let iam = &aws_sdk_iam::Client::new(&config);
        let sts = &authenticate::Sts::from_config(&config);
        runtime::serve::<AuthenticateRequest, _, _>(move |input| async move {
            authenticate::authenticate_request(iam, sts, input).await
        })
        .await
    })
}

/// `block-account-public-access`: [`BlockAccountPublicAccess`].
pub fn block_account_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<BlockAccountPublicAccess, _, _>(move |input| async move {
            settings::block_account_public_access(aws, input).await
        })
        .await
    })
}

/// `block-bucket-public-access`: [`BlockBucketPublicAccess`].
pub fn block_bucket_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<BlockBucketPublicAccess, _, _>(move |input| async move {
            settings::block_bucket_public_access(aws, input).await
        })
        .await
    })
}

/// `block-in-nacl`: [`BlockInNacl`].
pub fn block_in_nacl() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<BlockInNacl, _, _>(move |input| async move {
            ip::block::block_in_nacl(aws, input).await
        })
        .await
    })
}

/// `block-in-waf`: [`BlockInWaf`].
pub fn block_in_waf() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<BlockInWaf, _, _>(move |input| async move {
            ip::block::block_in_waf(aws, input).await
        })
        .await
    })
}

/// `capture-volatile-evidence`: [`CaptureVolatileEvidence`].
pub fn capture_volatile_evidence() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<CaptureVolatileEvidence, _, _>(move |input| async move {
            ec2::capture::handle(aws, input, CAPTURE_BUDGET).await
        })
        .await
    })
}

/// `claim-case`: [`ClaimCase`].
pub fn claim_case() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ClaimCase, _, _>(move |input| async move {
            cases::claim_case(&aws.dynamodb, &aws.sfn, input).await
        })
        .await
    })
}

/// `deactivate-access-key`: [`DeactivateAccessKey`].
pub fn deactivate_access_key() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<DeactivateAccessKey, _, _>(move |input| async move {
            credentials::cuts::deactivate_access_key(aws, input).await
        })
        .await
    })
}

/// `detach-from-services`: [`DetachFromServices`].
pub fn detach_from_services() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<DetachFromServices, _, _>(move |input| async move {
            ec2::detach::handle(aws, input).await
        })
        .await
    })
}

/// `evaluate-trail-logging`: [`EvaluateTrailLogging`].
pub fn evaluate_trail_logging() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<EvaluateTrailLogging, _, _>(move |input| async move {
            settings::evaluate_trail_logging(aws, input).await
        })
        .await
    })
}

/// `expire-blocks`: [`ExpireBlocks`].
pub fn expire_blocks() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ExpireBlocks, _, _>(move |input| async move {
            ip::expire::expire_blocks(aws, input).await
        })
        .await
    })
}

/// `guard-aws-ir-tags`: [`GuardAwsIrTags`].
pub fn guard_aws_ir_tags() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<GuardAwsIrTags, _, _>(move |input| async move {
            settings::guard_aws_ir_tags(aws, input).await
        })
        .await
    })
}

/// `hand-off-instance`: [`HandOffInstance`].
pub fn hand_off_instance() -> Result<(), Error> {
    block_on(async {
        let config = &crate::aws_config().await;
        let sfn = &aws_sdk_sfn::Client::new(config);
        runtime::serve::<HandOffInstance, _, _>(move |input| async move {
            credentials::handoff::hand_off(sfn, config, input).await
        })
        .await
    })
}

/// `identify-config-rule`: [`IdentifyConfigRule`].
pub fn identify_config_rule() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<IdentifyConfigRule, _, _>(move |input| async move {
            settings::identify_config_rule(&aws.config, input).await
        })
        .await
    })
}

/// `isolate-network`: [`IsolateNetwork`].
pub fn isolate_network() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<IsolateNetwork, _, _>(move |input| async move {
            ec2::isolate::handle(aws, input).await
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
        let config = crate::aws_config().await;
        let sns = &aws_sdk_sns::Client::new(&config);
        let securityhub = &aws_sdk_securityhub::Client::new(&config);
        let ssm = &aws_sdk_ssm::Client::new(&config);
        runtime::serve::<Notify, _, _>(move |input| async move {
            notify::handle(sns, securityhub, ssm, input).await
        })
        .await
    })
}

/// `protect-instance`: [`ProtectInstance`].
pub fn protect_instance() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ProtectInstance, _, _>(move |input| async move {
            ec2::protect::handle(aws, input).await
        })
        .await
    })
}

/// `record-case`: [`RecordCase`].
pub fn record_case() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RecordCase, _, _>(move |input| async move {
            ec2::record::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `record-credentials`: [`RecordCredentials`].
pub fn record_credentials() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RecordCredentials, _, _>(move |input| async move {
            credentials::record::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `record-pre-state`: [`RecordPreState`].
pub fn record_pre_state() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RecordPreState, _, _>(move |input| async move {
            ec2::prestate::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `release-account-public-access`: [`ReleaseAccountPublicAccess`].
pub fn release_account_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ReleaseAccountPublicAccess, _, _>(move |input| async move {
            settings::release_account_public_access(aws, input).await
        })
        .await
    })
}

/// `release-bucket-public-access`: [`ReleaseBucketPublicAccess`].
pub fn release_bucket_public_access() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ReleaseBucketPublicAccess, _, _>(move |input| async move {
            settings::release_bucket_public_access(aws, input).await
        })
        .await
    })
}

/// `release-credentials`: [`ReleaseCredentials`].
pub fn release_credentials() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ReleaseCredentials, _, _>(move |input| async move {
            credentials::release::handle(aws, input).await
        })
        .await
    })
}

/// `release-instance`: [`ReleaseInstance`].
pub fn release_instance() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ReleaseInstance, _, _>(move |input| async move {
            ec2::release::handle(aws, input).await
        })
        .await
    })
}

/// `release-trail-logging`: [`ReleaseTrailLogging`].
pub fn release_trail_logging() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ReleaseTrailLogging, _, _>(move |input| async move {
            settings::release_trail_logging(aws, input).await
        })
        .await
    })
}

/// `remove-instance-profile`: [`RemoveInstanceProfile`].
pub fn remove_instance_profile() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RemoveInstanceProfile, _, _>(move |input| async move {
            ec2::profile::handle(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `restart-trail-logging`: [`RestartTrailLogging`].
pub fn restart_trail_logging() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RestartTrailLogging, _, _>(move |input| async move {
            settings::restart_trail_logging(aws, input).await
        })
        .await
    })
}

/// `restore-ingress`: [`RestoreIngress`].
pub fn restore_ingress() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RestoreIngress, _, _>(move |input| async move {
            settings::restore_ingress(aws, input).await
        })
        .await
    })
}

/// `restrict-user`: [`RestrictUser`].
pub fn restrict_user() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RestrictUser, _, _>(move |input| async move {
            credentials::cuts::restrict_user(aws, input).await
        })
        .await
    })
}

/// `revoke-open-ingress`: [`RevokeOpenIngress`].
pub fn revoke_open_ingress() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RevokeOpenIngress, _, _>(move |input| async move {
            settings::revoke_open_ingress(aws, input).await
        })
        .await
    })
}

/// `revoke-role-sessions`: [`RevokeRoleSessions`].
pub fn revoke_role_sessions() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<RevokeRoleSessions, _, _>(move |input| async move {
            credentials::cuts::revoke_role_sessions(aws, input, &crate::now()).await
        })
        .await
    })
}

/// `screen-addresses`: [`ScreenAddresses`].
pub fn screen_addresses() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<ScreenAddresses, _, _>(move |input| async move {
            ip::screen::screen_addresses(aws, input).await
        })
        .await
    })
}

/// `snapshot-volumes`: [`SnapshotVolumes`].
pub fn snapshot_volumes() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<SnapshotVolumes, _, _>(move |input| async move {
            ec2::snapshot::handle(aws, input).await
        })
        .await
    })
}

/// `tag-instance`: [`TagInstance`].
pub fn tag_instance() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
        runtime::serve::<TagInstance, _, _>(move |input| async move {
            ec2::tag::handle(aws, input).await
        })
        .await
    })
}

/// `verify-isolation`: [`VerifyIsolation`].
pub fn verify_isolation() -> Result<(), Error> {
    block_on(async {
        let aws = &Aws::from_env().await;
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

    #[test]
    fn an_unknown_task_is_named_with_what_to_do() {
        let e = super::serve("isolate-netwrok").unwrap_err().to_string();
        assert!(
            e.contains("isolate-netwrok") && e.contains("IR_TASK") && e.contains("isolate-network"),
            "{e}"
        );
    }
}
