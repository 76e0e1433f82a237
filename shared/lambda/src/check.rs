//! SQS batches of check requests -> [`validator_pipeline::run_check`], one function per check.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use validator_domain::CheckId;
use validator_pipeline::{run_check, Attempt, CheckRequest, Pipeline, RunCheckOutcome};

/// Which delivery of a message this is: SQS's `ApproximateReceiveCount` against the queue's
/// `maxReceiveCount`. On the last one a failing check stores an `error` result, so the scan
/// ends in `error` instead of waiting for a message that went to the dead-letter queue.
pub fn attempt_of(message: &SqsMessage, max_receive_count: u32) -> Attempt {
    let number = message
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    Attempt {
        number,
        max: max_receive_count.max(1),
    }
}

/// Why one message was not done; it stays on the queue (and goes to the dead-letter queue
/// after `maxReceiveCount` deliveries).
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("the message body is not a check request: {0}")]
    Poison(String),
    #[error("the message asks for the {asked} check, but this function runs {runs}")]
    WrongCheck { asked: CheckId, runs: CheckId },
    #[error(transparent)]
    Stage(#[from] validator_pipeline::StageError),
}

/// Runs one message.
pub async fn handle_message(
    pipeline: &Pipeline,
    check: &CheckId,
    max_receive_count: u32,
    message: &SqsMessage,
) -> Result<RunCheckOutcome, MessageError> {
    let body = message.body.as_deref().unwrap_or_default();
    let request: CheckRequest =
        serde_json::from_str(body).map_err(|e| MessageError::Poison(e.to_string()))?;
    if &request.check != check {
        return Err(MessageError::WrongCheck {
            asked: request.check,
            runs: check.clone(),
        });
    }
    let attempt = attempt_of(message, max_receive_count);
    Ok(run_check(pipeline, &request, attempt).await?)
}

/// Runs every message of the batch and reports the failed ones (`ReportBatchItemFailures`), so
/// that only those are delivered again.
pub async fn handle_sqs_batch(
    pipeline: &Pipeline,
    check: &CheckId,
    max_receive_count: u32,
    event: &SqsEvent,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let id = message.message_id.clone().unwrap_or_default();
        match handle_message(pipeline, check, max_receive_count, message).await {
            Ok(outcome) => tracing::info!(message_id = id, ?outcome, "message done"),
            Err(error) => {
                tracing::warn!(message_id = id, %error, "message failed; it will be delivered again");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}
