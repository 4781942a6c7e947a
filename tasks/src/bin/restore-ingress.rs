//! Lambda `restore-ingress`: [`contract::tasks::settings::RestoreIngress`], served by `tasks::lambdas::restore_ingress`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::restore_ingress()
}
