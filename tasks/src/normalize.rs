//! Normalize: any supported event in, one [`Case`] out.
//!
//! Pure: no AWS call, so every path is tested on sample events without a network. Anything that
//! is not a supported event, or is malformed, is `IR.InvalidEvent` with a message that says what
//! is wrong and where.

use crate::error::TaskError;
use contract::case::*;
use contract::events::{self, cloudtrail, config, guardduty, manual, securityhub, Envelope};
use contract::tasks::{NormalizeInput, NormalizeOutput, SignedRequest};
use contract::trust::{is_aws_product, Authority};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub fn normalize(input: NormalizeInput) -> Result<NormalizeOutput, TaskError> {
    let mut case = case_from_event(&input.event)?;
    case.dry_run |= input.dry_run;
    // A finding from a product the operator trusts acts as an AWS service's would.
    if case.authority == Authority::Unvouched && !case.security_hub.is_empty() {
        let trusted: Vec<&str> = input
            .trusted_products
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if case
            .security_hub
            .iter()
            .all(|f| is_aws_product(&f.product_arn) || trusted.contains(&f.product_arn.as_str()))
        {
            case.authority = Authority::Product;
        }
    }
    let request = signed_request(&input.event)?;
    Ok(NormalizeOutput { case, request })
}

/// A manual request's proof and the digest it must be bound to (empty for other events).
fn signed_request(event: &Value) -> Result<SignedRequest, TaskError> {
    if event.get("source").and_then(Value::as_str) != Some(manual::SOURCE) {
        return Ok(SignedRequest::default());
    }
    let envelope: Envelope = parse(event, "the event")?;
    let request: manual::ManualRequest =
        parse(envelope.detail.as_ref().unwrap_or(&Value::Null), "detail")?;
    Ok(SignedRequest {
        digest: manual::request_digest(&envelope.id, &envelope.time, &request),
        proof: request.proof.unwrap_or_default(),
    })
}

pub fn case_from_event(event: &Value) -> Result<Case, TaskError> {
    if !event.is_object() {
        return Err(TaskError::invalid_event(format!(
            "the input is a JSON {}, not an EventBridge event object; start the playbook with an event as EventBridge delivers it",
            kind_of(event)
        )));
    }
    let envelope: Envelope = parse(event, "the event")?;
    let detail = || {
        envelope.detail.as_ref().ok_or_else(|| {
            TaskError::invalid_event(format!(
                "event {} from {} has no `detail`",
                envelope.id, envelope.source
            ))
        })
    };
    let (source, detail_type) = (envelope.source.as_str(), envelope.detail_type.as_str());
    match (source, detail_type) {
        s if s == events::GUARDDUTY => from_guardduty(&envelope, parse(detail()?, "detail")?),
        s if s == events::SECURITY_HUB_IMPORTED => {
            let d: securityhub::ImportedDetail = parse(detail()?, "detail")?;
            from_security_hub(&envelope, d.findings, None)
        }
        s if s == events::SECURITY_HUB_CUSTOM_ACTION => {
            let d: securityhub::CustomActionDetail = parse(detail()?, "detail")?;
            // The action target ARN identifies the action; the name is only a label.
            let action = envelope
                .resources
                .first()
                .and_then(|arn| arn.rsplit_once("action/custom/").map(|(_, id)| id.to_string()))
                .unwrap_or(d.action_name);
            from_security_hub(&envelope, d.findings, Some(action))
        }
        s if s == events::CONFIG_COMPLIANCE => from_config(&envelope, parse(detail()?, "detail")?),
        (_, events::CLOUDTRAIL_DETAIL_TYPE) => from_cloudtrail(&envelope, parse(detail()?, "detail")?),
        (manual::SOURCE, manual::DETAIL_TYPE) => from_manual(&envelope, parse(detail()?, "detail")?),
        _ => Err(TaskError::invalid_event(format!(
            "events with source `{source}` and detail-type `{detail_type}` are not handled; supported: GuardDuty findings, Security Hub findings and custom actions, Config compliance changes, CloudTrail API calls and aws-ir manual requests. If this event reached a playbook, its trigger pattern is too wide."
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Deserializes with the path of the offending field in the message.
fn parse<T: DeserializeOwned>(v: &Value, what: &str) -> Result<T, TaskError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let at = if path == "." {
            what.to_string()
        } else {
            format!("{what}.{path}")
        };
        TaskError::invalid_event(format!("{at}: {}", e.inner()))
    })
}

/// `case-` and 16 hex digits of SHA-256 over the source and the finding id(s): stable, so a
/// re-sent finding is the same case.
pub fn case_id(source: Source, finding_ids: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{source:?}"));
    for id in finding_ids {
        h.update([0]);
        h.update(id.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("case-{hex}")
}

fn blank(source: Source, finding_id: &str, env: &Envelope) -> Case {
    Case {
        case_id: case_id(source, &[finding_id]),
        source,
        kind: CaseKind::Other,
        finding_type: String::new(),
        finding_id: finding_id.to_string(),
        title: String::new(),
        severity: Severity::from_score(0.0),
        account: env.account.clone(),
        region: env.region.clone(),
        observed_at: env.time.clone(),
        instances: Vec::new(),
        principals: Vec::new(),
        remote_ips: Vec::new(),
        resources: Vec::new(),
        actor: None,
        security_hub: Vec::new(),
        custom_action: None,
        sample: false,
        dry_run: false,
        // EventBridge reserves `aws.*` sources to AWS services; other sources say otherwise.
        authority: if env.source.starts_with("aws.") {
            Authority::Aws
        } else {
            Authority::Unvouched
        },
        check: None,
    }
}

fn check_instance_id(id: &str) -> Result<(), TaskError> {
    let hex = id.strip_prefix("i-").unwrap_or("");
    if (hex.len() == 8 || hex.len() == 17) && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(TaskError::invalid_event(format!(
            "`{id}` is not an EC2 instance id (i- followed by 8 or 17 hex digits)"
        )))
    }
}

/// An address or CIDR block, with its IP version.
pub fn parse_ip(text: &str) -> Result<(String, u8), TaskError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let ip: IpAddr = addr.parse().map_err(|_| {
        TaskError::invalid_event(format!("`{text}` is not an IP address or CIDR block"))
    })?;
    let (version, max) = if ip.is_ipv4() { (4, 32) } else { (6, 128) };
    if let Some(p) = prefix {
        match p.parse::<u8>() {
            Ok(n) if n <= max => {}
            _ => {
                return Err(TaskError::invalid_event(format!(
                    "`{text}` has an invalid prefix length (0 to {max} for IPv{version})"
                )))
            }
        }
    }
    Ok((text.to_string(), version))
}

fn push_ip(
    case: &mut Case,
    address: &str,
    direction: Direction,
    country: Option<String>,
    organization: Option<String>,
    asn: Option<String>,
) -> Result<(), TaskError> {
    let (address, version) = parse_ip(address)?;
    if !case.remote_ips.iter().any(|r| r.address == address) {
        case.remote_ips.push(RemoteIp {
            address,
            version,
            direction,
            country,
            organization,
            asn,
            threat_list: None,
        });
    }
    Ok(())
}

/// The threat list a finding matched its remote address against, on every remote address of
/// the case (GuardDuty names one list per finding).
fn set_threat_list(case: &mut Case, list: Option<&str>) {
    if let Some(list) = list.filter(|l| !l.is_empty()) {
        for ip in &mut case.remote_ips {
            ip.threat_list = Some(list.to_string());
        }
    }
}

fn push_instance(case: &mut Case, instance: InstanceRef) -> Result<(), TaskError> {
    check_instance_id(&instance.instance_id)?;
    if !case
        .instances
        .iter()
        .any(|i| i.instance_id == instance.instance_id)
    {
        case.instances.push(instance);
    }
    Ok(())
}

fn push_resource(case: &mut Case, resource_type: &str, id: &str) {
    if !case
        .resources
        .iter()
        .any(|r| r.resource_type == resource_type && r.id == id)
    {
        case.resources.push(ResourceRef {
            resource_type: resource_type.to_string(),
            id: id.to_string(),
        });
    }
}

fn from_guardduty(env: &Envelope, f: guardduty::Finding) -> Result<Case, TaskError> {
    let mut case = blank(Source::GuardDuty, &f.id, env);
    case.finding_type = f.finding_type.clone();
    case.title = f.title.clone().unwrap_or_else(|| f.finding_type.clone());
    if !(0.0..=10.0).contains(&f.severity) {
        return Err(TaskError::invalid_event(format!(
            "detail.severity is {}, outside GuardDuty's 0–10 scale",
            f.severity
        )));
    }
    case.severity = Severity::from_score(f.severity);
    case.account = f.account_id.clone();
    case.region = f.region.clone();
    let service = f.service.as_ref();
    case.observed_at = service
        .and_then(|s| s.event_last_seen.clone())
        .or(f.updated_at.clone())
        .unwrap_or_else(|| env.time.clone());
    // GuardDuty's own sample findings carry `additionalInfo.sample: true`.
    case.sample = env
        .detail
        .as_ref()
        .and_then(|d| d.pointer("/service/additionalInfo/sample"))
        .is_some_and(|v| v == &Value::Bool(true) || v == "true");

    if let Some(details) = &f.resource.instance_details {
        if let Some(id) = &details.instance_id {
            push_instance(
                &mut case,
                InstanceRef {
                    instance_id: id.clone(),
                    instance_profile_arn: details
                        .iam_instance_profile
                        .as_ref()
                        .and_then(|p| p.arn.clone()),
                    vpc_id: details
                        .network_interfaces
                        .iter()
                        .find_map(|n| n.vpc_id.clone()),
                    tags: details.tag_map(),
                },
            )?;
        }
    }
    if let Some(key) = &f.resource.access_key_details {
        let principal_type = key.user_type.clone().unwrap_or_else(|| "Unknown".into());
        case.principals.push(PrincipalRef {
            principal_type: principal_type.clone(),
            name: key.user_name.clone(),
            arn: None,
            access_key_id: key.access_key_id.clone(),
        });
        // Instance credentials: the role session is named after the instance.
        if principal_type == "AssumedRole" {
            if let Some((_, session)) = key.principal_id.as_deref().and_then(|p| p.split_once(':'))
            {
                if check_instance_id(session).is_ok() {
                    push_instance(
                        &mut case,
                        InstanceRef {
                            instance_id: session.to_string(),
                            instance_profile_arn: None,
                            vpc_id: None,
                            tags: BTreeMap::new(),
                        },
                    )?;
                }
            }
        }
    }

    // Who opened the connection: GuardDuty says so for network findings; otherwise the
    // resource's role tells (TARGET: they came at us; ACTOR: our resource acted).
    let role = env
        .detail
        .as_ref()
        .and_then(|d| d.pointer("/service/resourceRole"))
        .and_then(Value::as_str);
    let by_role = match role {
        Some("TARGET") => Direction::Inbound,
        Some("ACTOR") => Direction::Outbound,
        _ => Direction::Unknown,
    };
    if let Some(action) = service.and_then(|s| s.action.as_ref()) {
        let mut add =
            |details: &guardduty::RemoteIpDetails, direction: Direction| -> Result<(), TaskError> {
                for addr in [&details.ip_address_v4, &details.ip_address_v6]
                    .into_iter()
                    .flatten()
                {
                    push_ip(
                        &mut case,
                        addr,
                        direction,
                        details
                            .country
                            .as_ref()
                            .and_then(|c| c.country_code.clone()),
                        details
                            .organization
                            .as_ref()
                            .and_then(|o| o.org.clone().or(o.asn_org.clone())),
                        details.organization.as_ref().and_then(|o| o.asn.clone()),
                    )?;
                }
                Ok(())
            };
        if let Some(n) = &action.network_connection_action {
            let direction = match n.connection_direction.as_deref() {
                Some("INBOUND") => Direction::Inbound,
                Some("OUTBOUND") => Direction::Outbound,
                _ => by_role,
            };
            if let Some(d) = &n.remote_ip_details {
                add(d, direction)?;
            }
        }
        for call in [
            &action.aws_api_call_action,
            &action.kubernetes_api_call_action,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(d) = &call.remote_ip_details {
                add(d, Direction::Inbound)?;
            }
        }
        if let Some(probe) = &action.port_probe_action {
            for p in &probe.port_probe_details {
                if let Some(d) = &p.remote_ip_details {
                    add(d, Direction::Inbound)?;
                }
            }
        }
    }

    set_threat_list(
        &mut case,
        env.detail
            .as_ref()
            .and_then(|d| d.pointer("/service/additionalInfo/threatListName"))
            .and_then(Value::as_str),
    );
    case.kind = match f.resource.resource_type.as_str() {
        "Instance" => CaseKind::Instance,
        "AccessKey" => CaseKind::Credentials,
        _ if !case.remote_ips.is_empty() => CaseKind::RemoteAddress,
        _ => CaseKind::Other,
    };
    Ok(case)
}

const V6_FIELD: &str =
    "aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV6";

fn from_security_hub(
    env: &Envelope,
    findings: Vec<securityhub::Finding>,
    custom_action: Option<String>,
) -> Result<Case, TaskError> {
    let Some(first) = findings.first() else {
        return Err(TaskError::invalid_event(format!(
            "Security Hub event {} carries no findings",
            env.id
        )));
    };
    let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    let mut case = blank(Source::SecurityHub, &first.id, env);
    case.case_id = case_id(Source::SecurityHub, &ids);
    case.finding_type = first
        .types
        .first()
        .cloned()
        .unwrap_or_else(|| "Unclassified".into());
    case.title = if findings.len() == 1 {
        first.title.clone()
    } else {
        format!("{} (and {} more findings)", first.title, findings.len() - 1)
    };
    case.account = first.aws_account_id.clone();
    case.region = first.region.clone().unwrap_or_else(|| env.region.clone());
    case.observed_at = first.updated_at.clone().unwrap_or_else(|| env.time.clone());
    case.custom_action = custom_action;

    let mut instance = false;
    let mut credentials = false;
    let mut setting = false;
    let mut checks = Vec::new();
    let mut best = Severity::from_score(0.0);
    for f in &findings {
        let severity = match (&f.severity.label, f.severity.normalized) {
            (Some(label), _) => {
                let label: SeverityLabel = serde_json::from_value(Value::String(label.clone()))
                    .map_err(|_| {
                        TaskError::invalid_event(format!(
                            "finding {}: Severity.Label `{label}` is not an ASFF label",
                            f.id
                        ))
                    })?;
                Severity::from_label(label)
            }
            (None, Some(n)) => Severity::from_score(n / 10.0),
            (None, None) => {
                return Err(TaskError::invalid_event(format!(
                    "finding {}: Severity has neither Label nor Normalized",
                    f.id
                )))
            }
        };
        if severity.score > best.score {
            best = severity;
        }
        case.security_hub.push(SecurityHubRef {
            finding_id: f.id.clone(),
            product_arn: f.product_arn.clone(),
        });
        let failed = f.compliance.as_ref().and_then(|c| c.status.as_deref()) == Some("FAILED");
        if let Some(c) = &f.compliance {
            if let (true, Some(control)) = (failed, c.security_control_id.as_deref()) {
                checks.push(contract::checks::security_hub_control(
                    control,
                    &c.security_control_parameters,
                ));
            }
        }
        for r in &f.resources {
            match r.resource_type.as_str() {
                "AwsEc2Instance" => {
                    let id = r.id.rsplit('/').next().unwrap_or(&r.id);
                    let vpc = r
                        .details
                        .as_ref()
                        .and_then(|d| d.pointer("/AwsEc2Instance/VpcId"))
                        .and_then(Value::as_str)
                        .map(String::from);
                    push_instance(
                        &mut case,
                        InstanceRef {
                            instance_id: id.to_string(),
                            instance_profile_arn: r
                                .details
                                .as_ref()
                                .and_then(|d| d.pointer("/AwsEc2Instance/IamInstanceProfileArn"))
                                .and_then(Value::as_str)
                                .map(String::from),
                            vpc_id: vpc,
                            tags: r.tags.clone(),
                        },
                    )?;
                    instance = true;
                }
                "AwsIamAccessKey" | "AwsIamUser" | "AwsIamRole" => {
                    credentials = true;
                    let detail = |field: &str| {
                        r.details
                            .as_ref()
                            .and_then(|d| d.pointer(&format!("/AwsIamAccessKey/{field}")))
                            .and_then(Value::as_str)
                            .map(String::from)
                    };
                    let principal = match r.resource_type.as_str() {
                        // ASFF names the key in the resource id (`AWS::IAM::AccessKey:AKIA…`)
                        // and its owner in the details (`PrincipalType`, `PrincipalName`).
                        "AwsIamAccessKey" => {
                            let last = r.id.rsplit([':', '/']).next().unwrap_or(&r.id);
                            let key = if last.starts_with("AKIA") || last.starts_with("ASIA") {
                                Some(last.to_string())
                            } else {
                                detail("AccessKeyId")
                            };
                            PrincipalRef {
                                principal_type: detail("PrincipalType")
                                    .unwrap_or_else(|| "AccessKey".into()),
                                name: detail("PrincipalName"),
                                arn: None,
                                access_key_id: key,
                            }
                        }
                        kind => PrincipalRef {
                            principal_type: if kind == "AwsIamUser" {
                                "IAMUser"
                            } else {
                                "Role"
                            }
                            .into(),
                            name: r.id.rsplit('/').next().map(String::from),
                            arn: Some(r.id.clone()),
                            access_key_id: None,
                        },
                    };
                    case.principals.push(principal);
                }
                // Control S3.1 is the account-level Block Public Access, on the account resource.
                "AwsAccount"
                    if f.compliance
                        .as_ref()
                        .and_then(|c| c.security_control_id.as_deref())
                        == Some("S3.1") =>
                {
                    let account = r.id.rsplit([':', '/']).next().unwrap_or(&r.id);
                    push_resource(&mut case, "AwsS3AccountPublicAccessBlock", account);
                    setting |= failed;
                }
                other => {
                    let id = match other {
                        // Security groups and buckets are named by ARN; keep the id.
                        "AwsEc2SecurityGroup" | "AwsS3Bucket" | "AwsCloudTrailTrail" => {
                            r.id.rsplit([':', '/']).next().unwrap_or(&r.id).to_string()
                        }
                        _ => r.id.clone(),
                    };
                    push_resource(&mut case, other, &id);
                    if failed
                        && matches!(
                            other,
                            "AwsEc2SecurityGroup"
                                | "AwsS3Bucket"
                                | "AwsCloudTrailTrail"
                                | "AwsAccount"
                        )
                    {
                        setting = true;
                    }
                }
            }
        }
        // Remote addresses: the ASFF network section, the action, and GuardDuty's IPv6 field.
        let resource_role = f
            .product_fields
            .get("aws/guardduty/service/resourceRole")
            .map(String::as_str);
        let by_role = match resource_role {
            Some("TARGET") => Direction::Inbound,
            Some("ACTOR") => Direction::Outbound,
            _ => Direction::Unknown,
        };
        if let Some(n) = &f.network {
            let (inbound, outbound) = match n.direction.as_deref() {
                Some("IN") => (vec![&n.source_ip_v4, &n.source_ip_v6], vec![]),
                Some("OUT") => (vec![], vec![&n.destination_ip_v4, &n.destination_ip_v6]),
                _ => (vec![&n.source_ip_v4, &n.source_ip_v6], vec![]),
            };
            for a in inbound.into_iter().flatten() {
                push_ip(&mut case, a, Direction::Inbound, None, None, None)?;
            }
            for a in outbound.into_iter().flatten() {
                push_ip(&mut case, a, Direction::Outbound, None, None, None)?;
            }
        }
        if let Some(a) = &f.action {
            let mut details = Vec::new();
            if let Some(n) = &a.network_connection_action {
                details.extend(n.remote_ip_details.iter().map(|d| (d, by_role)));
            }
            if let Some(n) = &a.aws_api_call_action {
                details.extend(n.remote_ip_details.iter().map(|d| (d, Direction::Inbound)));
            }
            if let Some(p) = &a.port_probe_action {
                for probe in &p.port_probe_details {
                    details.extend(
                        probe
                            .remote_ip_details
                            .iter()
                            .map(|d| (d, Direction::Inbound)),
                    );
                }
            }
            for (d, direction) in details {
                if let Some(addr) = &d.ip_address_v4 {
                    push_ip(
                        &mut case,
                        addr,
                        direction,
                        d.country.as_ref().and_then(|c| c.country_code.clone()),
                        d.organization
                            .as_ref()
                            .and_then(|o| o.asn_org.clone().or(o.isp.clone())),
                        d.organization
                            .as_ref()
                            .and_then(|o| o.asn.map(|n| n.to_string())),
                    )?;
                }
            }
        }
        if let Some(v6) = f.product_fields.get(V6_FIELD) {
            push_ip(&mut case, v6, by_role, None, None, None)?;
        }
        set_threat_list(
            &mut case,
            f.product_fields
                .get("aws/guardduty/service/additionalInfo/threatListName")
                .map(String::as_str),
        );
    }
    case.severity = best;
    // Anyone allowed securityhub:BatchImportFindings can import a finding through the account's
    // own integration, with any title, severity or resource tags: only AWS's integrations (by
    // ProductArn, which Security Hub sets from who imported it) vouch for what a finding says.
    // A custom action is a person's choice in the console, so it stands as AWS delivered it.
    if case.custom_action.is_none()
        && !case
            .security_hub
            .iter()
            .all(|f| is_aws_product(&f.product_arn))
    {
        case.authority = Authority::Unvouched;
    }
    case.kind = if instance {
        CaseKind::Instance
    } else if credentials {
        CaseKind::Credentials
    } else if setting {
        CaseKind::SecuritySetting
    } else if !case.remote_ips.is_empty() {
        CaseKind::RemoteAddress
    } else {
        CaseKind::Other
    };
    // Findings of one control (or of controls that agree) say what to check; mixed ones do not.
    if checks.windows(2).all(|w| w[0].what == w[1].what) {
        case.check = checks.into_iter().next();
    }
    Ok(case)
}

/// AWS Config resource types and the ASFF-style names used in cases.
fn config_resource_type(t: &str) -> &str {
    match t {
        "AWS::EC2::SecurityGroup" => "AwsEc2SecurityGroup",
        "AWS::S3::Bucket" => "AwsS3Bucket",
        "AWS::CloudTrail::Trail" => "AwsCloudTrailTrail",
        "AWS::EC2::Instance" => "AwsEc2Instance",
        "AWS::S3::AccountPublicAccessBlock" => "AwsS3AccountPublicAccessBlock",
        "AWS::IAM::User" => "AwsIamUser",
        "AWS::IAM::Role" => "AwsIamRole",
        other => other,
    }
}

fn from_config(env: &Envelope, c: config::ComplianceChange) -> Result<Case, TaskError> {
    let recorded = c
        .new_evaluation_result
        .result_recorded_time
        .clone()
        .unwrap_or_else(|| env.time.clone());
    let finding_id = format!(
        "{}/{}/{}/{}",
        c.config_rule_name, c.resource_type, c.resource_id, recorded
    );
    let mut case = blank(Source::Config, &finding_id, env);
    case.finding_type = c.config_rule_name.clone();
    let compliance = c.new_evaluation_result.compliance_type.as_str();
    case.title = format!(
        "{} {} is {} with AWS Config rule {}",
        c.resource_type, c.resource_id, compliance, c.config_rule_name
    );
    case.account = c.aws_account_id.clone();
    case.region = c.aws_region.clone();
    case.observed_at = recorded;
    let resource_type = config_resource_type(&c.resource_type);
    if resource_type == "AwsEc2Instance" {
        push_instance(
            &mut case,
            InstanceRef {
                instance_id: c.resource_id.clone(),
                instance_profile_arn: None,
                vpc_id: None,
                tags: BTreeMap::new(),
            },
        )?;
    } else {
        push_resource(&mut case, resource_type, &c.resource_id);
    }
    // A setting that turned NON_COMPLIANT is drift to restore; other changes are informational.
    if compliance == "NON_COMPLIANT" {
        case.kind = CaseKind::SecuritySetting;
        case.severity = Severity::from_score(5.0);
    } else {
        case.kind = CaseKind::Other;
        case.severity = Severity::from_score(1.0);
    }
    Ok(case)
}

/// API calls that weaken a security setting when they succeed, and how much.
fn weakening(event_name: &str) -> Option<f64> {
    match event_name {
        "StopLogging" | "DeleteTrail" | "DeleteDetector" | "DisableSecurityHub" => Some(8.0),
        "UpdateTrail" | "PutEventSelectors" => Some(5.0),
        "AuthorizeSecurityGroupIngress" | "ModifySecurityGroupRules" => Some(7.0),
        "DeletePublicAccessBlock"
        | "PutPublicAccessBlock"
        | "DeleteBucketPublicAccessBlock"
        | "PutBucketPublicAccessBlock"
        | "PutAccountPublicAccessBlock"
        | "DeleteAccountPublicAccessBlock" => Some(7.0),
        _ => None,
    }
}

/// The `aws-ir:*` tags a tagging call wrote or removed, as the tag guard's resources
/// (`AwsIrTagAdded`/`AwsIrTagRemoved`, id `<kind>/<name>|<key>`), from the call's CloudTrail
/// record (EC2 `CreateTags`/`DeleteTags`, IAM `TagRole`/`UntagRole`/`TagUser`/`UntagUser`, S3
/// `PutBucketTagging`, CloudTrail `AddTags`/`RemoveTags`).
pub fn aws_ir_tag_writes(
    event_name: &str,
    params: &Value,
    response: &Value,
) -> Vec<(&'static str, String)> {
    use contract::tags;
    let text = |p: &str| params.pointer(p).and_then(Value::as_str).map(String::from);
    // A list that CloudTrail may also write as a single object (S3's XML-born shapes).
    let list = |p: &str| -> Vec<Value> {
        match params.pointer(p) {
            Some(Value::Array(a)) => a.clone(),
            Some(v @ Value::Object(_)) => vec![v.clone()],
            _ => Vec::new(),
        }
    };
    let keys = |items: Vec<Value>, field: &str| -> Vec<String> {
        items
            .iter()
            .filter_map(|i| i.get(field).and_then(Value::as_str).or_else(|| i.as_str()))
            .filter(|k| k.starts_with(tags::PREFIX))
            .map(String::from)
            .collect()
    };
    // Tags given when the resource is created (`TagSpecification`): the created resource is
    // named by the response.
    let created = |path: &str| -> Vec<String> {
        response
            .pointer(path)
            .and_then(Value::as_str)
            .map(|id| vec![format!("ec2/{id}")])
            .unwrap_or_default()
    };
    let specified = || -> Vec<String> {
        list("/tagSpecificationSet/items")
            .iter()
            .flat_map(|spec| {
                spec.get("tags")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|t| t.get("key").and_then(Value::as_str).map(String::from))
            .filter(|k| k.starts_with(tags::PREFIX))
            .collect()
    };
    let (added, targets, keys): (bool, Vec<String>, Vec<String>) = match event_name {
        "RunInstances" => (
            true,
            response
                .pointer("/instancesSet/items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|i| i.get("instanceId").and_then(Value::as_str))
                .map(|id| format!("ec2/{id}"))
                .collect(),
            specified(),
        ),
        "CreateSecurityGroup" => (true, created("/groupId"), specified()),
        "CreateVolume" => (true, created("/volumeId"), specified()),
        "CreateNetworkInterface" => (
            true,
            created("/networkInterface/networkInterfaceId"),
            specified(),
        ),
        "CreateRole" => (
            true,
            text("/roleName")
                .map(|n| format!("role/{n}"))
                .into_iter()
                .collect(),
            keys(list("/tags"), "key"),
        ),
        "CreateUser" => (
            true,
            text("/userName")
                .map(|n| format!("user/{n}"))
                .into_iter()
                .collect(),
            keys(list("/tags"), "key"),
        ),
        "CreateTags" | "DeleteTags" => (
            event_name == "CreateTags",
            list("/resourcesSet/items")
                .iter()
                .filter_map(|i| i.get("resourceId").and_then(Value::as_str))
                .map(|id| format!("ec2/{id}"))
                .collect(),
            keys(list("/tagSet/items"), "key"),
        ),
        "TagRole" | "UntagRole" => (
            event_name == "TagRole",
            text("/roleName")
                .map(|n| format!("role/{n}"))
                .into_iter()
                .collect(),
            if event_name == "TagRole" {
                keys(list("/tags"), "key")
            } else {
                keys(list("/tagKeys"), "")
            },
        ),
        "TagUser" | "UntagUser" => (
            event_name == "TagUser",
            text("/userName")
                .map(|n| format!("user/{n}"))
                .into_iter()
                .collect(),
            if event_name == "TagUser" {
                keys(list("/tags"), "key")
            } else {
                keys(list("/tagKeys"), "")
            },
        ),
        "PutBucketTagging" => (
            true,
            text("/bucketName")
                .map(|n| format!("bucket/{n}"))
                .into_iter()
                .collect(),
            keys(list("/Tagging/TagSet/Tag"), "Key"),
        ),
        "AddTags" | "RemoveTags" => (
            event_name == "AddTags",
            text("/resourceId")
                .map(|n| format!("trail/{n}"))
                .into_iter()
                .collect(),
            keys(list("/tagsList"), "key"),
        ),
        _ => return Vec::new(),
    };
    let kind = if added {
        crate::settings::tags::ADDED
    } else {
        crate::settings::tags::REMOVED
    };
    targets
        .iter()
        .flat_map(|t| keys.iter().map(move |k| (kind, format!("{t}|{k}"))))
        .collect()
}

fn from_cloudtrail(env: &Envelope, r: cloudtrail::Record) -> Result<Case, TaskError> {
    let mut case = blank(Source::CloudTrail, &r.event_id, env);
    case.finding_type = r.event_name.clone();
    let who = r
        .user_identity
        .arn
        .clone()
        .unwrap_or_else(|| "an unknown principal".into());
    case.title = format!("{} called {} on {}", who, r.event_name, r.event_source);
    case.account = r
        .recipient_account_id
        .clone()
        .unwrap_or_else(|| env.account.clone());
    case.region = r.aws_region.clone();
    case.observed_at = r.event_time.clone();
    case.actor = Some(Actor {
        arn: r.user_identity.arn.clone(),
        principal_type: r.user_identity.identity_type.clone(),
        source_ip: r.source_ip_address.clone(),
        user_agent: r.user_agent.clone(),
    });
    let params = r.request_parameters.clone().unwrap_or(Value::Null);
    let text = |p: &str| params.pointer(p).and_then(Value::as_str).map(String::from);
    // A write of an aws-ir tag is the tag guard's, whatever else the call names.
    let tags = aws_ir_tag_writes(
        &r.event_name,
        &params,
        r.response_elements.as_ref().unwrap_or(&Value::Null),
    );
    if !tags.is_empty() && r.error_code.is_none() {
        for (resource_type, id) in tags {
            push_resource(&mut case, resource_type, &id);
        }
        case.kind = CaseKind::SecuritySetting;
        case.severity = Severity::from_score(8.0);
        return Ok(case);
    }
    // ModifySecurityGroupRules nests its request: `ModifySecurityGroupRulesRequest.GroupId`.
    if let Some(g) = text("/groupId").or_else(|| text("/ModifySecurityGroupRulesRequest/GroupId")) {
        push_resource(&mut case, "AwsEc2SecurityGroup", &g);
    }
    // StopLogging, DeleteTrail and UpdateTrail name it `name`; PutEventSelectors `trailName`.
    if let Some(t) = text("/name").or_else(|| text("/trailName")) {
        if r.event_source == "cloudtrail.amazonaws.com" {
            push_resource(&mut case, "AwsCloudTrailTrail", &t);
        }
    }
    if let Some(b) = text("/bucketName") {
        push_resource(&mut case, "AwsS3Bucket", &b);
    }
    if r.event_name.contains("AccountPublicAccessBlock")
        || (r.event_source.starts_with("s3")
            && r.event_name.contains("PublicAccessBlock")
            && text("/bucketName").is_none())
    {
        let account = case.account.clone();
        push_resource(&mut case, "AwsS3AccountPublicAccessBlock", &account);
    }
    match (weakening(&r.event_name), &r.error_code) {
        (Some(score), None) => {
            case.kind = CaseKind::SecuritySetting;
            case.severity = Severity::from_score(score);
        }
        _ => {
            // A failed call changed nothing; an unknown call is recorded, not acted on.
            case.kind = CaseKind::Other;
            case.severity = Severity::from_score(1.0);
        }
    }
    Ok(case)
}

fn from_manual(env: &Envelope, m: manual::ManualRequest) -> Result<Case, TaskError> {
    if m.reason.trim().is_empty() {
        return Err(TaskError::invalid_event(
            "a manual request needs a `reason`",
        ));
    }
    let mut case = blank(Source::Manual, &env.id, env);
    if let Some(id) = &m.case_id {
        let hex = id.strip_prefix("case-").unwrap_or("");
        if hex.len() != 16 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(TaskError::invalid_event(format!(
                "`{id}` is not a case id (case- and 16 hex digits)"
            )));
        }
        case.case_id = id.clone();
    }
    case.finding_type = format!("Manual:{}", m.playbook);
    case.title = m.reason.clone();
    let score = m.severity.unwrap_or(8.0);
    if !(0.0..=10.0).contains(&score) {
        return Err(TaskError::invalid_event(format!(
            "severity {score} is outside the 0–10 scale"
        )));
    }
    case.severity = Severity::from_score(score);
    case.dry_run = m.dry_run;
    case.actor = Some(Actor {
        arn: m.requested_by.clone(),
        // What the request says about its sender; AuthenticateRequest replaces it with what
        // STS says.
        principal_type: Some("Unverified".into()),
        source_ip: None,
        user_agent: None,
    });
    for id in &m.instance_ids {
        push_instance(
            &mut case,
            InstanceRef {
                instance_id: id.clone(),
                instance_profile_arn: None,
                vpc_id: None,
                tags: BTreeMap::new(),
            },
        )?;
    }
    for ip in &m.remote_ips {
        push_ip(&mut case, ip, Direction::Unknown, None, None, None)?;
    }
    for key in &m.access_key_ids {
        let well_formed = (key.starts_with("AKIA") || key.starts_with("ASIA"))
            && (16..=128).contains(&key.len())
            && key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !well_formed {
            return Err(TaskError::invalid_event(format!(
                "`{key}` is not an AWS access key id (AKIA… for a user's key, ASIA… for a session's)"
            )));
        }
        case.principals.push(PrincipalRef {
            principal_type: "AccessKey".into(),
            name: None,
            arn: None,
            access_key_id: Some(key.clone()),
        });
    }
    for arn in &m.principal_arns {
        let iam = arn.split(':').collect::<Vec<_>>();
        let named = iam.len() == 6
            && iam[0] == "arn"
            && iam[2] == "iam"
            && (iam[5].starts_with("user/") || iam[5].starts_with("role/"))
            && iam[5].len() > 5;
        if !named {
            return Err(TaskError::invalid_event(format!(
                "`{arn}` is not an IAM user or role ARN (arn:aws:iam::ACCOUNT:user/NAME or :role/NAME)"
            )));
        }
        case.principals.push(PrincipalRef {
            principal_type: if arn.contains(":user/") {
                "IAMUser".into()
            } else {
                "Role".into()
            },
            name: arn.rsplit('/').next().map(String::from),
            arn: Some(arn.clone()),
            access_key_id: None,
        });
    }
    for id in &m.resource_ids {
        match id.split_once('-') {
            Some(("sg", _)) => push_resource(&mut case, "AwsEc2SecurityGroup", id),
            // A snapshot is named only to verify it (`irctl verify --snapshot`).
            Some(("snap", _))
                if m.playbook == "ec2-verify" && contract::custody::is_snapshot_id(id) =>
            {
                push_resource(&mut case, contract::custody::SNAPSHOT_RESOURCE, id)
            }
            _ if id.starts_with("s3://") => {
                push_resource(&mut case, "AwsS3Bucket", id.trim_start_matches("s3://"))
            }
            _ if id.starts_with("trail/") || id.contains(":cloudtrail:") => {
                let name = crate::settings::trail_name(id.trim_start_matches("trail/"))?;
                push_resource(&mut case, "AwsCloudTrailTrail", name)
            }
            _ if id.starts_with("account/") => push_resource(
                &mut case,
                "AwsS3AccountPublicAccessBlock",
                id.trim_start_matches("account/"),
            ),
            _ => {
                return Err(TaskError::invalid_event(format!(
                    "`{id}` is not a resource a manual request can name (security groups: sg-…, buckets: s3://NAME, trails: trail/NAME or the trail's ARN, the account's S3 Block Public Access: account/ACCOUNT_ID)"
                )))
            }
        }
    }
    case.kind = if !case.instances.is_empty() {
        CaseKind::Instance
    } else if case
        .resources
        .iter()
        .any(|r| r.resource_type != contract::custody::SNAPSHOT_RESOURCE)
    {
        CaseKind::SecuritySetting
    } else if !case.principals.is_empty() {
        CaseKind::Credentials
    } else if !case.remote_ips.is_empty() {
        CaseKind::RemoteAddress
    } else if manual::TARGETLESS_PLAYBOOKS.contains(&m.playbook.as_str()) {
        CaseKind::Other
    } else {
        return Err(TaskError::invalid_event(
            "a manual request must name at least one instance, remote address, access key, principal or resource",
        ));
    };
    Ok(case)
}
