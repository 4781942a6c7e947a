//! Lambda `release-instance`: [`contract::tasks::ec2::ReleaseInstance`], served by `tasks::lambdas::release_instance`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::release_instance()
}
