

pub use crate::types::_consumed_capacity::ConsumedCapacityBuilder;

pub use crate::types::_item_collection_metrics::ItemCollectionMetricsBuilder;

pub use crate::types::_vector_capacity::VectorCapacityBuilder;

pub use crate::types::_throttling_reason::ThrottlingReasonBuilder;

pub use crate::types::_expected_attribute_value::ExpectedAttributeValueBuilder;

pub use crate::types::_capacity::CapacityBuilder;

pub use crate::types::_cancellation_reason::CancellationReasonBuilder;

pub use crate::types::_condition::ConditionBuilder;

pub use crate::types::_attribute_value_update::AttributeValueUpdateBuilder;
