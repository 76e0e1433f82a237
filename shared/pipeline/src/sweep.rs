//! The sweep: the safety net for scans stuck in `validating`. A check that never reports (its
//! function was killed on its last attempt, the local process died) would leave its scan
//! waiting forever; the sweep records an `error` result for every check that did not report,
//! so the scan ends in `error` (fail-closed, never a silent pass) and the maintainers hear
//! about it. It also resumes side effects (emails, status events) that stopped unsent, records
//! those whose sender stopped mid-send as missing, and counts the missing ones for the alarm.
//! The Lambda runs it on a schedule, the local driver after each run and on demand.

use std::time::Duration;

use validator_domain::{CheckResult, NotificationKind, ScanId};

use crate::{aggregate, AggregateOutcome, Pipeline, StageError};

/// When a scan counts as stuck, and how much one sweep reads: pages of `page_size` stuck
/// scans, at most `max_scans` in all, so that a sweep finishes well within its time however
/// many scans are stuck (the rest wait for the next sweep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepSettings {
    /// A scan still `validating` this long after its creation is stuck
    /// (`STUCK_AFTER_MINUTES`, default 30 minutes).
    pub stuck_after: Duration,
    /// `SWEEP_PAGE_SIZE` (default 100).
    pub page_size: i32,
    /// `SWEEP_MAX_SCANS` (default 500).
    pub max_scans: usize,
}

impl Default for SweepSettings {
    fn default() -> Self {
        Self {
            stuck_after: Duration::from_secs(30 * 60),
            page_size: 100,
            max_scans: 500,
        }
    }
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Scans found `validating` for longer than allowed.
    pub stuck: usize,
    /// Scans the sweep moved to a final status now.
    pub ended: Vec<ScanId>,
    /// Unsent side effects whose state stopped changing, which the sweep took up again (sent
    /// now, retried, or recorded as missing).
    pub resumed: Vec<(ScanId, NotificationKind)>,
    /// Side effects recorded as missing after the sweep (the `MissingNotifications` metric):
    /// each needs the operator's `resend`.
    pub missing: Vec<(ScanId, NotificationKind)>,
}

/// Ends the scans stuck in `validating` for longer than `pipeline.config.sweep.stuck_after`:
/// every check that never reported gets an `error` result and the scan is aggregated.
pub async fn sweep(pipeline: &Pipeline) -> Result<SweepReport, StageError> {
    let settings = pipeline.config.sweep;
    let created_before = validator_domain::now() - settings.stuck_after;
    let stuck = pipeline
        .store
        .stuck_scans(created_before, settings.page_size, settings.max_scans)
        .await?;
    if stuck.len() >= settings.max_scans {
        // The oldest are ended now; the next sweep takes the rest.
        tracing::warn!(
            max = settings.max_scans,
            "more stuck scans than one sweep ends: the rest wait for the next sweep"
        );
    }
    let mut report = SweepReport {
        stuck: stuck.len(),
        ..SweepReport::default()
    };
    for id in stuck {
        let Some(scan) = pipeline.store.get_scan(&id).await? else {
            continue;
        };
        for check in scan.pending_checks() {
            let reason = format!(
                "the {check} check did not report within {} minutes",
                settings.stuck_after.as_secs() / 60
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
    // Side effects left unsent for longer than a claim lives: their claim's holder stopped, or
    // a failed send was never retried (the trigger gave up). Taking them up again sends them
    // (a bounded number of times) or records them as missing.
    let changed_before = validator_domain::now() - pipeline.config.notification_lease;
    let unsent = pipeline
        .store
        .unsent_notifications(changed_before, settings.page_size, settings.max_scans)
        .await?;
    for (id, kind) in unsent {
        if let Err(error) = crate::resend::resume(pipeline, &id, kind).await {
            // The next sweep tries again; the attempts stay bounded by the claim.
            tracing::warn!(scan_id = id.as_str(), notification = %kind, %error, "resuming a notification failed");
        }
        report.resumed.push((id, kind));
    }
    report.missing = pipeline
        .store
        .missing_notifications(settings.page_size, settings.max_scans)
        .await?;
    for (id, kind) in &report.missing {
        tracing::error!(scan_id = id.as_str(), notification = %kind, "notification missing: check, then `resend`");
    }
    Ok(report)
}
