//! Lambda `capture-volatile-evidence`: [`contract::tasks::ec2::CaptureVolatileEvidence`], served by `tasks::lambdas::capture_volatile_evidence`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::capture_volatile_evidence()
}
