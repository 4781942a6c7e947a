//! Lambda `screen-addresses`: see `tasks::ip::screen` and its contract in `contract::tasks::ip`.

use tasks::{aws::Aws, ip, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("screen-addresses", move |input| async move {
        ip::screen::screen_addresses(aws, input).await
    })
    .await
}
