//! Lambda `restore-ingress`: see `tasks::settings` and its contract in `contract::tasks::settings`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("restore-ingress", move |input| async move {
        settings::restore_ingress(aws, input).await
    })
    .await
}
