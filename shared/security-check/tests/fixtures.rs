//! One fixture per rule: `tests/fixtures/security/<ID>.py`, a small file that triggers the rule,
//! and `<ID>.py.expected`, the findings Bandit 1.9.4 reports on it (written once by
//! `infra/snapshot-reference-fixtures.py security`, then reviewed). The engine must report
//! exactly those, offline; and every rule of the catalogue must have a fixture that triggers it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use validator_python::{PythonLimits, PythonModule};
use validator_security::{analyse_module, RULES};

/// Rules that cannot have a fixture, with the reason. Every rule has one today.
const WITHOUT_FIXTURE: &[(&str, &str)] = &[];

/// The snapshot line of a file the engine (or Bandit) refuses: SEC000.
const NOT_ANALYSED: &str = "not analysed";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/security")
}

fn fixture(id: &str) -> PathBuf {
    fixtures_dir().join(format!("{id}.py"))
}

fn expected(fixture: &Path) -> Vec<String> {
    let mut name = fixture.as_os_str().to_owned();
    name.push(".expected");
    let text = std::fs::read_to_string(&name)
        .unwrap_or_else(|e| panic!("{}: {e}", Path::new(&name).display()));
    text.lines().map(str::to_owned).collect()
}

/// Our findings on a fixture, in the snapshot's format and order; `# nosec` ones left out, as
/// Bandit leaves them out.
fn ours(fixture: &Path) -> Vec<String> {
    let bytes = std::fs::read(fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    let analysed = PythonModule::parse(&bytes, &PythonLimits::default())
        .ok()
        .and_then(|module| analyse_module(&module).ok());
    let Some(issues) = analysed else {
        return vec![NOT_ANALYSED.to_owned()];
    };
    let mut lines: Vec<(u32, &str, String, String)> = issues
        .iter()
        .filter(|issue| issue.nosec.is_none())
        .map(|issue| {
            (
                issue.line,
                issue.rule.id(),
                issue.severity.to_string(),
                issue.confidence.to_string(),
            )
        })
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(line, id, severity, confidence)| format!("{line} {id} {severity} {confidence}"))
        .collect()
}

#[test]
fn every_fixture_gives_the_findings_bandit_gives() {
    let mut differences = Vec::new();
    let mut checked = 0;
    for rule in RULES.iter() {
        let path = fixture(rule.id);
        if !path.exists() {
            continue;
        }
        checked += 1;
        let (ours, theirs) = (ours(&path), expected(&path));
        if ours != theirs {
            differences.push(format!(
                "{}: ours {ours:#?}\nBandit {theirs:#?}",
                path.display()
            ));
        }
    }
    assert!(
        checked > 0,
        "no fixture found in {}",
        fixtures_dir().display()
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let mut problems = Vec::new();
    for rule in RULES.iter() {
        let exempt = WITHOUT_FIXTURE.iter().any(|(id, _)| *id == rule.id);
        let path = fixture(rule.id);
        match (path.exists(), exempt) {
            (false, false) => problems.push(format!(
                "{} has no fixture: add {} and its snapshot",
                rule.id,
                path.display()
            )),
            (true, true) => problems.push(format!(
                "{} has a fixture: take it off WITHOUT_FIXTURE",
                rule.id
            )),
            (false, true) => {}
            (true, false) => {
                let triggered = expected(&path).iter().any(|line| {
                    line == NOT_ANALYSED && rule.id == "SEC000"
                        || line.split(' ').nth(1) == Some(rule.id)
                });
                if !triggered {
                    problems.push(format!("{}'s fixture does not trigger it", rule.id));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_is_a_rule_of_the_catalogue() {
    let ids: BTreeSet<&str> = RULES.iter().map(|rule| rule.id).collect();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures folder") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let id = name.split('.').next().unwrap_or_default();
        if !ids.contains(id) {
            orphans.push(name);
        }
    }
    assert!(orphans.is_empty(), "fixtures of no rule: {orphans:?}");
}
