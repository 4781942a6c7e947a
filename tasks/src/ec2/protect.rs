//! Protect: termination protection on, shutdown behaviour `stop`, every volume kept on
//! termination, so that neither an attacker nor an Auto Scaling group can destroy evidence.

use super::{check_instance_id, describe};
use crate::error::TaskError;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AttributeValue, EbsInstanceBlockDeviceSpecification,
    InstanceAttributeName, InstanceBlockDeviceMappingSpecification,
};
use contract::tasks::ec2::{InstanceStep, Outcome, Status};

/// The instance's termination protection and shutdown behaviour, read together.
pub(super) async fn protections(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
) -> Result<(bool, String), TaskError> {
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
        .filter(|(_, _, d)| *d)
        .map(|(dev, _, _)| dev.clone())
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

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let out = run(ec2, step.clone()).await?;
    super::remember(dynamodb, &step, "protect", &out).await?;
    Ok(out)
}
