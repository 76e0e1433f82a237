//! The Lambda handlers in process, over the embedded backends (the fakes behind the ports): an
//! S3 notification through the dispatcher, SQS batches through the check handler (a message
//! delivered twice, a poison message, a message for another check), a stream batch through the
//! aggregator, and the scheduled sweep. The same handlers against moto are in moto.rs.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use aws_lambda_events::dynamodb;
use aws_lambda_events::s3::S3Event;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use validator_checks::CheckRegistry;
use validator_domain::{ScanId, ScanStatus};
use validator_embedded::LocalBackends;
use validator_lambda::aggregator::{handle_stream_batch, handle_sweep};
use validator_lambda::check::handle_sqs_batch;
use validator_lambda::dispatcher::handle_s3_event;
use validator_lambda::rescan::{handle_rescan_batch, handle_rescan_digest, RescanEvent};
use validator_pipeline::{CheckRequest, DispatchOutcome, Pipeline, PipelineConfig, SweepSettings};
use validator_testkit::ZipBuilder;

const BUCKET: &str = "uploads-bucket";
const MAX_RECEIVE_COUNT: u32 = 3;

struct Local {
    _dir: tempfile::TempDir,
    backends: LocalBackends,
    pipeline: Pipeline,
}

impl Local {
    fn new(config: PipelineConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let backends = LocalBackends::open(dir.path(), "validator@example.org").expect("backends");
        let pipeline = backends.pipeline(config, CheckRegistry::builtin());
        Self {
            _dir: dir,
            backends,
            pipeline,
        }
    }

    /// Puts a valid plugin under `key` and returns the S3 notification of that version.
    fn upload(&self, key: &str) -> S3Event {
        let metadata = BTreeMap::from([("maintainers".to_owned(), "dev@example.org".to_owned())]);
        let version = self
            .backends
            .blobs
            .put_with_metadata(key, &ZipBuilder::valid_plugin("demo").build(), &metadata)
            .expect("upload");
        let text = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/s3-object-created.json"),
        )
        .expect("fixture")
        .replace("BUCKET", BUCKET)
        .replace("\"KEY\"", &serde_json::to_string(key).expect("key"));
        let mut event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        event["Records"][0]["s3"]["object"]["versionId"] = version.into();
        serde_json::from_value(event).expect("an S3 event")
    }

    /// The queued requests, each as the SQS message its check's function receives.
    fn queued(&self) -> Vec<(CheckRequest, SqsMessage)> {
        std::iter::from_fn(|| self.backends.queue.pop())
            .enumerate()
            .map(|(n, request)| {
                let body = serde_json::to_string(&request).expect("JSON");
                (request, message(&format!("m{n}"), &body, 1))
            })
            .collect()
    }

    async fn scan(&self, id: &ScanId) -> validator_domain::Scan {
        self.pipeline
            .store
            .get_scan(id)
            .await
            .expect("store")
            .expect("scan")
    }

    async fn status(&self, id: &ScanId) -> ScanStatus {
        self.pipeline
            .store
            .get_scan(id)
            .await
            .expect("store")
            .expect("scan")
            .status
    }
}

fn message(id: &str, body: &str, receive_count: u32) -> SqsMessage {
    let mut message = SqsMessage::default();
    message.message_id = Some(id.to_owned());
    message.body = Some(body.to_owned());
    message.attributes.insert(
        "ApproximateReceiveCount".to_owned(),
        receive_count.to_string(),
    );
    message
}

fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}

/// The stream record DynamoDB writes when a scan item changes.
fn scan_changed(id: &ScanId) -> dynamodb::Event {
    serde_json::from_value(serde_json::json!({"Records": [{
        "eventID": "1",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"pk": {"S": format!("scan#{id}")}, "sk": {"S": "scan"}},
            "SequenceNumber": "100",
            "SizeBytes": 100,
            "StreamViewType": "NEW_IMAGE"
        }
    }]}))
    .expect("a stream event")
}

async fn dispatched(local: &Local, key: &str) -> ScanId {
    let outcomes = handle_s3_event(&local.pipeline, BUCKET, &local.upload(key))
        .await
        .expect("dispatch");
    match outcomes.as_slice() {
        [DispatchOutcome::Dispatched { scan_id, .. }] => scan_id.clone(),
        other => panic!("not dispatched: {other:?}"),
    }
}

#[tokio::test]
async fn a_dispatch_failure_counts_only_the_records_that_failed() {
    let local = Local::new(PipelineConfig::default());
    let mut event = serde_json::to_value(local.upload("uploads/demo.zip")).expect("JSON");
    let good = event["Records"][0].clone();
    let mut keyless = good.clone();
    keyless["s3"]["object"]
        .as_object_mut()
        .expect("object")
        .remove("key");
    // A key the blob store refuses: its dispatch fails (a backend error, not a gone object).
    let mut failing = good.clone();
    failing["s3"]["object"]["key"] = "uploads/../escape.zip".into();
    event["Records"] = serde_json::json!([keyless, good, failing]);
    let event: S3Event = serde_json::from_value(event).expect("an S3 event");
    match handle_s3_event(&local.pipeline, BUCKET, &event).await {
        Err(validator_lambda::dispatcher::DispatchError::Failed { failed, total, .. }) => {
            assert_eq!(
                (failed, total),
                (1, 3),
                "the keyless record was skipped, not failed"
            );
        }
        other => panic!("expected one failed record: {other:?}"),
    }
}

#[tokio::test]
async fn an_upload_goes_through_the_handlers_to_a_final_status() {
    let local = Local::new(PipelineConfig::default());
    let id = dispatched(&local, "uploads/demo.zip").await;
    let queued = local.queued();
    assert_eq!(queued.len(), local.pipeline.registry.ids().len());
    for (n, (request, message)) in queued.iter().enumerate() {
        // The first message comes twice in its batch: one result, no failure.
        let messages = if n == 0 {
            vec![message.clone(), message.clone()]
        } else {
            vec![message.clone()]
        };
        let response = handle_sqs_batch(
            &local.pipeline,
            &request.check,
            MAX_RECEIVE_COUNT,
            &batch(messages),
        )
        .await;
        assert!(
            response.batch_item_failures.is_empty(),
            "{}: {:?}",
            request.check,
            response.batch_item_failures
        );
    }
    let results = local.pipeline.store.results(&id).await.expect("results");
    assert_eq!(results.len(), queued.len(), "one result per check");
    assert_eq!(local.status(&id).await, ScanStatus::Validating);

    let response = handle_stream_batch(&local.pipeline, &scan_changed(&id)).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(local.status(&id).await, ScanStatus::Validated);
}

#[tokio::test]
async fn poison_and_misrouted_messages_are_reported_as_batch_failures() {
    let local = Local::new(PipelineConfig::default());
    let id = dispatched(&local, "uploads/demo.zip").await;
    let queued = local.queued();
    let (first, first_message) = &queued[0];
    let (second, second_message) = &queued[1];
    let response = handle_sqs_batch(
        &local.pipeline,
        &first.check,
        MAX_RECEIVE_COUNT,
        &batch(vec![
            message("poison", "not a check request", 1),
            second_message.clone(),
            first_message.clone(),
        ]),
    )
    .await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failed,
        ["poison", second_message.message_id.as_deref().unwrap()],
        "the {} message is not for the {} function",
        second.check,
        first.check
    );
    let results = local.pipeline.store.results(&id).await.expect("results");
    assert_eq!(results.len(), 1, "the good message of the batch was done");
}

#[tokio::test]
async fn the_scheduled_sweep_ends_a_scan_whose_check_never_reported() {
    let local = Local::new(PipelineConfig {
        sweep: SweepSettings {
            stuck_after: Duration::ZERO,
            ..SweepSettings::default()
        },
        ..PipelineConfig::default()
    });
    let id = dispatched(&local, "uploads/demo.zip").await;
    // Every check function died without a word.
    local.queued();
    let report = handle_sweep(&local.pipeline).await.expect("sweep");
    assert_eq!((report.stuck, report.ended.clone()), (1, vec![id.clone()]));
    assert_eq!(local.status(&id).await, ScanStatus::Error);
}

/// A check the rules gained: one critical finding in every plugin.
struct NewRule;

static NEW_RULES: [validator_domain::RuleInfo; 1] = [validator_domain::RuleInfo {
    id: "NEW001",
    title: "a rule added after the version was published",
    severity: validator_domain::Severity::High,
    level: validator_domain::Level::Critical,
    mandatory: false,
    remediation: "remove it",
}];

impl validator_domain::Check for NewRule {
    fn id(&self) -> &'static str {
        "new_rule"
    }
    fn title(&self) -> &'static str {
        "New rule"
    }
    fn rules(&self) -> &'static [validator_domain::RuleInfo] {
        &NEW_RULES
    }
    fn run(
        &self,
        _ctx: &validator_domain::CheckContext<'_>,
    ) -> Result<Vec<validator_domain::Finding>, validator_domain::CheckError> {
        Ok(vec![validator_domain::Finding::new(
            "new_rule",
            &NEW_RULES[0],
            "demo/__init__.py",
            "found by the new rule",
        )
        .at(1, 1)])
    }
}

#[tokio::test]
async fn a_rescan_batch_judges_listed_versions_again_and_its_digest_goes_out_once() {
    let local = Local::new(PipelineConfig {
        email: validator_notify::EmailSettings {
            approvers: vec!["approver@example.org".to_owned()],
            ..Default::default()
        },
        ..PipelineConfig::default()
    });
    let id = dispatched(&local, "uploads/demo.zip").await;
    let version = local.scan(&id).await.object_version.expect("a version");
    for (request, message) in local.queued() {
        handle_sqs_batch(
            &local.pipeline,
            &request.check,
            MAX_RECEIVE_COUNT,
            &batch(vec![message]),
        )
        .await;
    }
    handle_stream_batch(&local.pipeline, &scan_changed(&id)).await;
    assert_eq!(local.status(&id).await, ScanStatus::Validated);

    // The rules change: every built-in check, and a new one that blocks.
    let builtin = CheckRegistry::builtin();
    let mut checks: Vec<_> = builtin
        .ids()
        .iter()
        .filter_map(|c| builtin.shared(c.as_str()))
        .collect();
    checks.push(std::sync::Arc::new(NewRule));
    let rescanning = local.backends.pipeline(
        PipelineConfig {
            pack_digests: vec!["sha256:new-pack".to_owned()],
            ..(*local.pipeline.config).clone()
        },
        CheckRegistry::with(checks),
    );
    // A listing row (no version: the current one), an inventory row with its version, a
    // delete marker and an object outside the uploads are in the batch.
    let event: RescanEvent = serde_json::from_value(serde_json::json!({
        "Items": [
            {"Key": "uploads/demo.zip", "ETag": "\"x\"", "Size": 10},
            {"Bucket": BUCKET, "Key": "uploads/demo.zip", "VersionId": version},
            {"Bucket": BUCKET, "Key": "uploads/demo.zip", "VersionId": "gone", "IsDeleteMarker": "true"},
            {"Key": "reports/x.json"}
        ],
        "BatchInput": {"dry_run": false, "checks": []}
    }))
    .expect("a map batch");
    let RescanEvent::Batch(batch_event) = event else {
        panic!("not a batch");
    };
    let result = handle_rescan_batch(&rescanning, &batch_event)
        .await
        .expect("batch");
    assert_eq!(result.changes.len() + result.unchanged, 2, "{result:?}");
    assert_eq!(
        (result.judged, result.reused),
        (1, 1),
        "the second row reuses the first's judgment"
    );
    let change = &result.changes[0];
    assert_eq!(change.previous_scan_id, id);
    assert_eq!(change.new_findings[0].rule, "NEW001");
    let current = validator_pipeline::current_judgment(&rescanning, local.scan(&id).await)
        .await
        .expect("current");
    assert_eq!(current.status, ScanStatus::Blocked);

    // The map's ResultWriter output, as the digest step reads it.
    let output = serde_json::to_string(&result).expect("JSON");
    let children = serde_json::json!([{"Status": "SUCCEEDED", "Output": output}]);
    let blobs = &local.backends.blobs;
    use validator_pipeline::BlobStore;
    blobs
        .put(
            "rescans/run/SUCCEEDED_0.json",
            serde_json::to_vec(&children).expect("JSON"),
            "application/json",
        )
        .await
        .expect("put");
    let manifest = serde_json::json!({"ResultFiles": {"SUCCEEDED": [{"Key": "rescans/run/SUCCEEDED_0.json", "Size": 1}], "FAILED": [], "PENDING": []}});
    blobs
        .put(
            "rescans/run/manifest.json",
            serde_json::to_vec(&manifest).expect("JSON"),
            "application/json",
        )
        .await
        .expect("put");
    let digest: RescanEvent = serde_json::from_value(
        serde_json::json!({"digest": {"Key": "rescans/run/manifest.json", "dry_run": false}}),
    )
    .expect("a digest request");
    let RescanEvent::Digest { digest } = digest else {
        panic!("not a digest");
    };
    assert!(handle_rescan_digest(&rescanning, &digest)
        .await
        .expect("digest"));
    assert!(
        !handle_rescan_digest(&rescanning, &digest)
            .await
            .expect("digest"),
        "sent once"
    );
    let digests = local
        .backends
        .mailer
        .sent()
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("rescan_digest.eml"))
        .count();
    assert_eq!(digests, 1);
}
