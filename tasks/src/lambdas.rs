//! Every task Lambda's entry point, declared once per task in the `lambdas!` list: its contract
//! type, its entry function, the clients its handler takes and the handler call. [`serve`] picks
//! one by name.
//!
//! Why here and not in each `main`: a task's handler, its futures and the SDK code they
//! instantiate are compiled once, in this library, and the one bootstrap (`src/bin/bootstrap.rs`)
//! serves every task by the function's `IR_TASK` (`make package`, and the emulator). Each entry is
//! typed by its contract ([`runtime::serve`] takes the task's `Input`, `Output` and `NAME`), so
//! an entry and its contract cannot disagree.
//!
//! Each entry builds only the clients its handler takes ([`Entry`]), and the tests below hold
//! that set to the IAM actions the task's contract grants (see [`crate::aws`]).

use crate::aws::Clients;
use crate::{
    authenticate, cases, credentials, custody, ec2, ip, member, normalize, notify, runtime,
    settings,
};
use contract::tasks::authenticate::{AuthenticateAnswer, AuthenticateRequest};
use contract::tasks::credentials::{
    AssessPrincipal, DeactivateAccessKey, HandOffInstance, RecordCredentials, ReleaseCredentials,
    RestrictUser, RevokeRoleSessions,
};
use contract::tasks::custody::{
    FinishVerification, HashRange, LogRelease, PlanCustody, PlanVerification, SealCustody,
    TransferEvidence,
};
use contract::tasks::ec2::{
    AssessInstance, AttachForensics, CaptureVolatileEvidence, DetachFromServices, IsolateNetwork,
    ProtectInstance, RecordCase, RecordPreState, ReleaseInstance, RemoveInstanceProfile,
    ReviewRegistrations, SnapshotVolumes, SurveyRegistrations, TagInstance, VerifyIsolation,
};
use contract::tasks::ip::{BlockInNacl, BlockInWaf, ExpireBlocks, ScreenAddresses};
use contract::tasks::settings::{
    BlockAccountPublicAccess, BlockBucketPublicAccess, EvaluateTrailLogging, GuardAwsIrTags,
    IdentifyConfigRule, ReleaseAccountPublicAccess, ReleaseBucketPublicAccess, ReleaseTrailLogging,
    RestartTrailLogging, RestoreIngress, RevokeOpenIngress,
};
use contract::tasks::{ClaimCase, Normalize, Notify, ScreenAccount};
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

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A task's Lambda: the clients its handler takes, and so the only ones it builds.
pub trait Entry: Task {
    /// Built once per Lambda instance by [`clients`]; see [`crate::aws`].
    type Clients: Clients;
}

/// Declares every task's Lambda once: its contract type, entry function, the clients its
/// handler takes (and so the only ones it builds) and the handler call. From that one list come
/// [`TASKS`], [`serve`], each entry function and the [`Entry`] the test below holds to the
/// task's IAM permissions. A handler that acts in places its input's case does not name (the
/// expiry) also names a [`member::Places`].
macro_rules! lambdas {
    ($($task:ident => $entry:ident($clients:tt: $ty:ty, $input:ident $(, $places:ident)?) $handler:block)*) => {
        $(impl Entry for $task {
            type Clients = $ty;
        })*

        /// Every task, by contract name.
        pub const TASKS: &[&str] = &[$($task::NAME),*];

        /// The position of `task` in [`TASKS`], at compile time: a per-task binary names its
        /// task by its own name (`CARGO_BIN_NAME`), and [`serve_at`] with a constant position
        /// references that task's entry alone, so the linker drops every other task and every
        /// SDK client only they use.
        pub const fn position(task: &str) -> Option<usize> {
            let mut i = 0;
            while i < TASKS.len() {
                if same(TASKS[i], task) {
                    return Some(i);
                }
                i += 1;
            }
            None
        }

        /// Runs the Lambda of the task at `position` in [`TASKS`]. Inlined into the binary, so
        /// that a constant position keeps one arm.
        #[inline(always)]
        pub fn serve_at(position: usize) -> Result<(), Error> {
            let mut i = 0;
            $(if position == i {
                return $entry();
            }
            i += 1;)*
            Err(format!("no task at position {position} of {i}").into())
        }

        /// Runs the Lambda of `task` (a name in [`TASKS`]).
        pub fn serve(task: &str) -> Result<(), Error> {
            match position(task) {
                Some(at) => serve_at(at),
                None => Err(format!(
                    "no task is named `{task}`: set the function's IR_TASK to one of {}",
                    TASKS.join(", ")
                )
                .into()),
            }
        }

        $(#[doc = concat!("The Lambda of [`", stringify!($task), "`].")]
        pub fn $entry() -> Result<(), Error> {
            block_on(async {
                let (config, home) = clients::<$task>().await;
                let acting = &member::Acting::new($task::NAME, &$task::permissions(), config, home);
                runtime::serve::<$task, _, _>(move |$input, at| async move {
                    let $clients = &acting.clients(at.target.as_ref(), &at.function_arn).await?;
                    $(let $places = &member::Places::new(acting, &at.function_arn);)?
                    $handler
                })
                .await
            })
        })*

        /// The IAM service prefixes of the clients `task`'s Lambda builds, and the actions its
        /// contract grants; `None` for no task.
        #[cfg(test)]
        fn services(task: &str) -> Option<(&'static [&'static str], Vec<contract::Permission>)> {
            $(if task == $task::NAME {
                return Some((
                    <<$task as Entry>::Clients as Clients>::SERVICES,
                    $task::permissions(),
                ));
            })*
            None
        }
    };
}

lambdas! {
    HashRange => hash_range((ebs, s3): (aws_sdk_ebs::Client, aws_sdk_s3::Client), input) {
        custody::hash_range(ebs, s3, input).await
    }
    PlanCustody => plan_custody(aws: custody::plan::PlanCustodyClients, input) {
        custody::plan::plan(aws, input).await
    }
    PlanVerification => plan_verification((s3, kms): (aws_sdk_s3::Client, aws_sdk_kms::Client), input) {
        custody::verify::plan(s3, kms, input).await
    }
    FinishVerification => finish_verification(s3: aws_sdk_s3::Client, input) {
        custody::verify::finish(s3, input).await
    }
    TransferEvidence => transfer_evidence(aws: custody::transfer::TransferEvidenceClients, input) {
        custody::transfer::transfer(aws, input).await
    }
    SealCustody => seal_custody(aws: custody::seal::SealCustodyClients, input) {
        custody::seal::seal(aws, input).await
    }
    LogRelease => log_release(s3: aws_sdk_s3::Client, input) {
        custody::release::log(s3, input).await
    }
    AssessInstance => assess_instance(aws: ec2::assess::AssessInstanceClients, input) {
        ec2::assess::handle(aws, input, &crate::now()).await
    }
    AssessPrincipal => assess_principal(aws: credentials::assess::AssessPrincipalClients, input) {
        credentials::assess::handle(aws, input, &crate::now()).await
    }
    AttachForensics => attach_forensics((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ec2::forensics::handle(ec2, dynamodb, input).await
    }
    AuthenticateAnswer => authenticate_answer(sts: authenticate::Sts, input) {
        authenticate::authenticate_answer(sts, input).await
    }
    AuthenticateRequest => authenticate_request((iam, sts): (aws_sdk_iam::Client, authenticate::Sts), input) {
        authenticate::authenticate_request(iam, sts, input).await
    }
    BlockAccountPublicAccess => block_account_public_access(aws: settings::BlockAccountClients, input) {
        settings::block_account_public_access(aws, input).await
    }
    BlockBucketPublicAccess => block_bucket_public_access(aws: settings::BlockBucketClients, input) {
        settings::block_bucket_public_access(aws, input).await
    }
    BlockInNacl => block_in_nacl((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ip::block::block_in_nacl(ec2, dynamodb, input).await
    }
    BlockInWaf => block_in_waf((wafv2, dynamodb): (aws_sdk_wafv2::Client, aws_sdk_dynamodb::Client), input) {
        ip::block::block_in_waf(wafv2, dynamodb, input).await
    }
    CaptureVolatileEvidence => capture_volatile_evidence(aws: ec2::capture::CaptureClients, input) {
        ec2::capture::handle(aws, input, CAPTURE_BUDGET).await
    }
    ScreenAccount => screen_account(org: aws_sdk_organizations::Client, input) {
        crate::screen::screen(org, input).await
    }
    ClaimCase => claim_case((dynamodb, sfn): (aws_sdk_dynamodb::Client, aws_sdk_sfn::Client), input) {
        cases::claim_case(dynamodb, sfn, input).await
    }
    DeactivateAccessKey => deactivate_access_key((iam, dynamodb): (aws_sdk_iam::Client, aws_sdk_dynamodb::Client), input) {
        credentials::cuts::deactivate_access_key(iam, dynamodb, input).await
    }
    DetachFromServices => detach_from_services(aws: ec2::detach::DetachClients, input) {
        ec2::detach::handle(aws, input).await
    }
    EvaluateTrailLogging => evaluate_trail_logging(aws: settings::EvaluateTrailClients, input) {
        settings::evaluate_trail_logging(aws, input).await
    }
    ExpireBlocks => expire_blocks(aws: ip::expire::ExpireClients, input, places) {
        ip::expire::expire_blocks(aws, places, input).await
    }
    GuardAwsIrTags => guard_aws_ir_tags(aws: settings::GuardTagsClients, input) {
        settings::guard_aws_ir_tags(aws, input).await
    }
    HandOffInstance => hand_off_instance((sfn, config): (aws_sdk_sfn::Client, aws_config::SdkConfig), input) {
        credentials::handoff::hand_off(sfn, config, input).await
    }
    IdentifyConfigRule => identify_config_rule(config: aws_sdk_config::Client, input) {
        settings::identify_config_rule(config, input).await
    }
    IsolateNetwork => isolate_network((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ec2::isolate::handle(ec2, dynamodb, input).await
    }
    Normalize => normalize(_: (), input) {
        normalize::normalize(input)
    }
    Notify => notify((sns, securityhub, ssm): (aws_sdk_sns::Client, aws_sdk_securityhub::Client, aws_sdk_ssm::Client), input) {
        notify::handle(sns, securityhub, ssm, input).await
    }
    ProtectInstance => protect_instance((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ec2::protect::handle(ec2, dynamodb, input).await
    }
    RecordCase => record_case((dynamodb, s3): (aws_sdk_dynamodb::Client, aws_sdk_s3::Client), input) {
        ec2::record::handle(dynamodb, s3, input, &crate::now()).await
    }
    RecordCredentials => record_credentials(dynamodb: aws_sdk_dynamodb::Client, input) {
        credentials::record::handle(dynamodb, input, &crate::now()).await
    }
    RecordPreState => record_pre_state(aws: ec2::prestate::PreStateClients, input) {
        ec2::prestate::handle(aws, input, &crate::now()).await
    }
    ReleaseAccountPublicAccess => release_account_public_access((s3control, dynamodb): (aws_sdk_s3control::Client, aws_sdk_dynamodb::Client), input) {
        settings::release_account_public_access(s3control, dynamodb, input).await
    }
    ReleaseBucketPublicAccess => release_bucket_public_access((s3, dynamodb): (aws_sdk_s3::Client, aws_sdk_dynamodb::Client), input) {
        settings::release_bucket_public_access(s3, dynamodb, input).await
    }
    ReleaseCredentials => release_credentials(aws: credentials::release::ReleaseCredentialsClients, input) {
        credentials::release::handle(aws, input).await
    }
    ReleaseInstance => release_instance(aws: ec2::release::ReleaseInstanceClients, input) {
        ec2::release::handle(aws, input).await
    }
    ReleaseTrailLogging => release_trail_logging((cloudtrail, dynamodb): (aws_sdk_cloudtrail::Client, aws_sdk_dynamodb::Client), input) {
        settings::release_trail_logging(cloudtrail, dynamodb, input).await
    }
    RemoveInstanceProfile => remove_instance_profile(aws: ec2::profile::ProfileClients, input) {
        ec2::profile::handle(aws, input, &crate::now()).await
    }
    RestartTrailLogging => restart_trail_logging(aws: settings::RestartTrailClients, input) {
        settings::restart_trail_logging(aws, input).await
    }
    RestoreIngress => restore_ingress((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        settings::restore_ingress(ec2, dynamodb, input).await
    }
    RestrictUser => restrict_user((iam, dynamodb): (aws_sdk_iam::Client, aws_sdk_dynamodb::Client), input) {
        credentials::cuts::restrict_user(iam, dynamodb, input).await
    }
    RevokeOpenIngress => revoke_open_ingress(aws: settings::RevokeOpenIngressClients, input) {
        settings::revoke_open_ingress(aws, input).await
    }
    RevokeRoleSessions => revoke_role_sessions((iam, dynamodb): (aws_sdk_iam::Client, aws_sdk_dynamodb::Client), input) {
        credentials::cuts::revoke_role_sessions(iam, dynamodb, input, &crate::now()).await
    }
    ScreenAddresses => screen_addresses(aws: ip::screen::ScreenClients, input) {
        ip::screen::screen_addresses(aws, input).await
    }
    SnapshotVolumes => snapshot_volumes((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ec2::snapshot::handle(ec2, dynamodb, input).await
    }
    TagInstance => tag_instance((ec2, dynamodb): (aws_sdk_ec2::Client, aws_sdk_dynamodb::Client), input) {
        ec2::tag::handle(ec2, dynamodb, input).await
    }
    VerifyIsolation => verify_isolation(aws: ec2::verify::VerifyClients, input) {
        ec2::verify::handle(aws, input).await
    }
    SurveyRegistrations => survey_registrations(aws: ec2::survey::SurveyClients, input) {
        ec2::survey::survey(aws, input).await
    }
    ReviewRegistrations => review_registrations(aws: ec2::survey::ReviewClients, input) {
        ec2::survey::review(aws, input).await
    }
}

/// How long a Lambda's start waits for its connections (#19): about one TLS handshake in the
/// Region, with room to spare; an endpoint slower than that is left to the first request.
const PRECONNECT_BUDGET: Duration = Duration::from_millis(300);

/// The clients task `T`'s handler takes, built from the one SDK configuration
/// ([`crate::aws_config`]), with a connection open to each service endpoint they send to, so
/// that the first event does not pay for TLS and TCP (`connect::ready`). Building a client makes
/// no call; opening a connection sends `HEAD /`, which names no operation and carries no
/// credentials. `IR_PRECONNECT=0` leaves the connections to the first request (the cold-start
/// bench compares the two).
async fn clients<T: Entry>() -> (aws_config::SdkConfig, T::Clients) {
    if <T::Clients as Clients>::SERVICES.is_empty() {
        // No AWS client (normalize): no configuration to read either.
        let none = aws_config::SdkConfig::builder().build();
        let clients = <T::Clients as Clients>::build(&none);
        return (none, clients);
    }
    let config = crate::aws_config().await;
    let clients = <T::Clients as Clients>::build(&config);
    if std::env::var("IR_PRECONNECT").as_deref() != Ok("0") {
        let endpoints = <T::Clients as Clients>::endpoints(&config);
        let _ =
            tokio::time::timeout(PRECONNECT_BUDGET, connect::preconnect(&config, &endpoints)).await;
    }
    (config, clients)
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

    /// Every function of every generated template names a task the bootstrap serves, and runs
    /// either that task's own zip or the bootstrap's.
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
                let key = &r["Properties"]["Code"]["S3Key"]["Fn::If"];
                assert_eq!(
                    (&key[1]["Fn::Sub"], &key[2]["Fn::Sub"]),
                    (
                        &serde_json::json!("${ArtifactPrefix}/bootstrap.zip"),
                        &serde_json::json!(format!("${{ArtifactPrefix}}/{task}.zip"))
                    ),
                    "{} {id}",
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

    /// A client acts in one place (#20): in a case's member account, or at home. A task whose
    /// contract needs one service in both (its own calls, not another service's on its behalf)
    /// would send its home calls to the member, or the reverse.
    #[test]
    fn every_client_acts_either_in_the_member_or_at_home() {
        use contract::task::Place;
        let mut wrong = Vec::new();
        for task in TASKS {
            let Some((built, permissions)) = super::services(task) else {
                continue;
            };
            let member = crate::member::client_services(&permissions, Place::Member);
            let home = crate::member::client_services(&permissions, Place::Home);
            for service in built
                .iter()
                .filter(|s| member.contains(s) && home.contains(s))
            {
                wrong.push(format!(
                    "{task}: its {service} client is needed at home and in the member"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    /// Each entry builds its clients only through `clients::<its task>()` (the macro sees to
    /// that), so the handler calls in the list must not build any of their own, and the SDK
    /// configuration is built in one place.
    #[test]
    fn entries_build_no_clients_of_their_own() {
        let source =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lambdas.rs"))
                .unwrap();
        let code = source.split("#[cfg(test)]\nmod tests").next().unwrap();
        assert_eq!(
            code.matches("aws_config()").count(),
            1,
            "built once, in `clients`"
        );
        let list = code
            .split("\nlambdas! {")
            .nth(1)
            .and_then(|l| l.split("\n}\n").next())
            .expect("the list of Lambdas");
        let entries =
            list.matches(", input) {").count() + list.matches(", input, places) {").count();
        assert_eq!(entries, TASKS.len());
        for other in [
            "::new(",
            "from_conf",
            "from_config",
            "::build(",
            "aws_config()",
        ] {
            assert!(
                !list.contains(other),
                "a handler call builds a client: `{other}`"
            );
        }
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
