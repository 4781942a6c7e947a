

pub use crate::types::_queue_attribute_name::QueueAttributeName;

pub use crate::types::_message_system_attribute_name::MessageSystemAttributeName;

pub use crate::types::_message::Message;

pub use crate::types::_message_attribute_value::MessageAttributeValue;

mod _message;

mod _message_attribute_value;

mod _message_system_attribute_name;

mod _queue_attribute_name;

/// Builders
pub mod builders;

/// Error types that Amazon Simple Queue Service can respond with.
pub mod error;
