//! The operator's resend of side effects recorded as missing (docs/deploy.md, "Resend a
//! missing notification"), and the sweep's resumption of those left unsent.

use validator_domain::{NotificationKind, ScanId, ScanStatus};

use crate::{aggregate, reconsider, Pipeline, StageError};

/// What a resend did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResendOutcome {
    /// The missing side effects made claimable again.
    pub reset: Vec<NotificationKind>,
    /// Those still missing afterwards (sending failed again: look at the logs).
    pub still_missing: Vec<NotificationKind>,
    /// The first results email, approvers' email and status event of a version reviewers
    /// validated since: they would say "blocked" when it no longer is, and the review's email
    /// and event told both the maintainers and the website. Recorded as done, not sent.
    pub superseded: Vec<NotificationKind>,
}

/// Sends the scan's side effects recorded as missing (`kinds`, or all of them), once: each is
/// made claimable again, then the stage that owns it runs (dispatch's confirmation, aggregate,
/// reconsider), which sends what is not sent yet and nothing twice. Run it after checking that
/// a notification whose sender stopped mid-send did not go out (the mail logs): that one is
/// missing because nobody can tell.
pub async fn resend(
    pipeline: &Pipeline,
    scan_id: &ScanId,
    kinds: &[NotificationKind],
) -> Result<Option<ResendOutcome>, StageError> {
    let Some(scan) = pipeline.store.get_scan(scan_id).await? else {
        return Ok(None);
    };
    let before = pipeline.store.notifications(scan_id).await?;
    let mut outcome = ResendOutcome::default();
    for (kind, _) in before.missing() {
        if !kinds.is_empty() && !kinds.contains(&kind) {
            continue;
        }
        let first_verdict = matches!(
            kind,
            NotificationKind::Results | NotificationKind::Approvers | NotificationKind::StatusEvent
        );
        if first_verdict && scan.reviewed_at.is_some() {
            tracing::warn!(scan_id = scan_id.as_str(), notification = %kind, "superseded by the review's email and event: not sent");
            pipeline
                .store
                .complete_notification(scan_id, kind, validator_domain::now())
                .await?;
            outcome.superseded.push(kind);
            continue;
        }
        if pipeline
            .store
            .reset_notification(scan_id, kind, validator_domain::now())
            .await?
        {
            outcome.reset.push(kind);
        }
    }
    tracing::info!(scan_id = scan_id.as_str(), reset = ?outcome.reset, "resending");
    let mut first_error = None;
    for kind in owners(&outcome.reset) {
        if let Err(e) = resume(pipeline, scan_id, kind).await {
            first_error.get_or_insert(e);
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let after = pipeline.store.notifications(scan_id).await?;
    outcome.still_missing = after.missing().into_iter().map(|(k, _)| k).collect();
    Ok(Some(outcome))
}

/// Records the scan's side effects recorded as missing (`kinds`, or all of them) as sent, after
/// the operator found that they did go out (their sender stopped between sending and recording
/// it): the alarm stops counting them. Returns those acknowledged; `None` when there is no
/// such scan.
pub async fn acknowledge(
    pipeline: &Pipeline,
    scan_id: &ScanId,
    kinds: &[NotificationKind],
) -> Result<Option<Vec<NotificationKind>>, StageError> {
    if pipeline.store.get_scan(scan_id).await?.is_none() {
        return Ok(None);
    }
    let mut acknowledged = Vec::new();
    for (kind, _) in pipeline.store.notifications(scan_id).await?.missing() {
        if kinds.is_empty() || kinds.contains(&kind) {
            pipeline
                .store
                .complete_notification(scan_id, kind, validator_domain::now())
                .await?;
            acknowledged.push(kind);
        }
    }
    tracing::info!(
        scan_id = scan_id.as_str(),
        ?acknowledged,
        "acknowledged as sent"
    );
    Ok(Some(acknowledged))
}

/// One kind per stage that owns some of `kinds` (each stage sends all of its own).
fn owners(kinds: &[NotificationKind]) -> Vec<NotificationKind> {
    let mut owners: Vec<NotificationKind> = Vec::new();
    for kind in kinds {
        let owner = match kind {
            NotificationKind::Confirmation => NotificationKind::Confirmation,
            NotificationKind::Results
            | NotificationKind::Approvers
            | NotificationKind::StatusEvent => NotificationKind::Results,
            NotificationKind::Reviewed | NotificationKind::ReviewedEvent => {
                NotificationKind::Reviewed
            }
        };
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    owners
}

/// Runs the stage that sends `kind` for the scan again; it claims, so nothing is sent twice.
pub(crate) async fn resume(
    pipeline: &Pipeline,
    scan_id: &ScanId,
    kind: NotificationKind,
) -> Result<(), StageError> {
    let Some(scan) = pipeline.store.get_scan(scan_id).await? else {
        return Ok(());
    };
    match kind {
        NotificationKind::Confirmation => crate::dispatch::send_confirmation(pipeline, &scan).await,
        NotificationKind::Results | NotificationKind::Approvers | NotificationKind::StatusEvent => {
            if scan.status != ScanStatus::Validating {
                aggregate(pipeline, scan_id).await?;
            }
            Ok(())
        }
        NotificationKind::Reviewed | NotificationKind::ReviewedEvent => {
            reconsider(pipeline, scan_id).await?;
            Ok(())
        }
    }
}
