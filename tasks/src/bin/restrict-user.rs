//! Lambda `restrict-user`: see `tasks::credentials` and its contract in `contract::tasks::credentials`.

use tasks::credentials::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("restrict-user", move |input| async move {
        cuts::restrict_user(aws, input).await
    })
    .await
}
