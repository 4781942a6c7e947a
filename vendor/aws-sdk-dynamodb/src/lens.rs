

pub(crate) fn reflens_query_output_output_last_evaluated_key(
    input: &crate::operation::query::QueryOutput,
) -> ::std::option::Option<&::std::collections::HashMap<::std::string::String, crate::types::AttributeValue>> {
    let input = match &input.last_evaluated_key {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_query_output_output_items(
    input: crate::operation::query::QueryOutput,
) -> ::std::option::Option<::std::vec::Vec<::std::collections::HashMap<::std::string::String, crate::types::AttributeValue>>> {
    let input = input.items?;
    ::std::option::Option::Some(input)
}
