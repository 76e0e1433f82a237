//! Bandit's own examples: our engine against Bandit 1.9.4 run on the same files, and against the
//! severity/confidence counts its functional tests expect.

mod common;

use std::collections::BTreeSet;

use validator_testkit::reference;

#[test]
fn bandit_examples_match_bandit() {
    let sdist = reference::sdist("bandit", "1.9.4");
    let examples = sdist.join("examples");
    let ours = common::ours(&examples);
    let theirs = common::bandit(&examples);
    let agreement = common::compare(&ours, &theirs, &BTreeSet::new());
    println!("{}", agreement.table());
    println!("errors: ours {:?}\nbandit {:?}", ours.errors, theirs.errors);
    for r in &agreement.extra {
        println!("ours only: {r:?}");
    }
    for r in &agreement.missing {
        println!("bandit only: {r:?}");
    }
    for (a, b) in &agreement.rated_differently {
        println!("rated differently: ours {a:?} bandit {b:?}");
    }
    println!(
        "matched {}, precision {:.4} recall {:.4}",
        agreement.matched,
        agreement.precision(),
        agreement.recall()
    );
    assert_eq!(ours.errors, theirs.errors, "the same files are refused");
    assert!(
        agreement.matched > 500,
        "too few results: {}",
        agreement.matched
    );
    assert!(
        agreement.extra.is_empty() && agreement.missing.is_empty(),
        "every example result matches Bandit's"
    );
    assert!(
        agreement.rated_differently.is_empty(),
        "same severity and confidence"
    );
}

/// Functional tests that change plugin options away from Bandit's defaults (options we do not
/// support: a plugin's configuration can only relax whole rules); each is listed in
/// docs/security.md with the reason. Their runs with default options are still checked.
const DOCUMENTED_DIFFERENCES: [&str; 5] = [
    "test_markupsafe_markup_xss_extend_markup_names",
    "test_markupsafe_markup_xss_allowed_calls",
    "test_asserts",
    "test_try_except_continue",
    "test_try_except_pass",
];

fn counts(values: impl Iterator<Item = String>) -> std::collections::BTreeMap<String, u64> {
    let mut out: std::collections::BTreeMap<String, u64> = ["UNDEFINED", "LOW", "MEDIUM", "HIGH"]
        .into_iter()
        .map(|k| (k.to_owned(), 0))
        .collect();
    for value in values {
        *out.entry(value).or_default() += 1;
    }
    out
}

#[test]
fn bandit_functional_expectations_hold() {
    let sdist = reference::sdist("bandit", "1.9.4");
    let python = reference::venv("reference").join("bin/python");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/functional_expectations.py");
    let output = std::process::Command::new(&python)
        .arg(&script)
        .arg(sdist.join("tests/functional/test_functional.py"))
        .output()
        .expect("run the expectations extractor");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        entries.len() > 80,
        "only {} expectations found",
        entries.len()
    );
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/security.md"),
    )
    .expect("docs/security.md");
    let limits = validator_python::PythonLimits::default();
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in &entries {
        let test = entry["test"].as_str().unwrap();
        let file = entry["file"].as_str().unwrap();
        let bytes = std::fs::read(sdist.join("examples").join(file)).unwrap();
        let issues = validator_python::PythonModule::parse(&bytes, &limits)
            .ok()
            .and_then(|m| validator_security::analyse_module(&m).ok())
            .unwrap_or_default();
        let excluded: Vec<&str> = entry["exclude"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let ignore_nosec = entry["ignore_nosec"].as_bool().unwrap();
        let counted: Vec<_> = issues
            .iter()
            .filter(|i| ignore_nosec || i.nosec.is_none())
            .filter(|i| !excluded.contains(&i.rule.id()))
            .collect();
        let got = serde_json::json!({
            "SEVERITY": counts(counted.iter().map(|i| i.severity.to_string())),
            "CONFIDENCE": counts(counted.iter().map(|i| i.confidence.to_string())),
        });
        if entry["custom_config"].as_bool().unwrap() {
            assert!(
                DOCUMENTED_DIFFERENCES.contains(&test) && docs.contains(test),
                "{test} changes plugin options: list it in DOCUMENTED_DIFFERENCES and \
                 docs/security.md"
            );
            println!("{test} ({file}): documented difference, ours {got}");
            continue;
        }
        checked += 1;
        if got != entry["expect"] {
            failures.push(format!(
                "{test} ({file}): expected {} got {got}",
                entry["expect"]
            ));
        }
    }
    println!("{checked} examples checked against Bandit's functional tests");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
