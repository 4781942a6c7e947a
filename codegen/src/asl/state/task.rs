//! Task states: an [`Integration`] does the work, within a [`Timeout`].

use super::{
    io::Io, Filters, Jitter, PlacesResult, Recovers, ResultPath, Retrier, SelectsResult,
    StateBuilder, TakesParameters,
};
use crate::asl::integration::{Integration, TaskInfo, LAMBDA_SERVICE_ERRORS};
use contract::{ErrorName, Task as TaskContract};
use serde_json::{json, Map, Value};

/// A Task state.
pub type Task = StateBuilder<TaskKind>;

/// A limit in seconds, fixed in the definition or read from the state input at run time. One
/// value, so a state cannot carry both `TimeoutSeconds` and `TimeoutSecondsPath`.
#[derive(Debug, Clone, PartialEq)]
pub enum Timeout {
    Seconds(u32),
    Path(String),
}

impl Timeout {
    /// `<field>Seconds` or `<field>SecondsPath`, e.g. `TimeoutSeconds`.
    pub fn key(&self, field: &str) -> String {
        match self {
            Timeout::Seconds(_) => format!("{field}Seconds"),
            Timeout::Path(_) => format!("{field}SecondsPath"),
        }
    }

    fn render(&self, m: &mut Map<String, Value>, field: &str) {
        let v = match self {
            Timeout::Seconds(s) => json!(s),
            Timeout::Path(p) => json!(p),
        };
        m.insert(self.key(field), v);
    }
}

/// What a Task state adds to the common part.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskKind {
    pub(crate) integration: Integration,
    /// For contract tasks: the payload fields, rendered into `Parameters.Payload`.
    pub(crate) payload: Option<Map<String, Value>>,
    pub(crate) timeout: Option<Timeout>,
    pub(crate) heartbeat: Option<Timeout>,
}

impl Filters for TaskKind {}
impl TakesParameters for TaskKind {}
impl SelectsResult for TaskKind {}
impl PlacesResult for TaskKind {}
impl Recovers for TaskKind {}

impl From<TaskKind> for super::Kind {
    fn from(k: TaskKind) -> Self {
        super::Kind::Task(k)
    }
}

impl TaskKind {
    pub(crate) fn parameters(&self, io: &Io) -> Option<Value> {
        self.integration
            .parameters(self.payload.as_ref(), io.parameters.as_ref())
    }

    pub(super) fn render(&self, m: &mut Map<String, Value>) {
        m.insert("Resource".into(), json!(self.integration.resource()));
        if let Some(t) = &self.timeout {
            t.render(m, "Timeout");
        }
        if let Some(h) = &self.heartbeat {
            h.render(m, "Heartbeat");
        }
    }
}

impl Task {
    fn build(name: &str, integration: Integration) -> Task {
        StateBuilder::with_kind(
            name,
            TaskKind {
                integration,
                payload: None,
                timeout: None,
                heartbeat: None,
            },
        )
    }

    /// Invokes task Lambda `T` through `lambda:invoke`. Its payload is bound field by field with
    /// [`Task::with`] and [`Task::with_path`] (checked against `T::Input` at synth); its result
    /// goes to `$.results.<task>` through a `ResultSelector` built from `T::Output`; the Lambda
    /// service's transient errors and the task's own transient errors are retried with backoff.
    pub fn invoke<T: TaskContract>(name: &str) -> Task {
        let info = TaskInfo::of::<T>();
        let mut selector = Map::new();
        for field in TaskInfo::property_names(&info.output_schema) {
            selector.insert(format!("{field}.$"), json!(format!("$.Payload.{field}")));
        }
        let transient: Vec<ErrorName> = info
            .errors
            .iter()
            .copied()
            .filter(|e| e.is_transient())
            .collect();
        let mut task = Task::build(
            name,
            Integration::LambdaInvoke {
                task: info.clone(),
                wait_for_task_token: false,
            },
        );
        task.kind.payload = Some(Map::new());
        // The function's own timeout plus a margin, so that the Lambda times out first and
        // reports why.
        task.kind.timeout = Some(Timeout::Seconds(info.timeout_seconds + 5));
        task.common.io.result_selector = Some(Value::Object(selector));
        task.common.io.result_path = Some(ResultPath::Path(format!(
            "$.results.{}",
            info.name.replace('-', "_")
        )));
        task.common.retry.push(
            Retrier::on(LAMBDA_SERVICE_ERRORS)
                .interval(1)
                .max_attempts(3)
                .backoff(2.0)
                .jitter(Jitter::Full),
        );
        if !transient.is_empty() {
            task.common.retry.push(
                Retrier::on_errors(&transient)
                    .interval(2)
                    .max_attempts(4)
                    .backoff(2.0)
                    .max_delay(30)
                    .jitter(Jitter::Full),
            );
        }
        task
    }

    /// The function ARN as `Resource`: the input is the payload, the output the result.
    pub fn lambda_arn<T: TaskContract>(name: &str) -> Task {
        Task::build(
            name,
            Integration::LambdaArn {
                task: TaskInfo::of::<T>(),
            },
        )
    }

    /// Publishes to the stack's notification topic (`sns:publish`); set the message with
    /// [`Task::parameters`] (`TopicArn` is added).
    pub fn sns_publish(name: &str) -> Task {
        Task::build(
            name,
            Integration::SnsPublish {
                wait_for_task_token: false,
            },
        )
    }

    /// Puts events on the default bus (`Parameters.Entries`).
    pub fn events_put(name: &str) -> Task {
        Task::build(name, Integration::EventsPutEvents)
    }

    /// Calls an AWS API directly (`aws-sdk:<service>:<action>`); `iam_action` and
    /// `iam_resources` become the state machine role's statement.
    pub fn aws_sdk(
        name: &str,
        service: &str,
        action: &str,
        iam_action: &str,
        iam_resources: &[&str],
    ) -> Task {
        Task::build(
            name,
            Integration::AwsSdk {
                service: service.to_string(),
                action: action.to_string(),
                iam_action: iam_action.to_string(),
                iam_resources: iam_resources.iter().map(|s| s.to_string()).collect(),
            },
        )
    }

    /// Pauses until `SendTaskSuccess`/`SendTaskFailure` with `$$.Task.Token`.
    pub fn wait_for_task_token(mut self) -> Self {
        if !self.kind.integration.set_wait_for_task_token() {
            panic!(
                "{}: only lambda:invoke and sns:publish can wait for a task token",
                self.common.name
            );
        }
        self
    }

    /// Binds a payload field of a contract task to a path or intrinsic of the state input.
    pub fn with_path(mut self, field: &str, path: &str) -> Self {
        self.payload_mut().insert(format!("{field}.$"), json!(path));
        self
    }

    /// Binds a payload field of a contract task to a literal.
    pub fn with(mut self, field: &str, value: Value) -> Self {
        self.payload_mut().insert(field.to_string(), value);
        self
    }

    fn payload_mut(&mut self) -> &mut Map<String, Value> {
        let name = &self.common.name;
        self.kind
            .payload
            .as_mut()
            .unwrap_or_else(|| panic!("{name}: payload fields apply to Task::invoke only"))
    }

    /// Adds a literal to the `ResultSelector` built from the contract.
    pub fn select_literal(mut self, key: &str, value: Value) -> Self {
        let sel = self
            .common
            .io
            .result_selector
            .get_or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = sel.as_object_mut() {
            m.insert(key.to_string(), value);
        }
        self
    }

    /// `TimeoutSeconds`; replaces any timeout set before.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.kind.timeout = Some(Timeout::Seconds(seconds));
        self
    }
    /// The timeout read from the state input at run time (`TimeoutSecondsPath`); replaces any
    /// timeout set before.
    pub fn timeout_path(mut self, path: &str) -> Self {
        self.kind.timeout = Some(Timeout::Path(path.to_string()));
        self
    }
    pub fn heartbeat(mut self, seconds: u32) -> Self {
        self.kind.heartbeat = Some(Timeout::Seconds(seconds));
        self
    }
    /// The heartbeat read from the state input at run time (`HeartbeatSecondsPath`).
    pub fn heartbeat_path(mut self, path: &str) -> Self {
        self.kind.heartbeat = Some(Timeout::Path(path.to_string()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asl::State;

    fn keys(t: Task) -> Vec<String> {
        State::from(t)
            .render()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn a_timeout_renders_to_the_key_of_its_variant() {
        let v = State::from(Task::sns_publish("T").timeout(60).heartbeat(10)).render();
        assert_eq!(v["TimeoutSeconds"], 60);
        assert_eq!(v["HeartbeatSeconds"], 10);
        let v = State::from(
            Task::sns_publish("T")
                .timeout_path("$.t")
                .heartbeat_path("$.h"),
        )
        .render();
        assert_eq!(v["TimeoutSecondsPath"], "$.t");
        assert_eq!(v["HeartbeatSecondsPath"], "$.h");
        assert!(v.get("TimeoutSeconds").is_none() && v.get("HeartbeatSeconds").is_none());
    }

    #[test]
    fn the_last_timeout_set_is_the_only_one() {
        let k = keys(Task::sns_publish("T").timeout(60).timeout_path("$.t"));
        assert!(k.contains(&"TimeoutSecondsPath".to_string()), "{k:?}");
        assert!(!k.contains(&"TimeoutSeconds".to_string()), "{k:?}");
        let k = keys(Task::sns_publish("T").timeout_path("$.t").timeout(60));
        assert!(k.contains(&"TimeoutSeconds".to_string()), "{k:?}");
        assert!(!k.contains(&"TimeoutSecondsPath".to_string()), "{k:?}");
    }

    #[test]
    fn a_contract_task_times_out_after_its_function() {
        let t = Task::invoke::<contract::tasks::Notify>("N");
        assert_eq!(
            t.kind.timeout,
            Some(Timeout::Seconds(
                TaskInfo::of::<contract::tasks::Notify>().timeout_seconds + 5
            ))
        );
    }

    #[test]
    #[should_panic(expected = "only lambda:invoke and sns:publish")]
    fn only_some_integrations_wait_for_a_token() {
        let _ = Task::events_put("E").wait_for_task_token();
    }
}
