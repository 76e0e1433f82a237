//! One fixture per rule: `tests/fixtures/secrets/<PluginClass>.<ext>` (the rule's
//! detect-secrets plugin, `AWSKeyDetector.py`) and `<file>.expected`, the findings
//! detect-secrets 1.5.0 reports on it, `LINE TYPE` per line (written once by
//! `infra/snapshot-reference-fixtures.py secrets`, then reviewed). The engine must report exactly
//! those, offline; and every rule of the catalogue must have a fixture that triggers it.
//!
//! Values in the fixtures are `<<alphabet:length>>` placeholders, filled with made-up characters
//! when read (as the snapshot script fills them), so no secret-shaped literal is in the repository.

#[allow(dead_code)]
mod fixtures;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fixtures::{Fake, DIGITS, HEX, LOWER, UPPER};
use validator_secrets::rules::SECRET_TYPES;
use validator_secrets::{scan_file, Enabled};

/// Rules whose fixture cannot trigger them, with the reason (their fixture shows they stay quiet).
const NEVER_REPORTED: &[(&str, &str)] = &[(
    "IPPublicDetector",
    "detect-secrets 1.5.0's is_not_alphanumeric_string filter drops every IPv4 address",
)];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/secrets")
}

/// The fixtures (not their snapshots), by file name.
fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.ends_with(".expected"))
        .collect();
    names.sort();
    names
}

/// The rule a fixture is for: its name up to the first dot.
fn plugin_of(name: &str) -> &str {
    name.split('.').next().unwrap_or_default()
}

/// `<<alphabet:length>>` -> made-up characters from `Fake` (seed 1, per file), as the snapshot
/// script fills them.
fn fill_placeholders(text: &str) -> String {
    let placeholder = regex::Regex::new(r"<<([a-z0-9]+):([0-9]+)>>").expect("pattern");
    let mut fake = Fake::new(1);
    placeholder
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let alphabet = match &caps[1] {
                "alnum" => format!("{UPPER}{LOWER}{DIGITS}"),
                "upper" => UPPER.to_owned(),
                "lower" => LOWER.to_owned(),
                "digits" => DIGITS.to_owned(),
                "hex" => HEX.to_owned(),
                "upperdigits" => format!("{UPPER}{DIGITS}"),
                "lowerdigits" => format!("{LOWER}{DIGITS}"),
                "base64" => format!("{UPPER}{LOWER}{DIGITS}+/"),
                other => panic!("unknown placeholder alphabet {other}"),
            };
            fake.from(&alphabet, caps[2].parse().expect("a length"))
        })
        .into_owned()
}

fn expected(name: &str) -> Vec<String> {
    let path = fixtures_dir().join(format!("{name}.expected"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

/// Our findings on a fixture, in the snapshot's format and order; allowlisted ones left out, as
/// detect-secrets leaves them out.
fn ours(name: &str) -> Vec<String> {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let found =
        scan_file(name, fill_placeholders(&text).as_bytes(), &Enabled::all()).unwrap_or_default();
    let mut lines: Vec<(u32, &str)> = found
        .iter()
        .filter(|secret| !secret.allowlisted)
        .map(|secret| (secret.line, secret.secret_type.type_name))
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(line, type_name)| format!("{line} {type_name}"))
        .collect()
}

#[test]
fn every_fixture_gives_the_findings_detect_secrets_gives() {
    let names = fixture_names();
    assert!(
        !names.is_empty(),
        "no fixture in {}",
        fixtures_dir().display()
    );
    let mut differences = Vec::new();
    for name in &names {
        let (ours, theirs) = (ours(name), expected(name));
        if ours != theirs {
            differences.push(format!(
                "{name}: ours {ours:#?}\ndetect-secrets {theirs:#?}"
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let names = fixture_names();
    let mut problems = Vec::new();
    for ty in SECRET_TYPES.iter() {
        let Some(name) = names.iter().find(|name| plugin_of(name) == ty.plugin) else {
            problems.push(format!(
                "{} ({}) has no fixture: add tests/fixtures/secrets/{}.<ext> and its snapshot",
                ty.type_name, ty.plugin, ty.plugin
            ));
            continue;
        };
        let triggered = expected(name)
            .iter()
            .any(|line| line.split_once(' ').map(|(_, t)| t) == Some(ty.type_name));
        let quiet = NEVER_REPORTED
            .iter()
            .any(|(plugin, _)| *plugin == ty.plugin);
        if triggered == quiet {
            problems.push(match quiet {
                true => format!("{name} triggers {}: take it off NEVER_REPORTED", ty.plugin),
                false => format!("{name} does not trigger {}", ty.type_name),
            });
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_is_a_rule_of_the_catalogue() {
    let plugins: BTreeSet<&str> = SECRET_TYPES.iter().map(|ty| ty.plugin).collect();
    let orphans: Vec<String> = fixture_names()
        .into_iter()
        .filter(|name| !plugins.contains(plugin_of(name)))
        .collect();
    assert!(orphans.is_empty(), "fixtures of no rule: {orphans:?}");
}
