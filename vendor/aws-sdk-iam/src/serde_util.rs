

pub(crate) fn create_access_key_output_output_correct_errors(
    mut builder: crate::operation::create_access_key::builders::CreateAccessKeyOutputBuilder,
) -> crate::operation::create_access_key::builders::CreateAccessKeyOutputBuilder {
    if builder.access_key.is_none() {
        builder.access_key = {
            let builder = crate::types::builders::AccessKeyBuilder::default();
            crate::serde_util::access_key_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn create_login_profile_output_output_correct_errors(
    mut builder: crate::operation::create_login_profile::builders::CreateLoginProfileOutputBuilder,
) -> crate::operation::create_login_profile::builders::CreateLoginProfileOutputBuilder {
    if builder.login_profile.is_none() {
        builder.login_profile = {
            let builder = crate::types::builders::LoginProfileBuilder::default();
            crate::serde_util::login_profile_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn get_instance_profile_output_output_correct_errors(
    mut builder: crate::operation::get_instance_profile::builders::GetInstanceProfileOutputBuilder,
) -> crate::operation::get_instance_profile::builders::GetInstanceProfileOutputBuilder {
    if builder.instance_profile.is_none() {
        builder.instance_profile = {
            let builder = crate::types::builders::InstanceProfileBuilder::default();
            crate::serde_util::instance_profile_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn get_login_profile_output_output_correct_errors(
    mut builder: crate::operation::get_login_profile::builders::GetLoginProfileOutputBuilder,
) -> crate::operation::get_login_profile::builders::GetLoginProfileOutputBuilder {
    if builder.login_profile.is_none() {
        builder.login_profile = {
            let builder = crate::types::builders::LoginProfileBuilder::default();
            crate::serde_util::login_profile_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn get_role_output_output_correct_errors(
    mut builder: crate::operation::get_role::builders::GetRoleOutputBuilder,
) -> crate::operation::get_role::builders::GetRoleOutputBuilder {
    if builder.role.is_none() {
        builder.role = {
            let builder = crate::types::builders::RoleBuilder::default();
            crate::serde_util::role_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn get_role_policy_output_output_correct_errors(
    mut builder: crate::operation::get_role_policy::builders::GetRolePolicyOutputBuilder,
) -> crate::operation::get_role_policy::builders::GetRolePolicyOutputBuilder {
    if builder.role_name.is_none() {
        builder.role_name = Some(Default::default())
    }
    if builder.policy_name.is_none() {
        builder.policy_name = Some(Default::default())
    }
    if builder.policy_document.is_none() {
        builder.policy_document = Some(Default::default())
    }
    builder
}

pub(crate) fn get_user_output_output_correct_errors(
    mut builder: crate::operation::get_user::builders::GetUserOutputBuilder,
) -> crate::operation::get_user::builders::GetUserOutputBuilder {
    if builder.user.is_none() {
        builder.user = {
            let builder = crate::types::builders::UserBuilder::default();
            crate::serde_util::user_correct_errors(builder).build().ok()
        }
    }
    builder
}

pub(crate) fn get_user_policy_output_output_correct_errors(
    mut builder: crate::operation::get_user_policy::builders::GetUserPolicyOutputBuilder,
) -> crate::operation::get_user_policy::builders::GetUserPolicyOutputBuilder {
    if builder.user_name.is_none() {
        builder.user_name = Some(Default::default())
    }
    if builder.policy_name.is_none() {
        builder.policy_name = Some(Default::default())
    }
    if builder.policy_document.is_none() {
        builder.policy_document = Some(Default::default())
    }
    builder
}

pub(crate) fn list_access_keys_output_output_correct_errors(
    mut builder: crate::operation::list_access_keys::builders::ListAccessKeysOutputBuilder,
) -> crate::operation::list_access_keys::builders::ListAccessKeysOutputBuilder {
    if builder.access_key_metadata.is_none() {
        builder.access_key_metadata = Some(Default::default())
    }
    builder
}

pub(crate) fn list_instance_profiles_for_role_output_output_correct_errors(
    mut builder: crate::operation::list_instance_profiles_for_role::builders::ListInstanceProfilesForRoleOutputBuilder,
) -> crate::operation::list_instance_profiles_for_role::builders::ListInstanceProfilesForRoleOutputBuilder {
    if builder.instance_profiles.is_none() {
        builder.instance_profiles = Some(Default::default())
    }
    builder
}

pub(crate) fn list_role_policies_output_output_correct_errors(
    mut builder: crate::operation::list_role_policies::builders::ListRolePoliciesOutputBuilder,
) -> crate::operation::list_role_policies::builders::ListRolePoliciesOutputBuilder {
    if builder.policy_names.is_none() {
        builder.policy_names = Some(Default::default())
    }
    builder
}

pub(crate) fn list_role_tags_output_output_correct_errors(
    mut builder: crate::operation::list_role_tags::builders::ListRoleTagsOutputBuilder,
) -> crate::operation::list_role_tags::builders::ListRoleTagsOutputBuilder {
    if builder.tags.is_none() {
        builder.tags = Some(Default::default())
    }
    builder
}

pub(crate) fn list_roles_output_output_correct_errors(
    mut builder: crate::operation::list_roles::builders::ListRolesOutputBuilder,
) -> crate::operation::list_roles::builders::ListRolesOutputBuilder {
    if builder.roles.is_none() {
        builder.roles = Some(Default::default())
    }
    builder
}

pub(crate) fn list_user_policies_output_output_correct_errors(
    mut builder: crate::operation::list_user_policies::builders::ListUserPoliciesOutputBuilder,
) -> crate::operation::list_user_policies::builders::ListUserPoliciesOutputBuilder {
    if builder.policy_names.is_none() {
        builder.policy_names = Some(Default::default())
    }
    builder
}

pub(crate) fn list_user_tags_output_output_correct_errors(
    mut builder: crate::operation::list_user_tags::builders::ListUserTagsOutputBuilder,
) -> crate::operation::list_user_tags::builders::ListUserTagsOutputBuilder {
    if builder.tags.is_none() {
        builder.tags = Some(Default::default())
    }
    builder
}

pub(crate) fn role_correct_errors(mut builder: crate::types::builders::RoleBuilder) -> crate::types::builders::RoleBuilder {
    if builder.path.is_none() {
        builder.path = Some(Default::default())
    }
    if builder.role_name.is_none() {
        builder.role_name = Some(Default::default())
    }
    if builder.role_id.is_none() {
        builder.role_id = Some(Default::default())
    }
    if builder.arn.is_none() {
        builder.arn = Some(Default::default())
    }
    if builder.create_date.is_none() {
        builder.create_date = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    builder
}

pub(crate) fn access_key_correct_errors(mut builder: crate::types::builders::AccessKeyBuilder) -> crate::types::builders::AccessKeyBuilder {
    if builder.user_name.is_none() {
        builder.user_name = Some(Default::default())
    }
    if builder.access_key_id.is_none() {
        builder.access_key_id = Some(Default::default())
    }
    if builder.status.is_none() {
        builder.status = "no value was set".parse::<crate::types::StatusType>().ok()
    }
    if builder.secret_access_key.is_none() {
        builder.secret_access_key = Some(Default::default())
    }
    builder
}

pub(crate) fn instance_profile_correct_errors(
    mut builder: crate::types::builders::InstanceProfileBuilder,
) -> crate::types::builders::InstanceProfileBuilder {
    if builder.path.is_none() {
        builder.path = Some(Default::default())
    }
    if builder.instance_profile_name.is_none() {
        builder.instance_profile_name = Some(Default::default())
    }
    if builder.instance_profile_id.is_none() {
        builder.instance_profile_id = Some(Default::default())
    }
    if builder.arn.is_none() {
        builder.arn = Some(Default::default())
    }
    if builder.create_date.is_none() {
        builder.create_date = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    if builder.roles.is_none() {
        builder.roles = Some(Default::default())
    }
    builder
}

pub(crate) fn login_profile_correct_errors(mut builder: crate::types::builders::LoginProfileBuilder) -> crate::types::builders::LoginProfileBuilder {
    if builder.user_name.is_none() {
        builder.user_name = Some(Default::default())
    }
    if builder.create_date.is_none() {
        builder.create_date = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    builder
}

pub(crate) fn user_correct_errors(mut builder: crate::types::builders::UserBuilder) -> crate::types::builders::UserBuilder {
    if builder.path.is_none() {
        builder.path = Some(Default::default())
    }
    if builder.user_name.is_none() {
        builder.user_name = Some(Default::default())
    }
    if builder.user_id.is_none() {
        builder.user_id = Some(Default::default())
    }
    if builder.arn.is_none() {
        builder.arn = Some(Default::default())
    }
    if builder.create_date.is_none() {
        builder.create_date = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    builder
}

pub(crate) fn access_key_last_used_correct_errors(
    mut builder: crate::types::builders::AccessKeyLastUsedBuilder,
) -> crate::types::builders::AccessKeyLastUsedBuilder {
    if builder.service_name.is_none() {
        builder.service_name = Some(Default::default())
    }
    if builder.region.is_none() {
        builder.region = Some(Default::default())
    }
    builder
}

pub(crate) fn source_role_template_correct_errors(
    mut builder: crate::types::builders::SourceRoleTemplateBuilder,
) -> crate::types::builders::SourceRoleTemplateBuilder {
    if builder.template_arn.is_none() {
        builder.template_arn = Some(Default::default())
    }
    if builder.template_minor_version.is_none() {
        builder.template_minor_version = Some(Default::default())
    }
    builder
}

pub(crate) fn tag_correct_errors(mut builder: crate::types::builders::TagBuilder) -> crate::types::builders::TagBuilder {
    if builder.key.is_none() {
        builder.key = Some(Default::default())
    }
    if builder.value.is_none() {
        builder.value = Some(Default::default())
    }
    builder
}
