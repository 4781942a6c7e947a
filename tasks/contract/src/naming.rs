//! How deployed things are named, for the code that names them (codegen, `irctl deploy`) and the
//! code that finds them again (`irctl start`, `watch`, the e2e suite).

/// The stack of `playbook` in the deployment `prefix`: `<prefix>-<playbook>`. The stack's state
/// machine carries the stack's name, and a companion's (a release) `<stack>-<companion>`.
pub fn stack(prefix: &str, playbook: &str) -> String {
    format!("{prefix}-{playbook}")
}

/// The stack, beside the playbooks' (`<prefix>-keys`), that holds the KMS keys every playbook
/// stack of an account and Region shares and imports: deployed first, whatever the playbooks.
pub const KEYS_STACK: &str = "keys";

/// A playbook or companion id as it appears in logical ids and output names:
/// `ec2-release` → `Ec2Release`.
pub fn pascal(id: &str) -> String {
    id.split(['-', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The inverse of [`pascal`] for kebab-case ids: `Ec2Release` → `ec2-release`.
pub fn kebab(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The stack output holding a state machine's ARN: the playbook's own (`companion` is `None`)
/// or a companion's, prefixed with its [`pascal`] id.
pub fn machine_output(companion: Option<&str>) -> String {
    format!(
        "{}{MACHINE_OUTPUT}",
        companion.map(pascal).unwrap_or_default()
    )
}

/// Which machine a stack output names: `Some(None)` the playbook's own, `Some(Some(id))` a
/// companion's, `None` not a machine.
pub fn machine_of_output(key: &str) -> Option<Option<String>> {
    match key.strip_suffix(MACHINE_OUTPUT)? {
        "" => Some(None),
        companion => Some(Some(kebab(companion))),
    }
}

const MACHINE_OUTPUT: &str = "StateMachineArn";

/// The name prefix of what the member stacks create in every member account (#20): one
/// deployment of aws-ir per organization, so the names are fixed and a task finds them from
/// the case's account alone.
pub const MEMBER_PREFIX: &str = "aws-ir";

/// The service-managed StackSets that deploy the member stacks (codegen's
/// `organization/security-account.json`; `irctl members` lists their instances).
pub const MEMBER_ROLES_STACK_SET: &str = "aws-ir-member-roles";
pub const FORWARDING_STACK_SET: &str = "aws-ir-member";
/// The same two stacks in the security account's own Regions other than the home one, from a
/// delegated administrator (their stacks are named like the members', `StackSet-aws-ir-member…`,
/// so the guardrails SCP leaves them to StackSets alike).
pub const SECURITY_ROLES_STACK_SET: &str = "aws-ir-member-roles-security";
pub const SECURITY_FORWARDING_STACK_SET: &str = "aws-ir-member-security";

/// What the member stacks create in every member account and Region under a fixed name, which
/// the playbooks name when a case is in a member (#20): the Run Command documents that capture
/// volatile evidence and upload a memory image (`organization/member.json`, per Region), and
/// the quarantine instance profile (`organization/member-roles.json`, IAM being global). A
/// document's name may not start with `aws` (SSM reserves it: CreateDocument, `Name`).
pub const MEMBER_CAPTURE_DOCUMENT: &str = "incident-response-capture-volatile-evidence";
pub const MEMBER_MEMORY_UPLOAD_DOCUMENT: &str = "incident-response-upload-memory-image";
pub const MEMBER_QUARANTINE: &str = "aws-ir-quarantine";
/// The WAF IP sets (REGIONAL, one per address family) the malicious-ip playbook blocks a
/// member case's addresses in (`organization/member.json`, per Region; the member's web ACLs
/// reference them). WAF gives a set its id, so a step finds these by name where it acts.
pub const MEMBER_BLOCKED_IPV4_SET: &str = "aws-ir-blocked-ipv4";
pub const MEMBER_BLOCKED_IPV6_SET: &str = "aws-ir-blocked-ipv6";

/// The role task `task` assumes in a member account, under aws-ir's path
/// ([`crate::trust::ROLE_PATH`]): `aws-ir-<task>`, created by the member-roles stack.
pub fn member_role(task: &str) -> String {
    format!("{MEMBER_PREFIX}-{task}")
}

/// The session name of a task acting in a member account: the case and the step, so that the
/// member's CloudTrail says which case and which step made each call. The member roles accept
/// no other shape (`sts:RoleSessionName` is `case-*`), and it stays within STS's 64 characters.
pub fn member_session(case_id: &str, task: &str) -> String {
    let mut name = format!("{case_id}-{task}");
    name.truncate(64);
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_session_names_the_case_and_the_step_within_stss_limit() {
        assert_eq!(
            member_session("case-0123456789abcdef", "isolate-network"),
            "case-0123456789abcdef-isolate-network"
        );
        let long = member_session("case-0123456789abcdef", &"x".repeat(80));
        assert_eq!(long.len(), 64);
        assert!(long.starts_with("case-0123456789abcdef-"));
        assert_eq!(member_role("isolate-network"), "aws-ir-isolate-network");
    }

    #[test]
    fn ids_round_trip_through_output_names() {
        for id in [
            "ec2-release",
            "credentials-release",
            "settings-release",
            "triage",
        ] {
            assert_eq!(kebab(&pascal(id)), id);
            assert_eq!(
                machine_of_output(&machine_output(Some(id))),
                Some(Some(id.to_string()))
            );
        }
        assert_eq!(machine_output(None), "StateMachineArn");
        assert_eq!(machine_of_output("StateMachineArn"), Some(None));
        assert_eq!(machine_of_output("ExecutionLogGroup"), None);
        assert_eq!(stack("ir", "ec2-compromise"), "ir-ec2-compromise");
    }
}
