//! Lambda `block-bucket-public-access`: [`contract::tasks::settings::BlockBucketPublicAccess`], served by `tasks::lambdas::block_bucket_public_access`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::block_bucket_public_access()
}
