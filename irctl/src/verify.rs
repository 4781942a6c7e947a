//! `irctl verify CASE`: is the evidence of a case what was acquired?
//!
//! Two checks that do not depend on each other:
//! - **offline, here**: the manifest's bytes against the signature, with the custody key's
//!   public key (fetched with `kms:GetPublicKey`, or a file a third party was given): ECDSA
//!   P-256 over SHA-256, checked by aws-lc (the TLS library the SDK already links);
//! - **by aws-ir** (`ec2-verify`, started with a signed request like a release): the manifest
//!   against `kms:Verify`, every snapshot re-read through the EBS direct APIs, each block and
//!   `LINEAR` aggregate compared; it names every block that differs and appends the
//!   verification, with you as its actor, to the custody log.
//!
//! `--snapshot SNAPSHOT_ID` (repeatable) verifies only those snapshots, originals or their
//! forensic copies: the request names them, signed like the rest of it.
//!
//! The exit status is 0 only when both say the evidence is intact.

use crate::aws::Clients;
use crate::{start, watch, Error, Result};
use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};
use contract::custody::{manifest_key, signature_key, Signature};
use contract::events::manual::ManualRequest;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The companion that verifies EC2 evidence, in the ec2-compromise stack.
const VERIFY_PLAYBOOK: &str = "ec2-verify";
const EVIDENCE_STACK: &str = "ec2-compromise";

#[derive(clap::Args)]
pub struct Args {
    /// The case whose evidence to verify (`case-` and 16 hex digits).
    case: String,
    /// Why: recorded in the custody log with your identity.
    #[arg(
        long,
        default_value = "verify the case's evidence against its signed manifest"
    )]
    reason: String,
    /// The custody key's public key (DER SubjectPublicKeyInfo, as `kms get-public-key`
    /// returns it) to check the signature with, instead of asking KMS for it.
    #[arg(long)]
    public_key: Option<PathBuf>,
    /// Verify only this snapshot (an original or its forensic copy) instead of every item;
    /// repeatable.
    #[arg(long = "snapshot", value_name = "SNAPSHOT_ID")]
    snapshots: Vec<String>,
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
}

/// Whether `signature` (DER, base64 in the record) is the custody key's over `manifest`.
pub fn signature_holds(public_key_der: &[u8], manifest: &[u8], signature: &Signature) -> bool {
    let Ok(der) = base64_decode(&signature.signature) else {
        return false;
    };
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key_der)
        .verify(manifest, &der)
        .is_ok()
}

fn base64_decode(text: &str) -> std::result::Result<Vec<u8>, ()> {
    aws_smithy_types::base64::decode(text).map_err(|_| ())
}

async fn object(c: &Clients, bucket: &str, key: &str) -> Result<Vec<u8>> {
    let got =
        c.s3.get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("read s3://{bucket}/{key} (does the case have a custody record?)"),
                    aws_sdk_s3::error::DisplayErrorContext(e),
                )
            })?;
    Ok(got
        .body
        .collect()
        .await
        .map_err(|e| Error::Usage(format!("read s3://{bucket}/{key}: {e}")))?
        .into_bytes()
        .to_vec())
}

/// The offline check: `Ok(true)` when the signature holds.
async fn offline(c: &Clients, args: &Args, bucket: &str, key_arn: &str) -> Result<bool> {
    let manifest = object(c, bucket, &manifest_key(&args.case)).await?;
    if !args.snapshots.is_empty() {
        // A snapshot the manifest does not list cannot be verified: say so before starting.
        let listed: Vec<String> = serde_json::from_slice::<contract::custody::Manifest>(&manifest)
            .map(|m| m.items.into_iter().map(|i| i.snapshot_id).collect())
            .unwrap_or_default();
        if let Some(unknown) = args.snapshots.iter().find(|s| !listed.contains(s)) {
            return Err(Error::Usage(format!(
                "{unknown} is not in the manifest of {}; it lists {}",
                args.case,
                listed.join(", ")
            )));
        }
    }
    let signature: Signature =
        serde_json::from_slice(&object(c, bucket, &signature_key(&args.case)).await?)
            .map_err(|e| Error::Usage(format!("the signature record is not JSON: {e}")))?;
    let public_key = match &args.public_key {
        Some(path) => std::fs::read(path).map_err(|e| Error::File {
            path: path.clone(),
            message: e.to_string(),
        })?,
        None => c
            .kms
            .get_public_key()
            .key_id(key_arn)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("read the public key of {key_arn}"),
                    aws_sdk_kms::error::DisplayErrorContext(e),
                )
            })?
            .public_key()
            .map(|k| k.as_ref().to_vec())
            .unwrap_or_default(),
    };
    Ok(signature_holds(&public_key, &manifest, &signature))
}

pub async fn run(c: &Clients, prefix: &str, args: Args) -> Result<ExitCode> {
    if !contract::custody::is_case_id(&args.case) {
        return Err(Error::Usage(format!(
            "`{}` is not a case id (case- and 16 hex digits)",
            args.case
        )));
    }
    if let Some(bad) = args
        .snapshots
        .iter()
        .find(|s| !contract::custody::is_snapshot_id(s))
    {
        return Err(Error::Usage(format!(
            "`{bad}` is not a snapshot id (snap- and 8 or 17 hex digits)"
        )));
    }
    let output = |outputs: &[(String, String)], stack: &str, name: &str| {
        outputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "stack {stack} has no output {name}: redeploy it with this irctl"
                ))
            })
    };
    let stack = contract::naming::stack(prefix, EVIDENCE_STACK);
    let bucket = output(
        &c.stack_outputs(&stack).await?,
        &stack,
        "EvidenceBucketName",
    )?;
    // The custody key is the deployment's, shared by its stacks (the keys stack).
    let keys = contract::naming::stack(prefix, contract::naming::KEYS_STACK);
    let key_arn = output(&c.stack_outputs(&keys).await?, &keys, "CustodyKeyArn")?;

    let signed_here = offline(c, &args, &bucket, &key_arn).await?;
    let request = ManualRequest {
        playbook: VERIFY_PLAYBOOK.into(),
        reason: args.reason.clone(),
        requested_by: Some(c.caller().await),
        instance_ids: vec![],
        remote_ips: vec![],
        access_key_ids: vec![],
        principal_arns: vec![],
        resource_ids: args.snapshots.clone(),
        severity: None,
        dry_run: false,
        case_id: Some(args.case.clone()),
        proof: None,
    };
    let event = start::signed_event(c, request, None).await?;
    let arn = start::start_execution(c, prefix, VERIFY_PLAYBOOK, &event).await?;
    println!("started {arn}");
    let status = watch::follow(c, &arn, Duration::from_secs(args.timeout), false).await?;
    let output: serde_json::Value = c
        .sfn
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("read the result of {arn}"),
                aws_sdk_sfn::error::DisplayErrorContext(e),
            )
        })?
        .output()
        .and_then(|o| serde_json::from_str(o).ok())
        .unwrap_or_default();
    let verification = &output["results"]["verification"];
    println!();
    for line in verification["lines"].as_array().into_iter().flatten() {
        println!("  {}", line.as_str().unwrap_or_default());
    }
    println!(
        "  offline signature check ({}): {}",
        match &args.public_key {
            Some(p) => format!("public key {}", p.display()),
            None => format!("public key of {key_arn}"),
        },
        if signed_here { "valid" } else { "INVALID" }
    );
    if let Some(logged) = verification["logged"].as_str().filter(|l| !l.is_empty()) {
        println!("  logged: {logged}");
    }
    let by_aws_ir = verification["status"].as_str().unwrap_or("not verified");
    let intact = by_aws_ir == "OK" && signed_here;
    println!("{}: {}", args.case, if intact { "OK" } else { "MISMATCH" });
    if watch::exit_code(&status) != ExitCode::SUCCESS {
        return Ok(watch::exit_code(&status));
    }
    Ok(if intact {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
