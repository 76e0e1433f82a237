//! What one version judged again costs in port calls (S3, DynamoDB, SES, EventBridge on AWS):
//! the AWS rescan's unit, `rescan_object`, on the embedded backends behind a counting
//! injector. The rescan's cost model (infra/bench/cost-inputs.toml, docs/performance.md) takes
//! its operation counts from this test's output (`cargo test -p validator-pipeline --test
//! rescan_port_calls -- --nocapture`), and the upload's bytes are read once per version.

use std::collections::BTreeMap;

use validator_checks::CheckRegistry;
use validator_embedded::LocalBackends;
use validator_faults::{FaultyPorts, Injector};
use validator_pipeline::{rescan_object, Judgment, PipelineConfig, RescanOutcome, RescanSettings};
use validator_testkit::ZipBuilder;

const KEY: &str = "uploads/demo.zip";

/// Port calls of one `rescan_object` of a validated upload, by port method.
async fn rescan_calls() -> BTreeMap<&'static str, usize> {
    let dir = tempfile::tempdir().expect("tempdir");
    let backends = LocalBackends::open(dir.path(), "validator@example.org").expect("backends");
    let pipeline = backends.pipeline(PipelineConfig::default(), CheckRegistry::builtin());
    let zip = ZipBuilder::valid_plugin("demo").build();
    let metadata = BTreeMap::from([("maintainers".to_owned(), "dev@example.org".to_owned())]);
    let run = backends
        .run(&pipeline, KEY, &zip, &metadata, 1, |_| {})
        .await
        .expect("the upload is scanned");
    let version = run.scan.object_version.clone();

    let (counted, ports) = FaultyPorts::wrap(&pipeline, Injector::counting());
    let settings = RescanSettings {
        dry_run: false,
        // The upload's scan is no rescan: a first rescan judges it again, whatever the judgment.
        judgment: Judgment::current(&counted, None),
    };
    let outcome = rescan_object(&counted, KEY, version.as_deref(), &settings)
        .await
        .expect("rescanned");
    assert!(
        matches!(outcome, RescanOutcome::Judged { reused: false, .. }),
        "{outcome:?}"
    );
    let mut calls = BTreeMap::new();
    for name in ports.injector.call_names() {
        *calls.entry(name).or_insert(0) += 1;
    }
    println!(
        "port calls of one version judged again ({} checks): {calls:#?}",
        pipeline.registry.iter().count()
    );
    calls
}

#[tokio::test]
async fn a_version_judged_again_reads_its_upload_once() {
    let calls = rescan_calls().await;
    // The upload is a versioned object: its bytes come from `get_version`, and only
    // `rescan_object` needs them (the checks run on the bytes it read).
    assert_eq!(calls.get("blobs.get_version"), Some(&1), "{calls:#?}");
}

/// The counts infra/bench/cost-inputs.toml prices (its `rescan` rows): a change here is a change
/// of the rescan's bill, to be carried over there and into docs/performance.md.
#[tokio::test]
async fn a_version_judged_again_makes_the_calls_the_cost_model_prices() {
    let calls = rescan_calls().await;
    let expected = BTreeMap::from([
        ("blobs.get", 18),
        ("blobs.get_version", 1),
        ("blobs.put", 16),
        ("store.create_scan", 1),
        ("store.decisions", 1),
        ("store.finish", 1),
        ("store.get_scan", 8),
        ("store.history", 1),
        ("store.record_history", 1),
        ("store.record_result", 12),
        ("store.results", 1),
    ]);
    assert_eq!(calls, expected);
}
