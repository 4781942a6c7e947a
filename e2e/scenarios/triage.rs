//! The triage playbook, deployed from `cloudformation/triage.json` with `irctl deploy` into the
//! emulated AWS, driven through EventBridge and `irctl` as a responder would.

use aws_sdk_sfn::types::ExecutionStatus;
use e2e::{fresh_sample, scenarios, Stack, World};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

struct Ctx {
    world: World,
    /// Deployed with the defaults.
    triage: Stack,
    /// Deployed with a 3-second acknowledgement window.
    fast: Stack,
}

fn main() -> std::process::ExitCode {
    let list = scenarios![Ctx;
        deployed_definition_is_the_generated_one,
        redeploying_unchanged_templates_changes_nothing,
        a_guardduty_finding_is_triaged_and_notified,
        events_outside_the_patterns_start_nothing,
        a_malformed_manual_request_is_rejected_and_reported,
        a_non_event_started_directly_is_rejected,
        a_serious_case_waits_for_a_responder_and_is_taken,
        a_dismissed_case_records_the_reason,
        an_unanswered_case_is_escalated,
        watch_and_render_show_the_path_taken,
        irctl_reaches_aws_through_the_proxy_the_environment_names,
    ];
    e2e::run_suite(list, |rt| {
        let world = World::start();
        let (triage, fast) = rt.block_on(async {
            let triage = world.deploy("e2e", "triage", &[]).await;
            let fast = world
                .deploy("e2e-fast", "triage", &["AcknowledgeWithinSeconds=3"])
                .await;
            (triage, fast)
        });
        Ctx {
            world,
            triage,
            fast,
        }
    })
}

async fn deployed_definition_is_the_generated_one(c: Arc<Ctx>) {
    let deployed = c
        .world
        .sfn
        .describe_state_machine()
        .state_machine_arn(c.triage.state_machine())
        .send()
        .await
        .unwrap();
    let deployed: Value = serde_json::from_str(deployed.definition()).unwrap();
    let mut generated =
        std::fs::read_to_string(c.world.root.join("statemachines/triage.asl.json")).unwrap();
    // The only difference may be the substitutions CloudFormation applied.
    for (var, value) in [
        (
            "${NotificationTopicArn}",
            c.triage.outputs["NotificationTopicArn"].as_str(),
        ),
        ("${DryRun}", "false"),
        ("${AcknowledgeWithinSeconds}", "3600"),
        ("${ChatWebhookParameter}", ""),
        ("${TrustedProducts}", ""),
        ("${ExcludedAccounts}", ""),
        ("${ExcludedOrganizationalUnits}", ""),
    ] {
        generated = generated.replace(var, value);
    }
    generated = generated.replace("${ResponderPrincipals}", &c.world.responder_principals());
    let generated: Value = serde_json::from_str(&generated).unwrap();
    let mut deployed_text = deployed.to_string();
    for task in [
        "Normalize",
        "Notify",
        "AuthenticateRequest",
        "AuthenticateAnswer",
        "ScreenAccount",
    ] {
        let arn = deployed["States"][task]["Parameters"]["FunctionName"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            arn.starts_with("arn:aws:lambda:us-east-1:123456789012:function:"),
            "{arn}"
        );
        deployed_text = deployed_text.replace(&arn, &format!("${{{task}FunctionArn}}"));
    }
    assert_eq!(
        serde_json::from_str::<Value>(&deployed_text).unwrap(),
        generated
    );
}

async fn redeploying_unchanged_templates_changes_nothing(c: Arc<Ctx>) {
    let bin = c.world.bin.to_string_lossy().to_string();
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "deploy",
        "triage",
        "--artifact-bucket",
        "e2e-artifacts",
        "--lambda-dir",
        &bin,
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("(already there)"), "{stdout}");
    assert!(
        stdout.contains("e2e-triage: up to date") || stdout.contains("UPDATE_COMPLETE"),
        "{stdout}"
    );
}

async fn a_guardduty_finding_is_triaged_and_notified(c: Arc<Ctx>) {
    // MEDIUM: triaged and notified, no responder needed.
    let event = fresh_sample("guardduty-ec2-malicious-ip-caller");
    c.world.emit(&event);
    let arn = c
        .world
        .execution_for(&c.triage, event["id"].as_str().unwrap())
        .await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(60)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out["case"]["kind"], "Instance");
    assert_eq!(out["case"]["finding_id"], event["detail"]["id"]);
    assert_eq!(
        out["results"]["assessment"]["suggested_playbook"],
        "ec2-compromise"
    );
    let case_id = out["case"]["case_id"].as_str().unwrap();
    let title = format!(
        "[aws-ir] MEDIUM Instance: {}",
        event["detail"]["title"].as_str().unwrap()
    );
    // SNS subjects stay under 100 characters: longer titles are cut with an ellipsis.
    let subject = if title.len() > 99 {
        format!("{}...", &title[..96])
    } else {
        title
    };
    assert_eq!(out["results"]["notify"]["subject"], subject.as_str());
    // Really delivered: the subscribed queue got it, with the case in the message.
    let got = c
        .world
        .notifications(&c.triage, case_id, Duration::from_secs(20))
        .await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0]["Subject"]
        .as_str()
        .unwrap()
        .starts_with("[aws-ir] MEDIUM Instance"));
    let message = got[0]["Message"].as_str().unwrap();
    assert!(
        message.contains("i-0b2c3d4e5f6071829") || message.contains("Instance"),
        "{message}"
    );
    assert!(
        message.contains("198.51.100") || message.contains("Remote"),
        "{message}"
    );
    assert_eq!(got[0]["MessageAttributes"]["case_id"]["Value"], case_id);
}

async fn events_outside_the_patterns_start_nothing(c: Arc<Ctx>) {
    // Severity 2 is below the rule's threshold; an EC2 state change is not a finding.
    let low = fresh_sample("guardduty-ec2-low-severity");
    let foreign = fresh_sample("foreign-ec2-state-change");
    c.world.emit(&low);
    c.world.emit(&foreign);
    // A matching event emitted after them is delivered; by then the others would have been.
    let marker = fresh_sample("guardduty-ec2-portscan");
    c.world.emit(&marker);
    c.world
        .execution_for(&c.triage, marker["id"].as_str().unwrap())
        .await;
    assert!(c
        .world
        .executions_for(&c.triage, low["id"].as_str().unwrap())
        .await
        .is_empty());
    assert!(c
        .world
        .executions_for(&c.triage, foreign["id"].as_str().unwrap())
        .await
        .is_empty());
}

async fn a_malformed_manual_request_is_rejected_and_reported(c: Arc<Ctx>) {
    // Started directly (no rule on any bus takes manual requests); Normalize rejects the
    // instance id before anything else, and says so.
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "start",
        "triage",
        "--instance",
        "web-1",
        "--reason",
        "EDR alert",
        "--watch",
        "--timeout",
        "60",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAILED (IR.InvalidEvent)"), "{stdout}");
    assert!(
        stdout.contains("Normalize failed with IR.InvalidEvent; the playbook caught it"),
        "{stdout}"
    );
    let got = c
        .world
        .notifications(
            &c.triage,
            "`web-1` is not an EC2 instance id",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(got.len(), 1, "the rejection must be notified");
    assert_eq!(
        got[0]["Subject"],
        "aws-ir triage: event rejected (IR.InvalidEvent)"
    );
}

async fn a_non_event_started_directly_is_rejected(c: Arc<Ctx>) {
    let file = c
        .world
        .root
        .join("tasks/contract/samples/invalid-not-json-object.json");
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "start",
        "triage",
        "--file",
        file.to_str().unwrap(),
        "--watch",
        "--timeout",
        "60",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAILED (IR.InvalidEvent)"), "{stdout}");
    let got = c
        .world
        .notifications(
            &c.triage,
            "is a JSON array, not an EventBridge event object",
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(got.len(), 1);
}

/// Emits a HIGH finding and returns (execution, case id) once it waits for a responder.
async fn serious_case(c: &Ctx, stack: &Stack) -> (String, String, Value) {
    let event = fresh_sample("guardduty-ec2-backdoor-c2");
    c.world.emit(&event);
    let arn = c
        .world
        .execution_for(stack, event["id"].as_str().unwrap())
        .await;
    c.world.wait_for_token(&arn).await;
    let history = c
        .world
        .sfn
        .get_execution_history()
        .execution_arn(&arn)
        .max_results(1000)
        .send()
        .await
        .unwrap();
    let case_id = history
        .events()
        .iter()
        .find_map(|e| {
            e.state_exited_event_details()
                .filter(|d| d.name() == "Normalize")
                .and_then(|d| d.output())
        })
        .map(|o| {
            serde_json::from_str::<Value>(o).unwrap()["case"]["case_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .expect("Normalize ran");
    (arn, case_id, event)
}

async fn a_serious_case_waits_for_a_responder_and_is_taken(c: Arc<Ctx>) {
    let (arn, case_id, _) = serious_case(&c, &c.triage).await;
    let asked = c
        .world
        .notifications(
            &c.triage,
            &format!("irctl approve {case_id}"),
            Duration::from_secs(20),
        )
        .await;
    assert!(!asked.is_empty(), "the responder request must be notified");
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "approve",
        &case_id,
        "--reason",
        "on it",
    ]);
    assert!(out.status.success());
    let (status, out) = c.world.wait(&arn, Duration::from_secs(30)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        out["results"]["acknowledgement"],
        json!({"disposition": "acknowledged"})
    );
    // Who answered is what STS says signed the answer, not a name the answer gives.
    assert_eq!(
        out["results"]["approval"],
        json!({"decision": "approve", "by": c.world.responders[0].arn, "reason": "on it"})
    );
    // Approving twice finds nothing left to answer.
    let again = c
        .world
        .irctl(&["--stack-prefix", "e2e", "approve", &case_id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr)
        .contains("no running execution waits for a responder"));
}

async fn a_dismissed_case_records_the_reason(c: Arc<Ctx>) {
    let (arn, case_id, _) = serious_case(&c, &c.triage).await;
    let no_reason = c
        .world
        .irctl(&["--stack-prefix", "e2e", "reject", &case_id]);
    assert_eq!(
        no_reason.status.code(),
        Some(1),
        "a rejection needs a reason"
    );
    let out = c.world.irctl_as(
        &c.world.responders[1],
        &[
            "--stack-prefix",
            "e2e",
            "reject",
            &case_id,
            "--reason",
            "pen test in progress",
        ],
    );
    assert!(out.status.success());
    let (status, out) = c.world.wait(&arn, Duration::from_secs(30)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        out["results"]["acknowledgement"]["disposition"],
        "dismissed"
    );
    assert_eq!(
        out["results"]["approval"],
        json!({"decision": "reject", "by": c.world.responders[1].arn, "reason": "pen test in progress"})
    );
}

async fn an_unanswered_case_is_escalated(c: Arc<Ctx>) {
    let (arn, case_id, _) = serious_case(&c, &c.fast).await;
    let (status, out) = c.world.wait(&arn, Duration::from_secs(60)).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(
        out["results"]["acknowledgement"]["disposition"],
        "unacknowledged"
    );
    let got = c
        .world
        .notifications(
            &c.fast,
            &format!("Nobody acknowledged case {case_id} within 3 seconds"),
            Duration::from_secs(20),
        )
        .await;
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]["Subject"],
        "aws-ir triage: ESCALATION - case not acknowledged"
    );
}

async fn watch_and_render_show_the_path_taken(c: Arc<Ctx>) {
    let event = fresh_sample("guardduty-ec2-portscan");
    c.world.emit(&event);
    let arn = c
        .world
        .execution_for(&c.triage, event["id"].as_str().unwrap())
        .await;
    let out = c
        .world
        .irctl(&["--stack-prefix", "e2e", "watch", &arn, "--timeout", "60"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    for line in [
        "→ Normalize",
        "✓ Normalize",
        "→ RouteByKind",
        "→ AssessInstance",
        "✓ Notify",
        "SUCCEEDED in",
        "what the playbook did:",
        "assessment",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
    let html = std::env::temp_dir().join(format!("render-{}.html", std::process::id()));
    let out = c.world.irctl(&[
        "--stack-prefix",
        "e2e",
        "render",
        "--playbook",
        "triage",
        "--execution",
        &arn,
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let page = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_file(&html).unwrap();
    assert!(
        page.contains("Execution: <strong>succeeded</strong>"),
        "{page}"
    );
    let fill = |state: &str| {
        let at = page
            .find(&format!("data-state=\"{state}\""))
            .unwrap_or_else(|| panic!("{state} not drawn"));
        let rest = &page[at..];
        let f = rest.find("fill=\"").unwrap() + 6;
        rest[f..f + 7].to_string()
    };
    assert_eq!(fill("Normalize"), "#e6f4ea", "visited and succeeded");
    assert_eq!(fill("AssessInstance"), "#e6f4ea");
    assert_eq!(fill("AssessCredentials"), "#f8f9fa", "not visited");
    assert_eq!(fill("EventRejected"), "#f8f9fa");
}

/// A responder on a network whose only way out is a proxy: `irctl` sends its calls through
/// `HTTPS_PROXY`/`HTTP_PROXY` as the AWS CLI does. The endpoint here is a name nothing resolves,
/// so only the proxy (the emulator's own server, as for S3 Control) can reach it; a proxy that
/// is down makes the same command fail, saying so.
async fn irctl_reaches_aws_through_the_proxy_the_environment_names(c: Arc<Ctx>) {
    let endpoint = c.world.endpoint().to_string();
    let port = endpoint.rsplit(':').next().unwrap().to_string();
    let unresolvable = format!("http://aws.emulator.invalid:{port}");
    let args = [
        "--stack-prefix",
        "e2e",
        "start",
        "triage",
        "--instance",
        "i-0abc1234def567890",
        "--reason",
        "through the proxy",
        "--direct",
    ];
    let through = c.world.irctl_with(
        &args,
        &[
            ("AWS_ENDPOINT_URL", &unresolvable),
            ("HTTP_PROXY", &endpoint),
            ("NO_PROXY", ""),
        ],
    );
    let stdout = String::from_utf8_lossy(&through.stdout);
    assert!(through.status.success(), "{stdout}");
    assert!(stdout.contains("started "), "{stdout}");

    let down = c.world.irctl_with(
        &args,
        &[
            ("AWS_ENDPOINT_URL", &unresolvable),
            ("HTTP_PROXY", "http://127.0.0.1:9"),
            ("NO_PROXY", ""),
        ],
    );
    assert!(!down.status.success(), "no proxy, yet it started");
    let said = String::from_utf8_lossy(&down.stderr);
    assert!(said.contains("AWS could not be reached"), "{said}");
    assert!(said.contains("HTTPS_PROXY"), "{said}");
}
