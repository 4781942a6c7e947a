

pub use crate::types::_message::MessageBuilder;

pub use crate::types::_message_attribute_value::MessageAttributeValueBuilder;
