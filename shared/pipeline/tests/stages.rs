//! The stages in process, with the embedded backends as the fakes behind the ports: dispatch ->
//! run every check -> aggregate, a message delivered twice, a check that fails, and the sweep
//! that ends a scan whose check never reported.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use validator_checks::CheckRegistry;
use validator_domain::{
    Check, CheckContext, CheckError, CheckOutcome, Finding, RuleInfo, ScanId, ScanStatus,
};
use validator_embedded::LocalBackends;
use validator_pipeline::{
    aggregate, dispatch, run_check, sweep, AggregateOutcome, Attempt, CheckRequest,
    DispatchOutcome, Pipeline, PipelineConfig, RunCheckOutcome, StageError, SweepSettings,
};
use validator_testkit::ZipBuilder;

const MAINTAINER: &str = "dev@example.org";

/// A check that fails on every run, counting its runs.
#[derive(Default)]
struct FailingCheck {
    runs: AtomicU32,
}

impl Check for FailingCheck {
    fn id(&self) -> &'static str {
        "failing"
    }
    fn title(&self) -> &'static str {
        "Failing"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        Err(CheckError::Failed("the engine gave up".to_owned()))
    }
}

/// The embedded backends in a temporary folder and a pipeline over them.
struct Stack {
    _dir: tempfile::TempDir,
    backends: LocalBackends,
    pipeline: Pipeline,
}

impl Stack {
    fn new(registry: CheckRegistry, config: PipelineConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let backends = LocalBackends::open(dir.path(), "validator@example.org").expect("backends");
        let pipeline = backends.pipeline(config, registry);
        Self {
            _dir: dir,
            backends,
            pipeline,
        }
    }

    /// Puts a valid plugin as an upload and dispatches it: the scan id.
    async fn dispatch_demo(&self, name: &str) -> ScanId {
        let key = format!("uploads/{name}.zip");
        let metadata = BTreeMap::from([("maintainers".to_owned(), MAINTAINER.to_owned())]);
        self.backends
            .blobs
            .put_with_metadata(&key, &ZipBuilder::valid_plugin("demo").build(), &metadata)
            .expect("upload");
        match dispatch(&self.pipeline, &key).await.expect("dispatch") {
            DispatchOutcome::Dispatched { scan_id, .. } => scan_id,
            other => panic!("not dispatched: {other:?}"),
        }
    }

    /// Every queued message, as the queue hands them out.
    fn take_requests(&self) -> Vec<CheckRequest> {
        std::iter::from_fn(|| self.backends.queue.pop()).collect()
    }

    async fn status(&self, id: &ScanId) -> ScanStatus {
        self.scan(id).await.status
    }

    async fn scan(&self, id: &ScanId) -> validator_domain::Scan {
        self.pipeline
            .store
            .get_scan(id)
            .await
            .expect("store")
            .expect("scan")
    }

    fn outbox(&self, suffix: &str) -> usize {
        self.backends
            .mailer
            .sent()
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(suffix))
            .count()
    }
}

#[tokio::test]
async fn dispatch_then_every_check_then_aggregate_validates_a_clean_plugin() {
    let stack = Stack::new(CheckRegistry::builtin(), PipelineConfig::default());
    let id = stack.dispatch_demo("demo").await;
    let requests = stack.take_requests();
    assert_eq!(
        requests.iter().map(|r| r.check.clone()).collect::<Vec<_>>(),
        stack.pipeline.registry.ids(),
        "one message per registered check"
    );
    let (last, first) = requests.split_last().expect("a check");
    for request in first {
        let outcome = run_check(&stack.pipeline, request, Attempt::only()).await;
        assert!(matches!(outcome, Ok(RunCheckOutcome::Stored { .. })));
        let pending = aggregate(&stack.pipeline, &id).await.expect("aggregate");
        assert!(
            matches!(pending, AggregateOutcome::Pending { .. }),
            "{pending:?}"
        );
    }
    run_check(&stack.pipeline, last, Attempt::only())
        .await
        .expect("last check");
    let finished = aggregate(&stack.pipeline, &id).await.expect("aggregate");
    assert!(
        matches!(
            finished,
            AggregateOutcome::Finished {
                status: ScanStatus::Validated,
                ..
            }
        ),
        "{finished:?}"
    );
    assert_eq!(stack.status(&id).await, ScanStatus::Validated);
    // Aggregating again sends nothing twice.
    let again = aggregate(&stack.pipeline, &id).await.expect("aggregate");
    assert_eq!(
        again,
        AggregateOutcome::AlreadyNotified {
            status: ScanStatus::Validated
        }
    );
    assert_eq!(
        (
            stack.outbox("confirmation.eml"),
            stack.outbox("results.eml")
        ),
        (1, 1)
    );
    // The licence check's section reached the report, and the SBOM lies beside it.
    let scan = stack.scan(&id).await;
    let report_key = scan.report_key.clone().expect("a report");
    let report = stack.pipeline.blobs.get(&report_key).await.expect("report");
    let report: serde_json::Value = serde_json::from_slice(&report.bytes).expect("json");
    assert_eq!(
        report["licence"]["plugin"]["spdx"], "GPL-2.0-or-later",
        "{}",
        report["licence"]
    );
    let sbom = stack
        .pipeline
        .blobs
        .get(&validator_pipeline::keys::sbom(&id))
        .await
        .expect("reports/<scan>.cdx.json");
    let sbom: serde_json::Value = serde_json::from_slice(&sbom.bytes).expect("json");
    assert_eq!(sbom["bomFormat"], "CycloneDX");
    assert_eq!(
        sbom["metadata"]["component"]["hashes"][0]["content"],
        scan.content_digest.expect("a digest").as_str()
    );
    assert_eq!(
        sbom["metadata"]["component"]["licenses"][0]["expression"],
        "GPL-2.0-or-later"
    );
    // The qgis4 check's verdict line: in the report, the results email and the status event
    // (the demo plugin's code is ready, but its qgisMaximumVersion does not reach 4).
    let line = "QGIS 4 ready: no (the code is ready; set qgisMaximumVersion=4.99 in metadata.txt)";
    assert_eq!(
        report["qgis4"]["state"], "not_declared",
        "{}",
        report["qgis4"]
    );
    let results = stack
        .backends
        .mailer
        .sent()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("results.eml"))
        .expect("the results email");
    // Quoted-printable: soft line breaks and `=` escaped.
    let email = std::fs::read_to_string(results)
        .expect("the email")
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(email.contains(line), "{email}");
    let events = std::fs::read_to_string(stack.backends.events.path()).expect("events");
    let event: serde_json::Value =
        serde_json::from_str(events.lines().last().expect("an event")).expect("json");
    assert_eq!(event["qgis4_ready"], line);
    assert_eq!(event["qgis4"]["places"], 0);
}

#[tokio::test]
async fn a_message_delivered_twice_runs_its_check_once() {
    let stack = Stack::new(CheckRegistry::builtin(), PipelineConfig::default());
    let id = stack.dispatch_demo("demo").await;
    let requests = stack.take_requests();
    let first = run_check(&stack.pipeline, &requests[0], Attempt::only()).await;
    assert!(matches!(first, Ok(RunCheckOutcome::Stored { .. })));
    let second = run_check(&stack.pipeline, &requests[0], Attempt::only()).await;
    assert!(
        matches!(second, Ok(RunCheckOutcome::Duplicate)),
        "{second:?}"
    );
    let results = stack.pipeline.store.results(&id).await.expect("results");
    assert_eq!(results.len(), 1);
    for request in &requests[1..] {
        run_check(&stack.pipeline, request, Attempt::only())
            .await
            .expect("check");
    }
    aggregate(&stack.pipeline, &id).await.expect("aggregate");
    // Once the scan is final, a late duplicate changes nothing.
    let late = run_check(&stack.pipeline, &requests[1], Attempt::only()).await;
    assert!(matches!(late, Ok(RunCheckOutcome::Duplicate)), "{late:?}");
    assert_eq!(stack.outbox("results.eml"), 1);
}

#[tokio::test]
async fn a_failing_check_is_retried_then_ends_the_scan_in_error() {
    let failing = Arc::new(FailingCheck::default());
    let stack = Stack::new(
        CheckRegistry::with(vec![failing.clone() as Arc<dyn Check>]),
        PipelineConfig::default(),
    );
    let id = stack.dispatch_demo("demo").await;
    let request = stack.take_requests().pop().expect("one message");
    let max = 3;
    for number in 1..max {
        let outcome = run_check(&stack.pipeline, &request, Attempt { number, max }).await;
        assert!(
            matches!(outcome, Err(StageError::CheckFailed { attempt, .. }) if attempt == number),
            "attempt {number}: {outcome:?}"
        );
        assert_eq!(stack.status(&id).await, ScanStatus::Validating);
    }
    let last = run_check(&stack.pipeline, &request, Attempt { number: max, max })
        .await
        .expect("the last attempt stores an error");
    let RunCheckOutcome::Stored { result } = last else {
        panic!("not stored: {last:?}");
    };
    assert!(
        matches!(&result.outcome, CheckOutcome::Error { reason } if reason.contains("gave up")),
        "{:?}",
        result.outcome
    );
    assert_eq!(failing.runs.load(Ordering::SeqCst), max);
    aggregate(&stack.pipeline, &id).await.expect("aggregate");
    assert_eq!(stack.status(&id).await, ScanStatus::Error);
    assert_eq!(stack.outbox("results.eml"), 1);
}

fn sweeping_at_once() -> PipelineConfig {
    PipelineConfig {
        sweep: SweepSettings {
            stuck_after: Duration::ZERO,
            ..SweepSettings::default()
        },
        ..PipelineConfig::default()
    }
}

#[tokio::test]
async fn the_sweep_ends_a_scan_whose_check_never_reported_in_error() {
    let stack = Stack::new(CheckRegistry::builtin(), sweeping_at_once());
    let id = stack.dispatch_demo("demo").await;
    let mut requests = stack.take_requests();
    // The function of the last check died without a word: its message is gone.
    let lost = requests.pop().expect("a check");
    for request in &requests {
        run_check(&stack.pipeline, request, Attempt::only())
            .await
            .expect("check");
        aggregate(&stack.pipeline, &id).await.expect("aggregate");
    }
    assert_eq!(stack.status(&id).await, ScanStatus::Validating);

    let report = sweep(&stack.pipeline).await.expect("sweep");
    assert_eq!((report.stuck, report.ended.clone()), (1, vec![id.clone()]));
    let scan = stack.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Error, "fail-closed");
    let results = stack.pipeline.store.results(&id).await.expect("results");
    let swept = results
        .iter()
        .find(|r| r.check == lost.check)
        .expect("an error result for the check that never reported");
    assert!(
        matches!(&swept.outcome, CheckOutcome::Error { reason } if reason.contains("did not report")),
        "{:?}",
        swept.outcome
    );
    assert_eq!(stack.outbox("results.eml"), 1, "the maintainers hear of it");
    // A second sweep finds nothing left to end.
    assert_eq!(
        sweep(&stack.pipeline).await.expect("sweep"),
        Default::default()
    );
}

#[tokio::test]
async fn the_sweep_leaves_young_and_final_scans_alone_and_ends_the_oldest_first() {
    let stack = Stack::new(CheckRegistry::builtin(), PipelineConfig::default());
    let young = stack.dispatch_demo("young").await;
    stack.take_requests();
    // Within the default 30 minutes nothing is stuck.
    assert_eq!(sweep(&stack.pipeline).await.expect("sweep").stuck, 0);
    assert_eq!(stack.status(&young).await, ScanStatus::Validating);

    let limited = Pipeline {
        config: Arc::new(PipelineConfig {
            sweep: SweepSettings {
                stuck_after: Duration::ZERO,
                max_scans: 1,
                ..SweepSettings::default()
            },
            ..PipelineConfig::default()
        }),
        ..stack.pipeline.clone()
    };
    let younger = stack.dispatch_demo("younger").await;
    stack.take_requests();
    let first = sweep(&limited).await.expect("sweep");
    assert_eq!(
        first.ended,
        vec![young.clone()],
        "the oldest first, one per sweep"
    );
    assert_eq!(stack.status(&younger).await, ScanStatus::Validating);
    let second = sweep(&limited).await.expect("sweep");
    assert_eq!(second.ended, vec![younger.clone()]);
    // Final scans are never touched again.
    assert_eq!(sweep(&limited).await.expect("sweep").stuck, 0);
    assert_eq!(stack.outbox("results.eml"), 2);
}

#[tokio::test]
async fn the_local_driver_sweeps_a_scan_an_earlier_run_left_stuck() {
    let stack = Stack::new(CheckRegistry::builtin(), sweeping_at_once());
    // An earlier run died after dispatch: its checks never ran.
    let stuck = stack.dispatch_demo("earlier").await;
    stack.take_requests();
    let mut steps = Vec::new();
    let metadata = BTreeMap::from([("maintainers".to_owned(), MAINTAINER.to_owned())]);
    let run = stack
        .backends
        .run(
            &stack.pipeline,
            "uploads/later.zip",
            &ZipBuilder::valid_plugin("demo").build(),
            &metadata,
            1,
            |step| steps.push(step.to_owned()),
        )
        .await
        .expect("run");
    assert_eq!(run.scan.status, ScanStatus::Validated);
    assert_eq!(stack.status(&stuck).await, ScanStatus::Error);
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("sweep:") && s.contains(stuck.as_str())),
        "{steps:?}"
    );
}

#[tokio::test]
async fn the_aggregator_sends_from_the_report_it_made_without_reading_it_back() {
    let stack = Stack::new(CheckRegistry::builtin(), PipelineConfig::default());
    let id = stack.dispatch_demo("demo").await;
    for request in stack.take_requests() {
        run_check(&stack.pipeline, &request, Attempt::only())
            .await
            .expect("check");
    }
    let injector = validator_faults::Injector::counting();
    let (counted, _) = validator_faults::FaultyPorts::wrap(&stack.pipeline, injector.clone());
    let finished = aggregate(&counted, &id).await.expect("aggregate");
    assert!(
        matches!(finished, AggregateOutcome::Finished { .. }),
        "{finished:?}"
    );
    let calls = injector.call_names();
    let finish = calls
        .iter()
        .position(|name| *name == "store.finish")
        .expect("the final status is recorded");
    assert!(
        !calls[finish..].contains(&"blobs.get"),
        "no blob is read once the report is written: {calls:?}"
    );
    assert_eq!(stack.outbox("results.eml"), 1, "the results email went out");
}
