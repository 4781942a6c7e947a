//! Lambda `detach-from-services`: see `tasks::ec2` and its contract in `contract::tasks::ec2`.

use tasks::ec2::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("detach-from-services", move |input| async move {
        detach::handle(aws, input).await
    })
    .await
}
