//! Protect: termination protection on, shutdown behaviour `stop`, every volume kept on
//! termination, so that neither an attacker nor an Auto Scaling group can destroy evidence.
//!
//! The undo lives here too: [`restore`] puts each of them back as the pre-state recorded it.

use super::{check_instance_id, describe, Live};
use crate::error::TaskError;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, EbsInstanceBlockDeviceSpecification,
    InstanceAttributeName, InstanceBlockDeviceMappingSpecification,
};
use contract::tasks::ec2::{InstanceStep, Outcome, PreState, Status};

/// The instance's termination protection and shutdown behaviour, read together.
async fn protections(ec2: &aws_sdk_ec2::Client, id: &str) -> Result<(bool, String), TaskError> {
    let (termination, shutdown) = tokio::join!(
        ec2.describe_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::DisableApiTermination)
            .send(),
        ec2.describe_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::InstanceInitiatedShutdownBehavior)
            .send(),
    );
    let protected = termination
        .map_err(|e| TaskError::from_sdk(e, &format!("read the termination protection of {id}")))?
        .disable_api_termination()
        .and_then(|v| v.value())
        .unwrap_or(false);
    let behaviour = shutdown
        .map_err(|e| TaskError::from_sdk(e, &format!("read the shutdown behaviour of {id}")))?
        .instance_initiated_shutdown_behavior()
        .and_then(|v| v.value())
        .map(String::from)
        .unwrap_or_default();
    Ok((protected, behaviour))
}

async fn run(ec2: &aws_sdk_ec2::Client, step: InstanceStep) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let live = describe(ec2, id).await?;
    let (protected, behaviour) = protections(ec2, id).await?;
    let deleted_on_termination: Vec<String> = live
        .volumes
        .iter()
        .filter(|v| v.delete_on_termination)
        .map(|v| v.device.clone())
        .collect();

    let mut out = Outcome::new(step.case.dry_run);
    let act = !step.case.dry_run;
    if protected {
        out.note("termination protection was already on");
    } else {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            "DisableApiTermination=true",
        );
    }
    if behaviour == "stop" {
        out.note("shutdown behaviour was already stop");
    } else {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("InstanceInitiatedShutdownBehavior=stop (was {behaviour})"),
        );
    }
    for device in &deleted_on_termination {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("BlockDeviceMapping {device}: DeleteOnTermination=false"),
        );
    }
    if out.actions.is_empty() {
        out.status = Status::Skipped;
        return Ok(out);
    }
    if act {
        let protect = async {
            if !protected {
                ec2.modify_instance_attribute()
                    .instance_id(id)
                    .disable_api_termination(AttributeBooleanValue::builder().value(true).build())
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("turn on termination protection of {id}"))
                    })?;
            }
            Ok::<_, TaskError>(())
        };
        let stop = async {
            if behaviour != "stop" {
                ec2.modify_instance_attribute()
                    .instance_id(id)
                    .instance_initiated_shutdown_behavior(
                        AttributeValue::builder().value("stop").build(),
                    )
                    .send()
                    .await
                    .map_err(|e| {
                        TaskError::from_sdk(e, &format!("set the shutdown behaviour of {id}"))
                    })?;
            }
            Ok::<_, TaskError>(())
        };
        let keep = async {
            if !deleted_on_termination.is_empty() {
                let mut req = ec2.modify_instance_attribute().instance_id(id);
                for device in &deleted_on_termination {
                    req = req.block_device_mappings(
                        InstanceBlockDeviceMappingSpecification::builder()
                            .device_name(device)
                            .ebs(
                                EbsInstanceBlockDeviceSpecification::builder()
                                    .delete_on_termination(false)
                                    .build(),
                            )
                            .build(),
                    );
                }
                req.send().await.map_err(|e| {
                    TaskError::from_sdk(e, &format!("keep the volumes of {id} on termination"))
                })?;
            }
            Ok::<_, TaskError>(())
        };
        let (a, b, c) = tokio::join!(protect, stop, keep);
        a?;
        b?;
        c?;
    }
    Ok(out)
}

/// Undoes [`run`]: termination protection, shutdown behaviour and DeleteOnTermination of each
/// volume back to what the pre-state recorded (`recorded`). Only what differs from the record
/// is put back, so a re-run changes nothing.
pub async fn restore(
    ec2: &aws_sdk_ec2::Client,
    recorded: &PreState,
    live: &Live,
    act: bool,
    out: &mut Outcome,
) -> Result<(), TaskError> {
    let id = live.instance_id.as_str();
    let (protected, behaviour) = protections(ec2, id).await?;
    let restore_protection = protected != recorded.termination_protection;
    let restore_shutdown = behaviour != recorded.shutdown_behavior;
    if restore_protection {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("DisableApiTermination={}", recorded.termination_protection),
        );
    }
    if restore_shutdown {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!(
                "InstanceInitiatedShutdownBehavior={}",
                recorded.shutdown_behavior
            ),
        );
    }
    let kept: Vec<_> = recorded
        .volumes
        .iter()
        .filter(|v| v.delete_on_termination)
        .filter(|v| {
            !live
                .volumes
                .iter()
                .any(|l| l.device == v.device_name && l.delete_on_termination)
        })
        .collect();
    for v in &kept {
        out.act(
            "ec2:ModifyInstanceAttribute",
            id,
            format!("{}: DeleteOnTermination=true", v.device_name),
        );
    }
    if act && restore_protection {
        ec2.modify_instance_attribute()
            .instance_id(id)
            .disable_api_termination(
                AttributeBooleanValue::builder()
                    .value(recorded.termination_protection)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("restore the termination protection of {id}"))
            })?;
    }
    if act && restore_shutdown {
        ec2.modify_instance_attribute()
            .instance_id(id)
            .instance_initiated_shutdown_behavior(
                AttributeValue::builder()
                    .value(&recorded.shutdown_behavior)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                TaskError::from_sdk(e, &format!("restore the shutdown behaviour of {id}"))
            })?;
    }
    if act && !kept.is_empty() {
        let mut req = ec2.modify_instance_attribute().instance_id(id);
        for v in &kept {
            req = req.block_device_mappings(
                InstanceBlockDeviceMappingSpecification::builder()
                    .device_name(&v.device_name)
                    .ebs(
                        EbsInstanceBlockDeviceSpecification::builder()
                            .delete_on_termination(true)
                            .build(),
                    )
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("restore DeleteOnTermination on {id}")))?;
    }
    Ok(())
}

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let out = run(ec2, step.clone()).await?;
    super::remember(dynamodb, &step, "protect", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{self, World, INSTANCE};

    /// What protections the world has: (termination protection, shutdown behaviour, volumes
    /// with DeleteOnTermination).
    fn protections(w: &World) -> (bool, String, Vec<(String, String, bool)>) {
        let s = w.snapshot();
        (s.termination_protection, s.shutdown_behavior, s.volumes)
    }

    /// Runs the do, then the undo with the recorded pre-state; returns the undo's writes, and
    /// checks that the world's protections are back as they were and that a second undo
    /// writes nothing.
    async fn round_trip(w: &World) -> Vec<String> {
        let before = protections(w);
        let recorded = w.record(INSTANCE).await;
        run(&w.ec2(), fake::step(INSTANCE, false)).await.unwrap();
        assert_eq!(
            protections(w),
            (
                true,
                "stop".into(),
                before
                    .2
                    .iter()
                    .map(|(d, v, _)| (d.clone(), v.clone(), false))
                    .collect()
            ),
            "the do protects everything"
        );
        w.take_calls();

        let live = describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut out = Outcome::new(false);
        restore(&w.ec2(), &recorded, &live, true, &mut out)
            .await
            .unwrap();
        let calls = w.take_calls();
        assert_eq!(protections(w), before);

        let live = describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut again = Outcome::new(false);
        restore(&w.ec2(), &recorded, &live, true, &mut again)
            .await
            .unwrap();
        assert_eq!(w.take_calls(), Vec::<String>::new());
        assert!(again.actions.is_empty());
        calls
    }

    /// Each protection the do turned on goes back to its recorded value; the volume the do
    /// left alone (already kept on termination) is not written.
    #[tokio::test]
    async fn restoring_puts_back_the_recorded_protections() {
        let calls = round_trip(&World::before()).await;
        assert_eq!(
            calls,
            [
                "ec2:ModifyInstanceAttribute DisableApiTermination=false",
                "ec2:ModifyInstanceAttribute InstanceInitiatedShutdownBehavior=terminate",
                "ec2:ModifyInstanceAttribute /dev/xvda DeleteOnTermination=true",
            ]
        );
    }

    /// Protections the instance had before containment stay on after release.
    #[tokio::test]
    async fn what_was_protected_before_stays_protected() {
        let w = World::before();
        w.change(|s| {
            s.termination_protection = true;
            s.shutdown_behavior = "stop".into();
        });
        let calls = round_trip(&w).await;
        assert_eq!(
            calls,
            ["ec2:ModifyInstanceAttribute /dev/xvda DeleteOnTermination=true"]
        );
    }
}
