//! One test per validation rule, each showing the rule firing on a broken machine, plus a machine
//! that uses every state type and passes.

use super::*;
use contract::tasks::{Normalize, Notify};
use contract::ErrorName;
use serde_json::json;

fn rules(m: &StateMachine) -> Vec<(Rule, Option<String>)> {
    match m.validate() {
        Ok(()) => Vec::new(),
        Err(errors) => errors.into_iter().map(|e| (e.rule, e.state)).collect(),
    }
}

fn fires(m: &StateMachine, rule: Rule, state: &str) {
    let errs = m.validate().expect_err("machine should be rejected");
    assert!(
        errs.iter()
            .any(|e| e.rule == rule && e.state.as_deref() == Some(state)),
        "expected {rule:?} on `{state}`, got {errs:#?}"
    );
    // Every message names the playbook and the state.
    for e in &errs {
        let text = e.to_string();
        assert!(text.starts_with("playbook `test`"), "{text}");
    }
}

fn every_state_type() -> StateMachine {
    let notify = Task::invoke::<Notify>("Notify")
        .comment("Tell the responders.")
        .with_path("case", "$.case")
        .with("topic_arn", json!("${NotificationTopicArn}"))
        .with("outcome", json!("Triaged"))
        .with_path("results", "$.results")
        .catch(
            [STATES_ALL],
            "$.error",
            Fail::new("NotifyFailed")
                .error("IR.NotifyFailed")
                .cause("notify failed"),
        );
    let per_item = Pass::new("Item").parameters(json!({"id.$": "$.instance_id"}));
    let chain = Task::invoke::<Normalize>("Normalize")
        .with_path("event", "$")
        .with("dry_run", json!("${DryRun}"))
        .result_path("$")
        .select_literal("results", json!({}))
        .catch(
            [ErrorName::InvalidEvent.as_str()],
            "$.error",
            Task::sns_publish("ReportInvalid")
                .parameters(
                    json!({"Message.$": "States.Format('Invalid event: {}', $.error.Cause)"}),
                )
                .discard_result()
                .next(
                    Fail::new("InvalidEvent")
                        .error("IR.InvalidEvent")
                        .cause_path("$.error.Cause"),
                ),
        )
        .next(
            Choice::new("Route")
                .when(
                    Condition::string_equals("$.case.kind", "Instance"),
                    Wait::new("Settle", WaitFor::Seconds(1)),
                )
                .otherwise(Pass::new("Nothing")),
        )
        .next(
            Parallel::new("Both")
                .branch(Pass::new("Left"))
                .branch(
                    MapState::new("Each")
                        .items_path("$.case.instances")
                        .max_concurrency(5)
                        .item_selector(json!({"instance_id.$": "$$.Map.Item.Value.instance_id"}))
                        .item_processor(per_item),
                )
                .result_path("$.results.both")
                .retry(
                    Retrier::on(["States.TaskFailed"])
                        .interval(1)
                        .max_attempts(2)
                        .backoff(2.0),
                )
                .catch([STATES_ALL], "$.error", Chain::goto("NotifyFailed")),
        )
        .next(notify)
        .next(Succeed::new("Done"));
    StateMachine::new("test", "every state type", chain)
}

#[test]
fn a_sound_machine_passes() {
    let m = every_state_type();
    assert_eq!(rules(&m), vec![]);
    let v = m.render();
    assert_eq!(
        v["States"]["Normalize"]["Resource"],
        "arn:aws:states:::lambda:invoke"
    );
    assert_eq!(
        v["States"]["Normalize"]["Parameters"],
        json!({"FunctionName": "${NormalizeFunctionArn}", "Payload": {"event.$": "$", "dry_run": "${DryRun}"}})
    );
    assert_eq!(
        v["States"]["Normalize"]["ResultSelector"],
        json!({"case.$": "$.Payload.case", "request.$": "$.Payload.request", "results": {}})
    );
    assert_eq!(v["States"]["Notify"]["ResultPath"], "$.results.notify");
    assert_eq!(
        v["States"]["ReportInvalid"]["ResultPath"],
        serde_json::Value::Null
    );
    assert_eq!(v["States"]["Done"], json!({"Type": "Succeed"}));
    assert_eq!(v["States"]["Nothing"]["Next"], "Both");
    assert_eq!(
        v["States"]["Both"]["Branches"][0]["States"]["Left"]["End"],
        true
    );
    assert_eq!(
        v["States"]["Both"]["Branches"][1]["States"]["Each"]["ItemProcessor"]["ProcessorConfig"]
            ["Mode"],
        "INLINE"
    );
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(every_state_type().to_json(), every_state_type().to_json());
    assert!(every_state_type().to_json().ends_with("}\n"));
}

#[test]
fn duplicate_names_are_rejected_across_branches() {
    let m = StateMachine::new(
        "test",
        "",
        Pass::new("Same").next(Parallel::new("P").branch(Pass::new("Same"))),
    );
    fires(&m, Rule::DuplicateName, "Same");
}

#[test]
fn dangling_next_is_rejected() {
    let m = StateMachine::new("test", "", Pass::new("A").next(Chain::goto("Nowhere")));
    fires(&m, Rule::DanglingTarget, "A");
}

#[test]
fn dangling_default_and_catch_targets_are_rejected() {
    let m = StateMachine::new(
        "test",
        "",
        Choice::new("C")
            .when(Condition::is_present("$.a", true), Succeed::new("S"))
            .otherwise(Chain::goto("Gone")),
    );
    fires(&m, Rule::DanglingTarget, "C");
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("P")
            .branch(Pass::new("X"))
            .catch([STATES_ALL], "$.e", Chain::goto("Gone")),
    );
    fires(&m, Rule::DanglingTarget, "P");
}

#[test]
fn unreachable_states_are_rejected() {
    let m = StateMachine::new("test", "", Succeed::new("End").next(Pass::new("Orphan")));
    fires(&m, Rule::Unreachable, "Orphan");
}

#[test]
fn loops_without_an_exit_are_rejected() {
    let m = StateMachine::new(
        "test",
        "",
        Pass::new("A")
            .next(Wait::new("B", WaitFor::Seconds(5)))
            .next(Chain::goto("A")),
    );
    fires(&m, Rule::NoPathToEnd, "A");
    fires(&m, Rule::NoPathToEnd, "B");
}

#[test]
fn a_branch_cannot_jump_out_of_its_parallel_or_map() {
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("P")
            .branch(Pass::new("Inner").next(Chain::goto("Outside")))
            .next(Succeed::new("Outside")),
    );
    fires(&m, Rule::EscapesScope, "Inner");
    let m = StateMachine::new(
        "test",
        "",
        MapState::new("M")
            .item_processor(Pass::new("Item").next(Chain::goto("After")))
            .next(Succeed::new("After")),
    );
    fires(&m, Rule::EscapesScope, "Item");
}

#[test]
fn a_choice_needs_rules_and_a_default() {
    let m = StateMachine::new(
        "test",
        "",
        Choice::new("NoDefault").when(Condition::is_present("$.a", true), Succeed::new("S")),
    );
    fires(&m, Rule::ChoiceWithoutWayOut, "NoDefault");
    let m = StateMachine::new(
        "test",
        "",
        Choice::new("NoRules").otherwise(Succeed::new("S")),
    );
    fires(&m, Rule::ChoiceWithoutWayOut, "NoRules");
}

#[test]
fn states_all_must_be_alone_and_last() {
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("NotAlone")
            .branch(Pass::new("X"))
            .retry(Retrier::on([STATES_ALL, "IR.Throttled"])),
    );
    fires(&m, Rule::StatesAllPlacement, "NotAlone");
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("NotLast")
            .branch(Pass::new("X"))
            .catch([STATES_ALL], "$.e", Succeed::new("S1"))
            .catch(["IR.Throttled"], "$.e", Succeed::new("S2")),
    );
    fires(&m, Rule::StatesAllPlacement, "NotLast");
}

#[test]
fn malformed_paths_and_intrinsics_are_rejected() {
    for (state, machine) in [
        ("BadInput", Pass::new("BadInput").input_path("case")),
        ("BadResult", Pass::new("BadResult").result_path("$.a[*]")),
        (
            "BadParam",
            Pass::new("BadParam").parameters(json!({"x.$": "$.a..["})),
        ),
        (
            "BadIntrinsic",
            Pass::new("BadIntrinsic").parameters(json!({"m.$": "States.Format('{} {}', $.a)"})),
        ),
    ] {
        fires(
            &StateMachine::new("test", "", machine),
            Rule::BadPath,
            state,
        );
    }
    let m = StateMachine::new(
        "test",
        "",
        Choice::new("BadVar")
            .when(
                Condition::string_equals("case.kind", "x"),
                Succeed::new("S"),
            )
            .otherwise(Succeed::new("T")),
    );
    fires(&m, Rule::BadPath, "BadVar");
}

#[test]
fn a_dollar_key_needs_a_path_string() {
    let m = StateMachine::new(
        "test",
        "",
        Pass::new("P").parameters(json!({"nested": {"count.$": 3}})),
    );
    fires(&m, Rule::DollarKeyNotPath, "P");
}

#[test]
fn oversized_definitions_are_rejected() {
    let big = "x".repeat(MAX_DEFINITION_BYTES);
    let m = StateMachine::new("test", "", Pass::new("Big").result(json!(big)));
    let errs = m.validate().unwrap_err();
    assert!(
        errs.iter()
            .any(|e| e.rule == Rule::TooLarge && e.state.is_none()),
        "{errs:?}"
    );
}

#[test]
fn task_payload_must_match_its_contract() {
    let m = StateMachine::new(
        "test",
        "",
        Task::invoke::<Notify>("Notify")
            .with_path("case", "$.case")
            .with("topic", json!("typo"))
            .catch([STATES_ALL], "$.e", Succeed::new("S")),
    );
    let errs = m.validate().unwrap_err();
    let text: Vec<String> = errs
        .iter()
        .filter(|e| e.rule == Rule::Contract)
        .map(|e| e.to_string())
        .collect();
    assert!(
        text.iter()
            .any(|t| t.contains("requires input field `topic_arn`")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("no input field `topic`")),
        "{text:?}"
    );
}

#[test]
fn declared_errors_must_be_caught() {
    let m = StateMachine::new(
        "test",
        "",
        Task::invoke::<Normalize>("Normalize")
            .with_path("event", "$")
            .with("dry_run", json!(false)),
    );
    fires(&m, Rule::UnhandledError, "Normalize");
    // A catch on an enclosing Parallel counts.
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("P")
            .branch(
                Task::invoke::<Normalize>("Normalize")
                    .with_path("event", "$")
                    .with("dry_run", json!(false)),
            )
            .catch([STATES_ALL], "$.e", Succeed::new("S")),
    );
    assert_eq!(rules(&m), vec![]);
}

#[test]
fn structural_mistakes_are_rejected() {
    let m = StateMachine::new("test", "", Parallel::new("Empty"));
    fires(&m, Rule::Structure, "Empty");
    let m = StateMachine::new("test", "", MapState::new("NoProcessor"));
    fires(&m, Rule::Structure, "NoProcessor");
    let m = StateMachine::new(
        "test",
        "",
        Parallel::new("ZeroInterval")
            .branch(Pass::new("X"))
            .retry(Retrier::on(["IR.Transient"]).interval(0)),
    );
    fires(&m, Rule::Structure, "ZeroInterval");
    let m = StateMachine::new("test", "", Pass::new("x".repeat(81).as_str()));
    fires(&m, Rule::Structure, &"x".repeat(81));
    let approval = Task::sns_publish("Ask")
        .wait_for_task_token()
        .parameters(json!({"Message": "no token"}));
    let m = StateMachine::new("test", "", approval);
    fires(&m, Rule::Structure, "Ask");
}

#[test]
fn wait_for_task_token_renders_and_validates() {
    let approval = Task::sns_publish("Ask")
        .wait_for_task_token()
        .parameters(json!({"Message.$": "States.Format('Approve with token {}', $$.Task.Token)"}))
        .timeout(3600)
        .heartbeat(600)
        .result_path("$.approval")
        .catch(["States.Timeout"], "$.error", Succeed::new("TimedOut"));
    let m = StateMachine::new("test", "", approval);
    assert_eq!(rules(&m), vec![]);
    let v = m.render();
    assert_eq!(
        v["States"]["Ask"]["Resource"],
        "arn:aws:states:::sns:publish.waitForTaskToken"
    );
    assert_eq!(
        v["States"]["Ask"]["Parameters"]["TopicArn"],
        "${NotificationTopicArn}"
    );
    assert_eq!(v["States"]["Ask"]["HeartbeatSeconds"], 600);
}

#[test]
fn timeouts_and_heartbeats_are_checked() {
    let ask = |name: &str| {
        Task::sns_publish(name)
            .wait_for_task_token()
            .parameters(json!({"Message.$": "$$.Task.Token"}))
    };
    let m = StateMachine::new("test", "", ask("Late").timeout(60).heartbeat(60));
    fires(&m, Rule::Structure, "Late");
    let m = StateMachine::new("test", "", ask("BadTimeout").timeout_path("timeout"));
    fires(&m, Rule::BadPath, "BadTimeout");
    let m = StateMachine::new(
        "test",
        "",
        ask("BadHeartbeat").timeout(60).heartbeat_path("beat"),
    );
    fires(&m, Rule::BadPath, "BadHeartbeat");
    let m = StateMachine::new("test", "", ask("Forever"));
    fires(&m, Rule::Structure, "Forever");
    // A timeout read from the input bounds the wait as well as a fixed one.
    let m = StateMachine::new(
        "test",
        "",
        ask("FromInput")
            .timeout_path("$.policy.timeout")
            .heartbeat_path("$.policy.heartbeat"),
    );
    assert_eq!(rules(&m), vec![]);
}

#[test]
fn sdk_integrations_render_their_resource() {
    let t = Task::aws_sdk(
        "Describe",
        "ec2",
        "describeInstances",
        "ec2:DescribeInstances",
        &["*"],
    )
    .parameters(json!({"InstanceIds.$": "States.Array($.id)"}))
    .result_selector(json!({"reservations.$": "$.Reservations"}))
    .output_path("$.reservations");
    let m = StateMachine::new("test", "", t);
    assert_eq!(rules(&m), vec![]);
    assert_eq!(
        m.render()["States"]["Describe"]["Resource"],
        "arn:aws:states:::aws-sdk:ec2:describeInstances"
    );
}

#[test]
fn mermaid_shows_every_edge() {
    let text = mermaid::flowchart(&every_state_type());
    for needle in [
        "s_Normalize -.->|\"IR.InvalidEvent\"| s_ReportInvalid",
        "s_Route -->|otherwise| s_Nothing",
        "subgraph s_Both",
        "s_Done([\"",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

/// The policy a Pass assembles is checked field by field against the task that receives it,
/// nested objects and list items included; what the machine itself reads may be extra.
#[test]
fn nested_fields_are_checked_against_the_contract() {
    use contract::tasks::ip::ScreenAddresses;
    let policy = |edit: &dyn Fn(&mut serde_json::Map<String, serde_json::Value>)| {
        let mut p = json!({
            "allow_list": "", "allow_list_parameter": "", "block_internal": "false",
            "block_documentation": "false", "ttl_hours": "24", "block": "true",
            "nacl_egress": "false", "nacl_rules": "50-89", "nacl_limit": "20",
            "max_automatic_blocks_per_hour": "100", "case_table": "t",
            "ip_sets": [{"family": "ipv4", "scope": "REGIONAL", "set": "a|b|REGIONAL"}],
        });
        edit(p.as_object_mut().unwrap());
        p
    };
    let machine = |policy: serde_json::Value, wait_on: &str| {
        StateMachine::new(
            "test",
            "",
            Pass::new("ReadPolicy")
                .parameters(policy)
                .result_path("$.policy")
                .next(Wait::new("Pause", WaitFor::SecondsPath(wait_on.into())))
                .next(
                    Task::invoke::<ScreenAddresses>("Screen")
                        .with_path("case", "$.case")
                        .with_path("policy", "$.policy")
                        .with_path("execution", "$$.Execution.Id")
                        .catch([STATES_ALL], "$.e", Succeed::new("S")),
                ),
        )
    };
    let contract_errors = |m: &StateMachine| -> Vec<String> {
        match m.validate() {
            Ok(()) => Vec::new(),
            Err(errs) => errs
                .iter()
                .filter(|e| e.rule == Rule::Contract)
                .map(|e| e.to_string())
                .collect(),
        }
    };
    // As the contract has it: clean.
    assert_eq!(
        contract_errors(&machine(policy(&|_| {}), "$.policy.ttl_hours")),
        Vec::<String>::new()
    );
    // A field renamed on one side only.
    let renamed = machine(
        policy(&|p| {
            let v = p.remove("nacl_rules").unwrap();
            p.insert("nacl_rule_range".into(), v);
        }),
        "$.policy.ttl_hours",
    );
    let text = contract_errors(&renamed).join("\n");
    assert!(
        text.contains("requires `policy.nacl_rules`") && text.contains("ReadPolicy"),
        "{text}"
    );
    assert!(text.contains("no field `policy.nacl_rule_range`"), "{text}");
    // An extra field is fine when the machine reads it (here, a Wait), not otherwise.
    let extra = |p: &mut serde_json::Map<String, serde_json::Value>| {
        p.insert("pause_seconds".into(), json!(5));
    };
    assert_eq!(
        contract_errors(&machine(policy(&extra), "$.policy.pause_seconds")),
        Vec::<String>::new()
    );
    let text = contract_errors(&machine(policy(&extra), "$.policy.ttl_hours")).join("\n");
    assert!(text.contains("no field `policy.pause_seconds`"), "{text}");
    // Items of a list of objects too.
    let text = contract_errors(&machine(
        policy(&|p| {
            p.insert(
                "ip_sets".into(),
                json!([{"family": "ipv4", "set": "a|b|REGIONAL"}]),
            );
        }),
        "$.policy.ttl_hours",
    ))
    .join("\n");
    assert!(text.contains("requires `policy.ip_sets[].scope`"), "{text}");
}
