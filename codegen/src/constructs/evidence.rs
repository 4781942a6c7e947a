//! Where cases and evidence are kept: the case table, the evidence bucket (with its access-log
//! bucket), the capture document, and the quarantine instance profile.
//!
//! A playbook stack gets these only when one of its tasks declares a permission on them, so the
//! triage stack stays small while the EC2 stack gets the lot.
//!
//! - **Case table** (DynamoDB): pre-state per instance, progress claims (conditional writes make
//!   re-sent findings idempotent), final records. Encrypted with the shared encryption key, point-in-time
//!   recovery, deletion protection, retained.
//! - **Evidence bucket** (S3): capture output, case reports and the custody record. Versioned,
//!   Object Lock with a default retention in the mode the deployer picks (`EvidenceLockMode`),
//!   encrypted with the shared encryption key, public access blocked, TLS only, access-logged, retained.
//!   Only aws-ir's roles may write objects, and nobody may shorten a lock, bypass governance
//!   mode or delete a version (the bucket policy: a deny wins over any identity policy).
//! - The keys that seal records and sign evidence manifests are the `keys` stack's
//!   ([`super::key`]), shared by every playbook, and named in its outputs.
//! - **Capture document** (SSM Run Command): collects volatile evidence on Linux instances.
//! - **Quarantine profile**: an instance profile whose role only allows SSM, for the
//!   `quarantine` profile action (responders keep Session Manager access to an isolated host).

use super::params;
use crate::cfn::{get_att, ref_, sub, Output, Parameter, Resource, Template};
use contract::case_table;
use contract::task::StackResource;
use contract::tasks::ec2::CAPTURE_STEPS;
use serde_json::json;

pub const CASE_TABLE: &str = "CaseTable";
pub const EVIDENCE_BUCKET: &str = "EvidenceBucket";
pub const ACCESS_LOGS: &str = "EvidenceAccessLogs";
pub const CAPTURE_DOCUMENT: &str = "CaptureDocument";
pub const MEMORY_UPLOAD_DOCUMENT: &str = "MemoryUploadDocument";
pub const QUARANTINE_ROLE: &str = "QuarantineRole";
pub const QUARANTINE_PROFILE: &str = "QuarantineProfile";

/// Adds what `needed` names (and what those depend on), once each.
pub fn add(t: &mut Template, needed: &[StackResource]) {
    let wants = |r: StackResource| needed.contains(&r);
    if wants(StackResource::CaseTable) {
        case_table(t);
    }
    if wants(StackResource::EvidenceReports)
        || wants(StackResource::CaptureDocument)
        || wants(StackResource::MemoryUploadDocument)
    {
        evidence_bucket(t);
    }
    if wants(StackResource::CaptureDocument) {
        capture_document(t, None);
    }
    if wants(StackResource::MemoryUploadDocument) {
        memory_upload_document(t, None);
    }
    if wants(StackResource::QuarantineRole) {
        quarantine_profile(t);
    }
    if wants(StackResource::BlockedIpSets) {
        super::ip_sets::add(t);
    }
}

/// What a URL parameter of the capture document may be: `none`, or an http(s) URL made only of
/// the characters a presigned S3 URL uses.
pub const CAPTURE_URL_PATTERN: &str =
    "^(none|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[A-Za-z0-9._~%/+=&?:-]*)$";

/// What only aws-ir may do to a case table's items. (The table's own settings and this policy
/// stay with the deployer: CloudFormation updates them, and changing them is an administrator's
/// act that CloudTrail records.)
const CASE_TABLE_WRITES: [&str; 7] = [
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];

fn case_table(t: &mut Template) {
    t.add(
        CASE_TABLE,
        Resource::new(
            "AWS::DynamoDB::Table",
            json!({
                // Named after the stack, so that another stack of the deployment can read it
                // (the settings stack reads which groups are aws-ir's containment groups).
                "TableName": sub(&format!("${{AWS::StackName}}{}", case_table::TABLE_SUFFIX)),
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": case_table::PARTITION_KEY, "AttributeType": "S"},
                    {"AttributeName": case_table::SORT_KEY, "AttributeType": "S"}
                ],
                "KeySchema": [
                    {"AttributeName": case_table::PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": case_table::SORT_KEY, "KeyType": "RANGE"}
                ],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
                "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": super::key::arn(super::key::SharedKey::Encryption)},
                "DeletionProtectionEnabled": true,
                // The record is evidence, and the releases act on it: only aws-ir's roles (by
                // their IAM path, which nobody can give themselves) may write it, whatever an
                // identity policy grants (an explicit deny wins, for this account's principals
                // too).
                "ResourcePolicy": {"PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "OnlyAwsIrWritesTheRecord",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": CASE_TABLE_WRITES,
                        "Resource": sub(&format!("arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{AWS::StackName}}{}", case_table::TABLE_SUFFIX)),
                        "Condition": {"ArnNotLike": {"aws:PrincipalArn": sub(contract::trust::OWN_ROLES)}},
                    }],
                }},
            }),
        )
        .retain(),
    );
    t.output(
        "CaseTableName",
        Output::new(
            "Case records: pre-state, progress and final record per case.",
            ref_(CASE_TABLE),
        ),
    );
}

fn evidence_bucket(t: &mut Template) {
    if t.resource(EVIDENCE_BUCKET).is_some() {
        return;
    }
    t.parameter(
        params::EVIDENCE_RETENTION_DAYS,
        Parameter::number(
            "Days each evidence object is locked (S3 Object Lock) against deletion and overwrite.",
        )
        .default(json!(365))
        .range(1, 36500),
    );
    t.parameter(
        params::EVIDENCE_LOCK_MODE,
        Parameter::string("S3 Object Lock mode of evidence: COMPLIANCE (nobody, not even the account root, can delete a version before its retention ends) or GOVERNANCE (the bucket policy denies bypassing it to everyone; an administrator who changes that policy can). See the README before choosing COMPLIANCE.")
            .default(json!("GOVERNANCE"))
            .allowed(&[json!("GOVERNANCE"), json!("COMPLIANCE")]),
    );
    t.add(
        ACCESS_LOGS,
        Resource::new(
            "AWS::S3::Bucket",
            json!({
                // Server access log delivery writes with SSE-S3 only.
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            }),
        )
        .retain()
        .skip_check("CKV_AWS_18", "This is the access-log bucket of the evidence bucket; logging it into itself would loop.")
        .skip_check("CKV_AWS_145", "S3 server access log delivery supports SSE-S3 (AES256) only, not SSE-KMS."),
    );
    t.add(
        "EvidenceAccessLogsPolicy",
        Resource::new(
            "AWS::S3::BucketPolicy",
            json!({
                "Bucket": ref_(ACCESS_LOGS),
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "S3DeliversAccessLogs",
                            "Effect": "Allow",
                            "Principal": {"Service": "logging.s3.amazonaws.com"},
                            "Action": "s3:PutObject",
                            "Resource": sub("${EvidenceAccessLogs.Arn}/*"),
                            "Condition": {
                                "ArnLike": {"aws:SourceArn": get_att(EVIDENCE_BUCKET, "Arn")},
                                "StringEquals": {"aws:SourceAccount": ref_("AWS::AccountId")}
                            }
                        },
                        deny_insecure_transport(ACCESS_LOGS)
                    ]
                }
            }),
        ),
    );
    t.add(
        EVIDENCE_BUCKET,
        Resource::new(
            "AWS::S3::Bucket",
            json!({
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": super::key::arn(super::key::SharedKey::Encryption)},
                    "BucketKeyEnabled": true
                }]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "ObjectLockEnabled": true,
                "ObjectLockConfiguration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": ref_(params::EVIDENCE_LOCK_MODE), "Days": ref_(params::EVIDENCE_RETENTION_DAYS)}}
                },
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LoggingConfiguration": {"DestinationBucketName": ref_(ACCESS_LOGS), "LogFilePrefix": "evidence/"},
            }),
        )
        .retain()
        .skip_check("CKV_AWS_144", "Cross-Region replication is the deployer's choice (it needs a second Region's key and bucket); evidence is versioned and object-locked here."),
    );
    t.add(
        "EvidenceBucketPolicy",
        Resource::new(
            "AWS::S3::BucketPolicy",
            json!({
                "Bucket": ref_(EVIDENCE_BUCKET),
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    deny_insecure_transport(EVIDENCE_BUCKET),
                    // Evidence and the custody record are aws-ir's to write: a workload allowed
                    // s3:PutObject cannot plant a range result or a report (an explicit deny in
                    // the bucket policy applies to this account's principals too).
                    {
                        "Sid": "OnlyAwsIrWritesEvidence",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": EVIDENCE_WRITES,
                        "Resource": sub(&format!("${{{EVIDENCE_BUCKET}.Arn}}/*")),
                        "Condition": {"ArnNotLike": {"aws:PrincipalArn": sub(contract::trust::OWN_ROLES)}}
                    },
                    // Nobody, aws-ir included, shortens a lock, bypasses governance mode or
                    // deletes a version: evidence outlives its retention unless an administrator
                    // changes this policy (an act CloudTrail records).
                    {
                        "Sid": "NobodyUndoesEvidence",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": EVIDENCE_UNDO,
                        "Resource": sub(&format!("${{{EVIDENCE_BUCKET}.Arn}}/*"))
                    }
                ]}
            }),
        ),
    );
    t.output(
        "EvidenceBucketName",
        Output::new(
            "Volatile evidence and case reports (versioned, object-locked).",
            ref_(EVIDENCE_BUCKET),
        ),
    );
}

/// Writes to evidence only aws-ir's roles may make.
/// Aborting a multipart upload is a write too: anyone else could cancel a memory image aws-ir
/// is receiving.
const EVIDENCE_WRITES: [&str; 5] = [
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
];
/// What nobody may do to evidence.
const EVIDENCE_UNDO: [&str; 3] = [
    "s3:BypassGovernanceRetention",
    "s3:DeleteObjectVersion",
    "s3:PutObjectRetention",
];

fn deny_insecure_transport(bucket: &str) -> serde_json::Value {
    json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [get_att(bucket, "Arn"), sub(&format!("${{{bucket}.Arn}}/*"))],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    })
}

/// What each capture step runs (the step names are `contract::tasks::ec2::CAPTURE_STEPS`).
fn capture_commands(step: &str) -> &'static [&'static str] {
    match step {
        "identify" => &["echo case={{ CaseId }}", "date -u +%Y-%m-%dT%H:%M:%SZ", "uname -a", "cat /etc/os-release 2>/dev/null", "uptime"],
        "processes" => &["ps auxwwf", "ls -l /proc/[0-9]*/exe 2>/dev/null | head -5000"],
        "network" => &["ss -tanup 2>/dev/null || netstat -tanup", "ip addr", "ip route", "cat /etc/resolv.conf"],
        "sessions" => &["who -a", "last -n 50 2>/dev/null", "lsof -nP 2>/dev/null | head -20000"],
        "modules" => &["lsmod", "find /tmp /var/tmp /dev/shm -maxdepth 2 -type f -newermt '-2 days' -ls 2>/dev/null | head -2000"],
        "packets" => &["if [ '{{ PacketCaptureSeconds }}' != '0' ] && command -v tcpdump >/dev/null; then timeout {{ PacketCaptureSeconds }} tcpdump -nn -i any -c 100000 -w /tmp/aws-ir-{{ CaseId }}.pcap; ls -l /tmp/aws-ir-{{ CaseId }}.pcap; sha256sum /tmp/aws-ir-{{ CaseId }}.pcap; else echo 'packet capture off or tcpdump missing'; fi"],
        // Acquires and hashes the image only. S3 checks a presigned upload's
        // x-amz-checksum-sha256 only when the URL signs it, so aws-ir must know each part's
        // hash before it presigns the parts; the upload document sends them (see below).
        "memory" => &[
            ": aws-ir-memory-acquire case='{{ CaseId }}' capture='{{ MemoryCapture }}'",
            "set -u; avml_url='{{ AvmlUrl }}'; mib=1048576",
            "if [ '{{ MemoryCapture }}' != on ]; then echo 'memory capture off'; exit 0; fi",
            "AVML=$(command -v avml || true)",
            "if [ -z \"$AVML\" ] && [ \"$avml_url\" != none ]; then curl -sSf -o /tmp/avml \"$avml_url\" && chmod 700 /tmp/avml && AVML=/tmp/avml; fi",
            "if [ -z \"$AVML\" ]; then echo 'no AVML on the instance: memory not captured'; exit 0; fi",
            "img=/tmp/aws-ir-{{ CaseId }}.lime; rm -f \"$img\"",
            "if ! \"$AVML\" --compress \"$img\"; then rm -f \"$img\"; echo 'AVML failed: memory not captured' >&2; exit 1; fi",
            // At most 256 parts (their lines fit the 24,000 characters SSM returns), of whole
            // MiB, at least 8 MiB (S3's minimum is 5 MiB): images up to 1.25 TiB.
            "bytes=$(stat -c %s \"$img\"); part=$(( (bytes / 256 / mib + 1) * mib )); if [ \"$part\" -lt $((8 * mib)) ]; then part=$((8 * mib)); fi; parts=$(( (bytes + part - 1) / part ))",
            "echo \"aws-ir-memory image=$img bytes=$bytes part-bytes=$part parts=$parts\"",
            "i=1; while [ \"$i\" -le \"$parts\" ]; do echo \"aws-ir-part $i $(dd if=\"$img\" bs=$mib skip=$(( (i - 1) * part / mib )) count=$(( part / mib )) status=none | sha256sum | cut -d' ' -f1)\"; i=$((i + 1)); done",
        ],
        _ => &[],
    }
}

/// The Run Command document. The capture task reads each step's standard output back through
/// SSM and writes it to the evidence bucket (the instance needs no permission there). The memory
/// step leaves the image on the instance with its parts' hashes; [`memory_upload_document`]
/// sends it.
/// The capture document, under `name` when a task must find it without the stack (a member
/// account's, #20), else named by CloudFormation.
pub fn capture_document(t: &mut Template, name: Option<&str>) {
    let step = |name: &str, commands: &[&str]| json!({"action": "aws:runShellScript", "name": name, "inputs": {"timeoutSeconds": "600", "runCommand": commands}});
    command_document(
        t,
        (CAPTURE_DOCUMENT, name),
        "aws-ir: collect volatile evidence from a Linux instance before it is isolated. Read-only except for the memory image it leaves in /tmp for the upload document.",
        json!({
            "CaseId": case_id_parameter(),
            "MemoryCapture": {"type": "String", "default": "off", "allowedValues": ["on", "off"], "description": "on: acquire a memory image with AVML and print its parts' SHA-256 (the upload document sends it)."},
            // The script passes it to curl: nothing that a shell would read as more than a URL
            // (no spaces, quotes, `$`, backticks, `;`, `|`).
            "AvmlUrl": {"type": "String", "default": "none", "description": "Presigned GET URL of an AVML binary when the instance has none, or none.", "allowedPattern": CAPTURE_URL_PATTERN},
            "PacketCaptureSeconds": {"type": "String", "default": "0", "allowedPattern": "^[0-9]{1,3}$", "description": "Seconds of packet capture (0: none)."}
        }),
        CAPTURE_STEPS
            .iter()
            .map(|name| step(name, capture_commands(name)))
            .collect(),
        ("CaptureDocumentName", "Run Command document that captures volatile evidence."),
    );
}

/// The case id parameter of both capture documents.
fn case_id_parameter() -> serde_json::Value {
    json!({"type": "String", "description": "The incident's case id.", "allowedPattern": "^case-[0-9a-f]{16}$"})
}

/// A Run Command document of aws-ir's (schema 2.2, JSON), and its name as a stack output.
fn command_document(
    t: &mut Template,
    (id, name): (&str, Option<&str>),
    description: &str,
    parameters: serde_json::Value,
    steps: Vec<serde_json::Value>,
    (output, output_description): (&str, &str),
) {
    let mut properties = json!({
        "DocumentType": "Command",
        "DocumentFormat": "JSON",
        "Content": {
            "schemaVersion": "2.2",
            "description": description,
            "parameters": parameters,
            "mainSteps": steps,
        }
    });
    if let Some(name) = name {
        properties["Name"] = json!(name);
    }
    t.add(id, Resource::new("AWS::SSM::Document", properties));
    t.output(output, Output::new(output_description, ref_(id)));
}

/// What the upload document runs: each line of the plan aws-ir wrote (`<part> <skip MiB>
/// <count MiB> <presigned UploadPart URL> <name:value header>...`) is one part, sent with the
/// SHA-256 header the URL signs, so S3 refuses a part whose bytes changed. Only curl and dd are
/// needed, and the instance still needs no permission of its own.
const MEMORY_UPLOAD_COMMANDS: [&str; 6] = [
    ": aws-ir-memory-upload case='{{ CaseId }}' plan='{{ PlanUrl }}'",
    "set -u; mib=1048576; img=/tmp/aws-ir-{{ CaseId }}.lime; plan=/tmp/aws-ir-{{ CaseId }}.plan; part=/tmp/aws-ir-{{ CaseId }}.part",
    "if [ ! -f \"$img\" ]; then echo \"no memory image at $img\" >&2; exit 1; fi",
    "if ! curl -sSf -o \"$plan\" '{{ PlanUrl }}'; then echo 'could not read the upload plan' >&2; exit 1; fi",
    "while read -r n skip count url headers; do dd if=\"$img\" of=\"$part\" bs=$mib skip=\"$skip\" count=\"$count\" status=none || exit 1; set --; for h in $headers; do set -- \"$@\" -H \"$h\"; done; if ! curl -sSf -o /dev/null -T \"$part\" \"$@\" \"$url\"; then rm -f \"$part\"; echo \"part $n was refused\" >&2; exit 1; fi; echo \"aws-ir-uploaded $n\"; done < \"$plan\"",
    "rm -f \"$part\" \"$plan\" \"$img\"; echo 'memory image uploaded; removed from the instance'",
];

/// The second Run Command document of a memory capture: it uploads the image the capture
/// document left, part by part, through URLs aws-ir presigned with each part's hash.
/// The memory upload document, under `name` as [`capture_document`].
pub fn memory_upload_document(t: &mut Template, name: Option<&str>) {
    command_document(
        t,
        (MEMORY_UPLOAD_DOCUMENT, name),
        "aws-ir: upload the memory image the capture document acquired, through presigned part URLs, then remove it from the instance.",
        json!({
            "CaseId": case_id_parameter(),
            "PlanUrl": {"type": "String", "description": "Presigned GET URL of the upload plan aws-ir wrote.", "allowedPattern": CAPTURE_URL_PATTERN}
        }),
        vec![json!({"action": "aws:runShellScript", "name": "upload", "inputs": {"timeoutSeconds": "3600", "runCommand": MEMORY_UPLOAD_COMMANDS}})],
        ("MemoryUploadDocumentName", "Run Command document that uploads a captured memory image."),
    );
}

/// An instance profile whose role can only be managed through SSM (plus writing its own
/// capture output), for isolated hosts that responders still need to reach.
fn quarantine_profile(t: &mut Template) {
    add_quarantine_profile(t, None);
}

/// The quarantine role and profile, under `name` when a task must find them without the stack
/// (a member account's, #20), else named by CloudFormation. Not under aws-ir's role path: a
/// compromised instance holds the role's credentials.
pub fn add_quarantine_profile(t: &mut Template, name: Option<&str>) {
    let mut role = json!({
        "Description": "Quarantined instances: Systems Manager access only, for responders.",
        "AssumeRolePolicyDocument": crate::cfn::iam::service_trust("ec2.amazonaws.com"),
        "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore")],
    });
    let mut profile = json!({"Roles": [ref_(QUARANTINE_ROLE)]});
    if let Some(name) = name {
        role["RoleName"] = json!(name);
        profile["InstanceProfileName"] = json!(name);
    }
    t.add(QUARANTINE_ROLE, Resource::new("AWS::IAM::Role", role));
    t.add(
        QUARANTINE_PROFILE,
        Resource::new("AWS::IAM::InstanceProfile", profile),
    );
}

/// The value of a stack resource in `DefinitionSubstitutions`, by substitution name.
pub fn substitution(var: &str) -> Option<serde_json::Value> {
    match var {
        "CaseTableName" => Some(ref_(CASE_TABLE)),
        "EvidenceBucketName" => Some(ref_(EVIDENCE_BUCKET)),
        "CaptureDocumentName" => Some(ref_(CAPTURE_DOCUMENT)),
        "MemoryUploadDocumentName" => Some(ref_(MEMORY_UPLOAD_DOCUMENT)),
        "QuarantineProfileArn" => Some(get_att(QUARANTINE_PROFILE, "Arn")),
        "RecordKeyArn" => Some(super::key::arn(super::key::SharedKey::Records)),
        "CustodyKeyArn" => Some(super::key::arn(super::key::SharedKey::Custody)),
        v => super::ip_sets::substitution(v),
    }
}
