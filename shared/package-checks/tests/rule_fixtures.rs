//! One fixture per rule of the three package checks: a zip built here that triggers the rule,
//! with every finding the three checks report on it (`RULE path`, in report order). A test fails
//! when a rule of the catalogues has no fixture, or its fixture does not trigger it.

mod common;

use std::collections::BTreeSet;

use common::{run_bytes, with_metadata, ALL};
use validator_archive::{ArchiveLimits, PluginArchive};
use validator_package_checks::intake_finding;
use validator_testkit::ZipBuilder;

const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";

/// (rule, the zip, every finding of the package checks on it).
type Fixture = (&'static str, fn() -> Vec<u8>, &'static [&'static str]);

fn plugin() -> ZipBuilder {
    ZipBuilder::valid_plugin("demo")
}

const FIXTURES: &[Fixture] = &[
    ("PKG001", || b"this is not a zip".to_vec(), &["PKG001 "]),
    (
        "PKG002",
        || plugin().file("other/readme.txt", "x\n").build(),
        &["PKG002 "],
    ),
    (
        "PKG003",
        || ZipBuilder::valid_plugin("1demo").build(),
        &["PKG003 1demo"],
    ),
    (
        "PKG004",
        || plugin().without("demo/__init__.py").build(),
        &["PKG004 demo/__init__.py"],
    ),
    (
        "PKG005",
        || plugin().without("demo/LICENSE").build(),
        &["PKG005 demo/LICENSE"],
    ),
    (
        "PKG006",
        || plugin().without("demo/metadata.txt").build(),
        &["PKG006 demo/metadata.txt"],
    ),
    (
        "PKG007",
        || with_metadata(&[("email", None)]).build(),
        &["PKG007 demo/metadata.txt"],
    ),
    (
        "PKG008",
        || with_metadata(&[("repository", Some("github.com/me/demo"))]).build(),
        &["PKG008 demo/metadata.txt"],
    ),
    (
        "PKG009",
        || plugin().file("demo/../evil.py", "x\n").build(),
        &["PKG009 demo/../evil.py"],
    ),
    (
        "PKG010",
        || plugin().file("demo/.git/HEAD", "ref: x\n").build(),
        &["PKG010 demo/.git", "SUS003 demo/.git"],
    ),
    (
        "PKG011",
        || {
            plugin()
                .bytes("demo/cache.pyc", b"\x55\x0d\x0d\x0a", 0o644)
                .build()
        },
        &["PKG011 demo/cache.pyc", "SUS005 demo/cache.pyc"],
    ),
    (
        "PKG012",
        || with_metadata(&[("author", Some("Ann / Bob"))]).build(),
        &["PKG012 demo/metadata.txt"],
    ),
    (
        "PKG013",
        || plugin().file("demo/.bandit", "[bandit]\n").build(),
        &["PKG013 demo/.bandit", "SUS003 demo/.bandit"],
    ),
    (
        "PERM001",
        || plugin().mode("demo/plugin.py", 0o755).build(),
        &["PERM001 demo/plugin.py"],
    ),
    (
        "PERM002",
        || plugin().bytes("demo/helper", b"data", 0o4755).build(),
        &["PERM002 demo/helper"],
    ),
    (
        "PERM003",
        || plugin().mode("demo/metadata.txt", 0o666).build(),
        &["PERM003 demo/metadata.txt"],
    ),
    (
        "PERM004",
        || plugin().symlink("demo/link.py", "plugin.py").build(),
        &["PERM004 demo/link.py"],
    ),
    (
        "PERM005",
        || plugin().symlink("demo/escape", "../../etc/passwd").build(),
        &["PERM005 demo/escape"],
    ),
    (
        "SUS001",
        || {
            plugin()
                .file("demo/tools/install.sh", "#!/bin/sh\n")
                .build()
        },
        &["SUS001 demo/tools/install.sh"],
    ),
    (
        "SUS002",
        || plugin().bytes("demo/icons/logo.png", ELF, 0o644).build(),
        &["SUS002 demo/icons/logo.png"],
    ),
    (
        "SUS003",
        || plugin().file("demo/.env", "MODE=debug\n").build(),
        &["SUS003 demo/.env"],
    ),
    (
        "SUS004",
        || {
            let inner = ZipBuilder::valid_plugin("inner").build();
            plugin().bytes("demo/data/inner.zip", &inner, 0o644).build()
        },
        &["SUS004 demo/data/inner.zip"],
    ),
    (
        "SUS005",
        || {
            plugin()
                .bytes(
                    "demo/__pycache__/m.cpython-311.pyc",
                    b"\x55\x0d\x0d\x0a",
                    0o644,
                )
                .build()
        },
        &["PKG010 demo/__pycache__", "SUS005 demo/__pycache__"],
    ),
];

/// Every finding of the three package checks on a zip (the intake finding when it does not
/// open), as `RULE path`.
fn findings(zip: Vec<u8>) -> Vec<String> {
    if let Err(err) = PluginArchive::open(zip.clone(), &ArchiveLimits::default()) {
        let finding = intake_finding(&err);
        return vec![format!("{} {}", finding.rule, finding.path)];
    }
    ALL.iter()
        .flat_map(|check| run_bytes(*check, zip.clone(), &|_| true))
        .map(|finding| format!("{} {}", finding.rule, finding.path))
        .collect()
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let mut differences = Vec::new();
    for (rule, zip, expected) in FIXTURES {
        let found = findings(zip());
        if found != *expected {
            differences.push(format!("{rule}: found {found:#?}\nexpected {expected:#?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let mut problems = Vec::new();
    for check in ALL {
        for rule in check.rules() {
            match FIXTURES.iter().find(|(id, _, _)| *id == rule.id) {
                None => problems.push(format!("{} has no fixture in FIXTURES", rule.id)),
                Some((_, _, expected)) => {
                    if !expected
                        .iter()
                        .any(|line| line.split(' ').next() == Some(rule.id))
                    {
                        problems.push(format!("{}'s fixture does not trigger it", rule.id));
                    }
                }
            }
        }
    }
    let ids: BTreeSet<&str> = ALL
        .iter()
        .flat_map(|check| check.rules())
        .map(|rule| rule.id)
        .collect();
    for (id, _, _) in FIXTURES {
        if !ids.contains(id) {
            problems.push(format!(
                "a fixture for {id}, which no package check declares"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
