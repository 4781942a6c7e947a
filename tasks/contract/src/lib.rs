//! The contracts between the parts of the project, with no AWS SDK in sight.
//!
//! Three parties read the same types:
//! - the task Lambdas (`tasks/`) deserialize their input and serialize their output with them;
//! - the code generator (`codegen/`) derives each task's ASL `Parameters` and `ResultSelector`,
//!   its IAM policy and its JSON Schemas from them;
//! - the operator CLI reads cases and results from execution histories.
//!
//! Keeping them here, free of the SDK crates, lets `codegen` build in seconds.

pub mod approval;
pub mod case;
pub mod case_table;
pub mod checks;
pub mod custody;
pub mod errors;
pub mod events;
pub mod lenient;
pub mod naming;
pub mod proof;
pub mod remote;
pub mod tags;
pub mod task;
pub mod tasks;
pub mod trust;

pub use case::Case;
pub use errors::ErrorName;
pub use task::{Permission, Scope, Task};
