//! Runs the qgis4 check on a fixture plugin folder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use validator_archive::{pack_folder, ArchiveLimits};
use validator_domain::{run_on_zip, Finding, Qgis4Readiness};
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
    let output = run_on_zip(&Qgis4Check, zip).expect("check runs");
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
