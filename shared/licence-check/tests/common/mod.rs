//! Runs the licence check on a zip built by a test.

#![allow(dead_code)]

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{
    Check, CheckContext, FileLicence, Finding, LicenceReport, PackageInfo, ScanCache,
};
use validator_licence::LicenceCheck;

pub struct Outcome {
    pub findings: Vec<Finding>,
    pub report: LicenceReport,
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
    let output = LicenceCheck.run_with_details(&ctx).expect("check runs");
    Outcome {
        findings: output.findings,
        report: *output.details.licence.expect("the licence section"),
    }
}

pub fn licence_of<'o>(outcome: &'o Outcome, path: &str) -> &'o FileLicence {
    outcome
        .report
        .files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} is not listed: {:#?}", outcome.report.files))
}
