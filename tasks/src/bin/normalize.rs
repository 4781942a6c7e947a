//! Lambda `normalize`: [`contract::tasks::Normalize`], served by `tasks::lambdas::normalize`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::normalize()
}
