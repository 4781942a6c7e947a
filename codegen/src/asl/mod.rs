//! Typed Amazon States Language: states as values, chained CDK-style, validated, rendered.
//!
//! - Every state is a [`State`]: one [`Common`] part (name, comment, input and output processing,
//!   `Next`/`End`, `Retry`, `Catch`) and a [`Kind`] per state type with only that type's fields.
//!   States are built on a [`StateBuilder`] of their kind ([`Task`], [`Pass`], [`Choice`], ...),
//!   which offers only the setters ASL allows for that type.
//! - A Task's [`Integration`] gives its `Resource` and `Parameters` and the IAM statements the
//!   state machine role needs for it; a [`Timeout`] is seconds or a path, never both.
//! - [`Chain`] links states CDK-style (`a.next(b)`); a [`StateMachine`] is a whole graph,
//!   validated by every [`Rule`] before it is rendered.
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
mod integration;
mod machine;
pub mod mermaid;
pub mod path;
mod state;
mod validate;

pub use chain::{Chain, IntoChain};
pub use condition::{Condition, Op, Operand, TypeTest};
pub use integration::{Integration, StackRefs, TaskInfo, LAMBDA_SERVICE_ERRORS};
pub use machine::StateMachine;
pub use state::{
    Catcher, Choice, ChoiceKind, Common, Fail, FailKind, Filters, Graph, Io, Jitter, Kind, MapKind,
    MapState, Parallel, ParallelKind, Pass, PassKind, PlacesResult, Recovers, ResultPath, Retrier,
    SelectsResult, State, StateBuilder, Succeed, SucceedKind, TakesParameters, Task, TaskKind,
    Timeout, Transition, Wait, WaitFor, WaitKind, KEY_ORDER, STATES_ALL, STATES_TIMEOUT,
};
pub use validate::{Rule, ValidationError, MAX_DEFINITION_BYTES};

#[cfg(test)]
mod tests;
