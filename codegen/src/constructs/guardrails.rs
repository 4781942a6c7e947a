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
/// The role service-managed StackSets act through in each member account.
const STACKSETS_EXECUTION: &str = "arn:aws:iam::*:role/stacksets-exec-*";

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
                    // Handing one of them to a service: a member's forwarder role passed to a
                    // workload's own rule would put its events on the security account's bus.
                    "iam:PassRole",
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
                    // A map run's concurrency and tolerated failures steer it as much: one
                    // instance at a time would stretch a fleet's containment into hours.
                    "states:UpdateMapRun",
                ],
                // Child executions of a Distributed Map are `execution:<machine>/<label>:<id>`.
                "Resource": [
                    format!("arn:aws:states:*:*:stateMachine:{prefix}-*"),
                    format!("arn:aws:states:*:*:execution:{prefix}-*:*"),
                    format!("arn:aws:states:*:*:mapRun:{prefix}-*"),
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
            {
                // A task Lambda acts on the input it is given (an instance step names its
                // registrations, a release its case): only aws-ir's state machines may give it
                // one. A Lambda cannot learn who invoked it, and its resource policy cannot
                // deny a caller of its own account that IAM allows, so this is the SCP's.
                "Sid": "OnlyAwsIrInvokesItsTasks",
                "Effect": "Deny",
                "Action": ["lambda:InvokeFunction", "lambda:InvokeAsync"],
                "Resource": format!("arn:aws:lambda:*:*:function:{prefix}-*"),
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": OWN_ROLES}},
            },
            {
                // A member account's aws-ir stacks and forwarding rules (#20) are changed only
                // by StackSets (its `stacksets-exec-*` role in the member): a workload that may
                // delete stacks or rules cannot quietly take the account out of the response.
                "Sid": "OnlyStackSetsChangeTheMemberStacks",
                "Effect": "Deny",
                "Action": [
                    "cloudformation:CancelUpdateStack", "cloudformation:ContinueUpdateRollback",
                    "cloudformation:CreateChangeSet", "cloudformation:DeleteStack",
                    "cloudformation:ExecuteChangeSet", "cloudformation:SetStackPolicy",
                    "cloudformation:UpdateStack", "cloudformation:UpdateTerminationProtection",
                    "events:DeleteRule", "events:DisableRule", "events:PutRule",
                    "events:PutTargets", "events:RemoveTargets",
                ],
                // A StackSet's stack in a member is `StackSet-<StackSet name>-<id>`; both names
                // (`aws-ir-member`, `aws-ir-member-roles`) start with the first.
                "Resource": [
                    format!("arn:aws:cloudformation:*:*:stack/StackSet-{}*/*", contract::naming::FORWARDING_STACK_SET),
                    format!("arn:aws:events:*:*:rule/{}-Forward*", contract::naming::MEMBER_PREFIX),
                ],
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": STACKSETS_EXECUTION}},
            },
            {
                // What containment runs in a member (#20), changed only by StackSets too: its
                // Run Command documents (an edited one would falsify the volatile evidence)
                // and its quarantine role and profile (a policy attached to the role would go
                // to every quarantined instance).
                "Sid": "OnlyStackSetsChangeWhatContainmentUsesInAMember",
                "Effect": "Deny",
                "Action": [
                    "ssm:DeleteDocument", "ssm:ModifyDocumentPermission", "ssm:UpdateDocument",
                    "ssm:UpdateDocumentDefaultVersion",
                    "iam:AddRoleToInstanceProfile", "iam:AttachRolePolicy", "iam:DeleteInstanceProfile",
                    "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy",
                    "iam:RemoveRoleFromInstanceProfile", "iam:UpdateAssumeRolePolicy",
                ],
                "Resource": [
                    format!("arn:aws:ssm:*:*:document/{}", contract::naming::MEMBER_CAPTURE_DOCUMENT),
                    format!("arn:aws:ssm:*:*:document/{}", contract::naming::MEMBER_MEMORY_UPLOAD_DOCUMENT),
                    format!("arn:aws:iam::*:role/{}", contract::naming::MEMBER_QUARANTINE),
                    format!("arn:aws:iam::*:instance-profile/{}", contract::naming::MEMBER_QUARANTINE),
                ],
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": STACKSETS_EXECUTION}},
            },
            {
                // The IP sets a member case's addresses are blocked in (#20): written only by
                // aws-ir's member roles (the blocks, the expiry), changed or deleted by StackSets;
                // a member workload could otherwise lift a block or delete the set.
                "Sid": "OnlyAwsIrWritesTheBlockedIpSetsInAMember",
                "Effect": "Deny",
                "Action": ["wafv2:DeleteIPSet", "wafv2:UpdateIPSet"],
                "Resource": [
                    format!("arn:aws:wafv2:*:*:regional/ipset/{}/*", contract::naming::MEMBER_BLOCKED_IPV4_SET),
                    format!("arn:aws:wafv2:*:*:regional/ipset/{}/*", contract::naming::MEMBER_BLOCKED_IPV6_SET),
                ],
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": [OWN_ROLES, STACKSETS_EXECUTION]}},
            },
            {
                "Sid": "OnlyCloudFormationChangesAwsIrTasks",
                "Effect": "Deny",
                "Action": [
                    "lambda:AddPermission", "lambda:DeleteFunction", "lambda:PublishVersion",
                    "lambda:PutFunctionConcurrency", "lambda:RemovePermission",
                    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                ],
                "Resource": format!("arn:aws:lambda:*:*:function:{prefix}-*"),
                "Condition": {"StringNotEquals": {"aws:CalledViaFirst": "cloudformation.amazonaws.com"}},
            },
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// IAM's `ArnLike`/resource matching: `*` is any run of characters, `/` and `:` included.
    fn iam_like(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, rest)) => {
                text.starts_with(head)
                    && (head.len()..=text.len()).any(|i| iam_like(rest, &text[i..]))
            }
        }
    }

    fn statement(sid: &str) -> Value {
        scp("aws-ir")["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .cloned()
            .unwrap_or_else(|| panic!("no statement {sid}"))
    }

    /// A workload role allowed `lambda:InvokeFunction` on `*` could otherwise hand a task
    /// Lambda any input: a release-instance for a case it is contained under, an instance step
    /// whose registrations say "none". Every task function of every stack is named after its
    /// stack (`<prefix>-<playbook>-…`, CloudFormation's generated names), so the pattern covers
    /// them all; only aws-ir's own roles (its state machines) are left to invoke them.
    /// An item of a Distributed Map (each instance of a fleet) runs in a child execution and
    /// its run can be re-tuned: both are steered only by aws-ir and its responders.
    #[test]
    fn map_runs_and_their_children_are_steered_only_by_aws_ir_and_responders() {
        let steer = statement("OnlyRespondersStartAndSteerAwsIr");
        assert!(steer["Action"]
            .as_array()
            .unwrap()
            .contains(&json!("states:UpdateMapRun")));
        let covered = |arn: &str| {
            steer["Resource"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| iam_like(p.as_str().unwrap(), arn))
        };
        for arn in [
            "arn:aws:states:us-east-1:123456789012:execution:aws-ir-ec2-compromise/instances:1f2e",
            "arn:aws:states:us-east-1:123456789012:mapRun:aws-ir-ec2-compromise/instances:0a1b",
        ] {
            assert!(
                covered(arn),
                "{arn} is not covered by {}",
                steer["Resource"]
            );
        }
    }

    /// Whether `arn` is among the resources of the StackSets-only statement `sid`, which leaves
    /// them to StackSets' own execution role alone.
    fn stacksets_only(sid: &str) -> impl Fn(&str) -> bool {
        let guard = statement(sid);
        assert_eq!(
            guard["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            STACKSETS_EXECUTION
        );
        move |arn: &str| {
            guard["Resource"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| iam_like(p.as_str().unwrap(), arn))
        }
    }

    /// Every forwarding rule of the member stack, and both StackSets' stacks in a member, are
    /// left to StackSets alone: a member workload cannot delete or quiet them.
    #[test]
    fn only_stacksets_change_a_members_aws_ir_stacks_and_rules() {
        let covered = stacksets_only("OnlyStackSetsChangeTheMemberStacks");
        let member = super::super::member::forwarding_template(&crate::playbooks::all()).render();
        let mut rules = 0;
        for r in member["Resources"].as_object().unwrap().values() {
            if r["Type"] == "AWS::Events::Rule" {
                let name = r["Properties"]["Name"].as_str().expect("a named rule");
                let arn = format!("arn:aws:events:eu-west-1:222233334444:rule/{name}");
                assert!(covered(&arn), "{arn} is not guarded");
                rules += 1;
            }
        }
        assert!(rules > 5);
        for stack_set in [
            contract::naming::MEMBER_ROLES_STACK_SET,
            contract::naming::FORWARDING_STACK_SET,
        ] {
            let arn = format!("arn:aws:cloudformation:eu-west-1:222233334444:stack/StackSet-{stack_set}-0f1e2d3c-aaaa-bbbb-cccc-1234567890ab/9a8b");
            assert!(covered(&arn), "{arn} is not guarded");
        }
        // Not the playbooks' own rules in the security account.
        assert!(!covered(
            "arn:aws:events:us-east-1:123456789012:rule/aws-ir-settings-recovery-CloudTrailEc2-1A2B"
        ));
    }

    /// The member's Run Command documents and quarantine role and profile, which a member case's
    /// containment uses (#20), are left to StackSets alone.
    #[test]
    fn only_stacksets_change_what_containment_uses_in_a_member() {
        let covered = stacksets_only("OnlyStackSetsChangeWhatContainmentUsesInAMember");
        let member = super::super::member::forwarding_template(&crate::playbooks::all()).render();
        let mut documents = 0;
        for r in member["Resources"].as_object().unwrap().values() {
            if r["Type"] == "AWS::SSM::Document" {
                let name = r["Properties"]["Name"].as_str().expect("a named document");
                assert!(covered(&format!(
                    "arn:aws:ssm:eu-west-1:222233334444:document/{name}"
                )));
                documents += 1;
            }
        }
        assert_eq!(documents, 2);
        let roles = super::super::member::roles_template(&crate::playbooks::all()).render();
        let profile = &roles["Resources"][super::super::evidence::QUARANTINE_PROFILE]["Properties"];
        let name = profile["InstanceProfileName"].as_str().unwrap();
        assert!(covered(&format!("arn:aws:iam::222233334444:role/{name}")));
        assert!(covered(&format!(
            "arn:aws:iam::222233334444:instance-profile/{name}"
        )));
        // The tasks' member roles are another statement's (aws-ir's path).
        assert!(!covered(
            "arn:aws:iam::222233334444:role/aws-ir/aws-ir-isolate-network"
        ));
    }

    /// The member's blocked-address sets (#20) are written by aws-ir's member roles and
    /// StackSets alone: a member workload cannot lift a block or delete a set.
    #[test]
    fn only_aws_ir_writes_the_blocked_ip_sets_in_a_member() {
        let guard = statement("OnlyAwsIrWritesTheBlockedIpSetsInAMember");
        assert_eq!(
            guard["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            json!([OWN_ROLES, STACKSETS_EXECUTION])
        );
        let covered = |arn: &str| {
            guard["Resource"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| iam_like(p.as_str().unwrap(), arn))
        };
        let member = super::super::member::forwarding_template(&crate::playbooks::all()).render();
        let mut sets = 0;
        for r in member["Resources"].as_object().unwrap().values() {
            if r["Type"] == "AWS::WAFv2::IPSet" {
                let name = r["Properties"]["Name"].as_str().expect("a named set");
                assert!(covered(&format!(
                    "arn:aws:wafv2:eu-west-1:222233334444:regional/ipset/{name}/0f1e2d3c"
                )));
                sets += 1;
            }
        }
        assert_eq!(sets, 2);
        // A set the member made for itself is its own.
        assert!(!covered(
            "arn:aws:wafv2:eu-west-1:222233334444:regional/ipset/partners/0f1e2d3c"
        ));
        // The member role that writes them is on aws-ir's path.
        assert!(iam_like(
            OWN_ROLES,
            "arn:aws:iam::222233334444:role/aws-ir/aws-ir-block-in-waf"
        ));
    }

    /// AWS Organizations quotas: an SCP document holds at most 5,120 characters (whitespace
    /// outside strings is not counted when it is minified, as the console and CLI send it).
    #[test]
    fn the_scp_fits_organizations_size_limit() {
        let minified = serde_json::to_string(&scp("aws-ir")).unwrap();
        assert!(minified.len() <= 5_120, "{} characters", minified.len());
    }

    #[test]
    fn only_aws_irs_roles_invoke_its_task_lambdas() {
        let invoke = statement("OnlyAwsIrInvokesItsTasks");
        assert_eq!(invoke["Effect"], "Deny");
        assert_eq!(
            invoke["Action"],
            json!(["lambda:InvokeFunction", "lambda:InvokeAsync"])
        );
        assert_eq!(invoke["Resource"], "arn:aws:lambda:*:*:function:aws-ir-*");
        assert_eq!(
            invoke["Condition"]["ArnNotLike"]["aws:PrincipalArn"],
            OWN_ROLES
        );
        for playbook in crate::playbooks::all() {
            let template = playbook
                .synthesize(&Default::default())
                .unwrap_or_else(|e| panic!("{}: {e:?}", playbook.id))
                .template
                .render();
            for (id, r) in template["Resources"].as_object().unwrap() {
                if r["Type"] == "AWS::Lambda::Function" {
                    assert!(
                        r["Properties"].get("FunctionName").is_none(),
                        "{id} is named by hand: the SCP's pattern would miss it"
                    );
                }
                if r["Type"] == "AWS::IAM::Role"
                    && r["Properties"]["AssumeRolePolicyDocument"]
                        .to_string()
                        .contains("states.amazonaws.com")
                {
                    assert_eq!(
                        r["Properties"]["Path"],
                        contract::trust::ROLE_PATH,
                        "{id}: a state machine's role must be aws-ir's to invoke the tasks"
                    );
                }
            }
        }
        let change = statement("OnlyCloudFormationChangesAwsIrTasks");
        assert!(change["Action"]
            .as_array()
            .unwrap()
            .contains(&json!("lambda:UpdateFunctionCode")));
    }
}
