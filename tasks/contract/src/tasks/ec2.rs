//! The EC2 compromise playbook's steps: one task Lambda each.
//!
//! Every step takes the case, the instance and the playbook's policy (filled in from the stack's
//! parameters), and every mutating step returns an [`Outcome`]: what it did (or, in a dry run,
//! would do) as a list of AWS calls, and what it skipped and why. The final record and the
//! notification are built from these.

use super::{case_table, key_for_table, MUTATE_ERRORS};
use crate::case::Case;
use crate::lenient;
use crate::task::{Permission, Scope, StackResource, Task};
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The playbook's policy, from the stack's parameters (substitutions are strings, hence the
/// lenient fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ec2Policy {
    /// Instances carrying this tag key are left alone (recorded as excluded).
    pub exclusion_tag: String,
    /// Instances carrying this tag key are contained only after a responder approves.
    pub protected_tag: String,
    /// Comma-separated account ids the playbook never acts in.
    pub excluded_accounts: String,
    /// Cases below this severity (0–10) wait for approval.
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub min_severity_automatic: f64,
    /// Seconds a responder has to answer an approval request; the machine's approval wait reads
    /// it (`TimeoutSecondsPath`), the tasks do not (so a caller of a task alone may leave it out).
    #[serde(default, deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub approval_timeout_seconds: f64,
    /// `proceed` or `skip` when nobody answers an approval request in time.
    pub on_approval_timeout: String,
    /// Capture volatile evidence with Run Command before the network is cut.
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub volatile_capture: bool,
    /// Seconds to wait for the capture command before going on without it.
    #[serde(deserialize_with = "lenient::number")]
    #[schemars(with = "f64")]
    pub capture_timeout_seconds: f64,
    /// `remove` the instance profile, or `quarantine` (swap to a profile that only allows SSM).
    pub profile_action: String,
    /// Instance profile ARN used by `quarantine`.
    pub quarantine_profile_arn: String,
    /// Deny sessions of the instance role issued before now.
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub revoke_role_sessions: bool,
    /// Instance that receives the evidence volumes; empty for none.
    pub forensic_instance_id: String,
    /// Subnet and security group of the forensic network interface; empty for none.
    pub forensic_subnet_id: String,
    pub forensic_security_group_id: String,
    /// Also deny all traffic of the instance's subnets with a NACL (cuts flows that stay
    /// tracked through NLB, NAT gateway, Transit Gateway; affects the whole subnet).
    #[serde(deserialize_with = "lenient::bool")]
    #[schemars(with = "bool")]
    pub nacl_isolation: bool,
    /// The stack's case table, evidence bucket and capture document.
    pub case_table: String,
    pub evidence_bucket: String,
    pub capture_document: String,
    /// The document that uploads a memory image the capture document acquired (empty: the
    /// image is not uploaded, and the capture says so).
    #[serde(default)]
    pub memory_upload_document: String,
    /// The key that seals the pre-state (a release checks the seal before acting on it).
    #[serde(default)]
    pub record_key: String,
    /// The asymmetric key that signs the case's evidence manifest (chain of custody).
    #[serde(default)]
    pub signing_key: String,
    /// The forensic account each evidence snapshot is copied to and shared with (empty: none),
    /// and the key of that account the copies are encrypted with.
    #[serde(default)]
    pub forensic_account_id: String,
    #[serde(default)]
    pub forensic_key_arn: String,
}

impl Ec2Policy {
    pub fn excluded_account(&self, account: &str) -> bool {
        self.excluded_accounts
            .split(',')
            .map(str::trim)
            .any(|a| !a.is_empty() && a == account)
    }
}

/// The steps of the capture document, in order: the document is generated from this list, and
/// the capture task reads each step's output back by these names.
pub const CAPTURE_STEPS: [&str; 7] = [
    "identify",
    "processes",
    "network",
    "sessions",
    "modules",
    "packets",
    "memory",
];

pub use super::outcome::{Action, Outcome, Status};

/// The common input of every per-instance step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InstanceStep {
    pub case: Case,
    pub instance_id: String,
    pub policy: Ec2Policy,
    /// The execution running the step (`$$.Execution.Id`): claims and records name it.
    pub execution: String,
    /// Where the case's survey ([`SurveyRegistrations`]) found the instance registered for
    /// traffic, read once per case and VPC just before the instances' steps; `None` (no survey,
    /// or one made before an approval wait) means each step reads it live.
    #[serde(default)]
    pub registrations: Option<TrafficRegistrations>,
}

/// Where an instance is registered to receive traffic: target groups (with ports) and classic
/// load balancers. (Its Auto Scaling group is read by instance id, so always live.)
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrafficRegistrations {
    pub target_groups: Vec<TargetRegistration>,
    pub classic_load_balancers: Vec<String>,
}

/// Everything the playbook may change, recorded before the first change so that release can
/// put it back exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PreState {
    pub instance_id: String,
    pub state: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    pub interfaces: Vec<InterfaceState>,
    pub instance_profile: Option<ProfileState>,
    pub auto_scaling_group: Option<String>,
    pub target_groups: Vec<TargetRegistration>,
    pub classic_load_balancers: Vec<String>,
    pub termination_protection: bool,
    pub shutdown_behavior: String,
    pub volumes: Vec<VolumeState>,
    pub tags: BTreeMap<String, String>,
    pub recorded_at: String,
    /// The execution that recorded it.
    pub recorded_by: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterfaceState {
    pub network_interface_id: String,
    pub device_index: i32,
    pub subnet_id: String,
    pub security_groups: Vec<String>,
    pub private_ip: String,
    /// Elastic IP associated with the interface, if any.
    pub elastic_ip: Option<ElasticIpState>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ElasticIpState {
    pub public_ip: String,
    pub allocation_id: String,
    pub association_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileState {
    pub association_id: String,
    pub arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetRegistration {
    pub target_group_arn: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VolumeState {
    pub device_name: String,
    pub volume_id: String,
    pub delete_on_termination: bool,
}

// --- the steps ----------------------------------------------------------------------------

/// Reads the instance live and decides: act, skip (excluded, gone, already handled) or ask.
pub struct AssessInstance;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    /// `proceed`, `skip` or `approve` (wait for a responder).
    pub decision: String,
    pub reason: String,
    /// `running`, `stopped`, `terminated`, ...
    pub state: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub network_interfaces: Vec<String>,
    pub name: String,
}

pub(crate) const EC2_DESCRIBE: &str = "EC2 Describe* actions do not support resource-level permissions (Service Authorization Reference, Amazon EC2).";

fn describe_ec2() -> Permission {
    Permission::new(
        "DescribeInstances",
        &[
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVolumes",
            "ec2:DescribeIamInstanceProfileAssociations",
            "ec2:DescribeAddresses",
        ],
        Scope::Unscoped {
            reason: EC2_DESCRIBE,
        },
    )
}

/// DescribeInstanceAttribute, unlike the other Describe calls, takes an instance ARN.
fn instance_attributes() -> Permission {
    Permission::new(
        "ReadInstanceAttributes",
        &["ec2:DescribeInstanceAttribute"],
        Scope::Arns(&[ANY_INSTANCE]),
    )
}

/// Objects under the evidence bucket's case prefixes, encrypted with the shared encryption key.
fn write_evidence(sid: &'static str) -> [Permission; 2] {
    [
        Permission::new(
            sid,
            &["s3:PutObject"],
            Scope::Stack(StackResource::EvidenceReports),
        ),
        super::encryption_key_via(
            "UseEncryptionKeyForEvidence",
            &["kms:GenerateDataKey"],
            "s3.${AWS::Region}.amazonaws.com",
        ),
    ]
}

/// EC2 resource ARNs in this account and Region, by type (snapshots have no account).
const ANY_INSTANCE: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*";
const NETWORK_INTERFACES: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*";
const SECURITY_GROUPS: &str =
    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*";
const VPCS: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/*";
const SUBNETS: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/*";
const VOLUMES: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*";
const SNAPSHOTS: &str = "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*";

const ASSESS_ERRORS: [ErrorName; 5] = [
    ErrorName::InvalidEvent,
    ErrorName::ResourceNotFound,
    ErrorName::Throttled,
    ErrorName::Transient,
    ErrorName::AccessDenied,
];

impl Task for AssessInstance {
    const NAME: &'static str = "assess-instance";
    const TITLE: &'static str = "AssessInstance";
    const DESCRIPTION: &'static str =
        "Reads an instance live and decides whether to contain it, skip it or ask a responder.";
    type Input = InstanceStep;
    type Output = Assessment;
    fn permissions() -> Vec<Permission> {
        vec![
            describe_ec2(),
            // The claim is a conditional update (`cases::claim`).
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            super::read_own_executions(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        ASSESS_ERRORS.to_vec()
    }
}

/// Records everything the playbook may change, once per case and instance.
pub struct RecordPreState;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PreStateRecorded {
    /// `recorded`, or `kept` when an earlier execution of the same case recorded it (a re-sent
    /// finding must not overwrite the state from before the first containment).
    pub status: String,
    pub interfaces: usize,
    pub volumes: usize,
    pub auto_scaling_group: String,
    pub target_groups: usize,
    pub classic_load_balancers: usize,
    pub instance_profile: String,
}

impl Task for RecordPreState {
    const NAME: &'static str = "record-pre-state";
    const TITLE: &'static str = "RecordPreState";
    const DESCRIPTION: &'static str = "Records an instance's security groups, profile, ASG and load balancer registrations and protections before any change.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = InstanceStep;
    type Output = PreStateRecorded;
    fn permissions() -> Vec<Permission> {
        vec![
            describe_ec2(),
            instance_attributes(),
            Permission::new(
                "DescribeLoadBalancing",
                &["autoscaling:DescribeAutoScalingInstances", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeLoadBalancers"],
                Scope::Unscoped { reason: "Auto Scaling and Elastic Load Balancing Describe* actions do not support resource-level permissions." },
            ),
            // The pre-state is kept by a conditional update, sealed with the record key.
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            super::record_key("kms:GenerateMac"),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

/// Captures volatile evidence with Run Command, when the agent is online.
pub struct CaptureVolatileEvidence;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CaptureResult {
    /// `captured`, `skipped` (policy off, agent offline) or `failed` (the command did not
    /// succeed). Never an error: evidence capture must not stop containment.
    pub status: String,
    pub reason: String,
    pub command_id: String,
    /// `s3://bucket/prefix` where the agent wrote the output.
    pub location: String,
    /// The memory image (its status is the capture's when the capture did not run to the end).
    pub memory: MemoryImage,
}

/// A memory image as S3 holds it, never as the host describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryImage {
    /// `captured` (every part uploaded, checked by S3 against its SHA-256, and completed),
    /// `skipped` (off, or no AVML on the host) or `failed` (the upload was aborted: nothing
    /// partial is kept).
    pub status: String,
    pub reason: String,
    /// `s3://bucket/key`, its version, its size, and S3's COMPOSITE SHA-256
    /// (`<base64>-<parts>`: the SHA-256 of the parts' SHA-256s) as S3 reports it.
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub version_id: String,
    #[serde(default)]
    pub bytes: i64,
    #[serde(default)]
    pub sha256: String,
}

impl Task for CaptureVolatileEvidence {
    const NAME: &'static str = "capture-volatile-evidence";
    const TITLE: &'static str = "CaptureVolatileEvidence";
    const DESCRIPTION: &'static str = "Runs the stack's capture document with Run Command when the SSM agent is online; records a skip otherwise.";
    const TIMEOUT_SECONDS: u32 = 900;
    type Input = InstanceStep;
    type Output = CaptureResult;
    fn permissions() -> Vec<Permission> {
        let mut permissions = vec![
            Permission::new(
                "CheckAgent",
                &[
                    "ssm:DescribeInstanceInformation",
                    "ssm:ListCommandInvocations",
                    "ssm:GetCommandInvocation",
                ],
                Scope::Unscoped {
                    reason: "These SSM read actions do not support resource-level permissions.",
                },
            ),
            Permission::new(
                "RunCaptureDocument",
                &["ssm:SendCommand"],
                Scope::Stack(StackResource::CaptureDocument),
            )
            .also(Scope::Stack(StackResource::MemoryUploadDocument))
            .also(Scope::Arn(ANY_INSTANCE)),
        ];
        // Writes each step's output (read through SSM, so the instance needs no permission on
        // the bucket).
        permissions.extend(write_evidence("WriteEvidence"));
        // The memory image: a multipart upload whose part URLs (and the plan that lists them)
        // it presigns with its own role, checks part by part, then completes or aborts.
        permissions.push(Permission::new(
            "UploadMemoryImage",
            &[
                "s3:AbortMultipartUpload",
                "s3:GetObject",
                "s3:ListMultipartUploadParts",
            ],
            Scope::Stack(StackResource::EvidenceReports),
        ));
        permissions.push(super::encryption_key_via(
            "ReadEncryptionKeyForEvidence",
            &["kms:Decrypt"],
            "s3.${AWS::Region}.amazonaws.com",
        ));
        // An instance SSM does not know is read, to tell an unmanaged instance from none.
        permissions.push(Permission::new(
            "DescribeUnmanagedInstance",
            &["ec2:DescribeInstances"],
            Scope::Unscoped {
                reason: EC2_DESCRIBE,
            },
        ));
        // The outcome is recorded on the case (`ec2::remember`), like every other step's.
        permissions.push(case_table(&["dynamodb:UpdateItem"]));
        permissions.push(key_for_table());
        permissions
    }
    fn errors() -> Vec<ErrorName> {
        MUTATE_ERRORS.to_vec()
    }
}

macro_rules! mutating_step {
    ($ty:ident, $name:literal, $title:literal, $desc:literal, $timeout:literal, [$($perm:expr),* $(,)?]) => {
        pub struct $ty;
        impl Task for $ty {
            const NAME: &'static str = $name;
            const TITLE: &'static str = $title;
            const DESCRIPTION: &'static str = $desc;
            const TIMEOUT_SECONDS: u32 = $timeout;
            type Input = InstanceStep;
            type Output = Outcome;
            fn permissions() -> Vec<Permission> {
                // Every step records what it did on the case (`ec2::remember`).
                vec![
                    describe_ec2(),
                    instance_attributes(),
                    case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
                    key_for_table(),
                    $($perm),*
                ]
            }
            fn errors() -> Vec<ErrorName> {
                MUTATE_ERRORS.to_vec()
            }
        }
    };
}

mutating_step!(
    ProtectInstance,
    "protect-instance",
    "ProtectInstance",
    "Turns on termination protection, sets shutdown behaviour to stop and keeps every volume on termination.",
    30,
    [Permission::new("ProtectInstance", &["ec2:ModifyInstanceAttribute"], Scope::Arn(ANY_INSTANCE))]
);

mutating_step!(
    DetachFromServices,
    "detach-from-services",
    "DetachFromServices",
    "Detaches the instance from its Auto Scaling group without lowering capacity and deregisters it from every target group and classic load balancer.",
    60,
    [
        Permission::new(
            "FindRegistrations",
            &["autoscaling:DescribeAutoScalingInstances", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeLoadBalancers"],
            Scope::Unscoped { reason: "Auto Scaling and Elastic Load Balancing Describe* actions do not support resource-level permissions." },
        ),
        Permission::new("DetachFromGroup", &["autoscaling:DetachInstances"], Scope::Arn("arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*")),
        Permission::new("DeregisterTargets", &["elasticloadbalancing:DeregisterTargets"], Scope::Arn("arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*/*")),
        Permission::new("DeregisterFromClassic", &["elasticloadbalancing:DeregisterInstancesFromLoadBalancer"], Scope::Arn("arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:loadbalancer/*")),
    ]
);

mutating_step!(
    IsolateNetwork,
    "isolate-network",
    "IsolateNetwork",
    "On every network interface, swaps to an allow-all group (tracked flows become untracked) and then to an isolation group with no rules.",
    60,
    [
        Permission::new("DescribeGroups", &["ec2:DescribeSecurityGroups", "ec2:DescribeNetworkAcls", "ec2:DescribeSubnets"], Scope::Unscoped { reason: EC2_DESCRIBE }),
        // The containment groups are known by what the case table records, not by a tag.
        Permission::new("RecordContainmentGroups", &["dynamodb:Query", "dynamodb:PutItem"], Scope::Stack(StackResource::CaseTable)),
        Permission::new("CreateIsolationGroups", &["ec2:CreateSecurityGroup"], Scope::Arns(&[SECURITY_GROUPS, VPCS])),
        Permission::new("TagIsolationGroups", &["ec2:CreateTags"], Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*"))
            .when("StringEquals", "ec2:CreateAction", &["CreateSecurityGroup"]),
        // Rules change only on groups this playbook created (tagged at creation).
        Permission::new("ShapeIsolationGroups", &["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup"], Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*"))
            .when("StringEquals", "aws:ResourceTag/aws-ir:role", &["isolation"]),
        Permission::new("SwapInterfaceGroups", &["ec2:ModifyNetworkInterfaceAttribute"], Scope::Arns(&[NETWORK_INTERFACES, SECURITY_GROUPS, ANY_INSTANCE, VPCS])),
        // The one NACL writer: a full list makes room by replacing aws-ir's oldest IP block.
        Permission::new("DenySubnetTraffic", &["ec2:CreateNetworkAclEntry", "ec2:ReplaceNetworkAclEntry"], Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-acl/*")),
        // The ACL's write lease and the ledger of held denies (`ip::ledger`).
        Permission::new("ShareSubnetDenies", &["dynamodb:DeleteItem"], Scope::Stack(StackResource::CaseTable)),
    ]
);

mutating_step!(
    RemoveInstanceProfile,
    "remove-instance-profile",
    "RemoveInstanceProfile",
    "Removes the instance profile (or swaps it for the quarantine profile) and optionally revokes the role's earlier sessions.",
    30,
    [
        Permission::new("ChangeProfileAssociation", &["ec2:DisassociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation"], Scope::Arn(ANY_INSTANCE)),
        Permission::new("ReadInstanceRole", &["iam:GetInstanceProfile"], Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*")),
        Permission::new("PassQuarantineRole", &["iam:PassRole"], Scope::Stack(StackResource::QuarantineRole)),
        Permission::new("RevokeRoleSessions", &["iam:PutRolePolicy"], Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")),
        Permission::new("FindSharedRole", &["ec2:DescribeIamInstanceProfileAssociations"], Scope::Unscoped { reason: EC2_DESCRIBE }),
    ]
);

mutating_step!(
    TagInstance,
    "tag-instance",
    "TagInstance",
    "Tags the instance with the case id and its containment status.",
    15,
    [Permission::new(
        "TagInstance",
        &["ec2:CreateTags"],
        Scope::Arn(ANY_INSTANCE)
    )]
);

mutating_step!(
    SnapshotVolumes,
    "snapshot-volumes",
    "SnapshotVolumes",
    "Snapshots every attached volume together (crash-consistent), tagged with the case; reuses the case's snapshots when they exist.",
    60,
    [
        Permission::new("DescribeSnapshots", &["ec2:DescribeSnapshots"], Scope::Unscoped { reason: EC2_DESCRIBE }),
        Permission::new("CreateSnapshots", &["ec2:CreateSnapshots"], Scope::Arns(&[ANY_INSTANCE, VOLUMES, SNAPSHOTS])),
        Permission::new("TagSnapshots", &["ec2:CreateTags"], Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"))
            .when("StringEquals", "ec2:CreateAction", &["CreateSnapshots"]),
    ]
);

mutating_step!(
    AttachForensics,
    "attach-forensics",
    "AttachForensics",
    "Creates volumes from the case's snapshots in the forensic instance's zone and attaches them; attaches a forensic network interface when configured.",
    300,
    [
        Permission::new("DescribeForensics", &["ec2:DescribeSnapshots", "ec2:DescribeSubnets"], Scope::Unscoped { reason: EC2_DESCRIBE }),
        Permission::new("CreateEvidenceVolumes", &["ec2:CreateVolume"], Scope::Arns(&[VOLUMES, SNAPSHOTS]))
            .when("StringEquals", "aws:RequestTag/aws-ir:role", &["evidence"]),
        Permission::new("TagEvidence", &["ec2:CreateTags"], Scope::Arns(&[VOLUMES, NETWORK_INTERFACES]))
            .when("StringEquals", "ec2:CreateAction", &["CreateVolume", "CreateNetworkInterface"]),
        Permission::new("AttachEvidence", &["ec2:AttachVolume", "ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface"], Scope::Arns(&[ANY_INSTANCE, VOLUMES, NETWORK_INTERFACES, SUBNETS, SECURITY_GROUPS])),
    ]
);

/// Re-reads the instance and checks that isolation holds.
pub struct VerifyIsolation;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Verification {
    /// True when every check passed.
    pub isolated: bool,
    /// One line per check: `ok: …` or `FAILED: …`.
    pub checks: Vec<String>,
    /// One short line, for the instance's result in the execution's state (which holds every
    /// instance's, in at most 256 KiB): how many checks failed, and the first of them.
    pub summary: String,
}

/// A verification's one-line summary, at most [`Verification::SUMMARY_CHARS`] characters.
pub fn verification_summary(checks: &[String]) -> String {
    let failed: Vec<&String> = checks.iter().filter(|c| c.starts_with("FAILED")).collect();
    let line = match failed.first() {
        None => format!("all {} checks passed", checks.len()),
        Some(first) => format!(
            "{} of {} checks failed; first: {first}",
            failed.len(),
            checks.len()
        ),
    };
    match line.char_indices().nth(Verification::SUMMARY_CHARS) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

impl Verification {
    pub const SUMMARY_CHARS: usize = 240;
}

impl Task for VerifyIsolation {
    const NAME: &'static str = "verify-isolation";
    const TITLE: &'static str = "VerifyIsolation";
    const DESCRIPTION: &'static str =
        "Re-reads the instance, its interfaces and registrations and checks that isolation holds.";
    const TIMEOUT_SECONDS: u32 = 60;
    type Input = InstanceStep;
    type Output = Verification;
    fn permissions() -> Vec<Permission> {
        vec![
            describe_ec2(),
            instance_attributes(),
            Permission::new(
                "DescribeLoadBalancing",
                &[
                    "autoscaling:DescribeAutoScalingInstances",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "ec2:DescribeSecurityGroups",
                ],
                Scope::Unscoped {
                    reason: "Describe* actions do not support resource-level permissions.",
                },
            ),
            case_table(&["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]),
            key_for_table(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        ASSESS_ERRORS.to_vec()
    }
}

/// Puts back exactly what was recorded before containment.
pub struct ReleaseInstance;

impl Task for ReleaseInstance {
    const NAME: &'static str = "release-instance";
    const TITLE: &'static str = "ReleaseInstance";
    const DESCRIPTION: &'static str = "Restores the recorded pre-state of a contained instance: groups per interface, profile, Auto Scaling and load balancer registrations, protections; detaches the forensic interface.";
    const TIMEOUT_SECONDS: u32 = 120;
    type Input = InstanceStep;
    type Output = Outcome;
    fn permissions() -> Vec<Permission> {
        vec![
            describe_ec2(),
            instance_attributes(),
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            super::record_key("kms:VerifyMac"),
            Permission::new("RestoreInstance", &["ec2:ModifyInstanceAttribute", "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation", "ec2:DisassociateIamInstanceProfile", "ec2:CreateTags", "ec2:DeleteTags"], Scope::Arn(ANY_INSTANCE)),
            Permission::new("RestoreInterfaces", &["ec2:ModifyNetworkInterfaceAttribute", "ec2:DetachNetworkInterface"], Scope::Arns(&[NETWORK_INTERFACES, SECURITY_GROUPS, ANY_INSTANCE, VPCS])),
            Permission::new("RemoveNaclEntries", &["ec2:DeleteNetworkAclEntry"], Scope::Arn("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-acl/*")),
            Permission::new("ReadNetworkAcls", &["ec2:DescribeNetworkAcls"], Scope::Unscoped { reason: EC2_DESCRIBE }),
            // The ACL's write lease and the ledger of held denies (`ip::ledger`).
            Permission::new("ShareSubnetDenies", &["dynamodb:PutItem", "dynamodb:DeleteItem"], Scope::Stack(StackResource::CaseTable)),
            Permission::new("ReadSessionRevocation", &["iam:GetRolePolicy", "iam:GetInstanceProfile"], Scope::Arns(&["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*", "arn:${AWS::Partition}:iam::${AWS::AccountId}:instance-profile/*"])),
            Permission::new("PassInstanceRoles", &["iam:PassRole"], Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"))
                .when("StringEquals", "iam:PassedToService", &["ec2.amazonaws.com"]),
            Permission::new("RemoveSessionRevocation", &["iam:DeleteRolePolicy"], Scope::Arn("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*")),
            Permission::new("ReattachToGroup", &["autoscaling:AttachInstances"], Scope::Arn("arn:${AWS::Partition}:autoscaling:${AWS::Region}:${AWS::AccountId}:autoScalingGroup:*:autoScalingGroupName/*")),
            Permission::new("DescribeGroups", &["autoscaling:DescribeAutoScalingGroups"], Scope::Unscoped { reason: "Auto Scaling Describe* actions do not support resource-level permissions." }),
            Permission::new("RegisterTargets", &["elasticloadbalancing:RegisterTargets"], Scope::Arn("arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*/*")),
            Permission::new("RegisterWithClassic", &["elasticloadbalancing:RegisterInstancesWithLoadBalancer"], Scope::Arn("arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:loadbalancer/*")),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        let mut e = MUTATE_ERRORS.to_vec();
        e.push(ErrorName::RecordTampered);
        e
    }
}

/// What a survey or review can fail with (a read that fails inside the survey is a note, not
/// an error).
const SURVEY_ERRORS: [ErrorName; 4] = [
    ErrorName::InvalidEvent,
    ErrorName::Throttled,
    ErrorName::Transient,
    ErrorName::AccessDenied,
];

/// The read-only permissions of a survey of where instances are registered for traffic: no
/// API finds target groups by target, so every target group of the VPC is read.
fn survey_permissions() -> Vec<Permission> {
    vec![
        describe_ec2(),
        Permission::new(
            "DescribeLoadBalancing",
            &[
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeLoadBalancers",
            ],
            Scope::Unscoped {
                reason: "Describe* actions do not support resource-level permissions.",
            },
        ),
    ]
}

/// Once per case, before the instances' steps: where each of the case's instances is registered
/// for traffic, from one read of its VPC's target groups and of the classic load balancers, so
/// that the steps of 50 instances do not each read every target group of the VPC (#19).
pub struct SurveyRegistrations;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SurveyInput {
    pub case: Case,
    pub policy: Ec2Policy,
    /// The execution's ARN: its name keys the survey's items.
    pub execution: String,
}

/// The survey's items are in the evidence bucket, not in the execution's state: one entry per
/// instance, about 400 bytes each, would put a request for 500 instances over Step Functions'
/// 256 KiB per state. The instances' Distributed Map reads them (`ItemReader`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Survey {
    /// Key (in the evidence bucket) of the JSON array of [`SurveyedInstance`], one per
    /// instance of the case, in its order.
    pub items: String,
    /// How many instances it holds.
    pub instances: u64,
    /// What the survey could not read, and so left to each step to read live.
    pub notes: Vec<String>,
}

/// Where a survey's items are kept: per case and execution (a retry finds its own).
pub fn survey_key(case_id: &str, execution_name: &str) -> String {
    format!("cases/{case_id}/survey/{execution_name}.json")
}

/// An instance registered in more places than this is left to its steps to read live: its
/// item, which a child execution takes as input, stays far below 256 KiB.
pub const MAX_SURVEYED_REGISTRATIONS: usize = 200;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SurveyedInstance {
    pub instance_id: String,
    /// `None`: not surveyed (the instance was not found, or a read failed); its steps read live.
    pub registrations: Option<TrafficRegistrations>,
}

impl Task for SurveyRegistrations {
    const NAME: &'static str = "survey-registrations";
    const TITLE: &'static str = "SurveyRegistrations";
    const DESCRIPTION: &'static str = "Reads once per case and VPC where the case's instances are registered for traffic (target groups, classic load balancers).";
    const TIMEOUT_SECONDS: u32 = 120;
    type Input = SurveyInput;
    type Output = Survey;
    fn permissions() -> Vec<Permission> {
        let mut permissions = survey_permissions();
        permissions.extend(write_evidence("WriteSurvey"));
        permissions
    }
    fn errors() -> Vec<ErrorName> {
        SURVEY_ERRORS.to_vec()
    }
}

/// Once per case, after the instances' steps: the survey again. An instance called contained
/// that is registered for traffic again (somebody registered it since its steps read it) is
/// `incomplete`, in the results and in the case table.
pub struct ReviewRegistrations;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReviewInput {
    pub case: Case,
    pub policy: Ec2Policy,
    /// The instances' results, as the Map returned them.
    pub instances: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Reviewed {
    /// The instances' results, with those registered again marked `incomplete`.
    pub instances: Vec<serde_json::Value>,
}

impl Task for ReviewRegistrations {
    const NAME: &'static str = "review-registrations";
    const TITLE: &'static str = "ReviewRegistrations";
    const DESCRIPTION: &'static str = "Reads once per case and VPC whether a contained instance is registered for traffic again, and marks it incomplete.";
    // 120 s ran out at 500 instances on the emulator (target health of groups holding 500).
    const TIMEOUT_SECONDS: u32 = 300;
    type Input = ReviewInput;
    type Output = Reviewed;
    fn permissions() -> Vec<Permission> {
        let mut permissions = survey_permissions();
        permissions.push(case_table(&["dynamodb:UpdateItem"]));
        permissions.push(key_for_table());
        permissions
    }
    fn errors() -> Vec<ErrorName> {
        SURVEY_ERRORS.to_vec()
    }
}

/// Writes the case's final record: every instance's steps, actions and skips.
pub struct RecordCase;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RecordCaseInput {
    pub case: Case,
    pub policy: Ec2Policy,
    pub execution: String,
    /// One entry per instance: the results of its steps.
    pub instances: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CaseRecord {
    /// `contained`, `partially contained`, `nothing done` or `planned` (dry run).
    pub status: String,
    /// One line per instance.
    pub summary: Vec<String>,
    /// Every AWS call made (or, in a dry run, planned) and every note, one line each, per
    /// instance and step.
    pub actions: Vec<String>,
    /// `s3://bucket/key` of the full report.
    pub report: String,
}

impl Task for RecordCase {
    const NAME: &'static str = "record-case";
    const TITLE: &'static str = "RecordCase";
    const DESCRIPTION: &'static str =
        "Writes the case's final record (table) and full report (evidence bucket).";
    // It reads every item of the case (about 12 per instance): 30 s ran out at 500 instances
    // on the emulator.
    const TIMEOUT_SECONDS: u32 = 300;
    type Input = RecordCaseInput;
    type Output = CaseRecord;
    fn permissions() -> Vec<Permission> {
        let mut permissions = vec![case_table(&["dynamodb:PutItem"]), key_for_table()];
        permissions.extend(write_evidence("WriteReport"));
        permissions
    }
    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
            ErrorName::Misconfigured,
        ]
    }
}
