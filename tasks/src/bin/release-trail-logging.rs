//! Lambda `release-trail-logging`: see `tasks::settings` and its contract in `contract::tasks::settings`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("release-trail-logging", move |input| async move {
        settings::release_trail_logging(aws, input).await
    })
    .await
}
