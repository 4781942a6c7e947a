//! Lambda `block-in-waf`: [`contract::tasks::ip::BlockInWaf`], served by `tasks::lambdas::block_in_waf`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::block_in_waf()
}
