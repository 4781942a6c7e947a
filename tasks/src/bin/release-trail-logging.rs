//! Lambda `release-trail-logging`: [`contract::tasks::settings::ReleaseTrailLogging`], served by `tasks::lambdas::release_trail_logging`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::release_trail_logging()
}
