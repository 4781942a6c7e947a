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

/// Statements with the same Sid become one, where the first stood, with the union of their
/// resources: how the state machine role holds one statement per kind of work however many
/// states do it. Statements that share a Sid must agree on everything else; merging them would
/// otherwise grant one's actions on the other's resources.
pub fn merge(statements: impl IntoIterator<Item = Statement>) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    for s in statements {
        let Some(first) = out.iter_mut().find(|o| o.sid == s.sid) else {
            out.push(s);
            continue;
        };
        assert!(
            first.effect == s.effect
                && first.actions == s.actions
                && first.conditions == s.conditions,
            "statements `{}` differ in more than their resources: {first:?} and {s:?}",
            s.sid
        );
        for r in s.resources {
            if !first.resources.contains(&r) {
                first.resources.push(r);
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_resources_of_one_sid_in_first_use_order() {
        let merged = merge([
            Statement::allow("Invoke", ["lambda:InvokeFunction"], vec![json!("a")]),
            Statement::allow("Publish", ["sns:Publish"], vec![json!("topic")]),
            Statement::allow("Invoke", ["lambda:InvokeFunction"], vec![json!("b")]),
            Statement::allow("Invoke", ["lambda:InvokeFunction"], vec![json!("a")]),
            Statement::allow("Publish", ["sns:Publish"], vec![json!("topic")]),
        ]);
        assert_eq!(
            merged,
            vec![
                Statement::allow(
                    "Invoke",
                    ["lambda:InvokeFunction"],
                    vec![json!("a"), json!("b")]
                ),
                Statement::allow("Publish", ["sns:Publish"], vec![json!("topic")]),
            ]
        );
    }

    #[test]
    #[should_panic(expected = "differ in more than their resources")]
    fn merge_refuses_one_sid_for_different_actions() {
        merge([
            Statement::allow("Call", ["ec2:DescribeInstances"], vec![json!("*")]),
            Statement::allow("Call", ["ec2:TerminateInstances"], vec![json!("*")]),
        ]);
    }

    #[test]
    #[should_panic(expected = "differ in more than their resources")]
    fn merge_refuses_one_sid_for_different_conditions() {
        merge([
            Statement::allow("Key", ["kms:Decrypt"], vec![json!("k")]),
            Statement::allow("Key", ["kms:Decrypt"], vec![json!("k")]).when(
                "StringEquals",
                "kms:ViaService",
                json!("sns"),
            ),
        ]);
    }
}
