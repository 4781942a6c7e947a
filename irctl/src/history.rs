//! Execution history, reduced to what a responder wants to see: which states ran, how long,
//! and how each ended. Pure, so it is tested on recorded histories.

use contract::approval::attribute;
use serde_json::Value;

/// One history event, independent of the SDK's types.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub previous: i64,
    /// Seconds since the epoch.
    pub at: f64,
    /// `TaskStateEntered`, `TaskFailed`, `ExecutionSucceeded`, ...
    pub kind: String,
    pub state: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Output of a state exit or of the execution.
    pub output: Option<String>,
    /// Parameters of a scheduled task (task tokens are resolved in them).
    pub parameters: Option<String>,
    pub resource: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Running,
    Succeeded,
    /// Failed and the failure ended the execution (or the branch).
    Failed {
        error: String,
        cause: String,
    },
    /// Failed, then a Catch or Retry took over.
    Recovered {
        error: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub state: String,
    pub state_type: String,
    pub entered: f64,
    pub exited: Option<f64>,
    pub outcome: Outcome,
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    Succeeded,
    Failed { error: String, cause: String },
    TimedOut,
    Aborted,
}

/// The steps in the order they were entered, and the execution status.
pub fn steps(events: &[Event]) -> (Vec<Step>, Status) {
    let mut steps: Vec<Step> = Vec::new();
    let mut status = Status::Running;
    for e in events {
        if let Some(t) = e.kind.strip_suffix("StateEntered") {
            steps.push(Step {
                state: e.state.clone().unwrap_or_default(),
                state_type: t.to_string(),
                entered: e.at,
                exited: None,
                outcome: Outcome::Running,
                output: None,
            });
            continue;
        }
        if e.kind.ends_with("StateExited") {
            if let Some(s) = steps
                .iter_mut()
                .rev()
                .find(|s| Some(&s.state) == e.state.as_ref() && s.exited.is_none())
            {
                s.exited = Some(e.at);
                s.output = e.output.clone();
                if s.outcome == Outcome::Running {
                    s.outcome = Outcome::Succeeded;
                }
            }
            continue;
        }
        let failure = matches!(
            e.kind.as_str(),
            "TaskFailed"
                | "TaskTimedOut"
                | "LambdaFunctionFailed"
                | "LambdaFunctionTimedOut"
                | "TaskSubmitFailed"
                | "TaskStartFailed"
                | "ParallelStateFailed"
                | "MapStateFailed"
        );
        if failure {
            // The innermost open step is the one that failed.
            if let Some(s) = steps.iter_mut().rev().find(|s| s.exited.is_none()) {
                let error = e.error.clone().unwrap_or_else(|| {
                    if e.kind.ends_with("TimedOut") {
                        "States.Timeout".into()
                    } else {
                        e.kind.clone()
                    }
                });
                s.outcome = Outcome::Failed {
                    error,
                    cause: e.cause.clone().unwrap_or_default(),
                };
            }
            continue;
        }
        match e.kind.as_str() {
            "ExecutionSucceeded" => status = Status::Succeeded,
            "ExecutionFailed" => {
                status = Status::Failed {
                    error: e.error.clone().unwrap_or_default(),
                    cause: e.cause.clone().unwrap_or_default(),
                }
            }
            "ExecutionTimedOut" => status = Status::TimedOut,
            "ExecutionAborted" => status = Status::Aborted,
            _ => {}
        }
    }
    // A failed step after which the execution went on was recovered by a Catch (or a Retry
    // that eventually succeeded, in which case it also has an exit).
    let n = steps.len();
    for i in 0..n {
        let later_started = steps[i + 1..].iter().any(|s| s.entered >= steps[i].entered);
        if let Outcome::Failed { error, .. } = &steps[i].outcome {
            if steps[i].exited.is_some()
                || (later_started && !matches!(status, Status::Running) && i + 1 < n)
            {
                steps[i].outcome = Outcome::Recovered {
                    error: error.clone(),
                };
            }
        }
        if steps[i].outcome == Outcome::Running && status != Status::Running {
            // Terminal states (Succeed/Fail) are not always followed by an exit event.
            steps[i].outcome = match (&status, steps[i].state_type.as_str()) {
                (Status::Failed { error, cause }, "Fail") => Outcome::Failed {
                    error: error.clone(),
                    cause: cause.clone(),
                },
                _ => Outcome::Succeeded,
            };
        }
    }
    (steps, status)
}

/// A task-token request still waiting for an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub case: Option<String>,
    pub instance: Option<String>,
    /// The principal a credentials approval is about (`key/…`, `role/…`, `user/…`).
    pub principal: Option<String>,
    /// The request's nonce, which an answer's proof is bound to.
    pub nonce: Option<String>,
    pub token: String,
    pub state: String,
}

/// Task-token requests still waiting.
pub fn pending_tokens(events: &[Event]) -> Vec<Pending> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind != "TaskScheduled"
            || !e
                .resource
                .as_deref()
                .unwrap_or("")
                .ends_with(".waitForTaskToken")
        {
            continue;
        }
        let Some(params) = e
            .parameters
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
        else {
            continue;
        };
        let attribute = |name: &str| {
            params["MessageAttributes"][name]["StringValue"]
                .as_str()
                .map(String::from)
        };
        let Some(token) = attribute(attribute::TASK_TOKEN) else {
            continue;
        };
        // Answered, timed out or failed since? Followed along the task's own chain of events
        // (each names the one before it): in a Map or Parallel, other tasks finish meanwhile.
        let mut chain = vec![e.id];
        let mut settled = false;
        for later in &events[i + 1..] {
            match later.kind.as_str() {
                "ExecutionSucceeded" | "ExecutionFailed" | "ExecutionTimedOut"
                | "ExecutionAborted" => settled = true,
                "TaskStarted" | "TaskSubmitted" if chain.contains(&later.previous) => {
                    chain.push(later.id)
                }
                "TaskSucceeded" | "TaskFailed" | "TaskTimedOut" | "TaskSubmitFailed"
                | "TaskStartFailed"
                    if chain.contains(&later.previous) =>
                {
                    settled = true
                }
                _ => {}
            }
        }
        if !settled {
            // The state this request was scheduled by: the event before it in its chain.
            let state = events[..i]
                .iter()
                .rev()
                .find(|p| p.kind == "TaskStateEntered" && p.id == e.previous)
                .or_else(|| {
                    events[..i]
                        .iter()
                        .rev()
                        .find(|p| p.kind == "TaskStateEntered")
                })
                .and_then(|p| p.state.clone())
                .unwrap_or_default();
            out.push(Pending {
                case: attribute(attribute::CASE_ID),
                instance: attribute(attribute::INSTANCE_ID),
                principal: attribute(attribute::PRINCIPAL),
                nonce: attribute(attribute::NONCE),
                token,
                state,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, at: f64, kind: &str, state: Option<&str>) -> Event {
        Event {
            id,
            previous: id - 1,
            at,
            kind: kind.into(),
            state: state.map(String::from),
            error: None,
            cause: None,
            output: None,
            parameters: None,
            resource: None,
        }
    }

    #[test]
    fn a_caught_failure_is_recovered_and_the_fail_state_fails() {
        let mut failed = ev(4, 1.5, "TaskFailed", None);
        failed.error = Some("IR.InvalidEvent".into());
        failed.cause = Some("no detail".into());
        let mut exec_failed = ev(9, 3.0, "ExecutionFailed", None);
        exec_failed.error = Some("IR.InvalidEvent".into());
        let events = vec![
            ev(1, 1.0, "ExecutionStarted", None),
            ev(2, 1.0, "TaskStateEntered", Some("Normalize")),
            ev(3, 1.1, "TaskScheduled", None),
            failed,
            ev(5, 1.6, "TaskStateEntered", Some("ReportRejectedEvent")),
            ev(6, 2.0, "TaskSucceeded", None),
            ev(7, 2.0, "TaskStateExited", Some("ReportRejectedEvent")),
            ev(8, 2.1, "FailStateEntered", Some("EventRejected")),
            exec_failed,
        ];
        let (steps, status) = steps(&events);
        assert!(matches!(status, Status::Failed { .. }));
        assert_eq!(
            steps[0].outcome,
            Outcome::Recovered {
                error: "IR.InvalidEvent".into()
            }
        );
        assert_eq!(steps[1].outcome, Outcome::Succeeded);
        assert!(matches!(steps[2].outcome, Outcome::Failed { .. }));
    }

    #[test]
    fn finds_the_pending_token_by_case() {
        let mut scheduled = ev(3, 1.0, "TaskScheduled", None);
        scheduled.resource = Some("publish.waitForTaskToken".into());
        scheduled.parameters = Some(
            serde_json::json!({"MessageAttributes": {"case_id": {"DataType": "String", "StringValue": "case-1"}, "nonce": {"DataType": "String", "StringValue": "n-1"}, "task_token": {"DataType": "String", "StringValue": "TOKEN"}}})
                .to_string(),
        );
        let events = vec![
            ev(1, 0.0, "ExecutionStarted", None),
            ev(2, 0.5, "TaskStateEntered", Some("AwaitResponder")),
            scheduled,
        ];
        assert_eq!(
            pending_tokens(&events),
            vec![Pending {
                case: Some("case-1".into()),
                instance: None,
                principal: None,
                nonce: Some("n-1".into()),
                token: "TOKEN".into(),
                state: "AwaitResponder".into()
            }]
        );
        let mut answered = events.clone();
        answered.push(ev(4, 2.0, "TaskStarted", None));
        answered.push(ev(5, 2.0, "TaskSubmitted", None));
        answered.push(ev(6, 2.0, "TaskSucceeded", None));
        assert!(pending_tokens(&answered).is_empty());
    }

    /// In a Map, two items ask at once; the other item's answer or any other task finishing
    /// does not settle this item's request: only events in its own chain do.
    #[test]
    fn another_items_answer_does_not_settle_a_request() {
        let ask = |id: i64, previous: i64, token: &str| {
            let mut e = ev(id, 1.0, "TaskScheduled", None);
            e.previous = previous;
            e.resource = Some("publish.waitForTaskToken".into());
            e.parameters = Some(
                serde_json::json!({"MessageAttributes": {"case_id": {"DataType": "String", "StringValue": "case-1"}, "task_token": {"DataType": "String", "StringValue": token}}})
                    .to_string(),
            );
            e
        };
        let after = |id: i64, previous: i64, kind: &str| {
            let mut e = ev(id, 2.0, kind, None);
            e.previous = previous;
            e
        };
        let mut first_entered = ev(10, 0.5, "TaskStateEntered", Some("AskFirst"));
        first_entered.previous = 3;
        let mut second_entered = ev(11, 0.5, "TaskStateEntered", Some("AskSecond"));
        second_entered.previous = 4;
        let events = vec![
            ev(1, 0.0, "ExecutionStarted", None),
            first_entered,
            second_entered,
            ask(12, 10, "FIRST"),
            ask(13, 11, "SECOND"),
            after(14, 12, "TaskStarted"),
            after(15, 13, "TaskStarted"),
            // An unrelated task of a third item succeeds.
            after(16, 9, "TaskSucceeded"),
            // The second request is answered.
            after(17, 15, "TaskSubmitted"),
            after(18, 17, "TaskSucceeded"),
        ];
        let pending = pending_tokens(&events);
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert_eq!(pending[0].token, "FIRST");
        assert_eq!(pending[0].state, "AskFirst");
    }
}
