//! Lambda `hand-off-instance`: see `tasks::credentials::handoff` and its contract
//! `contract::tasks::credentials::HandOffInstance`.

use tasks::{credentials::handoff, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = &tasks::aws_config().await;
    let sfn = &aws_sdk_sfn::Client::new(config);
    runtime::run("hand-off-instance", move |input| async move {
        handoff::hand_off(sfn, config, input).await
    })
    .await
}
