//! Lambda `attach-forensics`: [`contract::tasks::ec2::AttachForensics`], served by `tasks::lambdas::attach_forensics`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::attach_forensics()
}
