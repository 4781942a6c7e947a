//! Claims whose holder ended without finishing are taken over (mocked DynamoDB and Step
//! Functions): a fault mid-way must not turn every later delivery of a finding into a
//! "duplicate" that nobody acts on.

use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_smithy_mocks::{mock, mock_client};
use tasks::cases::{take_over_stalled, Claim};

const HOLDER: &str = "arn:aws:states:us-east-1:123456789012:execution:e2e-ec2-compromise:first";
const ME: &str = "arn:aws:states:us-east-1:123456789012:execution:e2e-ec2-compromise:second";

fn holder(status: ExecutionStatus) -> aws_sdk_sfn::Client {
    let rule = mock!(aws_sdk_sfn::Client::describe_execution).then_output(move || {
        DescribeExecutionOutput::builder()
            .execution_arn(HOLDER)
            .state_machine_arn(
                "arn:aws:states:us-east-1:123456789012:stateMachine:e2e-ec2-compromise",
            )
            .status(status.clone())
            .start_date(aws_sdk_sfn::primitives::DateTime::from_secs(0))
            .build()
            .unwrap()
    });
    mock_client!(aws_sdk_sfn, [&rule])
}

async fn claim(status: ExecutionStatus, item_status: &str, stalled: &[&str]) -> (Claim, usize) {
    let update = mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(|r| {
            r.condition_expression() == Some("#execution = :old")
                && r.expression_attribute_values()
                    .and_then(|v| v.get(":old"))
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(HOLDER)
        })
        .then_output(|| {
            aws_sdk_dynamodb::operation::update_item::UpdateItemOutput::builder().build()
        });
    let ddb = mock_client!(aws_sdk_dynamodb, [&update]);
    let theirs = Claim::Theirs {
        execution: HOLDER.into(),
        status: item_status.into(),
    };
    let got = take_over_stalled(
        &ddb,
        &holder(status),
        "t",
        "case-0123456789abcdef",
        "instance#i-0a1b2c3d4e5f60718",
        ME,
        theirs,
        stalled,
    )
    .await
    .unwrap();
    (got, update.num_calls())
}

#[tokio::test]
async fn a_holder_that_failed_timed_out_or_was_stopped_is_taken_over() {
    for status in [
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ] {
        let (got, updates) = claim(status, "claimed", &[]).await;
        assert_eq!(got, Claim::Ours);
        assert_eq!(updates, 1, "a conditional update on the old holder");
    }
}

#[tokio::test]
async fn a_running_holder_keeps_its_claim() {
    let (got, updates) = claim(ExecutionStatus::Running, "claimed", &["claimed"]).await;
    assert!(matches!(got, Claim::Theirs { .. }));
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn a_succeeded_holder_keeps_what_it_finished_and_gives_up_what_it_never_began() {
    let stalled = ["claimed", "pre-state recorded"];
    let (got, _) = claim(ExecutionStatus::Succeeded, "contained", &stalled).await;
    assert!(
        matches!(got, Claim::Theirs { .. }),
        "a finished containment is a duplicate"
    );
    let (got, _) = claim(ExecutionStatus::Succeeded, "pre-state recorded", &stalled).await;
    assert_eq!(
        got,
        Claim::Ours,
        "an instance that failed inside a successful run is retried"
    );
}
