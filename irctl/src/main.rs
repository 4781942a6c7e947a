//! `irctl`: operate the incident-response playbooks.
//!
//! Talks to AWS through the standard credential and region chain; set `AWS_ENDPOINT_URL` to use
//! the local emulator. Nothing else differs between the two.

mod approve;
mod aws;
mod deploy;
mod history;
mod map_runs;
mod organization;
mod render;
mod samples;
mod start;
mod verify;
mod watch;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "irctl",
    version,
    about = "Deploy, start, watch, steer and picture the aws-ir playbooks."
)]
struct Cli {
    /// Stacks are named `<prefix>-<playbook>`.
    #[arg(
        long,
        global = true,
        default_value = "aws-ir",
        env = "IRCTL_STACK_PREFIX"
    )]
    stack_prefix: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update the generated stacks through CloudFormation and wait for them.
    Deploy(deploy::Args),
    /// Start a playbook: a signed manual request, or an event (sample or file).
    Start(start::Args),
    /// Follow an execution: states as they are entered and left, then what changed.
    Watch(watch::Args),
    /// Take a case that waits for a responder (a signed approval).
    Approve(approve::Args),
    /// Dismiss a case that waits for a responder (a signed rejection, with a reason).
    Reject(approve::Args),
    /// Check a case's evidence against its signed manifest: the signature offline, and every
    /// snapshot re-read and compared by aws-ir (exit status 1 names what differs).
    Verify(verify::Args),
    /// Draw a playbook's graph, colouring the path an execution took, as SVG or HTML.
    Render(render::Args),
    /// List the organization's accounts and which of aws-ir's member stacks (and Regions)
    /// each has (`deploy --organization` deploys them).
    Members(organization::MembersArgs),
    /// List the sample events `start --sample` accepts.
    Samples,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Samples => {
            for (name, text) in samples::SAMPLES {
                let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                let what = v
                    .get("detail-type")
                    .and_then(|d| d.as_str())
                    .unwrap_or("(not an event)");
                println!("{name:<48} {what}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Render(args) if args.is_offline() => render::run_offline(&args),
        command => {
            let clients = aws::Clients::new().await;
            match command {
                Command::Deploy(args) => deploy::run(&clients, &cli.stack_prefix, args).await,
                Command::Start(args) => start::run(&clients, &cli.stack_prefix, args).await,
                Command::Watch(args) => watch::run(&clients, &cli.stack_prefix, args).await,
                Command::Approve(args) => {
                    approve::run(&clients, &cli.stack_prefix, args, approve::Answer::Approve).await
                }
                Command::Reject(args) => {
                    approve::run(&clients, &cli.stack_prefix, args, approve::Answer::Reject).await
                }
                Command::Render(args) => render::run(&clients, &cli.stack_prefix, &args).await,
                Command::Verify(args) => verify::run(&clients, &cli.stack_prefix, args).await,
                Command::Members(args) => organization::print_members(&clients, &args.call_as)
                    .await
                    .map(|()| ExitCode::SUCCESS),
                Command::Samples => unreachable!(),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("irctl: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every failure the CLI reports: what failed, on what, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{action}: {message}")]
    Aws { action: String, message: String },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

impl Error {
    pub fn aws<E: std::fmt::Display>(action: impl Into<String>, e: E) -> Error {
        let mut message = e.to_string();
        // The SDK's words for a request that never reached AWS (no route, no proxy, no DNS).
        if message.starts_with("dispatch failure") {
            message.push_str(" — AWS could not be reached: check the network, AWS_ENDPOINT_URL and the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)");
        }
        Error::Aws {
            action: action.into(),
            message,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    /// clap's own checks of every command's arguments (a clash panics only when parsed).
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
