use std::time::Instant;

use tracing::Instrument;
use validator_domain::{CheckDetails, CheckOutput, CheckResult, ContentDigest, Scan};

use crate::{keys, CheckRequest, Pipeline, PortError, StageError};

/// Which delivery of a message this is. On the last one a failing check stores an `error`
/// result, so that the scan ends in `error` instead of waiting forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub number: u32,
    pub max: u32,
}

impl Attempt {
    pub fn is_last(&self) -> bool {
        self.number >= self.max
    }

    /// A single attempt (no retries).
    pub fn only() -> Self {
        Self { number: 1, max: 1 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunCheckOutcome {
    /// The result was stored (ok or error).
    Stored { result: Box<CheckResult> },
    /// This check's result was already stored (the message came twice).
    Duplicate,
    /// The scan is already final; nothing to do.
    ScanFinished,
}

/// Runs one check on the upload and stores its result once.
pub async fn run_check(
    pipeline: &Pipeline,
    request: &CheckRequest,
    attempt: Attempt,
) -> Result<RunCheckOutcome, StageError> {
    let span = tracing::info_span!(
        "check",
        scan_id = request.scan_id.as_str(),
        check = request.check.as_str(),
        attempt = attempt.number
    );
    run_check_inner(pipeline, request, attempt)
        .instrument(span)
        .await
}

async fn run_check_inner(
    pipeline: &Pipeline,
    request: &CheckRequest,
    attempt: Attempt,
) -> Result<RunCheckOutcome, StageError> {
    let scan = pipeline
        .store
        .get_scan(&request.scan_id)
        .await?
        .ok_or_else(|| StageError::ScanNotFound(request.scan_id.clone()))?;
    if scan.completed_checks.contains(&request.check) {
        tracing::info!("duplicate delivery: result already stored");
        return Ok(RunCheckOutcome::Duplicate);
    }
    if scan.status.is_final() {
        return Ok(RunCheckOutcome::ScanFinished);
    }
    let started = Instant::now();
    let mut details = CheckDetails::default();
    let outcome = match execute(pipeline, request, &scan).await {
        Ok(output) => {
            details = output.details;
            Ok(output.findings)
        }
        Err(Failure::Permanent(reason)) => Err(reason),
        Err(Failure::Transient(reason)) if attempt.is_last() => Err(reason),
        Err(Failure::Transient(reason)) => {
            tracing::warn!(%reason, "check failed; the message will be retried");
            return Err(StageError::CheckFailed {
                check: request.check.to_string(),
                attempt: attempt.number,
                max: attempt.max,
                reason,
            });
        }
    };
    if let Err(reason) = &outcome {
        tracing::error!(%reason, "check failed for good: the scan will end in error");
    }
    let findings_key = keys::findings(&request.scan_id, &request.check);
    let result = CheckResult {
        findings_key: Some(findings_key.clone()),
        ..CheckResult::new(
            request.scan_id.clone(),
            request.check.clone(),
            outcome,
            attempt.number,
            started.elapsed().as_millis() as u64,
        )
        .with_details(details)
    };
    // Full findings first, then the summary: a stored summary always has its findings.
    let body = serde_json::to_vec(&result).map_err(|e| StageError::Corrupt {
        scan: request.scan_id.clone(),
        reason: e.to_string(),
    })?;
    pipeline
        .blobs
        .put(&findings_key, body, "application/json")
        .await?;
    let summary = result.summary();
    if !pipeline.store.record_result(&summary).await? {
        tracing::info!("duplicate delivery: another run stored the result first");
        return Ok(RunCheckOutcome::Duplicate);
    }
    tracing::info!(
        blocking = summary.counts.blocking,
        total = summary.counts.total(),
        "result stored"
    );
    Ok(RunCheckOutcome::Stored {
        result: Box::new(summary),
    })
}

enum Failure {
    /// Worth retrying (a crash, a timeout, a backend hiccup).
    Transient(String),
    /// Retrying cannot help (the check is not registered here, the pinned upload is gone or
    /// its bytes changed).
    Permanent(String),
}

/// The bytes the scan was created for: the pinned version, refused when its digest differs
/// (a verdict must belong to the bytes that were checked).
async fn read_pinned_upload(
    pipeline: &Pipeline,
    request: &CheckRequest,
    scan: &Scan,
) -> Result<crate::Blob, Failure> {
    // Messages sent before versions were pinned carry neither; the scan record still does.
    let version = request
        .object_version
        .as_deref()
        .or(scan.object_version.as_deref());
    let digest = request
        .content_digest
        .as_ref()
        .or(scan.content_digest.as_ref());
    let read = match version {
        Some(version) => {
            pipeline
                .blobs
                .get_version(&request.object_key, version)
                .await
        }
        None => pipeline.blobs.get(&request.object_key).await,
    };
    let blob = match read {
        Ok(blob) => blob,
        Err(PortError::NotFound(_)) => {
            let which = version
                .map(|v| format!("version `{v}` of "))
                .unwrap_or_default();
            return Err(Failure::Permanent(format!(
                "{which}the upload `{}` no longer exists",
                request.object_key
            )));
        }
        Err(e) => {
            return Err(Failure::Transient(format!(
                "reading the upload failed: {e}"
            )))
        }
    };
    if let Some(expected) = digest {
        let actual = ContentDigest::of(&blob.bytes);
        if &actual != expected {
            return Err(Failure::Permanent(format!(
                "the upload's bytes are not the ones this scan was created for (SHA-256 {actual}, \
                 expected {expected}): it was replaced while the scan ran; the new upload gets \
                 its own scan"
            )));
        }
    }
    Ok(blob)
}

async fn execute(
    pipeline: &Pipeline,
    request: &CheckRequest,
    scan: &Scan,
) -> Result<CheckOutput, Failure> {
    let Some(check) = pipeline.registry.shared(request.check.as_str()) else {
        return Err(Failure::Permanent(format!(
            "no check named `{}` is registered in this deployment",
            request.check
        )));
    };
    let blob = read_pinned_upload(pipeline, request, scan).await?;
    let config = &pipeline.config;
    let skips = scan.skips.clone();
    let timeout = config.check_timeout;
    let scanner = validator_checks::Scanner::new(
        validator_checks::CheckRegistry::with(vec![check]),
        config.policy.clone(),
        config.limits,
        config.python_limits,
    );
    // Checks are CPU-bound: run them off the async workers, bounded in time.
    let task = tokio::task::spawn_blocking(move || {
        let plugin = scanner
            .open(blob.bytes)
            .map_err(|e| format!("the archive cannot be read: {e}"))?;
        let outcome = scanner.run(&plugin, &skips).pop();
        match outcome.map(|outcome| outcome.run) {
            Some(Ok(run)) => Ok(CheckOutput {
                findings: run.findings,
                details: run.details,
            }),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("the check did not run".to_owned()),
        }
    });
    match tokio::time::timeout(timeout, task).await {
        Err(_) => Err(Failure::Transient(format!(
            "the check did not finish within {} s",
            timeout.as_secs()
        ))),
        Ok(Err(join)) => Err(Failure::Transient(format!("the check crashed: {join}"))),
        Ok(Ok(Err(reason))) => Err(Failure::Transient(reason)),
        Ok(Ok(Ok(output))) => Ok(output),
    }
}
