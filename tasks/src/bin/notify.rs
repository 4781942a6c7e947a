//! Lambda `notify`: publish a readable case summary to the topic; mark Security Hub findings; post to the chat.

use tasks::{notify, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = tasks::aws_config().await;
    let sns = &aws_sdk_sns::Client::new(&config);
    let securityhub = &aws_sdk_securityhub::Client::new(&config);
    let ssm = &aws_sdk_ssm::Client::new(&config);
    runtime::run("notify", move |input| async move {
        notify::handle(sns, securityhub, ssm, input).await
    })
    .await
}
