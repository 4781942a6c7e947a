

pub use crate::types::_domain_type::DomainType;

pub use crate::types::_iam_instance_profile_specification::IamInstanceProfileSpecification;

pub use crate::types::_iam_instance_profile_association::IamInstanceProfileAssociation;

pub use crate::types::_subnet_ipv6_cidr_block_association::SubnetIpv6CidrBlockAssociation;

pub use crate::types::_vpc_ipv6_cidr_block_association::VpcIpv6CidrBlockAssociation;

pub use crate::types::_vpc_cidr_block_association::VpcCidrBlockAssociation;

pub use crate::types::_ena_srd_specification::EnaSrdSpecification;

pub use crate::types::_volume_attachment_state::VolumeAttachmentState;

pub use crate::types::_volume_type::VolumeType;

pub use crate::types::_subnet::Subnet;

pub use crate::types::_vpc::Vpc;

pub use crate::types::_snapshot_location_enum::SnapshotLocationEnum;

pub use crate::types::_operator_request::OperatorRequest;

pub use crate::types::_network_acl::NetworkAcl;

pub use crate::types::_rule_action::RuleAction;

pub use crate::types::_icmp_type_code::IcmpTypeCode;

pub use crate::types::_port_range::PortRange;

pub use crate::types::_network_interface_creation_type::NetworkInterfaceCreationType;

pub use crate::types::_connection_tracking_specification_request::ConnectionTrackingSpecificationRequest;

pub use crate::types::_network_interface::NetworkInterface;

pub use crate::types::_storage_tier::StorageTier;

pub use crate::types::_sse_type::SseType;

pub use crate::types::_transfer_type::TransferType;

pub use crate::types::_snapshot_state::SnapshotState;

pub use crate::types::_instance_specification::InstanceSpecification;

pub use crate::types::_copy_tags_from_source::CopyTagsFromSource;

pub use crate::types::_operator_response::OperatorResponse;

pub use crate::types::_volume_state::VolumeState;

pub use crate::types::_vpc_encryption_control_configuration::VpcEncryptionControlConfiguration;

pub use crate::types::_tenancy::Tenancy;

pub use crate::types::_vpc_encryption_control::VpcEncryptionControl;

pub use crate::types::_attribute_value::AttributeValue;

pub use crate::types::_instance_attribute_name::InstanceAttributeName;

pub use crate::types::_attribute_boolean_value::AttributeBooleanValue;

pub use crate::types::_enclave_options::EnclaveOptions;

pub use crate::types::_network_interface_attachment::NetworkInterfaceAttachment;

pub use crate::types::_instance_type::InstanceType;

pub use crate::types::_snapshot_attribute_name::SnapshotAttributeName;

pub use crate::types::_boot_mode_values::BootModeValues;

pub use crate::types::_platform_values::PlatformValues;

pub use crate::types::_vpc_encryption_control_exclusion_state_input::VpcEncryptionControlExclusionStateInput;

pub use crate::types::_operation_type::OperationType;

pub use crate::types::_enclave_options_request::EnclaveOptionsRequest;

pub use crate::types::_secure_blob_attribute_value::SecureBlobAttributeValue;

pub use crate::types::_capacity_reservation_specification::CapacityReservationSpecification;

pub use crate::types::_nested_virtualization_specification::NestedVirtualizationSpecification;

pub use crate::types::_instance_auto_recovery_state::InstanceAutoRecoveryState;

pub use crate::types::_instance_reboot_migration_state::InstanceRebootMigrationState;

pub use crate::types::_http_tokens_state::HttpTokensState;

pub use crate::types::_instance_metadata_endpoint_state::InstanceMetadataEndpointState;

pub use crate::types::_instance_metadata_protocol_state::InstanceMetadataProtocolState;

pub use crate::types::_instance_metadata_tags_state::InstanceMetadataTagsState;

pub use crate::types::_instance_metadata_options_response::InstanceMetadataOptionsResponse;

pub use crate::types::_instance_bandwidth_weighting::InstanceBandwidthWeighting;

pub use crate::types::_network_interface_attachment_changes::NetworkInterfaceAttachmentChanges;

pub use crate::types::_hostname_type::HostnameType;

pub use crate::types::_create_volume_permission_modifications::CreateVolumePermissionModifications;

pub use crate::types::_vpc_encryption_control_mode::VpcEncryptionControlMode;

pub use crate::types::_tpm_support_values::TpmSupportValues;

pub use crate::types::_imds_support_values::ImdsSupportValues;

pub use crate::types::_architecture_values::ArchitectureValues;

pub use crate::types::_instance_interruption_behavior::InstanceInterruptionBehavior;

pub use crate::types::_spot_instance_type::SpotInstanceType;

pub use crate::types::_run_instances_monitoring_enabled::RunInstancesMonitoringEnabled;

pub use crate::types::_placement::Placement;

pub use crate::types::_launch_template_specification::LaunchTemplateSpecification;

pub use crate::types::_instance_market_options_request::InstanceMarketOptionsRequest;

pub use crate::types::_credit_specification_request::CreditSpecificationRequest;

pub use crate::types::_cpu_options_request::CpuOptionsRequest;

pub use crate::types::_hibernation_options_request::HibernationOptionsRequest;

pub use crate::types::_instance_metadata_options_request::InstanceMetadataOptionsRequest;

pub use crate::types::_private_dns_name_options_request::PrivateDnsNameOptionsRequest;

pub use crate::types::_instance_maintenance_options_request::InstanceMaintenanceOptionsRequest;

pub use crate::types::_instance_network_performance_options_request::InstanceNetworkPerformanceOptionsRequest;

pub use crate::types::_shutdown_behavior::ShutdownBehavior;

pub use crate::types::_tag_specification::TagSpecification;

pub use crate::types::_ipv4_prefix_specification::Ipv4PrefixSpecification;

pub use crate::types::_iam_instance_profile::IamInstanceProfile;

pub use crate::types::_iam_instance_profile_association_state::IamInstanceProfileAssociationState;

pub use crate::types::_subnet_cidr_block_state::SubnetCidrBlockState;

pub use crate::types::_ipv6_address_attribute::Ipv6AddressAttribute;

pub use crate::types::_ip_source::IpSource;

pub use crate::types::_vpc_cidr_block_state::VpcCidrBlockState;

pub use crate::types::_ena_srd_udp_specification::EnaSrdUdpSpecification;

pub use crate::types::_attachment_status::AttachmentStatus;

pub use crate::types::_ip_permission::IpPermission;

pub use crate::types::_security_group_rule::SecurityGroupRule;

pub use crate::types::_tag::Tag;

pub use crate::types::_volume::Volume;

pub use crate::types::_private_dns_name_options_on_launch::PrivateDnsNameOptionsOnLaunch;

pub use crate::types::_block_public_access_states::BlockPublicAccessStates;

pub use crate::types::_subnet_state::SubnetState;

pub use crate::types::_vpc_state::VpcState;

pub use crate::types::_block_device_mapping::BlockDeviceMapping;

pub use crate::types::_state_reason::StateReason;

pub use crate::types::_ipv4_prefix_specification_request::Ipv4PrefixSpecificationRequest;

pub use crate::types::_ipv6_prefix_specification_request::Ipv6PrefixSpecificationRequest;

pub use crate::types::_private_ip_address_specification::PrivateIpAddressSpecification;

pub use crate::types::_instance_ipv6_address::InstanceIpv6Address;

pub use crate::types::_network_interface_association::NetworkInterfaceAssociation;

pub use crate::types::_connection_tracking_configuration::ConnectionTrackingConfiguration;

pub use crate::types::_network_interface_type::NetworkInterfaceType;

pub use crate::types::_public_ip_dns_name_options::PublicIpDnsNameOptions;

pub use crate::types::_network_interface_status::NetworkInterfaceStatus;

pub use crate::types::_snapshot_info::SnapshotInfo;

pub use crate::types::_volume_attachment::VolumeAttachment;

pub use crate::types::_vpc_encryption_control_state::VpcEncryptionControlState;

pub use crate::types::_vpc_encryption_control_exclusions::VpcEncryptionControlExclusions;

pub use crate::types::_filter::Filter;

pub use crate::types::_address::Address;

pub use crate::types::_product_code::ProductCode;

pub use crate::types::_image::Image;

pub use crate::types::_instance_block_device_mapping::InstanceBlockDeviceMapping;

pub use crate::types::_group_identifier::GroupIdentifier;

pub use crate::types::_reservation::Reservation;

pub use crate::types::_attachment_ena_srd_specification::AttachmentEnaSrdSpecification;

pub use crate::types::_security_group::SecurityGroup;

pub use crate::types::_create_volume_permission::CreateVolumePermission;

pub use crate::types::_snapshot::Snapshot;

pub use crate::types::_virtualization_type::VirtualizationType;

pub use crate::types::_instance_block_device_mapping_specification::InstanceBlockDeviceMappingSpecification;

pub use crate::types::_capacity_reservation_preference::CapacityReservationPreference;

pub use crate::types::_capacity_reservation_target::CapacityReservationTarget;

pub use crate::types::_instance_metadata_options_state::InstanceMetadataOptionsState;

pub use crate::types::_security_group_rule_update::SecurityGroupRuleUpdate;

pub use crate::types::_revoked_security_group_rule::RevokedSecurityGroupRule;

pub use crate::types::_elastic_gpu_specification::ElasticGpuSpecification;

pub use crate::types::_elastic_inference_accelerator::ElasticInferenceAccelerator;

pub use crate::types::_market_type::MarketType;

pub use crate::types::_spot_market_options::SpotMarketOptions;

pub use crate::types::_amd_sev_snp_specification::AmdSevSnpSpecification;

pub use crate::types::_license_configuration_request::LicenseConfigurationRequest;

pub use crate::types::_instance_secondary_interface_specification_request::InstanceSecondaryInterfaceSpecificationRequest;

pub use crate::types::_instance_network_interface_specification::InstanceNetworkInterfaceSpecification;

pub use crate::types::_instance::Instance;

pub use crate::types::_instance_state_change::InstanceStateChange;

pub use crate::types::_resource_type::ResourceType;

pub use crate::types::_subnet_cidr_block_state_code::SubnetCidrBlockStateCode;

pub use crate::types::_vpc_cidr_block_state_code::VpcCidrBlockStateCode;

pub use crate::types::_referenced_security_group::ReferencedSecurityGroup;

pub use crate::types::_block_public_access_mode::BlockPublicAccessMode;

pub use crate::types::_ebs_block_device::EbsBlockDevice;

pub use crate::types::_network_acl_association::NetworkAclAssociation;

pub use crate::types::_network_acl_entry::NetworkAclEntry;

pub use crate::types::_network_interface_ipv6_address::NetworkInterfaceIpv6Address;

pub use crate::types::_network_interface_private_ip_address::NetworkInterfacePrivateIpAddress;

pub use crate::types::_ipv6_prefix_specification::Ipv6PrefixSpecification;

pub use crate::types::_vpc_encryption_control_exclusion::VpcEncryptionControlExclusion;

pub use crate::types::_vpc_encryption_control_exclusion_state::VpcEncryptionControlExclusionState;

pub use crate::types::_service_managed::ServiceManaged;

pub use crate::types::_permission_group::PermissionGroup;

pub use crate::types::_product_code_values::ProductCodeValues;

pub use crate::types::_hypervisor_type::HypervisorType;

pub use crate::types::_device_type::DeviceType;

pub use crate::types::_scan_results::ScanResults;

pub use crate::types::_instance_type_specification::InstanceTypeSpecification;

pub use crate::types::_image_state::ImageState;

pub use crate::types::_image_type_values::ImageTypeValues;

pub use crate::types::_ebs_instance_block_device::EbsInstanceBlockDevice;

pub use crate::types::_instance_state::InstanceState;

pub use crate::types::_attachment_ena_srd_udp_specification::AttachmentEnaSrdUdpSpecification;

pub use crate::types::_secondary_interface_type::SecondaryInterfaceType;

pub use crate::types::_secondary_interface_status::SecondaryInterfaceStatus;

pub use crate::types::_severity_label::SeverityLabel;

pub use crate::types::_capacity_reservation_target_response::CapacityReservationTargetResponse;

pub use crate::types::_ebs_instance_block_device_specification::EbsInstanceBlockDeviceSpecification;

pub use crate::types::_security_group_rule_request::SecurityGroupRuleRequest;

pub use crate::types::_monitoring::Monitoring;

pub use crate::types::_ena_srd_specification_request::EnaSrdSpecificationRequest;

pub use crate::types::_instance_lifecycle_type::InstanceLifecycleType;

pub use crate::types::_cpu_options::CpuOptions;

pub use crate::types::_capacity_reservation_specification_response::CapacityReservationSpecificationResponse;

pub use crate::types::_hibernation_options::HibernationOptions;

pub use crate::types::_private_dns_name_options_response::PrivateDnsNameOptionsResponse;

pub use crate::types::_instance_maintenance_options::InstanceMaintenanceOptions;

pub use crate::types::_instance_boot_mode_values::InstanceBootModeValues;

pub use crate::types::_instance_network_performance_options::InstanceNetworkPerformanceOptions;

pub use crate::types::_user_id_group_pair::UserIdGroupPair;

pub use crate::types::_ip_range::IpRange;

pub use crate::types::_ipv6_range::Ipv6Range;

pub use crate::types::_prefix_list_id::PrefixListId;

pub use crate::types::_image_watermark::ImageWatermark;

pub use crate::types::_instance_state_name::InstanceStateName;

pub use crate::types::_monitoring_state::MonitoringState;

pub use crate::types::_instance_secondary_interface_private_ip_address_request::InstanceSecondaryInterfacePrivateIpAddressRequest;

pub use crate::types::_ena_srd_udp_specification_request::EnaSrdUdpSpecificationRequest;

pub use crate::types::_elastic_gpu_association::ElasticGpuAssociation;

pub use crate::types::_elastic_inference_accelerator_association::ElasticInferenceAcceleratorAssociation;

pub use crate::types::_instance_network_interface::InstanceNetworkInterface;

pub use crate::types::_license_configuration::LicenseConfiguration;

pub use crate::types::_instance_secondary_interface::InstanceSecondaryInterface;

pub use crate::types::_instance_type_item::InstanceTypeItem;

pub use crate::types::_instance_network_interface_association::InstanceNetworkInterfaceAssociation;

pub use crate::types::_instance_network_interface_attachment::InstanceNetworkInterfaceAttachment;

pub use crate::types::_connection_tracking_specification_response::ConnectionTrackingSpecificationResponse;

pub use crate::types::_instance_secondary_interface_attachment::InstanceSecondaryInterfaceAttachment;

pub use crate::types::_instance_attachment_ena_srd_specification::InstanceAttachmentEnaSrdSpecification;

pub use crate::types::_instance_private_ip_address::InstancePrivateIpAddress;

pub use crate::types::_instance_ipv4_prefix::InstanceIpv4Prefix;

pub use crate::types::_instance_ipv6_prefix::InstanceIpv6Prefix;

pub use crate::types::_instance_secondary_interface_private_ip_address::InstanceSecondaryInterfacePrivateIpAddress;

pub use crate::types::_instance_attachment_ena_srd_udp_specification::InstanceAttachmentEnaSrdUdpSpecification;

mod _address;

mod _amd_sev_snp_specification;

mod _architecture_values;

mod _attachment_ena_srd_specification;

mod _attachment_ena_srd_udp_specification;

mod _attachment_status;

mod _attribute_boolean_value;

mod _attribute_value;

mod _block_device_mapping;

mod _block_public_access_mode;

mod _block_public_access_states;

mod _boot_mode_values;

mod _capacity_reservation_preference;

mod _capacity_reservation_specification;

mod _capacity_reservation_specification_response;

mod _capacity_reservation_target;

mod _capacity_reservation_target_response;

mod _connection_tracking_configuration;

mod _connection_tracking_specification_request;

mod _connection_tracking_specification_response;

mod _copy_tags_from_source;

mod _cpu_options;

mod _cpu_options_request;

mod _create_volume_permission;

mod _create_volume_permission_modifications;

mod _credit_specification_request;

mod _device_type;

mod _domain_type;

mod _ebs_block_device;

mod _ebs_instance_block_device;

mod _ebs_instance_block_device_specification;

mod _elastic_gpu_association;

mod _elastic_gpu_specification;

mod _elastic_inference_accelerator;

mod _elastic_inference_accelerator_association;

mod _ena_srd_specification;

mod _ena_srd_specification_request;

mod _ena_srd_udp_specification;

mod _ena_srd_udp_specification_request;

mod _enclave_options;

mod _enclave_options_request;

mod _filter;

mod _group_identifier;

mod _hibernation_options;

mod _hibernation_options_request;

mod _hostname_type;

mod _http_tokens_state;

mod _hypervisor_type;

mod _iam_instance_profile;

mod _iam_instance_profile_association;

mod _iam_instance_profile_association_state;

mod _iam_instance_profile_specification;

mod _icmp_type_code;

mod _image;

mod _image_state;

mod _image_type_values;

mod _image_watermark;

mod _imds_support_values;

mod _instance;

mod _instance_attachment_ena_srd_specification;

mod _instance_attachment_ena_srd_udp_specification;

mod _instance_attribute_name;

mod _instance_auto_recovery_state;

mod _instance_bandwidth_weighting;

mod _instance_block_device_mapping;

mod _instance_block_device_mapping_specification;

mod _instance_boot_mode_values;

mod _instance_interruption_behavior;

mod _instance_ipv4_prefix;

mod _instance_ipv6_address;

mod _instance_ipv6_prefix;

mod _instance_lifecycle_type;

mod _instance_maintenance_options;

mod _instance_maintenance_options_request;

mod _instance_market_options_request;

mod _instance_metadata_endpoint_state;

mod _instance_metadata_options_request;

mod _instance_metadata_options_response;

mod _instance_metadata_options_state;

mod _instance_metadata_protocol_state;

mod _instance_metadata_tags_state;

mod _instance_network_interface;

mod _instance_network_interface_association;

mod _instance_network_interface_attachment;

mod _instance_network_interface_specification;

mod _instance_network_performance_options;

mod _instance_network_performance_options_request;

mod _instance_private_ip_address;

mod _instance_reboot_migration_state;

mod _instance_secondary_interface;

mod _instance_secondary_interface_attachment;

mod _instance_secondary_interface_private_ip_address;

mod _instance_secondary_interface_private_ip_address_request;

mod _instance_secondary_interface_specification_request;

mod _instance_specification;

mod _instance_state;

mod _instance_state_change;

mod _instance_state_name;

mod _instance_type;

mod _instance_type_item;

mod _instance_type_specification;

mod _ip_permission;

mod _ip_range;

mod _ip_source;

mod _ipv4_prefix_specification;

mod _ipv4_prefix_specification_request;

mod _ipv6_address_attribute;

mod _ipv6_prefix_specification;

mod _ipv6_prefix_specification_request;

mod _ipv6_range;

mod _launch_template_specification;

mod _license_configuration;

mod _license_configuration_request;

mod _market_type;

mod _monitoring;

mod _monitoring_state;

mod _nested_virtualization_specification;

mod _network_acl;

mod _network_acl_association;

mod _network_acl_entry;

mod _network_interface;

mod _network_interface_association;

mod _network_interface_attachment;

mod _network_interface_attachment_changes;

mod _network_interface_creation_type;

mod _network_interface_ipv6_address;

mod _network_interface_private_ip_address;

mod _network_interface_status;

mod _network_interface_type;

mod _operation_type;

mod _operator_request;

mod _operator_response;

mod _permission_group;

mod _placement;

mod _platform_values;

mod _port_range;

mod _prefix_list_id;

mod _private_dns_name_options_on_launch;

mod _private_dns_name_options_request;

mod _private_dns_name_options_response;

mod _private_ip_address_specification;

mod _product_code;

mod _product_code_values;

mod _public_ip_dns_name_options;

mod _referenced_security_group;

mod _reservation;

mod _resource_type;

mod _revoked_security_group_rule;

mod _rule_action;

mod _run_instances_monitoring_enabled;

mod _scan_results;

mod _secondary_interface_status;

mod _secondary_interface_type;

mod _secure_blob_attribute_value;

mod _security_group;

mod _security_group_rule;

mod _security_group_rule_request;

mod _security_group_rule_update;

mod _service_managed;

mod _severity_label;

mod _shutdown_behavior;

mod _snapshot;

mod _snapshot_attribute_name;

mod _snapshot_info;

mod _snapshot_location_enum;

mod _snapshot_state;

mod _spot_instance_type;

mod _spot_market_options;

mod _sse_type;

mod _state_reason;

mod _storage_tier;

mod _subnet;

mod _subnet_cidr_block_state;

mod _subnet_cidr_block_state_code;

mod _subnet_ipv6_cidr_block_association;

mod _subnet_state;

mod _tag;

mod _tag_specification;

mod _tenancy;

mod _tpm_support_values;

mod _transfer_type;

mod _user_id_group_pair;

mod _virtualization_type;

mod _volume;

mod _volume_attachment;

mod _volume_attachment_state;

mod _volume_state;

mod _volume_type;

mod _vpc;

mod _vpc_cidr_block_association;

mod _vpc_cidr_block_state;

mod _vpc_cidr_block_state_code;

mod _vpc_encryption_control;

mod _vpc_encryption_control_configuration;

mod _vpc_encryption_control_exclusion;

mod _vpc_encryption_control_exclusion_state;

mod _vpc_encryption_control_exclusion_state_input;

mod _vpc_encryption_control_exclusions;

mod _vpc_encryption_control_mode;

mod _vpc_encryption_control_state;

mod _vpc_ipv6_cidr_block_association;

mod _vpc_state;

/// Builders
pub mod builders;
