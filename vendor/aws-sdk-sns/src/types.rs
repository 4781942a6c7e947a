

pub use crate::types::_tag::Tag;

pub use crate::types::_topic::Topic;

pub use crate::types::_message_attribute_value::MessageAttributeValue;

mod _message_attribute_value;

mod _tag;

mod _topic;

/// Builders
pub mod builders;

/// Error types that Amazon Simple Notification Service can respond with.
pub mod error;
