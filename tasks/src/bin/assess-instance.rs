//! Lambda `assess-instance`: [`contract::tasks::ec2::AssessInstance`], served by `tasks::lambdas::assess_instance`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::assess_instance()
}
