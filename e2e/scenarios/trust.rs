//! The trust boundary, attacked the way an attacker inside the account would: `mallory`, an IAM
//! user holding what workloads commonly hold (`events:PutEvents`, `securityhub:BatchImportFindings`,
//! `ec2:CreateSecurityGroup`/`CreateTags`/`AuthorizeSecurityGroupIngress`, DynamoDB and KMS on
//! everything, tagging herself, and even `states:StartExecution`/`SendTask*`), calls the real
//! APIs of the emulated AWS, whose harness evaluates IAM for her as AWS does. Each scenario
//! reads back through the AWS APIs that nothing was started, released, exempted, blocked or
//! left open, and that the attempt was reported.
//!
//! Stacks (prefix `e2e`): ec2-compromise (its release waits for a second responder),
//! settings-recovery (the tag guard) and malicious-ip. The responders are the suite's alice and
//! bob (`World::responders`).

use aws_sdk_sfn::types::ExecutionStatus;
use contract::approval::{Answer, AnswerClaim, Decision};
use contract::events::manual::{self, ManualRequest};
use e2e::{fresh_sample, scenarios, Principal, Stack, World};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Ctx {
    world: World,
    ec2: Stack,
    settings: Stack,
    ip: Stack,
    mallory: Principal,
    /// Mallory's SDK configuration: clients built from it call AWS as her.
    as_mallory: aws_config::SdkConfig,
    /// Containments take turns: the fixtures' hosts share one VPC and so one isolation group,
    /// which a scenario opens on purpose, and a containment running meanwhile would read her
    /// rule in its verification and (rightly) end incomplete.
    isolation_group: tokio::sync::Mutex<()>,
}

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        a_request_put_on_the_bus_starts_nothing,
        requests_no_responder_signed_are_refused_and_reported,
        only_a_second_responder_releases_a_contained_instance,
        a_finding_anyone_can_import_waits_for_a_responder,
        aws_ir_tags_written_by_a_workload_are_removed_and_reported,
        isolation_uses_only_the_groups_aws_ir_recorded,
        the_case_table_refuses_every_writer_but_aws_ir,
        evidence_and_its_custody_record_are_aws_irs_to_write,
        a_release_refuses_a_pre_state_whose_seal_does_not_verify,
        a_scanned_victim_and_a_forged_address_are_not_blocked,
        the_stacks_share_the_accounts_three_keys,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        let (ec2, settings, ip) = rt.block_on(async {
            let ec2 = world
                .deploy(
                    "e2e",
                    "ec2-compromise",
                    &["VolatileCapture=false", "ApprovalTimeoutSeconds=600"],
                )
                .await;
            let settings = world
                .deploy("e2e", "settings-recovery", &["ConfigRules=disabled"])
                .await;
            let ip = world.deploy("e2e", "malicious-ip", &[]).await;
            (ec2, settings, ip)
        });
        let mallory = world.principal(
            "mallory",
            &json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Resource": "*", "Action": [
                    "events:PutEvents", "securityhub:BatchImportFindings",
                    "ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:Describe*", "dynamodb:*", "kms:*", "ssm:PutParameter", "s3:*",
                    "states:StartExecution", "states:SendTaskSuccess", "states:SendTaskFailure",
                    "states:DescribeExecution", "states:GetExecutionHistory", "states:ListExecutions",
                ]},
                {"Effect": "Allow", "Action": ["iam:TagUser", "iam:UntagUser", "iam:ListUserTags"],
                 "Resource": "arn:aws:iam::123456789012:user/mallory"},
            ]}),
        );
        let as_mallory = rt.block_on(world.config_as(&mallory));
        Ctx {
            world,
            ec2,
            settings,
            ip,
            mallory,
            as_mallory,
            isolation_group: Default::default(),
        }
    })
}

// --- helpers -----------------------------------------------------------------------------

fn instance_of(host: &Value) -> String {
    host["instance_id"].as_str().unwrap().to_string()
}

/// Each interface's groups, read live.
async fn groups(c: &Ctx, instance: &str) -> Vec<Vec<String>> {
    let d = c
        .world
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    let mut enis: Vec<_> = d.reservations()[0].instances()[0]
        .network_interfaces()
        .to_vec();
    enis.sort_by_key(|n| n.attachment().and_then(|a| a.device_index()));
    enis.iter()
        .map(|n| {
            n.groups()
                .iter()
                .filter_map(|g| g.group_id().map(String::from))
                .collect()
        })
        .collect()
}

/// A manual request's envelope, unsigned unless `proof` is given.
fn request(id: &str, time: &str, detail: &ManualRequest) -> Value {
    json!({
        "version": "0", "id": id, "detail-type": manual::DETAIL_TYPE, "source": manual::SOURCE,
        "account": "", "time": time, "region": "", "resources": [], "detail": detail,
    })
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    aws_sdk_sfn::primitives::DateTime::from_secs(secs)
        .fmt(aws_sdk_sfn::primitives::DateTimeFormat::DateTime)
        .unwrap()
}

/// A proof of `config`'s identity over `digest`, as irctl makes one.
async fn prove(config: &aws_config::SdkConfig, digest: &str) -> String {
    connect::proof::sign_proof(config, digest, Duration::from_secs(300))
        .await
        .unwrap()
}

/// Starts `machine` with `input` as mallory; the execution.
async fn start_as_mallory(c: &Ctx, machine: &str, input: &Value) -> String {
    aws_sdk_sfn::Client::new(&c.as_mallory)
        .start_execution()
        .state_machine_arn(machine)
        .name(format!("mallory-{}", uuid_like()))
        .input(input.to_string())
        .send()
        .await
        .expect("mallory may call StartExecution (a workload sometimes can)")
        .execution_arn()
        .to_string()
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// The error an execution ended with.
async fn failed_with(c: &Ctx, arn: &str) -> String {
    let (status, out) = c.world.wait(arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Failed, "{out}");
    out["error"].as_str().unwrap_or_default().to_string()
}

/// Contains `instance` as a responder would, in its turn; the case id.
async fn contain(c: &Ctx, instance: &str, reason: &str) -> String {
    let _turn = c.isolation_group.lock().await;
    contain_in_turn(c, instance, reason).await
}

/// [`contain`] for a caller that already holds the turn.
async fn contain_in_turn(c: &Ctx, instance: &str, reason: &str) -> String {
    let arn = c.world.started(&[
        "--stack-prefix",
        "e2e",
        "start",
        "ec2-compromise",
        "--instance",
        instance,
        "--reason",
        reason,
    ]);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(240)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        out["results"]["instances"][0]["status"], "contained",
        "{out}"
    );
    out["case"]["case_id"].as_str().unwrap().to_string()
}

/// The `n`-th approval request of an execution (1-based), waiting for it: its task token and
/// nonce, read from the history as anyone allowed to read it can.
async fn nth_request(c: &Ctx, arn: &str, n: usize) -> (String, String) {
    let sfn = aws_sdk_sfn::Client::new(&c.as_mallory);
    let begin = Instant::now();
    loop {
        let h = sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .unwrap();
        let asks: Vec<Value> = h
            .events()
            .iter()
            .filter_map(|e| e.task_scheduled_event_details())
            .filter(|d| d.resource().ends_with(".waitForTaskToken"))
            .filter_map(|d| serde_json::from_str(d.parameters()).ok())
            .collect();
        if let Some(p) = asks.get(n - 1) {
            let attr = |k: &str| {
                p["MessageAttributes"][k]["StringValue"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            return (attr("task_token"), attr("nonce"));
        }
        assert!(
            begin.elapsed() < Duration::from_secs(60),
            "{arn} never asked a {n}th time"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Executions of `stack`'s machines whose input contains `marker`.
async fn executions_marked(c: &Ctx, stack: &Stack, marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (key, machine) in &stack.outputs {
        if !key.ends_with("StateMachineArn") {
            continue;
        }
        let listed = c
            .world
            .sfn
            .list_executions()
            .state_machine_arn(machine)
            .send()
            .await
            .unwrap();
        for e in listed.executions() {
            let d = c
                .world
                .sfn
                .describe_execution()
                .execution_arn(e.execution_arn())
                .send()
                .await
                .unwrap();
            if d.input().unwrap_or_default().contains(marker) {
                found.push(e.execution_arn().to_string());
            }
        }
    }
    found
}

// --- scenarios ---------------------------------------------------------------------------

/// EventBridge lets anyone with `events:PutEvents` put a manual request on a bus; no rule of
/// any stack takes one, so nothing starts, releases or blocks.
async fn a_request_put_on_the_bus_starts_nothing(c: Arc<Ctx>) {
    let host = c.world.fixture(&["web-host", "--name", "bus-victim"]);
    let instance = instance_of(&host);
    let before = groups(&c, &instance).await;
    let marker = format!("bus-forgery-{}", uuid_like());
    let events = aws_sdk_eventbridge::Client::new(&c.as_mallory);
    for (playbook, extra) in [
        ("ec2-compromise", json!({"instance_ids": [instance]})),
        (
            "ec2-release",
            json!({"case_id": "case-0123456789abcdef", "instance_ids": [instance]}),
        ),
        (
            "settings-release",
            json!({"case_id": "case-0123456789abcdef", "resource_ids": ["sg-0123456789abcdef0"]}),
        ),
        ("malicious-ip", json!({"remote_ips": ["45.9.148.7"]})),
        ("ip-expiry", json!({})),
    ] {
        let mut detail = json!({"playbook": playbook, "reason": marker, "requested_by": c.world.responders[0].arn});
        detail
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let put = events
            .put_events()
            .entries(
                aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                    .source(manual::SOURCE)
                    .detail_type(manual::DETAIL_TYPE)
                    .detail(detail.to_string())
                    .build(),
            )
            .send()
            .await
            .expect("EventBridge accepts the event: anyone may put it");
        assert_eq!(put.failed_entry_count(), 0);
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    for stack in [&c.ec2, &c.settings, &c.ip] {
        assert!(
            executions_marked(&c, stack, &marker).await.is_empty(),
            "a request on the bus started {}",
            stack.name
        );
    }
    assert_eq!(groups(&c, &instance).await, before);
}

/// A request started directly is refused unless a responder signed it: unsigned, signed by
/// mallory herself, or carrying a responder's proof made for another request.
async fn requests_no_responder_signed_are_refused_and_reported(c: Arc<Ctx>) {
    let host = c.world.fixture(&["web-host", "--name", "direct-victim"]);
    let instance = instance_of(&host);
    let before = groups(&c, &instance).await;
    let machine = c.ec2.state_machine().to_string();
    let claim = |reason: &str| ManualRequest {
        playbook: "ec2-compromise".into(),
        reason: reason.into(),
        // What the request says about itself: never trusted.
        requested_by: Some(c.world.responders[0].arn.clone()),
        instance_ids: vec![instance.clone()],
        ..Default::default()
    };

    // Unsigned.
    let id = uuid_like();
    let unsigned = request(&id, &now(), &claim("unsigned"));
    let arn = start_as_mallory(&c, &machine, &unsigned).await;
    assert_eq!(failed_with(&c, &arn).await, "IR.Unauthorized");

    // Signed by mallory: STS says who she is, and she is nobody's responder.
    let (id, time) = (uuid_like(), now());
    let mut own = claim("signed by mallory");
    own.proof = Some(prove(&c.as_mallory, &manual::request_digest(&id, &time, &own)).await);
    let arn = start_as_mallory(&c, &machine, &request(&id, &time, &own)).await;
    assert_eq!(failed_with(&c, &arn).await, "IR.Unauthorized");
    let told = c
        .world
        .notifications(&c.ec2, &c.mallory.arn, Duration::from_secs(30))
        .await;
    assert!(
        told.iter().any(|m| m["Subject"]
            .as_str()
            .unwrap_or_default()
            .contains("request refused")),
        "the refusal names mallory: {told:?}"
    );

    // Alice's proof for a request about another instance, moved onto this one.
    let as_alice = c.world.config_as(&c.world.responders[0]).await;
    let (id, time) = (uuid_like(), now());
    let mut elsewhere = claim("alice's request");
    elsewhere.instance_ids = vec!["i-0fffffffffffffff0".into()];
    let proof = prove(&as_alice, &manual::request_digest(&id, &time, &elsewhere)).await;
    let mut moved = claim("alice's proof, another request");
    moved.proof = Some(proof);
    let arn = start_as_mallory(&c, &machine, &request(&id, &time, &moved)).await;
    assert_eq!(failed_with(&c, &arn).await, "IR.Unauthorized");

    assert_eq!(groups(&c, &instance).await, before, "nothing was contained");
}

/// A release undoes a containment: mallory (holding the task token), the requester herself and
/// a SendTaskFailure are each refused and reported, and only the second responder releases.
async fn only_a_second_responder_releases_a_contained_instance(c: Arc<Ctx>) {
    let host = c.world.fixture(&["web-host", "--name", "release-victim"]);
    let instance = instance_of(&host);
    let before = groups(&c, &instance).await;
    let case = contain(&c, &instance, "e2e: contain before the release").await;
    let isolated = groups(&c, &instance).await;
    assert_ne!(isolated, before);

    let arn = c.world.started(&[
        "--stack-prefix",
        "e2e",
        "start",
        "ec2-release",
        "--case",
        &case,
        "--instance",
        &instance,
        "--reason",
        "e2e: false positive",
    ]);
    let sfn = aws_sdk_sfn::Client::new(&c.as_mallory);

    // Mallory answers with a proof of her own.
    let (token, nonce) = nth_request(&c, &arn, 1).await;
    let reason = "looks fine to me";
    let claim = AnswerClaim {
        case_id: &case,
        nonce: &nonce,
        decision: Decision::Approve,
        reason,
    };
    let forged = Answer {
        decision: Decision::Approve,
        reason: reason.into(),
        proof: prove(&c.as_mallory, &claim.digest()).await,
    };
    sfn.send_task_success()
        .task_token(&token)
        .output(serde_json::to_string(&forged).unwrap())
        .send()
        .await
        .unwrap();
    let (token, _) = nth_request(&c, &arn, 2).await;
    let told = c
        .world
        .notifications(&c.ec2, &c.mallory.arn, Duration::from_secs(30))
        .await;
    assert!(
        told.iter().any(|m| m["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("was refused")),
        "mallory's answer is reported: {told:?}"
    );
    assert_eq!(groups(&c, &instance).await, isolated, "still isolated");

    // A failure sent with the token is no answer either.
    sfn.send_task_failure()
        .task_token(&token)
        .error("IR.Rejected")
        .cause("not needed")
        .send()
        .await
        .unwrap();
    nth_request(&c, &arn, 3).await;
    assert_eq!(groups(&c, &instance).await, isolated, "still isolated");

    // The responder who asked cannot approve her own release.
    let out = c.world.irctl(&["--stack-prefix", "e2e", "approve", &case]);
    assert!(out.status.success());
    nth_request(&c, &arn, 4).await;
    let told = c
        .world
        .notifications(&c.ec2, "cannot also approve it", Duration::from_secs(30))
        .await;
    assert!(!told.is_empty(), "the self-approval is reported");
    assert_eq!(groups(&c, &instance).await, isolated, "still isolated");

    // The second responder releases it.
    let out = c.world.irctl_as(
        &c.world.responders[1],
        &[
            "--stack-prefix",
            "e2e",
            "approve",
            &case,
            "--reason",
            "agreed",
        ],
    );
    assert!(out.status.success());
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["results"]["approval"]["by"], c.world.responders[1].arn);
    assert_eq!(groups(&c, &instance).await, before, "released as recorded");
}

/// A finding imported through the account's own integration says whatever its importer wrote
/// (product name, severity, the opt-in tag): it waits for a responder; and nobody but AWS may
/// import under an AWS service's product.
async fn a_finding_anyone_can_import_waits_for_a_responder(c: Arc<Ctx>) {
    use aws_sdk_securityhub::types::{AwsSecurityFinding, Resource, Severity, SeverityLabel};
    let host = c.world.fixture(&[
        "web-host",
        "--name",
        "import-victim",
        "--tag",
        "aws-ir:respond=auto",
    ]);
    let instance = instance_of(&host);
    let before = groups(&c, &instance).await;
    let hub = aws_sdk_securityhub::Client::new(&c.as_mallory);
    let id = format!("mallory-{}", uuid_like());
    let finding = |product: &str| {
        AwsSecurityFinding::builder()
            .schema_version("2018-10-08")
            .id(&id)
            .product_arn(product)
            .product_name("Inspector")
            .company_name("Amazon")
            .generator_id("mallory")
            .aws_account_id("123456789012")
            .types("TTPs/Command and Control")
            .created_at(now())
            .updated_at(now())
            .severity(Severity::builder().label(SeverityLabel::Critical).build())
            .title("Critical: reverse shell")
            .description("trust me")
            .resources(
                Resource::builder()
                    .r#type("AwsEc2Instance")
                    .id(format!(
                        "arn:aws:ec2:us-east-1:123456789012:instance/{instance}"
                    ))
                    .tags("aws-ir:respond", "auto")
                    .build(),
            )
            .build()
    };
    let as_guardduty = hub
        .batch_import_findings()
        .findings(finding(
            "arn:aws:securityhub:us-east-1::product/aws/guardduty",
        ))
        .send()
        .await;
    assert!(as_guardduty.is_err(), "only AWS imports as GuardDuty");

    hub.batch_import_findings()
        .findings(finding(
            "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
        ))
        .send()
        .await
        .unwrap();
    let arn = c.world.execution_for_finding(&c.ec2, &id).await;
    c.world.wait_for_token(&arn).await;
    let asked = c
        .world
        .notifications(&c.ec2, "does not vouch", Duration::from_secs(30))
        .await;
    assert!(!asked.is_empty(), "a responder is asked");
    assert_eq!(groups(&c, &instance).await, before, "nothing was contained");
    let case = asked[0]["Message"]
        .as_str()
        .and_then(|m| m.split_whitespace().nth(1))
        .unwrap()
        .to_string();
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "reject",
        &case,
        "--reason",
        "forged finding",
    ]);
    assert!(out.status.success());
    let (status, _) = c.world.wait(&arn, Duration::from_secs(60)).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(groups(&c, &instance).await, before);
}

/// Mallory exempts herself and an instance with `aws-ir:exclude`: CloudTrail records who wrote
/// the tags, the tag guard removes them and says who; a responder's tag stays.
async fn aws_ir_tags_written_by_a_workload_are_removed_and_reported(c: Arc<Ctx>) {
    let host = c.world.fixture(&["web-host", "--name", "tagged-victim"]);
    let instance = instance_of(&host);
    aws_sdk_iam::Client::new(&c.as_mallory)
        .tag_user()
        .user_name("mallory")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("aws-ir:exclude")
                .value("true")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aws_sdk_ec2::Client::new(&c.as_mallory)
        .create_tags()
        .resources(&instance)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("aws-ir:exclude")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let begin = Instant::now();
    loop {
        let user_tags: BTreeSet<String> = c
            .world
            .iam
            .list_user_tags()
            .user_name("mallory")
            .send()
            .await
            .unwrap()
            .tags()
            .iter()
            .map(|t| t.key().to_string())
            .collect();
        let instance_tags = instance_tags(&c, &instance).await;
        if !user_tags.contains("aws-ir:exclude") && !instance_tags.contains_key("aws-ir:exclude") {
            break;
        }
        assert!(
            begin.elapsed() < Duration::from_secs(90),
            "the exemptions stayed: user {user_tags:?}, instance {instance_tags:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let told = c
        .world
        .notifications(
            &c.settings,
            "neither aws-ir nor a responder",
            Duration::from_secs(30),
        )
        .await;
    assert!(
        told.iter().any(|m| m["Message"]
            .as_str()
            .unwrap_or_default()
            .contains(&c.mallory.arn)),
        "the guard names mallory: {told:?}"
    );

    // A responder marks an instance protected: the guard keeps it.
    let as_alice = c.world.config_as(&c.world.responders[0]).await;
    aws_sdk_ec2::Client::new(&as_alice)
        .create_tags()
        .resources(&instance)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("aws-ir:protected")
                .value("db primary")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let kept = c
        .world
        .notifications(&c.settings, "written by responder", Duration::from_secs(60))
        .await;
    assert!(!kept.is_empty(), "the guard saw the responder's tag");
    assert_eq!(
        instance_tags(&c, &instance).await.get("aws-ir:protected"),
        Some(&"db primary".to_string())
    );
}

async fn instance_tags(c: &Ctx, instance: &str) -> std::collections::BTreeMap<String, String> {
    let d = c
        .world
        .ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .unwrap();
    d.reservations()[0].instances()[0]
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The groups aws-ir recorded for the VPC, read from the case table.
async fn recorded_groups(c: &Ctx, vpc: &str) -> (String, String) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let got = c
        .world
        .dynamodb
        .get_item()
        .table_name(&c.ec2.outputs["CaseTableName"])
        .key("case_id", AttributeValue::S("containment-groups".into()))
        .key("item", AttributeValue::S(format!("vpc#{vpc}")))
        .send()
        .await
        .unwrap();
    let item = got.item().expect("the containment groups are recorded");
    (
        item["open"].as_s().unwrap().to_string(),
        item["closed"].as_s().unwrap().to_string(),
    )
}

async fn rule_count(c: &Ctx, group: &str) -> usize {
    let g = c
        .world
        .ec2
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .unwrap();
    let g = &g.security_groups()[0];
    g.ip_permissions().len() + g.ip_permissions_egress().len()
}

/// Mallory plants a group that looks like aws-ir's isolation group (its name and tags), open
/// to the world: it is never used. She then opens the real one: the next containment closes it
/// again before using it.
async fn isolation_uses_only_the_groups_aws_ir_recorded(c: Arc<Ctx>) {
    use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, Tag, TagSpecification};
    let _turn = c.isolation_group.lock().await;
    let first = c.world.fixture(&["web-host", "--name", "planted-1"]);
    let vpc = first["vpc_id"].as_str().unwrap().to_string();
    let ec2 = aws_sdk_ec2::Client::new(&c.as_mallory);
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    let planted = ec2
        .create_security_group()
        .group_name(format!("aws-ir-isolation-{vpc}"))
        .description("aws-ir: isolation, no inbound or outbound rules")
        .vpc_id(&vpc)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(tag("aws-ir:role", "isolation"))
                .tags(tag("aws-ir:isolation", "closed"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let everything = IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress()
        .group_id(&planted)
        .ip_permissions(everything)
        .send()
        .await
        .unwrap();

    contain_in_turn(&c, &instance_of(&first), "e2e: planted group").await;
    let (_, closed) = recorded_groups(&c, &vpc).await;
    assert_ne!(closed, planted);
    for eni in groups(&c, &instance_of(&first)).await {
        assert_eq!(eni, vec![closed.clone()], "isolated in the recorded group");
    }
    assert_eq!(rule_count(&c, &closed).await, 0);

    // Mallory opens SSH on the real isolation group; the next containment closes it first.
    let ssh = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    ec2.authorize_security_group_ingress()
        .group_id(&closed)
        .ip_permissions(ssh)
        .send()
        .await
        .unwrap();
    assert_eq!(rule_count(&c, &closed).await, 1);
    let second = c.world.fixture(&["web-host", "--name", "planted-2"]);
    assert_eq!(second["vpc_id"].as_str().unwrap(), vpc, "the same VPC");
    contain_in_turn(&c, &instance_of(&second), "e2e: after the group was opened").await;
    assert_eq!(
        rule_count(&c, &closed).await,
        0,
        "the slipped-in rule is gone"
    );
}

/// Mallory may use DynamoDB on everything, yet the case table refuses her every write: the
/// record the releases act on is aws-ir's alone.
/// Mallory, allowed `s3:*` and `kms:*`, cannot plant a range result that a custody run would
/// keep, overwrite or delete evidence, shorten its lock, or sign a manifest with the stack's
/// custody key.
async fn evidence_and_its_custody_record_are_aws_irs_to_write(c: Arc<Ctx>) {
    let bucket = c.ec2.outputs["EvidenceBucketName"].clone();
    let planted =
        contract::custody::range_key("case-0123456789abcdef", "snap-0123456789abcdef0", 0);
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&c.as_mallory)
            .force_path_style(true)
            .build(),
    );
    let denied = |what: &str, r: String| {
        assert!(
            r.contains("AccessDenied"),
            "{what} is refused by the bucket policy: {r}"
        );
    };
    // Mallory writes `body` at `key`; the bucket policy refuses it.
    let plant = |what: &'static str, key: String, body: &'static [u8]| {
        let (s3, bucket) = (s3.clone(), bucket.clone());
        async move {
            let put = s3
                .put_object()
                .bucket(&bucket)
                .key(&key)
                .body(body.to_vec().into())
                .send()
                .await;
            denied(what, format!("{:?}", put.expect_err("refused")));
        }
    };
    plant(
        "planting a range result",
        planted.clone(),
        br#"{"snapshot_id":"snap-0123456789abcdef0","first_block":0,"block_count":32768,"blocks":[]}"#,
    )
    .await;
    // The instances' Map reads its items from a survey object: planted ahead of a run, it would
    // steer which instances are contained and where they are said to be registered.
    plant(
        "planting a survey's items",
        contract::tasks::ec2::survey_key("case-0123456789abcdef", "irctl-planted"),
        br#"[{"instance_id":"i-0aaaaaaaaaaaaaaaa","registrations":{"target_groups":[],"classic_load_balancers":[]}}]"#,
    )
    .await;
    // Evidence aws-ir wrote (a case's report, by the record-case Lambda as its role), attacked.
    let case = c
        .world
        .invoke(
            "normalize",
            &json!({"event": fresh_sample("guardduty-ec2-backdoor-c2"), "dry_run": false}),
        )
        .unwrap()["case"]
        .clone();
    let out = &c.ec2.outputs;
    let recorded = c
        .world
        .invoke(
            "record-case",
            &json!({"case": case, "execution": "arn:aws:states:us-east-1:123456789012:execution:e2e-ec2-compromise:evidence", "instances": [],
                "policy": {"exclusion_tag": "aws-ir:exclude", "protected_tag": "aws-ir:protected", "excluded_accounts": "",
                    "min_severity_automatic": 7.0, "on_approval_timeout": "skip", "volatile_capture": false,
                    "capture_timeout_seconds": 60, "profile_action": "remove", "quarantine_profile_arn": "",
                    "revoke_role_sessions": false, "forensic_instance_id": "", "forensic_subnet_id": "",
                    "forensic_security_group_id": "", "nacl_isolation": false, "case_table": out["CaseTableName"],
                    "evidence_bucket": bucket, "capture_document": out["CaptureDocumentName"]}}),
        )
        .unwrap();
    let report = recorded["report"]
        .as_str()
        .unwrap()
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap()
        .to_string();
    let overwrite = s3
        .put_object()
        .bucket(&bucket)
        .key(&report)
        .body(b"{\"forged\": true}".to_vec().into())
        .send()
        .await;
    denied(
        "overwriting a report",
        format!("{:?}", overwrite.expect_err("refused")),
    );
    let delete = s3.delete_object().bucket(&bucket).key(&report).send().await;
    denied(
        "deleting a report",
        format!("{:?}", delete.expect_err("refused")),
    );
    let versions = c
        .world
        .s3
        .list_object_versions()
        .bucket(&bucket)
        .prefix(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1, "one version, untouched");
    assert!(versions.delete_markers().is_empty());
    let version = versions.versions()[0].version_id().unwrap().to_string();
    let removed = s3
        .delete_object()
        .bucket(&bucket)
        .key(&report)
        .version_id(&version)
        .bypass_governance_retention(true)
        .send()
        .await;
    denied(
        "deleting a version past governance",
        format!("{:?}", removed.expect_err("refused")),
    );

    // Nor can she sign as aws-ir with the custody key, though her IAM policy allows kms:*.
    let kms = aws_sdk_kms::Client::new(&c.as_mallory);
    let signed = kms
        .sign()
        .key_id(&c.ec2.keys["CustodyKeyArn"])
        .message(aws_sdk_kms::primitives::Blob::new(vec![0u8; 32]))
        .message_type(aws_sdk_kms::types::MessageType::Digest)
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await;
    denied(
        "signing with the custody key",
        format!("{:?}", signed.expect_err("refused")),
    );
    // Verifying is open to the account: a third party's check needs no aws-ir role.
    let public = kms
        .get_public_key()
        .key_id(&c.ec2.keys["CustodyKeyArn"])
        .send()
        .await
        .expect("the public key is the account's to read");
    assert!(public.public_key().is_some_and(|k| !k.as_ref().is_empty()));
}

async fn the_case_table_refuses_every_writer_but_aws_ir(c: Arc<Ctx>) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let table = c.ec2.outputs["CaseTableName"].clone();
    let db = aws_sdk_dynamodb::Client::new(&c.as_mallory);
    let forged = db
        .put_item()
        .table_name(&table)
        .item("case_id", AttributeValue::S("case-0123456789abcdef".into()))
        .item(
            "item",
            AttributeValue::S("instance#i-0123456789abcdef0".into()),
        )
        .item("pre_state", AttributeValue::S("{\"forged\": true}".into()))
        .send()
        .await;
    let err = forged.expect_err("the table refuses mallory");
    assert!(
        format!("{err:?}").contains("AccessDenied"),
        "refused by policy: {err:?}"
    );
    let moved = db
        .update_item()
        .table_name(&table)
        .key("case_id", AttributeValue::S("containment-groups".into()))
        .key(
            "item",
            AttributeValue::S("vpc#vpc-0123456789abcdef0".into()),
        )
        .update_expression("SET closed = :g")
        .expression_attribute_values(":g", AttributeValue::S("sg-0123456789abcdef0".into()))
        .send()
        .await;
    assert!(moved.is_err(), "nor may she point isolation at her group");
    let read = c
        .world
        .dynamodb
        .get_item()
        .table_name(&table)
        .key("case_id", AttributeValue::S("case-0123456789abcdef".into()))
        .key(
            "item",
            AttributeValue::S("instance#i-0123456789abcdef0".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(read.item().is_none(), "nothing forged was stored");

    // Nor may she use the stack's key directly (it encrypts the table, logs and topic), though
    // her IAM policy allows kms:* and the key delegates to IAM.
    let kms = aws_sdk_kms::Client::new(&c.as_mallory);
    let key = kms
        .describe_key()
        .key_id("alias/e2e/encryption")
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string();
    let used = kms
        .generate_data_key()
        .key_id(&key)
        .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
        .send()
        .await;
    assert!(
        format!("{:?}", used.expect_err("the key refuses her")).contains("AccessDenied"),
        "refused by the key policy"
    );

    // And the stack cannot be deleted from under the response: irctl protects it.
    let stack = c
        .world
        .cfn
        .describe_stacks()
        .stack_name(&c.ec2.name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        stack.stacks()[0].enable_termination_protection(),
        Some(true)
    );
}

async fn waf_has(c: &Ctx, address: &str) -> bool {
    let arn = &c.ip.outputs["BlockedIpv4RegionalArn"];
    let mut parts = arn.rsplit('/');
    let (id, name) = (parts.next().unwrap(), parts.next().unwrap());
    let got = c
        .world
        .wafv2
        .get_ip_set()
        .name(name)
        .id(id)
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .unwrap();
    got.ip_set()
        .unwrap()
        .addresses()
        .iter()
        .any(|a| a == &format!("{address}/32"))
}

/// A port scan names the instance's victim: it is not blocked for the fleet. A finding mallory
/// imports that names an attacker is not blocked either: nobody vouches for it.
async fn a_scanned_victim_and_a_forged_address_are_not_blocked(c: Arc<Ctx>) {
    let host = c.world.fixture(&["web-host", "--name", "scanner"]);
    let instance = instance_of(&host);
    let victim = "93.184.216.34";
    let mut scan = fresh_sample("guardduty-ec2-portscan");
    let text = scan
        .to_string()
        .replace("47.242.123.88", victim)
        .replace("i-0f60718293a4b5c6d", &instance);
    scan = serde_json::from_str(&text).unwrap();
    c.world.emit(&scan);
    let id = scan["id"].as_str().unwrap();
    let begin = Instant::now();
    let arn = loop {
        if let Some(a) = c.world.executions_for(&c.ip, id).await.first() {
            break a.clone();
        }
        assert!(begin.elapsed() < Duration::from_secs(30), "no execution");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(
        out.to_string().contains("victim"),
        "the refusal says why: {out}"
    );
    assert!(!waf_has(&c, victim).await, "the victim was blocked");

    use aws_sdk_securityhub::types::{
        AwsSecurityFinding, Network, NetworkDirection, Resource, Severity, SeverityLabel,
    };
    let attacker = "45.9.148.201";
    let fid = format!("mallory-net-{}", uuid_like());
    let finding = AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(&fid)
        .product_arn("arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default")
        .product_name("Network Firewall")
        .generator_id("mallory")
        .aws_account_id("123456789012")
        .types("TTPs/Initial Access")
        .created_at(now())
        .updated_at(now())
        .severity(Severity::builder().label(SeverityLabel::High).build())
        .title("brute force")
        .description("block them")
        .network(
            Network::builder()
                .direction(NetworkDirection::In)
                .source_ipv4(attacker)
                .build(),
        )
        .resources(
            Resource::builder()
                .r#type("AwsEc2Instance")
                .id(format!(
                    "arn:aws:ec2:us-east-1:123456789012:instance/{instance}"
                ))
                .build(),
        )
        .build();
    aws_sdk_securityhub::Client::new(&c.as_mallory)
        .batch_import_findings()
        .findings(finding)
        .send()
        .await
        .unwrap();
    let arn = c.world.execution_for_finding(&c.ip, &fid).await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(out.to_string().contains("does not vouch"), "{out}");
    assert!(
        !waf_has(&c, attacker).await,
        "a forged finding blocked an address"
    );
}

/// Someone who gets past the case table's policy (the account's administrator here: the
/// emulator's root key) rewrites an instance's recorded pre-state so that a release would put
/// it back on a group of her choosing. The record's seal (a KMS HMAC only aws-ir's roles may
/// make) no longer verifies: the release refuses it (`IR.RecordTampered`) and changes nothing.
async fn a_release_refuses_a_pre_state_whose_seal_does_not_verify(c: Arc<Ctx>) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let host = c.world.fixture(&["web-host", "--name", "sealed-victim"]);
    let instance = instance_of(&host);
    let case = contain(&c, &instance, "e2e: contain before the forgery").await;
    let isolated = groups(&c, &instance).await;

    let table = c.ec2.outputs["CaseTableName"].clone();
    let key = |item: &str| {
        std::collections::HashMap::from([
            ("case_id".to_string(), AttributeValue::S(case.clone())),
            ("item".to_string(), AttributeValue::S(item.to_string())),
        ])
    };
    let item = format!("instance#{instance}");
    let got = c
        .world
        .dynamodb
        .get_item()
        .table_name(&table)
        .set_key(Some(key(&item)))
        .send()
        .await
        .unwrap();
    let recorded = got.item().unwrap()["pre_state"].as_s().unwrap().clone();
    let planted = c
        .world
        .ec2
        .create_security_group()
        .group_name("mallory-open")
        .description("allow all")
        .vpc_id(host["vpc_id"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let web = &host["network_interfaces"][0]["groups"][0];
    let forged = recorded.replace(web.as_str().unwrap(), &planted);
    assert_ne!(forged, recorded, "the forgery changed the record");
    c.world
        .dynamodb
        .update_item()
        .table_name(&table)
        .set_key(Some(key(&item)))
        .update_expression("SET pre_state = :p")
        .expression_attribute_values(":p", AttributeValue::S(forged))
        .send()
        .await
        .unwrap();

    let (status, out) = c
        .world
        .release(
            "e2e",
            "ec2-release",
            &[
                "--case",
                &case,
                "--instance",
                &instance,
                "--reason",
                "e2e: released from a forged record",
            ],
        )
        .await;
    assert!(
        out.to_string().contains("IR.RecordTampered"),
        "{status:?} {out}"
    );
    assert_eq!(
        groups(&c, &instance).await,
        isolated,
        "nothing was put back from the forged record"
    );
}

/// #20 item 4: the account's keys do not grow with playbooks. Three playbook stacks are
/// deployed here; each encrypts with, and names, the keys stack's keys, and the account holds
/// aws-ir's three keys (encryption, record seals, evidence signatures), not one per stack.
async fn the_stacks_share_the_accounts_three_keys(c: Arc<Ctx>) {
    let keys = c.world.outputs_of("e2e-keys").await;
    let out = |k: &str| keys[k].clone();
    let encryption = out("EncryptionKeyArn");
    for stack in [&c.ec2, &c.settings, &c.ip] {
        let topic = c
            .world
            .sns
            .get_topic_attributes()
            .topic_arn(&stack.outputs["NotificationTopicArn"])
            .send()
            .await
            .unwrap();
        assert_eq!(
            topic.attributes().unwrap().get("KmsMasterKeyId"),
            Some(&encryption),
            "{}'s topic",
            stack.name
        );
    }
    // The EC2 playbook seals its records and signs its manifests with the keys stack's keys.
    let definition = c
        .world
        .sfn
        .describe_state_machine()
        .state_machine_arn(c.ec2.state_machine())
        .send()
        .await
        .unwrap()
        .definition()
        .to_string();
    for key in ["RecordKeyArn", "CustodyKeyArn"] {
        assert!(definition.contains(&out(key)), "the ec2 machine's {key}");
    }

    let mut ours = Vec::new();
    for key in c.world.kms.list_keys().send().await.unwrap().keys() {
        let id = key.key_id().unwrap();
        let tags = c
            .world
            .kms
            .list_resource_tags()
            .key_id(id)
            .send()
            .await
            .unwrap();
        if let Some(t) = tags.tags().iter().find(|t| t.tag_key() == "aws-ir:key") {
            ours.push(t.tag_value().to_string());
        }
    }
    ours.sort();
    assert_eq!(
        ours,
        ["custody", "encryption", "records"],
        "one key per use, not per stack"
    );
}
