

pub use crate::types::_trail::Trail;

pub use crate::types::_insight_type::InsightType;

pub use crate::types::_tag::Tag;

pub use crate::types::_advanced_event_selector::AdvancedEventSelector;

pub use crate::types::_event_selector::EventSelector;

pub use crate::types::_insight_selector::InsightSelector;

pub use crate::types::_resource_tag::ResourceTag;

pub use crate::types::_trail_info::TrailInfo;

pub use crate::types::_read_write_type::ReadWriteType;

pub use crate::types::_advanced_field_selector::AdvancedFieldSelector;

pub use crate::types::_data_resource::DataResource;

pub use crate::types::_source_event_category::SourceEventCategory;

mod _advanced_event_selector;

mod _advanced_field_selector;

mod _data_resource;

mod _event_selector;

mod _insight_selector;

mod _insight_type;

mod _read_write_type;

mod _resource_tag;

mod _source_event_category;

mod _tag;

mod _trail;

mod _trail_info;

/// Builders
pub mod builders;

/// Error types that AWS CloudTrail can respond with.
pub mod error;
