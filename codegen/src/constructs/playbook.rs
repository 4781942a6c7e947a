//! A playbook stack: the state machine and everything it needs, derived from the graph.
//!
//! Walking the validated graph gives the task Lambdas to create, the state machine role's
//! statements (those each integration the graph uses brings, one per Sid: exactly the functions
//! it invokes and the services it calls) and the `DefinitionSubstitutions` (every `${...}` in the
//! definition, no more, no fewer).

use super::{evidence, ids, key, params, policy, task_function, topic, trigger::Trigger, Settings};
use crate::asl::{StateMachine, TaskInfo, ValidationError};
use crate::cfn::iam::{self, service_trust_for, PolicyDocument, Statement};
use crate::cfn::{
    equals, get_att, if_, not, ref_, stack_instance_id, sub, sub_with, Output, Parameter,
    ReferenceError, Resource, Template,
};
use contract::task::StackResource;
use serde_json::{json, Map, Value};

pub struct Playbook {
    /// File and stack name stem: `triage`, `ec2-compromise`, ...
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub machine: StateMachine,
    pub triggers: Vec<Trigger>,
    /// Stack parameters of this playbook; the definition reads them as `${Name}`.
    pub parameters: Vec<(&'static str, Parameter)>,
    /// State machines deployed with this one, sharing its key, topic, task functions and stores
    /// (a release that must read what the containment recorded).
    pub companions: Vec<Companion>,
}

/// A state machine that lives in another playbook's stack.
pub struct Companion {
    pub id: &'static str,
    pub machine: StateMachine,
    pub triggers: Vec<Trigger>,
}

/// One state machine of a stack, with the prefix of its logical ids ("" for the primary).
struct Flow<'a> {
    id: &'a str,
    prefix: String,
    machine: &'a StateMachine,
    triggers: &'a [Trigger],
}

impl Flow<'_> {
    fn machine_id(&self) -> String {
        format!("{}{}", self.prefix, ids::STATE_MACHINE)
    }
    fn role_id(&self) -> String {
        format!("{}StateMachineRole", self.prefix)
    }
    fn logs_id(&self) -> String {
        format!("{}ExecutionLogs", self.prefix)
    }
    /// Companions' names carry their id after the stack's; the primary's is the stack's own.
    fn suffix(&self) -> String {
        if self.prefix.is_empty() {
            String::new()
        } else {
            format!("-{}", self.id)
        }
    }
}

/// The definition variable naming another playbook's state machine (a hand-off target),
/// resolved to `arn:…:stateMachine:<StackPrefix>-<id>`: stacks name their machines after
/// themselves, so the ARN is computed, not looked up by a tag anyone could copy.
pub fn peer_machine_variable(id: &str) -> String {
    format!("{PEER_MACHINE}{}", id.replace('-', "_"))
}

const PEER_MACHINE: &str = "PeerMachine_";

/// The definition variable naming another playbook's case table, resolved to
/// `<StackPrefix>-<id>-cases` (tables are named after their stack).
pub fn peer_table_variable(id: &str) -> String {
    format!("{PEER_TABLE}{}", id.replace('-', "_"))
}

const PEER_TABLE: &str = "PeerTable_";

/// The definition variable naming the stack itself (its resources are named after it).
pub const STACK_NAME: &str = "StackName";

fn ensure_stack_prefix(t: &mut Template) {
    if !t.parameters.iter().any(|(n, _)| n == params::STACK_PREFIX) {
        t.parameter(
            params::STACK_PREFIX,
            Parameter::string("The prefix of this deployment's stack names (`irctl deploy` sets it): a stack finds another's state machine or case table by it.")
                .default(json!("aws-ir"))
                .pattern("^[A-Za-z][A-Za-z0-9-]{0,40}$"),
        );
    }
}

/// A playbook ready to be written out.
pub struct Synthesized {
    /// (playbook id, ASL, machine) for the primary and each companion.
    pub machines: Vec<(String, String, StateMachine)>,
    pub template: Template,
    pub tasks: Vec<TaskInfo>,
}

#[derive(Debug)]
pub enum SynthError {
    Validation(Vec<ValidationError>),
    References(String, Vec<ReferenceError>),
    Substitution(String, String),
}

impl std::fmt::Display for SynthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SynthError::Validation(errors) => {
                writeln!(f, "{} problem(s) in the state machine:", errors.len())?;
                for e in errors {
                    writeln!(f, "  - {e}")?;
                }
                Ok(())
            }
            SynthError::References(playbook, errors) => {
                writeln!(
                    f,
                    "playbook `{playbook}`: the template has unresolved references:"
                )?;
                for e in errors {
                    writeln!(f, "  - {e}")?;
                }
                Ok(())
            }
            SynthError::Substitution(playbook, m) => writeln!(f, "playbook `{playbook}`: {m}"),
        }
    }
}

impl std::error::Error for SynthError {}

impl Playbook {
    /// The stack's state machines: the primary, then each companion.
    fn flows(&self) -> Vec<Flow<'_>> {
        let mut flows = vec![Flow {
            id: self.id,
            prefix: String::new(),
            machine: &self.machine,
            triggers: &self.triggers,
        }];
        for c in &self.companions {
            flows.push(Flow {
                id: c.id,
                prefix: contract::naming::pascal(c.id),
                machine: &c.machine,
                triggers: &c.triggers,
            });
        }
        flows
    }

    /// Every task Lambda the graphs invoke, once each, in order of first use.
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let mut out: Vec<TaskInfo> = Vec::new();
        let machines: Vec<&StateMachine> = self.flows().iter().map(|f| f.machine).collect();
        for i in machines.iter().flat_map(|m| m.integrations()) {
            if let Some(info) = i.task() {
                if !out.iter().any(|o| o.name == info.name) {
                    out.push(info.clone());
                }
            }
        }
        // Functions invoked by a service rather than the machine (a Config rule's evaluator).
        for f in self.flows() {
            for info in f.triggers.iter().flat_map(Trigger::tasks) {
                if !out.iter().any(|o| o.name == info.name) {
                    out.push(info);
                }
            }
        }
        out
    }

    pub fn synthesize(&self, settings: &Settings) -> Result<Synthesized, SynthError> {
        if self.id == contract::naming::KEYS_STACK {
            return Err(SynthError::Substitution(
                self.id.to_string(),
                format!("`{}` names the stack of the shared keys (cloudformation/{}.json), which irctl deploys before every playbook; give the playbook another id", self.id, self.id),
            ));
        }
        for f in self.flows() {
            f.machine.validate().map_err(SynthError::Validation)?;
        }
        let tasks = self.tasks();
        let mut t = Template::new(&format!(
            "aws-ir playbook `{}`: {} Generated by `cargo run -p codegen`; do not edit.",
            self.id, self.description
        ));
        let custom_actions = self.flows().iter().any(|f| {
            f.triggers
                .iter()
                .any(|tr| matches!(tr, Trigger::SecurityHubCustomAction { .. }))
        });
        common_parameters(&mut t, custom_actions);
        for (name, p) in &self.parameters {
            t.parameter(name, p.clone());
        }
        // The keys are the `keys` stack's, imported by the deployment's prefix.
        ensure_stack_prefix(&mut t);
        topic::add(&mut t, self.title);
        // The stores the tasks declare permissions on: derived, not listed by hand.
        let mut needed: Vec<StackResource> = Vec::new();
        for task in &tasks {
            for p in &task.permissions {
                for scope in std::iter::once(&p.scope).chain(&p.more) {
                    if let contract::task::Scope::Stack(r) = scope {
                        if !needed.contains(r) {
                            needed.push(*r);
                        }
                    }
                }
            }
        }
        evidence::add(&mut t, &needed);
        let by_config: Vec<&str> = self
            .flows()
            .iter()
            .flat_map(|f| f.triggers.iter().flat_map(Trigger::tasks))
            .map(|k| k.name)
            .collect();
        for task in &tasks {
            let invoker = if by_config.contains(&task.name) {
                task_function::Invoker::Config
            } else {
                task_function::Invoker::StateMachine
            };
            task_function::add(&mut t, settings, self.id, task, invoker);
        }
        for f in self.flows() {
            add_state_machine(&mut t, &tasks, &f)?;
        }
        self.add_triggers(&mut t);
        t.check_references()
            .map_err(|e| SynthError::References(self.id.to_string(), e))?;
        Ok(Synthesized {
            machines: self
                .flows()
                .iter()
                .map(|f| (f.id.to_string(), f.machine.to_json(), f.machine.clone()))
                .collect(),
            template: t,
            tasks,
        })
    }

    fn add_triggers(&self, t: &mut Template) {
        // (flow id, logical id prefix, trigger) for every machine of the stack.
        let flows = self.flows();
        let all: Vec<(&str, &str, &Trigger)> = flows
            .iter()
            .flat_map(|f| {
                f.triggers
                    .iter()
                    .filter(|tr| tr.has_rule())
                    .map(move |tr| (f.id, f.prefix.as_str(), tr))
            })
            .collect();
        if all.is_empty() {
            return;
        }
        // Disabled rules let a team deploy a playbook first without it acting on its own
        // (staged roll-out), or run a second policy beside the first in the same account;
        // `irctl start` still starts it.
        t.parameter(
            params::TRIGGERS,
            Parameter::string("enabled: findings start the playbook through EventBridge; disabled: the rules are created disabled and only responders start it (irctl start).")
                .default(json!("enabled"))
                .allowed(&[json!("enabled"), json!("disabled")]),
        );
        t.condition(
            "TriggersEnabled",
            equals(ref_(params::TRIGGERS), json!("enabled")),
        );
        t.add(
            ids::TRIGGER_DLQ,
            Resource::new(
                "AWS::SQS::Queue",
                json!({
                    "KmsMasterKeyId": key::arn(key::SharedKey::Encryption),
                    // 14 days: the maximum, so that a finding that failed to start the playbook
                    // can still be replayed after a long weekend.
                    "MessageRetentionPeriod": 1_209_600,
                }),
            ),
        );
        let rule_ids: Vec<String> = all
            .iter()
            .map(|(_, p, tr)| format!("{p}{}Rule", tr.id()))
            .collect();
        let mut machines: Vec<serde_json::Value> = Vec::new();
        for (_, p, _) in &all {
            let m = ref_(&format!("{p}{}", ids::STATE_MACHINE));
            if !machines.contains(&m) {
                machines.push(m);
            }
        }
        t.add(
            "TriggerDeadLetterQueuePolicy",
            super::trigger::dead_letter_policy(
                ids::TRIGGER_DLQ,
                all.iter()
                    .zip(&rule_ids)
                    .map(|((_, _, tr), r)| (r.as_str(), tr.condition())),
            ),
        );
        t.add(
            "TriggerRole",
            Resource::new(
                "AWS::IAM::Role",
                json!({
                    "Description": format!("Lets EventBridge start playbook {}.", self.id),
                    "Path": contract::trust::ROLE_PATH,
                    // EventBridge assumes it for this stack's rules only (CloudFormation names them
                    // `<stack>-<logical id>-<suffix>`).
                    "AssumeRolePolicyDocument": service_trust_for("events.amazonaws.com", sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/${AWS::StackName}-*")),
                    "Policies": [{
                        "PolicyName": format!("{}-trigger", self.id),
                        "PolicyDocument": PolicyDocument::new(vec![Statement::allow(
                            "StartPlaybook",
                            ["states:StartExecution"],
                            machines,
                        )]).render(),
                    }],
                }),
            ),
        );
        for ((flow_id, prefix, trigger), rule_id) in all.iter().zip(&rule_ids) {
            trigger.add_resources(t);
            let (source_key, source) = trigger.rule_source();
            let rule = Resource::new(
                "AWS::Events::Rule",
                json!({
                    "Description": format!("Starts playbook {flow_id}: {}", trigger.description()),
                    source_key: source,
                    "State": if_("TriggersEnabled", json!("ENABLED"), json!("DISABLED")),
                    "Targets": [{
                        "Id": "playbook",
                        "Arn": ref_(&format!("{prefix}{}", ids::STATE_MACHINE)),
                        "RoleArn": get_att("TriggerRole", "Arn"),
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20},
                        "DeadLetterConfig": {"Arn": get_att(ids::TRIGGER_DLQ, "Arn")},
                    }],
                }),
            );
            t.add(
                rule_id,
                match trigger.condition() {
                    Some(c) => rule.condition(c),
                    None => rule,
                },
            );
            if let Trigger::SecurityHubCustomAction { id, .. } = trigger {
                let mut output = Output::new(
                    "Security Hub custom action that starts this playbook.",
                    get_att(&format!("{}Target", trigger.id()), "ActionTargetArn"),
                );
                output.condition = trigger.condition().map(String::from);
                t.output(&format!("CustomAction{id}Arn"), output);
            }
        }
        t.output(
            "TriggerDeadLetterQueueUrl",
            Output::new(
                "Events EventBridge could not deliver to the playbook; replay them from here.",
                ref_(ids::TRIGGER_DLQ),
            ),
        );
    }
}

/// A state machine of the stack: its log group, its role and the machine itself, with its
/// outputs.
fn add_state_machine(t: &mut Template, tasks: &[TaskInfo], flow: &Flow) -> Result<(), SynthError> {
    let definition = flow.machine.render();
    let substitutions = substitutions(t, tasks, flow, &definition)?;
    add_execution_logs(t, flow);
    add_role(t, flow, role_statements(flow.machine, tasks));
    add_machine(t, flow, definition, substitutions);
    Ok(())
}

/// The stack's own account, Region and partition, for a definition that compares a case's place
/// with its own (#20: a member's case acts there).
fn pseudo_parameter(var: &str) -> Option<&'static str> {
    match var {
        "StackAccountId" => Some("AWS::AccountId"),
        "StackRegion" => Some("AWS::Region"),
        "Partition" => Some("AWS::Partition"),
        _ => None,
    }
}

/// `DefinitionSubstitutions`: exactly the variables the definition uses, no more, no fewer.
fn substitutions(
    t: &mut Template,
    tasks: &[TaskInfo],
    flow: &Flow,
    definition: &Value,
) -> Result<Map<String, Value>, SynthError> {
    let mut substitutions = Map::new();
    let text = definition.to_string();
    for var in crate::cfn::sub_variables(&text) {
        let value = if let Some(task) = tasks.iter().find(|k| k.arn_substitution() == var) {
            get_att(&task_function::function_id(task), "Arn")
        } else if var == "NotificationTopicArn" {
            ref_(ids::TOPIC)
        } else if var == STACK_NAME {
            ref_("AWS::StackName")
        } else if let Some(pseudo) = pseudo_parameter(var) {
            ref_(pseudo)
        } else if t.parameters.iter().any(|(n, _)| n == var) {
            ref_(var)
        } else if let Some(peer) = var.strip_prefix(PEER_TABLE) {
            ensure_stack_prefix(t);
            sub(&format!(
                "${{{}}}-{}{}",
                params::STACK_PREFIX,
                peer.replace('_', "-"),
                contract::case_table::TABLE_SUFFIX
            ))
        } else if let Some(peer) = var.strip_prefix(PEER_MACHINE) {
            ensure_stack_prefix(t);
            sub(&format!(
                "arn:${{AWS::Partition}}:states:${{AWS::Region}}:${{AWS::AccountId}}:stateMachine:${{{}}}-{}",
                params::STACK_PREFIX,
                peer.replace('_', "-")
            ))
        } else if let Some(v) = evidence::substitution(var) {
            // A store no task declared is missing; check_references says which.
            v
        } else {
            return Err(SynthError::Substitution(
                flow.id.to_string(),
                format!("the definition uses `${{{var}}}`, which is neither a task function, the topic nor a stack parameter"),
            ));
        };
        substitutions.insert(var.to_string(), value);
    }
    Ok(substitutions)
}

/// Log delivery and X-Ray actions, which AWS offers no resource-level permissions for.
const LOG_DELIVERY_ACTIONS: [&str; 8] = [
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
];
const TRACING_ACTIONS: [&str; 4] = [
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// The state machine role: the statements its integrations bring (one per Sid), then log
/// delivery and tracing.
fn role_statements(machine: &StateMachine, tasks: &[TaskInfo]) -> Vec<Statement> {
    let mut integrations = machine.integrations();
    // Task functions first, in the order the template declares them, then the other
    // integrations in graph order: the order the roles have always had, so templates stay put.
    integrations.sort_by_key(|i| {
        i.task()
            .and_then(|k| tasks.iter().position(|x| x.name == k.name))
            .unwrap_or(usize::MAX)
    });
    let mut statements = iam::merge(
        integrations
            .iter()
            .flat_map(|i| i.policy_statements(&policy::StackNames)),
    );
    statements.push(Statement::allow(
        "DeliverExecutionLogs",
        LOG_DELIVERY_ACTIONS,
        vec![json!("*")],
    ));
    statements.push(Statement::allow(
        "WriteTraces",
        TRACING_ACTIONS,
        vec![json!("*")],
    ));
    statements
}

fn add_execution_logs(t: &mut Template, flow: &Flow) {
    t.add(
        &flow.logs_id(),
        Resource::new(
            "AWS::Logs::LogGroup",
            json!({
                // The prefix AWS recommends for vended logs, which keeps the account's log
                // resource policy small.
                "LogGroupName": sub_with(
                    &format!("/aws/vendedlogs/states/${{AWS::StackName}}-${{StackInstance}}{}", flow.suffix()),
                    json!({"StackInstance": stack_instance_id()}),
                ),
                "RetentionInDays": ref_(params::LOG_RETENTION_DAYS),
                "KmsKeyId": key::arn(key::SharedKey::Encryption),
            }),
        )
        .retain(),
    );
}

fn add_role(t: &mut Template, flow: &Flow, statements: Vec<Statement>) {
    t.add(
        &flow.role_id(),
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": format!("Runs playbook {}: invokes its tasks and nothing else.", flow.id),
                "Path": contract::trust::ROLE_PATH,
                // Step Functions assumes it for this stack's machines only.
                "AssumeRolePolicyDocument": service_trust_for("states.amazonaws.com", sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}*")),
                "Policies": [{
                    "PolicyName": format!("{}-playbook", flow.id),
                    "PolicyDocument": PolicyDocument::new(statements).render(),
                }],
            }),
        )
        .annotate("aws-ir", json!({"unscoped": [
            {"Sid": "DeliverExecutionLogs", "Actions": LOG_DELIVERY_ACTIONS, "Reason": "CloudWatch Logs vended-log delivery actions do not support resource-level permissions (Step Functions Developer Guide, 'IAM policies for logging to CloudWatch Logs')."},
            {"Sid": "WriteTraces", "Actions": TRACING_ACTIONS, "Reason": "X-Ray does not support resource-level permissions for these actions."}
        ]}))
        .skip_check("CKV_AWS_111", "Only the log-delivery and X-Ray actions use `*`, because AWS offers no resource-level permissions for them; every other statement is scoped to this stack's resources.")
        .skip_check("CKV_AWS_356", "Same reason: log delivery and X-Ray writes cannot be scoped to a resource."),
    );
}

fn add_machine(
    t: &mut Template,
    flow: &Flow,
    definition: Value,
    substitutions: Map<String, Value>,
) {
    let p = &flow.prefix;
    t.add(
        &flow.machine_id(),
        Resource::new(
            "AWS::StepFunctions::StateMachine",
            json!({
                // A name other stacks can compute (a hand-off starts it by ARN), not one
                // found by a tag anyone could copy.
                "StateMachineName": sub(&format!("${{AWS::StackName}}{}", flow.suffix())),
                "StateMachineType": "STANDARD",
                "RoleArn": get_att(&flow.role_id(), "Arn"),
                "Definition": definition,
                "DefinitionSubstitutions": substitutions,
                "LoggingConfiguration": {
                    "Level": "ALL",
                    "IncludeExecutionData": true,
                    "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": get_att(&flow.logs_id(), "Arn")}}],
                },
                "TracingConfiguration": {"Enabled": true},
                "Tags": [{"Key": contract::tags::marks::PLAYBOOK, "Value": flow.id}],
            }),
        ),
    );
    t.output(
        // irctl finds the machines by this name (`naming::machine_of_output`).
        &contract::naming::machine_output((!p.is_empty()).then_some(flow.id)),
        Output::new(
            "The playbook's state machine; watch its executions here.",
            ref_(&flow.machine_id()),
        ),
    );
    t.output(
        &format!("{p}ExecutionLogGroup"),
        Output::new(
            "Every state transition with its input and output.",
            ref_(&flow.logs_id()),
        ),
    );
}

fn common_parameters(t: &mut Template, custom_actions: bool) {
    t.parameter(
        params::ARTIFACT_BUCKET,
        Parameter::string("S3 bucket holding the task Lambdas' zip (uploaded by `irctl deploy`).")
            .pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    );
    t.parameter(
        params::ARCHITECTURE,
        Parameter::string("CPU of the task Lambdas, and of the bootstrap in the zip (`make package` builds x86_64, `make package ARCH=arm64` arm64; `irctl deploy` refuses a zip of the other). arm64 (Graviton) costs about 20% less per GB-second.")
            .default(json!("x86_64"))
            .allowed(&[json!("x86_64"), json!("arm64")]),
    );
    t.parameter(
        params::ARTIFACT_PREFIX,
        Parameter::string("Key prefix of this build's Lambda zips (`<prefix>/<task>.zip`, or `<prefix>/bootstrap.zip` for every task), e.g. a content hash; a new prefix updates the code.")
            .pattern("^[A-Za-z0-9._/-]+$"),
    );
    t.parameter(
        contract::task::ARTIFACTS_PARAMETER,
        Parameter::string("Which zips the task Lambdas run: `per-task` (each its task's own, which links only that task's code and clients; what `make package` builds) or `bootstrap` (every function the one binary that serves every task; `irctl deploy` chooses it when only the bootstrap is built).")
            .default(json!(contract::task::PER_TASK_ARTIFACTS))
            .allowed(&[json!(contract::task::PER_TASK_ARTIFACTS), json!(contract::task::LAMBDA_ARTIFACT)]),
    );
    t.condition(
        super::task_function::ONE_ARTIFACT,
        equals(
            ref_(contract::task::ARTIFACTS_PARAMETER),
            json!(contract::task::LAMBDA_ARTIFACT),
        ),
    );
    t.parameter(
        "ChatWebhookParameter",
        Parameter::string("Name of an SSM SecureString under /incident-response/ holding a Slack-compatible chat webhook URL (created by the deployer: the URL is a secret and never in the template); empty: notify through SNS only.")
            .default(json!(""))
            .pattern("^(/incident-response/[A-Za-z0-9_./-]+)?$"),
    );
    t.parameter(
        contract::trust::RESPONDERS_PARAMETER,
        Parameter::string("The responders: comma-separated IAM role, user (or root) ARNs whose signed requests start, steer and release this stack's playbooks (irctl signs with the caller's credentials). A role admits every session of it; `*` in a name matches a generated suffix. Empty: nobody, and every manual request is refused.")
            .default(json!(""))
            .pattern(r"^(arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[^,\s]+(\s*,\s*arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:[^,\s]+)*)?$"),
    );
    t.parameter(
        params::TRUSTED_PRODUCTS,
        Parameter::string("Security Hub products (comma-separated ProductArns) whose findings may act without a responder, besides AWS's own integrations. A finding from any other product (including the account's own integration, which anyone allowed securityhub:BatchImportFindings can write) waits for a responder.")
            .default(json!(""))
            .pattern(r"^(arn:aws[a-z-]*:securityhub:[a-z0-9-]+:[0-9]*:product/[^,\s]+(\s*,\s*arn:aws[a-z-]*:securityhub:[a-z0-9-]+:[0-9]*:product/[^,\s]+)*)?$"),
    );
    t.parameter(
        params::EXCLUDED_ACCOUNTS,
        Parameter::string("Comma-separated account ids this stack's playbooks never act in: a case there is left alone and notified, with the reason.")
            .default(json!(""))
            .pattern(r"^([0-9]{12}(\s*,\s*[0-9]{12})*)?$"),
    );
    t.parameter(
        params::EXCLUDED_UNITS,
        Parameter::string("Comma-separated organizational units (ou-..., or the root r-...) whose accounts, at any depth, this stack's playbooks never act in; where an account is, is read from Organizations (the stack must be in the organization's delegated administrator).")
            .default(json!(""))
            .pattern(r"^((ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})(\s*,\s*(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}))*)?$"),
    );
    t.parameter(
        params::DRY_RUN,
        Parameter::string("When true, tasks plan and record but change nothing.")
            .default(json!("false"))
            .allowed(&[json!("true"), json!("false")]),
    );
    t.parameter(
        params::LOG_RETENTION_DAYS,
        Parameter::number("Days to keep task and execution logs (they are evidence; the groups are retained on delete).")
            .default(json!(365))
            .allowed(&[90, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map(|d| json!(d))),
    );
    // 0 by default: a reservation fails in accounts whose concurrency quota is small (new
    // accounts); production accounts should reserve some so that a flood of other work cannot
    // starve the response.
    t.parameter(
        params::TASK_CONCURRENCY,
        Parameter::number("Reserved concurrency per task Lambda, so that other workloads cannot starve incident response (0 = none reserved; needs unreserved concurrency to spare).")
            .default(json!(0))
            .range(0, 1000),
    );
    t.condition(
        "HasReservedConcurrency",
        not(equals(ref_(params::TASK_CONCURRENCY), json!(0))),
    );
    // Only stacks with a custom action ask whether Security Hub is there to hold it.
    if !custom_actions {
        return;
    }
    t.parameter(
        params::SECURITY_HUB_ACTIONS,
        Parameter::string("Create the playbook's Security Hub custom actions (Security Hub must be enabled in this account and Region).")
            .default(json!("true"))
            .allowed(&[json!("true"), json!("false")]),
    );
    t.condition(
        "HasSecurityHubActions",
        equals(ref_(params::SECURITY_HUB_ACTIONS), json!("true")),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::{Chain, IntoChain, Parallel, Succeed, Task, STATES_ALL};
    use contract::tasks::{Normalize, Notify};

    #[test]
    fn the_role_holds_what_the_graph_uses_one_statement_per_sid() {
        let describe = |name: &str, resource: &str| {
            Task::aws_sdk(
                name,
                "ec2",
                "describeInstances",
                "ec2:DescribeInstances",
                &[resource],
            )
        };
        let normalize = Task::invoke::<Normalize>("Normalize")
            .with_path("event", "$")
            .with("dry_run", json!(false));
        let notify = Task::invoke::<Notify>("Notify")
            .with_path("case", "$.case")
            .with("topic_arn", json!("${NotificationTopicArn}"))
            .with("outcome", json!("Triaged"))
            .with_path("results", "$.results");
        let machine = StateMachine::new(
            "test",
            "",
            describe("First", "*")
                .next(Task::sns_publish("Tell"))
                .next(
                    Parallel::new("Both")
                        .branch(notify)
                        .branch(describe("Again", "arn:${AWS::Partition}:ec2:*"))
                        .catch([STATES_ALL], "$.error", Chain::goto("Done")),
                )
                .next(normalize)
                .next(Task::sns_publish("TellAgain"))
                .next(Succeed::new("Done")),
        );
        // The stack declares Normalize before Notify, whatever the order in this graph.
        let tasks = vec![TaskInfo::of::<Normalize>(), TaskInfo::of::<Notify>()];
        let statements = role_statements(&machine, &tasks);
        let sids: Vec<&str> = statements.iter().map(|s| s.sid.as_str()).collect();
        assert_eq!(
            sids,
            [
                "InvokeTaskFunctions",
                "CallEc2DescribeInstances",
                "PublishNotifications",
                "UseEncryptionKeyForTopic",
                "DeliverExecutionLogs",
                "WriteTraces",
            ]
        );
        assert_eq!(
            statements[0].resources,
            [
                get_att("NormalizeFunction", "Arn"),
                sub("${NormalizeFunction.Arn}:*"),
                get_att("NotifyFunction", "Arn"),
                sub("${NotifyFunction.Arn}:*"),
            ]
        );
        assert_eq!(
            statements[1].resources,
            [json!("*"), sub("arn:${AWS::Partition}:ec2:*")]
        );
    }
}
