//! `irctl render`: a self-contained picture of a playbook's graph, with the path an execution
//! took coloured by outcome. SVG on its own, or HTML with the SVG, a legend and a timeline.
//!
//! The layout is layered top to bottom: a state's layer is its longest distance from the start
//! along forward edges; Parallel branches and Map processors are laid out inside their state.

use crate::aws::Clients;
use crate::history::{self, Outcome, Status, Step};
use crate::{Error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The playbook to draw.
    #[arg(long, default_value = "triage")]
    playbook: String,
    /// Colour this execution's path (ARN).
    #[arg(long)]
    execution: Option<String>,
    /// Colour the playbook's latest execution.
    #[arg(long)]
    latest: bool,
    /// Draw a local definition (e.g. statemachines/triage.asl.json) without calling AWS.
    #[arg(long)]
    definition: Option<PathBuf>,
    /// Output file: `.svg` or `.html`.
    #[arg(long, short)]
    out: PathBuf,
}

impl Args {
    pub fn is_offline(&self) -> bool {
        self.definition.is_some() && self.execution.is_none() && !self.latest
    }
}

pub fn run_offline(args: &Args) -> Result<ExitCode> {
    let path = args
        .definition
        .as_ref()
        .expect("offline needs a definition");
    let text = std::fs::read_to_string(path).map_err(|e| Error::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let asl: Value = serde_json::from_str(&text).map_err(|e| Error::File {
        path: path.clone(),
        message: format!("not JSON: {e}"),
    })?;
    write_out(args, &asl, &[], None)
}

pub async fn run(c: &Clients, prefix: &str, args: &Args) -> Result<ExitCode> {
    let execution = match (&args.execution, args.latest) {
        (Some(a), _) => Some(a.clone()),
        (None, true) => Some(crate::watch::latest_execution(c, prefix, &args.playbook).await?),
        _ => None,
    };
    let asl: Value = match &args.definition {
        Some(p) => serde_json::from_str(&std::fs::read_to_string(p).map_err(|e| Error::File {
            path: p.clone(),
            message: e.to_string(),
        })?)
        .map_err(|e| Error::Usage(format!("{}: not JSON: {e}", p.display())))?,
        None => {
            let machine = c.state_machine(prefix, &args.playbook).await?;
            let d = c
                .sfn
                .describe_state_machine()
                .state_machine_arn(&machine)
                .send()
                .await
                .map_err(|e| {
                    Error::aws(
                        format!("describe {machine}"),
                        aws_sdk_sfn::error::DisplayErrorContext(e),
                    )
                })?;
            serde_json::from_str(d.definition())
                .map_err(|e| Error::Usage(format!("the deployed definition is not JSON: {e}")))?
        }
    };
    let (steps, status) = match &execution {
        Some(arn) => {
            let events = crate::watch::history(c, arn).await?;
            let (mut s, st) = history::steps(&events);
            // The states inside a Distributed Map ran in child executions: their visits too.
            for run in crate::map_runs::map_runs(c, arn).await? {
                for child in crate::map_runs::children(c, run.map_run_arn(), None).await? {
                    let events = crate::watch::history(c, &child).await?;
                    s.extend(history::steps(&events).0);
                }
            }
            (s, Some(st))
        }
        None => (Vec::new(), None),
    };
    write_out(args, &asl, &steps, status.as_ref())
}

fn write_out(
    args: &Args,
    asl: &Value,
    steps: &[Step],
    status: Option<&Status>,
) -> Result<ExitCode> {
    let svg = svg(asl, steps);
    let html = args
        .out
        .extension()
        .is_some_and(|e| e == "html" || e == "htm");
    let content = if html {
        page(&args.playbook, &svg, steps, status)
    } else {
        svg
    };
    std::fs::write(&args.out, content).map_err(|e| Error::File {
        path: args.out.clone(),
        message: e.to_string(),
    })?;
    println!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

// --- the graph ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Node {
    name: String,
    kind: String,
    /// (target, label, is_catch)
    edges: Vec<(String, String, bool)>,
    end: bool,
    children: Vec<Graph>,
}

#[derive(Debug, Clone)]
struct Graph {
    start: String,
    nodes: Vec<Node>,
}

fn parse_graph(v: &Value) -> Graph {
    let start = v["StartAt"].as_str().unwrap_or_default().to_string();
    let mut nodes = Vec::new();
    if let Some(states) = v["States"].as_object() {
        for (name, s) in states {
            let kind = s["Type"].as_str().unwrap_or("?").to_string();
            let mut edges = Vec::new();
            if let Some(n) = s["Next"].as_str() {
                edges.push((n.to_string(), String::new(), false));
            }
            for rule in s["Choices"].as_array().into_iter().flatten() {
                if let Some(n) = rule["Next"].as_str() {
                    edges.push((n.to_string(), rule_label(rule), false));
                }
            }
            if let Some(n) = s["Default"].as_str() {
                edges.push((n.to_string(), "otherwise".into(), false));
            }
            for c in s["Catch"].as_array().into_iter().flatten() {
                if let Some(n) = c["Next"].as_str() {
                    let errors: Vec<&str> = c["ErrorEquals"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    edges.push((n.to_string(), errors.join(", "), true));
                }
            }
            let mut children: Vec<Graph> = s["Branches"]
                .as_array()
                .into_iter()
                .flatten()
                .map(parse_graph)
                .collect();
            for key in ["ItemProcessor", "Iterator"] {
                if s[key].is_object() {
                    children.push(parse_graph(&s[key]));
                }
            }
            nodes.push(Node {
                name: name.clone(),
                kind,
                edges,
                end: s["End"] == Value::Bool(true),
                children,
            });
        }
    }
    Graph { start, nodes }
}

fn rule_label(rule: &Value) -> String {
    let Some(m) = rule.as_object() else {
        return String::new();
    };
    if let Some(v) = m.get("Variable").and_then(Value::as_str) {
        let var = v.rsplit('.').next().unwrap_or(v);
        if let Some((k, x)) = m.iter().find(|(k, _)| *k != "Variable" && *k != "Next") {
            let value = x
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| x.to_string());
            return format!("{var} {} {value}", operator(k));
        }
    }
    for k in ["And", "Or"] {
        if let Some(parts) = m.get(k).and_then(Value::as_array) {
            return parts
                .iter()
                .map(rule_label)
                .collect::<Vec<_>>()
                .join(&format!(" {} ", k.to_lowercase()));
        }
    }
    if let Some(n) = m.get("Not") {
        return format!("not {}", rule_label(n));
    }
    String::new()
}

/// `NumericGreaterThanEqualsPath` → `>=`, `IsPresent` → `is present`.
fn operator(key: &str) -> String {
    if let Some(test) = key.strip_prefix("Is") {
        return format!("is {}", test.to_lowercase());
    }
    let k = key.trim_end_matches("Path");
    let k = ["String", "Numeric", "Boolean", "Timestamp"]
        .iter()
        .fold(k, |k, p| k.strip_prefix(p).unwrap_or(k));
    match k {
        "Equals" => "==",
        "GreaterThanEquals" => ">=",
        "LessThanEquals" => "<=",
        "GreaterThan" => ">",
        "LessThan" => "<",
        "Matches" => "~",
        other => other,
    }
    .to_string()
}

// --- layout -------------------------------------------------------------------------------

const NODE_H: f64 = 40.0;
const GAP_X: f64 = 28.0;
const GAP_Y: f64 = 46.0;
const PAD: f64 = 16.0;
const HEADER: f64 = 26.0;

#[derive(Debug, Clone)]
struct Placed {
    name: String,
    kind: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    container: bool,
}

struct Layout {
    placed: Vec<Placed>,
    /// (from, to, label, is_catch)
    edges: Vec<(String, String, String, bool)>,
    starts: Vec<String>,
    ends: Vec<String>,
    w: f64,
    h: f64,
}

fn node_width(n: &Node) -> f64 {
    (n.name.chars().count() as f64 * 7.4 + 34.0).max(120.0)
}

fn layout(g: &Graph) -> Layout {
    let index: BTreeMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    // Visit order: breadth first from the start, then anything unreachable.
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    let mut q = VecDeque::from([g.start.clone()]);
    while let Some(n) = q.pop_front() {
        let Some(&i) = index.get(n.as_str()) else {
            continue;
        };
        if !seen.insert(i) {
            continue;
        }
        order.push(i);
        for (t, _, _) in &g.nodes[i].edges {
            q.push_back(t.clone());
        }
    }
    for i in 0..g.nodes.len() {
        if seen.insert(i) {
            order.push(i);
        }
    }
    // Back edges: those that close a cycle in a depth-first walk.
    let mut back = BTreeSet::new();
    fn dfs(
        i: usize,
        g: &Graph,
        index: &BTreeMap<&str, usize>,
        state: &mut Vec<u8>,
        back: &mut BTreeSet<(usize, usize)>,
    ) {
        state[i] = 1;
        for (t, _, _) in &g.nodes[i].edges {
            if let Some(&j) = index.get(t.as_str()) {
                match state[j] {
                    0 => dfs(j, g, index, state, back),
                    1 => {
                        back.insert((i, j));
                    }
                    _ => {}
                }
            }
        }
        state[i] = 2;
    }
    let mut state = vec![0u8; g.nodes.len()];
    for &i in &order {
        if state[i] == 0 {
            dfs(i, g, &index, &mut state, &mut back);
        }
    }
    // Layers: longest path along forward edges.
    let mut layer = vec![0usize; g.nodes.len()];
    for _ in 0..g.nodes.len() {
        let mut changed = false;
        for (i, n) in g.nodes.iter().enumerate() {
            for (t, _, _) in &n.edges {
                if let Some(&j) = index.get(t.as_str()) {
                    if !back.contains(&(i, j)) && layer[j] < layer[i] + 1 {
                        layer[j] = layer[i] + 1;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    // Sizes, children first.
    let mut inner: BTreeMap<usize, Vec<Layout>> = BTreeMap::new();
    let mut size = vec![(0.0, 0.0); g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        if n.children.is_empty() {
            size[i] = (node_width(n), NODE_H);
        } else {
            let kids: Vec<Layout> = n.children.iter().map(layout).collect();
            let w = kids.iter().map(|k| k.w).sum::<f64>()
                + GAP_X * (kids.len().saturating_sub(1)) as f64
                + 2.0 * PAD;
            let h = kids.iter().map(|k| k.h).fold(0.0, f64::max) + HEADER + PAD;
            size[i] = (w.max(node_width(n) + 2.0 * PAD), h);
            inner.insert(i, kids);
        }
    }
    let layers = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for &i in &order {
        rows[layer[i]].push(i);
    }
    let row_w: Vec<f64> = rows
        .iter()
        .map(|r| {
            r.iter().map(|&i| size[i].0).sum::<f64>() + GAP_X * r.len().saturating_sub(1) as f64
        })
        .collect();
    let width = row_w.iter().copied().fold(0.0, f64::max);
    let mut placed = Vec::new();
    let mut edges = Vec::new();
    let mut y = 0.0;
    for (r, row) in rows.iter().enumerate() {
        let h = row.iter().map(|&i| size[i].1).fold(0.0, f64::max);
        let mut x = (width - row_w[r]) / 2.0;
        for &i in row {
            let n = &g.nodes[i];
            let (w, nh) = size[i];
            placed.push(Placed {
                name: n.name.clone(),
                kind: n.kind.clone(),
                x,
                y,
                w,
                h: nh,
                container: !n.children.is_empty(),
            });
            if let Some(kids) = inner.get(&i) {
                let mut kx = x + PAD;
                for k in kids {
                    for p in &k.placed {
                        let mut p = p.clone();
                        p.x += kx;
                        p.y += y + HEADER;
                        placed.push(p);
                    }
                    edges.extend(k.edges.iter().cloned());
                    for s in &k.starts {
                        edges.push((n.name.clone(), s.clone(), String::new(), false));
                    }
                    kx += k.w + GAP_X;
                }
            }
            for (t, label, catch) in &n.edges {
                edges.push((n.name.clone(), t.clone(), label.clone(), *catch));
            }
            x += w + GAP_X;
        }
        y += h + GAP_Y;
    }
    let ends = g
        .nodes
        .iter()
        .filter(|n| n.end)
        .map(|n| n.name.clone())
        .collect();
    Layout {
        placed,
        edges,
        starts: vec![g.start.clone()],
        ends,
        w: width,
        h: (y - GAP_Y).max(NODE_H),
    }
}

// --- drawing ------------------------------------------------------------------------------

fn colours(outcome: Option<&Outcome>) -> (&'static str, &'static str, &'static str) {
    // (fill, stroke, text)
    match outcome {
        Some(Outcome::Succeeded) => ("#e6f4ea", "#1e8e3e", "#0d3d1a"),
        Some(Outcome::Failed { .. }) => ("#fce8e6", "#d93025", "#5c0f0a"),
        Some(Outcome::Recovered { .. }) => ("#fef3e0", "#e37400", "#5c3000"),
        Some(Outcome::Running) => ("#e8f0fe", "#1a73e8", "#0b2a5c"),
        None => ("#f8f9fa", "#bdc1c6", "#5f6368"),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn outcome_of<'a>(steps: &'a [Step], name: &str) -> Option<&'a Outcome> {
    // The last visit decides (a retried state that finally succeeded is green).
    steps
        .iter()
        .rev()
        .find(|s| s.state == name)
        .map(|s| &s.outcome)
}

fn svg(asl: &Value, steps: &[Step]) -> String {
    let g = parse_graph(asl);
    let l = layout(&g);
    let margin = 30.0;
    let (w, h) = (l.w + 2.0 * margin, l.h + 2.0 * margin + 30.0);
    let pos: BTreeMap<&str, &Placed> = l.placed.iter().map(|p| (p.name.as_str(), p)).collect();
    let visited: BTreeMap<&str, f64> = steps
        .iter()
        .rev()
        .map(|s| (s.state.as_str(), s.entered))
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    out.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/></marker><marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#202124"/></marker></defs>"##);
    let _ = writeln!(
        out,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><g transform="translate({margin},{})">"##,
        margin + 30.0
    );
    // Start marker.
    if let Some(p) = pos.get(g.start.as_str()) {
        let cx = p.x + p.w / 2.0;
        let _ = writeln!(
            out,
            r##"<circle cx="{cx:.1}" cy="-22" r="6" fill="#202124"/><line x1="{cx:.1}" y1="-16" x2="{cx:.1}" y2="{:.1}" stroke="#202124" stroke-width="1.5" marker-end="url(#arrow-taken)"/>"##,
            p.y - 2.0
        );
    }
    // Containers first, so nodes and edges draw on top.
    for p in l.placed.iter().filter(|p| p.container) {
        let (fill, stroke, text) = colours(outcome_of(steps, &p.name));
        let _ = writeln!(
            out,
            r#"<g class="state" data-state="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="10" fill="{fill}" fill-opacity="0.45" stroke="{stroke}" stroke-dasharray="5 3"/><text x="{:.1}" y="{:.1}" fill="{text}" font-weight="bold">{} · {}</text></g>"#,
            esc(&p.name),
            p.x,
            p.y,
            p.w,
            p.h,
            p.x + 10.0,
            p.y + 17.0,
            esc(&p.name),
            esc(&p.kind)
        );
    }
    for (from, to, label, catch) in &l.edges {
        let (Some(a), Some(b)) = (pos.get(from.as_str()), pos.get(to.as_str())) else {
            continue;
        };
        let taken = matches!((visited.get(from.as_str()), visited.get(to.as_str())), (Some(x), Some(y)) if y >= x);
        let (stroke, width, marker) = if taken {
            ("#202124", 2.2, "arrow-taken")
        } else {
            ("#9aa0a6", 1.2, "arrow")
        };
        let dash = if *catch {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let stroke = if *catch && !taken { "#e37400" } else { stroke };
        // From a container to its branch starts: from the header.
        let (x1, y1) = if a.container && b.y > a.y && b.y < a.y + a.h {
            (b.x + b.w / 2.0, a.y + HEADER - 6.0)
        } else {
            (a.x + a.w / 2.0, a.y + a.h)
        };
        let (x2, y2) = (b.x + b.w / 2.0, b.y);
        let d = if y2 > y1 + 4.0 {
            let my = (y1 + y2) / 2.0;
            format!("M{x1:.1},{y1:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{y2:.1}")
        } else {
            // Back or sideways edge: around the right.
            let rx = a.x.max(b.x) + a.w.max(b.w) + 30.0;
            format!(
                "M{:.1},{:.1} C{rx:.1},{:.1} {rx:.1},{:.1} {:.1},{:.1}",
                a.x + a.w,
                a.y + a.h / 2.0,
                a.y + a.h / 2.0,
                b.y + b.h / 2.0,
                b.x + b.w,
                b.y + b.h / 2.0
            )
        };
        let _ = writeln!(
            out,
            r#"<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{width}"{dash} marker-end="url(#{marker})"/>"#
        );
        if !label.is_empty() {
            // Just above the target: labels of a Choice's fan-out spread with their targets.
            let (lx, ly) = if y2 > y1 + 4.0 {
                (x2, y2 - 6.0)
            } else {
                ((x1 + x2) / 2.0, (y1 + y2) / 2.0)
            };
            let text: String = if label.chars().count() > 34 {
                format!("{}…", label.chars().take(33).collect::<String>())
            } else {
                label.clone()
            };
            let _ = writeln!(
                out,
                r##"<text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" fill="#5f6368" font-size="10" paint-order="stroke" stroke="#ffffff" stroke-width="3">{}</text>"##,
                esc(&text)
            );
        }
    }
    for p in l.placed.iter().filter(|p| !p.container) {
        let outcome = outcome_of(steps, &p.name);
        let (fill, stroke, text) = colours(outcome);
        let rx = match p.kind.as_str() {
            "Choice" => 2.0,
            "Succeed" | "Fail" => 20.0,
            _ => 6.0,
        };
        let title = match outcome {
            Some(Outcome::Failed { error, cause }) => {
                format!("{}: failed with {error}: {cause}", p.name)
            }
            Some(Outcome::Recovered { error }) => {
                format!("{}: failed with {error}, caught", p.name)
            }
            Some(Outcome::Succeeded) => format!("{}: succeeded", p.name),
            Some(Outcome::Running) => format!("{}: running", p.name),
            None => format!("{}: not visited", p.name),
        };
        let _ = writeln!(
            out,
            r#"<g class="state" data-state="{}"><title>{}</title><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{rx}" fill="{fill}" stroke="{stroke}" stroke-width="1.6"/><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{text}" font-weight="600">{}</text><text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{text}" font-size="9" opacity="0.75">{}</text></g>"#,
            esc(&p.name),
            esc(&title),
            p.x,
            p.y,
            p.w,
            p.h,
            p.x + p.w / 2.0,
            p.y + 17.0,
            esc(&p.name),
            p.x + p.w / 2.0,
            p.y + 31.0,
            esc(&p.kind)
        );
    }
    let _ = l.ends;
    out.push_str("</g></svg>\n");
    out
}

fn page(playbook: &str, svg: &str, steps: &[Step], status: Option<&Status>) -> String {
    let status_text = match status {
        None => "definition only".to_string(),
        Some(Status::Succeeded) => "succeeded".into(),
        Some(Status::Running) => "running".into(),
        Some(Status::Failed { error, cause }) => format!("failed with {error}: {cause}"),
        Some(Status::TimedOut) => "timed out".into(),
        Some(Status::Aborted) => "aborted".into(),
    };
    let t0 = steps.first().map(|s| s.entered).unwrap_or(0.0);
    let mut rows = String::new();
    for s in steps {
        let (fill, _, _) = colours(Some(&s.outcome));
        let outcome = match &s.outcome {
            Outcome::Succeeded => "succeeded".to_string(),
            Outcome::Running => "running".to_string(),
            Outcome::Failed { error, cause } => format!("failed: {error} — {cause}"),
            Outcome::Recovered { error } => format!("failed with {error}, caught"),
        };
        let took = s
            .exited
            .map(|x| format!("{:.2}s", x - s.entered))
            .unwrap_or_default();
        let _ = writeln!(rows, "<tr style=\"background:{fill}\"><td>+{:.2}s</td><td>{}</td><td>{}</td><td>{took}</td><td>{}</td></tr>", s.entered - t0, esc(&s.state), esc(&s.state_type), esc(&outcome));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aws-ir playbook {pb}</title>
<style>body{{font-family:Helvetica,Arial,sans-serif;margin:24px;color:#202124}} table{{border-collapse:collapse;margin-top:16px}} td,th{{padding:4px 10px;border-bottom:1px solid #e0e0e0;text-align:left;font-size:13px}} .legend span{{display:inline-block;padding:2px 8px;margin-right:6px;border-radius:4px;font-size:12px}}</style>
</head><body>
<h1>Playbook <code>{pb}</code></h1>
<p>Execution: <strong>{st}</strong></p>
<p class="legend"><span style="background:#e6f4ea">succeeded</span><span style="background:#fef3e0">failed, caught</span><span style="background:#fce8e6">failed</span><span style="background:#e8f0fe">running</span><span style="background:#f8f9fa">not visited</span> — dashed edges are Catch handlers</p>
{svg}
<table><tr><th>at</th><th>state</th><th>type</th><th>took</th><th>outcome</th></tr>
{rows}</table>
</body></html>
"#,
        pb = esc(playbook),
        st = esc(&status_text),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triage() -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../statemachines/triage.asl.json"
            ))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn every_state_is_drawn_once_without_overlap() {
        let asl = triage();
        let l = layout(&parse_graph(&asl));
        let names: BTreeSet<&str> = l.placed.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), asl["States"].as_object().unwrap().len());
        for (i, a) in l.placed.iter().enumerate() {
            for b in &l.placed[i + 1..] {
                let overlap =
                    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
                assert!(!overlap, "{} overlaps {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn the_path_taken_is_coloured_by_outcome() {
        let step = |state: &str, t: f64, outcome: Outcome| Step {
            state: state.into(),
            state_type: "Task".into(),
            entered: t,
            exited: Some(t + 0.1),
            outcome,
            output: None,
        };
        let steps = vec![
            step(
                "Normalize",
                0.0,
                Outcome::Recovered {
                    error: "IR.InvalidEvent".into(),
                },
            ),
            step("ReportRejectedEvent", 1.0, Outcome::Succeeded),
            step(
                "EventRejected",
                2.0,
                Outcome::Failed {
                    error: "IR.InvalidEvent".into(),
                    cause: "x".into(),
                },
            ),
        ];
        let svg = svg(&triage(), &steps);
        let fill_of = |state: &str| {
            let start = svg.find(&format!("data-state=\"{state}\"")).unwrap();
            let rect = &svg[start..];
            let f = rect.find("fill=\"").unwrap() + 6;
            rect[f..f + 7].to_string()
        };
        assert_eq!(fill_of("Normalize"), "#fef3e0");
        assert_eq!(fill_of("ReportRejectedEvent"), "#e6f4ea");
        assert_eq!(fill_of("EventRejected"), "#fce8e6");
        assert_eq!(fill_of("Notify"), "#f8f9fa");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
