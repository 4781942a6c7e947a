//! A stateful fake of the AWS one instance lives in, for the tests that run a containment change
//! and then its undo: each mocked call reads or changes one shared [`State`], so a test can
//! compare the world before the change with the world after the undo, and read the writes each
//! made, in order ([`World::take_calls`]).
//!
//! It answers only the calls the EC2 steps make, the way AWS answers them where that matters
//! (a rule number taken twice, a condition that fails); any other call panics.

use aws_sdk_dynamodb::types::AttributeValue as V;
use aws_smithy_mocks::{mock, mock_client, MockResponse, RuleMode};
use contract::case::{Case, CaseKind, Severity, Source};
use contract::case_table::{item, partition, PARTITION_KEY, SORT_KEY};
use contract::tasks::ec2::{Ec2Policy, InstanceStep, PreState};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

pub const INSTANCE: &str = "i-0a1b2c3d4e5f60718";
/// Another instance of the same subnet (NACL denies are shared).
pub const NEIGHBOUR: &str = "i-0b1b2c3d4e5f60718";
pub const CASE: &str = "case-0123456789abcdef";
pub const VPC: &str = "vpc-1";
pub const SUBNET: &str = "subnet-1";
pub const ACL: &str = "acl-1";
pub const OPEN_GROUP: &str = "sg-open";
pub const CLOSED_GROUP: &str = "sg-closed";
pub const PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/web";
pub const ROLE: &str = "web-role";
pub const QUARANTINE: &str = "arn:aws:iam::123456789012:instance-profile/quarantine";
pub const QUARANTINE_ROLE: &str = "quarantine-role";
pub const ASG: &str = "web-asg";
pub const TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
/// A target group of the VPC that does not hold the instance.
pub const OTHER_TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other/0123456789abcdef";
pub const CLASSIC: &str = "legacy";

type Item = HashMap<String, V>;

/// An interface; attached ones are the instance's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Eni {
    pub id: String,
    /// (attachment id, device index)
    pub attachment: Option<(String, i32)>,
    pub subnet: String,
    pub groups: Vec<String>,
    pub description: String,
    pub ipv6: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    pub network: String,
    pub deny: bool,
}

/// Everything the fake knows; tests compare parts of it.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub instance_state: String,
    pub enis: Vec<Eni>,
    /// (device, volume, DeleteOnTermination)
    pub volumes: Vec<(String, String, bool)>,
    pub tags: BTreeMap<String, String>,
    pub termination_protection: bool,
    pub shutdown_behavior: String,
    /// (association id, profile ARN)
    pub association: Option<(String, String)>,
    /// The entries of the subnet's network ACL.
    pub acl: Vec<AclEntry>,
    /// Inline policies, per role.
    pub role_policies: BTreeMap<String, BTreeSet<String>>,
    pub auto_scaling_group: Option<String>,
    /// The instance's target-group registrations: (group ARN, port).
    pub targets: Vec<(String, Option<i32>)>,
    pub classic_load_balancers: Vec<String>,
    /// The case table, by (partition, item).
    pub items: BTreeMap<(String, String), Item>,
    /// The evidence bucket's objects, by key.
    pub objects: BTreeMap<String, Vec<u8>>,
    next: u32,
}

impl State {
    /// The interfaces attached to the instance (its own and a forensic one).
    pub fn attached(&self) -> Vec<&Eni> {
        self.enis
            .iter()
            .filter(|n| n.attachment.is_some())
            .collect()
    }

    pub fn eni(&self, id: &str) -> &Eni {
        self.enis
            .iter()
            .find(|n| n.id == id)
            .expect("a known interface")
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}", self.next)
    }

    /// The items of the ledger partition whose key starts with `prefix`.
    pub fn ledger(&self, prefix: &str) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|((p, i), _)| p == partition::IP_BLOCKS && i.starts_with(prefix))
            .map(|(_, v)| v)
            .collect()
    }
}

fn default_acl() -> Vec<AclEntry> {
    let mut acl = Vec::new();
    for egress in [false, true] {
        acl.push(AclEntry {
            rule_number: 100,
            egress,
            network: "0.0.0.0/0".into(),
            deny: false,
        });
        acl.push(AclEntry {
            rule_number: 32767,
            egress,
            network: "0.0.0.0/0".into(),
            deny: true,
        });
    }
    acl.sort();
    acl
}

/// A step of the case for `instance`: NACL isolation, session revocation and a forensic
/// interface on, so every containment change happens.
pub fn step(instance: &str, dry_run: bool) -> InstanceStep {
    InstanceStep {
        case: Case {
            case_id: CASE.into(),
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
        instance_id: instance.into(),
        policy: Ec2Policy {
            exclusion_tag: "aws-ir:exclude".into(),
            protected_tag: "aws-ir:protected".into(),
            excluded_accounts: String::new(),
            min_severity_automatic: 7.0,
            approval_timeout_seconds: 3600.0,
            on_approval_timeout: "skip".into(),
            volatile_capture: false,
            capture_timeout_seconds: 5.0,
            profile_action: "remove".into(),
            quarantine_profile_arn: QUARANTINE.into(),
            revoke_role_sessions: true,
            forensic_instance_id: String::new(),
            forensic_subnet_id: "subnet-forensic".into(),
            forensic_security_group_id: "sg-forensic".into(),
            nacl_isolation: true,
            case_table: "cases".into(),
            evidence_bucket: "evidence".into(),
            capture_document: "capture".into(),
            memory_upload_document: "upload-memory".into(),
            record_key: "alias/aws-ir-records".into(),
            signing_key: String::new(),
            forensic_account_id: String::new(),
            forensic_key_arn: String::new(),
        },
        execution: "arn:aws:states:us-east-1:123456789012:execution:m:e".into(),
        registrations: None,
    }
}

/// The fake's state and the log of the writes made to it.
#[derive(Clone)]
pub struct World {
    state: Arc<Mutex<State>>,
    calls: Arc<Mutex<Vec<String>>>,
}

impl World {
    /// The instance as a finding finds it: two interfaces with their own groups, a profile, in
    /// an Auto Scaling group, a target group (on a port) and a classic load balancer, no
    /// termination protection, shutdown terminates, the root volume deleted on termination.
    pub fn before() -> World {
        let eni = |id: &str, index: i32, groups: &[&str], ipv6: &[&str]| Eni {
            id: id.into(),
            attachment: Some((format!("eni-attach-{id}"), index)),
            subnet: SUBNET.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ipv6: ipv6.iter().map(|a| a.to_string()).collect(),
            ..Eni::default()
        };
        let mut items = BTreeMap::new();
        items.insert(
            (partition::CONTAINMENT_GROUPS.to_string(), item::vpc(VPC)),
            Item::from([
                (
                    PARTITION_KEY.to_string(),
                    V::S(partition::CONTAINMENT_GROUPS.into()),
                ),
                (SORT_KEY.to_string(), V::S(item::vpc(VPC))),
                ("open".to_string(), V::S(OPEN_GROUP.into())),
                ("closed".to_string(), V::S(CLOSED_GROUP.into())),
            ]),
        );
        World {
            state: Arc::new(Mutex::new(State {
                instance_state: "running".into(),
                enis: vec![
                    eni("eni-a", 0, &["sg-web", "sg-db"], &["2600:1f18::a"]),
                    eni("eni-b", 1, &["sg-admin"], &[]),
                ],
                volumes: vec![
                    ("/dev/xvda".into(), "vol-root".into(), true),
                    ("/dev/sdf".into(), "vol-data".into(), false),
                ],
                tags: BTreeMap::from([("Name".to_string(), "web".to_string())]),
                termination_protection: false,
                shutdown_behavior: "terminate".into(),
                association: Some(("iip-assoc-0".into(), PROFILE.into())),
                acl: default_acl(),
                role_policies: BTreeMap::from([
                    (ROLE.to_string(), BTreeSet::from(["app".to_string()])),
                    (QUARANTINE_ROLE.to_string(), BTreeSet::new()),
                ]),
                auto_scaling_group: Some(ASG.into()),
                targets: vec![(TARGET_GROUP.into(), Some(8080))],
                classic_load_balancers: vec![CLASSIC.into()],
                items,
                objects: BTreeMap::new(),
                next: 0,
            })),
            calls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    pub fn snapshot(&self) -> State {
        self.state.lock().unwrap().clone()
    }

    /// Changes the world behind the steps' backs (a responder's hand, another writer).
    pub fn change(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.state.lock().unwrap())
    }

    /// The writes made since the last call, in order.
    pub fn take_calls(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn write<R>(&self, call: String, f: impl FnOnce(&mut State) -> R) -> R {
        self.calls.lock().unwrap().push(call);
        f(&mut self.state.lock().unwrap())
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.lock().unwrap())
    }

    /// The pre-state as the record step takes it from this world.
    pub async fn record(&self, instance: &str) -> PreState {
        let live = super::describe(&self.ec2(), instance).await.unwrap();
        super::prestate::gather(
            &super::prestate::PreStateClients {
                ec2: self.ec2(),
                autoscaling: self.autoscaling(),
                elbv2: self.elbv2(),
                elb: self.elb(),
                dynamodb: self.dynamodb(),
                kms: self.kms(),
            },
            &live,
            None,
            "recording execution",
            "2026-11-29T10:00:00Z",
        )
        .await
        .unwrap()
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        use aws_sdk_ec2::operation::*;
        use aws_sdk_ec2::types::*;
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::describe_instances).then_compute_output(move |r| {
                    let s = w.snapshot();
                    let mut out = describe_instances::DescribeInstancesOutput::builder();
                    let by_filter = r.filters().iter().any(|f| {
                        f.name() == Some("instance-id") && f.values().iter().any(|v| v == INSTANCE)
                    });
                    if by_filter || r.instance_ids().iter().any(|i| i == INSTANCE) {
                        out = out
                            .reservations(Reservation::builder().instances(instance(&s)).build());
                    }
                    out.build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::describe_instance_attribute).then_compute_output(
                    move |r| {
                        let s = w.snapshot();
                        let out =
                            describe_instance_attribute::DescribeInstanceAttributeOutput::builder();
                        match r.attribute() {
                            Some(InstanceAttributeName::DisableApiTermination) => out
                                .disable_api_termination(
                                    AttributeBooleanValue::builder()
                                        .value(s.termination_protection)
                                        .build(),
                                ),
                            _ => out.instance_initiated_shutdown_behavior(
                                AttributeValue::builder()
                                    .value(&s.shutdown_behavior)
                                    .build(),
                            ),
                        }
                        .build()
                    },
                )
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::modify_instance_attribute).then_compute_output(
                    move |r| {
                        let mut what = Vec::new();
                        if let Some(v) = r.disable_api_termination().and_then(|v| v.value()) {
                            what.push(format!("DisableApiTermination={v}"));
                        }
                        if let Some(v) = r
                            .instance_initiated_shutdown_behavior()
                            .and_then(|v| v.value())
                        {
                            what.push(format!("InstanceInitiatedShutdownBehavior={v}"));
                        }
                        for m in r.block_device_mappings() {
                            what.push(format!(
                                "{} DeleteOnTermination={}",
                                m.device_name().unwrap_or_default(),
                                m.ebs()
                                    .and_then(|e| e.delete_on_termination())
                                    .unwrap_or_default()
                            ));
                        }
                        w.write(
                            format!("ec2:ModifyInstanceAttribute {}", what.join(", ")),
                            |s| {
                                if let Some(v) = r.disable_api_termination().and_then(|v| v.value())
                                {
                                    s.termination_protection = v;
                                }
                                if let Some(v) = r
                                    .instance_initiated_shutdown_behavior()
                                    .and_then(|v| v.value())
                                {
                                    s.shutdown_behavior = v.to_string();
                                }
                                for m in r.block_device_mappings() {
                                    for v in s.volumes.iter_mut() {
                                        if Some(v.0.as_str()) == m.device_name() {
                                            v.2 = m
                                                .ebs()
                                                .and_then(|e| e.delete_on_termination())
                                                .unwrap_or(v.2);
                                        }
                                    }
                                }
                            },
                        );
                        modify_instance_attribute::ModifyInstanceAttributeOutput::builder().build()
                    },
                )
            },
            mock!(aws_sdk_ec2::Client::describe_addresses)
                .then_output(|| describe_addresses::DescribeAddressesOutput::builder().build()),
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::describe_iam_instance_profile_associations)
                    .then_compute_output(move |_| {
                        let s = w.snapshot();
                        let mut out = describe_iam_instance_profile_associations::DescribeIamInstanceProfileAssociationsOutput::builder();
                        if let Some((id, arn)) = &s.association {
                            out = out.iam_instance_profile_associations(
                                IamInstanceProfileAssociation::builder()
                                    .association_id(id)
                                    .instance_id(INSTANCE)
                                    .iam_instance_profile(IamInstanceProfile::builder().arn(arn).build())
                                    .state(IamInstanceProfileAssociationState::Associated)
                                    .build(),
                            );
                        }
                        out.build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::associate_iam_instance_profile).then_compute_output(
                    move |r| {
                        let arn = r
                            .iam_instance_profile()
                            .and_then(|p| p.arn())
                            .unwrap_or_default()
                            .to_string();
                        w.write(format!("ec2:AssociateIamInstanceProfile {arn}"), |s| {
                            assert!(
                                s.association.is_none(),
                                "the instance already has a profile"
                            );
                            let id = s.id("iip-assoc");
                            s.association = Some((id, arn));
                        });
                        associate_iam_instance_profile::AssociateIamInstanceProfileOutput::builder()
                            .build()
                    },
                )
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::replace_iam_instance_profile_association)
                    .then_compute_output(move |r| {
                        let arn = r.iam_instance_profile().and_then(|p| p.arn()).unwrap_or_default().to_string();
                        let from = r.association_id().unwrap_or_default().to_string();
                        w.write(format!("ec2:ReplaceIamInstanceProfileAssociation {from} {arn}"), |s| {
                            assert_eq!(s.association.as_ref().map(|a| a.0.as_str()), Some(from.as_str()));
                            let id = s.id("iip-assoc");
                            s.association = Some((id, arn));
                        });
                        replace_iam_instance_profile_association::ReplaceIamInstanceProfileAssociationOutput::builder().build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::disassociate_iam_instance_profile).then_compute_output(
                    move |r| {
                        let from = r.association_id().unwrap_or_default().to_string();
                        w.write(format!("ec2:DisassociateIamInstanceProfile {from}"), |s| {
                            assert_eq!(s.association.as_ref().map(|a| a.0.as_str()), Some(from.as_str()));
                            s.association = None;
                        });
                        disassociate_iam_instance_profile::DisassociateIamInstanceProfileOutput::builder().build()
                    },
                )
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::modify_network_interface_attribute).then_compute_output(
                    move |r| {
                        let eni = r.network_interface_id().unwrap_or_default().to_string();
                        let groups = r.groups().to_vec();
                        w.write(
                            format!("ec2:ModifyNetworkInterfaceAttribute {eni} [{}]", groups.join(", ")),
                            |s| {
                                let n = s.enis.iter_mut().find(|n| n.id == eni).expect("a known interface");
                                n.groups = groups;
                            },
                        );
                        modify_network_interface_attribute::ModifyNetworkInterfaceAttributeOutput::builder().build()
                    },
                )
            },
            mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(|| {
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
                describe_security_groups::DescribeSecurityGroupsOutput::builder()
                    .security_groups(
                        SecurityGroup::builder()
                            .group_id(OPEN_GROUP)
                            .vpc_id(VPC)
                            .ip_permissions(world("tcp", true))
                            .ip_permissions(world("udp", true))
                            .ip_permissions_egress(world("-1", false))
                            .build(),
                    )
                    .security_groups(
                        SecurityGroup::builder()
                            .group_id(CLOSED_GROUP)
                            .vpc_id(VPC)
                            .build(),
                    )
                    .build()
            }),
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_compute_output(
                    move |r| {
                        let s = w.snapshot();
                        let wanted = |n: &&Eni| {
                            r.filters().iter().all(|f| {
                                let key = f
                                    .name()
                                    .unwrap_or_default()
                                    .strip_prefix("tag:")
                                    .expect("a tag filter");
                                n.tags.get(key).is_some_and(|v| f.values().contains(v))
                            })
                        };
                        let mut out =
                            describe_network_interfaces::DescribeNetworkInterfacesOutput::builder();
                        for n in s.enis.iter().filter(wanted) {
                            let mut b = NetworkInterface::builder().network_interface_id(&n.id);
                            if let Some((a, _)) = &n.attachment {
                                b = b.attachment(
                                    NetworkInterfaceAttachment::builder()
                                        .attachment_id(a)
                                        .build(),
                                );
                            }
                            out = out.network_interfaces(b.build());
                        }
                        out.build()
                    },
                )
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::create_network_interface).then_compute_output(move |r| {
                    let tags = r
                        .tag_specifications()
                        .iter()
                        .flat_map(|t| t.tags())
                        .map(|t| {
                            (
                                t.key().unwrap_or_default().to_string(),
                                t.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect();
                    let id = w.write(
                        format!(
                            "ec2:CreateNetworkInterface {}",
                            r.subnet_id().unwrap_or_default()
                        ),
                        |s| {
                            let id = s.id("eni-forensic");
                            s.enis.push(Eni {
                                id: id.clone(),
                                attachment: None,
                                subnet: r.subnet_id().unwrap_or_default().into(),
                                groups: r.groups().to_vec(),
                                description: r.description().unwrap_or_default().into(),
                                ipv6: vec![],
                                tags,
                            });
                            id
                        },
                    );
                    create_network_interface::CreateNetworkInterfaceOutput::builder()
                        .network_interface(
                            NetworkInterface::builder().network_interface_id(id).build(),
                        )
                        .build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::attach_network_interface).then_compute_output(move |r| {
                    let eni = r.network_interface_id().unwrap_or_default().to_string();
                    let index = r.device_index().unwrap_or_default();
                    let id = w.write(format!("ec2:AttachNetworkInterface {eni} {index}"), |s| {
                        let id = s.id("eni-attach");
                        let n = s
                            .enis
                            .iter_mut()
                            .find(|n| n.id == eni)
                            .expect("a known interface");
                        assert!(n.attachment.is_none(), "{eni} is attached already");
                        n.attachment = Some((id.clone(), index));
                        id
                    });
                    attach_network_interface::AttachNetworkInterfaceOutput::builder()
                        .attachment_id(id)
                        .build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::detach_network_interface).then_compute_output(move |r| {
                    let a = r.attachment_id().unwrap_or_default().to_string();
                    w.write(format!("ec2:DetachNetworkInterface {a}"), |s| {
                        let n = s
                            .enis
                            .iter_mut()
                            .find(|n| n.attachment.as_ref().is_some_and(|(id, _)| *id == a))
                            .expect("a known attachment");
                        n.attachment = None;
                    });
                    detach_network_interface::DetachNetworkInterfaceOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::create_tags).then_compute_output(move |r| {
                    assert_eq!(r.resources(), [INSTANCE.to_string()]);
                    let tags: Vec<(String, String)> = r
                        .tags()
                        .iter()
                        .map(|t| {
                            (
                                t.key().unwrap_or_default().to_string(),
                                t.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect();
                    let text: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    w.write(format!("ec2:CreateTags {}", text.join(", ")), |s| {
                        s.tags.extend(tags)
                    });
                    create_tags::CreateTagsOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::describe_network_acls).then_compute_output(move |r| {
                    let ours = r.network_acl_ids().iter().any(|a| a == ACL)
                        || r.filters().iter().any(|f| {
                            f.name() == Some("association.subnet-id")
                                && f.values().iter().any(|v| v == SUBNET)
                        });
                    let mut out = describe_network_acls::DescribeNetworkAclsOutput::builder();
                    if ours {
                        let mut acl = NetworkAcl::builder().network_acl_id(ACL);
                        for e in w.snapshot().acl {
                            let b = NetworkAclEntry::builder()
                                .rule_number(e.rule_number)
                                .egress(e.egress)
                                .protocol("-1")
                                .rule_action(if e.deny {
                                    RuleAction::Deny
                                } else {
                                    RuleAction::Allow
                                });
                            acl = acl.entries(if e.network.contains(':') {
                                b.ipv6_cidr_block(e.network).build()
                            } else {
                                b.cidr_block(e.network).build()
                            });
                        }
                        out = out.network_acls(acl.build());
                    }
                    out.build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::create_network_acl_entry).then_compute_response(
                    move |r| {
                        let e = AclEntry {
                            rule_number: r.rule_number().unwrap_or_default(),
                            egress: r.egress().unwrap_or_default(),
                            network: r
                                .cidr_block()
                                .or(r.ipv6_cidr_block())
                                .unwrap_or_default()
                                .into(),
                            deny: r.rule_action() == Some(&RuleAction::Deny),
                        };
                        let taken = w.read(|s| {
                            s.acl
                                .iter()
                                .any(|x| x.rule_number == e.rule_number && x.egress == e.egress)
                        });
                        if taken {
                            return MockResponse::Error(
                                create_network_acl_entry::CreateNetworkAclEntryError::generic(
                                    aws_sdk_ec2::error::ErrorMetadata::builder()
                                        .code("NetworkAclEntryAlreadyExists")
                                        .build(),
                                ),
                            );
                        }
                        w.write(
                            format!(
                                "ec2:CreateNetworkAclEntry {} rule {} {} {} {}",
                                r.network_acl_id().unwrap_or_default(),
                                e.rule_number,
                                if e.egress { "egress" } else { "ingress" },
                                if e.deny { "deny" } else { "allow" },
                                e.network
                            ),
                            |s| {
                                s.acl.push(e);
                                s.acl.sort();
                            },
                        );
                        MockResponse::Output(
                            create_network_acl_entry::CreateNetworkAclEntryOutput::builder()
                                .build(),
                        )
                    },
                )
            },
            {
                let w = self.clone();
                mock!(aws_sdk_ec2::Client::delete_network_acl_entry).then_compute_response(
                    move |r| {
                        let (n, egress) = (
                            r.rule_number().unwrap_or_default(),
                            r.egress().unwrap_or_default(),
                        );
                        let there = w.read(|s| {
                            s.acl
                                .iter()
                                .any(|x| x.rule_number == n && x.egress == egress)
                        });
                        if !there {
                            return MockResponse::Error(
                                delete_network_acl_entry::DeleteNetworkAclEntryError::generic(
                                    aws_sdk_ec2::error::ErrorMetadata::builder()
                                        .code("InvalidNetworkAclEntry.NotFound")
                                        .build(),
                                ),
                            );
                        }
                        w.write(
                            format!(
                                "ec2:DeleteNetworkAclEntry {} rule {n} {}",
                                r.network_acl_id().unwrap_or_default(),
                                if egress { "egress" } else { "ingress" }
                            ),
                            |s| {
                                s.acl
                                    .retain(|x| !(x.rule_number == n && x.egress == egress))
                            },
                        );
                        MockResponse::Output(
                            delete_network_acl_entry::DeleteNetworkAclEntryOutput::builder()
                                .build(),
                        )
                    },
                )
            },
        ];
        mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &rules)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        use aws_sdk_iam::operation::*;
        use aws_sdk_iam::types::error::NoSuchEntityException;
        use aws_sdk_iam::types::{InstanceProfile, Role};
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            mock!(aws_sdk_iam::Client::get_instance_profile).then_compute_response(|r| {
                let name = r.instance_profile_name().unwrap_or_default();
                let role =
                    match name {
                        "web" => ROLE,
                        "quarantine" => QUARANTINE_ROLE,
                        _ => return MockResponse::Error(
                            get_instance_profile::GetInstanceProfileError::NoSuchEntityException(
                                NoSuchEntityException::builder()
                                    .message("no such profile")
                                    .build(),
                            ),
                        ),
                    };
                let at = aws_smithy_types::DateTime::from_secs(0);
                MockResponse::Output(
                    get_instance_profile::GetInstanceProfileOutput::builder()
                        .instance_profile(
                            InstanceProfile::builder()
                                .path("/")
                                .instance_profile_name(name)
                                .instance_profile_id("AIPA")
                                .arn(format!("arn:aws:iam::123456789012:instance-profile/{name}"))
                                .create_date(at)
                                .roles(
                                    Role::builder()
                                        .path("/")
                                        .role_name(role)
                                        .role_id("AROA")
                                        .arn(format!("arn:aws:iam::123456789012:role/{role}"))
                                        .create_date(at)
                                        .build()
                                        .unwrap(),
                                )
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
            }),
            {
                let w = self.clone();
                mock!(aws_sdk_iam::Client::get_role_policy).then_compute_response(move |r| {
                    let (role, name) = (
                        r.role_name().unwrap_or_default(),
                        r.policy_name().unwrap_or_default(),
                    );
                    if w.read(|s| s.role_policies.get(role).is_some_and(|p| p.contains(name))) {
                        MockResponse::Output(
                            get_role_policy::GetRolePolicyOutput::builder()
                                .role_name(role)
                                .policy_name(name)
                                .policy_document("{}")
                                .build()
                                .unwrap(),
                        )
                    } else {
                        MockResponse::Error(
                            get_role_policy::GetRolePolicyError::NoSuchEntityException(
                                NoSuchEntityException::builder()
                                    .message("no such policy")
                                    .build(),
                            ),
                        )
                    }
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_iam::Client::put_role_policy).then_compute_output(move |r| {
                    let (role, name) = (
                        r.role_name().unwrap_or_default().to_string(),
                        r.policy_name().unwrap_or_default().to_string(),
                    );
                    w.write(format!("iam:PutRolePolicy {role} {name}"), |s| {
                        s.role_policies.entry(role).or_default().insert(name);
                    });
                    put_role_policy::PutRolePolicyOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_iam::Client::delete_role_policy).then_compute_output(move |r| {
                    let (role, name) = (
                        r.role_name().unwrap_or_default().to_string(),
                        r.policy_name().unwrap_or_default().to_string(),
                    );
                    w.write(format!("iam:DeleteRolePolicy {role} {name}"), |s| {
                        assert!(
                            s.role_policies.entry(role).or_default().remove(&name),
                            "no such policy"
                        );
                    });
                    delete_role_policy::DeleteRolePolicyOutput::builder().build()
                })
            },
        ];
        mock_client!(aws_sdk_iam, RuleMode::MatchAny, &rules)
    }

    pub fn autoscaling(&self) -> aws_sdk_autoscaling::Client {
        use aws_sdk_autoscaling::operation::*;
        use aws_sdk_autoscaling::types::AutoScalingInstanceDetails;
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            {
                let w = self.clone();
                mock!(aws_sdk_autoscaling::Client::describe_auto_scaling_instances)
                    .then_compute_output(move |_| {
                        let mut out = describe_auto_scaling_instances::DescribeAutoScalingInstancesOutput::builder();
                        if let Some(g) = w.snapshot().auto_scaling_group {
                            out = out.auto_scaling_instances(
                                AutoScalingInstanceDetails::builder()
                                    .instance_id(INSTANCE)
                                    .auto_scaling_group_name(g)
                                    .build(),
                            );
                        }
                        out.build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_autoscaling::Client::detach_instances).then_compute_output(move |r| {
                    let g = r.auto_scaling_group_name().unwrap_or_default().to_string();
                    assert_eq!(r.instance_ids(), [INSTANCE.to_string()]);
                    w.write(
                        format!(
                            "autoscaling:DetachInstances {g} decrement={}",
                            r.should_decrement_desired_capacity().unwrap_or_default()
                        ),
                        |s| {
                            assert_eq!(s.auto_scaling_group.as_deref(), Some(g.as_str()));
                            s.auto_scaling_group = None;
                        },
                    );
                    detach_instances::DetachInstancesOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_autoscaling::Client::attach_instances).then_compute_output(move |r| {
                    let g = r.auto_scaling_group_name().unwrap_or_default().to_string();
                    assert_eq!(r.instance_ids(), [INSTANCE.to_string()]);
                    w.write(format!("autoscaling:AttachInstances {g}"), |s| {
                        s.auto_scaling_group = Some(g.clone());
                    });
                    attach_instances::AttachInstancesOutput::builder().build()
                })
            },
        ];
        mock_client!(aws_sdk_autoscaling, RuleMode::MatchAny, &rules)
    }

    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        use aws_sdk_elasticloadbalancingv2::operation::*;
        use aws_sdk_elasticloadbalancingv2::types::*;
        let targets = |r: &[TargetDescription]| -> Vec<Option<i32>> {
            r.iter()
                .inspect(|t| assert_eq!(t.id(), Some(INSTANCE)))
                .map(|t| t.port())
                .collect()
        };
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_groups).then_output(
                || {
                    describe_target_groups::DescribeTargetGroupsOutput::builder()
                        .target_groups(
                            TargetGroup::builder()
                                .target_group_arn(TARGET_GROUP)
                                .vpc_id(VPC)
                                .build(),
                        )
                        .target_groups(
                            TargetGroup::builder()
                                .target_group_arn(OTHER_TARGET_GROUP)
                                .vpc_id(VPC)
                                .build(),
                        )
                        .build()
                },
            ),
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancingv2::Client::describe_target_health)
                    .then_compute_output(move |r| {
                        let arn = r.target_group_arn().unwrap_or_default();
                        let mut out = describe_target_health::DescribeTargetHealthOutput::builder();
                        for (_, port) in w.snapshot().targets.iter().filter(|(g, _)| g == arn) {
                            out = out.target_health_descriptions(
                                TargetHealthDescription::builder()
                                    .target(
                                        TargetDescription::builder()
                                            .id(INSTANCE)
                                            .set_port(*port)
                                            .build(),
                                    )
                                    .target_health(
                                        TargetHealth::builder()
                                            .state(TargetHealthStateEnum::Healthy)
                                            .build(),
                                    )
                                    .build(),
                            );
                        }
                        out.build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancingv2::Client::deregister_targets)
                    .then_compute_output(move |r| {
                        let arn = r.target_group_arn().unwrap_or_default().to_string();
                        let ports = targets(r.targets());
                        w.write(
                            format!("elasticloadbalancing:DeregisterTargets {arn} {ports:?}"),
                            |s| {
                                s.targets.retain(|(g, p)| !(*g == arn && ports.contains(p)));
                            },
                        );
                        deregister_targets::DeregisterTargetsOutput::builder().build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancingv2::Client::register_targets).then_compute_output(
                    move |r| {
                        let arn = r.target_group_arn().unwrap_or_default().to_string();
                        let ports = targets(r.targets());
                        w.write(
                            format!("elasticloadbalancing:RegisterTargets {arn} {ports:?}"),
                            |s| {
                                for p in ports {
                                    if !s.targets.contains(&(arn.clone(), p)) {
                                        s.targets.push((arn.clone(), p));
                                    }
                                }
                            },
                        );
                        register_targets::RegisterTargetsOutput::builder().build()
                    },
                )
            },
        ];
        mock_client!(aws_sdk_elasticloadbalancingv2, RuleMode::MatchAny, &rules)
    }

    pub fn elb(&self) -> aws_sdk_elasticloadbalancing::Client {
        use aws_sdk_elasticloadbalancing::operation::*;
        use aws_sdk_elasticloadbalancing::types::{Instance, LoadBalancerDescription};
        let instances = |r: &[Instance]| {
            assert!(r.iter().all(|i| i.instance_id() == Some(INSTANCE)), "{r:?}");
        };
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancing::Client::describe_load_balancers)
                    .then_compute_output(move |_| {
                        let s = w.snapshot();
                        let mut out =
                            describe_load_balancers::DescribeLoadBalancersOutput::builder();
                        for lb in [CLASSIC, "other"] {
                            let mut d = LoadBalancerDescription::builder().load_balancer_name(lb);
                            if s.classic_load_balancers.iter().any(|l| l == lb) {
                                d = d.instances(Instance::builder().instance_id(INSTANCE).build());
                            }
                            out = out.load_balancer_descriptions(d.build());
                        }
                        out.build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancing::Client::deregister_instances_from_load_balancer)
                    .then_compute_output(move |r| {
                        let lb = r.load_balancer_name().unwrap_or_default().to_string();
                        instances(r.instances());
                        w.write(format!("elasticloadbalancing:DeregisterInstancesFromLoadBalancer {lb}"), |s| {
                            s.classic_load_balancers.retain(|l| *l != lb);
                        });
                        deregister_instances_from_load_balancer::DeregisterInstancesFromLoadBalancerOutput::builder().build()
                    })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_elasticloadbalancing::Client::register_instances_with_load_balancer)
                    .then_compute_output(move |r| {
                        let lb = r.load_balancer_name().unwrap_or_default().to_string();
                        instances(r.instances());
                        w.write(format!("elasticloadbalancing:RegisterInstancesWithLoadBalancer {lb}"), |s| {
                            if !s.classic_load_balancers.contains(&lb) {
                                s.classic_load_balancers.push(lb);
                            }
                        });
                        register_instances_with_load_balancer::RegisterInstancesWithLoadBalancerOutput::builder().build()
                    })
            },
        ];
        mock_client!(aws_sdk_elasticloadbalancing, RuleMode::MatchAny, &rules)
    }

    /// The evidence bucket: objects written by key (`If-None-Match: *` keeps the first).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        use aws_sdk_s3::operation::*;
        let w = self.clone();
        let rules: Vec<aws_smithy_mocks::Rule> = vec![mock!(aws_sdk_s3::Client::put_object)
            .then_compute_output(move |r| {
                let key = r.key().unwrap_or_default().to_string();
                let body = r.body().bytes().map(|b| b.to_vec()).unwrap_or_default();
                w.write(format!("s3:PutObject {key}"), |s| {
                    s.objects.entry(key).or_insert(body);
                });
                put_object::PutObjectOutput::builder().build()
            })];
        mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules)
    }

    /// A MAC that is the message itself, marked: verifies only what it sealed.
    pub fn kms(&self) -> aws_sdk_kms::Client {
        use aws_sdk_kms::operation::*;
        use aws_sdk_kms::primitives::Blob;
        let mac = |m: Option<&Blob>| {
            [
                b"mac:".as_slice(),
                m.map(|b| b.as_ref()).unwrap_or_default(),
            ]
            .concat()
        };
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            mock!(aws_sdk_kms::Client::generate_mac).then_compute_output(move |r| {
                generate_mac::GenerateMacOutput::builder()
                    .mac(Blob::new(mac(r.message())))
                    .build()
            }),
            mock!(aws_sdk_kms::Client::verify_mac).then_compute_output(move |r| {
                verify_mac::VerifyMacOutput::builder()
                    .mac_valid(r.mac().map(|m| m.as_ref().to_vec()) == Some(mac(r.message())))
                    .build()
            }),
        ];
        mock_client!(aws_sdk_kms, RuleMode::MatchAny, &rules)
    }

    /// The case table: items by key; updates of the forms the tasks write (`SET`, `ADD` and
    /// `DELETE` of sets) and the one condition form that matters here (`attribute_exists` /
    /// `attribute_not_exists` of one attribute; others pass).
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        use aws_sdk_dynamodb::operation::*;
        use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
        let key = |k: Option<&Item>| {
            let k = k.expect("a key");
            let text = |a: &str| {
                k.get(a)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .expect("a text key")
            };
            (text(PARTITION_KEY), text(SORT_KEY))
        };
        let rules: Vec<aws_smithy_mocks::Rule> = vec![
            {
                let w = self.clone();
                mock!(aws_sdk_dynamodb::Client::get_item).then_compute_output(move |r| {
                    let k = key(r.key());
                    get_item::GetItemOutput::builder()
                        .set_item(w.read(|s| s.items.get(&k).cloned()))
                        .build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_dynamodb::Client::query).then_compute_output(move |r| {
                    let values = r.expression_attribute_values().cloned().unwrap_or_default();
                    let text = |k: &str| values.get(k).and_then(|v| v.as_s().ok()).cloned();
                    let p = text(":p").or(text(":c")).expect("a partition");
                    let prefix = text(":prefix").unwrap_or_default();
                    let items: Vec<Item> = w.read(|s| {
                        s.items
                            .iter()
                            .filter(|((pk, sk), _)| *pk == p && sk.starts_with(&prefix))
                            .map(|(_, v)| v.clone())
                            .collect()
                    });
                    query::QueryOutput::builder().set_items(Some(items)).build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_dynamodb::Client::put_item).then_compute_output(move |r| {
                    let item = r.item().cloned().expect("an item");
                    let k = key(Some(&item));
                    w.write(format!("dynamodb:PutItem {}", k.1), |s| {
                        s.items.insert(k, item);
                    });
                    put_item::PutItemOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_dynamodb::Client::delete_item).then_compute_output(move |r| {
                    let k = key(r.key());
                    w.write(format!("dynamodb:DeleteItem {}", k.1), |s| {
                        s.items.remove(&k);
                    });
                    delete_item::DeleteItemOutput::builder().build()
                })
            },
            {
                let w = self.clone();
                mock!(aws_sdk_dynamodb::Client::update_item).then_compute_response(move |r| {
                    let k = key(r.key());
                    let names = r.expression_attribute_names().cloned().unwrap_or_default();
                    let values = r.expression_attribute_values().cloned().unwrap_or_default();
                    let name = |n: &str| names.get(n).cloned().unwrap_or_else(|| n.to_string());
                    let current = w.read(|s| s.items.get(&k).cloned());
                    if let Some(c) = r.condition_expression() {
                        let holds = |f: &str| {
                            c.strip_prefix(f)
                                .and_then(|a| a.strip_suffix(')'))
                                .map(name)
                        };
                        let has = |a: &str| current.as_ref().is_some_and(|i| i.contains_key(a));
                        let failed =
                            match (holds("attribute_exists("), holds("attribute_not_exists(")) {
                                (Some(a), _) => !has(&a),
                                (_, Some(a)) => has(&a),
                                _ => false,
                            };
                        if failed {
                            return MockResponse::Error(
                                update_item::UpdateItemError::ConditionalCheckFailedException(
                                    ConditionalCheckFailedException::builder()
                                        .message("The conditional request failed")
                                        .build(),
                                ),
                            );
                        }
                    }
                    let expression = r.update_expression().unwrap_or_default();
                    let mut item = current.unwrap_or_else(|| {
                        Item::from([
                            (PARTITION_KEY.to_string(), V::S(k.0.clone())),
                            (SORT_KEY.to_string(), V::S(k.1.clone())),
                        ])
                    });
                    update(&mut item, expression, &name, &values);
                    let attribute = names
                        .get("#step")
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default();
                    w.write(
                        format!("dynamodb:UpdateItem {} {expression}{attribute}", k.1),
                        |s| {
                            s.items.insert(k, item.clone());
                        },
                    );
                    MockResponse::Output(
                        update_item::UpdateItemOutput::builder()
                            .set_attributes(Some(item))
                            .build(),
                    )
                })
            },
        ];
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &rules)
    }
}

/// Applies an update expression's `SET a = :v, ...`, `ADD a :v` and `DELETE a :v` clauses.
fn update(
    item: &mut Item,
    expression: &str,
    name: &dyn Fn(&str) -> String,
    values: &HashMap<String, V>,
) {
    let spaced = expression.replace(',', " , ");
    let mut clause = "";
    let mut words: Vec<&str> = Vec::new();
    let mut apply = |clause: &str, words: &mut Vec<&str>| {
        if words.is_empty() {
            return;
        }
        let (attribute, value) = match clause {
            "SET" => (name(words[0]), values[words[2]].clone()),
            _ => (name(words[0]), values[words[1]].clone()),
        };
        match (clause, value) {
            ("SET", v) => {
                item.insert(attribute, v);
            }
            ("ADD", V::Ss(add)) => {
                let mut set: BTreeSet<String> = item
                    .get(&attribute)
                    .and_then(|v| v.as_ss().ok())
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                set.extend(add);
                item.insert(attribute, V::Ss(set.into_iter().collect()));
            }
            ("DELETE", V::Ss(remove)) => {
                let left: Vec<String> = item
                    .get(&attribute)
                    .and_then(|v| v.as_ss().ok())
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|x| !remove.contains(x))
                    .collect();
                if left.is_empty() {
                    item.remove(&attribute);
                } else {
                    item.insert(attribute, V::Ss(left));
                }
            }
            (c, v) => panic!("the fake does not do {c} {attribute} {v:?}"),
        }
        words.clear();
    };
    for word in spaced.split_whitespace() {
        match word {
            "SET" | "ADD" | "DELETE" => {
                apply(clause, &mut words);
                clause = word;
            }
            "," => apply(clause, &mut words),
            w => words.push(w),
        }
    }
    apply(clause, &mut words);
}

fn instance(s: &State) -> aws_sdk_ec2::types::Instance {
    use aws_sdk_ec2::types::{
        EbsInstanceBlockDevice, GroupIdentifier, IamInstanceProfile, Instance,
        InstanceBlockDeviceMapping, InstanceIpv6Address, InstanceNetworkInterface,
        InstanceNetworkInterfaceAttachment, InstanceState, InstanceStateName, Placement, Tag,
    };
    let mut i = Instance::builder()
        .instance_id(INSTANCE)
        .vpc_id(VPC)
        .subnet_id(SUBNET)
        .placement(Placement::builder().availability_zone("us-east-1a").build())
        .state(
            InstanceState::builder()
                .name(InstanceStateName::from(s.instance_state.as_str()))
                .build(),
        );
    for n in s.enis.iter().filter(|n| n.attachment.is_some()) {
        let (attachment, index) = n.attachment.clone().unwrap();
        let mut b = InstanceNetworkInterface::builder()
            .network_interface_id(&n.id)
            .subnet_id(&n.subnet)
            .private_ip_address("10.0.0.10")
            .attachment(
                InstanceNetworkInterfaceAttachment::builder()
                    .attachment_id(attachment)
                    .device_index(index)
                    .build(),
            );
        if !n.description.is_empty() {
            b = b.description(&n.description);
        }
        for g in &n.groups {
            b = b.groups(GroupIdentifier::builder().group_id(g).build());
        }
        for a in &n.ipv6 {
            b = b.ipv6_addresses(InstanceIpv6Address::builder().ipv6_address(a).build());
        }
        i = i.network_interfaces(b.build());
    }
    for (device, volume, delete) in &s.volumes {
        i = i.block_device_mappings(
            InstanceBlockDeviceMapping::builder()
                .device_name(device)
                .ebs(
                    EbsInstanceBlockDevice::builder()
                        .volume_id(volume)
                        .delete_on_termination(*delete)
                        .build(),
                )
                .build(),
        );
    }
    for (k, v) in &s.tags {
        i = i.tags(Tag::builder().key(k).value(v).build());
    }
    if let Some((_, arn)) = &s.association {
        i = i.iam_instance_profile(IamInstanceProfile::builder().arn(arn).build());
    }
    i.build()
}
