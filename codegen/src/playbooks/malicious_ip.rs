//! Malicious IP: a finding names a remote address that attacks or is contacted by our
//! resources; block it at the edge (the stack's WAF IP sets, which web ACLs reference) and in
//! the VPC (a deny in the network ACLs of the affected subnets), each with an expiry.
//!
//! `ScreenAddresses` refuses what must never be blocked (private, link-local, `/0`, the
//! allow-list), with the reason recorded; then WAF and NACL are written in parallel, each branch
//! recording its own failure so the other finishes. The companion `ip-expiry` runs on a
//! schedule: it removes blocks whose time is up and reconciles the ledger with AWS both ways.
//!
//! Concurrent findings: WAF writes are optimistic (the lock token; a conflict re-reads and
//! merges), NACL writes hold a per-ACL lease in the case table (an eviction or a rule number
//! must not be decided by two writers at once). Findings for different addresses all end
//! applied; the only serialization is per network ACL, for the few milliseconds of its write.

use crate::asl::*;
use crate::cfn::Parameter;
use crate::constructs::playbook::{Companion, Playbook};
use crate::constructs::trigger::Trigger;
use crate::playbooks::intake::{
    intake, notify, report, screen_account, where_the_case_is, REPORT_FAILURE,
};
use contract::case::SeverityLabel;
use contract::tasks::ip::{
    BlockInNacl, BlockInWaf, ExpireBlocks, Family, ScreenAddresses, StackIpSet, WafScope,
    STACK_IP_SETS,
};
use contract::ErrorName;
use serde_json::{json, Value};

pub const ID: &str = "malicious-ip";
pub const EXPIRY: &str = "ip-expiry";

/// GuardDuty finding types that name a remote address: the ones that came at us, the attacker
/// infrastructure our instance reached (C&C, drop points, mining pools, threat lists), and the
/// ones where our instance was the actor, whose address is screened as a possible victim and
/// reported, never blocked on its own (`contract::remote`).
pub const FINDING_TYPES: [&str; 9] = [
    "UnauthorizedAccess:EC2/MaliciousIPCaller",
    "Backdoor:EC2/C&CActivity",
    "Trojan:EC2/",
    "CryptoCurrency:EC2/",
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "UnauthorizedAccess:EC2/RDPBruteForce",
    "Recon:EC2/PortProbeUnprotectedPort",
    "Recon:EC2/PortProbeEMRUnprotectedPort",
    "Recon:EC2/Portscan",
];

pub fn policy_parameters() -> Vec<(&'static str, Parameter)> {
    vec![
        ("AllowList", Parameter::string("Comma-separated addresses or CIDRs never blocked (partners, scanners, offices).").default(json!(""))),
        ("AllowListParameter", Parameter::string("An SSM parameter under /incident-response/ with more of the allow-list (comma- or newline-separated), kept outside the stack; empty for none.").default(json!("")).pattern("^(/incident-response/[A-Za-z0-9_./-]+)?$")),
        ("BlockInternal", Parameter::string("true: private, loopback, link-local and CGNAT ranges may be blocked too (normally refused).").default(json!("false")).allowed(&[json!("true"), json!("false")])),
        ("BlockDocumentation", Parameter::string("true: documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) may be blocked (normally refused: samples use them).").default(json!("false")).allowed(&[json!("true"), json!("false")])),
        ("BlockTtlHours", Parameter::string("Hours a block lasts after its address was last seen; seeing it again extends it.").default(json!("24")).pattern("^[0-9]{1,5}(\\.[0-9]+)?$")),
        ("Block", Parameter::string("true: block; false: detect and report only.").default(json!("true")).allowed(&[json!("true"), json!("false")])),
        ("NaclEgress", Parameter::string("true: deny outbound traffic to the address too (an inbound deny already drops its replies, NACLs being stateless).").default(json!("false")).allowed(&[json!("true"), json!("false")])),
        ("NaclRules", Parameter::string("Network ACL rule numbers reserved to aws-ir's denies, first-last (below the account's allow rules; the EC2 playbook's isolation uses 1-32).").default(json!("50-89")).pattern("^[0-9]{1,5}-[0-9]{1,5}$")),
        ("NaclLimit", Parameter::string("Rules a network ACL may hold per direction and address family (Amazon VPC quota, 20 by default, up to 40).").default(json!("20")).pattern("^[0-9]{1,2}$")),
        ("MaxAutomaticBlocksPerHour", Parameter::string("Addresses findings may block in an hour without a responder; beyond it (a flood, which would evict real denies) only responders block (irctl start malicious-ip --ip).").default(json!("100")).pattern("^[0-9]{1,5}$")),
    ]
}

/// The policy every step receives.
fn read_policy() -> Pass {
    Pass::new("ReadPolicy")
        .comment("The stack's parameters and stores, as the policy every step receives.")
        .parameters(policy_fields())
        .result_path("$.policy")
}

/// What a member case blocks in (#20): the member stack's REGIONAL sets, by name (WAF gave them
/// their ids there; CloudFront's scope is the security account's alone), and the ledger
/// records where.
fn member_overrides() -> Value {
    json!({
        "ip_sets": STACK_IP_SETS.iter().map(|(family, scope)| json!({
            "family": family, "scope": scope,
            "set": match (family, scope) {
                (Family::Ipv4, WafScope::Regional) => format!("{}||REGIONAL", contract::naming::MEMBER_BLOCKED_IPV4_SET),
                (Family::Ipv6, WafScope::Regional) => format!("{}||REGIONAL", contract::naming::MEMBER_BLOCKED_IPV6_SET),
                (_, WafScope::Cloudfront) => String::new(),
            },
        })).collect::<Vec<_>>(),
        "in_member": true,
    })
}

/// The policy's fields: the stack's parameters and stores.
fn policy_fields() -> Value {
    json!({
            "allow_list": "${AllowList}",
            "allow_list_parameter": "${AllowListParameter}",
            "block_internal": "${BlockInternal}",
            "block_documentation": "${BlockDocumentation}",
            "ttl_hours": "${BlockTtlHours}",
            "block": "${Block}",
            "nacl_egress": "${NaclEgress}",
            "nacl_rules": "${NaclRules}",
            "nacl_limit": "${NaclLimit}",
            "max_automatic_blocks_per_hour": "${MaxAutomaticBlocksPerHour}",
            // The family and scope of each set travel with it (typed), not in its name.
            "ip_sets": STACK_IP_SETS.iter().map(|(family, scope)| json!({
                "family": family, "scope": scope,
                "set": format!("${{{}}}", StackIpSet::logical_id(*family, *scope)),
            })).collect::<Vec<_>>(),
            "case_table": "${CaseTableName}",
            "in_member": false,
    })
}

/// One place to block in: its task, or its failure recorded (the other branch goes on).
fn block_branch<T: contract::task::Task>(name: &str, comment: &str) -> Chain {
    Task::invoke::<T>(name)
        .comment(comment)
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("networks", "$.screen.block")
        .with_path("network_acls", "$.screen.network_acls")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$")
        .catch(
            [STATES_ALL],
            "$.error",
            Pass::new(&format!("{name}Failed"))
                .comment("Recorded; the other place still blocks. IR.LimitReached says which cap.")
                .parameters(json!({"status": "failed", "detail.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)"})),
        )
        .into_chain()
}

pub fn playbook() -> Playbook {
    let screen = Task::invoke::<ScreenAddresses>("ScreenAddresses")
        .comment("Which remote addresses may be blocked (each refusal with its reason), and the affected subnets' network ACLs.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.screen")
        .catch([ErrorName::InvalidEvent.as_str()], "$.error", Chain::goto("ReportRejectedEvent"))
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let block = Parallel::new("BlockEverywhere")
        .comment("WAF and network ACLs at once; each branch records its own failure.")
        .branch(block_branch::<BlockInWaf>(
            "BlockInWaf",
            "Into the stack's IP set of the address's family, in every scope.",
        ))
        .branch(block_branch::<BlockInNacl>(
            "BlockInNacl",
            "A deny in each affected network ACL, one writer per ACL.",
        ))
        .result_selector(json!({"waf.$": "$[0]", "nacl.$": "$[1]"}))
        .result_path("$.results.blocks")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let notify = notify()
        .comment("What was blocked where, what was refused and why, and when the blocks expire.")
                .with_path("outcome", "States.Format('Malicious IP response for case {}: blocks expire after BlockTtlHours unless the address is seen again; the ip-expiry playbook removes them.', $.case.case_id)")
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));

    let anything = Choice::new("AnythingToBlock")
        .when(Condition::is_present("$.screen.block[0]", true), block)
        .otherwise(
            Pass::new("NothingToBlock")
                .comment("Every address was refused: the reasons are notified.")
                .result(json!({"status": "nothing to block"}))
                .result_path("$.results.blocks"),
        );

    let route = Choice::new("IsFinding")
        .comment("Samples are shown, never acted on.")
        .when(
            Condition::boolean_equals("$.case.sample", false),
            read_policy()
                .next(where_the_case_is(
                    &policy_fields(),
                    member_overrides(),
                    "The case is in another account or Region: its addresses are blocked in the member stack's IP sets and the member's network ACLs there.",
                ))
                .next(screen)
                .next(
                    Pass::new("RecordScreening")
                        .comment("What was refused, and why, goes to the record and the notification.")
                        .input_path("$.screen")
                        .parameters(json!({"block.$": "$.block", "refused.$": "$.refused", "network_acls.$": "$.network_acls", "notes.$": "$.notes"}))
                        .result_path("$.results.screening"),
                )
                .next(anything),
        )
        .otherwise(
            Pass::new("NotApplicable")
                .result(json!({"status": "not applicable", "detail": "a sample: nothing is blocked"}))
                .result_path("$.results.blocks"),
        );

    let machine = StateMachine::new(
        ID,
        "Malicious IP: block the finding's remote addresses in the stack's WAF IP sets and the affected subnets' network ACLs, each with an expiry; refuse private, /0 and allow-listed addresses with the reason.",
        intake(ID).next(screen_account()).next(route).next(notify).next(Succeed::new("Done")),
    )
    .timeout(1800);

    let mut parameters = policy_parameters();
    parameters.sort_by_key(|(n, _)| *n);
    Playbook {
        id: ID,
        title: "Malicious IP",
        description: "Blocks a finding's remote addresses in WAF and network ACLs, with expiry and an allow-list.",
        machine,
        triggers: vec![
            // Brute force and probes are LOW by GuardDuty's scale, yet their source is exactly what to block.
            Trigger::guardduty(&FINDING_TYPES, 1.0),
            // Other products' findings that name a remote address (GuardDuty has its own rule).
            Trigger::SecurityHubFindings {
                labels: vec![SeverityLabel::High, SeverityLabel::Critical],
                products: vec![],
                exclude_products: vec!["GuardDuty".into()],
                resource_types: vec![],
                resource_tag: None,
                remote_address: true,
            },
            Trigger::SecurityHubCustomAction {
                id: "BlockIp".into(),
                name: "Block IP".into(),
                description: "Block the remote addresses of the selected findings in WAF and network ACLs with the aws-ir malicious-ip playbook.".into(),
            },
            Trigger::Manual { playbook: ID.into() },
        ],
        parameters,
        companions: vec![expiry()],
    }
}

/// The expiry: on a schedule, blocks whose time is up are removed everywhere (a set left empty
/// is written empty), and the ledger and AWS are reconciled both ways.
fn expiry() -> Companion {
    let failed = report(
        "ReportExpiryFailure",
        "aws-ir ip-expiry: expiry failed",
        "The ip-expiry playbook could not finish; blocks may outlive their expiry until the next run.",
    )
    .next(Fail::new("ExpiryFailed").error("IR.PlaybookFailed").cause("See the notification and the execution history."));

    // `irctl start ip-expiry --dry-run`: the authenticated request says so; the schedule never.
    let mode = Choice::new("DryRunAsked")
        .comment("A responder's dry run plans the expiry and changes nothing; the schedule's runs are real.")
        .when(
            Condition::boolean_equals("$.dry_run", true),
            Pass::new("PlanOnly"),
        )
        .otherwise(Pass::new("ForReal").next(Chain::goto("ExpireBlocks")));

    let expire = Task::invoke::<ExpireBlocks>("ExpireBlocks")
        .comment("Expired blocks out of WAF and the network ACLs; lost ones written again; unknown ones in our sets removed, foreign denies in our range reported.")
        .with_path("policy", "$.policy")
        .with_path("as_of", "$.time")
        .with_path("dry_run", "$.dry_run")
        .result_path("$.expiry")
        .catch([STATES_ALL], "$.error", failed);

    let changed = Choice::new("AnythingChanged")
        .when(
            Condition::or([
                Condition::is_present("$.expiry.expired[0]", true),
                Condition::is_present("$.expiry.reapplied[0]", true),
                Condition::is_present("$.expiry.removed_unknown[0]", true),
                Condition::is_present("$.expiry.foreign[0]", true),
                Condition::is_present("$.expiry.unreachable[0]", true),
            ]),
            Task::sns_publish("NotifyExpiry")
                .retry(
                    Retrier::on([STATES_ALL])
                        .interval(1)
                        .max_attempts(3)
                        .backoff(2.0)
                        .jitter(Jitter::Full),
                )
                .comment("Only when something changed or needs a human: a quiet run says nothing.")
                .parameters(json!({
                    "Subject": "aws-ir ip-expiry: blocks expired or reconciled",
                    "Message.$": "States.Format('Run: {} (planned: a dry run or Block=false, nothing was changed)\nExpired (removed from WAF and network ACLs): {}\nWritten again (AWS had lost them): {}\nIn our IP sets without a ledger row, removed: {}\nDenies in our rule range that aws-ir did not write (left alone; remove them or widen NaclRules): {}\nMember sets and ACLs not reached (their expired blocks stay; deploy the member stacks there or exclude the account): {}\nStill blocked: {}\nExecution: {}', $.expiry.status, States.JsonToString($.expiry.expired), States.JsonToString($.expiry.reapplied), States.JsonToString($.expiry.removed_unknown), States.JsonToString($.expiry.foreign), States.JsonToString($.expiry.unreachable), $.expiry.active, $$.Execution.Id)",
                }))
                .discard_result()
                .next(Chain::goto("Expired")),
        )
        .otherwise(Succeed::new("Expired"));

    // The time blocks expire as of decides what is lifted: never a time the input merely says
    // (anyone allowed StartExecution could send a scheduled event from next year). The
    // schedule's runs, and any other start, expire as of Step Functions' own start time; a
    // responder's authenticated request as of the time it signed (`irctl start ip-expiry
    // --as-of`).
    let requested = intake(EXPIRY).next(
        Pass::new("AsRequested")
            .comment(
                "A responder asked: as of the time the request was signed with, dry run as asked.",
            )
            .parameters(json!({"time.$": "$.case.observed_at", "dry_run.$": "$.case.dry_run"}))
            .next(Chain::goto("ReadPolicy")),
    );
    let now = Choice::new("HowStarted")
        .comment("A responder's request is authenticated like any other; everything else runs as of now, for real.")
        .when(
            Condition::and([
                Condition::is_present("$.source", true),
                Condition::string_equals("$.source", contract::events::manual::SOURCE),
            ]),
            requested,
        )
        .otherwise(
            Pass::new("TimeIsNow")
                .parameters(json!({"time.$": "$$.Execution.StartTime", "dry_run": false}))
                .next(read_policy()),
        );

    let machine = StateMachine::new(
        EXPIRY,
        "IP expiry: remove blocks whose time is up from WAF and network ACLs (an emptied set is written empty) and reconcile the block ledger with AWS both ways.",
        now.into_chain().next(mode).next(expire).next(changed),
    )
    .timeout(900);
    Companion {
        id: EXPIRY,
        machine,
        triggers: vec![
            Trigger::Schedule {
                expression: "rate(15 minutes)".into(),
            },
            // `irctl start ip-expiry --reason ...`: a run now, e.g. after changing the TTL.
            Trigger::Manual {
                playbook: EXPIRY.into(),
            },
        ],
    }
}
