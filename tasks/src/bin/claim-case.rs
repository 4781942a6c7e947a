//! Lambda `claim-case`: [`contract::tasks::ClaimCase`], served by `tasks::lambdas::claim_case`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::claim_case()
}
