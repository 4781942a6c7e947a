//! Lambda `restrict-user`: [`contract::tasks::credentials::RestrictUser`], served by `tasks::lambdas::restrict_user`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::restrict_user()
}
