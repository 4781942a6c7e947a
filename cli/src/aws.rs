//! AWS clients built once, from the standard chain (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...), plus the stack lookups every command needs.

use crate::{Error, Result};
use aws_sdk_cloudformation::error::DisplayErrorContext;

pub struct Clients {
    pub cfn: aws_sdk_cloudformation::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub s3: aws_sdk_s3::Client,
    pub sts: aws_sdk_sts::Client,
}

impl Clients {
    pub async fn new() -> Clients {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        // Path-style S3 addressing works with every endpoint, the emulator's included.
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            sfn: aws_sdk_sfn::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3),
            sts: aws_sdk_sts::Client::new(&config),
        }
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

    /// The state machine of a playbook's stack.
    pub async fn state_machine(&self, prefix: &str, playbook: &str) -> Result<String> {
        let stack = format!("{prefix}-{playbook}");
        self.stack_outputs(&stack)
            .await?
            .into_iter()
            .find(|(k, _)| k == "StateMachineArn")
            .map(|(_, v)| v)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "stack {stack} has no StateMachineArn output; is it an aws-ir playbook stack?"
                ))
            })
    }

    /// The playbooks deployed under `prefix`: (playbook, state machine ARN).
    pub async fn deployed_playbooks(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut pages = self.cfn.describe_stacks().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| Error::aws("list stacks", DisplayErrorContext(e)))?;
            for s in page.stacks() {
                let Some(name) = s.stack_name() else { continue };
                let Some(playbook) = name.strip_prefix(&format!("{prefix}-")) else {
                    continue;
                };
                if let Some(arn) = s
                    .outputs()
                    .iter()
                    .find(|o| o.output_key() == Some("StateMachineArn"))
                    .and_then(|o| o.output_value())
                {
                    out.push((playbook.to_string(), arn.to_string()));
                }
            }
        }
        Ok(out)
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
