//! Lambda `snapshot-volumes`: [`contract::tasks::ec2::SnapshotVolumes`], served by `tasks::lambdas::snapshot_volumes`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::snapshot_volumes()
}
