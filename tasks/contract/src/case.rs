//! The case: one incident, in one shape, whatever event announced it.
//!
//! Normalize turns a GuardDuty finding, a Security Hub finding or custom action, an AWS Config
//! compliance change or a CloudTrail API call into a [`Case`]; every later step reads only this.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a case's resources are, for a step that carries no whole case (one range of a
/// snapshot, in a Distributed Map): the step acts in that account and Region, in a session
/// named after the case, as one given the case does (#20; `tasks::member::Target` reads these
/// three fields of either).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CasePlace {
    pub case_id: String,
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Case {
    /// Stable id derived from the source and the finding id: a re-sent finding maps to the
    /// same case, which is what makes duplicate detection possible.
    pub case_id: String,
    pub source: Source,
    /// What the case is about; playbooks route on it.
    pub kind: CaseKind,
    /// GuardDuty finding type, ASFF `Types[0]`, Config rule name or CloudTrail event name.
    pub finding_type: String,
    /// The id the source gave the event (GuardDuty finding id, ASFF `Id`, CloudTrail `eventID`).
    pub finding_id: String,
    pub title: String,
    pub severity: Severity,
    pub account: String,
    pub region: String,
    /// When the source saw it (RFC 3339).
    pub observed_at: String,
    /// EC2 instances the event names.
    pub instances: Vec<InstanceRef>,
    /// IAM principals and access keys the event names.
    pub principals: Vec<PrincipalRef>,
    /// Remote addresses the event names (attackers, callers, probes).
    pub remote_ips: Vec<RemoteIp>,
    /// Other resources named by the event (security groups, buckets, trails, ...).
    pub resources: Vec<ResourceRef>,
    /// Who made the change, for CloudTrail- and Config-born cases.
    pub actor: Option<Actor>,
    /// Security Hub findings behind the case, to update after the playbook (one custom action
    /// can carry several selected findings).
    pub security_hub: Vec<SecurityHubRef>,
    /// The Security Hub custom action that started the case, if any.
    pub custom_action: Option<String>,
    /// A sample finding (GuardDuty `CreateSampleFindings`): placeholder resources, never act.
    pub sample: bool,
    /// Plan only: mutating tasks return the calls they would make.
    pub dry_run: bool,
    /// Who vouches for the case: AWS, a trusted product, a responder, aws-ir itself, or nobody
    /// (then a responder decides before anything is done).
    pub authority: crate::trust::Authority,
    /// What the finding or rule checks, when it says (a Security Hub control, an AWS Config
    /// rule): recovery answers that check and no other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

impl Case {
    /// The ARN of whoever acted, as the case knows it (for a manual request, as STS
    /// authenticated it); empty when unknown.
    pub fn actor_arn(&self) -> &str {
        self.actor
            .as_ref()
            .and_then(|a| a.arn.as_deref())
            .unwrap_or_default()
    }
}

/// A check a Security Hub control or an AWS Config rule makes on a setting, and who makes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    /// `Security Hub control EC2.18`, `AWS Config rule restricted-ssh (INCOMING_SSH_DISABLED)`.
    pub by: String,
    pub what: SettingCheck,
}

/// What is checked. Security groups: which ports may be open to the whole internet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SettingCheck {
    /// No ingress from the whole internet on these ports (EC2.13 SSH, EC2.14 RDP, EC2.19
    /// high-risk ports, `restricted-ssh`, `restricted-common-ports`); the stack's own
    /// `SensitivePorts` count too.
    ClosedPorts { ports: Vec<i32> },
    /// Ingress from the whole internet only on these ports (EC2.18,
    /// `vpc-sg-open-only-to-authorized-ports`): anything else open to the world goes.
    AuthorizedPorts {
        tcp: Vec<PortRange>,
        udp: Vec<PortRange>,
    },
    /// A bucket's Block Public Access (S3.2, S3.3, S3.8, `s3-bucket-level-public-access-prohibited`).
    BucketPublicAccess,
    /// The account's Block Public Access (S3.1, `s3-account-level-public-access-blocks`).
    AccountPublicAccess,
    /// A trail logs (CloudTrail.1, `cloudtrail-enabled`, aws-ir's own trail rule).
    TrailLogging,
    /// Something settings-recovery does not restore: reported, nothing changed.
    Other { checks: String },
}

impl SettingCheck {
    /// Whether this check is about a resource of ASFF type `resource_type`.
    pub fn concerns(&self, resource_type: &str) -> bool {
        match self {
            SettingCheck::ClosedPorts { .. } | SettingCheck::AuthorizedPorts { .. } => {
                resource_type == "AwsEc2SecurityGroup"
            }
            SettingCheck::BucketPublicAccess => resource_type == "AwsS3Bucket",
            SettingCheck::AccountPublicAccess => resource_type == "AwsS3AccountPublicAccessBlock",
            SettingCheck::TrailLogging => resource_type == "AwsCloudTrailTrail",
            SettingCheck::Other { .. } => false,
        }
    }
}

/// A port or an inclusive range of ports (`443`, `1020-1025`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PortRange {
    pub from: i32,
    pub to: i32,
}

impl PortRange {
    /// `443`, `1020-1025`, comma-separated; `None` if any part is not a port or a range.
    pub fn parse_list(text: &str) -> Option<Vec<PortRange>> {
        text.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (a, b) = p.split_once('-').unwrap_or((p, p));
                let (from, to) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                ((0..=65535).contains(&from) && (from..=65535).contains(&to))
                    .then_some(PortRange { from, to })
            })
            .collect()
    }

    /// Every port of `from..=to` lies in one of `ranges`.
    pub fn covered(ranges: &[PortRange], from: i32, to: i32) -> bool {
        (from..=to).all(|p| ranges.iter().any(|r| r.from <= p && p <= r.to))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Source {
    GuardDuty,
    SecurityHub,
    Config,
    CloudTrail,
    Manual,
}

/// What the case is about. Kept coarse on purpose: a playbook's Choice states route on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CaseKind {
    /// An EC2 instance may be compromised.
    Instance,
    /// IAM credentials (access key, role session, user) may be compromised.
    Credentials,
    /// A remote address is attacking or being contacted; no instance or principal named.
    RemoteAddress,
    /// A security setting was weakened (security group, trail, public access block).
    SecuritySetting,
    /// Understood, but no playbook acts on it.
    Other,
}

impl CaseKind {
    pub const ALL: [CaseKind; 5] = [
        CaseKind::Instance,
        CaseKind::Credentials,
        CaseKind::RemoteAddress,
        CaseKind::SecuritySetting,
        CaseKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseKind::Instance => "Instance",
            CaseKind::Credentials => "Credentials",
            CaseKind::RemoteAddress => "RemoteAddress",
            CaseKind::SecuritySetting => "SecuritySetting",
            CaseKind::Other => "Other",
        }
    }
}

/// Severity on GuardDuty's 0–10 scale with the Security Hub label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Severity {
    pub score: f64,
    pub label: SeverityLabel,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeverityLabel {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// GuardDuty's bands: 1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical.
    pub fn from_score(score: f64) -> Severity {
        let label = match score {
            s if s >= 9.0 => SeverityLabel::Critical,
            s if s >= 7.0 => SeverityLabel::High,
            s if s >= 4.0 => SeverityLabel::Medium,
            s if s >= 1.0 => SeverityLabel::Low,
            _ => SeverityLabel::Informational,
        };
        Severity { score, label }
    }

    /// From a Security Hub label; the score is the band's lower bound on GuardDuty's scale.
    pub fn from_label(label: SeverityLabel) -> Severity {
        let score = match label {
            SeverityLabel::Informational => 0.0,
            SeverityLabel::Low => 1.0,
            SeverityLabel::Medium => 4.0,
            SeverityLabel::High => 7.0,
            SeverityLabel::Critical => 9.0,
        };
        Severity { score, label }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstanceRef {
    pub instance_id: String,
    /// Instance profile ARN as the finding reported it.
    pub instance_profile_arn: Option<String>,
    pub vpc_id: Option<String>,
    /// Tags as the finding reported them (`key` → `value`); tasks re-read live tags before acting.
    pub tags: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PrincipalRef {
    /// `IAMUser`, `AssumedRole`, `Root`, `Role`, `FederatedUser`, ...
    pub principal_type: String,
    /// User or role name when known.
    pub name: Option<String>,
    pub arn: Option<String>,
    pub access_key_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RemoteIp {
    /// An address or a CIDR block.
    pub address: String,
    /// 4 or 6.
    pub version: u8,
    /// Who opened the connection. `Inbound`: the remote side came at our resource (an attacker
    /// or a prober). `Outbound`: our resource reached out to it (a command-and-control server,
    /// or the victim of a compromised instance). Blocking policy differs between the two.
    pub direction: Direction,
    pub country: Option<String>,
    pub organization: Option<String>,
    pub asn: Option<String>,
    /// The threat list the finding matched the address against, if it says so (GuardDuty's
    /// `threatListName`): see [`crate::remote`].
    pub threat_list: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Direction {
    Inbound,
    Outbound,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ResourceRef {
    /// ASFF-style type: `AwsEc2SecurityGroup`, `AwsS3Bucket`, `AwsCloudTrailTrail`, ...
    pub resource_type: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Actor {
    pub arn: Option<String>,
    pub principal_type: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityHubRef {
    pub finding_id: String,
    pub product_arn: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_bands_follow_guardduty() {
        assert_eq!(Severity::from_score(2.0).label, SeverityLabel::Low);
        assert_eq!(Severity::from_score(5.0).label, SeverityLabel::Medium);
        assert_eq!(Severity::from_score(8.0).label, SeverityLabel::High);
        assert_eq!(Severity::from_score(9.5).label, SeverityLabel::Critical);
        assert_eq!(
            Severity::from_score(0.0).label,
            SeverityLabel::Informational
        );
    }
}
