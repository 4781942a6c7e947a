//! Task-level scenarios: each EC2 task Lambda invoked on its own, through Lambda's Invoke API as
//! Step Functions calls it, against the emulated AWS. They pin what the playbook relies on:
//! bad input is a named error, a dry run changes nothing, and a second run changes nothing new.

use super::{case_snapshots, host, id, observe, Ctx};
use serde_json::{json, Value};
use std::sync::Arc;

/// Every task that takes one instance (`InstanceStep`).
const INSTANCE_TASKS: [&str; 12] = [
    "assess-instance",
    "record-pre-state",
    "capture-volatile-evidence",
    "protect-instance",
    "detach-from-services",
    "isolate-network",
    "remove-instance-profile",
    "tag-instance",
    "snapshot-volumes",
    "attach-forensics",
    "verify-isolation",
    "release-instance",
];

/// The mutating steps of a containment, in the playbook's order.
const CONTAINMENT: [&str; 7] = [
    "record-pre-state",
    "protect-instance",
    "detach-from-services",
    "isolate-network",
    "remove-instance-profile",
    "tag-instance",
    "snapshot-volumes",
];

/// The input the playbook gives a task for `instance`: the case from `normalize`, the stack's
/// policy as `ReadPolicy` builds it.
pub(super) fn step(c: &Ctx, instance: &str, dry_run: bool) -> Value {
    step_of(c, &super::finding(instance), instance, dry_run)
}

/// The same for the case of `event` (the case a playbook run on it would have).
pub(super) fn step_of(c: &Ctx, event: &Value, instance: &str, dry_run: bool) -> Value {
    let case = c
        .world
        .invoke("normalize", &json!({"event": event, "dry_run": dry_run}))
        .expect("normalize accepts a GuardDuty finding")["case"]
        .clone();
    let out = &c.main.outputs;
    json!({
        "case": case,
        "instance_id": instance,
        "execution": "arn:aws:states:us-east-1:123456789012:execution:task-level:run",
        "policy": {
            "exclusion_tag": "aws-ir:exclude",
            "protected_tag": "aws-ir:protected",
            "excluded_accounts": "",
            "min_severity_automatic": 7.0,
            "on_approval_timeout": "skip",
            "volatile_capture": true,
            "capture_timeout_seconds": 60,
            "profile_action": "remove",
            "quarantine_profile_arn": "",
            "revoke_role_sessions": false,
            "forensic_instance_id": c.forensic["instance_id"],
            "forensic_subnet_id": c.network["subnet_id"],
            "forensic_security_group_id": c.network["security_group_id"],
            "nacl_isolation": false,
            "case_table": out["CaseTableName"],
            "evidence_bucket": out["EvidenceBucketName"],
            "capture_document": out["CaptureDocumentName"],
            "memory_upload_document": out["MemoryUploadDocumentName"],
            "record_key": c.main.keys["RecordKeyArn"],
            "signing_key": c.main.keys["CustodyKeyArn"],
        }
    })
}

fn calls(outcome: &Value) -> Vec<String> {
    outcome["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| format!("{} {} {}", a["call"], a["target"], a["detail"]))
        .collect()
}

pub async fn every_task_names_bad_input(c: Arc<Ctx>) {
    let mut tasks: Vec<&str> = INSTANCE_TASKS.to_vec();
    tasks.extend([
        "normalize",
        "notify",
        "record-case",
        "plan-custody",
        "hash-range",
        "seal-custody",
        "plan-verification",
        "finish-verification",
        "log-release",
    ]);
    for task in tasks {
        let (error, message) = c
            .world
            .invoke(task, &json!({"detail": {"type": "not ours"}}))
            .expect_err(task);
        assert_eq!(error, "IR.InvalidEvent", "{task}: {message}");
        assert!(
            message.contains(task) && message.contains("contract"),
            "{task} says which task and what is wrong: {message}"
        );
    }
    // Well-formed, but not an instance id: refused before any AWS call.
    let h = host(&c, "task-bad-id", &[]);
    let mut input = step(&c, id(&h), false);
    input["instance_id"] = json!("i-123; reboot");
    for task in INSTANCE_TASKS {
        let (error, message) = c.world.invoke(task, &input).expect_err(task);
        assert_eq!(error, "IR.InvalidEvent", "{task}: {message}");
        assert!(message.contains("i-123; reboot"), "{task}: {message}");
    }
}

pub async fn every_task_on_an_unknown_instance_is_resource_not_found(c: Arc<Ctx>) {
    let h = host(&c, "task-unknown", &[]);
    let mut input = step(&c, id(&h), false);
    let unknown = "i-0feedfacefeedface";
    input["instance_id"] = json!(unknown);
    for task in INSTANCE_TASKS {
        match c.world.invoke(task, &input) {
            Err((error, message)) => {
                assert_eq!(error, "IR.ResourceNotFound", "{task}: {message}");
                assert!(message.contains(unknown), "{task}: {message}");
            }
            Ok(out) => panic!("{task} acted on an unknown instance: {out}"),
        }
    }
}

pub async fn each_step_alone_plans_then_acts_once(c: Arc<Ctx>) {
    let h = host(&c, "task-steps", &[]);
    let instance = id(&h);
    let before = observe(&c, instance).await;

    // A dry run of every mutating step: planned calls, nothing changed.
    let planned = step(&c, instance, true);
    for task in CONTAINMENT.iter().chain(&["attach-forensics"]) {
        let out = c
            .world
            .invoke(task, &planned)
            .unwrap_or_else(|e| panic!("{task}: {e:?}"));
        assert_eq!(out["status"], "planned", "{task}: {out}");
        if *task != "record-pre-state" {
            assert!(!calls(&out).is_empty(), "{task} plans its calls: {out}");
        }
    }
    assert_eq!(
        observe(&c, instance).await,
        before,
        "a dry run changed something"
    );
    assert!(
        case_snapshots(&c, planned["case"]["case_id"].as_str().unwrap(), instance)
            .await
            .is_empty()
    );

    // For real, twice: the second run of each step finds its work done.
    let real = step(&c, instance, false);
    let case = real["case"]["case_id"].as_str().unwrap().to_string();
    for task in CONTAINMENT.iter().chain(&["attach-forensics"]) {
        let first = c
            .world
            .invoke(task, &real)
            .unwrap_or_else(|e| panic!("{task}: {e:?}"));
        let again = c
            .world
            .invoke(task, &real)
            .unwrap_or_else(|e| panic!("{task} again: {e:?}"));
        if *task == "record-pre-state" {
            // The record is written once; a re-run keeps the state from before any change.
            assert_eq!(first["status"], "recorded", "{first}");
            assert_eq!(again["status"], "kept", "{again}");
            continue;
        }
        assert_eq!(first["status"], "done", "{task}: {first}");
        assert!(!calls(&first).is_empty(), "{task} acted: {first}");
        assert!(
            calls(&again).is_empty(),
            "{task} run twice acted again: {:#?}",
            calls(&again)
        );
    }
    assert_eq!(case_snapshots(&c, &case, instance).await.len(), 3);

    let verified = c.world.invoke("verify-isolation", &real).unwrap();
    assert_eq!(verified["isolated"], true, "{verified}");

    // The pre-state recorded first survives a re-run on the isolated instance: release puts
    // back the original groups, not the isolation group.
    let released = c.world.invoke("release-instance", &real).unwrap();
    assert_eq!(released["status"], "done", "{released}");
    let after = observe(&c, instance).await;
    assert_eq!(after.groups, before.groups);
    assert_eq!(after.profile, before.profile);
    assert_eq!(after.asg, before.asg);
    assert_eq!(after.target_groups, before.target_groups);
    assert!(after.forensic.is_empty(), "{after:?}");
    let again = c.world.invoke("release-instance", &real).unwrap();
    assert!(
        calls(&again).is_empty(),
        "release run twice acted again: {:#?}",
        calls(&again)
    );
}
