//! One fixture per rule, offline: every `tests/fixtures/quality/<CODE>.py` runs through the
//! engine and must give exactly the findings of its snapshot `<CODE>.py.expected`, which flake8
//! itself generated (`python3 infra/snapshot-fixtures.py quality`). A `<CODE>.cfg` beside the
//! fixture holds the `[flake8]` options the rule needs (both flake8 and the engine read it);
//! without one, flake8's own defaults apply, as under `--rules all`. The agreement tests against
//! the live flake8 (`flake8_real_code.rs`) remain the second tier.

use std::fs;
use std::path::{Path, PathBuf};

use validator_quality::{lint_source, Rule, Settings};

/// The rules that cannot have a fixture, and why.
const WITHOUT_FIXTURE: &[(Rule, &str)] = &[
    (
        Rule::E112,
        "a statement that should be indented and is not is an IndentationError: flake8 reports only E999",
    ),
    (
        Rule::E113,
        "an unexpectedly indented statement is an IndentationError: flake8 reports only E999",
    ),
    (
        Rule::E901,
        "flake8 reports it when its own processing fails; the engine never emits it (catalogue only)",
    ),
    (
        Rule::E902,
        "a file that cannot be read or decoded (too large, not UTF-8): not a source text a fixture can hold; tests/check.rs covers it",
    ),
    (
        Rule::F721,
        "pyflakes reports it only under --doctests, which neither flake8's defaults nor the engine run",
    ),
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/quality")
}

/// Every fixture, sorted by name.
fn fixtures() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .expect("the fixtures folder exists")
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "py"))
        .collect();
    found.sort();
    found
}

fn code_of(fixture: &Path) -> String {
    let stem = fixture.file_stem().expect("a file name");
    stem.to_string_lossy().into_owned()
}

/// flake8's defaults, with the fixture's `[flake8]` options when it has some.
fn settings_for(fixture: &Path) -> Settings {
    let mut settings = Settings::flake8();
    if let Ok(config) = fs::read_to_string(fixture.with_extension("cfg")) {
        assert!(
            settings.apply_config(&config),
            "{}: the .cfg has no [flake8] section",
            fixture.display()
        );
    }
    settings
}

/// The engine's findings as the snapshot writes them (`LINE:COL CODE message`), sorted: the
/// engine and flake8 order findings on the same position differently.
fn engine_findings(fixture: &Path) -> Vec<String> {
    let source = fs::read_to_string(fixture).expect("a readable fixture");
    let name = fixture.file_name().expect("a file name").to_string_lossy();
    let mut found: Vec<String> = lint_source(&source, &name, &settings_for(fixture))
        .iter()
        .map(|v| format!("{}:{} {} {}", v.line, v.column + 1, v.code(), v.message))
        .collect();
    found.sort();
    found
}

fn snapshot(fixture: &Path) -> Vec<String> {
    let mut path = fixture.as_os_str().to_owned();
    path.push(".expected");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} has no snapshot", fixture.display()));
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn every_fixture_gives_its_snapshot() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no fixtures in {:?}", fixtures_dir());
    let mut failures = Vec::new();
    for fixture in &fixtures {
        let code = code_of(fixture);
        let expected = snapshot(fixture);
        // A fixture is there to show its rule: its snapshot must hold it.
        if !expected
            .iter()
            .any(|l| l.split(' ').nth(1) == Some(code.as_str()))
        {
            failures.push(format!("{code}: the snapshot does not report {code}"));
        }
        let ours = engine_findings(fixture);
        if ours != expected {
            failures.push(format!(
                "{code}:\n  flake8: {expected:?}\n  engine: {ours:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_fixture_or_a_reason() {
    let with_fixture: Vec<String> = fixtures().iter().map(|f| code_of(f)).collect();
    for code in &with_fixture {
        assert!(
            Rule::from_code(code).is_some(),
            "fixture {code}.py names no rule of the catalogue"
        );
    }
    let mut missing = Vec::new();
    for &rule in Rule::ALL {
        let has_fixture = with_fixture.iter().any(|c| c == rule.code());
        let exempt = WITHOUT_FIXTURE.iter().any(|(r, _)| *r == rule);
        match (has_fixture, exempt) {
            (false, false) => missing.push(rule.code()),
            (true, true) => panic!("{rule} has a fixture: remove it from WITHOUT_FIXTURE"),
            _ => {}
        }
    }
    assert!(
        missing.is_empty(),
        "rules without a fixture in tests/fixtures/quality (add <CODE>.py and run \
         infra/snapshot-fixtures.py quality, or list the rule in WITHOUT_FIXTURE with the \
         reason): {missing:?}"
    );
}
