//! Hand an instance to the ec2-compromise playbook: a manual request signed with this task's
//! role (see `contract::events::manual`), started directly on that playbook's state machine.
//! The receiving playbook authenticates it like a responder's and finds one of aws-ir's roles.

use crate::error::TaskError;
use contract::events::manual::{self, ManualRequest};
use contract::tasks::credentials::{HandOffInput, HandOffOutput};
use std::time::Duration;

/// The request, with an id derived from the case and instance: a retried hand-off is the same
/// request (the same case on the other side, the same execution name).
pub fn request(input: &HandOffInput) -> (String, ManualRequest) {
    let id = format!("handoff-{}-{}", input.case.case_id, input.instance_id);
    let request = ManualRequest {
        playbook: "ec2-compromise".into(),
        reason: input.reason.clone(),
        requested_by: Some(format!(
            "aws-ir credentials-compromise, case {}",
            input.case.case_id
        )),
        instance_ids: vec![input.instance_id.clone()],
        severity: Some(input.case.severity.score),
        dry_run: input.case.dry_run,
        ..Default::default()
    };
    (id, request)
}

pub async fn hand_off(
    sfn: &aws_sdk_sfn::Client,
    config: &aws_config::SdkConfig,
    input: HandOffInput,
) -> Result<HandOffOutput, TaskError> {
    let (id, mut request) = request(&input);
    if input.case.dry_run {
        return Ok(HandOffOutput {
            status: "planned".into(),
            execution: String::new(),
        });
    }
    let time = crate::now();
    let digest = manual::request_digest(&id, &time, &request);
    let proof = connect::proof::sign_proof(
        config,
        &digest,
        Duration::from_secs(contract::proof::LIFETIME_SECONDS),
    )
    .await
    .map_err(|e| {
        TaskError::new(
            contract::ErrorName::Misconfigured,
            format!("could not sign the hand-off request: {e}"),
        )
    })?;
    request.proof = Some(proof);
    let event = serde_json::json!({
        "version": "0",
        "id": id,
        "detail-type": manual::DETAIL_TYPE,
        "source": manual::SOURCE,
        "account": input.case.account,
        "time": time,
        "region": input.case.region,
        "resources": [],
        "detail": request,
    });
    match sfn
        .start_execution()
        .state_machine_arn(&input.target)
        .name(&id)
        .input(event.to_string())
        .send()
        .await
    {
        Ok(out) => Ok(HandOffOutput {
            status: "started".into(),
            execution: out.execution_arn().to_string(),
        }),
        // The same name: an earlier try of this hand-off started it (the proof differs).
        Err(e)
            if aws_sdk_sfn::error::ProvideErrorMetadata::code(&e)
                == Some("ExecutionAlreadyExists") =>
        {
            Ok(HandOffOutput {
                status: "already started".into(),
                execution: format!(
                    "{}:{id}",
                    input.target.replace(":stateMachine:", ":execution:")
                ),
            })
        }
        Err(e) => Err(TaskError::from_sdk(
            e,
            &format!(
                "start {} on {} (is the ec2-compromise stack deployed with the same prefix?)",
                input.target, input.instance_id
            ),
        )),
    }
}
