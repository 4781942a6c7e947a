

pub(crate) fn message_attribute_value_correct_errors(
    mut builder: crate::types::builders::MessageAttributeValueBuilder,
) -> crate::types::builders::MessageAttributeValueBuilder {
    if builder.data_type.is_none() {
        builder.data_type = Some(Default::default())
    }
    builder
}
