//! Lambda `release-account-public-access`: [`contract::tasks::settings::ReleaseAccountPublicAccess`], served by `tasks::lambdas::release_account_public_access`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::release_account_public_access()
}
