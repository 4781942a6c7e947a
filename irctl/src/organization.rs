//! `irctl deploy --organization` and `irctl members` (#20): one deployment that responds across
//! an AWS Organization.
//!
//! The playbook stacks are deployed as always, with the organization's id (`OrganizationId`), so
//! their tasks act in member accounts through the member roles. Then the security account's
//! stack (`organization/security-account.json`): its default bus admits the members' forwarders,
//! and two service-managed StackSets put the member stacks into every account of the target OUs,
//! and into every account that joins one later. A StackSet reads a template of more than
//! 51,200 bytes only from S3, so the member templates go to the artifact bucket first, under
//! their content's hash. This account's own Regions other than the home one get the member
//! stacks too: from two StackSets of their own from a delegated administrator, from irctl in
//! the management account (where StackSets never deploy). Last, which accounts and Regions have
//! the member stacks and which do not, as StackSets and Organizations say.

use crate::aws::Clients;
use crate::{Error, Result};
use aws_sdk_cloudformation::error::DisplayErrorContext;
use aws_sdk_cloudformation::types::CallAs;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use contract::naming::{FORWARDING_STACK_SET, MEMBER_ROLES_STACK_SET};

/// The security account's stack, by its playbook-like name (`<prefix>-security-account`).
pub const SECURITY_ACCOUNT: &str = "security-account";

#[derive(clap::Args)]
pub struct OrganizationArgs {
    /// Respond across the AWS Organization this account administers: the playbooks act in
    /// member accounts, and the member stacks are deployed by StackSets (needs --member-ous and
    /// --member-regions).
    #[arg(long, requires_all = ["member_ous", "member_regions"])]
    pub organization: bool,
    /// With --organization: the OUs (ou-…, or the root r-…) whose accounts get the member
    /// stacks, now and when an account joins one. Comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub member_ous: Vec<String>,
    /// With --organization: the Regions member accounts forward events from (the home Region
    /// included). Comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub member_regions: Vec<String>,
    /// With --organization: DELEGATED_ADMIN when this account is a delegated administrator for
    /// StackSets (the usual security account), SELF in the management account.
    #[arg(long, default_value = "DELEGATED_ADMIN", value_parser = ["DELEGATED_ADMIN", "SELF"])]
    pub call_as: String,
    /// With --organization: members also forward their own GuardDuty and Security Hub
    /// findings, for an organization whose delegated administrator does not aggregate them
    /// (in every member Region, into this account).
    #[arg(long)]
    pub forward_findings: bool,
    /// Folder of the generated organization templates.
    #[arg(long, default_value = "organization")]
    pub organization_templates: PathBuf,
}

#[derive(clap::Args)]
pub struct MembersArgs {
    /// DELEGATED_ADMIN when this account is a delegated administrator for StackSets, SELF in the
    /// management account.
    #[arg(long, default_value = "DELEGATED_ADMIN", value_parser = ["DELEGATED_ADMIN", "SELF"])]
    pub call_as: String,
}

/// The organization this account belongs to, as Organizations says.
pub async fn organization_id(c: &Clients) -> Result<String> {
    let out = c.org.describe_organization().send().await.map_err(|e| {
        Error::aws(
            "read the organization (organizations:DescribeOrganization; is this account in an organization?)",
            DisplayErrorContext(e),
        )
    })?;
    out.organization()
        .and_then(|o| o.id())
        .map(String::from)
        .ok_or_else(|| Error::Usage("Organizations answered without an organization id".into()))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Uploads `file` of `dir` under its content's hash; its S3 URL.
async fn upload_template(c: &Clients, bucket: &str, dir: &Path, file: &str) -> Result<String> {
    let url =
        crate::deploy::upload_template(c, bucket, "organization", file, &read(&dir.join(file))?)
            .await?;
    println!("  {url}");
    Ok(url)
}

/// The security account's stack, after the playbook stacks: the bus's policy and the StackSets.
pub async fn deploy_security_account(
    c: &Clients,
    prefix: &str,
    bucket: &str,
    args: &OrganizationArgs,
    organization: &str,
    timeout: Duration,
) -> Result<()> {
    let body = read(&args.organization_templates.join("security-account.json"))?;
    println!("uploading the member templates for the StackSets");
    let roles =
        upload_template(c, bucket, &args.organization_templates, "member-roles.json").await?;
    let forwarding =
        upload_template(c, bucket, &args.organization_templates, "member.json").await?;
    let home = c.region();
    // This account's own Regions but the home one forward to it like a member's (#20).
    let own_regions: Vec<String> = args
        .member_regions
        .iter()
        .filter(|r| **r != home)
        .cloned()
        .collect();
    let me = c.account().await?;
    let unit = parent_unit(c, &me).await?;
    let params: BTreeMap<String, String> = [
        ("OrganizationId", organization.to_string()),
        ("MemberOrganizationalUnits", args.member_ous.join(",")),
        ("MemberRegions", args.member_regions.join(",")),
        ("MemberRolesTemplateUrl", roles),
        ("MemberTemplateUrl", forwarding),
        ("CallAs", args.call_as.clone()),
        ("SecurityAccountUnit", unit),
        ("SecurityAccountRegions", own_regions.join(",")),
        (
            "ForwardFindings",
            if args.forward_findings {
                "enabled"
            } else {
                "disabled"
            }
            .to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let declared = crate::deploy::declared_parameters(&body);
    crate::deploy::deploy_stack(
        c,
        prefix,
        SECURITY_ACCOUNT,
        &body,
        bucket,
        &params,
        &declared,
        timeout,
    )
    .await?;
    if args.call_as == "SELF" && !own_regions.is_empty() {
        let here = Here {
            account: &me,
            home: &home,
            organization,
        };
        deploy_own_regions(c, prefix, bucket, args, &here, &own_regions, timeout).await?;
    }
    Ok(())
}

/// The OU (or root) `account` is in, as a service-managed StackSet names an account.
async fn parent_unit(c: &Clients, account: &str) -> Result<String> {
    let out = c
        .org
        .list_parents()
        .child_id(account)
        .send()
        .await
        .map_err(|e| {
            Error::aws(
                format!("read where account {account} is in the organization (organizations:ListParents)"),
                DisplayErrorContext(e),
            )
        })?;
    out.parents()
        .first()
        .and_then(|p| p.id())
        .map(String::from)
        .ok_or_else(|| {
            Error::Usage(format!(
                "Organizations names no parent of account {account}"
            ))
        })
}

/// In the management account, where StackSets never deploy (and no SCP applies), the member
/// stacks of this account's own other Regions are deployed here: the roles once (IAM is
/// global), the forwarding in each Region, `<prefix>-member-roles` and `<prefix>-member`.
/// This account, its home Region and its organization.
struct Here<'a> {
    account: &'a str,
    home: &'a str,
    organization: &'a str,
}

async fn deploy_own_regions(
    c: &Clients,
    prefix: &str,
    bucket: &str,
    args: &OrganizationArgs,
    here: &Here<'_>,
    regions: &[String],
    timeout: Duration,
) -> Result<()> {
    let (me, home, organization) = (here.account, here.home, here.organization);
    println!(
        "this account's own Regions {} forward to {home} like a member's (StackSets never deploy to the management account)",
        regions.join(",")
    );
    let roles = read(&args.organization_templates.join("member-roles.json"))?;
    let params = BTreeMap::from([
        ("SecurityAccountId".to_string(), me.to_string()),
        ("OrganizationId".to_string(), organization.to_string()),
    ]);
    let declared = crate::deploy::declared_parameters(&roles);
    crate::deploy::deploy_stack(
        c,
        prefix,
        "member-roles",
        &roles,
        bucket,
        &params,
        &declared,
        timeout,
    )
    .await?;
    let forwarding = read(&args.organization_templates.join("member.json"))?;
    let declared = crate::deploy::declared_parameters(&forwarding);
    let findings = if args.forward_findings {
        "enabled"
    } else {
        "disabled"
    };
    for region in regions {
        let params = BTreeMap::from([
            ("SecurityAccountId".to_string(), me.to_string()),
            ("HomeRegion".to_string(), home.to_string()),
            ("ForwardFindings".to_string(), findings.to_string()),
        ]);
        crate::deploy::deploy_stack(
            &c.in_region(region),
            prefix,
            "member",
            &forwarding,
            bucket,
            &params,
            &declared,
            timeout,
        )
        .await?;
    }
    Ok(())
}

/// One account of the organization and the member stacks it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub roles: bool,
    pub regions: BTreeSet<String>,
}

/// Every active account of the organization, with the member stacks StackSets say it has.
pub async fn members(c: &Clients, call_as: &str) -> Result<Vec<Member>> {
    let mut accounts = Vec::new();
    let mut pages = c.org.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::aws(
                "list the organization's accounts (organizations:ListAccounts)",
                DisplayErrorContext(e),
            )
        })?;
        for a in page.accounts() {
            if a.status().map(|s| s.as_str()) == Some("ACTIVE") {
                accounts.push((
                    a.id().unwrap_or_default().to_string(),
                    a.name().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    let roles = instances(c, MEMBER_ROLES_STACK_SET, call_as).await?;
    let forwarding = instances(c, FORWARDING_STACK_SET, call_as).await?;
    Ok(accounts
        .into_iter()
        .map(|(id, name)| Member {
            roles: roles.contains_key(&id),
            regions: forwarding.get(&id).cloned().unwrap_or_default(),
            id,
            name,
        })
        .collect())
}

/// Account → Regions of `stack_set`'s instances (none when the StackSet does not exist).
async fn instances(
    c: &Clients,
    stack_set: &str,
    call_as: &str,
) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut token = None;
    loop {
        let page = c
            .cfn
            .list_stack_instances()
            .stack_set_name(stack_set)
            .call_as(CallAs::from(call_as))
            .set_next_token(token)
            .send()
            .await;
        let page = match page {
            Ok(p) => p,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_stack_set_not_found_exception()) =>
            {
                return Ok(out)
            }
            Err(e) => {
                return Err(Error::aws(
                    format!("list the instances of StackSet {stack_set}"),
                    DisplayErrorContext(e),
                ))
            }
        };
        for s in page.summaries() {
            if let (Some(a), Some(r)) = (s.account(), s.region()) {
                out.entry(a.to_string()).or_default().insert(r.to_string());
            }
        }
        token = page.next_token().map(String::from);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The table `deploy --organization` and `members` print: every account, what it has, what it
/// lacks. `security` is this account (the StackSets of the members leave it out: its home Region
/// hears its events, and its other Regions get the member stacks of their own).
pub fn table(members: &[Member], security: &str) -> String {
    let regions: BTreeSet<&String> = members.iter().flat_map(|m| &m.regions).collect();
    let mut out = format!(
        "{:<14} {:<28} {:<13} {}\n",
        "ACCOUNT", "NAME", "MEMBER ROLES", "FORWARDING"
    );
    let (mut covered, mut total) = (0, 0);
    for m in members {
        if m.id == security {
            out += &format!(
                "{:<14} {:<28} {:<13} {}\n",
                m.id, m.name, "-", "- (the security account: its home Region hears its events; its other member Regions get the member stacks itself)"
            );
            continue;
        }
        total += 1;
        let missing: Vec<&str> = regions
            .iter()
            .filter(|r| !m.regions.contains(**r))
            .map(|r| r.as_str())
            .collect();
        let forwarding = match (m.regions.is_empty(), missing.is_empty()) {
            (true, _) => "none".to_string(),
            (false, true) => m.regions.iter().cloned().collect::<Vec<_>>().join(","),
            (false, false) => format!(
                "{} (missing {})",
                m.regions.iter().cloned().collect::<Vec<_>>().join(","),
                missing.join(",")
            ),
        };
        if m.roles && missing.is_empty() && !m.regions.is_empty() {
            covered += 1;
        }
        out += &format!(
            "{:<14} {:<28} {:<13} {forwarding}\n",
            m.id,
            m.name,
            if m.roles { "yes" } else { "no" }
        );
    }
    out += &format!(
        "{covered} of {total} member accounts have the member stacks in every Region; aws-ir cannot act in the others (a case there ends in a notified IR.AccessDenied) until they join a target OU.\n"
    );
    out
}

pub async fn print_members(c: &Clients, call_as: &str) -> Result<()> {
    let security = c.account().await?;
    let members = members(c, call_as).await?;
    print!("{}", table(&members, &security));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, roles: bool, regions: &[&str]) -> Member {
        Member {
            id: id.into(),
            name: format!("name-{id}"),
            roles,
            regions: regions.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn the_table_says_which_accounts_and_regions_lack_the_member_stacks() {
        let t = table(
            &[
                member("111111111111", false, &[]),
                member("222222222222", true, &["eu-west-1", "us-east-1"]),
                member("333333333333", true, &["us-east-1"]),
                member("444444444444", false, &[]),
            ],
            "111111111111",
        );
        let line = |id: &str| t.lines().find(|l| l.starts_with(id)).unwrap().to_string();
        assert!(line("111111111111").contains("the security account"));
        assert!(line("222222222222").ends_with("eu-west-1,us-east-1"));
        assert!(line("333333333333").contains("(missing eu-west-1)"));
        assert!(line("444444444444").contains(" no ") && line("444444444444").ends_with("none"));
        assert!(t.contains("1 of 3 member accounts"), "{t}");
    }
}
