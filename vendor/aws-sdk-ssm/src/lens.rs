

pub(crate) fn reflens_describe_instance_information_output_output_next_token(
    input: &crate::operation::describe_instance_information::DescribeInstanceInformationOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_command_invocations_output_output_next_token(
    input: &crate::operation::list_command_invocations::ListCommandInvocationsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_instance_information_output_output_instance_information_list(
    input: crate::operation::describe_instance_information::DescribeInstanceInformationOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::InstanceInformation>> {
    let input = input.instance_information_list?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_command_invocations_output_output_command_invocations(
    input: crate::operation::list_command_invocations::ListCommandInvocationsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::CommandInvocation>> {
    let input = input.command_invocations?;
    ::std::option::Option::Some(input)
}
