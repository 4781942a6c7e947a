

pub use crate::types::_public_access_block_configuration::PublicAccessBlockConfiguration;

pub use crate::types::_bucket_canned_acl::BucketCannedAcl;

pub use crate::types::_create_bucket_configuration::CreateBucketConfiguration;

pub use crate::types::_tagging::Tagging;

pub use crate::types::_bucket_location_constraint::BucketLocationConstraint;

pub use crate::types::_s3_tag::S3Tag;

mod _bucket_canned_acl;

mod _bucket_location_constraint;

mod _create_bucket_configuration;

mod _public_access_block_configuration;

mod _s3_tag;

mod _tagging;

/// Builders
pub mod builders;

/// Error types that AWS S3 Control can respond with.
pub mod error;
