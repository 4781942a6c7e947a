//! Lambda `identify-config-rule`: see `tasks::settings::identify_config_rule` and its contract
//! `contract::tasks::settings::IdentifyConfigRule`.

use tasks::{aws::Aws, runtime, settings};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("identify-config-rule", move |input| async move {
        settings::identify_config_rule(&aws.config, input).await
    })
    .await
}
