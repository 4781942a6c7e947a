//! Blocking a remote address (issue #5): which addresses may be blocked at all ([`addresses`]),
//! where a network ACL deny goes ([`nacl`]), how a WAF IP set is written without losing a
//! concurrent writer's address ([`waf`]), the block ledger ([`ledger`]), and the steps built
//! on them: [`screen`], [`block`], [`expire`].

pub mod addresses;
pub mod block;
pub mod expire;
pub mod ledger;
pub mod nacl;
pub mod screen;
pub mod waf;
