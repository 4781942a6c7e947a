//! Lambda `block-in-waf`: see `tasks::ip::block` and its contract in `contract::tasks::ip`.

use tasks::{aws::Aws, ip, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("block-in-waf", move |input| async move {
        ip::block::block_in_waf(aws, input).await
    })
    .await
}
