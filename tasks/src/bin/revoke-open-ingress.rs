//! Lambda `revoke-open-ingress`: [`contract::tasks::settings::RevokeOpenIngress`], served by `tasks::lambdas::revoke_open_ingress`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::revoke_open_ingress()
}
