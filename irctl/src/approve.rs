//! `irctl approve` / `irctl reject`: answer the task token a playbook waits on, found by case id
//! in the history of running executions and of their running Distributed Map children (the
//! request's message attributes, `contract::approval`).
//!
//! The answer is signed: it carries a proof of the caller's identity bound to the case, the
//! request's nonce and the decision, and the playbook acts on it only if STS says a responder
//! the stack names signed it (a second one, for a release).

use crate::aws::Clients;
use crate::watch::history;
use crate::{Error, Result};
use aws_sdk_sfn::error::DisplayErrorContext;
use aws_sdk_sfn::types::ExecutionStatus;
use contract::approval::{AnswerClaim, Decision};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The case id from the notification (`case-…`).
    case_id: String,
    /// Why (required to reject; kept in the execution history either way).
    #[arg(long)]
    reason: Option<String>,
    /// Only look at this playbook's executions (default: every deployed playbook).
    #[arg(long)]
    playbook: Option<String>,
    /// Only the request about this instance (a case can name several).
    #[arg(long)]
    instance: Option<String>,
    /// Only the request about this principal (`key/AKIA…`, `role/NAME`, `user/NAME`, as the
    /// request names it).
    #[arg(long)]
    principal: Option<String>,
}

pub enum Answer {
    Approve,
    Reject,
}

pub async fn run(c: &Clients, prefix: &str, args: Args, answer: Answer) -> Result<ExitCode> {
    if matches!(answer, Answer::Reject)
        && args.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(Error::Usage(
            "a rejection needs --reason (it is recorded with the case)".into(),
        ));
    }
    let decision = match answer {
        Answer::Approve => Decision::Approve,
        Answer::Reject => Decision::Reject,
    };
    let playbooks = match &args.playbook {
        Some(p) => vec![(p.clone(), c.state_machine(prefix, p).await?)],
        None => c.deployed_playbooks(prefix).await?,
    };
    let mut answered = 0;
    for (playbook, machine) in playbooks {
        let mut pages = c
            .sfn
            .list_executions()
            .state_machine_arn(&machine)
            .status_filter(ExecutionStatus::Running)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                Error::aws(
                    format!("list running executions of {playbook}"),
                    DisplayErrorContext(e),
                )
            })?;
            for exec in page.executions() {
                // An item of a Distributed Map waits in its own child execution.
                let mut waiting = vec![exec.execution_arn().to_string()];
                waiting.extend(crate::map_runs::running_children(c, exec.execution_arn()).await?);
                for execution in waiting {
                    answered += answer_in(c, &playbook, &execution, &args, decision).await?;
                }
            }
        }
    }
    if answered == 0 {
        return Err(Error::Usage(format!(
            "no running execution waits for a responder on case {}; it may have been answered, escalated or timed out (see `irctl watch`)",
            args.case_id
        )));
    }
    Ok(ExitCode::SUCCESS)
}

/// Answers every request in `execution`'s history that the arguments select; returns how many.
async fn answer_in(
    c: &Clients,
    playbook: &str,
    execution: &str,
    args: &Args,
    decision: Decision,
) -> Result<usize> {
    let reason = args.reason.clone().unwrap_or_default();
    let mut answered = 0;
    let events = history(c, execution).await?;
    for pending in crate::history::pending_tokens(&events) {
        if pending.case.as_deref() != Some(args.case_id.as_str()) {
            continue;
        }
        if args.instance.is_some() && pending.instance != args.instance {
            continue;
        }
        if args.principal.is_some() && pending.principal != args.principal {
            continue;
        }
        let (token, state) = (pending.token, pending.state);
        let Some(nonce) = pending.nonce else {
            println!("skipping {playbook}/{state}: its request carries no nonce (a playbook deployed before answers were signed); redeploy it");
            continue;
        };
        let claim = AnswerClaim {
            case_id: &args.case_id,
            nonce: &nonce,
            decision,
            reason: &reason,
        };
        let signed = contract::approval::Answer {
            decision,
            reason: reason.clone(),
            proof: c.prove(&claim.digest()).await?,
        };
        let output = serde_json::to_string(&signed).unwrap_or_default();
        c.sfn
            .send_task_success()
            .task_token(&token)
            .output(output)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("answer case {} at {state}", args.case_id),
                    DisplayErrorContext(e),
                )
            })?;
        let verb = match decision {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
        };
        println!(
            "{verb} case {} at {playbook}/{state} (execution {execution})",
            args.case_id
        );
        answered += 1;
    }
    Ok(answered)
}
