//! Lambda `verify-isolation`: [`contract::tasks::ec2::VerifyIsolation`], served by `tasks::lambdas::verify_isolation`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::verify_isolation()
}
