

pub use crate::types::_put_events_request_entry::PutEventsRequestEntry;

pub use crate::types::_put_events_result_entry::PutEventsResultEntry;

mod _put_events_request_entry;

mod _put_events_result_entry;

/// Builders
pub mod builders;

/// Error types that Amazon EventBridge can respond with.
pub mod error;
