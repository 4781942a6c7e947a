//! Compromised credentials: cut off a leaked access key, a stolen role session or a user in
//! seconds, recorded and reversible (`credentials-release` puts it back).
//!
//! Per principal the case names (a Map, bounded concurrency):
//! 1. **Assess** live: resolve an access key to its user, a session to its role (and, for
//!    instance credentials, the instance and every instance sharing the role); skip root
//!    (notify only), aws-ir's own roles, break-glass principals and principals another
//!    execution already handles; ask a responder for protected principals and low severities;
//!    record the pre-state before any cut.
//! 2. **Cut**, by kind: a user's access key is deactivated (never deleted: it is evidence) and
//!    the user restricted per policy (deny-all inline policy, console password removed); a
//!    role's sessions issued before now are denied by an inline policy named after the case.
//! 3. The notification lists each principal, what was cut, where the credentials were used from
//!    (address, network, country) and the command that releases it.

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::{peer_machine_variable, Playbook};
use crate::constructs::trigger::Trigger;
use crate::playbooks::approval::{self, Approval};
use crate::playbooks::intake::{intake, notify, screen_account, REPORT_FAILURE};
use contract::approval::attribute;
use contract::case::SeverityLabel;
use contract::task::Task as TaskContract;
use contract::tasks::credentials::*;
use contract::ErrorName;
use serde_json::{json, Value};

pub const ID: &str = "credentials-compromise";

/// Credential-targeted GuardDuty finding families this playbook answers (root usage is
/// reported, never cut).
pub const GUARDDUTY_TYPES: [&str; 7] = [
    "UnauthorizedAccess:IAMUser/",
    "CredentialAccess:IAMUser/",
    "Persistence:IAMUser/",
    "PrivilegeEscalation:IAMUser/",
    "Impact:IAMUser/",
    "Exfiltration:IAMUser/",
    "Policy:IAMUser/RootCredentialUsage",
];

/// At most this many principals of one finding are handled at once.
pub const MAX_CONCURRENCY: u32 = 10;

pub fn policy_parameters() -> Vec<(&'static str, Parameter)> {
    let s = |d: &str, v: &str| Parameter::string(d).default(json!(v));
    let choice = |d: &str, v: &str, allowed: &[&str]| {
        Parameter::string(d)
            .default(json!(v))
            .allowed(&allowed.iter().map(|a| json!(a)).collect::<Vec<_>>())
    };
    vec![
        ("PrincipalExclusionTagKey", s("Users and roles with this tag key are never cut off (break-glass); the skip is recorded.", contract::tags::defaults::EXCLUDE)),
        ("ExcludedPrincipals", s("Comma-separated user or role names never cut off (break-glass).", "")),
        ("PrincipalProtectedTagKey", s("Users and roles with this tag key are cut off only after a responder approves.", contract::tags::defaults::PROTECTED)),
        ("CredentialsMinSeverityAutomatic", Parameter::string("Findings below this severity (0-10) wait for a responder's approval.").default(json!("7")).pattern("^([0-9](\\.[0-9])?|10)$")),
        ("CredentialsApprovalTimeoutSeconds", Parameter::number("Seconds a responder has to approve before CredentialsOnApprovalTimeout applies.").default(json!(3600)).range(1, 86_400)),
        ("CredentialsOnApprovalTimeout", choice("What to do when nobody answers an approval request in time.", "skip", &["skip", "proceed"])),
        ("UserDenyAll", choice("Attach a deny-all inline policy to a compromised user (all its keys and console sessions stop working).", "true", &["true", "false"])),
        ("ContainSourceInstance", choice("When instance credentials were used elsewhere, start ec2-compromise on the instance they were issued to (needs the ec2-compromise stack in this account and Region).", "false", &["true", "false"])),
        ("RemoveConsoleLogin", choice("Delete a compromised user's console password (release cannot restore it; a new one must be set).", "false", &["true", "false"])),
    ]
}

/// The policy every step receives; the release reads the same.
pub fn read_policy() -> Pass {
    Pass::new("ReadPolicy")
        .comment("The stack's parameters and stores, as the policy every step receives.")
        .parameters(json!({
            "exclusion_tag": "${PrincipalExclusionTagKey}",
            "excluded_principals": "${ExcludedPrincipals}",
            "protected_tag": "${PrincipalProtectedTagKey}",
            "min_severity_automatic": "${CredentialsMinSeverityAutomatic}",
            "approval_timeout_seconds.$": "States.StringToJson('${CredentialsApprovalTimeoutSeconds}')",
            "on_approval_timeout": "${CredentialsOnApprovalTimeout}",
            "user_deny_all": "${UserDenyAll}",
            "remove_console_login": "${RemoveConsoleLogin}",
            "contain_source_instance": "${ContainSourceInstance}",
            "case_table": "${CaseTableName}",
            "record_key": "${RecordKeyArn}",
        }))
        .result_path("$.policy")
}

fn finish(name: &str, status: &str, detail: Value) -> Pass {
    let mut params = json!({"principal.$": "$.results.assessment.id", "kind.$": "$.results.assessment.kind", "status": status});
    if let (Some(m), Value::Object(d)) = (params.as_object_mut(), detail) {
        m.extend(d);
    }
    Pass::new(name)
        .comment("The principal's compact result; details are in the case table.")
        .parameters(params)
}

/// A cut: the assessed principal bound as its target.
fn cut<T: TaskContract>(name: &str, comment: &str, result: &str) -> Task {
    Task::invoke::<T>(name)
        .comment(comment)
        .with_path("case", "$.case")
        .with_path("target", "$.results.assessment")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path(&format!("$.results.{result}"))
        .catch([STATES_ALL], "$.error", Chain::goto("CutFailed"))
}

/// After a role's sessions are revoked: per policy, the instance the credentials were issued to
/// goes to ec2-compromise as a request signed by this stack's hand-off role (that stack may be
/// absent, updated or disabled, and its own policy decides).
fn hand_over() -> Choice {
    let hand_off = Task::invoke::<HandOffInstance>("HandOffSourceInstance")
        .comment("Start ec2-compromise on the instance with a signed request, as a responder would.")
        .with_path("case", "$.case")
        .with_path("instance_id", "$.results.assessment.source_instance")
        .with_path("reason", "States.Format('credentials of role {} were used outside the instance (case {})', $.results.assessment.role_name, $.case.case_id)")
        .with("target", json!(format!("${{{}}}", peer_machine_variable(super::ec2_compromise::ID))))
        .result_path("$.results.handoff")
        .catch(
            [STATES_ALL],
            "$.error",
            finish("HandOverFailed", "contained", json!({"release.$": "$.results.assessment.release_command", "detail.$": "States.Format('sessions revoked; handing {} to ec2-compromise failed: {}: {}', $.results.assessment.source_instance, $.error.Error, $.error.Cause)"})),
        )
        .next(finish("CutOffAndHandedOver", "contained", json!({"release.$": "$.results.assessment.release_command", "detail.$": "States.Format('sessions revoked; instance {} handed to ec2-compromise ({}: {})', $.results.assessment.source_instance, $.results.handoff.status, $.results.handoff.execution)"})));
    Choice::new("HandOverSourceInstance")
        .when(
            Condition::and([
                Condition::string_equals("$.policy.contain_source_instance", "true"),
                Condition::not(Condition::string_equals(
                    "$.results.assessment.source_instance",
                    "",
                )),
            ]),
            hand_off,
        )
        .otherwise(Chain::goto("CutOff"))
}

fn per_principal() -> Chain {
    let failed = Pass::new("PrincipalFailed")
        .comment("The principal could not be read: nothing was changed on it.")
        .parameters(json!({"principal.$": "States.JsonToString($.principal)", "kind": "unknown", "status": "failed", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"}));
    let gone = Pass::new("PrincipalGone")
        .parameters(json!({"principal.$": "States.JsonToString($.principal)", "kind": "unknown", "status": "not found", "detail.$": "$.error.Cause"}));
    let cut_failed = finish(
        "CutFailed",
        "failed",
        json!({"detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"}),
    );

    let assess = Task::invoke::<AssessPrincipal>("AssessPrincipal")
        .comment("Resolve the principal live; skip, ask, or proceed; record its pre-state.")
        .with_path("case", "$.case")
        .with_path("principal", "$.principal")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.results.assessment")
        .catch([ErrorName::ResourceNotFound.as_str()], "$.error", gone)
        .catch([STATES_ALL], "$.error", failed);

    let contained = finish(
        "CutOff",
        "contained",
        json!({"release.$": "$.results.assessment.release_command"}),
    );
    // The first cut holds the shared failure state; the others jump to it.
    let deactivate = Task::invoke::<DeactivateAccessKey>("DeactivateAccessKey")
        .comment("Deactivate the key; never delete it (it is evidence).")
        .with_path("case", "$.case")
        .with_path("target", "$.results.assessment")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .result_path("$.results.deactivate")
        .catch([STATES_ALL], "$.error", cut_failed);
    let restrict = cut::<RestrictUser>(
        "RestrictUser",
        "Per policy: deny-all policy and console password removed.",
        "restrict",
    );
    let revoke = cut::<RevokeRoleSessions>(
        "RevokeRoleSessions",
        "Deny the role's sessions issued before now.",
        "revoke",
    );
    let route = Choice::new("CutByKind")
        .when(
            Condition::string_equals("$.results.assessment.kind", "access-key"),
            deactivate.next(Chain::goto("RestrictUser")),
        )
        .when(
            Condition::string_equals("$.results.assessment.kind", "user"),
            restrict.next(contained),
        )
        .when(
            Condition::string_equals("$.results.assessment.kind", "role"),
            revoke.next(hand_over()),
        )
        .otherwise(finish(
            "NothingToCut",
            "skipped",
            json!({"detail.$": "$.results.assessment.reason"}),
        ));

    let approval = approval::ask(
        Approval {
            subject: "aws-ir credentials-compromise: approval needed to cut off credentials",
            message: "States.Format('Case {} wants to cut off {}: {}\n\n{}\nSeverity: {}\n\nCut it off:  irctl approve {} --principal {}\nLeave it:    irctl reject {} --principal {} --reason \\'...\\'', $.case.case_id, $.results.assessment.id, $.results.assessment.reason, $.case.title, $.case.severity.label, $.case.case_id, $.results.assessment.id, $.case.case_id, $.results.assessment.id)".into(),
            attributes: vec![(attribute::PRINCIPAL, "$.results.assessment.id")],
            timeout_path: "$.policy.approval_timeout_seconds",
            distinct_from: None,
        },
        Choice::new("OnApprovalTimeout")
            .when(Condition::string_equals("$.policy.on_approval_timeout", "proceed"), Chain::goto("CutByKind"))
            .otherwise(finish("NotApproved", "not approved in time", json!({"detail": "nobody answered the approval request; policy says skip"}))),
        finish("Dismissed", "dismissed", json!({"detail.$": "States.Format('dismissed by {}: {}', $.results.approval.by, $.results.approval.reason)"})),
        "CutFailed",
    )
    .next(Chain::goto("CutByKind"));

    let decide = Choice::new("Decide")
        .when(
            Condition::string_equals("$.results.assessment.decision", "skip"),
            finish(
                "Skipped",
                "skipped",
                json!({"detail.$": "$.results.assessment.reason"}),
            ),
        )
        .when(
            Condition::string_equals("$.results.assessment.decision", "approve"),
            approval,
        )
        .otherwise(route);

    assess.next(decide)
}

pub fn playbook() -> Playbook {
    let each = MapState::new("EachPrincipal")
        .comment("Every principal and access key the finding names, a bounded number at a time.")
        .items_path("$.case.principals")
        .item_selector(json!({
            "case.$": "$.case",
            "policy.$": "$.policy",
            "principal.$": "$$.Map.Item.Value",
            "execution.$": "$$.Execution.Id",
            "results": {},
        }))
        .max_concurrency(MAX_CONCURRENCY)
        .item_processor(per_principal())
        .result_path("$.results.principals")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let record = Task::invoke::<RecordCredentials>("RecordCase")
        .comment("The case's record: who was cut off, every call and note, how to release.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .with_path("principals", "$.results.principals")
        .result_path("$.results.record")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let not_applicable = Pass::new("NotApplicable")
        .comment("The case names no principal (or is a sample): nothing for this playbook to do.")
        .result(json!({"status": "not applicable", "summary": ["the case names no IAM principal or access key this playbook can act on"], "report": ""}))
        .result_path("$.results.record");

    let notify = notify()
        .comment("Who was cut off, from where the credentials were used, and how to release.")
                .with_path("outcome", "States.Format('Credentials playbook: {}. Each principal line says how to release it.', $.results.record.status)")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let route = Choice::new("HasPrincipals")
        .comment("Only credential cases that name a principal, and not sample findings.")
        .when(
            Condition::and([
                Condition::string_equals("$.case.kind", "Credentials"),
                Condition::is_present("$.case.principals[0]", true),
                Condition::boolean_equals("$.case.sample", false),
            ]),
            read_policy().next(each).next(record),
        )
        .otherwise(not_applicable);

    let machine = StateMachine::new(
        ID,
        "Compromised credentials: per principal, assess and record, then deactivate the key, revoke the role's sessions or restrict the user; notify with the release command.",
        intake(ID).next(screen_account()).next(route).next(notify).next(Succeed::new("Done")),
    )
    .timeout(172_800);

    let mut parameters = policy_parameters();
    parameters.extend(super::release::parameters());
    parameters.sort_by_key(|(n, _)| *n);
    Playbook {
        id: ID,
        title: "Compromised credentials",
        description: "Cuts off compromised IAM credentials (access keys, role sessions, users) in seconds, recorded and reversible.",
        machine,
        triggers: vec![
            Trigger::guardduty(&GUARDDUTY_TYPES, 1.0),
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::High, SeverityLabel::Critical],
                products: vec![],
                exclude_products: vec!["GuardDuty".into()],
                resource_types: vec!["AwsIamAccessKey".into(), "AwsIamUser".into(), "AwsIamRole".into()],
                resource_tag: None,
                remote_address: false,
            },
            Trigger::SecurityHubCustomAction {
                id: "CutCreds".into(),
                name: "Contain credentials".into(),
                description: "Cut off the IAM credentials of the selected findings with the aws-ir credentials-compromise playbook.".into(),
            },
            Trigger::Manual { playbook: ID.into() },
        ],
        parameters,
        companions: vec![super::credentials_release::companion()],
    }
}
