

pub(crate) fn reflens_describe_config_rules_output_output_next_token(
    input: &crate::operation::describe_config_rules::DescribeConfigRulesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_get_compliance_details_by_config_rule_output_output_next_token(
    input: &crate::operation::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.next_token {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_describe_config_rules_output_output_config_rules(
    input: crate::operation::describe_config_rules::DescribeConfigRulesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::ConfigRule>> {
    let input = input.config_rules?;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_get_compliance_details_by_config_rule_output_output_evaluation_results(
    input: crate::operation::get_compliance_details_by_config_rule::GetComplianceDetailsByConfigRuleOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::EvaluationResult>> {
    let input = input.evaluation_results?;
    ::std::option::Option::Some(input)
}
