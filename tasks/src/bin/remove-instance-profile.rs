//! Lambda `remove-instance-profile`: [`contract::tasks::ec2::RemoveInstanceProfile`], served by `tasks::lambdas::remove_instance_profile`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::remove_instance_profile()
}
