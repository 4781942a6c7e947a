//! Tag: the case id and containment status on the instance, where every responder and every
//! tool looking at the instance will see them.
//!
//! The undo lives here too: [`mark_released`] sets the status to `released` on release (the
//! case tag stays: the instance was part of the case).

use super::{check_instance_id, tag, Live, TAG_CASE, TAG_STATUS};
use crate::error::TaskError;
use contract::tasks::ec2::{InstanceStep, Outcome};

/// Tags the instance unless it already carries exactly these tags (a re-run tags nothing). The
/// instance is read first, so an unknown one is `IR.ResourceNotFound` before any write.
pub async fn set(
    ec2: &aws_sdk_ec2::Client,
    step: &InstanceStep,
    status: &str,
) -> Result<Outcome, TaskError> {
    check_instance_id(&step.instance_id)?;
    let id = step.instance_id.as_str();
    let mut out = Outcome::new(step.case.dry_run);
    let live = super::describe(ec2, id).await?;
    if !needs_tags(&live.tags, &step.case.case_id, status) {
        return Ok(out);
    }
    out.act(
        "ec2:CreateTags",
        id,
        format!("{TAG_CASE}={}, {TAG_STATUS}={status}", step.case.case_id),
    );
    if !step.case.dry_run {
        ec2.create_tags()
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

/// Undoes the status [`set`] wrote: `released`. `false` when the instance already says so (a
/// re-run: nothing left to tag or record).
pub async fn mark_released(
    ec2: &aws_sdk_ec2::Client,
    live: &Live,
    act: bool,
    out: &mut Outcome,
) -> Result<bool, TaskError> {
    let id = live.instance_id.as_str();
    if live.tags.get(TAG_STATUS).map(String::as_str) == Some("released") {
        return Ok(false);
    }
    out.act("ec2:CreateTags", id, format!("{TAG_STATUS}=released"));
    if act {
        ec2.create_tags()
            .resources(id)
            .tags(tag(TAG_STATUS, "released"))
            .send()
            .await
            .map_err(|e| TaskError::from_sdk(e, &format!("tag {id} as released")))?;
    }
    Ok(true)
}

fn needs_tags(
    tags: &std::collections::BTreeMap<String, String>,
    case_id: &str,
    status: &str,
) -> bool {
    tags.get(TAG_CASE).map(String::as_str) != Some(case_id)
        || tags.get(TAG_STATUS).map(String::as_str) != Some(status)
}

pub async fn handle(
    ec2: &aws_sdk_ec2::Client,
    dynamodb: &aws_sdk_dynamodb::Client,
    step: InstanceStep,
) -> Result<Outcome, TaskError> {
    let out = set(ec2, &step, "contained").await?;
    super::remember(dynamodb, &step, "tag", &out).await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ec2::fake::{self, World, INSTANCE};

    /// The do marks the instance contained; the undo marks it released, keeps the case tag,
    /// and a second undo writes nothing (and says so, so the case is not recorded again).
    #[tokio::test]
    async fn release_marks_the_status_tagging_set() {
        let w = World::before();
        let before = w.snapshot();
        set(&w.ec2(), &fake::step(INSTANCE, false), "contained")
            .await
            .unwrap();
        assert_eq!(
            w.snapshot().tags.get(TAG_STATUS).map(String::as_str),
            Some("contained")
        );
        w.take_calls();

        let live = crate::ec2::describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut out = Outcome::new(false);
        assert!(mark_released(&w.ec2(), &live, true, &mut out)
            .await
            .unwrap());
        assert_eq!(
            w.take_calls(),
            [format!("ec2:CreateTags {TAG_STATUS}=released")]
        );
        let mut tags = before.tags.clone();
        tags.insert(TAG_CASE.into(), fake::CASE.into());
        tags.insert(TAG_STATUS.into(), "released".into());
        assert_eq!(w.snapshot().tags, tags);

        let live = crate::ec2::describe(&w.ec2(), INSTANCE).await.unwrap();
        let mut again = Outcome::new(false);
        assert!(!mark_released(&w.ec2(), &live, true, &mut again)
            .await
            .unwrap());
        assert_eq!(w.take_calls(), Vec::<String>::new());
        assert!(again.actions.is_empty());
    }

    #[test]
    fn tags_only_what_differs() {
        let mut tags = std::collections::BTreeMap::new();
        assert!(needs_tags(&tags, "case-1", "contained"));
        tags.insert(TAG_CASE.to_string(), "case-1".to_string());
        tags.insert(TAG_STATUS.to_string(), "contained".to_string());
        assert!(!needs_tags(&tags, "case-1", "contained"));
        assert!(needs_tags(&tags, "case-1", "released"));
        assert!(needs_tags(&tags, "case-2", "contained"));
    }
}
