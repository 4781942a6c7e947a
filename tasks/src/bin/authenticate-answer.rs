//! Lambda `authenticate-answer`: see `tasks::authenticate::authenticate_answer` and its
//! contract `contract::tasks::authenticate::AuthenticateAnswer`.

use tasks::{authenticate, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let sts = &authenticate::Sts::from_config(&tasks::aws_config().await);
    runtime::run("authenticate-answer", move |input| async move {
        authenticate::authenticate_answer(sts, input).await
    })
    .await
}
