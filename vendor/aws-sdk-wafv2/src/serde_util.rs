

pub(crate) fn ip_set_correct_errors(mut builder: crate::types::builders::IpSetBuilder) -> crate::types::builders::IpSetBuilder {
    if builder.name.is_none() {
        builder.name = Some(Default::default())
    }
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.arn.is_none() {
        builder.arn = Some(Default::default())
    }
    if builder.ip_address_version.is_none() {
        builder.ip_address_version = "no value was set".parse::<crate::types::IpAddressVersion>().ok()
    }
    if builder.addresses.is_none() {
        builder.addresses = Some(Default::default())
    }
    builder
}
