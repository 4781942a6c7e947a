//! Lambda `block-account-public-access`: see `tasks::settings` and its contract in `contract::tasks::settings`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("block-account-public-access", move |input| async move {
        settings::block_account_public_access(aws, input).await
    })
    .await
}
