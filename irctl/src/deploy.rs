//! `irctl deploy`: package the task Lambdas, upload them, create or update the keys stack every
//! playbook imports (`<prefix>-keys`, always first) and each playbook stack through
//! CloudFormation, and wait with progress output.

use crate::aws::Clients;
use crate::{Error, Result};
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Playbooks to deploy (default: every template in --templates).
    playbooks: Vec<String>,
    /// Folder of generated templates.
    #[arg(long, default_value = "cloudformation")]
    templates: PathBuf,
    /// S3 bucket for the Lambda zip files.
    #[arg(long, env = "IRCTL_ARTIFACT_BUCKET")]
    artifact_bucket: String,
    /// Create the artifact bucket if it does not exist.
    #[arg(long)]
    create_bucket: bool,
    /// Where the task Lambdas' binary is: `<dir>/bootstrap/bootstrap.zip` (`make package`),
    /// `<dir>/bootstrap/bootstrap` (`cargo lambda build`) or `<dir>/bootstrap` (`cargo build`).
    #[arg(long, default_value = "target/lambda")]
    lambda_dir: PathBuf,
    /// Stack parameters, `Key=Value`, repeatable. Unset ones keep their previous value on update.
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Stop waiting after this many seconds.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
    #[command(flatten)]
    organization: crate::organization::OrganizationArgs,
}

fn parse_param(s: &str) -> std::result::Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{s}` is not Key=Value"))
}

pub async fn run(c: &Clients, prefix: &str, args: Args) -> Result<ExitCode> {
    let templates = templates(&args.templates, &args.playbooks)?;
    // Every artifact any selected template's functions may run (`<prefix>/<artifact>.zip`):
    // each task's own, and the bootstrap that serves them all.
    let mut artifacts = BTreeSet::new();
    for (_, body) in &templates {
        artifacts.extend(artifact_names(body));
    }
    let layout = artifact_layout(&args.lambda_dir, &artifacts, &args.params)?;
    let artifacts = match layout {
        Layout::PerTask => artifacts
            .into_iter()
            .filter(|a| a != contract::task::LAMBDA_ARTIFACT)
            .collect(),
        Layout::Bootstrap => BTreeSet::from([contract::task::LAMBDA_ARTIFACT.to_string()]),
    };
    let zips = package(&args.lambda_dir, &artifacts)?;
    println!(
        "task Lambdas: {} ({} zip(s), {:.1} MB in all, largest {:.1} MB)",
        layout.value(),
        zips.len(),
        zips.values().map(Vec::len).sum::<usize>() as f64 / 1e6,
        zips.values().map(Vec::len).max().unwrap_or(0) as f64 / 1e6,
    );
    let architecture = architecture_of(&zips, &args.params)?;
    let prefix_key = artifact_prefix(&zips);
    ensure_bucket(c, &args.artifact_bucket, args.create_bucket).await?;
    upload(c, &args.artifact_bucket, &prefix_key, &zips).await?;
    let organization = if args.organization.organization {
        let id = crate::organization::organization_id(c).await?;
        println!("responding across organization {id}");
        Some(id)
    } else {
        None
    };

    // The keys every playbook stack imports come first, whatever the playbooks asked for.
    let keys = contract::naming::KEYS_STACK;
    let keys_body = read_template(&args.templates.join(format!("{keys}.json")))?;
    let keys_params = BTreeMap::from([(STACK_PREFIX.to_string(), prefix.to_string())]);
    deploy_stack(
        c,
        prefix,
        keys,
        &keys_body,
        &args.artifact_bucket,
        &keys_params,
        &declared_parameters(&keys_body),
        Duration::from_secs(args.timeout),
    )
    .await?;

    for (playbook, body) in &templates {
        let stack = contract::naming::stack(prefix, playbook);
        let mut params: BTreeMap<String, String> = args.params.iter().cloned().collect();
        params.insert("ArtifactBucket".into(), args.artifact_bucket.clone());
        params.insert("ArtifactPrefix".into(), prefix_key.clone());
        let declared = declared_parameters(body);
        if let Some(arch) = architecture {
            if declared.contains(ARCHITECTURE) {
                params.insert(ARCHITECTURE.into(), arch.to_string());
            }
        }
        if declared.contains(STACK_PREFIX) {
            params.insert(STACK_PREFIX.into(), prefix.to_string());
        }
        if declared.contains(contract::task::ARTIFACTS_PARAMETER) {
            params.insert(
                contract::task::ARTIFACTS_PARAMETER.into(),
                layout.value().to_string(),
            );
        }
        if let Some(id) = organization
            .as_ref()
            .filter(|_| declared.contains(ORGANIZATION))
        {
            params
                .entry(ORGANIZATION.into())
                .or_insert_with(|| id.clone());
        }
        for k in params.keys() {
            if !declared.contains(k) {
                return Err(Error::Usage(format!(
                    "stack {stack} has no parameter {k}; it takes: {}",
                    declared.iter().cloned().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        deploy_stack(
            c,
            prefix,
            playbook,
            body,
            &args.artifact_bucket,
            &params,
            &declared,
            Duration::from_secs(args.timeout),
        )
        .await?;
    }
    if let Some(id) = organization {
        let timeout = Duration::from_secs(args.timeout);
        crate::organization::deploy_security_account(
            c,
            prefix,
            &args.artifact_bucket,
            &args.organization,
            &id,
            timeout,
        )
        .await?;
        crate::organization::print_members(c, &args.organization.call_as).await?;
    }
    Ok(ExitCode::SUCCESS)
}

fn read_template(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).map_err(|e| Error::File {
        path: p.to_path_buf(),
        message: format!("{e}; run `cargo run -p codegen` to generate the templates"),
    })
}

/// The playbook templates to deploy (the keys stack's aside: it is deployed first, always).
fn templates(dir: &Path, wanted: &[String]) -> Result<Vec<(String, String)>> {
    let read = read_template;
    if let Some(keys) = wanted.iter().find(|p| *p == contract::naming::KEYS_STACK) {
        return Err(Error::Usage(format!(
            "{keys} is not a playbook: irctl deploy deploys the keys stack before any playbook"
        )));
    }
    if !wanted.is_empty() {
        return wanted
            .iter()
            .map(|p| Ok((p.clone(), read(&dir.join(format!("{p}.json")))?)))
            .collect();
    }
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::File {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    for e in entries.flatten() {
        let p = e.path();
        if let Some(name) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .filter(|n| *n != contract::naming::KEYS_STACK)
        {
            out.push((name.to_string(), read(&p)?));
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(Error::Usage(format!("no templates in {}", dir.display())));
    }
    Ok(out)
}

/// The zips a template's functions run: the last part of each `Code.S3Key`, without `.zip`.
pub fn artifact_names(template: &str) -> BTreeSet<String> {
    /// The zip names a key may take: a string, a `Fn::Sub`, or either branch of a `Fn::If`.
    fn names(key: &Value, out: &mut BTreeSet<String>) {
        if let Some([_, then, otherwise]) = key["Fn::If"].as_array().map(Vec::as_slice) {
            names(then, out);
            names(otherwise, out);
            return;
        }
        let name = key["Fn::Sub"]
            .as_str()
            .or(key.as_str())
            .and_then(|k| k.rsplit('/').next()?.strip_suffix(".zip"));
        out.extend(name.map(str::to_string));
    }
    let v: Value = serde_json::from_str(template).unwrap_or_default();
    let mut out = BTreeSet::new();
    for (_, r) in v["Resources"].as_object().into_iter().flatten() {
        if r["Type"] == "AWS::Lambda::Function" {
            names(&r["Properties"]["Code"]["S3Key"], &mut out);
        }
    }
    out
}

/// Which zips the functions run (the stacks' `LambdaArtifacts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Each function its task's own zip (`make package`).
    PerTask,
    /// Every function the one bootstrap (a debug build, the emulator).
    Bootstrap,
}

impl Layout {
    fn value(self) -> &'static str {
        match self {
            Layout::PerTask => contract::task::PER_TASK_ARTIFACTS,
            Layout::Bootstrap => contract::task::LAMBDA_ARTIFACT,
        }
    }
}

/// Each task's own zip when `dir` holds one for every task the templates run (`make package`
/// builds them), else the one bootstrap; `--param LambdaArtifacts=` decides when given.
fn artifact_layout(
    dir: &Path,
    artifacts: &BTreeSet<String>,
    params: &[(String, String)],
) -> Result<Layout> {
    let bootstrap = contract::task::LAMBDA_ARTIFACT;
    let built = |name: &str| artifact_files(dir, name).iter().any(|p| p.is_file());
    let tasks: Vec<&String> = artifacts.iter().filter(|a| *a != bootstrap).collect();
    let asked = params
        .iter()
        .rev()
        .find(|(k, _)| k == contract::task::ARTIFACTS_PARAMETER)
        .map(|(_, v)| v.as_str());
    match asked {
        Some(v) if v == contract::task::PER_TASK_ARTIFACTS => Ok(Layout::PerTask),
        Some(v) if v == bootstrap => Ok(Layout::Bootstrap),
        Some(other) => Err(Error::Usage(format!(
            "--param {}={other}: it takes {} or {bootstrap}",
            contract::task::ARTIFACTS_PARAMETER,
            contract::task::PER_TASK_ARTIFACTS
        ))),
        None if !tasks.is_empty() && tasks.iter().all(|t| built(t)) => Ok(Layout::PerTask),
        None => Ok(Layout::Bootstrap),
    }
}

pub(crate) fn declared_parameters(template: &str) -> BTreeSet<String> {
    let v: Value = serde_json::from_str(template).unwrap_or_default();
    v["Parameters"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

const ARCHITECTURE: &str = "Architecture";

/// The Lambda architecture the zips' bootstraps are built for, read from their ELF headers
/// (`e_machine`): the stacks are given it, so that a function never runs a binary of the other
/// CPU (Lambda would fail every invocation with `Runtime.InvalidEntrypoint`). A
/// `--param Architecture=` that disagrees is refused; zips of both CPUs at once too.
fn architecture_of(
    zips: &BTreeMap<String, Vec<u8>>,
    params: &[(String, String)],
) -> Result<Option<&'static str>> {
    let mut found: Option<(&'static str, &str)> = None;
    for (name, zip) in zips {
        let Some(arch) = zip_architecture(zip) else {
            continue;
        };
        match found {
            Some((other, first)) if other != arch => {
                return Err(Error::Usage(format!(
                    "the zips are for two CPUs: {first} is {other}, {name} is {arch}; package them again with one `make package`"
                )))
            }
            _ => found = Some((arch, name)),
        }
    }
    let wanted = params
        .iter()
        .rev()
        .find(|(k, _)| k == ARCHITECTURE)
        .map(|(_, v)| v.as_str());
    match (found, wanted) {
        (Some((arch, name)), Some(w)) if w != arch => Err(Error::Usage(format!(
            "--param {ARCHITECTURE}={w}, but the bootstrap in {name}.zip is built for {arch}: build it for {w} (`make package ARCH={w}`) and pass its --lambda-dir, or drop the parameter"
        ))),
        (found, _) => Ok(found.map(|(arch, _)| arch)),
    }
}

/// `x86_64` or `arm64` from the `bootstrap` an artifact zip holds; `None` when it is not an
/// ELF binary of either.
fn zip_architecture(zip: &[u8]) -> Option<&'static str> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).ok()?;
    let mut file = archive.by_name("bootstrap").ok()?;
    let mut header = [0u8; 20];
    file.read_exact(&mut header).ok()?;
    elf_architecture(&header)
}

/// ELF `e_machine` (offset 18, little-endian): 62 is x86-64, 183 is AArch64.
fn elf_architecture(header: &[u8]) -> Option<&'static str> {
    if header.len() < 20 || &header[..4] != b"\x7fELF" {
        return None;
    }
    match u16::from_le_bytes([header[18], header[19]]) {
        62 => Some("x86_64"),
        183 => Some("arm64"),
        _ => None,
    }
}

/// Where an artifact may be in a lambda directory, in the order taken: the zip `make package`
/// writes, the binary `cargo lambda build` writes, the binary `cargo build` writes.
fn artifact_files(dir: &Path, name: &str) -> [PathBuf; 3] {
    [
        dir.join(name).join("bootstrap.zip"),
        dir.join(name).join("bootstrap"),
        dir.join(name),
    ]
}

/// Zips each artifact's binary as `bootstrap` (mode 755), the layout `provided.al2023` expects.
fn package(dir: &Path, tasks: &BTreeSet<String>) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    for task in tasks {
        let [packaged, candidates @ ..] = artifact_files(dir, task);
        if packaged.is_file() {
            let bytes = std::fs::read(&packaged).map_err(|e| Error::File {
                path: packaged.clone(),
                message: e.to_string(),
            })?;
            out.insert(task.clone(), bytes);
            continue;
        }
        let Some(binary) = candidates.iter().find(|p| p.is_file()) else {
            return Err(Error::Usage(format!(
                "no binary {task} in {} (looked for {}); build with `make package` (release) or `cargo build -p tasks --bin bootstrap` and pass --lambda-dir",
                dir.display(),
                candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and ")
            )));
        };
        let bytes = std::fs::read(binary).map_err(|e| Error::File {
            path: binary.clone(),
            message: e.to_string(),
        })?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // A fixed timestamp keeps the zip reproducible.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o755)
            .last_modified_time(zip::DateTime::default());
        let write = |zip: &mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>| -> std::io::Result<()> {
            zip.start_file("bootstrap", options)?;
            zip.write_all(&bytes)
        };
        write(&mut zip).map_err(|e| Error::Usage(format!("zipping {task}: {e}")))?;
        let cursor = zip
            .finish()
            .map_err(|e| Error::Usage(format!("zipping {task}: {e}")))?;
        out.insert(task.clone(), cursor.into_inner());
    }
    Ok(out)
}

/// `build-<hash>` over every zip: new code, new prefix, so CloudFormation updates the functions.
pub fn artifact_prefix(zips: &BTreeMap<String, Vec<u8>>) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in zips {
        h.update(name.as_bytes());
        h.update(Sha256::digest(bytes));
    }
    let hex: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("build-{hex}")
}

async fn ensure_bucket(c: &Clients, bucket: &str, create: bool) -> Result<()> {
    if c.s3.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    if !create {
        return Err(Error::Usage(format!(
            "artifact bucket {bucket} does not exist or is not yours; create it (versioned, encrypted) or pass --create-bucket"
        )));
    }
    c.s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| Error::aws(format!("create bucket {bucket}"), DisplayErrorContext(e)))?;
    println!("created bucket {bucket}");
    Ok(())
}

async fn upload(
    c: &Clients,
    bucket: &str,
    prefix: &str,
    zips: &BTreeMap<String, Vec<u8>>,
) -> Result<()> {
    for (task, bytes) in zips {
        let key = format!("{prefix}/{task}.zip");
        if c.s3
            .head_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .is_ok()
        {
            println!("  s3://{bucket}/{key} (already there)");
            continue;
        }
        put(c, bucket, &key, bytes.clone()).await?;
        println!("  s3://{bucket}/{key} ({} KiB)", bytes.len() / 1024);
    }
    Ok(())
}

/// Puts `bytes` at `s3://bucket/key`.
pub(crate) async fn put(c: &Clients, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<()> {
    c.s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(bytes.into())
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("upload s3://{bucket}/{key}"),
                DisplayErrorContext(e),
            )
        })?;
    Ok(())
}

/// The most bytes of template CloudFormation takes inline (`TemplateBody`).
const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// Uploads a template under its content's hash (`<dir>/<hash>/<name>`); its S3 URL.
/// CloudFormation takes at most 51,200 bytes of template inline (CreateStack, UpdateStack and
/// the StackSet calls: `TemplateBody`); a playbook template is larger, so it goes by
/// `TemplateURL`, which takes up to 1 MB.
pub(crate) async fn upload_template(
    c: &Clients,
    bucket: &str,
    dir: &str,
    name: &str,
    body: &str,
) -> Result<String> {
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let key = format!("{dir}/{hash}/{name}");
    put(c, bucket, &key, body.as_bytes().to_vec()).await?;
    Ok(format!(
        "https://{bucket}.s3.{}.amazonaws.com/{key}",
        c.region()
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn deploy_stack(
    c: &Clients,
    prefix: &str,
    playbook: &str,
    body: &str,
    bucket: &str,
    given: &BTreeMap<String, String>,
    declared: &BTreeSet<String>,
    timeout: Duration,
) -> Result<()> {
    let stack = &contract::naming::stack(prefix, playbook);
    let existing = c
        .cfn
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .ok()
        .and_then(|o| o.stacks().first().cloned());
    // A stack whose creation failed can only be deleted (CloudFormation refuses UpdateStack).
    if let Some(s) = existing
        .as_ref()
        .filter(|s| s.stack_status() == Some(&StackStatus::RollbackComplete))
    {
        return Err(Error::Usage(format!(
            "stack {stack} is in ROLLBACK_COMPLETE: its creation failed ({}) and CloudFormation cannot update it. Fix the cause (its events: `aws cloudformation describe-stack-events --stack-name {stack}`), delete it (`aws cloudformation delete-stack --stack-name {stack}`) and deploy again",
            s.stack_status_reason().unwrap_or("no reason given")
        )));
    }
    let exists = existing.as_ref().is_some_and(|s| {
        s.stack_status() != Some(&StackStatus::ReviewInProgress)
            && s.stack_status() != Some(&StackStatus::DeleteComplete)
    });
    // A new stack with no responders named would refuse every request: the deployer is the
    // first responder, and says so.
    let mut given = given.clone();
    if !exists
        && declared.contains(RESPONDERS)
        && given.get(RESPONDERS).is_none_or(|v| v.is_empty())
    {
        if let Some(me) = c.caller_principal().await {
            println!("  {stack}: {RESPONDERS} not given; naming you ({me}) as its responder (--param {RESPONDERS}=ARN,... to name others)");
            given.insert(RESPONDERS.into(), me);
        }
    }
    let given = &given;
    let mut parameters: Vec<Parameter> = given
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect();
    if exists {
        // Keep what the stack was deployed with for everything not given now.
        let previous: BTreeSet<String> = existing
            .iter()
            .flat_map(|s| s.parameters())
            .filter_map(|p| p.parameter_key().map(String::from))
            .collect();
        for k in declared
            .iter()
            .filter(|k| !given.contains_key(*k) && previous.contains(*k))
        {
            parameters.push(
                Parameter::builder()
                    .parameter_key(k)
                    .use_previous_value(true)
                    .build(),
            );
        }
    }
    // Inline when CloudFormation takes it so, from the artifact bucket otherwise.
    let url = if body.len() > TEMPLATE_BODY_LIMIT {
        Some(upload_template(c, bucket, "templates", &format!("{playbook}.json"), body).await?)
    } else {
        None
    };
    let started = std::time::SystemTime::now();
    if exists {
        println!("updating stack {stack}");
        let r = c
            .cfn
            .update_stack()
            .stack_name(stack)
            .set_template_url(url.clone())
            .set_template_body(url.is_none().then(|| body.to_string()))
            .set_parameters(Some(parameters))
            .capabilities(Capability::CapabilityIam)
            // The member stacks name their roles (the trust names them).
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await;
        if let Err(e) = r {
            if e.message()
                .is_some_and(|m| m.contains("No updates are to be performed"))
            {
                println!("  {stack}: up to date");
                return print_outputs(c, stack).await;
            }
            return Err(Error::aws(
                format!("update stack {stack}"),
                DisplayErrorContext(e),
            ));
        }
    } else {
        println!("creating stack {stack}");
        c.cfn
            .create_stack()
            .stack_name(stack)
            .set_template_url(url.clone())
            .set_template_body(url.is_none().then(|| body.to_string()))
            .set_parameters(Some(parameters))
            .capabilities(Capability::CapabilityIam)
            // The member stacks name their roles (the trust names them).
            .capabilities(Capability::CapabilityNamedIam)
            // How irctl finds its stacks again: by prefix and playbook, not by parsing names.
            .tags(
                aws_sdk_cloudformation::types::Tag::builder()
                    .key(contract::tags::marks::MANAGED_BY)
                    .value("irctl")
                    .build(),
            )
            .tags(
                aws_sdk_cloudformation::types::Tag::builder()
                    .key(contract::tags::marks::DEPLOYMENT)
                    .value(prefix)
                    .build(),
            )
            .tags(
                aws_sdk_cloudformation::types::Tag::builder()
                    .key(contract::tags::marks::PLAYBOOK)
                    .value(playbook)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::aws(format!("create stack {stack}"), DisplayErrorContext(e)))?;
    }
    wait(c, stack, started, timeout).await?;
    // A response stack is what an attacker would delete first: CloudFormation refuses to
    // delete it until someone allowed to turns this off.
    c.cfn
        .update_termination_protection()
        .stack_name(stack)
        .enable_termination_protection(true)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("turn on termination protection of {stack}"),
                DisplayErrorContext(e),
            )
        })?;
    print_outputs(c, stack).await
}

const STACK_PREFIX: &str = "StackPrefix";
const ORGANIZATION: &str = "OrganizationId";
const RESPONDERS: &str = contract::trust::RESPONDERS_PARAMETER;

/// Polls until the stack settles, printing each new stack event.
async fn wait(
    c: &Clients,
    stack: &str,
    since: std::time::SystemTime,
    timeout: Duration,
) -> Result<()> {
    let begin = Instant::now();
    let mut seen = BTreeSet::new();
    let since = aws_sdk_cloudformation::primitives::DateTime::from(since);
    loop {
        let events = c
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| {
                Error::aws(
                    format!("read events of stack {stack}"),
                    DisplayErrorContext(e),
                )
            })?;
        let mut fresh: Vec<_> = events
            .stack_events()
            .iter()
            .filter(|e| e.timestamp().is_some_and(|t| t.secs() >= since.secs()))
            .filter(|e| e.event_id().is_some_and(|id| !seen.contains(id)))
            .cloned()
            .collect();
        fresh.reverse();
        for e in fresh {
            seen.insert(e.event_id().unwrap_or_default().to_string());
            let reason = e
                .resource_status_reason()
                .map(|r| format!("  {r}"))
                .unwrap_or_default();
            println!(
                "  {:>6.1}s  {:<40} {:<28} {}{reason}",
                begin.elapsed().as_secs_f64(),
                e.logical_resource_id().unwrap_or("?"),
                e.resource_type().unwrap_or(""),
                e.resource_status().map(|s| s.as_str()).unwrap_or("")
            );
        }
        let status = c
            .cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| Error::aws(format!("describe stack {stack}"), DisplayErrorContext(e)))?
            .stacks()
            .first()
            .and_then(|s| s.stack_status().cloned());
        match status {
            Some(StackStatus::CreateComplete) | Some(StackStatus::UpdateComplete) => {
                println!(
                    "  {stack}: {} in {:.1}s",
                    status.unwrap().as_str(),
                    begin.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Some(s) if !s.as_str().ends_with("IN_PROGRESS") => {
                return Err(Error::Usage(format!(
                    "stack {stack} ended in {}; the events above say which resource failed and why",
                    s.as_str()
                )));
            }
            _ => {}
        }
        if begin.elapsed() > timeout {
            return Err(Error::Usage(format!(
                "stack {stack} still in progress after {}s",
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn print_outputs(c: &Clients, stack: &str) -> Result<()> {
    for (k, v) in c.stack_outputs(stack).await? {
        println!("  {k:<28} {v}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function of a generated template runs its task's zip or the one bootstrap.
    #[test]
    fn reads_the_artifacts_from_the_generated_template() {
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../cloudformation/triage.json"
        ))
        .unwrap();
        let names = artifact_names(&body);
        assert!(names.contains(contract::task::LAMBDA_ARTIFACT), "{names:?}");
        assert!(
            names.contains("normalize") && names.contains("notify"),
            "{names:?}"
        );
    }

    /// Per-task zips when every task the templates run is built as one, the bootstrap
    /// otherwise, and the parameter when it is given.
    #[test]
    fn the_layout_follows_what_is_built() {
        let dir = std::env::temp_dir().join(format!("irctl-layout-{}", std::process::id()));
        let names = BTreeSet::from(["bootstrap".to_string(), "a".into(), "b".into()]);
        for n in ["bootstrap", "a"] {
            std::fs::create_dir_all(dir.join(n)).unwrap();
            std::fs::write(dir.join(n).join("bootstrap.zip"), b"zip").unwrap();
        }
        assert_eq!(
            artifact_layout(&dir, &names, &[]).unwrap(),
            Layout::Bootstrap
        );
        std::fs::create_dir_all(dir.join("b")).unwrap();
        std::fs::write(dir.join("b").join("bootstrap.zip"), b"zip").unwrap();
        assert_eq!(artifact_layout(&dir, &names, &[]).unwrap(), Layout::PerTask);
        let asked = |v: &str| {
            vec![(
                contract::task::ARTIFACTS_PARAMETER.to_string(),
                v.to_string(),
            )]
        };
        assert_eq!(
            artifact_layout(&dir, &names, &asked("bootstrap")).unwrap(),
            Layout::Bootstrap
        );
        let refused = artifact_layout(&dir, &names, &asked("all"))
            .unwrap_err()
            .to_string();
        assert!(refused.contains("per-task or bootstrap"), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_artifact_prefix_follows_the_code() {
        let a = BTreeMap::from([("notify".to_string(), vec![1, 2, 3])]);
        let b = BTreeMap::from([("notify".to_string(), vec![1, 2, 4])]);
        assert_eq!(artifact_prefix(&a), artifact_prefix(&a.clone()));
        assert_ne!(artifact_prefix(&a), artifact_prefix(&b));
        assert!(artifact_prefix(&a).starts_with("build-"));
    }

    /// A zip as `package` writes it, around an ELF header for `machine`.
    fn zip_of(machine: u16) -> Vec<u8> {
        let dir = std::env::temp_dir().join(format!("irctl-arch-{machine}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("bootstrap")).unwrap();
        let mut elf = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        elf.resize(18, 0);
        elf.extend(machine.to_le_bytes());
        elf.resize(64, 0);
        std::fs::write(dir.join("bootstrap").join("bootstrap"), elf).unwrap();
        let zips = package(&dir, &BTreeSet::from(["bootstrap".to_string()])).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        zips["bootstrap"].clone()
    }

    #[test]
    fn the_stacks_take_the_architecture_the_bootstrap_is_built_for() {
        let arm = BTreeMap::from([("bootstrap".to_string(), zip_of(183))]);
        let x86 = BTreeMap::from([("bootstrap".to_string(), zip_of(62))]);
        assert_eq!(architecture_of(&arm, &[]).unwrap(), Some("arm64"));
        assert_eq!(architecture_of(&x86, &[]).unwrap(), Some("x86_64"));
        let asked = |v: &str| vec![(ARCHITECTURE.to_string(), v.to_string())];
        assert_eq!(
            architecture_of(&arm, &asked("arm64")).unwrap(),
            Some("arm64")
        );
        let refused = architecture_of(&x86, &asked("arm64"))
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("built for x86_64") && refused.contains("make package ARCH=arm64"),
            "{refused}"
        );
        // Not an ELF binary of either: nothing to say, the parameter is left as given.
        let other = BTreeMap::from([("bootstrap".to_string(), zip_of(40))]);
        assert_eq!(architecture_of(&other, &asked("arm64")).unwrap(), None);
        let both = BTreeMap::from([
            ("a".to_string(), zip_of(183)),
            ("b".to_string(), zip_of(62)),
        ]);
        assert!(architecture_of(&both, &[])
            .unwrap_err()
            .to_string()
            .contains("two CPUs"));
    }
}
