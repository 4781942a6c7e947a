//! The member stacks of an organization deployment (#20). The playbooks run in one security
//! account; what a case is about is in a member account and Region. Each member holds two
//! small generated stacks, rolled out by a StackSet:
//!
//! - **`organization/member-roles.json`**, once per member account (IAM is global). For every
//!   task that acts on a member's resources, a role named after the task
//!   ([`contract::naming::member_role`]) with exactly the task's member-side permissions
//!   ([`contract::Permission::place`]), resolved for every Region. Only that task's own role in
//!   the security account may assume it: its account, aws-ir's role path, its `aws-ir:task`
//!   tag (set by CloudFormation on every task role), the organization, and a session named
//!   after the case (`case-*`), so the member's CloudTrail says which case and step acted. Plus
//!   the quarantine role and instance profile isolated instances get.
//! - **`organization/member.json`**, once per member account and Region. The EventBridge rules
//!   that forward what the playbooks' triggers listen to (CloudTrail calls, Config compliance
//!   changes; GuardDuty and Security Hub findings only when their own delegated-admin
//!   aggregation does not bring them) to the security account's bus in the home Region, through
//!   a role EventBridge alone assumes. Events that cannot be delivered are parked in a queue.
//!   Plus the Run Command documents EC2 containment runs on an instance there (documents are
//!   regional).
//!
//! - **`organization/security-account.json`**, once in the security account's home Region: its
//!   default bus's policy, which admits the member forwarders' events and nothing else from
//!   another account, and the two StackSets that deploy the member stacks above to every
//!   account of the target OUs, including accounts that join them later.
//!
//! Why roles per task and not per playbook: a task's member role then holds what its contract
//! declares and nothing a neighbouring step needs, exactly as its own role does at home.

use super::playbook::Playbook;
use super::policy;
use super::trigger::Trigger;
use crate::asl::TaskInfo;
use crate::cfn::iam::{service_trust_for, PolicyDocument, Statement};
use crate::cfn::{equals, get_att, not, ref_, sub, text, Output, Parameter, Resource, Template};
use contract::naming::{
    member_role, MEMBER_BLOCKED_IPV4_SET, MEMBER_BLOCKED_IPV6_SET, MEMBER_CAPTURE_DOCUMENT,
    MEMBER_MEMORY_UPLOAD_DOCUMENT, MEMBER_PREFIX, MEMBER_QUARANTINE,
};
use contract::task::{Place, StackResource};
use serde_json::{json, Value};

pub const SECURITY_ACCOUNT: &str = "SecurityAccountId";
pub const ORGANIZATION: &str = "OrganizationId";
pub const HOME_REGION: &str = "HomeRegion";
pub const FORWARD_FINDINGS: &str = "ForwardFindings";

const FORWARDER_ROLE: &str = "ForwarderRole";
/// The forwarder role's name in each member Region (IAM is global): what the security account's
/// bus admits.
const FORWARDER_ROLE_NAME: &str = "aws-ir-forwarder";
const FORWARD_DLQ: &str = "ForwardDeadLetterQueue";

/// Every task of `playbooks` once, in order of first appearance.
fn tasks(playbooks: &[Playbook]) -> Vec<TaskInfo> {
    let mut out: Vec<TaskInfo> = Vec::new();
    for t in playbooks.iter().flat_map(Playbook::tasks) {
        if !out.iter().any(|o| o.name == t.name) {
            out.push(t);
        }
    }
    out
}

/// A member-side resource of the member stacks, by what the task's contract names.
fn member_resource(r: StackResource) -> Value {
    match r {
        StackResource::CaptureDocument => sub(&format!(
            "arn:${{AWS::Partition}}:ssm:*:${{AWS::AccountId}}:document/{MEMBER_CAPTURE_DOCUMENT}"
        )),
        StackResource::MemoryUploadDocument => sub(&format!(
            "arn:${{AWS::Partition}}:ssm:*:${{AWS::AccountId}}:document/{MEMBER_MEMORY_UPLOAD_DOCUMENT}"
        )),
        StackResource::QuarantineRole => get_att(super::evidence::QUARANTINE_ROLE, "Arn"),
        StackResource::BlockedIpSets => sub(&format!(
            "arn:${{AWS::Partition}}:wafv2:*:${{AWS::AccountId}}:regional/ipset/{MEMBER_PREFIX}-blocked-*/*"
        )),
        home => unreachable!("{home:?} is the security account's: Permission::place keeps it out of member roles"),
    }
}

/// A contract's ARN pattern in a member role: any Region (the role is global, the case's
/// Region varies), and aws-ir's fixed member names where a stack would name its own.
fn member_pattern(pattern: &str) -> Value {
    text(
        &pattern
            .replace("${AWS::Region}", "*")
            .replace("${AWS::StackName}", MEMBER_PREFIX),
    )
}

/// The member-side statements of `task`, in its contract's order.
pub fn statements(task: &TaskInfo) -> (Vec<Statement>, Vec<Value>) {
    let member: Vec<_> = task
        .permissions
        .iter()
        .filter(|p| p.place() == Place::Member)
        .cloned()
        .collect();
    let mut statements = Vec::new();
    let mut unscoped = Vec::new();
    for p in &member {
        let (st, why) = policy::statement_with(p, member_resource, member_pattern);
        statements.push(st);
        unscoped.extend(why);
    }
    if let Some(deny) = policy::never_own_roles(&member) {
        statements.push(deny);
    }
    (statements, unscoped)
}

/// Only the security account's role of `task` may assume its member role: see the module doc.
fn trust(task: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OnlyThisTasksRoleInTheSecurityAccount",
            "Effect": "Allow",
            "Principal": {"AWS": sub(&format!("arn:${{AWS::Partition}}:iam::${{{SECURITY_ACCOUNT}}}:root"))},
            "Action": "sts:AssumeRole",
            "Condition": {
                "ArnLike": {"aws:PrincipalArn": sub(&format!(
                    "arn:${{AWS::Partition}}:iam::${{{SECURITY_ACCOUNT}}}:role{}*",
                    contract::trust::ROLE_PATH
                ))},
                "StringEquals": {
                    format!("aws:PrincipalTag/{MEMBER_PREFIX}:task"): task,
                    "aws:PrincipalOrgID": ref_(ORGANIZATION),
                },
                "StringLike": {"sts:RoleSessionName": "case-*"},
            },
        }],
    })
}

fn security_account_parameters(t: &mut Template) {
    t.parameter(
        SECURITY_ACCOUNT,
        Parameter::string(
            "The account that runs aws-ir's playbooks (the delegated administrator).",
        )
        .pattern("^[0-9]{12}$")
        .example(json!("210987654321")),
    );
}

/// `organization/member-roles.json`.
pub fn roles_template(playbooks: &[Playbook]) -> Template {
    let mut t = Template::new(
        "aws-ir member roles (one stack per member account): the role each aws-ir task assumes to act on this account's resources, which only that task's role in the security account may assume. Generated by `cargo run -p codegen`; do not edit.",
    );
    security_account_parameters(&mut t);
    t.parameter(
        ORGANIZATION,
        Parameter::string(
            "The organization's id: only principals of the organization may assume the roles.",
        )
        .pattern("^o-[a-z0-9]{10,32}$")
        .example(json!("o-a1b2c3d4e5")),
    );
    for task in tasks(playbooks) {
        let (statements, unscoped) = statements(&task);
        if statements.is_empty() {
            continue;
        }
        let role = member_role(task.name);
        t.add(
            &format!("{}Role", task.title),
            Resource::new(
                "AWS::IAM::Role",
                json!({
                    "RoleName": role,
                    "Description": format!("Task {} of aws-ir acts here through this role; only that task's role in the security account may assume it.", task.name),
                    "Path": contract::trust::ROLE_PATH,
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": trust(task.name),
                    "Policies": [{
                        "PolicyName": format!("{}-member", task.name),
                        "PolicyDocument": PolicyDocument::new(statements).render(),
                    }],
                    "Tags": [{"Key": format!("{MEMBER_PREFIX}:task"), "Value": task.name}],
                }),
            )
            .annotate("aws-ir", json!({"unscoped": unscoped})),
        );
    }
    // The profile isolated instances get: Systems Manager only, so responders still reach them.
    super::evidence::add_quarantine_profile(&mut t, Some(MEMBER_QUARANTINE));
    t
}

/// The patterns a member forwards, with the condition they depend on: the playbooks' triggers
/// on events a member account sees first, **one rule per event**. Triggers of several playbooks
/// overlap (triage takes every finding an EC2 playbook takes; two playbooks watch StopLogging),
/// and each rule that matches delivers the event again: one finding would start a playbook once
/// per matching rule. So the patterns of one source and detail-type become one rule: a pattern
/// another one covers is dropped, and the rest are alternatives (`$or`) of one pattern. The
/// playbooks' own rules on the security bus still choose precisely.
fn forwarded(playbooks: &[Playbook]) -> Vec<(String, Value, Option<&'static str>)> {
    // (id, source and detail-type, patterns, condition), in order of first appearance.
    let mut groups: Vec<(String, Value, Vec<Value>, Option<&'static str>)> = Vec::new();
    let triggers = playbooks.iter().flat_map(|p| {
        p.triggers
            .iter()
            .chain(p.companions.iter().flat_map(|c| c.triggers.iter()))
    });
    for trigger in triggers {
        let condition = match trigger {
            // The delegated administrator receives members' findings itself, unless their
            // aggregation is not set up (then ForwardFindings=enabled).
            Trigger::GuardDuty { .. } | Trigger::SecurityHubFindings { .. } => {
                Some(FORWARD_FINDINGS)
            }
            Trigger::CloudTrailApiCall { .. }
            | Trigger::TagWrites { .. }
            | Trigger::ConfigCompliance { .. } => None,
            // Security Hub's custom actions live in the administrator's console, schedules
            // are the security account's own, Config rules the playbook deploys are in its own
            // account, and a responder's request starts the machine directly.
            Trigger::SecurityHubCustomAction { .. }
            | Trigger::ConfigRules { .. }
            | Trigger::Schedule { .. }
            | Trigger::Manual { .. } => continue,
        };
        let pattern = trigger.pattern();
        let kind = json!([pattern["source"], pattern["detail-type"]]);
        match groups.iter_mut().find(|(_, k, _, _)| *k == kind) {
            Some((_, _, patterns, _)) => {
                if !patterns.iter().any(|p| covers(p, &pattern)) {
                    patterns.retain(|p| !covers(&pattern, p));
                    patterns.push(pattern);
                }
            }
            None => groups.push((
                format!("Forward{}", trigger.id()),
                kind,
                vec![pattern],
                condition,
            )),
        }
    }
    groups
        .into_iter()
        .map(|(id, kind, mut patterns, condition)| {
            let pattern = if patterns.len() == 1 {
                patterns.remove(0)
            } else {
                let alternatives: Vec<Value> = patterns
                    .into_iter()
                    .map(|mut p| {
                        if let Some(m) = p.as_object_mut() {
                            m.remove("source");
                            m.remove("detail-type");
                        }
                        p
                    })
                    .collect();
                json!({"source": kind[0], "detail-type": kind[1], "$or": alternatives})
            };
            (id, pattern, condition)
        })
        .collect()
}

/// Whether every event `narrow` matches, `broad` matches too, read structurally: each field
/// `broad` constrains, `narrow` constrains the same way or to a subset of plain values.
fn covers(broad: &Value, narrow: &Value) -> bool {
    match (broad, narrow) {
        (Value::Object(b), Value::Object(n)) => b
            .iter()
            .all(|(k, bv)| n.get(k).is_some_and(|nv| covers(bv, nv))),
        (Value::Array(b), Value::Array(n)) if b.iter().chain(n).all(Value::is_string) => {
            n.iter().all(|v| b.contains(v))
        }
        (b, n) => b == n,
    }
}

/// `organization/member.json`.
pub fn forwarding_template(playbooks: &[Playbook]) -> Template {
    let mut t = Template::new(
        "aws-ir member forwarding (one stack per member account and Region): the events aws-ir's playbooks start on, forwarded to the security account's bus in the home Region, the Run Command documents EC2 containment runs on an instance here, and the WAF IP sets malicious-ip blocks addresses in. Generated by `cargo run -p codegen`; do not edit.",
    );
    security_account_parameters(&mut t);
    t.parameter(
        HOME_REGION,
        Parameter::string("The Region where the security account runs the playbooks.")
            .pattern("^[a-z]{2}(-[a-z]+)+-[0-9]$")
            .example(json!(crate::cfn::example::REGION)),
    );
    t.parameter(
        FORWARD_FINDINGS,
        Parameter::string("enabled: also forward GuardDuty and Security Hub findings (when the delegated administrator does not aggregate them).")
            .default(json!("disabled"))
            .allowed(&[json!("enabled"), json!("disabled")]),
    );
    t.condition(
        FORWARD_FINDINGS,
        equals(ref_(FORWARD_FINDINGS), json!("enabled")),
    );
    let bus = sub(&format!(
        "arn:${{AWS::Partition}}:events:${{{HOME_REGION}}}:${{{SECURITY_ACCOUNT}}}:event-bus/default"
    ));
    let rules = forwarded(playbooks);
    t.add(
        FORWARD_DLQ,
        Resource::new(
            "AWS::SQS::Queue",
            json!({
                // SQS-managed encryption: a member stack needs no key of its own (#20: keys
                // per account and Region dominated an organization's bill).
                "SqsManagedSseEnabled": true,
                "MessageRetentionPeriod": 1_209_600,
            }),
        )
        .skip_check(
            "CKV_AWS_27",
            "Encrypted at rest with SQS-managed keys (SqsManagedSseEnabled), which the check does not read. EventBridge cannot deliver to a queue under the AWS managed key aws/sqs, and a customer-managed key per member account and Region is the cost #20 avoids.",
        ),
    );
    t.add(
        "ForwardDeadLetterQueuePolicy",
        super::trigger::dead_letter_policy(
            FORWARD_DLQ,
            rules.iter().map(|(id, _, c)| (id.as_str(), *c)),
        ),
    );
    t.add(
        FORWARDER_ROLE,
        Resource::new(
            "AWS::IAM::Role",
            json!({
                "Description": "Lets this stack's EventBridge rules put events on the security account's bus.",
                "RoleName": sub(&format!("{FORWARDER_ROLE_NAME}-${{AWS::Region}}")),
                "Path": contract::trust::ROLE_PATH,
                "AssumeRolePolicyDocument": service_trust_for("events.amazonaws.com", sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/${AWS::StackName}-*")),
                "Policies": [{
                    "PolicyName": "forward-to-security-account",
                    "PolicyDocument": PolicyDocument::new(vec![Statement::allow(
                        "PutOnSecurityAccountBus",
                        ["events:PutEvents"],
                        vec![bus.clone()],
                    )]).render(),
                }],
            }),
        ),
    );
    for (id, pattern, condition) in &rules {
        let rule = Resource::new(
            "AWS::Events::Rule",
            json!({
                // A fixed name (one stack per account and Region), which the guardrails SCP
                // keeps everyone but StackSets from changing.
                "Name": format!("{MEMBER_PREFIX}-{id}"),
                "Description": "Forwards to aws-ir in the security account what a playbook starts on.",
                "EventPattern": pattern,
                "State": "ENABLED",
                "Targets": [{
                    "Id": "security-account",
                    "Arn": bus,
                    "RoleArn": get_att(FORWARDER_ROLE, "Arn"),
                    "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 20},
                    "DeadLetterConfig": {"Arn": get_att(FORWARD_DLQ, "Arn")},
                }],
            }),
        );
        t.add(
            id,
            match condition {
                Some(c) => rule.condition(c),
                None => rule,
            },
        );
    }
    // What EC2 containment runs on an instance of this account and Region (Run Command
    // documents are regional), under the names the playbooks give a member case.
    super::evidence::capture_document(&mut t, Some(MEMBER_CAPTURE_DOCUMENT));
    super::evidence::memory_upload_document(&mut t, Some(MEMBER_MEMORY_UPLOAD_DOCUMENT));
    // What malicious-ip blocks a case's addresses in here (#20): one set per address family,
    // written only by aws-ir's member roles; the member's web ACLs reference them.
    for (id, name, version) in [
        ("BlockedIpv4Set", MEMBER_BLOCKED_IPV4_SET, "IPV4"),
        ("BlockedIpv6Set", MEMBER_BLOCKED_IPV6_SET, "IPV6"),
    ] {
        t.add(
            id,
            Resource::new(
                "AWS::WAFv2::IPSet",
                json!({
                    "Name": name,
                    "Description": format!("Addresses aws-ir blocks in this account and Region, {version}, written by its member roles, each with an expiry."),
                    "Scope": "REGIONAL",
                    "IPAddressVersion": version,
                    "Addresses": [],
                }),
            ),
        );
        t.output(
            &format!("{id}Arn"),
            Output::new(
                &format!("WAF IP set of the {version} addresses aws-ir blocks here: reference it from a web ACL rule that blocks."),
                get_att(id, "Arn"),
            ),
        );
    }
    t.output(
        "ForwardDeadLetterQueueUrl",
        Output::new(
            "Events EventBridge could not forward to the security account; replay them from here.",
            ref_(FORWARD_DLQ),
        ),
    );
    t
}

/// `organization/security-account.json`: the security account's side of the member stacks, once
/// in the home Region. Its default bus admits events only from the member forwarders' roles of
/// the organization, and only AWS's own events: a workload of a member account, even one that
/// may put events on its own bus, cannot reach it, and the forwarders forward only `aws.*`
/// events (which no one but AWS can put on a bus).
pub fn security_account_template() -> Template {
    let mut t = Template::new(
        "aws-ir security account (once, in the home Region, beside the playbook stacks): the default bus admits the events the organization's member stacks forward, and nothing else from outside the account. Generated by `cargo run -p codegen`; do not edit.",
    );
    t.parameter(
        ORGANIZATION,
        Parameter::string("The organization's id: only its member stacks' forwarders may put events on this account's default bus.")
            .pattern("^o-[a-z0-9]{10,32}$")
            .example(json!("o-a1b2c3d4e5")),
    );
    stack_sets(&mut t);
    t.add(
        "MemberForwardersPutEvents",
        Resource::new(
            "AWS::Events::EventBusPolicy",
            json!({
                "EventBusName": "default",
                "StatementId": "aws-ir-member-forwarders",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "events:PutEvents",
                    "Resource": sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"),
                    "Condition": {
                        "StringEquals": {"aws:PrincipalOrgID": ref_(ORGANIZATION)},
                        "ArnLike": {"aws:PrincipalArn": sub(&format!(
                            "arn:${{AWS::Partition}}:iam::*:role{}{FORWARDER_ROLE_NAME}-*",
                            contract::trust::ROLE_PATH
                        ))},
                        "ForAllValues:StringLike": {"events:source": ["aws.*"]},
                    },
                },
            }),
        ),
    );
    t
}

pub const MEMBER_OUS: &str = "MemberOrganizationalUnits";
pub const MEMBER_REGIONS: &str = "MemberRegions";
pub const MEMBER_ROLES_URL: &str = "MemberRolesTemplateUrl";
pub const MEMBER_URL: &str = "MemberTemplateUrl";
pub const CALL_AS: &str = "CallAs";
pub const SECURITY_UNIT: &str = "SecurityAccountUnit";
pub const SECURITY_REGIONS: &str = "SecurityAccountRegions";
const COVERS_SECURITY_ACCOUNT: &str = "CoversSecurityAccount";
const FORWARDS_SECURITY_REGIONS: &str = "ForwardsSecurityAccountRegions";
use contract::naming::{
    FORWARDING_STACK_SET, MEMBER_ROLES_STACK_SET as ROLES_STACK_SET, SECURITY_FORWARDING_STACK_SET,
    SECURITY_ROLES_STACK_SET,
};

/// The two member stacks as service-managed StackSets: every account of the target OUs gets
/// them, and so does every account that joins one later (auto-deployment), while one that
/// leaves has them removed. The roles once per account (IAM is global: in the home Region
/// only), the forwarding in every member Region. The security account is left out of those: in
/// its home Region the playbooks hear its events directly, and a forwarder there would send
/// them to itself. Its other Regions get the same two stacks from two StackSets of their own
/// (`SecurityAccountUnit`, the OU it is in, and `SecurityAccountRegions`, the member Regions but
/// the home one), so that a group opened in its eu-west-1 is answered like a member's; a
/// management account, where StackSets never deploy, gets them from `irctl deploy` instead.
fn stack_sets(t: &mut Template) {
    t.parameter(
        MEMBER_OUS,
        Parameter::list("The organizational units (ou-…, or the root r-…) whose accounts get aws-ir's member stacks, now and whenever an account joins one.")
            .example(json!("ou-ab12-cdef3456")),
    );
    t.parameter(
        MEMBER_REGIONS,
        Parameter::list("The Regions whose events member accounts forward to this one (list the home Region too).")
            .example(json!("us-east-1,eu-west-1")),
    );
    for (name, file) in [
        (MEMBER_ROLES_URL, "member-roles.json"),
        (MEMBER_URL, "member.json"),
    ] {
        t.parameter(
            name,
            Parameter::string(&format!("The S3 URL of organization/{file} as uploaded (`irctl deploy --organization` uploads it to the artifact bucket; a StackSet takes a template body of at most 51,200 bytes only)."))
                .pattern("^https://.+")
                .example(json!(format!("https://aws-ir-artifacts.s3.us-east-1.amazonaws.com/organization/{file}"))),
        );
    }
    t.parameter(
        CALL_AS,
        Parameter::string("DELEGATED_ADMIN when this account is a delegated administrator for StackSets (the usual security account); SELF in the management account.")
            .default(json!("DELEGATED_ADMIN"))
            .allowed(&[json!("DELEGATED_ADMIN"), json!("SELF")]),
    );
    t.parameter(
        FORWARD_FINDINGS,
        Parameter::string("enabled: members also forward GuardDuty and Security Hub findings (when this account does not aggregate them as their delegated administrator).")
            .default(json!("disabled"))
            .allowed(&[json!("enabled"), json!("disabled")]),
    );
    t.parameter(
        SECURITY_UNIT,
        Parameter::string("The OU (ou-…, or the root r-…) this account is in, as a StackSet names an account (`irctl deploy --organization` reads it): the security account's own Regions other than this one get the member stacks too. Empty: they do not (and in the management account, where StackSets never deploy, irctl deploys them).")
            .default(json!(""))
            .pattern("^$|^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$"),
    );
    t.parameter(
        SECURITY_REGIONS,
        Parameter::string("The member Regions other than this one, comma-separated (`irctl deploy --organization` computes them): where the security account's own events are forwarded from.")
            .default(json!("")),
    );
    t.condition(
        COVERS_SECURITY_ACCOUNT,
        json!({"Fn::And": [
            equals(ref_(CALL_AS), json!("DELEGATED_ADMIN")),
            not(equals(ref_(SECURITY_UNIT), json!(""))),
        ]}),
    );
    t.condition(
        FORWARDS_SECURITY_REGIONS,
        json!({"Fn::And": [
            {"Condition": COVERS_SECURITY_ACCOUNT},
            not(equals(ref_(SECURITY_REGIONS), json!(""))),
        ]}),
    );
    let targets = |regions: Value| {
        json!([{
            "DeploymentTargets": {
                "OrganizationalUnitIds": ref_(MEMBER_OUS),
                "Accounts": [ref_("AWS::AccountId")],
                "AccountFilterType": "DIFFERENCE",
            },
            "Regions": regions,
        }])
    };
    // This account alone, by the OU it is in (a service-managed StackSet names accounts only
    // within OUs).
    let this_account = |regions: Value| {
        json!([{
            "DeploymentTargets": {
                "OrganizationalUnitIds": [ref_(SECURITY_UNIT)],
                "Accounts": [ref_("AWS::AccountId")],
                "AccountFilterType": "INTERSECTION",
            },
            "Regions": regions,
        }])
    };
    let stack_set =
        |name: &str, description: &str, url: &str, parameters: Value, targets: Value| {
            Resource::new(
                "AWS::CloudFormation::StackSet",
                json!({
                    "StackSetName": name,
                    "Description": description,
                    "PermissionModel": "SERVICE_MANAGED",
                    "AutoDeployment": {"Enabled": true, "RetainStacksOnAccountRemoval": false},
                    "CallAs": ref_(CALL_AS),
                    "Capabilities": ["CAPABILITY_NAMED_IAM"],
                    "ManagedExecution": {"Active": true},
                    "OperationPreferences": {
                        "RegionConcurrencyType": "PARALLEL",
                        "MaxConcurrentPercentage": 25,
                        "FailureTolerancePercentage": 10,
                    },
                    "TemplateURL": ref_(url),
                    "Parameters": parameters,
                    "StackInstancesGroup": targets,
                }),
            )
        };
    let param = |k: &str, v: Value| json!({"ParameterKey": k, "ParameterValue": v});
    t.add(
        "MemberRolesStackSet",
        stack_set(
            ROLES_STACK_SET,
            "aws-ir's member roles in every account of the target OUs (organization/member-roles.json).",
            MEMBER_ROLES_URL,
            json!([
                param(SECURITY_ACCOUNT, ref_("AWS::AccountId")),
                param(ORGANIZATION, ref_(ORGANIZATION)),
            ]),
            targets(json!([ref_("AWS::Region")])),
        ),
    );
    t.add(
        "SecurityAccountRolesStackSet",
        stack_set(
            SECURITY_ROLES_STACK_SET,
            "aws-ir's member roles in this account, for its own Regions other than the home one (organization/member-roles.json).",
            MEMBER_ROLES_URL,
            json!([
                param(SECURITY_ACCOUNT, ref_("AWS::AccountId")),
                param(ORGANIZATION, ref_(ORGANIZATION)),
            ]),
            this_account(json!([ref_("AWS::Region")])),
        )
        .condition(FORWARDS_SECURITY_REGIONS),
    );
    t.add(
        "MemberForwardingStackSet",
        stack_set(
            FORWARDING_STACK_SET,
            "aws-ir's event forwarding in every account of the target OUs and every member Region (organization/member.json).",
            MEMBER_URL,
            json!([
                param(SECURITY_ACCOUNT, ref_("AWS::AccountId")),
                param(HOME_REGION, ref_("AWS::Region")),
                param(FORWARD_FINDINGS, ref_(FORWARD_FINDINGS)),
            ]),
            targets(ref_(MEMBER_REGIONS)),
        ),
    );
    t.add(
        "SecurityAccountForwardingStackSet",
        stack_set(
            SECURITY_FORWARDING_STACK_SET,
            "aws-ir's event forwarding from this account's own Regions other than the home one (organization/member.json).",
            MEMBER_URL,
            json!([
                param(SECURITY_ACCOUNT, ref_("AWS::AccountId")),
                param(HOME_REGION, ref_("AWS::Region")),
                param(FORWARD_FINDINGS, ref_(FORWARD_FINDINGS)),
            ]),
            this_account(json!({"Fn::Split": [",", ref_(SECURITY_REGIONS)]})),
        )
        .condition(FORWARDS_SECURITY_REGIONS),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Value {
        roles_template(&crate::playbooks::all()).render()
    }

    #[test]
    fn a_member_role_holds_only_its_tasks_member_side_permissions() {
        let roles = roles();
        for task in tasks(&crate::playbooks::all()) {
            let home: Vec<&str> = task
                .permissions
                .iter()
                .filter(|p| p.place() == Place::Home)
                .map(|p| p.sid)
                .collect();
            let member: Vec<&str> = task
                .permissions
                .iter()
                .filter(|p| p.place() == Place::Member)
                .map(|p| p.sid)
                .collect();
            let role = &roles["Resources"][format!("{}Role", task.title)];
            if member.is_empty() {
                assert!(role.is_null(), "{} acts only at home", task.name);
                continue;
            }
            let sids: Vec<&str> = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["Effect"] == "Allow")
                .map(|s| s["Sid"].as_str().unwrap())
                .collect();
            assert_eq!(sids, member, "{}", task.name);
            // Home and member permissions of one task never share a statement id.
            assert!(home.iter().all(|h| !member.contains(h)), "{}", task.name);
            assert_eq!(role["Properties"]["RoleName"], member_role(task.name));
        }
    }

    #[test]
    fn no_member_statement_names_the_security_accounts_own_resources() {
        // A permission on the stack's executions, parameters or tables that was not declared
        // `at_home` would land in a member role: the patterns say so.
        let text = roles().to_string();
        for home in [
            "StackPrefix",
            ":states:",
            "CaseTable",
            "EvidenceBucket",
            "EncryptionKey",
            "RecordKey",
            "CustodyKey",
            "parameter/incident-response",
        ] {
            assert!(!text.contains(home), "a member role names `{home}`");
        }
    }

    #[test]
    fn every_permission_is_in_one_place() {
        // A statement's further scopes share its first one's place: one statement, one account.
        for task in tasks(&crate::playbooks::all()) {
            for p in &task.permissions {
                for s in &p.more {
                    if let contract::task::Scope::Stack(r) = s {
                        assert_eq!(r.place(), p.place(), "{}: {}", task.name, p.sid);
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_tasks_own_role_of_the_organization_may_assume_it_for_a_case() {
        let roles = roles();
        let role = &roles["Resources"]["IsolateNetworkRole"]["Properties"];
        let st = &role["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(st["Action"], "sts:AssumeRole");
        let c = &st["Condition"];
        assert_eq!(
            c["StringEquals"]["aws:PrincipalTag/aws-ir:task"],
            "isolate-network"
        );
        assert_eq!(
            c["StringEquals"]["aws:PrincipalOrgID"],
            json!({"Ref": ORGANIZATION})
        );
        assert_eq!(c["StringLike"]["sts:RoleSessionName"], "case-*");
        assert_eq!(
            c["ArnLike"]["aws:PrincipalArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:iam::${SecurityAccountId}:role/aws-ir/*"})
        );
        assert_eq!(role["Path"], contract::trust::ROLE_PATH);
    }

    #[test]
    fn a_member_role_acts_in_every_region() {
        let text = roles().to_string();
        assert!(!text.contains("${AWS::Region}"), "member roles are global");
        // A service condition on one Region's endpoint becomes a wildcard, matched as one.
        let roles = roles();
        let transfer = &roles["Resources"]["TransferEvidenceRole"]["Properties"]["Policies"][0]
            ["PolicyDocument"]["Statement"];
        let kms = transfer
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == "EncryptCopiesForTheForensicAccount")
            .unwrap();
        assert_eq!(
            kms["Condition"]["StringLike"]["kms:ViaService"],
            json!("ec2.*.amazonaws.com")
        );
    }

    /// A member case's EC2 steps name what the member stacks create there: the capture and
    /// upload documents in every member Region, the quarantine profile once per account; and
    /// its policy keeps every other field of the stack's.
    #[test]
    fn a_member_cases_policy_names_what_the_member_stacks_create() {
        let ec2 = crate::playbooks::all()
            .into_iter()
            .find(|p| p.id == crate::playbooks::ec2_compromise::ID)
            .unwrap();
        let definition = ec2.machine.render();
        let states = &definition["States"];
        let member = &states["ActInTheMemberAccount"]["Parameters"];
        let home = states["ReadPolicy"]["Parameters"].as_object().unwrap();
        let fields = |m: &serde_json::Map<String, Value>| -> Vec<String> {
            m.keys()
                .map(|k| k.trim_end_matches(".$").to_string())
                .collect()
        };
        assert_eq!(fields(member.as_object().unwrap()), fields(home));
        let forwarding = forwarding_template(&crate::playbooks::all()).render();
        let documents: Vec<&Value> = forwarding["Resources"]
            .as_object()
            .unwrap()
            .values()
            .filter(|r| r["Type"] == "AWS::SSM::Document")
            .map(|r| &r["Properties"]["Name"])
            .collect();
        assert_eq!(
            documents,
            [
                &member["capture_document"],
                &member["memory_upload_document"]
            ]
        );
        let roles = roles_template(&crate::playbooks::all()).render();
        assert_eq!(
            roles["Resources"][super::super::evidence::QUARANTINE_PROFILE]["Properties"]
                ["InstanceProfileName"],
            MEMBER_QUARANTINE
        );
        assert_eq!(
            member["quarantine_profile_arn.$"],
            "States.Format('arn:${Partition}:iam::{}:instance-profile/aws-ir-quarantine', $.case.account)"
        );
        // No volume of a member goes to this account's forensic instance.
        assert_eq!(member["forensic_instance_id"], "");
        // Only a case that names another account or Region takes it.
        let choice = states["WhereIsTheCase"]["Choices"][0].to_string();
        assert!(choice.contains("${StackAccountId}") && choice.contains("${StackRegion}"));
    }

    #[test]
    fn the_security_bus_admits_only_the_organizations_forwarders_and_aws_events() {
        let t = security_account_template().render();
        let st = &t["Resources"]["MemberForwardersPutEvents"]["Properties"]["Statement"];
        assert_eq!(st["Action"], "events:PutEvents");
        let c = &st["Condition"];
        assert_eq!(
            c["StringEquals"]["aws:PrincipalOrgID"],
            json!({"Ref": ORGANIZATION})
        );
        assert_eq!(
            c["ArnLike"]["aws:PrincipalArn"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/aws-ir/aws-ir-forwarder-*"})
        );
        assert_eq!(
            c["ForAllValues:StringLike"]["events:source"],
            json!(["aws.*"])
        );
        // The name the policy admits is the name the member stack gives its forwarder.
        let member = forwarding_template(&crate::playbooks::all()).render();
        assert_eq!(
            member["Resources"][FORWARDER_ROLE]["Properties"]["RoleName"],
            json!({"Fn::Sub": "aws-ir-forwarder-${AWS::Region}"})
        );
    }

    #[test]
    fn stack_sets_deploy_the_member_stacks_to_every_account_that_joins_the_target_ous() {
        let t = security_account_template().render();
        for (id, name, regions) in [
            (
                "MemberRolesStackSet",
                ROLES_STACK_SET,
                json!([{"Ref": "AWS::Region"}]),
            ),
            (
                "MemberForwardingStackSet",
                FORWARDING_STACK_SET,
                json!({"Ref": MEMBER_REGIONS}),
            ),
        ] {
            let p = &t["Resources"][id]["Properties"];
            assert_eq!(p["StackSetName"], name);
            assert_eq!(p["PermissionModel"], "SERVICE_MANAGED");
            assert_eq!(
                p["AutoDeployment"],
                json!({"Enabled": true, "RetainStacksOnAccountRemoval": false})
            );
            let group = &p["StackInstancesGroup"][0];
            assert_eq!(group["Regions"], regions, "{id}");
            let targets = &group["DeploymentTargets"];
            assert_eq!(targets["OrganizationalUnitIds"], json!({"Ref": MEMBER_OUS}));
            // Never the security account itself.
            assert_eq!(targets["Accounts"], json!([{"Ref": "AWS::AccountId"}]));
            assert_eq!(targets["AccountFilterType"], "DIFFERENCE");
            assert_eq!(
                p["Parameters"][0],
                json!({"ParameterKey": SECURITY_ACCOUNT, "ParameterValue": {"Ref": "AWS::AccountId"}})
            );
        }
    }

    /// The security account's own Regions other than the home one get the member stacks from
    /// StackSets of their own that name this account alone, only from a delegated administrator
    /// (StackSets never deploy to the management account: irctl does there) and only when there
    /// are such Regions.
    #[test]
    fn the_security_accounts_other_regions_get_the_member_stacks_from_stack_sets_of_their_own() {
        let t = security_account_template().render();
        for (id, name, regions) in [
            (
                "SecurityAccountRolesStackSet",
                SECURITY_ROLES_STACK_SET,
                json!([{"Ref": "AWS::Region"}]),
            ),
            (
                "SecurityAccountForwardingStackSet",
                SECURITY_FORWARDING_STACK_SET,
                json!({"Fn::Split": [",", {"Ref": SECURITY_REGIONS}]}),
            ),
        ] {
            let r = &t["Resources"][id];
            assert_eq!(r["Condition"], FORWARDS_SECURITY_REGIONS, "{id}");
            let p = &r["Properties"];
            assert_eq!(p["StackSetName"], name);
            // Named like the members' StackSets: the SCP leaves their stacks to StackSets.
            assert!(name.starts_with(FORWARDING_STACK_SET), "{name}");
            let group = &p["StackInstancesGroup"][0];
            assert_eq!(group["Regions"], regions, "{id}");
            let targets = &group["DeploymentTargets"];
            assert_eq!(
                targets["OrganizationalUnitIds"],
                json!([{"Ref": SECURITY_UNIT}])
            );
            assert_eq!(targets["Accounts"], json!([{"Ref": "AWS::AccountId"}]));
            assert_eq!(targets["AccountFilterType"], "INTERSECTION");
        }
        let conditions = &t["Conditions"];
        assert_eq!(
            conditions[COVERS_SECURITY_ACCOUNT]["Fn::And"][0],
            json!({"Fn::Equals": [{"Ref": CALL_AS}, "DELEGATED_ADMIN"]})
        );
        assert_eq!(
            conditions[FORWARDS_SECURITY_REGIONS]["Fn::And"][0],
            json!({"Condition": COVERS_SECURITY_ACCOUNT})
        );
    }

    #[test]
    fn members_forward_what_the_playbooks_start_on_and_findings_only_when_asked() {
        let t = forwarding_template(&crate::playbooks::all()).render();
        let rules: Vec<(&String, &Value)> = t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Events::Rule")
            .collect();
        let sources: Vec<&str> = rules
            .iter()
            .flat_map(|(_, r)| {
                r["Properties"]["EventPattern"]["source"]
                    .as_array()
                    .unwrap()
            })
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(sources.contains(&"aws.guardduty"));
        assert!(sources.contains(&"aws.config"));
        assert!(
            sources.iter().all(|s| s.starts_with("aws.")),
            "only AWS's own events: {sources:?}"
        );
        for (id, r) in &rules {
            let source = r["Properties"]["EventPattern"]["source"][0]
                .as_str()
                .unwrap();
            let conditional = r["Condition"] == FORWARD_FINDINGS;
            assert_eq!(
                conditional,
                source == "aws.guardduty" || source == "aws.securityhub",
                "{id}"
            );
            assert_eq!(
                r["Properties"]["Targets"][0]["Arn"],
                json!({"Fn::Sub": "arn:${AWS::Partition}:events:${HomeRegion}:${SecurityAccountId}:event-bus/default"})
            );
        }
    }
}
