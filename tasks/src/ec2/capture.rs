//! Capture volatile evidence before the cut, with Run Command (the stack's capture document).
//!
//! Never fails the playbook and never touches the instance's life: when capture is off, the
//! agent is not online, or the command does not succeed in time, the result says so and
//! containment goes on (users of earlier tools lost evidence when a failed capture led to the
//! instance being stopped).

use super::memory::HostReport;
use crate::aws::clients;
use crate::error::TaskError;
use aws_sdk_ssm::types::{CommandInvocationStatus, InstanceInformationStringFilter, PingStatus};
use contract::tasks::ec2::{CaptureResult, InstanceStep, MemoryImage, CAPTURE_STEPS};
use std::time::{Duration, Instant};

fn result(
    status: &str,
    reason: impl Into<String>,
    command_id: &str,
    location: &str,
) -> CaptureResult {
    CaptureResult {
        status: status.to_string(),
        reason: reason.into(),
        command_id: command_id.to_string(),
        location: location.to_string(),
        memory: MemoryImage {
            status: status.to_string(),
            reason: match status {
                "planned" => "would acquire a memory image and upload it part by part, each part checked by S3",
                "skipped" => "no memory image: the capture was skipped",
                _ => "no memory image: the capture did not run to the end",
            }
            .into(),
            ..MemoryImage::default()
        },
    }
}

/// The agent's ping status, or `None` when the instance is not a managed instance.
async fn agent(ssm: &aws_sdk_ssm::Client, id: &str) -> Result<Option<PingStatus>, TaskError> {
    let out = ssm
        .describe_instance_information()
        .filters(
            InstanceInformationStringFilter::builder()
                .key("InstanceIds")
                .values(id)
                .build()
                .map_err(|e| TaskError::invalid_event(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read the SSM agent status of {id}")))?;
    Ok(out
        .instance_information_list()
        .first()
        .and_then(|i| i.ping_status().cloned()))
}

clients! {
    /// What capturing calls: the agent and the command (SSM), the instance (EC2), the upload
    /// URL and the step outputs (S3), the outcome on the case (DynamoDB).
    pub struct CaptureClients {
        ec2: aws_sdk_ec2::Client,
        ssm: aws_sdk_ssm::Client,
        s3: aws_sdk_s3::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

async fn run(
    aws: &CaptureClients,
    step: InstanceStep,
    budget: Duration,
) -> Result<CaptureResult, TaskError> {
    super::check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let p = &step.policy;
    if !p.volatile_capture {
        return Ok(result(
            "skipped",
            "volatile capture is off by policy (VolatileCapture=false)",
            "",
            "",
        ));
    }
    match agent(&aws.ssm, id).await? {
        Some(PingStatus::Online) => {}
        Some(other) => {
            return Ok(result(
                "skipped",
                format!(
                    "the SSM agent is {}: nothing can be captured remotely; containment goes on",
                    other.as_str()
                ),
                "",
                "",
            ))
        }
        None => {
            // Unknown to SSM: an unmanaged instance, or no instance at all (IR.ResourceNotFound).
            super::describe(&aws.ec2, id).await?;
            return Ok(result("skipped", "the instance is not managed by SSM: nothing can be captured remotely; containment goes on", "", ""));
        }
    }
    let prefix = format!("cases/{}/{id}/volatile", step.case.case_id);
    let location = format!("s3://{}/{prefix}", p.evidence_bucket);
    if step.case.dry_run {
        return Ok(result(
            "planned",
            format!(
                "would run {} on {id}, output to {location}",
                p.capture_document
            ),
            "",
            &location,
        ));
    }
    let sent = aws
        .ssm
        .send_command()
        .document_name(&p.capture_document)
        .instance_ids(id)
        .comment(format!(
            "aws-ir volatile evidence for {}",
            step.case.case_id
        ))
        .parameters("CaseId", vec![step.case.case_id.clone()])
        .parameters("MemoryCapture", vec!["on".to_string()])
        .timeout_seconds(600)
        .send()
        .await;
    let command_id = match sent {
        Ok(o) => o.command.and_then(|c| c.command_id).unwrap_or_default(),
        Err(e) => {
            let err = TaskError::from_sdk(e, &format!("send the capture command to {id}"));
            if err.name.is_transient() {
                return Err(err);
            }
            return Ok(result("failed", err.message, "", &location));
        }
    };
    // One deadline for both of a capture's commands: containment waits for no more.
    let wait = budget.min(Duration::from_secs_f64(p.capture_timeout_seconds.max(1.0)));
    let deadline = Instant::now() + wait;
    let out = match wait_for_command(&aws.ssm, &command_id, id, deadline).await {
        Ended::Status(s, _) if s == CommandInvocationStatus::Success.as_str() => {
            let (kept, memory_report) =
                collect_outputs(&aws.ssm, &aws.s3, &step, &command_id, &prefix).await;
            let memory = match memory_report.as_deref().map(super::memory::parse) {
                Some(Ok(HostReport::Acquired(acquired))) => {
                    super::memory::upload(aws, &step, &acquired, deadline).await
                }
                Some(Ok(HostReport::NotAcquired(reason))) => MemoryImage {
                    status: "skipped".into(),
                    reason,
                    ..MemoryImage::default()
                },
                Some(Err(reason)) => MemoryImage {
                    status: "failed".into(),
                    reason: format!("{reason}; nothing was uploaded"),
                    ..MemoryImage::default()
                },
                None => MemoryImage {
                    status: "failed".into(),
                    reason: "the memory step's output could not be read; nothing was uploaded"
                        .into(),
                    ..MemoryImage::default()
                },
            };
            let mut out = result(
                "captured",
                format!(
                    "the capture document ran to the end; {kept}; memory image {}: {}",
                    memory.status, memory.reason
                ),
                &command_id,
                &location,
            );
            out.memory = memory;
            out
        }
        Ended::Status(s, detail) => {
            let (kept, _) = collect_outputs(&aws.ssm, &aws.s3, &step, &command_id, &prefix).await;
            result(
                "failed",
                format!("the capture command ended {s} ({detail}); {kept}; containment goes on"),
                &command_id,
                &location,
            )
        }
        ended => result(
            "failed",
            format!(
                "the capture command {}; containment goes on",
                ended.describe()
            ),
            &command_id,
            &location,
        ),
    };
    Ok(out)
}

/// How a Run Command invocation ended, as far as aws-ir waited for it.
pub(crate) enum Ended {
    /// A terminal status (`Success`, `Failed`, `TimedOut`, `Cancelled`, `Cancelling`) and its
    /// details.
    Status(String, String),
    /// Reading the command failed for a reason retrying would not cure.
    Unknown(String),
    /// Still running at the deadline: it goes on, aws-ir does not wait for it.
    StillRunning(Duration),
}

impl Ended {
    pub(crate) fn describe(&self) -> String {
        match self {
            Ended::Status(s, detail) => format!("ended {s} ({detail})"),
            Ended::Unknown(message) => format!("could not be followed: {message}"),
            Ended::StillRunning(waited) => format!(
                "was still running after {}s; it goes on, and containment does not wait for it",
                waited.as_secs()
            ),
        }
    }
}

/// Follows a command on one instance until it ends or `deadline` passes. The overall status:
/// GetCommandInvocation reports one step of a multi-step document.
pub(crate) async fn wait_for_command(
    ssm: &aws_sdk_ssm::Client,
    command_id: &str,
    id: &str,
    deadline: Instant,
) -> Ended {
    let begin = Instant::now();
    loop {
        let got = ssm
            .list_command_invocations()
            .command_id(command_id)
            .instance_id(id)
            .send()
            .await;
        match got {
            Ok(list) => {
                if let Some((status, detail)) = list.command_invocations().first().and_then(|i| {
                    i.status()
                        .cloned()
                        .map(|s| (s, i.status_details().unwrap_or_default().to_string()))
                }) {
                    if matches!(
                        status,
                        CommandInvocationStatus::Success
                            | CommandInvocationStatus::Failed
                            | CommandInvocationStatus::TimedOut
                            | CommandInvocationStatus::Cancelled
                            | CommandInvocationStatus::Cancelling
                    ) {
                        return Ended::Status(status.as_str().to_string(), detail);
                    }
                }
                // Pending, InProgress, Delayed, or not listed yet right after SendCommand.
            }
            Err(e) => {
                let err = TaskError::from_sdk(e, &format!("read the command {command_id} on {id}"));
                if !err.name.is_transient() {
                    // Not knowing how the command went must not hold containment back.
                    return Ended::Unknown(err.message);
                }
            }
        }
        if Instant::now() >= deadline {
            return Ended::StillRunning(begin.elapsed());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Reads each step's output through SSM and writes it under `prefix` in the evidence bucket.
/// Best effort: what could not be kept is said in the returned summary, beside the `memory`
/// step's standard output (its image report). SSM returns at most 24,000 characters of each
/// step's output.
async fn collect_outputs(
    ssm: &aws_sdk_ssm::Client,
    s3: &aws_sdk_s3::Client,
    step: &InstanceStep,
    command_id: &str,
    prefix: &str,
) -> (String, Option<String>) {
    let mut kept = 0;
    let mut missed = Vec::new();
    let mut memory_report = None;
    for name in CAPTURE_STEPS {
        let got = ssm
            .get_command_invocation()
            .command_id(command_id)
            .instance_id(&step.instance_id)
            .plugin_name(name)
            .send()
            .await;
        let text = match got {
            Ok(inv) => {
                if name == "memory" {
                    memory_report = inv.standard_output_content().map(str::to_string);
                }
                format!(
                    "# aws-ir {} {} step {name}: {}\n{}\n{}",
                    step.case.case_id,
                    step.instance_id,
                    inv.status().map(|s| s.as_str()).unwrap_or("?"),
                    inv.standard_output_content().unwrap_or_default(),
                    inv.standard_error_content()
                        .map(|e| format!("# stderr\n{e}"))
                        .unwrap_or_default()
                )
            }
            Err(e) => {
                missed.push(format!(
                    "{name} ({})",
                    TaskError::from_sdk(e, "read the step output").message
                ));
                continue;
            }
        };
        let put = s3
            .put_object()
            .bucket(&step.policy.evidence_bucket)
            .key(format!("{prefix}/{name}.txt"))
            .content_type("text/plain; charset=utf-8")
            // S3 checks the body against its SHA-256 and keeps it: the manifest records it.
            .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
            .body(text.into_bytes().into())
            .send()
            .await;
        match put {
            Ok(_) => kept += 1,
            Err(e) => missed.push(format!(
                "{name} ({})",
                TaskError::from_sdk(e, "write the step output").message
            )),
        }
    }
    let summary = if missed.is_empty() {
        format!("{kept} step outputs kept")
    } else {
        format!("{kept} step outputs kept, not kept: {}", missed.join("; "))
    };
    (summary, memory_report)
}

pub async fn handle(
    aws: &CaptureClients,
    step: InstanceStep,
    budget: Duration,
) -> Result<CaptureResult, TaskError> {
    let out = run(aws, step.clone(), budget).await?;
    super::remember(&aws.dynamodb, &step, "capture", &out).await?;
    Ok(out)
}
