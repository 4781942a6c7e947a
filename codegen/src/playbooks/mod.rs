//! The playbooks, one file each. Adding a playbook is adding a file here and a line to [`all`].

use crate::constructs::playbook::Playbook;

pub mod approval;
pub mod credentials_compromise;
pub mod credentials_release;
pub mod ec2_compromise;
pub mod ec2_release;
pub mod ec2_verify;
pub mod intake;
pub mod malicious_ip;
pub mod release;
pub mod settings_recovery;
pub mod settings_release;
pub mod triage;

/// Every playbook the project ships, in the order they are synthesized.
pub fn all() -> Vec<Playbook> {
    vec![
        triage::playbook(),
        ec2_compromise::playbook(),
        credentials_compromise::playbook(),
        settings_recovery::playbook(),
        malicious_ip::playbook(),
    ]
}
