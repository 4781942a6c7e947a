//! Blocking a remote address (issue #5), the logic that needs no network: which addresses may
//! be blocked at all ([`addresses`]), and where a network ACL deny goes ([`nacl`]).
//!
//! Not wired into a playbook yet: the WAF and NACL tasks, the ledger and the expiry playbook
//! build on these.

pub mod addresses;
pub mod nacl;
