//! The rescan function: the Step Functions Distributed Map's item processor (a batch of S3
//! listing or inventory rows -> [`validator_pipeline::rescan_object`] each) and its last step
//! (the approvers' digest from the map's written results).

use serde::{Deserialize, Serialize};
use validator_domain::{CheckId, VerdictChange};
use validator_pipeline::{
    rescan_object, send_digest, Judgment, Pipeline, RescanOutcome, RescanSettings, SkippedVersion,
    StageError,
};

/// What the state machine invokes the function with.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RescanEvent {
    /// The map's last step: `{"digest": {...}}`.
    Digest { digest: DigestRequest },
    /// One batch of the map's items (`ItemBatcher`): `{"Items": [...], "BatchInput": {...}}`.
    Batch(RescanBatch),
}

#[derive(Debug, Clone, Deserialize)]
pub struct RescanBatch {
    #[serde(rename = "Items")]
    pub items: Vec<RescanItem>,
    #[serde(rename = "BatchInput", default)]
    pub input: RescanInput,
}

/// The execution's input, passed to every batch.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RescanInput {
    /// Judge and report; change no status, send nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Only these checks are run again (default: every enabled one).
    #[serde(default)]
    pub checks: Vec<String>,
}

/// One row of an S3 listing (`Key`, no version: the current one) or of an inventory report
/// (`Key`, `VersionId`, `IsDeleteMarker`).
#[derive(Debug, Clone, Deserialize)]
pub struct RescanItem {
    /// Only in inventory rows, whose keys are URL-encoded.
    #[serde(rename = "Bucket", default)]
    pub bucket: Option<String>,
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "VersionId", default)]
    pub version_id: Option<String>,
    #[serde(rename = "IsDeleteMarker", default)]
    pub is_delete_marker: Option<serde_json::Value>,
}

/// What one batch did: the map writes it to S3 (`ResultWriter`) for the digest step.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RescanBatchResult {
    pub fingerprint: String,
    pub dry_run: bool,
    pub judged: usize,
    pub reused: usize,
    pub unchanged: usize,
    pub changes: Vec<VerdictChange>,
    pub skipped: Vec<SkippedVersion>,
}

#[derive(Debug, thiserror::Error)]
pub enum RescanError {
    /// Some rows failed: the batch fails, Step Functions retries it (a rescan is idempotent:
    /// the rows that were done are reused), then the map's tolerated failures and a redrive.
    #[error("{failed} of {total} version(s) could not be judged again: {first}")]
    Failed {
        failed: usize,
        total: usize,
        first: StageError,
    },
    #[error("the map's results are unreadable: {0}")]
    Results(String),
    #[error(transparent)]
    Stage(#[from] StageError),
}

/// The digest step's input: where the map wrote its results (`ResultWriterDetails`).
#[derive(Debug, Clone, Deserialize)]
pub struct DigestRequest {
    /// The key of the map run's `manifest.json` in the bucket.
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(default)]
    pub dry_run: bool,
}

fn settings(pipeline: &Pipeline, input: &RescanInput) -> RescanSettings {
    let checks: Vec<CheckId> = input
        .checks
        .iter()
        .map(|c| CheckId::new(c.trim()))
        .collect();
    RescanSettings {
        dry_run: input.dry_run,
        judgment: Judgment::current(pipeline, (!checks.is_empty()).then_some(&checks[..])),
    }
}

/// Judges every row of the batch again; rows outside the upload prefix, not zips, or delete
/// markers are left out.
pub async fn handle_rescan_batch(
    pipeline: &Pipeline,
    batch: &RescanBatch,
) -> Result<RescanBatchResult, RescanError> {
    let settings = settings(pipeline, &batch.input);
    let mut result = RescanBatchResult {
        fingerprint: settings.judgment.fingerprint(),
        dry_run: settings.dry_run,
        ..RescanBatchResult::default()
    };
    let mut errors = Vec::new();
    let prefix = &pipeline.config.upload_prefix;
    for item in &batch.items {
        let key = match item.bucket {
            Some(_) => crate::dispatcher::decode_key(&item.key),
            None => item.key.clone(),
        };
        let delete_marker = item
            .is_delete_marker
            .as_ref()
            .is_some_and(|v| v == true || v == "true");
        if delete_marker || !key.starts_with(prefix.as_str()) || !key.ends_with(".zip") {
            continue;
        }
        let version = item
            .version_id
            .as_deref()
            .filter(|v| !v.is_empty() && *v != "null");
        match rescan_object(pipeline, &key, version, &settings).await {
            Ok(RescanOutcome::Judged { change, reused }) => {
                if reused {
                    result.reused += 1;
                } else {
                    result.judged += 1;
                }
                if change.changed() {
                    result.changes.push(change);
                } else {
                    result.unchanged += 1;
                }
            }
            Ok(RescanOutcome::Skipped { scan_id, reason }) => {
                tracing::info!(key, %reason, "skipped");
                result.skipped.push(SkippedVersion { scan_id, reason });
            }
            Err(error) => {
                tracing::error!(key, %error, "rescan failed");
                errors.push(error);
            }
        }
    }
    let failed = errors.len();
    match errors.into_iter().next() {
        None => Ok(result),
        Some(first) => Err(RescanError::Failed {
            failed,
            total: batch.items.len(),
            first,
        }),
    }
}

/// The map run's manifest (`ResultWriter`): the files of each child execution status.
#[derive(Debug, Deserialize)]
struct ResultManifest {
    #[serde(rename = "ResultFiles", default)]
    result_files: ResultFiles,
}

#[derive(Debug, Default, Deserialize)]
struct ResultFiles {
    #[serde(rename = "SUCCEEDED", default)]
    succeeded: Vec<ResultFile>,
}

#[derive(Debug, Deserialize)]
struct ResultFile {
    #[serde(rename = "Key")]
    key: String,
}

/// One child execution in a results file: its output is the batch's result, as a string.
#[derive(Debug, Deserialize)]
struct ChildExecution {
    #[serde(rename = "Output", default)]
    output: Option<String>,
}

/// Reads every batch result the map wrote and sends the approvers one digest of every change
/// (once: see [`send_digest`]). `Ok(false)` when nothing was sent now.
pub async fn handle_rescan_digest(
    pipeline: &Pipeline,
    request: &DigestRequest,
) -> Result<bool, RescanError> {
    if request.dry_run {
        return Ok(false);
    }
    let read = |key: String| async move {
        let blob = pipeline.blobs.get(&key).await.map_err(StageError::from)?;
        Ok::<_, RescanError>(blob.bytes)
    };
    let manifest: ResultManifest = serde_json::from_slice(&read(request.key.clone()).await?)
        .map_err(|e| RescanError::Results(format!("{}: {e}", request.key)))?;
    let mut fingerprint = None;
    let mut changes = Vec::new();
    for file in manifest.result_files.succeeded {
        let children: Vec<ChildExecution> = serde_json::from_slice(&read(file.key.clone()).await?)
            .map_err(|e| RescanError::Results(format!("{}: {e}", file.key)))?;
        for output in children.into_iter().filter_map(|c| c.output) {
            let batch: RescanBatchResult = serde_json::from_str(&output)
                .map_err(|e| RescanError::Results(format!("{}: {e}", file.key)))?;
            fingerprint.get_or_insert(batch.fingerprint.clone());
            changes.extend(batch.changes);
        }
    }
    let Some(fingerprint) = fingerprint else {
        return Ok(false);
    };
    Ok(send_digest(pipeline, &fingerprint, &changes).await?)
}
