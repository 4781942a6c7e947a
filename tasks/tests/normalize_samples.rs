//! Normalize on sample events that follow AWS's documented formats
//! (`tasks/contract/samples/`, sources in its README).

use contract::case::{CaseKind, Direction, SeverityLabel, Source};
use contract::tasks::NormalizeInput;
use serde_json::Value;
use std::path::PathBuf;
use tasks::normalize::{case_from_event, normalize};

fn sample(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("contract/samples")
        .join(format!("{name}.json"));
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

fn ips(c: &contract::Case) -> Vec<(&str, u8, Direction)> {
    c.remote_ips
        .iter()
        .map(|r| (r.address.as_str(), r.version, r.direction))
        .collect()
}

fn instances(c: &contract::Case) -> Vec<&str> {
    c.instances.iter().map(|i| i.instance_id.as_str()).collect()
}

#[test]
fn guardduty_ec2_findings() {
    // (sample, finding type, severity label)
    let cases = [
        (
            "guardduty-ec2-ssh-brute-force",
            "UnauthorizedAccess:EC2/SSHBruteForce",
            SeverityLabel::Low,
        ),
        (
            "guardduty-ec2-ssh-brute-force-actor",
            "UnauthorizedAccess:EC2/SSHBruteForce",
            SeverityLabel::High,
        ),
        (
            "guardduty-ec2-malicious-ip-caller",
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            SeverityLabel::Medium,
        ),
        (
            "guardduty-ec2-malicious-ip-caller-ipv6",
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            SeverityLabel::Medium,
        ),
        (
            "guardduty-ec2-port-probe",
            "Recon:EC2/PortProbeUnprotectedPort",
            SeverityLabel::Low,
        ),
        (
            "guardduty-ec2-rdp-brute-force",
            "UnauthorizedAccess:EC2/RDPBruteForce",
            SeverityLabel::Low,
        ),
        (
            "guardduty-ec2-portscan",
            "Recon:EC2/Portscan",
            SeverityLabel::Medium,
        ),
        (
            "guardduty-ec2-cryptocurrency",
            "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            SeverityLabel::High,
        ),
        (
            "guardduty-ec2-backdoor-c2",
            "Backdoor:EC2/C&CActivity.B",
            SeverityLabel::High,
        ),
        (
            "guardduty-ec2-low-severity",
            "Recon:EC2/PortProbeUnprotectedPort",
            SeverityLabel::Low,
        ),
    ];
    for (name, finding_type, label) in cases {
        let event = sample(name);
        let case = case_from_event(&event).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(case.source, Source::GuardDuty, "{name}");
        assert_eq!(case.finding_type, finding_type, "{name}");
        assert_eq!(case.kind, CaseKind::Instance, "{name}");
        assert_eq!(
            case.severity.label, label,
            "{name}: score {}",
            case.severity.score
        );
        assert_eq!(
            instances(&case),
            vec![event["detail"]["resource"]["instanceDetails"]["instanceId"]
                .as_str()
                .unwrap()],
            "{name}"
        );
        assert_eq!(case.finding_id, event["detail"]["id"], "{name}");
        assert_eq!(case.account, "123456789012");
        assert!(!case.sample, "{name}");
    }
    let c = case_from_event(&sample("guardduty-ec2-ssh-brute-force")).unwrap();
    assert_eq!(ips(&c), vec![("185.220.101.45", 4, Direction::Inbound)]);
}

#[test]
fn remote_addresses_keep_version_and_direction() {
    let c = case_from_event(&sample("guardduty-ec2-malicious-ip-caller-ipv6")).unwrap();
    assert_eq!(c.remote_ips.len(), 1);
    assert_eq!(c.remote_ips[0].version, 6);
    assert_eq!(c.remote_ips[0].direction, Direction::Outbound);

    let c = case_from_event(&sample("guardduty-ec2-malicious-ip-caller")).unwrap();
    assert_eq!(c.remote_ips[0].version, 4);
    assert_eq!(c.remote_ips[0].direction, Direction::Outbound);

    // The outbound brute force: the remote address is our instance's victim.
    let c = case_from_event(&sample("guardduty-ec2-ssh-brute-force-actor")).unwrap();
    assert!(
        c.remote_ips
            .iter()
            .all(|r| r.direction == Direction::Outbound),
        "{:?}",
        c.remote_ips
    );

    // Every probing host of a port probe.
    let c = case_from_event(&sample("guardduty-ec2-port-probe")).unwrap();
    assert_eq!(c.remote_ips.len(), 2, "{:?}", c.remote_ips);
    assert!(c
        .remote_ips
        .iter()
        .all(|r| r.direction == Direction::Inbound));

    // No remote address in a DNS finding.
    let c = case_from_event(&sample("guardduty-ec2-cryptocurrency")).unwrap();
    assert!(c.remote_ips.is_empty());
}

#[test]
fn an_instance_with_two_interfaces_and_a_profile() {
    let c = case_from_event(&sample("guardduty-ec2-backdoor-c2")).unwrap();
    let i = &c.instances[0];
    assert!(i
        .instance_profile_arn
        .as_deref()
        .unwrap()
        .starts_with("arn:aws:iam::123456789012:instance-profile/"));
    assert!(i.vpc_id.as_deref().unwrap().starts_with("vpc-"));
    assert!(i.tags.contains_key("Name"));
}

#[test]
fn guardduty_iam_findings() {
    let c = case_from_event(&sample("guardduty-iam-credential-exfiltration-outside")).unwrap();
    assert_eq!(c.kind, CaseKind::Credentials);
    assert_eq!(c.severity.label, SeverityLabel::High);
    assert_eq!(c.principals[0].principal_type, "AssumedRole");
    assert_eq!(c.principals[0].name.as_deref(), Some("orders-api-role"));
    assert_eq!(
        c.principals[0].access_key_id.as_deref(),
        Some("ASIA4Q2ZKXW7H5TDQ3NB")
    );
    // The instance whose role credentials were taken, from the session name.
    assert_eq!(instances(&c), vec!["i-07182a3b4c5d6e7f8"]);
    assert_eq!(ips(&c), vec![("45.61.184.19", 4, Direction::Inbound)]);

    let c = case_from_event(&sample("guardduty-iam-anomalous-behavior")).unwrap();
    assert_eq!(c.kind, CaseKind::Credentials);
    assert!(c.principals[0]
        .access_key_id
        .as_deref()
        .unwrap()
        .starts_with("AKIA"));
    assert!(c.instances.is_empty());

    let c = case_from_event(&sample("guardduty-iam-malicious-ip-caller-ipv6")).unwrap();
    assert_eq!(c.kind, CaseKind::Credentials);
    assert_eq!(c.remote_ips[0].version, 6);

    let c = case_from_event(&sample("guardduty-iam-root-credential-usage")).unwrap();
    assert_eq!(c.kind, CaseKind::Credentials);
    assert_eq!(c.principals[0].principal_type, "Root");
    assert_eq!(c.severity.label, SeverityLabel::Low);
}

#[test]
fn guardduty_sample_findings_are_flagged() {
    let c = case_from_event(&sample("guardduty-ec2-generated-sample")).unwrap();
    assert!(c.sample);
}

#[test]
fn security_hub_findings() {
    let c = case_from_event(&sample("securityhub-finding-imported-ec2")).unwrap();
    assert_eq!(c.source, Source::SecurityHub);
    assert_eq!(c.kind, CaseKind::Instance);
    assert_eq!(c.security_hub.len(), 1);
    assert!(c.security_hub[0]
        .product_arn
        .starts_with("arn:aws:securityhub:"));
    assert_eq!(c.instances.len(), 1);

    // The same GuardDuty finding as Security Hub imports it names the same instance and address.
    let gd = case_from_event(&sample("guardduty-ec2-malicious-ip-caller")).unwrap();
    let sh = case_from_event(&sample("securityhub-finding-imported-guardduty-ip")).unwrap();
    assert_eq!(instances(&gd), instances(&sh));
    assert_eq!(gd.remote_ips[0].address, sh.remote_ips[0].address);

    let c = case_from_event(&sample("securityhub-control-sg-open-ssh")).unwrap();
    assert_eq!(c.kind, CaseKind::SecuritySetting);
    assert_eq!(c.resources[0].resource_type, "AwsEc2SecurityGroup");
    assert!(c.resources[0].id.starts_with("sg-"), "{:?}", c.resources);
}

#[test]
fn security_hub_custom_actions() {
    let c = case_from_event(&sample("securityhub-custom-action-isolate")).unwrap();
    assert_eq!(c.custom_action.as_deref(), Some("IsolateInstance"));
    assert_eq!(c.kind, CaseKind::Instance);
    let c = case_from_event(&sample("securityhub-custom-action-block-ip")).unwrap();
    assert_eq!(c.custom_action.as_deref(), Some("BlockIp"));
    assert!(!c.remote_ips.is_empty());
    let c = case_from_event(&sample("securityhub-custom-action-contain-credentials")).unwrap();
    assert_eq!(c.custom_action.as_deref(), Some("CutCreds"));
    assert_eq!(c.kind, CaseKind::Credentials);
    let p = &c.principals[0];
    assert_eq!(
        (
            p.principal_type.as_str(),
            p.name.as_deref(),
            p.access_key_id.as_deref()
        ),
        (
            "IAMUser",
            Some("reporting-export"),
            Some("AKIA4Q2ZKXW7RPTB2WQY")
        )
    );
}

#[test]
fn config_compliance_changes() {
    let c = case_from_event(&sample("config-compliance-change-restricted-ssh")).unwrap();
    assert_eq!(c.source, Source::Config);
    assert_eq!(c.kind, CaseKind::SecuritySetting);
    assert_eq!(c.resources[0].resource_type, "AwsEc2SecurityGroup");
    let c = case_from_event(&sample("config-compliance-change-s3-public")).unwrap();
    assert_eq!(c.kind, CaseKind::SecuritySetting);
    assert_eq!(c.resources[0].resource_type, "AwsS3Bucket");
}

#[test]
fn cloudtrail_api_calls() {
    let c = case_from_event(&sample("cloudtrail-authorize-sg-ingress-ssh-world")).unwrap();
    assert_eq!(c.source, Source::CloudTrail);
    assert_eq!(c.kind, CaseKind::SecuritySetting);
    assert_eq!(c.finding_type, "AuthorizeSecurityGroupIngress");
    assert!(c.resources[0].id.starts_with("sg-"));
    assert!(c.actor.as_ref().unwrap().arn.is_some());
    let c = case_from_event(&sample("cloudtrail-stop-logging")).unwrap();
    assert_eq!(c.resources[0].resource_type, "AwsCloudTrailTrail");
    assert_eq!(c.severity.label, SeverityLabel::High);
    let c = case_from_event(&sample("cloudtrail-delete-bucket-public-access-block")).unwrap();
    assert_eq!(c.resources[0].resource_type, "AwsS3Bucket");
    let c = case_from_event(&sample("cloudtrail-put-account-public-access-block")).unwrap();
    assert_eq!(
        c.resources[0].resource_type,
        "AwsS3AccountPublicAccessBlock"
    );
    // S3 Control's own name for the same call, with no bucket: the account's setting.
    let mut control = sample("cloudtrail-put-account-public-access-block");
    control["detail"]["eventName"] = serde_json::json!("PutPublicAccessBlock");
    let c = case_from_event(&control).unwrap();
    assert_eq!(c.kind, CaseKind::SecuritySetting);
    assert_eq!(
        c.resources[0].resource_type,
        "AwsS3AccountPublicAccessBlock"
    );
}

#[test]
fn manual_requests() {
    let event = serde_json::json!({
        "version": "0", "id": "6f1c2d3e-0000-4000-8000-000000000001", "detail-type": "Manual Response Request",
        "source": "aws-ir.manual", "account": "123456789012", "time": "2026-11-29T10:00:00Z", "region": "us-east-1",
        "resources": [],
        "detail": {"playbook": "triage", "reason": "EDR alert on web-1", "instance_ids": ["i-0a1b2c3d4e5f60718"], "remote_ips": ["203.0.113.0/24"], "dry_run": true}
    });
    let c = case_from_event(&event).unwrap();
    assert_eq!(c.kind, CaseKind::Instance);
    assert!(c.dry_run);
    assert_eq!(c.remote_ips[0].address, "203.0.113.0/24");

    let mut bad = event.clone();
    bad["detail"]["instance_ids"] = serde_json::json!(["web-1"]);
    assert!(case_from_event(&bad)
        .unwrap_err()
        .message
        .contains("`web-1` is not an EC2 instance id"));
    let mut bad = event.clone();
    bad["detail"]["remote_ips"] = serde_json::json!(["10.0.0.0/33"]);
    assert!(case_from_event(&bad)
        .unwrap_err()
        .message
        .contains("invalid prefix length"));
    // Settings by id: a group, a bucket, a trail, the account's S3 Block Public Access.
    let mut settings = event.clone();
    settings["detail"] = serde_json::json!({"playbook": "settings-recovery", "reason": "drift",
        "resource_ids": ["sg-0123456789abcdef0", "s3://exports", "trail/org-trail", "account/123456789012"]});
    let c = case_from_event(&settings).unwrap();
    let kinds: Vec<(&str, &str)> = c
        .resources
        .iter()
        .map(|r| (r.resource_type.as_str(), r.id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("AwsEc2SecurityGroup", "sg-0123456789abcdef0"),
            ("AwsS3Bucket", "exports"),
            ("AwsCloudTrailTrail", "org-trail"),
            ("AwsS3AccountPublicAccessBlock", "123456789012")
        ]
    );
    // A snapshot is named only to verify it (`irctl verify --snapshot`): a case of no kind of
    // target, which the verification narrows to that snapshot.
    let mut verify = event.clone();
    verify["detail"] = serde_json::json!({"playbook": "ec2-verify", "reason": "check the copy",
        "case_id": "case-0123456789abcdef", "resource_ids": ["snap-0123456789abcdef0"]});
    let c = case_from_event(&verify).unwrap();
    assert_eq!(c.kind, CaseKind::Other);
    assert_eq!(
        c.resources[0].resource_type,
        contract::custody::SNAPSHOT_RESOURCE
    );
    let mut bad = verify.clone();
    bad["detail"]["playbook"] = serde_json::json!("settings-recovery");
    assert!(case_from_event(&bad)
        .unwrap_err()
        .message
        .contains("`snap-0123456789abcdef0` is not a resource a manual request can name"));
    let mut bad = event.clone();
    bad["detail"] = serde_json::json!({"playbook": "triage", "reason": "nothing named"});
    assert!(case_from_event(&bad)
        .unwrap_err()
        .message
        .contains("must name at least one"));
}

#[test]
fn invalid_and_foreign_events_are_named_errors() {
    for (name, expect) in [
        (
            "invalid-not-json-object",
            "is a JSON array, not an EventBridge event object",
        ),
        ("invalid-guardduty-missing-detail", "has no `detail`"),
        (
            "invalid-guardduty-bad-severity",
            "detail.severity: invalid type: string \"high\"",
        ),
        (
            "foreign-ec2-state-change",
            "`EC2 Instance State-change Notification` are not handled",
        ),
    ] {
        let err = case_from_event(&sample(name)).expect_err(name);
        assert_eq!(err.name, contract::ErrorName::InvalidEvent, "{name}");
        assert!(err.message.contains(expect), "{name}: {}", err.message);
    }
    let err = case_from_event(&serde_json::json!({"hello": "world"})).unwrap_err();
    assert!(err.message.contains("missing field"), "{}", err.message);
}

#[test]
fn resent_findings_are_the_same_case_and_dry_run_carries_over() {
    let a = normalize(NormalizeInput {
        event: sample("guardduty-ec2-backdoor-c2"),
        dry_run: false,
        trusted_products: String::new(),
    })
    .unwrap();
    let mut resent = sample("guardduty-ec2-backdoor-c2");
    resent["id"] = serde_json::json!("11111111-2222-3333-4444-555555555555");
    resent["detail"]["service"]["count"] = serde_json::json!(99);
    let b = normalize(NormalizeInput {
        event: resent,
        dry_run: true,
        trusted_products: String::new(),
    })
    .unwrap();
    assert_eq!(a.case.case_id, b.case.case_id);
    assert!(!a.case.dry_run);
    assert!(b.case.dry_run);
}

#[test]
fn every_sample_normalizes_to_a_stable_case() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("contract/samples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").map(String::from))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    for name in names {
        let result = case_from_event(&sample(&name));
        let snapshot = match result {
            Ok(case) => serde_json::to_value(case).unwrap(),
            Err(e) => serde_json::json!({"error": e.name, "message": e.message}),
        };
        insta::assert_json_snapshot!(name, snapshot);
    }
}

#[test]
fn the_tag_guard_reads_every_shape_cloudtrail_records_a_tag_in() {
    use serde_json::json;
    use tasks::normalize::aws_ir_tag_writes;
    let none = serde_json::Value::Null;
    // A tag written onto an existing resource (EC2, IAM, S3, CloudTrail), aws-ir's keys only.
    assert_eq!(
        aws_ir_tag_writes(
            "CreateTags",
            &json!({"resourcesSet": {"items": [{"resourceId": "i-0a1b2c3d4e5f60718"}]}, "tagSet": {"items": [{"key": "aws-ir:exclude", "value": "1"}, {"key": "Name", "value": "web"}]}}),
            &none
        ),
        vec![(
            "AwsIrTagAdded",
            "ec2/i-0a1b2c3d4e5f60718|aws-ir:exclude".to_string()
        )]
    );
    assert_eq!(
        aws_ir_tag_writes(
            "UntagRole",
            &json!({"roleName": "app", "tagKeys": ["aws-ir:case", "team"]}),
            &none
        ),
        vec![("AwsIrTagRemoved", "role/app|aws-ir:case".to_string())]
    );
    assert_eq!(
        aws_ir_tag_writes(
            "PutBucketTagging",
            &json!({"bucketName": "b", "Tagging": {"TagSet": {"Tag": {"Key": "aws-ir:exempt", "Value": "x"}}}}),
            &none
        ),
        vec![("AwsIrTagAdded", "bucket/b|aws-ir:exempt".to_string())]
    );
    // A tag given at creation: the response names what was created.
    assert_eq!(
        aws_ir_tag_writes(
            "RunInstances",
            &json!({"tagSpecificationSet": {"items": [{"resourceType": "instance", "tags": [{"key": "aws-ir:exclude", "value": "1"}]}]}}),
            &json!({"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}})
        ),
        vec![(
            "AwsIrTagAdded",
            "ec2/i-0123456789abcdef0|aws-ir:exclude".to_string()
        )]
    );
    assert_eq!(
        aws_ir_tag_writes(
            "CreateRole",
            &json!({"roleName": "planted", "tags": [{"key": "aws-ir:playbook", "value": "x"}]}),
            &none
        ),
        vec![("AwsIrTagAdded", "role/planted|aws-ir:playbook".to_string())]
    );
    // Nothing of aws-ir's: nothing for the guard.
    assert!(aws_ir_tag_writes(
        "CreateTags",
        &json!({"resourcesSet": {"items": [{"resourceId": "i-1"}]}, "tagSet": {"items": [{"key": "Name", "value": "x"}]}}),
        &none
    )
    .is_empty());
}

/// Every payload the robustness bench (`examples/normalize_fuzz.rs`) ever found to crash
/// Normalize or end in an unnamed error is kept in `samples/regressions/`: each must now end in
/// a case or `IR.InvalidEvent`, without a panic.
#[test]
fn fuzz_regressions_answer_with_a_case_or_invalid_event() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contract/samples/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return; // none found yet
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let event: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        match case_from_event(&event) {
            Ok(_) => {}
            Err(e) => assert_eq!(
                e.name,
                contract::ErrorName::InvalidEvent,
                "{}: {e}",
                path.display()
            ),
        }
    }
}
