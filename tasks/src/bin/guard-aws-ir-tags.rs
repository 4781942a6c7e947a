//! Lambda `guard-aws-ir-tags`: see `tasks::settings::guard_aws_ir_tags` and its contract
//! `contract::tasks::settings::GuardAwsIrTags`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("guard-aws-ir-tags", move |input| async move {
        settings::guard_aws_ir_tags(aws, input).await
    })
    .await
}
