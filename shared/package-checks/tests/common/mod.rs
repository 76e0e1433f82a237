//! Shared helpers for the integration tests: build a zip, open it like the dispatcher does and
//! run one check over it.

#![allow(dead_code)] // each test file uses a different subset

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{Check, CheckContext, Finding, PackageInfo};
use validator_package_checks::{FilePermissionsCheck, PackageStructureCheck, SuspiciousFilesCheck};
use validator_testkit::ZipBuilder;

pub const ALL: [&dyn Check; 3] = [
    &PackageStructureCheck,
    &FilePermissionsCheck,
    &SuspiciousFilesCheck,
];

/// Runs `check` on the zip with every rule enabled.
pub fn run(check: &dyn Check, zip: ZipBuilder) -> Vec<Finding> {
    run_bytes(check, zip.build(), &|_| true)
}

/// Runs `check` on raw zip bytes with a rule filter.
pub fn run_bytes(
    check: &dyn Check,
    bytes: Vec<u8>,
    enabled: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<Finding> {
    let archive = PluginArchive::open(bytes, &ArchiveLimits::default()).expect("archive opens");
    let package = PackageInfo::inspect(&archive);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: enabled,
        reference_defaults: false,
        cache: &validator_domain::ScanCache::new(),
    };
    let findings = check.run(&ctx).expect("check runs");
    for finding in &findings {
        assert_eq!(finding.check.as_str(), check.id(), "{finding:?}");
        assert!(
            check.rule(&finding.rule).is_some(),
            "{} reported an undeclared rule: {finding:?}",
            check.id()
        );
        assert!(!finding.remediation.is_empty());
    }
    findings
}

/// The rule ids of the findings, in order.
pub fn rules(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The findings of one rule.
pub fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

/// The only finding of `rule`, failing if there is not exactly one.
pub fn one<'a>(findings: &'a [Finding], rule: &str) -> &'a Finding {
    let matching = of(findings, rule);
    assert_eq!(matching.len(), 1, "one {rule} expected in {findings:#?}");
    matching[0]
}

/// Asserts that the message holds every word.
#[track_caller]
pub fn says(finding: &Finding, words: &[&str]) {
    for word in words {
        assert!(
            finding.message.contains(word),
            "`{word}` not in message: {}",
            finding.message
        );
    }
}

/// A `metadata.txt` for plugin `demo` with the given fields replaced (`Some`) or removed
/// (`None`).
pub fn metadata_with(changes: &[(&str, Option<&str>)]) -> String {
    let base = validator_testkit::metadata_txt("demo", "1.0.0");
    let mut out = String::new();
    for line in base.lines() {
        let key = line.split('=').next().unwrap_or_default();
        match changes.iter().find(|(k, _)| *k == key) {
            Some((_, None)) => {}
            Some((k, Some(v))) => out.push_str(&format!("{k}={v}\n")),
            None => out.push_str(&format!("{line}\n")),
        }
    }
    for (k, v) in changes {
        if let Some(v) = v {
            if !base.lines().any(|l| l.starts_with(&format!("{k}="))) {
                out.push_str(&format!("{k}={v}\n"));
            }
        }
    }
    out
}

/// The valid plugin with a modified `metadata.txt`.
pub fn with_metadata(changes: &[(&str, Option<&str>)]) -> ZipBuilder {
    ZipBuilder::valid_plugin("demo").file("demo/metadata.txt", &metadata_with(changes))
}
