//! Where instances are registered for traffic, read once per case and VPC.
//!
//! AWS has no "which target groups hold this instance" call: every target group of the VPC is
//! listed and each one's targets read (`DescribeTargetHealth`), and every classic load balancer
//! listed. Done per instance, 50 instances in a VPC with 22 target groups made 3,300 reads of
//! the same groups (#19). So the playbook reads them once before the instances' steps
//! ([`survey`], which the pre-state and detach steps then use) and once after them
//! ([`review`]: an instance registered again since its steps read it is not contained).
//! Verification per instance reads only the groups and load balancers the survey found it in
//! ([`still_registered`]). A step without a survey (one made before an approval wait is dropped)
//! reads live, the same way, for its one instance ([`traffic`]).

use super::{check_instance_id, filter};
use crate::aws::clients;
use crate::cases;
use crate::error::TaskError;
use contract::tasks::ec2::{
    survey_key, ReviewInput, Reviewed, Survey, SurveyInput, SurveyedInstance, TargetRegistration,
    TrafficRegistrations, MAX_SURVEYED_REGISTRATIONS,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// DescribeTargetHealth calls in flight at once: an account can have hundreds of target groups
/// in a VPC, and ELB throttles a burst (its API rate is per account and region).
const TARGET_HEALTH_CONCURRENCY: usize = 8;
/// `instance-id` filter values per DescribeInstances call (EC2 accepts up to 200).
const FILTER_VALUES: usize = 200;

/// Where each instance (id → VPC) is registered: every target group of those VPCs read once,
/// every classic load balancer listed once. Instances registered nowhere map to empty
/// registrations.
pub async fn traffic(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    elb: &aws_sdk_elasticloadbalancing::Client,
    instances: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, TrafficRegistrations>, TaskError> {
    let vpcs: BTreeSet<&str> = instances.values().map(String::as_str).collect();
    let mut arns = Vec::new();
    let mut pages = elbv2.describe_target_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| TaskError::from_sdk(e, "list target groups"))?;
        arns.extend(
            page.target_groups()
                .iter()
                .filter(|tg| tg.vpc_id().is_some_and(|v| vpcs.contains(v)))
                .filter_map(|tg| tg.target_group_arn().map(String::from)),
        );
    }
    let mut found: BTreeMap<String, TrafficRegistrations> = instances
        .keys()
        .map(|id| (id.clone(), TrafficRegistrations::default()))
        .collect();
    // In the order the groups were listed, so records are stable.
    for (arn, targets) in target_healths(elbv2, arns).await? {
        for (instance, registration) in targets {
            if let Some(r) = found.get_mut(&instance) {
                r.target_groups.push(TargetRegistration {
                    target_group_arn: arn.clone(),
                    ..registration
                });
            }
        }
    }
    let mut pages = elb.describe_load_balancers().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| TaskError::from_sdk(e, "list classic load balancers"))?;
        for lb in page.load_balancer_descriptions() {
            let name = lb.load_balancer_name().unwrap_or_default();
            for i in lb.instances() {
                if let Some(r) = i.instance_id().and_then(|id| found.get_mut(id)) {
                    r.classic_load_balancers.push(name.to_string());
                }
            }
        }
    }
    Ok(found)
}

/// The registered targets of each group (`(instance, registration)` pairs), several groups at a
/// time, in the order given. A draining target is already being deregistered. An `unused` one
/// is still registered (its group may simply have no load balancer yet), so it counts.
async fn target_healths(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    arns: Vec<String>,
) -> Result<Vec<(String, Vec<(String, TargetRegistration)>)>, TaskError> {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(TARGET_HEALTH_CONCURRENCY));
    let mut reads = tokio::task::JoinSet::new();
    for (index, arn) in arns.into_iter().enumerate() {
        let (elbv2, permits) = (elbv2.clone(), permits.clone());
        reads.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let health = match elbv2
                .describe_target_health()
                .target_group_arn(&arn)
                .send()
                .await
            {
                Ok(h) => h,
                // Deleted since it was listed (or surveyed): it holds nothing.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_target_group_not_found_exception()) =>
                {
                    return Ok((index, arn, Vec::new()));
                }
                Err(e) => {
                    return Err(TaskError::from_sdk(
                        e,
                        &format!("read the targets of {arn}"),
                    ))
                }
            };
            let targets = health
                .target_health_descriptions()
                .iter()
                .filter(|d| {
                    d.target_health()
                        .and_then(|h| h.state())
                        .map(|s| s.as_str())
                        != Some("draining")
                })
                .filter_map(|d| d.target())
                .filter_map(|t| {
                    Some((
                        t.id()?.to_string(),
                        TargetRegistration {
                            target_group_arn: String::new(),
                            port: t.port(),
                            availability_zone: t.availability_zone().map(String::from),
                        },
                    ))
                })
                .collect::<Vec<_>>();
            Ok::<_, TaskError>((index, arn, targets))
        });
    }
    let mut read = Vec::new();
    while let Some(done) = reads.join_next().await {
        read.push(done.map_err(|e| {
            TaskError::new(
                contract::ErrorName::Transient,
                format!("a target group read did not finish: {e}"),
            )
        })??);
    }
    read.sort_by_key(|(index, _, _)| *index);
    Ok(read.into_iter().map(|(_, arn, t)| (arn, t)).collect())
}

/// Of the registrations a survey found for `instance`, those that still hold it: only those
/// target groups and load balancers are read (verification after detaching; registrations made
/// elsewhere since are the case's [`review`]'s to find).
pub async fn still_registered(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    elb: &aws_sdk_elasticloadbalancing::Client,
    instance: &str,
    surveyed: &TrafficRegistrations,
) -> Result<TrafficRegistrations, TaskError> {
    let arns: BTreeSet<String> = surveyed
        .target_groups
        .iter()
        .map(|r| r.target_group_arn.clone())
        .collect();
    let mut out = TrafficRegistrations::default();
    for (arn, targets) in target_healths(elbv2, arns.into_iter().collect()).await? {
        out.target_groups
            .extend(
                targets
                    .into_iter()
                    .filter(|(id, _)| id == instance)
                    .map(|(_, r)| TargetRegistration {
                        target_group_arn: arn.clone(),
                        ..r
                    }),
            );
    }
    for lb in &surveyed.classic_load_balancers {
        let read = match elb
            .describe_load_balancers()
            .load_balancer_names(lb)
            .send()
            .await
        {
            Ok(read) => read,
            // Deleted since the survey: it holds nothing.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_access_point_not_found_exception()) =>
            {
                continue
            }
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read classic load balancer {lb}"),
                ))
            }
        };
        if read.load_balancer_descriptions().iter().any(|d| {
            d.instances()
                .iter()
                .any(|i| i.instance_id() == Some(instance))
        }) {
            out.classic_load_balancers.push(lb.clone());
        }
    }
    Ok(out)
}

/// The VPC of each instance that exists (and is in a VPC), read in batches of filter values:
/// an id that does not exist is left out rather than failing the batch.
async fn vpcs_of(
    ec2: &aws_sdk_ec2::Client,
    ids: &[String],
) -> Result<BTreeMap<String, String>, TaskError> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let values: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let mut pages = ec2
            .describe_instances()
            .filters(filter("instance-id", &values))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| TaskError::from_sdk(e, "read the case's instances"))?;
            for i in page.reservations().iter().flat_map(|r| r.instances()) {
                if let (Some(id), Some(vpc)) = (i.instance_id(), i.vpc_id()) {
                    out.insert(id.to_string(), vpc.to_string());
                }
            }
        }
    }
    Ok(out)
}

clients! {
    /// What the survey reads: the instances (for their VPCs), the target groups of those VPCs
    /// and the classic load balancers.
    pub struct SurveyClients {
        ec2: aws_sdk_ec2::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        s3: aws_sdk_s3::Client,
    }
}

/// One entry per instance of the case, in its order, written to the evidence bucket for the
/// instances' Distributed Map. A read that fails is noted and leaves every instance unsurveyed
/// (its steps read live, as without a survey): the survey saves calls, it never holds
/// containment back. Writing the items is the one failure that stops the case: without them
/// the Map has nothing to iterate.
pub async fn survey(aws: &SurveyClients, input: SurveyInput) -> Result<Survey, TaskError> {
    let ids: Vec<String> = input
        .case
        .instances
        .iter()
        .map(|i| i.instance_id.clone())
        .collect();
    let mut notes = Vec::new();
    let valid: Vec<String> = ids
        .iter()
        .filter(|id| check_instance_id(id).is_ok())
        .cloned()
        .collect();
    let read = async { traffic(&aws.elbv2, &aws.elb, &vpcs_of(&aws.ec2, &valid).await?).await };
    let found = read.await.unwrap_or_else(|e| {
        notes.push(format!(
            "{}: {}; each instance's steps read it live",
            e.name, e.message
        ));
        BTreeMap::new()
    });
    let instances: Vec<SurveyedInstance> = ids
        .into_iter()
        .map(|id| {
            let registrations = found.get(&id).cloned().filter(|r| {
                let places = r.target_groups.len() + r.classic_load_balancers.len();
                if places > MAX_SURVEYED_REGISTRATIONS {
                    notes.push(format!("{id} is registered in {places} places (more than {MAX_SURVEYED_REGISTRATIONS}): its steps read them live"));
                }
                places <= MAX_SURVEYED_REGISTRATIONS
            });
            SurveyedInstance {
                registrations,
                instance_id: id,
            }
        })
        .collect();
    let key = survey_key(
        &input.case.case_id,
        crate::custody::plan::execution_name(&input.execution)?,
    );
    let body = crate::custody::store::to_json(&instances, &key)?;
    // A retry keeps the first survey written: the Map reads whichever is stored.
    crate::custody::store::put_once(&aws.s3, &input.policy.evidence_bucket, &key, body).await?;
    Ok(Survey {
        items: key,
        instances: instances.len() as u64,
        notes,
    })
}

clients! {
    /// What the review reads (as the survey) and writes: an instance's status in the case
    /// table.
    pub struct ReviewClients {
        ec2: aws_sdk_ec2::Client,
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
        dynamodb: aws_sdk_dynamodb::Client,
    }
}

/// The instances' results, with every instance called `contained` that is registered for
/// traffic now marked `incomplete` (in the results and the case table). A dry run changed
/// nothing, so there is nothing to review.
pub async fn review(aws: &ReviewClients, input: ReviewInput) -> Result<Reviewed, TaskError> {
    let mut results = input.instances;
    if input.case.dry_run {
        return Ok(Reviewed { instances: results });
    }
    let contained: Vec<String> = results
        .iter()
        .filter(|r| r["status"] == "contained")
        .filter_map(|r| r["instance_id"].as_str().map(String::from))
        .filter(|id| check_instance_id(id).is_ok())
        .collect();
    if contained.is_empty() {
        return Ok(Reviewed { instances: results });
    }
    let vpcs = vpcs_of(&aws.ec2, &contained).await?;
    let now = traffic(&aws.elbv2, &aws.elb, &vpcs).await?;
    for r in results.iter_mut() {
        let Some(id) = r["instance_id"].as_str().map(String::from) else {
            continue;
        };
        let Some(regs) = now.get(&id) else { continue };
        if r["status"] != "contained"
            || (regs.target_groups.is_empty() && regs.classic_load_balancers.is_empty())
        {
            continue;
        }
        let places: Vec<String> = regs
            .target_groups
            .iter()
            .map(|t| t.target_group_arn.clone())
            .chain(
                regs.classic_load_balancers
                    .iter()
                    .map(|lb| format!("classic load balancer {lb}")),
            )
            .collect();
        let detail = format!(
            "registered for traffic again after containment: {}; deregister it and run the playbook again (previously: {})",
            places.join(", "),
            r["detail"].as_str().unwrap_or_default()
        );
        cases::set_status(
            &aws.dynamodb,
            &input.policy.case_table,
            &input.case.case_id,
            &id,
            "containment incomplete",
            &detail,
        )
        .await?;
        r["status"] = Value::from("incomplete");
        r["detail"] = Value::from(detail);
    }
    Ok(Reviewed { instances: results })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{
        self, World, CASE, CLASSIC, INSTANCE, OTHER_TARGET_GROUP, TARGET_GROUP,
    };
    use contract::case::InstanceRef;
    use contract::case_table::item;

    const MISSING: &str = "i-0ffffffffffffffff";

    fn input(dry_run: bool, ids: &[&str]) -> SurveyInput {
        let mut step = fake::step(INSTANCE, dry_run);
        step.case.instances = ids
            .iter()
            .map(|id| InstanceRef {
                instance_id: id.to_string(),
                instance_profile_arn: None,
                vpc_id: None,
                tags: Default::default(),
            })
            .collect();
        SurveyInput {
            case: step.case,
            policy: step.policy,
            execution: "arn:aws:states:us-east-1:123456789012:execution:e2e-ec2:run-1".into(),
        }
    }

    fn survey_clients(w: &World) -> SurveyClients {
        SurveyClients {
            ec2: w.ec2(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            s3: w.s3(),
        }
    }

    /// The items the survey wrote for the Map, by the key it returned.
    fn items(w: &World, survey: &Survey) -> Vec<SurveyedInstance> {
        let body = w
            .snapshot()
            .objects
            .get(&survey.items)
            .cloned()
            .unwrap_or_else(|| panic!("no object at {}", survey.items));
        serde_json::from_slice(&body).unwrap()
    }

    fn review_clients(w: &World) -> ReviewClients {
        ReviewClients {
            ec2: w.ec2(),
            elbv2: w.elbv2(),
            elb: w.elb(),
            dynamodb: w.dynamodb(),
        }
    }

    fn registered() -> TrafficRegistrations {
        TrafficRegistrations {
            target_groups: vec![TargetRegistration {
                target_group_arn: TARGET_GROUP.into(),
                port: Some(8080),
                availability_zone: None,
            }],
            classic_load_balancers: vec![CLASSIC.into()],
        }
    }

    #[tokio::test]
    async fn the_survey_finds_every_registration_and_leaves_an_unknown_instance_to_its_steps() {
        let w = World::before();
        let got = survey(&survey_clients(&w), input(false, &[INSTANCE, MISSING]))
            .await
            .unwrap();
        assert_eq!(got.items, format!("cases/{CASE}/survey/run-1.json"));
        assert_eq!(got.instances, 2);
        assert_eq!(
            items(&w, &got),
            vec![
                SurveyedInstance {
                    instance_id: INSTANCE.into(),
                    registrations: Some(registered()),
                },
                SurveyedInstance {
                    instance_id: MISSING.into(),
                    registrations: None,
                },
            ]
        );
        assert!(got.notes.is_empty(), "{:?}", got.notes);
    }

    #[tokio::test]
    async fn verification_reads_again_only_where_the_survey_found_the_instance() {
        let w = World::before();
        let only_first = TrafficRegistrations {
            classic_load_balancers: vec![],
            ..registered()
        };
        let still = still_registered(&w.elbv2(), &w.elb(), INSTANCE, &only_first)
            .await
            .unwrap();
        assert_eq!(still, only_first);
        // Registered elsewhere too: not this check's to see (the review's).
        w.change(|s| s.targets = vec![(OTHER_TARGET_GROUP.into(), Some(80))]);
        let still = still_registered(&w.elbv2(), &w.elb(), INSTANCE, &only_first)
            .await
            .unwrap();
        assert_eq!(still, TrafficRegistrations::default());
    }

    fn results(status: &str) -> Vec<Value> {
        vec![
            serde_json::json!({"instance_id": INSTANCE, "status": status, "detail": "volatile evidence: skipped"}),
        ]
    }

    #[tokio::test]
    async fn the_review_marks_a_contained_instance_registered_again_incomplete() {
        let w = World::before();
        w.change(|s| {
            s.targets = vec![(OTHER_TARGET_GROUP.into(), Some(80))];
            s.classic_load_balancers.clear();
        });
        let i = input(false, &[INSTANCE]);
        let got = review(
            &review_clients(&w),
            ReviewInput {
                case: i.case,
                policy: i.policy,
                instances: results("contained"),
            },
        )
        .await
        .unwrap()
        .instances;
        assert_eq!(got[0]["status"], "incomplete");
        let detail = got[0]["detail"].as_str().unwrap();
        assert!(detail.contains(OTHER_TARGET_GROUP), "{detail}");
        assert!(
            detail.contains("previously: volatile evidence: skipped"),
            "{detail}"
        );
        let recorded = w
            .snapshot()
            .items
            .get(&(CASE.to_string(), item::instance(INSTANCE)))
            .cloned();
        let recorded = recorded.expect("the case table holds the instance's status");
        assert_eq!(
            recorded.get("status"),
            Some(&aws_sdk_dynamodb::types::AttributeValue::S(
                "containment incomplete".into()
            ))
        );
    }

    #[tokio::test]
    async fn the_review_leaves_alone_what_it_has_no_reason_to_change() {
        // Not registered anywhere: contained stays contained.
        let w = World::before();
        w.change(|s| {
            s.targets.clear();
            s.classic_load_balancers.clear();
        });
        let i = input(false, &[INSTANCE]);
        let clients = review_clients(&w);
        let review_of = |status: &str, dry_run: bool| {
            let mut case = i.case.clone();
            case.dry_run = dry_run;
            review(
                &clients,
                ReviewInput {
                    case,
                    policy: i.policy.clone(),
                    instances: results(status),
                },
            )
        };
        assert_eq!(
            review_of("contained", false).await.unwrap().instances,
            results("contained")
        );
        // Registered, but a dry run (nothing was detached) or not called contained.
        w.change(|s| s.targets = vec![(TARGET_GROUP.into(), Some(8080))]);
        assert_eq!(
            review_of("contained", true).await.unwrap().instances,
            results("contained")
        );
        assert_eq!(
            review_of("skipped", false).await.unwrap().instances,
            results("skipped")
        );
        assert!(w.take_calls().is_empty());
    }
}
