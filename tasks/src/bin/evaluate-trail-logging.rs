//! Lambda `evaluate-trail-logging`: the custom AWS Config rule of `tasks::settings` (invoked by Config, not by a playbook).

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("evaluate-trail-logging", move |input| async move {
        settings::evaluate_trail_logging(aws, input).await
    })
    .await
}
