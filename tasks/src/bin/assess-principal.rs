//! Lambda `assess-principal`: [`contract::tasks::credentials::AssessPrincipal`], served by `tasks::lambdas::assess_principal`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::assess_principal()
}
