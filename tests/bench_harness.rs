//! The benchmark harness (infra/bench) is too slow for `cargo test`, but its parsing, path
//! normalisation and precision/recall code is not: its self-test runs here on synthetic tool
//! outputs and fake tools (no reference venv, no download, about a second).

mod python_self_test;

#[test]
fn the_benchmark_harness_passes_its_self_test() {
    python_self_test::assert_self_test_passes("infra/bench/bench.py", 10);
}
