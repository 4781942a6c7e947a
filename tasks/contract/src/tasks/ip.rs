//! The malicious-IP playbook's steps: decide which remote addresses of a case may be blocked,
//! block them in the stack's WAF IP sets and in the network ACLs of the affected subnets, and
//! expire them when their time is up (reconciling the ledger with what AWS holds).
//!
//! The ledger lives in the case table under the partition `ip-blocks` (see
//! [`crate::case_table`]): one `net#<cidr>` item per
//! blocked network (owner case, first and last seen, expiry, the sets it is in) and one
//! `nacl#<acl>#<in|out>#<cidr>` item per deny entry (its rule number, when it was written).

use super::outcome::Outcome;
use super::{case_table, key_for_table};
use crate::case::Case;
use crate::lenient;
use crate::task::{Permission, Scope, StackResource, Task};
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An address family: a WAF IP set holds addresses of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    /// WAF's `IPAddressVersion`.
    pub fn waf_version(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPV4",
            Family::Ipv6 => "IPV6",
        }
    }

    pub fn of(ipv6: bool) -> Family {
        if ipv6 {
            Family::Ipv6
        } else {
            Family::Ipv4
        }
    }
}

/// A WAF scope: regional resources, or CloudFront (whose sets live in us-east-1 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum WafScope {
    Regional,
    Cloudfront,
}

impl WafScope {
    pub fn as_str(self) -> &'static str {
        match self {
            WafScope::Regional => "REGIONAL",
            WafScope::Cloudfront => "CLOUDFRONT",
        }
    }
}

/// The IP sets of blocked addresses a stack keeps: one per family (a set holds one) and scope.
pub const STACK_IP_SETS: [(Family, WafScope); 4] = [
    (Family::Ipv4, WafScope::Regional),
    (Family::Ipv6, WafScope::Regional),
    (Family::Ipv4, WafScope::Cloudfront),
    (Family::Ipv6, WafScope::Cloudfront),
];

/// One of the stack's IP sets, as the policy hands it to the block steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StackIpSet {
    pub family: Family,
    pub scope: WafScope,
    /// `name|id|scope`, as CloudFormation's `Ref` gives it; empty where the stack has no such set
    /// (CloudFront's outside us-east-1).
    pub set: String,
}

impl StackIpSet {
    /// The set's logical id in the template, e.g. `BlockedIpv6Regional`.
    pub fn logical_id(family: Family, scope: WafScope) -> String {
        let family = match family {
            Family::Ipv4 => "Ipv4",
            Family::Ipv6 => "Ipv6",
        };
        let scope = match scope {
            WafScope::Regional => "Regional",
            WafScope::Cloudfront => "CloudFront",
        };
        format!("Blocked{family}{scope}")
    }
}

/// The playbook's policy, from the stack's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct IpPolicy {
    /// Comma-separated addresses or CIDRs that are never blocked.
    #[serde(default)]
    pub allow_list: String,
    /// An SSM parameter (String or StringList, under `/incident-response/`) with more of the
    /// allow-list, managed without a stack update; empty for none.
    #[serde(default)]
    pub allow_list_parameter: String,
    /// Block private, loopback, link-local and CGNAT ranges too (normally refused).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub block_internal: bool,
    /// Block documentation ranges too (normally refused: samples use them).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub block_documentation: bool,
    /// Hours a block lasts after the address was last seen.
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub ttl_hours: f64,
    /// Block; when false, only report (detect mode).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub block: bool,
    /// Deny outbound traffic to the address too, not only inbound.
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub nacl_egress: bool,
    /// The network ACL rule numbers reserved to aws-ir's denies, `first-last`.
    pub nacl_rules: String,
    /// Rules a network ACL may hold per direction and address family (the account's quota).
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub nacl_limit: f64,
    /// Addresses findings may block per hour without a responder (a flood beyond it needs one).
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub max_automatic_blocks_per_hour: f64,
    /// The stack's IP sets, one per [`STACK_IP_SETS`] entry; those the stack lacks are empty.
    pub ip_sets: Vec<StackIpSet>,
    /// The stack's case table (ledger and records).
    pub case_table: String,
    /// The case is a member's (#20): `ip_sets` name the member stacks' sets by name alone
    /// (`name||scope`: WAF gave them their ids there), and the ledger records the account,
    /// Region and case of each block, so that the expiry acts there too.
    #[serde(deserialize_with = "lenient::bool", default)]
    #[schemars(with = "bool")]
    pub in_member: bool,
}

impl IpPolicy {
    /// The reserved rule numbers, or why the parameter is unusable.
    pub fn rule_range(&self) -> Result<(i32, i32), String> {
        let bad = || {
            format!(
                "NaclRules `{}` must be `first-last` with 1 <= first <= last <= 32766",
                self.nacl_rules
            )
        };
        let (a, b) = self.nacl_rules.split_once('-').ok_or_else(bad)?;
        let (a, b): (i32, i32) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        if a < 1 || a > b || b > 32766 {
            return Err(bad());
        }
        Ok((a, b))
    }
}

/// A remote address that will not be blocked, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Refusal {
    pub address: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScreenInput {
    pub case: Case,
    pub policy: IpPolicy,
    /// `$$.Execution.Id`: each execution's record is its own item of the case.
    pub execution: String,
}

/// The case-table item (of the case) where one execution records its screening and blocks:
/// `ip-block#<execution name>`, so a re-sent finding's run adds to the record, never over it.
pub fn record_item(execution: &str) -> String {
    crate::case_table::item::ip_block_record(execution.rsplit(':').next().unwrap_or(execution))
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScreenOutput {
    /// Networks to block (host bits cleared), IPv4 and IPv6.
    pub block: Vec<String>,
    /// Addresses refused, each with its reason.
    pub refused: Vec<Refusal>,
    /// The network ACLs of the subnets where the case's instances live.
    pub network_acls: Vec<String>,
    pub notes: Vec<String>,
}

/// Decides which of the case's remote addresses may be blocked, and where.
pub struct ScreenAddresses;

impl Task for ScreenAddresses {
    const NAME: &'static str = "screen-addresses";
    const TITLE: &'static str = "ScreenAddresses";
    const DESCRIPTION: &'static str = "Picks the remote addresses of a case that may be blocked (never private, /0 or allow-listed ones) and the network ACLs of the affected subnets.";
    type Input = ScreenInput;
    type Output = ScreenOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "FindSubnetsAndAcls",
                &["ec2:DescribeInstances", "ec2:DescribeNetworkAcls"],
                Scope::Unscoped {
                    reason: "EC2 Describe* actions do not support resource-level permissions (Service Authorization Reference, Amazon EC2).",
                },
            ),
            // The screening (what is refused and why) goes on the case's record.
            case_table(&["dynamodb:UpdateItem"]),
            key_for_table(),
            Permission::new(
                "ReadAllowList",
                &["ssm:GetParameter"],
                Scope::Arn("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/incident-response/*"),
            )
            .at_home(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Misconfigured,
            ErrorName::AccessDenied,
            ErrorName::Throttled,
            ErrorName::Transient,
        ]
    }
}

/// The networks of a case to block, where.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BlockStep {
    pub case: Case,
    pub policy: IpPolicy,
    pub networks: Vec<String>,
    pub network_acls: Vec<String>,
    pub execution: String,
}

/// What a block step did: the outcome, and the contention it met on the way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BlockOutcome {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Concurrent writers met and survived: WAF lock-token conflicts, or NACL numbers taken
    /// and locks waited for.
    pub retries: u32,
    /// Our oldest denies that made room (`acl rule network`).
    pub evicted: Vec<String>,
    /// When the blocks expire (RFC 3339), per network.
    pub expires: Vec<String>,
}

const GLOBAL_IP_SETS: &str =
    "arn:${AWS::Partition}:wafv2:us-east-1:${AWS::AccountId}:global/ipset/${AWS::StackName}-blocked-*/*";
const NETWORK_ACLS: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-acl/*";

fn ledger() -> Vec<Permission> {
    vec![
        case_table(&[
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        ]),
        key_for_table(),
    ]
}

fn write_ip_sets() -> Permission {
    Permission::new(
        "WriteStackIpSets",
        &["wafv2:GetIPSet", "wafv2:UpdateIPSet"],
        Scope::Stack(StackResource::BlockedIpSets),
    )
    .also(Scope::Arn(GLOBAL_IP_SETS))
}

fn write_acls() -> Vec<Permission> {
    vec![
        Permission::new(
            "ReadNetworkAcls",
            &["ec2:DescribeNetworkAcls"],
            Scope::Unscoped {
                reason: "EC2 Describe* actions do not support resource-level permissions (Service Authorization Reference, Amazon EC2).",
            },
        ),
        Permission::new(
            "WriteDenyEntries",
            &[
                "ec2:CreateNetworkAclEntry",
                "ec2:ReplaceNetworkAclEntry",
                "ec2:DeleteNetworkAclEntry",
            ],
            Scope::Arn(NETWORK_ACLS),
        ),
    ]
}

fn block_errors() -> Vec<ErrorName> {
    vec![
        ErrorName::InvalidEvent,
        ErrorName::LimitReached,
        ErrorName::Misconfigured,
        ErrorName::AccessDenied,
        ErrorName::Throttled,
        ErrorName::Transient,
    ]
}

/// Adds the networks to the stack's WAF IP set of their family, in every scope.
pub struct BlockInWaf;

impl Task for BlockInWaf {
    const NAME: &'static str = "block-in-waf";
    const TITLE: &'static str = "BlockInWaf";
    const DESCRIPTION: &'static str = "Adds addresses to the stack's WAF IP sets under the lock token, merging every concurrent writer's change, and records each block with its expiry.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = BlockStep;
    type Output = BlockOutcome;
    fn permissions() -> Vec<Permission> {
        let mut p = ledger();
        p.push(write_ip_sets());
        // A member's sets are found by name where the step acts (their ids are the member's).
        p.push(Permission::new(
            "FindMemberIpSets",
            &["wafv2:ListIPSets"],
            Scope::Unscoped {
                reason: "wafv2:ListIPSets supports no resource-level permission (Service Authorization Reference, AWS WAF V2).",
            },
        ));
        p
    }
    fn errors() -> Vec<ErrorName> {
        block_errors()
    }
}

/// Denies the networks in the network ACLs of the affected subnets.
pub struct BlockInNacl;

impl Task for BlockInNacl {
    const NAME: &'static str = "block-in-nacl";
    const TITLE: &'static str = "BlockInNacl";
    const DESCRIPTION: &'static str = "Denies addresses in the network ACLs of the affected subnets, in aws-ir's rule range, one writer per ACL, evicting only its own oldest deny when full.";
    const TIMEOUT_SECONDS: u32 = 120;
    type Input = BlockStep;
    type Output = BlockOutcome;
    fn permissions() -> Vec<Permission> {
        let mut p = ledger();
        p.extend(write_acls());
        p
    }
    fn errors() -> Vec<ErrorName> {
        block_errors()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExpireInput {
    pub policy: IpPolicy,
    /// The time to expire against (RFC 3339): the scheduled event's `time`.
    pub as_of: String,
    #[serde(deserialize_with = "lenient::bool", default)]
    #[schemars(with = "bool")]
    pub dry_run: bool,
}

/// What an expiry run found and did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExpireOutcome {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Blocks removed because their time was up.
    pub expired: Vec<String>,
    /// Blocks the ledger holds that AWS had lost, written again.
    pub reapplied: Vec<String>,
    /// Addresses in our IP sets without a ledger row, removed.
    pub removed_unknown: Vec<String>,
    /// Denies in our rule range that aws-ir did not write (`acl rule network`), reported and
    /// left alone: a network ACL entry carries no owner, so it is not provably ours.
    pub foreign: Vec<String>,
    /// Blocks still in force.
    pub active: u32,
    /// Member sets and network ACLs (#20) this run could not reach (`what in ACCOUNT/REGION:
    /// why`): their expired blocks stay in the ledger, and the next run tries them again.
    pub unreachable: Vec<String>,
}

/// Expires blocks whose time is up and reconciles the ledger with AWS, both ways.
pub struct ExpireBlocks;

impl Task for ExpireBlocks {
    const NAME: &'static str = "expire-blocks";
    const TITLE: &'static str = "ExpireBlocks";
    const DESCRIPTION: &'static str = "Removes expired address blocks from WAF and network ACLs, and reconciles the block ledger with what AWS holds, both ways.";
    const TIMEOUT_SECONDS: u32 = 300;
    const MEMORY_MB: u32 = 256;
    type Input = ExpireInput;
    type Output = ExpireOutcome;
    fn permissions() -> Vec<Permission> {
        let mut p = ledger();
        p.push(write_ip_sets());
        p.extend(write_acls());
        p
    }
    fn errors() -> Vec<ErrorName> {
        block_errors()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(range: &str) -> IpPolicy {
        serde_json::from_value(serde_json::json!({
            "allow_list": "", "allow_list_parameter": "", "block_internal": "false",
            "block_documentation": "false", "ttl_hours": "24", "block": "true",
            "nacl_egress": "false", "nacl_rules": range, "nacl_limit": "20",
            "max_automatic_blocks_per_hour": "100", "ip_sets": [{"family": "ipv4", "scope": "REGIONAL", "set": "a|b|REGIONAL"}, {"family": "ipv6", "scope": "CLOUDFRONT", "set": ""}], "case_table": "t"
        }))
        .unwrap()
    }

    #[test]
    fn stack_ip_sets_keep_their_logical_ids() {
        let ids: Vec<String> = STACK_IP_SETS
            .iter()
            .map(|(f, s)| StackIpSet::logical_id(*f, *s))
            .collect();
        assert_eq!(
            ids,
            [
                "BlockedIpv4Regional",
                "BlockedIpv6Regional",
                "BlockedIpv4CloudFront",
                "BlockedIpv6CloudFront"
            ]
        );
        assert_eq!(policy("50-89").ip_sets[1].family, Family::Ipv6);
    }

    #[test]
    fn the_rule_range_parses_and_refuses_nonsense() {
        assert_eq!(policy("50-89").rule_range(), Ok((50, 89)));
        for bad in ["", "89-50", "0-10", "1-32767", "x-2"] {
            assert!(policy(bad).rule_range().is_err(), "{bad}");
        }
        assert_eq!(policy("50-89").ttl_hours, 24.0);
    }
}
