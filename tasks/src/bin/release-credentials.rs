//! Lambda `release-credentials`: [`contract::tasks::credentials::ReleaseCredentials`], served by `tasks::lambdas::release_credentials`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::release_credentials()
}
