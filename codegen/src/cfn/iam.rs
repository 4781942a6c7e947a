//! IAM policy documents with a stable rendering (actions sorted and de-duplicated).

use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: String,
    pub effect: Effect,
    pub actions: Vec<String>,
    pub resources: Vec<Value>,
    /// `{operator: {key: values}}`
    pub conditions: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Statement {
    pub fn allow<S: AsRef<str>>(
        sid: &str,
        actions: impl IntoIterator<Item = S>,
        resources: Vec<Value>,
    ) -> Statement {
        Statement {
            sid: sid.to_string(),
            effect: Effect::Allow,
            actions: actions
                .into_iter()
                .map(|a| a.as_ref().to_string())
                .collect(),
            resources,
            conditions: Map::new(),
        }
    }

    /// An explicit deny: it wins over any allow, in this policy or another.
    pub fn deny<S: AsRef<str>>(
        sid: &str,
        actions: impl IntoIterator<Item = S>,
        resources: Vec<Value>,
    ) -> Statement {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(sid, actions, resources)
        }
    }

    pub fn when(mut self, operator: &str, key: &str, values: Value) -> Self {
        let op = self
            .conditions
            .entry(operator.to_string())
            .or_insert_with(|| json!({}));
        op[key] = values;
        self
    }

    pub fn render(&self) -> Value {
        let mut actions = self.actions.clone();
        actions.sort();
        actions.dedup();
        let mut m = Map::new();
        m.insert("Sid".into(), json!(self.sid));
        m.insert(
            "Effect".into(),
            json!(match self.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            }),
        );
        m.insert("Action".into(), json!(actions));
        m.insert("Resource".into(), json!(self.resources));
        if !self.conditions.is_empty() {
            m.insert("Condition".into(), Value::Object(self.conditions.clone()));
        }
        Value::Object(m)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyDocument {
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    pub fn new(statements: Vec<Statement>) -> PolicyDocument {
        PolicyDocument { statements }
    }

    pub fn render(&self) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": self.statements.iter().map(Statement::render).collect::<Vec<_>>(),
        })
    }
}

/// The trust policy that lets an AWS service assume a role.
pub fn service_trust(service: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    })
}

/// Trust for a service, limited to calls made on behalf of this account and of the resources
/// `source_arn` matches (the confused-deputy guard AWS recommends: both keys).
pub fn service_trust_for(service: &str, source_arn: Value) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        }],
    })
}
