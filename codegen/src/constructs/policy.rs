//! Turns a task's declared [`Permission`]s into IAM statements scoped to this stack.

use super::ids;
use crate::cfn::iam::Statement;
use crate::cfn::{get_att, ref_, sub};
use contract::task::{Permission, Scope, StackResource};
use serde_json::{json, Value};

/// A text with `${...}` becomes `Fn::Sub`; plain text stays a string.
pub fn text(s: &str) -> Value {
    if s.contains("${") {
        sub(s)
    } else {
        json!(s)
    }
}

pub fn stack_resource(r: StackResource) -> Value {
    match r {
        StackResource::NotificationTopic => ref_(ids::TOPIC),
        StackResource::StackKey => get_att(ids::STACK_KEY, "Arn"),
    }
}

/// The statement, and for unscoped actions the reason to record next to it.
pub fn statement(p: &Permission) -> (Statement, Option<Value>) {
    let (resource, why) = match &p.scope {
        Scope::Stack(r) => (stack_resource(*r), None),
        Scope::Arn(pattern) => (text(pattern), None),
        Scope::Unscoped { reason } => (
            json!("*"),
            Some(json!({"Sid": p.sid, "Actions": p.actions, "Reason": reason})),
        ),
    };
    let mut st = Statement::allow(p.sid, p.actions.iter(), vec![resource]);
    for (op, key, values) in &p.conditions {
        let vals: Vec<Value> = values.iter().map(|v| text(v)).collect();
        let v = if vals.len() == 1 {
            vals[0].clone()
        } else {
            json!(vals)
        };
        st = st.when(op, key, v);
    }
    (st, why)
}
