//! One fixture per rule of the bundled-libraries check: a plugin vendoring a small library,
//! verified offline against a release source made here (published files and their SHA-256), with
//! every finding expected. A test fails when a rule of the check has no fixture that triggers it.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use validator_archive::{ArchiveLimits, PluginArchive};
use validator_bundled::{
    ArtifactKind, BundledLibrariesCheck, Offline, Release, ReleaseError, ReleaseFiles,
    ReleaseSource,
};
use validator_domain::{Check, CheckContext, PackageInfo, ScanCache};
use validator_testkit::ZipBuilder;

/// The published `__init__.py` of the made-up library `tinylib` 1.0.0.
const PUBLISHED_INIT: &str = "__version__ = \"1.0.0\"\n\n\ndef greet():\n    return \"hello\"\n";

/// A package index that knows one release: tinylib 1.0.0's wheel.
struct OneRelease;

impl ReleaseSource for OneRelease {
    fn release(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Release, ReleaseError> {
        if (name, version, kind) != ("tinylib", "1.0.0", ArtifactKind::Wheel) {
            return Ok(Release::Unknown {
                reason: format!("no {name} {version} {kind:?} in this index"),
            });
        }
        let files = BTreeMap::from([(
            "tinylib/__init__.py".to_owned(),
            hex::encode(Sha256::digest(PUBLISHED_INIT)),
        )]);
        Ok(Release::Found(ReleaseFiles {
            artifact: "tinylib-1.0.0-py3-none-any.whl".to_owned(),
            files,
        }))
    }
}

/// The plugin `demo` vendoring tinylib with this `__init__.py`.
fn vendoring(init: &str) -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file("demo/ext_libs/tinylib/__init__.py", init)
        .build()
}

/// (rule, the zip, whether the index knows tinylib, every finding as `RULE path`).
type Fixture = (&'static str, fn() -> Vec<u8>, bool, &'static [&'static str]);

const FIXTURES: &[Fixture] = &[
    (
        "BND001",
        || vendoring(PUBLISHED_INIT),
        true,
        &["BND001 demo/ext_libs/tinylib/"],
    ),
    (
        "BND002",
        || vendoring(&format!("{PUBLISHED_INIT}\nimport os\nos.system(\"id\")\n")),
        true,
        &["BND002 demo/ext_libs/tinylib/__init__.py"],
    ),
    (
        "BND003",
        || vendoring(PUBLISHED_INIT),
        false,
        &["BND003 demo/ext_libs/tinylib/"],
    ),
];

fn findings(zip: Vec<u8>, index_knows_it: bool) -> Vec<String> {
    let releases: Arc<dyn ReleaseSource> = match index_knows_it {
        true => Arc::new(OneRelease),
        false => Arc::new(Offline),
    };
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).expect("archive opens");
    let package = PackageInfo::inspect(&archive);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: &|_| true,
        reference_defaults: false,
        cache: &ScanCache::new(),
    };
    BundledLibrariesCheck::new(releases)
        .run(&ctx)
        .expect("check runs")
        .into_iter()
        .map(|finding| format!("{} {}", finding.rule, finding.path))
        .collect()
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let mut differences = Vec::new();
    for (rule, zip, index_knows_it, expected) in FIXTURES {
        let found = findings(zip(), *index_knows_it);
        if found != *expected {
            differences.push(format!("{rule}: found {found:#?}\nexpected {expected:#?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let check = BundledLibrariesCheck::new(Arc::new(Offline));
    let mut problems = Vec::new();
    for rule in check.rules() {
        match FIXTURES.iter().find(|(id, ..)| *id == rule.id) {
            None => problems.push(format!("{} has no fixture in FIXTURES", rule.id)),
            Some((_, _, _, expected)) => {
                if !expected
                    .iter()
                    .any(|line| line.split(' ').next() == Some(rule.id))
                {
                    problems.push(format!("{}'s fixture does not trigger it", rule.id));
                }
            }
        }
    }
    for (id, ..) in FIXTURES {
        if check.rule(id).is_none() {
            problems.push(format!(
                "a fixture for {id}, which the check does not declare"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
