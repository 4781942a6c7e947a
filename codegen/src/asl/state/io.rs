//! Input and output processing: the paths and reshaping every state type shares in part.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    Path(String),
    /// `"ResultPath": null`: keep the input, drop the result.
    Discard,
}

impl ResultPath {
    pub(crate) fn render(&self) -> Value {
        match self {
            ResultPath::Path(p) => json!(p),
            ResultPath::Discard => Value::Null,
        }
    }
}

/// Input and output processing fields; which ones a state type may carry is enforced by the
/// setters its builder offers (see [`super::Filters`] and its siblings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Io {
    pub input_path: Option<String>,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    pub result_path: Option<ResultPath>,
    pub output_path: Option<String>,
}
