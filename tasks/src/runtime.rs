//! What every task's `main` shares: logging set up the Lambda way, and a handler wrapper that
//! turns the raw payload into the task's typed input with named errors.

use crate::error::TaskError;
use crate::member::Target;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;
use std::future::Future;

/// Parses the payload into `I`; a payload that does not match is `IR.InvalidEvent` naming the
/// offending field, not a deserializer type name that no `Catch` could match.
pub fn input<I: DeserializeOwned>(task: &str, payload: Value) -> Result<I, TaskError> {
    serde_path_to_error::deserialize(payload).map_err(|e| {
        TaskError::invalid_event(format!(
            "the input of task {task} does not match its contract at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
}

/// Runs `handler` as the Lambda of task `T`: its contract's name, input and output.
pub async fn serve<T, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    T: contract::Task,
    T::Input: DeserializeOwned,
    T::Output: Serialize,
    F: Fn(T::Input, Invocation) -> Fut,
    Fut: Future<Output = Result<T::Output, TaskError>>,
{
    run(T::NAME, handler).await
}

/// What a handler learns of its invocation besides its input: where the input's case is, and
/// the function's ARN (where it runs), so that a step acts where the case's resources are
/// ([`crate::member`]).
#[derive(Debug, Clone)]
pub struct Invocation {
    pub target: Option<Target>,
    pub function_arn: String,
}

/// Runs `handler` as a Lambda function. Logging honours the function's `LoggingConfig`
/// (JSON format, levels) through `init_default_subscriber`.
pub async fn run<I, O, F, Fut>(task: &'static str, handler: F) -> Result<(), lambda_runtime::Error>
where
    I: DeserializeOwned,
    O: Serialize,
    F: Fn(I, Invocation) -> Fut,
    Fut: Future<Output = Result<O, TaskError>>,
{
    lambda_runtime::tracing::init_default_subscriber();
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let invocation = Invocation {
            target: Target::of(&event.payload),
            function_arn: event.context.invoked_function_arn.clone(),
        };
        let case_id = event
            .payload
            .pointer("/case/case_id")
            .and_then(Value::as_str)
            .unwrap_or("-")
            .to_string();
        let span = tracing::info_span!("task", task, case_id = %case_id, request_id = %event.context.request_id);
        let _guard = span.enter();
        let result = match input::<I>(task, event.payload) {
            // Boxed and type-erased: the step futures are deep, and nesting them in the
            // runtime's own future overflows the compiler's layout depth.
            Ok(i) => {
                let fut: std::pin::Pin<Box<dyn Future<Output = Result<O, TaskError>> + '_>> = Box::pin(handler(i, invocation));
                fut.await
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e.name, message = %e.message, "task failed");
        }
        result.map_err(Diagnostic::from)
    }))
    .await
}
