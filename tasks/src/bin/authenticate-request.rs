//! Lambda `authenticate-request`: see `tasks::authenticate::authenticate_request` and its
//! contract `contract::tasks::authenticate::AuthenticateRequest`.

use tasks::{authenticate, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = tasks::aws_config().await;
    let iam = &aws_sdk_iam::Client::new(&config);
    let sts = &authenticate::Sts::from_config(&config);
    runtime::run("authenticate-request", move |input| async move {
        authenticate::authenticate_request(iam, sts, input).await
    })
    .await
}
