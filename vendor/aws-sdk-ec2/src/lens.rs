

pub(crate) fn reflens_describe_iam_instance_profile_associations_output_output_next_token(
    input: &crate::operation::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_images_output_output_next_token(
    input: &crate::operation::describe_images::DescribeImagesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_instances_output_output_next_token(
    input: &crate::operation::describe_instances::DescribeInstancesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_network_acls_output_output_next_token(
    input: &crate::operation::describe_network_acls::DescribeNetworkAclsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_network_interfaces_output_output_next_token(
    input: &crate::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_security_group_rules_output_output_next_token(
    input: &crate::operation::describe_security_group_rules::DescribeSecurityGroupRulesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_security_groups_output_output_next_token(
    input: &crate::operation::describe_security_groups::DescribeSecurityGroupsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_snapshots_output_output_next_token(
    input: &crate::operation::describe_snapshots::DescribeSnapshotsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_volumes_output_output_next_token(
    input: &crate::operation::describe_volumes::DescribeVolumesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_vpcs_output_output_next_token(
    input: &crate::operation::describe_vpcs::DescribeVpcsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_iam_instance_profile_associations_output_output_iam_instance_profile_associations(
    input: crate::operation::describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::IamInstanceProfileAssociation>> {
    let input = input.iam_instance_profile_associations?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_images_output_output_images(
    input: crate::operation::describe_images::DescribeImagesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Image>> {
    let input = input.images?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_instances_output_output_reservations(
    input: crate::operation::describe_instances::DescribeInstancesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Reservation>> {
    let input = input.reservations?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_network_acls_output_output_network_acls(
    input: crate::operation::describe_network_acls::DescribeNetworkAclsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::NetworkAcl>> {
    let input = input.network_acls?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_network_interfaces_output_output_network_interfaces(
    input: crate::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::NetworkInterface>> {
    let input = input.network_interfaces?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_security_group_rules_output_output_security_group_rules(
    input: crate::operation::describe_security_group_rules::DescribeSecurityGroupRulesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::SecurityGroupRule>> {
    let input = input.security_group_rules?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_security_groups_output_output_security_groups(
    input: crate::operation::describe_security_groups::DescribeSecurityGroupsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::SecurityGroup>> {
    let input = input.security_groups?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_snapshots_output_output_snapshots(
    input: crate::operation::describe_snapshots::DescribeSnapshotsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Snapshot>> {
    let input = input.snapshots?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_volumes_output_output_volumes(
    input: crate::operation::describe_volumes::DescribeVolumesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Volume>> {
    let input = input.volumes?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_vpcs_output_output_vpcs(
    input: crate::operation::describe_vpcs::DescribeVpcsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Vpc>> {
    let input = input.vpcs?;
    ::std::option::Option::Some(input)
}
