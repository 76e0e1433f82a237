//! Runs the qgis4 check on a fixture plugin folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use validator_archive::{pack_folder, ArchiveLimits, PluginArchive};
use validator_domain::{Check, CheckContext, Finding, PackageInfo, Qgis4Readiness, ScanCache};
use validator_qgis4::Qgis4Check;

#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub readiness: Qgis4Readiness,
}

/// `tests/fixtures/qgis4/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    validator_testkit::reference::repo_root()
        .join("tests/fixtures/qgis4")
        .join(name)
}

/// Every fixture plugin folder.
pub fn fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture(""))
        .expect("the fixtures folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

pub fn run_folder(folder: &Path) -> Outcome {
    let zip = pack_folder(folder, &ArchiveLimits::default()).expect("the fixture zips");
    run(zip)
}

pub fn run(zip: Vec<u8>) -> Outcome {
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).expect("archive opens");
    let package = PackageInfo::inspect(&archive);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: &|_| true,
        reference_defaults: false,
        cache: &ScanCache::new(),
    };
    let output = Qgis4Check.run_with_details(&ctx).expect("check runs");
    Outcome {
        findings: output.findings,
        readiness: output.details.qgis4.expect("the readiness"),
    }
}

/// `(path, line, rule)` of every finding.
pub fn keys(findings: &[Finding]) -> Vec<(String, u32, String)> {
    findings
        .iter()
        .map(|f| (f.path.clone(), f.line.unwrap_or(0), f.rule.clone()))
        .collect()
}
