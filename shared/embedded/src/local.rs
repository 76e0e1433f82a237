//! The local pipeline: the embedded backends wired together and a driver that runs dispatch,
//! every queued check, the aggregator and the sweep of stuck scans, exactly as the Lambdas
//! would, in one process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use validator_checks::CheckRegistry;
use validator_domain::{Scan, ScanId};
use validator_pipeline::{
    aggregate, dispatch_version, run_check, sweep, Attempt, DispatchOutcome, Pipeline,
    PipelineConfig, PortError, Ports, ScanStore, StageError,
};

use crate::{FolderBlobStore, InProcessQueue, JsonlEventPublisher, OutboxMailer, SqliteScanStore};

/// The embedded backends under one data folder:
/// `blobs/` (uploads, findings, reports), `scans.sqlite3`, `outbox/*.eml`, `events.jsonl`.
pub struct LocalBackends {
    pub data_dir: PathBuf,
    pub blobs: Arc<FolderBlobStore>,
    pub queue: Arc<InProcessQueue>,
    pub store: Arc<SqliteScanStore>,
    pub mailer: Arc<OutboxMailer>,
    pub events: Arc<JsonlEventPublisher>,
}

/// What a local run produced.
#[derive(Debug)]
pub struct LocalRun {
    pub scan: Scan,
    pub emails: Vec<PathBuf>,
    pub report: Option<PathBuf>,
    pub events: PathBuf,
}

impl LocalBackends {
    pub fn open(data_dir: &Path, sender: &str) -> Result<Self, PortError> {
        Ok(Self {
            data_dir: data_dir.to_owned(),
            blobs: Arc::new(FolderBlobStore::new(data_dir.join("blobs"))),
            queue: Arc::new(InProcessQueue::new()),
            store: Arc::new(SqliteScanStore::open(&data_dir.join("scans.sqlite3"))?),
            mailer: Arc::new(OutboxMailer::new(data_dir.join("outbox"), sender)?),
            events: Arc::new(JsonlEventPublisher::new(data_dir.join("events.jsonl"))),
        })
    }

    /// The embedded backends as the pipeline's five ports.
    pub fn ports(&self) -> Ports {
        Ports {
            blobs: self.blobs.clone(),
            queue: self.queue.clone(),
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            events: self.events.clone(),
        }
    }

    pub fn pipeline(&self, config: PipelineConfig, registry: CheckRegistry) -> Pipeline {
        Pipeline::new(config, registry, self.ports())
    }

    /// Puts the zip as an upload (with the website's metadata) and runs it through every stage.
    /// `progress` hears about each step.
    pub async fn run(
        &self,
        pipeline: &Pipeline,
        object_key: &str,
        zip: &[u8],
        metadata: &BTreeMap<String, String>,
        max_attempts: u32,
        mut progress: impl FnMut(&str),
    ) -> Result<LocalRun, StageError> {
        let version = self.blobs.put_with_metadata(object_key, zip, metadata)?;
        progress(&format!("uploaded {object_key} (version {version})"));
        let scan_id: ScanId = match dispatch_version(pipeline, object_key, Some(&version)).await? {
            DispatchOutcome::Ignored { reason } => {
                return Err(StageError::Port(PortError::Backend(reason)))
            }
            DispatchOutcome::Dispatched {
                scan_id, enqueued, ..
            } => {
                progress(&format!(
                    "dispatched scan {scan_id}: {} check(s) queued",
                    enqueued.len()
                ));
                scan_id
            }
        };
        // An archive refused at intake expects no check: aggregate decides right away.
        aggregate(pipeline, &scan_id).await?;
        while let Some(request) = self.queue.pop() {
            let mut number = 1;
            loop {
                let attempt = Attempt {
                    number,
                    max: max_attempts.max(1),
                };
                match run_check(pipeline, &request, attempt).await {
                    Ok(outcome) => {
                        progress(&format!("check {}: {}", request.check, describe(&outcome)));
                        break;
                    }
                    Err(StageError::CheckFailed { reason, .. }) => {
                        progress(&format!(
                            "check {} failed (attempt {number}): {reason}; retrying",
                            request.check
                        ));
                        number += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            aggregate(pipeline, &request.scan_id).await?;
        }
        // As the scheduled sweep on AWS: scans of earlier runs whose checks never reported
        // (the process died) end in `error` once they are older than the configured time.
        let swept = sweep(pipeline).await?;
        if swept.stuck > 0 {
            progress(&format!(
                "sweep: {} scan(s) stuck in validating ended in error: {}",
                swept.ended.len(),
                swept
                    .ended
                    .iter()
                    .map(ScanId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let scan = self
            .store
            .get_scan(&scan_id)
            .await?
            .ok_or_else(|| StageError::ScanNotFound(scan_id.clone()))?;
        progress(&format!("scan {scan_id} is {}", scan.status));
        Ok(LocalRun {
            report: scan
                .report_key
                .as_deref()
                .and_then(|k| self.blobs.path_of(k).ok()),
            emails: self.mailer.sent(),
            events: self.events.path().to_owned(),
            scan,
        })
    }
}

fn describe(outcome: &validator_pipeline::RunCheckOutcome) -> String {
    use validator_pipeline::RunCheckOutcome::*;
    match outcome {
        Stored { result } => match &result.outcome {
            validator_domain::CheckOutcome::Ok => format!(
                "{} finding(s), {} blocking",
                result.counts.total() + result.counts.suppressed,
                result.counts.blocking
            ),
            validator_domain::CheckOutcome::Error { reason } => format!("ERROR: {reason}"),
        },
        Duplicate => "already done".to_owned(),
        ScanFinished => "scan already final".to_owned(),
    }
}
