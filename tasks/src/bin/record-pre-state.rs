//! Lambda `record-pre-state`: [`contract::tasks::ec2::RecordPreState`], served by `tasks::lambdas::record_pre_state`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::record_pre_state()
}
