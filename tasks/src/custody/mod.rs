//! Chain of custody for disk evidence (#18): every block of a case's snapshots read back
//! through the EBS direct APIs, each checked against the SHA-256 AWS sends with it, and one
//! aggregate per snapshot in AWS's own `LINEAR` form, so that the figure means the same thing
//! outside aws-ir (it is what `CompleteSnapshot` takes).
//!
//! The work is split into ranges of block indexes ([`digest::ranges`]): a 16 TiB volume has
//! 33.5 M blocks, hours of reading at the per-snapshot quota, far beyond one Lambda's 15
//! minutes. A range is hashed by [`ebs::hash_range`]; the aggregate is computed from the
//! ranges' results in block order ([`digest::linear`]). Pure logic is in [`digest`], the EBS
//! calls in [`ebs`].

pub mod digest;
pub mod ebs;
