//! `plugin-validator sweep`: a scan left in `validating` in the local data folder (the process
//! died before its checks reported) ends in `error`, as the sweep ends it on AWS.

use std::collections::BTreeMap;
use std::process::Command;

use validator_checks::CheckRegistry;
use validator_embedded::LocalBackends;
use validator_pipeline::{dispatch, DispatchOutcome, PipelineConfig};
use validator_testkit::ZipBuilder;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    // Tests must not pick up an operator's environment.
    for var in [
        "PLUGIN_VALIDATOR_POLICY",
        "PLUGIN_VALIDATOR_DATA_DIR",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Dispatches a valid plugin into the data folder and runs none of its checks.
fn leave_a_scan_stuck(data: &std::path::Path) -> String {
    let backends = LocalBackends::open(data, "validator@example.org").expect("backends");
    let pipeline = backends.pipeline(PipelineConfig::default(), CheckRegistry::builtin());
    let metadata = BTreeMap::from([("maintainers".to_owned(), "dev@example.org".to_owned())]);
    backends
        .blobs
        .put_with_metadata(
            "uploads/demo.zip",
            &ZipBuilder::valid_plugin("demo").build(),
            &metadata,
        )
        .expect("upload");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    match runtime
        .block_on(dispatch(&pipeline, "uploads/demo.zip"))
        .expect("dispatch")
    {
        DispatchOutcome::Dispatched { scan_id, .. } => scan_id.to_string(),
        other => panic!("not dispatched: {other:?}"),
    }
}

fn output(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("run plugin-validator");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn sweep_ends_a_stuck_local_scan_in_error_once_it_is_old_enough() {
    let data = tempfile::tempdir().expect("tempdir");
    let id = leave_a_scan_stuck(data.path());
    let sweep = |minutes: &str| {
        output(
            bin()
                .args(["sweep", "--stuck-after-minutes", minutes, "--data-dir"])
                .arg(data.path()),
        )
    };
    // Younger than the default 30 minutes: left alone.
    let (code, out) = sweep("30");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stuck scans: 0"), "{out}");
    let (code, out) = output(bin().args(["status", &id, "--data-dir"]).arg(data.path()));
    assert_eq!(code, 3, "still validating: {out}");

    let (code, out) = sweep("0");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("ended in error: {id}")), "{out}");
    let (code, out) = output(bin().args(["status", &id, "--data-dir"]).arg(data.path()));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error"), "{out}");
    assert!(out.contains("did not report"), "the reason is shown: {out}");
}
