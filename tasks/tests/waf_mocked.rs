//! The WAF IP-set writer against scripted WAFv2 responses: another writer between our read and
//! our write must never lose its address, and the cap and the empty set behave as AWS documents.

use aws_sdk_wafv2::operation::get_ip_set::GetIpSetOutput;
use aws_sdk_wafv2::operation::update_ip_set::{UpdateIPSetError, UpdateIpSetOutput};
use aws_sdk_wafv2::types::error::WafOptimisticLockException;
use aws_sdk_wafv2::types::{IpAddressVersion, IpSet, Scope};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use contract::ErrorName;
use tasks::ip::waf::{write, IpSetRef, MAX_ADDRESSES};

fn set() -> IpSetRef {
    IpSetRef {
        name: "aws-ir-blocked-v4".into(),
        id: "a1b2c3".into(),
        scope: Scope::Regional,
    }
}

fn holding(addresses: &[&str], token: &'static str) -> GetIpSetOutput {
    GetIpSetOutput::builder()
        .ip_set(
            IpSet::builder()
                .name("aws-ir-blocked-v4")
                .id("a1b2c3")
                .arn("arn:aws:wafv2:us-east-1:123456789012:regional/ipset/aws-ir-blocked-v4/a1b2c3")
                .ip_address_version(IpAddressVersion::Ipv4)
                .set_addresses(Some(addresses.iter().map(|a| a.to_string()).collect()))
                .build()
                .unwrap(),
        )
        .lock_token(token)
        .build()
}

fn net(t: &str) -> ipnet::IpNet {
    t.parse().unwrap()
}

#[tokio::test]
async fn a_concurrent_writers_address_survives_a_lock_conflict() {
    let first_read = mock!(aws_sdk_wafv2::Client::get_ip_set)
        .then_output(|| holding(&["45.9.148.1/32"], "token-1"));
    // Someone else wrote between our read and our write.
    let conflict = mock!(aws_sdk_wafv2::Client::update_ip_set)
        .match_requests(|r| r.lock_token() == Some("token-1"))
        .then_error(|| {
            UpdateIPSetError::WafOptimisticLockException(
                WafOptimisticLockException::builder()
                    .message("the lock token is stale")
                    .build(),
            )
        });
    let second_read = mock!(aws_sdk_wafv2::Client::get_ip_set)
        .then_output(|| holding(&["45.9.148.1/32", "203.0.113.77/32"], "token-2"));
    let merged = mock!(aws_sdk_wafv2::Client::update_ip_set)
        .match_requests(|r| {
            let mut a = r.addresses().to_vec();
            a.sort();
            r.lock_token() == Some("token-2")
                && a == ["102.129.143.61/32", "203.0.113.77/32", "45.9.148.1/32"]
        })
        .then_output(|| {
            UpdateIpSetOutput::builder()
                .next_lock_token("token-3")
                .build()
        });
    let client = mock_client!(
        aws_sdk_wafv2,
        RuleMode::Sequential,
        [&first_read, &conflict, &second_read, &merged]
    );
    let written = write(&client, &set(), &[net("102.129.143.61/32")], true, 5)
        .await
        .unwrap();
    assert_eq!(written.changed, [net("102.129.143.61/32")]);
    assert_eq!(written.lock_retries, 1);
    assert_eq!(
        merged.num_calls(),
        1,
        "the merged write carried all three addresses"
    );
}

#[tokio::test]
async fn an_address_already_there_writes_nothing() {
    let read = mock!(aws_sdk_wafv2::Client::get_ip_set)
        .then_output(|| holding(&["102.129.143.61/32"], "token-1"));
    let client = mock_client!(aws_sdk_wafv2, RuleMode::Sequential, [&read]);
    let written = write(&client, &set(), &[net("102.129.143.61/32")], true, 5)
        .await
        .unwrap();
    assert!(written.changed.is_empty());
    assert_eq!(written.unchanged, [net("102.129.143.61/32")]);
}

#[tokio::test]
async fn removing_the_last_address_leaves_an_empty_set() {
    let read = mock!(aws_sdk_wafv2::Client::get_ip_set)
        .then_output(|| holding(&["102.129.143.61/32"], "token-1"));
    let emptied = mock!(aws_sdk_wafv2::Client::update_ip_set)
        .match_requests(|r| r.addresses().is_empty() && r.lock_token() == Some("token-1"))
        .then_output(|| {
            UpdateIpSetOutput::builder()
                .next_lock_token("token-2")
                .build()
        });
    let client = mock_client!(aws_sdk_wafv2, RuleMode::Sequential, [&read, &emptied]);
    let written = write(&client, &set(), &[net("102.129.143.61/32")], false, 5)
        .await
        .unwrap();
    assert_eq!(written.changed, [net("102.129.143.61/32")]);
    assert_eq!(emptied.num_calls(), 1);
}

#[tokio::test]
async fn the_cap_is_limit_reached_and_endless_conflicts_are_transient() {
    let full: Vec<String> = (0..MAX_ADDRESSES)
        .map(|i| format!("100.{}.{}.{}/32", 128 + i / 65536, (i / 256) % 256, i % 256))
        .collect();
    let read = mock!(aws_sdk_wafv2::Client::get_ip_set).then_output(move || {
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        holding(&refs, "token-1")
    });
    let client = mock_client!(aws_sdk_wafv2, RuleMode::Sequential, [&read]);
    let err = write(&client, &set(), &[net("102.129.143.61/32")], true, 5)
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::LimitReached, "{err}");
    assert!(err.message.contains("10000 addresses"), "{err}");

    let read = mock!(aws_sdk_wafv2::Client::get_ip_set).then_output(|| holding(&[], "stale"));
    let conflict = mock!(aws_sdk_wafv2::Client::update_ip_set).then_error(|| {
        UpdateIPSetError::WafOptimisticLockException(WafOptimisticLockException::builder().build())
    });
    let client = mock_client!(aws_sdk_wafv2, RuleMode::MatchAny, [&read, &conflict]);
    let err = write(&client, &set(), &[net("102.129.143.61/32")], true, 3)
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::Transient, "{err}");
    assert_eq!(conflict.num_calls(), 3);
}
