//! The `screen-addresses` step: which of a case's remote addresses may be blocked, and the
//! network ACLs of the subnets where the case's instances live.

use super::addresses::{classify, Policy, Verdict};
use crate::aws::Aws;
use crate::error::TaskError;
use contract::tasks::ip::{IpPolicy, Refusal, ScreenInput, ScreenOutput};
use contract::ErrorName;
use ipnet::IpNet;

/// The policy of what may be blocked: the stack's allow-list plus the SSM parameter's.
pub async fn policy(aws: &Aws, p: &IpPolicy) -> Result<Policy, TaskError> {
    let mut allow_list = Policy::parse_allow_list(&p.allow_list)
        .map_err(|e| TaskError::new(ErrorName::Misconfigured, format!("AllowList: {e}")))?;
    if !p.allow_list_parameter.is_empty() {
        let got = aws
            .ssm
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
        allow_internal: p.allow_internal,
        allow_documentation: p.allow_documentation,
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
    aws: &Aws,
    instances: &[String],
    notes: &mut Vec<String>,
) -> Result<Vec<String>, TaskError> {
    if instances.is_empty() {
        return Ok(Vec::new());
    }
    let mut subnets: Vec<String> = Vec::new();
    for id in instances {
        let got = aws.ec2.describe_instances().instance_ids(id).send().await;
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
    let got = aws
        .ec2
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

pub async fn screen_addresses(aws: &Aws, input: ScreenInput) -> Result<ScreenOutput, TaskError> {
    let case = &input.case;
    if case.remote_ips.is_empty() {
        return Err(TaskError::invalid_event(format!(
            "case {} ({}) names no remote address: nothing to block. A finding of this type should carry one in service.action; start by hand with `irctl start malicious-ip --ip ADDRESS --reason ...`",
            case.case_id, case.finding_type
        )));
    }
    let policy = policy(aws, &input.policy).await?;
    let addresses: Vec<String> = case.remote_ips.iter().map(|r| r.address.clone()).collect();
    let (block, refused) = sort(&addresses, &policy);
    let mut notes = Vec::new();
    let instances: Vec<String> = case
        .instances
        .iter()
        .map(|i| i.instance_id.clone())
        .collect();
    let network_acls = if block.is_empty() {
        Vec::new()
    } else {
        network_acls(aws, &instances, &mut notes).await?
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
