//! EC2 containment across an organization (#20): an instance of member account B in another
//! Region is contained by the security account's playbook in the home Region, through B's
//! aws-ir roles, with B's own Run Command documents, and its disks are hashed through B's EBS
//! direct APIs; everything is read back through B's APIs and B's call log.

use super::{instance_result, run, Ctx, MEMBER_REGION};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A fixture command acting in `account` and [`MEMBER_REGION`], as that account's administrator.
fn in_member(c: &Ctx, account: &str, args: &[&str]) -> Value {
    let mut all = vec!["--in", account, MEMBER_REGION];
    all.extend_from_slice(args);
    c.world.fixture(&all)
}

/// GuardDuty's finding about `instance` in `account` and [`MEMBER_REGION`], as the member's own
/// bus there receives it (its aws-ir stack forwards findings: `--forward-findings`).
fn member_finding(account: &str, instance: &str) -> Value {
    let event = super::finding(instance);
    let text = event
        .to_string()
        .replace("123456789012", account)
        .replace("us-east-1", MEMBER_REGION);
    serde_json::from_str(&text).unwrap()
}

/// The security groups of every interface of a host as `describe-host` shows it.
fn groups(host: &Value) -> BTreeSet<String> {
    host["network_interfaces"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["groups"].as_array().unwrap().clone())
        .map(|g| g.as_str().unwrap().to_string())
        .collect()
}

pub async fn an_instance_in_a_member_account_in_another_region_is_contained_there(c: Arc<Ctx>) {
    // Account B joins the members OU: the StackSets give it the member stacks.
    let account = c.world.member_account("ec2-member-b", MEMBER_REGION);
    // A web host of B in eu-west-1: two interfaces, two volumes, Auto Scaling group, target
    // group, instance profile, SSM Agent online; blocks written on its volumes.
    let h = in_member(
        &c,
        &account,
        &[
            "web-host",
            "--name",
            "member-web",
            "--enis",
            "2",
            "--volumes",
            "2",
            "--target-groups",
            "1",
            "--asg",
            "--profile",
            "--agent",
            "Online",
        ],
    );
    let instance = h["instance_id"].as_str().unwrap().to_string();
    assert!(
        h["instance_profile_arn"].is_string() && h["auto_scaling_group"].is_string(),
        "{h}"
    );
    let before = groups(&h);
    let mut written = std::collections::BTreeMap::new();
    for volume in h["volumes"].as_array().unwrap() {
        let volume = volume["id"].as_str().unwrap();
        let blocks = [format!("0={volume}-m0"), format!("4096={volume}-m1")];
        let said = in_member(
            &c,
            &account,
            &[
                "volume-blocks",
                volume,
                "--block",
                &blocks[0],
                "--block",
                &blocks[1],
            ],
        );
        written.insert(volume.to_string(), said["Linear"].clone());
    }

    c.world.fixture(&["call-log", "start"]);
    let (_, status, out) = run(&c, &c.main, &member_finding(&account, &instance)).await;
    let log = c.world.fixture(&["call-log", "read"]);
    c.world.fixture(&["call-log", "stop"]);
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["case"]["account"], account.as_str(), "{out}");
    assert_eq!(out["case"]["region"], MEMBER_REGION, "{out}");
    let result = instance_result(&out, &instance);
    assert_eq!(result["status"], "contained", "{out}");
    // The capture ran B's own document there.
    assert_eq!(result["detail"], "volatile evidence: captured", "{result}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();

    // Read back in B, through B's own APIs.
    let after = in_member(&c, &account, &["describe-host", &instance]);
    let isolation = groups(&after);
    assert_eq!(isolation.len(), 1, "every interface in one group: {after}");
    assert!(isolation.is_disjoint(&before), "{after}");
    for n in after["network_interfaces"].as_array().unwrap() {
        assert_eq!(n["groups"].as_array().unwrap().len(), 1, "{after}");
    }
    let group = isolation.iter().next().unwrap();
    let rules = c
        .world
        .fixture(&["member-group-rules", &account, MEMBER_REGION, group]);
    assert_eq!(
        rules["Rules"],
        serde_json::json!([]),
        "the isolation group allows nothing"
    );
    assert_eq!(after["instance_profile_arn"], Value::Null, "{after}");
    assert_eq!(after["auto_scaling_group"], Value::Null, "{after}");
    assert_eq!(after["target_groups"], serde_json::json!([]), "{after}");
    assert_eq!(after["termination_protection"], true, "{after}");
    assert_eq!(after["tags"]["aws-ir:case"], case.as_str(), "{after}");

    // The disks were hashed in B: the manifest holds both volumes with the aggregates the
    // harness computed from what it wrote.
    let custody = &out["results"]["custody"];
    assert_eq!(custody["status"], "sealed", "{custody}");
    let bucket = c.main.outputs["EvidenceBucketName"].clone();
    let manifest: contract::custody::Manifest = serde_json::from_slice(
        &c.world
            .object(&bucket, &contract::custody::manifest_key(&case))
            .await,
    )
    .unwrap();
    assert_eq!(manifest.items.len(), 2, "{manifest:?}");
    for item in &manifest.items {
        assert_eq!(
            Value::from(item.sha256_linear.clone()),
            written[&item.volume_id],
            "{item:?}"
        );
    }

    // B's call log: every call in B was made by the step's own member role, in the case's
    // session; the isolation, the capture and the block reads among them.
    let tasks = e2e::member_tasks(&log, &account, &case);
    for task in ["isolate-network", "capture-volatile-evidence", "hash-range"] {
        assert!(tasks.contains(task), "no call in B by {task}: {tasks:?}");
    }
}
