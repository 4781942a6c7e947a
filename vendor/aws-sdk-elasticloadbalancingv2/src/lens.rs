

pub(crate) fn reflens_describe_load_balancers_output_output_next_marker(
    input: &crate::operation::describe_load_balancers::DescribeLoadBalancersOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_target_groups_output_output_next_marker(
    input: &crate::operation::describe_target_groups::DescribeTargetGroupsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_load_balancers_output_output_load_balancers(
    input: crate::operation::describe_load_balancers::DescribeLoadBalancersOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::LoadBalancer>> {
    let input = input.load_balancers?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_target_groups_output_output_target_groups(
    input: crate::operation::describe_target_groups::DescribeTargetGroupsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::TargetGroup>> {
    let input = input.target_groups?;
    ::std::option::Option::Some(input)
}
