//! Typed CloudFormation: a template of parameters, conditions, resources and outputs, the
//! intrinsic functions, IAM policy documents, and a check that every reference resolves.
//!
//! Resource properties stay JSON (`serde_json::Value`) built by constructs: the constructs are
//! the typed layer; this module guarantees structure, order and references.

pub mod example;
pub mod iam;
mod intrinsics;

pub use intrinsics::*;

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    pub description: String,
    pub metadata: Option<Value>,
    pub parameters: Vec<(String, Parameter)>,
    pub conditions: Vec<(String, Value)>,
    pub resources: Vec<(String, Resource)>,
    pub outputs: Vec<(String, Output)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub kind: &'static str,
    pub description: String,
    pub default: Option<Value>,
    pub allowed_values: Vec<Value>,
    pub allowed_pattern: Option<String>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    /// A value for outside judges ([`example::Example`]) when there is no default; not
    /// rendered.
    pub example: Option<Value>,
}

impl Parameter {
    pub fn string(description: &str) -> Parameter {
        Parameter {
            kind: "String",
            description: description.to_string(),
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            min_value: None,
            max_value: None,
            example: None,
        }
    }
    /// A `CommaDelimitedList`: `Ref` gives a list of strings.
    pub fn list(description: &str) -> Parameter {
        Parameter {
            kind: "CommaDelimitedList",
            ..Parameter::string(description)
        }
    }
    pub fn number(description: &str) -> Parameter {
        Parameter {
            kind: "Number",
            ..Parameter::string(description)
        }
    }
    pub fn default(mut self, v: Value) -> Self {
        self.default = Some(v);
        self
    }
    pub fn allowed(mut self, values: &[Value]) -> Self {
        self.allowed_values = values.to_vec();
        self
    }
    pub fn pattern(mut self, p: &str) -> Self {
        self.allowed_pattern = Some(p.to_string());
        self
    }
    pub fn example(mut self, v: Value) -> Self {
        self.example = Some(v);
        self
    }
    pub fn range(mut self, min: i64, max: i64) -> Self {
        self.min_value = Some(min);
        self.max_value = Some(max);
        self
    }

    fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("Type".into(), json!(self.kind));
        m.insert("Description".into(), json!(self.description));
        if let Some(d) = &self.default {
            m.insert("Default".into(), d.clone());
        }
        if !self.allowed_values.is_empty() {
            m.insert("AllowedValues".into(), json!(self.allowed_values));
        }
        if let Some(p) = &self.allowed_pattern {
            m.insert("AllowedPattern".into(), json!(p));
        }
        if let Some(v) = self.min_value {
            m.insert("MinValue".into(), json!(v));
        }
        if let Some(v) = self.max_value {
            m.insert("MaxValue".into(), json!(v));
        }
        Value::Object(m)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub kind: String,
    pub properties: Value,
    pub condition: Option<String>,
    pub depends_on: Vec<String>,
    pub deletion_policy: Option<&'static str>,
    pub update_replace_policy: Option<&'static str>,
    pub metadata: Option<Value>,
}

impl Resource {
    pub fn new(kind: &str, properties: Value) -> Resource {
        Resource {
            kind: kind.to_string(),
            properties,
            condition: None,
            depends_on: Vec::new(),
            deletion_policy: None,
            update_replace_policy: None,
            metadata: None,
        }
    }
    pub fn condition(mut self, c: &str) -> Self {
        self.condition = Some(c.to_string());
        self
    }
    pub fn depends_on(mut self, logical_id: &str) -> Self {
        self.depends_on.push(logical_id.to_string());
        self
    }
    /// Keep the resource (and its data) when the stack or the resource is deleted or replaced.
    pub fn retain(mut self) -> Self {
        self.deletion_policy = Some("Retain");
        self.update_replace_policy = Some("Retain");
        self
    }
    /// Adds `key` to the resource's `Metadata`.
    pub fn annotate(mut self, key: &str, value: Value) -> Self {
        let meta = self.metadata.get_or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(key.to_string(), value);
        }
        self
    }

    /// A checkov check that does not apply, with the reason kept in the template.
    pub fn skip_check(mut self, id: &str, reason: &str) -> Self {
        let meta = self.metadata.get_or_insert_with(|| json!({}));
        let skips = meta
            .as_object_mut()
            .expect("metadata is an object")
            .entry("checkov")
            .or_insert_with(|| json!({"skip": []}))["skip"]
            .as_array_mut()
            .expect("checkov.skip is a list");
        skips.push(json!({"id": id, "comment": reason}));
        self
    }

    fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("Type".into(), json!(self.kind));
        if let Some(c) = &self.condition {
            m.insert("Condition".into(), json!(c));
        }
        if !self.depends_on.is_empty() {
            m.insert("DependsOn".into(), json!(self.depends_on));
        }
        if let Some(p) = self.deletion_policy {
            m.insert("DeletionPolicy".into(), json!(p));
        }
        if let Some(p) = self.update_replace_policy {
            m.insert("UpdateReplacePolicy".into(), json!(p));
        }
        if let Some(meta) = &self.metadata {
            m.insert("Metadata".into(), meta.clone());
        }
        m.insert("Properties".into(), self.properties.clone());
        Value::Object(m)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub description: String,
    pub value: Value,
    pub condition: Option<String>,
    /// The export name other stacks of the account and Region import the value by.
    pub export: Option<Value>,
}

impl Output {
    pub fn new(description: &str, value: Value) -> Output {
        Output {
            description: description.to_string(),
            value,
            condition: None,
            export: None,
        }
    }

    pub fn export(mut self, name: Value) -> Output {
        self.export = Some(name);
        self
    }
}

/// A reference that does not resolve, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceError {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

impl Template {
    pub fn new(description: &str) -> Template {
        Template {
            description: description.to_string(),
            ..Template::default()
        }
    }

    pub fn parameter(&mut self, name: &str, p: Parameter) {
        if !self.parameters.iter().any(|(n, _)| n == name) {
            self.parameters.push((name.to_string(), p));
        }
    }

    pub fn condition(&mut self, name: &str, c: Value) {
        if !self.conditions.iter().any(|(n, _)| n == name) {
            self.conditions.push((name.to_string(), c));
        }
    }

    /// Adds a resource; a logical id used twice is a bug in a construct.
    pub fn add(&mut self, logical_id: &str, r: Resource) {
        assert!(
            !self.resources.iter().any(|(n, _)| n == logical_id),
            "logical id {logical_id} added twice"
        );
        self.resources.push((logical_id.to_string(), r));
    }

    pub fn output(&mut self, name: &str, o: Output) {
        self.outputs.push((name.to_string(), o));
    }

    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|(n, _)| n == logical_id)
            .map(|(_, r)| r)
    }

    pub fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        m.insert("Description".into(), json!(self.description));
        if let Some(meta) = &self.metadata {
            m.insert("Metadata".into(), meta.clone());
        }
        let section =
            |items: Vec<(String, Value)>| -> Value { Value::Object(items.into_iter().collect()) };
        if !self.parameters.is_empty() {
            m.insert(
                "Parameters".into(),
                section(
                    self.parameters
                        .iter()
                        .map(|(n, p)| (n.clone(), p.render()))
                        .collect(),
                ),
            );
        }
        if !self.conditions.is_empty() {
            m.insert("Conditions".into(), section(self.conditions.clone()));
        }
        m.insert(
            "Resources".into(),
            section(
                self.resources
                    .iter()
                    .map(|(n, r)| (n.clone(), r.render()))
                    .collect(),
            ),
        );
        if !self.outputs.is_empty() {
            m.insert(
                "Outputs".into(),
                section(
                    self.outputs
                        .iter()
                        .map(|(n, o)| {
                            let mut v = json!({"Description": o.description, "Value": o.value});
                            if let Some(c) = &o.condition {
                                v["Condition"] = json!(c);
                            }
                            if let Some(name) = &o.export {
                                v["Export"] = json!({"Name": name});
                            }
                            (n.clone(), v)
                        })
                        .collect(),
                ),
            );
        }
        Value::Object(m)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.render()).expect("template renders");
        s.push('\n');
        s
    }

    /// Every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable, `DependsOn` and `Condition` must name a
    /// parameter, resource, condition or pseudo parameter of this template.
    pub fn check_references(&self) -> Result<(), Vec<ReferenceError>> {
        let params: BTreeSet<&str> = self.parameters.iter().map(|(n, _)| n.as_str()).collect();
        let resources: BTreeSet<&str> = self.resources.iter().map(|(n, _)| n.as_str()).collect();
        let conditions: BTreeSet<&str> = self.conditions.iter().map(|(n, _)| n.as_str()).collect();
        let mut errors = Vec::new();
        let mut err = |at: &str, message: String| {
            errors.push(ReferenceError {
                at: at.to_string(),
                message,
            })
        };
        let check = |at: &str, v: &Value, err: &mut dyn FnMut(&str, String)| {
            walk_refs(v, &mut |r| match r {
                Reference::Ref(name) => {
                    if !params.contains(name)
                        && !resources.contains(name)
                        && !PSEUDO_PARAMETERS.contains(&name)
                    {
                        err(at, format!("Ref to unknown `{name}`"));
                    }
                }
                Reference::GetAtt(name) => {
                    if !resources.contains(name) {
                        err(at, format!("Fn::GetAtt of unknown resource `{name}`"));
                    }
                }
                Reference::Condition(name) => {
                    if !conditions.contains(name) {
                        err(at, format!("unknown condition `{name}`"));
                    }
                }
            });
        };
        for (n, r) in &self.resources {
            let at = format!("resource {n}");
            check(&at, &r.properties, &mut err);
            for d in &r.depends_on {
                if !resources.contains(d.as_str()) {
                    err(&at, format!("DependsOn unknown `{d}`"));
                }
            }
            if let Some(c) = &r.condition {
                if !conditions.contains(c.as_str()) {
                    err(&at, format!("unknown condition `{c}`"));
                }
            }
        }
        for (n, c) in &self.conditions {
            check(&format!("condition {n}"), c, &mut err);
        }
        for (n, o) in &self.outputs {
            check(&format!("output {n}"), &o.value, &mut err);
            if let Some(name) = &o.export {
                check(&format!("output {n}'s export"), name, &mut err);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

enum Reference<'a> {
    Ref(&'a str),
    GetAtt(&'a str),
    Condition(&'a str),
}

/// Calls `f` for every reference in `v`, including `${...}` variables inside `Fn::Sub`.
fn walk_refs<'a>(v: &'a Value, f: &mut dyn FnMut(Reference<'a>)) {
    match v {
        Value::Object(m) => {
            if let (1, Some(Value::String(name))) = (m.len(), m.get("Ref")) {
                f(Reference::Ref(name));
                return;
            }
            if let (1, Some(Value::String(name))) = (m.len(), m.get("Condition")) {
                f(Reference::Condition(name));
                return;
            }
            if let Some(Value::Array(a)) = m.get("Fn::GetAtt") {
                if let Some(Value::String(name)) = a.first() {
                    f(Reference::GetAtt(name));
                }
                return;
            }
            if let Some(Value::Array(a)) = m.get("Fn::If") {
                if let Some(Value::String(name)) = a.first() {
                    f(Reference::Condition(name));
                }
                for x in a.iter().skip(1) {
                    walk_refs(x, f);
                }
                return;
            }
            if let Some(sub) = m.get("Fn::Sub") {
                let (text, vars) = match sub {
                    Value::String(s) => (s.as_str(), None),
                    Value::Array(a) => (
                        a[0].as_str().unwrap_or(""),
                        a.get(1).and_then(Value::as_object),
                    ),
                    _ => ("", None),
                };
                for var in sub_variables(text) {
                    if vars.is_some_and(|vs| vs.contains_key(var)) {
                        continue;
                    }
                    match var.split_once('.') {
                        Some((res, _)) => f(Reference::GetAtt(res)),
                        None => f(Reference::Ref(var)),
                    }
                }
                if let Some(vs) = vars {
                    for x in vs.values() {
                        walk_refs(x, f);
                    }
                }
                return;
            }
            for x in m.values() {
                walk_refs(x, f);
            }
        }
        Value::Array(a) => {
            for x in a {
                walk_refs(x, f);
            }
        }
        _ => {}
    }
}

/// `${Name}` variables of a `Fn::Sub` string; `${!Literal}` is an escape, not a variable.
pub fn sub_variables(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else { break };
        let var = &after[..j];
        if !var.starts_with('!') {
            out.push(var);
        }
        rest = &after[j + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_must_resolve() {
        let mut t = Template::new("t");
        t.parameter("Env", Parameter::string("env"));
        t.condition("IsProd", equals(ref_("Env"), json!("prod")));
        t.add(
            "Topic",
            Resource::new(
                "AWS::SNS::Topic",
                json!({"TopicName": sub("${AWS::StackName}-${Env}")}),
            ),
        );
        t.add(
            "Bad",
            Resource::new(
                "AWS::SNS::Subscription",
                json!({"TopicArn": ref_("Missing"), "Endpoint": get_att("Ghost", "Arn"), "Protocol": sub("${Nope.Arn} ${!Literal}")}),
            )
            .depends_on("Phantom")
            .condition("NoSuchCondition"),
        );
        t.output("TopicArn", Output::new("topic", ref_("Topic")));
        let errors: Vec<String> = t
            .check_references()
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errors,
            vec![
                "resource Bad: Ref to unknown `Missing`",
                "resource Bad: Fn::GetAtt of unknown resource `Ghost`",
                "resource Bad: Fn::GetAtt of unknown resource `Nope`",
                "resource Bad: DependsOn unknown `Phantom`",
                "resource Bad: unknown condition `NoSuchCondition`",
            ]
        );
    }

    #[test]
    fn renders_sections_in_order_and_skips_empty_ones() {
        let mut t = Template::new("t");
        t.add(
            "Topic",
            Resource::new("AWS::SNS::Topic", json!({})).skip_check("CKV_AWS_26", "why"),
        );
        let v = t.render();
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["AWSTemplateFormatVersion", "Description", "Resources"]
        );
        assert_eq!(
            v["Resources"]["Topic"]["Metadata"]["checkov"]["skip"][0]["id"],
            "CKV_AWS_26"
        );
        t.check_references().unwrap();
    }
}
