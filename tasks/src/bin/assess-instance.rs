//! Lambda `assess-instance`: see `tasks::ec2` and its contract in `contract::tasks::ec2`.

use tasks::ec2::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("assess-instance", move |input| async move {
        assess::handle(aws, input, &tasks::now()).await
    })
    .await
}
