//! The task Lambdas' one binary: it serves the task the function's `IR_TASK` names (the
//! generated template sets it on every function), so every function runs the same artifact and
//! a change links once. See `tasks::lambdas`.

fn main() -> Result<(), lambda_runtime::Error> {
    let variable = contract::task::TASK_VARIABLE;
    let task = std::env::var(variable).map_err(|_| {
        format!("{variable} is not set: the function's environment must name the task it runs (the generated templates set it)")
    })?;
    tasks::lambdas::serve(&task)
}
