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
