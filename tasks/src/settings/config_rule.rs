//! The `identify-config-rule` step: what the AWS Config rule behind a case checks, from Config
//! itself. A rule's name is its author's choice (`restricted-ssh`,
//! `securityhub-restricted-ssh-38a80c22`, a Control Tower or conformance-pack name); its owner
//! and source identifier are AWS's record of what it evaluates.

use crate::error::TaskError;
use contract::case::Check;
use contract::tasks::settings::IdentifyConfigRuleInput;
use contract::ErrorName;

/// The check behind `input.case` (a Config compliance change), as the narrow Config client
/// reads it. A rule deleted since it reported is read as checking nothing this playbook knows.
pub async fn identify_config_rule(
    config: &aws_sdk_config::Client,
    input: IdentifyConfigRuleInput,
) -> Result<Check, TaskError> {
    let rule = input.case.finding_type.as_str();
    if rule.is_empty() {
        return Err(TaskError::invalid_event(
            "the case names no AWS Config rule (finding_type is empty)",
        ));
    }
    let described = match config
        .describe_config_rules()
        .config_rule_names(rule)
        .send()
        .await
    {
        Ok(d) => d,
        Err(e)
            if aws_sdk_config::error::ProvideErrorMetadata::code(&e)
                == Some("NoSuchConfigRuleException") =>
        {
            return Ok(Check {
                by: format!("AWS Config rule {rule}"),
                what: contract::case::SettingCheck::Other {
                    checks: "nothing any more: the rule was deleted after it reported".into(),
                },
            })
        }
        Err(e) => {
            return Err(TaskError::from_sdk(
                e,
                &format!("read AWS Config rule {rule} (config:DescribeConfigRules)"),
            ))
        }
    };
    let Some(found) = described.config_rules().first() else {
        return Err(TaskError::new(
            ErrorName::Transient,
            format!("AWS Config answered DescribeConfigRules for {rule} with no rule; try again"),
        ));
    };
    let source = found.source();
    let owner = source.map(|s| s.owner().as_str()).unwrap_or_default();
    let identifier = source
        .and_then(|s| s.source_identifier())
        .unwrap_or_default();
    Ok(contract::checks::config_rule(
        rule,
        owner,
        identifier,
        found.input_parameters().unwrap_or_default(),
        &input.own_trail_rule,
    ))
}
