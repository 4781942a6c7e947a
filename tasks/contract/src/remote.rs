//! Who a remote address is: someone who acted against us, or someone our instance reached.
//!
//! A finding's remote address is not always an attacker. When our instance is the ACTOR
//! (GuardDuty's `resourceRole`, an OUTBOUND connection: a port scan, a denial of service, a
//! crypto-mining pool, a C&C server), the address is what the instance reached: a victim, a
//! partner, a SaaS endpoint, or the attacker's own infrastructure. Blocking a victim for the
//! whole fleet helps the attacker (a foothold that scans a partner gets the partner blocked), so
//! an address is blocked automatically only when it acted against us, or when threat
//! intelligence names it (GuardDuty matched it against a threat list, or the finding family is
//! one GuardDuty raises only on threat intelligence). Otherwise the instance is what to contain,
//! and the address is reported for a responder to block by hand.
//!
//! | direction | threat intelligence | the address is | automatic block |
//! | --- | --- | --- | --- |
//! | inbound (TARGET, INBOUND, port probe, API caller) | any | an attacker | yes |
//! | outbound (ACTOR, OUTBOUND) | matched | attacker infrastructure (C&C, drop point, mining pool) | yes |
//! | outbound | none | reached by our instance: maybe a victim | no: contain the instance, report the address |
//! | unknown (custom finding, manual request) | — | unknown | only at a responder's request |

use crate::case::{Direction, RemoteIp};

/// GuardDuty finding families raised only when the remote address is on a threat list
/// (GuardDuty finding types reference: "…associated with a known command and control server",
/// "…a known black hole", "…a drop point", "…cryptocurrency-related activity").
pub const THREAT_INTELLIGENCE_TYPES: [&str; 6] = [
    "Backdoor:EC2/C&CActivity",
    "CryptoCurrency:EC2/BitcoinTool",
    "Trojan:EC2/BlackholeTraffic",
    "Trojan:EC2/DropPoint",
    "Trojan:EC2/DGADomainRequest",
    "UnauthorizedAccess:EC2/MaliciousIPCaller",
];

/// Which side an address is on, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// It acted against us, or threat intelligence names it: block it.
    Attacker(String),
    /// Our instance reached it, or nobody says who it is: a responder decides.
    Unproven(String),
}

pub fn party(finding_type: &str, ip: &RemoteIp) -> Party {
    let intelligence = ip.threat_list.clone().or_else(|| {
        THREAT_INTELLIGENCE_TYPES
            .iter()
            .find(|t| finding_type.starts_with(*t))
            .map(|t| format!("GuardDuty threat intelligence ({t})"))
    });
    match (ip.direction, intelligence) {
        (Direction::Inbound, _) => Party::Attacker("it came at our resource".into()),
        (Direction::Outbound, Some(list)) => Party::Attacker(format!(
            "our instance reached it and it is on a threat list ({list})"
        )),
        (Direction::Outbound, None) => Party::Unproven(format!(
            "our instance reached it ({finding_type}): it may be a victim or a service, not an attacker; contain the instance, and block the address by hand if it is hostile"
        )),
        (Direction::Unknown, _) => Party::Unproven(
            "the finding does not say who opened the connection; a responder decides".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(direction: Direction, list: Option<&str>) -> RemoteIp {
        RemoteIp {
            address: "45.9.148.7".into(),
            version: 4,
            direction,
            country: None,
            organization: None,
            asn: None,
            threat_list: list.map(String::from),
        }
    }

    #[test]
    fn attackers_and_victims_per_family() {
        use Direction::*;
        let attacker = |t: &str, d, l| matches!(party(t, &ip(d, l)), Party::Attacker(_));
        // They came at us.
        assert!(attacker(
            "UnauthorizedAccess:EC2/SSHBruteForce",
            Inbound,
            None
        ));
        assert!(attacker(
            "Recon:EC2/PortProbeUnprotectedPort",
            Inbound,
            None
        ));
        // Our instance reached the attacker's infrastructure.
        assert!(attacker("Backdoor:EC2/C&CActivity.B", Outbound, None));
        assert!(attacker("CryptoCurrency:EC2/BitcoinTool.B", Outbound, None));
        assert!(attacker("Trojan:EC2/DropPoint", Outbound, None));
        assert!(attacker(
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            Outbound,
            None
        ));
        assert!(attacker(
            "Impact:EC2/SuspiciousDomainRequest.Reputation",
            Outbound,
            Some("ProofPoint")
        ));
        // Our instance reached a victim: never blocked on its own.
        assert!(!attacker("Recon:EC2/Portscan", Outbound, None));
        assert!(!attacker(
            "Backdoor:EC2/DenialOfService.Tcp",
            Outbound,
            None
        ));
        assert!(!attacker(
            "UnauthorizedAccess:EC2/SSHBruteForce",
            Outbound,
            None
        ));
        assert!(!attacker("Custom", Unknown, None));
    }
}
