use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{CheckDetails, CheckId, Counts, Finding, Notifications, Timestamp, Upload};

/// A scan's id: derived from the object key, its version and its content, so that a duplicated
/// upload event finds the scan it already started instead of starting another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanId(pub String);

impl ScanId {
    pub fn derive(object_key: &str, object_version: Option<&str>, content: &ContentDigest) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(object_key.as_bytes());
        hasher.update([0]);
        hasher.update(object_version.unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(content.bytes());
        Self(hex::encode(&hasher.finalize()[..16]))
    }

    /// The id of the rescan of the version first judged by `origin` under `judgment` (one per
    /// version and judgment: a rescan run twice finds the scan it made).
    pub fn derive_rescan(origin: &ScanId, judgment: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"rescan\0");
        hasher.update(origin.0.as_bytes());
        hasher.update([0]);
        hasher.update(judgment.as_bytes());
        Self(hex::encode(&hasher.finalize()[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of an upload's bytes, as lowercase hex. A scan records the digest of the bytes it
/// was created for, and every check refuses other bytes: a verdict belongs to what was checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContentDigest(String);

impl ContentDigest {
    pub fn of(content: &[u8]) -> Self {
        Self(hex::encode(Sha256::digest(content)))
    }

    /// A digest as stored or sent (`None` unless it is 64 hex digits).
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Self(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn bytes(&self) -> Vec<u8> {
        // Always 64 hex digits (constructed by `of` or `parse`).
        hex::decode(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a scan stands. Only `validating` moves, and only once, to one of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanStatus {
    Validating,
    Validated,
    Blocked,
    Error,
}

impl ScanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validating => "validating",
            Self::Validated => "validated",
            Self::Blocked => "blocked",
            Self::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Validating,
            Self::Validated,
            Self::Blocked,
            Self::Error,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        self != Self::Validating
    }
}

impl fmt::Display for ScanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What became of one rule the uploader asked to skip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkipDecision {
    pub rule: String,
    pub outcome: SkipOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipOutcome {
    /// A skippable rule: its findings are shown as skipped and do not block.
    Honoured,
    /// A mandatory rule: it runs anyway.
    RefusedMandatory,
    /// No such rule in the policy.
    UnknownRule,
}

impl SkipDecision {
    pub fn honoured(&self) -> bool {
        self.outcome == SkipOutcome::Honoured
    }

    pub fn explanation(&self) -> &'static str {
        match self.outcome {
            SkipOutcome::Honoured => "skipped as requested (the rule is skippable)",
            SkipOutcome::RefusedMandatory => "not skipped: the rule is mandatory",
            SkipOutcome::UnknownRule => "not skipped: no such rule",
        }
    }
}

/// One validation of one uploaded plugin version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scan {
    pub id: ScanId,
    pub upload: Upload,
    /// The store's version of the uploaded object this scan checks (the S3 version id), when
    /// the store keeps versions. Checks read this version, never "the latest".
    #[serde(default)]
    pub object_version: Option<String>,
    /// The digest of the bytes this scan was created for; checks refuse any other bytes.
    /// (`None` only for scans recorded before digests were kept.)
    #[serde(default)]
    pub content_digest: Option<ContentDigest>,
    /// The plugin's folder in the zip: the website's identifier of the plugin.
    #[serde(default)]
    pub package_name: Option<String>,
    pub plugin_name: Option<String>,
    pub plugin_version: Option<String>,
    pub status: ScanStatus,
    pub auto_approved: bool,
    pub expected_checks: Vec<CheckId>,
    pub completed_checks: Vec<CheckId>,
    /// The uploader's skip requests and what became of each.
    pub skips: Vec<SkipDecision>,
    /// Tool configuration files the plugin ships (listed for approvers).
    pub plugin_config_files: Vec<String>,
    /// Findings made before any check ran: an archive refused by the limits or unreadable.
    pub intake_findings: Vec<Finding>,
    /// Problems with the upload's metadata that did not stop the scan.
    pub warnings: Vec<String>,
    /// Set when the scan is final.
    pub counts: Option<Counts>,
    pub reasons: Vec<String>,
    pub report_key: Option<String>,
    pub notifications: Notifications,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: Timestamp,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub finished_at: Option<Timestamp>,
    /// Set when a blocked scan became validated because reviewers decided every blocking
    /// finding (the one transition after the final status).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reviewed_at: Option<Timestamp>,
    /// Set on a rescan: the judgment of a published version made again under changed checks,
    /// rules or policy ([`crate::RescanOf`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescan: Option<crate::RescanOf>,
}

impl Scan {
    /// A new scan of `upload`, `validating`, with nothing known yet about its package.
    pub fn new(id: ScanId, upload: Upload, now: Timestamp) -> Self {
        Self {
            id,
            upload,
            object_version: None,
            content_digest: None,
            package_name: None,
            plugin_name: None,
            plugin_version: None,
            status: ScanStatus::Validating,
            auto_approved: false,
            expected_checks: Vec::new(),
            completed_checks: Vec::new(),
            skips: Vec::new(),
            plugin_config_files: Vec::new(),
            intake_findings: Vec::new(),
            warnings: Vec::new(),
            counts: None,
            reasons: Vec::new(),
            report_key: None,
            notifications: Notifications::default(),
            created_at: now,
            updated_at: now,
            finished_at: None,
            reviewed_at: None,
            rescan: None,
        }
    }

    /// The plugin's display name: from metadata.txt, else the uploaded file's name.
    pub fn display_name(&self) -> &str {
        self.plugin_name
            .as_deref()
            .unwrap_or_else(|| self.upload.file_name())
    }

    /// `validated (auto-approved)`, `blocked`, ...
    pub fn status_label(&self) -> String {
        if self.auto_approved {
            format!("{} (auto-approved)", self.status)
        } else {
            self.status.to_string()
        }
    }

    pub fn display_version(&self) -> &str {
        self.plugin_version
            .as_deref()
            .unwrap_or("(unknown version)")
    }

    /// Expected checks that have not reported yet.
    pub fn pending_checks(&self) -> Vec<&CheckId> {
        self.expected_checks
            .iter()
            .filter(|c| !self.completed_checks.contains(c))
            .collect()
    }

    pub fn all_checks_reported(&self) -> bool {
        self.pending_checks().is_empty()
    }
}

/// Whether a check finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum CheckOutcome {
    Ok,
    /// The check could not finish (crash, timeout, unreadable input): the scan ends in `error`.
    Error {
        reason: String,
    },
}

/// One check's result for one scan. The scan store keeps it without findings (counts only);
/// the full findings live in the blob store under `findings_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub scan_id: ScanId,
    pub check: CheckId,
    pub outcome: CheckOutcome,
    pub counts: Counts,
    #[serde(default)]
    pub findings: Vec<Finding>,
    pub findings_key: Option<String>,
    /// What the check knows beyond its findings (the licence section), stored with the full
    /// findings, never in the summary.
    #[serde(default, skip_serializing_if = "CheckDetails::is_empty")]
    pub details: CheckDetails,
    pub attempt: u32,
    pub duration_ms: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub completed_at: Timestamp,
}

impl CheckResult {
    /// The result of one run of a check: its findings, or the reason it could not finish.
    pub fn new(
        scan_id: ScanId,
        check: CheckId,
        run: Result<Vec<Finding>, String>,
        attempt: u32,
        duration_ms: u64,
    ) -> Self {
        let (outcome, findings) = match run {
            Ok(findings) => (CheckOutcome::Ok, findings),
            Err(reason) => (CheckOutcome::Error { reason }, Vec::new()),
        };
        Self {
            scan_id,
            check,
            outcome,
            counts: Counts::of(&findings),
            findings,
            findings_key: None,
            details: CheckDetails::default(),
            attempt,
            duration_ms,
            completed_at: crate::now(),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self.outcome, CheckOutcome::Error { .. })
    }

    /// The result with what the check knows beyond its findings.
    pub fn with_details(mut self, details: CheckDetails) -> Self {
        self.details = details;
        self
    }

    /// The same result without its findings and details (what the scan store keeps).
    pub fn summary(&self) -> Self {
        Self {
            findings: Vec::new(),
            details: CheckDetails::default(),
            ..self.clone()
        }
    }
}
