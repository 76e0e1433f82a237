//! The validator's domain: what an upload, a scan, a check result, a finding and a verdict are,
//! and the [`Check`] interface every check implements. No I/O, no AWS.

mod check;
mod finding;
mod package;
mod provenance;
mod report;
mod scan;
mod upload;
mod verdict;

pub use check::{Check, CheckContext, CheckError, RuleInfo, ScanCache};
pub use finding::{
    masked_preview, CheckId, Confidence, Counts, Finding, Level, Severity, Suppression,
};
pub use package::{MetadataError, PackageInfo, PluginMetadata, PLUGIN_CONFIG_FILES};
pub use provenance::{Provenance, ToolVersion};
pub use report::{CheckReportEntry, Report};
pub use scan::{
    CheckOutcome, CheckResult, ContentDigest, NotificationState, Notifications, Scan, ScanId,
    ScanStatus, SkipDecision, SkipOutcome,
};
pub use upload::{Upload, UploadError, METADATA_KEYS};
pub use verdict::Verdict;

/// Timestamps are UTC, serialized as RFC 3339.
pub type Timestamp = time::OffsetDateTime;

/// The current time (one place, so stores and stages agree on the clock).
pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc()
}
