//! Lambda `expire-blocks`: [`contract::tasks::ip::ExpireBlocks`], served by `tasks::lambdas::expire_blocks`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::expire_blocks()
}
