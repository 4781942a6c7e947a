//! EC2 compromise: evidence first, then a containment that really cuts the attacker off,
//! recorded and reversible (`ec2-release` puts it back).
//!
//! First, once per case: a **survey** of where its instances are registered for traffic (every
//! target group of their VPCs and every classic load balancer, read once rather than once per
//! instance and step; #19). Then, per instance named by the finding (a Distributed Map over
//! the survey, each instance a child execution with its own history, bounded concurrency):
//! 1. **Assess** live: skip what policy excludes, what is gone, what another execution already
//!    handles (re-sent findings); ask a responder for protected instances and low severities.
//! 2. **Before the cut**, in parallel: record the pre-state (if that fails, nothing is changed)
//!    and capture volatile evidence with Run Command (a failed capture is recorded, never
//!    fatal, and never stops the instance).
//! 3. **Contain**, in parallel branches that each record their own failure so the others still
//!    finish: protections; detach from Auto Scaling and load balancers; per-interface isolation
//!    with the connection-tracking-aware swap; instance profile removal and optional session
//!    revocation.
//! 4. **Evidence**: tag, snapshot every volume together, attach evidence volumes to the
//!    forensic instance (waiting for snapshots with `IR.NotReady` retries), forensic interface.
//! 5. **Verify** live, then each instance ends with a compact status. Once per case, a
//!    **review** reads the registrations again: an instance registered for traffic since its
//!    steps read them is incomplete. The case is recorded (table + report in the evidence
//!    bucket).
//! 6. **Custody**, after containment and never before: every snapshot the case took is read
//!    back through the EBS direct APIs, range by range in a Distributed Map (a 16 TiB volume is
//!    hours of reading, far beyond one Lambda), each block checked against AWS's SHA-256; the
//!    manifest is sealed with the stack's signing key and the acquisition logged. A failure
//!    here leaves containment as it is and is reported; a re-run reads only missing ranges.
//!    Then the case is notified.

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::Playbook;
use crate::constructs::trigger::Trigger;
use crate::playbooks::approval::{self, Approval};
use crate::playbooks::intake::{intake, notify, screen_account, REPORT_FAILURE};
use contract::approval::attribute;
use contract::case::SeverityLabel;
use contract::tags::{self, RESPOND, RESPOND_AUTOMATICALLY};
use contract::task::Task as TaskContract;
use contract::tasks::custody::{HashRange, PlanCustody, SealCustody, TransferEvidence};
use contract::tasks::ec2::*;
use contract::ErrorName;
use serde_json::{json, Value};

pub const ID: &str = "ec2-compromise";

/// Instance-targeted GuardDuty finding families this playbook answers; a port scan is one: our
/// instance is its actor (the scanned address is its victim, `contract::remote`).
pub const GUARDDUTY_TYPES: [&str; 8] = [
    "Recon:EC2/Portscan",
    "Backdoor:EC2/",
    "CryptoCurrency:EC2/",
    "Trojan:EC2/",
    "UnauthorizedAccess:EC2/",
    "Impact:EC2/",
    "Execution:EC2/",
    "Behavior:EC2/",
];

/// At most this many instances of one finding are handled at once.
pub const MAX_CONCURRENCY: u32 = 40;

/// Ranges hashed at once. Each reads 16 blocks at a time (`tasks::custody::ebs::READERS`), so
/// at most 96 `GetSnapshotBlock` calls are in flight: about 1,000 a second at 100 ms of latency,
/// the per-snapshot and (default) per-account quota; throttling beyond it is retried.
pub const CUSTODY_CONCURRENCY: u32 = 6;

/// `(parameter, description, default, allowed values)`; each reaches the tasks as a policy field.
pub fn policy_parameters() -> Vec<(&'static str, Parameter)> {
    let s = |d: &str, v: &str| Parameter::string(d).default(json!(v));
    let choice = |d: &str, v: &str, allowed: &[&str]| {
        Parameter::string(d)
            .default(json!(v))
            .allowed(&allowed.iter().map(|a| json!(a)).collect::<Vec<_>>())
    };
    vec![
        ("ExclusionTagKey", s("Instances with this tag key are never touched (the skip is recorded).", tags::defaults::EXCLUDE)),
        ("ProtectedTagKey", s("Instances with this tag key are contained only after a responder approves.", tags::defaults::PROTECTED)),
        ("MinSeverityAutomatic", Parameter::string("Findings below this severity (0-10) wait for a responder's approval.").default(json!("7")).pattern("^([0-9](\\.[0-9])?|10)$")),
        ("ApprovalTimeoutSeconds", Parameter::number("Seconds a responder has to approve before OnApprovalTimeout applies.").default(json!(3600)).range(1, 86_400)),
        ("OnApprovalTimeout", choice("What to do when nobody answers an approval request in time.", "skip", &["skip", "proceed"])),
        ("VolatileCapture", choice("Capture volatile evidence with Run Command before isolating (slower, but keeps memory and connections).", "true", &["true", "false"])),
        ("CaptureTimeoutSeconds", Parameter::string("Seconds to wait for the capture command and the memory image's upload before isolating without them.").default(json!("600")).pattern("^[0-9]{1,3}$")),
        ("ProfileAction", choice("remove the instance profile, or swap it for the stack's quarantine profile (SSM only).", "remove", &["remove", "quarantine"])),
        ("RevokeRoleSessions", choice("Deny the instance role's sessions issued before containment (affects every instance sharing the role).", "false", &["true", "false"])),
        ("ForensicInstanceId", Parameter::string("Instance that receives the evidence volumes (empty: none).").default(json!("")).pattern("^$|^i-[0-9a-f]{8,17}$")),
        ("ForensicSubnetId", Parameter::string("Subnet of the forensic network interface (empty: none).").default(json!("")).pattern("^$|^subnet-[0-9a-f]{8,17}$")),
        ("ForensicSecurityGroupId", Parameter::string("Security group of the forensic network interface (empty: none).").default(json!("")).pattern("^$|^sg-[0-9a-f]{8,17}$")),
        ("ForensicAccountId", Parameter::string("Account each evidence snapshot is copied to (re-encrypted with ForensicKeyArn) and shared with; the copies are hashed like the originals (empty: no transfer).").default(json!("")).pattern("^$|^[0-9]{12}$")),
        ("ForensicKeyArn", Parameter::string("KMS key of the forensic account the copies are encrypted with; its key policy must let this account use it through EC2 (empty: no transfer).").default(json!("")).pattern("^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$")),
        ("NaclIsolation", choice("Also deny all traffic of the instance's subnets with a network ACL (cuts flows that stay tracked; affects every instance in those subnets).", "false", &["true", "false"])),
    ]
}

/// The policy the tasks receive, from the parameters and the stack's stores.
pub fn read_policy() -> Pass {
    Pass::new("ReadPolicy")
        .comment("The stack's parameters and stores, as the policy every step receives.")
        .parameters(policy_fields())
        .result_path("$.policy")
}

/// What a member case's steps use in place of the stack's own stores (#20): what the member
/// stacks create in every member account and Region under fixed names, and no forensic
/// instance (this account's, in this Region: a member's volumes cannot be attached to it, so
/// the evidence stays in the member's snapshots, hashed there and copied to the forensic
/// account when one is configured).
fn member_overrides() -> Value {
    json!({
        "capture_document": contract::naming::MEMBER_CAPTURE_DOCUMENT,
        "memory_upload_document": contract::naming::MEMBER_MEMORY_UPLOAD_DOCUMENT,
        "quarantine_profile_arn.$": format!(
            "States.Format('arn:${{Partition}}:iam::{{}}:instance-profile/{}', $.case.account)",
            contract::naming::MEMBER_QUARANTINE
        ),
        "forensic_instance_id": "",
        "forensic_subnet_id": "",
        "forensic_security_group_id": "",
    })
}

/// A case in another account or Region (a member's, #20): the policy names what the member
/// stacks put there, the rest unchanged. Its steps act there through the member roles.
pub fn where_the_case_is() -> Choice {
    crate::playbooks::intake::where_the_case_is(
        &policy_fields(),
        member_overrides(),
        "The case is in another account or Region: its steps use what the member stacks created there, and attach no volume to this account's forensic instance.",
    )
}

/// The policy's fields: the stack's parameters and stores.
fn policy_fields() -> Value {
    json!({
            "exclusion_tag": "${ExclusionTagKey}",
            "protected_tag": "${ProtectedTagKey}",
            "excluded_accounts": "${ExcludedAccounts}",
            "min_severity_automatic": "${MinSeverityAutomatic}",
            "approval_timeout_seconds.$": "States.StringToJson('${ApprovalTimeoutSeconds}')",
            "on_approval_timeout": "${OnApprovalTimeout}",
            "volatile_capture": "${VolatileCapture}",
            "capture_timeout_seconds": "${CaptureTimeoutSeconds}",
            "profile_action": "${ProfileAction}",
            "quarantine_profile_arn": "${QuarantineProfileArn}",
            "revoke_role_sessions": "${RevokeRoleSessions}",
            "forensic_instance_id": "${ForensicInstanceId}",
            "forensic_subnet_id": "${ForensicSubnetId}",
            "forensic_security_group_id": "${ForensicSecurityGroupId}",
            "nacl_isolation": "${NaclIsolation}",
            "case_table": "${CaseTableName}",
            "evidence_bucket": "${EvidenceBucketName}",
            "capture_document": "${CaptureDocumentName}",
            "memory_upload_document": "${MemoryUploadDocumentName}",
            "record_key": "${RecordKeyArn}",
            "signing_key": "${CustodyKeyArn}",
            "forensic_account_id": "${ForensicAccountId}",
            "forensic_key_arn": "${ForensicKeyArn}",
    })
}

/// A per-instance step: the item's case, instance, policy and execution bound to the task.
fn step<T: TaskContract>(name: &str) -> Task {
    Task::invoke::<T>(name)
        .with_path("case", "$.case")
        .with_path("instance_id", "$.instance_id")
        .with_path("policy", "$.policy")
        .with_path("execution", "$.execution")
        .with_path("registrations", "$.registrations")
}

/// The same, with the result replacing the state (inside Parallel branches).
fn branch_step<T: TaskContract>(name: &str, comment: &str) -> Chain {
    let failed = Pass::new(&format!("{name}Failed"))
        .comment("Record the failure as this branch's outcome, so the other branches still finish.")
        .parameters(json!({
            "status": "partial",
            "actions": [],
            "notes.$": "States.Array(States.Format('{} failed: {}: {}', $$.State.Name, $.error.Error, $.error.Cause))",
        }));
    step::<T>(name)
        .comment(comment)
        .result_path("$")
        .catch([STATES_ALL], "$.error", failed)
        .into_chain()
}

/// The compact result an instance's branch of the Map ends with.
fn finish(name: &str, status: &str, detail: Value) -> Pass {
    let mut params = json!({"instance_id.$": "$.instance_id", "status": status});
    if let (Some(m), Value::Object(d)) = (params.as_object_mut(), detail) {
        m.extend(d);
    }
    Pass::new(name)
        .comment("The instance's compact result; details are in the case table.")
        .parameters(params)
}

fn per_instance() -> Chain {
    let item_failed = finish(
        "InstanceFailed",
        "failed",
        json!({"detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"}),
    );
    let gone = finish(
        "InstanceGone",
        "not found",
        json!({"detail.$": "$.error.Cause"}),
    );

    let assess = step::<AssessInstance>("Assess")
        .comment("Read the instance live; skip, ask, or proceed.")
        .result_path("$.results.assessment")
        .catch([ErrorName::ResourceNotFound.as_str()], "$.error", gone)
        .catch([STATES_ALL], "$.error", item_failed);

    let before_cut = Parallel::new("BeforeTheCut")
        .comment("Record the pre-state and capture volatile evidence while the instance is still reachable.")
        .branch(step::<RecordPreState>("RecordPreState").result_path("$"))
        .branch(
            step::<CaptureVolatileEvidence>("CaptureVolatileEvidence")
                .result_path("$")
                // A capture that cannot finish is recorded; it never holds containment back.
                .catch(
                    [STATES_ALL],
                    "$.error",
                    Pass::new("CaptureFailed").parameters(json!({
                        "status": "failed",
                        "reason.$": "States.Format('{}: {}; containment goes on', $.error.Error, $.error.Cause)",
                        "command_id": "",
                        "location": "",
                        "memory": {"status": "failed", "reason": "no memory image: the capture failed"},
                    })),
                ),
        )
        .result_selector(json!({"pre_state.$": "$[0]", "capture.$": "$[1]"}))
        .result_path("$.results.before_cut")
        // No pre-state, no change: the instance is left as it is and the failure reported.
        .catch([STATES_ALL], "$.error", Chain::goto("InstanceFailed"));

    let contain = Parallel::new("Contain")
        .comment("Cut the instance off; each branch records its own failure so the others finish.")
        .branch(branch_step::<ProtectInstance>("ProtectInstance", "Termination protection, stop on shutdown, keep volumes."))
        .branch(branch_step::<IsolateNetwork>("IsolateNetwork", "Per interface: untrack, then isolate."))
        .branch(branch_step::<DetachFromServices>("DetachFromServices", "Out of the Auto Scaling group and load balancers."))
        .branch(branch_step::<RemoveInstanceProfile>("RemoveInstanceProfile", "Remove or quarantine the instance profile."))
        .result_selector(json!({"protect.$": "$[0]", "isolate.$": "$[1]", "detach.$": "$[2]", "profile.$": "$[3]"}))
        .result_path("$.results.containment")
        .catch([STATES_ALL], "$.error", Chain::goto("InstanceFailed"));

    // Evidence steps after the cut: a failure is recorded and the flow goes on at `then`.
    let evidence_step = |t: Task, name: &str, then: &str| {
        let noted = Pass::new(&format!("{name}Failed"))
            .parameters(json!({"status": "partial", "actions": [], "notes.$": "States.Array(States.Format('{}: {}', $.error.Error, $.error.Cause))"}))
            .result_path(&format!("$.results.{}", name.to_lowercase()))
            .next(Chain::goto(then));
        t.catch([STATES_ALL], "$.error", noted)
    };
    let tag = evidence_step(
        step::<TagInstance>("TagInstance")
            .comment("Case id and status on the instance.")
            .result_path("$.results.tag"),
        "Tag",
        "SnapshotVolumes",
    );
    let snapshot = evidence_step(
        step::<SnapshotVolumes>("SnapshotVolumes")
            .comment("Crash-consistent snapshots of every volume.")
            .result_path("$.results.snapshots"),
        "Snapshots",
        "AttachForensics",
    );
    let forensics = evidence_step(
        step::<AttachForensics>("AttachForensics")
            .comment("Evidence volumes to the forensic instance, forensic interface to this one.")
            .result_path("$.results.forensics")
            .retry(wait_for_snapshots()),
        "Forensics",
        "VerifyIsolation",
    );

    let contained = finish(
        "Contained",
        "contained",
        json!({"detail.$": "States.Format('volatile evidence: {}', $.results.before_cut.capture.status)"}),
    );
    let incomplete = finish(
        "Incomplete",
        "incomplete",
        json!({"detail.$": "$.results.verification.summary"}),
    );
    let verify = step::<VerifyIsolation>("VerifyIsolation")
        .comment("Re-read everything: is it really cut off?")
        .result_path("$.results.verification")
        .catch([STATES_ALL], "$.error", Chain::goto("InstanceFailed"))
        .next(
            Choice::new("IsIsolated")
                .when(
                    Condition::boolean_equals("$.results.verification.isolated", true),
                    contained,
                )
                .otherwise(incomplete),
        );

    let proceed = before_cut
        .next(contain)
        .next(tag)
        .next(snapshot)
        .next(forensics)
        .next(verify);

    // The survey was read before the wait, which can last hours: after it, the steps read
    // where the instance is registered live.
    let after_approval = Pass::new("ReadRegistrationsLive")
        .comment(
            "The case's survey is older than the approval wait: the steps read registrations live.",
        )
        .result(Value::Null)
        .result_path("$.registrations")
        .next(Chain::goto("BeforeTheCut"));
    let approval = approval::ask(
        Approval {
            subject: "aws-ir ec2-compromise: approval needed to contain an instance",
            message: "States.Format('Case {} wants to contain {}: {}\n\n{}\nSeverity: {}\n\nContain it:  irctl approve {} --instance {}\nLeave it:    irctl reject {} --instance {} --reason \\'...\\'', $.case.case_id, $.instance_id, $.results.assessment.reason, $.case.title, $.case.severity.label, $.case.case_id, $.instance_id, $.case.case_id, $.instance_id)".into(),
            attributes: vec![(attribute::INSTANCE_ID, "$.instance_id")],
            timeout_path: "$.policy.approval_timeout_seconds",
            distinct_from: None,
        },
        Choice::new("OnApprovalTimeout")
            .when(Condition::string_equals("$.policy.on_approval_timeout", "proceed"), Chain::goto("ReadRegistrationsLive"))
            .otherwise(finish("NotApproved", "not approved in time", json!({"detail": "nobody answered the approval request; policy says skip"}))),
        finish("Dismissed", "dismissed", json!({"detail.$": "States.Format('dismissed by {}: {}', $.results.approval.by, $.results.approval.reason)"})),
        "InstanceFailed",
    )
    .next(after_approval);

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
        .otherwise(proceed);

    assess.next(decide)
}

/// The Distributed Map that reads every range a plan lists (its key at `plan_path`), each
/// range a child execution: as acquisition (`verification` None: results are the record) or
/// for a verification run (its name at the path given: results kept beside the record).
pub(crate) fn hash_ranges(plan_path: &str, verification: Option<&str>) -> MapState {
    let hash_one = Task::invoke::<HashRange>("HashRange")
        .comment("One range: every block read and checked against AWS's SHA-256, written once.")
        .with_path("case_id", "$.case_id")
        .with_path("bucket", "$.bucket")
        .with_path("snapshot_id", "$.snapshot_id")
        .with_path("first_block", "$.first_block")
        .with_path("block_count", "$.block_count")
        .with_path("verification", "$.verification")
        .with_path("case", "$.case")
        // Only the small result: 1,024 of them must fit the Map's output.
        .result_path("$");
    let mut selector = json!({
        "case_id.$": "$.case.case_id",
        "bucket.$": "$.policy.evidence_bucket",
        "snapshot_id.$": "$$.Map.Item.Value.snapshot_id",
        "first_block.$": "$$.Map.Item.Value.first_block",
        "block_count.$": "$$.Map.Item.Value.block_count",
        "verification": "",
        "case": {
            "case_id.$": "$.case.case_id",
            "account.$": "$.case.account",
            "region.$": "$.case.region",
        },
    });
    if let Some(path) = verification {
        selector["verification.$"] = json!(path);
        if let Some(m) = selector.as_object_mut() {
            m.remove("verification");
        }
    }
    MapState::new("HashRanges")
        .comment(
            "Every range of every snapshot, each a child execution, a bounded number at a time.",
        )
        .distributed("custody", "$.policy.evidence_bucket", plan_path)
        .item_selector(selector)
        .max_concurrency(CUSTODY_CONCURRENCY)
        .item_processor(hash_one)
        .result_selector(json!({"ranges.$": "States.ArrayLength($)"}))
}

/// Snapshots take minutes: waiting for them (`IR.NotReady`) is patience, not a failure.
fn wait_for_snapshots() -> Retrier {
    Retrier::on_errors(&[ErrorName::NotReady])
        .interval(15)
        .max_attempts(40)
        .backoff(1.5)
        .max_delay(120)
        .jitter(Jitter::Full)
}

/// The custody stage: plan the ranges, hash them in a Distributed Map, seal the manifest. Its
/// result is `$.results.custody`; a failure is recorded there and the flow goes on.
fn custody() -> Chain {
    let failed = Pass::new("CustodyFailed")
        .comment("Containment stands; the custody record is incomplete and says why (a re-run reads only missing ranges).")
        .parameters(json!({
            "status": "failed",
            "manifest": "",
            "signature": "",
            "items": [],
            "verify.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
        }))
        .result_path("$.results.custody")
        .next(Chain::goto("Notify"));
    let transfer_failed = Pass::new("TransferFailed")
        .comment("The copies for the forensic account could not be made or shared; the originals are still hashed.")
        .parameters(json!({
            "status": "failed",
            "copies.$": "States.Array(States.Format('{}: {}', $.error.Error, $.error.Cause))",
        }))
        .result_path("$.results.transfer")
        .next(Chain::goto("PlanCustody"));
    let transfer = Task::invoke::<TransferEvidence>("TransferEvidence")
        .comment("Copy each snapshot for the forensic account, re-encrypted with its key, and share it (when configured).")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.results.transfer")
        .retry(wait_for_snapshots())
        .catch([STATES_ALL], "$.error", transfer_failed);
    let plan = Task::invoke::<PlanCustody>("PlanCustody")
        .comment("After containment: wait for the case's snapshots to complete, then cut them into ranges.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.results.custody_plan")
        .retry(wait_for_snapshots())
        .catch([STATES_ALL], "$.error", failed);
    let hash = hash_ranges("$.results.custody_plan.plan", None)
        .result_path("$.results.custody_hashing")
        .catch([STATES_ALL], "$.error", Chain::goto("CustodyFailed"));
    let seal = Task::invoke::<SealCustody>("SealCustody")
        .comment(
            "LINEAR aggregates, the manifest signed with the custody key, the acquisition logged.",
        )
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .with_path("plan", "$.results.custody_plan.plan")
        .result_path("$.results.custody")
        .catch([STATES_ALL], "$.error", Chain::goto("CustodyFailed"));
    let nothing = Pass::new("NoDiskToHash")
        .comment("No snapshot to read (none taken, or a dry run that only planned).")
        .parameters(json!({
            "status.$": "$.results.custody_plan.status",
            "manifest": "",
            "signature": "",
            "items.$": "$.results.custody_plan.snapshots",
            "verify": "",
        }))
        .result_path("$.results.custody");
    transfer.next(plan).next(
        Choice::new("HasRanges")
            .when(
                Condition::string_equals("$.results.custody_plan.status", "ready"),
                hash.next(seal),
            )
            .otherwise(nothing),
    )
}

pub fn playbook() -> Playbook {
    let survey = Task::invoke::<SurveyRegistrations>("SurveyRegistrations")
        .comment("Once per case and VPC: where the instances are registered for traffic (no API finds target groups by target).")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.results.survey")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    // Distributed: each instance is a child execution with its own history, so that a request
    // for hundreds (a poisoned AMI, a compromised fleet) fits AWS's 25,000 events per history
    // (an inline Map of 500 instances at about 75 events each cannot finish), and its items are
    // the survey's, read from the evidence bucket (in the state, 500 of them would pass the
    // 256 KiB a state may hold) (#19).
    let each = MapState::new("EachInstance")
        .comment("Every instance the finding names (the survey's items, each with its registrations), each a child execution, a bounded number at a time.")
        .distributed("instances", "$.policy.evidence_bucket", "$.results.survey.items")
        .item_selector(json!({
            "case.$": "$.case",
            "policy.$": "$.policy",
            "instance_id.$": "$$.Map.Item.Value.instance_id",
            "registrations.$": "$$.Map.Item.Value.registrations",
            "execution.$": "$$.Execution.Id",
            "results": {},
        }))
        .max_concurrency(MAX_CONCURRENCY)
        .item_processor(per_instance())
        .result_path("$.results.instances")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let review = Task::invoke::<ReviewRegistrations>("ReviewRegistrations")
        .comment("Once per case and VPC: a contained instance registered for traffic again since its steps read it is incomplete.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("instances", "$.results.instances")
        .result_path("$.results.instances")
        // The instances' own verification stands; the notification shows the review's failure.
        .catch([STATES_ALL], "$.results.review_failed", Chain::goto("RecordCase"))
        .next(
            // A state's result is an object; the results are the array inside it.
            Pass::new("ApplyReview")
                .comment("The reviewed results replace the Map's.")
                .input_path("$.results.instances.instances")
                .result_path("$.results.instances"),
        );

    let record = Task::invoke::<RecordCase>("RecordCase")
        .comment("The case's record (table) and full report (evidence bucket).")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .with_path("instances", "$.results.instances")
        .result_path("$.results.record")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let not_applicable = Pass::new("NotApplicable")
        .comment("The case names no instance (or is a sample): nothing for this playbook to do.")
        .result(json!({"status": "not applicable", "summary": ["the case names no EC2 instance this playbook can act on"], "report": ""}))
        .result_path("$.results.record");

    let notify = notify()
        .comment("What was done to every instance, and how to undo it.")
                .with_path("outcome", "States.Format('EC2 compromise playbook: {}. Release with: irctl start ec2-release --case {} --instance ...', $.results.record.status, $.case.case_id)")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let route = Choice::new("HasInstances")
        .comment("Only cases about instances, with instances named, and not sample findings.")
        .when(
            Condition::and([
                Condition::is_present("$.case.instances[0]", true),
                Condition::boolean_equals("$.case.sample", false),
            ]),
            read_policy()
                .next(where_the_case_is())
                .next(survey)
                .next(each)
                .next(review)
                .next(record)
                .next(custody()),
        )
        .otherwise(not_applicable);

    let machine = StateMachine::new(
        ID,
        "EC2 compromise: per instance, assess, record the pre-state and volatile evidence, contain (protect, detach, isolate every interface, remove the profile), snapshot, attach forensics, verify; then record and notify.",
        intake(ID).next(screen_account()).next(route).next(notify).next(Succeed::new("Done")),
    )
    .timeout(172_800);

    let mut parameters = policy_parameters();
    parameters.extend(super::release::parameters());
    parameters.sort_by_key(|(n, _)| *n);
    Playbook {
        id: ID,
        title: "EC2 compromise",
        description: "Contains compromised EC2 instances: evidence first, then network, identity and service isolation, recorded and reversible.",
        machine,
        triggers: vec![
            Trigger::guardduty(&GUARDDUTY_TYPES, 4.0),
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::High, SeverityLabel::Critical],
                products: vec![],
                exclude_products: vec!["GuardDuty".into()],
                resource_types: vec!["AwsEc2Instance".into()],
                // Other products' findings contain an instance only where its owner opted in.
                resource_tag: Some((RESPOND.into(), vec![RESPOND_AUTOMATICALLY.into()])),
                remote_address: false,
            },
            Trigger::SecurityHubCustomAction {
                id: "Isolate".into(),
                name: "Isolate instance".into(),
                description: "Contain the EC2 instances of the selected findings with the aws-ir ec2-compromise playbook.".into(),
            },
            Trigger::Manual { playbook: ID.into() },
        ],
        parameters,
        companions: vec![
            super::ec2_release::companion(),
            super::ec2_verify::companion(),
        ],
    }
}
