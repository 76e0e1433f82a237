//! pycodestyle 2.15.0's own annotated examples (`Okay:` produces nothing, `E225:` produces that
//! code), extracted from the sdist's check docstrings and run through our engine, as
//! pycodestyle's `tests/test_self_doctests.py` runs them.

use std::process::Command;

use validator_quality::{lint_style, Settings};
use validator_testkit::reference::{repo_root, sdist, tool};

#[test]
fn every_annotated_docstring_example_agrees() {
    let sdist = sdist("pycodestyle", "2.15.0");
    let python = tool("reference", "python");
    let script = repo_root().join("shared/quality-check/tests/harness/pycodestyle_examples.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&sdist)
        .output()
        .expect("runs the reference Python");
    assert!(
        output.status.success(),
        "extracting the examples failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let examples: Vec<(String, String, String)> =
        serde_json::from_slice(&output.stdout).expect("JSON examples");
    assert!(examples.len() > 200, "only {} examples", examples.len());
    // pycodestyle's test settings: everything selected, max-doc-length 72.
    let settings = Settings {
        select: vec!["E".into(), "W".into()],
        ignore: Vec::new(),
        max_line_length: 79,
        max_doc_length: Some(72),
        ..Settings::flake8()
    };
    let mut failures = Vec::new();
    for (expected, source, check) in &examples {
        let codes: Vec<String> = lint_style(source, &settings)
            .into_iter()
            .map(|v| v.code().to_owned())
            .collect();
        let ok = if expected == "Okay" {
            codes.is_empty()
        } else {
            codes.iter().any(|c| c == expected)
        };
        if !ok {
            failures.push(format!("{check}: {expected}: {source:?} -> {codes:?}"));
        }
    }
    let agreed = examples.len() - failures.len();
    println!(
        "pycodestyle docstring examples: {agreed}/{} agree",
        examples.len()
    );
    assert!(
        failures.is_empty(),
        "{} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
