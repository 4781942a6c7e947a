//! Parallel states: branches that run at the same time, each its own graph.

use super::{
    Filters, Graph, Kind, PlacesResult, Recovers, SelectsResult, StateBuilder, TakesParameters,
};
use crate::asl::chain::IntoChain;
use serde_json::{json, Map, Value};

/// A Parallel state.
pub type Parallel = StateBuilder<ParallelKind>;

/// What a Parallel state adds to the common part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParallelKind {
    pub(crate) branches: Vec<Graph>,
}

impl Filters for ParallelKind {}
impl TakesParameters for ParallelKind {}
impl SelectsResult for ParallelKind {}
impl PlacesResult for ParallelKind {}
impl Recovers for ParallelKind {}

impl From<ParallelKind> for Kind {
    fn from(k: ParallelKind) -> Self {
        Kind::Parallel(k)
    }
}

impl ParallelKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        let branches: Vec<Value> = self
            .branches
            .iter()
            .map(|g| json!({"StartAt": g.start_at, "States": g.render_states()}))
            .collect();
        m.insert("Branches".into(), Value::Array(branches));
    }
}

impl Parallel {
    pub fn new(name: &str) -> Parallel {
        StateBuilder::with_kind(name, ParallelKind::default())
    }
    /// Adds a branch that runs concurrently with the others.
    pub fn branch(mut self, chain: impl IntoChain) -> Self {
        self.kind.branches.push(Graph::from_chain(chain));
        self
    }
}
