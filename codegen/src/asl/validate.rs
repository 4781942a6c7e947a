//! Validation at synth: the mistakes that would otherwise surface in the console, mid-incident.
//!
//! Each rule is a [`Rule`]; every error names the playbook and the state. All problems are
//! reported at once.

use super::integration::{Integration, TaskInfo};
use super::machine::StateMachine;
use super::path::{check_dynamic_value, check_path, PathRule};
use super::state::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Step Functions' limit on state input and output, applied to the definition as the issue asks
/// (AWS's own quota for a definition is larger; keeping it here leaves room for substitutions).
pub const MAX_DEFINITION_BYTES: usize = 256 * 1024;
/// Step Functions' limit on a state name.
pub const MAX_STATE_NAME_CHARS: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    DuplicateName,
    DanglingTarget,
    EscapesScope,
    Unreachable,
    NoPathToEnd,
    ChoiceWithoutWayOut,
    StatesAllPlacement,
    BadPath,
    DollarKeyNotPath,
    TooLarge,
    Contract,
    UnhandledError,
    Structure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    pub playbook: String,
    pub state: Option<String>,
    pub rule: Rule,
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.state {
            Some(s) => write!(
                f,
                "playbook `{}`, state `{}`: {}",
                self.playbook, s, self.message
            ),
            None => write!(f, "playbook `{}`: {}", self.playbook, self.message),
        }
    }
}

struct Scope<'a> {
    graph: &'a Graph,
    /// States (Parallel/Map) enclosing this graph, innermost last.
    enclosing: Vec<&'a State>,
    label: String,
}

struct Checker<'a> {
    playbook: &'a str,
    errors: Vec<ValidationError>,
}

impl Checker<'_> {
    fn err(&mut self, state: Option<&str>, rule: Rule, message: String) {
        self.errors.push(ValidationError {
            playbook: self.playbook.to_string(),
            state: state.map(String::from),
            rule,
            message,
        });
    }
}

pub fn validate(m: &StateMachine) -> Result<(), Vec<ValidationError>> {
    let mut c = Checker {
        playbook: &m.playbook,
        errors: Vec::new(),
    };
    let mut scopes = Vec::new();
    collect_scopes(
        &m.graph,
        Vec::new(),
        "the top level".to_string(),
        &mut scopes,
    );

    // Names are unique across the whole machine, nested graphs included.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for scope in &scopes {
        for s in &scope.graph.states {
            *seen.entry(s.name()).or_default() += 1;
        }
    }
    for (name, n) in &seen {
        if *n > 1 {
            c.err(
                Some(name),
                Rule::DuplicateName,
                format!("the name is used by {n} states; state names must be unique across the whole state machine, Parallel branches and Map processors included"),
            );
        }
    }

    for scope in &scopes {
        check_graph(&mut c, scope, &scopes);
    }
    for state in m.all_states() {
        check_state(&mut c, state);
    }
    for scope in &scopes {
        for s in &scope.graph.states {
            check_errors_handled(&mut c, s, &scope.enclosing);
        }
    }
    check_shapes(&mut c, m);

    let size = m.to_json().len();
    if size > MAX_DEFINITION_BYTES {
        c.err(
            None,
            Rule::TooLarge,
            format!("the definition is {size} bytes, over the {MAX_DEFINITION_BYTES}-byte limit; move data out of Parameters and Result"),
        );
    }

    if c.errors.is_empty() {
        Ok(())
    } else {
        c.errors
            .sort_by(|a, b| (a.rule, &a.state).cmp(&(b.rule, &b.state)));
        c.errors.dedup();
        Err(c.errors)
    }
}

fn collect_scopes<'a>(
    g: &'a Graph,
    enclosing: Vec<&'a State>,
    label: String,
    out: &mut Vec<Scope<'a>>,
) {
    out.push(Scope {
        graph: g,
        enclosing: enclosing.clone(),
        label,
    });
    for s in &g.states {
        for (i, inner) in s.graphs().into_iter().enumerate() {
            let mut e = enclosing.clone();
            e.push(s);
            let label = match s.kind() {
                Kind::Map(_) => format!("the item processor of `{}`", s.name()),
                _ => format!("branch {} of `{}`", i + 1, s.name()),
            };
            collect_scopes(inner, e, label, out);
        }
    }
}

fn check_graph(c: &mut Checker, scope: &Scope, all: &[Scope]) {
    let g = scope.graph;
    let names: BTreeSet<&str> = g.states.iter().map(|s| s.name()).collect();
    let elsewhere = |target: &str| {
        all.iter()
            .find(|o| !std::ptr::eq(o.graph, g) && o.graph.get(target).is_some())
    };

    if !names.contains(g.start_at.as_str()) {
        let owner = scope.enclosing.last().map(|s| s.name());
        c.err(
            owner,
            Rule::DanglingTarget,
            format!(
                "StartAt of {} names `{}`, which is not a state there",
                scope.label, g.start_at
            ),
        );
    }

    for s in &g.states {
        for (_, target) in s.transitions() {
            if names.contains(target) {
                continue;
            }
            match elsewhere(target) {
                Some(other) => c.err(
                    Some(s.name()),
                    Rule::EscapesScope,
                    format!("goes to `{target}`, which is in {} while this state is in {}; a branch cannot jump into or out of its Parallel or Map", other.label, scope.label),
                ),
                None => c.err(
                    Some(s.name()),
                    Rule::DanglingTarget,
                    format!("goes to `{target}`, which does not exist"),
                ),
            }
        }
    }

    // Forward reachability from StartAt.
    let edges = |s: &State| -> Vec<String> {
        s.transitions()
            .into_iter()
            .map(|(_, t)| t.to_string())
            .filter(|t| names.contains(t.as_str()))
            .collect()
    };
    let mut reached = BTreeSet::new();
    let mut queue = VecDeque::from([g.start_at.clone()]);
    while let Some(n) = queue.pop_front() {
        if !names.contains(n.as_str()) || !reached.insert(n.clone()) {
            continue;
        }
        if let Some(s) = g.get(&n) {
            queue.extend(edges(s));
        }
    }
    for s in &g.states {
        if !reached.contains(s.name()) {
            c.err(
                Some(s.name()),
                Rule::Unreachable,
                format!("no path from `{}` reaches this state", g.start_at),
            );
        }
    }

    // Backward reachability from the states that end the graph.
    let mut can_end: BTreeSet<&str> = g
        .states
        .iter()
        .filter(|s| s.is_terminal() || s.is_end())
        .map(|s| s.name())
        .collect();
    loop {
        let before = can_end.len();
        for s in &g.states {
            if !can_end.contains(s.name())
                && s.transitions().iter().any(|(_, t)| can_end.contains(t))
            {
                can_end.insert(s.name());
            }
        }
        if can_end.len() == before {
            break;
        }
    }
    for s in &g.states {
        if reached.contains(s.name()) && !can_end.contains(s.name()) {
            c.err(
                Some(s.name()),
                Rule::NoPathToEnd,
                "every path from this state loops forever: none reaches a Succeed, a Fail or an end".to_string(),
            );
        }
    }
}

fn check_state(c: &mut Checker, s: &State) {
    let name = s.name();
    if name.is_empty() || name.chars().count() > MAX_STATE_NAME_CHARS {
        c.err(
            Some(name),
            Rule::Structure,
            format!("state names must be 1 to {MAX_STATE_NAME_CHARS} characters"),
        );
    }

    // Paths.
    let path = |c: &mut Checker, field: &str, p: &str, rule: PathRule| {
        if let Err(e) = check_path(p, rule) {
            c.err(Some(name), Rule::BadPath, format!("{field}: {e}"));
        }
    };
    let io = s.io();
    if let Some(p) = &io.input_path {
        path(c, "InputPath", p, PathRule::Path);
    }
    if let Some(p) = &io.output_path {
        path(c, "OutputPath", p, PathRule::Path);
    }
    if let Some(ResultPath::Path(p)) = &io.result_path {
        path(c, "ResultPath", p, PathRule::Reference);
    }
    if let Some(v) = &io.result_selector {
        check_payload(c, name, "ResultSelector", v);
    }
    for catcher in s.catchers() {
        if let Some(ResultPath::Path(p)) = &catcher.result_path {
            path(c, "Catch ResultPath", p, PathRule::Reference);
        }
    }
    if let Some(p) = s.parameters() {
        check_payload(c, name, "Parameters", &p);
    }

    match s.kind() {
        Kind::Task(t) => {
            check_contract(c, name, t);
            for (field, limit) in [("Timeout", &t.timeout), ("Heartbeat", &t.heartbeat)] {
                if let Some(l @ Timeout::Path(p)) = limit {
                    path(c, &l.key(field), p, PathRule::Path);
                }
            }
            if let (Some(Timeout::Seconds(timeout)), Some(Timeout::Seconds(hb))) =
                (&t.timeout, &t.heartbeat)
            {
                if hb >= timeout {
                    c.err(
                        Some(name),
                        Rule::Structure,
                        format!(
                            "HeartbeatSeconds ({hb}) must be less than TimeoutSeconds ({timeout})"
                        ),
                    );
                }
            }
            if t.integration.waits_for_task_token() {
                let params = s.parameters().map(|p| p.to_string()).unwrap_or_default();
                if !params.contains("$$.Task.Token") {
                    c.err(Some(name), Rule::Structure, "waits for a task token but never passes `$$.Task.Token` on; the execution would wait until it times out".to_string());
                }
                if t.timeout.is_none() {
                    c.err(Some(name), Rule::Structure, "waits for a task token without TimeoutSeconds; an unanswered request would hold the execution for a year".to_string());
                }
            }
        }
        Kind::Choice(ch) => {
            if ch.rules.is_empty() {
                c.err(
                    Some(name),
                    Rule::ChoiceWithoutWayOut,
                    "has no Choice rules; ASL requires at least one".to_string(),
                );
            }
            if ch.default.is_none() {
                c.err(Some(name), Rule::ChoiceWithoutWayOut, "has no Default: an input that matches no rule fails the execution with States.NoChoiceMatched; add `.otherwise(...)`".to_string());
            }
            for (cond, _) in &ch.rules {
                for p in cond.paths() {
                    path(c, "Choice rule", p, PathRule::Path);
                }
                for problem in cond.problems() {
                    c.err(Some(name), Rule::Structure, problem);
                }
            }
        }
        Kind::Wait(w) => match &w.until {
            WaitFor::SecondsPath(p) => path(c, "SecondsPath", p, PathRule::Path),
            WaitFor::TimestampPath(p) => path(c, "TimestampPath", p, PathRule::Path),
            _ => {}
        },
        Kind::Fail(f) => {
            if let Some(p) = &f.error_path {
                path(c, "ErrorPath", p, PathRule::Path);
            }
            if let Some(p) = &f.cause_path {
                path(c, "CausePath", p, PathRule::Path);
            }
            if f.error.is_some() && f.error_path.is_some()
                || f.cause.is_some() && f.cause_path.is_some()
            {
                c.err(
                    Some(name),
                    Rule::Structure,
                    "Error/ErrorPath and Cause/CausePath are mutually exclusive".to_string(),
                );
            }
        }
        Kind::Parallel(p) => {
            if p.branches.is_empty() {
                c.err(
                    Some(name),
                    Rule::Structure,
                    "a Parallel state needs at least one branch".to_string(),
                );
            }
        }
        Kind::Map(mp) => {
            if mp.processor.is_none() {
                c.err(
                    Some(name),
                    Rule::Structure,
                    "a Map state needs an item processor".to_string(),
                );
            }
            if let Some(p) = &mp.items_path {
                path(c, "ItemsPath", p, PathRule::Path);
            }
            if let Some(d) = &mp.distributed {
                path(
                    c,
                    "ItemReader Bucket.$",
                    &d.reader_bucket_path,
                    PathRule::Path,
                );
                path(c, "ItemReader Key.$", &d.reader_key_path, PathRule::Path);
            }
            if let Some(v) = &mp.item_selector {
                check_payload(c, name, "ItemSelector", v);
            }
        }
        Kind::Pass(_) | Kind::Succeed => {}
    }

    check_error_lists(
        c,
        name,
        "Retry",
        s.retriers().iter().map(|r| &r.errors).collect(),
    );
    check_error_lists(
        c,
        name,
        "Catch",
        s.catchers().iter().map(|r| &r.errors).collect(),
    );
    for r in s.retriers() {
        let mut bad = Vec::new();
        if r.interval_seconds == Some(0) {
            bad.push("IntervalSeconds must be at least 1");
        }
        if r.backoff_rate.is_some_and(|b| b < 1.0) {
            bad.push("BackoffRate must be at least 1.0");
        }
        if r.max_delay_seconds == Some(0) {
            bad.push("MaxDelaySeconds must be at least 1");
        }
        for b in bad {
            c.err(
                Some(name),
                Rule::Structure,
                format!("Retry on {:?}: {b}", r.errors),
            );
        }
    }
}

/// `States.ALL` must be the only error of its retrier/catcher, and that one must come last.
fn check_error_lists(c: &mut Checker, name: &str, field: &str, lists: Vec<&Vec<String>>) {
    let count = lists.len();
    for (i, errors) in lists.into_iter().enumerate() {
        if errors.is_empty() {
            c.err(
                Some(name),
                Rule::Structure,
                format!("a {field} entry has an empty ErrorEquals"),
            );
        }
        if errors.iter().any(|e| e == STATES_ALL) {
            if errors.len() > 1 {
                c.err(
                    Some(name),
                    Rule::StatesAllPlacement,
                    format!(
                        "{field}: `States.ALL` must be alone in its ErrorEquals, found {errors:?}"
                    ),
                );
            }
            if i + 1 != count {
                c.err(
                    Some(name),
                    Rule::StatesAllPlacement,
                    format!("{field}: the entry with `States.ALL` must be the last one"),
                );
            }
        }
    }
}

/// `.$` keys need a path or intrinsic; other keys are literals (recursively).
fn check_payload(c: &mut Checker, state: &str, field: &str, v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                if let Some(stripped) = k.strip_suffix(".$") {
                    match val {
                        Value::String(s) => {
                            if let Err(e) = check_dynamic_value(s) {
                                c.err(Some(state), Rule::BadPath, format!("{field}.{k}: {e}"));
                            }
                        }
                        other => c.err(
                            Some(state),
                            Rule::DollarKeyNotPath,
                            format!("{field}.{k}: a key ending in `.$` takes a path or intrinsic string, got {other}; drop the `.$` to pass `{stripped}` as a literal"),
                        ),
                    }
                } else {
                    check_payload(c, state, field, val);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                check_payload(c, state, field, i);
            }
        }
        _ => {}
    }
}

/// The payload bound to a contract task must match its input type; its output must have no
/// optional fields (the ResultSelector reads each one).
fn check_contract(c: &mut Checker, state: &str, t: &TaskKind) {
    let (Some(info), Some(payload)) = (t.integration.task(), &t.payload) else {
        return;
    };
    let props: BTreeSet<String> = TaskInfo::property_names(&info.input_schema)
        .into_iter()
        .collect();
    let required: BTreeSet<String> = TaskInfo::required_names(&info.input_schema)
        .into_iter()
        .collect();
    let bound: BTreeSet<String> = payload
        .keys()
        .map(|k| k.strip_suffix(".$").unwrap_or(k).to_string())
        .collect();
    for missing in required.difference(&bound) {
        c.err(
            Some(state),
            Rule::Contract,
            format!(
                "task `{}` requires input field `{missing}`, which is not bound",
                info.name
            ),
        );
    }
    for unknown in bound.difference(&props) {
        c.err(
            Some(state),
            Rule::Contract,
            format!(
                "task `{}` has no input field `{unknown}` (fields: {})",
                info.name,
                props.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    let out_props: BTreeSet<String> = TaskInfo::property_names(&info.output_schema)
        .into_iter()
        .collect();
    let out_required: BTreeSet<String> = TaskInfo::required_names(&info.output_schema)
        .into_iter()
        .collect();
    for optional in out_props.difference(&out_required) {
        c.err(Some(state), Rule::Contract, format!("output field `{optional}` of task `{}` may be absent, but the ResultSelector reads it; make it always present", info.name));
    }
}

/// Nested payload keys against the task contract: an object a task field receives, whether
/// written literally in its payload or by a Pass state at the path the field is bound to (the
/// policy a `ReadPolicy` assembles from the stack's parameters), must hold every field the
/// contract requires at every level, and nothing the contract does not know unless the machine
/// itself reads it (`$.policy.approval_timeout_seconds` in a `TimeoutSecondsPath`).
fn check_shapes(c: &mut Checker, m: &StateMachine) {
    let definition = m.to_json();
    // What Pass states write at a plain path: (path, state, object).
    let mut written: Vec<(String, &str, Value)> = Vec::new();
    for s in m.all_states() {
        let (Kind::Pass(pass), Some(ResultPath::Path(at))) = (s.kind(), &s.io().result_path) else {
            continue;
        };
        let shape = s.io().parameters.clone().or_else(|| pass.result.clone());
        if let Some(shape @ Value::Object(_)) = shape {
            written.push((at.clone(), s.name(), shape));
        }
    }
    for s in m.all_states() {
        let Kind::Task(t) = s.kind() else { continue };
        let (Some(info), Some(payload)) = (t.integration.task(), &t.payload) else {
            continue;
        };
        let root = &info.input_schema;
        for (key, value) in payload {
            let field = key.strip_suffix(".$").unwrap_or(key);
            let Some(schema) = root.pointer(&format!("/properties/{field}")) else {
                continue; // an unknown field is check_contract's to report
            };
            let mut shape = Shape {
                c: &mut *c,
                root,
                definition: &definition,
                state: s.name(),
                task: info.name,
            };
            match (key.ends_with(".$"), value) {
                (false, Value::Object(_)) => shape.check(field, None, value, schema),
                (true, Value::String(path)) => {
                    for (at, writer, object) in written.iter().filter(|(at, ..)| at == path) {
                        shape.check(field, Some((at, writer)), object, schema);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One task field's expected shape, checked against what it receives.
struct Shape<'a, 'b> {
    c: &'a mut Checker<'b>,
    root: &'a Value,
    definition: &'a str,
    state: &'a str,
    task: &'a str,
}

impl<'a> Shape<'a, '_> {
    /// A schema with `$ref`s to the root's definitions and nullable wrappers resolved.
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..8 {
            if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                match r.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                    Some(s) => schema = s,
                    None => return schema,
                }
            } else if let Some(first) =
                schema.get("anyOf").and_then(Value::as_array).and_then(|v| {
                    v.iter()
                        .find(|s| s.get("type") != Some(&Value::from("null")))
                })
            {
                schema = first;
            } else {
                break;
            }
        }
        schema
    }

    /// `value` (for `field`, or written at `at` by `writer`) against `schema`.
    fn check(
        &mut self,
        field: &str,
        at: Option<(&String, &str)>,
        value: &Value,
        schema: &'a Value,
    ) {
        let schema = self.resolve(schema);
        match value {
            Value::Object(object) => {
                let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                    return;
                };
                let keys: BTreeSet<&str> = object
                    .keys()
                    .map(|k| k.strip_suffix(".$").unwrap_or(k))
                    .collect();
                let source = match at {
                    Some((at, writer)) => format!("`{at}`, written by `{writer}`"),
                    None => "its payload".to_string(),
                };
                let required = TaskInfo::required_names(schema);
                for missing in required.iter().filter(|r| !keys.contains(r.as_str())) {
                    self.c.err(
                        Some(self.state),
                        Rule::Contract,
                        format!(
                            "task `{}` requires `{field}.{missing}`, which {source} does not hold",
                            self.task
                        ),
                    );
                }
                for unknown in keys.iter().filter(|k| !properties.contains_key(**k)) {
                    let read = at
                        .is_some_and(|(at, _)| reads(self.definition, &format!("{at}.{unknown}")));
                    if !read {
                        self.c.err(
                            Some(self.state),
                            Rule::Contract,
                            format!("task `{}` has no field `{field}.{unknown}` (in {source}), and no state reads it; fields: {}", self.task, properties.keys().cloned().collect::<Vec<_>>().join(", ")),
                        );
                    }
                }
                for (key, inner) in object {
                    if key.ends_with(".$") {
                        continue;
                    }
                    if let Some(s) = properties.get(key) {
                        let nested = at.map(|(at, w)| (format!("{at}.{key}"), w));
                        self.check(
                            &format!("{field}.{key}"),
                            nested.as_ref().map(|(a, w)| (a, *w)),
                            inner,
                            s,
                        );
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for v in items {
                        self.check(&format!("{field}[]"), None, v, item);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether the rendered definition reads `path` (followed by anything but more of a name).
fn reads(definition: &str, path: &str) -> bool {
    definition.match_indices(path).any(|(i, _)| {
        !definition[i + path.len()..]
            .chars()
            .next()
            .is_some_and(|ch| ch.is_alphanumeric() || ch == '_')
    })
}

fn matches_error(errors: &[String], error: &str) -> bool {
    errors.iter().any(|e| {
        e == error || e == STATES_ALL || (e == "States.TaskFailed" && !error.starts_with("States."))
    })
}

/// Every error a contract task declares must be caught, here or by an enclosing Parallel/Map,
/// so that no failure ends an execution without the playbook's own record and notification.
fn check_errors_handled(c: &mut Checker, s: &State, enclosing: &[&State]) {
    let Some(info) = s.integration().and_then(Integration::task) else {
        return;
    };
    for e in &info.errors {
        let name = e.as_str();
        let caught_here = matches_error(&flat(s.catchers()), name);
        let caught_above = enclosing
            .iter()
            .any(|p| matches_error(&flat(p.catchers()), name));
        if !caught_here && !caught_above {
            let retried = s.retriers().iter().any(|r| matches_error(&r.errors, name));
            let how = if retried {
                "retried but, when retries run out, not caught"
            } else {
                "neither caught"
            };
            c.err(
                Some(s.name()),
                Rule::UnhandledError,
                format!("task `{}` may fail with {name}, which is {how} here or by an enclosing Parallel/Map: the execution would end without a record or notification", info.name),
            );
        }
    }
}

fn flat(catchers: &[Catcher]) -> Vec<String> {
    catchers
        .iter()
        .flat_map(|c| c.errors.iter().cloned())
        .collect()
}
