//! Lambda `isolate-network`: [`contract::tasks::ec2::IsolateNetwork`], served by `tasks::lambdas::isolate_network`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::isolate_network()
}
