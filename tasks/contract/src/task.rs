//! What a task declares about itself, so that everything derived from it comes from one place.
//!
//! `codegen` reads a [`Task`] to build the Lambda function and its role (from
//! [`Task::permissions`]), the ASL `Parameters` (checked against the input schema) and the
//! `ResultSelector` (from the output schema), and writes both schemas next to the templates.

use crate::ErrorName;
use schemars::JsonSchema;

/// A step implemented by a task Lambda.
/// The artifact that serves every task (`<ArtifactPrefix>/bootstrap.zip`, holding the binary
/// `bootstrap`): it serves the task the function's [`TASK_VARIABLE`] names.
pub const LAMBDA_ARTIFACT: &str = "bootstrap";
/// The stack parameter that says which zips the functions run: [`PER_TASK_ARTIFACTS`] (each
/// function its task's own zip, `<ArtifactPrefix>/<task>.zip`, what `make package` builds) or
/// [`LAMBDA_ARTIFACT`] (every function the one bootstrap zip).
pub const ARTIFACTS_PARAMETER: &str = "LambdaArtifacts";
/// Each function runs its task's own zip, which links only that task's code and clients.
pub const PER_TASK_ARTIFACTS: &str = "per-task";
/// The function environment variable that names the task (a [`Task::NAME`]).
pub const TASK_VARIABLE: &str = "IR_TASK";

pub trait Task {
    /// Binary name, function id and `ir:task` value: lower-kebab-case, e.g. `normalize`.
    const NAME: &'static str;
    /// Name used in logical ids and the console, e.g. `Normalize`.
    const TITLE: &'static str;
    /// One sentence: what the step does. Rendered as the Lambda's description.
    const DESCRIPTION: &'static str;
    /// Lambda timeout. Step Functions' own `TimeoutSeconds` on the state is set a little above.
    const TIMEOUT_SECONDS: u32 = 30;
    const MEMORY_MB: u32 = 128;

    type Input: JsonSchema;
    type Output: JsonSchema;

    /// Every AWS action the task calls, with the narrowest resource scope AWS supports.
    fn permissions() -> Vec<Permission>;

    /// Every named error the task may return. Codegen checks that each is retried or caught.
    fn errors() -> Vec<ErrorName>;
}

/// One IAM statement's worth of need.
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    /// Statement id in the generated policy (alphanumeric).
    pub sid: &'static str,
    pub actions: Vec<&'static str>,
    pub scope: Scope,
    /// Further scopes of the same statement.
    pub more: Vec<Scope>,
    /// IAM condition block entries: (operator, key, values).
    pub conditions: Vec<(&'static str, &'static str, Vec<&'static str>)>,
    /// Declared with [`Permission::at_home`]: see [`Permission::place`].
    pub home: bool,
}

impl Permission {
    pub fn new(sid: &'static str, actions: &[&'static str], scope: Scope) -> Self {
        Permission {
            sid,
            actions: actions.to_vec(),
            scope,
            more: Vec::new(),
            conditions: Vec::new(),
            home: false,
        }
    }

    /// Declares an ARN-scoped permission to be on the security account's own resources (its
    /// executions, parameters, Security Hub, another stack's table): granted to the task's own
    /// role, never to a member role.
    pub fn at_home(mut self) -> Self {
        self.home = true;
        self
    }

    /// Where the permission's resources are when aws-ir responds for an organization (#20).
    /// A stack resource is where the stack that holds it is (see [`StackResource::place`]); an
    /// ARN pattern or an unscoped action is on the resources a case is about, in the member
    /// account, unless declared [`Permission::at_home`].
    pub fn place(&self) -> Place {
        if self.home {
            return Place::Home;
        }
        match &self.scope {
            Scope::Stack(r) => r.place(),
            _ => Place::Member,
        }
    }

    /// The same actions on a further scope (one statement, several resources).
    pub fn also(mut self, scope: Scope) -> Self {
        self.more.push(scope);
        self
    }

    pub fn when(mut self, op: &'static str, key: &'static str, values: &[&'static str]) -> Self {
        self.conditions.push((op, key, values.to_vec()));
        self
    }
}

/// Where a permission's resources are, once aws-ir responds for a whole organization (#20).
/// The playbooks run in one security account; what a case is about (an instance, a user, a
/// trail, a network ACL) is in a member account and Region, where a task acts through the
/// member role of its own name. In a single account both places are the same account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    /// The security account and home Region: the case table, the evidence, the keys, the
    /// topic, the state machines.
    Home,
    /// The account and Region of the resources a case names.
    Member,
}

/// Where a permission applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// A resource the stack creates, resolved by codegen to its ARN.
    Stack(StackResource),
    /// An ARN pattern; `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}` are
    /// substituted by CloudFormation.
    Arn(&'static str),
    /// Several ARN patterns (an action that touches several resource types).
    Arns(&'static [&'static str]),
    /// AWS supports no resource-level permission for these actions; the reason is kept in the
    /// generated template next to the `*`.
    Unscoped { reason: &'static str },
}

/// Resources of a playbook stack that tasks may be granted access to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackResource {
    /// The SNS topic that carries notifications.
    NotificationTopic,
    /// The customer-managed KMS key that encrypts the topic, logs, tables, buckets and Lambda
    /// environments: one per account and Region, shared by every aws-ir stack there (the
    /// `keys` stack).
    EncryptionKey,
    /// The DynamoDB table of case records (pre-state, progress, final record).
    CaseTable,
    /// The evidence bucket's `cases/` prefix, where reports are written.
    EvidenceReports,
    /// The Run Command document that captures volatile evidence.
    CaptureDocument,
    /// The Run Command document that uploads a captured memory image.
    MemoryUploadDocument,
    /// The role of the quarantine instance profile (SSM only).
    QuarantineRole,
    /// The stack's WAF IP sets of blocked addresses (IPv4 and IPv6; REGIONAL, and CLOUDFRONT
    /// when enabled).
    BlockedIpSets,
    /// The HMAC key that seals the records a release acts on (only aws-ir's roles may use it);
    /// shared like [`StackResource::EncryptionKey`].
    RecordKey,
    /// The asymmetric key that signs evidence manifests (only aws-ir's roles may sign; anyone
    /// the account allows may verify, or use the public key offline); shared like
    /// [`StackResource::EncryptionKey`].
    SigningKey,
}

impl StackResource {
    /// Where the resource is in an organization: what acts on an instance where it runs (the
    /// Run Command documents, the quarantine role an instance profile passes) or blocks
    /// traffic to the member's own web ACLs (the IP sets) is in every member; the record, the
    /// evidence and what signs or carries them stay in the security account.
    pub fn place(self) -> Place {
        match self {
            StackResource::CaptureDocument
            | StackResource::MemoryUploadDocument
            | StackResource::QuarantineRole
            | StackResource::BlockedIpSets => Place::Member,
            StackResource::NotificationTopic
            | StackResource::EncryptionKey
            | StackResource::CaseTable
            | StackResource::EvidenceReports
            | StackResource::RecordKey
            | StackResource::SigningKey => Place::Home,
        }
    }
}
