//! Pass states: pass the input on, reshaped or with a fixed `Result`.

use super::{put, Filters, Kind, PlacesResult, StateBuilder, TakesParameters};
use serde_json::{Map, Value};

/// A Pass state.
pub type Pass = StateBuilder<PassKind>;

/// What a Pass state adds to the common part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassKind {
    pub(crate) result: Option<Value>,
}

impl Filters for PassKind {}
impl TakesParameters for PassKind {}
impl PlacesResult for PassKind {}

impl From<PassKind> for Kind {
    fn from(k: PassKind) -> Self {
        Kind::Pass(k)
    }
}

impl PassKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        put(m, "Result", self.result.clone());
    }
}

impl Pass {
    pub fn new(name: &str) -> Pass {
        StateBuilder::with_kind(name, PassKind::default())
    }
    pub fn result(mut self, r: Value) -> Self {
        self.kind.result = Some(r);
        self
    }
}
