//! Lambda `release-bucket-public-access`: [`contract::tasks::settings::ReleaseBucketPublicAccess`], served by `tasks::lambdas::release_bucket_public_access`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::release_bucket_public_access()
}
