//! Intrinsic functions and pseudo parameters, as JSON values.

use serde_json::{json, Value};

pub const PSEUDO_PARAMETERS: [&str; 8] = [
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::NoValue",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
];

pub fn ref_(name: &str) -> Value {
    json!({ "Ref": name })
}

pub fn get_att(logical_id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [logical_id, attribute] })
}

pub fn sub(text: &str) -> Value {
    json!({ "Fn::Sub": text })
}

/// A text with `${...}` becomes `Fn::Sub`; plain text stays a string.
pub fn text(s: &str) -> Value {
    if s.contains("${") {
        sub(s)
    } else {
        json!(s)
    }
}

pub fn sub_with(text: &str, vars: Value) -> Value {
    json!({ "Fn::Sub": [text, vars] })
}

pub fn join(separator: &str, parts: Vec<Value>) -> Value {
    json!({ "Fn::Join": [separator, parts] })
}

pub fn if_(condition: &str, then: Value, otherwise: Value) -> Value {
    json!({ "Fn::If": [condition, then, otherwise] })
}

pub fn equals(a: Value, b: Value) -> Value {
    json!({ "Fn::Equals": [a, b] })
}

pub fn not(c: Value) -> Value {
    json!({ "Fn::Not": [c] })
}

pub fn no_value() -> Value {
    ref_("AWS::NoValue")
}

pub fn select(index: usize, list: Value) -> Value {
    json!({ "Fn::Select": [index.to_string(), list] })
}

pub fn split(separator: &str, text: Value) -> Value {
    json!({ "Fn::Split": [separator, text] })
}

/// Eight hex digits unique to this stack *instance*: the first group of the UUID at the end of
/// `AWS::StackId`. A re-created stack of the same name gets new ones, so names derived from it
/// never collide with resources a deleted stack retained.
pub fn stack_instance_id() -> Value {
    select(0, split("-", select(2, split("/", ref_("AWS::StackId")))))
}
