//! Lambda `notify`: publish a readable case summary to the topic.

use tasks::{notify, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let sns = aws_sdk_sns::Client::new(&tasks::aws_config().await);
    let sns = &sns;
    runtime::run("notify", move |input| async move {
        notify::handle(sns, input).await
    })
    .await
}
