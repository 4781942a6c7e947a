//! Acting where a case's resources are (#20). The playbooks run in one security account; a step
//! whose case is in another account or Region builds the clients its contract places in the
//! member ([`contract::task::Place::Member`]) from the credentials of the member role named
//! after the task (`organization/member-roles.json`), in the case's Region, and keeps the rest
//! at home (the case table, the evidence bucket, the keys, the topic).
//!
//! The session is named after the case and the step ([`contract::naming::member_session`]), so
//! the member's CloudTrail says which case and which step made each call; the member role
//! accepts no other name. One session per case, account, Region and step, kept by the Lambda
//! instance while it lasts (never one per API call).
//!
//! Where a case is comes from the case itself (its account and Region, from the finding, which
//! AWS authenticated, or from a responder's signed request), never from anything else in the
//! input. The function's role may assume a member role only in the organization the stack's
//! `OrganizationId` names: without it, a case from elsewhere ends in a named `IR.AccessDenied`
//! that says to deploy the member stacks or exclude the account, and nothing is changed.

use crate::aws::Clients;
use crate::error::TaskError;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use contract::naming::{member_role, member_session};
use contract::task::{Permission, Place};
use contract::ErrorName;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A member session lasts an hour; a step runs at most 15 minutes, so a kept session is used
/// only while it has at least that long left.
const SESSION: Duration = Duration::from_secs(3600);
const KEEP: Duration = Duration::from_secs(40 * 60);
/// Sessions kept per Lambda instance; beyond it the oldest go.
const KEPT: usize = 64;

/// Where an input's case is: its account and Region, and the case (which names the session).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub account: String,
    pub region: String,
    pub case_id: String,
}

impl Target {
    /// The account and Region of the input's case; `None` when the input has no case or they
    /// are not an account id and a Region name (then the step acts at home, as before).
    pub fn of(payload: &Value) -> Option<Target> {
        let case = payload.get("case")?;
        let text = |key: &str| case.get(key).and_then(Value::as_str).unwrap_or_default();
        let (account, region) = (text("account"), text("region"));
        let valid_account = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        let valid_region = !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        (valid_account && valid_region).then(|| Target {
            account: account.to_string(),
            region: region.to_string(),
            case_id: text("case_id").to_string(),
        })
    }
}

/// Where the function runs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Home {
    account: String,
    region: String,
}

impl Home {
    /// From the invoked function's ARN (`arn:<partition>:lambda:<region>:<account>:function:…`).
    /// A local runtime (`cargo lambda watch`) gives the function's name instead: then the
    /// account is the one STS says the function's credentials belong to, and the Region the
    /// configuration's.
    async fn of(function_arn: &str, config: &SdkConfig) -> Result<Home, TaskError> {
        let parts: Vec<&str> = function_arn.split(':').collect();
        if let ["arn", _, "lambda", region, account, ..] = parts.as_slice() {
            return Ok(Home {
                account: account.to_string(),
                region: region.to_string(),
            });
        }
        let identity = aws_sdk_sts::Client::new(config)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, "learn this function's account (sts:GetCallerIdentity)")
            })?;
        Ok(Home {
            account: identity.account().unwrap_or_default().to_string(),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
        })
    }

    fn holds(&self, target: &Target) -> bool {
        self.account == target.account && self.region == target.region
    }
}

/// The IAM service prefixes of the clients a task's contract places at `place`: the services
/// of its permissions there. A permission the task uses only through another service
/// (`kms:ViaService`: EC2 encrypting a copy with a key) makes no client of its own.
pub fn client_services(permissions: &[Permission], place: Place) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for p in permissions {
        let via = p
            .conditions
            .iter()
            .any(|(_, key, _)| *key == "kms:ViaService");
        if p.place() != place || via {
            continue;
        }
        for service in p.actions.iter().filter_map(|a| a.split(':').next()) {
            if !out.contains(&service) {
                out.push(service);
            }
        }
    }
    out
}

/// A task's clients at home, and in each member it has acted in.
pub struct Acting<C> {
    task: &'static str,
    home_config: SdkConfig,
    home_clients: C,
    home: tokio::sync::OnceCell<Home>,
    member_services: Vec<&'static str>,
    kept: Mutex<HashMap<Target, (Instant, C)>>,
}

impl<C: Clients + Clone> Acting<C> {
    pub fn new(
        task: &'static str,
        permissions: &[Permission],
        home_config: SdkConfig,
        home_clients: C,
    ) -> Self {
        Acting {
            task,
            home_config,
            home_clients,
            home: tokio::sync::OnceCell::new(),
            member_services: client_services(permissions, Place::Member),
            kept: Mutex::new(HashMap::new()),
        }
    }

    /// The clients for the input's case at `target`, when the function invoked as
    /// `function_arn` runs elsewhere; its own otherwise.
    pub async fn clients(
        &self,
        target: Option<&Target>,
        function_arn: &str,
    ) -> Result<C, TaskError> {
        let Some(target) = target.filter(|_| !self.member_services.is_empty()) else {
            return Ok(self.home_clients.clone());
        };
        let home = self
            .home
            .get_or_try_init(|| Home::of(function_arn, &self.home_config))
            .await?;
        if home.holds(target) {
            return Ok(self.home_clients.clone());
        }
        let mut kept = self.kept.lock().await;
        if let Some((since, clients)) = kept.get(target) {
            if since.elapsed() < KEEP {
                return Ok(clients.clone());
            }
        }
        // Assumed on the step's first call in the member, not here: a step that decides first
        // (an exempt account, an excluded instance) makes no call there and needs no role.
        let credentials = MemberCredentials {
            home: self.home_config.clone(),
            task: self.task,
            target: target.clone(),
            session: tokio::sync::OnceCell::new(),
        };
        let member_config = self
            .home_config
            .to_builder()
            .region(aws_config::Region::new(target.region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        let services = &self.member_services;
        let clients = C::build_with(&|service| {
            if services.contains(&service) {
                &member_config
            } else {
                &self.home_config
            }
        });
        if kept.len() >= KEPT {
            let oldest = kept
                .iter()
                .min_by_key(|(_, (since, _))| *since)
                .map(|(t, _)| t.clone());
            if let Some(oldest) = oldest {
                kept.remove(&oldest);
            }
        }
        kept.insert(target.clone(), (Instant::now(), clients.clone()));
        Ok(clients)
    }
}

/// A step's way to act in places its input does not name as one case: the expiry, which
/// reconciles the blocks every case made, each where it was made (#20).
pub struct Places<'a, C> {
    acting: &'a Acting<C>,
    function_arn: &'a str,
}

impl<'a, C: Clients + Clone> Places<'a, C> {
    pub fn new(acting: &'a Acting<C>, function_arn: &'a str) -> Self {
        Places {
            acting,
            function_arn,
        }
    }

    /// The clients for `place` (its own when it is this function's account and Region), in a
    /// session named after the case that acted there.
    pub async fn clients(&self, place: &contract::case::CasePlace) -> Result<C, TaskError> {
        let target = Target {
            account: place.account.clone(),
            region: place.region.clone(),
            case_id: place.case_id.clone(),
        };
        self.acting.clients(Some(&target), self.function_arn).await
    }
}

/// A session of the member role, assumed when a member client first needs credentials. A
/// failure reaches the step as the SDK error of its call, carrying the [`TaskError`] that
/// [`TaskError::from_sdk`] gives back (`IR.AccessDenied` naming the account and what to do).
#[derive(Debug)]
struct MemberCredentials {
    home: SdkConfig,
    task: &'static str,
    target: Target,
    session: tokio::sync::OnceCell<Credentials>,
}

impl ProvideCredentials for MemberCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.session
                .get_or_try_init(|| assume(&self.home, self.task, &self.target))
                .await
                .cloned()
                .map_err(CredentialsError::provider_error)
        })
    }
}

/// The member role's ARN for `task` in `account` (the partition of the home Region's).
pub fn role_arn(partition: &str, account: &str, task: &str) -> String {
    format!(
        "arn:{partition}:iam::{account}:role{}{}",
        contract::trust::ROLE_PATH,
        member_role(task)
    )
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// A session of `task`'s member role in the target's account, named after the case.
async fn assume(home: &SdkConfig, task: &str, target: &Target) -> Result<Credentials, TaskError> {
    let home_region = home.region().map(|r| r.to_string()).unwrap_or_default();
    let role = role_arn(partition_of(&home_region), &target.account, task);
    let answer = aws_sdk_sts::Client::new(home)
        .assume_role()
        .role_arn(&role)
        .role_session_name(member_session(&target.case_id, task))
        .duration_seconds(SESSION.as_secs() as i32)
        .send()
        .await
        .map_err(|e| {
            let e = TaskError::from_sdk(e, &format!("act in account {} as {role}", target.account));
            match e.name {
                ErrorName::AccessDenied | ErrorName::ResourceNotFound | ErrorName::Misconfigured => TaskError::new(
                    ErrorName::AccessDenied,
                    format!(
                        "{} Account {} ({}) is not reachable for task {task}: deploy the member stacks there (organization/member-roles.json, through the StackSet), or exclude the account; nothing was changed in it.",
                        e.message, target.account, target.region
                    ),
                ),
                _ => e,
            }
        })?;
    let c = answer.credentials().ok_or_else(|| {
        TaskError::new(
            ErrorName::Transient,
            format!("STS answered AssumeRole of {role} without credentials"),
        )
    })?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "aws-ir-member",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(account: &str, region: &str) -> Value {
        json!({"case": {"case_id": "case-0123456789abcdef", "account": account, "region": region}})
    }

    #[test]
    fn the_case_says_where_its_resources_are() {
        assert_eq!(
            Target::of(&payload("222233334444", "eu-west-1")),
            Some(Target {
                account: "222233334444".into(),
                region: "eu-west-1".into(),
                case_id: "case-0123456789abcdef".into()
            })
        );
        // Not an account and a Region: the step acts at home, as before.
        assert_eq!(Target::of(&payload("222233334444", "")), None);
        assert_eq!(Target::of(&payload("2222/../x", "eu-west-1")), None);
        assert_eq!(Target::of(&payload("222233334444", "eu-west-1/../")), None);
        assert_eq!(Target::of(&json!({"items": []})), None);
    }

    #[tokio::test]
    async fn home_is_where_the_invoked_function_is() {
        let config = SdkConfig::builder().build();
        let home = Home::of(
            "arn:aws:lambda:us-east-1:111111111111:function:aws-ir-x",
            &config,
        )
        .await
        .unwrap();
        assert!(home.holds(&Target::of(&payload("111111111111", "us-east-1")).unwrap()));
        // Another Region of the same account is elsewhere too.
        assert!(!home.holds(&Target::of(&payload("111111111111", "eu-west-1")).unwrap()));
        assert!(!home.holds(&Target::of(&payload("222233334444", "us-east-1")).unwrap()));
    }

    #[tokio::test]
    async fn the_member_role_is_assumed_on_the_first_call_there_and_its_failure_is_named() {
        use contract::tasks::ec2::IsolateNetwork;
        use contract::Task;
        let home = SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            // Nothing listens on the discard port: STS cannot be reached.
            .endpoint_url("http://127.0.0.1:9")
            .behavior_version(aws_config::BehaviorVersion::latest())
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            )))
            .build();
        let acting = Acting::new(
            "isolate-network",
            &IsolateNetwork::permissions(),
            home.clone(),
            aws_sdk_ec2::Client::new(&home),
        );
        let target = Target::of(&payload("222233334444", "eu-west-1")).unwrap();
        let function = "arn:aws:lambda:us-east-1:111111111111:function:aws-ir-x";
        // Building the member's clients calls nothing: a step that decides first needs no role.
        let ec2 = acting.clients(Some(&target), function).await.unwrap();
        // The first call there assumes the role; its failure is the step's, named.
        let error = ec2.describe_instances().send().await.unwrap_err();
        let named = TaskError::from_sdk(error, "describe the instance");
        assert_eq!(named.name, ErrorName::Transient, "{named:?}");
        assert!(named.message.starts_with("could not describe the instance: could not act in account 222233334444 as arn:aws:iam::222233334444:role/aws-ir/aws-ir-isolate-network"), "{}", named.message);
    }

    #[test]
    fn the_member_role_is_named_after_the_task_on_aws_irs_path() {
        assert_eq!(
            role_arn("aws", "222233334444", "isolate-network"),
            "arn:aws:iam::222233334444:role/aws-ir/aws-ir-isolate-network"
        );
    }

    #[test]
    fn only_clients_on_member_resources_act_in_the_member() {
        use contract::tasks::custody::TransferEvidence;
        use contract::tasks::ec2::{CaptureVolatileEvidence, IsolateNetwork};
        use contract::Task;
        assert_eq!(
            client_services(&IsolateNetwork::permissions(), Place::Member),
            ["ec2"]
        );
        // Run Command and the instance are the member's; the evidence bucket stays home.
        let capture = client_services(&CaptureVolatileEvidence::permissions(), Place::Member);
        assert!(capture.contains(&"ssm") && capture.contains(&"ec2") && !capture.contains(&"s3"));
        // The forensic key is used by EC2 on the copy's behalf: no KMS client in the member.
        assert_eq!(
            client_services(&TransferEvidence::permissions(), Place::Member),
            ["ec2"]
        );
    }
}
