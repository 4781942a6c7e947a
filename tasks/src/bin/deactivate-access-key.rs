//! Lambda `deactivate-access-key`: [`contract::tasks::credentials::DeactivateAccessKey`], served by `tasks::lambdas::deactivate_access_key`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::deactivate_access_key()
}
