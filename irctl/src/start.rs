//! `irctl start`: start a playbook.
//!
//! Everything starts the playbook's state machine directly (`states:StartExecution`, which
//! CloudTrail records with its caller). A manual request (instances, addresses, keys,
//! principals or resources named on the command line) is signed: it carries a proof of the
//! caller's identity bound to the request (`contract::proof`), and the playbook refuses it
//! unless STS says a responder the stack names signed it. No event bus is involved, because
//! anyone allowed `events:PutEvents` could put a request on one. An event from a file or a
//! named sample is started as it is.

use crate::aws::Clients;
use crate::{samples, watch, Error, Result};
use contract::events::manual::{request_digest, ManualRequest, DETAIL_TYPE, SOURCE};
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// The playbook to run.
    playbook: String,
    /// A sample event by name (`irctl samples` lists them).
    #[arg(long, conflicts_with = "file")]
    sample: Option<String>,
    /// An event as EventBridge delivers it, from a JSON file.
    #[arg(long)]
    file: Option<PathBuf>,
    /// In a sample or file, replace the instance id(s) with this one.
    #[arg(long)]
    set_instance: Option<String>,
    /// Manual request: an instance to respond on (repeatable).
    #[arg(long = "instance")]
    instances: Vec<String>,
    /// Manual request: a remote address or CIDR block (repeatable).
    #[arg(long = "ip")]
    ips: Vec<String>,
    /// Manual request: an access key id (repeatable).
    #[arg(long = "access-key")]
    access_keys: Vec<String>,
    /// Manual request: an IAM user or role ARN (repeatable).
    #[arg(long = "principal")]
    principals: Vec<String>,
    /// Manual request: another resource by id: a security group `sg-…`, a bucket `s3://NAME`,
    /// a trail `trail/NAME` or its ARN, the account's S3 Block Public Access `account/ID`
    /// (repeatable).
    #[arg(long = "resource")]
    resources: Vec<String>,
    /// Manual request: why (required for a manual request).
    #[arg(long)]
    reason: Option<String>,
    /// Manual request: severity on the 0–10 scale (default 8).
    #[arg(long)]
    severity: Option<f64>,
    /// Manual request: plan only.
    #[arg(long)]
    dry_run: bool,
    /// Manual request: the existing case to act on (release playbooks).
    #[arg(long)]
    case: Option<String>,
    /// Manual request: its time (RFC 3339; default now). ip-expiry expires blocks as of it: a
    /// responder may run the expiry ahead of the clock.
    #[arg(long)]
    as_of: Option<String>,
    /// Kept for old scripts: every start is direct now.
    #[arg(long, hide = true)]
    direct: bool,
    /// Follow the execution to its end (exit status follows its outcome).
    #[arg(long)]
    watch: bool,
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

pub async fn run(c: &Clients, prefix: &str, args: Args) -> Result<ExitCode> {
    // The machine first: an undeployed playbook is named before anything is signed.
    c.state_machine(prefix, &args.playbook).await?;
    let event = build_event(c, &args).await?;
    let arn = start_execution(c, prefix, &args.playbook, &event).await?;
    println!("started {arn}");
    if args.watch {
        let status = watch::follow(c, &arn, Duration::from_secs(args.timeout), false).await?;
        return Ok(watch::exit_code(&status));
    }
    println!("follow it with: irctl watch {arn}");
    Ok(ExitCode::SUCCESS)
}

async fn build_event(c: &Clients, args: &Args) -> Result<Value> {
    let targets = !args.instances.is_empty()
        || !args.ips.is_empty()
        || !args.access_keys.is_empty()
        || !args.principals.is_empty()
        || !args.resources.is_empty();
    // A reason alone asks a playbook that needs no target (ip-expiry) to run now; the others
    // reject such a request with IR.InvalidEvent, reported like any other.
    let manual = targets || (args.reason.is_some() && args.sample.is_none() && args.file.is_none());
    let text = match (&args.sample, &args.file) {
        (Some(name), _) => samples::get(name)
            .ok_or_else(|| Error::Usage(format!("no sample named {name}; `irctl samples` lists them")))?
            .to_string(),
        (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| Error::File {
            path: path.clone(),
            message: e.to_string(),
        })?,
        (None, None) if manual => {
            let reason = args
                .reason
                .clone()
                .ok_or_else(|| Error::Usage("a manual request needs --reason".into()))?;
            let request = ManualRequest {
                playbook: args.playbook.clone(),
                reason,
                requested_by: Some(c.caller().await),
                instance_ids: args.instances.clone(),
                remote_ips: args.ips.clone(),
                access_key_ids: args.access_keys.clone(),
                principal_arns: args.principals.clone(),
                resource_ids: args.resources.clone(),
                severity: args.severity,
                dry_run: args.dry_run,
                case_id: args.case.clone(),
                proof: None,
            };
            return signed_event(c, request, args.as_of.as_deref()).await;
        }
        (None, None) => {
            return Err(Error::Usage(
                "say what to respond to: --sample NAME, --file EVENT.json, or --instance/--ip/--access-key/--principal with --reason".into(),
            ))
        }
    };
    if targets || args.dry_run {
        return Err(Error::Usage("--instance/--ip/--access-key/--principal/--dry-run build a manual request; they do not combine with --sample or --file".into()));
    }
    let text = match &args.set_instance {
        Some(id) => replace_instance_ids(&text, id),
        None => text,
    };
    serde_json::from_str(&text).map_err(|e| Error::Usage(format!("the event is not JSON: {e}")))
}

/// A manual request, signed by the caller, as the event a playbook starts with.
pub async fn signed_event(
    c: &Clients,
    mut request: ManualRequest,
    as_of: Option<&str>,
) -> Result<Value> {
    let id = uuid::Uuid::new_v4().to_string();
    let time = match as_of {
        Some(t) => {
            aws_sdk_sfn::primitives::DateTime::from_str(
                t,
                aws_sdk_sfn::primitives::DateTimeFormat::DateTime,
            )
            .map_err(|_| {
                Error::Usage(format!(
                    "--as-of `{t}` is not an RFC 3339 time (2026-12-07T10:00:00Z)"
                ))
            })?;
            t.to_string()
        }
        None => aws_sdk_sfn::primitives::DateTime::from(std::time::SystemTime::now())
            .fmt(aws_sdk_sfn::primitives::DateTimeFormat::DateTime)
            .unwrap_or_default(),
    };
    request.proof = Some(c.prove(&request_digest(&id, &time, &request)).await?);
    Ok(serde_json::json!({
        "version": "0",
        "id": id,
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": "",
        "time": time,
        "region": "",
        "resources": [],
        "detail": request,
    }))
}

/// Starts `playbook` with `event`; returns the execution's ARN.
pub async fn start_execution(
    c: &Clients,
    prefix: &str,
    playbook: &str,
    event: &Value,
) -> Result<String> {
    let machine = c.state_machine(prefix, playbook).await?;
    let name = format!("irctl-{}", &uuid::Uuid::new_v4().simple().to_string()[..20]);
    Ok(c.sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name(&name)
        .input(event.to_string())
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("start playbook {playbook}"),
                aws_sdk_sfn::error::DisplayErrorContext(e),
            )
        })?
        .execution_arn()
        .to_string())
}

/// Replaces every EC2 instance id (`i-` and 8 or 17 hex digits) in `text` with `id`.
pub fn replace_instance_ids(text: &str, id: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        let boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if boundary && bytes[i..].starts_with(b"i-") {
            let hex = bytes[i + 2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            let end = i + 2 + hex;
            let after_ok = end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if (hex == 8 || hex == 17) && after_ok {
                // Only ASCII was matched, so these are char boundaries.
                out.push_str(&text[copied..i]);
                out.push_str(id);
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_instance_ids() {
        let t = r#"{"instanceId":"i-0a1b2c3d4e5f60718","arn":"x/i-0a1b2c3d4e5f60718","other":"i-nothex","ami":"ami-12345678","short":"i-12345678"}"#;
        assert_eq!(
            replace_instance_ids("café i-12345678 ü", "i-0000000000000000a"),
            "café i-0000000000000000a ü"
        );
        let r = replace_instance_ids(t, "i-0123456789abcdef0");
        assert_eq!(
            r,
            r#"{"instanceId":"i-0123456789abcdef0","arn":"x/i-0123456789abcdef0","other":"i-nothex","ami":"ami-12345678","short":"i-0123456789abcdef0"}"#
        );
    }
}
