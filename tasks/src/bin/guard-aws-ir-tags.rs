//! Lambda `guard-aws-ir-tags`: [`contract::tasks::settings::GuardAwsIrTags`], served by `tasks::lambdas::guard_aws_ir_tags`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::guard_aws_ir_tags()
}
