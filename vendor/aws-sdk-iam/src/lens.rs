

pub(crate) fn reflens_list_access_keys_output_output_marker(
    input: &crate::operation::list_access_keys::ListAccessKeysOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_instance_profiles_for_role_output_output_marker(
    input: &crate::operation::list_instance_profiles_for_role::ListInstanceProfilesForRoleOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_role_policies_output_output_marker(
    input: &crate::operation::list_role_policies::ListRolePoliciesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_role_tags_output_output_marker(
    input: &crate::operation::list_role_tags::ListRoleTagsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_roles_output_output_marker(
    input: &crate::operation::list_roles::ListRolesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_user_policies_output_output_marker(
    input: &crate::operation::list_user_policies::ListUserPoliciesOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn reflens_list_user_tags_output_output_marker(
    input: &crate::operation::list_user_tags::ListUserTagsOutput,
) -> ::std::option::Option<&::std::string::String> {
    let input = match &input.marker {
        ::std::option::Option::None => return ::std::option::Option::None,
        ::std::option::Option::Some(t) => t,
    };
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_access_keys_output_output_access_key_metadata(
    input: crate::operation::list_access_keys::ListAccessKeysOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::AccessKeyMetadata>> {
    let input = input.access_key_metadata;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_instance_profiles_for_role_output_output_instance_profiles(
    input: crate::operation::list_instance_profiles_for_role::ListInstanceProfilesForRoleOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::InstanceProfile>> {
    let input = input.instance_profiles;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_role_policies_output_output_policy_names(
    input: crate::operation::list_role_policies::ListRolePoliciesOutput,
) -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {
    let input = input.policy_names;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_role_tags_output_output_tags(
    input: crate::operation::list_role_tags::ListRoleTagsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Tag>> {
    let input = input.tags;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_roles_output_output_roles(
    input: crate::operation::list_roles::ListRolesOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Role>> {
    let input = input.roles;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_user_policies_output_output_policy_names(
    input: crate::operation::list_user_policies::ListUserPoliciesOutput,
) -> ::std::option::Option<::std::vec::Vec<::std::string::String>> {
    let input = input.policy_names;
    ::std::option::Option::Some(input)
}

pub(crate) fn lens_list_user_tags_output_output_tags(
    input: crate::operation::list_user_tags::ListUserTagsOutput,
) -> ::std::option::Option<::std::vec::Vec<crate::types::Tag>> {
    let input = input.tags;
    ::std::option::Option::Some(input)
}
