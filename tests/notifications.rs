//! Emails: real RFC 5322 multipart files, and sent once even when sending fails midway.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use common::{Env, MAINTAINER};
use validator_domain::ScanStatus;
use validator_notify::Email;
use validator_pipeline::{
    aggregate, dispatch, run_check, AggregateOutcome, Attempt, DispatchOutcome, Mailer, PortError,
    ScanStore,
};
use validator_testkit::ZipBuilder;

#[tokio::test]
async fn outbox_emails_are_multipart_text_and_html() {
    let env = Env::builtin();
    env.run_demo(&[MAINTAINER], 1).await;
    for kind in ["confirmation", "results"] {
        let files = env.emails(kind);
        assert_eq!(files.len(), 1, "{kind}");
        let raw = std::fs::read_to_string(&files[0]).unwrap();
        let (headers, body) = raw
            .split_once("\r\n\r\n")
            .expect("headers end with a blank line");
        for header in [
            "From: ",
            "To: dev@example.org",
            "Subject: ",
            "Date: ",
            "MIME-Version: 1.0",
        ] {
            assert!(
                headers.contains(header),
                "{kind}: no {header} in\n{headers}"
            );
        }
        assert!(headers.contains("multipart/alternative"), "{headers}");
        assert!(body.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(body.contains("Content-Type: text/html; charset=utf-8"));
        assert!(raw.lines().all(|l| l.len() <= 998), "RFC 5322 line length");
    }
}

/// Fails the first `failures` sends, then delegates.
struct FailingMailer {
    inner: Arc<dyn Mailer>,
    failures: AtomicU32,
}

#[async_trait]
impl Mailer for FailingMailer {
    async fn send(&self, email: &Email) -> Result<String, PortError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(PortError::Backend("SES is throttling".into()));
        }
        self.inner.send(email).await
    }
}

#[tokio::test]
async fn a_failed_send_is_retried_and_nothing_is_lost_or_sent_twice() {
    let mut env = Env::builtin();
    env.pipeline.mailer = Arc::new(FailingMailer {
        inner: env.backends.mailer.clone(),
        failures: AtomicU32::new(1),
    });
    let key = env.upload(
        "demo",
        &ZipBuilder::valid_plugin("demo").build(),
        &[MAINTAINER],
    );
    // The confirmation fails: the dispatcher reports an error (the event is retried), but the
    // checks were queued all the same ...
    assert!(dispatch(&env.pipeline, &key).await.is_err());
    assert!(env.emails("confirmation").is_empty());
    let queued = std::iter::from_fn(|| env.backends.queue.pop()).count();
    assert!(queued > 0, "the checks wait for no email");
    // ... and the retry sends it.
    let DispatchOutcome::Dispatched { scan_id, .. } = dispatch(&env.pipeline, &key).await.unwrap()
    else {
        panic!("not dispatched");
    };
    assert_eq!(env.emails("confirmation").len(), 1);

    env.pipeline.mailer = Arc::new(FailingMailer {
        inner: env.backends.mailer.clone(),
        failures: AtomicU32::new(1),
    });
    let mut last = None;
    while let Some(request) = env.backends.queue.pop() {
        run_check(&env.pipeline, &request, Attempt::only())
            .await
            .unwrap();
        last = Some(aggregate(&env.pipeline, &scan_id).await);
    }
    // The results email failed on the last aggregation: the status is final, the email pending.
    assert!(last.unwrap().is_err());
    let scan = env
        .backends
        .store
        .get_scan(&scan_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(scan.status, ScanStatus::Validated);
    assert!(scan.notifications.results.sent_at.is_none());
    assert!(env.emails("results").is_empty());
    // The stream redelivers: sent now, exactly once.
    assert!(matches!(
        aggregate(&env.pipeline, &scan_id).await.unwrap(),
        AggregateOutcome::Finished { .. }
    ));
    assert!(matches!(
        aggregate(&env.pipeline, &scan_id).await.unwrap(),
        AggregateOutcome::AlreadyNotified { .. }
    ));
    assert_eq!(env.emails("results").len(), 1);
    assert_eq!(env.events().len(), 1);
}

#[tokio::test]
async fn a_claim_left_by_a_crashed_sender_is_recorded_missing_never_taken_over() {
    use validator_domain::Claim;
    use validator_pipeline::NotificationKind;
    let env = Env::builtin();
    let key = env.upload("demo", &ZipBuilder::valid_plugin("demo").build(), &[]);
    let DispatchOutcome::Dispatched { scan_id, .. } = dispatch(&env.pipeline, &key).await.unwrap()
    else {
        panic!("not dispatched");
    };
    let store = &env.backends.store;
    let lease = std::time::Duration::from_secs(300);
    let t0 = validator_domain::now();
    let claim = |at| store.claim_notification(&scan_id, NotificationKind::Results, at, lease, 5);
    assert_eq!(claim(t0).await.unwrap(), Claim::Granted { attempt: 1 });
    // The claimant dies: others must wait for the lease ...
    let soon = t0 + time::Duration::seconds(10);
    assert_eq!(claim(soon).await.unwrap(), Claim::Held);
    // ... and then nobody can tell whether it went out: it is missing, never sent again.
    let later = t0 + time::Duration::seconds(301);
    assert!(matches!(claim(later).await.unwrap(), Claim::GaveUp { .. }));
    assert_eq!(claim(later).await.unwrap(), Claim::Missing);
    // Other side effects have claims of their own.
    assert_eq!(
        store
            .claim_notification(&scan_id, NotificationKind::StatusEvent, later, lease, 5)
            .await
            .unwrap(),
        Claim::Granted { attempt: 1 }
    );
    // The operator's resend makes it claimable again; once sent, it stays sent.
    assert!(store
        .reset_notification(&scan_id, NotificationKind::Results, later)
        .await
        .unwrap());
    assert_eq!(claim(later).await.unwrap(), Claim::Granted { attempt: 1 });
    store
        .complete_notification(&scan_id, NotificationKind::Results, later)
        .await
        .unwrap();
    let much_later = t0 + time::Duration::hours(2);
    assert_eq!(claim(much_later).await.unwrap(), Claim::Sent);
    assert!(!store
        .reset_notification(&scan_id, NotificationKind::Results, much_later)
        .await
        .unwrap());
}
