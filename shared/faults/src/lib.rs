//! Fault injection for the pipeline's five ports: one [`Injector`] counts every port call of a
//! run and makes the N-th one fail once, in one of three ways ([`Fault`]); [`FaultyPorts`]
//! wraps a pipeline's ports with it, and records what the mailer and the event publisher
//! really sent. [`invoke`] runs one stage invocation the way its Lambda runs: it returns the
//! stage's result, or [`Invocation::Killed`] when the injected fault ended the invocation (a
//! timeout or a crash: nothing after that point runs).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use validator_domain::{
    CheckResult, Claim, HistoryEntry, NotificationKind, Notifications, ReviewDecision, Scan,
    ScanId, Timestamp, Verdict,
};
use validator_notify::{Email, EmailKind};
use validator_pipeline::{
    Blob, BlobStore, CheckQueue, CheckRequest, EventPublisher, Mailer, Pipeline, PortError, Ports,
    ScanStore, StatusEvent,
};

/// How the chosen call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The backend refuses the call; nothing happened (a throttle, a 5xx).
    Error,
    /// The call never answers; nothing happened, and the function is killed at its timeout.
    Timeout,
    /// The call did what it does, then the function died before the next statement (out of
    /// memory, killed at its timeout right after the call).
    CrashAfterSideEffect,
}

impl Fault {
    pub const ALL: [Self; 3] = [Self::Error, Self::Timeout, Self::CrashAfterSideEffect];
}

/// Counts port calls and fails the chosen one, once.
#[derive(Debug, Default)]
pub struct Injector {
    calls: AtomicUsize,
    target: Option<(usize, Fault)>,
    fired: AtomicBool,
    killed: tokio::sync::Notify,
    names: Mutex<Vec<&'static str>>,
}

enum Step {
    Pass,
    Fail,
    Hang,
    CrashAfter,
}

impl Injector {
    /// Counts calls and fails none (to learn how many calls a run makes).
    pub fn counting() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Fails call number `position` (from 0) with `fault`.
    pub fn failing(position: usize, fault: Fault) -> Arc<Self> {
        Arc::new(Self {
            target: Some((position, fault)),
            ..Self::default()
        })
    }

    /// Port calls so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Whether the fault was injected.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// The port methods called, in order (`store.get_scan`, ...).
    pub fn call_names(&self) -> Vec<&'static str> {
        self.names.lock().map(|n| n.clone()).unwrap_or_default()
    }

    fn step(&self, name: &'static str) -> Step {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut names) = self.names.lock() {
            names.push(name);
        }
        match self.target {
            Some((position, fault))
                if position == n && !self.fired.swap(true, Ordering::SeqCst) =>
            {
                match fault {
                    Fault::Error => Step::Fail,
                    Fault::Timeout => Step::Hang,
                    Fault::CrashAfterSideEffect => Step::CrashAfter,
                }
            }
            _ => Step::Pass,
        }
    }

    /// Runs one port call under the injector.
    async fn guard<T>(
        &self,
        name: &'static str,
        call: impl Future<Output = Result<T, PortError>>,
    ) -> Result<T, PortError> {
        match self.step(name) {
            Step::Pass => call.await,
            Step::Fail => Err(PortError::Backend(format!("injected failure of {name}"))),
            Step::Hang => {
                self.killed.notify_one();
                std::future::pending().await
            }
            Step::CrashAfter => {
                let _ = call.await;
                self.killed.notify_one();
                std::future::pending().await
            }
        }
    }
}

/// How one stage invocation ended.
#[derive(Debug)]
pub enum Invocation<T> {
    Returned(T),
    /// The injected timeout or crash ended it.
    Killed,
}

impl<T, E> Invocation<Result<T, E>> {
    /// Returned `Ok`: the trigger does not deliver it again.
    pub fn succeeded(&self) -> bool {
        matches!(self, Self::Returned(Ok(_)))
    }
}

/// Runs one stage invocation; a timeout or a crash injected into it ends it there, as Lambda
/// ends a function that timed out or died.
pub async fn invoke<T>(injector: &Injector, stage: impl Future<Output = T>) -> Invocation<T> {
    tokio::select! {
        biased;
        out = stage => Invocation::Returned(out),
        _ = injector.killed.notified() => Invocation::Killed,
    }
}

/// What went out: every email and event the wrapped mailer and publisher really sent.
#[derive(Debug, Default)]
pub struct Sent {
    pub emails: Mutex<Vec<Email>>,
    pub events: Mutex<Vec<StatusEvent>>,
}

impl Sent {
    pub fn emails_of(&self, kind: EmailKind) -> Vec<Email> {
        self.emails
            .lock()
            .map(|e| e.iter().filter(|m| m.kind == kind).cloned().collect())
            .unwrap_or_default()
    }

    pub fn events(&self) -> Vec<StatusEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// A pipeline's five ports behind one injector, and what went out.
pub struct FaultyPorts {
    pub injector: Arc<Injector>,
    pub sent: Arc<Sent>,
}

impl FaultyPorts {
    /// `pipeline` with every port wrapped.
    pub fn wrap(pipeline: &Pipeline, injector: Arc<Injector>) -> (Pipeline, Self) {
        let sent = Arc::new(Sent::default());
        let ports = Ports {
            blobs: Arc::new(FaultyBlobs {
                inner: pipeline.blobs.clone(),
                injector: injector.clone(),
            }),
            queue: Arc::new(FaultyQueue {
                inner: pipeline.queue.clone(),
                injector: injector.clone(),
            }),
            store: Arc::new(FaultyStore {
                inner: pipeline.store.clone(),
                injector: injector.clone(),
            }),
            mailer: Arc::new(FaultyMailer {
                inner: pipeline.mailer.clone(),
                injector: injector.clone(),
                sent: sent.clone(),
            }),
            events: Arc::new(FaultyEvents {
                inner: pipeline.events.clone(),
                injector: injector.clone(),
                sent: sent.clone(),
            }),
        };
        let wrapped = Pipeline::new(pipeline.config.clone(), pipeline.registry.clone(), ports);
        (wrapped, Self { injector, sent })
    }
}

struct FaultyBlobs {
    inner: Arc<dyn BlobStore>,
    injector: Arc<Injector>,
}

#[async_trait]
impl BlobStore for FaultyBlobs {
    async fn get(&self, key: &str) -> Result<Blob, PortError> {
        self.injector.guard("blobs.get", self.inner.get(key)).await
    }
    async fn get_version(&self, key: &str, version: &str) -> Result<Blob, PortError> {
        self.injector
            .guard("blobs.get_version", self.inner.get_version(key, version))
            .await
    }
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError> {
        self.injector
            .guard("blobs.put", self.inner.put(key, bytes, content_type))
            .await
    }
    async fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, PortError> {
        self.injector
            .guard("blobs.list", self.inner.list(prefix, max))
            .await
    }
    fn location(&self, key: &str) -> String {
        self.inner.location(key)
    }
}

struct FaultyQueue {
    inner: Arc<dyn CheckQueue>,
    injector: Arc<Injector>,
}

#[async_trait]
impl CheckQueue for FaultyQueue {
    async fn send(&self, request: &CheckRequest) -> Result<(), PortError> {
        self.injector
            .guard("queue.send", self.inner.send(request))
            .await
    }
}

struct FaultyMailer {
    inner: Arc<dyn Mailer>,
    injector: Arc<Injector>,
    sent: Arc<Sent>,
}

#[async_trait]
impl Mailer for FaultyMailer {
    async fn send(&self, email: &Email) -> Result<String, PortError> {
        self.injector
            .guard("mailer.send", async {
                let id = self.inner.send(email).await?;
                if let Ok(mut sent) = self.sent.emails.lock() {
                    sent.push(email.clone());
                }
                Ok(id)
            })
            .await
    }
}

struct FaultyEvents {
    inner: Arc<dyn EventPublisher>,
    injector: Arc<Injector>,
    sent: Arc<Sent>,
}

#[async_trait]
impl EventPublisher for FaultyEvents {
    async fn publish(&self, event: &StatusEvent) -> Result<(), PortError> {
        self.injector
            .guard("events.publish", async {
                self.inner.publish(event).await?;
                if let Ok(mut sent) = self.sent.events.lock() {
                    sent.push(event.clone());
                }
                Ok(())
            })
            .await
    }
}

struct FaultyStore {
    inner: Arc<dyn ScanStore>,
    injector: Arc<Injector>,
}

#[async_trait]
impl ScanStore for FaultyStore {
    async fn create_scan(&self, scan: &Scan) -> Result<Option<Scan>, PortError> {
        self.injector
            .guard("store.create_scan", self.inner.create_scan(scan))
            .await
    }
    async fn get_scan(&self, id: &ScanId) -> Result<Option<Scan>, PortError> {
        self.injector
            .guard("store.get_scan", self.inner.get_scan(id))
            .await
    }
    async fn record_result(&self, result: &CheckResult) -> Result<bool, PortError> {
        self.injector
            .guard("store.record_result", self.inner.record_result(result))
            .await
    }
    async fn results(&self, id: &ScanId) -> Result<Vec<CheckResult>, PortError> {
        self.injector
            .guard("store.results", self.inner.results(id))
            .await
    }
    async fn finish(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        report_key: &str,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.injector
            .guard(
                "store.finish",
                self.inner.finish(id, verdict, report_key, at),
            )
            .await
    }
    async fn claim_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        now: Timestamp,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Claim, PortError> {
        self.injector
            .guard(
                "store.claim_notification",
                self.inner
                    .claim_notification(id, kind, now, lease, max_attempts),
            )
            .await
    }
    async fn release_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        error: &str,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.injector
            .guard(
                "store.release_notification",
                self.inner.release_notification(id, kind, error, at),
            )
            .await
    }
    async fn complete_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.injector
            .guard(
                "store.complete_notification",
                self.inner.complete_notification(id, kind, at),
            )
            .await
    }
    async fn reset_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.injector
            .guard(
                "store.reset_notification",
                self.inner.reset_notification(id, kind, at),
            )
            .await
    }
    async fn notifications(&self, id: &ScanId) -> Result<Notifications, PortError> {
        self.injector
            .guard("store.notifications", self.inner.notifications(id))
            .await
    }
    async fn unsent_notifications(
        &self,
        changed_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        self.injector
            .guard(
                "store.unsent_notifications",
                self.inner
                    .unsent_notifications(changed_before, page_size, max),
            )
            .await
    }
    async fn missing_notifications(
        &self,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        self.injector
            .guard(
                "store.missing_notifications",
                self.inner.missing_notifications(page_size, max),
            )
            .await
    }
    async fn record_history(&self, entry: &HistoryEntry) -> Result<(), PortError> {
        self.injector
            .guard("store.record_history", self.inner.record_history(entry))
            .await
    }
    async fn history(&self, plugin: &str, max: usize) -> Result<Vec<HistoryEntry>, PortError> {
        self.injector
            .guard("store.history", self.inner.history(plugin, max))
            .await
    }
    async fn record_decision(&self, decision: &ReviewDecision) -> Result<(), PortError> {
        self.injector
            .guard(
                "store.record_decision",
                self.inner.record_decision(decision),
            )
            .await
    }
    async fn revalidate(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.injector
            .guard("store.revalidate", self.inner.revalidate(id, verdict, at))
            .await
    }
    async fn decisions(&self, plugin: &str) -> Result<Vec<ReviewDecision>, PortError> {
        self.injector
            .guard("store.decisions", self.inner.decisions(plugin))
            .await
    }
    async fn stuck_scans(
        &self,
        created_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<ScanId>, PortError> {
        self.injector
            .guard(
                "store.stuck_scans",
                self.inner.stuck_scans(created_before, page_size, max),
            )
            .await
    }
}
