//! Lambda `detach-from-services`: [`contract::tasks::ec2::DetachFromServices`], served by `tasks::lambdas::detach_from_services`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::detach_from_services()
}
