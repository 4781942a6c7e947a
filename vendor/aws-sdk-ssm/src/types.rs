

pub use crate::types::_instance_association_output_location::InstanceAssociationOutputLocation;

pub use crate::types::_association_compliance_severity::AssociationComplianceSeverity;

pub use crate::types::_association_sync_compliance::AssociationSyncCompliance;

pub use crate::types::_alarm_configuration::AlarmConfiguration;

pub use crate::types::_association_description::AssociationDescription;

pub use crate::types::_document_type::DocumentType;

pub use crate::types::_document_format::DocumentFormat;

pub use crate::types::_document_description::DocumentDescription;

pub use crate::types::_operating_system::OperatingSystem;

pub use crate::types::_patch_filter_group::PatchFilterGroup;

pub use crate::types::_patch_rule_group::PatchRuleGroup;

pub use crate::types::_patch_compliance_level::PatchComplianceLevel;

pub use crate::types::_patch_action::PatchAction;

pub use crate::types::_patch_compliance_status::PatchComplianceStatus;

pub use crate::types::_resource_data_sync_s3_destination::ResourceDataSyncS3Destination;

pub use crate::types::_resource_data_sync_source::ResourceDataSyncSource;

pub use crate::types::_inventory_deletion_summary::InventoryDeletionSummary;

pub use crate::types::_maintenance_window_resource_type::MaintenanceWindowResourceType;

pub use crate::types::_credentials::Credentials;

pub use crate::types::_automation_execution::AutomationExecution;

pub use crate::types::_command_invocation_status::CommandInvocationStatus;

pub use crate::types::_cloud_watch_output_config::CloudWatchOutputConfig;

pub use crate::types::_baseline_override::BaselineOverride;

pub use crate::types::_document_status::DocumentStatus;

pub use crate::types::_review_status::ReviewStatus;

pub use crate::types::_maintenance_window_execution_status::MaintenanceWindowExecutionStatus;

pub use crate::types::_maintenance_window_task_type::MaintenanceWindowTaskType;

pub use crate::types::_maintenance_window_task_invocation_parameters::MaintenanceWindowTaskInvocationParameters;

pub use crate::types::_logging_info::LoggingInfo;

pub use crate::types::_maintenance_window_task_cutoff_behavior::MaintenanceWindowTaskCutoffBehavior;

pub use crate::types::_ops_item::OpsItem;

pub use crate::types::_parameter::Parameter;

pub use crate::types::_service_setting::ServiceSetting;

pub use crate::types::_document_metadata_response_info::DocumentMetadataResponseInfo;

pub use crate::types::_compliance_execution_summary::ComplianceExecutionSummary;

pub use crate::types::_parameter_type::ParameterType;

pub use crate::types::_parameter_tier::ParameterTier;

pub use crate::types::_document_hash_type::DocumentHashType;

pub use crate::types::_notification_config::NotificationConfig;

pub use crate::types::_command::Command;

pub use crate::types::_execution_mode::ExecutionMode;

pub use crate::types::_association_status::AssociationStatus;

pub use crate::types::_document_default_version_description::DocumentDefaultVersionDescription;

pub use crate::types::_document_reviews::DocumentReviews;

pub use crate::types::_ops_item_status::OpsItemStatus;

pub use crate::types::_tag::Tag;

pub use crate::types::_registration_metadata_item::RegistrationMetadataItem;

pub use crate::types::_target::Target;

pub use crate::types::_s3_output_location::S3OutputLocation;

pub use crate::types::_target_location::TargetLocation;

pub use crate::types::_association_overview::AssociationOverview;

pub use crate::types::_create_association_batch_request_entry::CreateAssociationBatchRequestEntry;

pub use crate::types::_failed_create_association::FailedCreateAssociation;

pub use crate::types::_azure_configuration::AzureConfiguration;

pub use crate::types::_document_requires::DocumentRequires;

pub use crate::types::_attachments_source::AttachmentsSource;

pub use crate::types::_ops_item_data_value::OpsItemDataValue;

pub use crate::types::_ops_item_notification::OpsItemNotification;

pub use crate::types::_related_ops_item::RelatedOpsItem;

pub use crate::types::_metadata_value::MetadataValue;

pub use crate::types::_patch_source::PatchSource;

pub use crate::types::_resource_data_sync_s3_format::ResourceDataSyncS3Format;

pub use crate::types::_resource_data_sync_destination_data_sharing::ResourceDataSyncDestinationDataSharing;

pub use crate::types::_resource_data_sync_aws_organizations_source::ResourceDataSyncAwsOrganizationsSource;

pub use crate::types::_describe_activations_filter::DescribeActivationsFilter;

pub use crate::types::_activation::Activation;

pub use crate::types::_association_execution_filter::AssociationExecutionFilter;

pub use crate::types::_association_execution::AssociationExecution;

pub use crate::types::_association_execution_targets_filter::AssociationExecutionTargetsFilter;

pub use crate::types::_association_execution_target::AssociationExecutionTarget;

pub use crate::types::_automation_execution_filter::AutomationExecutionFilter;

pub use crate::types::_automation_execution_metadata::AutomationExecutionMetadata;

pub use crate::types::_step_execution_filter::StepExecutionFilter;

pub use crate::types::_step_execution::StepExecution;

pub use crate::types::_patch_orchestrator_filter::PatchOrchestratorFilter;

pub use crate::types::_patch::Patch;

pub use crate::types::_account_sharing_info::AccountSharingInfo;

pub use crate::types::_instance_association::InstanceAssociation;

pub use crate::types::_effective_patch::EffectivePatch;

pub use crate::types::_instance_association_status_info::InstanceAssociationStatusInfo;

pub use crate::types::_instance_information_filter::InstanceInformationFilter;

pub use crate::types::_instance_information_string_filter::InstanceInformationStringFilter;

pub use crate::types::_instance_information::InstanceInformation;

pub use crate::types::_patch_compliance_data::PatchComplianceData;

pub use crate::types::_instance_patch_state::InstancePatchState;

pub use crate::types::_instance_patch_state_filter::InstancePatchStateFilter;

pub use crate::types::_instance_property_filter::InstancePropertyFilter;

pub use crate::types::_instance_property_string_filter::InstancePropertyStringFilter;

pub use crate::types::_instance_property::InstanceProperty;

pub use crate::types::_inventory_deletion_status_item::InventoryDeletionStatusItem;

pub use crate::types::_maintenance_window_filter::MaintenanceWindowFilter;

pub use crate::types::_maintenance_window_execution::MaintenanceWindowExecution;

pub use crate::types::_maintenance_window_execution_task_invocation_identity::MaintenanceWindowExecutionTaskInvocationIdentity;

pub use crate::types::_maintenance_window_execution_task_identity::MaintenanceWindowExecutionTaskIdentity;

pub use crate::types::_maintenance_window_identity::MaintenanceWindowIdentity;

pub use crate::types::_scheduled_window_execution::ScheduledWindowExecution;

pub use crate::types::_maintenance_window_identity_for_target::MaintenanceWindowIdentityForTarget;

pub use crate::types::_maintenance_window_target::MaintenanceWindowTarget;

pub use crate::types::_maintenance_window_task::MaintenanceWindowTask;

pub use crate::types::_ops_item_filter::OpsItemFilter;

pub use crate::types::_ops_item_summary::OpsItemSummary;

pub use crate::types::_parameters_filter::ParametersFilter;

pub use crate::types::_parameter_string_filter::ParameterStringFilter;

pub use crate::types::_parameter_metadata::ParameterMetadata;

pub use crate::types::_patch_baseline_identity::PatchBaselineIdentity;

pub use crate::types::_patch_group_patch_baseline_mapping::PatchGroupPatchBaselineMapping;

pub use crate::types::_session_filter::SessionFilter;

pub use crate::types::_session::Session;

pub use crate::types::_automation_execution_status::AutomationExecutionStatus;

pub use crate::types::_resolved_targets::ResolvedTargets;

pub use crate::types::_progress_counters::ProgressCounters;

pub use crate::types::_automation_subtype::AutomationSubtype;

pub use crate::types::_attachment_content::AttachmentContent;

pub use crate::types::_automation_execution_preview::AutomationExecutionPreview;

pub use crate::types::_inventory_filter::InventoryFilter;

pub use crate::types::_inventory_aggregator::InventoryAggregator;

pub use crate::types::_result_attribute::ResultAttribute;

pub use crate::types::_inventory_result_entity::InventoryResultEntity;

pub use crate::types::_inventory_item_schema::InventoryItemSchema;

pub use crate::types::_alarm_state_information::AlarmStateInformation;

pub use crate::types::_maintenance_window_task_parameter_value_expression::MaintenanceWindowTaskParameterValueExpression;

pub use crate::types::_maintenance_window_run_command_parameters::MaintenanceWindowRunCommandParameters;

pub use crate::types::_maintenance_window_automation_parameters::MaintenanceWindowAutomationParameters;

pub use crate::types::_maintenance_window_step_functions_parameters::MaintenanceWindowStepFunctionsParameters;

pub use crate::types::_maintenance_window_lambda_parameters::MaintenanceWindowLambdaParameters;

pub use crate::types::_ops_filter::OpsFilter;

pub use crate::types::_ops_aggregator::OpsAggregator;

pub use crate::types::_ops_result_attribute::OpsResultAttribute;

pub use crate::types::_ops_entity::OpsEntity;

pub use crate::types::_parameter_history::ParameterHistory;

pub use crate::types::_get_resource_policies_response_entry::GetResourcePoliciesResponseEntry;

pub use crate::types::_association_filter::AssociationFilter;

pub use crate::types::_association::Association;

pub use crate::types::_association_version_info::AssociationVersionInfo;

pub use crate::types::_cloud_connector_filter::CloudConnectorFilter;

pub use crate::types::_cloud_connector_summary::CloudConnectorSummary;

pub use crate::types::_command_filter::CommandFilter;

pub use crate::types::_command_invocation::CommandInvocation;

pub use crate::types::_compliance_string_filter::ComplianceStringFilter;

pub use crate::types::_compliance_item::ComplianceItem;

pub use crate::types::_compliance_summary_item::ComplianceSummaryItem;

pub use crate::types::_document_filter::DocumentFilter;

pub use crate::types::_document_key_values_filter::DocumentKeyValuesFilter;

pub use crate::types::_document_identifier::DocumentIdentifier;

pub use crate::types::_document_version_info::DocumentVersionInfo;

pub use crate::types::_node_filter::NodeFilter;

pub use crate::types::_node::Node;

pub use crate::types::_node_aggregator::NodeAggregator;

pub use crate::types::_ops_item_event_filter::OpsItemEventFilter;

pub use crate::types::_ops_item_event_summary::OpsItemEventSummary;

pub use crate::types::_ops_item_related_items_filter::OpsItemRelatedItemsFilter;

pub use crate::types::_ops_item_related_item_summary::OpsItemRelatedItemSummary;

pub use crate::types::_ops_metadata_filter::OpsMetadataFilter;

pub use crate::types::_ops_metadata::OpsMetadata;

pub use crate::types::_resource_compliance_summary_item::ResourceComplianceSummaryItem;

pub use crate::types::_resource_data_sync_item::ResourceDataSyncItem;

pub use crate::types::_compliance_item_entry::ComplianceItemEntry;

pub use crate::types::_inventory_item::InventoryItem;

pub use crate::types::_notification_type::NotificationType;

pub use crate::types::_command_status::CommandStatus;

pub use crate::types::_runbook::Runbook;

pub use crate::types::_automation_execution_inputs::AutomationExecutionInputs;

pub use crate::types::_association_status_name::AssociationStatusName;

pub use crate::types::_document_review_action::DocumentReviewAction;

pub use crate::types::_validation_finding::ValidationFinding;

pub use crate::types::_alarm::Alarm;

pub use crate::types::_fault::Fault;

pub use crate::types::_configuration_targets::ConfigurationTargets;

pub use crate::types::_attachments_source_key::AttachmentsSourceKey;

pub use crate::types::_document_parameter::DocumentParameter;

pub use crate::types::_platform_type::PlatformType;

pub use crate::types::_attachment_information::AttachmentInformation;

pub use crate::types::_review_information::ReviewInformation;

pub use crate::types::_ops_item_data_type::OpsItemDataType;

pub use crate::types::_patch_filter::PatchFilter;

pub use crate::types::_patch_rule::PatchRule;

pub use crate::types::_inventory_deletion_summary_item::InventoryDeletionSummaryItem;

pub use crate::types::_describe_activations_filter_keys::DescribeActivationsFilterKeys;

pub use crate::types::_association_execution_filter_key::AssociationExecutionFilterKey;

pub use crate::types::_association_filter_operator_type::AssociationFilterOperatorType;

pub use crate::types::_association_execution_targets_filter_key::AssociationExecutionTargetsFilterKey;

pub use crate::types::_output_source::OutputSource;

pub use crate::types::_automation_execution_filter_key::AutomationExecutionFilterKey;

pub use crate::types::_automation_type::AutomationType;

pub use crate::types::_step_execution_filter_key::StepExecutionFilterKey;

pub use crate::types::_failure_details::FailureDetails;

pub use crate::types::_parent_step_details::ParentStepDetails;

pub use crate::types::_patch_status::PatchStatus;

pub use crate::types::_instance_association_output_url::InstanceAssociationOutputUrl;

pub use crate::types::_instance_information_filter_key::InstanceInformationFilterKey;

pub use crate::types::_ping_status::PingStatus;

pub use crate::types::_resource_type::ResourceType;

pub use crate::types::_instance_aggregated_association_overview::InstanceAggregatedAssociationOverview;

pub use crate::types::_source_type::SourceType;

pub use crate::types::_patch_compliance_data_state::PatchComplianceDataState;

pub use crate::types::_patch_operation_type::PatchOperationType;

pub use crate::types::_reboot_option::RebootOption;

pub use crate::types::_instance_patch_state_operator_type::InstancePatchStateOperatorType;

pub use crate::types::_instance_property_filter_key::InstancePropertyFilterKey;

pub use crate::types::_instance_property_filter_operator::InstancePropertyFilterOperator;

pub use crate::types::_inventory_deletion_status::InventoryDeletionStatus;

pub use crate::types::_ops_item_filter_key::OpsItemFilterKey;

pub use crate::types::_ops_item_filter_operator::OpsItemFilterOperator;

pub use crate::types::_parameters_filter_key::ParametersFilterKey;

pub use crate::types::_session_filter_key::SessionFilterKey;

pub use crate::types::_session_status::SessionStatus;

pub use crate::types::_session_manager_output_url::SessionManagerOutputUrl;

pub use crate::types::_access_type::AccessType;

pub use crate::types::_attachment_hash_type::AttachmentHashType;

pub use crate::types::_inventory_query_operator_type::InventoryQueryOperatorType;

pub use crate::types::_external_alarm_state::ExternalAlarmState;

pub use crate::types::_ops_filter_operator_type::OpsFilterOperatorType;

pub use crate::types::_association_filter_key::AssociationFilterKey;

pub use crate::types::_cloud_connector_filter_key::CloudConnectorFilterKey;

pub use crate::types::_command_filter_key::CommandFilterKey;

pub use crate::types::_compliance_query_operator_type::ComplianceQueryOperatorType;

pub use crate::types::_compliance_status::ComplianceStatus;

pub use crate::types::_compliance_severity::ComplianceSeverity;

pub use crate::types::_compliant_summary::CompliantSummary;

pub use crate::types::_non_compliant_summary::NonCompliantSummary;

pub use crate::types::_document_reviewer_response_source::DocumentReviewerResponseSource;

pub use crate::types::_document_filter_key::DocumentFilterKey;

pub use crate::types::_node_filter_key::NodeFilterKey;

pub use crate::types::_node_filter_operator_type::NodeFilterOperatorType;

pub use crate::types::_node_owner_info::NodeOwnerInfo;

pub use crate::types::_node_type::NodeType;

pub use crate::types::_node_aggregator_type::NodeAggregatorType;

pub use crate::types::_node_type_name::NodeTypeName;

pub use crate::types::_node_attribute_name::NodeAttributeName;

pub use crate::types::_ops_item_event_filter_key::OpsItemEventFilterKey;

pub use crate::types::_ops_item_event_filter_operator::OpsItemEventFilterOperator;

pub use crate::types::_ops_item_identity::OpsItemIdentity;

pub use crate::types::_ops_item_related_items_filter_key::OpsItemRelatedItemsFilterKey;

pub use crate::types::_ops_item_related_items_filter_operator::OpsItemRelatedItemsFilterOperator;

pub use crate::types::_resource_data_sync_source_with_state::ResourceDataSyncSourceWithState;

pub use crate::types::_last_resource_data_sync_status::LastResourceDataSyncStatus;

pub use crate::types::_notification_event::NotificationEvent;

pub use crate::types::_document_review_comment_source::DocumentReviewCommentSource;

pub use crate::types::_validation_finding_type::ValidationFindingType;

pub use crate::types::_validation_finding_code::ValidationFindingCode;

pub use crate::types::_validation_finding_scope::ValidationFindingScope;

pub use crate::types::_document_parameter_type::DocumentParameterType;

pub use crate::types::_patch_filter_key::PatchFilterKey;

pub use crate::types::_resource_data_sync_organizational_unit::ResourceDataSyncOrganizationalUnit;

pub use crate::types::_patch_deployment_status::PatchDeploymentStatus;

pub use crate::types::_s3_output_url::S3OutputUrl;

pub use crate::types::_parameter_inline_policy::ParameterInlinePolicy;

pub use crate::types::_impact_type::ImpactType;

pub use crate::types::_target_preview::TargetPreview;

pub use crate::types::_inventory_group::InventoryGroup;

pub use crate::types::_inventory_result_item::InventoryResultItem;

pub use crate::types::_inventory_item_attribute::InventoryItemAttribute;

pub use crate::types::_ops_entity_item::OpsEntityItem;

pub use crate::types::_command_plugin::CommandPlugin;

pub use crate::types::_severity_summary::SeveritySummary;

pub use crate::types::_instance_info::InstanceInfo;

pub use crate::types::_document_review_comment_type::DocumentReviewCommentType;

pub use crate::types::_validation_finding_scope_type::ValidationFindingScopeType;

pub use crate::types::_azure_subscription::AzureSubscription;

pub use crate::types::_inventory_attribute_data_type::InventoryAttributeDataType;

pub use crate::types::_command_plugin_status::CommandPluginStatus;

pub use crate::types::_managed_status::ManagedStatus;

mod _access_type;

mod _account_sharing_info;

mod _activation;

mod _alarm;

mod _alarm_configuration;

mod _alarm_state_information;

mod _association;

mod _association_compliance_severity;

mod _association_description;

mod _association_execution;

mod _association_execution_filter;

mod _association_execution_filter_key;

mod _association_execution_target;

mod _association_execution_targets_filter;

mod _association_execution_targets_filter_key;

mod _association_filter;

mod _association_filter_key;

mod _association_filter_operator_type;

mod _association_overview;

mod _association_status;

mod _association_status_name;

mod _association_sync_compliance;

mod _association_version_info;

mod _attachment_content;

mod _attachment_hash_type;

mod _attachment_information;

mod _attachments_source;

mod _attachments_source_key;

mod _automation_execution;

mod _automation_execution_filter;

mod _automation_execution_filter_key;

mod _automation_execution_inputs;

mod _automation_execution_metadata;

mod _automation_execution_preview;

mod _automation_execution_status;

mod _automation_subtype;

mod _automation_type;

mod _azure_configuration;

mod _azure_subscription;

mod _baseline_override;

mod _cloud_connector_filter;

mod _cloud_connector_filter_key;

mod _cloud_connector_summary;

mod _cloud_watch_output_config;

mod _command;

mod _command_filter;

mod _command_filter_key;

mod _command_invocation;

mod _command_invocation_status;

mod _command_plugin;

mod _command_plugin_status;

mod _command_status;

mod _compliance_execution_summary;

mod _compliance_item;

mod _compliance_item_entry;

mod _compliance_query_operator_type;

mod _compliance_severity;

mod _compliance_status;

mod _compliance_string_filter;

mod _compliance_summary_item;

mod _compliant_summary;

mod _configuration_targets;

mod _create_association_batch_request_entry;

mod _credentials;

mod _describe_activations_filter;

mod _describe_activations_filter_keys;

mod _document_default_version_description;

mod _document_description;

mod _document_filter;

mod _document_filter_key;

mod _document_format;

mod _document_hash_type;

mod _document_identifier;

mod _document_key_values_filter;

mod _document_metadata_response_info;

mod _document_parameter;

mod _document_parameter_type;

mod _document_requires;

mod _document_review_action;

mod _document_review_comment_source;

mod _document_review_comment_type;

mod _document_reviewer_response_source;

mod _document_reviews;

mod _document_status;

mod _document_type;

mod _document_version_info;

mod _effective_patch;

mod _execution_mode;

mod _external_alarm_state;

mod _failed_create_association;

mod _failure_details;

mod _fault;

mod _get_resource_policies_response_entry;

mod _impact_type;

mod _instance_aggregated_association_overview;

mod _instance_association;

mod _instance_association_output_location;

mod _instance_association_output_url;

mod _instance_association_status_info;

mod _instance_info;

mod _instance_information;

mod _instance_information_filter;

mod _instance_information_filter_key;

mod _instance_information_string_filter;

mod _instance_patch_state;

mod _instance_patch_state_filter;

mod _instance_patch_state_operator_type;

mod _instance_property;

mod _instance_property_filter;

mod _instance_property_filter_key;

mod _instance_property_filter_operator;

mod _instance_property_string_filter;

mod _inventory_aggregator;

mod _inventory_attribute_data_type;

mod _inventory_deletion_status;

mod _inventory_deletion_status_item;

mod _inventory_deletion_summary;

mod _inventory_deletion_summary_item;

mod _inventory_filter;

mod _inventory_group;

mod _inventory_item;

mod _inventory_item_attribute;

mod _inventory_item_schema;

mod _inventory_query_operator_type;

mod _inventory_result_entity;

mod _inventory_result_item;

mod _last_resource_data_sync_status;

mod _logging_info;

mod _maintenance_window_automation_parameters;

mod _maintenance_window_execution;

mod _maintenance_window_execution_status;

mod _maintenance_window_execution_task_identity;

mod _maintenance_window_execution_task_invocation_identity;

mod _maintenance_window_filter;

mod _maintenance_window_identity;

mod _maintenance_window_identity_for_target;

mod _maintenance_window_lambda_parameters;

mod _maintenance_window_resource_type;

mod _maintenance_window_run_command_parameters;

mod _maintenance_window_step_functions_parameters;

mod _maintenance_window_target;

mod _maintenance_window_task;

mod _maintenance_window_task_cutoff_behavior;

mod _maintenance_window_task_invocation_parameters;

mod _maintenance_window_task_parameter_value_expression;

mod _maintenance_window_task_type;

mod _managed_status;

mod _metadata_value;

mod _node;

mod _node_aggregator;

mod _node_aggregator_type;

mod _node_attribute_name;

mod _node_filter;

mod _node_filter_key;

mod _node_filter_operator_type;

mod _node_owner_info;

mod _node_type;

mod _node_type_name;

mod _non_compliant_summary;

mod _notification_config;

mod _notification_event;

mod _notification_type;

mod _operating_system;

mod _ops_aggregator;

mod _ops_entity;

mod _ops_entity_item;

mod _ops_filter;

mod _ops_filter_operator_type;

mod _ops_item;

mod _ops_item_data_type;

mod _ops_item_data_value;

mod _ops_item_event_filter;

mod _ops_item_event_filter_key;

mod _ops_item_event_filter_operator;

mod _ops_item_event_summary;

mod _ops_item_filter;

mod _ops_item_filter_key;

mod _ops_item_filter_operator;

mod _ops_item_identity;

mod _ops_item_notification;

mod _ops_item_related_item_summary;

mod _ops_item_related_items_filter;

mod _ops_item_related_items_filter_key;

mod _ops_item_related_items_filter_operator;

mod _ops_item_status;

mod _ops_item_summary;

mod _ops_metadata;

mod _ops_metadata_filter;

mod _ops_result_attribute;

mod _output_source;

mod _parameter;

mod _parameter_history;

mod _parameter_inline_policy;

mod _parameter_metadata;

mod _parameter_string_filter;

mod _parameter_tier;

mod _parameter_type;

mod _parameters_filter;

mod _parameters_filter_key;

mod _parent_step_details;

mod _patch;

mod _patch_action;

mod _patch_baseline_identity;

mod _patch_compliance_data;

mod _patch_compliance_data_state;

mod _patch_compliance_level;

mod _patch_compliance_status;

mod _patch_deployment_status;

mod _patch_filter;

mod _patch_filter_group;

mod _patch_filter_key;

mod _patch_group_patch_baseline_mapping;

mod _patch_operation_type;

mod _patch_orchestrator_filter;

mod _patch_rule;

mod _patch_rule_group;

mod _patch_source;

mod _patch_status;

mod _ping_status;

mod _platform_type;

mod _progress_counters;

mod _reboot_option;

mod _registration_metadata_item;

mod _related_ops_item;

mod _resolved_targets;

mod _resource_compliance_summary_item;

mod _resource_data_sync_aws_organizations_source;

mod _resource_data_sync_destination_data_sharing;

mod _resource_data_sync_item;

mod _resource_data_sync_organizational_unit;

mod _resource_data_sync_s3_destination;

mod _resource_data_sync_s3_format;

mod _resource_data_sync_source;

mod _resource_data_sync_source_with_state;

mod _resource_type;

mod _result_attribute;

mod _review_information;

mod _review_status;

mod _runbook;

mod _s3_output_location;

mod _s3_output_url;

mod _scheduled_window_execution;

mod _service_setting;

mod _session;

mod _session_filter;

mod _session_filter_key;

mod _session_manager_output_url;

mod _session_status;

mod _severity_summary;

mod _source_type;

mod _step_execution;

mod _step_execution_filter;

mod _step_execution_filter_key;

mod _tag;

mod _target;

mod _target_location;

mod _target_preview;

mod _validation_finding;

mod _validation_finding_code;

mod _validation_finding_scope;

mod _validation_finding_scope_type;

mod _validation_finding_type;

/// Builders
pub mod builders;

/// Error types that Amazon Simple Systems Manager (SSM) can respond with.
pub mod error;
