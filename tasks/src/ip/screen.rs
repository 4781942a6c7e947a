//! The `screen-addresses` step: which of a case's remote addresses may be blocked, and the
//! network ACLs of the subnets where the case's instances live.

use super::addresses::{classify, Policy, Verdict};
use crate::aws::clients;
use crate::error::TaskError;
use contract::case::Case;
use contract::remote::{party, Party};
use contract::tasks::ip::{IpPolicy, Refusal, ScreenInput, ScreenOutput};
use contract::trust::Authority;
use contract::ErrorName;
use ipnet::IpNet;

/// The policy of what may be blocked: the stack's allow-list plus the SSM parameter's.
pub async fn policy(ssm: &aws_sdk_ssm::Client, p: &IpPolicy) -> Result<Policy, TaskError> {
    let mut allow_list = Policy::parse_allow_list(&p.allow_list)
        .map_err(|e| TaskError::new(ErrorName::Misconfigured, format!("AllowList: {e}")))?;
    if !p.allow_list_parameter.is_empty() {
        let got = ssm
            .get_parameter()
            .name(&p.allow_list_parameter)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(
                    e,
                    &format!("read the allow-list parameter {}", p.allow_list_parameter),
                )
            })?;
        let text = got.parameter().and_then(|p| p.value()).unwrap_or_default();
        allow_list.extend(Policy::parse_allow_list(text).map_err(|e| {
            TaskError::new(
                ErrorName::Misconfigured,
                format!("allow-list parameter {}: {e}", p.allow_list_parameter),
            )
        })?);
    }
    Ok(Policy {
        allow_list,
        block_internal: p.block_internal,
        block_documentation: p.block_documentation,
    })
}

/// Sorts the case's addresses into blocks and refusals (each network once).
pub fn sort(addresses: &[String], policy: &Policy) -> (Vec<IpNet>, Vec<Refusal>) {
    let mut block: Vec<IpNet> = Vec::new();
    let mut refused = Vec::new();
    for address in addresses {
        match classify(address, policy) {
            Verdict::Block(net) if !block.contains(&net) => block.push(net),
            Verdict::Block(_) => {}
            Verdict::Refuse(reason) => refused.push(Refusal {
                address: address.clone(),
                reason,
            }),
        }
    }
    (block, refused)
}

/// The network ACLs of every subnet the instances have an interface in.
async fn network_acls(
    ec2: &aws_sdk_ec2::Client,
    instances: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<String>, TaskError> {
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    let mut subnets: Vec<String> = Vec::new();
    for id in instances {
        let got = ec2.describe_instances().instance_ids(id).send().await;
        let reservations = match got {
            Ok(r) => r.reservations().to_vec(),
            Err(e) => {
                let e = TaskError::from_sdk(e, &format!("find the subnets of {id}"));
                if e.name != ErrorName::ResourceNotFound {
                    return Err(e);
                }
                notes.push(format!(
                    "instance {id} was not found: no network ACL deny for it (WAF still blocks)"
                ));
                continue;
            }
        };
        for i in reservations.iter().flat_map(|r| r.instances()) {
            let ids = i
                .network_interfaces()
                .iter()
                .filter_map(|n| n.subnet_id())
                .chain(i.subnet_id());
            for s in ids {
                if !subnets.iter().any(|x| x == s) {
                    subnets.push(s.to_string());
                }
            }
        }
    }
    if subnets.is_empty() {
        return Ok(Vec::new());
    }
    let got = ec2
        .describe_network_acls()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .set_values(Some(subnets.clone()))
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            TaskError::from_sdk(
                e,
                &format!("find the network ACLs of subnets {}", subnets.join(", ")),
            )
        })?;
    let mut acls: Vec<String> = got
        .network_acls()
        .iter()
        .filter_map(|a| a.network_acl_id().map(String::from))
        .collect();
    acls.sort();
    acls.dedup();
    Ok(acls)
}

/// Did a responder (or aws-ir, handing work over) ask for this block?
fn requested(case: &Case) -> bool {
    matches!(case.authority, Authority::Responder | Authority::AwsIr)
}

/// Why a finding's address is not blocked without a responder, if it is not: the finding must
/// come from a source AWS vouches for, the address must have acted against us (see
/// `contract::remote`), and it must be one address, not a network.
pub fn automatic_refusal(case: &Case, address: &str) -> Option<String> {
    if requested(case) {
        return None;
    }
    let block_by_hand = format!(
        "block it by hand if it is hostile: irctl start malicious-ip --ip {address} --reason '...'"
    );
    if !case.authority.acts_automatically() {
        return Some(format!("the finding comes from a source AWS does not vouch for (a custom Security Hub integration anyone in the account can write to); {block_by_hand}"));
    }
    let ip = case.remote_ips.iter().find(|r| r.address == address)?;
    if let Party::Unproven(why) = party(&case.finding_type, ip) {
        return Some(format!("{why} ({block_by_hand})"));
    }
    let host = match address.parse::<IpNet>() {
        Ok(net) => net.prefix_len() == net.max_prefix_len(),
        Err(_) => true,
    };
    (!host).then(|| format!("{address} is a network, not one address: a wide block needs a responder; {block_by_hand}"))
}

clients! {
    /// What screening calls: the allow-list parameter (SSM), the automatic-block budget and
    /// the record (DynamoDB), the subnets and network ACLs of the case's instances (EC2).
    pub struct ScreenClients {
        ssm: aws_sdk_ssm::Client,
        dynamodb: aws_sdk_dynamodb::Client,
        ec2: aws_sdk_ec2::Client,
    }
}

pub async fn screen_addresses(
    aws: &ScreenClients,
    input: ScreenInput,
) -> Result<ScreenOutput, TaskError> {
    let case = &input.case;
    if case.remote_ips.is_empty() {
        return Err(TaskError::invalid_event(format!(
            "case {} ({}) names no remote address: nothing to block. A finding of this type should carry one in service.action; start by hand with `irctl start malicious-ip --ip ADDRESS --reason ...`",
            case.case_id, case.finding_type
        )));
    }
    let policy = policy(&aws.ssm, &input.policy).await?;
    let mut refused = Vec::new();
    let mut addresses: Vec<String> = Vec::new();
    for r in &case.remote_ips {
        match automatic_refusal(case, &r.address) {
            Some(reason) => refused.push(Refusal {
                address: r.address.clone(),
                reason,
            }),
            None => addresses.push(r.address.clone()),
        }
    }
    let (mut block, more) = sort(&addresses, &policy);
    refused.extend(more);
    let mut notes = Vec::new();
    // A flood of findings (or of forged events) must not block without end, evicting the
    // denies that matter: past the hour's budget, only responders block.
    if !requested(case) && !block.is_empty() && !case.dry_run {
        let within = super::ledger::take_automatic_budget(
            &aws.dynamodb,
            &input.policy.case_table,
            super::ledger::now_epoch(),
            block.len(),
            input.policy.max_automatic_blocks_per_hour as i64,
        )
        .await?;
        if !within {
            for net in block.drain(..) {
                refused.push(Refusal {
                    address: net.to_string(),
                    reason: format!("more than {} addresses were blocked automatically this hour (MaxAutomaticBlocksPerHour): a flood; a responder must block the rest (irctl start malicious-ip --ip {net} --reason '...')", input.policy.max_automatic_blocks_per_hour),
                });
            }
        }
    }
    let instances: Vec<String> = case
        .instances
        .iter()
        .map(|i| i.instance_id.clone())
        .collect();
    let network_acls = if block.is_empty() {
        Vec::new()
    } else {
        network_acls(&aws.ec2, &instances, &mut notes).await?
    };
    if !block.is_empty() && network_acls.is_empty() {
        notes.push("no instance of the case has a subnet here: blocked in WAF only".into());
    }
    let out = ScreenOutput {
        block: block.iter().map(|n| n.to_string()).collect(),
        refused,
        network_acls,
        notes,
    };
    if !case.dry_run {
        crate::cases::record_on(
            &aws.dynamodb,
            &input.policy.case_table,
            &case.case_id,
            &contract::tasks::ip::record_item(&input.execution),
            "screening",
            &serde_json::to_value(&out).unwrap_or_default(),
        )
        .await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_network_once_and_every_refusal_with_its_reason() {
        let policy = Policy {
            allow_list: vec!["198.18.7.0/24".parse().unwrap()],
            ..Policy::default()
        };
        let (block, refused) = sort(
            &[
                "45.9.148.7".into(),
                "45.9.148.7/32".into(),
                "2a03:b0c0::1".into(),
                "10.0.0.5".into(),
                "198.18.7.9".into(),
                "not-an-ip".into(),
            ],
            &policy,
        );
        assert_eq!(
            block,
            vec![
                "45.9.148.7/32".parse::<IpNet>().unwrap(),
                "2a03:b0c0::1/128".parse().unwrap()
            ]
        );
        let reasons: Vec<&str> = refused.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(refused.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("private"), "{reasons:?}");
        assert!(reasons[1].contains("allow-list"), "{reasons:?}");
        assert!(reasons[2].contains("not an IP"), "{reasons:?}");
    }
}

#[cfg(test)]
mod trust_tests {
    use super::*;
    use contract::case::{Direction, RemoteIp};

    fn case(finding: &str, authority: Authority, ips: &[(&str, Direction)]) -> Case {
        let event = serde_json::json!({"source": "aws-ir.manual", "detail-type": "Manual Response Request", "id": "1", "account": "123456789012", "region": "us-east-1", "time": "2026-11-29T00:00:00Z", "detail": {"playbook": "malicious-ip", "reason": "r", "remote_ips": ["45.9.148.7"]}});
        let mut c = crate::normalize::case_from_event(&event).unwrap();
        c.finding_type = finding.into();
        c.authority = authority;
        c.remote_ips = ips
            .iter()
            .map(|(a, d)| RemoteIp {
                address: a.to_string(),
                version: 4,
                direction: *d,
                country: None,
                organization: None,
                asn: None,
                threat_list: None,
            })
            .collect();
        c
    }

    #[test]
    fn attackers_are_blocked_victims_and_claims_wait_for_a_responder() {
        use Direction::*;
        let refused = |c: &Case, a: &str| automatic_refusal(c, a);
        let brute = case(
            "UnauthorizedAccess:EC2/SSHBruteForce",
            Authority::Aws,
            &[("45.9.148.7", Inbound)],
        );
        assert_eq!(refused(&brute, "45.9.148.7"), None);
        let c2 = case(
            "Backdoor:EC2/C&CActivity.B",
            Authority::Aws,
            &[("45.9.148.7", Outbound)],
        );
        assert_eq!(
            refused(&c2, "45.9.148.7"),
            None,
            "C&C infrastructure is blocked"
        );
        let scan = case(
            "Recon:EC2/Portscan",
            Authority::Aws,
            &[("203.0.113.9", Outbound)],
        );
        assert!(refused(&scan, "203.0.113.9").unwrap().contains("victim"));
        let forged = case(
            "UnauthorizedAccess:EC2/SSHBruteForce",
            Authority::Unvouched,
            &[("45.9.148.7", Inbound)],
        );
        assert!(refused(&forged, "45.9.148.7")
            .unwrap()
            .contains("does not vouch"));
        let wide = case(
            "UnauthorizedAccess:EC2/SSHBruteForce",
            Authority::Aws,
            &[("45.9.148.0/24", Inbound)],
        );
        assert!(refused(&wide, "45.9.148.0/24")
            .unwrap()
            .contains("wide block"));
        // A responder's request is theirs to decide (the policy still refuses /0, private...).
        let asked = case(
            "Manual:malicious-ip",
            Authority::Responder,
            &[("45.9.0.0/16", Unknown)],
        );
        assert_eq!(refused(&asked, "45.9.0.0/16"), None);
    }
}
