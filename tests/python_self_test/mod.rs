//! Runs a Python harness's `self-test` subcommand (unittest on synthetic data) and checks that
//! it passed and that its tests really ran (a broken discovery finds none and passes).

use std::path::Path;
use std::process::Command;

/// `python3 SCRIPT self-test` passes and reports at least `at_least` tests run.
pub fn assert_self_test_passes(script: &str, at_least: u32) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let output = Command::new("python3")
        .arg(&script)
        .arg("self-test")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run python3 {} (python3 is needed): {e}",
                script.display()
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{}'s self-test failed:\n{stderr}",
        script.display()
    );
    // unittest reports on stderr.
    let ran = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("Ran ")?
                .split_whitespace()
                .next()?
                .parse::<u32>()
                .ok()
        })
        .unwrap_or(0);
    assert!(
        ran >= at_least,
        "expected at least {at_least} of {}'s unit tests to run, got:\n{stderr}",
        script.display()
    );
}
