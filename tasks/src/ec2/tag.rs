//! Tag: the case id and containment status on the instance, where every responder and every
//! tool looking at the instance will see them.

use super::{check_instance_id, tag, TAG_CASE, TAG_STATUS};
use crate::aws::Aws;
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome};

pub async fn set(aws: &Aws, step: &InstanceStep, status: &str) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let mut out = Outcome::new(step.case.dry_run);
    out.act(
        "ec2:CreateTags",
        id,
        format!("{TAG_CASE}={}, {TAG_STATUS}={status}", step.case.case_id),
    );
    if !step.case.dry_run {
        aws.ec2
            .create_tags()
            .resources(id)
            .tags(tag(TAG_CASE, &step.case.case_id))
            .tags(tag(TAG_STATUS, status))
            .send()
            .await
            .map_err(|e| {
                let code = aws_sdk_ec2::error::ProvideErrorMetadata::code(&e)
                    .unwrap_or_default()
                    .to_string();
                if code.starts_with("InvalidInstanceID") {
                    TaskError::new(
                        contract::ErrorName::ResourceNotFound,
                        format!("instance {id} no longer exists; it was not tagged"),
                    )
                } else {
                    TaskError::from_sdk(e, &format!("tag {id}"))
                }
            })?;
    }
    Ok(out)
}

pub async fn handle(aws: &Aws, step: InstanceStep) -> Result<Outcome, TaskError> {
    let out = set(aws, &step, "contained").await?;
    super::remember(aws, &step, "tag", &out).await?;
    Ok(out)
}
