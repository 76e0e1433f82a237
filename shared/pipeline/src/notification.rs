use std::future::Future;

use validator_domain::ScanId;

use crate::{NotificationKind, Pipeline, StageError};

/// Runs `send` at most once per scan and kind: claims the notification, sends, marks it sent.
/// A failed send gives the claim back so that the retried trigger sends it at once. `None`
/// when another invocation holds the claim (or it was already sent).
pub(crate) async fn send_once<T>(
    pipeline: &Pipeline,
    scan_id: &ScanId,
    kind: NotificationKind,
    send: impl Future<Output = Result<T, StageError>>,
) -> Result<Option<T>, StageError> {
    let claimed = pipeline
        .store
        .claim_notification(
            scan_id,
            kind,
            validator_domain::now(),
            pipeline.config.notification_lease,
        )
        .await?;
    if !claimed {
        return Ok(None);
    }
    match send.await {
        Ok(sent) => {
            pipeline
                .store
                .complete_notification(scan_id, kind, validator_domain::now())
                .await?;
            Ok(Some(sent))
        }
        Err(e) => {
            pipeline.store.release_notification(scan_id, kind).await?;
            Err(e)
        }
    }
}
