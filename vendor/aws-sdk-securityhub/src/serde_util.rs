

pub(crate) fn batch_import_findings_output_output_correct_errors(
    mut builder: crate::operation::batch_import_findings::builders::BatchImportFindingsOutputBuilder,
) -> crate::operation::batch_import_findings::builders::BatchImportFindingsOutputBuilder {
    if builder.failed_count.is_none() {
        builder.failed_count = Some(Default::default())
    }
    if builder.success_count.is_none() {
        builder.success_count = Some(Default::default())
    }
    builder
}

pub(crate) fn batch_update_findings_output_output_correct_errors(
    mut builder: crate::operation::batch_update_findings::builders::BatchUpdateFindingsOutputBuilder,
) -> crate::operation::batch_update_findings::builders::BatchUpdateFindingsOutputBuilder {
    if builder.processed_findings.is_none() {
        builder.processed_findings = Some(Default::default())
    }
    if builder.unprocessed_findings.is_none() {
        builder.unprocessed_findings = Some(Default::default())
    }
    builder
}

pub(crate) fn describe_action_targets_output_output_correct_errors(
    mut builder: crate::operation::describe_action_targets::builders::DescribeActionTargetsOutputBuilder,
) -> crate::operation::describe_action_targets::builders::DescribeActionTargetsOutputBuilder {
    if builder.action_targets.is_none() {
        builder.action_targets = Some(Default::default())
    }
    builder
}

pub(crate) fn get_findings_output_output_correct_errors(
    mut builder: crate::operation::get_findings::builders::GetFindingsOutputBuilder,
) -> crate::operation::get_findings::builders::GetFindingsOutputBuilder {
    if builder.findings.is_none() {
        builder.findings = Some(Default::default())
    }
    builder
}

pub(crate) fn action_target_correct_errors(mut builder: crate::types::builders::ActionTargetBuilder) -> crate::types::builders::ActionTargetBuilder {
    if builder.action_target_arn.is_none() {
        builder.action_target_arn = Some(Default::default())
    }
    if builder.name.is_none() {
        builder.name = Some(Default::default())
    }
    if builder.description.is_none() {
        builder.description = Some(Default::default())
    }
    builder
}

pub(crate) fn aws_security_finding_correct_errors(
    mut builder: crate::types::builders::AwsSecurityFindingBuilder,
) -> crate::types::builders::AwsSecurityFindingBuilder {
    if builder.schema_version.is_none() {
        builder.schema_version = Some(Default::default())
    }
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.product_arn.is_none() {
        builder.product_arn = Some(Default::default())
    }
    if builder.generator_id.is_none() {
        builder.generator_id = Some(Default::default())
    }
    if builder.aws_account_id.is_none() {
        builder.aws_account_id = Some(Default::default())
    }
    if builder.created_at.is_none() {
        builder.created_at = Some(Default::default())
    }
    if builder.updated_at.is_none() {
        builder.updated_at = Some(Default::default())
    }
    if builder.title.is_none() {
        builder.title = Some(Default::default())
    }
    if builder.description.is_none() {
        builder.description = Some(Default::default())
    }
    if builder.resources.is_none() {
        builder.resources = Some(Default::default())
    }
    builder
}

pub(crate) fn aws_security_finding_identifier_correct_errors(
    mut builder: crate::types::builders::AwsSecurityFindingIdentifierBuilder,
) -> crate::types::builders::AwsSecurityFindingIdentifierBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.product_arn.is_none() {
        builder.product_arn = Some(Default::default())
    }
    builder
}

pub(crate) fn batch_update_findings_unprocessed_finding_correct_errors(
    mut builder: crate::types::builders::BatchUpdateFindingsUnprocessedFindingBuilder,
) -> crate::types::builders::BatchUpdateFindingsUnprocessedFindingBuilder {
    if builder.finding_identifier.is_none() {
        builder.finding_identifier = {
            let builder = crate::types::builders::AwsSecurityFindingIdentifierBuilder::default();
            Some(crate::serde_util::aws_security_finding_identifier_correct_errors(builder).build())
        }
    }
    if builder.error_code.is_none() {
        builder.error_code = Some(Default::default())
    }
    if builder.error_message.is_none() {
        builder.error_message = Some(Default::default())
    }
    builder
}

pub(crate) fn import_findings_error_correct_errors(
    mut builder: crate::types::builders::ImportFindingsErrorBuilder,
) -> crate::types::builders::ImportFindingsErrorBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    if builder.error_code.is_none() {
        builder.error_code = Some(Default::default())
    }
    if builder.error_message.is_none() {
        builder.error_message = Some(Default::default())
    }
    builder
}

pub(crate) fn note_correct_errors(mut builder: crate::types::builders::NoteBuilder) -> crate::types::builders::NoteBuilder {
    if builder.text.is_none() {
        builder.text = Some(Default::default())
    }
    if builder.updated_by.is_none() {
        builder.updated_by = Some(Default::default())
    }
    if builder.updated_at.is_none() {
        builder.updated_at = Some(Default::default())
    }
    builder
}

pub(crate) fn patch_summary_correct_errors(mut builder: crate::types::builders::PatchSummaryBuilder) -> crate::types::builders::PatchSummaryBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    builder
}

pub(crate) fn malware_correct_errors(mut builder: crate::types::builders::MalwareBuilder) -> crate::types::builders::MalwareBuilder {
    if builder.name.is_none() {
        builder.name = Some(Default::default())
    }
    builder
}

pub(crate) fn related_finding_correct_errors(
    mut builder: crate::types::builders::RelatedFindingBuilder,
) -> crate::types::builders::RelatedFindingBuilder {
    if builder.product_arn.is_none() {
        builder.product_arn = Some(Default::default())
    }
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    builder
}

pub(crate) fn resource_correct_errors(mut builder: crate::types::builders::ResourceBuilder) -> crate::types::builders::ResourceBuilder {
    if builder.r#type.is_none() {
        builder.r#type = Some(Default::default())
    }
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    builder
}

pub(crate) fn vulnerability_correct_errors(
    mut builder: crate::types::builders::VulnerabilityBuilder,
) -> crate::types::builders::VulnerabilityBuilder {
    if builder.id.is_none() {
        builder.id = Some(Default::default())
    }
    builder
}

pub(crate) fn status_reason_correct_errors(mut builder: crate::types::builders::StatusReasonBuilder) -> crate::types::builders::StatusReasonBuilder {
    if builder.reason_code.is_none() {
        builder.reason_code = Some(Default::default())
    }
    builder
}

pub(crate) fn vulnerability_vendor_correct_errors(
    mut builder: crate::types::builders::VulnerabilityVendorBuilder,
) -> crate::types::builders::VulnerabilityVendorBuilder {
    if builder.name.is_none() {
        builder.name = Some(Default::default())
    }
    builder
}

pub(crate) fn note_update_correct_errors(mut builder: crate::types::builders::NoteUpdateBuilder) -> crate::types::builders::NoteUpdateBuilder {
    if builder.text.is_none() {
        builder.text = Some(Default::default())
    }
    if builder.updated_by.is_none() {
        builder.updated_by = Some(Default::default())
    }
    builder
}
