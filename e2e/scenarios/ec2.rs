//! The EC2 compromise playbook and its release, deployed from `cloudformation/ec2-compromise.json`
//! with `irctl deploy` into the emulated AWS. Findings arrive through EventBridge as GuardDuty
//! sends them; every outcome is read back through the EC2, Auto Scaling and ELBv2 APIs.

use aws_sdk_ec2::types::InstanceAttributeName;
use aws_sdk_sfn::types::ExecutionStatus;
use e2e::{fresh_sample, scenarios, Stack, World};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

mod ec2_custody;
mod ec2_member;
mod ec2_tasks;
use ec2_custody::*;
use ec2_member::*;
use ec2_tasks::*;

/// The Region of the member account whose instance is contained from the home Region (#20).
const MEMBER_REGION: &str = "eu-west-1";

struct Ctx {
    world: World,
    /// Contains automatically at severity >= 7, asks otherwise (10-minute window).
    main: Stack,
    /// Asks for every case, waits 3 seconds, then skips: never contains on its own.
    fast: Stack,
    /// The optional cuts on (quarantine profile, role sessions revoked, subnet NACL); its rules
    /// are disabled, so only direct starts reach it and the other stacks' cases stay theirs.
    strict: Stack,
    forensic: Value,
    /// The forensic subnet and security group of the main stack.
    network: Value,
}

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        a_compromised_host_is_contained_and_release_restores_it,
        a_resent_finding_changes_nothing,
        an_excluded_instance_is_left_alone,
        a_protected_instance_is_contained_once_approved,
        a_rejected_approval_changes_nothing,
        an_unanswered_approval_is_skipped_by_policy,
        an_offline_agent_skips_capture_but_not_containment,
        a_terminated_instance_is_recorded_not_touched,
        an_unknown_instance_is_recorded,
        throttling_is_retried_and_the_run_completes,
        a_dry_run_plans_and_changes_nothing,
        a_case_without_instances_is_not_applicable,
        security_hub_findings_and_the_isolate_action_contain,
        a_port_scanner_is_contained,
        the_optional_cuts_are_made_and_released,
        every_task_names_bad_input,
        every_task_on_an_unknown_instance_is_resource_not_found,
        each_step_alone_plans_then_acts_once,
        disk_evidence_is_hashed_through_the_ebs_direct_apis,
        a_contained_host_gets_a_signed_evidence_manifest,
        a_forensic_copy_is_hashed_and_verifies_equal,
        hashing_under_throttling_completes,
        a_memory_image_that_does_not_arrive_whole_is_not_kept,
        a_snapshot_tagged_by_someone_else_is_no_evidence,
        an_instance_in_a_member_account_in_another_region_is_contained_there,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        let forensic = world.fixture(&["forensic-host", "--name", "forensics"]);
        let network = world.fixture(&["forensic-network", "--name", "forensics"]);
        let (main, fast, strict) = rt.block_on(async {
            let fid = format!(
                "ForensicInstanceId={}",
                forensic["instance_id"].as_str().unwrap()
            );
            let fsub = format!(
                "ForensicSubnetId={}",
                network["subnet_id"].as_str().unwrap()
            );
            let fsg = format!(
                "ForensicSecurityGroupId={}",
                network["security_group_id"].as_str().unwrap()
            );
            // Responds for the organization's member accounts too (#20), deployed as a user
            // does: the members OU's accounts get the member stacks in two Regions, and forward
            // their own GuardDuty findings.
            let organization = world.organization_args(MEMBER_REGION, &["--forward-findings"]);
            let organization: Vec<&str> = organization.iter().map(String::as_str).collect();
            let main = world
                .deploy_with(
                    "e2e",
                    "ec2-compromise",
                    &[
                        "CaptureTimeoutSeconds=60",
                        "ApprovalTimeoutSeconds=600",
                        &fid,
                        &fsub,
                        &fsg,
                    ],
                    &organization,
                )
                .await;
            let fast = world
                .deploy(
                    "e2e-fast",
                    "ec2-compromise",
                    &[
                        "MinSeverityAutomatic=10",
                        "ApprovalTimeoutSeconds=3",
                        "OnApprovalTimeout=skip",
                        "VolatileCapture=false",
                    ],
                )
                .await;
            let strict = world
                .deploy(
                    "e2e-strict",
                    "ec2-compromise",
                    &[
                        "Triggers=disabled",
                        "VolatileCapture=false",
                        "ProfileAction=quarantine",
                        "RevokeRoleSessions=true",
                        "NaclIsolation=true",
                        &format!("ForensicAccountId={FORENSIC_ACCOUNT}"),
                        &format!("ForensicKeyArn={FORENSIC_KEY}"),
                    ],
                )
                .await;
            (main, fast, strict)
        });
        Ctx {
            world,
            main,
            fast,
            strict,
            forensic,
            network,
        }
    })
}

// --- helpers -----------------------------------------------------------------------------

/// A web host (two interfaces, three volumes, Auto Scaling group, two target groups, profile,
/// agent online) with extra fixture arguments.
fn host(c: &Ctx, name: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "web-host",
        "--name",
        name,
        "--enis",
        "2",
        "--volumes",
        "3",
        "--target-groups",
        "2",
        "--asg",
        "--profile",
    ];
    args.extend(extra);
    if !extra.contains(&"--agent") {
        args.extend(["--agent", "Online"]);
    }
    c.world.fixture(&args)
}

fn id(h: &Value) -> &str {
    h["instance_id"].as_str().unwrap()
}

/// A HIGH GuardDuty finding (backdoor) about `instance`, fresh ids.
fn finding(instance: &str) -> Value {
    let mut event = fresh_sample("guardduty-ec2-backdoor-c2");
    let text = event.to_string().replace("i-0c3d4e5f60718293a", instance);
    event = serde_json::from_str(&text).unwrap();
    event
}

/// Emits `event` as GuardDuty would and waits for the stack's execution to end.
async fn run(c: &Ctx, stack: &Stack, event: &Value) -> (String, ExecutionStatus, Value) {
    c.world.emit(event);
    let arn = c
        .world
        .execution_for(stack, event["id"].as_str().unwrap())
        .await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(240)).await;
    (arn, status, out)
}

fn instance_result<'a>(out: &'a Value, instance: &str) -> &'a Value {
    out["results"]["instances"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["instance_id"] == instance))
        .unwrap_or_else(|| panic!("no result for {instance} in {out}"))
}

/// What the playbook may change, read live: the fields release must put back.
#[derive(Debug, PartialEq)]
struct Observed {
    /// The instance's own interfaces and their groups.
    groups: BTreeMap<String, Vec<String>>,
    /// Forensic interfaces the playbook attached, and their groups.
    forensic: BTreeMap<String, Vec<String>>,
    profile: Option<String>,
    asg: Option<String>,
    target_groups: Vec<(String, Option<i32>)>,
    classic_load_balancers: Vec<String>,
    termination_protection: bool,
    shutdown: String,
    delete_on_termination: BTreeMap<String, bool>,
}

async fn observe(c: &Ctx, instance: &str) -> Observed {
    let w = &c.world;
    let d = w
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    let i = &d.reservations()[0].instances()[0];
    let (mut groups, mut forensic) = (BTreeMap::new(), BTreeMap::new());
    for n in i.network_interfaces() {
        let mut g: Vec<String> = n
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(String::from))
            .collect();
        g.sort();
        let ours = n
            .description()
            .is_some_and(|d| d.starts_with("aws-ir forensic access"));
        let into = if ours { &mut forensic } else { &mut groups };
        into.insert(n.network_interface_id().unwrap().to_string(), g);
    }
    let profile = w
        .ec2
        .describe_iam_instance_profile_associations()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-id")
                .values(instance)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .iam_instance_profile_associations()
        .iter()
        .find(|a| a.state().map(|s| s.as_str()) == Some("associated"))
        .and_then(|a| {
            a.iam_instance_profile()
                .and_then(|p| p.arn())
                .map(String::from)
        });
    let asg = w
        .autoscaling
        .describe_auto_scaling_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap()
        .auto_scaling_instances()
        .first()
        .and_then(|a| a.auto_scaling_group_name().map(String::from));
    let mut target_groups = Vec::new();
    for tg in w
        .elbv2
        .describe_target_groups()
        .send()
        .await
        .unwrap()
        .target_groups()
    {
        let arn = tg.target_group_arn().unwrap();
        for t in w
            .elbv2
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await
            .unwrap()
            .target_health_descriptions()
        {
            let state = t
                .target_health()
                .and_then(|h| h.state())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            // A draining target is on its way out; any other state is still registered.
            if t.target().and_then(|x| x.id()) == Some(instance) && state != "draining" {
                target_groups.push((arn.to_string(), t.target().and_then(|x| x.port())));
            }
        }
    }
    target_groups.sort();
    let mut classic_load_balancers: Vec<String> = w
        .elb
        .describe_load_balancers()
        .send()
        .await
        .unwrap()
        .load_balancer_descriptions()
        .iter()
        .filter(|lb| {
            lb.instances()
                .iter()
                .any(|i| i.instance_id() == Some(instance))
        })
        .filter_map(|lb| lb.load_balancer_name().map(String::from))
        .collect();
    classic_load_balancers.sort();
    let attr = |a: InstanceAttributeName| {
        w.ec2
            .describe_instance_attribute()
            .instance_id(instance)
            .attribute(a)
            .send()
    };
    let termination_protection = attr(InstanceAttributeName::DisableApiTermination)
        .await
        .unwrap()
        .disable_api_termination()
        .and_then(|v| v.value())
        .unwrap_or(false);
    let shutdown = attr(InstanceAttributeName::InstanceInitiatedShutdownBehavior)
        .await
        .unwrap()
        .instance_initiated_shutdown_behavior()
        .and_then(|v| v.value())
        .unwrap_or_default()
        .to_string();
    let delete_on_termination = i
        .block_device_mappings()
        .iter()
        .map(|m| {
            (
                m.device_name().unwrap().to_string(),
                m.ebs()
                    .and_then(|e| e.delete_on_termination())
                    .unwrap_or(false),
            )
        })
        .collect();
    Observed {
        groups,
        forensic,
        profile,
        asg,
        target_groups,
        classic_load_balancers,
        termination_protection,
        shutdown,
        delete_on_termination,
    }
}

async fn isolation_group(c: &Ctx, vpc: &str) -> aws_sdk_ec2::types::SecurityGroup {
    let out = c
        .world
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc)
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:aws-ir:isolation")
                .values("closed")
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.security_groups()
        .first()
        .cloned()
        .expect("the isolation group exists")
}

/// The snapshots the case took of `instance`, as EC2 describes them.
async fn case_snapshot_details(
    c: &Ctx,
    case: &str,
    instance: &str,
) -> Vec<aws_sdk_ec2::types::Snapshot> {
    let filter = |name: &str, value: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(name)
            .values(value)
            .build()
    };
    c.world
        .ec2
        .describe_snapshots()
        .owner_ids("self")
        .filters(filter("tag:aws-ir:case", case))
        .filters(filter("tag:aws-ir:instance", instance))
        .send()
        .await
        .unwrap()
        .snapshots
        .unwrap_or_default()
}

async fn case_snapshots(c: &Ctx, case: &str, instance: &str) -> Vec<String> {
    let mut ids: Vec<String> = case_snapshot_details(c, case, instance)
        .await
        .iter()
        .filter_map(|s| s.snapshot_id().map(String::from))
        .collect();
    ids.sort();
    ids
}

// --- scenarios ---------------------------------------------------------------------------

async fn a_compromised_host_is_contained_and_release_restores_it(c: Arc<Ctx>) {
    let h = host(&c, "contained", &["--classic-elb"]);
    let instance = id(&h);
    let before = observe(&c, instance).await;
    assert_eq!(before.groups.len(), 2, "{before:?}");
    assert_eq!(before.target_groups.len(), 2, "{before:?}");
    assert_eq!(before.classic_load_balancers, vec!["contained-clb"]);
    assert!(
        before.asg.is_some() && before.profile.is_some(),
        "{before:?}"
    );

    // Dual-stack: the suite's VPC has an IPv6 block, so every new group (the isolation group
    // too) starts with allow-all egress to `::/0` beside `0.0.0.0/0`.
    for eni in h["network_interfaces"].as_array().unwrap() {
        assert_eq!(eni["ipv6_addresses"].as_array().unwrap().len(), 1, "{h}");
    }

    let (_, status, out) = run(&c, &c.main, &finding(instance)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    assert_eq!(
        instance_result(&out, instance)["status"],
        "contained",
        "{out}"
    );
    assert_eq!(out["results"]["record"]["status"], "contained");

    // Step 4, read back.
    let after = observe(&c, instance).await;
    let closed = isolation_group(&c, h["vpc_id"].as_str().unwrap()).await;
    let closed_id = closed.group_id().unwrap().to_string();
    assert!(
        closed.ip_permissions().is_empty() && closed.ip_permissions_egress().is_empty(),
        "the isolation group allows nothing: {closed:?}"
    );
    for (eni, groups) in &after.groups {
        assert_eq!(
            groups,
            &vec![closed_id.clone()],
            "{eni} must be in the isolation group only"
        );
    }
    assert_eq!(after.groups.len(), 2);
    let forensic_group = c.network["security_group_id"].as_str().unwrap();
    assert_eq!(
        after.forensic.values().collect::<Vec<_>>(),
        vec![&vec![forensic_group.to_string()]],
        "one forensic interface, in the forensic group: {after:?}"
    );
    assert_eq!(after.profile, None, "the instance profile is removed");
    assert_eq!(after.asg, None, "detached from its Auto Scaling group");
    assert!(
        after.target_groups.is_empty(),
        "deregistered from every target group: {:?}",
        after.target_groups
    );
    assert!(
        after.classic_load_balancers.is_empty(),
        "deregistered from its classic load balancer: {:?}",
        after.classic_load_balancers
    );
    assert!(after.termination_protection);
    assert_eq!(after.shutdown, "stop");
    assert!(
        after.delete_on_termination.values().all(|d| !d),
        "{:?}",
        after.delete_on_termination
    );
    let tags: BTreeMap<String, String> = c
        .world
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap()
        .reservations()[0]
        .instances()[0]
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(tags.get("aws-ir:case"), Some(&case));
    assert_eq!(
        tags.get("aws-ir:status").map(String::as_str),
        Some("contained")
    );
    // Step 5: one snapshot per volume, attached as evidence volumes on the forensic host.
    let snapshots = case_snapshots(&c, &case, instance).await;
    assert_eq!(snapshots.len(), 3, "{snapshots:?}");
    let forensic = c
        .world
        .ec2
        .describe_instances()
        .instance_ids(c.forensic["instance_id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let evidence_devices = forensic.reservations()[0].instances()[0]
        .block_device_mappings()
        .len();
    assert!(
        evidence_devices > 3,
        "the forensic host got the evidence volumes ({evidence_devices} devices)"
    );
    // Step 6: the record and the notification list the actions.
    let actions: Vec<&str> = out["results"]["record"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "autoscaling:DetachInstances",
        "elasticloadbalancing:DeregisterTargets",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:CreateSnapshots",
        "ec2:AttachVolume",
    ] {
        assert!(
            actions.iter().any(|a| a.contains(expected)),
            "no {expected} in {actions:#?}"
        );
    }
    assert!(
        actions.iter().any(|a| a.contains("capture: captured")),
        "{actions:#?}"
    );
    let report = out["results"]["record"]["report"]
        .as_str()
        .unwrap()
        .trim_start_matches("s3://");
    let (bucket, key) = report.split_once('/').unwrap();
    let report: Value = serde_json::from_slice(&c.world.object(bucket, key).await).unwrap();
    assert_eq!(report["status"], "contained");
    let got = c
        .world
        .notifications(
            &c.main,
            &format!("{instance} isolate: ec2:ModifyNetworkInterfaceAttribute"),
            Duration::from_secs(30),
        )
        .await;
    assert!(!got.is_empty(), "the notification lists the actions");

    // Step 7: release restores the recorded state, field by field, once a second responder
    // agrees.
    let (status, out) = c
        .world
        .release(
            &c.main.prefix,
            "ec2-release",
            &[
                "--case",
                &case,
                "--instance",
                instance,
                "--reason",
                "false positive",
            ],
        )
        .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "release failed: {out}");
    let released = observe(&c, instance).await;
    assert_eq!(released.groups, before.groups);
    assert!(
        released.forensic.is_empty(),
        "release detaches the forensic interface: {released:?}"
    );
    assert_eq!(released.profile, before.profile);
    assert_eq!(released.asg, before.asg);
    assert_eq!(released.target_groups, before.target_groups);
    assert_eq!(
        released.classic_load_balancers,
        before.classic_load_balancers
    );
    assert_eq!(
        released.termination_protection,
        before.termination_protection
    );
    assert_eq!(released.shutdown, before.shutdown);
    assert_eq!(released.delete_on_termination, before.delete_on_termination);

    // The custody log records the release: who asked (as AWS authenticated them), why, and
    // the hashes its evidence was sealed with.
    let logged = &out["results"]["custody_log"];
    assert_eq!(logged["status"], "logged", "{out}");
    let bucket = &c.main.outputs["EvidenceBucketName"];
    let entries = logged["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{out}");
    let key = entries[0]
        .as_str()
        .unwrap()
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap();
    assert!(
        key.starts_with(&contract::custody::log_prefix(&case)),
        "{key}"
    );
    let entry: contract::custody::LogEntry =
        serde_json::from_slice(&c.world.object(bucket, key).await).unwrap();
    assert_eq!(entry.event, "release");
    assert_eq!(entry.actor, c.world.responders[0].arn, "{entry:?}");
    assert!(
        entry.purpose.contains(instance) && entry.purpose.contains("false positive"),
        "{entry:?}"
    );
    let manifest: contract::custody::Manifest = serde_json::from_slice(
        &c.world
            .object(bucket, &contract::custody::manifest_key(&case))
            .await,
    )
    .unwrap();
    for item in manifest.items.iter().filter(|i| i.instance_id == instance) {
        assert!(
            entry
                .hashes
                .contains(&(item.snapshot_id.clone(), item.sha256_linear.clone())),
            "{entry:?}"
        );
    }
    assert_eq!(entry.hashes.last().unwrap().0, "manifest.json");
}

async fn a_resent_finding_changes_nothing(c: Arc<Ctx>) {
    let h = host(&c, "resent", &[]);
    let instance = id(&h);
    let first = finding(instance);
    let (_, status, out) = run(&c, &c.main, &first).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let snapshots = case_snapshots(&c, &case, instance).await;
    let contained = observe(&c, instance).await;
    // GuardDuty sends the same finding again (same finding id, new event).
    let mut again = first.clone();
    again["id"] = json!(uuid::Uuid::new_v4().to_string());
    let (_, status, out) = run(&c, &c.main, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        out["case"]["case_id"],
        case.as_str(),
        "the same finding is the same case"
    );
    let r = instance_result(&out, instance);
    assert_eq!(r["status"], "skipped", "{r}");
    assert!(
        r["detail"].as_str().unwrap().contains("already handled"),
        "{r}"
    );
    assert_eq!(
        case_snapshots(&c, &case, instance).await,
        snapshots,
        "no new snapshots"
    );
    assert_eq!(observe(&c, instance).await, contained, "nothing changed");
    // Custody runs again and adds nothing: every range and the manifest are kept.
    assert_eq!(out["results"]["custody"]["status"], "kept", "{out}");
}

/// The Security Hub triggers, through the stack's own EventBridge rules: a responder's custom
/// action "Isolate instance" (matched by the action target the stack created) and an imported
/// HIGH finding on an instance tagged `aws-ir:respond=auto`.
async fn security_hub_findings_and_the_isolate_action_contain(c: Arc<Ctx>) {
    let sample_with = |name: &str, sample_id: &str, instance: &str| -> Value {
        let text = fresh_sample(name).to_string().replace(sample_id, instance);
        serde_json::from_str(&text).unwrap()
    };

    // One volume each: the suite's forensic instance has 21 device names for every scenario.
    let acted = host(&c, "sh-action", &["--volumes", "1"]);
    let mut action = sample_with(
        "securityhub-custom-action-isolate",
        "i-0c3d4e5f60718293a",
        id(&acted),
    );
    action["resources"] = json!([c.main.outputs["CustomActionIsolateArn"]]);
    let (_, status, out) = run(&c, &c.main, &action).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        instance_result(&out, id(&acted))["status"],
        "contained",
        "{out}"
    );
    assert_eq!(observe(&c, id(&acted)).await.asg, None);

    // Another product's finding acts only where the instance's owner opted in: on the live
    // instance, not in the finding (whose tags are whatever its importer wrote).
    let claimed = host(&c, "sh-claimed", &["--volumes", "1"]);
    let mut finding = sample_with(
        "securityhub-finding-imported-ec2",
        "i-0a1b2c3d4e5f60718",
        id(&claimed),
    );
    finding["detail"]["findings"][0]["Resources"][0]["Tags"]["aws-ir:respond"] = json!("auto");
    let (_, status, out) = run(&c, &c.main, &finding).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = instance_result(&out, id(&claimed));
    assert_eq!(r["status"], "skipped", "{out}");
    assert!(r["detail"].as_str().unwrap().contains("read live"), "{r}");

    let imported = host(
        &c,
        "sh-imported",
        &["--volumes", "1", "--tag", "aws-ir:respond=auto"],
    );
    let mut finding = sample_with(
        "securityhub-finding-imported-ec2",
        "i-0a1b2c3d4e5f60718",
        id(&imported),
    );
    finding["detail"]["findings"][0]["Resources"][0]["Tags"]["aws-ir:respond"] = json!("auto");
    // An AWS product's (Inspector's) finding: AWS vouches for who produced it.
    finding["detail"]["findings"][0]["ProductArn"] =
        json!("arn:aws:securityhub:us-east-1::product/aws/inspector");
    let (_, status, out) = run(&c, &c.main, &finding).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        instance_result(&out, id(&imported))["status"],
        "contained",
        "{out}"
    );
}

/// In a port scan our instance is the actor (`resourceRole: ACTOR`, outbound): it is the
/// compromised party, so it is contained (the scanned address is its victim, never blocked:
/// the malicious-ip suite checks that side). GuardDuty rates a port scan MEDIUM (5), below
/// `MinSeverityAutomatic`: a responder approves first.
async fn a_port_scanner_is_contained(c: Arc<Ctx>) {
    let scanner = host(&c, "scanner", &["--volumes", "1"]);
    let instance = id(&scanner).to_string();
    let text = fresh_sample("guardduty-ec2-portscan")
        .to_string()
        .replace("i-0f60718293a4b5c6d", &instance);
    let event: Value = serde_json::from_str(&text).unwrap();
    let out = answered(&c, &event, &instance, &["approve"]).await;
    assert_eq!(out["case"]["finding_type"], "Recon:EC2/Portscan", "{out}");
    assert_eq!(
        instance_result(&out, &instance)["status"],
        "contained",
        "{out}"
    );
}

async fn an_excluded_instance_is_left_alone(c: Arc<Ctx>) {
    let h = host(&c, "excluded", &["--tag", "aws-ir:exclude=true"]);
    let instance = id(&h);
    let before = observe(&c, instance).await;
    let (_, status, out) = run(&c, &c.main, &finding(instance)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = instance_result(&out, instance);
    assert_eq!(r["status"], "skipped");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("exclusion tag aws-ir:exclude"),
        "{r}"
    );
    assert_eq!(observe(&c, instance).await, before);
}

async fn approve_flow(c: &Ctx, name: &str, answer: &[&str]) -> (String, Value, Observed, Observed) {
    let h = host(c, name, &["--tag", "aws-ir:protected=true"]);
    let instance = id(&h).to_string();
    let before = observe(c, &instance).await;
    let out = answered(c, &finding(&instance), &instance, answer).await;
    let after = observe(c, &instance).await;
    (instance, out, before, after)
}

/// Emits `event`, waits for the approval it asks about `instance`, gives `answer`
/// (`["approve"]`, `["reject", "--reason", ...]`) as the responder, and returns the run's
/// output once it succeeded.
async fn answered(c: &Ctx, event: &Value, instance: &str, answer: &[&str]) -> Value {
    c.world.emit(event);
    let arn = c
        .world
        .execution_for(&c.main, event["id"].as_str().unwrap())
        .await;
    c.world.wait_for_token(&arn).await;
    // Other scenarios ask about their own instances on the same topic at the same time: wait
    // for the request that names this one, not for the first request of any.
    let asked = c
        .world
        .notifications(
            &c.main,
            &format!("--instance {instance}"),
            Duration::from_secs(30),
        )
        .await;
    let case = asked
        .iter()
        .filter_map(|m| m["Message"].as_str())
        .find(|m| m.contains(instance))
        .and_then(|m| m.split_whitespace().nth(1).map(String::from))
        .expect("an approval request names the case");
    let mut args = vec!["--stack-prefix", c.main.prefix.as_str()];
    args.extend(answer);
    args.extend([case.as_str(), "--instance", instance]);
    assert!(c.world.irctl(&args).status.success());
    let (status, out) = c.world.wait(&arn, Duration::from_secs(240)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    out
}

async fn a_protected_instance_is_contained_once_approved(c: Arc<Ctx>) {
    let (instance, out, _, after) = approve_flow(&c, "protected-approved", &["approve"]).await;
    assert_eq!(
        instance_result(&out, &instance)["status"],
        "contained",
        "{out}"
    );
    assert!(after.asg.is_none() && after.profile.is_none());
}

async fn a_rejected_approval_changes_nothing(c: Arc<Ctx>) {
    let (instance, out, before, after) = approve_flow(
        &c,
        "protected-rejected",
        &["reject", "--reason", "planned maintenance"],
    )
    .await;
    let r = instance_result(&out, &instance);
    assert_eq!(r["status"], "dismissed", "{r}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("planned maintenance"),
        "{r}"
    );
    assert_eq!(after, before);
}

async fn an_unanswered_approval_is_skipped_by_policy(c: Arc<Ctx>) {
    let h = host(&c, "unanswered", &[]);
    let instance = id(&h);
    let before = observe(&c, instance).await;
    // Only the fast stack: a manual request started directly on it.
    let out = c.world.irctl(&[
        "--stack-prefix",
        &c.fast.prefix,
        "start",
        "ec2-compromise",
        "--instance",
        instance,
        "--reason",
        "odd traffic",
        "--severity",
        "5",
        "--direct",
        "--watch",
        // What the suite waits for any execution: the 3 s approval timeout is the stack's, and
        // the rest of the run shares the emulator with the other scenarios.
        "--timeout",
        "300",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not approved in time"), "{stdout}");
    assert_eq!(observe(&c, instance).await, before);
}

async fn an_offline_agent_skips_capture_but_not_containment(c: Arc<Ctx>) {
    let h = host(&c, "offline", &["--agent", "ConnectionLost"]);
    let instance = id(&h);
    let (_, status, out) = run(&c, &c.main, &finding(instance)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = instance_result(&out, instance);
    assert_eq!(r["status"], "contained", "{r}");
    assert!(r["detail"].as_str().unwrap().contains("skipped"), "{r}");
    let actions = out["results"]["record"]["actions"].to_string();
    assert!(actions.contains("ConnectionLost"), "{actions}");
}

async fn a_terminated_instance_is_recorded_not_touched(c: Arc<Ctx>) {
    let h = host(&c, "terminated", &["--agent", "absent"]);
    let instance = id(&h);
    // Out of the group first, or the group would replace it.
    c.world
        .autoscaling
        .detach_instances()
        .auto_scaling_group_name(h["auto_scaling_group"].as_str().unwrap())
        .instance_ids(instance)
        .should_decrement_desired_capacity(true)
        .send()
        .await
        .unwrap();
    c.world
        .ec2
        .terminate_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    let (_, status, out) = run(&c, &c.main, &finding(instance)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = instance_result(&out, instance);
    assert_eq!(r["status"], "skipped");
    assert!(r["detail"].as_str().unwrap().contains("terminated"), "{r}");
}

async fn an_unknown_instance_is_recorded(c: Arc<Ctx>) {
    let (_, status, out) = run(&c, &c.main, &finding("i-0f0f0f0f0f0f0f0f0")).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = instance_result(&out, "i-0f0f0f0f0f0f0f0f0");
    assert_eq!(r["status"], "not found", "{r}");
    assert_eq!(out["results"]["record"]["status"], "nothing contained");
}

async fn throttling_is_retried_and_the_run_completes(c: Arc<Ctx>) {
    let h = host(&c, "throttled", &[]);
    let instance = id(&h);
    let eni = h["network_interfaces"][0]["id"].as_str().unwrap();
    // More throttles than the SDK retries by itself: the playbook's Retry must absorb the rest.
    c.world.fault(&json!({"service": "ec2", "action": "ModifyNetworkInterfaceAttribute", "error": "RequestLimitExceeded", "status": 503, "count": 5, "match": {"NetworkInterfaceId": eni}}));
    let (arn, status, out) = run(&c, &c.main, &finding(instance)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        instance_result(&out, instance)["status"],
        "contained",
        "{out}"
    );
    let served = c.world.faults().to_string();
    assert!(served.contains(eni), "{served}");
    let history = c.world.histories(&arn).await;
    let throttled = history
        .iter()
        .filter(|e| e.task_failed_event_details().and_then(|d| d.error()) == Some("IR.Throttled"))
        .count();
    assert!(throttled >= 1, "the playbook saw and retried IR.Throttled");
}

async fn a_dry_run_plans_and_changes_nothing(c: Arc<Ctx>) {
    let h = host(&c, "dry-run", &[]);
    let instance = id(&h);
    let before = observe(&c, instance).await;
    let out = c.world.irctl(&[
        "--stack-prefix",
        &c.main.prefix,
        "start",
        "ec2-compromise",
        "--instance",
        instance,
        "--reason",
        "what would happen?",
        "--dry-run",
        "--direct",
        "--watch",
        "--timeout",
        "120",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    assert!(stdout.contains("status=planned"), "{stdout}");
    assert!(
        stdout.contains("ModifyNetworkInterfaceAttribute"),
        "the plan lists the calls: {stdout}"
    );
    // Custody plans too, and reads nothing: there is no snapshot to read.
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("custody ") && l.contains("status=planned")),
        "{stdout}"
    );
    assert_eq!(observe(&c, instance).await, before);
}

async fn a_case_without_instances_is_not_applicable(c: Arc<Ctx>) {
    let out = c.world.irctl(&[
        "--stack-prefix",
        &c.main.prefix,
        "start",
        "ec2-compromise",
        "--ip",
        "185.220.101.45",
        "--reason",
        "scanner",
        "--direct",
        "--watch",
        "--timeout",
        "60",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("status=not applicable"), "{stdout}");
}

/// The network ACL of a subnet, as `DescribeNetworkAcls` reads it.
async fn subnet_acl(c: &Ctx, subnet: &str) -> aws_sdk_ec2::types::NetworkAcl {
    let acls = c
        .world
        .ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(subnet)
                .build(),
        )
        .send()
        .await
        .unwrap();
    acls.network_acls()[0].clone()
}

/// The instance's subnet's deny-all entries in aws-ir's rule range: `(rule, egress, network)`.
async fn nacl_denials(c: &Ctx, subnet: &str) -> Vec<(i32, bool, String)> {
    let mut out: Vec<(i32, bool, String)> = subnet_acl(c, subnet)
        .await
        .entries()
        .iter()
        .filter(|e| {
            e.rule_number().is_some_and(|n| (1..=40).contains(&n))
                && e.rule_action().map(|a| a.as_str()) == Some("deny")
                && (e.cidr_block() == Some("0.0.0.0/0") || e.ipv6_cidr_block() == Some("::/0"))
        })
        .map(|e| {
            let network = e.cidr_block().or(e.ipv6_cidr_block()).unwrap().to_string();
            (e.rule_number().unwrap(), e.egress().unwrap(), network)
        })
        .collect();
    out.sort();
    out
}

/// Directions and networks of the deny-alls, without their rule numbers.
async fn denied(c: &Ctx, subnet: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = nacl_denials(c, subnet)
        .await
        .into_iter()
        .map(|(_, egress, network)| (egress, network))
        .collect();
    out.sort();
    out
}

/// Starts a stack directly with `event` through `irctl start --file` (a GuardDuty event cannot
/// be put on the bus by anyone but GuardDuty) and waits for the execution.
async fn run_direct(c: &Ctx, stack: &Stack, playbook: &str, event: &Value) -> (String, Value) {
    let arn = c.world.start_with_file(stack, playbook, event);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(240)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    (arn, out)
}

/// Policy's optional cuts: the profile swapped for the stack's quarantine profile, the role's
/// older sessions denied (with a warning naming the instance that shares the role), the subnet's
/// NACL denying all both ways, IPv4 and IPv6; release undoes each, read back through EC2 and IAM.
/// Two instances of one subnet are contained at once (one case, a Security Hub custom action
/// on two findings: the Map runs them together): they share the subnet's denies, and releasing
/// the first leaves the second isolated until it is released too.
async fn the_optional_cuts_are_made_and_released(c: Arc<Ctx>) {
    let h = host(&c, "strict", &[]);
    let instance = id(&h);
    let subnet = h["subnet_id"].as_str().unwrap();
    let twin = host(&c, "strict-twin", &["--volumes", "1"]);
    assert_eq!(twin["subnet_id"], h["subnet_id"], "one subnet");
    let peer = c.world.fixture(&[
        "web-host",
        "--name",
        "strict-peer",
        "--profile-of",
        "strict",
    ]);
    let before = observe(&c, instance).await;
    let twin_before = observe(&c, id(&twin)).await;
    assert!(nacl_denials(&c, subnet).await.is_empty());
    // Somebody else's deny-all sits in aws-ir's range: isolation must not rely on it, since its
    // writer may delete it at will.
    let acl = subnet_acl(&c, subnet)
        .await
        .network_acl_id()
        .unwrap()
        .to_string();
    c.world
        .ec2
        .create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(40)
        .protocol("-1")
        .rule_action(aws_sdk_ec2::types::RuleAction::Deny)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();

    let mut action = fresh_sample("securityhub-custom-action-isolate");
    action["resources"] = json!([c.strict.outputs["CustomActionIsolateArn"]]);
    let one = action["detail"]["findings"][0].to_string();
    action["detail"]["findings"] = json!([
        serde_json::from_str::<Value>(&one.replace("i-0c3d4e5f60718293a", instance)).unwrap(),
        serde_json::from_str::<Value>(&one.replace("i-0c3d4e5f60718293a", id(&twin))).unwrap(),
    ]);
    let (_, out) = run_direct(&c, &c.strict, "ec2-compromise", &action).await;
    for i in [instance, id(&twin)] {
        assert_eq!(instance_result(&out, i)["status"], "contained", "{out}");
    }
    let actions = out["results"]["record"]["actions"].to_string();
    for line in [
        "ec2:ReplaceIamInstanceProfileAssociation",
        "iam:PutRolePolicy strict-role",
        "ec2:CreateNetworkAclEntry",
        &format!("shared with 1 other instance(s): {}", id(&peer)),
        "also ends the current sessions of",
    ] {
        assert!(actions.contains(line), "{line} missing from {actions}");
    }

    // Read back: the quarantine profile, the revocation policy, the NACL entries.
    let contained = observe(&c, instance).await;
    let quarantine = contained.profile.clone().expect("a quarantine profile");
    assert_ne!(Some(&quarantine), before.profile.as_ref());
    assert!(quarantine.contains("Quarantine"), "{quarantine}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let policy_name = format!("aws-ir-revoke-{case}");
    let policy = c
        .world
        .iam
        .get_role_policy()
        .role_name("strict-role")
        .policy_name(&policy_name)
        .send()
        .await
        .expect("the revocation policy is on the role");
    let document = policy.policy_document();
    // IAM returns policy documents URL-encoded.
    let document: Value =
        serde_json::from_str(&percent_encoding::percent_decode_str(document).decode_utf8_lossy())
            .unwrap();
    let statement = &document["Statement"][0];
    assert_eq!(statement["Effect"], "Deny", "{document}");
    assert!(
        statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string(),
        "{document}"
    );
    let both_ways = vec![
        (false, "0.0.0.0/0".to_string()),
        (false, "::/0".to_string()),
        (true, "0.0.0.0/0".to_string()),
        (true, "::/0".to_string()),
    ];
    // The foreign rule goes; aws-ir's own denies stay.
    c.world
        .ec2
        .delete_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(40)
        .egress(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        denied(&c, subnet).await,
        both_ways,
        "one deny-all per direction and family of aws-ir's own, shared by both instances: {out}"
    );

    // Release: every optional cut undone.
    let (status, released) = c
        .world
        .release(
            &c.strict.prefix,
            "ec2-release",
            &["--case", &case, "--instance", instance, "--reason", "drill"],
        )
        .await;
    let stdout = released.to_string();
    assert_eq!(status, ExecutionStatus::Succeeded, "{stdout}");
    let after = observe(&c, instance).await;
    assert_eq!(after.profile, before.profile);
    assert_eq!(after.groups, before.groups);
    // The twin is still contained: the subnet's denies stay, and its groups are the isolation's.
    assert_eq!(denied(&c, subnet).await, both_ways, "{stdout}");
    assert!(
        stdout.contains("other contained instance(s) still need it"),
        "{stdout}"
    );
    assert_ne!(observe(&c, id(&twin)).await.groups, twin_before.groups);

    let (status, released) = c
        .world
        .release(
            &c.strict.prefix,
            "ec2-release",
            &[
                "--case",
                &case,
                "--instance",
                id(&twin),
                "--reason",
                "drill",
            ],
        )
        .await;
    let stdout = released.to_string();
    assert_eq!(status, ExecutionStatus::Succeeded, "{stdout}");
    assert_eq!(observe(&c, id(&twin)).await.groups, twin_before.groups);
    let left = nacl_denials(&c, subnet).await;
    assert!(
        left.is_empty(),
        "deny-alls left on {subnet}: {left:?}; release: {stdout}"
    );
    let gone = c
        .world
        .iam
        .get_role_policy()
        .role_name("strict-role")
        .policy_name(&policy_name)
        .send()
        .await;
    assert!(gone.is_err(), "the revocation policy is removed: {stdout}");

    // Disabled rules: every execution of this stack was a direct start, though the suite's
    // other scenarios put findings and manual requests on the bus meanwhile.
    let executions = c
        .world
        .sfn
        .list_executions()
        .state_machine_arn(c.strict.state_machine())
        .send()
        .await
        .unwrap();
    for e in executions.executions() {
        assert!(
            e.name().starts_with("irctl-"),
            "{} started by a rule",
            e.name()
        );
    }
}
