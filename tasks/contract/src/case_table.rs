//! The case table's layout: every partition and item key aws-ir writes, in one place.
//!
//! One DynamoDB table per stack (`<stack name>-cases`), keyed by [`PARTITION_KEY`] (a case id,
//! or one of the fixed partitions below) and [`SORT_KEY`] (the item). Codegen declares the key
//! schema from these names; the tasks build every key through the functions here, so a key
//! that changes shape changes for every reader at once (and `irctl`, which reads records, too).
//!
//! | partition            | item                          | holds                                             |
//! |----------------------|-------------------------------|---------------------------------------------------|
//! | `<case id>`          | `case`                        | the execution that claimed the case               |
//! | `<case id>`          | `instance#<id>`               | claim, sealed pre-state and status of an instance |
//! | `<case id>`          | `principal#<kind>/<id>`       | claim, sealed pre-state and cuts of a principal   |
//! | `<case id>`          | `resource#<id>`               | claim, sealed pre-state of a setting recovered    |
//! | `<case id>`          | `record`                      | the case's final record                           |
//! | `<case id>`          | `ip-block#<execution name>`   | one execution's screening and blocks              |
//! | `containment-groups` | `vpc#<vpc id>`                | the isolation groups aws-ir created in a VPC      |
//! | `settings-accepted`  | `resource#<id>`               | a setting a responder released as legitimate      |
//! | `settings-baseline`  | `resource#<id>`               | a setting as aws-ir last saw it                   |
//! | `ip-blocks`          | `net#<cidr>`                  | an address block: WAF sets, cases, expiry         |
//! | `ip-blocks`          | `nacl#<acl>#<in\|out>#<cidr>` | a rule aws-ir wrote in a network ACL for a block  |
//! | `ip-blocks`          | `held#<acl>#<in\|out>#<cidr>` | an isolation deny and every instance holding it   |
//! | `ip-blocks`          | `lock#<acl>`                  | the lease of the writer of a network ACL          |

/// The table's partition key attribute: a case id or a fixed partition.
pub const PARTITION_KEY: &str = "case_id";
/// The table's sort key attribute: the item within the partition.
pub const SORT_KEY: &str = "item";
/// A stack's case table is named `<stack name>` followed by this.
pub const TABLE_SUFFIX: &str = "-cases";

/// Partitions that are not cases.
pub mod partition {
    /// The isolation groups aws-ir created, one `vpc#` item per VPC.
    pub const CONTAINMENT_GROUPS: &str = "containment-groups";
    /// Settings a responder accepted, so no trigger puts them back.
    pub const ACCEPTED_SETTINGS: &str = "settings-accepted";
    /// Settings as aws-ir last saw them (what AWS does not keep once a resource is gone).
    pub const SETTINGS_BASELINE: &str = "settings-baseline";
    /// IP blocks, network ACL rules, held isolation denies and ACL leases.
    pub const IP_BLOCKS: &str = "ip-blocks";
}

/// Items within a partition.
pub mod item {
    /// The claim of a whole case (the first execution of a case claims it).
    pub const CASE: &str = "case";
    /// The final record of a case.
    pub const RECORD: &str = "record";
    /// Items of instances start with this.
    pub const INSTANCE_PREFIX: &str = "instance#";
    /// Items of principals start with this.
    pub const PRINCIPAL_PREFIX: &str = "principal#";
    /// Items of a VPC's containment groups start with this.
    pub const VPC_PREFIX: &str = "vpc#";
    /// Items of IP blocks start with this.
    pub const BLOCK_PREFIX: &str = "net#";

    /// An instance of a case.
    pub fn instance(instance_id: &str) -> String {
        format!("{INSTANCE_PREFIX}{instance_id}")
    }

    /// A principal of a case (`user/<name>`, `role/<name>`, `key/<id>`).
    pub fn principal(id: &str) -> String {
        format!("{PRINCIPAL_PREFIX}{id}")
    }

    /// A resource whose setting a case recovers (also the item of the settings partitions).
    pub fn resource(id: &str) -> String {
        format!("resource#{id}")
    }

    /// One execution's screening and blocks of addresses (a re-sent finding's run adds its own).
    pub fn ip_block_record(execution_name: &str) -> String {
        format!("ip-block#{execution_name}")
    }

    /// A VPC's containment groups.
    pub fn vpc(vpc_id: &str) -> String {
        format!("{VPC_PREFIX}{vpc_id}")
    }

    /// An address block.
    pub fn block(network: &str) -> String {
        format!("{BLOCK_PREFIX}{network}")
    }

    fn direction(egress: bool) -> &'static str {
        if egress {
            "out"
        } else {
            "in"
        }
    }

    /// A network ACL rule aws-ir wrote to block `network`.
    pub fn acl_deny(acl: &str, egress: bool, network: &str) -> String {
        format!(
            "{}{}#{network}",
            acl_deny_prefix(Some(acl)),
            direction(egress)
        )
    }

    /// The items of [`acl_deny`] of one ACL, or of every ACL.
    pub fn acl_deny_prefix(acl: Option<&str>) -> String {
        match acl {
            Some(acl) => format!("nacl#{acl}#"),
            None => "nacl#".to_string(),
        }
    }

    /// A held isolation deny of `network` in a network ACL.
    pub fn held_deny(acl: &str, egress: bool, network: &str) -> String {
        format!("{}{}#{network}", held_deny_prefix(acl), direction(egress))
    }

    /// The items of [`held_deny`] of one ACL.
    pub fn held_deny_prefix(acl: &str) -> String {
        format!("held#{acl}#")
    }

    /// The lease of a network ACL's writer.
    pub fn acl_lease(acl: &str) -> String {
        format!("lock#{acl}")
    }
}

#[cfg(test)]
mod tests {
    use super::item;

    /// Keys written by deployed stacks: changing one strands every record made before.
    #[test]
    fn keys_keep_their_shape() {
        assert_eq!(item::instance("i-1"), "instance#i-1");
        assert_eq!(item::principal("role/app"), "principal#role/app");
        assert_eq!(item::resource("sg-1"), "resource#sg-1");
        assert_eq!(item::vpc("vpc-1"), "vpc#vpc-1");
        assert_eq!(item::block("45.9.148.7/32"), "net#45.9.148.7/32");
        assert_eq!(
            item::acl_deny("acl-1", true, "45.9.148.7/32"),
            "nacl#acl-1#out#45.9.148.7/32"
        );
        assert!(item::acl_deny("acl-1", false, "::/0").starts_with(&item::acl_deny_prefix(None)));
        assert_eq!(
            item::held_deny("acl-1", false, "0.0.0.0/0"),
            "held#acl-1#in#0.0.0.0/0"
        );
        assert_eq!(item::acl_lease("acl-1"), "lock#acl-1");
    }
}
