//! Runs the licence check on a zip built by a test.

#![allow(dead_code)]

use validator_domain::{run_on_zip, FileLicence, Finding, LicenceReport};
use validator_licence::LicenceCheck;

pub struct Outcome {
    pub findings: Vec<Finding>,
    pub report: LicenceReport,
}

pub fn run(zip: Vec<u8>) -> Outcome {
    let output = run_on_zip(&LicenceCheck, zip).expect("check runs");
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
