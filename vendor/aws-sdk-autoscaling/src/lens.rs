

pub(crate) fn reflens_describe_auto_scaling_instances_output_output_next_token(
    input: &crate::operation::describe_auto_scaling_instances::DescribeAutoScalingInstancesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_describe_load_balancers_output_output_next_token(
    input: &crate::operation::describe_load_balancers::DescribeLoadBalancersOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_auto_scaling_instances_output_output_auto_scaling_instances(
    input: crate::operation::describe_auto_scaling_instances::DescribeAutoScalingInstancesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::AutoScalingInstanceDetails>> {
    let input = input.auto_scaling_instances?;
    ::std::option::Option::Some(input)
}
