

pub use crate::types::_rollback_configuration::RollbackConfiguration;

pub use crate::types::_deployment_config::DeploymentConfig;

pub use crate::types::_on_failure::OnFailure;

pub use crate::types::_call_as::CallAs;

pub use crate::types::_deletion_mode::DeletionMode;

pub use crate::types::_stack_drift_status::StackDriftStatus;

pub use crate::types::_hook_invocation_point::HookInvocationPoint;

pub use crate::types::_hook_failure_mode::HookFailureMode;

pub use crate::types::_hook_status::HookStatus;

pub use crate::types::_parameter::Parameter;

pub use crate::types::_capability::Capability;

pub use crate::types::_tag::Tag;

pub use crate::types::_deployment_config_mode::DeploymentConfigMode;

pub use crate::types::_stack_event::StackEvent;

pub use crate::types::_stack_instance_status::StackInstanceStatus;

pub use crate::types::_stack_instance_comprehensive_status::StackInstanceComprehensiveStatus;

pub use crate::types::_resource_status::ResourceStatus;

pub use crate::types::_stack::Stack;

pub use crate::types::_stack_instance_filter::StackInstanceFilter;

pub use crate::types::_stack_instance_summary::StackInstanceSummary;

pub use crate::types::_stack_status::StackStatus;

pub use crate::types::_rollback_trigger::RollbackTrigger;

pub use crate::types::_operation_type::OperationType;

pub use crate::types::_detailed_status::DetailedStatus;

pub use crate::types::_stack_instance_detailed_status::StackInstanceDetailedStatus;

pub use crate::types::_stack_drift_information::StackDriftInformation;

pub use crate::types::_stack_instance_filter_name::StackInstanceFilterName;

pub use crate::types::_output::Output;

pub use crate::types::_operation_entry::OperationEntry;

mod _call_as;

mod _capability;

mod _deletion_mode;

mod _deployment_config;

mod _deployment_config_mode;

mod _detailed_status;

mod _hook_failure_mode;

mod _hook_invocation_point;

mod _hook_status;

mod _on_failure;

mod _operation_entry;

mod _operation_type;

mod _output;

mod _parameter;

mod _resource_status;

mod _rollback_configuration;

mod _rollback_trigger;

mod _stack;

mod _stack_drift_information;

mod _stack_drift_status;

mod _stack_event;

mod _stack_instance_comprehensive_status;

mod _stack_instance_detailed_status;

mod _stack_instance_filter;

mod _stack_instance_filter_name;

mod _stack_instance_status;

mod _stack_instance_summary;

mod _stack_status;

mod _tag;

/// Builders
pub mod builders;

/// Error types that AWS CloudFormation can respond with.
pub mod error;
