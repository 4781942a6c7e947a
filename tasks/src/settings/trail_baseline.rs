//! A trail's configuration as aws-ir last saw it, so that a deleted trail can be created again
//! exactly as it was: CloudTrail keeps nothing of a deleted trail, so the configuration has to
//! be kept before the deletion. The Config rule `evaluate-trail-logging` keeps it every time it
//! looks at a trail (on each change of the trail and every hour), in the case table's
//! `settings-baseline` partition.
//!
//! Everything `CreateTrail`, `PutEventSelectors` and `PutInsightSelectors` take is kept: the
//! bucket and prefix, the SNS topic, global events and Regions, log file validation, CloudWatch
//! Logs delivery, the KMS key, the tags and both kinds of event selectors.

use crate::cases;
use crate::error::TaskError;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, InsightSelector,
    InsightType, ReadWriteType, Tag,
};
use aws_sdk_iam::error::ProvideErrorMetadata;
use contract::case_table::item;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The tag a trail created again carries: which case created it (a release deletes only that).
pub use contract::tags::marks::RECREATED_BY as RECREATED_BY_TAG;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailBaseline {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub s3_bucket_name: String,
    pub s3_key_prefix: Option<String>,
    /// CreateTrail's `SnsTopicName` takes the topic's name or ARN; the ARN is exact.
    pub sns_topic_arn: Option<String>,
    pub include_global_service_events: bool,
    pub is_multi_region_trail: bool,
    pub log_file_validation: bool,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    pub kms_key_id: Option<String>,
    pub is_organization_trail: bool,
    pub tags: BTreeMap<String, String>,
    pub event_selectors: Vec<Selector>,
    pub advanced_event_selectors: Vec<AdvancedSelector>,
    pub insight_types: Vec<String>,
    /// Whether it was logging when seen (a trail is created again logging, whatever it was).
    pub logging: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selector {
    pub read_write_type: Option<String>,
    pub include_management_events: Option<bool>,
    /// (resource type, values), e.g. ("AWS::S3::Object", ["arn:aws:s3:::bucket/"]).
    pub data_resources: Vec<(String, Vec<String>)>,
    pub exclude_management_event_sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub field_selectors: Vec<FieldSelector>,
}

/// One field condition; an empty list is an operator the selector does not use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSelector {
    pub field: String,
    pub equals: Vec<String>,
    pub starts_with: Vec<String>,
    pub ends_with: Vec<String>,
    pub not_equals: Vec<String>,
    pub not_starts_with: Vec<String>,
    pub not_ends_with: Vec<String>,
}

fn not_found(code: Option<&str>) -> bool {
    code == Some("TrailNotFoundException")
}

fn some(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl TrailBaseline {
    /// The trail as AWS has it now; `None` when it does not exist.
    pub async fn read(
        ct: &aws_sdk_cloudtrail::Client,
        name: &str,
    ) -> Result<Option<TrailBaseline>, TaskError> {
        let t = match ct.get_trail().name(name).send().await {
            Ok(got) => match got.trail() {
                Some(t) => t.clone(),
                None => return Ok(None),
            },
            Err(e) if not_found(e.code()) => return Ok(None),
            Err(e) => return Err(TaskError::from_sdk(e, &format!("read trail {name}"))),
        };
        let arn = t.trail_arn().unwrap_or(name).to_string();
        let logging = match ct.get_trail_status().name(&arn).send().await {
            Ok(s) => s.is_logging().unwrap_or(false),
            Err(e) if not_found(e.code()) => return Ok(None),
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read the status of trail {name}"),
                ))
            }
        };
        let selectors = ct
            .get_event_selectors()
            .trail_name(&arn)
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("read the event selectors of trail {name}"))
            })?;
        // A trail without Insights answers InsightNotEnabledException (CloudTrail API Reference,
        // GetInsightSelectors).
        let insight_types = match ct.get_insight_selectors().trail_name(&arn).send().await {
            Ok(got) => got
                .insight_selectors()
                .iter()
                .filter_map(|s| s.insight_type().map(|t| t.as_str().to_string()))
                .collect(),
            Err(e) if e.code() == Some("InsightNotEnabledException") => Vec::new(),
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("read the Insights selectors of trail {name}"),
                ))
            }
        };
        let tags = ct
            .list_tags()
            .resource_id_list(&arn)
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("read the tags of trail {name}")))?
            .resource_tag_list()
            .iter()
            .flat_map(|r| r.tags_list())
            .map(|t| {
                (
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let text = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(String::from);
        Ok(Some(TrailBaseline {
            name: t.name().unwrap_or(name).to_string(),
            home_region: t.home_region().unwrap_or_default().to_string(),
            s3_bucket_name: t.s3_bucket_name().unwrap_or_default().to_string(),
            s3_key_prefix: text(t.s3_key_prefix()),
            sns_topic_arn: text(t.sns_topic_arn()),
            include_global_service_events: t.include_global_service_events().unwrap_or(true),
            is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            cloud_watch_logs_log_group_arn: text(t.cloud_watch_logs_log_group_arn()),
            cloud_watch_logs_role_arn: text(t.cloud_watch_logs_role_arn()),
            kms_key_id: text(t.kms_key_id()),
            is_organization_trail: t.is_organization_trail().unwrap_or(false),
            tags,
            event_selectors: selectors
                .event_selectors()
                .iter()
                .map(|s| Selector {
                    read_write_type: s.read_write_type().map(|t| t.as_str().to_string()),
                    include_management_events: s.include_management_events(),
                    data_resources: s
                        .data_resources()
                        .iter()
                        .map(|d| {
                            (
                                d.r#type().unwrap_or_default().to_string(),
                                d.values().to_vec(),
                            )
                        })
                        .collect(),
                    exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
                })
                .collect(),
            advanced_event_selectors: selectors
                .advanced_event_selectors()
                .iter()
                .map(|s| AdvancedSelector {
                    name: s.name().map(String::from),
                    field_selectors: s
                        .field_selectors()
                        .iter()
                        .map(|f| FieldSelector {
                            field: f.field().to_string(),
                            equals: f.equals().to_vec(),
                            starts_with: f.starts_with().to_vec(),
                            ends_with: f.ends_with().to_vec(),
                            not_equals: f.not_equals().to_vec(),
                            not_starts_with: f.not_starts_with().to_vec(),
                            not_ends_with: f.not_ends_with().to_vec(),
                        })
                        .collect(),
                })
                .collect(),
            insight_types,
            logging,
            arn,
        }))
    }

    /// Keeps the trail's configuration in the case table (the latest look wins).
    pub async fn keep(
        &self,
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
    ) -> Result<(), TaskError> {
        let json = serde_json::to_string(self).expect("a trail baseline serializes");
        cases::keep_baseline(
            dynamodb,
            table,
            &item::resource(&self.name),
            &json,
            &crate::now(),
        )
        .await
    }

    /// The configuration kept for trail `name`, and when it was seen.
    pub async fn kept(
        dynamodb: &aws_sdk_dynamodb::Client,
        table: &str,
        name: &str,
    ) -> Result<Option<(TrailBaseline, String)>, TaskError> {
        let Some((json, seen_at)) = cases::baseline(dynamodb, table, &item::resource(name)).await?
        else {
            return Ok(None);
        };
        let baseline = serde_json::from_str(&json).map_err(|e| {
            TaskError::new(
                contract::ErrorName::Misconfigured,
                format!("the configuration kept for trail {name} in table {table} is unreadable ({e}); delete the item settings-baseline/resource#{name} and let the Config rule keep it again"),
            )
        })?;
        Ok(Some((baseline, seen_at)))
    }

    /// Creates the trail again as kept, tagged with the case that did it; a trail of that name
    /// already there (a retry, or someone was faster) is taken as created.
    pub async fn create(
        &self,
        cloudtrail: &aws_sdk_cloudtrail::Client,
        case_id: &str,
    ) -> Result<(), TaskError> {
        let mut tags: Vec<Tag> = Vec::new();
        for (k, v) in self
            .tags
            .iter()
            .filter(|(k, _)| k.as_str() != RECREATED_BY_TAG)
            .chain([(&RECREATED_BY_TAG.to_string(), &case_id.to_string())])
        {
            tags.push(Tag::builder().key(k).value(v).build().map_err(|e| {
                TaskError::invalid_event(format!("tag {k} of trail {}: {e}", self.name))
            })?);
        }
        let created = cloudtrail
            .create_trail()
            .name(&self.name)
            .s3_bucket_name(&self.s3_bucket_name)
            .set_s3_key_prefix(self.s3_key_prefix.clone())
            .set_sns_topic_name(self.sns_topic_arn.clone())
            .include_global_service_events(self.include_global_service_events)
            .is_multi_region_trail(self.is_multi_region_trail)
            .enable_log_file_validation(self.log_file_validation)
            .set_cloud_watch_logs_log_group_arn(self.cloud_watch_logs_log_group_arn.clone())
            .set_cloud_watch_logs_role_arn(self.cloud_watch_logs_role_arn.clone())
            .set_kms_key_id(self.kms_key_id.clone())
            .set_tags_list(Some(tags))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("TrailAlreadyExistsException") => {}
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!(
                        "create trail {} again (writing to s3://{})",
                        self.name, self.s3_bucket_name
                    ),
                ))
            }
        }
        self.put_selectors(cloudtrail, None).await
    }

    /// The kept event and Insights selectors, put back over `now`'s (none: a trail just created,
    /// with the defaults).
    pub async fn put_selectors(
        &self,
        ct: &aws_sdk_cloudtrail::Client,
        now: Option<&TrailBaseline>,
    ) -> Result<(), TaskError> {
        let what = |s: &str| format!("put back the {s} of trail {}", self.name);
        if !self.advanced_event_selectors.is_empty() {
            let mut selectors = Vec::new();
            for s in &self.advanced_event_selectors {
                let mut fields = Vec::new();
                for f in &s.field_selectors {
                    fields.push(
                        AdvancedFieldSelector::builder()
                            .field(&f.field)
                            .set_equals(some(&f.equals))
                            .set_starts_with(some(&f.starts_with))
                            .set_ends_with(some(&f.ends_with))
                            .set_not_equals(some(&f.not_equals))
                            .set_not_starts_with(some(&f.not_starts_with))
                            .set_not_ends_with(some(&f.not_ends_with))
                            .build()
                            .map_err(|e| {
                                TaskError::invalid_event(format!(
                                    "{}: {e}",
                                    what("advanced event selectors")
                                ))
                            })?,
                    );
                }
                selectors.push(
                    AdvancedEventSelector::builder()
                        .set_name(s.name.clone())
                        .set_field_selectors(Some(fields))
                        .build()
                        .map_err(|e| {
                            TaskError::invalid_event(format!(
                                "{}: {e}",
                                what("advanced event selectors")
                            ))
                        })?,
                );
            }
            ct.put_event_selectors()
                .trail_name(&self.name)
                .set_advanced_event_selectors(Some(selectors))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &what("advanced event selectors")))?;
        } else if !self.event_selectors.is_empty() {
            let selectors = self
                .event_selectors
                .iter()
                .map(|s| {
                    EventSelector::builder()
                        .set_read_write_type(s.read_write_type.as_deref().map(ReadWriteType::from))
                        .set_include_management_events(s.include_management_events)
                        .set_data_resources((!s.data_resources.is_empty()).then(|| {
                            s.data_resources
                                .iter()
                                .map(|(kind, values)| {
                                    DataResource::builder()
                                        .r#type(kind)
                                        .set_values(Some(values.clone()))
                                        .build()
                                })
                                .collect()
                        }))
                        .set_exclude_management_event_sources(some(
                            &s.exclude_management_event_sources,
                        ))
                        .build()
                })
                .collect();
            ct.put_event_selectors()
                .trail_name(&self.name)
                .set_event_selectors(Some(selectors))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &what("event selectors")))?;
        } else if now.is_some_and(|n| {
            !n.event_selectors.is_empty() || !n.advanced_event_selectors.is_empty()
        }) {
            // Nothing custom was kept: CloudTrail's default, every management event.
            ct.put_event_selectors()
                .trail_name(&self.name)
                .event_selectors(
                    EventSelector::builder()
                        .read_write_type(ReadWriteType::All)
                        .include_management_events(true)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &what("event selectors")))?;
        }
        if !self.insight_types.is_empty() || now.is_some_and(|n| !n.insight_types.is_empty()) {
            let selectors = self
                .insight_types
                .iter()
                .map(|t| {
                    InsightSelector::builder()
                        .insight_type(InsightType::from(t.as_str()))
                        .build()
                })
                .collect();
            ct.put_insight_selectors()
                .trail_name(&self.name)
                .set_insight_selectors(Some(selectors))
                .send()
                .await
                .map_err(|e| TaskError::from_sdk(e, &what("Insights selectors")))?;
        }
        Ok(())
    }

    /// What differs in `now` from this kept configuration: where it delivers, what it covers,
    /// how it is protected (tags and the logging status aside).
    pub fn drift(&self, now: &TrailBaseline) -> Vec<&'static str> {
        let mut changed = Vec::new();
        let mut check = |differs: bool, what: &'static str| {
            if differs {
                changed.push(what);
            }
        };
        check(self.s3_bucket_name != now.s3_bucket_name, "S3 bucket");
        check(self.s3_key_prefix != now.s3_key_prefix, "S3 key prefix");
        check(self.sns_topic_arn != now.sns_topic_arn, "SNS topic");
        check(
            self.include_global_service_events != now.include_global_service_events,
            "global service events",
        );
        check(
            self.is_multi_region_trail != now.is_multi_region_trail,
            "multi-Region",
        );
        check(
            self.log_file_validation != now.log_file_validation,
            "log file validation",
        );
        check(
            self.cloud_watch_logs_log_group_arn != now.cloud_watch_logs_log_group_arn
                || self.cloud_watch_logs_role_arn != now.cloud_watch_logs_role_arn,
            "CloudWatch Logs delivery",
        );
        check(self.kms_key_id != now.kms_key_id, "KMS key");
        check(
            self.event_selectors != now.event_selectors
                || self.advanced_event_selectors != now.advanced_event_selectors,
            "event selectors",
        );
        check(self.insight_types != now.insight_types, "Insights");
        changed
    }

    /// Puts this configuration back on the existing trail, over `now`: only what differs is
    /// sent, and a setting `now` has that was not kept is turned off with an empty value
    /// (CloudTrail API Reference, UpdateTrail).
    pub async fn update(
        &self,
        cloudtrail: &aws_sdk_cloudtrail::Client,
        now: &TrailBaseline,
    ) -> Result<(), TaskError> {
        let back = |kept: &Option<String>, now: &Option<String>| {
            (kept != now).then(|| kept.clone().unwrap_or_default())
        };
        let cw_changed = self.cloud_watch_logs_log_group_arn != now.cloud_watch_logs_log_group_arn
            || self.cloud_watch_logs_role_arn != now.cloud_watch_logs_role_arn;
        let cw = |v: &Option<String>| cw_changed.then(|| v.clone().unwrap_or_default());
        cloudtrail
            .update_trail()
            .name(&self.name)
            .set_s3_bucket_name(
                (self.s3_bucket_name != now.s3_bucket_name).then(|| self.s3_bucket_name.clone()),
            )
            .set_s3_key_prefix(back(&self.s3_key_prefix, &now.s3_key_prefix))
            .set_sns_topic_name(back(&self.sns_topic_arn, &now.sns_topic_arn))
            .include_global_service_events(self.include_global_service_events)
            .is_multi_region_trail(self.is_multi_region_trail)
            .enable_log_file_validation(self.log_file_validation)
            .set_cloud_watch_logs_log_group_arn(cw(&self.cloud_watch_logs_log_group_arn))
            .set_cloud_watch_logs_role_arn(cw(&self.cloud_watch_logs_role_arn))
            .set_kms_key_id(back(&self.kms_key_id, &now.kms_key_id))
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(
                    e,
                    &format!(
                        "put trail {} back as it was (writing to s3://{})",
                        self.name, self.s3_bucket_name
                    ),
                )
            })?;
        self.put_selectors(cloudtrail, Some(now)).await
    }

    /// The AWS CLI command that creates this trail again, for a responder to run by hand.
    pub fn create_command(&self) -> String {
        let mut cmd = format!(
            "aws cloudtrail create-trail --name {} --s3-bucket-name {}",
            self.name, self.s3_bucket_name
        );
        let mut opt = |flag: &str, v: &Option<String>| {
            if let Some(v) = v {
                cmd.push_str(&format!(" --{flag} {v}"));
            }
        };
        opt("s3-key-prefix", &self.s3_key_prefix);
        opt("sns-topic-name", &self.sns_topic_arn);
        opt(
            "cloud-watch-logs-log-group-arn",
            &self.cloud_watch_logs_log_group_arn,
        );
        opt("cloud-watch-logs-role-arn", &self.cloud_watch_logs_role_arn);
        opt("kms-key-id", &self.kms_key_id);
        for (on, flag) in [
            (
                !self.include_global_service_events,
                "no-include-global-service-events",
            ),
            (self.is_multi_region_trail, "is-multi-region-trail"),
            (self.log_file_validation, "enable-log-file-validation"),
            (self.is_organization_trail, "is-organization-trail"),
        ] {
            if on {
                cmd.push_str(&format!(" --{flag}"));
            }
        }
        cmd
    }

    /// One line on what the trail was: where it wrote and what it selected.
    pub fn summary(&self) -> String {
        format!(
            "s3://{}/{} (multi-region: {}, log file validation: {}, KMS: {}, CloudWatch Logs: {}, {} event selector(s), {} advanced, Insights: {})",
            self.s3_bucket_name,
            self.s3_key_prefix.as_deref().unwrap_or(""),
            self.is_multi_region_trail,
            self.log_file_validation,
            self.kms_key_id.as_deref().unwrap_or("none"),
            self.cloud_watch_logs_log_group_arn.as_deref().unwrap_or("none"),
            self.event_selectors.len(),
            self.advanced_event_selectors.len(),
            if self.insight_types.is_empty() { "none".to_string() } else { self.insight_types.join(",") },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TrailBaseline {
        TrailBaseline {
            name: "org-audit".into(),
            arn: "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-audit".into(),
            home_region: "us-east-1".into(),
            s3_bucket_name: "audit-logs".into(),
            s3_key_prefix: Some("ct".into()),
            sns_topic_arn: None,
            include_global_service_events: true,
            is_multi_region_trail: true,
            log_file_validation: true,
            cloud_watch_logs_log_group_arn: None,
            cloud_watch_logs_role_arn: None,
            kms_key_id: Some("arn:aws:kms:us-east-1:123456789012:key/k".into()),
            is_organization_trail: true,
            tags: BTreeMap::from([("owner".into(), "security".into())]),
            event_selectors: vec![Selector {
                read_write_type: Some("WriteOnly".into()),
                include_management_events: Some(true),
                data_resources: vec![("AWS::S3::Object".into(), vec!["arn:aws:s3".into()])],
                exclude_management_event_sources: vec![],
            }],
            advanced_event_selectors: vec![],
            insight_types: vec!["ApiCallRateInsight".into()],
            logging: true,
        }
    }

    #[test]
    fn a_kept_configuration_reads_back_as_it_was_written() {
        let b = sample();
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<TrailBaseline>(&json).unwrap(), b);
    }

    #[test]
    fn drift_names_what_changed_and_ignores_tags_and_logging() {
        let kept = sample();
        let mut now = kept.clone();
        now.tags.insert("team".into(), "new".into());
        now.logging = false;
        assert!(kept.drift(&now).is_empty());
        now.s3_bucket_name = "elsewhere".into();
        now.log_file_validation = false;
        now.event_selectors[0].include_management_events = Some(false);
        assert_eq!(
            kept.drift(&now),
            ["S3 bucket", "log file validation", "event selectors"]
        );
    }

    #[test]
    fn the_hand_command_carries_every_setting_it_can() {
        let cmd = sample().create_command();
        assert_eq!(
            cmd,
            "aws cloudtrail create-trail --name org-audit --s3-bucket-name audit-logs --s3-key-prefix ct --kms-key-id arn:aws:kms:us-east-1:123456789012:key/k --is-multi-region-trail --enable-log-file-validation --is-organization-trail"
        );
    }
}
