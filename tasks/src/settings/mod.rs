//! The settings-recovery playbook's steps (contracts in `contract::tasks::settings`).
//!
//! A weakened security group gets back exactly what it had: only its world-open ingress rules on
//! sensitive ports are revoked, by rule id, after being recorded in full on the case item
//! `resource#<group>`; `restore` authorizes those same rules again when the change was legitimate.

use crate::aws::clients;
use crate::cases;
use crate::ec2::filter;
use crate::error::TaskError;
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range, SecurityGroupRule};
use contract::case::{PortRange, SettingCheck};
use contract::case_table::item;
use contract::tasks::outcome::{Outcome, Status};
use contract::tasks::settings::{RecordedRule, SettingStep};
use contract::ErrorName;

mod config_rule;
mod public_access;
pub mod tags;
mod trail;
mod trail_baseline;
pub use config_rule::identify_config_rule;
pub use public_access::{
    block_account_public_access, block_bucket_public_access, release_account_public_access,
    release_bucket_public_access, BlockAccountClients, BlockBucketClients,
};
pub use tags::{guard_aws_ir_tags, GuardTagsClients};
pub use trail::{
    evaluate_trail_logging, release_trail_logging, restart_trail_logging, trail_name,
    EvaluateTrailClients, RestartTrailClients,
};

/// An ingress rule that opens a sensitive port (or everything) to the whole internet.
pub fn offending(rule: &RecordedRule, ports: &[i32], all: bool) -> bool {
    let world = rule.cidr_ipv4 == "0.0.0.0/0" || rule.cidr_ipv6 == "::/0";
    if !world {
        return false;
    }
    if rule.protocol == "-1" {
        return all || !ports.is_empty();
    }
    ports
        .iter()
        .any(|p| rule.from_port <= *p && *p <= rule.to_port)
}

/// Does the rule admit `port` (a protocol `-1` rule admits every port when there are sensitive
/// ports at all, or when all-traffic rules count)?
fn admits(rule: &RecordedRule, port: Option<i32>, all: bool) -> bool {
    match (rule.protocol.as_str(), port) {
        ("-1", Some(_)) => true,
        ("-1", None) => all,
        (_, Some(p)) => rule.from_port <= p && p <= rule.to_port,
        (_, None) => false,
    }
}

fn net(rule: &RecordedRule) -> Option<ipnet::IpNet> {
    let text = if rule.cidr_ipv4.is_empty() {
        &rule.cidr_ipv6
    } else {
        &rule.cidr_ipv4
    };
    text.parse::<ipnet::IpNet>().ok().map(|n| n.trunc())
}

/// Do these networks of one family cover every address of it (`0.0.0.0/1` + `128.0.0.0/1`
/// is the world as much as `0.0.0.0/0` is)?
fn cover_everything(nets: &[ipnet::IpNet]) -> bool {
    let merged = ipnet::IpNet::aggregate(&nets.to_vec());
    merged.iter().any(|n| n.prefix_len() == 0)
}

/// A network inside the private and special ranges (RFC 1918, CGNAT, loopback, link-local,
/// ULA): opening a port to it does not open it to the internet.
fn internal(n: &ipnet::IpNet) -> bool {
    const INTERNAL: [&str; 8] = [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
    ];
    INTERNAL
        .iter()
        .filter_map(|r| r.parse::<ipnet::IpNet>().ok())
        .any(|r| r.contains(n))
}

/// The rules that together open a sensitive port (or everything) to the whole internet: a
/// single `0.0.0.0/0` or `::/0` rule, or rules whose networks add up to every address of a
/// family (`0.0.0.0/1` + `128.0.0.0/1`), of which every one that reaches beyond the private
/// ranges is offending.
pub fn offending_rules(rules: &[RecordedRule], ports: &[i32], all: bool) -> Vec<RecordedRule> {
    let mut out: Vec<RecordedRule> = rules
        .iter()
        .filter(|r| offending(r, ports, all))
        .cloned()
        .collect();
    let mut checks: Vec<Option<i32>> = ports.iter().map(|p| Some(*p)).collect();
    checks.push(None);
    for port in checks {
        let open: Vec<&RecordedRule> = rules.iter().filter(|r| admits(r, port, all)).collect();
        for v6 in [false, true] {
            let family: Vec<(&RecordedRule, ipnet::IpNet)> = open
                .iter()
                .filter_map(|r| net(r).map(|n| (*r, n)))
                .filter(|(_, n)| matches!(n, ipnet::IpNet::V6(_)) == v6)
                .collect();
            let nets: Vec<ipnet::IpNet> = family.iter().map(|(_, n)| *n).collect();
            if !cover_everything(&nets) {
                continue;
            }
            for (r, n) in family {
                if !internal(&n) && !out.iter().any(|o| same_rule(o, r)) {
                    out.push(r.clone());
                }
            }
        }
    }
    out
}

/// The ingress rules open to the whole internet on anything but the authorized ports (EC2.18):
/// all traffic, or a TCP or UDP range not inside the authorized ones. Other protocols (ICMP)
/// have no ports and are left to the other checks.
pub fn unauthorized_rules(
    rules: &[RecordedRule],
    tcp: &[PortRange],
    udp: &[PortRange],
) -> Vec<RecordedRule> {
    rules
        .iter()
        .filter(|r| r.cidr_ipv4 == "0.0.0.0/0" || r.cidr_ipv6 == "::/0")
        .filter(|r| match r.protocol.as_str() {
            "-1" => true,
            "tcp" | "6" => !PortRange::covered(tcp, r.from_port, r.to_port),
            "udp" | "17" => !PortRange::covered(udp, r.from_port, r.to_port),
            _ => false,
        })
        .cloned()
        .collect()
}

/// A skip with its reason, nothing planned.
fn skipped(note: String) -> Outcome {
    let mut out = Outcome::new(false);
    out.status = Status::Skipped;
    out.note(note);
    out
}

/// A control or a rule that checks something else than what this step restores (a bucket's
/// encryption, a default group's rules, a custom rule nobody vouches for): reported, and the
/// resource is left as it is.
fn not_this_check(step: &SettingStep, resource_type: &str, what: &str) -> Option<Outcome> {
    let check = step.case.check.as_ref()?;
    if check.what.concerns(resource_type) {
        return None;
    }
    let checks = match &check.what {
        contract::case::SettingCheck::Other { checks } => checks.clone(),
        other => format!("{other:?}"),
    };
    Some(skipped(format!(
        "{} checks {checks}; settings-recovery restores only what a check it knows asks for, so {what} is reported and left as it is",
        check.by
    )))
}

/// What every recovery checks before reading the resource: the case's account is exempt by
/// policy, or the change was aws-ir's own (its release re-opening what a responder approved
/// must not be reverted again: no loops). `what` names the resource in the note.
async fn left_alone(
    iam: &aws_sdk_iam::Client,
    step: &SettingStep,
    what: &str,
) -> Result<Option<Outcome>, TaskError> {
    if step.policy.exempt_account(&step.case.account) {
        return Ok(Some(skipped(format!(
            "account {} is exempt (ExemptAccounts); {what} left as it is",
            step.case.account
        ))));
    }
    // A finding anyone in the account could have imported does not change settings on its own.
    if !step.case.authority.acts_automatically() {
        return Ok(Some(skipped(format!(
            "the finding about {what} comes from a source AWS does not vouch for (a custom Security Hub integration anyone in the account can write to); reported only. To recover it: irctl start settings-recovery --resource {} --reason '...'",
            step.resource_id
        ))));
    }
    let actor = step.case.actor.as_ref().and_then(|a| a.arn.as_deref());
    Ok(own_role(iam, actor).await?.map(|role| {
        skipped(format!(
            "the change to {what} was made by aws-ir itself (role {role}); not reverted"
        ))
    }))
}

/// Is `group` one of aws-ir's containment groups (as the ec2-compromise stack recorded them)?
/// They are world-open (untracking) or rule-less (isolation) by design, and ec2-compromise puts
/// their rules right on every use; recovering them here would break containment.
async fn containment_group(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    group: &str,
) -> Result<bool, TaskError> {
    if table.is_empty() {
        return Ok(false);
    }
    match cases::containment_groups(dynamodb, table).await {
        Ok(groups) => Ok(groups.iter().any(|g| g.open == group || g.closed == group)),
        // No ec2-compromise stack under this prefix: no containment groups.
        Err(e) if e.name == contract::ErrorName::ResourceNotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Where every recovery stops at its plan: a detect-only policy (a recorded skip saying what
/// was `not_done`) or a dry run. True when the caller returns `out` as it is.
fn stops_at_plan(out: &mut Outcome, step: &SettingStep, not_done: &str) -> bool {
    if !step.policy.recover {
        out.status = Status::Skipped;
        out.note(format!("policy is detect-only (Recover=false): {not_done}"));
        return true;
    }
    step.case.dry_run
}

/// Records on the case what `resource` was (`attribute`, JSON) before the first change, so that
/// a release can always put it back; a retry keeps the first record, which is returned.
async fn record_before(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    resource: &str,
    attribute: &str,
    value: &str,
) -> Result<String, TaskError> {
    let (kept, _) = cases::keep_first(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item::resource(resource),
        attribute,
        value,
    )
    .await?;
    Ok(kept)
}

/// The same rule, ids aside (a rule authorized again gets a new id).
fn same_rule(a: &RecordedRule, b: &RecordedRule) -> bool {
    a.protocol == b.protocol
        && a.from_port == b.from_port
        && a.to_port == b.to_port
        && a.cidr_ipv4 == b.cidr_ipv4
        && a.cidr_ipv6 == b.cidr_ipv6
}

fn cidr(r: &RecordedRule) -> &str {
    if r.cidr_ipv4.is_empty() {
        &r.cidr_ipv6
    } else {
        &r.cidr_ipv4
    }
}

/// What the recovery of `step`'s case recorded for `resource` before changing it (`previous`,
/// JSON); a case that changed nothing there has nothing to release (`IR.ResourceNotFound`,
/// saying `what` it did not change).
async fn previous(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    resource: &str,
    what: &str,
) -> Result<String, TaskError> {
    cases::get(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &item::resource(resource),
    )
    .await?
    .and_then(|i| i.get("previous").and_then(|v| v.as_s().ok()).cloned())
    .ok_or_else(|| {
        TaskError::new(
            ErrorName::ResourceNotFound,
            format!(
                "case {} changed nothing on {what}: nothing to release",
                step.case.case_id
            ),
        )
    })
}

/// What a release accepted for `resource` (JSON), and by which case.
async fn accepted(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    resource: &str,
) -> Result<Option<(String, String)>, TaskError> {
    cases::accepted(dynamodb, table, &item::resource(resource)).await
}

/// Records `value` as accepted for `resource` by the release of `case_id`: from now on the
/// recovery leaves exactly that alone.
async fn accept(
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &SettingStep,
    resource: &str,
    value: &str,
) -> Result<(), TaskError> {
    cases::accept(
        dynamodb,
        &step.policy.case_table,
        &item::resource(resource),
        value,
        &step.case.case_id,
        &crate::now(),
    )
    .await
}

fn recorded(r: &SecurityGroupRule) -> RecordedRule {
    RecordedRule {
        rule_id: r.security_group_rule_id().unwrap_or_default().to_string(),
        protocol: r.ip_protocol().unwrap_or_default().to_string(),
        from_port: r.from_port().unwrap_or(-1),
        to_port: r.to_port().unwrap_or(-1),
        cidr_ipv4: r.cidr_ipv4().unwrap_or_default().to_string(),
        cidr_ipv6: r.cidr_ipv6().unwrap_or_default().to_string(),
        description: r.description().unwrap_or_default().to_string(),
    }
}

fn check_group_id(id: &str) -> Result<(), TaskError> {
    let hex = id.strip_prefix("sg-").unwrap_or("");
    if (8..=17).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(TaskError::invalid_event(format!(
            "`{id}` is not a security group id (sg- and 8 to 17 hex digits)"
        )))
    }
}

/// The group's ingress rules and tags, live.
async fn read(
    ec2: &aws_sdk_ec2::Client,
    group: &str,
) -> Result<(Vec<RecordedRule>, Vec<(String, String)>), TaskError> {
    let groups = ec2
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("read security group {group}")))?;
    let tags = groups
        .security_groups()
        .first()
        .map(|g| {
            g.tags()
                .iter()
                .map(|t| {
                    (
                        t.key().unwrap_or_default().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mut rules = Vec::new();
    let mut pages = ec2
        .describe_security_group_rules()
        .filters(filter("group-id", &[group]))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| TaskError::from_sdk(e, &format!("read the rules of {group}")))?;
        rules.extend(
            page.security_group_rules()
                .iter()
                .filter(|r| r.is_egress() != Some(true))
                .map(recorded),
        );
    }
    Ok((rules, tags))
}

/// The role behind an assumed-role ARN, if it is one of aws-ir's own (its release re-opening
/// what a responder approved must not be reverted again: no loops). Known by the role's path,
/// read live; a tag would not do, since a role may tag itself.
async fn own_role(
    iam: &aws_sdk_iam::Client,
    actor: Option<&str>,
) -> Result<Option<String>, TaskError> {
    let Some(arn) = actor else { return Ok(None) };
    Ok(crate::authenticate::is_own_role(iam, arn).await?.then(|| {
        match contract::trust::Principal::parse(arn) {
            Some(contract::trust::Principal::RoleSession { role, .. }) => role,
            _ => arn.to_string(),
        }
    }))
}

clients! {
    /// What revoking world-open ingress calls: the group (EC2), whether the change was aws-ir's
    /// own (IAM), the containment groups and the case's record (DynamoDB).
    pub struct RevokeOpenIngressClients {
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

pub async fn revoke_open_ingress(
    aws: &RevokeOpenIngressClients,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let group = step.resource_id.as_str();
    check_group_id(group)?;
    if let Some(out) = not_this_check(&step, "AwsEc2SecurityGroup", group) {
        return Ok(out);
    }
    if let Some(out) = left_alone(&aws.iam, &step, group).await? {
        return Ok(out);
    }
    if containment_group(&aws.dynamodb, &step.policy.containment_table, group).await? {
        return Ok(skipped(format!(
            "{group} is one of aws-ir's containment groups (recorded by ec2-compromise in {}): open or rule-less by design, put right by every containment; left as it is",
            step.policy.containment_table
        )));
    }
    let mut out = Outcome::new(step.case.dry_run);
    let (rules, tags) = read(&aws.ec2, group).await?;
    let p = &step.policy;
    if !p.exemption_tag.is_empty() && tags.iter().any(|(k, _)| *k == p.exemption_tag) {
        out.status = Status::Skipped;
        out.note(format!(
            "{group} carries the exemption tag {}; left as it is",
            p.exemption_tag
        ));
        return Ok(out);
    }
    let (mut ports, all) = p.ports();
    let checked = step.case.check.as_ref().map(|c| &c.what);
    let mut bad = match checked {
        Some(SettingCheck::AuthorizedPorts { tcp, udp }) => unauthorized_rules(&rules, tcp, udp),
        Some(SettingCheck::ClosedPorts { ports: more }) => {
            ports.extend(more);
            offending_rules(&rules, &ports, all)
        }
        _ => offending_rules(&rules, &ports, all),
    };
    if let Some((json, case)) = accepted(&aws.dynamodb, &p.case_table, group).await? {
        let kept: Vec<RecordedRule> = serde_json::from_str(&json).unwrap_or_default();
        bad.retain(|r| {
            let ok = kept.iter().any(|k| same_rule(k, r));
            if ok {
                out.note(format!(
                    "{group}: {} {}-{} from {} was accepted by the release of case {case}; kept",
                    r.protocol,
                    r.from_port,
                    r.to_port,
                    cidr(r)
                ));
            }
            !ok
        });
    }
    if bad.is_empty() {
        out.status = Status::Skipped;
        let checked = match (&step.case.check, checked) {
            (Some(c), Some(SettingCheck::AuthorizedPorts { .. })) => {
                format!("nothing but the ports {} authorizes", c.by)
            }
            (Some(c), _) => format!(
                "no port {} or the stack ({}) forbids",
                c.by, p.sensitive_ports
            ),
            (None, _) => format!("no sensitive port ({})", p.sensitive_ports),
        };
        out.note(format!(
            "{group} opens {checked} to the world that was not accepted"
        ));
        return Ok(out);
    }
    for r in &bad {
        let cidr = cidr(r);
        out.act(
            "ec2:RevokeSecurityGroupIngress",
            group,
            format!(
                "{} {} {}-{} from {cidr}",
                r.rule_id, r.protocol, r.from_port, r.to_port
            ),
        );
    }
    if stops_at_plan(&mut out, &step, "nothing was revoked") {
        return Ok(out);
    }
    let json = serde_json::to_string(&bad).expect("rules serialize");
    record_before(&aws.dynamodb, &step, group, "revoked", &json).await?;
    aws.ec2
        .revoke_security_group_ingress()
        .group_id(group)
        .set_security_group_rule_ids(Some(bad.iter().map(|r| r.rule_id.clone()).collect()))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, &format!("revoke the world-open rules of {group}")))?;
    out.note(format!(
        "undo if the change was legitimate: irctl start settings-release --case {} --resource {group} --reason '...'",
        step.case.case_id
    ));
    Ok(out)
}

pub async fn restore_ingress(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: SettingStep,
) -> Result<Outcome, TaskError> {
    let group = step.resource_id.as_str();
    check_group_id(group)?;
    let table = &step.policy.case_table;
    let text = cases::get(dynamodb, table, &step.case.case_id, &item::resource(group))
        .await?
        .and_then(|i| i.get("revoked").and_then(|v| v.as_s().ok()).cloned())
        .ok_or_else(|| {
            TaskError::new(
                ErrorName::ResourceNotFound,
                format!(
                    "case {} revoked nothing on {group}: nothing to restore (check the case id and the group)",
                    step.case.case_id
                ),
            )
        })?;
    let revoked: Vec<RecordedRule> = serde_json::from_str(&text).map_err(|e| {
        TaskError::new(
            ErrorName::Misconfigured,
            format!(
                "the record of {group} in {} is unreadable: {e}",
                step.case.case_id
            ),
        )
    })?;
    let (live, _) = read(ec2, group).await?;
    let mut out = Outcome::new(step.case.dry_run);
    for r in revoked.iter().cloned() {
        let cidr = cidr(&r).to_string();
        if live.iter().any(|l| same_rule(l, &r)) {
            out.note(format!(
                "{group} already allows {} {}-{} from {cidr}",
                r.protocol, r.from_port, r.to_port
            ));
            continue;
        }
        out.act(
            "ec2:AuthorizeSecurityGroupIngress",
            group,
            format!(
                "{} {}-{} from {cidr} (was {})",
                r.protocol, r.from_port, r.to_port, r.rule_id
            ),
        );
        if step.case.dry_run {
            continue;
        }
        let mut perm = IpPermission::builder()
            .ip_protocol(&r.protocol)
            .from_port(r.from_port)
            .to_port(r.to_port);
        if !r.cidr_ipv4.is_empty() {
            let mut range = IpRange::builder().cidr_ip(&r.cidr_ipv4);
            if !r.description.is_empty() {
                range = range.description(&r.description);
            }
            perm = perm.ip_ranges(range.build());
        } else {
            let mut range = Ipv6Range::builder().cidr_ipv6(&r.cidr_ipv6);
            if !r.description.is_empty() {
                range = range.description(&r.description);
            }
            perm = perm.ipv6_ranges(range.build());
        }
        ec2.authorize_security_group_ingress()
            .group_id(group)
            .ip_permissions(perm.build())
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("restore a rule of {group}")))?;
    }
    if !step.case.dry_run {
        // What was accepted before stays accepted.
        let mut all: Vec<RecordedRule> = match accepted(dynamodb, table, group).await? {
            Some((json, _)) => serde_json::from_str(&json).unwrap_or_default(),
            None => Vec::new(),
        };
        for r in revoked {
            if !all.iter().any(|a| same_rule(a, &r)) {
                all.push(r);
            }
        }
        accept(
            dynamodb,
            &step,
            group,
            &serde_json::to_string(&all).expect("rules serialize"),
        )
        .await?;
        out.note(format!(
            "these rules are accepted as legitimate: the recovery leaves them on {group} from now on"
        ));
        if out.actions.is_empty() {
            out.status = Status::Skipped;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: i32, to: i32, v4: &str, v6: &str) -> RecordedRule {
        RecordedRule {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            cidr_ipv4: v4.into(),
            cidr_ipv6: v6.into(),
            ..Default::default()
        }
    }

    #[test]
    fn under_ec2_18_only_authorized_ports_may_stay_open_to_the_world() {
        let web = [
            PortRange { from: 80, to: 80 },
            PortRange { from: 443, to: 443 },
        ];
        let rules = [
            rule("tcp", 443, 443, "0.0.0.0/0", ""),
            rule("tcp", 443, 443, "", "::/0"),
            rule("tcp", 8080, 8080, "0.0.0.0/0", ""),
            rule("tcp", 80, 443, "0.0.0.0/0", ""),
            rule("udp", 53, 53, "0.0.0.0/0", ""),
            rule("-1", -1, -1, "", "::/0"),
            rule("tcp", 22, 22, "10.0.0.0/8", ""),
            rule("icmp", -1, -1, "0.0.0.0/0", ""),
        ];
        let bad = unauthorized_rules(&rules, &web, &[]);
        let ports: Vec<(&str, i32, i32)> = bad
            .iter()
            .map(|r| (r.protocol.as_str(), r.from_port, r.to_port))
            .collect();
        assert_eq!(
            ports,
            vec![
                ("tcp", 8080, 8080),
                ("tcp", 80, 443),
                ("udp", 53, 53),
                ("-1", -1, -1)
            ]
        );
    }

    #[test]
    fn only_world_open_rules_on_sensitive_ports_offend() {
        let ports = [22, 3389];
        assert!(offending(
            &rule("tcp", 22, 22, "0.0.0.0/0", ""),
            &ports,
            false
        ));
        assert!(offending(&rule("tcp", 0, 65535, "", "::/0"), &ports, false));
        assert!(offending(
            &rule("-1", -1, -1, "0.0.0.0/0", ""),
            &ports,
            false
        ));
        // The restricted neighbour, and a world-open web port, stay.
        assert!(!offending(
            &rule("tcp", 22, 22, "10.0.0.0/8", ""),
            &ports,
            false
        ));
        assert!(!offending(
            &rule("tcp", 443, 443, "0.0.0.0/0", ""),
            &ports,
            false
        ));
        assert!(!offending(&rule("-1", -1, -1, "0.0.0.0/0", ""), &[], false));
        assert!(offending(&rule("-1", -1, -1, "0.0.0.0/0", ""), &[], true));
    }

    #[test]
    fn halves_of_the_internet_add_up_to_the_world() {
        let ports = [22, 3389];
        let rules = vec![
            rule("tcp", 22, 22, "0.0.0.0/1", ""),
            rule("tcp", 22, 22, "128.0.0.0/1", ""),
            rule("tcp", 22, 22, "10.0.0.0/8", ""),
            rule("tcp", 443, 443, "0.0.0.0/1", ""),
            rule("tcp", 3389, 3389, "0.0.0.0/1", ""),
        ];
        let bad = offending_rules(&rules, &ports, false);
        let cidrs: Vec<(i32, &str)> = bad
            .iter()
            .map(|r| (r.from_port, r.cidr_ipv4.as_str()))
            .collect();
        // SSH from both halves is the world; the private range and the half-open ports are not.
        assert_eq!(cidrs, vec![(22, "0.0.0.0/1"), (22, "128.0.0.0/1")]);
        let v6 = vec![
            rule("tcp", 0, 65535, "", "::/1"),
            rule("tcp", 22, 22, "", "8000::/1"),
        ];
        assert_eq!(offending_rules(&v6, &ports, false).len(), 2);
    }

    #[test]
    fn group_ids_are_checked() {
        assert!(check_group_id("sg-0ee55ff6677889900").is_ok());
        assert!(check_group_id("sg-xyz").is_err());
        assert!(check_group_id("i-0123456789abcdef0").is_err());
    }
}
