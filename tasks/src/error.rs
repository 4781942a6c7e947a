//! The one error type of every task: an ASL error name and a message for a human.
//!
//! Lambda reports it as `{"errorType": "IR.…", "errorMessage": "…"}`; Step Functions turns the
//! type into the state's error, so `Retry`/`Catch` match it by name.

use aws_sdk_sns::config::http::HttpResponse;
use aws_sdk_sns::error::{ProvideErrorMetadata, SdkError};
use contract::ErrorName;
use lambda_runtime::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct TaskError {
    pub name: ErrorName,
    /// What failed, on which resource, and what to do.
    pub message: String,
}

impl TaskError {
    pub fn new(name: ErrorName, message: impl Into<String>) -> TaskError {
        TaskError {
            name,
            message: message.into(),
        }
    }

    pub fn invalid_event(message: impl Into<String>) -> TaskError {
        TaskError::new(ErrorName::InvalidEvent, message)
    }

    /// Classifies an AWS SDK error by its code. `action` says what was attempted and on what,
    /// e.g. "publish to topic arn:…".
    /// Every SDK crate's errors carry the same smithy `HttpResponse`.
    pub fn from_sdk<E>(err: SdkError<E, HttpResponse>, action: &str) -> TaskError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        // A call that could not get credentials because a step's own check failed first (a
        // member role that could not be assumed, crate::member) says so, under its own name.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = source {
            if let Some(ours) = e.downcast_ref::<TaskError>() {
                return TaskError::new(ours.name, format!("could not {action}: {}", ours.message));
            }
            source = e.source();
        }
        let (code, message) = match &err {
            SdkError::ServiceError(s) => match s.err().code() {
                Some(code) => (
                    code.to_string(),
                    s.err().message().unwrap_or_default().to_string(),
                ),
                // No error code: an answer the SDK could not read (a success body it cannot
                // parse, an error without a code). Say what it was, not just "Unknown".
                None => (
                    "Unknown".to_string(),
                    format!(
                        "HTTP {}: {}",
                        s.raw().status().as_u16(),
                        aws_smithy_types::error::display::DisplayErrorContext(s.err())
                    ),
                ),
            },
            SdkError::TimeoutError(_) => {
                ("Timeout".to_string(), "the request timed out".to_string())
            }
            SdkError::DispatchFailure(d) => ("DispatchFailure".to_string(), format!("{d:?}")),
            SdkError::ResponseError(_) => (
                "ResponseError".to_string(),
                "unreadable response".to_string(),
            ),
            _ => ("Unknown".to_string(), err.to_string()),
        };
        let name = classify(&code, &err);
        let advice = match name {
            ErrorName::AccessDenied => " The task's role lacks this permission: redeploy the generated stack, or check SCPs and key policies.",
            ErrorName::ResourceNotFound => " The resource may have been deleted; nothing was changed.",
            ErrorName::Throttled | ErrorName::Transient => " Step Functions retries this with backoff.",
            ErrorName::Misconfigured => " The stack's configuration is wrong: check the parameters it was deployed with.",
            _ => "",
        };
        TaskError::new(
            name,
            format!("could not {action}: {code}: {message}.{advice}"),
        )
    }
}

fn classify<E>(code: &str, err: &SdkError<E, HttpResponse>) -> ErrorName {
    const THROTTLED: [&str; 7] = [
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        // The EBS direct APIs' (per snapshot and per account).
        "RequestThrottledException",
    ];
    if THROTTLED.contains(&code) {
        return ErrorName::Throttled;
    }
    if code.contains("AccessDenied")
        || code == "UnauthorizedOperation"
        || code == "AuthorizationError"
        || code.starts_with("KMSAccessDenied")
    {
        return ErrorName::AccessDenied;
    }
    if code.contains("NotFound") || code.starts_with("InvalidInstanceID") || code == "NoSuchEntity"
    {
        return ErrorName::ResourceNotFound;
    }
    if code.starts_with("KMS")
        || code == "InvalidParameter"
        || code == "InvalidParameterValue"
        || code == "InvalidParameterException"
    {
        return ErrorName::Misconfigured;
    }
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            ErrorName::Transient
        }
        SdkError::ServiceError(s) if s.raw().status().is_server_error() => ErrorName::Transient,
        _ if code == "InternalError"
            || code == "InternalFailure"
            || code == "ServiceUnavailable" =>
        {
            ErrorName::Transient
        }
        _ => ErrorName::Misconfigured,
    }
}

impl From<TaskError> for Diagnostic {
    fn from(e: TaskError) -> Diagnostic {
        Diagnostic {
            error_type: e.name.as_str().to_string(),
            error_message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_type_is_the_asl_name() {
        let d: Diagnostic = TaskError::invalid_event("no detail").into();
        assert_eq!(d.error_type, "IR.InvalidEvent");
        assert_eq!(d.error_message, "no detail");
    }
}
