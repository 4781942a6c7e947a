//! Lambda `record-credentials`: [`contract::tasks::credentials::RecordCredentials`], served by `tasks::lambdas::record_credentials`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::record_credentials()
}
