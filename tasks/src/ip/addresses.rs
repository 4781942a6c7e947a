//! Which remote addresses may be blocked. A block of the wrong range cuts off the account
//! itself (a private range, the metadata service's link-local address), the whole internet
//! (`/0`), or a partner the responders trust (the allow-list); each refusal says why.

use ipnet::IpNet;
use std::net::IpAddr;

/// What to do with one address or CIDR a finding names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Block this network (host bits cleared; an IPv4-mapped IPv6 address as IPv4).
    Block(IpNet),
    /// Never block it; the reason is recorded on the case.
    Refuse(String),
}

/// Ranges never blocked unless `block_internal` (an internal attacker is contained by the
/// instance playbooks, not by a deny on the address every neighbour shares).
const INTERNAL: [(&str, &str); 13] = [
    (
        "0.0.0.0/8",
        "the unspecified/\"this network\" range (RFC 1122)",
    ),
    ("10.0.0.0/8", "a private range (RFC 1918)"),
    ("172.16.0.0/12", "a private range (RFC 1918)"),
    ("192.168.0.0/16", "a private range (RFC 1918)"),
    ("100.64.0.0/10", "the carrier-grade NAT range (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    (
        "169.254.0.0/16",
        "link-local (the instance metadata service lives here)",
    ),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("::/128", "the unspecified address"),
    ("::1/128", "loopback"),
    ("fc00::/7", "a unique local range (RFC 4193)"),
    ("fe80::/10", "link-local"),
];

/// Documentation ranges: samples and test findings use them; blocking them only hides a bad
/// test. Refused unless `block_documentation`.
const DOCUMENTATION: [&str; 4] = [
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "2001:db8::/32",
];

/// The policy of what may be blocked.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Never blocked: the partners, scanners and offices the responders trust.
    pub allow_list: Vec<IpNet>,
    pub block_internal: bool,
    pub block_documentation: bool,
}

impl Policy {
    /// Reads a comma- or newline-separated allow-list (addresses or CIDRs).
    pub fn parse_allow_list(text: &str) -> Result<Vec<IpNet>, String> {
        text.split([',', '\n'])
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.starts_with('#'))
            .map(|t| parse(t).map_err(|e| format!("allow-list entry `{t}`: {e}")))
            .collect()
    }
}

/// An address or CIDR, host bits cleared, IPv4-mapped IPv6 as IPv4.
pub fn parse(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let net = match text.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => match text.parse::<IpAddr>() {
            Ok(ip) => IpNet::from(ip),
            Err(_) => return Err("not an IP address or CIDR block".into()),
        },
    };
    if let IpNet::V6(v6) = net {
        if let Some(v4) = v6.addr().to_ipv4_mapped() {
            let prefix = v6.prefix_len().saturating_sub(96);
            return ipnet::Ipv4Net::new(v4, prefix)
                .map(|n| IpNet::V4(n.trunc()))
                .map_err(|e| e.to_string());
        }
    }
    Ok(net.trunc())
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// Whether `text` may be blocked under `policy`, and as which network.
pub fn classify(text: &str, policy: &Policy) -> Verdict {
    let net = match parse(text) {
        Ok(net) => net,
        Err(e) => return Verdict::Refuse(format!("`{text}` is {e}")),
    };
    if net.prefix_len() == 0 {
        return Verdict::Refuse(format!("{net} is the whole address space"));
    }
    // Wider than a provider's allocation is rarely one attacker; a human decides those.
    let widest = if net.addr().is_ipv4() { 16 } else { 32 };
    if net.prefix_len() < widest {
        return Verdict::Refuse(format!(
            "{net} is wider than /{widest}: block so wide a range by hand if it is meant"
        ));
    }
    if let Some(entry) = policy.allow_list.iter().find(|a| overlaps(a, &net)) {
        return Verdict::Refuse(format!("{net} overlaps the allow-list entry {entry}"));
    }
    if !policy.block_internal {
        for (range, why) in INTERNAL {
            let range: IpNet = range.parse().expect("a valid range");
            if overlaps(&range, &net) {
                return Verdict::Refuse(format!("{net} is in {range}, {why}"));
            }
        }
    }
    if !policy.block_documentation {
        for range in DOCUMENTATION {
            let range: IpNet = range.parse().expect("a valid range");
            if overlaps(&range, &net) {
                return Verdict::Refuse(format!(
                    "{net} is in {range}, a documentation range (samples and tests use it)"
                ));
            }
        }
    }
    Verdict::Block(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> Verdict {
        Verdict::Block(text.parse().unwrap())
    }

    #[test]
    fn public_addresses_are_blocked_as_networks() {
        let p = Policy::default();
        assert_eq!(classify("102.129.143.61", &p), block("102.129.143.61/32"));
        assert_eq!(classify(" 45.9.148.0/22 ", &p), block("45.9.148.0/22"));
        // Host bits are cleared, so the same network is one block.
        assert_eq!(classify("45.9.150.7/22", &p), block("45.9.148.0/22"));
        assert_eq!(
            classify("2a03:b0c0:3:d0::1", &p),
            block("2a03:b0c0:3:d0::1/128")
        );
        // An IPv4-mapped IPv6 address is the IPv4 address (it goes in the IPv4 set).
        assert_eq!(
            classify("::ffff:102.129.143.61", &p),
            block("102.129.143.61/32")
        );
    }

    #[test]
    fn what_must_never_be_blocked_is_refused_with_a_reason() {
        let p = Policy::default();
        for (text, why) in [
            ("10.1.2.3", "RFC 1918"),
            ("172.31.0.9", "RFC 1918"),
            ("192.168.1.1", "RFC 1918"),
            ("127.0.0.1", "loopback"),
            ("169.254.169.254", "metadata"),
            ("100.64.1.1", "carrier-grade NAT"),
            ("::1", "loopback"),
            ("fd00::1", "unique local"),
            ("fe80::1", "link-local"),
            ("198.51.100.7", "documentation"),
            ("2001:db8::5", "documentation"),
            ("0.0.0.0/0", "whole address space"),
            ("::/0", "whole address space"),
            ("8.0.0.0/4", "wider than /16"),
            ("2a03::/16", "wider than /32"),
            ("not-an-ip", "not an IP address"),
            ("300.1.1.1", "not an IP address"),
        ] {
            match classify(text, &p) {
                Verdict::Refuse(reason) => assert!(reason.contains(why), "{text}: {reason}"),
                other => panic!("{text} was not refused: {other:?}"),
            }
        }
    }

    #[test]
    fn the_allow_list_wins_and_a_wider_block_cannot_swallow_it() {
        let p = Policy {
            allow_list: Policy::parse_allow_list("8.8.8.8, 52.94.0.0/16\n# office\n2a05:d000::/25")
                .unwrap(),
            ..Policy::default()
        };
        for text in [
            "8.8.8.8",
            "52.94.12.1",
            "8.8.0.0/16",
            "2a05:d000::/32",
            "2a05:d000:1::9",
        ] {
            assert!(
                matches!(classify(text, &p), Verdict::Refuse(r) if r.contains("allow-list")),
                "{text}"
            );
        }
        assert_eq!(classify("8.8.4.4", &p), block("8.8.4.4/32"));
        assert!(Policy::parse_allow_list("8.8.8.8, nope").is_err());
    }

    #[test]
    fn internal_and_documentation_ranges_can_be_allowed_by_policy() {
        let p = Policy {
            block_internal: true,
            block_documentation: true,
            ..Policy::default()
        };
        assert_eq!(classify("10.1.2.3", &p), block("10.1.2.3/32"));
        assert_eq!(classify("203.0.113.9", &p), block("203.0.113.9/32"));
    }
}
