//! Constructs: the pieces a playbook stack is made of, each deriving its resources, IAM and
//! settings from typed input rather than from hand-written JSON.
//!
//! - [`key`]: the `keys` stack: the KMS keys every stack of an account and Region shares
//!   (encryption, record seals, evidence signatures), which the playbook stacks import;
//! - [`topic`]: the notification topic and the subscriptions a deployer asks for;
//! - [`task_function`]: a task Lambda with its own role, built from the task's contract;
//! - [`trigger`]: EventBridge patterns from typed triggers;
//! - [`member`]: the member stacks of an organization deployment (roles, event forwarding);
//! - [`playbook`]: a state machine with its role derived by walking the graph, its log group,
//!   its triggers, and everything above.

pub mod evidence;
pub mod guardrails;
pub mod ip_sets;
pub mod key;
pub mod member;
pub mod playbook;
pub mod policy;
pub mod task_function;
pub mod topic;
pub mod trigger;

/// Choices made once for every stack.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Prefix of every log group name and the `ir:` tag namespace.
    pub project: &'static str,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { project: "aws-ir" }
    }
}

/// Parameters every playbook stack takes, by name.
pub mod params {
    pub const ARTIFACT_BUCKET: &str = "ArtifactBucket";
    pub const ARTIFACT_PREFIX: &str = "ArtifactPrefix";
    /// The task Lambdas' CPU (`x86_64` or `arm64`): the zip must hold a bootstrap built for it.
    pub const ARCHITECTURE: &str = "Architecture";
    pub const DRY_RUN: &str = "DryRun";
    pub const LOG_RETENTION_DAYS: &str = "LogRetentionDays";
    pub const NOTIFICATION_EMAIL: &str = "NotificationEmail";
    pub const TASK_CONCURRENCY: &str = "TaskReservedConcurrency";
    pub const SECURITY_HUB_ACTIONS: &str = "SecurityHubActions";
    pub const EVIDENCE_RETENTION_DAYS: &str = "EvidenceRetentionDays";
    pub const EVIDENCE_LOCK_MODE: &str = "EvidenceLockMode";
    pub const TRIGGERS: &str = "Triggers";
    pub const TRUSTED_PRODUCTS: &str = "TrustedProducts";
    /// Exclusions every playbook honours before it acts (#20): by account, and by the
    /// organizational units an account is in at any depth.
    pub const EXCLUDED_ACCOUNTS: &str = "ExcludedAccounts";
    pub const EXCLUDED_UNITS: &str = "ExcludedOrganizationalUnits";
    /// The prefix `irctl deploy` names stacks with (`<prefix>-<playbook>`): how a stack finds
    /// another's resources, which are named after their stack.
    pub const STACK_PREFIX: &str = "StackPrefix";
    /// The organization the stack responds for through the member stacks (#20); empty: its
    /// own account only.
    pub const ORGANIZATION_ID: &str = "OrganizationId";
}

/// Logical ids shared between constructs.
pub mod ids {
    pub const TOPIC: &str = "NotificationTopic";
    pub const STATE_MACHINE: &str = "StateMachine";
    pub const TRIGGER_DLQ: &str = "TriggerDeadLetterQueue";
}
