//! Wait states: for a time, or until one.

use super::{Filters, Kind, StateBuilder};
use serde_json::{json, Map, Value};

/// A Wait state.
pub type Wait = StateBuilder<WaitKind>;

#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Seconds(u64),
    Timestamp(String),
    SecondsPath(String),
    TimestampPath(String),
}

/// What a Wait state adds to the common part.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitKind {
    pub(crate) until: WaitFor,
}

impl Filters for WaitKind {}

impl From<WaitKind> for Kind {
    fn from(k: WaitKind) -> Self {
        Kind::Wait(k)
    }
}

impl WaitKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        let (k, v) = match &self.until {
            WaitFor::Seconds(s) => ("Seconds", json!(s)),
            WaitFor::Timestamp(t) => ("Timestamp", json!(t)),
            WaitFor::SecondsPath(p) => ("SecondsPath", json!(p)),
            WaitFor::TimestampPath(p) => ("TimestampPath", json!(p)),
        };
        m.insert(k.into(), v);
    }
}

impl Wait {
    pub fn new(name: &str, until: WaitFor) -> Wait {
        StateBuilder::with_kind(name, WaitKind { until })
    }
}
