

pub use crate::types::_ipam_pools::IpamPoolsBuilder;

pub use crate::types::_matcher::MatcherBuilder;

pub use crate::types::_tag::TagBuilder;

pub use crate::types::_load_balancer::LoadBalancerBuilder;

pub use crate::types::_target_group::TargetGroupBuilder;

pub use crate::types::_target_description::TargetDescriptionBuilder;

pub use crate::types::_target_health_description::TargetHealthDescriptionBuilder;

pub use crate::types::_availability_zone::AvailabilityZoneBuilder;

pub use crate::types::_load_balancer_state::LoadBalancerStateBuilder;

pub use crate::types::_target_health::TargetHealthBuilder;

pub use crate::types::_anomaly_detection::AnomalyDetectionBuilder;

pub use crate::types::_administrative_override::AdministrativeOverrideBuilder;

pub use crate::types::_load_balancer_address::LoadBalancerAddressBuilder;
