//! Lambda `expire-blocks`: see `tasks::ip::expire` and its contract in `contract::tasks::ip`.

use tasks::{aws::Aws, ip, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("expire-blocks", move |input| async move {
        ip::expire::expire_blocks(aws, input).await
    })
    .await
}
