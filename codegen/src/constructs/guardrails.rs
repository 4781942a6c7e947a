//! The organization policy (SCP) that backs the trust boundary where an operator can attach
//! one: what the stacks enforce with resource policies and checks inside the playbooks, an
//! SCP enforces for every principal of the member accounts before any of it runs.
//!
//! It names aws-ir's roles by their path (`/aws-ir/`) and the responders by a path of their own,
//! [`RESPONDER_ROLES`] (give responders roles there, or edit the list). Written to
//! `organization/guardrails.scp.json`; attach it to the OUs where aws-ir is deployed.

use serde_json::{json, Value};

/// Where the SCP expects the responders' roles.
pub const RESPONDER_ROLES: &str = "arn:aws:iam::*:role/aws-ir-responders/*";
const OWN_ROLES: &str = "arn:aws:iam::*:role/aws-ir/*";

pub fn scp(prefix: &str) -> Value {
    let trusted = json!({"ArnNotLike": {"aws:PrincipalArn": [OWN_ROLES, RESPONDER_ROLES]}});
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyAwsIrAndRespondersWriteAwsIrTags",
                "Effect": "Deny",
                "Action": [
                    "cloudtrail:AddTags", "cloudtrail:RemoveTags",
                    "ec2:CreateTags", "ec2:DeleteTags",
                    "iam:TagRole", "iam:TagUser", "iam:UntagRole", "iam:UntagUser",
                    "s3:PutBucketTagging",
                ],
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringLike": {"aws:TagKeys": [format!("{}*", contract::tags::PREFIX)]},
                    "ArnNotLike": {"aws:PrincipalArn": [OWN_ROLES, RESPONDER_ROLES]},
                },
            },
            {
                "Sid": "OnlyCloudFormationChangesAwsIrRoles",
                "Effect": "Deny",
                "Action": [
                    "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole",
                    "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
                    "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
                ],
                "Resource": OWN_ROLES,
                "Condition": {"StringNotEquals": {"aws:CalledViaFirst": "cloudformation.amazonaws.com"}},
            },
            {
                "Sid": "OnlyRespondersStartAndSteerAwsIr",
                "Effect": "Deny",
                "Action": [
                    "states:RedriveExecution", "states:SendTaskFailure", "states:SendTaskHeartbeat",
                    "states:SendTaskSuccess", "states:StartExecution", "states:StopExecution",
                ],
                "Resource": [
                    format!("arn:aws:states:*:*:stateMachine:{prefix}-*"),
                    format!("arn:aws:states:*:*:execution:{prefix}-*:*"),
                ],
                "Condition": trusted,
            },
            {
                "Sid": "OnlyAwsIrWritesCaseRecords",
                "Effect": "Deny",
                "Action": [
                    "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PartiQLDelete",
                    "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                ],
                "Resource": format!("arn:aws:dynamodb:*:*:table/{prefix}-*-cases"),
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": OWN_ROLES}},
            },
            {
                "Sid": "OnlyRespondersRemoveTheResponse",
                "Effect": "Deny",
                "Action": ["cloudformation:DeleteStack", "cloudformation:UpdateTerminationProtection"],
                "Resource": format!("arn:aws:cloudformation:*:*:stack/{prefix}-*/*"),
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": RESPONDER_ROLES}},
            },
        ],
    })
}
