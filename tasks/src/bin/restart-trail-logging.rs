//! Lambda `restart-trail-logging`: [`contract::tasks::settings::RestartTrailLogging`], served by `tasks::lambdas::restart_trail_logging`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::restart_trail_logging()
}
