//! The task Lambdas' one binary: it serves the task the function's `IR_TASK` names (the
//! generated template sets it on every function), so every function runs the same artifact and
//! a change links once. See `tasks::lambdas`.
//!
//! The per-task targets (`--features per-task-binaries`) are built from this same file: without
//! `IR_TASK`, a binary serves the task it is named after.

fn main() -> Result<(), lambda_runtime::Error> {
    let variable = contract::task::TASK_VARIABLE;
    let own_name = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|name| tasks::lambdas::TASKS.contains(&name.as_str()));
    let task = std::env::var(variable).ok().or(own_name).ok_or_else(|| {
        format!("{variable} is not set: the function's environment must name the task it runs (the generated templates set it)")
    })?;
    tasks::lambdas::serve(&task)
}
