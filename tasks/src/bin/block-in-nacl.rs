//! Lambda `block-in-nacl`: [`contract::tasks::ip::BlockInNacl`], served by `tasks::lambdas::block_in_nacl`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::block_in_nacl()
}
