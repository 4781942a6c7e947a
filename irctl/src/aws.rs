//! AWS clients built once, from the standard chain (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...), plus the stack lookups every command needs.

use crate::{Error, Result};
use aws_sdk_cloudformation::error::DisplayErrorContext;

use contract::tags::marks;

pub struct Clients {
    pub cfn: aws_sdk_cloudformation::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub s3: aws_sdk_s3::Client,
    pub sts: aws_sdk_sts::Client,
    /// The custody key's public key (`irctl verify`).
    pub kms: aws_sdk_kms::Client,
    /// The organization and its accounts (`deploy --organization`, `members`).
    pub org: aws_sdk_organizations::Client,
    /// The caller's configuration: its credentials sign requests and answers.
    pub config: connect::SdkConfig,
}

impl Clients {
    pub async fn new() -> Clients {
        // The proxy variables are honoured, as the AWS CLI does (`connect`).
        Clients::of(connect::sdk_config(None).await)
    }

    /// The Region the clients act in (us-east-1 when the configuration names none).
    pub fn region(&self) -> String {
        self.config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| "us-east-1".into())
    }

    /// The same caller's clients in `region` (the security account's own other Regions, #20).
    pub fn in_region(&self, region: &str) -> Clients {
        Clients::of(
            self.config
                .to_builder()
                .region(aws_sdk_cloudformation::config::Region::new(
                    region.to_string(),
                ))
                .build(),
        )
    }

    fn of(config: connect::SdkConfig) -> Clients {
        // Path-style S3 addressing works with every endpoint, the emulator's included.
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            sfn: aws_sdk_sfn::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sts: aws_sdk_sts::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            org: aws_sdk_organizations::Client::new(&config),
            config,
        }
    }

    /// A proof of the caller's identity over `digest` (see `contract::proof`).
    pub async fn prove(&self, digest: &str) -> Result<String> {
        connect::proof::sign_proof(
            &self.config,
            digest,
            std::time::Duration::from_secs(contract::proof::LIFETIME_SECONDS),
        )
        .await
        .map_err(|e| {
            Error::Usage(format!(
                "cannot sign the request with your AWS credentials: {e}"
            ))
        })
    }

    /// The outputs of a deployed stack.
    pub async fn stack_outputs(&self, stack: &str) -> Result<Vec<(String, String)>> {
        let out = self
            .cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("describe stack {stack} (is it deployed? run `irctl deploy`)"),
                    DisplayErrorContext(e),
                )
            })?;
        let stack = out.stacks().first().ok_or_else(|| {
            Error::Usage(format!("stack {stack} does not exist; run `irctl deploy`"))
        })?;
        Ok(stack
            .outputs()
            .iter()
            .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
            .collect())
    }

    /// The state machine of a playbook: the primary machine of stack `<prefix>-<playbook>`, or
    /// a companion machine deployed in another playbook's stack (output `<Playbook>StateMachineArn`).
    pub async fn state_machine(&self, prefix: &str, playbook: &str) -> Result<String> {
        self.deployed_playbooks(prefix)
            .await?
            .into_iter()
            .find(|(p, _)| p == playbook)
            .map(|(_, arn)| arn)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "playbook {playbook} is not deployed under prefix {prefix} (no stack {prefix}-{playbook}, and no stack carries it); run `irctl deploy`"
                ))
            })
    }

    /// The playbooks deployed under `prefix`: (playbook, state machine ARN), companions included.
    pub async fn deployed_playbooks(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut pages = self.cfn.describe_stacks().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Error::aws("list stacks", DisplayErrorContext(e)))?;
            for s in page.stacks() {
                let tag = |k: &str| {
                    s.tags()
                        .iter()
                        .find(|t| t.key() == Some(k))
                        .and_then(|t| t.value())
                        .map(String::from)
                };
                // Stacks deployed by irctl carry their prefix and playbook; others are matched by
                // name (`<prefix>-<playbook>`).
                let playbook = match (tag(marks::DEPLOYMENT), tag(marks::PLAYBOOK)) {
                    (Some(p), Some(playbook)) if p == prefix => playbook,
                    (Some(_), Some(_)) => continue,
                    _ => match s
                        .stack_name()
                        .and_then(|n| n.strip_prefix(&contract::naming::stack(prefix, "")))
                    {
                        Some(p) => p.to_string(),
                        None => continue,
                    },
                };
                for o in s.outputs() {
                    let (Some(key), Some(arn)) = (o.output_key(), o.output_value()) else {
                        continue;
                    };
                    match contract::naming::machine_of_output(key) {
                        Some(None) => out.push((playbook.clone(), arn.to_string())),
                        Some(Some(companion)) => out.push((companion, arn.to_string())),
                        None => {}
                    }
                }
            }
        }
        Ok(out)
    }

    /// The caller as a responder entry: a role session is named by its role
    /// (`arn:aws:iam::ACCOUNT:role/NAME`, which admits every session of it), a user by its ARN.
    pub async fn caller_principal(&self) -> Option<String> {
        let arn = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .ok()?
            .arn()?
            .to_string();
        Some(match contract::trust::Principal::parse(&arn)? {
            contract::trust::Principal::RoleSession { account, role, .. } => {
                let partition = arn.split(':').nth(1).unwrap_or("aws");
                format!("arn:{partition}:iam::{account}:role/{role}")
            }
            _ => arn,
        })
    }

    /// The caller's account, as STS says.
    pub async fn account(&self) -> Result<String> {
        self.sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| Error::aws("ask STS who is calling", DisplayErrorContext(e)))?
            .account()
            .map(String::from)
            .ok_or_else(|| Error::Usage("STS answered without an account".into()))
    }

    /// Who is calling: shown in approvals and manual requests.
    pub async fn caller(&self) -> String {
        match self.sts.get_caller_identity().send().await {
            Ok(id) => id.arn().unwrap_or("unknown").to_string(),
            Err(_) => std::env::var("USER")
                .map(|u| format!("local user {u}"))
                .unwrap_or_else(|_| "unknown".into()),
        }
    }
}
