//! The settings-recovery playbook and its release, deployed from
//! `cloudformation/settings-recovery.json` with `irctl deploy` into the emulated AWS. CloudTrail
//! API-call events arrive through EventBridge as CloudTrail delivers them; every outcome is read
//! back through the EC2 API.

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range};
use aws_sdk_sfn::types::ExecutionStatus;
use e2e::{fresh_sample, scenarios, Stack, Webhook, World};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

struct Ctx {
    world: World,
    main: Stack,
    chat: Webhook,
    /// Config's periodic run keeps every trail's configuration as it is at that moment: held by
    /// the scenario that runs it and by the one whose recovery compares a changed trail with
    /// what was kept, so that the run cannot fall between that change and its recovery.
    trail_configs: tokio::sync::Mutex<()>,
}

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        a_world_open_ssh_rule_is_revoked_its_neighbours_kept_and_release_restores_it,
        a_rule_modified_open_is_revoked_from_cloudtrails_real_record,
        an_exempt_group_is_left_alone_with_a_record,
        the_playbooks_own_change_does_not_trigger_it_again,
        aws_irs_own_changes_to_a_bucket_or_a_trail_do_not_trigger_it_again,
        an_exempt_trail_is_left_alone_with_a_record,
        security_hub_controls_on_a_bucket_and_a_trail_start_the_same_recovery,
        a_resent_event_revokes_nothing_more,
        malformed_requests_end_in_invalid_event,
        an_exempt_account_is_left_alone_with_a_record,
        a_dry_run_plans_the_recovery_and_changes_nothing,
        a_bucket_whose_public_access_block_was_removed_gets_it_back,
        the_accounts_public_access_block_is_put_back_and_a_release_is_accepted,
        an_exempt_bucket_is_left_alone_with_a_record,
        a_stopped_trail_logs_again_and_release_stops_it,
        a_deleted_trail_never_seen_is_reported_with_how_to_recreate_it,
        a_deleted_trail_is_created_again_as_it_was_and_release_deletes_it_again,
        a_changed_trail_is_put_back_as_kept_and_release_makes_the_change_again,
        a_failed_security_hub_control_is_recovered_and_the_finding_marked_once,
        an_ec2_18_finding_revokes_8080_and_keeps_the_authorized_443,
        the_accounts_own_config_rules_are_known_by_what_they_check,
        the_restore_setting_custom_action_routes_to_the_playbook,
        the_stack_deploys_its_config_rules,
        config_turning_a_group_or_a_bucket_non_compliant_restores_it,
        the_custom_config_rule_catches_a_stopped_trail_and_it_logs_again,
        a_group_opened_in_a_member_account_in_another_region_is_reverted_there,
        an_account_in_an_excluded_unit_is_left_alone_with_a_record,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        // The team's chat: its webhook URL is a SecureString the deployer created.
        let chat = Webhook::start();
        rt.block_on(
            world
                .ssm
                .put_parameter()
                .name("/incident-response/e2e-chat")
                .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                .value(&chat.url)
                .overwrite(true)
                .send(),
        )
        .unwrap();
        // Responds for the organization's member accounts too (#20), deployed as a user does:
        // `irctl deploy --organization` gives the stack the organization's id, and deploys the
        // security account's stack (its bus admits the members' forwarders; its StackSets give
        // every account of the members OU the member stacks, in two Regions).
        let organization = world.organization_args(MEMBER_REGION, &[]);
        let organization: Vec<&str> = organization.iter().map(String::as_str).collect();
        // Its sandbox unit (below the members OU: its accounts get the member stacks) is
        // excluded from every playbook.
        let sandbox = world.fixture(&["members-unit", SANDBOX_UNIT])["Id"]
            .as_str()
            .unwrap()
            .to_string();
        let excluded = format!("ExcludedOrganizationalUnits={sandbox}");
        // A sandbox account of the organization is exempt (its events reach this bus too).
        let main = rt.block_on(world.deploy_with(
            "e2e",
            "settings-recovery",
            &[
                "ExemptAccounts=111122223333",
                "ChatWebhookParameter=/incident-response/e2e-chat",
                // The second responder's gate is the trust suite's; here a release is one
                // responder's request.
                "ReleaseApproval=none",
                &excluded,
            ],
            &organization,
        ));
        Ctx {
            world,
            main,
            chat,
            trail_configs: tokio::sync::Mutex::new(()),
        }
    })
}

/// A group with SSH open to the world (IPv4 and IPv6) and two legitimate neighbours: SSH from
/// the VPC and HTTPS from the world.
async fn open_group(c: &Ctx, name: &str, tags: &[(&str, &str)]) -> String {
    let ec2 = &c.world.ec2;
    let mut req = ec2
        .create_security_group()
        .group_name(name)
        .description(format!("{name}: e2e"));
    if !tags.is_empty() {
        let mut spec = aws_sdk_ec2::types::TagSpecification::builder()
            .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup);
        for (k, v) in tags {
            spec = spec.tags(aws_sdk_ec2::types::Tag::builder().key(*k).value(*v).build());
        }
        req = req.tag_specifications(spec.build());
    }
    let group = req.send().await.unwrap().group_id().unwrap().to_string();
    let v4 = |port: i32, cidr: &str| {
        IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .ip_ranges(IpRange::builder().cidr_ip(cidr).description("e2e").build())
            .build()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(v4(22, "0.0.0.0/0"))
        .ip_permissions(v4(22, "10.0.0.0/8"))
        .ip_permissions(v4(443, "0.0.0.0/0"))
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    group
}

/// The group's ingress rules as `(protocol, from, to, cidr)`, ids left out.
async fn rules(c: &Ctx, group: &str) -> BTreeSet<(String, i32, i32, String)> {
    c.world
        .ec2
        .describe_security_group_rules()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-id")
                .values(group)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() != Some(true))
        .map(|r| {
            (
                r.ip_protocol().unwrap_or_default().to_string(),
                r.from_port().unwrap_or(-1),
                r.to_port().unwrap_or(-1),
                r.cidr_ipv4()
                    .or(r.cidr_ipv6())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// The CloudTrail event of someone opening `group`, fresh ids.
fn opened(group: &str) -> Value {
    let mut event = fresh_sample("cloudtrail-authorize-sg-ingress-ssh-world");
    let text = event.to_string().replace("sg-0ee55ff6677889900", group);
    event = serde_json::from_str(&text).unwrap();
    event["detail"]["eventID"] = event["id"].clone();
    event
}

async fn run(c: &Ctx, event: &Value) -> (ExecutionStatus, Value) {
    c.world.emit(event);
    let arn = c
        .world
        .execution_for(&c.main, event["id"].as_str().unwrap())
        .await;
    c.world.wait(&arn, Duration::from_secs(120)).await
}

fn result(out: &Value) -> &Value {
    &out["results"]["resources"][0]
}

/// The text of the first notification of `case` on the stack's topic.
async fn notification(c: &Ctx, case: &str) -> String {
    c.world
        .notifications(&c.main, case, Duration::from_secs(30))
        .await
        .into_iter()
        .filter_map(|m| m["Message"].as_str().map(String::from))
        .next()
        .expect("a notification")
}

/// The resource was left alone, for the reason `why` (in its notes).
fn assert_skipped(out: &Value, why: &str) {
    assert_eq!(result(out)["status"], "skipped", "{out}");
    assert!(result(out)["notes"].to_string().contains(why), "{out}");
}

/// `irctl start settings-release` for `resource` of `case`, watched to its end; its output.
fn release(c: &Ctx, case: &str, resource: &str, reason: &str) -> String {
    let args = [
        "--stack-prefix",
        c.main.prefix.as_str(),
        "start",
        "settings-release",
        "--case",
        case,
        "--resource",
        resource,
        "--reason",
        reason,
        "--watch",
        "--timeout",
        "120",
    ];
    let released = c.world.irctl(&args);
    let stdout = String::from_utf8_lossy(&released.stdout).into_owned();
    assert!(released.status.success(), "{stdout}");
    stdout
}

/// The CloudTrail event of someone deleting `bucket`'s Block Public Access, fresh ids.
fn bucket_opened(bucket: &str) -> Value {
    let text = fresh_sample("cloudtrail-delete-bucket-public-access-block")
        .to_string()
        .replace("acme-customer-exports-prod", bucket);
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["detail"]["eventID"] = event["id"].clone();
    event
}

async fn a_world_open_ssh_rule_is_revoked_its_neighbours_kept_and_release_restores_it(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-opened", &[]).await;
    let before = rules(&c, &group).await;
    assert_eq!(before.len(), 4, "{before:?}");
    let (status, out) = run(&c, &opened(&group)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");

    let after = rules(&c, &group).await;
    let kept: BTreeSet<_> = [
        ("tcp".to_string(), 22, 22, "10.0.0.0/8".to_string()),
        ("tcp".to_string(), 443, 443, "0.0.0.0/0".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(after, kept, "only the world-open SSH rules go");

    // The notification says who did it and how to undo the recovery.
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let told = notification(&c, &case).await;
    for needle in ["mallory@example.com", "settings-release", &group] {
        assert!(told.contains(needle), "{needle} missing from\n{told}");
    }
    // The same message reached the chat, as Slack-compatible JSON.
    assert_eq!(
        out["results"]["notify"]["chat"], "chat notified (HTTP 200)",
        "{out}"
    );
    let posted = c.chat.received(&case, Duration::from_secs(10)).await;
    let text = posted[0]["text"].as_str().expect("a Slack `text`");
    assert!(
        text.starts_with("*[aws-ir]") && text.contains(&group),
        "{text}"
    );

    release(&c, &case, &group, "the bastion needs it for an hour");
    assert_eq!(
        rules(&c, &group).await,
        before,
        "release restores the rules"
    );

    // Released means accepted: the same change seen again (or Config's next evaluation) is
    // left alone, with the case that accepted it.
    let (status, out) = run(&c, &opened(&group)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, &format!("accepted by the release of case {case}"));
    assert_eq!(rules(&c, &group).await, before);
}

/// `ModifySecurityGroupRules` as CloudTrail records it (the request nested under
/// `ModifySecurityGroupRulesRequest`): a rule from the VPC turned world-open is revoked.
async fn a_rule_modified_open_is_revoked_from_cloudtrails_real_record(c: Arc<Ctx>) {
    use aws_sdk_ec2::types::{SecurityGroupRuleRequest, SecurityGroupRuleUpdate};
    let ec2 = &c.world.ec2;
    let group = ec2
        .create_security_group()
        .group_name("e2e-modified")
        .description("e2e-modified: e2e")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let added = ec2
        .authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rule = added.security_group_rules()[0]
        .security_group_rule_id()
        .unwrap()
        .to_string();
    ec2.modify_security_group_rules()
        .group_id(&group)
        .security_group_rules(
            SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(&rule)
                .security_group_rule(
                    SecurityGroupRuleRequest::builder()
                        .ip_protocol("tcp")
                        .from_port(22)
                        .to_port(22)
                        .cidr_ipv4("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let open: BTreeSet<_> = [("tcp".to_string(), 22, 22, "0.0.0.0/0".to_string())]
        .into_iter()
        .collect();
    assert_eq!(
        rules(&c, &group).await,
        open,
        "the emulator modified the rule"
    );

    let mut event = fresh_sample("cloudtrail-modify-sg-rules-ssh-world");
    let text = event
        .to_string()
        .replace("sg-0ee55ff6677889900", &group)
        .replace("sgr-0c3d4e5f60718293a", &rule);
    event = serde_json::from_str(&text).unwrap();
    event["detail"]["eventID"] = event["id"].clone();
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(result(&out)["resource"], group.as_str(), "{out}");
    assert!(
        rules(&c, &group).await.is_empty(),
        "the world-open rule is revoked"
    );
}

async fn an_exempt_group_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-exempt", &[("aws-ir:exempt", "bastion")]).await;
    let before = rules(&c, &group).await;
    let (status, out) = run(&c, &opened(&group)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "exemption tag");
    assert_eq!(rules(&c, &group).await, before);
}

async fn the_playbooks_own_change_does_not_trigger_it_again(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-own-change", &[]).await;
    let before = rules(&c, &group).await;
    // The release's own AuthorizeSecurityGroupIngress, as CloudTrail reports it.
    let role = task_role(&c, "RestoreIngress").await;
    let event = made_by(opened(&group), &role, "restore-ingress");
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "made by aws-ir itself");
    assert_eq!(rules(&c, &group).await, before);
}

async fn a_resent_event_revokes_nothing_more(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-resent", &[]).await;
    let event = opened(&group);
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let after = rules(&c, &group).await;
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    // CloudTrail's event again (same eventID, a new EventBridge delivery).
    let mut again = event.clone();
    again["id"] = fresh_sample("cloudtrail-authorize-sg-ingress-ssh-world")["id"].clone();
    let (status, out) = run(&c, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["status"], "already handled", "{out}");
    assert_eq!(rules(&c, &group).await, after);
    // Notified once: the first execution's message only.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let told = c
        .world
        .notifications(&c.main, &case, Duration::from_secs(10))
        .await;
    assert_eq!(told.len(), 1, "{told:?}");
}

async fn an_exempt_account_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-sandbox", &[]).await;
    let before = rules(&c, &group).await;
    let mut event = opened(&group);
    event["detail"]["recipientAccountId"] = Value::String("111122223333".into());
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "account 111122223333 is exempt");
    assert_eq!(rules(&c, &group).await, before);
}

async fn a_dry_run_plans_the_recovery_and_changes_nothing(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-dry-run", &[]).await;
    let before = rules(&c, &group).await;
    let mut args = vec!["--stack-prefix", c.main.prefix.as_str()];
    args.extend([
        "start",
        "settings-recovery",
        "--resource",
        &group,
        "--reason",
        "what would it do?",
        "--dry-run",
        "--watch",
        "--timeout",
        "120",
    ]);
    let out = c.world.irctl(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("planned") && stdout.contains("ec2:RevokeSecurityGroupIngress"),
        "{stdout}"
    );
    assert_eq!(rules(&c, &group).await, before, "a dry run changes nothing");
}

async fn malformed_requests_end_in_invalid_event(c: Arc<Ctx>) {
    let mut args = vec!["--stack-prefix", c.main.prefix.as_str()];
    args.extend([
        "start",
        "settings-recovery",
        "--resource",
        "bucket-or-something",
        "--reason",
        "typo",
        "--watch",
        "--timeout",
        "60",
    ]);
    let out = c.world.irctl(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("IR.InvalidEvent"), "{stdout}");
}

async fn block(c: &Ctx, bucket: &str) -> Option<[bool; 4]> {
    let got = c
        .world
        .s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .ok()?;
    let b = got.public_access_block_configuration()?;
    Some([
        b.block_public_acls().unwrap_or(false),
        b.ignore_public_acls().unwrap_or(false),
        b.block_public_policy().unwrap_or(false),
        b.restrict_public_buckets().unwrap_or(false),
    ])
}

async fn a_bucket_whose_public_access_block_was_removed_gets_it_back(c: Arc<Ctx>) {
    let bucket = "e2e-customer-exports";
    bucket_with_block(&c, bucket, [true, true, false, false]).await;
    let before = block(&c, bucket).await;
    let event = bucket_opened(bucket);
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(block(&c, bucket).await, Some([true; 4]));

    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let resource = format!("s3://{bucket}");
    release(&c, &case, &resource, "a public dataset, approved");
    assert_eq!(
        block(&c, bucket).await,
        before,
        "release puts back what was recorded"
    );
}

/// The account's S3 Block Public Access, read back through S3 Control.
async fn account_block(c: &Ctx) -> Option<[bool; 4]> {
    let got = c
        .world
        .s3control
        .get_public_access_block()
        .account_id(ACCOUNT)
        .send()
        .await
        .ok()?;
    let b = got.public_access_block_configuration()?;
    Some([
        b.block_public_acls()?,
        b.ignore_public_acls()?,
        b.block_public_policy()?,
        b.restrict_public_buckets()?,
    ])
}

const ACCOUNT: &str = "123456789012";

/// CloudTrail's event for the account's Block Public Access turned off, a fresh event id.
fn account_opened() -> Value {
    let mut event = fresh_sample("cloudtrail-put-account-public-access-block");
    event["detail"]["eventID"] = event["id"].clone();
    event
}

async fn set_account_block(c: &Ctx, on: bool) {
    c.world
        .s3control
        .put_public_access_block()
        .account_id(ACCOUNT)
        .public_access_block_configuration(
            aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(on)
                .ignore_public_acls(on)
                .block_public_policy(on)
                .restrict_public_buckets(on)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// Account level (S3 Control): turned off "by mallory", put back; the release puts the recorded
/// settings back and the same change seen again is then left alone.
async fn the_accounts_public_access_block_is_put_back_and_a_release_is_accepted(c: Arc<Ctx>) {
    // The safety net first: AWS Config finds it off (a CloudTrail event that never came).
    set_account_block(&c, false).await;
    let mut config = non_compliant(
        &c,
        "config-compliance-change-s3-public",
        "account-public-access-blocked",
        ACCOUNT,
    );
    let text = config
        .to_string()
        .replace("AWS::S3::Bucket", "AWS::S3::AccountPublicAccessBlock");
    config = serde_json::from_str(&text).unwrap();
    let (status, out) = run(&c, &config).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(
        account_block(&c).await,
        Some([true; 4]),
        "read back through S3 Control"
    );

    // Security Hub's control S3.1 (on the account) starts the same recovery.
    set_account_block(&c, false).await;
    let mut f = control_finding("sg-0ee55ff6677889900");
    let id = format!(
        "e2e-control-S3.1-{}",
        account_opened()["id"].as_str().unwrap()
    );
    f["Id"] = Value::String(id.clone());
    f["Resources"] = serde_json::json!([{"Type": "AwsAccount", "Id": format!("AWS::::Account:{ACCOUNT}"), "Partition": "aws", "Region": "us-east-1"}]);
    f["Compliance"]["SecurityControlId"] = Value::String("S3.1".into());
    c.world.import_findings(&[f]);
    let arn = c.world.execution_for_finding(&c.main, &id).await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        result(&out)["type"],
        "AwsS3AccountPublicAccessBlock",
        "{out}"
    );
    assert_eq!(account_block(&c).await, Some([true; 4]));

    // aws-ir's own release turning it off comes back through CloudTrail: not reverted.
    set_account_block(&c, false).await;
    let role = task_role(&c, "ReleaseAccountPublicAccess").await;
    let (status, out) = run(
        &c,
        &made_by(account_opened(), &role, "release-account-public-access"),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "made by aws-ir itself");
    assert_eq!(account_block(&c).await, Some([false; 4]));

    // The fast path: CloudTrail's event for the call.
    let (status, out) = run(&c, &account_opened()).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        result(&out)["type"],
        "AwsS3AccountPublicAccessBlock",
        "{out}"
    );
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(
        account_block(&c).await,
        Some([true; 4]),
        "read back through S3 Control"
    );

    // S3 Control's own name for the call (`PutPublicAccessBlock`, no bucket) is the same drift.
    set_account_block(&c, false).await;
    let mut control = account_opened();
    control["detail"]["eventName"] = Value::String("PutPublicAccessBlock".into());
    let (status, out2) = run(&c, &control).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out2}");
    assert_eq!(result(&out2)["status"], "done", "{out2}");
    assert_eq!(account_block(&c).await, Some([true; 4]));

    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    release(
        &c,
        &case,
        &format!("account/{ACCOUNT}"),
        "the account hosts a public website, approved",
    );
    assert_eq!(
        account_block(&c).await,
        Some([false; 4]),
        "release puts back what was recorded"
    );

    let (status, out) = run(&c, &account_opened()).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "accepted by the release of case");
    assert_eq!(account_block(&c).await, Some([false; 4]));
    set_account_block(&c, true).await;
}

/// A trail writing to its own bucket, logging, then stopped "by mallory"; returns its ARN.
async fn stopped_trail(c: &Ctx, name: &str) -> String {
    let bucket = format!("{name}-logs");
    c.world
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let trail = c
        .world
        .cloudtrail
        .create_trail()
        .name(name)
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();
    let arn = trail.trail_arn().unwrap().to_string();
    c.world
        .cloudtrail
        .start_logging()
        .name(&arn)
        .send()
        .await
        .unwrap();
    c.world
        .cloudtrail
        .stop_logging()
        .name(&arn)
        .send()
        .await
        .unwrap();
    assert!(!logging(c, &arn).await);
    arn
}

async fn logging(c: &Ctx, trail: &str) -> bool {
    let status = c
        .world
        .cloudtrail
        .get_trail_status()
        .name(trail)
        .send()
        .await;
    status.unwrap().is_logging().unwrap_or(false)
}

/// The CloudTrail event of `call` (StopLogging, DeleteTrail) on `trail`, fresh ids.
fn trail_event(call: &str, trail: &str) -> Value {
    let mut event = fresh_sample("cloudtrail-stop-logging");
    event["detail"]["eventName"] = Value::String(call.into());
    event["detail"]["requestParameters"]["name"] = Value::String(trail.into());
    event["detail"]["eventID"] = event["id"].clone();
    event
}

async fn a_stopped_trail_logs_again_and_release_stops_it(c: Arc<Ctx>) {
    let arn = stopped_trail(&c, "e2e-management-events").await;
    let (status, out) = run(&c, &trail_event("StopLogging", &arn)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert!(logging(&c, &arn).await, "logging again, read back: {out}");

    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let told = notification(&c, &case).await;
    for needle in [
        "mallory@example.com",
        "cloudtrail:StartLogging",
        "settings-release",
    ] {
        assert!(told.contains(needle), "{needle} missing from\n{told}");
    }

    // The same event again (GuardDuty-style re-send): nothing more to do.
    let mut again = trail_event("StopLogging", &arn);
    again["detail"]["eventID"] = Value::String(format!("{}-again", again["id"].as_str().unwrap()));
    let (status, out) = run(&c, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "skipped", "{out}");

    let stdout = release(&c, &case, &arn, "maintenance window, approved");
    assert!(!logging(&c, &arn).await, "release stops it again: {stdout}");

    // Accepted: a later event about the same stop leaves it stopped.
    let mut later = trail_event("StopLogging", &arn);
    later["detail"]["eventID"] = Value::String(format!("{}-later", later["id"].as_str().unwrap()));
    let (status, out) = run(&c, &later).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "accepted");
    assert!(!logging(&c, &arn).await);
}

/// A trail the Config rule never evaluated: nothing was kept to create it again from, so the
/// case fails loudly with the commands to run.
async fn a_deleted_trail_never_seen_is_reported_with_how_to_recreate_it(c: Arc<Ctx>) {
    let trail = "arn:aws:cloudtrail:us-east-1:123456789012:trail/e2e-deleted-trail";
    let (status, out) = run(&c, &trail_event("DeleteTrail", trail)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "failed", "{out}");
    let detail = result(&out)["detail"].as_str().unwrap_or_default();
    for needle in [
        "IR.ResourceNotFound",
        "mallory@example.com",
        "kept no configuration",
        "create-trail --name e2e-deleted-trail",
    ] {
        assert!(detail.contains(needle), "{needle} missing from {detail}");
    }
}

/// AWS Config invoking the trail rule for `name`'s change (its configuration item): the rule
/// evaluates that trail and keeps its configuration. Its evaluation.
fn config_sees_trail(c: &Ctx, name: &str) -> Value {
    let rule = format!("{}-trail-logging", c.main.name);
    let answer = c.world.invoke_config_rule(
        &rule,
        serde_json::json!({
            "messageType": "ConfigurationItemChangeNotification",
            "configurationItem": {
                "resourceType": "AWS::CloudTrail::Trail",
                "resourceId": name,
                "resourceName": name,
            },
        }),
    );
    assert!(answer["FunctionError"].is_null(), "{answer}");
    answer["Payload"]["evaluations"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["resource_id"] == name).cloned())
        .unwrap_or_else(|| panic!("no evaluation of {name}: {answer}"))
}

/// A trail as a team keeps it, seen by Config, then pointed "by mallory" at another bucket,
/// its log file validation off and its management events left out (UpdateTrail, then
/// PutEventSelectors): each event puts back what was kept. The release makes the change again
/// and keeps it: the same event again changes nothing.
async fn a_changed_trail_is_put_back_as_kept_and_release_makes_the_change_again(c: Arc<Ctx>) {
    use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType};
    let name = "e2e-changed-trail";
    for bucket in ["e2e-changed-trail-logs", "e2e-elsewhere-logs"] {
        c.world
            .s3
            .create_bucket()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
    }
    let ct = &c.world.cloudtrail;
    ct.create_trail()
        .name(name)
        .s3_bucket_name("e2e-changed-trail-logs")
        .s3_key_prefix("audit")
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .send()
        .await
        .unwrap();
    let selectors = |management: bool| {
        EventSelector::builder()
            .read_write_type(ReadWriteType::All)
            .include_management_events(management)
            .build()
    };
    ct.put_event_selectors()
        .trail_name(name)
        .event_selectors(selectors(true))
        .send()
        .await
        .unwrap();
    ct.start_logging().name(name).send().await.unwrap();
    let before = trail_as_aws_has_it(&c, name).await;

    let _no_periodic_run = c.trail_configs.lock().await;
    config_sees_trail(&c, name);
    ct.update_trail()
        .name(name)
        .s3_bucket_name("e2e-elsewhere-logs")
        .s3_key_prefix("")
        .enable_log_file_validation(false)
        .send()
        .await
        .unwrap();
    let (status, out) = run(&c, &trail_event("UpdateTrail", name)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let actions = result(&out)["actions"].to_string();
    for needle in ["cloudtrail:UpdateTrail", "S3 bucket", "log file validation"] {
        assert!(actions.contains(needle), "{needle} missing from {out}");
    }
    let after = trail_as_aws_has_it(&c, name).await;
    assert_eq!(after.0, before.0, "the trail, put back");
    assert!(logging(&c, name).await);

    // Management events left out: PutEventSelectors names the trail `trailName`.
    ct.put_event_selectors()
        .trail_name(name)
        .event_selectors(selectors(false))
        .send()
        .await
        .unwrap();
    let mut event = trail_event("PutEventSelectors", name);
    let params = event["detail"]["requestParameters"]
        .as_object_mut()
        .unwrap();
    params.remove("name");
    params.insert("trailName".into(), Value::String(name.into()));
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert!(
        result(&out)["actions"]
            .to_string()
            .contains("event selectors"),
        "{out}"
    );
    let after = trail_as_aws_has_it(&c, name).await;
    assert_eq!(after.1, before.1, "the selectors, put back");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();

    // The change was legitimate: the release makes it again, and keeps it.
    release(
        &c,
        &case,
        before.0.trail_arn().unwrap(),
        "cost: management events come from the org trail",
    );
    let released = trail_as_aws_has_it(&c, name).await;
    assert_eq!(
        released.1[0].include_management_events(),
        Some(false),
        "the release makes the change again"
    );
    let mut again = trail_event("PutEventSelectors", name);
    again["detail"]["requestParameters"] = serde_json::json!({"trailName": name});
    let (status, out) = run(&c, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "skipped", "{out}");
    assert_eq!(trail_as_aws_has_it(&c, name).await.1, released.1);
}

/// Everything a trail is, as AWS answers it: the trail, its event and Insights selectors, its
/// tags (sorted).
async fn trail_as_aws_has_it(
    c: &Ctx,
    name: &str,
) -> (
    aws_sdk_cloudtrail::types::Trail,
    Vec<aws_sdk_cloudtrail::types::EventSelector>,
    Vec<aws_sdk_cloudtrail::types::InsightSelector>,
    Vec<(String, String)>,
) {
    let ct = &c.world.cloudtrail;
    let trail = ct.get_trail().name(name).send().await.unwrap();
    let trail = trail.trail().unwrap().clone();
    let arn = trail.trail_arn().unwrap().to_string();
    let selectors = ct
        .get_event_selectors()
        .trail_name(name)
        .send()
        .await
        .unwrap();
    let insights = ct
        .get_insight_selectors()
        .trail_name(name)
        .send()
        .await
        .unwrap();
    let tags = ct.list_tags().resource_id_list(&arn).send().await.unwrap();
    let mut tags: Vec<(String, String)> = tags
        .resource_tag_list()
        .iter()
        .flat_map(|r| r.tags_list())
        .map(|t| {
            (
                t.key().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    tags.sort();
    (
        trail,
        selectors.event_selectors().to_vec(),
        insights.insight_selectors().to_vec(),
        tags,
    )
}

/// A trail as a team keeps it (its own bucket and prefix, an SNS topic, log file validation,
/// CloudWatch Logs, a KMS key, tags, data-event selectors, Insights), seen by the Config rule,
/// then deleted "by mallory": it comes back exactly as it was, logging; the release deletes it
/// again and that deletion is left alone from then on.
async fn a_deleted_trail_is_created_again_as_it_was_and_release_deletes_it_again(c: Arc<Ctx>) {
    use aws_sdk_cloudtrail::types::{
        DataResource, EventSelector, InsightSelector, InsightType, ReadWriteType, Tag,
    };
    let name = "e2e-audit-trail";
    let bucket = "e2e-audit-trail-logs";
    c.world
        .s3
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let topic = c
        .world
        .sns
        .create_topic()
        .name("e2e-audit-trail-deliveries")
        .send()
        .await
        .unwrap();
    let ct = &c.world.cloudtrail;
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().unwrap();
    ct.create_trail()
        .name(name)
        .s3_bucket_name(bucket)
        .s3_key_prefix("audit")
        .sns_topic_name(topic.topic_arn().unwrap())
        .include_global_service_events(true)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .cloud_watch_logs_log_group_arn(
            "arn:aws:logs:us-east-1:123456789012:log-group:e2e-audit-trail:*",
        )
        .cloud_watch_logs_role_arn("arn:aws:iam::123456789012:role/e2e-cloudtrail-to-logs")
        .kms_key_id("arn:aws:kms:us-east-1:123456789012:key/4f0c5b1e-2d3a-4b6c-8e9f-0a1b2c3d4e5f")
        .tags_list(tag("owner", "security-team"))
        .tags_list(tag("cost-center", "42"))
        .send()
        .await
        .unwrap();
    ct.put_event_selectors()
        .trail_name(name)
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::WriteOnly)
                .include_management_events(true)
                .data_resources(
                    DataResource::builder()
                        .r#type("AWS::S3::Object")
                        .values(format!("arn:aws:s3:::{bucket}/"))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ct.put_insight_selectors()
        .trail_name(name)
        .insight_selectors(
            InsightSelector::builder()
                .insight_type(InsightType::ApiCallRateInsight)
                .build(),
        )
        .send()
        .await
        .unwrap();
    ct.start_logging().name(name).send().await.unwrap();
    let before = trail_as_aws_has_it(&c, name).await;

    // AWS Config sees the trail's change: compliant, and its configuration is kept.
    assert_eq!(config_sees_trail(&c, name)["compliance"], "COMPLIANT");

    // Deleted: CloudTrail's DeleteTrail event arrives through EventBridge.
    ct.delete_trail().name(name).send().await.unwrap();
    let (status, out) = run(&c, &trail_event("DeleteTrail", name)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let actions = result(&out)["actions"].to_string();
    assert!(actions.contains("cloudtrail:CreateTrail"), "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();

    // Read back: the same trail, selectors and Insights; its tags plus which case did it.
    let after = trail_as_aws_has_it(&c, name).await;
    assert_eq!(after.0, before.0, "the trail itself");
    assert_eq!(after.1, before.1, "its event selectors");
    assert_eq!(after.2, before.2, "its Insights selectors");
    let mut expected = before.3.clone();
    expected.push(("aws-ir:recreated-by".to_string(), case.clone()));
    expected.sort();
    assert_eq!(after.3, expected, "its tags");
    assert!(logging(&c, name).await, "logging again");
    let told = notification(&c, &case).await;
    for needle in [
        "mallory@example.com",
        "cloudtrail:CreateTrail",
        "settings-release",
    ] {
        assert!(told.contains(needle), "{needle} missing from\n{told}");
    }

    // The deletion was legitimate after all: the release deletes it again…
    let arn = before.0.trail_arn().unwrap();
    let stdout = release(&c, &case, arn, "trail moved to the organization account");
    let gone = ct.get_trail().name(name).send().await;
    assert!(gone.is_err(), "release deletes it again: {stdout}");
    // …whose own DeleteTrail comes back through CloudTrail and is not reverted…
    let role = task_role(&c, "ReleaseTrailLogging").await;
    let event = made_by(
        trail_event("DeleteTrail", name),
        &role,
        "release-trail-logging",
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "made by aws-ir itself");
    // …and a later event about the deletion is accepted.
    let (status, out) = run(&c, &trail_event("DeleteTrail", name)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "accepted");
    assert!(
        ct.get_trail().name(name).send().await.is_err(),
        "still deleted"
    );
}

/// Security Hub's own control finding (EC2.13) on `group`, with a fresh id.
fn control_finding(group: &str) -> Value {
    let sample = fresh_sample("securityhub-control-sg-open-ssh");
    let text = sample["detail"]["findings"][0]
        .to_string()
        .replace("sg-0ee55ff6677889900", group)
        .replace(
            "8f2b6c1d-3e4a-4b5c-9d6e-7f8091a2b3c4",
            sample["id"].as_str().unwrap(),
        );
    serde_json::from_str(&text).unwrap()
}

async fn finding_in_hub(c: &Ctx, id: &str) -> aws_sdk_securityhub::types::AwsSecurityFinding {
    let found = c
        .world
        .securityhub
        .get_findings()
        .filters(
            aws_sdk_securityhub::types::AwsSecurityFindingFilters::builder()
                .id(aws_sdk_securityhub::types::StringFilter::builder()
                    .value(id)
                    .comparison(aws_sdk_securityhub::types::StringFilterComparison::Equals)
                    .build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    found
        .findings()
        .iter()
        .find(|f| f.id() == Some(id))
        .cloned()
        .expect("the finding in Security Hub")
}

async fn a_failed_security_hub_control_is_recovered_and_the_finding_marked_once(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-control", &[]).await;
    let finding = control_finding(&group);
    let id = finding["Id"].as_str().unwrap().to_string();
    // Imported as Security Hub's controls do; the hub sends it to EventBridge.
    c.world.import_findings(&[finding]);
    let arn = c.world.execution_for_finding(&c.main, &id).await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let kept: BTreeSet<_> = [
        ("tcp".to_string(), 22, 22, "10.0.0.0/8".to_string()),
        ("tcp".to_string(), 443, 443, "0.0.0.0/0".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(rules(&c, &group).await, kept, "{out}");

    // Read back through Security Hub: NOTIFIED, with a note naming the case.
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let f = finding_in_hub(&c, &id).await;
    assert_eq!(
        f.workflow().and_then(|w| w.status()),
        Some(&aws_sdk_securityhub::types::WorkflowStatus::Notified),
        "{f:?}"
    );
    let note = f
        .note()
        .map(|n| n.text().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(note.contains(&case), "{note}");
    assert!(
        out["results"]["notify"]["security_hub"]
            .to_string()
            .contains("NOTIFIED"),
        "{out}"
    );

    // The update went to EventBridge too, as "Findings - Imported": it starts nothing again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let started = c.world.executions_for_finding(&c.main, &id).await;
    assert_eq!(
        started.len(),
        1,
        "the playbook's own update started it again: {started:?}"
    );
}

/// Control EC2.18 authorizes some ports to the world (80 and 443 by default, the finding's
/// `SecurityControlParameters` say which): 8080 open to the world goes, 443 stays, though 8080
/// is no "sensitive" port of the stack.
async fn an_ec2_18_finding_revokes_8080_and_keeps_the_authorized_443(c: Arc<Ctx>) {
    let ec2 = &c.world.ec2;
    let group = ec2
        .create_security_group()
        .group_name("e2e-ec2-18")
        .description("e2e-ec2-18: e2e")
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    let world = |port: i32| {
        IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(port)
            .to_port(port)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(world(443))
        .ip_permissions(world(8080))
        .send()
        .await
        .unwrap();
    let mut finding = control_finding(&group);
    finding["GeneratorId"] = json!("security-control/EC2.18");
    finding["Title"] = json!(
        "Security groups should only allow unrestricted incoming traffic for authorized ports"
    );
    finding["Compliance"]["SecurityControlId"] = json!("EC2.18");
    finding["Compliance"]["SecurityControlParameters"] =
        json!([{"Name": "authorizedTcpPorts", "Value": ["80", "443"]}]);
    let id = finding["Id"].as_str().unwrap().to_string();
    c.world.import_findings(&[finding]);
    let arn = c.world.execution_for_finding(&c.main, &id).await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let kept: BTreeSet<_> = [("tcp".to_string(), 443, 443, "0.0.0.0/0".to_string())]
        .into_iter()
        .collect();
    assert_eq!(rules(&c, &group).await, kept, "{out}");
    assert_eq!(
        out["case"]["check"]["by"], "Security Hub control EC2.18",
        "{out}"
    );
}

/// Accounts run Config rules of their own (Security Hub's, Control Tower's, a conformance
/// pack's), named as their authors chose. Each is known by what it checks (AWS Config's
/// record of its source): one that checks SSH recovers the group; one that checks a bucket's
/// encryption leaves the bucket's public access alone.
async fn the_accounts_own_config_rules_are_known_by_what_they_check(c: Arc<Ctx>) {
    use aws_sdk_config::types::{ConfigRule, Owner, Scope, Source};
    let config = &c.world.config;
    for (name, identifier, resource) in [
        (
            "securityhub-restricted-ssh-e2e01",
            "INCOMING_SSH_DISABLED",
            "AWS::EC2::SecurityGroup",
        ),
        (
            "org-s3-encryption",
            "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
            "AWS::S3::Bucket",
        ),
    ] {
        config
            .put_config_rule()
            .config_rule(
                ConfigRule::builder()
                    .config_rule_name(name)
                    .source(
                        Source::builder()
                            .owner(Owner::Aws)
                            .source_identifier(identifier)
                            .build()
                            .unwrap(),
                    )
                    .scope(Scope::builder().compliance_resource_types(resource).build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }

    let group = open_group(&c, "e2e-foreign-rule", &[]).await;
    let event = non_compliant_by(
        "config-compliance-change-restricted-ssh",
        "securityhub-restricted-ssh-e2e01",
        &group,
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(
        out["case"]["check"]["by"],
        "AWS Config rule securityhub-restricted-ssh-e2e01 (INCOMING_SSH_DISABLED)",
        "{out}"
    );
    let kept: BTreeSet<_> = [
        ("tcp".to_string(), 22, 22, "10.0.0.0/8".to_string()),
        ("tcp".to_string(), 443, 443, "0.0.0.0/0".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(rules(&c, &group).await, kept, "{out}");

    let bucket = "e2e-unencrypted-site";
    c.world
        .s3
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let event = non_compliant_by(
        "config-compliance-change-s3-public",
        "org-s3-encryption",
        bucket,
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED");
    assert_eq!(
        block(&c, bucket).await,
        None,
        "the bucket's public access was changed"
    );
}

async fn the_restore_setting_custom_action_routes_to_the_playbook(c: Arc<Ctx>) {
    let target = c.main.outputs["CustomActionRestoreArn"].clone();
    let listed = c
        .world
        .securityhub
        .describe_action_targets()
        .action_target_arns(&target)
        .send()
        .await
        .unwrap();
    let t = &listed.action_targets()[0];
    assert_eq!(t.name(), Some("Restore setting"));

    let group = open_group(&c, "e2e-restore-action", &[]).await;
    let mut action = fresh_sample("securityhub-custom-action-isolate");
    action["resources"] = serde_json::json!([target]);
    action["detail"]["actionName"] = Value::String("Restore setting".into());
    action["detail"]["findings"] = serde_json::json!([control_finding(&group)]);
    let (status, out) = run(&c, &action).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let left = rules(&c, &group).await;
    assert_eq!(
        left.len(),
        2,
        "only the restricted SSH and world HTTPS stay: {left:?}"
    );
}

/// A compliance change of the stack's rule `rule` (suffix) to NON_COMPLIANT for `resource`, as
/// AWS Config sends it after evaluating a managed rule.
fn non_compliant(c: &Ctx, sample: &str, rule: &str, resource: &str) -> Value {
    non_compliant_by(sample, &format!("{}-{rule}", c.main.name), resource)
}

/// The Config sample `sample` for `resource`, reported by the rule named `rule` (any rule of
/// the account, the stack's or not).
fn non_compliant_by(sample: &str, rule: &str, resource: &str) -> Value {
    let mut event = fresh_sample(sample);
    let old = event["detail"]["resourceId"].as_str().unwrap().to_string();
    let old_rule = event["detail"]["configRuleName"]
        .as_str()
        .unwrap()
        .to_string();
    let text = event
        .to_string()
        .replace(&old, resource)
        .replace(&old_rule, rule);
    event = serde_json::from_str(&text).unwrap();
    event
}

async fn the_stack_deploys_its_config_rules(c: Arc<Ctx>) {
    let names: Vec<String> = [
        "restricted-ssh",
        "restricted-common-ports",
        "bucket-public-access-blocked",
        "account-public-access-blocked",
        "trail-logging",
    ]
    .iter()
    .map(|r| format!("{}-{r}", c.main.name))
    .collect();
    let got = c
        .world
        .config
        .describe_config_rules()
        .set_config_rule_names(Some(names.clone()))
        .send()
        .await
        .unwrap();
    let sources: Vec<(String, String)> = got
        .config_rules()
        .iter()
        .map(|r| {
            let s = r.source().unwrap();
            (
                r.config_rule_name().unwrap_or_default().to_string(),
                format!(
                    "{}:{}",
                    s.owner().as_str(),
                    s.source_identifier().unwrap_or_default()
                ),
            )
        })
        .collect();
    assert_eq!(sources.len(), 5, "{sources:?}");
    assert!(
        sources
            .iter()
            .any(|(_, s)| s == "AWS:INCOMING_SSH_DISABLED"),
        "{sources:?}"
    );
    let custom = sources
        .iter()
        .find(|(n, _)| n.ends_with("-trail-logging"))
        .unwrap();
    assert!(
        custom.1.starts_with("CUSTOM_LAMBDA:arn:aws:lambda:"),
        "{custom:?}"
    );
    assert!(custom.1.contains("EvaluateTrailLogging"), "{custom:?}");
}

async fn config_turning_a_group_or_a_bucket_non_compliant_restores_it(c: Arc<Ctx>) {
    let group = open_group(&c, "e2e-config-ssh", &[]).await;
    let event = non_compliant(
        &c,
        "config-compliance-change-restricted-ssh",
        "restricted-ssh",
        &group,
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    let left = rules(&c, &group).await;
    assert_eq!(
        left.len(),
        2,
        "the restricted SSH and world HTTPS stay: {left:?}"
    );

    let bucket = "e2e-config-exports";
    c.world
        .s3
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let event = non_compliant(
        &c,
        "config-compliance-change-s3-public",
        "bucket-public-access-blocked",
        bucket,
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(block(&c, bucket).await, Some([true; 4]));
}

async fn the_custom_config_rule_catches_a_stopped_trail_and_it_logs_again(c: Arc<Ctx>) {
    let _periodic = c.trail_configs.lock().await;
    let arn = stopped_trail(&c, "e2e-config-trail").await;
    let rule = format!("{}-trail-logging", c.main.name);
    // Config's periodic run: the evaluator finds the stopped trail and reports it.
    let answer = c.world.invoke_config_rule(
        &rule,
        serde_json::json!({"messageType": "ScheduledNotification"}),
    );
    assert!(answer["FunctionError"].is_null(), "{answer}");
    let evaluated = answer["Payload"]["evaluations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mine = evaluated
        .iter()
        .find(|e| e["resource_id"] == "e2e-config-trail")
        .unwrap_or_else(|| panic!("no evaluation of the trail: {answer}"));
    assert_eq!(mine["compliance"], "NON_COMPLIANT", "{answer}");

    // Config sends the change to NON_COMPLIANT; the playbook starts logging again.
    let begin = std::time::Instant::now();
    while !logging(&c, &arn).await {
        assert!(
            begin.elapsed() < Duration::from_secs(60),
            "the trail still does not log"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let details = c
        .world
        .config
        .get_compliance_details_by_config_rule()
        .config_rule_name(&rule)
        .send()
        .await
        .unwrap();
    let recorded: Vec<String> = details
        .evaluation_results()
        .iter()
        .filter_map(|r| {
            let q = r
                .evaluation_result_identifier()?
                .evaluation_result_qualifier()?;
            (q.resource_id() == Some("e2e-config-trail")).then(|| {
                r.compliance_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default()
            })
        })
        .collect();
    assert_eq!(recorded, ["NON_COMPLIANT"]);

    // The next run finds it logging: compliant again, and nothing starts.
    let answer = c.world.invoke_config_rule(
        &rule,
        serde_json::json!({"messageType": "ScheduledNotification"}),
    );
    let again = answer["Payload"]["evaluations"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["resource_id"] == "e2e-config-trail")
                .cloned()
        })
        .unwrap();
    assert_eq!(again["compliance"], "COMPLIANT", "{answer}");
}

async fn an_exempt_bucket_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let bucket = "e2e-public-dataset";
    c.world
        .s3
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    // The exemption is a responder's to grant: the tag guard removes anyone else's.
    let as_responder = c.world.config_as(&c.world.responders[0]).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&as_responder)
            .force_path_style(true)
            .build(),
    )
    .put_bucket_tagging()
    .bucket(bucket)
    .tagging(
        aws_sdk_s3::types::Tagging::builder()
            .tag_set(
                aws_sdk_s3::types::Tag::builder()
                    .key("aws-ir:exempt")
                    .value("open data, approved")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap(),
    )
    .send()
    .await
    .unwrap();
    let event = bucket_opened(bucket);
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "exemption tag");
    assert_eq!(
        block(&c, bucket).await,
        None,
        "no Block Public Access was put on it"
    );
}

/// The role of the stack's task function `title` (e.g. `ReleaseTrailLogging`), as CloudTrail
/// names it when that function makes a call.
async fn task_role(c: &Ctx, title: &str) -> String {
    let roles = c.world.roles().await;
    roles
        .iter()
        .find(|r| r.role_name().contains(title) && r.role_name().starts_with(&c.main.name))
        .or_else(|| roles.iter().find(|r| r.role_name().contains(title)))
        .unwrap_or_else(|| panic!("the stack's {title} role"))
        .role_name()
        .to_string()
}

fn made_by(mut event: Value, role: &str, session: &str) -> Value {
    event["detail"]["userIdentity"]["arn"] = Value::String(format!(
        "arn:aws:sts::123456789012:assumed-role/{role}/{session}"
    ));
    event
}

/// A new bucket with these Block Public Access settings (BlockPublicAcls, IgnorePublicAcls,
/// BlockPublicPolicy, RestrictPublicBuckets).
async fn bucket_with_block(c: &Ctx, bucket: &str, b: [bool; 4]) {
    c.world
        .s3
        .create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    c.world
        .s3
        .put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(b[0])
                .ignore_public_acls(b[1])
                .block_public_policy(b[2])
                .restrict_public_buckets(b[3])
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// A release's own calls (a bucket opened again, a trail stopped again) come back through
/// CloudTrail: they are recognised as aws-ir's and not reverted (no loop).
async fn aws_irs_own_changes_to_a_bucket_or_a_trail_do_not_trigger_it_again(c: Arc<Ctx>) {
    let bucket = "e2e-own-change-bucket";
    bucket_with_block(&c, bucket, [false; 4]).await;
    let role = task_role(&c, "ReleaseBucketPublicAccess").await;
    let event = made_by(bucket_opened(bucket), &role, "release-bucket-public-access");
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "made by aws-ir itself");
    assert_eq!(block(&c, bucket).await, Some([false; 4]));

    let trail = stopped_trail(&c, "e2e-own-change-trail").await;
    let role = task_role(&c, "ReleaseTrailLogging").await;
    let event = made_by(
        trail_event("StopLogging", &trail),
        &role,
        "release-trail-logging",
    );
    let (status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "made by aws-ir itself");
    assert!(!logging(&c, &trail).await, "a release's stop was undone");
}

async fn an_exempt_trail_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let trail = stopped_trail(&c, "e2e-exempt-trail").await;
    // The exemption is a responder's to grant: the tag guard removes anyone else's.
    let as_responder = c.world.config_as(&c.world.responders[0]).await;
    aws_sdk_cloudtrail::Client::new(&as_responder)
        .add_tags()
        .resource_id(&trail)
        .tags_list(
            aws_sdk_cloudtrail::types::Tag::builder()
                .key("aws-ir:exempt")
                .value("a lab trail, stopped on purpose")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let (status, out) = run(&c, &trail_event("StopLogging", &trail)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "carries the exemption tag aws-ir:exempt");
    assert!(!logging(&c, &trail).await);

    // Seen by the Config rule (its configuration, tag included, is kept), then deleted: the
    // deletion is left alone too, not undone by creating it again.
    config_sees_trail(&c, "e2e-exempt-trail");
    c.world
        .cloudtrail
        .delete_trail()
        .name("e2e-exempt-trail")
        .send()
        .await
        .unwrap();
    let (status, out) = run(&c, &trail_event("DeleteTrail", &trail)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_skipped(&out, "carried the exemption tag aws-ir:exempt");
    let gone = c.world.cloudtrail.get_trail().name(&trail).send().await;
    assert!(gone.is_err(), "an exempt trail was created again");
}

/// Security Hub's failed controls on a bucket (S3.8) and a trail (CloudTrail.1) start the same
/// recovery as the security group's, read back through S3 and CloudTrail.
async fn security_hub_controls_on_a_bucket_and_a_trail_start_the_same_recovery(c: Arc<Ctx>) {
    let bucket = "e2e-control-bucket";
    bucket_with_block(&c, bucket, [false; 4]).await;
    let trail = stopped_trail(&c, "e2e-control-trail").await;
    let control = |resource: Value, control: &str, title: &str| {
        let mut f = control_finding("sg-0ee55ff6677889900");
        f["Id"] = Value::String(format!(
            "e2e-control-{control}-{}",
            fresh_sample("cloudtrail-stop-logging")["id"]
                .as_str()
                .unwrap()
        ));
        f["Resources"] = serde_json::json!([resource]);
        f["Compliance"]["SecurityControlId"] = Value::String(control.into());
        f["Title"] = Value::String(title.into());
        f
    };
    let findings = [
        control(
            serde_json::json!({"Type": "AwsS3Bucket", "Id": format!("arn:aws:s3:::{bucket}"), "Partition": "aws", "Region": "us-east-1"}),
            "S3.8",
            "S3 general purpose buckets should block public access",
        ),
        control(
            serde_json::json!({"Type": "AwsCloudTrailTrail", "Id": trail, "Partition": "aws", "Region": "us-east-1"}),
            "CloudTrail.1",
            "CloudTrail should be enabled and configured with at least one multi-Region trail",
        ),
    ];
    c.world.import_findings(&findings);
    for f in &findings {
        let id = f["Id"].as_str().unwrap();
        let arn = c.world.execution_for_finding(&c.main, id).await;
        let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
        assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
        assert_eq!(result(&out)["status"], "done", "{out}");
    }
    assert_eq!(
        block(&c, bucket).await,
        Some([true; 4]),
        "read back through S3"
    );
    assert!(logging(&c, &trail).await, "read back through CloudTrail");
}

/// The member account and Region of the organization scenario (#20): not the security account's
/// Region, so the event crosses both.
const MEMBER_REGION: &str = "eu-west-1";
/// The unit of the members OU the stack excludes (`ExcludedOrganizationalUnits`).
const SANDBOX_UNIT: &str = "sandbox";

/// CloudTrail's event for `group` opened in member `account`, in [`MEMBER_REGION`], as it
/// arrives on the member's bus there.
fn opened_in_member(group: &str, account: &str) -> Value {
    let mut event = opened(group);
    event["account"] = Value::from(account);
    event["region"] = Value::from(MEMBER_REGION);
    event["detail"]["recipientAccountId"] = Value::from(account);
    event["detail"]["awsRegion"] = Value::from(MEMBER_REGION);
    event
}

fn member_rules(c: &Ctx, account: &str, group: &str) -> Value {
    c.world
        .fixture(&["member-group-rules", account, MEMBER_REGION, group])["Rules"]
        .clone()
}

/// Someone opens SSH to the world on a group of member account B in another Region. CloudTrail
/// puts the call on B's bus there; B's member stack forwards it to the security account's bus
/// in the home Region; the playbook there revokes the two world-open rules in B, through B's
/// aws-ir role for the step in a session named after the case, and keeps the neighbours, as
/// B's own EC2 API and call log show.
async fn a_group_opened_in_a_member_account_in_another_region_is_reverted_there(c: Arc<Ctx>) {
    // A new account joins the members OU: the StackSets give it the member stacks.
    let account = c.world.member_account("settings-member-b", MEMBER_REGION);
    // `irctl members` lists it with both Regions; `deploy --organization` printed the same
    // table before it joined.
    assert!(
        c.main.deployed.contains("MEMBER ROLES"),
        "{}",
        c.main.deployed
    );
    let listed = c.world.irctl(&["members", "--call-as", "SELF"]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let line = listed
        .lines()
        .find(|l| l.starts_with(&account))
        .unwrap_or_else(|| panic!("{account} not listed:\n{listed}"));
    assert!(
        line.contains(" yes ") && line.ends_with(&format!("{MEMBER_REGION},us-east-1")),
        "{listed}"
    );
    open_and_revert(&c, &account, "e2e-member-opened").await;

    // The same in the security account's own eu-west-1.
    a_group_opened_in_the_security_accounts_other_region_is_reverted_there(&c).await;
}

/// #20: the security account's own Regions other than the home one forward like a member's.
/// The emulator's security account is the organization's management account, where StackSets
/// never deploy: `irctl deploy --organization` gave its eu-west-1 the member stacks itself.
/// Someone opens SSH to the world on a group of it there; the event crosses to us-east-1 and the
/// world-open rules are revoked in eu-west-1, by the step's member role of this account, in the
/// case's session. (Part of the member scenario: the emulator has one call log.)
async fn a_group_opened_in_the_security_accounts_other_region_is_reverted_there(c: &Ctx) {
    let account = "123456789012";
    assert!(
        c.main.deployed.contains(&format!(
            "this account's own Regions {MEMBER_REGION} forward to us-east-1"
        )),
        "{}",
        c.main.deployed
    );
    open_and_revert(c, account, "e2e-security-opened").await;
}

/// Someone opens SSH to the world on group `name` of `account` in [`MEMBER_REGION`]; the event
/// crosses to the security account's bus in us-east-1, and the playbook there revokes only the
/// world-open rules, in that account and Region, by the step's member role of that account in
/// the case's session, as its EC2 API and call log show (#20).
async fn open_and_revert(c: &Ctx, account: &str, name: &str) {
    let opened_group = c
        .world
        .fixture(&["member-open-group", account, MEMBER_REGION, name]);
    let group = opened_group["GroupId"].as_str().unwrap().to_string();
    assert_eq!(
        opened_group["Rules"].as_array().unwrap().len(),
        4,
        "{opened_group}"
    );
    let event = opened_in_member(&group, account);
    c.world.fixture(&["call-log", "start"]);
    let (status, out) = run(c, &event).await;
    let log = c.world.fixture(&["call-log", "read"]);
    c.world.fixture(&["call-log", "stop"]);
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["case"]["account"], account, "{out}");
    assert_eq!(out["case"]["region"], MEMBER_REGION, "{out}");
    assert_eq!(result(&out)["status"], "done", "{out}");
    assert_eq!(
        member_rules(c, account, &group),
        json!([
            ["tcp", 22, 22, "10.0.0.0/8"],
            ["tcp", 443, 443, "0.0.0.0/0"]
        ]),
        "only the world-open SSH rules go, in {account} {MEMBER_REGION}"
    );
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    e2e::made_by_member_role(
        &log,
        "RevokeSecurityGroupIngress",
        account,
        "revoke-open-ingress",
        &case,
    );
}

/// An account in the excluded sandbox unit (below the members OU, so it has the member stacks
/// and its events reach the security account) opens SSH to the world: the playbook reads where
/// the account is from Organizations, leaves the group alone and says why, naming the unit.
async fn an_account_in_an_excluded_unit_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let member = c.world.fixture(&[
        "organization-account",
        "settings-sandbox-c",
        "--unit",
        SANDBOX_UNIT,
    ]);
    let account = member["Account"].as_str().unwrap().to_string();
    assert!(
        member["StackInstances"]
            .to_string()
            .contains(&format!("aws-ir-member/{MEMBER_REGION}")),
        "{member}"
    );
    let sandbox = c.world.fixture(&["members-unit", SANDBOX_UNIT])["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let opened_group = c.world.fixture(&[
        "member-open-group",
        &account,
        MEMBER_REGION,
        "e2e-sandbox-opened",
    ]);
    let group = opened_group["GroupId"].as_str().unwrap().to_string();
    let before = member_rules(&c, &account, &group);
    assert_eq!(before.as_array().unwrap().len(), 4, "{before}");

    let (status, out) = run(&c, &opened_in_member(&group, &account)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let screen = &out["results"]["screen"];
    assert_eq!(screen["decision"], "excluded", "{out}");
    let reason = screen["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("account {account} is in {sandbox}"))
            && reason.contains("left alone"),
        "{reason}"
    );
    assert_eq!(
        member_rules(&c, &account, &group),
        before,
        "nothing changed"
    );
    let case = out["case"]["case_id"].as_str().unwrap();
    assert!(notification(&c, case).await.contains(reason));
}
