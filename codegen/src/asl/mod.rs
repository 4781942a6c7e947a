//! Typed Amazon States Language: states as values, chained CDK-style, validated, rendered.
//!
//! ```
//! use codegen::asl::*;
//! let machine = StateMachine::new(
//!     "example",
//!     "Say hello, then stop.",
//!     Pass::new("Hello").result(serde_json::json!("hi")).next(Succeed::new("Done")),
//! );
//! machine.validate().unwrap();
//! assert!(machine.to_json().contains("\"StartAt\": \"Hello\""));
//! ```

mod chain;
mod condition;
mod machine;
pub mod mermaid;
pub mod path;
mod state;
mod validate;

pub use chain::{Chain, IntoChain};
pub use condition::{Condition, Op, Operand, TypeTest};
pub use machine::StateMachine;
pub use state::{
    Catcher, Choice, Fail, Graph, Integration, Io, Jitter, MapState, Parallel, Pass, ResultPath,
    Retrier, State, Succeed, Task, TaskInfo, Transition, Wait, WaitFor, LAMBDA_SERVICE_ERRORS,
    STATES_ALL, STATES_TIMEOUT,
};
pub use validate::{Rule, ValidationError, MAX_DEFINITION_BYTES};

#[cfg(test)]
mod tests;
