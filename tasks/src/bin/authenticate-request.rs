//! Lambda `authenticate-request`: [`contract::tasks::authenticate::AuthenticateRequest`], served by `tasks::lambdas::authenticate_request`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::authenticate_request()
}
