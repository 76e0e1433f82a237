//! The five small ports. Each has an embedded implementation (local folder, in-process queue,
//! SQLite, `.eml` outbox, JSON lines) and an AWS one (S3, SQS, DynamoDB, SES, EventBridge).

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use validator_domain::{
    CheckId, CheckResult, ContentDigest, Counts, DiffSummary, HistoryEntry, Notifications,
    Qgis4Readiness, Report, ReviewDecision, Scan, ScanId, ScanStatus, Timestamp, Verdict,
};
pub use validator_domain::{Claim, NotificationKind};
use validator_notify::Email;

/// A backend failure. Adapters keep the backend's message; stages retry or fail visibly.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Backend(String),
}

/// An object with its metadata.
#[derive(Debug, Clone, Default)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub metadata: BTreeMap<String, String>,
    /// The store's version of the object, when it has one (S3 version id).
    pub version: Option<String>,
    pub last_modified: Option<Timestamp>,
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// The latest version of an object.
    async fn get(&self, key: &str) -> Result<Blob, PortError>;
    /// One version of an object (an S3 version id), `NotFound` when that version is gone.
    async fn get_version(&self, key: &str, version: &str) -> Result<Blob, PortError>;
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError>;
    /// The keys of the latest objects under `prefix` (`signatures/`), sorted. More than `max`
    /// of them is an error (the caller's named limit), never a silently cut list.
    async fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, PortError>;
    /// Where a key can be found by people (a path or an `s3://` URL).
    fn location(&self, key: &str) -> String;
}

/// The message that asks one check to run on one scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRequest {
    pub scan_id: ScanId,
    pub check: CheckId,
    pub object_key: String,
    /// The version of the object the scan was created for: checks read it, never the latest.
    /// (`None` when the store keeps no versions.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_version: Option<String>,
    /// The digest of the bytes the scan was created for: checks refuse any other bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_digest: Option<ContentDigest>,
}

#[async_trait]
pub trait CheckQueue: Send + Sync {
    /// Sends the request to its check's queue.
    async fn send(&self, request: &CheckRequest) -> Result<(), PortError>;
}

#[async_trait]
pub trait ScanStore: Send + Sync {
    /// Stores a new scan. If one with the same id exists it is returned unchanged instead.
    async fn create_scan(&self, scan: &Scan) -> Result<Option<Scan>, PortError>;
    async fn get_scan(&self, id: &ScanId) -> Result<Option<Scan>, PortError>;
    /// Stores a check's result (without findings) and marks the check completed on the scan,
    /// atomically. `false` when that check's result was already stored (duplicate delivery).
    async fn record_result(&self, result: &CheckResult) -> Result<bool, PortError>;
    async fn results(&self, id: &ScanId) -> Result<Vec<CheckResult>, PortError>;
    /// Sets the final status, only if the scan is still `validating`. `true` for the one caller
    /// that did.
    async fn finish(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        report_key: &str,
        at: Timestamp,
    ) -> Result<bool, PortError>;
    /// Takes one step of a side effect's claim, atomically ([`NotificationState::claim`]):
    /// granted (send now), sent, held by another caller, or missing. These records never
    /// wake the aggregator (they are not the scan item the stream filter passes).
    ///
    /// [`NotificationState::claim`]: validator_domain::NotificationState::claim
    async fn claim_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        now: Timestamp,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Claim, PortError>;
    /// Gives a claim back after a failed send (the attempt stays counted), with the error.
    async fn release_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        error: &str,
        at: Timestamp,
    ) -> Result<(), PortError>;
    async fn complete_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<(), PortError>;
    /// The operator's resend: a missing side effect becomes claimable again. `false` when it
    /// was not missing.
    async fn reset_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<bool, PortError>;
    /// Every side effect's state of the scan (default states for those never claimed).
    async fn notifications(&self, id: &ScanId) -> Result<Notifications, PortError>;
    /// Side effects neither sent nor missing whose state last changed before `changed_before`
    /// (a claim whose holder stopped, a failed send nobody retried), oldest first, at most `max`,
    /// read `page_size` at a time.
    async fn unsent_notifications(
        &self,
        changed_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError>;
    /// Side effects recorded as missing, at most `max`.
    async fn missing_notifications(
        &self,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError>;
    /// Adds a final scan to its plugin's history (`entry.plugin`). Idempotent: one entry per
    /// scan, however often it is recorded.
    async fn record_history(&self, entry: &HistoryEntry) -> Result<(), PortError>;
    /// The plugin's history, newest first (by creation time), at most `max` entries.
    async fn history(&self, plugin: &str, max: usize) -> Result<Vec<HistoryEntry>, PortError>;
    /// Appends a review decision to the plugin's audit trail (never rewritten; a withdrawal is
    /// another record). The same record twice is stored once.
    async fn record_decision(&self, decision: &ReviewDecision) -> Result<(), PortError>;
    /// Turns a `blocked` scan into `validated` (not auto-approved) after reviewers decided every
    /// blocking finding, only if it is still `blocked`; `true` for the one caller that did.
    async fn revalidate(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        at: Timestamp,
    ) -> Result<bool, PortError>;
    /// Every decision record of the plugin, oldest first.
    async fn decisions(&self, plugin: &str) -> Result<Vec<ReviewDecision>, PortError>;
    /// The scans still `validating` that were created before `created_before`, oldest first,
    /// at most `max`. A store that reads them in pages reads `page_size` at a time.
    async fn stuck_scans(
        &self,
        created_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<ScanId>, PortError>;
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one email; returns where it went (a message id, a file path).
    async fn send(&self, email: &Email) -> Result<String, PortError>;
}

/// What the website consumes when a scan is final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub scan_id: ScanId,
    pub plugin: Option<String>,
    pub version: Option<String>,
    pub website_version_id: Option<String>,
    pub object_key: String,
    pub status: ScanStatus,
    pub auto_approved: bool,
    pub counts: Counts,
    pub report: String,
    /// What changed since the last validated version (else the previous scan); `None` for the
    /// first version of a plugin (`first_version`) or when no diff could be made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<DiffSummary>,
    #[serde(default)]
    pub first_version: bool,
    /// This event follows reviewers' decisions that validated a blocked version (a second
    /// status event for the scan).
    #[serde(default)]
    pub reviewed: bool,
    /// A rescan's event: the judgment of the same version this one replaces (the website
    /// shows or hides the version by this event's status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescan_of: Option<ScanId>,
    /// Whether the plugin loads in QGIS 4 (the qgis4 check's verdict: `state`, `places`,
    /// `declared`), for the website's badge; absent when that check did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qgis4: Option<Qgis4Readiness>,
    /// The same as the reports' line: "QGIS 4 ready: yes / no (N places) / declared but not
    /// ready (N places)".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qgis4_ready: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
}

impl StatusEvent {
    /// The event of a final scan and its report (`report_location` as people find it). A scan
    /// revalidated by a review (`reviewed`) is never auto-approved.
    pub fn of(scan: &Scan, report: &Report, report_location: String, reviewed: bool) -> Self {
        Self {
            scan_id: scan.id.clone(),
            plugin: scan.plugin_name.clone(),
            version: scan.plugin_version.clone(),
            website_version_id: scan.upload.website_version_id.clone(),
            object_key: scan.upload.object_key.clone(),
            status: scan.status,
            auto_approved: scan.auto_approved && !reviewed,
            counts: scan.counts.unwrap_or_default(),
            report: report_location,
            diff: report
                .diff
                .as_ref()
                .map(validator_domain::VersionDiff::summary),
            first_version: report.first_version,
            reviewed,
            rescan_of: scan.rescan.as_ref().map(|r| r.of.clone()),
            qgis4: report.qgis4,
            qgis4_ready: report.qgis4.as_ref().map(|q| q.line()),
            at: validator_domain::now(),
        }
    }
}

#[async_trait]
pub trait EventPublisher: Send + Sync {
    async fn publish(&self, event: &StatusEvent) -> Result<(), PortError>;
}
