//! Lambda `deactivate-access-key`: see `tasks::credentials` and its contract in `contract::tasks::credentials`.

use tasks::credentials::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("deactivate-access-key", move |input| async move {
        cuts::deactivate_access_key(aws, input).await
    })
    .await
}
