//! Lambda `release-account-public-access`: see `tasks::settings` and its contract in `contract::tasks::settings`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("release-account-public-access", move |input| async move {
        settings::release_account_public_access(aws, input).await
    })
    .await
}
