//! Lambda `block-in-nacl`: see `tasks::ip::block` and its contract in `contract::tasks::ip`.

use tasks::{aws::Aws, ip, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("block-in-nacl", move |input| async move {
        ip::block::block_in_nacl(aws, input).await
    })
    .await
}
