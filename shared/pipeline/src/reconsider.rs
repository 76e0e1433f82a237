use validator_domain::{apply_decisions, plugin_key, Counts, Report, ScanId, ScanStatus, Verdict};
use validator_notify::results_email;

use crate::notification::{send_once, Deliveries};
use crate::{keys, NotificationKind, Pipeline, StageError, StatusEvent};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReconsiderOutcome {
    NotFound,
    /// Only a blocked scan (or one this stage validated) is reconsidered.
    NotBlocked {
        status: ScanStatus,
    },
    /// Blocking findings without a decision remain.
    StillBlocked {
        blocking: u32,
    },
    /// Validated after review; the emails this call sent (empty when an earlier call did), and
    /// the side effects recorded as missing (the alarm's, and the operator's resend).
    Revalidated {
        emails: Vec<String>,
        missing: Vec<NotificationKind>,
    },
}

/// After a review decision on a plugin: a blocked scan whose blocking findings are all decided
/// (by path and fingerprint, see `apply_decisions`) becomes validated, never auto-approved; its
/// report is rewritten with the decisions, the maintainers get a second results email saying
/// reviewers looked at it, and a new status event is published. Safe to call any number of times.
pub async fn reconsider(
    pipeline: &Pipeline,
    scan_id: &ScanId,
) -> Result<ReconsiderOutcome, StageError> {
    let Some(scan) = pipeline.store.get_scan(scan_id).await? else {
        return Ok(ReconsiderOutcome::NotFound);
    };
    let reviewed = scan.status == ScanStatus::Validated && scan.reviewed_at.is_some();
    if scan.status != ScanStatus::Blocked && !reviewed {
        return Ok(ReconsiderOutcome::NotBlocked {
            status: scan.status,
        });
    }
    let report_key = scan
        .report_key
        .clone()
        .unwrap_or_else(|| keys::report(&scan.id));
    let corrupt = |e: serde_json::Error| StageError::Corrupt {
        scan: scan.id.clone(),
        reason: e.to_string(),
    };
    let mut report: Report =
        serde_json::from_slice(&pipeline.blobs.get(&report_key).await?.bytes).map_err(corrupt)?;
    if scan.status == ScanStatus::Blocked {
        let Some(plugin) = plugin_key(&scan) else {
            return Ok(ReconsiderOutcome::StillBlocked {
                blocking: report.counts.blocking,
            });
        };
        let decisions = pipeline.store.decisions(&plugin).await?;
        let decided = apply_decisions(&mut report.findings, &decisions);
        let counts = Counts::of(&report.findings);
        if counts.blocking > 0 {
            return Ok(ReconsiderOutcome::StillBlocked {
                blocking: counts.blocking,
            });
        }
        let verdict = Verdict {
            status: ScanStatus::Validated,
            auto_approved: false,
            counts,
            reasons: vec![format!(
                "validated after review: reviewers decided the {decided} finding{} that blocked it",
                if decided == 1 { "" } else { "s" }
            )],
        };
        report.status = verdict.status;
        report.auto_approved = false;
        report.counts = verdict.counts;
        report.reasons = verdict.reasons.clone();
        let body = serde_json::to_vec_pretty(&report).map_err(corrupt)?;
        pipeline
            .blobs
            .put(&report_key, body, "application/json")
            .await?;
        let won = pipeline
            .store
            .revalidate(&scan.id, &verdict, validator_domain::now())
            .await?;
        tracing::info!(won, decided, "blocked scan validated after review");
    }
    let Some(scan) = pipeline.store.get_scan(scan_id).await? else {
        return Ok(ReconsiderOutcome::NotFound);
    };
    // The second results email and the second status event, each under its own claim.
    let email = if scan.upload.maintainers.is_empty() {
        None
    } else {
        Some(results_email(&scan, &report, &pipeline.config.email)?)
    };
    let event = StatusEvent::of(&scan, &report, pipeline.blobs.location(&report_key), true);
    let mut deliveries = Deliveries::default();
    if let Some(email) = email {
        let sent = send_once(pipeline, scan_id, NotificationKind::Reviewed, async {
            Ok(Some(pipeline.mailer.send(&email).await?))
        })
        .await;
        deliveries.record(NotificationKind::Reviewed, sent);
    }
    let sent = send_once(pipeline, scan_id, NotificationKind::ReviewedEvent, async {
        pipeline.events.publish(&event).await?;
        Ok(None)
    })
    .await;
    deliveries.record(NotificationKind::ReviewedEvent, sent);
    if let Some(error) = deliveries.error {
        return Err(error);
    }
    Ok(ReconsiderOutcome::Revalidated {
        emails: deliveries.emails,
        missing: deliveries.missing,
    })
}
