//! Lambda `block-account-public-access`: [`contract::tasks::settings::BlockAccountPublicAccess`], served by `tasks::lambdas::block_account_public_access`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::block_account_public_access()
}
