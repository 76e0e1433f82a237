//! The dependencies check's rules, declared once: docs/rules.md, the policy defaults, SARIF and
//! the emails' guidance come from here.

use validator_domain::{Level, RuleInfo, Severity};

pub const DEP001: RuleInfo = RuleInfo {
    id: "DEP001",
    title: "Known-malicious package bundled, declared or installed",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "The package is listed as malware by the advisory databases (an OSV `MAL-` \
                  record, from the OpenSSF malicious-packages feed or a malware advisory): \
                  installing it runs an attacker's code. Remove it from the plugin, its \
                  requirements and its install commands; if you meant a legitimate package with \
                  a similar name (typosquatting), correct the name. Rotate any credential on a \
                  machine where it was installed.",
};

pub const DEP002: RuleInfo = RuleInfo {
    id: "DEP002",
    title: "Dependency with known vulnerabilities",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "This version of the package has published advisories (ids, severity and the \
                  first fixed version are in the message and the report's dependencies \
                  section). Upgrade to the fixed version: replace the bundled folder with the \
                  newer release (`pip install --target ext_libs NAME==VERSION`), or raise the \
                  pin in your requirements or install command. If no fix is published, replace \
                  the package or check that the vulnerable code is never used, and tell the \
                  approvers why.",
};

pub const DEP003: RuleInfo = RuleInfo {
    id: "DEP003",
    title: "Dependency with a critical vulnerability",
    severity: Severity::High,
    level: Level::Warning,
    mandatory: false,
    remediation: "An advisory of critical severity (CVSS 9.0 or more, or rated critical by its \
                  database) applies to this version, so an approver looks at it before the \
                  version is published. Upgrade to the first fixed version named in the message \
                  (replace the bundled library, raise the pin).",
};

pub const DEP004: RuleInfo = RuleInfo {
    id: "DEP004",
    title: "Requirement or run-time install without a pinned version",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Without an exact version (`NAME==VERSION`) users get whatever the index \
                  serves on the day they install, and the validator cannot tell which known \
                  vulnerabilities apply (it checks the name against malicious packages only). \
                  Pin the version you tested, and upgrade it deliberately.",
};

pub const DEP005: RuleInfo = RuleInfo {
    id: "DEP005",
    title: "Dependency not checked against advisories",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: false,
    remediation: "No advisory data could be reached when the version was checked (the OSV \
                  service was unreachable or failed, or no advisory database is configured), so \
                  nothing is known about this dependency's vulnerabilities: it is not reported \
                  as clean. Nothing to change in the plugin; run the scan again with network \
                  access or `--advisories DIR` (a copy of the PyPA advisory database).",
};

pub const RULES: &[RuleInfo] = &[DEP001, DEP002, DEP003, DEP004, DEP005];

/// The rules a human decides on by default: the version is validated but held for review
/// (operators may make them block or only report).
pub const REVIEW_RULES: &[&str] = &["DEP003", "DEP005"];
