//! Succeed and Fail: the states that end an execution, a branch or a Map iteration by
//! themselves, so they have no `Next`.

use super::{put, Filters, Kind, StateBuilder};
use serde_json::{Map, Value};

/// A Succeed state.
pub type Succeed = StateBuilder<SucceedKind>;

/// A Succeed state adds nothing to the common part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SucceedKind;

impl Filters for SucceedKind {}

impl From<SucceedKind> for Kind {
    fn from(_: SucceedKind) -> Self {
        Kind::Succeed
    }
}

impl Succeed {
    pub fn new(name: &str) -> Succeed {
        StateBuilder::with_kind(name, SucceedKind)
    }
}

/// A Fail state: no input or output processing (ASL allows none), only the error it reports.
pub type Fail = StateBuilder<FailKind>;

/// What a Fail state adds to the common part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailKind {
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) error_path: Option<String>,
    pub(crate) cause_path: Option<String>,
}

impl From<FailKind> for Kind {
    fn from(k: FailKind) -> Self {
        Kind::Fail(k)
    }
}

impl FailKind {
    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        put(m, "Error", self.error.clone().map(Value::from));
        put(m, "ErrorPath", self.error_path.clone().map(Value::from));
        put(m, "Cause", self.cause.clone().map(Value::from));
        put(m, "CausePath", self.cause_path.clone().map(Value::from));
    }
}

impl Fail {
    pub fn new(name: &str) -> Fail {
        StateBuilder::with_kind(name, FailKind::default())
    }
    pub fn error(mut self, e: &str) -> Self {
        self.kind.error = Some(e.to_string());
        self
    }
    pub fn cause(mut self, c: &str) -> Self {
        self.kind.cause = Some(c.to_string());
        self
    }
    pub fn error_path(mut self, p: &str) -> Self {
        self.kind.error_path = Some(p.to_string());
        self
    }
    pub fn cause_path(mut self, p: &str) -> Self {
        self.kind.cause_path = Some(p.to_string());
        self
    }
}
