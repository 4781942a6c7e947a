//! A task Lambda: function, role, log group, all from the task's contract.
//!
//! - The role trusts Lambda for this account only and allows exactly the declared actions on
//!   the declared scopes, plus writing its own log group and X-Ray traces.
//! - The log group is the function's own (`LoggingConfig.LogGroup`), KMS-encrypted, with the
//!   stack's retention, kept when the stack goes (logs are evidence).
//! - Logs are JSON so that every line carries the case id as a field.
//! - The code comes from `s3://${ArtifactBucket}/${ArtifactPrefix}/<task>.zip`, uploaded by
//!   `irctl deploy` (or `make package` + any S3 copy); with `LambdaArtifacts=bootstrap`, every
//!   function runs `<prefix>/bootstrap.zip`, which serves every task.

use super::{params, policy, Settings};
use crate::asl::TaskInfo;
use crate::cfn::iam::{service_trust, PolicyDocument, Statement};
use crate::cfn::{
    get_att, if_, no_value, ref_, stack_instance_id, sub, sub_with, Parameter, Resource, Template,
};
use serde_json::{json, Value};

/// The condition under which every function runs the one bootstrap zip (declared by the
/// playbook with its parameter).
pub const ONE_ARTIFACT: &str = "OneLambdaArtifact";

pub fn function_id(task: &TaskInfo) -> String {
    format!("{}Function", task.title)
}

/// Who invokes a task function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invoker {
    /// The playbook's state machine, synchronously.
    StateMachine,
    /// AWS Config, asynchronously (a custom rule's evaluator).
    Config,
}

pub fn add(
    t: &mut Template,
    settings: &Settings,
    playbook: &str,
    task: &TaskInfo,
    invoker: Invoker,
) {
    let title = task.title;
    let role_id = format!("{title}Role");
    let logs_id = format!("{title}Logs");

    t.add(
        &logs_id,
        Resource::new(
            "AWS::Logs::LogGroup",
            json!({
                // Unique per stack instance: the group is retained when the stack goes, and a
                // re-created stack must not collide with it.
                "LogGroupName": sub_with(
                    &format!("/{}/${{AWS::StackName}}-${{StackInstance}}/{}", settings.project, task.name),
                    json!({"StackInstance": stack_instance_id()}),
                ),
                "RetentionInDays": ref_(params::LOG_RETENTION_DAYS),
                "KmsKeyId": super::key::arn(super::key::SharedKey::Encryption),
            }),
        )
        .retain(),
    );

    let mut statements = vec![
        Statement::allow(
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![get_att(&logs_id, "Arn")],
        ),
        // X-Ray has no resource-level permissions for writing traces.
        Statement::allow(
            "WriteTraces",
            ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            vec![json!("*")],
        ),
    ];
    let mut unscoped = vec![json!({
        "Sid": "WriteTraces",
        "Actions": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "Reason": "X-Ray does not support resource-level permissions for these actions.",
    })];
    for p in &task.permissions {
        let (st, why) = policy::statement(p);
        statements.push(st);
        unscoped.extend(why);
    }
    if let Some(deny) = policy::never_own_roles(&task.permissions) {
        statements.push(deny);
    }
    // A step that acts on a case's resources does so in the case's member account through the
    // member role of its own name, only in the organization the stack responds for (#20).
    let acts_in_members = task
        .permissions
        .iter()
        .any(|p| p.place() == contract::task::Place::Member);
    if acts_in_members {
        if !t
            .parameters
            .iter()
            .any(|(name, _)| name == params::ORGANIZATION_ID)
        {
            t.parameter(
                params::ORGANIZATION_ID,
                Parameter::string("The AWS Organization this stack responds for (o-…): a case in a member account or another Region is acted on there, through the member's aws-ir roles (organization/member-roles.json, deployed by the StackSet). Empty: this account and Region only (a case from elsewhere ends in a named IR.AccessDenied).")
                    .default(json!(""))
                    .pattern("^(o-[a-z0-9]{10,32})?$"),
            );
        }
        statements.push(
            Statement::allow(
                "ActInMemberAccounts",
                ["sts:AssumeRole"],
                vec![sub(&format!(
                    "arn:${{AWS::Partition}}:iam::*:role{}{}",
                    contract::trust::ROLE_PATH,
                    contract::naming::member_role(task.name)
                ))],
            )
            .when(
                "StringEquals",
                "aws:ResourceOrgID",
                ref_(params::ORGANIZATION_ID),
            ),
        );
    }

    t.add(
        &role_id,
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("Runs task {} of playbook {playbook}; allows only what the task declares.", task.name),
                // aws-ir's roles are known by this path (resource policies, the SCP, the tasks).
                "Path": contract::trust::ROLE_PATH,
                // No aws:SourceAccount condition: Lambda does not document one for execution
                // roles (iam:PassRole already keeps the role in this account).
                "AssumeRolePolicyDocument": service_trust("lambda.amazonaws.com"),
                "Policies": [{
                    "PolicyName": format!("{}-task", task.name),
                    "PolicyDocument": PolicyDocument::new(statements).render(),
                }],
                "Tags": tags(settings, playbook, task.name),
            }),
        )
        .annotate("aws-ir", json!({"unscoped": unscoped})),
    );

    t.add(
        &function_id(task),
        Resource::new(
            "AWS::Lambda::Function",
            json!({
                "Description": task.description,
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Architectures": [ref_(params::ARCHITECTURE)],
                "MemorySize": task.memory_mb,
                "Timeout": task.timeout_seconds,
                // The task's own zip (its code and clients only), or the one bootstrap that
                // serves every task by IR_TASK (one upload; what the emulator runs).
                "Code": {
                    "S3Bucket": ref_(params::ARTIFACT_BUCKET),
                    "S3Key": if_(
                        ONE_ARTIFACT,
                        sub(&format!("${{{}}}/{}.zip", params::ARTIFACT_PREFIX, contract::task::LAMBDA_ARTIFACT)),
                        sub(&format!("${{{}}}/{}.zip", params::ARTIFACT_PREFIX, task.name)),
                    ),
                },
                "Role": get_att(&role_id, "Arn"),
                "Environment": {"Variables": {contract::task::TASK_VARIABLE: task.name}},
                "KmsKeyArn": super::key::arn(super::key::SharedKey::Encryption),
                "LoggingConfig": {
                    "LogGroup": ref_(&logs_id),
                    "LogFormat": "JSON",
                    "ApplicationLogLevel": "INFO",
                    "SystemLogLevel": "WARN",
                },
                "TracingConfig": {"Mode": "Active"},
                "ReservedConcurrentExecutions": if_("HasReservedConcurrency", ref_(params::TASK_CONCURRENCY), no_value()),
                "Tags": tags(settings, playbook, task.name),
            }),
        )
        .skip_check(
            "CKV_AWS_116",
            match invoker {
                Invoker::StateMachine => "Invoked synchronously by Step Functions only; a dead-letter queue applies to asynchronous invokes. Failures surface as named errors that the state machine catches and notifies.",
                Invoker::Config => "Invoked asynchronously by AWS Config, which invokes it again on the next change and every hour; a failed evaluation leaves the rule's last result in place and is repeated, so a dead-letter queue would hold nothing to act on.",
            },
        )
        .skip_check(
            "CKV_AWS_117",
            "Calls only AWS APIs; running it in a VPC would add a dependency on NAT or interface endpoints during an incident, when the network may be what is under attack.",
        ),
    );
}

fn tags(settings: &Settings, playbook: &str, task: &str) -> Value {
    json!([
        {"Key": format!("{}:playbook", settings.project), "Value": playbook},
        {"Key": format!("{}:task", settings.project), "Value": task},
    ])
}
