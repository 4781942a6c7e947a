//! Lambda `remove-instance-profile`: see `tasks::ec2` and its contract in `contract::tasks::ec2`.

use tasks::ec2::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("remove-instance-profile", move |input| async move {
        profile::handle(aws, input, &tasks::now()).await
    })
    .await
}
