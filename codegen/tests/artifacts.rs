//! Every generated artifact is snapshotted; synthesis is deterministic; `--check` catches drift.

use codegen::constructs::Settings;
use codegen::synth;
use std::path::{Path, PathBuf};
use std::process::Command;

fn synthesize() -> synth::Artifacts {
    synth::synthesize(&codegen::playbooks::all(), &Settings::default())
        .expect("the shipped playbooks synthesize")
}

#[test]
fn every_artifact_matches_its_snapshot() {
    for (path, content) in synthesize() {
        insta::assert_snapshot!(path.replace('/', "__"), content);
    }
}

#[test]
fn synthesis_is_byte_identical_run_to_run() {
    let a = synthesize();
    let b = synthesize();
    assert_eq!(a, b);
    for (path, content) in &a {
        assert!(content.ends_with('\n'), "{path} lacks a trailing newline");
        assert!(!content.ends_with("\n\n"), "{path} ends with a blank line");
    }
}

#[test]
fn every_template_is_at_least_as_large_as_the_cdk_peer() {
    // The benchmark compares synthesis with the CDK peer's 23-resource stack; keep ours larger.
    let total: usize = synthesize()
        .iter()
        .filter(|(p, _)| p.starts_with("cloudformation/"))
        .map(|(_, c)| {
            serde_json::from_str::<serde_json::Value>(c).unwrap()["Resources"]
                .as_object()
                .unwrap()
                .len()
        })
        .sum();
    assert!(total >= 23, "{total} resources");
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn check_flags_edited_missing_and_stale_artifacts() {
    let tmp = std::env::temp_dir().join(format!("codegen-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let bin = env!("CARGO_BIN_EXE_codegen");

    // A fresh write into an empty root, then --check passes.
    let out = Command::new(bin)
        .args(["--root"])
        .arg(&tmp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(bin)
        .arg("--root")
        .arg(&tmp)
        .arg("--check")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Edited: non-zero, with a unified diff naming the file.
    let asl = tmp.join("statemachines/triage.asl.json");
    let text = std::fs::read_to_string(&asl)
        .unwrap()
        .replace("\"Normalize\"", "\"Normalise\"");
    std::fs::write(&asl, text).unwrap();
    // Stale: a file the generator no longer produces.
    std::fs::write(tmp.join("cloudformation/old-playbook.json"), "{}\n").unwrap();
    // Missing.
    std::fs::remove_file(tmp.join("statemachines/triage.md")).unwrap();
    let out = Command::new(bin)
        .arg("--root")
        .arg(&tmp)
        .arg("--check")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("--- statemachines/triage.asl.json (committed)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-      \"Next\": \"Normalise\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("+      \"Next\": \"Normalize\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("stale (no longer generated): cloudformation/old-playbook.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing: statemachines/triage.md"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

#[test]
fn committed_artifacts_match_a_fresh_synthesis() {
    // The same check CI runs with `codegen --check`, kept here so `cargo test` alone catches it.
    let tmp = std::env::temp_dir().join(format!("codegen-committed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for d in synth::OWNED_DIRS {
        copy_tree(&root().join(d), &tmp.join(d));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("--root")
        .arg(&tmp)
        .arg("--check")
        .output()
        .unwrap();
    std::fs::remove_dir_all(&tmp).unwrap();
    assert!(
        out.status.success(),
        "run `cargo run -p codegen`:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Every path through an instance's branch of the ec2-compromise Map ends in a compact
/// result with a `status`: a failure handler that simply ended would turn into an
/// "unknown" instance in the record.
#[test]
fn every_end_of_an_instance_branch_reports_a_status() {
    let artifacts = synthesize();
    for machine in ["ec2-compromise", "credentials-compromise"] {
        let path = format!("statemachines/{machine}.asl.json");
        let (_, asl) = artifacts
            .iter()
            .find(|(p, _)| p.as_str() == path)
            .unwrap_or_else(|| panic!("{machine} is synthesized"));
        let asl: serde_json::Value = serde_json::from_str(asl).unwrap();
        let map = asl["States"]
            .as_object()
            .unwrap()
            .values()
            .find(|s| s["Type"] == "Map")
            .expect("a Map over the case's resources");
        let states = map["ItemProcessor"]["States"].as_object().unwrap();
        let mut ends = 0;
        for (name, state) in states {
            if state["End"] == true {
                ends += 1;
                assert_eq!(
                    state["Type"], "Pass",
                    "{machine}: {name} ends the branch without a result"
                );
                assert!(
                    state["Parameters"].get("status").is_some(),
                    "{machine}: {name} ends the branch without a status"
                );
            }
        }
        assert!(ends >= 5, "{machine}: {ends} ends");
    }
}

/// A request can name hundreds of instances (a poisoned AMI, a compromised fleet). AWS stops an
/// execution at 25,000 history events and an instance's states write about 75: inline, 500
/// instances cannot finish. Each instance is a child execution with its own history, and its
/// item is read from S3.
#[test]
fn each_instance_is_a_child_execution_with_its_own_history() {
    let artifacts = synthesize();
    let (_, asl) = artifacts
        .iter()
        .find(|(p, _)| p.as_str() == "statemachines/ec2-compromise.asl.json")
        .expect("ec2-compromise is synthesized");
    let asl: serde_json::Value = serde_json::from_str(asl).unwrap();
    let each = &asl["States"]["EachInstance"];
    assert_eq!(each["Type"], "Map");
    assert_eq!(
        each["ItemProcessor"]["ProcessorConfig"],
        serde_json::json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"})
    );
    assert_eq!(each["Label"], "instances");
    // The items are the survey's, read from the evidence bucket: 500 of them in the state
    // would pass the 256 KiB a state may hold.
    assert_eq!(
        each["ItemReader"]["Parameters"]["Key.$"],
        "$.results.survey.items"
    );
    assert!(each.get("ItemsPath").is_none());
}

#[test]
fn one_playbook_alone_writes_its_files_and_leaves_the_others() {
    let tmp = std::env::temp_dir().join(format!("codegen-one-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let keep = tmp.join("cloudformation/ec2-compromise.json");
    std::fs::create_dir_all(keep.parent().unwrap()).unwrap();
    std::fs::write(&keep, "{}\n").unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_codegen"))
            .arg("--root")
            .arg(&tmp)
            .args(args)
            .output()
            .unwrap()
    };

    let out = run(&["--playbook", "triage"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp.join("cloudformation/triage.json").is_file());
    assert!(tmp.join("statemachines/triage.asl.json").is_file());
    assert!(!tmp.join("statemachines/ec2-compromise.asl.json").exists());
    assert_eq!(
        std::fs::read_to_string(&keep).unwrap(),
        "{}\n",
        "another playbook's file was touched"
    );

    let unknown = run(&["--playbook", "nope"]);
    assert!(!unknown.status.success());
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("no playbook nope") && err.contains("ec2-compromise"),
        "{err}"
    );
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// Least privilege: no role grants a whole service (`iam:*`, `ec2:*`) or everything; only the
/// stack key's own key policy lets the account administer it (`kms:*`, AWS's default).
#[test]
fn no_role_grants_a_whole_service() {
    fn walk(node: &serde_json::Value, found: &mut Vec<String>) {
        match node {
            serde_json::Value::Object(m) => {
                if let (Some("Allow"), Some(action)) =
                    (m.get("Effect").and_then(|e| e.as_str()), m.get("Action"))
                {
                    let actions: Vec<&str> = match action {
                        serde_json::Value::String(a) => vec![a.as_str()],
                        serde_json::Value::Array(a) => {
                            a.iter().filter_map(|x| x.as_str()).collect()
                        }
                        _ => Vec::new(),
                    };
                    let sid = m.get("Sid").and_then(|s| s.as_str()).unwrap_or("?");
                    for a in actions {
                        if (a == "*" || a.ends_with(":*"))
                            && sid != "AccountAdministersKeyThroughIam"
                        {
                            found.push(format!("{sid}: {a}"));
                        }
                    }
                }
                m.values().for_each(|v| walk(v, found));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    for (path, content) in synthesize() {
        if path.starts_with("cloudformation/") {
            let mut found = Vec::new();
            walk(&serde_json::from_str(&content).unwrap(), &mut found);
            assert!(found.is_empty(), "{path} grants whole services: {found:?}");
        }
    }
}

/// Every (template, logical id, resource) of a given type.
fn resources(kind: &str) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for (path, content) in synthesize() {
        if !path.starts_with("cloudformation/") {
            continue;
        }
        let t: serde_json::Value = serde_json::from_str(&content).unwrap();
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] == kind {
                out.push((path.clone(), id.clone(), r.clone()));
            }
        }
    }
    out
}

#[test]
fn aws_ir_roles_live_on_their_path_and_no_task_may_touch_them() {
    for (path, id, role) in resources("AWS::IAM::Role") {
        let props = &role["Properties"];
        if id == "QuarantineRole" {
            // A compromised instance holds it: it must never pass for one of aws-ir's.
            assert!(props.get("Path").is_none(), "{path} {id}");
            continue;
        }
        assert_eq!(props["Path"], "/aws-ir/", "{path} {id}");
        // A task that may change roles in general is denied aws-ir's own, explicitly.
        for policy in props["Policies"].as_array().into_iter().flatten() {
            let statements = policy["PolicyDocument"]["Statement"].as_array().unwrap();
            let writes_roles = statements.iter().any(|s| {
                s["Effect"] == "Allow"
                    && s["Resource"].to_string().contains(":role/*")
                    && s["Action"].as_array().unwrap().iter().any(|a| {
                        let a = a.as_str().unwrap();
                        a.starts_with("iam:")
                            && !["iam:Get", "iam:List"].iter().any(|r| a.starts_with(r))
                    })
            });
            let denied = statements.iter().any(|s| {
                s["Effect"] == "Deny" && s["Resource"].to_string().contains("role/aws-ir/*")
            });
            assert!(
                !writes_roles || denied,
                "{path} {id}: writes roles without the deny"
            );
        }
    }
}

#[test]
fn service_trust_names_the_source_as_well_as_the_account() {
    for (path, id, role) in resources("AWS::IAM::Role") {
        for s in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
        {
            let c = &s["Condition"];
            if !c["StringEquals"]["aws:SourceAccount"].is_null() {
                assert!(
                    !c["ArnLike"]["aws:SourceArn"].is_null(),
                    "{path} {id}: aws:SourceAccount without aws:SourceArn"
                );
            }
        }
    }
}

#[test]
fn no_rule_starts_a_playbook_from_a_manual_request() {
    for (path, id, rule) in resources("AWS::Events::Rule") {
        let pattern = rule["Properties"]["EventPattern"].to_string();
        assert!(
            !pattern.contains(contract::events::manual::SOURCE),
            "{path} {id} takes manual requests from a bus anyone may write to"
        );
    }
}

#[test]
fn only_aws_ir_writes_a_case_table_and_seals_its_records() {
    let tables = resources("AWS::DynamoDB::Table");
    assert!(!tables.is_empty());
    for (path, id, table) in tables {
        let policy = &table["Properties"]["ResourcePolicy"]["PolicyDocument"]["Statement"][0];
        assert_eq!(policy["Effect"], "Deny", "{path} {id}");
        assert_eq!(policy["Principal"], "*", "{path} {id}");
        assert!(policy["Action"].to_string().contains("dynamodb:PutItem"));
        assert!(
            policy["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
                .to_string()
                .contains("role/aws-ir/*"),
            "{path} {id}"
        );
    }
    for (path, id, key) in resources("AWS::KMS::Key") {
        if key["Properties"]["KeySpec"] != "HMAC_256" {
            continue;
        }
        let statements = key["Properties"]["KeyPolicy"]["Statement"]
            .as_array()
            .unwrap();
        for s in statements {
            let mac = s["Action"].to_string().contains("Mac");
            assert!(
                !mac || s["Condition"]["ArnLike"]["aws:PrincipalArn"]
                    .to_string()
                    .contains("role/aws-ir/*"),
                "{path} {id}: someone but aws-ir may seal records"
            );
        }
    }
}

/// The fixed cost does not grow with playbooks (#20): the account's keys are the keys stack's,
/// one per use KMS distinguishes, and every key a playbook stack names is one it imports from
/// that stack, never one of its own.
#[test]
fn every_playbook_stack_uses_the_keys_stacks_keys_and_holds_none() {
    let keys: Vec<_> = resources("AWS::KMS::Key");
    let places: Vec<(&str, &str)> = keys
        .iter()
        .map(|(path, id, _)| (path.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("cloudformation/keys.json", "EncryptionKey"),
            ("cloudformation/keys.json", "RecordKey"),
            ("cloudformation/keys.json", "CustodyKey"),
        ]
    );
    fn walk<'a>(node: &'a serde_json::Value, found: &mut Vec<&'a serde_json::Value>) {
        match node {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if [
                        "KmsKeyId",
                        "KmsKeyArn",
                        "KmsMasterKeyId",
                        "KMSMasterKeyId",
                        "KMSMasterKeyID",
                    ]
                    .contains(&k.as_str())
                    {
                        found.push(v);
                    }
                    walk(v, found);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut named = 0;
    for (path, content) in synthesize() {
        if !path.starts_with("cloudformation/") || path == "cloudformation/keys.json" {
            continue;
        }
        let t: serde_json::Value = serde_json::from_str(&content).unwrap();
        let mut found = Vec::new();
        walk(&t["Resources"], &mut found);
        assert!(!found.is_empty(), "{path} encrypts nothing");
        for v in found {
            assert_eq!(
                v,
                &serde_json::json!({"Fn::ImportValue": {"Fn::Sub": "${StackPrefix}:EncryptionKeyArn"}}),
                "{path}"
            );
            named += 1;
        }
    }
    assert!(named > 20, "{named} encrypted resources");
}

/// Nobody but aws-ir's roles writes evidence, and aborting an upload is a write: a workload role
/// with `s3:*` could otherwise cancel the memory image aws-ir is receiving.
#[test]
fn only_aws_ir_writes_or_aborts_evidence() {
    let policies = resources("AWS::S3::BucketPolicy");
    let evidence: Vec<_> = policies
        .iter()
        .filter(|(_, _, p)| p.to_string().contains("OnlyAwsIrWritesEvidence"))
        .collect();
    assert!(!evidence.is_empty());
    for (path, id, policy) in evidence {
        let statements = policy["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        let only = statements
            .iter()
            .find(|s| s["Sid"] == "OnlyAwsIrWritesEvidence")
            .unwrap();
        assert_eq!(only["Effect"], "Deny", "{path} {id}");
        for action in ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"] {
            assert!(
                only["Action"].to_string().contains(action),
                "{path} {id}: {action}"
            );
        }
    }
}

#[test]
fn a_report_is_retried_before_it_is_given_up() {
    for (path, content) in synthesize() {
        if !path.ends_with(".asl.json") {
            continue;
        }
        // Every state that publishes to the topic without waiting is a report.
        fn walk(states: &serde_json::Value, path: &str) {
            for (name, s) in states.as_object().unwrap() {
                if s["Resource"] == "arn:aws:states:::sns:publish" {
                    assert!(
                        s["Retry"].as_array().is_some_and(|r| !r.is_empty()),
                        "{path} {name}: a report that is not retried"
                    );
                }
                for branch in s["Branches"].as_array().into_iter().flatten() {
                    walk(&branch["States"], path);
                }
                if let Some(p) = s.get("ItemProcessor") {
                    walk(&p["States"], path);
                }
            }
        }
        let m: serde_json::Value = serde_json::from_str(&content).unwrap();
        walk(&m["States"], &path);
    }
}
