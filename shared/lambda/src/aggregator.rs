//! DynamoDB stream batches -> [`validator_pipeline::aggregate`], and the scheduled
//! [`validator_pipeline::sweep`] that ends scans stuck in `validating` (fail-closed when a check
//! never reported, e.g. its function was killed on its last attempt).

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use validator_aws::item_keys;
use validator_domain::NotificationKind;
use validator_domain::ScanId;
use validator_pipeline::{
    acknowledge, aggregate, resend, sweep, Pipeline, ResendOutcome, StageError, SweepReport,
};

/// The scan a stream record is about, when it is a scan item (result items carry no news:
/// the transaction that stores a result also updates the scan item).
pub fn scan_of(record: &EventRecord) -> Option<ScanId> {
    let sk = record.change.keys.get("sk")?;
    let pk = record.change.keys.get("pk")?;
    let text = |v: &serde_dynamo::AttributeValue| match v {
        serde_dynamo::AttributeValue::S(s) => Some(s.clone()),
        _ => None,
    };
    if text(sk)? != item_keys::SCAN_SORT_KEY {
        return None;
    }
    item_keys::scan_id_of(&text(pk)?)
}

/// Aggregates every scan the batch touches, in order. On the first failure it stops and
/// reports that record (for a stream, Lambda retries from the first reported record).
pub async fn handle_stream_batch(pipeline: &Pipeline, event: &Event) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    let mut done: Vec<ScanId> = Vec::new();
    for record in &event.records {
        let Some(scan_id) = scan_of(record) else {
            continue;
        };
        if done.contains(&scan_id) {
            continue;
        }
        match aggregate(pipeline, &scan_id).await {
            Ok(outcome) => {
                tracing::info!(scan_id = scan_id.as_str(), ?outcome, "aggregated");
                done.push(scan_id);
            }
            Err(error) => {
                tracing::warn!(scan_id = scan_id.as_str(), %error, "aggregation failed; the stream will retry");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    response
}

/// The scheduled sweep: [`validator_pipeline::sweep`] with the function's settings
/// (`STUCK_AFTER_MINUTES`, `SWEEP_PAGE_SIZE`, `SWEEP_MAX_SCANS`), then two CloudWatch embedded
/// metrics: the number of stuck scans found (`PluginValidator/StuckScans`) and the number of
/// emails and events recorded as missing (`PluginValidator/MissingNotifications`), which
/// their alarms watch.
pub async fn handle_sweep(pipeline: &Pipeline) -> Result<SweepReport, StageError> {
    let report = sweep(pipeline).await?;
    println!("{}", stuck_metric(report.stuck));
    println!("{}", metric("MissingNotifications", report.missing.len()));
    Ok(report)
}

/// A CloudWatch embedded-metric-format line: the stuck-scans count.
pub fn stuck_metric(count: usize) -> String {
    metric("StuckScans", count)
}

/// A CloudWatch embedded-metric-format line: one count in the `PluginValidator` namespace.
pub fn metric(name: &str, count: usize) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": validator_domain::now().unix_timestamp() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": "PluginValidator",
                "Dimensions": [[]],
                "Metrics": [{"Name": name, "Unit": "Count"}]
            }]
        },
        name: count
    })
    .to_string()
}

/// The operator's resend (`aws lambda invoke` with `{"resend": {"scan_id": ..., "kinds":
/// [...]}}`, docs/deploy.md): [`validator_pipeline::resend`].
pub async fn handle_resend(
    pipeline: &Pipeline,
    request: &ResendRequest,
) -> Result<serde_json::Value, StageError> {
    if request.acknowledge {
        return Ok(
            match acknowledge(pipeline, &request.scan_id, &request.kinds).await? {
                None => serde_json::json!({ "error": format!("no scan {}", request.scan_id) }),
                Some(kinds) => serde_json::json!({ "acknowledged": kinds }),
            },
        );
    }
    let outcome = resend(pipeline, &request.scan_id, &request.kinds).await?;
    Ok(match outcome {
        None => serde_json::json!({ "error": format!("no scan {}", request.scan_id) }),
        Some(ResendOutcome {
            reset,
            still_missing,
            superseded,
        }) => serde_json::json!({
            "resent": reset,
            "still_missing": still_missing,
            "superseded": superseded,
        }),
    })
}

/// Which scan's missing notifications to resend (all of them when `kinds` is empty).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ResendRequest {
    pub scan_id: ScanId,
    #[serde(default)]
    pub kinds: Vec<NotificationKind>,
    /// Record them as sent instead: the operator found that they went out (their sender
    /// stopped between sending and recording it).
    #[serde(default)]
    pub acknowledge: bool,
}

/// What the aggregator function receives: stream batches, the schedule's sweep events, and the
/// operator's resend.
#[derive(Debug)]
pub enum AggregatorEvent {
    Stream(Event),
    Sweep,
    Resend(ResendRequest),
}

impl AggregatorEvent {
    /// Stream batches have `Records`, a resend has `resend`; anything else is the scheduled
    /// sweep.
    pub fn parse(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        if value.get("Records").is_some() {
            Ok(Self::Stream(serde_json::from_value(value)?))
        } else if let Some(request) = value.get("resend") {
            Ok(Self::Resend(serde_json::from_value(request.clone())?))
        } else {
            Ok(Self::Sweep)
        }
    }
}
