//! The fault-injection suite: every stage (dispatch, every check, aggregate, review, the sweep)
//! run with one fault injected at every port call position in turn, each fault type (error,
//! timeout, crash after the side effect), followed by the retries the real trigger makes (S3's
//! asynchronous invocation, SQS redelivery, the stream's retries, the website's, the
//! schedule's), the sweep, and the operator's documented step for what the alarm reports
//! (resend what did not go out, acknowledge what did). Then the invariants: exactly one final
//! status; each email and each event at most once, and every one sent once the fault cleared;
//! no verdict for bytes that were not checked; no scan stuck after the sweep. The embedded
//! backends are the ports; `shared/lambda/tests/moto.rs` runs a smaller matrix on the AWS
//! adapters.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use validator_checks::CheckRegistry;
use validator_domain::{
    CheckOutcome, DeciderRole, DecisionKind, NotificationKind, Report, ScanId, ScanStatus,
};
use validator_embedded::{LocalBackends, SqliteScanStore};
use validator_faults::{invoke, Fault, FaultyPorts, Injector, Invocation};
use validator_notify::EmailKind;
use validator_pipeline::{
    acknowledge, aggregate, dispatch, resend, review, run_check, sweep, Attempt, DispatchOutcome,
    Pipeline, PipelineConfig, ReviewRequest, SweepSettings,
};
use validator_testkit::ZipBuilder;

// What each trigger does with a failed or killed invocation (template.yaml).
/// The S3 notification's asynchronous invocation: 1 + `MaximumRetryAttempts: 2`.
const DISPATCH_DELIVERIES: u32 = 3;
/// A check queue's `maxReceiveCount`.
const CHECK_DELIVERIES: u32 = 5;
/// The stream: 1 + `MaximumRetryAttempts: 10`.
const STREAM_DELIVERIES: u32 = 11;
/// The website retries a failed review request.
const REVIEW_DELIVERIES: u32 = 3;
/// The sweep's schedule: 1 + `MaximumRetryAttempts: 4`.
const SWEEP_DELIVERIES: u32 = 5;

const MAINTAINER: &str = "dev@example.org";
const APPROVER: &str = "approver@example.org";
/// The check whose message is lost in the sweep scenario.
const LOST_CHECK: &str = "licence";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// A validated version: confirmation, results, approvers' email, status event.
    Validated,
    /// A blocked version that reviewers' decisions validate: a second results email and event.
    Reviewed,
    /// A check's message is lost: the sweep ends the scan in error (the error email).
    Swept,
}

impl Scenario {
    const ALL: [Self; 3] = [Self::Validated, Self::Reviewed, Self::Swept];

    fn zip(self) -> Vec<u8> {
        match self {
            // A literal `exec` in the module `classFactory` loads: blocked by the policy.
            Self::Reviewed => ZipBuilder::valid_plugin("demo")
                .file(
                    "demo/plugin.py",
                    "class Plugin:\n    def __init__(self, iface):\n        exec(iface)\n",
                )
                .build(),
            _ => ZipBuilder::valid_plugin("demo").build(),
        }
    }
}

/// The embedded backends in a temporary folder, behind one injector.
struct Harness {
    _dir: tempfile::TempDir,
    backends: LocalBackends,
    pipeline: Pipeline,
    ports: FaultyPorts,
}

impl Harness {
    fn new(injector: Arc<Injector>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut backends =
            LocalBackends::open(dir.path(), "validator@example.org").expect("backends");
        // SQLite in memory: the same transactions without a disk sync each (hundreds of runs).
        backends.store = Arc::new(SqliteScanStore::in_memory().expect("in-memory store"));
        let mut config = PipelineConfig {
            // The trigger's retries come after a killed invocation's claim expired (SQS's
            // visibility timeout, the stream's backoff, the sweep's 10 minutes).
            notification_lease: Duration::ZERO,
            sweep: SweepSettings {
                stuck_after: Duration::ZERO,
                ..SweepSettings::default()
            },
            ..PipelineConfig::default()
        };
        config.email.approvers = vec![APPROVER.to_owned()];
        let inner = backends.pipeline(config, CheckRegistry::builtin());
        let (pipeline, ports) = FaultyPorts::wrap(&inner, injector);
        Self {
            _dir: dir,
            backends,
            pipeline,
            ports,
        }
    }

    /// Runs `stage` as its trigger delivers it: again after a failure or a kill, up to
    /// `deliveries` times. Whether it finally succeeded.
    async fn deliver<T, E, F, Fut>(&self, deliveries: u32, stage: F) -> bool
    where
        F: Fn(u32) -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        for delivery in 1..=deliveries {
            if invoke(&self.ports.injector, stage(delivery))
                .await
                .succeeded()
            {
                return true;
            }
        }
        false
    }

    /// Reads without the injector (the test's own view).
    async fn scan(&self, id: &ScanId) -> validator_domain::Scan {
        use validator_pipeline::ScanStore;
        self.backends
            .store
            .get_scan(id)
            .await
            .expect("read")
            .expect("the scan exists")
    }

    async fn completed(&self, id: &ScanId) -> usize {
        self.scan(id).await.completed_checks.len()
    }

    /// The stream's delivery of one record that passes the filter (the scan item changed
    /// while `validating`).
    async fn stream(&self, id: &ScanId) {
        self.deliver(STREAM_DELIVERIES, |_| aggregate(&self.pipeline, id))
            .await;
    }

    /// Everything from the upload to the sweep and the operator, as the deployment runs it.
    async fn run(&self, scenario: Scenario) -> Option<ScanId> {
        let key = "uploads/demo.zip";
        let metadata = BTreeMap::from([
            ("maintainers".to_owned(), MAINTAINER.to_owned()),
            ("trusted".to_owned(), "false".to_owned()),
        ]);
        self.backends
            .blobs
            .put_with_metadata(key, &scenario.zip(), &metadata)
            .expect("upload");
        let mut scan_id = None;
        for _ in 0..DISPATCH_DELIVERIES {
            match invoke(&self.ports.injector, dispatch(&self.pipeline, key)).await {
                Invocation::Returned(Ok(DispatchOutcome::Dispatched { scan_id: id, .. })) => {
                    scan_id = Some(id);
                    break;
                }
                Invocation::Returned(Ok(other)) => panic!("not dispatched: {other:?}"),
                _ => {}
            }
        }
        // A dispatch that failed every delivery lands in the failure queue (alarmed); the
        // scan may exist all the same (the id is derived from the upload).
        let id = match scan_id {
            Some(id) => id,
            None => {
                use validator_pipeline::{BlobStore, ScanStore};
                let blob = self.backends.blobs.get(key).await.expect("upload");
                let id = ScanId::derive(
                    key,
                    blob.version.as_deref(),
                    &validator_domain::ContentDigest::of(&blob.bytes),
                );
                self.backends.store.get_scan(&id).await.expect("read")?;
                id
            }
        };
        // The scan item's INSERT.
        self.stream(&id).await;
        while let Some(request) = self.backends.queue.pop() {
            if scenario == Scenario::Swept && request.check.as_str() == LOST_CHECK {
                continue;
            }
            let before = self.completed(&id).await;
            self.deliver(CHECK_DELIVERIES, |number| {
                run_check(
                    &self.pipeline,
                    &request,
                    Attempt {
                        number,
                        max: CHECK_DELIVERIES,
                    },
                )
            })
            .await;
            if self.completed(&id).await > before {
                self.stream(&id).await;
            }
        }
        self.sweep_and_operator(&id).await;
        if scenario == Scenario::Reviewed {
            self.review_every_blocking_finding(&id).await;
            self.sweep_and_operator(&id).await;
        }
        Some(id)
    }

    /// The schedule's sweep (its error results are scan-item writes while `validating`, which
    /// the stream delivers too), then the operator's answer to the alarm.
    async fn sweep_and_operator(&self, id: &ScanId) {
        let before = self.completed(id).await;
        self.deliver(SWEEP_DELIVERIES, |_| sweep(&self.pipeline))
            .await;
        if self.completed(id).await > before {
            self.stream(id).await;
        }
        self.operator(id).await;
    }

    async fn review_every_blocking_finding(&self, id: &ScanId) {
        let scan = self.scan(id).await;
        let Some(report_key) = scan.report_key else {
            return;
        };
        let report: Report = serde_json::from_slice(
            &std::fs::read(self.backends.blobs.path_of(&report_key).expect("path"))
                .expect("report"),
        )
        .expect("report JSON");
        for finding in report.blocking_findings() {
            let request = ReviewRequest {
                scan_id: id.clone(),
                path: finding.path.clone(),
                fingerprint: finding.fingerprint.clone().expect("fingerprinted"),
                kind: DecisionKind::FalsePositive,
                reason: "the test's reviewer".to_owned(),
                by: APPROVER.to_owned(),
                role: DeciderRole::Approver,
                withdraw: false,
            };
            self.deliver(REVIEW_DELIVERIES, |_| async {
                match review(&self.pipeline, &request).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(refused)) => panic!("refused: {refused}"),
                    Err(e) => Err(e),
                }
            })
            .await;
        }
    }

    /// What the operator does on the missing-notifications alarm (docs/deploy.md): for each
    /// missing one, look whether it went out (here: what the mailer and publisher really
    /// sent); acknowledge it if it did, resend it if it did not.
    async fn operator(&self, id: &ScanId) {
        use validator_pipeline::ScanStore;
        let notices = self.backends.store.notifications(id).await.expect("read");
        for (kind, _) in notices.missing() {
            if self.went_out(kind) > 0 {
                acknowledge(&self.pipeline, id, &[kind])
                    .await
                    .expect("acknowledge");
            } else {
                resend(&self.pipeline, id, &[kind]).await.expect("resend");
            }
        }
    }

    /// How many times `kind` went out.
    fn went_out(&self, kind: NotificationKind) -> usize {
        let sent = &self.ports.sent;
        let reviewed_email =
            |e: &validator_notify::Email| e.text.contains("validated after review");
        match kind {
            NotificationKind::Confirmation => sent.emails_of(EmailKind::Confirmation).len(),
            NotificationKind::Results => sent
                .emails_of(EmailKind::Results)
                .iter()
                .filter(|e| !reviewed_email(e))
                .count(),
            NotificationKind::Approvers => sent.emails_of(EmailKind::ApproversReview).len(),
            NotificationKind::StatusEvent => sent.events().iter().filter(|e| !e.reviewed).count(),
            NotificationKind::Reviewed => sent
                .emails_of(EmailKind::Results)
                .iter()
                .filter(|e| reviewed_email(e))
                .count(),
            NotificationKind::ReviewedEvent => sent.events().iter().filter(|e| e.reviewed).count(),
        }
    }

    /// The invariants; `Err` says which one broke.
    async fn check(&self, scenario: Scenario, id: Option<ScanId>) -> Result<(), String> {
        use validator_pipeline::ScanStore;
        let id = id.ok_or("no scan was recorded")?;
        let scan = self.scan(&id).await;
        // No scan stuck after the sweep; exactly one final status, the expected one.
        let (status, events): (ScanStatus, Vec<(ScanStatus, bool)>) = match scenario {
            Scenario::Validated => (ScanStatus::Validated, vec![(ScanStatus::Validated, false)]),
            Scenario::Reviewed => (
                ScanStatus::Validated,
                vec![(ScanStatus::Blocked, false), (ScanStatus::Validated, true)],
            ),
            Scenario::Swept => (ScanStatus::Error, vec![(ScanStatus::Error, false)]),
        };
        if scan.status != status {
            return Err(format!("status {} instead of {status}", scan.status));
        }
        let published: Vec<(ScanStatus, bool)> = self
            .ports
            .sent
            .events()
            .iter()
            .map(|e| (e.status, e.reviewed))
            .collect();
        if published != events {
            return Err(format!("status events {published:?}, expected {events:?}"));
        }
        // Each email and event once: never twice, none left unsent.
        let expected = |kind| match (scenario, kind) {
            (_, NotificationKind::Confirmation | NotificationKind::Results) => 1,
            (Scenario::Validated, NotificationKind::Approvers) => 1,
            (_, NotificationKind::StatusEvent) => 1,
            (Scenario::Reviewed, NotificationKind::Reviewed | NotificationKind::ReviewedEvent) => 1,
            _ => 0,
        };
        for kind in NotificationKind::ALL {
            let n = self.went_out(kind);
            if n != expected(kind) {
                return Err(format!(
                    "{kind} went out {n} times, expected {}",
                    expected(kind)
                ));
            }
        }
        let missing = self
            .backends
            .store
            .missing_notifications(100, 100)
            .await
            .map_err(|e| e.to_string())?;
        if !missing.is_empty() {
            return Err(format!("still recorded as missing: {missing:?}"));
        }
        // No verdict for bytes that were not checked: a validated or blocked scan has an ok
        // result of every expected check, each of the bytes the scan was created for.
        let results = self
            .backends
            .store
            .results(&id)
            .await
            .map_err(|e| e.to_string())?;
        if matches!(scan.status, ScanStatus::Validated | ScanStatus::Blocked) {
            for check in &scan.expected_checks {
                let ok = results
                    .iter()
                    .any(|r| &r.check == check && r.outcome == CheckOutcome::Ok);
                if !ok {
                    return Err(format!("{} without an ok result of {check}", scan.status));
                }
            }
        }
        Ok(())
    }
}

/// One (scenario, call position, fault) run: `Err` says which invariant broke.
async fn run_one(scenario: Scenario, position: usize, fault: Fault) -> Result<bool, String> {
    let harness = Harness::new(Injector::failing(position, fault));
    let id = harness.run(scenario).await;
    let names = harness.ports.injector.call_names();
    let call = names.get(position).copied().unwrap_or("(none)");
    harness
        .check(scenario, id)
        .await
        .map_err(|e| format!("{scenario:?}, call {position} ({call}), {fault:?}: {e}"))?;
    Ok(harness.ports.injector.fired())
}

/// Runs in flight at once (each has its own backends).
const PARALLEL_RUNS: usize = 4;

/// A finished run's broken invariant, if any.
fn collect(done: Option<Result<Result<(), String>, tokio::task::JoinError>>) -> Option<String> {
    match done? {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(join) => Some(format!("a run panicked: {join}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stage_holds_its_invariants_under_any_single_fault() {
    let mut runs = 0;
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for scenario in Scenario::ALL {
        // A clean run: how many port calls the whole flow makes, and that it holds.
        let clean = Harness::new(Injector::counting());
        let id = clean.run(scenario).await;
        clean
            .check(scenario, id)
            .await
            .unwrap_or_else(|e| panic!("{scenario:?} without a fault: {e}"));
        let positions = clean.ports.injector.calls();
        let mut pending = tokio::task::JoinSet::new();
        for position in 0..positions {
            for fault in Fault::ALL {
                runs += 1;
                if pending.len() >= PARALLEL_RUNS {
                    failures.extend(collect(pending.join_next().await));
                }
                pending.spawn(async move {
                    match run_one(scenario, position, fault).await {
                        Ok(true) => Ok(()),
                        Ok(false) => Err(format!(
                            "{scenario:?}, call {position}, {fault:?}: the fault was never injected"
                        )),
                        Err(e) => Err(e),
                    }
                });
            }
        }
        while let Some(done) = pending.join_next().await {
            failures.extend(collect(Some(done)));
        }
        summary.push(format!(
            "{scenario:?}: {positions} call positions x 3 faults"
        ));
    }
    // The closing note of issue #32 quotes this line.
    println!(
        "fault-injection runs: {runs} ({}); invariants broken in {}",
        summary.join(", "),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {runs} runs broke an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
