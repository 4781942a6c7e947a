//! Lambda `record-credentials`: see `tasks::credentials` and its contract in `contract::tasks::credentials`.

use tasks::credentials::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("record-credentials", move |input| async move {
        record::handle(aws, input, &tasks::now()).await
    })
    .await
}
