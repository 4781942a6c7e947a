//! What each Security Hub control and AWS Config managed rule checks, as settings-recovery
//! answers it.
//!
//! A failed control or a NON_COMPLIANT rule says which check failed, and only that check is
//! answered: EC2.18 fails a group that opens anything but its authorized ports (80 and 443 by
//! default) to the world, so 8080 goes while 443 stays; `restricted-ssh` says nothing about
//! 3306. A check this playbook does not restore (a bucket's encryption, a default group's
//! rules) is reported and changes nothing. Sources: AWS Security Hub User Guide, "Security Hub
//! controls reference" (EC2.13, EC2.14, EC2.18, EC2.19, S3.1, S3.2, S3.3, S3.8, CloudTrail.1)
//! and AWS Config Developer Guide, "List of AWS Config Managed Rules" (source identifiers and
//! their parameters).

use crate::case::{Check, PortRange, SettingCheck};
use serde_json::Value;

/// EC2.19's default high-risk ports ("Security groups should not allow unrestricted access to
/// ports with high risk").
pub const HIGH_RISK_PORTS: [i32; 24] = [
    20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
    5601, 8080, 8088, 8888, 9200, 9300,
];

/// `restricted-common-ports` (RESTRICTED_INCOMING_TRAFFIC) without parameters.
pub const RESTRICTED_COMMON_PORTS: [i32; 5] = [20, 21, 3389, 3306, 4333];

/// EC2.18's default `authorizedTcpPorts`.
pub const AUTHORIZED_TCP_PORTS: [i32; 2] = [80, 443];

/// The check a Security Hub control makes; `parameters` are the finding's
/// `Compliance.SecurityControlParameters` (`[{"Name": ..., "Value": [...]}]`).
pub fn security_hub_control(control: &str, parameters: &Value) -> Check {
    let param = |name: &str| -> Option<String> {
        parameters.as_array()?.iter().find_map(|p| {
            (p.get("Name")?.as_str()? == name).then(|| match p.get("Value") {
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            })
        })
    };
    let what = match control {
        "EC2.13" => SettingCheck::ClosedPorts { ports: vec![22] },
        "EC2.14" => SettingCheck::ClosedPorts { ports: vec![3389] },
        "EC2.19" => SettingCheck::ClosedPorts {
            ports: param("blockedPorts")
                .and_then(|t| PortRange::parse_list(&t))
                .map(|r| r.iter().flat_map(|r| r.from..=r.to).collect())
                .unwrap_or_else(|| HIGH_RISK_PORTS.to_vec()),
        },
        "EC2.18" => authorized(param("authorizedTcpPorts"), param("authorizedUdpPorts")),
        "S3.2" | "S3.3" | "S3.8" => SettingCheck::BucketPublicAccess,
        "S3.1" => SettingCheck::AccountPublicAccess,
        "CloudTrail.1" => SettingCheck::TrailLogging,
        other => SettingCheck::Other {
            checks: format!("control {other}, which settings-recovery does not restore"),
        },
    };
    Check {
        by: format!("Security Hub control {control}"),
        what,
    }
}

/// The check an AWS Config rule makes, from what `DescribeConfigRules` says of it: its owner
/// (`AWS` for a managed rule), its source identifier and its input parameters (JSON text).
/// `own_trail_rule` is the name of the stack's own custom rule for trail logging.
pub fn config_rule(
    rule: &str,
    owner: &str,
    identifier: &str,
    input_parameters: &str,
    own_trail_rule: &str,
) -> Check {
    let params: Value = serde_json::from_str(input_parameters).unwrap_or(Value::Null);
    let param = |name: &str| -> Option<String> {
        params.get(name).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let what = match (owner, identifier) {
        ("AWS", "INCOMING_SSH_DISABLED") => SettingCheck::ClosedPorts { ports: vec![22] },
        ("AWS", "RESTRICTED_INCOMING_TRAFFIC") => {
            // blockedPort1..blockedPort5 (one port each); a list under any such key is read too.
            let mut ports: Vec<i32> = params
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| k.starts_with("blockedPort"))
                .filter_map(|(_, v)| {
                    let text = v
                        .as_str()
                        .map(String::from)
                        .unwrap_or_else(|| v.to_string());
                    PortRange::parse_list(&text)
                })
                .flatten()
                .flat_map(|r| r.from..=r.to)
                .collect();
            if ports.is_empty() {
                ports = RESTRICTED_COMMON_PORTS.to_vec();
            }
            ports.sort_unstable();
            ports.dedup();
            SettingCheck::ClosedPorts { ports }
        }
        ("AWS", "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS") => {
            authorized(param("authorizedTcpPorts"), param("authorizedUdpPorts"))
        }
        (
            "AWS",
            "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"
            | "S3_BUCKET_PUBLIC_READ_PROHIBITED"
            | "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
        ) => SettingCheck::BucketPublicAccess,
        (
            "AWS",
            "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS"
            | "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
        ) => SettingCheck::AccountPublicAccess,
        ("AWS", "CLOUD_TRAIL_ENABLED" | "MULTI_REGION_CLOUD_TRAIL_ENABLED") => {
            SettingCheck::TrailLogging
        }
        ("CUSTOM_LAMBDA", _) if !own_trail_rule.is_empty() && rule == own_trail_rule => {
            SettingCheck::TrailLogging
        }
        ("CUSTOM_LAMBDA" | "CUSTOM_POLICY", _) => SettingCheck::Other {
            checks: "a custom rule: what it checks is its author's to say; reported only".into(),
        },
        (_, other) => SettingCheck::Other {
            checks: format!("{other}, which settings-recovery does not restore"),
        },
    };
    Check {
        by: if identifier.is_empty() || owner != "AWS" {
            format!("AWS Config rule {rule}")
        } else {
            format!("AWS Config rule {rule} ({identifier})")
        },
        what,
    }
}

fn authorized(tcp: Option<String>, udp: Option<String>) -> SettingCheck {
    let default_tcp: Vec<PortRange> = AUTHORIZED_TCP_PORTS
        .iter()
        .map(|p| PortRange { from: *p, to: *p })
        .collect();
    SettingCheck::AuthorizedPorts {
        tcp: tcp
            .and_then(|t| PortRange::parse_list(&t))
            .unwrap_or(default_tcp),
        udp: udp
            .and_then(|t| PortRange::parse_list(&t))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ports(from: i32, to: i32) -> PortRange {
        PortRange { from, to }
    }

    #[test]
    fn controls_say_what_they_check() {
        assert_eq!(
            security_hub_control("EC2.18", &Value::Null).what,
            SettingCheck::AuthorizedPorts {
                tcp: vec![ports(80, 80), ports(443, 443)],
                udp: vec![]
            }
        );
        let params = json!([{"Name": "authorizedTcpPorts", "Value": ["443", "1020-1025"]}]);
        assert_eq!(
            security_hub_control("EC2.18", &params).what,
            SettingCheck::AuthorizedPorts {
                tcp: vec![ports(443, 443), ports(1020, 1025)],
                udp: vec![]
            }
        );
        assert_eq!(
            security_hub_control("EC2.13", &Value::Null).what,
            SettingCheck::ClosedPorts { ports: vec![22] }
        );
        assert!(matches!(
            security_hub_control("EC2.19", &Value::Null).what,
            SettingCheck::ClosedPorts { ports } if ports.contains(&8080)
        ));
        assert_eq!(
            security_hub_control("S3.1", &Value::Null).what,
            SettingCheck::AccountPublicAccess
        );
        assert!(matches!(
            security_hub_control("EC2.2", &Value::Null).what,
            SettingCheck::Other { .. }
        ));
    }

    #[test]
    fn config_rules_are_known_by_what_they_check_not_by_name() {
        let by_name = |id: &str, params: &str| config_rule("anything", "AWS", id, params, "").what;
        assert_eq!(
            by_name("INCOMING_SSH_DISABLED", ""),
            SettingCheck::ClosedPorts { ports: vec![22] }
        );
        assert_eq!(
            by_name(
                "RESTRICTED_INCOMING_TRAFFIC",
                r#"{"blockedPort1": "3306", "blockedPort2": "5432"}"#
            ),
            SettingCheck::ClosedPorts {
                ports: vec![3306, 5432]
            }
        );
        assert_eq!(
            by_name(
                "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
                r#"{"authorizedTcpPorts": "443"}"#
            ),
            SettingCheck::AuthorizedPorts {
                tcp: vec![ports(443, 443)],
                udp: vec![]
            }
        );
        assert_eq!(
            by_name("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", ""),
            SettingCheck::BucketPublicAccess
        );
        assert!(matches!(
            by_name("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", ""),
            SettingCheck::Other { .. }
        ));
        // A custom rule is trusted to mean something only when it is the stack's own.
        let own = config_rule(
            "s-trail-logging",
            "CUSTOM_LAMBDA",
            "arn:x",
            "",
            "s-trail-logging",
        );
        assert_eq!(own.what, SettingCheck::TrailLogging);
        let foreign = config_rule(
            "trail-logging",
            "CUSTOM_LAMBDA",
            "arn:x",
            "",
            "s-trail-logging",
        );
        assert!(matches!(foreign.what, SettingCheck::Other { .. }));
    }

    #[test]
    fn port_lists_parse_and_cover() {
        assert_eq!(
            PortRange::parse_list("80, 443"),
            Some(vec![ports(80, 80), ports(443, 443)])
        );
        assert_eq!(PortRange::parse_list("80,x"), None);
        assert_eq!(PortRange::parse_list("90-80"), None);
        let allowed = [ports(80, 80), ports(443, 443)];
        assert!(PortRange::covered(&allowed, 443, 443));
        assert!(!PortRange::covered(&allowed, 80, 443));
        assert!(!PortRange::covered(&allowed, 8080, 8080));
    }
}
