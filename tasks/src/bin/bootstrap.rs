//! The task Lambdas' binaries, all from this one file.
//!
//! `bootstrap` serves the task the function's `IR_TASK` names, so one artifact can serve every
//! function (the emulator runs it; see `tasks::lambdas`). Each per-task binary
//! (`--features per-task-binaries`, what `make package` zips) is named after its task and
//! serves that task alone: its task is chosen at compile time, so it links only that task's code
//! and the SDK clients it calls, a fraction of the bootstrap's size.

use tasks::lambdas;

/// This binary's task, when it is a per-task binary; `None` for `bootstrap`.
const OWN_TASK: Option<usize> = lambdas::position(env!("CARGO_BIN_NAME"));

fn main() -> Result<(), lambda_runtime::Error> {
    let variable = contract::task::TASK_VARIABLE;
    let named = std::env::var(variable).ok();
    if let Some(position) = OWN_TASK {
        let own = lambdas::TASKS[position];
        if let Some(other) = named.filter(|n| n != own) {
            return Err(format!(
                "this is the {own} binary, but {variable} names {other}: deploy {other}'s zip to this function (the generated templates do)"
            )
            .into());
        }
        return lambdas::serve_at(position);
    }
    let task = named.ok_or_else(|| {
        format!("{variable} is not set: the function's environment must name the task it runs (the generated templates set it)")
    })?;
    lambdas::serve(&task)
}
