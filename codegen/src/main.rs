//! `codegen`: synthesizes every playbook into `statemachines/` and `cloudformation/`.

use clap::{Parser, Subcommand};
use codegen::cfn::example::Example;
use codegen::constructs::Settings;
use codegen::synth::{self, Artifacts, OWNED_DIRS};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Synthesize the playbooks: Amazon States Language to statemachines/, CloudFormation to
/// cloudformation/, plus a Mermaid diagram per playbook and the JSON Schemas of every task's
/// input and output.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Repository root to write into (default: the workspace root).
    #[arg(long, global = true)]
    root: Option<PathBuf>,

    /// Write nothing; exit with status 1 and a diff when a committed artifact differs from a
    /// fresh synthesis (or is missing, or is stale).
    #[arg(long)]
    check: bool,

    /// Synthesize only this playbook (repeatable; default: every one). Files of the others are
    /// left as they are.
    #[arg(long = "playbook", value_name = "ID", conflicts_with = "check")]
    playbooks: Vec<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write every IAM role policy with intrinsics resolved to example ARNs, one JSON file per
    /// policy, for policy linters such as parliament.
    Policies {
        /// Folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf()
    });
    let mut playbooks = codegen::playbooks::all();
    let settings = Settings::default();
    let only = !cli.playbooks.is_empty();
    if only {
        let known: Vec<&str> = playbooks.iter().map(|p| p.id).collect();
        if let Some(unknown) = cli
            .playbooks
            .iter()
            .find(|id| !known.contains(&id.as_str()))
        {
            eprintln!(
                "error: no playbook {unknown}; the playbooks are: {}",
                known.join(", ")
            );
            return ExitCode::FAILURE;
        }
        playbooks.retain(|p| cli.playbooks.iter().any(|id| id == p.id));
    }

    if let Some(Command::Policies { out }) = cli.command {
        return write_policies(&playbooks, &settings, &out);
    }

    let artifacts = match synth::synthesize(&playbooks, &settings) {
        // The organization's stacks hold every playbook: a partial synthesis leaves them be.
        Ok(mut a) if only => {
            let whole: Vec<&str> = synth::organization_templates(&playbooks)
                .into_iter()
                .map(|(path, _)| path)
                .collect();
            a.retain(|path, _| !whole.contains(&path.as_str()));
            a
        }
        Ok(a) => a,
        Err(errors) => {
            for e in errors {
                eprint!("error: {e}");
            }
            eprintln!("synthesis failed; nothing was written");
            return ExitCode::FAILURE;
        }
    };
    if cli.check {
        check(&root, &artifacts)
    } else {
        // A partial synthesis does not know the other playbooks' files: none is stale.
        write(&root, &artifacts, !only)
    }
}

fn existing_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    for d in OWNED_DIRS {
        walk(&root.join(d), root, &mut out);
    }
    out.sort();
    out
}

fn write(root: &Path, artifacts: &Artifacts, prune: bool) -> ExitCode {
    let mut changed = 0;
    for (path, content) in artifacts {
        let full = root.join(path);
        if std::fs::read_to_string(&full).ok().as_deref() == Some(content) {
            continue;
        }
        if let Some(dir) = full.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                eprintln!("error: cannot create {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        }
        if let Err(e) = std::fs::write(&full, content) {
            eprintln!("error: cannot write {}: {e}", full.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {path}");
        changed += 1;
    }
    for stale in existing_files(root)
        .into_iter()
        .filter(|f| prune && !artifacts.contains_key(f))
    {
        if let Err(e) = std::fs::remove_file(root.join(&stale)) {
            eprintln!("error: cannot remove stale {stale}: {e}");
            return ExitCode::FAILURE;
        }
        println!("removed stale {stale}");
        changed += 1;
    }
    println!("{} artifacts, {changed} changed", artifacts.len());
    ExitCode::SUCCESS
}

fn check(root: &Path, artifacts: &Artifacts) -> ExitCode {
    let mut problems = 0;
    for (path, fresh) in artifacts {
        match std::fs::read_to_string(root.join(path)) {
            Ok(committed) if &committed == fresh => {}
            Ok(committed) => {
                problems += 1;
                println!("--- {path} (committed)\n+++ {path} (fresh synthesis)");
                let diff = similar::TextDiff::from_lines(&committed, fresh);
                print!("{}", diff.unified_diff().context_radius(3));
            }
            Err(_) => {
                problems += 1;
                println!("missing: {path}");
            }
        }
    }
    for stale in existing_files(root)
        .into_iter()
        .filter(|f| !artifacts.contains_key(f))
    {
        problems += 1;
        println!("stale (no longer generated): {stale}");
    }
    if problems == 0 {
        println!("{} artifacts match a fresh synthesis", artifacts.len());
        ExitCode::SUCCESS
    } else {
        println!(
            "\n{problems} artifact(s) differ; run `cargo run -p codegen` and commit the result"
        );
        ExitCode::FAILURE
    }
}

fn write_policies(
    playbooks: &[codegen::constructs::playbook::Playbook],
    settings: &Settings,
    out: &Path,
) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for p in playbooks {
        let s = match p.synthesize(settings) {
            Ok(s) => s,
            Err(e) => {
                eprint!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let example = Example::new(&s.template, &format!("aws-ir-{}", p.id));
        for (name, doc) in example.role_policies() {
            let path = out.join(format!("{}.{name}.json", p.id));
            let text = serde_json::to_string_pretty(&doc).expect("policy renders") + "\n";
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    // The member roles, when every playbook is synthesized (they hold all of them).
    if playbooks.len() == codegen::playbooks::all().len() {
        for (path, template) in synth::organization_templates(playbooks) {
            let stem = path
                .trim_start_matches("organization/")
                .trim_end_matches(".json");
            let example = Example::new(&template, &format!("aws-ir-{stem}"));
            for (name, doc) in example.role_policies() {
                let path = out.join(format!("organization.{stem}.{name}.json"));
                let text = serde_json::to_string_pretty(&doc).expect("policy renders") + "\n";
                if let Err(e) = std::fs::write(&path, text) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    // The organization policy is linted with the roles' policies.
    let path = out.join("organization.guardrails-scp.json");
    let text = serde_json::to_string_pretty(&codegen::constructs::guardrails::scp("aws-ir"))
        .expect("policy renders")
        + "\n";
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
