//! Blocking a remote address (issue #5), the parts the tasks will stand on: which addresses may
//! be blocked at all ([`addresses`]), where a network ACL deny goes ([`nacl`]), and how a WAF IP
//! set is written without losing a concurrent writer's address ([`waf`]).
//!
//! Not wired into a playbook yet: the WAF and NACL tasks, the ledger and the expiry playbook
//! build on these.

pub mod addresses;
pub mod nacl;
pub mod waf;
