

pub(crate) fn run_instances_monitoring_enabled_correct_errors(
    mut builder: crate::types::builders::RunInstancesMonitoringEnabledBuilder,
) -> crate::types::builders::RunInstancesMonitoringEnabledBuilder {
    if builder.enabled.is_none() {
        builder.enabled = Some(Default::default())
    }
    builder
}
