//! The stack's customer-managed KMS key.
//!
//! One key per stack encrypts the notification topic, the log groups, the case table, the
//! Lambda environments and the trigger dead-letter queue. Account principals get access through
//! IAM policies (the root statement delegates to IAM, as AWS's default key policy does), but
//! only through an AWS service (`kms:ViaService`: reading the table through DynamoDB, the logs
//! through CloudWatch Logs): nobody but aws-ir's roles may use the key directly, whatever an
//! identity policy grants (a workload with `kms:*` cannot decrypt or forge what the stack
//! encrypted). The two services that encrypt on their own behalf (CloudWatch Logs, EventBridge
//! for the DLQ) are named with conditions that pin them to this account.

use super::ids;
use crate::cfn::{sub, Resource, Template};
use serde_json::json;

pub fn add(t: &mut Template, project: &str) {
    t.add(
        ids::STACK_KEY,
        Resource::new(
            "AWS::KMS::Key",
            json!({
                "Description": sub("Encrypts the notifications, logs and queues of stack ${AWS::StackName}"),
                "EnableKeyRotation": true,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountAdministersKeyThroughIam",
                            "Effect": "Allow",
                            "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                            "Action": "kms:*",
                            "Resource": "*"
                        },
                        {
                            "Sid": "OnlyAwsIrUsesTheKeyDirectly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                            "Resource": "*",
                            "Condition": {
                                "ArnNotLike": {"aws:PrincipalArn": sub(contract::trust::OWN_ROLES)},
                                "Null": {"kms:ViaService": "true"},
                                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}
                            }
                        },
                        {
                            "Sid": "CloudWatchLogsEncryptsThisStacksLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": sub("logs.${AWS::Region}.amazonaws.com")},
                            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey"],
                            "Resource": "*",
                            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")}}
                        },
                        {
                            "Sid": "EventBridgeWritesTheDeadLetterQueue",
                            "Effect": "Allow",
                            "Principal": {"Service": "events.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                            "Resource": "*",
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
                        }
                    ]
                },
                "Tags": [{"Key": format!("{project}:stack"), "Value": {"Ref": "AWS::StackName"}}]
            }),
        )
        .retain(),
    );
    t.add(
        "StackKeyAlias",
        Resource::new(
            "AWS::KMS::Alias",
            json!({
                "AliasName": sub(&format!("alias/{project}/${{AWS::StackName}}")),
                "TargetKeyId": {"Ref": ids::STACK_KEY}
            }),
        ),
    );
}
