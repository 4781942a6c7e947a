//! Lambda `identify-config-rule`: [`contract::tasks::settings::IdentifyConfigRule`], served by `tasks::lambdas::identify_config_rule`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::identify_config_rule()
}
