//! Lambda `authenticate-answer`: [`contract::tasks::authenticate::AuthenticateAnswer`], served by `tasks::lambdas::authenticate_answer`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::authenticate_answer()
}
