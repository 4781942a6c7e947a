//! The NACL deny writer against scripted EC2 responses: a writer that takes our number between
//! our read and our write makes us read and plan again, never write over it.

use aws_sdk_ec2::operation::create_network_acl_entry::CreateNetworkAclEntryOutput;
use aws_sdk_ec2::operation::describe_network_acls::DescribeNetworkAclsOutput;
use aws_sdk_ec2::operation::replace_network_acl_entry::ReplaceNetworkAclEntryOutput;
use aws_sdk_ec2::types::{NetworkAcl, NetworkAclEntry, RuleAction};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use tasks::ip::nacl::{deny, Limits, Ours};

fn entry(n: i32, cidr: &str, deny: bool) -> NetworkAclEntry {
    NetworkAclEntry::builder()
        .rule_number(n)
        .cidr_block(cidr)
        .egress(false)
        .protocol("-1")
        .rule_action(if deny {
            RuleAction::Deny
        } else {
            RuleAction::Allow
        })
        .build()
}

fn acl(entries: Vec<NetworkAclEntry>) -> DescribeNetworkAclsOutput {
    DescribeNetworkAclsOutput::builder()
        .network_acls(
            NetworkAcl::builder()
                .network_acl_id("acl-1")
                .set_entries(Some(entries))
                .build(),
        )
        .build()
}

fn ec2_error(code: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(400).unwrap(),
        SdkBody::from(format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>"
        )),
    )
}

fn net(t: &str) -> ipnet::IpNet {
    t.parse().unwrap()
}

#[tokio::test]
async fn a_number_taken_in_between_is_read_again_and_skipped() {
    let first = mock!(aws_sdk_ec2::Client::describe_network_acls).then_output(|| {
        acl(vec![
            entry(100, "0.0.0.0/0", false),
            entry(32767, "0.0.0.0/0", true),
        ])
    });
    let taken = mock!(aws_sdk_ec2::Client::create_network_acl_entry)
        .match_requests(|r| r.rule_number() == Some(1))
        .then_http_response(|| ec2_error("NetworkAclEntryAlreadyExists"));
    let second = mock!(aws_sdk_ec2::Client::describe_network_acls).then_output(|| {
        acl(vec![
            entry(1, "198.18.0.0/15", true),
            entry(100, "0.0.0.0/0", false),
            entry(32767, "0.0.0.0/0", true),
        ])
    });
    let created = mock!(aws_sdk_ec2::Client::create_network_acl_entry)
        .match_requests(|r| {
            r.rule_number() == Some(2)
                && r.cidr_block() == Some("45.9.148.7/32")
                && r.rule_action() == Some(&RuleAction::Deny)
                && r.egress() == Some(false)
        })
        .then_output(|| CreateNetworkAclEntryOutput::builder().build());
    let client = mock_client!(
        aws_sdk_ec2,
        RuleMode::Sequential,
        [&first, &taken, &second, &created]
    );
    let denied = deny(
        &client,
        "acl-1",
        net("45.9.148.7/32"),
        false,
        &[],
        Limits::default(),
        5,
    )
    .await
    .unwrap();
    assert_eq!(
        (denied.rule_number, denied.races, denied.already),
        (2, 1, false)
    );
    assert_eq!(created.num_calls(), 1);
}

#[tokio::test]
async fn when_full_our_oldest_deny_is_replaced_in_place() {
    let limits = Limits {
        first: 1,
        last: 40,
        per_direction: 3,
    };
    let ours = vec![
        Ours {
            rule_number: 1,
            network: net("45.9.148.1/32"),
            egress: false,
            blocked_at: "2026-11-29T10:00:00Z".into(),
        },
        Ours {
            rule_number: 2,
            network: net("45.9.148.2/32"),
            egress: false,
            blocked_at: "2026-11-29T11:00:00Z".into(),
        },
    ];
    let read = mock!(aws_sdk_ec2::Client::describe_network_acls).then_output(|| {
        acl(vec![
            entry(1, "45.9.148.1/32", true),
            entry(2, "45.9.148.2/32", true),
            entry(100, "0.0.0.0/0", false),
            entry(32767, "0.0.0.0/0", true),
        ])
    });
    let replaced = mock!(aws_sdk_ec2::Client::replace_network_acl_entry)
        .match_requests(|r| r.rule_number() == Some(1) && r.cidr_block() == Some("45.9.148.9/32"))
        .then_output(|| ReplaceNetworkAclEntryOutput::builder().build());
    let client = mock_client!(aws_sdk_ec2, RuleMode::Sequential, [&read, &replaced]);
    let denied = deny(
        &client,
        "acl-1",
        net("45.9.148.9/32"),
        false,
        &ours,
        limits,
        5,
    )
    .await
    .unwrap();
    assert_eq!(denied.rule_number, 1);
    assert_eq!(denied.evicted, Some(ours[0].clone()));
    assert_eq!(replaced.num_calls(), 1);
}
