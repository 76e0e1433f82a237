use tracing::Instrument;
use validator_domain::{
    apply_decisions, plugin_key, CheckId, CheckResult, HistoryEntry, Report, Scan, ScanId,
    ScanStatus, Verdict, VersionDiff,
};
use validator_notify::{approvers_email, results_email};

use crate::notification::{send_once, Deliveries};
use crate::{keys, NotificationKind, Pipeline, StageError, StatusEvent};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateOutcome {
    NotFound,
    /// Some checks have not reported yet.
    Pending {
        waiting_for: Vec<CheckId>,
    },
    /// This call sent some of the results (emails and status event); `missing` are those
    /// recorded as missing (the alarm's, and the operator's resend).
    Finished {
        status: ScanStatus,
        auto_approved: bool,
        emails: Vec<String>,
        missing: Vec<NotificationKind>,
    },
    /// Nothing left to send: every one was sent before (or is recorded as missing).
    AlreadyNotified {
        status: ScanStatus,
    },
    /// Another invocation holds the claim of some of them; the sweep records them as missing
    /// if that invocation stopped without recording the send.
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
    // The report this call wrote, when its final status is the one recorded: the notifications
    // are made from it rather than from a read of what was just written.
    let mut decided = None;
    if scan.status == ScanStatus::Validating {
        if !scan.all_checks_reported() {
            return Ok(AggregateOutcome::Pending {
                waiting_for: scan.pending_checks().into_iter().cloned().collect(),
            });
        }
        decided = decide(pipeline, &scan).await?;
        scan = pipeline
            .store
            .get_scan(scan_id)
            .await?
            .ok_or_else(|| StageError::ScanNotFound(scan_id.clone()))?;
    }
    // Before the results go out, so that a retried trigger records it if this one dies.
    if let Some(entry) = HistoryEntry::of(&scan) {
        pipeline.store.record_history(&entry).await?;
    }
    let deliveries = notify(pipeline, &scan, decided).await?;
    if let Some(error) = deliveries.error {
        // The others were tried; the retried trigger sends the failed one (and only it).
        return Err(error);
    }
    // This call sent some of them: it is the one that finished them, even if another call
    // holds the claim of the rest (two calls racing each send one: each must say so).
    if deliveries.sent_now == 0 && deliveries.missing.is_empty() {
        if !deliveries.in_progress.is_empty() {
            return Ok(AggregateOutcome::NotificationInProgress {
                status: scan.status,
            });
        }
        return Ok(AggregateOutcome::AlreadyNotified {
            status: scan.status,
        });
    }
    tracing::info!(status = %scan.status, auto_approved = scan.auto_approved, missing = ?deliveries.missing, "results sent");
    Ok(AggregateOutcome::Finished {
        status: scan.status,
        auto_approved: scan.auto_approved,
        emails: deliveries.emails,
        missing: deliveries.missing,
    })
}

/// Computes the verdict and the report and records the final status (conditionally: the first
/// caller wins, later ones change nothing). Returns the report when this caller's status is
/// the one recorded.
async fn decide(pipeline: &Pipeline, scan: &Scan) -> Result<Option<Report>, StageError> {
    let summaries = pipeline.store.results(&scan.id).await?;
    let mut full = Vec::with_capacity(summaries.len());
    for summary in &summaries {
        full.push(load_findings(pipeline, scan, summary).await?);
    }
    let (verdict, mut report) = judge(pipeline, scan, full).await?;
    store_html_report(pipeline, scan, &report).await?;
    store_sbom(pipeline, scan, &mut report).await?;
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
    Ok(won.then_some(report))
}

/// The verdict and the report of a scan from its checks' full results, without writing
/// anything (the aggregator stores them; a rescan's dry run only looks).
pub(crate) async fn judge(
    pipeline: &Pipeline,
    scan: &Scan,
    mut full: Vec<CheckResult>,
) -> Result<(Verdict, Report), StageError> {
    // Findings inside verified bundled libraries, and code findings in files the plugin
    // never loads, stop blocking before the verdict is taken.
    let relaxed = validator_checks::apply_verdict_time_rules(&mut full, &pipeline.config.policy);
    if relaxed > 0 {
        tracing::info!(relaxed, "findings that do not block at verdict time");
    }
    // Reviewers' decisions on earlier versions carry forward by path and fingerprint: a decided
    // finding stops blocking, so the verdict is made from the findings, recounted.
    if let Some(plugin) = plugin_key(scan) {
        let decisions = pipeline.store.decisions(&plugin).await?;
        if !decisions.is_empty() {
            for result in &mut full {
                if apply_decisions(&mut result.findings, &decisions) > 0 {
                    result.counts = validator_domain::Counts::of(&result.findings);
                }
            }
        }
    }
    let mut verdict = Verdict::decide(
        &scan.expected_checks,
        &scan.intake_findings,
        &full,
        scan.upload.trusted,
    );
    let mut report = Report::for_scan(scan, &verdict, &full)
        .with_provenance(validator_checks::provenance(&pipeline.config.policy));
    if let Some(manifest) = load_manifest(pipeline, scan).await {
        report.files = manifest.files;
        report.metadata = manifest.metadata;
    }
    compare_with_history(pipeline, scan, &mut report).await?;
    // Sleeper update: a version that gains behaviour or changes its maintainer email or
    // repository since the last validated version is never auto-approved; an approver looks at
    // the diff first. A rescan's diff is with the same version judged before: not an update.
    let sleeper = match (&scan.rescan, &report.diff) {
        (None, Some(diff)) => diff.sleeper_reasons(),
        _ => Vec::new(),
    };
    if !sleeper.is_empty() {
        tracing::warn!(reasons = ?sleeper, "held for review: sleeper-update signals");
        verdict.auto_approved = false;
        verdict.reasons.extend(sleeper);
        report.auto_approved = false;
        report.reasons = verdict.reasons.clone();
    }
    Ok((verdict, report))
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

/// Stores the version's CycloneDX SBOM (`reports/<scan>.cdx.json`) beside the report. A
/// document that cannot be written is logged and said in the report's warnings, not fatal: the
/// verdict never waits on it.
async fn store_sbom(
    pipeline: &Pipeline,
    scan: &Scan,
    report: &mut Report,
) -> Result<(), StageError> {
    let digest = scan.content_digest.as_ref().map(|d| d.as_str().to_owned());
    match validator_sbom::json_of(report, digest.as_deref()) {
        Ok(body) => {
            pipeline
                .blobs
                .put(
                    &keys::sbom(&scan.id),
                    body,
                    "application/vnd.cyclonedx+json",
                )
                .await?;
        }
        Err(e) => {
            tracing::error!(error = %e, "the SBOM could not be written");
            report.warnings.push(format!("no SBOM: {e}"));
        }
    }
    Ok(())
}

/// Sets the report's diff against the plugin's base version (the last validated one, else the
/// last blocked one), or marks it as the plugin's first version. A base report that cannot be
/// read (expired, corrupt) leaves the diff out, with a warning: the verdict never waits on it.
async fn compare_with_history(
    pipeline: &Pipeline,
    scan: &Scan,
    report: &mut Report,
) -> Result<(), StageError> {
    if let Some(rescan) = &scan.rescan {
        // The same version judged before: the diff says which findings the new judgment added
        // or dropped.
        if let Some(previous) = pipeline.store.get_scan(&rescan.of).await? {
            if let Some(key) = &previous.report_key {
                match read_report(pipeline, key).await {
                    Ok(old) => {
                        report.diff = Some(VersionDiff::between(&old, Some(rescan.of.clone()), report));
                    }
                    Err(reason) => report.warnings.push(format!(
                        "no diff: the report of the previous judgment (scan {}) could not be read: {reason}",
                        rescan.of
                    )),
                }
            }
        }
        return Ok(());
    }
    let Some(plugin) = plugin_key(scan) else {
        return Ok(());
    };
    let history = pipeline
        .store
        .history(&plugin, pipeline.config.history_depth)
        .await?;
    let Some(base) = HistoryEntry::base_for(&history, scan) else {
        report.first_version = !history
            .iter()
            .any(|e| e.scan_id != scan.id && e.created_at <= scan.created_at);
        return Ok(());
    };
    match read_report(pipeline, &base.report_key).await {
        Ok(old) => {
            let diff = VersionDiff::between(&old, Some(base.scan_id.clone()), report);
            tracing::info!(
                base = %base.scan_id,
                new_findings = diff.findings.new.len(),
                fixed_findings = diff.findings.fixed.len(),
                "compared with the plugin's history"
            );
            report.diff = Some(diff);
        }
        Err(reason) => {
            tracing::warn!(base = %base.scan_id, %reason, "the base report is unreadable");
            report.warnings.push(format!(
                "no diff: the report of version {} (scan {}) could not be read: {reason}",
                base.version.as_deref().unwrap_or("(unknown)"),
                base.scan_id
            ));
        }
    }
    Ok(())
}

/// A stored report.
pub(crate) async fn read_report(pipeline: &Pipeline, key: &str) -> Result<Report, String> {
    match pipeline.blobs.get(key).await {
        Ok(blob) => serde_json::from_slice::<Report>(&blob.bytes).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// The file list and `metadata.txt` dispatch recorded. `None` for scans dispatched before
/// manifests were kept, refused at intake, or whose manifest cannot be read: the report then has
/// no file list and the diff says files are not comparable; the verdict never depends on it.
async fn load_manifest(pipeline: &Pipeline, scan: &Scan) -> Option<crate::Manifest> {
    // A rescan judges the bytes its upload's dispatch described.
    let described = scan.rescan.as_ref().map_or(&scan.id, |r| &r.origin);
    let blob = match pipeline.blobs.get(&keys::manifest(described)).await {
        Ok(blob) => blob,
        Err(error) => {
            tracing::warn!(%error, "no manifest: the report has no file list");
            return None;
        }
    };
    serde_json::from_slice(&blob.bytes)
        .map_err(|error| tracing::warn!(%error, "unreadable manifest"))
        .ok()
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

/// The maintainers' results email, the approvers' email (a validated version that was not
/// auto-approved) and the status event, each under its own claim: one that fails is retried
/// alone, the others are still sent. Rendering happens before any claim. `decided` is the report
/// this call has just stored; without it (a retried trigger, a caller that lost the race) the
/// stored report is read.
async fn notify(
    pipeline: &Pipeline,
    scan: &Scan,
    decided: Option<Report>,
) -> Result<Deliveries, StageError> {
    let report_key = scan
        .report_key
        .clone()
        .unwrap_or_else(|| keys::report(&scan.id));
    let report: Report = match decided {
        Some(report) => report,
        None => {
            let blob = pipeline.blobs.get(&report_key).await?;
            serde_json::from_slice(&blob.bytes).map_err(|e| corrupt(scan, e))?
        }
    };
    if scan.rescan.is_some() {
        return notify_rescan(pipeline, scan, &report, &report_key).await;
    }
    let settings = &pipeline.config.email;
    let results = if scan.upload.maintainers.is_empty() {
        None
    } else {
        Some(results_email(scan, &report, settings)?)
    };
    let approvers = approvers_email(scan, &report, settings)?;
    let event = StatusEvent::of(scan, &report, pipeline.blobs.location(&report_key), false);
    let mut deliveries = Deliveries::default();
    if let Some(email) = results {
        let sent = send_once(pipeline, &scan.id, NotificationKind::Results, async {
            Ok(Some(pipeline.mailer.send(&email).await?))
        })
        .await;
        deliveries.record(NotificationKind::Results, sent);
    }
    if let Some(email) = approvers {
        let sent = send_once(pipeline, &scan.id, NotificationKind::Approvers, async {
            Ok(Some(pipeline.mailer.send(&email).await?))
        })
        .await;
        deliveries.record(NotificationKind::Approvers, sent);
    }
    let sent = send_once(pipeline, &scan.id, NotificationKind::StatusEvent, async {
        pipeline.events.publish(&event).await?;
        Ok(None)
    })
    .await;
    deliveries.record(NotificationKind::StatusEvent, sent);
    Ok(deliveries)
}

/// A rescan's notifications: nothing when the verdict did not change; otherwise the
/// maintainers' email saying what changed and why, and the status event (so the website hides
/// or shows the version), each under its claim. The approvers hear of every change of the run in
/// one digest ([`crate::rescan::send_digest`]).
async fn notify_rescan(
    pipeline: &Pipeline,
    scan: &Scan,
    report: &Report,
    report_key: &str,
) -> Result<Deliveries, StageError> {
    let mut deliveries = Deliveries::default();
    // A rescan that could not finish (a check crashed, the sweep ended it) says nothing about
    // the version: it keeps its standing, and nobody is told anything changed.
    if scan.status == ScanStatus::Error {
        tracing::warn!(reasons = ?scan.reasons, "rescan ended in error: the version keeps its judgment");
        return Ok(deliveries);
    }
    let change = crate::rescan::change_from_previous(pipeline, scan, report).await?;
    if !change.changed() {
        tracing::info!(standing = %change.to, "rescan: verdict unchanged, nothing sent");
        return Ok(deliveries);
    }
    tracing::info!(from = %change.from, to = %change.to, "rescan: verdict changed");
    if !scan.upload.maintainers.is_empty() {
        let email = validator_notify::rescan_email(scan, &change, report, &pipeline.config.email)?;
        let sent = send_once(pipeline, &scan.id, NotificationKind::Results, async {
            Ok(Some(pipeline.mailer.send(&email).await?))
        })
        .await;
        deliveries.record(NotificationKind::Results, sent);
    }
    let event = StatusEvent::of(scan, report, pipeline.blobs.location(report_key), false);
    let sent = send_once(pipeline, &scan.id, NotificationKind::StatusEvent, async {
        pipeline.events.publish(&event).await?;
        Ok(None)
    })
    .await;
    deliveries.record(NotificationKind::StatusEvent, sent);
    Ok(deliveries)
}

fn corrupt(scan: &Scan, e: serde_json::Error) -> StageError {
    StageError::Corrupt {
        scan: scan.id.clone(),
        reason: e.to_string(),
    }
}
