//! Each task's contract: input, output, permissions and errors.
//!
//! Output types serialize every field (no skipping), because codegen builds each state's
//! `ResultSelector` from the output schema's properties and a missing field would fail the
//! state at run time.

use crate::case::Case;
use crate::task::{Permission, Scope, StackResource, Task};
use crate::ErrorName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Turns any supported event into a [`Case`].
pub struct Normalize;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NormalizeInput {
    /// The event as EventBridge delivered it, or a manual start document.
    pub event: serde_json::Value,
    /// Set by the stack's `DryRun` parameter; a manual start may also ask for it.
    #[serde(deserialize_with = "crate::lenient::bool")]
    #[schemars(with = "bool")]
    pub dry_run: bool,
    /// Security Hub products (`ProductArn`s, comma-separated) whose findings may act without a
    /// responder, besides AWS's own integrations (the stack's `TrustedProducts`).
    #[serde(default)]
    pub trusted_products: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NormalizeOutput {
    pub case: Case,
    /// A manual request's proof and what it must be bound to (empty for other events).
    pub request: SignedRequest,
}

/// A manual request's proof of identity and the digest it must be bound to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SignedRequest {
    pub digest: String,
    pub proof: String,
}

impl Task for Normalize {
    const NAME: &'static str = "normalize";
    const TITLE: &'static str = "Normalize";
    const DESCRIPTION: &'static str =
        "Turns a GuardDuty, Security Hub, Config or CloudTrail event into one typed case.";
    const TIMEOUT_SECONDS: u32 = 10;
    type Input = NormalizeInput;
    type Output = NormalizeOutput;

    fn permissions() -> Vec<Permission> {
        // Pure function of its input: it calls no AWS API.
        Vec::new()
    }

    fn errors() -> Vec<ErrorName> {
        vec![ErrorName::InvalidEvent]
    }
}

/// The encryption key, usable only through `via` (`kms:ViaService`, e.g.
/// `sns.${AWS::Region}.amazonaws.com`): a task that stores encrypted data in a topic, table or
/// bucket of the stack never gets the key for anything else.
pub(crate) fn encryption_key_via(
    sid: &'static str,
    actions: &[&'static str],
    via: &'static str,
) -> Permission {
    Permission::new(sid, actions, Scope::Stack(StackResource::EncryptionKey)).when(
        "StringEquals",
        "kms:ViaService",
        &[via],
    )
}

/// Read and write the stack's case table (claims, pre-states, outcomes, records).
/// What a step that reads its input and calls AWS may fail with, and `extra`.
pub(crate) fn errors_and(extra: &[ErrorName]) -> Vec<ErrorName> {
    let mut e = vec![
        ErrorName::InvalidEvent,
        ErrorName::Throttled,
        ErrorName::Transient,
        ErrorName::AccessDenied,
        ErrorName::Misconfigured,
    ];
    e.extend_from_slice(extra);
    e
}

pub(crate) fn case_table(actions: &[&'static str]) -> Permission {
    Permission::new(
        "CaseRecords",
        actions,
        Scope::Stack(StackResource::CaseTable),
    )
}

/// The encryption key, for the case table's encryption only.
pub(crate) fn key_for_table() -> Permission {
    encryption_key_via(
        "UseEncryptionKeyForCases",
        &["kms:Decrypt", "kms:GenerateDataKey"],
        "dynamodb.${AWS::Region}.amazonaws.com",
    )
}

/// Sealing a record a release will act on (`GenerateMac`) or checking one (`VerifyMac`), with
/// the stack's record key.
pub(crate) fn record_key(action: &'static str) -> Permission {
    Permission::new(
        if action == "kms:GenerateMac" {
            "SealRecords"
        } else {
            "CheckRecordSeals"
        },
        &[action],
        Scope::Stack(StackResource::RecordKey),
    )
}

/// Reading the stack's own executions: a claim held by one that ended without finishing its
/// work is taken over (the machines are named after the stack). The action also names the
/// `express` execution type in the Service Authorization Reference; our machines are STANDARD,
/// but the same machine's express form is listed so policy linters see every resource type
/// covered (it grants nothing more: no express machine of that name exists).
pub(crate) fn read_own_executions() -> Permission {
    Permission::new(
        "ReadClaimHolders",
        &["states:DescribeExecution"],
        Scope::Arns(&[
            "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}:*",
            "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:express:${AWS::StackName}:*:*",
        ]),
    )
    .at_home()
}

/// The errors of a step that reads and changes AWS resources.
pub(crate) const MUTATE_ERRORS: [ErrorName; 6] = [
    ErrorName::InvalidEvent,
    ErrorName::ResourceNotFound,
    ErrorName::Throttled,
    ErrorName::Transient,
    ErrorName::AccessDenied,
    ErrorName::Misconfigured,
];

/// Publishes a readable summary of the case to the notification topic.
pub struct Notify;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NotifyInput {
    pub case: Case,
    /// The notification topic, filled in by codegen from the stack.
    pub topic_arn: String,
    /// What the playbook concluded, in a few words ("Triaged", "Isolated", ...).
    pub outcome: String,
    /// Results of the steps so far, keyed by step; summarized in the message.
    #[serde(default)]
    pub results: serde_json::Map<String, serde_json::Value>,
    /// The SSM SecureString (under `/incident-response/`) holding a chat webhook URL; empty: no chat.
    #[serde(default)]
    pub chat_parameter: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct NotifyOutput {
    pub message_id: String,
    pub subject: String,
    /// What became of the case's Security Hub findings (one line each; empty when the case came
    /// from elsewhere).
    pub security_hub: Vec<String>,
    /// What became of the chat message (empty when no chat is configured).
    pub chat: String,
}

impl Task for Notify {
    const NAME: &'static str = "notify";
    const TITLE: &'static str = "Notify";
    const DESCRIPTION: &'static str =
        "Publishes a readable summary of a case to the playbook's notification topic (and to a chat webhook when configured), and marks the case's Security Hub findings NOTIFIED with a note.";
    type Input = NotifyInput;
    type Output = NotifyOutput;

    fn permissions() -> Vec<Permission> {
        vec![
            Permission::new(
                "PublishToNotificationTopic",
                &["sns:Publish"],
                Scope::Stack(StackResource::NotificationTopic),
            ),
            // The topic is encrypted with the shared encryption key; publishing needs a data key from it.
            encryption_key_via(
                "UseEncryptionKeyForTopic",
                &["kms:GenerateDataKey", "kms:Decrypt"],
                "sns.${AWS::Region}.amazonaws.com",
            ),
            // The chat webhook's URL, a SecureString the deployer keeps under /incident-response/ (the
            // AWS managed key aws/ssm needs no kms permission here).
            Permission::new(
                "ReadChatWebhook",
                &["ssm:GetParameter"],
                Scope::Arn("arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/incident-response/*"),
            )
            .at_home(),
            // The finding that started the case says what was done (workflow and note).
            Permission::new(
                "UpdateOriginatingFindings",
                &["securityhub:BatchUpdateFindings"],
                Scope::Arn("arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:hub/default"),
            )
            .at_home(),
        ]
    }

    fn errors() -> Vec<ErrorName> {
        vec![
            ErrorName::InvalidEvent,
            ErrorName::Throttled,
            ErrorName::Transient,
            ErrorName::AccessDenied,
            ErrorName::ResourceNotFound,
            ErrorName::Misconfigured,
        ]
    }
}

/// Claims a whole case for one execution: the same event delivered twice (EventBridge delivers
/// at least once; CloudTrail and Config may re-send) makes one response and one notification.
pub struct ClaimCase;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClaimCaseInput {
    pub case: Case,
    /// The stack's case table.
    pub case_table: String,
    /// `$$.Execution.Id`.
    pub execution: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClaimCaseOutput {
    /// This execution handles the case (first delivery, a retry of itself, or a dry run).
    pub ours: bool,
    /// The execution that handles it.
    pub by: String,
}

impl Task for ClaimCase {
    const NAME: &'static str = "claim-case";
    const TITLE: &'static str = "ClaimCase";
    const DESCRIPTION: &'static str =
        "Claims a case for one execution, so that an event delivered twice is handled and notified once.";
    type Input = ClaimCaseInput;
    type Output = ClaimCaseOutput;
    fn permissions() -> Vec<Permission> {
        vec![
            case_table(&["dynamodb:GetItem", "dynamodb:UpdateItem"]),
            key_for_table(),
            read_own_executions(),
        ]
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[])
    }
}

/// Screens a case's account against the stack's exclusions, by account and by organizational
/// unit (#20): an excluded account is left alone, with a record. The account's place in the
/// organization is read live from Organizations (what AWS authenticates), never from the event.
pub struct ScreenAccount;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScreenAccountInput {
    pub case: Case,
    /// Comma-separated account ids no playbook acts in (`ExcludedAccounts`).
    #[serde(default)]
    pub excluded_accounts: String,
    /// Comma-separated OU ids (or the root's) whose accounts, at any depth, no playbook acts
    /// in (`ExcludedOrganizationalUnits`).
    #[serde(default)]
    pub excluded_organizational_units: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ScreenAccountOutput {
    /// `respond` or `excluded`.
    pub decision: String,
    /// Why, naming the account and the exclusion that applies.
    pub reason: String,
}

impl Task for ScreenAccount {
    const NAME: &'static str = "screen-account";
    const TITLE: &'static str = "ScreenAccount";
    const DESCRIPTION: &'static str =
        "Leaves an excluded account alone: by account id, or by an organizational unit it is in at any depth, read live from Organizations.";
    type Input = ScreenAccountInput;
    type Output = ScreenAccountOutput;
    fn permissions() -> Vec<Permission> {
        vec![Permission::new(
            "ReadWhereTheAccountIs",
            &["organizations:ListParents"],
            Scope::Unscoped {
                reason: "An account's and an OU's ARNs name the organization's management account and id, which the stack does not know; ListParents only reads.",
            },
        )
        .at_home()]
    }
    fn errors() -> Vec<ErrorName> {
        errors_and(&[])
    }
}

pub mod authenticate;
pub mod credentials;
pub mod custody;
pub mod ec2;
pub mod ip;
pub mod outcome;
pub mod settings;
