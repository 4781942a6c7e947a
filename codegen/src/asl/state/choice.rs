//! Choice states: rules tried in order, and a `Default`.

use super::{Filters, Kind, StateBuilder};
use crate::asl::chain::{Chain, IntoChain};
use crate::asl::condition::Condition;
use serde_json::{json, Map, Value};

/// A Choice state.
pub type Choice = StateBuilder<ChoiceKind>;

/// What a Choice state adds to the common part. It has no `Next`: it goes on through its rules
/// and `Default`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChoiceKind {
    pub(crate) rules: Vec<(Condition, String)>,
    pub(crate) default: Option<String>,
    /// Open ends of the branches: where `.next()` after the Choice continues.
    pub(crate) ends: Vec<String>,
}

impl Filters for ChoiceKind {}

impl From<ChoiceKind> for Kind {
    fn from(k: ChoiceKind) -> Self {
        Kind::Choice(k)
    }
}

impl ChoiceKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(cond, next)| {
                let mut r = cond.render();
                r.insert("Next".into(), json!(next));
                Value::Object(r)
            })
            .collect();
        m.insert("Choices".into(), Value::Array(rules));
        if let Some(d) = &self.default {
            m.insert("Default".into(), json!(d));
        }
    }
}

impl Choice {
    pub fn new(name: &str) -> Choice {
        StateBuilder::with_kind(name, ChoiceKind::default())
    }
    /// Goes to `then` when `condition` holds (rules are tried in order).
    pub fn when(mut self, condition: Condition, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.kind.rules.push((condition, chain.start.clone()));
        self.absorb(chain);
        self
    }
    /// Goes to `then` when `condition` holds, where the path ends: whatever `.next()` follows
    /// the Choice does not continue it (`then` ends the execution or a Map iteration there, as a
    /// Catch target does).
    pub fn when_ending(mut self, condition: Condition, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.kind.rules.push((condition, chain.start.clone()));
        self.common.pending.extend(chain.states);
        self
    }
    /// Goes to `then` when no rule holds.
    pub fn otherwise(mut self, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.kind.default = Some(chain.start.clone());
        self.absorb(chain);
        self
    }
    /// When no rule holds, goes on to whatever `.next()` follows the Choice (a detour taken
    /// only by some inputs).
    pub fn otherwise_continue(mut self) -> Self {
        let name = self.common.name.clone();
        if !self.kind.ends.contains(&name) {
            self.kind.ends.push(name);
        }
        self
    }
    fn absorb(&mut self, chain: Chain) {
        self.common.pending.extend(chain.states);
        for e in chain.ends {
            if !self.kind.ends.contains(&e) {
                self.kind.ends.push(e);
            }
        }
    }
}
