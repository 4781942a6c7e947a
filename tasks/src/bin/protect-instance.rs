//! Lambda `protect-instance`: [`contract::tasks::ec2::ProtectInstance`], served by `tasks::lambdas::protect_instance`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::protect_instance()
}
