//! Every tag key aws-ir writes or reads, in one place.
//!
//! Tags under [`PREFIX`] steer aws-ir (exclusions, opt-ins, case marks): only aws-ir and the
//! responders may write them; the tag guard (settings-recovery) removes and reports anyone
//! else's, and the generated SCP forbids them outright where an organization attaches it.

/// Every aws-ir tag key starts with this.
pub const PREFIX: &str = "aws-ir:";

/// The tag by which an instance's owner opts in to automatic containment on findings from other
/// Security Hub products; read from the live instance, never from the finding.
pub const RESPOND: &str = "aws-ir:respond";
/// The [`RESPOND`] value that opts in.
pub const RESPOND_AUTOMATICALLY: &str = "auto";

/// Default tag keys of the policy parameters (an operator may choose others).
pub mod defaults {
    /// Instances, users and roles with this key are never touched (the skip is recorded).
    pub const EXCLUDE: &str = "aws-ir:exclude";
    /// Instances, users and roles with this key are acted on only after a responder approves.
    pub const PROTECTED: &str = "aws-ir:protected";
    /// Resources with this key are never recovered by settings-recovery.
    pub const EXEMPT: &str = "aws-ir:exempt";
}

/// Marks aws-ir puts on what it changed or created, so that a human sees why in the console.
/// Never trusted on read: aws-ir finds its own resources through the case table.
pub mod marks {
    /// The case that changed or created the resource.
    pub const CASE: &str = "aws-ir:case";
    /// Where the case left the resource (`contained`, `released`, ...).
    pub const STATUS: &str = "aws-ir:status";
    /// What a resource aws-ir created is for (`open`/`closed` containment group, ...).
    pub const ROLE: &str = "aws-ir:role";
    /// The instance evidence was taken from.
    pub const INSTANCE: &str = "aws-ir:instance";
    /// The containment group kind (`open` or `closed`).
    pub const ISOLATION: &str = "aws-ir:isolation";
    /// The snapshot a forensic volume was made from.
    pub const SNAPSHOT: &str = "aws-ir:snapshot";
    /// The playbook a stack or state machine belongs to.
    pub const PLAYBOOK: &str = "aws-ir:playbook";
    /// The prefix of the deployment a stack belongs to (irctl's stack tag).
    pub const DEPLOYMENT: &str = "aws-ir:prefix";
    /// The case that created a trail again (settings-recovery); its release deletes only a trail
    /// whose tag still names the case.
    pub const RECREATED_BY: &str = "aws-ir:recreated-by";
    /// The tool that deployed a stack (`irctl`).
    pub const MANAGED_BY: &str = "aws-ir:managed-by";
}

#[cfg(test)]
mod tests {
    /// Every key is under the prefix the tag guard and the SCP protect.
    #[test]
    fn every_key_is_guarded() {
        use super::*;
        for key in [
            RESPOND,
            defaults::EXCLUDE,
            defaults::PROTECTED,
            defaults::EXEMPT,
            marks::CASE,
            marks::STATUS,
            marks::ROLE,
            marks::INSTANCE,
            marks::ISOLATION,
            marks::SNAPSHOT,
            marks::PLAYBOOK,
            marks::DEPLOYMENT,
            marks::MANAGED_BY,
            marks::RECREATED_BY,
        ] {
            assert!(key.starts_with(PREFIX), "{key}");
        }
    }
}
