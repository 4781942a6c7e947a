//! EC2 custody verification: a responder asks, and aws-ir checks a case's evidence against its
//! signed manifest. Started with `irctl verify CASE` (a signed request, like a release).
//!
//! The manifest is checked against its signature with the custody key; every snapshot it
//! lists is re-read through the EBS direct APIs by the acquisition's own Distributed Map (the
//! re-read hashes are kept beside the record, never over it); each block and `LINEAR`
//! aggregate is compared, every block that differs is named, and the verification is appended
//! to the custody log with the responder AWS authenticated as its actor.

use crate::asl::*;
use crate::constructs::playbook::Companion;
use crate::constructs::trigger::Trigger;
use crate::playbooks::ec2_compromise::{hash_ranges, read_policy};
use crate::playbooks::intake::{intake, notify, REPORT_FAILURE};
use contract::tasks::custody::{FinishVerification, PlanVerification};
use serde_json::json;

pub const ID: &str = "ec2-verify";

pub fn companion() -> Companion {
    let plan = Task::invoke::<PlanVerification>("PlanVerification")
        .comment("The manifest against its signature (the custody key), and the ranges to re-read.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .result_path("$.results.verification_plan")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let reread = hash_ranges(
        "$.results.verification_plan.plan",
        Some("$.results.verification_plan.verification"),
    )
    .result_path("$.results.verification_reads")
    .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let finish = Task::invoke::<FinishVerification>("FinishVerification")
        .comment("Every block and LINEAR aggregate compared; the verification logged.")
        .with_path("case", "$.case")
        .with_path("policy", "$.policy")
        .with_path("execution", "$$.Execution.Id")
        .with_path("signature", "$.results.verification_plan.signature")
        .with_path("verification", "$.results.verification_plan.verification")
        .result_path("$.results.verification")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let none = Pass::new("NothingToVerify")
        .comment("The case has no manifest.")
        .parameters(json!({
            "status": "NO MANIFEST",
            "lines.$": "States.Array($.results.verification_plan.signature)",
            "logged": "",
        }))
        .result_path("$.results.verification");
    let notify = notify()
        .comment("The verification's result, and what differs.")
        .with_path(
            "outcome",
            "States.Format('EC2 custody verification of {}: {}', $.case.case_id, $.results.verification.status)",
        )
        .with_path("results", "$.results")
        .catch([STATES_ALL], "$.error", Chain::goto(REPORT_FAILURE));
    let machine = StateMachine::new(
        ID,
        "EC2 custody verification: the manifest against its signature, every snapshot re-read and compared block by block, the verification logged.",
        intake(ID)
            .next(read_policy())
            .next(plan)
            .next(
                Choice::new("HasManifest")
                    .when(
                        Condition::string_equals("$.results.verification_plan.status", "ready"),
                        reread.next(finish),
                    )
                    .otherwise(none),
            )
            .next(notify)
            .next(Succeed::new("Done")),
    )
    .timeout(172_800);
    Companion {
        id: ID,
        machine,
        triggers: vec![Trigger::Manual {
            playbook: ID.into(),
        }],
    }
}
