use tracing::Instrument;
use validator_checks::OpenedPlugin;
use validator_domain::{CheckId, ContentDigest, Scan, ScanId, ScanStatus, Upload};
use validator_notify::confirmation_email;

use crate::notification::{send_once, Delivery};
use crate::{CheckRequest, NotificationKind, Pipeline, PortError, StageError};

/// What the dispatcher did with an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchOutcome {
    /// Not an upload (outside the prefix) or gone: nothing to do.
    Ignored { reason: String },
    Dispatched {
        scan_id: ScanId,
        /// False when this object's scan already existed (duplicate event).
        new_scan: bool,
        enqueued: Vec<CheckId>,
    },
}

/// Dispatches the object's current version (the local pipeline, tools and tests). See
/// [`dispatch_version`].
pub async fn dispatch(
    pipeline: &Pipeline,
    object_key: &str,
) -> Result<DispatchOutcome, StageError> {
    dispatch_version(pipeline, object_key, None).await
}

/// Reads one version of the upload (the one an S3 event names; the latest when `version` is
/// `None`), records its scan as `validating`, sends the confirmation email and one message per
/// check. The scan is pinned to the version and the digest of the bytes read here: every
/// version gets its own scan whatever the order of events, and the checks read exactly these
/// bytes. Safe to run again for the same version: it resumes what is missing.
pub async fn dispatch_version(
    pipeline: &Pipeline,
    object_key: &str,
    version: Option<&str>,
) -> Result<DispatchOutcome, StageError> {
    let span = tracing::info_span!(
        "scan",
        object_key,
        object_version = version.unwrap_or("latest"),
        scan_id = tracing::field::Empty
    );
    dispatch_inner(pipeline, object_key, version, span.clone())
        .instrument(span)
        .await
}

async fn dispatch_inner(
    pipeline: &Pipeline,
    object_key: &str,
    version: Option<&str>,
    span: tracing::Span,
) -> Result<DispatchOutcome, StageError> {
    let config = &pipeline.config;
    if !object_key.starts_with(&config.upload_prefix) {
        tracing::info!(prefix = %config.upload_prefix, "ignored: outside the upload prefix");
        return Ok(DispatchOutcome::Ignored {
            reason: format!(
                "`{object_key}` is outside the upload prefix `{}`",
                config.upload_prefix
            ),
        });
    }
    let read = match version {
        Some(version) => pipeline.blobs.get_version(object_key, version).await,
        None => pipeline.blobs.get(object_key).await,
    };
    let mut blob = match read {
        Ok(blob) => blob,
        Err(PortError::NotFound(_)) => {
            tracing::warn!("ignored: the object (version) no longer exists");
            let which = version
                .map(|v| format!(" version `{v}`"))
                .unwrap_or_default();
            return Ok(DispatchOutcome::Ignored {
                reason: format!("`{object_key}`{which} no longer exists"),
            });
        }
        Err(e) => return Err(e.into()),
    };
    if blob.version.is_none() {
        blob.version = version.map(str::to_owned);
    }
    let digest = ContentDigest::of(&blob.bytes);
    let scan_id = ScanId::derive(object_key, blob.version.as_deref(), &digest);
    span.record("scan_id", scan_id.as_str());

    let (scan, new_scan) = match pipeline.store.get_scan(&scan_id).await? {
        Some(existing) => (existing, false),
        None => {
            let (scan, manifest) =
                new_scan_record(pipeline, object_key, scan_id.clone(), digest, blob);
            // Before the scan exists, so that every scan a check can run for has its manifest
            // (the put is idempotent: a duplicate event writes the same bytes).
            if let Some(manifest) = manifest {
                let body = serde_json::to_vec(&manifest).map_err(|e| StageError::Corrupt {
                    scan: scan_id.clone(),
                    reason: e.to_string(),
                })?;
                pipeline
                    .blobs
                    .put(&crate::keys::manifest(&scan_id), body, "application/json")
                    .await?;
            }
            match pipeline.store.create_scan(&scan).await? {
                Some(existing) => (existing, false),
                None => (scan, true),
            }
        }
    };
    tracing::info!(
        new_scan,
        plugin = scan.display_name(),
        version = scan.display_version(),
        "scan recorded"
    );

    // A failed confirmation does not hold the checks back: they are queued, then the error
    // makes the trigger retry, and the retry sends the confirmation alone (its own claim).
    let confirmation = send_confirmation(pipeline, &scan).await;

    let mut enqueued = Vec::new();
    if scan.status == ScanStatus::Validating {
        for check in scan.pending_checks() {
            let request = CheckRequest {
                scan_id: scan.id.clone(),
                check: check.clone(),
                object_key: object_key.to_owned(),
                object_version: scan.object_version.clone(),
                content_digest: scan.content_digest.clone(),
            };
            pipeline.queue.send(&request).await?;
            enqueued.push(check.clone());
        }
    }
    tracing::info!(checks = enqueued.len(), "checks enqueued");
    confirmation?;
    Ok(DispatchOutcome::Dispatched {
        scan_id,
        new_scan,
        enqueued,
    })
}

fn new_scan_record(
    pipeline: &Pipeline,
    object_key: &str,
    id: ScanId,
    digest: ContentDigest,
    blob: crate::Blob,
) -> (Scan, Option<crate::Manifest>) {
    let config = &pipeline.config;
    let now = validator_domain::now();
    let (upload, upload_warnings) = Upload::from_metadata(
        object_key,
        &blob.metadata,
        blob.last_modified.unwrap_or(now),
    );
    let mut warnings: Vec<String> = upload_warnings.iter().map(ToString::to_string).collect();
    let skips = config
        .policy
        .resolve_skips(&upload.skip_rules, &pipeline.registry.as_slice());
    let mut scan = Scan {
        skips,
        object_version: blob.version.clone(),
        content_digest: Some(digest),
        ..Scan::new(id, upload, now)
    };
    let mut manifest = None;
    match OpenedPlugin::open(blob.bytes, &config.limits) {
        Ok(OpenedPlugin { archive, package }) => {
            manifest = Some(crate::Manifest {
                files: validator_domain::FileEntry::manifest(&archive),
                metadata: validator_domain::metadata_map(&package),
            });
            scan.package_name = package.top_folder.clone();
            scan.plugin_name = package.plugin_name().map(str::to_owned);
            scan.plugin_version = package.plugin_version().map(str::to_owned);
            scan.plugin_config_files = package.plugin_config_files.clone();
            scan.expected_checks = pipeline.registry.enabled(&config.policy).ids();
        }
        Err(refusal) => {
            tracing::warn!(error = %refusal, "archive refused at intake");
            // An archive we cannot read cannot be validated: it blocks whatever the policy says,
            // and no check is expected (the aggregator decides right away).
            scan.intake_findings.push(refusal.finding());
        }
    }
    if scan.upload.maintainers.is_empty() {
        warnings.push(
            "the upload names no maintainer address: no email was sent to maintainers".to_owned(),
        );
    }
    scan.warnings = warnings;
    (scan, manifest)
}

/// Sends the confirmation once (see [`send_once`]); the sweep and `resend` call it too.
pub(crate) async fn send_confirmation(pipeline: &Pipeline, scan: &Scan) -> Result<(), StageError> {
    if scan.upload.maintainers.is_empty() {
        return Ok(());
    }
    let email = confirmation_email(scan, &pipeline.config.email)?;
    let sent = send_once(pipeline, &scan.id, NotificationKind::Confirmation, async {
        Ok(pipeline.mailer.send(&email).await?)
    })
    .await?;
    if let Delivery::Now(at) = sent {
        tracing::info!(to = email.to.len(), at, "confirmation email sent");
    }
    Ok(())
}
