//! Lambda `claim-case`: see `tasks::cases::claim_case` and its contract `contract::tasks::ClaimCase`.

use tasks::{aws::Aws, cases, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("claim-case", move |input| async move {
        cases::claim_case(&aws.dynamodb, &aws.sfn, input).await
    })
    .await
}
