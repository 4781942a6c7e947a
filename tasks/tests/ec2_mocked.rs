//! EC2 steps against mocked AWS (aws-smithy-mocks): the failures an emulator cannot produce on
//! demand (throttling, 5xx, missing permissions), the never-fatal capture, and dry runs that
//! make no mutating call.

use aws_sdk_ec2::error::ErrorMetadata;
use aws_sdk_ec2::operation::describe_instances::{DescribeInstancesError, DescribeInstancesOutput};
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::modify_network_interface_attribute::{
    ModifyNetworkInterfaceAttributeError, ModifyNetworkInterfaceAttributeOutput,
};
use aws_sdk_ec2::types::{
    GroupIdentifier, Instance, InstanceNetworkInterface, InstanceNetworkInterfaceAttachment,
    InstanceState, InstanceStateName, IpPermission, IpRange, Ipv6Range, Reservation, SecurityGroup,
};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use contract::case::{Case, CaseKind, Severity, Source};
use contract::tasks::ec2::{Ec2Policy, InstanceStep, Status};
use contract::ErrorName;
use tasks::ec2::{capture, describe, isolate};

const NONE: [&Rule; 0] = [];

fn step(dry_run: bool) -> InstanceStep {
    InstanceStep {
        case: Case {
            case_id: "case-0123456789abcdef".into(),
            source: Source::Manual,
            kind: CaseKind::Instance,
            finding_type: "Manual:ec2-compromise".into(),
            finding_id: "f".into(),
            title: "test".into(),
            severity: Severity::from_score(8.0),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            observed_at: "2026-11-29T00:00:00Z".into(),
            instances: vec![],
            principals: vec![],
            remote_ips: vec![],
            resources: vec![],
            actor: None,
            security_hub: vec![],
            custom_action: None,
            sample: false,
            dry_run,
            authority: contract::trust::Authority::Aws,
            check: None,
        },
        instance_id: "i-0a1b2c3d4e5f60718".into(),
        policy: Ec2Policy {
            exclusion_tag: "aws-ir:exclude".into(),
            protected_tag: "aws-ir:protected".into(),
            excluded_accounts: String::new(),
            min_severity_automatic: 7.0,
            approval_timeout_seconds: 3600.0,
            on_approval_timeout: "skip".into(),
            volatile_capture: true,
            capture_timeout_seconds: 5.0,
            profile_action: "remove".into(),
            quarantine_profile_arn: String::new(),
            revoke_role_sessions: false,
            forensic_instance_id: String::new(),
            forensic_subnet_id: String::new(),
            forensic_security_group_id: String::new(),
            nacl_isolation: false,
            case_table: "cases".into(),
            evidence_bucket: "evidence".into(),
            capture_document: "capture".into(),
            memory_upload_document: "upload-memory".into(),
            record_key: String::new(),
            signing_key: String::new(),
            forensic_account_id: String::new(),
            forensic_key_arn: String::new(),
        },
        execution: "arn:aws:states:us-east-1:123456789012:execution:m:e".into(),
        registrations: None,
    }
}

fn instance_with_two_interfaces() -> Rule {
    mock!(aws_sdk_ec2::Client::describe_instances).then_output(|| {
        let eni = |id: &str, index: i32| {
            InstanceNetworkInterface::builder()
                .network_interface_id(id)
                .subnet_id("subnet-1")
                .attachment(
                    InstanceNetworkInterfaceAttachment::builder()
                        .device_index(index)
                        .build(),
                )
                .groups(GroupIdentifier::builder().group_id("sg-web").build())
                .build()
        };
        DescribeInstancesOutput::builder()
            .reservations(
                Reservation::builder()
                    .instances(
                        Instance::builder()
                            .instance_id("i-0a1b2c3d4e5f60718")
                            .vpc_id("vpc-1")
                            .state(
                                InstanceState::builder()
                                    .name(InstanceStateName::Running)
                                    .build(),
                            )
                            .network_interfaces(eni("eni-a", 0))
                            .network_interfaces(eni("eni-b", 1))
                            .build(),
                    )
                    .build(),
            )
            .build()
    })
}

/// The containment groups as aws-ir shaped them: the open one allows all TCP/UDP in and all out
/// (IPv4 and IPv6), the closed one nothing; `closed_ingress` adds a rule someone slipped in.
fn containment_groups(closed_ingress: bool) -> Rule {
    mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(move || {
        let world = |p: &str, ports: bool| {
            let mut b = IpPermission::builder()
                .ip_protocol(p)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build());
            if ports {
                b = b.from_port(0).to_port(65535);
            }
            b.build()
        };
        let open = SecurityGroup::builder()
            .group_id("sg-open")
            .vpc_id("vpc-1")
            .ip_permissions(world("tcp", true))
            .ip_permissions(world("udp", true))
            .ip_permissions_egress(world("-1", false))
            .build();
        let mut closed = SecurityGroup::builder()
            .group_id("sg-closed")
            .vpc_id("vpc-1");
        if closed_ingress {
            closed = closed.ip_permissions(world("tcp", true));
        }
        DescribeSecurityGroupsOutput::builder()
            .security_groups(open)
            .security_groups(closed.build())
            .build()
    })
}

/// The case table's record of the VPC's containment groups, and no forensic interface.
fn recorded(table: &Rule) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    let query = mock!(aws_sdk_dynamodb::Client::query).then_output(|| {
        aws_sdk_dynamodb::operation::query::QueryOutput::builder()
            .items(std::collections::HashMap::from([
                ("case_id".to_string(), V::S("containment-groups".into())),
                ("item".to_string(), V::S("vpc#vpc-1".into())),
                ("open".to_string(), V::S("sg-open".into())),
                ("closed".to_string(), V::S("sg-closed".into())),
            ]))
            .build()
    });
    let get = mock!(aws_sdk_dynamodb::Client::get_item)
        .then_output(|| aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder().build());
    mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&query, &get, table])
}

/// A case table that accepts step records, noting the attribute each one went to.
fn recording_table(attribute: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            r.expression_attribute_names()
                .and_then(|n| n.get("#step"))
                .map(String::as_str)
                == Some(attribute)
        })
        .then_output(|| {
            aws_sdk_dynamodb::operation::update_item::UpdateItemOutput::builder().build()
        })
}

#[tokio::test]
async fn an_unknown_instance_is_resource_not_found() {
    let rule = mock!(aws_sdk_ec2::Client::describe_instances).then_error(|| {
        DescribeInstancesError::generic(
            ErrorMetadata::builder()
                .code("InvalidInstanceID.NotFound")
                .message("The instance ID 'i-0a1b2c3d4e5f60718' does not exist")
                .build(),
        )
    });
    let ec2 = mock_client!(aws_sdk_ec2, [&rule]);
    let err = describe(&ec2, "i-0a1b2c3d4e5f60718").await.unwrap_err();
    assert_eq!(err.name, ErrorName::ResourceNotFound);
    assert!(
        err.message.contains("i-0a1b2c3d4e5f60718 does not exist"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn every_interface_goes_through_untrack_then_isolate() {
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute)
        .then_output(|| ModifyNetworkInterfaceAttributeOutput::builder().build());
    let (d, g) = (instance_with_two_interfaces(), containment_groups(false));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &modify]);
    let record = recording_table("step_isolate");
    let dynamodb = recorded(&record);
    let out = isolate::handle(&ec2, &dynamodb, step(false)).await.unwrap();
    assert_eq!(out.status, Status::Done);
    assert_eq!(record.num_calls(), 1, "the outcome is recorded on the case");
    assert_eq!(modify.num_calls(), 4, "two calls per interface");
    let details: Vec<&str> = out.actions.iter().map(|a| a.detail.as_str()).collect();
    assert!(
        details
            .iter()
            .filter(|d| d.ends_with("-> [sg-open] (untrack)"))
            .count()
            == 2,
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .filter(|d| d.ends_with("-> [sg-closed] (isolate)"))
            .count()
            == 2,
        "{details:?}"
    );
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_says_what_it_would_do() {
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute)
        .then_output(|| ModifyNetworkInterfaceAttributeOutput::builder().build());
    let (d, g) = (instance_with_two_interfaces(), containment_groups(false));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &modify]);
    let plan = recording_table("plan_isolate");
    let dynamodb = recorded(&plan);
    let out = isolate::handle(&ec2, &dynamodb, step(true)).await.unwrap();
    assert_eq!(out.status, Status::Planned);
    assert_eq!(plan.num_calls(), 1, "the plan is recorded, as a plan");
    assert_eq!(modify.num_calls(), 0);
    assert_eq!(out.actions.len(), 4);
}

#[tokio::test]
async fn throttling_is_a_retryable_named_error() {
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute).then_error(|| {
        ModifyNetworkInterfaceAttributeError::generic(
            ErrorMetadata::builder()
                .code("RequestLimitExceeded")
                .message("Request limit exceeded.")
                .build(),
        )
    });
    let (d, g) = (instance_with_two_interfaces(), containment_groups(false));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &modify]);
    let dynamodb = recorded(&recording_table("step_isolate"));
    let err = isolate::handle(&ec2, &dynamodb, step(false))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::Throttled);
    assert!(err.name.is_transient());
    assert!(
        err.message.contains("Step Functions retries this"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_missing_permission_names_the_fix_and_is_not_retried() {
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute).then_error(|| {
        ModifyNetworkInterfaceAttributeError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build(),
        )
    });
    let (d, g) = (instance_with_two_interfaces(), containment_groups(false));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &modify]);
    let dynamodb = recorded(&recording_table("step_isolate"));
    let err = isolate::handle(&ec2, &dynamodb, step(false))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::AccessDenied);
    assert!(!err.name.is_transient());
    assert!(
        err.message.contains("eni-") && err.message.contains("redeploy the generated stack"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn rules_slipped_into_the_isolation_group_are_removed_before_use() {
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute)
        .then_output(|| ModifyNetworkInterfaceAttributeOutput::builder().build());
    let revoke = mock!(aws_sdk_ec2::Client::revoke_security_group_ingress)
        .match_requests(|r| r.group_id() == Some("sg-closed"))
        .then_output(|| {
            aws_sdk_ec2::operation::revoke_security_group_ingress::RevokeSecurityGroupIngressOutput::builder().build()
        });
    let (d, g) = (instance_with_two_interfaces(), containment_groups(true));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &revoke, &modify]);
    let dynamodb = recorded(&recording_table("step_isolate"));
    let out = isolate::handle(&ec2, &dynamodb, step(false)).await.unwrap();
    assert_eq!(revoke.num_calls(), 1, "the slipped-in rule is revoked");
    assert!(
        out.notes.iter().any(|n| n.contains("put right")),
        "{:?}",
        out.notes
    );
    assert_eq!(modify.num_calls(), 4);
}

#[tokio::test]
async fn an_interface_that_cannot_be_isolated_gets_its_groups_back() {
    // Untracking works; isolating fails every time; putting the groups back works.
    let calls = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Vec<String>>::new()));
    let seen = calls.clone();
    let modify = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute)
        .match_requests(move |r| {
            seen.lock().unwrap().push(r.groups().to_vec());
            r.groups() != ["sg-closed".to_string()]
        })
        .then_output(|| ModifyNetworkInterfaceAttributeOutput::builder().build());
    let refuse = mock!(aws_sdk_ec2::Client::modify_network_interface_attribute)
        .match_requests(|r| r.groups() == ["sg-closed".to_string()])
        .then_error(|| {
            ModifyNetworkInterfaceAttributeError::generic(
                ErrorMetadata::builder()
                    .code("InternalError")
                    .message("try again")
                    .build(),
            )
        });
    let (d, g) = (instance_with_two_interfaces(), containment_groups(false));
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, [&d, &g, &modify, &refuse]);
    let dynamodb = recorded(&recording_table("step_isolate"));
    let err = isolate::handle(&ec2, &dynamodb, step(false))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::Transient);
    assert!(err.message.contains("were put back"), "{}", err.message);
    assert_eq!(refuse.num_calls(), 6, "three tries per interface");
    let calls = calls.lock().unwrap();
    let back = calls
        .iter()
        .filter(|g| *g == &vec!["sg-web".to_string()])
        .count();
    assert_eq!(
        back, 2,
        "each interface gets its own groups back: {calls:?}"
    );
}

#[tokio::test]
async fn a_server_error_is_transient() {
    let rule = mock!(aws_sdk_ec2::Client::describe_instances).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(503).unwrap(),
            aws_smithy_types::body::SdkBody::from("<Response><Errors><Error><Code>Unavailable</Code><Message>try later</Message></Error></Errors></Response>"),
        )
    });
    let ec2 = mock_client!(aws_sdk_ec2, [&rule]);
    let err = describe(&ec2, "i-0a1b2c3d4e5f60718").await.unwrap_err();
    assert_eq!(err.name, ErrorName::Transient, "{}", err.message);
}

#[tokio::test]
async fn capture_skips_an_offline_agent_and_never_fails_containment() {
    use aws_sdk_ssm::operation::describe_instance_information::DescribeInstanceInformationOutput;
    use aws_sdk_ssm::types::{InstanceInformation, PingStatus};
    let offline = mock!(aws_sdk_ssm::Client::describe_instance_information).then_output(|| {
        DescribeInstanceInformationOutput::builder()
            .instance_information_list(
                InstanceInformation::builder()
                    .instance_id("i-0a1b2c3d4e5f60718")
                    .ping_status(PingStatus::ConnectionLost)
                    .build(),
            )
            .build()
    });
    let send = mock!(aws_sdk_ssm::Client::send_command)
        .then_output(|| aws_sdk_ssm::operation::send_command::SendCommandOutput::builder().build());
    let ssm = mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&offline, &send]);
    // Capture records to the table; give it a table that accepts the write.
    let record = mock!(aws_sdk_dynamodb::Client::update_item).then_output(|| {
        aws_sdk_dynamodb::operation::update_item::UpdateItemOutput::builder().build()
    });
    let clients = capture::CaptureClients {
        ec2: mock_client!(aws_sdk_ec2, NONE),
        ssm,
        s3: mock_client!(aws_sdk_s3, NONE),
        dynamodb: mock_client!(aws_sdk_dynamodb, [&record]),
    };
    let out = capture::handle(&clients, step(false), std::time::Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(out.status, "skipped");
    assert!(
        out.reason.contains("ConnectionLost") && out.reason.contains("containment goes on"),
        "{}",
        out.reason
    );
    assert_eq!(
        send.num_calls(),
        0,
        "no command is sent to an agent that is not online"
    );
    assert_eq!(record.num_calls(), 1, "the skip is recorded");
}

#[test]
fn assessment_rules_in_order() {
    use tasks::ec2::assess::{exclusions, needs_approval};
    use tasks::ec2::Live;
    let live = |state: &str, tags: &[(&str, &str)]| Live {
        instance_id: "i-0a1b2c3d4e5f60718".into(),
        state: state.into(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Live::default()
    };
    let s = step(false);
    assert_eq!(exclusions(&s, &live("running", &[])), None);
    assert_eq!(needs_approval(&s, &live("running", &[])), None);
    // Excluded by tag, even when also protected: exclusion wins and nothing is claimed.
    let (d, why) = exclusions(
        &s,
        &live(
            "running",
            &[("aws-ir:exclude", ""), ("aws-ir:protected", "")],
        ),
    )
    .unwrap();
    assert_eq!(
        (d, why.contains("exclusion tag aws-ir:exclude")),
        ("skip", true)
    );
    assert!(exclusions(&s, &live("terminated", &[]))
        .unwrap()
        .1
        .contains("terminated"));
    let mut excluded_account = step(false);
    excluded_account.policy.excluded_accounts = "111111111111, 123456789012".into();
    assert!(exclusions(&excluded_account, &live("running", &[]))
        .unwrap()
        .1
        .contains("account 123456789012 is excluded"));
    let mut sample = step(false);
    sample.case.sample = true;
    assert!(exclusions(&sample, &live("running", &[]))
        .unwrap()
        .1
        .contains("sample"));
    assert!(
        needs_approval(&s, &live("running", &[("aws-ir:protected", "yes")]))
            .unwrap()
            .contains("protected tag")
    );
    let mut low = step(false);
    low.case.severity = Severity::from_score(5.0);
    assert!(needs_approval(&low, &live("running", &[]))
        .unwrap()
        .contains("below 7.0"));
}

#[tokio::test]
async fn an_evidence_volume_takes_the_next_device_when_another_run_took_the_first() {
    use aws_sdk_ec2::operation::attach_volume::{AttachVolumeError, AttachVolumeOutput};
    // Another execution attached at /dev/sdf after this one read the forensic instance.
    let attach = mock!(aws_sdk_ec2::Client::attach_volume)
        .sequence()
        .error(|| {
            AttachVolumeError::generic(
                ErrorMetadata::builder()
                    .code("InvalidParameterValue")
                    .message("Invalid value '/dev/sdf' for unixDevice. Attachment point /dev/sdf is already in use")
                    .build(),
            )
        })
        .output(|| AttachVolumeOutput::builder().device("/dev/sdg").build())
        .build();
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&attach]);
    let mut out = contract::tasks::ec2::Outcome::new(false);
    let mut used = vec!["/dev/xvda".to_string()];
    tasks::ec2::forensics::attach_at_free_device(&ec2, "i-forensic", "vol-1", &mut used, &mut out)
        .await
        .unwrap();
    assert_eq!(attach.num_calls(), 2);
    assert_eq!(out.actions.len(), 1, "{:?}", out.actions);
    assert!(
        out.actions[0].detail.contains("/dev/sdg"),
        "{:?}",
        out.actions
    );
}

#[tokio::test]
async fn a_full_forensic_instance_is_a_named_error_with_the_fix() {
    let ec2 = mock_client!(aws_sdk_ec2, NONE);
    let mut out = contract::tasks::ec2::Outcome::new(false);
    let mut used: Vec<String> = ('f'..='z').map(|c| format!("/dev/sd{c}")).collect();
    let err = tasks::ec2::forensics::attach_at_free_device(
        &ec2,
        "i-forensic",
        "vol-1",
        &mut used,
        &mut out,
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, ErrorName::LimitReached);
    assert!(
        err.message.contains("i-forensic") && err.message.contains("ForensicInstanceId"),
        "{}",
        err.message
    );
}

/// Lifting a session revocation on release: only "no such policy" means there is nothing to
/// lift; a throttled read is an error Step Functions retries, never a silent "nothing to do"
/// that would leave the role's sessions denied.
#[tokio::test]
async fn a_revocation_that_cannot_be_read_is_not_taken_for_none() {
    use aws_sdk_iam::operation::get_role_policy::GetRolePolicyError;
    use aws_sdk_iam::types::{InstanceProfile, Role};
    let profile = mock!(aws_sdk_iam::Client::get_instance_profile).then_output(|| {
        aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileOutput::builder()
            .instance_profile(
                InstanceProfile::builder()
                    .path("/")
                    .instance_profile_name("web")
                    .instance_profile_id("AIPAEXAMPLE")
                    .arn("arn:aws:iam::123456789012:instance-profile/web")
                    .create_date(aws_smithy_types::DateTime::from_secs(0))
                    .roles(
                        Role::builder()
                            .path("/")
                            .role_name("web-role")
                            .role_id("AROAEXAMPLE")
                            .arn("arn:aws:iam::123456789012:role/web-role")
                            .create_date(aws_smithy_types::DateTime::from_secs(0))
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let throttled = mock!(aws_sdk_iam::Client::get_role_policy).then_error(|| {
        GetRolePolicyError::generic(
            aws_sdk_iam::error::ErrorMetadata::builder()
                .code("Throttling")
                .message("Rate exceeded")
                .build(),
        )
    });
    let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&profile, &throttled]);
    let recorded = contract::tasks::ec2::ProfileState {
        association_id: "iip-assoc-1".into(),
        arn: "arn:aws:iam::123456789012:instance-profile/web".into(),
    };
    let mut out = contract::tasks::outcome::Outcome::new(false);
    let err = tasks::ec2::profile::lift_revocation(&iam, "case-1", Some(&recorded), true, &mut out)
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::Throttled, "{}", err.message);
    assert!(err.message.contains("web-role"), "{}", err.message);
}
