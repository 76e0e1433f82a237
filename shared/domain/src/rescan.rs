//! A rescan: a published version judged again by the current checks, rules, packs and policy.
//! The new judgment is a scan of its own (`Scan::rescan` says which one it supersedes), so its
//! results, report and once-only notifications are those of any scan.

use serde::{Deserialize, Serialize};

use crate::{Finding, Scan, ScanId, ScanStatus, Timestamp, HELD_FOR_REVIEW};

/// What a rescan scan judges again (on [`Scan::rescan`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescanOf {
    /// The judgment this one supersedes (the version's current scan when the rescan started).
    pub of: ScanId,
    /// The scan of the upload itself (the first judgment of the version).
    pub origin: ScanId,
    /// The fingerprint of what judged it (validator version, rules version, policy digest, pack
    /// digests, the checks run): one rescan scan per version and fingerprint.
    pub judgment: String,
    /// When the version was uploaded (its place in the plugin's history).
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: Timestamp,
}

/// Where a version stands, as the website and approvers see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Validated (auto-approved or waiting for an approver).
    Validated,
    /// Validated but held for a human review (never auto-approved).
    Held,
    Blocked,
    Error,
    Validating,
}

impl Standing {
    pub fn of(scan: &Scan) -> Self {
        Self::of_verdict(scan.status, &scan.reasons)
    }

    /// From a status and the verdict's reasons (a held version says so in its reasons).
    pub fn of_verdict(status: ScanStatus, reasons: &[String]) -> Self {
        match status {
            ScanStatus::Validated if reasons.iter().any(|r| r.starts_with(HELD_FOR_REVIEW)) => {
                Self::Held
            }
            ScanStatus::Validated => Self::Validated,
            ScanStatus::Blocked => Self::Blocked,
            ScanStatus::Error => Self::Error,
            ScanStatus::Validating => Self::Validating,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Held => "held for review",
            Self::Blocked => "blocked",
            Self::Error => "error",
            Self::Validating => "validating",
        }
    }

    /// How a change to this standing is named: `newly blocked`, ...
    pub fn change_label(self) -> &'static str {
        match self {
            Self::Validated => "newly validated",
            Self::Held => "newly held",
            Self::Blocked => "newly blocked",
            Self::Error => "newly in error",
            Self::Validating => "validating",
        }
    }
}

impl std::fmt::Display for Standing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding as a rescan summary names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLine {
    pub check: String,
    pub rule: String,
    pub path: String,
    pub line: Option<u32>,
    pub severity: String,
    pub blocking: bool,
    pub review: bool,
    pub message: String,
    /// How a legitimate author fixes it.
    pub remediation: String,
}

impl FindingLine {
    pub fn of(finding: &Finding) -> Self {
        Self {
            check: finding.check.to_string(),
            rule: finding.rule.clone(),
            path: finding.path.clone(),
            line: finding.line,
            severity: finding.severity.to_string(),
            blocking: finding.blocking,
            review: finding.review,
            message: finding.message.clone(),
            remediation: finding.remediation.to_string(),
        }
    }

    /// `B602 plugin/run.py:12 (blocking): message`.
    pub fn headline(&self) -> String {
        let at = match self.line {
            Some(line) => format!("{}:{line}", self.path),
            None => self.path.clone(),
        };
        let weight = if self.blocking {
            " (blocking)"
        } else if self.review {
            " (held for review)"
        } else {
            ""
        };
        format!("{} {at}{weight}: {}", self.rule, self.message)
    }
}

/// What the rescan of one version found: its standing before and after, and the findings that
/// made the difference (those that block or hold, new or gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictChange {
    /// The new judgment's scan.
    pub scan_id: ScanId,
    /// The judgment it supersedes.
    pub previous_scan_id: ScanId,
    pub plugin: Option<String>,
    pub version: Option<String>,
    pub object_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_version: Option<String>,
    pub from: Standing,
    pub to: Standing,
    /// The new verdict's reasons.
    pub reasons: Vec<String>,
    /// Blocking or held findings the new judgment has and the previous one had not.
    pub new_findings: Vec<FindingLine>,
    /// Blocking or held findings of the previous judgment that are gone (a rule retired, a
    /// false positive fixed, a reviewer's decision).
    pub gone_findings: Vec<FindingLine>,
}

impl VerdictChange {
    pub fn changed(&self) -> bool {
        self.from != self.to
    }

    /// `newly blocked: validated -> blocked`.
    pub fn label(&self) -> String {
        format!("{}: {} -> {}", self.to.change_label(), self.from, self.to)
    }

    /// Whether a finding matters to a verdict change (it blocks or holds the version).
    pub fn weighs(finding: &Finding) -> bool {
        finding.suppressed.is_none() && (finding.blocking || finding.review)
    }
}
