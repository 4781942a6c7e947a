//! Lambda `normalize`: any supported event in, one case out.

use tasks::{normalize, runtime};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::run(
        "normalize",
        |input| async move { normalize::normalize(input) },
    )
    .await
}
