//! Lambda `capture-volatile-evidence`: see `tasks::ec2::capture`.

use std::time::Duration;
use tasks::ec2::capture;
use tasks::{aws::Aws, runtime};

/// Leave the Lambda time to answer: it runs up to 900 s.
const BUDGET: Duration = Duration::from_secs(840);

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("capture-volatile-evidence", move |input| async move {
        capture::handle(aws, input, BUDGET).await
    })
    .await
}
