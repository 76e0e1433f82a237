//! DynamoDB stream batches -> [`validator_pipeline::aggregate`], and the scheduled
//! [`validator_pipeline::sweep`] that ends scans stuck in `validating` (fail-closed when a check
//! never reported, e.g. its function was killed on its last attempt).

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use validator_aws::item_keys;
use validator_domain::ScanId;
use validator_pipeline::{aggregate, sweep, Pipeline, StageError, SweepReport};

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
/// (`STUCK_AFTER_MINUTES`, `SWEEP_PAGE_SIZE`, `SWEEP_MAX_SCANS`), then the number of stuck
/// scans found as a CloudWatch embedded metric (`PluginValidator/StuckScans`), which the
/// stuck-scans alarm watches.
pub async fn handle_sweep(pipeline: &Pipeline) -> Result<SweepReport, StageError> {
    let report = sweep(pipeline).await?;
    println!("{}", stuck_metric(report.stuck));
    Ok(report)
}

/// A CloudWatch embedded-metric-format line: the stuck-scans count.
pub fn stuck_metric(count: usize) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": validator_domain::now().unix_timestamp() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": "PluginValidator",
                "Dimensions": [[]],
                "Metrics": [{"Name": "StuckScans", "Unit": "Count"}]
            }]
        },
        "StuckScans": count
    })
    .to_string()
}

/// What the aggregator function receives: stream batches, and the schedule's sweep events.
#[derive(Debug)]
pub enum AggregatorEvent {
    Stream(Event),
    Sweep,
}

impl AggregatorEvent {
    /// Stream batches have `Records`; anything else is the scheduled sweep.
    pub fn parse(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        if value.get("Records").is_some() {
            Ok(Self::Stream(serde_json::from_value(value)?))
        } else {
            Ok(Self::Sweep)
        }
    }
}
