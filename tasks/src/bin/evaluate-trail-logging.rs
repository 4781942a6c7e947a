//! Lambda `evaluate-trail-logging`: [`contract::tasks::settings::EvaluateTrailLogging`], served by `tasks::lambdas::evaluate_trail_logging`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::evaluate_trail_logging()
}
