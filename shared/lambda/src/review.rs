//! The website's entry point for review decisions: a Lambda function URL with `AuthType:
//! AWS_IAM` (only the website's role may invoke it), whose JSON body is a
//! `validator_pipeline::ReviewRequest`.

use serde_json::{json, Value};
use validator_pipeline::{review, Pipeline, ReconsiderOutcome, ReviewRequest, StageError};

/// The largest request body accepted (a decision is a few hundred bytes).
pub const MAX_REVIEW_BODY_BYTES: usize = 16 * 1024;

/// Handles one function URL invocation (the event as JSON) and returns the function URL
/// response (`statusCode`, `headers`, `body`). 400 for a refused or malformed decision, 403
/// without an IAM caller (the URL must be IAM-authorised), 200 with what the decision did; a
/// backend failure is an `Err` (the invocation fails and the website retries).
pub async fn handle_function_url(pipeline: &Pipeline, event: &Value) -> Result<Value, StageError> {
    let caller = event
        .pointer("/requestContext/authorizer/iam/userArn")
        .and_then(Value::as_str);
    let Some(caller) = caller else {
        return Ok(response(
            403,
            json!({ "error": "IAM authorisation required" }),
        ));
    };
    if event.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        return Ok(response(
            400,
            json!({ "error": "send the decision as JSON (Content-Type: application/json)" }),
        ));
    }
    let body = event
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if body.len() > MAX_REVIEW_BODY_BYTES {
        return Ok(response(
            400,
            json!({ "error": "the request body is too large" }),
        ));
    }
    let request: ReviewRequest = match serde_json::from_str(body) {
        Ok(request) => request,
        Err(e) => {
            return Ok(response(
                400,
                json!({ "error": format!("bad request: {e}") }),
            ))
        }
    };
    tracing::info!(caller, scan_id = %request.scan_id, "review decision received");
    match review(pipeline, &request).await? {
        Err(refused) => Ok(response(400, json!({ "error": refused.to_string() }))),
        Ok(outcome) => {
            let scan = match outcome.scan {
                ReconsiderOutcome::Revalidated { .. } => {
                    json!({ "status": "validated", "reviewed": true })
                }
                ReconsiderOutcome::StillBlocked { blocking } => {
                    json!({ "status": "blocked", "undecided_blocking": blocking })
                }
                ReconsiderOutcome::NotBlocked { status } => json!({ "status": status }),
                ReconsiderOutcome::NotFound => json!({}),
            };
            Ok(response(
                200,
                json!({ "decision": outcome.decision, "scan": scan }),
            ))
        }
    }
}

fn response(status: u16, body: Value) -> Value {
    json!({
        "statusCode": status,
        "headers": { "content-type": "application/json" },
        "body": body.to_string(),
    })
}
