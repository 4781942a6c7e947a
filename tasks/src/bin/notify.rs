//! Lambda `notify`: [`contract::tasks::Notify`], served by `tasks::lambdas::notify`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::notify()
}
