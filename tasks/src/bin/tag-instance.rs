//! Lambda `tag-instance`: [`contract::tasks::ec2::TagInstance`], served by `tasks::lambdas::tag_instance`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::tag_instance()
}
