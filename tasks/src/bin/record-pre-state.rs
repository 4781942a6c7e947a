//! Lambda `record-pre-state`: see `tasks::ec2` and its contract in `contract::tasks::ec2`.

use tasks::ec2::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("record-pre-state", move |input| async move {
        prestate::handle(aws, input, &tasks::now()).await
    })
    .await
}
