//! Lambda `revoke-role-sessions`: see `tasks::credentials` and its contract in `contract::tasks::credentials`.

use tasks::credentials::*;
use tasks::{aws::Aws, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let aws = &Aws::from_env().await;
    runtime::run("revoke-role-sessions", move |input| async move {
        cuts::revoke_role_sessions(aws, input, &tasks::now()).await
    })
    .await
}
