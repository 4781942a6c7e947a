//! `irctl watch`: follow an execution live, then say how it ended and what it did. The items of
//! a Distributed Map run in child executions: their progress is shown per map run, and a
//! request one of them waits on is announced like the execution's own.

use crate::aws::Clients;
use crate::history::{self, Event, Outcome, Status};
use crate::map_runs;
use crate::{Error, Result};
use aws_sdk_sfn::error::DisplayErrorContext;
use aws_sdk_sfn::types::HistoryEvent;
use serde_json::Value;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// The execution ARN (default: the latest execution of --playbook).
    execution: Option<String>,
    /// The playbook whose latest execution to follow.
    #[arg(long, default_value = "triage")]
    playbook: String,
    /// Give up after this many seconds (exit status 2; the execution keeps running).
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Return as soon as the execution waits for a responder (exit status 3).
    #[arg(long)]
    until_waiting: bool,
}

pub async fn run(c: &Clients, prefix: &str, args: Args) -> Result<ExitCode> {
    let arn = match args.execution {
        Some(a) => a,
        None => latest_execution(c, prefix, &args.playbook).await?,
    };
    let end = follow(
        c,
        &arn,
        Duration::from_secs(args.timeout),
        args.until_waiting,
    )
    .await?;
    Ok(exit_code(&end))
}

/// 0 succeeded, 1 failed/timed out/aborted, 2 still running, 3 waiting for a responder.
pub fn exit_code(status: &Option<Status>) -> ExitCode {
    match status {
        Some(Status::Succeeded) => ExitCode::SUCCESS,
        Some(Status::Running) => ExitCode::from(3),
        Some(_) => ExitCode::from(1),
        None => ExitCode::from(2),
    }
}

pub async fn latest_execution(c: &Clients, prefix: &str, playbook: &str) -> Result<String> {
    let machine = c.state_machine(prefix, playbook).await?;
    let out = c
        .sfn
        .list_executions()
        .state_machine_arn(&machine)
        .max_results(1)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("list executions of {machine}"),
                DisplayErrorContext(e),
            )
        })?;
    out.executions()
        .first()
        .map(|e| e.execution_arn().to_string())
        .ok_or_else(|| Error::Usage(format!("playbook {playbook} has no executions yet; start one with `irctl start {playbook}`")))
}

/// All events so far, oldest first, converted to [`Event`].
pub async fn history(c: &Clients, arn: &str) -> Result<Vec<Event>> {
    history_after(c, arn, 0).await
}

/// The events after event `after` (ids grow by one per event), oldest first. The history is read
/// newest first and reading stops at the first event already seen, so following a long
/// execution (thousands of events for a finding naming 50 instances) costs what is new, not the
/// whole history on every poll; GetExecutionHistory is also rate-limited per account.
pub async fn history_after(c: &Clients, arn: &str, after: i64) -> Result<Vec<Event>> {
    let mut newer = Vec::new();
    let mut pages = c
        .sfn
        .get_execution_history()
        .execution_arn(arn)
        .include_execution_data(true)
        .reverse_order(true)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::aws(format!("read the history of {arn}"), DisplayErrorContext(e))
        })?;
        newer.extend(page.events().iter().filter(|e| e.id() > after).map(convert));
        if page.events().iter().any(|e| e.id() <= after) {
            break;
        }
    }
    // By id, whatever order the pages came in.
    newer.sort_by_key(|e| e.id);
    Ok(newer)
}

fn convert(e: &HistoryEvent) -> Event {
    let mut ev = Event {
        id: e.id(),
        previous: e.previous_event_id(),
        at: e.timestamp().as_secs_f64(),
        kind: e.r#type().as_str().to_string(),
        state: None,
        error: None,
        cause: None,
        output: None,
        parameters: None,
        resource: None,
    };
    if let Some(d) = e.state_entered_event_details() {
        ev.state = Some(d.name().to_string());
    }
    if let Some(d) = e.state_exited_event_details() {
        ev.state = Some(d.name().to_string());
        ev.output = d.output().map(String::from);
    }
    if let Some(d) = e.task_scheduled_event_details() {
        ev.parameters = Some(d.parameters().to_string());
        ev.resource = Some(d.resource().to_string());
    }
    if let Some(d) = e.task_failed_event_details() {
        ev.error = d.error().map(String::from);
        ev.cause = d.cause().map(String::from);
    }
    if let Some(d) = e.task_timed_out_event_details() {
        ev.error = d
            .error()
            .map(String::from)
            .or(Some("States.Timeout".into()));
        ev.cause = d.cause().map(String::from);
    }
    if let Some(d) = e.lambda_function_failed_event_details() {
        ev.error = d.error().map(String::from);
        ev.cause = d.cause().map(String::from);
    }
    if let Some(d) = e.execution_failed_event_details() {
        ev.error = d.error().map(String::from);
        ev.cause = d.cause().map(String::from);
    }
    if let Some(d) = e.execution_succeeded_event_details() {
        ev.output = d.output().map(String::from);
    }
    ev
}

/// Prints each event as it happens; returns the final status (`None` if still running at the
/// timeout, `Running` if it stopped because the execution waits for a responder).
pub async fn follow(
    c: &Clients,
    arn: &str,
    timeout: Duration,
    until_waiting: bool,
) -> Result<Option<Status>> {
    println!("watching {arn}");
    let begin = Instant::now();
    let mut printed = 0usize;
    let mut start_at: Option<f64> = None;
    let mut announced_tokens = std::collections::BTreeSet::new();
    let mut events: Vec<Event> = Vec::new();
    let mut items = Items::default();
    loop {
        let last = events.last().map(|e| e.id).unwrap_or(0);
        events.extend(history_after(c, arn, last).await?);
        // Times are shown from the execution's first event (none yet: nothing to show).
        if start_at.is_none() {
            start_at = events.first().map(|e| e.at);
        }
        let t0 = start_at.unwrap_or(0.0);
        for e in &events[printed.min(events.len())..] {
            print_event(e, t0, &events);
        }
        printed = events.len();
        let mut pending = history::pending_tokens(&events);
        if events.iter().any(|e| e.kind == "MapRunStarted") {
            // A run that just ended is read once more, so that its last figures show.
            let ended = events
                .iter()
                .filter(|e| e.kind.starts_with("MapRun") && e.kind != "MapRunStarted")
                .count();
            items.poll(c, arn, ended).await?;
            pending.extend(items.pending.iter().cloned());
        }
        for p in &pending {
            if announced_tokens.insert((p.state.clone(), p.instance.clone())) {
                let case = p.case.clone().unwrap_or_else(|| "<case>".into());
                let which = p
                    .instance
                    .as_ref()
                    .map(|i| format!(" --instance {i}"))
                    .unwrap_or_default();
                println!("          ⏸ {} waits for a responder: `irctl approve {case}{which}` or `irctl reject {case}{which} --reason ...`", p.state);
            }
        }
        if until_waiting && !pending.is_empty() {
            return Ok(Some(Status::Running));
        }
        let (steps, status) = history::steps(&events);
        if status != Status::Running {
            summary(&events, &steps, &status, t0);
            return Ok(Some(status));
        }
        if begin.elapsed() > timeout {
            println!(
                "still running after {}s; follow again with `irctl watch {arn}`",
                timeout.as_secs()
            );
            return Ok(None);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// What the items of the execution's Distributed Maps are doing: each run's progress, printed
/// when it changes, and the requests its running children wait on. Read every few seconds, not
/// on every poll: each running child is one GetExecutionHistory call, a throttled API.
#[derive(Default)]
struct Items {
    read_at: Option<Instant>,
    runs_ended: usize,
    progress: std::collections::BTreeMap<String, String>,
    histories: std::collections::BTreeMap<String, Vec<Event>>,
    pending: Vec<history::Pending>,
}

impl Items {
    const EVERY: Duration = Duration::from_secs(3);

    async fn poll(&mut self, c: &Clients, arn: &str, runs_ended: usize) -> Result<()> {
        if runs_ended == self.runs_ended && self.read_at.is_some_and(|t| t.elapsed() < Self::EVERY)
        {
            return Ok(());
        }
        self.runs_ended = runs_ended;
        self.read_at = Some(Instant::now());
        self.pending.clear();
        for run in map_runs::map_runs(c, arn).await? {
            let run_arn = run.map_run_arn();
            let described = c
                .sfn
                .describe_map_run()
                .map_run_arn(run_arn)
                .send()
                .await
                .map_err(|e| {
                    Error::aws(
                        format!("describe map run {run_arn}"),
                        DisplayErrorContext(e),
                    )
                })?;
            if let Some(n) = described.item_counts() {
                let line = format!(
                    "{}: {} of {} items done ({} running, {} failed)",
                    map_runs::label(run_arn),
                    n.succeeded() + n.failed() + n.timed_out() + n.aborted(),
                    n.total(),
                    n.running(),
                    n.failed() + n.timed_out() + n.aborted(),
                );
                if self.progress.get(run_arn) != Some(&line) {
                    println!("          ◆ {line}");
                    self.progress.insert(run_arn.to_string(), line);
                }
            }
            let running = map_runs::children(
                c,
                run_arn,
                Some(aws_sdk_sfn::types::ExecutionStatus::Running),
            )
            .await?;
            for child in running {
                let seen = self.histories.entry(child.clone()).or_default();
                let last = seen.last().map(|e| e.id).unwrap_or(0);
                seen.extend(history_after(c, &child, last).await?);
                self.pending.extend(history::pending_tokens(seen));
            }
        }
        Ok(())
    }
}

fn print_event(e: &Event, t0: f64, all: &[Event]) {
    let t = e.at - t0;
    if let Some(kind) = e.kind.strip_suffix("StateEntered") {
        println!(
            "  {t:>7.2}s  → {:<34} {kind}",
            e.state.as_deref().unwrap_or("?")
        );
    } else if e.kind.ends_with("StateExited") {
        let entered = all
            .iter()
            .rev()
            .find(|p| p.kind.ends_with("StateEntered") && p.state == e.state && p.at <= e.at)
            .map(|p| e.at - p.at)
            .unwrap_or(0.0);
        println!(
            "  {t:>7.2}s  ✓ {:<34} {entered:.2}s",
            e.state.as_deref().unwrap_or("?")
        );
    } else if e.error.is_some() && !e.kind.starts_with("Execution") {
        println!(
            "  {t:>7.2}s  ✗ {} {}: {}",
            e.kind,
            e.error.as_deref().unwrap_or(""),
            shorten(e.cause.as_deref().unwrap_or(""), 300)
        );
    }
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

fn summary(events: &[Event], steps: &[history::Step], status: &Status, t0: f64) {
    let end = events.last().map(|e| e.at).unwrap_or(t0);
    let word = match status {
        Status::Succeeded => "SUCCEEDED".to_string(),
        Status::Failed { error, .. } => format!("FAILED ({error})"),
        Status::TimedOut => "TIMED OUT".to_string(),
        Status::Aborted => "ABORTED".to_string(),
        Status::Running => "RUNNING".to_string(),
    };
    println!("\n{word} in {:.2}s, {} states", end - t0, steps.len());
    if let Status::Failed { cause, .. } = status {
        println!("  cause: {}", shorten(cause, 600));
    }
    for s in steps {
        if let Outcome::Recovered { error } = &s.outcome {
            println!("  {} failed with {error}; the playbook caught it", s.state);
        }
    }
    // What the playbook recorded: the case and each step's result.
    let output = events
        .iter()
        .rev()
        .find_map(|e| {
            e.output
                .as_deref()
                .filter(|_| e.kind == "ExecutionSucceeded")
        })
        .or_else(|| steps.iter().rev().find_map(|s| s.output.as_deref()));
    let Some(doc) = output.and_then(|o| serde_json::from_str::<Value>(o).ok()) else {
        return;
    };
    if let Some(case) = doc.get("case") {
        println!(
            "\ncase {} — {} {} ({})\n  {}",
            case["case_id"].as_str().unwrap_or("?"),
            case["severity"]["label"].as_str().unwrap_or("?"),
            case["kind"].as_str().unwrap_or("?"),
            case["finding_type"].as_str().unwrap_or("?"),
            case["title"].as_str().unwrap_or("")
        );
        if case["dry_run"] == Value::Bool(true) {
            println!("  dry run: nothing was changed");
        }
    }
    if let Some(results) = doc.get("results").and_then(Value::as_object) {
        println!("\nwhat the playbook did:");
        for (step, r) in results {
            for line in result_lines(r) {
                println!("  {step:<16} {line}");
            }
        }
    }
}

/// One step's result for a human: scalars on one line, then every list of strings (the
/// actions taken or planned, per-instance summaries) one item per line, none cut short.
fn result_lines(r: &Value) -> Vec<String> {
    let Value::Object(m) = r else {
        return vec![shorten(&r.to_string(), 400)];
    };
    let is_list = |v: &Value| {
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
    };
    let scalars = m
        .iter()
        .filter(|(_, v)| !is_list(v))
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut lines = vec![shorten(&scalars, 400)];
    for (k, v) in m.iter().filter(|(_, v)| is_list(v)) {
        lines.push(format!("{k}:"));
        for item in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
            lines.push(format!("  - {}", shorten(item, 300)));
        }
    }
    lines
}

#[cfg(test)]
mod result_tests {
    use super::result_lines;
    use serde_json::json;

    #[test]
    fn lists_are_shown_item_by_item_and_in_full() {
        let actions: Vec<String> = (0..30)
            .map(|i| format!("i-1 IsolateNetwork: ec2:ModifyNetworkInterfaceAttribute eni-{i}"))
            .collect();
        let lines =
            result_lines(&json!({"status": "planned", "actions": actions, "report": "s3://b/k"}));
        assert_eq!(lines[0], "status=planned, report=s3://b/k");
        assert_eq!(lines[1], "actions:");
        assert_eq!(lines.len(), 2 + 30);
        assert!(lines[31].ends_with("eni-29"));
    }

    #[test]
    fn other_values_stay_on_one_line() {
        let lines = result_lines(&json!({"isolated": true, "checks": []}));
        assert_eq!(lines, vec!["isolated=true, checks=[]"]);
    }
}
