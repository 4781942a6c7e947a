//! How deployed things are named, for the code that names them (codegen, `irctl deploy`) and the
//! code that finds them again (`irctl start`, `watch`, the e2e suite).

/// The stack of `playbook` in the deployment `prefix`: `<prefix>-<playbook>`. The stack's state
/// machine carries the stack's name, and a companion's (a release) `<stack>-<companion>`.
pub fn stack(prefix: &str, playbook: &str) -> String {
    format!("{prefix}-{playbook}")
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
