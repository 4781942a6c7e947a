//! Lambda `record-case`: [`contract::tasks::ec2::RecordCase`], served by `tasks::lambdas::record_case`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::record_case()
}
