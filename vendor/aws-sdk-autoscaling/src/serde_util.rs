

pub(crate) fn activity_correct_errors(mut builder: crate::types::builders::ActivityBuilder) -> crate::types::builders::ActivityBuilder {
    if builder.activity_id.is_none() {
        builder.activity_id = Some(Default::default())
    }
    if builder.auto_scaling_group_name.is_none() {
        builder.auto_scaling_group_name = Some(Default::default())
    }
    if builder.cause.is_none() {
        builder.cause = Some(Default::default())
    }
    if builder.start_time.is_none() {
        builder.start_time = Some(::aws_smithy_types::DateTime::from_fractional_secs(0, 0_f64))
    }
    if builder.status_code.is_none() {
        builder.status_code = "no value was set".parse::<crate::types::ScalingActivityStatusCode>().ok()
    }
    builder
}

pub(crate) fn auto_scaling_instance_details_correct_errors(
    mut builder: crate::types::builders::AutoScalingInstanceDetailsBuilder,
) -> crate::types::builders::AutoScalingInstanceDetailsBuilder {
    if builder.instance_id.is_none() {
        builder.instance_id = Some(Default::default())
    }
    if builder.auto_scaling_group_name.is_none() {
        builder.auto_scaling_group_name = Some(Default::default())
    }
    if builder.availability_zone.is_none() {
        builder.availability_zone = Some(Default::default())
    }
    if builder.lifecycle_state.is_none() {
        builder.lifecycle_state = Some(Default::default())
    }
    if builder.health_status.is_none() {
        builder.health_status = Some(Default::default())
    }
    if builder.protected_from_scale_in.is_none() {
        builder.protected_from_scale_in = Some(Default::default())
    }
    builder
}
