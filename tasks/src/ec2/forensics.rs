//! Forensics: evidence volumes for the forensic instance, and a forensic network interface on
//! the compromised one.
//!
//! Volumes are created from the case's snapshots in the forensic instance's zone and attached
//! at its next free device names. Both wait for AWS (snapshots to complete, volumes to become
//! available) by returning `IR.NotReady`, which the playbook retries with a patient backoff; a
//! later run picks up where the last stopped (everything is found by its tags).
//!
//! The forensic interface's undo lives here too: [`detach_interface`] takes it off the instance
//! on release (and keeps it, tagged with the case). Evidence volumes stay attached to the
//! forensic instance: releasing the compromised instance does not end the investigation.

use super::snapshot::{case_snapshots, CaseSnapshot};
use super::{
    check_instance_id, describe, filter, tag, LiveInterface, FORENSIC_INTERFACE_DESCRIPTION,
    TAG_CASE, TAG_INSTANCE, TAG_ROLE,
};
use crate::error::TaskError;
use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{ResourceType, TagSpecification};
use contract::tasks::ec2::{InstanceStep, Outcome, Status};
use contract::ErrorName;

use contract::tags::marks::SNAPSHOT as TAG_SNAPSHOT;

/// Device names offered to attached evidence volumes, in order: the range AWS documents for
/// EBS volumes on Linux instances (`/dev/sd[f-z]`).
pub fn free_device(used: &[String]) -> Option<String> {
    ('f'..='z').map(|c| format!("/dev/sd{c}")).find(|d| {
        let xvd = d.replace("/dev/sd", "/dev/xvd");
        !used.iter().any(|u| u == d || *u == xvd)
    })
}

async fn run(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    // An unknown instance is named as such, not waited on as if its snapshots were pending.
    let live = describe(ec2, &step.instance_id).await?;
    let mut out = Outcome::new(step.case.dry_run);
    let policy = &step.policy;
    if policy.forensic_instance_id.is_empty() {
        out.note(
            "no forensic instance configured (ForensicInstanceId): evidence volumes not attached",
        );
    } else {
        volumes(ec2, dynamodb, &step, &mut out).await?;
    }
    if policy.forensic_subnet_id.is_empty() || policy.forensic_security_group_id.is_empty() {
        out.note(
            "no forensic subnet and security group configured: forensic interface not attached",
        );
    } else {
        interface(ec2, dynamodb, &step, &live, &mut out).await?;
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
    }
    Ok(out)
}

async fn volumes(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &InstanceStep,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let forensic = describe(ec2, &step.policy.forensic_instance_id)
        .await
        .map_err(|e| {
            TaskError::new(
                ErrorName::Misconfigured,
                format!(
                    "forensic instance {}: {}",
                    step.policy.forensic_instance_id, e.message
                ),
            )
        })?;
    // Only what snapshot-volumes recorded: a snapshot someone else tagged with the case must
    // never reach the analyst's workstation as evidence.
    let snapshots = case_snapshots(
        ec2,
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &step.instance_id,
    )
    .await?;
    if snapshots.is_empty() {
        if step.case.dry_run {
            out.act(
                "ec2:CreateVolume",
                &forensic.availability_zone,
                "a volume from each of the case's snapshots",
            );
            return Ok(());
        }
        return Err(TaskError::new(
            ErrorName::NotReady,
            format!(
                "no snapshot of {} for {} yet",
                step.instance_id, step.case.case_id
            ),
        ));
    }
    if let Some(s) = snapshots.iter().find(|s| s.state != "completed") {
        if !step.case.dry_run {
            return Err(TaskError::new(
                ErrorName::NotReady,
                format!(
                    "snapshot {} is {}; volumes are made from completed snapshots",
                    s.snapshot_id, s.state
                ),
            ));
        }
    }
    let mut used: Vec<String> = forensic.volumes.iter().map(|v| v.device.clone()).collect();
    for CaseSnapshot {
        snapshot_id: snapshot,
        volume_id: source,
        ..
    } in &snapshots
    {
        let existing = ec2
            .describe_volumes()
            .filters(filter(&format!("tag:{TAG_SNAPSHOT}"), &[snapshot]))
            .filters(filter(&format!("tag:{TAG_CASE}"), &[&step.case.case_id]))
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("find the evidence volume of {snapshot}"))
            })?;
        let (volume, state, attached_to) = match existing.volumes().first() {
            Some(v) => (
                v.volume_id().unwrap_or_default().to_string(),
                v.state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                v.attachments()
                    .first()
                    .and_then(|a| a.instance_id())
                    .map(String::from),
            ),
            None => {
                out.act(
                    "ec2:CreateVolume",
                    snapshot,
                    format!(
                        "in {} for {}",
                        forensic.availability_zone, forensic.instance_id
                    ),
                );
                if step.case.dry_run {
                    continue;
                }
                let v = ec2
                    .create_volume()
                    .snapshot_id(snapshot)
                    .availability_zone(&forensic.availability_zone)
                    .tag_specifications(
                        TagSpecification::builder()
                            .resource_type(ResourceType::Volume)
                            .tags(tag(TAG_CASE, &step.case.case_id))
                            .tags(tag(TAG_INSTANCE, &step.instance_id))
                            .tags(tag(TAG_SNAPSHOT, snapshot))
                            .tags(tag(TAG_ROLE, "evidence"))
                            .tags(tag(
                                "Name",
                                &format!("evidence {} of {source}", step.case.case_id),
                            ))
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("create a volume from {snapshot}"))
                    })?;
                (
                    v.volume_id().unwrap_or_default().to_string(),
                    v.state()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    None,
                )
            }
        };
        if attached_to.is_some() {
            out.note(format!("{volume} (from {snapshot}) is already attached"));
            continue;
        }
        if state != "available" {
            return Err(TaskError::new(
                ErrorName::NotReady,
                format!("evidence volume {volume} is {state}"),
            ));
        }
        if step.case.dry_run {
            out.act(
                "ec2:AttachVolume",
                &volume,
                format!("to {} at its next free device name", forensic.instance_id),
            );
            continue;
        }
        attach_at_free_device(ec2, &forensic.instance_id, &volume, &mut used, out).await?;
    }
    Ok(())
}

/// Attaches `volume` at the forensic instance's first free device name. Several executions may
/// attach to the same forensic instance at once, each from its own view of the free names:
/// AWS refuses a name taken in between ("Attachment point … is already in use"), and the next
/// name is tried.
pub async fn attach_at_free_device(
    ec2: &aws_sdk_ec2::Client,
    forensic: &str,
    volume: &str,
    used: &mut Vec<String>,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    loop {
        let device = free_device(used).ok_or_else(|| {
            TaskError::new(
                ErrorName::LimitReached,
                format!(
                    "forensic instance {forensic} has no free device name left (/dev/sdf to /dev/sdz): \
                     detach the volumes of closed cases, or point ForensicInstanceId at another instance"
                ),
            )
        })?;
        match ec2
            .attach_volume()
            .volume_id(volume)
            .instance_id(forensic)
            .device(&device)
            .send()
            .await
        {
            Ok(_) => {
                out.act(
                    "ec2:AttachVolume",
                    volume,
                    format!("to {forensic} as {device}"),
                );
                used.push(device);
                return Ok(());
            }
            Err(e) if device_taken(&e) => used.push(device),
            Err(e) => {
                return Err(TaskError::from_sdk(
                    e,
                    &format!("attach {volume} to {forensic} as {device}"),
                ))
            }
        }
    }
}

fn device_taken<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.code() == Some("InvalidParameterValue")
            && s.message().is_some_and(|m| m.contains("already in use"))
    })
}

async fn interface(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: &InstanceStep,
    live: &super::Live,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let found = ec2
        .describe_network_interfaces()
        .filters(filter(&format!("tag:{TAG_CASE}"), &[&step.case.case_id]))
        .filters(filter(&format!("tag:{TAG_INSTANCE}"), &[&step.instance_id]))
        .filters(filter(&format!("tag:{TAG_ROLE}"), &["forensic-interface"]))
        .send()
        .await
        .map_err(|e| TaskError::from_sdk(e, "find the forensic interface"))?;
    let (eni, attached) = match found.network_interfaces().first() {
        Some(n) => (
            n.network_interface_id().unwrap_or_default().to_string(),
            n.attachment().is_some(),
        ),
        None => {
            out.act(
                "ec2:CreateNetworkInterface",
                &step.policy.forensic_subnet_id,
                format!("with group {}", step.policy.forensic_security_group_id),
            );
            if step.case.dry_run {
                out.act(
                    "ec2:AttachNetworkInterface",
                    &step.instance_id,
                    "the forensic interface at the next device index",
                );
                return Ok(());
            }
            let n = ec2
                .create_network_interface()
                .subnet_id(&step.policy.forensic_subnet_id)
                .groups(&step.policy.forensic_security_group_id)
                .description(format!(
                    "{FORENSIC_INTERFACE_DESCRIPTION} for {} ({})",
                    step.instance_id, step.case.case_id
                ))
                .tag_specifications(
                    TagSpecification::builder()
                        .resource_type(ResourceType::NetworkInterface)
                        .tags(tag(TAG_CASE, &step.case.case_id))
                        .tags(tag(TAG_INSTANCE, &step.instance_id))
                        .tags(tag(TAG_ROLE, "forensic-interface"))
                        .build(),
                )
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(
                        e,
                        &format!(
                            "create a forensic interface in {}",
                            step.policy.forensic_subnet_id
                        ),
                    )
                })?;
            (
                n.network_interface()
                    .and_then(|i| i.network_interface_id())
                    .unwrap_or_default()
                    .to_string(),
                false,
            )
        }
    };
    // Recorded before it is attached: isolation leaves alone only what the case recorded.
    crate::cases::add_forensic_interface(
        dynamodb,
        &step.policy.case_table,
        &step.case.case_id,
        &step.instance_id,
        &eni,
    )
    .await?;
    if attached {
        out.note(format!("forensic interface {eni} is already attached"));
        return Ok(());
    }
    let index = live
        .interfaces
        .iter()
        .chain(&live.forensic_interfaces)
        .map(|n| n.device_index)
        .max()
        .map_or(1, |m| m + 1);
    out.act(
        "ec2:AttachNetworkInterface",
        &eni,
        format!("to {} at device index {index}", step.instance_id),
    );
    if !step.case.dry_run {
        ec2.attach_network_interface()
            .network_interface_id(&eni)
            .instance_id(&step.instance_id)
            .device_index(index)
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(
                    e,
                    &format!("attach forensic interface {eni} to {}", step.instance_id),
                )
            })?;
    }
    Ok(())
}

/// Undoes [`interface`]: each forensic interface the case recorded and that is still attached
/// (`attached`, read live) comes off `instance`. It is kept, tagged with the case, for the
/// investigators to delete.
pub async fn detach_interface(
    ec2: &aws_sdk_ec2::Client,
    instance: &str,
    attached: &[LiveInterface],
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    for n in attached {
        out.act(
            "ec2:DetachNetworkInterface",
            &n.id,
            format!("forensic interface off {instance} (kept, tagged with the case)"),
        );
        if act {
            ec2.detach_network_interface()
                .attachment_id(&n.attachment_id)
                .send()
                .await
                .map_err(|e| {
                    TaskError::from_sdk(
                        e,
                        &format!("detach forensic interface {} from {instance}", n.id),
                    )
                })?;
        }
    }
    Ok(())
}

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let out = run(ec2, dynamodb, step.clone()).await?;
    super::remember(dynamodb, &step, "forensics", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{self, World, INSTANCE};

    /// The do, then its undo: the interface the do attached comes off the instance by the
    /// attachment the do made, and is kept (not deleted), tagged with the case; the instance's
    /// own interfaces are untouched.
    #[tokio::test]
    async fn the_forensic_interface_attached_is_detached_and_kept() {
        let w = World::before();
        let step = fake::step(INSTANCE, false);
        let before = w.snapshot();
        let live = describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut out = Outcome::new(false);
        interface(&w.ec2(), &w.dynamodb(), &step, &live, &mut out)
            .await
            .unwrap();
        let attached = w.snapshot();
        let (attachment, _) = attached
            .eni("eni-forensic-1")
            .attachment
            .clone()
            .expect("the do attached it");
        w.take_calls();

        let mut live = describe(&w.ec2(), INSTANCE).await.unwrap();
        live.keep_recorded_forensic(
            &crate::cases::forensic_interfaces(&w.dynamodb(), "cases", fake::CASE, INSTANCE)
                .await
                .unwrap(),
        );
        let mut out = Outcome::new(false);
        detach_interface(
            &w.ec2(),
            INSTANCE,
            &live.forensic_interfaces,
            true,
            &mut out,
        )
        .await
        .unwrap();
        assert_eq!(
            w.take_calls(),
            [format!("ec2:DetachNetworkInterface {attachment}")]
        );
        let after = w.snapshot();
        assert_eq!(after.attached(), before.attached());
        let kept = after.eni("eni-forensic-1");
        assert_eq!(kept.attachment, None);
        assert_eq!(
            kept.tags.get(TAG_CASE).map(String::as_str),
            Some(fake::CASE)
        );
    }

    #[test]
    fn device_names_skip_the_used_ones_in_both_notations() {
        assert_eq!(free_device(&[]), Some("/dev/sdf".into()));
        assert_eq!(
            free_device(&["/dev/sdf".into(), "/dev/xvdg".into()]),
            Some("/dev/sdh".into())
        );
        let all: Vec<String> = ('f'..='z').map(|c| format!("/dev/sd{c}")).collect();
        assert_eq!(free_device(&all), None);
    }
}
