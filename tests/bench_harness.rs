//! The benchmark harness (infra/bench) is too slow for `cargo test`, but its parsing, path
//! normalisation and precision/recall code is not: its self-test runs here on synthetic tool
//! outputs and fake tools (no reference venv, no download, about a second).

use std::path::Path;
use std::process::Command;

#[test]
fn the_benchmark_harness_passes_its_self_test() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("infra/bench/bench.py");
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
        "the benchmark harness's self-test failed:\n{stderr}"
    );
    // unittest reports on stderr; make sure tests ran (a broken discovery finds none and passes).
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
        ran >= 10,
        "expected the harness's unit tests to run, got:\n{stderr}"
    );
}
