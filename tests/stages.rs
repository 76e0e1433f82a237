//! The three stages through their public functions, with the embedded backends.

mod common;

use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Duration;

use common::{registry, Env, FlakyCheck, ScriptedCheck, SlowCheck, MAINTAINER};
use validator_domain::{CheckOutcome, ScanStatus, SkipOutcome, Suppression};
use validator_pipeline::{
    aggregate, dispatch, dispatch_version, run_check, AggregateOutcome, Attempt, CheckRequest,
    DispatchOutcome, PipelineConfig, RunCheckOutcome, ScanStore, StageError,
};
use validator_testkit::ZipBuilder;

fn scan_id(outcome: &DispatchOutcome) -> validator_domain::ScanId {
    match outcome {
        DispatchOutcome::Dispatched { scan_id, .. } => scan_id.clone(),
        other => panic!("not dispatched: {other:?}"),
    }
}

async fn drain(env: &Env, attempt: Attempt) -> Vec<Result<RunCheckOutcome, StageError>> {
    let mut outcomes = Vec::new();
    while let Some(request) = env.backends.queue.pop() {
        outcomes.push(run_check(&env.pipeline, &request, attempt).await);
        aggregate(&env.pipeline, &request.scan_id).await.unwrap();
    }
    outcomes
}

#[tokio::test]
async fn dispatch_ignores_objects_outside_the_upload_prefix() {
    let env = Env::builtin();
    let outcome = dispatch(&env.pipeline, "reports/x.zip").await.unwrap();
    assert!(matches!(outcome, DispatchOutcome::Ignored { .. }));
    assert!(env.backends.queue.is_empty());
    // A key under the prefix that does not exist (deleted since the event) is ignored too.
    let gone = dispatch(&env.pipeline, "uploads/gone.zip").await.unwrap();
    assert!(matches!(gone, DispatchOutcome::Ignored { .. }));
}

#[tokio::test]
async fn dispatch_records_the_scan_confirms_and_enqueues_one_message_per_check() {
    let env = Env::builtin();
    let key = env.upload(
        "demo",
        &ZipBuilder::valid_plugin("demo").build(),
        &[MAINTAINER],
    );
    let outcome = dispatch(&env.pipeline, &key).await.unwrap();
    let id = scan_id(&outcome);
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validating);
    assert_eq!(scan.plugin_name.as_deref(), Some("demo"));
    assert_eq!(scan.plugin_version.as_deref(), Some("1.0.0"));
    assert_eq!(scan.expected_checks, env.pipeline.registry.ids());
    assert_eq!(env.backends.queue.len(), env.pipeline.registry.ids().len());
    assert_eq!(env.emails("confirmation").len(), 1);
    assert!(scan.notifications.confirmation.sent_at.is_some());

    // The same event again (S3 delivers at least once): same scan, no second confirmation,
    // the pending checks are queued again (run_check is idempotent).
    let again = dispatch(&env.pipeline, &key).await.unwrap();
    assert!(matches!(
        again,
        DispatchOutcome::Dispatched {
            new_scan: false,
            ..
        }
    ));
    assert_eq!(scan_id(&again), id);
    assert_eq!(env.emails("confirmation").len(), 1);
}

#[tokio::test]
async fn the_same_message_delivered_twice_stores_one_result() {
    let env = Env::builtin();
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let request = env.backends.queue.pop().unwrap();
    let first = run_check(&env.pipeline, &request, Attempt::only())
        .await
        .unwrap();
    assert!(matches!(first, RunCheckOutcome::Stored { .. }));
    let second = run_check(&env.pipeline, &request, Attempt::only())
        .await
        .unwrap();
    assert_eq!(second, RunCheckOutcome::Duplicate);
    let results = env.backends.store.results(&id).await.unwrap();
    assert_eq!(results.len(), 1);
    let scan = env.scan(&id).await;
    assert_eq!(scan.completed_checks, vec![request.check.clone()]);
}

#[tokio::test]
async fn aggregate_waits_for_every_check_then_decides_once() {
    let env = Env::builtin();
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let first = env.backends.queue.pop().unwrap();
    run_check(&env.pipeline, &first, Attempt::only())
        .await
        .unwrap();
    match aggregate(&env.pipeline, &id).await.unwrap() {
        AggregateOutcome::Pending { waiting_for } => {
            assert_eq!(waiting_for.len(), env.pipeline.registry.ids().len() - 1)
        }
        other => panic!("decided too early: {other:?}"),
    }
    assert!(env.emails("results").is_empty());
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
    assert!(!scan.auto_approved);
    assert_eq!(env.emails("results").len(), 1);
    assert_eq!(env.events().len(), 1);
    assert_eq!(env.events()[0]["status"], "validated");
    // Later calls change nothing.
    assert_eq!(
        aggregate(&env.pipeline, &id).await.unwrap(),
        AggregateOutcome::AlreadyNotified {
            status: ScanStatus::Validated
        }
    );
    assert_eq!(env.emails("results").len(), 1);
    let report_key = scan.report_key.unwrap();
    assert!(env.backends.blobs.path_of(&report_key).unwrap().exists());
}

/// Two aggregator calls racing can each send one of the results (one the email, the other the
/// status event) while the other's claim is still held: a call that sent something says it
/// finished, whatever claim it met (a call that met a held claim and sent nothing says the
/// sending is in progress).
#[tokio::test]
async fn a_call_that_sends_some_results_while_another_holds_a_claim_has_finished() {
    use validator_pipeline::NotificationKind;
    let env = Env::builtin();
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    while let Some(request) = env.backends.queue.pop() {
        run_check(&env.pipeline, &request, Attempt::only())
            .await
            .unwrap();
    }
    // Another aggregator call claimed the status event a moment ago and is sending it.
    env.backends
        .store
        .claim_notification(
            &id,
            NotificationKind::StatusEvent,
            validator_domain::now(),
            Duration::from_secs(300),
            5,
        )
        .await
        .expect("claim");
    let outcome = aggregate(&env.pipeline, &id).await.unwrap();
    assert!(
        matches!(outcome, AggregateOutcome::Finished { .. }),
        "{outcome:?}"
    );
    assert_eq!(env.emails("results").len(), 1);
    assert!(env.events().is_empty(), "the other call sends the event");
    // Nothing left for this call to send: the other one's claim is still held.
    assert_eq!(
        aggregate(&env.pipeline, &id).await.unwrap(),
        AggregateOutcome::NotificationInProgress {
            status: ScanStatus::Validated
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_results_give_one_final_status_and_one_results_email() {
    let checks: Vec<Arc<dyn validator_domain::Check>> = (0..6)
        .map(|i| {
            let id: &'static str = Box::leak(format!("parallel_{i}").into_boxed_str());
            Arc::new(ScriptedCheck {
                id,
                findings: vec![(2, None)],
            }) as Arc<dyn validator_domain::Check>
        })
        .collect();
    let env = Arc::new(Env::new(registry(checks), PipelineConfig::default()));
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let mut requests = Vec::new();
    while let Some(r) = env.backends.queue.pop() {
        requests.push(r);
    }
    let mut tasks = Vec::new();
    for request in requests {
        // Every result is delivered twice, and every delivery triggers the aggregator.
        for _ in 0..2 {
            let env = env.clone();
            let request = request.clone();
            tasks.push(tokio::spawn(async move {
                run_check(&env.pipeline, &request, Attempt::only())
                    .await
                    .unwrap();
                aggregate(&env.pipeline, &request.scan_id).await.unwrap()
            }));
        }
    }
    let mut finished = 0;
    for task in tasks {
        if matches!(task.await.unwrap(), AggregateOutcome::Finished { .. }) {
            finished += 1;
        }
    }
    // Each notification has its own claim, so two calls may each send some of them (one the
    // email, another the event): what must hold is that each goes out once (below).
    assert!(finished >= 1, "some aggregator call sends the results");
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
    assert_eq!(env.backends.store.results(&id).await.unwrap().len(), 6);
    assert_eq!(env.emails("results").len(), 1);
    assert_eq!(env.events().len(), 1);
}

#[tokio::test]
async fn a_check_failing_on_every_attempt_ends_the_scan_in_error() {
    let flaky = Arc::new(FlakyCheck {
        failures: u32::MAX,
        runs: AtomicU32::new(0),
    });
    let env = Env::new(registry(vec![flaky.clone()]), PipelineConfig::default());
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let request = env.backends.queue.pop().unwrap();
    for number in 1..3 {
        let err = run_check(&env.pipeline, &request, Attempt { number, max: 3 })
            .await
            .unwrap_err();
        assert!(matches!(err, StageError::CheckFailed { .. }), "{err}");
        assert!(matches!(
            aggregate(&env.pipeline, &id).await.unwrap(),
            AggregateOutcome::Pending { .. }
        ));
    }
    let last = run_check(&env.pipeline, &request, Attempt { number: 3, max: 3 })
        .await
        .unwrap();
    let RunCheckOutcome::Stored { result } = last else {
        panic!("no result stored: {last:?}");
    };
    match &result.outcome {
        CheckOutcome::Error { reason } => assert!(reason.contains("crashed"), "{reason}"),
        CheckOutcome::Ok => panic!("a crash passed"),
    }
    aggregate(&env.pipeline, &id).await.unwrap();
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Error);
    assert!(
        scan.reasons.iter().any(|r| r.contains("flaky")),
        "{:?}",
        scan.reasons
    );
    assert_eq!(env.emails("results").len(), 1);
    assert_eq!(env.events()[0]["status"], "error");
}

#[tokio::test]
async fn a_check_that_recovers_on_retry_does_not_fail_the_scan() {
    let flaky = Arc::new(FlakyCheck {
        failures: 1,
        runs: AtomicU32::new(0),
    });
    let env = Env::new(registry(vec![flaky]), PipelineConfig::default());
    let run = env.run_demo(&[], 3).await;
    assert_eq!(run.scan.status, ScanStatus::Validated);
}

#[tokio::test]
async fn a_check_over_its_time_budget_fails_closed() {
    let config = PipelineConfig {
        check_timeout: Duration::from_millis(100),
        ..PipelineConfig::default()
    };
    let env = Env::new(
        registry(vec![Arc::new(SlowCheck(Duration::from_secs(2)))]),
        config,
    );
    let run = env.run_demo(&[], 2).await;
    assert_eq!(run.scan.status, ScanStatus::Error);
    assert!(
        run.scan
            .reasons
            .iter()
            .any(|r| r.contains("did not finish")),
        "{:?}",
        run.scan.reasons
    );
}

#[tokio::test]
async fn a_zip_over_the_limits_is_blocked_at_intake_without_running_checks() {
    let mut config = PipelineConfig::default();
    config.limits.max_entries = 2;
    let env = Env::new(validator_checks::CheckRegistry::builtin(), config);
    let run = env.run_demo(&[MAINTAINER], 3).await;
    assert_eq!(run.scan.status, ScanStatus::Blocked);
    assert!(run.scan.expected_checks.is_empty());
    assert_eq!(run.scan.intake_findings[0].rule, "PKG001");
    assert!(run.scan.intake_findings[0].message.contains("max_entries"));
    assert_eq!(env.emails("confirmation").len(), 1);
    assert_eq!(env.emails("results").len(), 1);
}

#[tokio::test]
async fn skippable_rules_are_skipped_and_mandatory_ones_refused() {
    let check = Arc::new(ScriptedCheck {
        id: "scripted",
        findings: vec![(0, None), (1, None)],
    });
    let env = Env::new(registry(vec![check]), PipelineConfig::default());
    let id = env
        .dispatch_demo(&[
            MAINTAINER,
            ("skip-rules", "t-skippable,T-MANDATORY,NOPE123"),
        ])
        .await;
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    let outcome = |rule: &str| {
        scan.skips
            .iter()
            .find(|s| s.rule == rule)
            .map(|s| s.outcome)
            .unwrap_or_else(|| panic!("no decision for {rule}: {:?}", scan.skips))
    };
    assert_eq!(outcome("T-SKIPPABLE"), SkipOutcome::Honoured);
    assert_eq!(outcome("T-MANDATORY"), SkipOutcome::RefusedMandatory);
    assert_eq!(outcome("NOPE123"), SkipOutcome::UnknownRule);
    // The mandatory finding still blocks; the skipped one is kept, marked, and does not.
    assert_eq!(scan.status, ScanStatus::Blocked);
    let counts = scan.counts.unwrap();
    assert_eq!(counts.blocking, 1);
    assert_eq!(counts.suppressed, 1);
    let report: validator_domain::Report = serde_json::from_slice(
        &std::fs::read(
            env.backends
                .blobs
                .path_of(scan.report_key.as_ref().unwrap())
                .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    let skipped = report
        .findings
        .iter()
        .find(|f| f.rule == "T-SKIPPABLE")
        .unwrap();
    assert_eq!(skipped.suppressed, Some(Suppression::Skipped));
    assert!(!skipped.blocking);
    assert_eq!(report.skips.len(), 3);
}

#[tokio::test]
async fn skipping_the_only_blocking_skippable_rule_validates() {
    let check = Arc::new(ScriptedCheck {
        id: "scripted",
        findings: vec![(0, None)],
    });
    let env = Env::new(registry(vec![check]), PipelineConfig::default());
    let id = env
        .dispatch_demo(&[MAINTAINER, ("skip-rules", "T-SKIPPABLE")])
        .await;
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
}

#[tokio::test]
async fn trusted_uploads_are_auto_approved_unless_a_mandatory_finding_was_suppressed() {
    let clean = Arc::new(ScriptedCheck {
        id: "scripted",
        findings: vec![(2, None)],
    });
    let mut config = PipelineConfig::default();
    config.email.approvers = vec!["approver@example.org".to_owned()];
    let env = Env::new(registry(vec![clean]), config.clone());
    let id = env.dispatch_demo(&[MAINTAINER, ("trusted", "true")]).await;
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
    assert!(scan.auto_approved);
    assert!(env.emails("approvers_review").is_empty());

    let nosec = Arc::new(ScriptedCheck {
        id: "scripted",
        findings: vec![(
            1,
            Some(Suppression::Inline {
                marker: "# nosec".to_owned(),
            }),
        )],
    });
    let env = Env::new(registry(vec![nosec]), config);
    let id = env.dispatch_demo(&[MAINTAINER, ("trusted", "true")]).await;
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    assert_eq!(scan.status, ScanStatus::Validated);
    assert!(
        !scan.auto_approved,
        "a suppressed mandatory finding needs a human"
    );
    assert_eq!(scan.counts.unwrap().suppressed_mandatory, 1);
    assert_eq!(env.emails("approvers_review").len(), 1);
}

#[tokio::test]
async fn a_warning_does_not_block_but_a_critical_finding_does() {
    for (rule, expected) in [(2, ScanStatus::Validated), (1, ScanStatus::Blocked)] {
        let check = Arc::new(ScriptedCheck {
            id: "scripted",
            findings: vec![(rule, None)],
        });
        let env = Env::new(registry(vec![check]), PipelineConfig::default());
        let run = env.run_demo(&[], 1).await;
        assert_eq!(run.scan.status, expected, "rule {rule}");
    }
}

#[tokio::test]
async fn the_status_survives_the_process() {
    let env = Env::builtin();
    let run = env.run_demo(&[], 1).await;
    let reopened =
        validator_embedded::SqliteScanStore::open(&env.dir.path().join("scans.sqlite3")).unwrap();
    let scan = reopened.get_scan(&run.scan.id).await.unwrap().unwrap();
    assert_eq!(scan.status, run.scan.status);
    assert!(scan.finished_at.is_some());
}

#[tokio::test]
async fn run_check_for_an_unknown_scan_is_an_error_to_retry() {
    let env = Env::builtin();
    let request = CheckRequest {
        scan_id: validator_domain::ScanId("missing".into()),
        check: validator_domain::CheckId::new("package_structure"),
        object_key: "uploads/x.zip".into(),
        object_version: None,
        content_digest: None,
    };
    let err = run_check(&env.pipeline, &request, Attempt::only())
        .await
        .unwrap_err();
    assert!(matches!(err, StageError::ScanNotFound(_)));
}

/// A plugin whose code the policy blocks (a literal `exec` in the module `classFactory` loads).
fn blocked_plugin() -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file(
            "demo/plugin.py",
            "class Plugin:\n    def __init__(self, iface):\n        exec(iface)\n",
        )
        .build()
}

#[tokio::test]
async fn a_scan_checks_the_version_it_was_created_for_when_the_key_is_written_again() {
    let env = Env::builtin();
    let (key, first) = env.upload_version("demo", &blocked_plugin(), &[MAINTAINER]);
    let blocked_id = scan_id(
        &dispatch_version(&env.pipeline, &key, Some(&first))
            .await
            .unwrap(),
    );
    // A clean zip under the same key before any check message is delivered.
    let (_, second) = env.upload_version(
        "demo",
        &ZipBuilder::valid_plugin("demo").build(),
        &[MAINTAINER],
    );
    assert_ne!(first, second);
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&blocked_id).await;
    assert_eq!(scan.object_version.as_deref(), Some(first.as_str()));
    assert_eq!(
        scan.status,
        ScanStatus::Blocked,
        "the first upload's verdict is about its own bytes: {:?}",
        scan.reasons
    );
    // The second version's event gets a scan of its own.
    let clean = dispatch_version(&env.pipeline, &key, Some(&second))
        .await
        .unwrap();
    assert!(matches!(
        clean,
        DispatchOutcome::Dispatched { new_scan: true, .. }
    ));
    let clean_id = scan_id(&clean);
    assert_ne!(clean_id, blocked_id);
    drain(&env, Attempt::only()).await;
    assert_eq!(env.scan(&clean_id).await.status, ScanStatus::Validated);
    assert_eq!(env.events().len(), 2);
}

#[tokio::test]
async fn two_versions_written_before_their_events_get_one_scan_each_in_any_order() {
    for events_in_reverse in [false, true] {
        let env = Env::builtin();
        let (key, first) = env.upload_version("demo", &blocked_plugin(), &[MAINTAINER]);
        let (_, second) = env.upload_version(
            "demo",
            &ZipBuilder::valid_plugin("demo").build(),
            &[MAINTAINER],
        );
        let mut order = vec![
            (first.clone(), ScanStatus::Blocked),
            (second, ScanStatus::Validated),
        ];
        if events_in_reverse {
            order.reverse();
        }
        let mut ids = Vec::new();
        for (version, expected) in &order {
            let outcome = dispatch_version(&env.pipeline, &key, Some(version))
                .await
                .unwrap();
            assert!(
                matches!(outcome, DispatchOutcome::Dispatched { new_scan: true, .. }),
                "version {version} gets its own scan"
            );
            ids.push((scan_id(&outcome), version.clone(), *expected));
        }
        drain(&env, Attempt::only()).await;
        assert_ne!(ids[0].0, ids[1].0);
        for (id, version, expected) in ids {
            let scan = env.scan(&id).await;
            assert_eq!(scan.object_version.as_deref(), Some(version.as_str()));
            assert_eq!(
                scan.status, expected,
                "version {version}: {:?}",
                scan.reasons
            );
        }
        assert_eq!(env.emails("results").len(), 2);
    }
}

#[tokio::test]
async fn bytes_that_changed_under_an_unversioned_key_end_the_scan_in_error() {
    use validator_pipeline::BlobStore;
    let env = Env::builtin();
    // An unversioned store: the key is simply overwritten.
    let key = "uploads/demo.zip";
    env.backends
        .blobs
        .put(key, blocked_plugin(), "application/zip")
        .await
        .unwrap();
    let id = scan_id(&dispatch(&env.pipeline, key).await.unwrap());
    assert!(env.scan(&id).await.content_digest.is_some());
    env.backends
        .blobs
        .put(
            key,
            ZipBuilder::valid_plugin("demo").build(),
            "application/zip",
        )
        .await
        .unwrap();
    drain(&env, Attempt::only()).await;
    let scan = env.scan(&id).await;
    assert_eq!(
        scan.status,
        ScanStatus::Error,
        "never validated: {:?}",
        scan.reasons
    );
    assert!(
        scan.reasons
            .iter()
            .any(|r| r.contains("not the ones this scan was created for")),
        "{:?}",
        scan.reasons
    );
}

#[tokio::test]
async fn a_message_naming_a_version_that_does_not_exist_ends_the_check_in_error() {
    let env = Env::builtin();
    let id = env.dispatch_demo(&[MAINTAINER]).await;
    let mut request = env.backends.queue.pop().unwrap();
    request.object_version = Some("../../etc/passwd".into());
    let outcome = run_check(&env.pipeline, &request, Attempt { number: 1, max: 3 })
        .await
        .unwrap();
    match outcome {
        RunCheckOutcome::Stored { result } => assert!(
            matches!(&result.outcome, CheckOutcome::Error { reason } if reason.contains("no longer exists")),
            "{result:?}"
        ),
        other => panic!("expected a stored error, got {other:?}"),
    }
    let _ = id;
}
