//! Lambda `release-bucket-public-access`: see `tasks::settings` and its contract in `contract::tasks::settings`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("release-bucket-public-access", move |input| async move {
        settings::release_bucket_public_access(aws, input).await
    })
    .await
}
