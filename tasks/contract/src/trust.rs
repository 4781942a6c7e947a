//! Who may start, steer and undo a response, and how aws-ir knows its own.
//!
//! A response system runs in the account it defends, beside whoever already holds a workload
//! identity there. So nothing a principal can write about itself (a tag, a field of an event, a
//! table item) decides who it is. Two facts do, because AWS establishes them:
//! - **aws-ir's own roles live under the IAM path [`ROLE_PATH`].** A role's path is set when it is
//!   created and never changes; creating a role there needs `iam:CreateRole`, which a workload
//!   does not hold (and the generated SCP forbids to anyone but CloudFormation). Resource
//!   policies and IAM conditions therefore name aws-ir by `aws:PrincipalArn` like [`OWN_ROLES`].
//! - **Responders are the principals the operator lists** (`ResponderPrincipals`), matched
//!   against the identity STS returns for a signed request (see [`crate::proof`]), never against a
//!   name in a message.

use serde::{Deserialize, Serialize};

/// The IAM path of every role aws-ir's stacks create (task, state machine and trigger roles).
/// Not the quarantine role: an instance profile's role is held by a compromised instance.
pub const ROLE_PATH: &str = "/aws-ir/";

/// aws-ir's roles as an ARN pattern for IAM (`aws:PrincipalArn`, `Resource`); CloudFormation
/// substitutes the partition and account.
pub const OWN_ROLES: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-ir/*";

/// The stack parameter listing the responders.
pub const RESPONDERS_PARAMETER: &str = "ResponderPrincipals";

/// A principal as STS names it (`GetCallerIdentity`'s `Arn`) or as an operator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` (STS names the role without its path).
    RoleSession {
        account: String,
        role: String,
        session: String,
    },
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`: a role as an operator lists it.
    Role {
        account: String,
        path: String,
        name: String,
    },
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    User { account: String, name: String },
    /// `arn:aws:iam::ACCOUNT:root`.
    Root { account: String },
}

impl Principal {
    /// Parses an IAM or STS principal ARN (any partition); `None` for anything else.
    pub fn parse(arn: &str) -> Option<Principal> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, _partition, service, region, account, resource] = parts[..] else {
            return None;
        };
        if prefix != "arn" || !region.is_empty() || account.is_empty() {
            return None;
        }
        let account = account.to_string();
        match (service, resource.split_once('/')) {
            ("sts", Some(("assumed-role", rest))) => {
                let (role, session) = rest.split_once('/')?;
                (!role.is_empty() && !session.is_empty()).then(|| Principal::RoleSession {
                    account,
                    role: role.to_string(),
                    session: session.to_string(),
                })
            }
            ("iam", Some(("role", rest))) => {
                let (path, name) = match rest.rsplit_once('/') {
                    Some((p, n)) => (format!("/{p}/"), n),
                    None => ("/".to_string(), rest),
                };
                (!name.is_empty()).then(|| Principal::Role {
                    account,
                    path,
                    name: name.to_string(),
                })
            }
            ("iam", Some(("user", rest))) => {
                let name = rest.rsplit('/').next().unwrap_or_default();
                (!name.is_empty()).then(|| Principal::User {
                    account,
                    name: name.to_string(),
                })
            }
            ("iam", None) if resource == "root" => Some(Principal::Root { account }),
            _ => None,
        }
    }

    pub fn account(&self) -> &str {
        match self {
            Principal::RoleSession { account, .. }
            | Principal::Role { account, .. }
            | Principal::User { account, .. }
            | Principal::Root { account } => account,
        }
    }
}

/// The responders a stack names: IAM role, user or root ARNs, comma-separated. A role admits
/// every session of it (to tell people apart, give each their own role or a session name the
/// role's trust policy pins, e.g. IAM Identity Center's). `*` in a name matches any characters,
/// for roles whose names carry a generated suffix (`AWSReservedSSO_IncidentResponders_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Responders(Vec<String>);

impl Responders {
    pub fn parse(list: &str) -> Responders {
        Responders(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn entries(&self) -> &[String] {
        &self.0
    }

    /// The entry that admits `caller` (an ARN as STS returns it), if any.
    pub fn admitting(&self, caller: &str) -> Option<&str> {
        let who = Principal::parse(caller)?;
        self.0
            .iter()
            .find(|entry| match (Principal::parse(entry), &who) {
                (
                    Some(Principal::Role { account, name, .. }),
                    Principal::RoleSession {
                        account: a,
                        role: r,
                        ..
                    },
                ) => &account == a && glob(&name, r),
                // A session listed whole admits only that session.
                (Some(Principal::RoleSession { .. }), Principal::RoleSession { .. }) => {
                    glob(entry, caller)
                }
                (Some(Principal::User { account, .. }), Principal::User { account: a, .. }) => {
                    &account == a && glob(entry, caller)
                }
                (Some(Principal::Root { account }), Principal::Root { account: a }) => {
                    &account == a
                }
                _ => false,
            })
            .map(String::as_str)
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Who vouches for what a case says, and so whether a playbook may act on it without asking a
/// responder first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Authority {
    /// An AWS service: an event with an `aws.*` source (EventBridge reserves those to AWS),
    /// or a Security Hub finding whose `ProductArn` is an AWS integration's.
    Aws,
    /// A Security Hub product the operator trusts (`TrustedProducts`), by `ProductArn`.
    Product,
    /// A responder the stack names, authenticated by STS.
    Responder,
    /// Another aws-ir playbook, authenticated by STS as one of aws-ir's roles.
    AwsIr,
    /// Nobody AWS authenticated: a finding from a custom integration anyone in the account can
    /// import, or a manual request not yet authenticated. A responder decides.
    Unvouched,
}

impl Authority {
    /// May a playbook act on the case without a responder's approval?
    pub fn acts_automatically(self) -> bool {
        !matches!(self, Authority::Unvouched)
    }
}

/// Is this Security Hub `ProductArn` an AWS service's own integration
/// (`arn:<partition>:securityhub:<region>::product/aws/<service>`)? Only AWS can import findings
/// under those; a customer's own integration is `product/<account>/default`.
pub fn is_aws_product(product_arn: &str) -> bool {
    let parts: Vec<&str> = product_arn.splitn(6, ':').collect();
    matches!(parts[..], ["arn", _, "securityhub", region, "", resource]
        if !region.is_empty() && resource.starts_with("product/aws/") && resource.len() > "product/aws/".len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";

    #[test]
    fn principals_parse_as_sts_and_operators_write_them() {
        assert_eq!(
            Principal::parse("arn:aws:sts::123456789012:assumed-role/Responder/alice@example.com"),
            Some(Principal::RoleSession {
                account: ACCOUNT.into(),
                role: "Responder".into(),
                session: "alice@example.com".into()
            })
        );
        assert_eq!(
            Principal::parse("arn:aws:iam::123456789012:role/aws-ir/aws-ir-ec2-Isolate-X"),
            Some(Principal::Role {
                account: ACCOUNT.into(),
                path: "/aws-ir/".into(),
                name: "aws-ir-ec2-Isolate-X".into()
            })
        );
        assert_eq!(
            Principal::parse("arn:aws-us-gov:iam::123456789012:root"),
            Some(Principal::Root {
                account: ACCOUNT.into()
            })
        );
        for bad in [
            "",
            "arn:aws:iam::123456789012:group/x",
            "arn:aws:s3:::bucket",
            "arn:aws:sts::123456789012:assumed-role/OnlyRole",
            "arn:aws:iam:us-east-1:123456789012:role/x",
        ] {
            assert_eq!(Principal::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_role_admits_its_sessions_whatever_its_path() {
        let r = Responders::parse(
            " arn:aws:iam::123456789012:role/teams/Responder , arn:aws:iam::123456789012:user/bob",
        );
        assert_eq!(
            r.admitting("arn:aws:sts::123456789012:assumed-role/Responder/alice"),
            Some("arn:aws:iam::123456789012:role/teams/Responder")
        );
        assert_eq!(
            r.admitting("arn:aws:iam::123456789012:user/bob"),
            Some("arn:aws:iam::123456789012:user/bob")
        );
        // Another account's role of the same name, a similar name, a user of the role's name.
        for no in [
            "arn:aws:sts::999999999999:assumed-role/Responder/alice",
            "arn:aws:sts::123456789012:assumed-role/ResponderX/alice",
            "arn:aws:iam::123456789012:user/Responder",
            "arn:aws:iam::123456789012:user/bobby",
            "arn:aws:iam::123456789012:root",
            "not an arn",
        ] {
            assert_eq!(r.admitting(no), None, "{no}");
        }
    }

    #[test]
    fn wildcards_and_sessions_are_matched_exactly_as_written() {
        let r = Responders::parse(
            "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_IR_*,arn:aws:sts::123456789012:assumed-role/Shared/carol",
        );
        assert!(r
            .admitting("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_IR_0a1b2c/dave")
            .is_some());
        assert!(r
            .admitting("arn:aws:sts::123456789012:assumed-role/Shared/carol")
            .is_some());
        assert!(r
            .admitting("arn:aws:sts::123456789012:assumed-role/Shared/mallory")
            .is_none());
        assert!(Responders::parse("").is_empty());
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*b*c", "a-c-b"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("a*a", "a"));
    }

    #[test]
    fn only_aws_integrations_are_aws_products() {
        assert!(is_aws_product(
            "arn:aws:securityhub:us-east-1::product/aws/guardduty"
        ));
        assert!(is_aws_product(
            "arn:aws:securityhub:eu-west-1::product/aws/securityhub"
        ));
        for no in [
            "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
            "arn:aws:securityhub:us-east-1:123456789012:product/aws/guardduty",
            "arn:aws:securityhub:us-east-1::product/aws/",
            "arn:aws:securityhub:us-east-1::product/crowdstrike/falcon",
            "GuardDuty",
        ] {
            assert!(!is_aws_product(no), "{no}");
        }
    }
}
