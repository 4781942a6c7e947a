//! Where a Task state's work is done, and what that needs: its `Resource`, the `Parameters` the
//! service expects, and the IAM statements the state machine role must hold for it.
//!
//! Each integration brings its own statements (as a CDK task brings its `taskPolicies`), so the
//! role is the merge of what the graph's Task states use and nothing else. The statements name
//! stack resources through [`StackRefs`]: the ASL model knows *which* resources a state touches,
//! only the stack's constructs know their logical ids.

use crate::cfn::iam::Statement;
use crate::cfn::{get_att, sub, text};
use contract::task::StackResource;
use contract::{ErrorName, Permission, Task as TaskContract};
use serde_json::{json, Map, Value};

/// Errors the Lambda service itself raises on invoke; AWS recommends retrying them.
pub const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

/// What codegen needs to know about a task Lambda, captured from its [`contract::Task`].
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    pub permissions: Vec<Permission>,
    pub errors: Vec<ErrorName>,
    pub input_schema: Value,
    pub output_schema: Value,
}

impl TaskInfo {
    pub fn of<T: TaskContract>() -> TaskInfo {
        TaskInfo {
            name: T::NAME,
            title: T::TITLE,
            description: T::DESCRIPTION,
            timeout_seconds: T::TIMEOUT_SECONDS,
            memory_mb: T::MEMORY_MB,
            permissions: T::permissions(),
            errors: T::errors(),
            input_schema: schemars::schema_for!(T::Input).to_value(),
            output_schema: schemars::schema_for!(T::Output).to_value(),
        }
    }

    /// The `DefinitionSubstitutions` key that carries the function's ARN.
    pub fn arn_substitution(&self) -> String {
        format!("{}FunctionArn", self.title)
    }

    pub fn property_names(schema: &Value) -> Vec<String> {
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn required_names(schema: &Value) -> Vec<String> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// How the stack names the resources integrations touch.
pub trait StackRefs {
    /// The logical id of a task's function.
    fn function_id(&self, task: &TaskInfo) -> String;
    /// One of the stack's own resources, as an IAM `Resource` value.
    fn resource(&self, r: StackResource) -> Value;
}

/// Where a Task state's work is done.
#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    /// `arn:aws:states:::lambda:invoke` with a task Lambda of ours.
    LambdaInvoke {
        task: TaskInfo,
        wait_for_task_token: bool,
    },
    /// The function ARN itself as `Resource` (the original Lambda integration).
    LambdaArn { task: TaskInfo },
    /// `arn:aws:states:::sns:publish` to the stack's notification topic.
    SnsPublish { wait_for_task_token: bool },
    /// `arn:aws:states:::events:putEvents` onto the account's default bus (a playbook handing
    /// work to another playbook through its manual-request rule).
    EventsPutEvents,
    /// A Distributed Map's run: child executions of the machine itself, and its items read
    /// from the stack's evidence bucket.
    MapRun,
    /// `arn:aws:states:::aws-sdk:<service>:<action>`, with the IAM it needs.
    AwsSdk {
        service: String,
        action: String,
        iam_action: String,
        iam_resources: Vec<String>,
    },
}

impl Integration {
    pub fn resource(&self) -> String {
        let token = |w: bool| if w { ".waitForTaskToken" } else { "" };
        match self {
            Integration::LambdaInvoke {
                wait_for_task_token,
                ..
            } => format!(
                "arn:aws:states:::lambda:invoke{}",
                token(*wait_for_task_token)
            ),
            Integration::LambdaArn { task } => format!("${{{}}}", task.arn_substitution()),
            Integration::SnsPublish {
                wait_for_task_token,
            } => format!(
                "arn:aws:states:::sns:publish{}",
                token(*wait_for_task_token)
            ),
            Integration::EventsPutEvents => "arn:aws:states:::events:putEvents".to_string(),
            Integration::MapRun => "arn:aws:states:::s3:getObject".to_string(),
            Integration::AwsSdk {
                service, action, ..
            } => format!("arn:aws:states:::aws-sdk:{service}:{action}"),
        }
    }

    pub fn task(&self) -> Option<&TaskInfo> {
        match self {
            Integration::LambdaInvoke { task, .. } | Integration::LambdaArn { task } => Some(task),
            _ => None,
        }
    }

    pub fn waits_for_task_token(&self) -> bool {
        matches!(
            self,
            Integration::LambdaInvoke {
                wait_for_task_token: true,
                ..
            } | Integration::SnsPublish {
                wait_for_task_token: true
            }
        )
    }

    /// Turns on `.waitForTaskToken`; false for the integrations that cannot wait.
    pub(crate) fn set_wait_for_task_token(&mut self) -> bool {
        match self {
            Integration::LambdaInvoke {
                wait_for_task_token,
                ..
            }
            | Integration::SnsPublish {
                wait_for_task_token,
            } => {
                *wait_for_task_token = true;
                true
            }
            _ => false,
        }
    }

    /// The rendered `Parameters`: what the integration itself needs (the function and the
    /// contract task's `payload`, the topic) followed by the state's `explicit` parameters.
    pub fn parameters(
        &self,
        payload: Option<&Map<String, Value>>,
        explicit: Option<&Value>,
    ) -> Option<Value> {
        let with_explicit = |mut p: Map<String, Value>| {
            if let Some(Value::Object(extra)) = explicit {
                for (k, v) in extra {
                    p.insert(k.clone(), v.clone());
                }
            }
            Some(Value::Object(p))
        };
        match (self, payload) {
            (Integration::LambdaInvoke { task, .. }, Some(payload)) => {
                let mut p = Map::new();
                p.insert(
                    "FunctionName".into(),
                    json!(format!("${{{}}}", task.arn_substitution())),
                );
                p.insert("Payload".into(), Value::Object(payload.clone()));
                with_explicit(p)
            }
            (Integration::LambdaArn { .. }, Some(payload)) => Some(Value::Object(payload.clone())),
            (Integration::SnsPublish { .. }, _) => {
                let mut p = Map::new();
                p.insert("TopicArn".into(), json!("${NotificationTopicArn}"));
                with_explicit(p)
            }
            _ => explicit.cloned(),
        }
    }

    /// The statements the state machine role needs for this integration. Every use of an
    /// integration of one kind gives the same Sid, so that the role, which merges statements by
    /// Sid ([`crate::cfn::iam::merge`]), holds one statement per kind of work.
    pub fn policy_statements(&self, stack: &dyn StackRefs) -> Vec<Statement> {
        match self {
            Integration::LambdaInvoke { task, .. } | Integration::LambdaArn { task } => {
                let id = stack.function_id(task);
                vec![Statement::allow(
                    "InvokeTaskFunctions",
                    ["lambda:InvokeFunction"],
                    // A qualified ARN (version or alias) needs its own resource.
                    vec![get_att(&id, "Arn"), sub(&format!("${{{id}.Arn}}:*"))],
                )]
            }
            Integration::SnsPublish { .. } => vec![
                Statement::allow(
                    "PublishNotifications",
                    ["sns:Publish"],
                    vec![stack.resource(StackResource::NotificationTopic)],
                ),
                // The topic is encrypted with the shared encryption key, which SNS uses on the publisher's
                // behalf; the condition allows that use and no direct one.
                Statement::allow(
                    "UseEncryptionKeyForTopic",
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    vec![stack.resource(StackResource::EncryptionKey)],
                )
                .when(
                    "StringEquals",
                    "kms:ViaService",
                    sub("sns.${AWS::Region}.amazonaws.com"),
                ),
            ],
            Integration::EventsPutEvents => vec![Statement::allow(
                "PutEventsOnDefaultBus",
                ["events:PutEvents"],
                vec![sub(
                    "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
                )],
            )],
            // AWS Step Functions Developer Guide, "IAM policies for using Distributed Map
            // states": the machine starts its own child executions, and reads the items.
            Integration::MapRun => vec![
                Statement::allow(
                    "RunDistributedMaps",
                    ["states:StartExecution"],
                    vec![sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}*")],
                ),
                // Child executions are `execution:<machine>/<label>:<id>`; DescribeExecution is
                // also defined on express executions, which this stack's children are not.
                Statement::allow(
                    "WatchDistributedMapRuns",
                    ["states:DescribeExecution"],
                    vec![
                        sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}*:*"),
                        sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:express:${AWS::StackName}*:*:*"),
                    ],
                ),
                Statement::allow(
                    "StopDistributedMapRuns",
                    ["states:StopExecution"],
                    vec![sub("arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}*:*")],
                ),
                Statement::allow(
                    "ReadMapItems",
                    ["s3:GetObject"],
                    vec![stack.resource(StackResource::EvidenceReports)],
                ),
                Statement::allow(
                    "UseEncryptionKeyForMapItems",
                    ["kms:Decrypt"],
                    vec![stack.resource(StackResource::EncryptionKey)],
                )
                .when(
                    "StringEquals",
                    "kms:ViaService",
                    sub("s3.${AWS::Region}.amazonaws.com"),
                ),
            ],
            Integration::AwsSdk {
                iam_action,
                iam_resources,
                ..
            } => vec![Statement::allow(
                &sdk_sid(iam_action),
                [iam_action],
                iam_resources.iter().map(|r| text(r)).collect(),
            )],
        }
    }
}

/// `ec2:DescribeInstances` → `CallEc2DescribeInstances`: named after the action, so that two
/// states calling the same API share one statement (a Sid allows only alphanumerics).
fn sdk_sid(iam_action: &str) -> String {
    let mut sid = String::from("Call");
    for word in iam_action.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            sid.push(first.to_ascii_uppercase());
            sid.extend(chars);
        }
    }
    sid
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract::tasks::Notify;

    struct Names;
    impl StackRefs for Names {
        fn function_id(&self, task: &TaskInfo) -> String {
            format!("Fn{}", task.title)
        }
        fn resource(&self, r: StackResource) -> Value {
            json!(format!("{r:?}"))
        }
    }

    fn rendered(i: &Integration) -> Vec<Value> {
        i.policy_statements(&Names)
            .iter()
            .map(Statement::render)
            .collect()
    }

    #[test]
    fn lambda_integrations_invoke_their_function_and_its_versions() {
        let task = TaskInfo::of::<Notify>();
        let expected = vec![json!({
            "Sid": "InvokeTaskFunctions",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [
                {"Fn::GetAtt": ["FnNotify", "Arn"]},
                {"Fn::Sub": "${FnNotify.Arn}:*"},
            ],
        })];
        for i in [
            Integration::LambdaInvoke {
                task: task.clone(),
                wait_for_task_token: true,
            },
            Integration::LambdaArn { task: task.clone() },
        ] {
            assert_eq!(rendered(&i), expected, "{i:?}");
        }
    }

    #[test]
    fn sns_publish_may_use_the_encryption_key_only_through_sns() {
        let st = rendered(&Integration::SnsPublish {
            wait_for_task_token: false,
        });
        assert_eq!(st.len(), 2);
        assert_eq!(st[0]["Sid"], "PublishNotifications");
        assert_eq!(st[0]["Action"], json!(["sns:Publish"]));
        assert_eq!(st[0]["Resource"], json!(["NotificationTopic"]));
        assert_eq!(st[1]["Sid"], "UseEncryptionKeyForTopic");
        assert_eq!(st[1]["Resource"], json!(["EncryptionKey"]));
        assert_eq!(
            st[1]["Condition"],
            json!({"StringEquals": {"kms:ViaService": {"Fn::Sub": "sns.${AWS::Region}.amazonaws.com"}}})
        );
    }

    #[test]
    fn put_events_is_limited_to_the_default_bus() {
        let st = rendered(&Integration::EventsPutEvents);
        assert_eq!(st.len(), 1);
        assert_eq!(st[0]["Action"], json!(["events:PutEvents"]));
        assert_eq!(
            st[0]["Resource"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}])
        );
    }

    #[test]
    fn sdk_calls_get_their_declared_action_and_resources() {
        let st = rendered(&Integration::AwsSdk {
            service: "ec2".into(),
            action: "describeInstances".into(),
            iam_action: "ec2:DescribeInstances".into(),
            iam_resources: vec![
                "*".into(),
                "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*".into(),
            ],
        });
        assert_eq!(
            st,
            vec![json!({
                "Sid": "CallEc2DescribeInstances",
                "Effect": "Allow",
                "Action": ["ec2:DescribeInstances"],
                "Resource": ["*", {"Fn::Sub": "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}],
            })]
        );
    }

    #[test]
    fn sdk_sids_are_alphanumeric() {
        assert_eq!(
            sdk_sid("ec2:describe-instances"),
            "CallEc2DescribeInstances"
        );
        assert_eq!(sdk_sid("s3:GetObject"), "CallS3GetObject");
    }
}
