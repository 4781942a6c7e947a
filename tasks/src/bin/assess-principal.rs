//! Lambda `assess-principal`: see `tasks::credentials` and its contract in `contract::tasks::credentials`.

use tasks::credentials::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("assess-principal", move |input| async move {
        assess::handle(aws, input, &tasks::now()).await
    })
    .await
}
