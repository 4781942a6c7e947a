//! A whole state machine: its graph, validation and rendering.

use super::chain::IntoChain;
use super::integration::Integration;
use super::state::{Graph, State};
use super::validate::{self, ValidationError};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct StateMachine {
    /// The playbook's id, used in error messages.
    pub playbook: String,
    pub comment: String,
    pub graph: Graph,
    pub timeout_seconds: Option<u32>,
}

impl StateMachine {
    pub fn new(playbook: &str, comment: &str, chain: impl IntoChain) -> StateMachine {
        StateMachine {
            playbook: playbook.to_string(),
            comment: comment.to_string(),
            graph: Graph::from_chain(chain),
            timeout_seconds: None,
        }
    }

    /// Upper bound for a whole execution (`TimeoutSeconds`).
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    pub fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("Comment".into(), json!(self.comment));
        m.insert("StartAt".into(), json!(self.graph.start_at));
        m.insert("States".into(), Value::Object(self.graph.render_states()));
        if let Some(t) = self.timeout_seconds {
            m.insert("TimeoutSeconds".into(), json!(t));
        }
        Value::Object(m)
    }

    /// Pretty JSON with a trailing newline: the committed form.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.render()).expect("ASL renders to JSON");
        s.push('\n');
        s
    }

    /// All the rules of `validate`; an empty list means the machine is sound.
    pub fn validate(&self) -> Result<(), Vec<ValidationError>> {
        validate::validate(self)
    }

    /// Every state, nested ones included, depth first in definition order.
    pub fn all_states(&self) -> Vec<&State> {
        fn walk<'a>(g: &'a Graph, out: &mut Vec<&'a State>) {
            for s in &g.states {
                out.push(s);
                for inner in s.graphs() {
                    walk(inner, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.graph, &mut out);
        out
    }

    /// The integration of every Task state, nested ones included, in the order of
    /// [`StateMachine::all_states`].
    pub fn integrations(&self) -> Vec<&Integration> {
        self.all_states()
            .into_iter()
            .filter_map(State::integration)
            .collect()
    }
}
