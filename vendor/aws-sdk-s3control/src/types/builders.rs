

pub use crate::types::_public_access_block_configuration::PublicAccessBlockConfigurationBuilder;

pub use crate::types::_create_bucket_configuration::CreateBucketConfigurationBuilder;

pub use crate::types::_tagging::TaggingBuilder;

pub use crate::types::_s3_tag::S3TagBuilder;
