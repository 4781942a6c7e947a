//! Exclusions by account and by organizational unit (#20), once per case before a playbook acts:
//! an excluded account is left alone, and the case says why.
//!
//! Where an account is in the organization is read live (`organizations:ListParents`, up to the
//! root), never taken from the event: a member cannot move itself between OUs (only the
//! management account can), so an exclusion cannot be claimed or escaped from inside it. A stack
//! that excludes OUs and cannot read the organization fails with a named error, and nothing is
//! done: whether the account is excluded is then unknown, which a responder decides.

use crate::error::TaskError;
use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::ParentType;
use contract::tasks::{ScreenAccountInput, ScreenAccountOutput};
use contract::ErrorName;

/// An account is at most 5 OUs below the root (Organizations quotas): a longer walk is a loop.
const MAX_DEPTH: usize = 8;

fn misconfigured(message: String) -> TaskError {
    TaskError::new(ErrorName::Misconfigured, message)
}

/// The comma-separated ids of `list`, each checked by `valid`; `what` names the parameter.
fn ids(list: &str, what: &str, valid: fn(&str) -> bool) -> Result<Vec<String>, TaskError> {
    list.split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            if valid(id) {
                Ok(id.to_string())
            } else {
                Err(misconfigured(format!(
                    "{what} holds `{id}`, which is not an id of that kind: redeploy the stack with a corrected {what}"
                )))
            }
        })
        .collect()
}

fn is_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// An OU (`ou-<root>-<8 to 32>`) or a root (`r-<4 to 32>`), lower-case letters and digits.
fn is_unit(id: &str) -> bool {
    let body = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    match id.strip_prefix("ou-") {
        Some(rest) => rest
            .split_once('-')
            .is_some_and(|(a, b)| body(a) && body(b)),
        None => id.strip_prefix("r-").is_some_and(body),
    }
}

fn respond(reason: String) -> ScreenAccountOutput {
    ScreenAccountOutput {
        decision: "respond".into(),
        reason,
    }
}

fn excluded(reason: String) -> ScreenAccountOutput {
    ScreenAccountOutput {
        decision: "excluded".into(),
        reason,
    }
}

/// The decision for a case in `account` whose units are `path` (the account's parent first,
/// then up to the root), against the exclusions.
pub fn decide(account: &str, path: &[String], units: &[String]) -> ScreenAccountOutput {
    match path.iter().find(|p| units.contains(p)) {
        Some(unit) => excluded(format!(
            "account {account} is in {unit} (ExcludedOrganizationalUnits; its place: {}): left alone, nothing was changed",
            path.join(" < ")
        )),
        None => respond(format!(
            "account {account} is not excluded (its place: {})",
            path.join(" < ")
        )),
    }
}

/// The units above `account`, its parent first, up to the root.
async fn path(
    org: &aws_sdk_organizations::Client,
    account: &str,
) -> Result<Vec<String>, TaskError> {
    let mut out: Vec<String> = Vec::new();
    let mut child = account.to_string();
    for _ in 0..MAX_DEPTH {
        let answer = org.list_parents().child_id(&child).send().await;
        let parents = match answer {
            Ok(a) => a,
            Err(e) => {
                let code = e
                    .as_service_error()
                    .and_then(|s| s.code())
                    .map(String::from);
                // Not in the organization (the security account's own events can name another
                // account): no unit of it holds the account.
                if code.as_deref() == Some("ChildNotFoundException") && child == account {
                    return Ok(Vec::new());
                }
                if code.as_deref() == Some("AWSOrganizationsNotInUseException") {
                    return Err(misconfigured(format!(
                        "ExcludedOrganizationalUnits is set, but this account is not in an organization, so where account {account} is cannot be read: clear ExcludedOrganizationalUnits, or deploy in the organization's delegated administrator; nothing was done"
                    )));
                }
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read where account {account} is in the organization (organizations:ListParents of {child}; the security account must be a delegated administrator)"),
                ));
            }
        };
        let Some(parent) = parents.parents().first() else {
            break;
        };
        let id = parent.id().unwrap_or_default().to_string();
        let root = parent.r#type() == Some(&ParentType::Root);
        out.push(id.clone());
        if root {
            return Ok(out);
        }
        child = id;
    }
    if out.len() >= MAX_DEPTH {
        return Err(misconfigured(format!(
            "account {account} is more than {MAX_DEPTH} units below its root, as Organizations answered ({}): not an organization's shape; nothing was done",
            out.join(" < ")
        )));
    }
    Ok(out)
}

pub async fn screen(
    org: &aws_sdk_organizations::Client,
    input: ScreenAccountInput,
) -> Result<ScreenAccountOutput, TaskError> {
    let accounts = ids(&input.excluded_accounts, "ExcludedAccounts", is_account)?;
    let units = ids(
        &input.excluded_organizational_units,
        "ExcludedOrganizationalUnits",
        is_unit,
    )?;
    let account = input.case.account.as_str();
    if account.is_empty() {
        return Ok(respond(
            "the case names no account: its steps act in this one".into(),
        ));
    }
    if accounts.iter().any(|a| a == account) {
        return Ok(excluded(format!(
            "account {account} is excluded (ExcludedAccounts): left alone, nothing was changed"
        )));
    }
    if units.is_empty() {
        return Ok(respond(format!("account {account} is not excluded")));
    }
    let path = path(org, account).await?;
    if path.is_empty() {
        return Ok(respond(format!(
            "account {account} is not in this organization: no excluded unit holds it"
        )));
    }
    Ok(decide(account, &path, &units))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusions_are_ids_of_their_kind() {
        assert_eq!(
            ids(
                " 111122223333, ,222233334444",
                "ExcludedAccounts",
                is_account
            )
            .unwrap(),
            ["111122223333", "222233334444"]
        );
        let e = ids("11112222333", "ExcludedAccounts", is_account).unwrap_err();
        assert_eq!(e.name, ErrorName::Misconfigured);
        assert!(e.message.contains("`11112222333`"), "{}", e.message);
        for unit in ["ou-ab12-cdef3456", "r-ab12"] {
            assert!(is_unit(unit), "{unit}");
        }
        for not in [
            "ou-ab12",
            "ou-AB12-cdef3456",
            "r-",
            "o-ab12cd34ef",
            "ou-ab12-cd/ef",
        ] {
            assert!(!is_unit(not), "{not}");
        }
    }

    #[test]
    fn an_account_below_an_excluded_unit_at_any_depth_is_excluded() {
        let path: Vec<String> = ["ou-ab12-sandbox1", "ou-ab12-members1", "r-ab12"]
            .map(String::from)
            .to_vec();
        let out = decide("222233334444", &path, &["ou-ab12-members1".into()]);
        assert_eq!(out.decision, "excluded");
        assert!(
            out.reason.contains("ou-ab12-members1")
                && out
                    .reason
                    .contains("ou-ab12-sandbox1 < ou-ab12-members1 < r-ab12"),
            "{}",
            out.reason
        );
        let out = decide("222233334444", &path, &["ou-ab12-other001".into()]);
        assert_eq!(out.decision, "respond");
    }
}
