//! The compromised-credentials playbook and its release, deployed from
//! `cloudformation/credentials-compromise.json` with `irctl deploy` into the emulated AWS.
//! Findings arrive through EventBridge as GuardDuty sends them; every outcome is read back
//! through the IAM API.

use aws_sdk_sfn::types::ExecutionStatus;
use e2e::{fresh_sample, scenarios, Stack, World};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

struct Ctx {
    world: World,
    /// Cuts automatically at severity >= 5 (the samples' IAM findings are 5 and 8); hands the
    /// source instance of stolen instance credentials to ec2-compromise.
    main: Stack,
    /// Every manual request for ec2-compromise put on the bus (no such stack here: a queue
    /// stands in for its rule).
    /// Rules disabled (started directly), console passwords removed, no deny-all policy.
    strict: Stack,
}

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        a_leaked_access_key_is_deactivated_and_release_restores_the_user,
        instance_credentials_used_outside_revoke_the_role_sessions,
        a_resent_finding_changes_nothing,
        a_break_glass_user_is_left_alone_with_a_record,
        the_playbooks_own_roles_cannot_be_targeted,
        root_credential_usage_is_reported_not_cut,
        a_protected_user_is_cut_off_once_approved,
        a_dry_run_plans_and_changes_nothing,
        an_unknown_access_key_is_recorded_as_not_found,
        malformed_requests_end_in_invalid_event,
        the_contain_credentials_action_cuts_the_selected_key,
        a_console_password_is_removed_by_policy_and_release_says_how_to_reset_it,
        an_imported_security_hub_finding_on_a_user_restricts_it,
        a_leaked_key_in_a_member_account_is_cut_off_there,
        a_member_without_aws_irs_roles_is_a_named_notified_failure,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        // Responds for the organization's member accounts too (#20).
        let organization = format!(
            "OrganizationId={}",
            world.fixture(&["organization"])["Id"].as_str().unwrap()
        );
        let (main, strict) = rt.block_on(async {
            let main = world
                .deploy(
                    "e2e",
                    "credentials-compromise",
                    &[
                        "CredentialsMinSeverityAutomatic=5",
                        "CredentialsApprovalTimeoutSeconds=600",
                        "ContainSourceInstance=true",
                        &organization,
                        // The second responder's gate is exercised by the ec2 and trust suites.
                        "ReleaseApproval=none",
                    ],
                )
                .await;
            let strict = world
                .deploy(
                    "e2e-strict",
                    "credentials-compromise",
                    &[
                        "Triggers=disabled",
                        "UserDenyAll=false",
                        "RemoveConsoleLogin=true",
                        "ReleaseApproval=none",
                    ],
                )
                .await;
            // Where the hand-off goes: ec2-compromise under the same prefix, acting only when
            // started (its rules disabled), as a request it authenticates.
            world
                .deploy(
                    "e2e",
                    "ec2-compromise",
                    &["Triggers=disabled", "VolatileCapture=false"],
                )
                .await;
            (main, strict)
        });
        Ctx {
            world,
            main,
            strict,
        }
    })
}

// --- helpers -----------------------------------------------------------------------------

/// An IAM user with `keys` access keys, a console password and a `team` tag, plus `tags`.
async fn user(c: &Ctx, name: &str, keys: usize, tags: &[(&str, &str)]) -> Vec<String> {
    let iam = &c.world.iam;
    let mut req = iam.create_user().user_name(name).tags(
        aws_sdk_iam::types::Tag::builder()
            .key("team")
            .value("payments")
            .build()
            .unwrap(),
    );
    for (k, v) in tags {
        req = req.tags(
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap(),
        );
    }
    req.send().await.unwrap();
    iam.create_login_profile()
        .user_name(name)
        .password("Correct-Horse-Battery-9")
        .send()
        .await
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..keys {
        let key = iam
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .unwrap();
        out.push(key.access_key().unwrap().access_key_id().to_string());
    }
    out
}

/// What the playbook may change on a user, read live.
#[derive(Debug, PartialEq)]
struct UserState {
    keys: BTreeMap<String, String>,
    policies: Vec<String>,
    login: bool,
    tags: BTreeMap<String, String>,
}

async fn observe_user(c: &Ctx, name: &str) -> UserState {
    let iam = &c.world.iam;
    let keys = iam
        .list_access_keys()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .access_key_metadata()
        .iter()
        .map(|k| {
            (
                k.access_key_id().unwrap().to_string(),
                k.status().unwrap().as_str().to_string(),
            )
        })
        .collect();
    let policies = iam
        .list_user_policies()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .policy_names()
        .to_vec();
    let login = iam.get_login_profile().user_name(name).send().await.is_ok();
    let tags = iam
        .list_user_tags()
        .user_name(name)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    UserState {
        keys,
        policies,
        login,
        tags,
    }
}

/// A role's inline policies and tags.
async fn observe_role(c: &Ctx, name: &str) -> (Vec<String>, BTreeMap<String, String>) {
    let iam = &c.world.iam;
    let policies = iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .policy_names()
        .to_vec();
    let tags = iam
        .list_role_tags()
        .role_name(name)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    (policies, tags)
}

/// The anomalous-behavior finding (severity 5) about `user`'s access key `key`, fresh ids.
fn key_finding(user: &str, key: &str) -> Value {
    let text = fresh_sample("guardduty-iam-anomalous-behavior")
        .to_string()
        .replace("AKIA4Q2ZKXW7LQ6MDV3A", key)
        .replace("ci-deployer", user);
    serde_json::from_str(&text).unwrap()
}

/// Emits `event` as GuardDuty would and waits for the stack's execution to end.
async fn run(c: &Ctx, event: &Value) -> (String, ExecutionStatus, Value) {
    c.world.emit(event);
    let arn = c
        .world
        .execution_for(&c.main, event["id"].as_str().unwrap())
        .await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(240)).await;
    (arn, status, out)
}

fn result_for<'a>(out: &'a Value, principal: &str) -> &'a Value {
    out["results"]["principals"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["principal"] == principal))
        .unwrap_or_else(|| panic!("no result for {principal} in {out}"))
}

fn irctl_ok(c: &Ctx, args: &[&str]) -> String {
    let mut all = vec!["--stack-prefix", c.main.prefix.as_str()];
    all.extend(args);
    let out = c.world.irctl(&all);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "irctl {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

// --- scenarios ---------------------------------------------------------------------------

async fn a_leaked_access_key_is_deactivated_and_release_restores_the_user(c: Arc<Ctx>) {
    let keys = user(&c, "ci-deployer", 2, &[]).await;
    let before = observe_user(&c, "ci-deployer").await;
    assert!(before.keys.values().all(|s| s == "Active"), "{before:?}");

    let (_, status, out) = run(&c, &key_finding("ci-deployer", &keys[0])).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    let r = result_for(&out, &format!("key/{}", keys[0]));
    assert_eq!(r["status"], "contained", "{out}");
    assert_eq!(out["results"]["record"]["status"], "cut off", "{out}");

    // Exactly that key, the user denied everything and tagged; the console password kept
    // (RemoveConsoleLogin is off by default).
    let after = observe_user(&c, "ci-deployer").await;
    assert_eq!(after.keys[&keys[0]], "Inactive");
    assert_eq!(after.keys[&keys[1]], "Active", "the other key is untouched");
    assert_eq!(after.policies, vec![format!("aws-ir-deny-{case}")]);
    assert!(after.login);
    assert_eq!(after.tags.get("aws-ir:case"), Some(&case));
    assert_eq!(after.tags["team"], "payments");

    // The notification names the principal, where the key was used from, and the release.
    let note = c
        .world
        .notifications(&c.main, &case, Duration::from_secs(30))
        .await
        .into_iter()
        .filter_map(|m| m["Message"].as_str().map(String::from))
        .find(|m| m.contains("release with"))
        .expect("a notification for the case");
    for needle in [
        keys[0].as_str(),
        "102.129.143.61",
        "used the credentials, US",
        "AS36352",
        "iam:UpdateAccessKey",
        "irctl start credentials-release",
    ] {
        assert!(note.contains(needle), "{needle} missing from\n{note}");
    }

    let release = r["release"].as_str().unwrap();
    assert!(
        release.contains(&format!("--access-key {}", keys[0])),
        "{release}"
    );
    let stdout = irctl_ok(
        &c,
        &[
            "start",
            "credentials-release",
            "--case",
            &case,
            "--access-key",
            &keys[0],
            "--reason",
            "drill",
            "--watch",
            "--timeout",
            "120",
        ],
    );
    assert!(stdout.contains("SUCCEEDED"), "{stdout}");
    assert_eq!(
        observe_user(&c, "ci-deployer").await,
        before,
        "release restores the recorded state: {stdout}"
    );
}

async fn instance_credentials_used_outside_revoke_the_role_sessions(c: Arc<Ctx>) {
    let host = c
        .world
        .fixture(&["web-host", "--name", "orders", "--profile"]);
    let instance = host["instance_id"].as_str().unwrap();
    let peer = c.world.fixture(&[
        "web-host",
        "--name",
        "orders-peer",
        "--profile-of",
        "orders",
    ]);
    let peer = peer["instance_id"].as_str().unwrap();
    let (policies_before, tags_before) = observe_role(&c, "orders-role").await;

    let text = fresh_sample("guardduty-iam-credential-exfiltration-outside")
        .to_string()
        .replace("orders-api-role", "orders-role")
        .replace("i-07182a3b4c5d6e7f8", instance);
    let (_, status, out) = run(&c, &serde_json::from_str(&text).unwrap()).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    assert_eq!(
        result_for(&out, "role/orders-role")["status"],
        "contained",
        "{out}"
    );

    let (policies, tags) = observe_role(&c, "orders-role").await;
    let name = format!("aws-ir-revoke-{case}");
    assert!(policies.contains(&name), "{policies:?}");
    let doc = c
        .world
        .iam
        .get_role_policy()
        .role_name("orders-role")
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(
        &percent_encoding::percent_decode_str(doc.policy_document()).decode_utf8_lossy(),
    )
    .unwrap();
    assert_eq!(doc["Statement"][0]["Effect"], "Deny");
    assert!(doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string());
    assert_eq!(tags.get("aws-ir:case"), Some(&case));

    // Policy hands the source instance to ec2-compromise, as a request signed by the hand-off
    // task's role: that playbook authenticates it as aws-ir's own and contains the instance.
    let ec2 = c
        .world
        .sfn
        .describe_state_machine()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:e2e-ec2-compromise")
        .send()
        .await
        .expect("ec2-compromise is named after its stack");
    let handoff = format!(
        "{}:handoff-{case}-{instance}",
        ec2.state_machine_arn()
            .replace(":stateMachine:", ":execution:")
    );
    let (status, contained) = c.world.wait(&handoff, Duration::from_secs(240)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{contained}");
    assert_eq!(contained["case"]["authority"], "aws-ir", "{contained}");
    assert_eq!(
        contained["case"]["actor"]["principal_type"], "aws-ir",
        "{contained}"
    );
    assert_eq!(
        contained["results"]["instances"][0]["status"], "contained",
        "{contained}"
    );
    assert!(
        result_for(&out, "role/orders-role")["detail"]
            .as_str()
            .unwrap()
            .contains("handed to ec2-compromise"),
        "{out}"
    );

    // The record says who else loses sessions, and offers the EC2 playbook for the source.
    let actions = out["results"]["record"]["actions"].to_string();
    assert!(
        actions.contains(peer),
        "the sharing instance is reported: {actions}"
    );
    assert!(
        actions.contains(&format!("irctl start ec2-compromise --instance {instance}")),
        "{actions}"
    );

    irctl_ok(
        &c,
        &[
            "start",
            "credentials-release",
            "--case",
            &case,
            "--principal",
            "arn:aws:iam::123456789012:role/orders-role",
            "--reason",
            "drill",
            "--watch",
            "--timeout",
            "120",
        ],
    );
    assert_eq!(
        observe_role(&c, "orders-role").await,
        (policies_before, tags_before)
    );
}

async fn a_resent_finding_changes_nothing(c: Arc<Ctx>) {
    let keys = user(&c, "resent", 1, &[]).await;
    let first = key_finding("resent", &keys[0]);
    let (_, status, out) = run(&c, &first).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let state = observe_user(&c, "resent").await;
    // GuardDuty re-sends the same finding id as a new event.
    let mut again = first.clone();
    again["id"] = Value::String(uuid_like());
    let (_, status, out) = run(&c, &again).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = result_for(&out, &format!("key/{}", keys[0]));
    assert_eq!(r["status"], "skipped", "{out}");
    assert!(
        r["detail"].as_str().unwrap().contains("already handled"),
        "{r}"
    );
    assert_eq!(observe_user(&c, "resent").await, state);
}

fn uuid_like() -> String {
    fresh_sample("guardduty-iam-anomalous-behavior")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_break_glass_user_is_left_alone_with_a_record(c: Arc<Ctx>) {
    let keys = user(&c, "break-glass", 1, &[("aws-ir:exclude", "break-glass")]).await;
    let before = observe_user(&c, "break-glass").await;
    let (_, status, out) = run(&c, &key_finding("break-glass", &keys[0])).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = result_for(&out, &format!("key/{}", keys[0]));
    assert_eq!(r["status"], "skipped");
    assert!(
        r["detail"].as_str().unwrap().contains("exclusion tag"),
        "{r}"
    );
    assert!(
        out["results"]["record"]["summary"]
            .to_string()
            .contains("break-glass"),
        "{out}"
    );
    assert_eq!(observe_user(&c, "break-glass").await, before);
}

async fn the_playbooks_own_roles_cannot_be_targeted(c: Arc<Ctx>) {
    // A task role of the deployed stack (tagged aws-ir:playbook).
    let roles = c.world.roles().await;
    let own = roles
        .iter()
        .find(|r| r.role_name().contains("RevokeRoleSessions"))
        .expect("the stack's revoke-role-sessions role")
        .clone();
    let before = observe_role(&c, own.role_name()).await;
    let stdout = irctl_ok(
        &c,
        &[
            "start",
            "credentials-compromise",
            "--principal",
            own.arn(),
            "--reason",
            "an attacker would try this",
            "--watch",
            "--timeout",
            "120",
        ],
    );
    assert!(stdout.contains("aws-ir's own"), "{stdout}");
    assert_eq!(observe_role(&c, own.role_name()).await, before);
}

async fn root_credential_usage_is_reported_not_cut(c: Arc<Ctx>) {
    let event = fresh_sample("guardduty-iam-root-credential-usage");
    // Severity 2 is below the stack's threshold: root is still never cut, only reported.
    let (_, status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let r = result_for(&out, "root");
    assert_eq!(r["status"], "skipped");
    assert!(r["detail"].as_str().unwrap().contains("notify only"), "{r}");
}

async fn a_protected_user_is_cut_off_once_approved(c: Arc<Ctx>) {
    let keys = user(&c, "protected", 1, &[("aws-ir:protected", "true")]).await;
    let event = key_finding("protected", &keys[0]);
    c.world.emit(&event);
    let arn = c
        .world
        .execution_for(&c.main, event["id"].as_str().unwrap())
        .await;
    c.world.wait_for_token(&arn).await;
    assert_eq!(observe_user(&c, "protected").await.keys[&keys[0]], "Active");
    let principal = format!("key/{}", keys[0]);
    let asked = c
        .world
        .notifications(
            &c.main,
            &format!("--principal {principal}"),
            Duration::from_secs(30),
        )
        .await;
    let case = asked
        .iter()
        .filter_map(|m| m["Message"].as_str())
        .find(|m| m.contains(&principal))
        .and_then(|m| m.split_whitespace().nth(1).map(String::from))
        .expect("an approval request names the case");
    irctl_ok(&c, &["approve", &case, "--principal", &principal]);
    let (status, out) = c.world.wait(&arn, Duration::from_secs(120)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(result_for(&out, &principal)["status"], "contained", "{out}");
    assert_eq!(
        observe_user(&c, "protected").await.keys[&keys[0]],
        "Inactive"
    );
}

async fn a_dry_run_plans_and_changes_nothing(c: Arc<Ctx>) {
    let keys = user(&c, "dry-run", 1, &[]).await;
    let before = observe_user(&c, "dry-run").await;
    let stdout = irctl_ok(
        &c,
        &[
            "start",
            "credentials-compromise",
            "--access-key",
            &keys[0],
            "--reason",
            "what would happen?",
            "--dry-run",
            "--watch",
            "--timeout",
            "120",
        ],
    );
    assert!(
        stdout.contains("iam:UpdateAccessKey"),
        "the plan lists the calls: {stdout}"
    );
    assert!(stdout.contains("planned"), "{stdout}");
    assert_eq!(observe_user(&c, "dry-run").await, before);
}

async fn an_unknown_access_key_is_recorded_as_not_found(c: Arc<Ctx>) {
    let stdout = irctl_ok(
        &c,
        &[
            "start",
            "credentials-compromise",
            "--access-key",
            "AKIAIOSFODNN7NOSUCH1",
            "--reason",
            "a key from a paste site",
            "--watch",
            "--timeout",
            "120",
        ],
    );
    assert!(stdout.contains("not found"), "{stdout}");
}

async fn malformed_requests_end_in_invalid_event(c: Arc<Ctx>) {
    let mut args = vec!["--stack-prefix", c.main.prefix.as_str()];
    args.extend([
        "start",
        "credentials-compromise",
        "--access-key",
        "not-a-key",
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
    assert!(stdout.contains("not an AWS access key id"), "{stdout}");

    // A GuardDuty IAM finding without its resource (the rule matches type and severity only).
    let mut event = fresh_sample("guardduty-iam-anomalous-behavior");
    event["detail"].as_object_mut().unwrap().remove("resource");
    let (_, status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Failed, "{out}");
    assert_eq!(out["error"], "IR.InvalidEvent", "{out}");
}

async fn the_contain_credentials_action_cuts_the_selected_key(c: Arc<Ctx>) {
    let keys = user(&c, "reporting-export", 1, &[]).await;
    let text = fresh_sample("securityhub-custom-action-contain-credentials")
        .to_string()
        .replace("AKIA4Q2ZKXW7RPTB2WQY", &keys[0]);
    let mut action: Value = serde_json::from_str(&text).unwrap();
    action["resources"] = serde_json::json!([c.main.outputs["CustomActionCutCredsArn"]]);
    let (_, status, out) = run(&c, &action).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        result_for(&out, &format!("key/{}", keys[0]))["status"],
        "contained",
        "{out}"
    );
    assert_eq!(
        observe_user(&c, "reporting-export").await.keys[&keys[0]],
        "Inactive"
    );
}

async fn a_console_password_is_removed_by_policy_and_release_says_how_to_reset_it(c: Arc<Ctx>) {
    let keys = user(&c, "console-user", 1, &[]).await;
    let before = observe_user(&c, "console-user").await;
    assert!(before.login);
    let run = |args: Vec<&str>| {
        let mut all = vec!["--stack-prefix", c.strict.prefix.as_str()];
        all.extend(args);
        let out = c.world.irctl(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{stdout}");
        stdout
    };
    let stdout = run(vec![
        "start",
        "credentials-compromise",
        "--access-key",
        &keys[0],
        "--reason",
        "key in a public repository",
        "--direct",
        "--watch",
        "--timeout",
        "120",
    ]);
    assert!(stdout.contains("iam:DeleteLoginProfile"), "{stdout}");
    let case = stdout
        .split_whitespace()
        .find(|w| w.starts_with("case-"))
        .expect("the case id is shown")
        .trim_end_matches([',', ':', ')'])
        .to_string();
    let cut = observe_user(&c, "console-user").await;
    assert_eq!(cut.keys[&keys[0]], "Inactive");
    assert!(!cut.login, "the console password is removed");
    assert!(
        cut.policies.is_empty(),
        "UserDenyAll=false: no deny-all policy"
    );

    let stdout = run(vec![
        "start",
        "credentials-release",
        "--case",
        &case,
        "--access-key",
        &keys[0],
        "--reason",
        "rotated",
        "--direct",
        "--watch",
        "--timeout",
        "120",
    ]);
    let arn = stdout
        .lines()
        .find_map(|l| l.strip_prefix("started "))
        .expect("the release execution is shown");
    let (_, out) = c.world.wait(arn, Duration::from_secs(30)).await;
    let notes = out["results"]["release"][0]["notes"].to_string();
    assert!(notes.contains("create-login-profile"), "{notes}");
    let after = observe_user(&c, "console-user").await;
    assert_eq!(after.keys, before.keys);
    assert_eq!(after.tags, before.tags);
    assert!(!after.login, "a removed password cannot be restored");
}

async fn an_imported_security_hub_finding_on_a_user_restricts_it(c: Arc<Ctx>) {
    user(&c, "sh-imported-user", 1, &[]).await;
    let mut event = fresh_sample("securityhub-finding-imported-ec2");
    let finding = &mut event["detail"]["findings"][0];
    finding["Id"] = Value::String(format!("sh-imported-user-{}", uuid_like()));
    finding["Resources"] = serde_json::json!([{
        "Type": "AwsIamUser",
        "Id": "arn:aws:iam::123456789012:user/sh-imported-user",
        "Partition": "aws",
        "Region": "us-east-1",
    }]);
    // An AWS product's finding (IAM Access Analyzer's): AWS vouches for who produced it. A
    // finding of the account's own integration would wait for a responder (the trust suite).
    finding["ProductArn"] =
        Value::String("arn:aws:securityhub:us-east-1::product/aws/access-analyzer".into());
    let (_, status, out) = run(&c, &event).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        result_for(&out, "user/sh-imported-user")["status"],
        "contained",
        "{out}"
    );
    let case = out["case"]["case_id"].as_str().unwrap();
    assert_eq!(
        observe_user(&c, "sh-imported-user").await.policies,
        vec![format!("aws-ir-deny-{case}")]
    );
}

// --- organization (#20) --------------------------------------------------------------------

/// A member account of the organization: the generated member-roles stack deployed there.
const MEMBER: &str = "222233334444";
/// An account of the organization where nobody deployed the member stacks.
const UNREACHABLE_MEMBER: &str = "333344445555";

/// `key_finding` about a user of `account` (GuardDuty's delegated administrator receives the
/// members' findings on its own bus; `detail.accountId` says whose it is).
fn member_key_finding(account: &str, user: &str, key: &str) -> Value {
    let mut finding = key_finding(user, key);
    finding["detail"]["accountId"] = Value::from(account);
    finding
}

fn member_user_keys(c: &Ctx, account: &str, name: &str) -> Vec<String> {
    c.world.fixture(&["member-user", account, name])["AccessKeyIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect()
}

/// The finding reaches the security account's playbook; the key is cut off in the member, by
/// the member's aws-ir role of each step's name, in a session named after the case and the
/// step, as the member's own call log (CloudTrail's `userIdentity`) shows; nothing of it is in
/// the security account.
async fn a_leaked_key_in_a_member_account_is_cut_off_there(c: Arc<Ctx>) {
    c.world.fixture(&["member-account", MEMBER]);
    let keys = member_user_keys(&c, MEMBER, "member-deployer");
    c.world.fixture(&["call-log", "start"]);
    let (_, status, out) = run(&c, &member_key_finding(MEMBER, "member-deployer", &keys[0])).await;
    let log = c.world.fixture(&["call-log", "read"]);
    c.world.fixture(&["call-log", "stop"]);
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    let case = out["case"]["case_id"].as_str().unwrap().to_string();
    assert_eq!(out["case"]["account"], MEMBER, "{out}");
    let r = result_for(&out, &format!("key/{}", keys[0]));
    assert_eq!(r["status"], "contained", "{out}");

    let member = c
        .world
        .fixture(&["member-user-state", MEMBER, "member-deployer"]);
    assert_eq!(member["Keys"][&keys[0]], "Inactive", "{member}");
    assert_eq!(member["Keys"][&keys[1]], "Active", "{member}");
    assert_eq!(
        member["Policies"],
        serde_json::json!([format!("aws-ir-deny-{case}")])
    );
    assert_eq!(member["Tags"]["aws-ir:case"], case.as_str());
    // The security account has no such user: nothing was done at home.
    assert!(c
        .world
        .iam
        .get_user()
        .user_name("member-deployer")
        .send()
        .await
        .is_err());

    // Every IAM write in the member was made by the step's own member role, in a session named
    // after the case and the step.
    let writes: Vec<&Value> = log["Calls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|call| call["account"] == MEMBER && call["service"] == "iam")
        .filter(|call| {
            ["UpdateAccessKey", "PutUserPolicy", "TagUser"]
                .contains(&call["action"].as_str().unwrap())
        })
        .collect();
    assert!(writes.len() >= 3, "{log}");
    for call in writes {
        let caller = call["caller"].as_str().unwrap_or_default();
        let (role, session) = caller
            .strip_prefix(&format!("arn:aws:sts::{MEMBER}:assumed-role/aws-ir-"))
            .and_then(|rest| rest.split_once('/'))
            .unwrap_or_else(|| panic!("not a member role session: {call}"));
        assert_eq!(session, format!("{case}-{role}"), "{call}");
        assert!(
            ["deactivate-access-key", "restrict-user"].contains(&role),
            "{call}"
        );
    }
}

/// A case in an account of the organization without aws-ir's member roles ends in a named
/// `IR.AccessDenied` that says what to do, reported in the notification; nothing is changed
/// there.
async fn a_member_without_aws_irs_roles_is_a_named_notified_failure(c: Arc<Ctx>) {
    let keys = member_user_keys(&c, UNREACHABLE_MEMBER, "orphan-deployer");
    let (_, _, out) = run(
        &c,
        &member_key_finding(UNREACHABLE_MEMBER, "orphan-deployer", &keys[0]),
    )
    .await;
    let case = out["case"]["case_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let text = out.to_string();
    assert!(text.contains("IR.AccessDenied"), "{out}");
    assert!(text.contains(UNREACHABLE_MEMBER), "{out}");
    assert!(text.contains("member-roles"), "{out}");
    let member = c
        .world
        .fixture(&["member-user-state", UNREACHABLE_MEMBER, "orphan-deployer"]);
    assert!(
        member["Keys"]
            .as_object()
            .unwrap()
            .values()
            .all(|s| s == "Active"),
        "{member}"
    );
    assert_eq!(member["Policies"], serde_json::json!([]));
    let notes = c
        .world
        .notifications(&c.main, &case, Duration::from_secs(30))
        .await
        .into_iter()
        .filter_map(|m| m["Message"].as_str().map(String::from))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        notes.contains("IR.AccessDenied") || notes.contains("not reachable"),
        "{notes}"
    );
}
