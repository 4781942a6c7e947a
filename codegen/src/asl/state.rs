//! The eight state types, each a value built with chained setters, and their ASL rendering.
//!
//! A state that needs other states (a Catch handler, a Choice branch, a Parallel branch, a Map
//! item processor) takes them as a [`Chain`] and keeps their states until it is itself turned
//! into a chain; from then on every reference is a state name, which is what ASL renders and
//! what validation checks.

use super::chain::{Chain, IntoChain};
use super::condition::Condition;
use contract::{ErrorName, Permission, Task as TaskContract};
use serde_json::{json, Map, Value};

/// Matches every error; must stand alone and come last.
pub const STATES_ALL: &str = "States.ALL";
pub const STATES_TIMEOUT: &str = "States.Timeout";

/// Errors the Lambda service itself raises on invoke; AWS recommends retrying them.
pub const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    Path(String),
    /// `"ResultPath": null`: keep the input, drop the result.
    Discard,
}

impl ResultPath {
    fn render(&self) -> Value {
        match self {
            ResultPath::Path(p) => json!(p),
            ResultPath::Discard => Value::Null,
        }
    }
}

/// Input and output processing fields; which ones a state type may carry is enforced by the
/// setters each type offers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Io {
    pub input_path: Option<String>,
    pub parameters: Option<Value>,
    pub result_selector: Option<Value>,
    pub result_path: Option<ResultPath>,
    pub output_path: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    Full,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub interval_seconds: Option<u32>,
    pub max_attempts: Option<u32>,
    pub backoff_rate: Option<f64>,
    pub max_delay_seconds: Option<u32>,
    pub jitter: Option<Jitter>,
}

impl Retrier {
    pub fn on<S: AsRef<str>>(errors: impl IntoIterator<Item = S>) -> Retrier {
        Retrier {
            errors: errors.into_iter().map(|e| e.as_ref().to_string()).collect(),
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            jitter: None,
        }
    }
    pub fn on_errors(errors: &[ErrorName]) -> Retrier {
        Retrier::on(errors.iter().map(|e| e.as_str()))
    }
    pub fn interval(mut self, seconds: u32) -> Self {
        self.interval_seconds = Some(seconds);
        self
    }
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n);
        self
    }
    pub fn backoff(mut self, rate: f64) -> Self {
        self.backoff_rate = Some(rate);
        self
    }
    pub fn max_delay(mut self, seconds: u32) -> Self {
        self.max_delay_seconds = Some(seconds);
        self
    }
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("ErrorEquals".into(), json!(self.errors));
        put(
            &mut m,
            "IntervalSeconds",
            self.interval_seconds.map(Value::from),
        );
        put(&mut m, "MaxAttempts", self.max_attempts.map(Value::from));
        put(&mut m, "BackoffRate", self.backoff_rate.map(Value::from));
        put(
            &mut m,
            "MaxDelaySeconds",
            self.max_delay_seconds.map(Value::from),
        );
        put(
            &mut m,
            "JitterStrategy",
            self.jitter.map(|j| match j {
                Jitter::Full => json!("FULL"),
                Jitter::None => json!("NONE"),
            }),
        );
        Value::Object(m)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catcher {
    pub errors: Vec<String>,
    pub result_path: Option<ResultPath>,
    pub next: String,
}

impl Catcher {
    fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("ErrorEquals".into(), json!(self.errors));
        if let Some(rp) = &self.result_path {
            m.insert("ResultPath".into(), rp.render());
        }
        m.insert("Next".into(), json!(self.next));
        Value::Object(m)
    }
}

/// What codegen needs to know about a task Lambda, captured from its [`contract::Task`].
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub timeout_seconds: u32,
    pub memory_mb: u32,
    pub permissions: Vec<Permission>,
    pub errors: Vec<ErrorName>,
    pub input_schema: Value,
    pub output_schema: Value,
}

impl TaskInfo {
    pub fn of<T: TaskContract>() -> TaskInfo {
        TaskInfo {
            name: T::NAME,
            title: T::TITLE,
            description: T::DESCRIPTION,
            timeout_seconds: T::TIMEOUT_SECONDS,
            memory_mb: T::MEMORY_MB,
            permissions: T::permissions(),
            errors: T::errors(),
            input_schema: schemars::schema_for!(T::Input).to_value(),
            output_schema: schemars::schema_for!(T::Output).to_value(),
        }
    }

    /// The `DefinitionSubstitutions` key that carries the function's ARN.
    pub fn arn_substitution(&self) -> String {
        format!("{}FunctionArn", self.title)
    }

    pub fn property_names(schema: &Value) -> Vec<String> {
        schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub fn required_names(schema: &Value) -> Vec<String> {
        schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Where a Task state's work is done.
#[derive(Debug, Clone, PartialEq)]
pub enum Integration {
    /// `arn:aws:states:::lambda:invoke` with a task Lambda of ours.
    LambdaInvoke {
        task: TaskInfo,
        wait_for_task_token: bool,
    },
    /// The function ARN itself as `Resource` (the original Lambda integration).
    LambdaArn { task: TaskInfo },
    /// `arn:aws:states:::sns:publish` to the stack's notification topic.
    SnsPublish { wait_for_task_token: bool },
    /// `arn:aws:states:::events:putEvents` onto the account's default bus (a playbook handing
    /// work to another playbook through its manual-request rule).
    EventsPutEvents,
    /// `arn:aws:states:::aws-sdk:<service>:<action>`, with the IAM it needs.
    AwsSdk {
        service: String,
        action: String,
        iam_action: String,
        iam_resources: Vec<String>,
    },
}

impl Integration {
    pub fn resource(&self) -> String {
        let token = |w: bool| if w { ".waitForTaskToken" } else { "" };
        match self {
            Integration::LambdaInvoke {
                wait_for_task_token,
                ..
            } => format!(
                "arn:aws:states:::lambda:invoke{}",
                token(*wait_for_task_token)
            ),
            Integration::LambdaArn { task } => format!("${{{}}}", task.arn_substitution()),
            Integration::SnsPublish {
                wait_for_task_token,
            } => format!(
                "arn:aws:states:::sns:publish{}",
                token(*wait_for_task_token)
            ),
            Integration::EventsPutEvents => "arn:aws:states:::events:putEvents".to_string(),
            Integration::AwsSdk {
                service, action, ..
            } => format!("arn:aws:states:::aws-sdk:{service}:{action}"),
        }
    }

    pub fn task(&self) -> Option<&TaskInfo> {
        match self {
            Integration::LambdaInvoke { task, .. } | Integration::LambdaArn { task } => Some(task),
            _ => None,
        }
    }

    pub fn waits_for_task_token(&self) -> bool {
        matches!(
            self,
            Integration::LambdaInvoke {
                wait_for_task_token: true,
                ..
            } | Integration::SnsPublish {
                wait_for_task_token: true
            }
        )
    }
}

/// A Task state.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) integration: Integration,
    /// For contract tasks: the payload fields, rendered into `Parameters.Payload`.
    pub(crate) payload: Option<Map<String, Value>>,
    pub(crate) io: Io,
    pub(crate) timeout_seconds: Option<u32>,
    pub(crate) timeout_seconds_path: Option<String>,
    pub(crate) heartbeat_seconds: Option<u32>,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) next: Option<String>,
    pub(crate) pending: Vec<State>,
}

impl Task {
    fn build(name: &str, integration: Integration) -> Task {
        Task {
            name: name.to_string(),
            comment: None,
            integration,
            payload: None,
            io: Io::default(),
            timeout_seconds: None,
            timeout_seconds_path: None,
            heartbeat_seconds: None,
            retry: Vec::new(),
            catch: Vec::new(),
            next: None,
            pending: Vec::new(),
        }
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
        task.payload = Some(Map::new());
        task.io.result_selector = Some(Value::Object(selector));
        task.io.result_path = Some(ResultPath::Path(format!(
            "$.results.{}",
            info.name.replace('-', "_")
        )));
        task.timeout_seconds = Some(info.timeout_seconds + 5);
        task.retry.push(
            Retrier::on(LAMBDA_SERVICE_ERRORS)
                .interval(1)
                .max_attempts(3)
                .backoff(2.0)
                .jitter(Jitter::Full),
        );
        if !transient.is_empty() {
            task.retry.push(
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
        match &mut self.integration {
            Integration::LambdaInvoke {
                wait_for_task_token,
                ..
            }
            | Integration::SnsPublish {
                wait_for_task_token,
            } => *wait_for_task_token = true,
            _ => panic!(
                "{}: only lambda:invoke and sns:publish can wait for a task token",
                self.name
            ),
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
        let name = self.name.clone();
        self.payload
            .as_mut()
            .unwrap_or_else(|| panic!("{name}: payload fields apply to Task::invoke only"))
    }

    /// Adds a literal to the `ResultSelector` built from the contract.
    pub fn select_literal(mut self, key: &str, value: Value) -> Self {
        let sel = self
            .io
            .result_selector
            .get_or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = sel.as_object_mut() {
            m.insert(key.to_string(), value);
        }
        self
    }

    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }
    /// The timeout read from the state input at run time (`TimeoutSecondsPath`).
    pub fn timeout_path(mut self, path: &str) -> Self {
        self.timeout_seconds_path = Some(path.to_string());
        self
    }
    pub fn heartbeat(mut self, seconds: u32) -> Self {
        self.heartbeat_seconds = Some(seconds);
        self
    }

    /// The rendered `Parameters`: explicit ones, or for contract tasks the function and payload.
    pub fn rendered_parameters(&self) -> Option<Value> {
        match (&self.integration, &self.payload) {
            (Integration::LambdaInvoke { task, .. }, Some(payload)) => {
                let mut p = Map::new();
                p.insert(
                    "FunctionName".into(),
                    json!(format!("${{{}}}", task.arn_substitution())),
                );
                p.insert("Payload".into(), Value::Object(payload.clone()));
                if let Some(Value::Object(extra)) = &self.io.parameters {
                    for (k, v) in extra {
                        p.insert(k.clone(), v.clone());
                    }
                }
                Some(Value::Object(p))
            }
            (Integration::LambdaArn { .. }, Some(payload)) => Some(Value::Object(payload.clone())),
            (Integration::SnsPublish { .. }, _) => {
                let mut p = Map::new();
                p.insert("TopicArn".into(), json!("${NotificationTopicArn}"));
                if let Some(Value::Object(extra)) = &self.io.parameters {
                    for (k, v) in extra {
                        p.insert(k.clone(), v.clone());
                    }
                }
                Some(Value::Object(p))
            }
            _ => self.io.parameters.clone(),
        }
    }
}

/// A Pass state.
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    pub(crate) result: Option<Value>,
    pub(crate) next: Option<String>,
}

impl Pass {
    pub fn new(name: &str) -> Pass {
        Pass {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            result: None,
            next: None,
        }
    }
    pub fn result(mut self, r: Value) -> Self {
        self.result = Some(r);
        self
    }
}

/// A Choice state.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    pub(crate) rules: Vec<(Condition, String)>,
    pub(crate) default: Option<String>,
    pub(crate) pending: Vec<State>,
    /// Open ends of the branches: where `.next()` after the Choice continues.
    pub(crate) ends: Vec<String>,
}

impl Choice {
    pub fn new(name: &str) -> Choice {
        Choice {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            rules: Vec::new(),
            default: None,
            pending: Vec::new(),
            ends: Vec::new(),
        }
    }
    /// Goes to `then` when `condition` holds (rules are tried in order).
    pub fn when(mut self, condition: Condition, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.rules.push((condition, chain.start.clone()));
        self.absorb(chain);
        self
    }
    /// Goes to `then` when `condition` holds, where the path ends: whatever `.next()` follows
    /// the Choice does not continue it (`then` ends the execution or a Map iteration there, as a
    /// Catch target does).
    pub fn when_ending(mut self, condition: Condition, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.rules.push((condition, chain.start.clone()));
        self.pending.extend(chain.states);
        self
    }
    /// Goes to `then` when no rule holds.
    pub fn otherwise(mut self, then: impl IntoChain) -> Self {
        let chain = then.into_chain();
        self.default = Some(chain.start.clone());
        self.absorb(chain);
        self
    }
    /// When no rule holds, goes on to whatever `.next()` follows the Choice (a detour taken
    /// only by some inputs).
    pub fn otherwise_continue(mut self) -> Self {
        let name = self.name.clone();
        if !self.ends.contains(&name) {
            self.ends.push(name);
        }
        self
    }
    fn absorb(&mut self, chain: Chain) {
        self.pending.extend(chain.states);
        for e in chain.ends {
            if !self.ends.contains(&e) {
                self.ends.push(e);
            }
        }
    }
}

/// A Wait state.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    pub(crate) until: WaitFor,
    pub(crate) next: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitFor {
    Seconds(u64),
    Timestamp(String),
    SecondsPath(String),
    TimestampPath(String),
}

impl Wait {
    pub fn new(name: &str, until: WaitFor) -> Wait {
        Wait {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            until,
            next: None,
        }
    }
}

/// A Succeed state.
#[derive(Debug, Clone, PartialEq)]
pub struct Succeed {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
}

impl Succeed {
    pub fn new(name: &str) -> Succeed {
        Succeed {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
        }
    }
}

/// A Fail state.
#[derive(Debug, Clone, PartialEq)]
pub struct Fail {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) error_path: Option<String>,
    pub(crate) cause_path: Option<String>,
}

impl Fail {
    pub fn new(name: &str) -> Fail {
        Fail {
            name: name.to_string(),
            comment: None,
            error: None,
            cause: None,
            error_path: None,
            cause_path: None,
        }
    }
    pub fn error(mut self, e: &str) -> Self {
        self.error = Some(e.to_string());
        self
    }
    pub fn cause(mut self, c: &str) -> Self {
        self.cause = Some(c.to_string());
        self
    }
    pub fn error_path(mut self, p: &str) -> Self {
        self.error_path = Some(p.to_string());
        self
    }
    pub fn cause_path(mut self, p: &str) -> Self {
        self.cause_path = Some(p.to_string());
        self
    }
}

/// A set of states with a start: a Parallel branch, a Map item processor, or a whole machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    pub start_at: String,
    pub states: Vec<State>,
}

impl Graph {
    pub fn from_chain(chain: impl IntoChain) -> Graph {
        let c = chain.into_chain();
        Graph {
            start_at: c.start,
            states: c.states,
        }
    }

    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name() == name)
    }

    pub fn render_states(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for s in &self.states {
            m.insert(s.name().to_string(), s.render());
        }
        m
    }
}

/// A Parallel state.
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    pub(crate) branches: Vec<Graph>,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) next: Option<String>,
    pub(crate) pending: Vec<State>,
}

impl Parallel {
    pub fn new(name: &str) -> Parallel {
        Parallel {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            branches: Vec::new(),
            retry: Vec::new(),
            catch: Vec::new(),
            next: None,
            pending: Vec::new(),
        }
    }
    /// Adds a branch that runs concurrently with the others.
    pub fn branch(mut self, chain: impl IntoChain) -> Self {
        self.branches.push(Graph::from_chain(chain));
        self
    }
}

/// A Map state with an inline item processor.
#[derive(Debug, Clone, PartialEq)]
pub struct MapState {
    pub(crate) name: String,
    pub(crate) comment: Option<String>,
    pub(crate) io: Io,
    pub(crate) items_path: Option<String>,
    pub(crate) item_selector: Option<Value>,
    pub(crate) processor: Option<Graph>,
    pub(crate) max_concurrency: Option<u32>,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    pub(crate) next: Option<String>,
    pub(crate) pending: Vec<State>,
}

impl MapState {
    pub fn new(name: &str) -> MapState {
        MapState {
            name: name.to_string(),
            comment: None,
            io: Io::default(),
            items_path: None,
            item_selector: None,
            processor: None,
            max_concurrency: None,
            retry: Vec::new(),
            catch: Vec::new(),
            next: None,
            pending: Vec::new(),
        }
    }
    pub fn items_path(mut self, p: &str) -> Self {
        self.items_path = Some(p.to_string());
        self
    }
    /// Builds each item's input (`$$.Map.Item.Value` is the item).
    pub fn item_selector(mut self, s: Value) -> Self {
        self.item_selector = Some(s);
        self
    }
    pub fn item_processor(mut self, chain: impl IntoChain) -> Self {
        self.processor = Some(Graph::from_chain(chain));
        self
    }
    pub fn max_concurrency(mut self, n: u32) -> Self {
        self.max_concurrency = Some(n);
        self
    }
}

/// Setters shared by several state types, generated once so they cannot drift apart.
macro_rules! setters {
    ($ty:ident: $($group:ident),*) => { impl $ty { $(setters!(@$group);)* } };
    (@comment) => {
        pub fn comment(mut self, c: &str) -> Self {
            self.comment = Some(c.to_string());
            self
        }
    };
    (@input) => {
        /// `InputPath`: the part of the state input the state works on.
        pub fn input_path(mut self, p: &str) -> Self {
            self.io.input_path = Some(p.to_string());
            self
        }
    };
    (@output) => {
        /// `OutputPath`: the part of the state output passed on.
        pub fn output_path(mut self, p: &str) -> Self {
            self.io.output_path = Some(p.to_string());
            self
        }
    };
    (@parameters) => {
        pub fn parameters(mut self, p: Value) -> Self {
            self.io.parameters = Some(p);
            self
        }
    };
    (@result_selector) => {
        /// `ResultSelector`: reshape the raw result before `ResultPath` places it.
        pub fn result_selector(mut self, s: Value) -> Self {
            self.io.result_selector = Some(s);
            self
        }
    };
    (@result_path) => {
        /// `ResultPath`: where the result goes in the state input.
        pub fn result_path(mut self, p: &str) -> Self {
            self.io.result_path = Some(ResultPath::Path(p.to_string()));
            self
        }
        /// `"ResultPath": null`: keep the input, drop the result.
        pub fn discard_result(mut self) -> Self {
            self.io.result_path = Some(ResultPath::Discard);
            self
        }
    };
    (@recovery) => {
        pub fn retry(mut self, r: Retrier) -> Self {
            self.retry.push(r);
            self
        }
        /// Sends the listed errors to `handler`, with the error object at `result_path`.
        pub fn catch<S: AsRef<str>>(
            mut self,
            errors: impl IntoIterator<Item = S>,
            result_path: &str,
            handler: impl IntoChain,
        ) -> Self {
            let chain = handler.into_chain();
            self.catch.push(Catcher {
                errors: errors.into_iter().map(|e| e.as_ref().to_string()).collect(),
                result_path: Some(ResultPath::Path(result_path.to_string())),
                next: chain.start.clone(),
            });
            self.pending.extend(chain.states);
            self
        }
    };
}

setters!(Task: comment, input, output, parameters, result_selector, result_path, recovery);
setters!(Pass: comment, input, output, parameters, result_path);
setters!(Choice: comment, input, output);
setters!(Wait: comment, input, output);
setters!(Succeed: comment, input, output);
setters!(Fail: comment);
setters!(Parallel: comment, input, output, parameters, result_selector, result_path, recovery);
setters!(MapState: comment, input, output, result_selector, result_path, recovery);

/// Any state, once placed in a graph.
// States are built once per synthesis; boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    Task(Task),
    Pass(Pass),
    Choice(Choice),
    Wait(Wait),
    Succeed(Succeed),
    Fail(Fail),
    Parallel(Parallel),
    Map(MapState),
}

impl State {
    pub fn name(&self) -> &str {
        match self {
            State::Task(s) => &s.name,
            State::Pass(s) => &s.name,
            State::Choice(s) => &s.name,
            State::Wait(s) => &s.name,
            State::Succeed(s) => &s.name,
            State::Fail(s) => &s.name,
            State::Parallel(s) => &s.name,
            State::Map(s) => &s.name,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            State::Task(_) => "Task",
            State::Pass(_) => "Pass",
            State::Choice(_) => "Choice",
            State::Wait(_) => "Wait",
            State::Succeed(_) => "Succeed",
            State::Fail(_) => "Fail",
            State::Parallel(_) => "Parallel",
            State::Map(_) => "Map",
        }
    }

    pub fn comment(&self) -> Option<&str> {
        match self {
            State::Task(s) => s.comment.as_deref(),
            State::Pass(s) => s.comment.as_deref(),
            State::Choice(s) => s.comment.as_deref(),
            State::Wait(s) => s.comment.as_deref(),
            State::Succeed(s) => s.comment.as_deref(),
            State::Fail(s) => s.comment.as_deref(),
            State::Parallel(s) => s.comment.as_deref(),
            State::Map(s) => s.comment.as_deref(),
        }
    }

    /// `Next` of the states that have one.
    pub fn next_name(&self) -> Option<&str> {
        match self {
            State::Task(s) => s.next.as_deref(),
            State::Pass(s) => s.next.as_deref(),
            State::Wait(s) => s.next.as_deref(),
            State::Parallel(s) => s.next.as_deref(),
            State::Map(s) => s.next.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn set_next(&mut self, target: &str) {
        let slot = match self {
            State::Task(s) => &mut s.next,
            State::Pass(s) => &mut s.next,
            State::Wait(s) => &mut s.next,
            State::Parallel(s) => &mut s.next,
            State::Map(s) => &mut s.next,
            // A Choice that continues by default (`otherwise_continue`) takes it as Default.
            State::Choice(c) if c.default.is_none() => &mut c.default,
            _ => return,
        };
        *slot = Some(target.to_string());
    }

    /// Succeed and Fail end an execution (or a branch) by themselves.
    pub fn is_terminal(&self) -> bool {
        matches!(self, State::Succeed(_) | State::Fail(_))
    }

    /// Renders `"End": true` when a state that could continue has no `Next`.
    pub fn is_end(&self) -> bool {
        !self.is_terminal() && !matches!(self, State::Choice(_)) && self.next_name().is_none()
    }

    /// Every transition out of the state, with a label: `Next`, Choice rules and `Default`,
    /// Catch targets.
    pub fn transitions(&self) -> Vec<(Transition, &str)> {
        let mut out = Vec::new();
        if let Some(n) = self.next_name() {
            out.push((Transition::Next, n));
        }
        match self {
            State::Choice(c) => {
                for (i, (_, target)) in c.rules.iter().enumerate() {
                    out.push((Transition::Rule(i), target.as_str()));
                }
                if let Some(d) = &c.default {
                    out.push((Transition::Default, d.as_str()));
                }
            }
            State::Task(Task { catch, .. })
            | State::Parallel(Parallel { catch, .. })
            | State::Map(MapState { catch, .. }) => {
                for (i, c) in catch.iter().enumerate() {
                    out.push((Transition::Catch(i), c.next.as_str()));
                }
            }
            _ => {}
        }
        out
    }

    /// Nested graphs: Parallel branches and the Map item processor.
    pub fn graphs(&self) -> Vec<&Graph> {
        match self {
            State::Parallel(p) => p.branches.iter().collect(),
            State::Map(m) => m.processor.iter().collect(),
            _ => Vec::new(),
        }
    }

    pub fn retriers(&self) -> &[Retrier] {
        match self {
            State::Task(s) => &s.retry,
            State::Parallel(s) => &s.retry,
            State::Map(s) => &s.retry,
            _ => &[],
        }
    }

    pub fn catchers(&self) -> &[Catcher] {
        match self {
            State::Task(s) => &s.catch,
            State::Parallel(s) => &s.catch,
            State::Map(s) => &s.catch,
            _ => &[],
        }
    }

    pub fn io(&self) -> Option<&Io> {
        match self {
            State::Task(s) => Some(&s.io),
            State::Pass(s) => Some(&s.io),
            State::Choice(s) => Some(&s.io),
            State::Wait(s) => Some(&s.io),
            State::Succeed(s) => Some(&s.io),
            State::Parallel(s) => Some(&s.io),
            State::Map(s) => Some(&s.io),
            State::Fail(_) => None,
        }
    }

    /// The state as an ASL object, keys in the order a reader expects.
    pub fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("Type".into(), json!(self.type_name()));
        put(&mut m, "Comment", self.comment().map(Value::from));
        match self {
            State::Task(t) => {
                m.insert("Resource".into(), json!(t.integration.resource()));
                render_io(&mut m, &t.io, t.rendered_parameters());
                put(&mut m, "TimeoutSeconds", t.timeout_seconds.map(Value::from));
                put(
                    &mut m,
                    "TimeoutSecondsPath",
                    t.timeout_seconds_path.clone().map(Value::from),
                );
                put(
                    &mut m,
                    "HeartbeatSeconds",
                    t.heartbeat_seconds.map(Value::from),
                );
            }
            State::Pass(p) => {
                put(
                    &mut m,
                    "InputPath",
                    p.io.input_path.clone().map(Value::from),
                );
                put(&mut m, "Parameters", p.io.parameters.clone());
                put(&mut m, "Result", p.result.clone());
                if let Some(rp) = &p.io.result_path {
                    m.insert("ResultPath".into(), rp.render());
                }
                put(
                    &mut m,
                    "OutputPath",
                    p.io.output_path.clone().map(Value::from),
                );
            }
            State::Choice(c) => {
                put(
                    &mut m,
                    "InputPath",
                    c.io.input_path.clone().map(Value::from),
                );
                let rules: Vec<Value> = c
                    .rules
                    .iter()
                    .map(|(cond, next)| {
                        let mut r = cond.render();
                        r.insert("Next".into(), json!(next));
                        Value::Object(r)
                    })
                    .collect();
                m.insert("Choices".into(), Value::Array(rules));
                put(&mut m, "Default", c.default.clone().map(Value::from));
                put(
                    &mut m,
                    "OutputPath",
                    c.io.output_path.clone().map(Value::from),
                );
            }
            State::Wait(w) => {
                let (k, v) = match &w.until {
                    WaitFor::Seconds(s) => ("Seconds", json!(s)),
                    WaitFor::Timestamp(t) => ("Timestamp", json!(t)),
                    WaitFor::SecondsPath(p) => ("SecondsPath", json!(p)),
                    WaitFor::TimestampPath(p) => ("TimestampPath", json!(p)),
                };
                m.insert(k.into(), v);
                put(
                    &mut m,
                    "InputPath",
                    w.io.input_path.clone().map(Value::from),
                );
                put(
                    &mut m,
                    "OutputPath",
                    w.io.output_path.clone().map(Value::from),
                );
            }
            State::Succeed(s) => {
                put(
                    &mut m,
                    "InputPath",
                    s.io.input_path.clone().map(Value::from),
                );
                put(
                    &mut m,
                    "OutputPath",
                    s.io.output_path.clone().map(Value::from),
                );
            }
            State::Fail(f) => {
                put(&mut m, "Error", f.error.clone().map(Value::from));
                put(&mut m, "ErrorPath", f.error_path.clone().map(Value::from));
                put(&mut m, "Cause", f.cause.clone().map(Value::from));
                put(&mut m, "CausePath", f.cause_path.clone().map(Value::from));
            }
            State::Parallel(p) => {
                let branches: Vec<Value> = p
                    .branches
                    .iter()
                    .map(|g| json!({"StartAt": g.start_at, "States": g.render_states()}))
                    .collect();
                m.insert("Branches".into(), Value::Array(branches));
                render_io(&mut m, &p.io, p.io.parameters.clone());
            }
            State::Map(mp) => {
                put(&mut m, "ItemsPath", mp.items_path.clone().map(Value::from));
                put(&mut m, "ItemSelector", mp.item_selector.clone());
                if let Some(g) = &mp.processor {
                    m.insert(
                        "ItemProcessor".into(),
                        json!({
                            "ProcessorConfig": {"Mode": "INLINE"},
                            "StartAt": g.start_at,
                            "States": g.render_states(),
                        }),
                    );
                }
                put(
                    &mut m,
                    "MaxConcurrency",
                    mp.max_concurrency.map(Value::from),
                );
                render_io(&mut m, &mp.io, None);
            }
        }
        let retry = self.retriers();
        if !retry.is_empty() {
            m.insert(
                "Retry".into(),
                Value::Array(retry.iter().map(Retrier::render).collect()),
            );
        }
        let catch = self.catchers();
        if !catch.is_empty() {
            m.insert(
                "Catch".into(),
                Value::Array(catch.iter().map(Catcher::render).collect()),
            );
        }
        if let Some(n) = self.next_name() {
            m.insert("Next".into(), json!(n));
        } else if self.is_end() {
            m.insert("End".into(), json!(true));
        }
        Value::Object(m)
    }
}

/// A labelled edge of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next,
    Rule(usize),
    Default,
    Catch(usize),
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v);
    }
}

fn render_io(m: &mut Map<String, Value>, io: &Io, parameters: Option<Value>) {
    put(m, "InputPath", io.input_path.clone().map(Value::from));
    put(m, "Parameters", parameters);
    put(m, "ResultSelector", io.result_selector.clone());
    if let Some(rp) = &io.result_path {
        m.insert("ResultPath".into(), rp.render());
    }
    put(m, "OutputPath", io.output_path.clone().map(Value::from));
}
