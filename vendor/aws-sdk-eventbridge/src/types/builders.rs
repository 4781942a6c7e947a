

pub use crate::types::_put_events_request_entry::PutEventsRequestEntryBuilder;

pub use crate::types::_put_events_result_entry::PutEventsResultEntryBuilder;
