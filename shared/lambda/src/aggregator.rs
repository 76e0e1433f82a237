//! DynamoDB stream batches -> [`validator_pipeline::aggregate`], and the scheduled sweep that
//! ends scans stuck in `validating` (fail-closed when a check never reported, e.g. its function
//! was killed on its last attempt).

use std::time::Duration;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use validator_aws::{item_keys, DynamoScanStore};
use validator_domain::{CheckResult, ScanId};
use validator_pipeline::{aggregate, AggregateOutcome, Pipeline, StageError};

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

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Scans found `validating` for longer than allowed.
    pub stuck: usize,
    /// Scans the sweep moved to a final status now.
    pub ended: Vec<ScanId>,
}

/// How much one sweep reads: pages of `page_size` stuck scans, at most `max_scans` in all, so
/// that a sweep finishes well within its timeout however many scans are stuck.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepLimits {
    /// `SWEEP_PAGE_SIZE` (default 100).
    pub page_size: i32,
    /// `SWEEP_MAX_SCANS` (default 500).
    pub max_scans: usize,
}

impl Default for SweepLimits {
    fn default() -> Self {
        Self {
            page_size: 100,
            max_scans: 500,
        }
    }
}

/// Ends scans stuck in `validating` for longer than `stuck_after`: every check that never
/// reported gets an `error` result, so the scan ends in `error` (never a silent pass) and the
/// maintainers hear about it. Prints the number found as a CloudWatch embedded metric
/// (`PluginValidator/StuckScans`), which the stuck-scans alarm watches.
pub async fn sweep(
    pipeline: &Pipeline,
    store: &DynamoScanStore,
    stuck_after: Duration,
    limits: SweepLimits,
) -> Result<SweepReport, StageError> {
    let cutoff = validator_domain::now().unix_timestamp() - stuck_after.as_secs() as i64;
    let stuck = store
        .stuck_scans(cutoff, limits.page_size, limits.max_scans)
        .await?;
    if stuck.len() >= limits.max_scans {
        // The oldest are ended now; the next sweep (10 minutes later) takes the rest.
        tracing::warn!(
            max = limits.max_scans,
            "more stuck scans than one sweep ends: the rest wait for the next sweep"
        );
    }
    let mut report = SweepReport {
        stuck: stuck.len(),
        ..SweepReport::default()
    };
    for found in stuck {
        let Some(scan) = pipeline.store.get_scan(&found.id).await? else {
            continue;
        };
        for check in scan.pending_checks() {
            let reason = format!(
                "the {check} check did not report within {} minutes",
                stuck_after.as_secs() / 60
            );
            tracing::error!(scan_id = scan.id.as_str(), %check, "check never reported: recording an error");
            let result = CheckResult::new(scan.id.clone(), check.clone(), Err(reason), 0, 0);
            pipeline.store.record_result(&result).await?;
        }
        if let AggregateOutcome::Finished { .. } | AggregateOutcome::NotificationInProgress { .. } =
            aggregate(pipeline, &scan.id).await?
        {
            report.ended.push(scan.id.clone());
        }
    }
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
