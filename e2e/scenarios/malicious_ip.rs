//! The malicious-ip playbook and its ip-expiry companion, deployed from
//! `cloudformation/malicious-ip.json` with `irctl deploy` into the emulated AWS. GuardDuty and
//! Security Hub events arrive through EventBridge; every block is read back through the WAFv2
//! and EC2 APIs.
//!
//! Each scenario has a VPC of its own, so each network ACL is its own; the WAF IP sets are the
//! stack's and shared, so scenarios assert on their own addresses. The expiry (which touches the
//! whole ledger) runs only against the second stack, whose rules are off. A third stack responds
//! across the organization (#20): an address attacking a member's instance is blocked in that
//! member and Region, and expires there.

use aws_sdk_ec2::types::{Filter, RuleAction};
use aws_sdk_sfn::types::ExecutionStatus;
use e2e::{fresh_sample, scenarios, Stack, World};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Ctx {
    world: World,
    main: Stack,
    /// Rules disabled: started directly, expired and reconciled without touching `main`.
    quiet: Stack,
    /// Rules disabled, deployed with `--organization`: a member's cases (#20).
    org: Stack,
    image: String,
}

/// The Region of the member account whose instance is attacked (#20).
const MEMBER_REGION: &str = "eu-west-1";

/// Each scenario's VPC and addresses are unique in the run.
static NEXT: AtomicU32 = AtomicU32::new(1);

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        ipv4_and_ipv6_findings_are_blocked_in_waf_and_the_subnets_acl_once,
        twenty_findings_at_once_all_end_blocked_within_the_acl_limit,
        attacker_infrastructure_is_blocked_both_ways_a_scanned_victim_never,
        an_archived_finding_starts_nothing,
        refused_addresses_are_recorded_with_their_reason,
        a_finding_without_an_address_or_with_a_malformed_one_is_rejected,
        a_foreign_rule_in_our_range_is_skipped_and_never_touched,
        a_dry_run_plans_and_changes_nothing,
        a_manual_request_blocks_a_cidr,
        security_hub_findings_and_the_block_ip_action_block,
        expiry_and_reconciliation_keep_aws_and_the_ledger_in_step,
        an_address_attacking_a_member_is_blocked_and_expires_in_that_member,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        rt.block_on(
            world
                .ssm
                .put_parameter()
                .name("/incident-response/e2e-allow")
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .value("1.1.1.0/24\n# the resolver we rely on")
                .overwrite(true)
                .send(),
        )
        .unwrap();
        let params = [
            "AllowList=8.8.8.8,8.8.4.4",
            "AllowListParameter=/incident-response/e2e-allow",
        ];
        let main = rt.block_on(world.deploy("e2e", "malicious-ip", &params));
        let mut quiet_params = params.to_vec();
        quiet_params.extend([
            "Triggers=disabled",
            "CloudFrontIpSets=enabled",
            "NaclEgress=true",
        ]);
        let quiet = rt.block_on(world.deploy("e2e-quiet", "malicious-ip", &quiet_params));
        let organization = world.organization_args(MEMBER_REGION, &[]);
        let organization: Vec<&str> = organization.iter().map(String::as_str).collect();
        let org = rt.block_on(world.deploy_with(
            "e2e-org",
            "malicious-ip",
            &["Triggers=disabled"],
            &organization,
        ));
        let image = rt.block_on(async {
            let images = world
                .ec2
                .describe_images()
                .owners("amazon")
                .filters(
                    Filter::builder()
                        .name("name")
                        .values("al2023-ami-2023.*-x86_64")
                        .build(),
                )
                .send()
                .await
                .unwrap();
            images.images()[0].image_id().unwrap().to_string()
        });
        Ctx {
            world,
            main,
            quiet,
            org,
            image,
        }
    })
}

// --- helpers -----------------------------------------------------------------------------

/// An instance in a dual-stack VPC of its own: (instance id, network ACL of its subnet).
async fn host(c: &Ctx) -> (String, String) {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let ec2 = &c.world.ec2;
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("10.{}.0.0/16", 100 + n))
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let described = ec2.describe_vpcs().vpc_ids(&vpc).send().await.unwrap();
    // The first /64 of the VPC's /56 starts where the /56 does.
    let v6 = described.vpcs()[0].ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap()
        .replace("/56", "/64");
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(format!("10.{}.1.0/24", 100 + n))
        .ipv6_cidr_block(v6)
        .send()
        .await
        .unwrap();
    let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
    let run = ec2
        .run_instances()
        .image_id(&c.image)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    let instance = run.instances()[0].instance_id().unwrap().to_string();
    let acls = ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(&subnet)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let acl = acls.network_acls()[0].network_acl_id().unwrap().to_string();
    (instance, acl)
}

/// A public IPv4 address no other scenario uses (45.x.y.z: not in any refused range).
fn address() -> String {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("45.{}.{}.{}", 60 + n / 250, n % 250, 7 + n % 200)
}

/// The sample `name` with fresh ids and each `(from, to)` text replaced (its instance, its
/// address).
fn sample_with(name: &str, replace: &[(&str, &str)]) -> Value {
    let mut text = fresh_sample(name).to_string();
    for (from, to) in replace {
        text = text.replace(from, to);
    }
    serde_json::from_str(&text).unwrap()
}

/// A GuardDuty SSH brute-force finding from `ip` against `instance`, fresh ids.
fn brute_force(instance: &str, ip: &str) -> Value {
    sample_with(
        "guardduty-ec2-ssh-brute-force",
        &[("i-0a1b2c3d4e5f60718", instance), ("185.220.101.45", ip)],
    )
}

/// Emits `event` as its service would and waits for `stack`'s execution.
async fn run(c: &Ctx, stack: &Stack, event: &Value) -> (ExecutionStatus, Value) {
    c.world.emit(event);
    let arn = c
        .world
        .execution_for(stack, event["id"].as_str().unwrap())
        .await;
    c.world.wait(&arn, Duration::from_secs(300)).await
}

/// Starts `stack`'s `playbook` directly with `irctl start --file` and waits.
async fn run_direct(
    c: &Ctx,
    stack: &Stack,
    playbook: &str,
    event: &Value,
) -> (ExecutionStatus, Value) {
    let arn = c.world.start_with_file(stack, playbook, event);
    c.world.wait(&arn, Duration::from_secs(300)).await
}

/// An IP set of `stack` by output (`BlockedIpv4RegionalArn`): (name, id).
fn ip_set(stack: &Stack, output: &str) -> (String, String) {
    let arn = &stack.outputs[output];
    let mut parts = arn.rsplit('/');
    let id = parts.next().unwrap().to_string();
    let name = parts.next().unwrap().to_string();
    (name, id)
}

async fn waf_addresses(c: &Ctx, stack: &Stack, output: &str) -> BTreeSet<String> {
    let (name, id) = ip_set(stack, output);
    let scope = if output.contains("CloudFront") {
        aws_sdk_wafv2::types::Scope::Cloudfront
    } else {
        aws_sdk_wafv2::types::Scope::Regional
    };
    let got = c
        .world
        .wafv2
        .get_ip_set()
        .name(name)
        .id(id)
        .scope(scope)
        .send()
        .await
        .unwrap();
    got.ip_set().unwrap().addresses().iter().cloned().collect()
}

/// The ACL's denies in the playbook's range (50-89): (rule number, network, egress).
async fn denies(c: &Ctx, acl: &str) -> Vec<(i32, String, bool)> {
    entries(c, acl)
        .await
        .into_iter()
        .filter(|(n, _, _, deny)| (50..=89).contains(n) && *deny)
        .map(|(n, net, egress, _)| (n, net, egress))
        .collect()
}

/// Every entry of the ACL: (rule number, network, egress, deny).
async fn entries(c: &Ctx, acl: &str) -> Vec<(i32, String, bool, bool)> {
    let got = c
        .world
        .ec2
        .describe_network_acls()
        .network_acl_ids(acl)
        .send()
        .await
        .unwrap();
    got.network_acls()[0]
        .entries()
        .iter()
        .map(|e| {
            (
                e.rule_number().unwrap_or_default(),
                e.cidr_block()
                    .or(e.ipv6_cidr_block())
                    .unwrap_or_default()
                    .to_string(),
                e.egress().unwrap_or_default(),
                e.rule_action() == Some(&RuleAction::Deny),
            )
        })
        .collect()
}

/// An item of the stack's case table, attribute name -> text (string sets joined by commas).
async fn item(
    c: &Ctx,
    stack: &Stack,
    case_id: &str,
    item: &str,
) -> std::collections::BTreeMap<String, String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let got = c
        .world
        .dynamodb
        .get_item()
        .table_name(&stack.outputs["CaseTableName"])
        .key("case_id", AttributeValue::S(case_id.into()))
        .key("item", AttributeValue::S(item.into()))
        .send()
        .await
        .unwrap();
    got.item()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                AttributeValue::S(s) | AttributeValue::N(s) => s,
                AttributeValue::Ss(mut ss) => {
                    ss.sort();
                    ss.join(",")
                }
                other => format!("{other:?}"),
            };
            (k, text)
        })
        .collect()
}

/// The case's `ip-block#<execution>` records, attribute name -> JSON text.
async fn records(
    c: &Ctx,
    stack: &Stack,
    case_id: &str,
) -> Vec<std::collections::BTreeMap<String, String>> {
    use aws_sdk_dynamodb::types::AttributeValue;
    let got = c
        .world
        .dynamodb
        .query()
        .table_name(&stack.outputs["CaseTableName"])
        .key_condition_expression("case_id = :c AND begins_with(#item, :p)")
        .expression_attribute_names("#item", "item")
        .expression_attribute_values(":c", AttributeValue::S(case_id.into()))
        .expression_attribute_values(":p", AttributeValue::S("ip-block#".into()))
        .send()
        .await
        .unwrap();
    got.items()
        .iter()
        .map(|i| {
            i.iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
                .collect()
        })
        .collect()
}

fn blocks(out: &Value) -> &Value {
    &out["results"]["blocks"]
}

// --- scenarios ---------------------------------------------------------------------------

async fn ipv4_and_ipv6_findings_are_blocked_in_waf_and_the_subnets_acl_once(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let v4 = address();
    let event = brute_force(&instance, &v4);
    let (status, out) = run(&c, &c.main, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "done", "{out}");
    assert_eq!(blocks(&out)["nacl"]["status"], "done", "{out}");
    assert!(
        blocks(&out)["waf"]["expires"][0]
            .as_str()
            .unwrap()
            .contains(" until "),
        "{out}"
    );
    assert!(waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{v4}/32")));
    let ours = denies(&c, &acl).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert_eq!(
        (ours[0].1.as_str(), ours[0].2),
        (format!("{v4}/32").as_str(), false)
    );

    // IPv6: its own set, an IPv6 deny in the same ACL.
    let v6 = format!("2a0b:f4c2:{:x}::1", NEXT.fetch_add(1, Ordering::SeqCst));
    let event6 = sample_with(
        "guardduty-ec2-malicious-ip-caller-ipv6",
        &[("i-07182a3b4c5d6e7f8", &instance), ("2a0b:f4c2:2::1", &v6)],
    );
    let (status, out6) = run(&c, &c.main, &event6).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out6}");
    assert!(
        waf_addresses(&c, &c.main, "BlockedIpv6RegionalArn")
            .await
            .contains(&format!("{v6}/128")),
        "{out6}"
    );
    assert!(!waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{v6}/128")));
    let ours = denies(&c, &acl).await;
    assert!(
        ours.iter().any(|(_, n, _)| *n == format!("{v6}/128")),
        "{ours:?}"
    );

    // GuardDuty sends the finding again (same finding id, a new event): nothing more is written.
    let before = entries(&c, &acl).await;
    let mut again = event.clone();
    again["id"] = json!(format!("{}-again", event["id"].as_str().unwrap()));
    let (status, out) = run(&c, &c.main, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "skipped", "{out}");
    assert_eq!(blocks(&out)["nacl"]["status"], "skipped", "{out}");
    assert_eq!(
        entries(&c, &acl).await,
        before,
        "the ACL changed on a re-sent finding"
    );
    let notes = blocks(&out)["nacl"]["notes"].to_string();
    assert!(notes.contains("already denied"), "{notes}");

    // Another finding about the same address: the block is extended, its first case kept.
    let first_case = out["case"]["case_id"].as_str().unwrap().to_string();
    let before = item(&c, &c.main, "ip-blocks", &format!("net#{v4}/32")).await;
    tokio::time::sleep(Duration::from_millis(1100)).await; // the ledger keeps seconds
    let other = brute_force(&instance, &v4);
    let (status, out) = run(&c, &c.main, &other).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let second_case = out["case"]["case_id"].as_str().unwrap().to_string();
    assert_ne!(first_case, second_case);
    let after = item(&c, &c.main, "ip-blocks", &format!("net#{v4}/32")).await;
    assert_eq!(after["owner_case"], first_case, "{after:?}");
    assert_eq!(after["first_seen"], before["first_seen"], "{after:?}");
    assert!(
        after["last_seen"] > before["last_seen"],
        "{before:?} -> {after:?}"
    );
    assert!(
        after["expires_epoch"].parse::<i64>().unwrap()
            > before["expires_epoch"].parse::<i64>().unwrap()
    );
    assert!(
        after["cases"].contains(&first_case) && after["cases"].contains(&second_case),
        "{after:?}"
    );
    // What each run's steps did is on the case's record, one item per execution.
    let record = records(&c, &c.main, &first_case).await;
    assert_eq!(
        record.len(),
        2,
        "the first run and the re-sent one: {record:?}"
    );
    assert!(
        record.iter().any(|r| r["waf"].contains("added")),
        "{record:?}"
    );
    assert!(
        record.iter().any(|r| r["nacl"].contains("deny")),
        "{record:?}"
    );
    assert!(
        record.iter().any(|r| r["nacl"].contains("already denied")),
        "{record:?}"
    );
}

async fn twenty_findings_at_once_all_end_blocked_within_the_acl_limit(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let addresses: Vec<String> = (0..20).map(|_| address()).collect();
    let events: Vec<Value> = addresses
        .iter()
        .map(|a| brute_force(&instance, a))
        .collect();
    for e in &events {
        c.world.emit(e);
    }
    let mut outs = Vec::new();
    for e in &events {
        let arn = c
            .world
            .execution_for(&c.main, e["id"].as_str().unwrap())
            .await;
        let (status, out) = c.world.wait(&arn, Duration::from_secs(600)).await;
        assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
        outs.push(out);
    }
    let waf = waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn").await;
    for a in &addresses {
        assert!(
            waf.contains(&format!("{a}/32")),
            "{a} is missing from the IP set"
        );
    }
    // The default ACL holds rule 100 (allow all): 19 of ours fit in 20 inbound IPv4 rules.
    let ours = denies(&c, &acl).await;
    let networks: BTreeSet<&String> = ours.iter().map(|(_, n, _)| n).collect();
    assert_eq!(networks.len(), ours.len(), "a duplicate deny: {ours:?}");
    let inbound_v4 = entries(&c, &acl)
        .await
        .iter()
        .filter(|(n, net, egress, _)| !egress && *n != 32767 && !net.contains(':'))
        .count();
    assert_eq!(inbound_v4, 20, "the ACL is not at its limit of 20");
    assert_eq!(ours.len(), 19, "{ours:?}");
    let evicted: Vec<String> = outs
        .iter()
        .flat_map(|o| {
            blocks(o)["nacl"]["evicted"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(evicted.len(), 1, "{evicted:?}");
    let gone: Vec<&String> = addresses
        .iter()
        .filter(|a| !networks.contains(&format!("{a}/32")))
        .collect();
    assert_eq!(gone.len(), 1);
    assert!(
        evicted[0].ends_with(&format!("{}/32", gone[0])),
        "{evicted:?} vs {gone:?}"
    );
    let waf_retries: u64 = outs
        .iter()
        .map(|o| blocks(o)["waf"]["retries"].as_u64().unwrap_or(0))
        .sum();
    let nacl_retries: u64 = outs
        .iter()
        .map(|o| blocks(o)["nacl"]["retries"].as_u64().unwrap_or(0))
        .sum();
    eprintln!("20 concurrent findings: {waf_retries} WAF lock conflicts survived, {nacl_retries} NACL waits/races");
    assert!(
        waf_retries > 0,
        "no WAF lock conflict was met: the findings did not run concurrently"
    );
}

/// Who the remote address is decides (`contract::remote`): a C&C server our instance reached is
/// attacker infrastructure, denied inbound and outbound; the address our instance port-scanned
/// is its victim, reported and never blocked.
async fn attacker_infrastructure_is_blocked_both_ways_a_scanned_victim_never(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let server = address();
    let c2 = sample_with(
        "guardduty-ec2-backdoor-c2",
        &[
            ("i-0c3d4e5f60718293a", &instance),
            ("91.215.85.142", &server),
        ],
    );
    let (status, out) = run(&c, &c.main, &c2).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{server}/32")));
    let ours: BTreeSet<(String, bool)> = denies(&c, &acl)
        .await
        .into_iter()
        .map(|(_, net, egress)| (net, egress))
        .collect();
    let both: BTreeSet<(String, bool)> = [
        (format!("{server}/32"), false),
        (format!("{server}/32"), true),
    ]
    .into_iter()
    .collect();
    assert_eq!(ours, both, "the C&C server is denied both ways");

    let victim = address();
    let scan = sample_with(
        "guardduty-ec2-portscan",
        &[
            ("i-0f60718293a4b5c6d", &instance),
            ("47.242.123.88", &victim),
        ],
    );
    let (status, out) = run(&c, &c.main, &scan).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let refused = out["results"]["screening"]["refused"].to_string();
    assert!(
        refused.contains(&victim) && refused.contains("victim"),
        "{out}"
    );
    assert!(!waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{victim}/32")));
    assert!(
        !denies(&c, &acl)
            .await
            .iter()
            .any(|(_, net, _)| net.starts_with(&victim)),
        "the victim was denied"
    );
}

/// GuardDuty archives findings its suppression rules match (and a responder archives by hand):
/// such a finding starts nothing.
async fn an_archived_finding_starts_nothing(c: Arc<Ctx>) {
    let (instance, _) = host(&c).await;
    let ip = address();
    let mut event = brute_force(&instance, &ip);
    event["detail"]["service"]["archived"] = json!(true);
    c.world.emit(&event);
    // A live finding emitted after it starts its execution; by then the archived one would have.
    let live = brute_force(&instance, &address());
    let (status, _) = run(&c, &c.main, &live).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        c.world
            .executions_for(&c.main, event["id"].as_str().unwrap())
            .await
            .is_empty(),
        "an archived finding started an execution"
    );
    assert!(!waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{ip}/32")));
}

async fn refused_addresses_are_recorded_with_their_reason(c: Arc<Ctx>) {
    let (instance, _) = host(&c).await;
    let arn = c.world.started(&[
        "--stack-prefix",
        &c.main.prefix,
        "start",
        "malicious-ip",
        "--ip",
        "10.1.2.3",
        "--ip",
        "8.8.8.8",
        "--ip",
        "1.1.1.1",
        "--ip",
        "203.0.113.7",
        "--ip",
        "0.0.0.0/0",
        "--ip",
        "169.254.169.254",
        "--instance",
        &instance,
        "--reason",
        "e2e: refusals",
    ]);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(60)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["status"], "nothing to block", "{out}");
    let refused = out["results"]["screening"]["refused"]
        .as_array()
        .unwrap()
        .clone();
    let reason = |a: &str| {
        refused
            .iter()
            .find(|r| r["address"] == a)
            .map(|r| r["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{a} not refused: {refused:?}"))
    };
    assert!(reason("10.1.2.3").contains("private"));
    assert!(reason("8.8.8.8").contains("allow-list"));
    assert!(
        reason("1.1.1.1").contains("allow-list"),
        "the SSM parameter's allow-list"
    );
    assert!(reason("203.0.113.7").contains("documentation"));
    assert!(reason("0.0.0.0/0").contains("whole address space"));
    assert!(reason("169.254.169.254").contains("metadata"));
    let record = records(&c, &c.main, out["case"]["case_id"].as_str().unwrap()).await;
    assert!(
        record[0]["screening"].contains("overlaps the allow-list"),
        "{record:?}"
    );
    let sent = c
        .world
        .notifications(&c.main, "169.254.169.254", Duration::from_secs(30))
        .await;
    assert!(
        sent.iter().any(|m| m.to_string().contains("allow-list")),
        "{sent:?}"
    );
}

async fn a_finding_without_an_address_or_with_a_malformed_one_is_rejected(c: Arc<Ctx>) {
    let (instance, _) = host(&c).await;
    let mut event = brute_force(&instance, &address());
    event["detail"]["service"]["action"]["networkConnectionAction"]
        .as_object_mut()
        .unwrap()
        .remove("remoteIpDetails");
    let (status, out) = run(&c, &c.main, &event).await;
    assert_eq!(status, ExecutionStatus::Failed, "{out}");
    assert_eq!(out["error"], "IR.InvalidEvent", "{out}");
    let sent = c
        .world
        .notifications(&c.main, "names no remote address", Duration::from_secs(30))
        .await;
    assert!(!sent.is_empty(), "the rejection was not notified");

    let malformed = brute_force(&instance, "999.1.2.3");
    let (status, out) = run(&c, &c.main, &malformed).await;
    assert_eq!(status, ExecutionStatus::Failed, "{out}");
    assert_eq!(out["error"], "IR.InvalidEvent", "{out}");
}

async fn a_foreign_rule_in_our_range_is_skipped_and_never_touched(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    // Another team's deny sits at 50, the first number of our range.
    c.world
        .ec2
        .create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(50)
        .egress(false)
        .protocol("-1")
        .rule_action(RuleAction::Deny)
        .cidr_block("198.51.100.0/24")
        .send()
        .await
        .unwrap();
    let ip = address();
    let (status, out) = run(&c, &c.main, &brute_force(&instance, &ip)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let ours = denies(&c, &acl).await;
    assert!(
        ours.contains(&(50, "198.51.100.0/24".into(), false)),
        "{ours:?}"
    );
    assert!(ours.contains(&(51, format!("{ip}/32"), false)), "{ours:?}");
}

async fn a_dry_run_plans_and_changes_nothing(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let ip = address();
    let before = entries(&c, &acl).await;
    let arn = c.world.started(&[
        "--stack-prefix",
        &c.main.prefix,
        "start",
        "malicious-ip",
        "--ip",
        &ip,
        "--instance",
        &instance,
        "--reason",
        "e2e: dry run",
        "--dry-run",
    ]);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(60)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "planned", "{out}");
    assert_eq!(blocks(&out)["nacl"]["status"], "planned", "{out}");
    assert!(
        blocks(&out)["nacl"]["actions"]
            .to_string()
            .contains("would deny"),
        "{out}"
    );
    assert!(!waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{ip}/32")));
    assert_eq!(entries(&c, &acl).await, before);
}

/// A responder blocks a whole range by hand: the /24 goes into the set and the ACL as one block.
async fn a_manual_request_blocks_a_cidr(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let cidr = format!("45.{}.{}.0/24", 200 + n / 250, n % 250);
    let arn = c.world.started(&[
        "--stack-prefix",
        &c.main.prefix,
        "start",
        "malicious-ip",
        "--ip",
        &cidr,
        "--instance",
        &instance,
        "--reason",
        "e2e: a scanner's whole range",
    ]);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "done", "{out}");
    assert!(waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&cidr));
    let ours = denies(&c, &acl).await;
    assert!(
        ours.iter().any(|(_, n, egress)| *n == cidr && !egress),
        "{ours:?}"
    );
}

async fn security_hub_findings_and_the_block_ip_action_block(c: Arc<Ctx>) {
    let (instance, _) = host(&c).await;
    // Another product's finding that names a remote address (GuardDuty's come by their own rule).
    let ip = address();
    let mut finding =
        fresh_sample("securityhub-finding-imported-guardduty-ip")["detail"]["findings"][0].clone();
    finding["Id"] = json!(format!("e2e-firewall-{ip}"));
    // AWS Network Firewall's integration: AWS vouches for who produced the finding (a finding
    // of the account's own integration blocks nothing on its own: the trust suite).
    finding["ProductArn"] = json!("arn:aws:securityhub:us-east-1::product/aws/network-firewall");
    finding["ProductName"] = json!("Network Firewall");
    finding["Severity"] = json!({"Label": "HIGH", "Normalized": 70});
    finding["Network"] = json!({"Direction": "IN", "SourceIpV4": ip});
    finding["Resources"] = json!([{"Type": "AwsEc2Instance", "Id": format!("arn:aws:ec2:us-east-1:123456789012:instance/{instance}")}]);
    c.world.import_findings(&[finding]);
    let id = format!("e2e-firewall-{ip}");
    let arn = c.world.execution_for_finding(&c.main, &id).await;
    assert_eq!(
        c.world.executions_for_finding(&c.main, &id).await.len(),
        1,
        "one execution per finding"
    );
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
        .await
        .contains(&format!("{ip}/32")));

    // The custom action, read back through Security Hub, routes the selected findings here.
    let target = c.main.outputs["CustomActionBlockIpArn"].clone();
    let listed = c
        .world
        .securityhub
        .describe_action_targets()
        .action_target_arns(&target)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.action_targets()[0].name(), Some("Block IP"));
    let ip2 = address();
    let mut action = sample_with(
        "securityhub-custom-action-block-ip",
        &[("185.220.101.45", &ip2), ("i-0a1b2c3d4e5f60718", &instance)],
    );
    action["resources"] = json!([target]);
    let (status, out) = run(&c, &c.main, &action).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(
        waf_addresses(&c, &c.main, "BlockedIpv4RegionalArn")
            .await
            .contains(&format!("{ip2}/32")),
        "{out}"
    );
}

/// On the quiet stack, in order: a block whose WAF write meets another writer; then someone
/// deletes our NACL entry and adds one of theirs in our range; the expiry (now) re-applies ours,
/// reports theirs and removes an address our set holds without a ledger row; the expiry a day
/// later removes the block everywhere and leaves the set empty.
async fn expiry_and_reconciliation_keep_aws_and_the_ledger_in_step(c: Arc<Ctx>) {
    let (instance, acl) = host(&c).await;
    let (v4_set, _) = ip_set(&c.quiet, "BlockedIpv4RegionalArn");
    let other = "45.95.168.9/32";
    c.world.waf_interleave(&v4_set, other);
    let ip = address();
    let (status, out) =
        run_direct(&c, &c.quiet, "malicious-ip", &brute_force(&instance, &ip)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(
        blocks(&out)["waf"]["retries"].as_u64().unwrap() >= 1,
        "{out}"
    );
    let set = waf_addresses(&c, &c.quiet, "BlockedIpv4RegionalArn").await;
    let mine = format!("{ip}/32");
    assert!(
        set.contains(&mine) && set.contains(other),
        "the other writer's address was lost: {set:?}"
    );
    // NaclEgress=true: the address is denied both ways.
    let both = denies(&c, &acl).await;
    assert!(
        both.iter().any(|(_, n, e)| *n == mine && *e)
            && both.iter().any(|(_, n, e)| *n == mine && !*e),
        "{both:?}"
    );
    // CloudFront's scope too (the stack is in us-east-1 with CloudFrontIpSets=enabled).
    let edge = waf_addresses(&c, &c.quiet, "BlockedIpv4CloudFrontArn").await;
    assert!(edge.contains(&mine), "{edge:?}");

    // Someone deletes our deny by hand, and adds one of theirs in our range.
    let (rule, _, _) = denies(&c, &acl)
        .await
        .into_iter()
        .find(|(_, n, egress)| *n == mine && !egress)
        .unwrap();
    c.world
        .ec2
        .delete_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(rule)
        .egress(false)
        .send()
        .await
        .unwrap();
    c.world
        .ec2
        .create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(60)
        .egress(false)
        .protocol("-1")
        .rule_action(RuleAction::Deny)
        .cidr_block("192.0.2.0/24")
        .send()
        .await
        .unwrap();

    // A run now, as a responder asks for one (the schedule's runs are the same).
    let out = expire(&c, &c.quiet, "e2e: reconcile now", &[]).await;
    let expiry = &out["expiry"];
    assert_eq!(expiry["expired"], json!([]), "{out}");
    assert!(
        expiry["reapplied"]
            .to_string()
            .contains(&format!("{mine} in {acl}")),
        "{out}"
    );
    assert!(
        expiry["foreign"]
            .to_string()
            .contains(&format!("{acl} 60 inbound 192.0.2.0/24")),
        "{out}"
    );
    assert!(
        expiry["removed_unknown"].to_string().contains(other),
        "{out}"
    );
    let ours = denies(&c, &acl).await;
    assert!(
        ours.iter().any(|(_, n, _)| *n == mine),
        "not re-applied: {ours:?}"
    );
    assert!(
        ours.contains(&(60, "192.0.2.0/24".into(), false)),
        "their rule was touched: {ours:?}"
    );
    let set = waf_addresses(&c, &c.quiet, "BlockedIpv4RegionalArn").await;
    assert!(!set.contains(other), "{set:?}");
    let sent = c
        .world
        .notifications(&c.quiet, "192.0.2.0/24", Duration::from_secs(30))
        .await;
    assert!(!sent.is_empty(), "the foreign deny was not notified");

    // A day later, a responder's dry run first: the request signed as of tomorrow, which only
    // a responder's authenticated request may set; the expiry is planned, nothing moves.
    let tomorrow = e2e_time(25 * 3600);
    let out = expire(
        &c,
        &c.quiet,
        "e2e: what would expire?",
        &["--dry-run", "--as-of", &tomorrow],
    )
    .await;
    assert_eq!(out["expiry"]["status"], "planned", "{out}");
    assert!(
        out["expiry"]["expired"].to_string().contains(&mine),
        "{out}"
    );
    assert!(
        waf_addresses(&c, &c.quiet, "BlockedIpv4RegionalArn")
            .await
            .contains(&mine),
        "a dry run removed it from WAF"
    );
    assert!(
        denies(&c, &acl).await.iter().any(|(_, n, _)| *n == mine),
        "a dry run removed the deny"
    );
    let planned = c
        .world
        .notifications(&c.quiet, "Run: planned", Duration::from_secs(30))
        .await;
    assert!(!planned.is_empty(), "the plan was not notified");

    // A scheduled event that says it is a day later changes nothing: the expiry runs as of
    // Step Functions' own clock (anyone allowed StartExecution could send such an event).
    let (status, out) = run_direct(
        &c,
        &c.quiet,
        "ip-expiry",
        &json!({"source": "aws.events", "detail-type": "Scheduled Event", "time": tomorrow}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["expiry"]["expired"], json!([]), "{out}");
    assert!(
        waf_addresses(&c, &c.quiet, "BlockedIpv4RegionalArn")
            .await
            .contains(&mine),
        "a forged time lifted a block"
    );

    // A day later, as a responder's request says (the TTL is 24 h): gone from WAF and the ACL,
    // the set written empty.
    let out = expire(&c, &c.quiet, "e2e: a day later", &["--as-of", &tomorrow]).await;
    assert!(
        out["expiry"]["expired"].to_string().contains(&mine),
        "{out}"
    );
    assert_eq!(
        waf_addresses(&c, &c.quiet, "BlockedIpv4RegionalArn").await,
        BTreeSet::new()
    );
    let ours = denies(&c, &acl).await;
    assert_eq!(
        ours,
        vec![(60, "192.0.2.0/24".to_string(), false)],
        "only their rule stays"
    );
    assert_eq!(out["expiry"]["active"], 0, "{out}");
    assert_eq!(
        waf_addresses(&c, &c.quiet, "BlockedIpv4CloudFrontArn").await,
        BTreeSet::new()
    );

    // A full set (AWS WAF's 10,000 addresses): IR.LimitReached, recorded and notified, while
    // the network ACL still blocks.
    let (name, id) = ip_set(&c.quiet, "BlockedIpv4RegionalArn");
    let token = c
        .world
        .wafv2
        .get_ip_set()
        .name(&name)
        .id(&id)
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .unwrap();
    let full: Vec<String> = (0..10_000)
        .map(|i| format!("11.{}.{}.1/32", i / 250, i % 250))
        .collect();
    c.world
        .wafv2
        .update_ip_set()
        .name(&name)
        .id(&id)
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .lock_token(token.lock_token().unwrap())
        .set_addresses(Some(full))
        .send()
        .await
        .unwrap();
    let late = address();
    let (status, out) =
        run_direct(&c, &c.quiet, "malicious-ip", &brute_force(&instance, &late)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "failed", "{out}");
    assert!(
        blocks(&out)["waf"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("IR.LimitReached"),
        "{out}"
    );
    assert_eq!(blocks(&out)["nacl"]["status"], "done", "{out}");
    let sent = c
        .world
        .notifications(&c.quiet, "IR.LimitReached", Duration::from_secs(30))
        .await;
    assert!(!sent.is_empty(), "the full set was not notified");
}

/// #20: an address attacking an instance of member B in another Region is blocked where the
/// instance is: in B's own IP set (the member stack's) and in the network ACL of its subnet,
/// each write made by the step's member role in a session named after the case; the security
/// account's own sets stay as they were. The expiry later removes both, there.
async fn an_address_attacking_a_member_is_blocked_and_expires_in_that_member(c: Arc<Ctx>) {
    let account = c.world.member_account("ip-member-b", MEMBER_REGION);
    let host = c.world.fixture(&[
        "--in",
        &account,
        MEMBER_REGION,
        "web-host",
        "--name",
        "ip-member-web",
    ]);
    let instance = host["instance_id"].as_str().unwrap().to_string();
    let subnet = host["subnet_id"].as_str().unwrap().to_string();
    let ip = address();
    // GuardDuty's finding as B's detector in eu-west-1 reports it.
    let event = in_member(brute_force(&instance, &ip), &account);

    c.world.fixture(&["call-log", "start"]);
    let (status, out) = run_direct(&c, &c.org, "malicious-ip", &event).await;
    let log = c.world.fixture(&["call-log", "read"]);
    c.world.fixture(&["call-log", "stop"]);
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["case"]["account"], account.as_str(), "{out}");
    assert_eq!(blocks(&out)["waf"]["status"], "done", "{out}");
    assert_eq!(blocks(&out)["nacl"]["status"], "done", "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();

    // Read back in B, through B's own APIs.
    let there = c
        .world
        .fixture(&["member-blocks", &account, MEMBER_REGION, &subnet]);
    let cidr = format!("{ip}/32");
    assert_eq!(
        there["IpSets"]["aws-ir-blocked-ipv4"],
        json!([cidr]),
        "{there}"
    );
    let denied: Vec<&Value> = there["Denies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d[1] == cidr.as_str())
        .collect();
    assert_eq!(denied.len(), 1, "{there}");
    assert!(
        (50..=89).contains(&denied[0][0].as_i64().unwrap()) && denied[0][2] == false,
        "{there}"
    );
    assert!(
        !waf_addresses(&c, &c.org, "BlockedIpv4RegionalArn")
            .await
            .contains(&cidr),
        "the security account's own set is not B's"
    );
    // Every call in B was made by the step's member role, in the case's session.
    let tasks = e2e::member_tasks(&log, &account, &case);
    for task in ["screen-addresses", "block-in-waf", "block-in-nacl"] {
        assert!(tasks.contains(task), "no call in B by {task}: {tasks:?}");
    }

    // A day later the block has expired: the expiry removes it in B, through B's roles.
    let tomorrow = e2e_time(2 * 86_400);
    let out = expire(
        &c,
        &c.org,
        "e2e: the member's block expires",
        &["--as-of", &tomorrow],
    )
    .await;
    assert!(
        out["expiry"]["expired"].to_string().contains(&cidr),
        "{out}"
    );
    let there = c
        .world
        .fixture(&["member-blocks", &account, MEMBER_REGION, &subnet]);
    assert_eq!(there["IpSets"]["aws-ir-blocked-ipv4"], json!([]), "{there}");
    assert!(
        !there["Denies"].to_string().contains(&cidr),
        "the deny left B's network ACL: {there}"
    );

    // Someone deletes B's expiry role: a block of B cannot be lifted there. The run still
    // succeeds, says so, and keeps the block on record for the next run.
    let again = address();
    let event = in_member(brute_force(&instance, &again), &account);
    let (status, out) = run_direct(&c, &c.org, "malicious-ip", &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    c.world
        .fixture(&["member-delete-role", &account, "aws-ir-expire-blocks"]);
    let out = expire(
        &c,
        &c.org,
        "e2e: a member the expiry cannot reach",
        &["--as-of", &e2e_time(2 * 86_400)],
    )
    .await;
    assert!(
        !out["expiry"]["expired"].to_string().contains(&again),
        "not listed as lifted while it holds in B: {out}"
    );
    let unreachable = out["expiry"]["unreachable"].to_string();
    assert!(
        unreachable.contains(&format!("aws-ir-blocked-ipv4 in {account}/{MEMBER_REGION}"))
            && unreachable.contains("IR.AccessDenied"),
        "{out}"
    );
    let there = c
        .world
        .fixture(&["member-blocks", &account, MEMBER_REGION, &subnet]);
    assert_eq!(
        there["IpSets"]["aws-ir-blocked-ipv4"],
        json!([format!("{again}/32")]),
        "still blocked in B: {there}"
    );
    let block = item(&c, &c.org, "ip-blocks", &format!("net#{again}/32")).await;
    assert!(!block.is_empty(), "the block stays on record");
    let sent = c
        .world
        .notifications(&c.org, "not reached", Duration::from_secs(30))
        .await;
    assert!(
        sent.iter().any(|m| m.to_string().contains(&account)),
        "the unreached member was notified: {sent:?}"
    );
}

/// `ip-expiry` of `stack` started as a responder asks for it (`irctl start ip-expiry --reason
/// REASON MORE…`), run to success: its output.
async fn expire(c: &Ctx, stack: &Stack, reason: &str, more: &[&str]) -> Value {
    let mut args = vec![
        "--stack-prefix",
        &stack.prefix,
        "start",
        "ip-expiry",
        "--reason",
        reason,
    ];
    args.extend_from_slice(more);
    let arn = c.world.started(&args);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(300)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    out
}

/// `event` as member `account`'s service reports it in [`MEMBER_REGION`] (#20).
fn in_member(event: Value, account: &str) -> Value {
    serde_json::from_str(
        &event
            .to_string()
            .replace("123456789012", account)
            .replace("us-east-1", MEMBER_REGION),
    )
    .unwrap()
}

/// Now plus `secs`, RFC 3339.
fn e2e_time(secs: u64) -> String {
    let t = std::time::SystemTime::now() + Duration::from_secs(secs);
    let s = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    aws_sdk_dynamodb::primitives::DateTime::from_secs(s as i64)
        .fmt(aws_sdk_dynamodb::primitives::DateTimeFormat::DateTime)
        .unwrap()
}
