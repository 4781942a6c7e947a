//! Lambda `revoke-role-sessions`: [`contract::tasks::credentials::RevokeRoleSessions`], served by `tasks::lambdas::revoke_role_sessions`.

fn main() -> Result<(), lambda_runtime::Error> {
    tasks::lambdas::revoke_role_sessions()
}
