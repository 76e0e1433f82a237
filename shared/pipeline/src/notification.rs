//! One claim per side effect (each email, each status event): a failure of one never repeats
//! another, each is retried a bounded number of times, and one that cannot be sent, or whose
//! sender stopped before recording it, is recorded as missing, which the sweep counts for the
//! alarm and [`crate::resend`] sends once the operator has looked.

use std::future::Future;

use validator_domain::{Claim, NotificationKind, ScanId};

use crate::{Pipeline, StageError};

/// What became of one side effect in one call.
#[derive(Debug)]
pub(crate) enum Delivery<T> {
    /// Sent by this call.
    Now(T),
    /// Sent earlier.
    Already,
    /// Another caller holds the claim.
    InProgress,
    /// Recorded as missing (now or earlier): the alarm's business, and the operator's resend.
    Missing,
}

/// Runs `send` at most once per scan and kind: claims, sends, records it sent. A failed send
/// gives the claim back (the attempt counted) and returns the error, so the retried trigger
/// sends it; after `notification_attempts` it is recorded as missing instead.
pub(crate) async fn send_once<T>(
    pipeline: &Pipeline,
    scan_id: &ScanId,
    kind: NotificationKind,
    send: impl Future<Output = Result<T, StageError>>,
) -> Result<Delivery<T>, StageError> {
    let config = &pipeline.config;
    let claim = pipeline
        .store
        .claim_notification(
            scan_id,
            kind,
            validator_domain::now(),
            config.notification_lease,
            config.notification_attempts,
        )
        .await?;
    match claim {
        Claim::Granted { attempt } => match send.await {
            Ok(sent) => {
                pipeline
                    .store
                    .complete_notification(scan_id, kind, validator_domain::now())
                    .await?;
                Ok(Delivery::Now(sent))
            }
            Err(e) => {
                tracing::warn!(scan_id = scan_id.as_str(), %kind, attempt, error = %e, "sending failed; it will be retried");
                pipeline
                    .store
                    .release_notification(scan_id, kind, &e.to_string(), validator_domain::now())
                    .await?;
                Err(e)
            }
        },
        Claim::Sent => Ok(Delivery::Already),
        Claim::Held => Ok(Delivery::InProgress),
        Claim::GaveUp { reason } => {
            // The line the operator searches for (docs/deploy.md); the sweep's metric alarms.
            tracing::error!(
                scan_id = scan_id.as_str(),
                notification = %kind,
                %reason,
                "notification missing: resend it with `resend` once checked"
            );
            Ok(Delivery::Missing)
        }
        Claim::Missing => Ok(Delivery::Missing),
    }
}

/// What the side effects of one stage call came to.
#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    /// Where the emails sent by this call went.
    pub emails: Vec<String>,
    /// Side effects (emails and events) this call performed.
    pub sent_now: usize,
    pub in_progress: Vec<NotificationKind>,
    pub missing: Vec<NotificationKind>,
    /// The first failure; the others were still tried.
    pub error: Option<StageError>,
}

impl Deliveries {
    /// Records one side effect's outcome; `email` says whether it produced a message id to
    /// report.
    pub fn record(
        &mut self,
        kind: NotificationKind,
        outcome: Result<Delivery<Option<String>>, StageError>,
    ) {
        match outcome {
            Ok(Delivery::Now(id)) => {
                self.sent_now += 1;
                self.emails.extend(id);
            }
            Ok(Delivery::Already) => {}
            Ok(Delivery::InProgress) => self.in_progress.push(kind),
            Ok(Delivery::Missing) => self.missing.push(kind),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}
