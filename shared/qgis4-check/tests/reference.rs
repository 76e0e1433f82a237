//! Agreement with QGIS's PyQt5-to-PyQt6 migration script (the reference, fetched at test time by
//! `infra/qgis4-reference.sh` and run in the pinned venv of `infra/python-tools.sh qgis4` by
//! `infra/qgis4/reference.py`): on every fixture plugin, the places it changes or warns about
//! and ours, compared on (file, line, kind). At least 99 % precision and recall; the figure is
//! printed. Also: the committed enum tables are what the script and the pinned PyQt6 give, and
//! the committed QGIS API table what QGIS's SIP definitions of the same release give.

mod common;

use std::process::Command;

use validator_qgis4::{reference_kind, RULES};
use validator_testkit::reference::{repo_root, venv};

fn script() -> String {
    let output = Command::new("bash")
        .arg(repo_root().join("infra/qgis4-reference.sh"))
        .output()
        .expect("infra/qgis4-reference.sh runs");
    assert!(
        output.status.success(),
        "fetching QGIS's migration script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn reference_py(args: &[&str]) -> String {
    let python = venv("qgis4").join("bin/python");
    let output = Command::new(python)
        .arg(repo_root().join("infra/qgis4/reference.py"))
        .args(args)
        .output()
        .expect("infra/qgis4/reference.py runs");
    assert!(
        output.status.success(),
        "reference.py {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Our rule -> the script's kind, as the harness compares them.
fn kinds() -> serde_json::Value {
    RULES
        .iter()
        .filter_map(|r| Some((r.id.to_owned(), reference_kind(r.id)?.into())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn agrees_with_the_migration_script_on_the_fixtures() {
    let script = script();
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let kinds_path = tmp.path().join("kinds.json");
    std::fs::write(&kinds_path, kinds().to_string()).expect("kinds written");
    let (mut matched, mut reference, mut ours) = (0u64, 0u64, 0u64);
    for folder in common::fixtures() {
        let outcome = common::run_folder(&folder);
        let findings: Vec<serde_json::Value> = outcome
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "check": f.check.as_str(), "rule": f.rule, "path": f.path, "line": f.line
                })
            })
            .collect();
        let report_path = tmp.path().join("ours.json");
        std::fs::write(
            &report_path,
            serde_json::json!({ "findings": findings }).to_string(),
        )
        .expect("report written");
        let result: serde_json::Value = serde_json::from_str(&reference_py(&[
            "compare",
            &script,
            folder.to_str().expect("a UTF-8 path"),
            report_path.to_str().expect("a UTF-8 path"),
            kinds_path.to_str().expect("a UTF-8 path"),
        ]))
        .expect("the comparison is JSON");
        let count = |key: &str| result[key].as_u64().expect("a count");
        println!(
            "{}: {} of {} reference places matched, {} ours; missed {}, extra {}, left out {}",
            folder.display(),
            count("matched"),
            count("reference"),
            count("ours"),
            result["missed"],
            result["extra"],
            result["files_left_out"],
        );
        matched += count("matched");
        reference += count("reference");
        ours += count("ours");
    }
    let precision = matched as f64 / ours.max(1) as f64;
    let recall = matched as f64 / reference.max(1) as f64;
    println!(
        "qgis4 agreement with pyqt5_to_pyqt6.py on the fixtures: precision {precision:.4}, recall \
         {recall:.4} ({matched} of {reference} places)"
    );
    assert!(
        reference > 40,
        "the fixtures exercise the script: {reference} places"
    );
    assert!(precision >= 0.99, "precision {precision:.4}");
    assert!(recall >= 0.99, "recall {recall:.4}");
}

#[test]
fn the_harness_kinds_are_the_checks() {
    let defaults: serde_json::Value =
        serde_json::from_str(&reference_py(&["kinds"])).expect("kinds are JSON");
    assert_eq!(defaults, kinds());
}

#[test]
fn the_enum_tables_are_generated_from_the_script() {
    let script = script();
    let generated = reference_py(&["tsv", &script]);
    let committed =
        std::fs::read_to_string(repo_root().join("shared/qgis4-check/data/qt-enums.tsv"))
            .expect("the data file");
    assert!(
        generated == committed,
        "shared/qgis4-check/data/qt-enums.tsv is not what infra/qgis4/reference.py tsv gives: \
         regenerate it (docs/qgis4.md)"
    );
}

#[test]
fn the_qgis_api_table_is_generated_from_qgis_sip_definitions() {
    let output = Command::new("bash")
        .arg(repo_root().join("infra/qgis4-reference.sh"))
        .arg("--sip")
        .output()
        .expect("infra/qgis4-reference.sh runs");
    assert!(output.status.success(), "fetching QGIS's SIP files failed");
    let sources = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let python = venv("qgis4").join("bin/python");
    let output = Command::new(python)
        .arg(repo_root().join("infra/qgis4/qgis_api.py"))
        .args(["tsv", &sources])
        .output()
        .expect("infra/qgis4/qgis_api.py runs");
    assert!(
        output.status.success(),
        "qgis_api.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8(output.stdout).expect("UTF-8 output");
    let committed =
        std::fs::read_to_string(repo_root().join("shared/qgis4-check/data/qgis-api.tsv"))
            .expect("the data file");
    assert!(
        generated == committed,
        "shared/qgis4-check/data/qgis-api.tsv is not what infra/qgis4/qgis_api.py tsv gives: \
         regenerate it (docs/qgis4.md)"
    );
    // The table is not empty and knows the one member QGIS's Qt6 bindings dropped.
    assert!(generated.contains("Q6\tQgsVectorDataProvider\ttextEncoding\t"));
    assert!(generated.lines().filter(|l| l.starts_with("R4\t")).count() > 20);
}
