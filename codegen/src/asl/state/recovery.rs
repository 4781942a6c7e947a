//! `Retry` and `Catch`: what Task, Parallel and Map states do when they fail.

use super::io::ResultPath;
use super::put;
use contract::ErrorName;
use serde_json::{json, Map, Value};

/// Matches every error; must stand alone and come last.
pub const STATES_ALL: &str = "States.ALL";
pub const STATES_TIMEOUT: &str = "States.Timeout";

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

    pub(crate) fn render(&self) -> Value {
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
    pub(crate) fn render(&self) -> Value {
        let mut m = Map::new();
        m.insert("ErrorEquals".into(), json!(self.errors));
        if let Some(rp) = &self.result_path {
            m.insert("ResultPath".into(), rp.render());
        }
        m.insert("Next".into(), json!(self.next));
        Value::Object(m)
    }
}
