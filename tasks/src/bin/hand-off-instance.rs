//! Lambda `hand-off-instance`: [`contract::tasks::credentials::HandOffInstance`], served by `tasks::lambdas::hand_off_instance`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::hand_off_instance()
}
