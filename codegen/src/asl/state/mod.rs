//! The state model: what every state has ([`Common`]), what each of the eight types adds
//! ([`Kind`]), and their rendering.
//!
//! A state is built with chained setters on a [`StateBuilder`] whose parameter is its kind
//! ([`Task`] is `StateBuilder<TaskKind>`, and so on). The common setters are written once, each
//! for the kinds ASL allows the field on, named by a capability trait: [`Filters`] (`InputPath`,
//! `OutputPath`), [`TakesParameters`], [`SelectsResult`], [`PlacesResult`] and [`Recovers`]
//! (`Retry`, `Catch`). A setter a state type does not allow does not compile. Placed in a graph,
//! a state is a [`State`]: the same common part and the [`Kind`] enum.
//!
//! A state that needs other states (a Catch handler, a Choice branch, a Parallel branch, a Map
//! item processor) takes them as a [`Chain`] and keeps their states until it is itself turned
//! into a chain; from then on every reference is a state name, which is what ASL renders and
//! what validation checks.

mod choice;
mod io;
mod map;
mod parallel;
mod pass;
mod recovery;
mod task;
mod terminal;
mod wait;

pub use choice::{Choice, ChoiceKind};
pub use io::{Io, ResultPath};
pub use map::{MapKind, MapState};
pub use parallel::{Parallel, ParallelKind};
pub use pass::{Pass, PassKind};
pub use recovery::{Catcher, Jitter, Retrier, STATES_ALL, STATES_TIMEOUT};
pub use task::{Task, TaskKind, Timeout};
pub use terminal::{Fail, FailKind, Succeed, SucceedKind};
pub use wait::{Wait, WaitFor, WaitKind};

use super::chain::{Chain, IntoChain};
use super::integration::Integration;
use serde_json::{json, Map, Value};

/// What every state has. Which of these a state type may set is decided by its builder's
/// setters; whether it has `Next`/`End` by [`Kind::continues`].
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    /// `Next`; a state that continues and has none renders `"End": true`.
    pub(crate) next: Option<String>,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    /// States brought along (Catch handlers, Choice branches), kept until the state joins a
    /// chain, which takes them over.
    pub(crate) pending: Vec<State>,
}

impl Common {
    fn new(name: &str) -> Common {
        Common {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            next: None,
            retry: Vec::new(),
            catch: Vec::new(),
            pending: Vec::new(),
        }
    }
}

/// A state being built; `K` is its kind, which decides the setters it offers. A field ASL does
/// not allow on a state type is a compile error, e.g. `Retry` on a Choice:
///
/// ```compile_fail
/// use codegen::asl::*;
/// let _ = Choice::new("C").retry(Retrier::on([STATES_ALL]));
/// ```
///
/// input processing on a Fail:
///
/// ```compile_fail
/// use codegen::asl::*;
/// let _ = Fail::new("F").input_path("$.error");
/// ```
///
/// or `Parameters` on a Map (its items are shaped by `ItemSelector`):
///
/// ```compile_fail
/// use codegen::asl::*;
/// let _ = MapState::new("M").parameters(serde_json::json!({}));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StateBuilder<K> {
    pub(crate) common: Common,
    pub(crate) kind: K,
}

impl<K> StateBuilder<K> {
    fn with_kind(name: &str, kind: K) -> Self {
        StateBuilder {
            common: Common::new(name),
            kind,
        }
    }

    pub fn comment(mut self, c: &str) -> Self {
        self.common.comment = Some(c.to_string());
        self
    }
}

/// Kinds with `InputPath` and `OutputPath`: all but Fail.
pub trait Filters {}
/// Kinds with `Parameters`: Task, Pass, Parallel.
pub trait TakesParameters {}
/// Kinds with `ResultSelector`: Task, Parallel, Map.
pub trait SelectsResult {}
/// Kinds with `ResultPath`: Task, Pass, Parallel, Map.
pub trait PlacesResult {}
/// Kinds with `Retry` and `Catch`: Task, Parallel, Map.
pub trait Recovers {}

impl<K: Filters> StateBuilder<K> {
    /// `InputPath`: the part of the state input the state works on.
    pub fn input_path(mut self, p: &str) -> Self {
        self.common.io.input_path = Some(p.to_string());
        self
    }
    /// `OutputPath`: the part of the state output passed on.
    pub fn output_path(mut self, p: &str) -> Self {
        self.common.io.output_path = Some(p.to_string());
        self
    }
}

impl<K: TakesParameters> StateBuilder<K> {
    pub fn parameters(mut self, p: Value) -> Self {
        self.common.io.parameters = Some(p);
        self
    }
}

impl<K: SelectsResult> StateBuilder<K> {
    /// `ResultSelector`: reshape the raw result before `ResultPath` places it.
    pub fn result_selector(mut self, s: Value) -> Self {
        self.common.io.result_selector = Some(s);
        self
    }
}

impl<K: PlacesResult> StateBuilder<K> {
    /// `ResultPath`: where the result goes in the state input.
    pub fn result_path(mut self, p: &str) -> Self {
        self.common.io.result_path = Some(ResultPath::Path(p.to_string()));
        self
    }
    /// `"ResultPath": null`: keep the input, drop the result.
    pub fn discard_result(mut self) -> Self {
        self.common.io.result_path = Some(ResultPath::Discard);
        self
    }
}

impl<K: Recovers> StateBuilder<K> {
    pub fn retry(mut self, r: Retrier) -> Self {
        self.common.retry.push(r);
        self
    }
    /// Sends the listed errors to `handler`, with the error object at `result_path`.
    pub fn catch<S: AsRef<str>>(
        mut self,
        errors: impl IntoIterator<Item = S>,
        result_path: &str,
        handler: impl IntoChain,
    ) -> Self {
        let chain = handler.into_chain();
        self.common.catch.push(Catcher {
            errors: errors.into_iter().map(|e| e.as_ref().to_string()).collect(),
            result_path: Some(ResultPath::Path(result_path.to_string())),
            next: chain.start.clone(),
        });
        self.common.pending.extend(chain.states);
        self
    }
}

impl<K: Into<Kind>> From<StateBuilder<K>> for State {
    fn from(b: StateBuilder<K>) -> State {
        State {
            common: b.common,
            kind: b.kind.into(),
        }
    }
}

impl<K: Into<Kind>> IntoChain for StateBuilder<K> {
    fn into_chain(self) -> Chain {
        State::from(self).into_chain()
    }
}

/// What a state type adds to the common part.
// States are built once per synthesis; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Task(TaskKind),
    Pass(PassKind),
    Choice(ChoiceKind),
    Wait(WaitKind),
    Succeed,
    Fail(FailKind),
    Parallel(ParallelKind),
    Map(MapKind),
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Task(_) => "Task",
            Kind::Pass(_) => "Pass",
            Kind::Choice(_) => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail(_) => "Fail",
            Kind::Parallel(_) => "Parallel",
            Kind::Map(_) => "Map",
        }
    }

    /// Whether the state goes on with `Next` or `End`. A Choice goes on through its rules and
    /// `Default`; Succeed and Fail stop.
    pub fn continues(&self) -> bool {
        !matches!(self, Kind::Choice(_) | Kind::Succeed | Kind::Fail(_))
    }

    /// The kind's own fields, in any order: [`State::render`] orders the keys.
    fn render(&self, m: &mut Map<String, Value>) {
        match self {
            Kind::Task(t) => t.render(m),
            Kind::Pass(p) => p.render(m),
            Kind::Choice(c) => c.render(m),
            Kind::Wait(w) => w.render(m),
            Kind::Succeed => {}
            Kind::Fail(f) => f.render(m),
            Kind::Parallel(p) => p.render(m),
            Kind::Map(mp) => mp.render(m),
        }
    }
}

/// Any state, once placed in a graph.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub(crate) common: Common,
    pub(crate) kind: Kind,
}

impl State {
    pub fn name(&self) -> &str {
        &self.common.name
    }

    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    pub fn comment(&self) -> Option<&str> {
        self.common.comment.as_deref()
    }

    /// `Next` of the states that have one.
    pub fn next_name(&self) -> Option<&str> {
        self.common.next.as_deref()
    }

    pub(crate) fn set_next(&mut self, target: &str) {
        match &mut self.kind {
            k if k.continues() => self.common.next = Some(target.to_string()),
            // A Choice that continues by default (`otherwise_continue`) takes it as Default.
            Kind::Choice(c) if c.default.is_none() => c.default = Some(target.to_string()),
            _ => {}
        }
    }

    /// Succeed and Fail end an execution (or a branch) by themselves.
    pub fn is_terminal(&self) -> bool {
        matches!(self.kind, Kind::Succeed | Kind::Fail(_))
    }

    /// Renders `"End": true` when a state that could continue has no `Next`.
    pub fn is_end(&self) -> bool {
        self.kind.continues() && self.common.next.is_none()
    }

    /// The integration of a Task state.
    pub fn integration(&self) -> Option<&Integration> {
        match &self.kind {
            Kind::Task(t) => Some(&t.integration),
            Kind::Map(m) => m.distributed.as_ref().map(|d| &d.integration),
            _ => None,
        }
    }

    /// Every transition out of the state, with a label: `Next`, Choice rules and `Default`,
    /// Catch targets.
    pub fn transitions(&self) -> Vec<(Transition, &str)> {
        let mut out = Vec::new();
        if let Some(n) = self.next_name() {
            out.push((Transition::Next, n));
        }
        if let Kind::Choice(c) = &self.kind {
            for (i, (_, target)) in c.rules.iter().enumerate() {
                out.push((Transition::Rule(i), target.as_str()));
            }
            if let Some(d) = &c.default {
                out.push((Transition::Default, d.as_str()));
            }
        }
        for (i, c) in self.common.catch.iter().enumerate() {
            out.push((Transition::Catch(i), c.next.as_str()));
        }
        out
    }

    /// Nested graphs: Parallel branches and the Map item processor.
    pub fn graphs(&self) -> Vec<&Graph> {
        match &self.kind {
            Kind::Parallel(p) => p.branches.iter().collect(),
            Kind::Map(m) => m.processor.iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn retriers(&self) -> &[Retrier] {
        &self.common.retry
    }

    pub fn catchers(&self) -> &[Catcher] {
        &self.common.catch
    }

    pub fn io(&self) -> &Io {
        &self.common.io
    }

    /// The rendered `Parameters`: a Task's integration adds what it needs (the function and
    /// payload, the topic); other states render their own.
    pub fn parameters(&self) -> Option<Value> {
        match &self.kind {
            Kind::Task(t) => t.parameters(&self.common.io),
            _ => self.common.io.parameters.clone(),
        }
    }

    /// The state as an ASL object: the common fields here, the kind's own from [`Kind`], keys
    /// in [`KEY_ORDER`].
    pub fn render(&self) -> Value {
        let c = &self.common;
        let mut m = Map::new();
        m.insert("Type".into(), json!(self.type_name()));
        put(&mut m, "Comment", c.comment.clone().map(Value::from));
        self.kind.render(&mut m);
        put(
            &mut m,
            "InputPath",
            c.io.input_path.clone().map(Value::from),
        );
        put(&mut m, "Parameters", self.parameters());
        put(&mut m, "ResultSelector", c.io.result_selector.clone());
        put(
            &mut m,
            "ResultPath",
            c.io.result_path.as_ref().map(ResultPath::render),
        );
        put(
            &mut m,
            "OutputPath",
            c.io.output_path.clone().map(Value::from),
        );
        if !c.retry.is_empty() {
            m.insert(
                "Retry".into(),
                Value::Array(c.retry.iter().map(Retrier::render).collect()),
            );
        }
        if !c.catch.is_empty() {
            m.insert(
                "Catch".into(),
                Value::Array(c.catch.iter().map(Catcher::render).collect()),
            );
        }
        if let Some(n) = &c.next {
            m.insert("Next".into(), json!(n));
        } else if self.is_end() {
            m.insert("End".into(), json!(true));
        }
        Value::Object(in_key_order(m))
    }
}

/// Every key a state renders, in the order a reader expects: what the state is and does, its
/// input and output processing (a Pass's `Result` and a Choice's rules where the work happens),
/// its limits, what happens when it fails, and where it goes.
#[rustfmt::skip]
pub const KEY_ORDER: [&str; 34] = [
    "Type", "Comment",
    "Resource",
    "Seconds", "Timestamp", "SecondsPath", "TimestampPath",
    "Error", "ErrorPath", "Cause", "CausePath",
    "Branches",
    "ItemsPath", "ItemReader", "ItemSelector", "ItemProcessor", "MaxConcurrency",
    "Label",
    "InputPath", "Parameters", "Result", "Choices", "Default", "ResultSelector", "ResultPath",
    "OutputPath",
    "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
    "Retry", "Catch",
    "Next", "End",
];

fn in_key_order(mut m: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in KEY_ORDER {
        if let Some(v) = m.remove(key) {
            out.insert(key.to_string(), v);
        }
    }
    // A key rendered but not placed would silently vanish from the definition.
    assert!(
        m.is_empty(),
        "state keys missing from KEY_ORDER: {:?}",
        m.keys().collect::<Vec<_>>()
    );
    out
}

/// A labelled edge of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next,
    Rule(usize),
    Default,
    Catch(usize),
}

/// A set of states with a start: a Parallel branch, a Map item processor, or a whole machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub start_at: String,
    pub states: Vec<State>,
}

impl Graph {
    pub fn from_chain(chain: impl IntoChain) -> Graph {
        let c = chain.into_chain();
        Graph {
            start_at: c.start,
            states: c.states,
        }
    }

    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name() == name)
    }

    pub fn render_states(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for s in &self.states {
            m.insert(s.name().to_string(), s.render());
        }
        m
    }
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn common_fields_render_in_key_order_whatever_the_kind_writes_first() {
        let v = Pass::new("P")
            .output_path("$.o")
            .result(json!(1))
            .parameters(json!({"a": 1}))
            .input_path("$.i")
            .result_path("$.r")
            .comment("c")
            .into_chain()
            .states
            .remove(0)
            .render();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Type",
                "Comment",
                "InputPath",
                "Parameters",
                "Result",
                "ResultPath",
                "OutputPath",
                "End"
            ]
        );
    }

    #[test]
    #[should_panic(expected = "missing from KEY_ORDER")]
    fn an_unordered_key_is_refused() {
        let mut m = Map::new();
        m.insert("Typo".into(), json!(1));
        in_key_order(m);
    }

    #[test]
    fn only_states_that_continue_take_next_or_end() {
        let mut states: Vec<State> = vec![
            Pass::new("Pass").into(),
            Wait::new("Wait", WaitFor::Seconds(1)).into(),
            Parallel::new("Parallel").into(),
            MapState::new("Map").into(),
            Task::sns_publish("Task").into(),
            Succeed::new("Succeed").into(),
            Fail::new("Fail").into(),
            Choice::new("Choice")
                .otherwise(Succeed::new("Other"))
                .into_chain()
                .states
                .remove(0),
        ];
        for s in &mut states {
            s.set_next("After");
        }
        let next: Vec<(&str, Option<&str>, bool)> = states
            .iter()
            .map(|s| (s.name(), s.next_name(), s.is_end()))
            .collect();
        assert_eq!(
            next,
            [
                ("Pass", Some("After"), false),
                ("Wait", Some("After"), false),
                ("Parallel", Some("After"), false),
                ("Map", Some("After"), false),
                ("Task", Some("After"), false),
                ("Succeed", None, false),
                ("Fail", None, false),
                ("Choice", None, false),
            ]
        );
        // The Choice's Default was taken already, so `.next()` does not replace it.
        let Kind::Choice(c) = states[7].kind() else {
            unreachable!()
        };
        assert_eq!(c.default.as_deref(), Some("Other"));
    }
}
