//! Triggers: typed descriptions of the events that start a playbook, rendered as EventBridge
//! patterns ("Amazon EventBridge event patterns", EventBridge User Guide).
//!
//! Array fields in events (`detail.findings[]`, `Resources[]`) are matched element-wise by
//! EventBridge, so a Security Hub pattern is written as if each were a single object.

use crate::asl::TaskInfo;
use crate::cfn::{
    equals, get_att, join, ref_, stack_instance_id, sub, Parameter, Resource, Template,
};
use contract::case::SeverityLabel;
use contract::events;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// GuardDuty findings whose type starts with one of the prefixes (all when empty), at or
    /// above a severity on GuardDuty's 0–10 scale.
    GuardDuty {
        type_prefixes: Vec<String>,
        min_severity: f64,
    },
    /// Security Hub findings as imported, new and active.
    SecurityHubFindings {
        labels: Vec<SeverityLabel>,
        /// Only findings from these products (`ProductName`), all when empty.
        products: Vec<String>,
        /// Products to leave out, e.g. GuardDuty when its own rule already starts the playbook.
        exclude_products: Vec<String>,
        resource_types: Vec<String>,
        /// Only findings on resources carrying this tag key with one of the values.
        resource_tag: Option<(String, Vec<String>)>,
        /// Only findings that name a remote address (`Network.SourceIpV4` or `SourceIpV6`).
        remote_address: bool,
    },
    /// A Security Hub custom action created by the stack (`AWS::SecurityHub::ActionTarget`).
    SecurityHubCustomAction {
        id: String,
        name: String,
        description: String,
    },
    /// AWS Config rules turning NON_COMPLIANT (all rules when empty).
    ConfigCompliance { rule_names: Vec<String> },
    /// AWS Config rules the stack deploys (the safety net behind faster triggers): any of them
    /// turning NON_COMPLIANT starts the playbook. Deployed when `ConfigRules=enabled`.
    ConfigRules { rules: Vec<ConfigRule> },
    /// Management API calls recorded by CloudTrail.
    CloudTrailApiCall {
        event_source: String,
        event_names: Vec<String>,
    },
    /// A responder's request (`irctl start`, or another playbook handing work over): it starts
    /// the state machine directly (`states:StartExecution`, recorded by CloudTrail with its
    /// caller) and the playbook authenticates it. No EventBridge rule: anyone allowed
    /// `events:PutEvents` could put a request on a bus.
    Manual { playbook: String },
    /// Writes of tags whose key starts with `prefix` (on EC2 resources, IAM roles and users,
    /// buckets, trails), as CloudTrail records them: the tag guard.
    TagWrites { prefix: &'static str },
    /// A schedule (`rate(...)` or `cron(...)`): EventBridge's "Scheduled Event", whose `time`
    /// the playbook reads as now.
    Schedule { expression: String },
}

/// An AWS Config rule of the stack, named `<stack>-<name>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigRule {
    /// Logical id stem, e.g. `RestrictedSsh`.
    pub id: &'static str,
    /// Rule name suffix, e.g. `restricted-ssh`.
    pub name: &'static str,
    pub description: &'static str,
    /// CloudFormation resource types in the rule's scope.
    pub resource_types: Vec<&'static str>,
    pub source: RuleSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleSource {
    /// An AWS managed rule ("List of AWS Config Managed Rules") and its parameters.
    Managed {
        identifier: &'static str,
        parameters: Value,
    },
    /// A custom rule evaluated by one of the stack's task Lambdas: Config invokes it on each
    /// change of a resource in scope, and periodically, with `parameters` (the rule's
    /// `InputParameters`, e.g. a store of the stack it writes to) as `ruleParameters`.
    Custom {
        task: Box<TaskInfo>,
        parameters: Value,
    },
}

impl ConfigRule {
    /// The resource types `rules` evaluate, each once, in order.
    pub fn resource_types_of(rules: &[ConfigRule]) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for t in rules.iter().flat_map(|r| r.resource_types.iter()) {
            if !out.contains(t) {
                out.push(t);
            }
        }
        out
    }

    pub fn rule_name(&self) -> Value {
        sub(&format!("${{AWS::StackName}}-{}", self.name))
    }
}

/// The tagging calls the tag guard listens to, creations with tags included.
pub const TAG_CALLS: [&str; 15] = [
    "RunInstances",
    "CreateSecurityGroup",
    "CreateVolume",
    "CreateNetworkInterface",
    "CreateRole",
    "CreateUser",
    "CreateTags",
    "DeleteTags",
    "TagRole",
    "UntagRole",
    "TagUser",
    "UntagUser",
    "PutBucketTagging",
    "AddTags",
    "RemoveTags",
];

/// Deploys the stack's Config rules (they need the account's configuration recorder).
pub const CONFIG_RULES_CONDITION: &str = "DeployConfigRules";

impl Trigger {
    pub fn guardduty(type_prefixes: &[&str], min_severity: f64) -> Trigger {
        Trigger::GuardDuty {
            type_prefixes: type_prefixes.iter().map(|s| s.to_string()).collect(),
            min_severity,
        }
    }

    /// Logical id stem, unique per trigger within a playbook.
    pub fn id(&self) -> String {
        match self {
            Trigger::GuardDuty { .. } => "GuardDutyFindings".into(),
            Trigger::SecurityHubFindings { .. } => "SecurityHubFindings".into(),
            Trigger::SecurityHubCustomAction { id, .. } => format!("CustomAction{id}"),
            Trigger::ConfigCompliance { .. } => "ConfigCompliance".into(),
            Trigger::CloudTrailApiCall { event_source, .. } => {
                let service = event_source.split('.').next().unwrap_or("Api");
                let mut s = String::from("CloudTrail");
                for part in service.split('-') {
                    let mut c = part.chars();
                    if let Some(f) = c.next() {
                        s.extend(f.to_uppercase());
                        s.push_str(c.as_str());
                    }
                }
                s
            }
            Trigger::ConfigRules { .. } => "ConfigRules".into(),
            Trigger::Manual { .. } => "ManualRequests".into(),
            Trigger::TagWrites { .. } => "CloudTrailTagWrites".into(),
            Trigger::Schedule { .. } => "Schedule".into(),
        }
    }

    pub fn description(&self) -> String {
        match self {
            Trigger::GuardDuty {
                type_prefixes,
                min_severity,
            } => {
                let types = if type_prefixes.is_empty() {
                    "all types".to_string()
                } else {
                    type_prefixes.join(", ")
                };
                format!("Active GuardDuty findings ({types}) with severity >= {min_severity}")
            }
            Trigger::SecurityHubFindings { labels, .. } => format!(
                "New, active Security Hub findings labelled {}",
                labels
                    .iter()
                    .map(|l| json!(l).as_str().unwrap_or_default().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            Trigger::SecurityHubCustomAction { name, .. } => {
                format!("Security Hub custom action \"{name}\"")
            }
            Trigger::ConfigCompliance { rule_names } if rule_names.is_empty() => {
                "Any AWS Config rule turning NON_COMPLIANT".to_string()
            }
            Trigger::ConfigCompliance { rule_names } => {
                format!(
                    "AWS Config rules turning NON_COMPLIANT: {}",
                    rule_names.join(", ")
                )
            }
            Trigger::CloudTrailApiCall {
                event_source,
                event_names,
            } => format!("CloudTrail: {} on {event_source}", event_names.join(", ")),
            Trigger::ConfigRules { rules } => format!(
                "AWS Config rules turning NON_COMPLIANT on {} (the stack's own: {}; the account's own rules too, known by what they check)",
                ConfigRule::resource_types_of(rules).join(", "),
                rules.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
            ),
            Trigger::Manual { playbook } => format!("Manual requests for playbook {playbook}"),
            Trigger::TagWrites { prefix } => {
                format!("CloudTrail: tags {prefix}* written or removed")
            }
            Trigger::Schedule { expression } => format!("On the schedule {expression}"),
        }
    }

    /// The EventBridge pattern. Values may hold intrinsics (the custom action's ARN).
    pub fn pattern(&self) -> Value {
        match self {
            Trigger::GuardDuty {
                type_prefixes,
                min_severity,
            } => {
                let mut detail = Map::new();
                if !type_prefixes.is_empty() {
                    let p: Vec<Value> =
                        type_prefixes.iter().map(|t| json!({"prefix": t})).collect();
                    detail.insert("type".into(), json!(p));
                }
                detail.insert(
                    "severity".into(),
                    json!([{"numeric": [">=", min_severity]}]),
                );
                // A finding the account archived (by hand or by a suppression rule) starts
                // nothing; GuardDuty always sends the field.
                detail.insert("service".into(), json!({"archived": [false]}));
                json!({
                    "source": [events::GUARDDUTY.0],
                    "detail-type": [events::GUARDDUTY.1],
                    "detail": detail,
                })
            }
            Trigger::SecurityHubFindings {
                labels,
                products,
                exclude_products,
                resource_types,
                resource_tag,
                remote_address,
            } => {
                let mut finding = Map::new();
                finding.insert("Severity".into(), json!({"Label": labels}));
                finding.insert("RecordState".into(), json!(["ACTIVE"]));
                finding.insert("Workflow".into(), json!({"Status": ["NEW"]}));
                if !products.is_empty() {
                    finding.insert("ProductName".into(), json!(products));
                } else if !exclude_products.is_empty() {
                    finding.insert(
                        "ProductName".into(),
                        json!([{"anything-but": exclude_products}]),
                    );
                }
                let mut resources = Map::new();
                if !resource_types.is_empty() {
                    resources.insert("Type".into(), json!(resource_types));
                }
                if let Some((key, values)) = resource_tag {
                    resources.insert("Tags".into(), json!({ key.as_str(): values }));
                }
                if !resources.is_empty() {
                    finding.insert("Resources".into(), Value::Object(resources));
                }
                if *remote_address {
                    finding.insert(
                        "$or".into(),
                        json!([
                            {"Network": {"SourceIpV4": [{"exists": true}]}},
                            {"Network": {"SourceIpV6": [{"exists": true}]}},
                        ]),
                    );
                }
                json!({
                    "source": [events::SECURITY_HUB_IMPORTED.0],
                    "detail-type": [events::SECURITY_HUB_IMPORTED.1],
                    "detail": {"findings": finding},
                })
            }
            Trigger::SecurityHubCustomAction { .. } => json!({
                "source": [events::SECURITY_HUB_CUSTOM_ACTION.0],
                "detail-type": [events::SECURITY_HUB_CUSTOM_ACTION.1],
                "resources": [get_att(&self.action_target_id(), "ActionTargetArn")],
            }),
            Trigger::ConfigCompliance { rule_names } => {
                let mut detail = Map::new();
                detail.insert(
                    "messageType".into(),
                    json!(["ComplianceChangeNotification"]),
                );
                if !rule_names.is_empty() {
                    detail.insert("configRuleName".into(), json!(rule_names));
                }
                detail.insert(
                    "newEvaluationResult".into(),
                    json!({"complianceType": ["NON_COMPLIANT"]}),
                );
                json!({
                    "source": [events::CONFIG_COMPLIANCE.0],
                    "detail-type": [events::CONFIG_COMPLIANCE.1],
                    "detail": detail,
                })
            }
            Trigger::CloudTrailApiCall {
                event_source,
                event_names,
            } => {
                let service = event_source.split('.').next().unwrap_or_default();
                json!({
                    "source": [format!("aws.{service}")],
                    "detail-type": [events::CLOUDTRAIL_DETAIL_TYPE],
                    "detail": {
                        "eventSource": [event_source],
                        "eventName": event_names,
                        // A call that failed changed nothing.
                        "errorCode": [{"exists": false}],
                    },
                })
            }
            Trigger::ConfigRules { rules } => json!({
                "source": [events::CONFIG_COMPLIANCE.0],
                "detail-type": [events::CONFIG_COMPLIANCE.1],
                "detail": {
                    "messageType": ["ComplianceChangeNotification"],
                    // Any rule, the account's own included: the playbook reads what each
                    // checks (IdentifyConfigRule) and answers only checks it knows.
                    "resourceType": ConfigRule::resource_types_of(rules),
                    "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
                },
            }),
            Trigger::TagWrites { prefix } => {
                let key = json!([{ "prefix": prefix }]);
                json!({
                    "source": ["aws.ec2", "aws.iam", "aws.s3", "aws.cloudtrail"],
                    "detail-type": [events::CLOUDTRAIL_DETAIL_TYPE],
                    "detail": {
                        "eventName": TAG_CALLS,
                        "errorCode": [{"exists": false}],
                        // Each service records the keys in its own shape.
                        "$or": [
                            {"requestParameters": {"tagSet": {"items": {"key": key}}}},
                            {"requestParameters": {"tags": {"key": key}}},
                            {"requestParameters": {"tagKeys": key}},
                            {"requestParameters": {"Tagging": {"TagSet": {"Tag": {"Key": key}}}}},
                            {"requestParameters": {"tagsList": {"key": key}}},
                            {"requestParameters": {"tagSpecificationSet": {"items": {"tags": {"key": key}}}}},
                        ],
                    },
                })
            }
            Trigger::Manual { .. } | Trigger::Schedule { .. } => Value::Null,
        }
    }

    /// Does the trigger need an EventBridge rule? Manual requests start the machine directly.
    pub fn has_rule(&self) -> bool {
        !matches!(self, Trigger::Manual { .. })
    }

    /// What starts the rule: `("ScheduleExpression", …)` for a schedule, else the pattern.
    pub fn rule_source(&self) -> (&'static str, Value) {
        match self {
            Trigger::Schedule { expression } => ("ScheduleExpression", json!(expression)),
            _ => ("EventPattern", self.pattern()),
        }
    }

    /// The template condition the trigger's resources depend on, if any.
    pub fn condition(&self) -> Option<&'static str> {
        match self {
            Trigger::SecurityHubCustomAction { .. } => Some("HasSecurityHubActions"),
            _ => None,
        }
    }

    fn action_target_id(&self) -> String {
        format!("{}Target", self.id())
    }

    /// Task Lambdas the trigger brings (a custom Config rule's evaluator).
    pub fn tasks(&self) -> Vec<TaskInfo> {
        match self {
            Trigger::ConfigRules { rules } => rules
                .iter()
                .filter_map(|r| match &r.source {
                    RuleSource::Custom { task, .. } => Some((**task).clone()),
                    RuleSource::Managed { .. } => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Resources the trigger needs besides its rule.
    pub fn add_resources(&self, t: &mut Template) {
        if let Trigger::ConfigRules { rules } = self {
            add_config_rules(t, rules);
        }
        if let Trigger::SecurityHubCustomAction {
            id,
            name,
            description,
        } = self
        {
            // Action ids are unique per account and Region (at most 20 alphanumerics): suffix
            // the stack instance so that two stacks of one playbook can coexist.
            assert!(
                id.len() <= 12 && id.chars().all(|c| c.is_ascii_alphanumeric()),
                "custom action id `{id}`: at most 12 alphanumerics (8 more identify the stack)"
            );
            assert!(
                name.chars().count() <= 20,
                "custom action name `{name}`: at most 20 characters"
            );
            t.add(
                &self.action_target_id(),
                Resource::new(
                    "AWS::SecurityHub::ActionTarget",
                    json!({"Id": join("", vec![json!(id), stack_instance_id()]), "Name": name, "Description": description}),
                )
                .condition("HasSecurityHubActions"),
            );
        }
    }
}

/// The policy of a queue where EventBridge parks what `rules` could not deliver: only they may
/// send to it (each `(logical id, condition it depends on)`).
pub fn dead_letter_policy<'a>(
    queue: &str,
    rules: impl Iterator<Item = (&'a str, Option<&'a str>)>,
) -> Resource {
    let sources: Vec<Value> = rules
        .map(|(rule, condition)| match condition {
            Some(c) => crate::cfn::if_(c, get_att(rule, "Arn"), crate::cfn::no_value()),
            None => get_att(rule, "Arn"),
        })
        .collect();
    Resource::new(
        "AWS::SQS::QueuePolicy",
        json!({
            "Queues": [ref_(queue)],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "EventBridgeParksUndeliveredEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": get_att(queue, "Arn"),
                    "Condition": {"ArnEquals": {"aws:SourceArn": sources}}
                }]
            }
        }),
    )
}

fn add_config_rules(t: &mut Template, rules: &[ConfigRule]) {
    t.parameter(
        "ConfigRules",
        Parameter::string("enabled: deploy the playbook's AWS Config rules, the safety net that catches what the API-call triggers missed (needs the account's configuration recorder, e.g. from Control Tower); disabled: rely on the other triggers.")
            .default(json!("enabled"))
            .allowed(&[json!("enabled"), json!("disabled")]),
    );
    t.condition(
        CONFIG_RULES_CONDITION,
        equals(ref_("ConfigRules"), json!("enabled")),
    );
    for rule in rules {
        let mut source = json!({});
        let mut properties = json!({
            "ConfigRuleName": rule.rule_name(),
            "Description": rule.description,
            "Scope": {"ComplianceResourceTypes": rule.resource_types},
        });
        let mut depends = None;
        match &rule.source {
            RuleSource::Managed {
                identifier,
                parameters,
            } => {
                source = json!({"Owner": "AWS", "SourceIdentifier": identifier});
                if parameters.as_object().is_some_and(|p| !p.is_empty()) {
                    properties["InputParameters"] = parameters.clone();
                }
            }
            RuleSource::Custom { task, parameters } => {
                if parameters.as_object().is_some_and(|p| !p.is_empty()) {
                    properties["InputParameters"] = parameters.clone();
                }
                let function = super::task_function::function_id(task);
                let permission = format!("{}ConfigPermission", rule.id);
                // Config invokes the evaluator; only for rules of this account.
                t.add(
                    &permission,
                    Resource::new(
                        "AWS::Lambda::Permission",
                        json!({
                            "Action": "lambda:InvokeFunction",
                            "FunctionName": get_att(&function, "Arn"),
                            "Principal": "config.amazonaws.com",
                            "SourceAccount": ref_("AWS::AccountId"),
                        }),
                    )
                    .condition(CONFIG_RULES_CONDITION),
                );
                depends = Some(permission);
                source = json!({
                    "Owner": "CUSTOM_LAMBDA",
                    "SourceIdentifier": get_att(&function, "Arn"),
                    "SourceDetails": [
                        {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"},
                        {"EventSource": "aws.config", "MessageType": "OversizedConfigurationItemChangeNotification"},
                        // A stopped trail changes no configuration item: the periodic run
                        // catches it within the hour.
                        {"EventSource": "aws.config", "MessageType": "ScheduledNotification", "MaximumExecutionFrequency": "One_Hour"},
                    ],
                });
            }
        }
        properties["Source"] = source;
        let mut resource =
            Resource::new("AWS::Config::ConfigRule", properties).condition(CONFIG_RULES_CONDITION);
        if let Some(d) = depends {
            resource = resource.depends_on(&d);
        }
        t.add(&format!("{}ConfigRule", rule.id), resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardduty_pattern_uses_prefix_and_numeric_matching() {
        let p = Trigger::guardduty(&["UnauthorizedAccess:EC2/", "Backdoor:EC2/"], 7.0).pattern();
        assert_eq!(
            p,
            json!({
                "source": ["aws.guardduty"],
                "detail-type": ["GuardDuty Finding"],
                "detail": {
                    "type": [{"prefix": "UnauthorizedAccess:EC2/"}, {"prefix": "Backdoor:EC2/"}],
                    "severity": [{"numeric": [">=", 7.0]}],
                    "service": {"archived": [false]}
                }
            })
        );
    }

    #[test]
    fn security_hub_pattern_matches_inside_findings() {
        let only = Trigger::SecurityHubFindings {
            labels: vec![SeverityLabel::Critical],
            products: vec!["Inspector".into(), "Macie".into()],
            exclude_products: vec![],
            resource_types: vec![],
            resource_tag: None,
            remote_address: false,
        }
        .pattern();
        assert_eq!(
            only["detail"]["findings"]["ProductName"],
            json!(["Inspector", "Macie"])
        );
        let p = Trigger::SecurityHubFindings {
            labels: vec![SeverityLabel::High, SeverityLabel::Critical],
            products: vec![],
            exclude_products: vec!["GuardDuty".into()],
            resource_types: vec!["AwsEc2Instance".into()],
            resource_tag: Some(("ir:respond".into(), vec!["auto".into()])),
            remote_address: false,
        }
        .pattern();
        assert_eq!(
            p["detail"]["findings"]["Severity"]["Label"],
            json!(["HIGH", "CRITICAL"])
        );
        assert_eq!(
            p["detail"]["findings"]["Resources"]["Tags"]["ir:respond"],
            json!(["auto"])
        );
        assert_eq!(
            p["detail"]["findings"]["ProductName"],
            json!([{"anything-but": ["GuardDuty"]}])
        );
    }

    #[test]
    fn cloudtrail_ids_are_logical_id_safe() {
        let t = Trigger::CloudTrailApiCall {
            event_source: "s3-control.amazonaws.com".into(),
            event_names: vec!["PutPublicAccessBlock".into()],
        };
        assert_eq!(t.id(), "CloudTrailS3Control");
        assert_eq!(t.pattern()["source"], json!(["aws.s3-control"]));
    }
}
