//! Turns a task's declared [`Permission`]s into IAM statements scoped to this stack, and names
//! the stack's resources for the state machine's integrations ([`StackNames`]).

use super::{evidence, ids, task_function};
use crate::asl::{StackRefs, TaskInfo};
use crate::cfn::iam::Statement;
use crate::cfn::{get_att, ref_, sub, text};
use contract::task::{Permission, Scope, StackResource};
use serde_json::{json, Value};

pub fn stack_resource(r: StackResource) -> Value {
    match r {
        StackResource::NotificationTopic => ref_(ids::TOPIC),
        StackResource::EncryptionKey => super::key::arn(super::key::SharedKey::Encryption),
        StackResource::CaseTable => get_att(evidence::CASE_TABLE, "Arn"),
        StackResource::EvidenceReports => {
            sub(&format!("${{{}.Arn}}/cases/*", evidence::EVIDENCE_BUCKET))
        }
        StackResource::CaptureDocument => document_arn(evidence::CAPTURE_DOCUMENT),
        StackResource::MemoryUploadDocument => document_arn(evidence::MEMORY_UPLOAD_DOCUMENT),
        StackResource::QuarantineRole => get_att(evidence::QUARANTINE_ROLE, "Arn"),
        StackResource::RecordKey => super::key::arn(super::key::SharedKey::Records),
        StackResource::SigningKey => super::key::arn(super::key::SharedKey::Custody),
        // The regional sets by name prefix: the CloudFront ones are conditional, so a GetAtt
        // would not resolve when they are off (their global ARN is a separate scope).
        StackResource::BlockedIpSets => sub("arn:${AWS::Partition}:wafv2:${AWS::Region}:${AWS::AccountId}:regional/ipset/${AWS::StackName}-blocked-*/*"),
    }
}

fn document_arn(logical_id: &str) -> Value {
    sub(&format!(
        "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:document/${{{logical_id}}}"
    ))
}

/// How a playbook stack names the resources its state machine's integrations touch.
pub struct StackNames;

impl StackRefs for StackNames {
    fn function_id(&self, task: &TaskInfo) -> String {
        task_function::function_id(task)
    }
    fn resource(&self, r: StackResource) -> Value {
        stack_resource(r)
    }
}

/// The statement, and for unscoped actions the reason to record next to it.
pub fn statement(p: &Permission) -> (Statement, Option<Value>) {
    statement_with(p, stack_resource, text)
}

/// [`statement`] with the stack's resources and the ARN patterns resolved by the caller: a
/// member stack names its own resources and acts in every Region (`member::statement`).
pub fn statement_with(
    p: &Permission,
    stack: impl Fn(StackResource) -> Value,
    pattern: impl Fn(&str) -> Value,
) -> (Statement, Option<Value>) {
    let mut resources = Vec::new();
    let mut why = None;
    for scope in std::iter::once(&p.scope).chain(&p.more) {
        match scope {
            Scope::Stack(r) => resources.push(stack(*r)),
            Scope::Arn(a) => resources.push(pattern(a)),
            Scope::Arns(patterns) => resources.extend(patterns.iter().map(|a| pattern(a))),
            Scope::Unscoped { reason } => {
                resources.push(json!("*"));
                why = Some(json!({"Sid": p.sid, "Actions": p.actions, "Reason": reason}));
            }
        }
    }
    let mut st = Statement::allow(p.sid, p.actions.iter(), resources);
    for (op, key, values) in &p.conditions {
        let vals: Vec<Value> = values.iter().map(|v| pattern(v)).collect();
        // A value the pattern made a wildcard (a member role acts in every Region) is matched
        // as one.
        let op = match *op {
            "StringEquals" if vals.iter().any(|v| v.to_string().contains('*')) => "StringLike",
            op => op,
        };
        let v = if vals.len() == 1 {
            vals[0].clone()
        } else {
            json!(vals)
        };
        st = st.when(op, key, v);
    }
    (st, why)
}

/// A task that may change IAM roles in general (`role/*`) may never change aws-ir's own: an
/// explicit deny on their path, derived here so that no task can forget it. A compromised
/// principal's cut, a release that passes a recorded role, a session revocation: none of them
/// can be turned against the roles that run the response, whatever the task's code or a
/// record says.
pub fn never_own_roles(permissions: &[Permission]) -> Option<Statement> {
    let mut actions: Vec<&str> = Vec::new();
    for p in permissions {
        let on_roles = std::iter::once(&p.scope).chain(&p.more).any(|s| match s {
            Scope::Arn(a) => a.ends_with(":role/*"),
            Scope::Arns(a) => a.iter().any(|a| a.ends_with(":role/*")),
            _ => false,
        });
        if !on_roles {
            continue;
        }
        for a in &p.actions {
            let name = a.strip_prefix("iam:").unwrap_or_default();
            let reads = ["Get", "List", "Simulate"]
                .iter()
                .any(|r| name.starts_with(r));
            if !name.is_empty() && !reads && !actions.contains(a) {
                actions.push(a);
            }
        }
    }
    (!actions.is_empty()).then(|| {
        Statement::deny(
            "NeverAwsIrRoles",
            actions,
            vec![text(contract::trust::OWN_ROLES)],
        )
    })
}
