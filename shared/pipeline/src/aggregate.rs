use tracing::Instrument;
use validator_domain::{CheckId, CheckResult, Report, Scan, ScanId, ScanStatus, Verdict};
use validator_notify::{approvers_email, results_email};

use crate::notification::send_once;
use crate::{keys, NotificationKind, Pipeline, StageError, StatusEvent};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateOutcome {
    NotFound,
    /// Some checks have not reported yet.
    Pending {
        waiting_for: Vec<CheckId>,
    },
    /// This call sent the results (emails and status event).
    Finished {
        status: ScanStatus,
        auto_approved: bool,
        emails: Vec<String>,
    },
    /// The results were already sent.
    AlreadyNotified {
        status: ScanStatus,
    },
    /// Another invocation holds the claim to send the results; retry later if it may have died.
    NotificationInProgress {
        status: ScanStatus,
    },
}

/// When every expected check has reported: decides the final status exactly once, stores the
/// report, sends the results (and approvers') emails once and publishes the status event.
/// Call it after every stored result, as often as you like.
pub async fn aggregate(
    pipeline: &Pipeline,
    scan_id: &ScanId,
) -> Result<AggregateOutcome, StageError> {
    let span = tracing::info_span!("scan", scan_id = scan_id.as_str());
    aggregate_inner(pipeline, scan_id).instrument(span).await
}

async fn aggregate_inner(
    pipeline: &Pipeline,
    scan_id: &ScanId,
) -> Result<AggregateOutcome, StageError> {
    let Some(mut scan) = pipeline.store.get_scan(scan_id).await? else {
        return Ok(AggregateOutcome::NotFound);
    };
    if scan.status == ScanStatus::Validating {
        if !scan.all_checks_reported() {
            return Ok(AggregateOutcome::Pending {
                waiting_for: scan.pending_checks().into_iter().cloned().collect(),
            });
        }
        decide(pipeline, &scan).await?;
        scan = pipeline
            .store
            .get_scan(scan_id)
            .await?
            .ok_or_else(|| StageError::ScanNotFound(scan_id.clone()))?;
    }
    if scan.notifications.results.sent_at.is_some() {
        return Ok(AggregateOutcome::AlreadyNotified {
            status: scan.status,
        });
    }
    match send_once(
        pipeline,
        scan_id,
        NotificationKind::Results,
        notify(pipeline, &scan),
    )
    .await?
    {
        Some(emails) => {
            tracing::info!(status = %scan.status, auto_approved = scan.auto_approved, "results sent");
            Ok(AggregateOutcome::Finished {
                status: scan.status,
                auto_approved: scan.auto_approved,
                emails,
            })
        }
        None => Ok(AggregateOutcome::NotificationInProgress {
            status: scan.status,
        }),
    }
}

/// Computes the verdict and the report and records the final status (conditionally: the first
/// caller wins, later ones change nothing).
async fn decide(pipeline: &Pipeline, scan: &Scan) -> Result<(), StageError> {
    let summaries = pipeline.store.results(&scan.id).await?;
    let mut full = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        full.push(load_findings(pipeline, scan, summary).await?);
    }
    // Findings inside verified bundled libraries, and code findings in files the plugin
    // never loads, stop blocking before the verdict is taken.
    let relaxed = validator_checks::apply_verdict_time_rules(&mut full, &pipeline.config.policy);
    if relaxed > 0 {
        tracing::info!(relaxed, "findings that do not block at verdict time");
    }
    let verdict = Verdict::decide(
        &scan.expected_checks,
        &scan.intake_findings,
        &full,
        scan.upload.trusted,
    );
    let report = Report::for_scan(scan, &verdict, &full)
        .with_provenance(validator_checks::provenance(&pipeline.config.policy));
    store_html_report(pipeline, scan, &report).await?;
    let report_key = keys::report(&scan.id);
    let body = serde_json::to_vec_pretty(&report).map_err(|e| corrupt(scan, e))?;
    pipeline
        .blobs
        .put(&report_key, body, "application/json")
        .await?;
    let won = pipeline
        .store
        .finish(&scan.id, &verdict, &report_key, validator_domain::now())
        .await?;
    tracing::info!(won, status = %verdict.status, "final status decided");
    Ok(())
}

/// Stores `report.html` beside the JSON report, with the code around blocking findings read
/// from the upload. The JSON report is the contract: an HTML report that cannot be rendered is
/// logged, not fatal.
async fn store_html_report(
    pipeline: &Pipeline,
    scan: &Scan,
    report: &Report,
) -> Result<(), StageError> {
    let limits = validator_html_report::HtmlLimits::default();
    // The upload is read only when some blocking finding has a line to show.
    let contexts = if report.blocking_findings().any(|f| f.line.is_some()) {
        // The bytes the scan checked: its pinned version, refused if its digest differs.
        let read = match &scan.object_version {
            Some(version) => {
                pipeline
                    .blobs
                    .get_version(&scan.upload.object_key, version)
                    .await
            }
            None => pipeline.blobs.get(&scan.upload.object_key).await,
        };
        let archive = match read {
            Ok(upload)
                if scan
                    .content_digest
                    .as_ref()
                    .is_some_and(|d| *d != validator_domain::ContentDigest::of(&upload.bytes)) =>
            {
                Err("the upload's bytes are not the ones this scan checked".to_owned())
            }
            Ok(upload) => {
                validator_archive::PluginArchive::open(upload.bytes, &pipeline.config.limits)
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        match archive {
            Ok(archive) => {
                validator_html_report::CodeContexts::from_archive(&archive, report, &limits)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the HTML report has no code context");
                validator_html_report::CodeContexts::none()
            }
        }
    } else {
        validator_html_report::CodeContexts::none()
    };
    match validator_html_report::render(report, &contexts, &limits) {
        Ok(html) => {
            pipeline
                .blobs
                .put(
                    &keys::html_report(&scan.id),
                    html.into_bytes(),
                    "text/html; charset=utf-8",
                )
                .await?;
        }
        Err(e) => tracing::error!(error = %e, "the HTML report could not be rendered"),
    }
    Ok(())
}

async fn load_findings(
    pipeline: &Pipeline,
    scan: &Scan,
    summary: &CheckResult,
) -> Result<CheckResult, StageError> {
    let Some(key) = &summary.findings_key else {
        return Ok(summary.clone());
    };
    let blob = pipeline.blobs.get(key).await?;
    serde_json::from_slice(&blob.bytes).map_err(|e| corrupt(scan, e))
}

async fn notify(pipeline: &Pipeline, scan: &Scan) -> Result<Vec<String>, StageError> {
    let report_key = scan
        .report_key
        .clone()
        .unwrap_or_else(|| keys::report(&scan.id));
    let blob = pipeline.blobs.get(&report_key).await?;
    let report: Report = serde_json::from_slice(&blob.bytes).map_err(|e| corrupt(scan, e))?;
    let settings = &pipeline.config.email;
    let mut sent = Vec::new();
    if !scan.upload.maintainers.is_empty() {
        let email = results_email(scan, &report, settings)?;
        sent.push(pipeline.mailer.send(&email).await?);
    }
    if let Some(email) = approvers_email(scan, &report, settings)? {
        sent.push(pipeline.mailer.send(&email).await?);
    }
    pipeline
        .events
        .publish(&StatusEvent {
            scan_id: scan.id.clone(),
            plugin: scan.plugin_name.clone(),
            version: scan.plugin_version.clone(),
            website_version_id: scan.upload.website_version_id.clone(),
            object_key: scan.upload.object_key.clone(),
            status: scan.status,
            auto_approved: scan.auto_approved,
            counts: scan.counts.unwrap_or_default(),
            report: pipeline.blobs.location(&report_key),
            at: validator_domain::now(),
        })
        .await?;
    Ok(sent)
}

fn corrupt(scan: &Scan, e: serde_json::Error) -> StageError {
    StageError::Corrupt {
        scan: scan.id.clone(),
        reason: e.to_string(),
    }
}
