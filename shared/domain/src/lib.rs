//! The validator's domain: what an upload, a scan, a check result, a finding and a verdict are,
//! and the [`Check`] interface every check implements. No I/O, no AWS.

mod check;
mod dependencies;
mod diff;
mod finding;
mod fingerprint;
mod history;
mod licence;
mod limits;
mod notification;
mod package;
mod provenance;
mod qgis4;
mod report;
mod rescan;
mod review;
mod scan;
mod signatures;
mod upload;
mod verdict;

pub use check::{
    run_on_zip, run_on_zip_as, Check, CheckContext, CheckError, CheckOutput, RuleInfo, RuleRole,
    ScanCache,
};
pub use dependencies::{
    verification_of, AdvisoryCheck, CvssScore, DependenciesReport, Dependency, DependencyOrigin,
    Vulnerability,
};
pub use diff::{
    DiffBase, DiffSummary, FileChange, FileEntry, FileRename, FilesDiff, FindingsDiff,
    MetadataChange, VersionDiff, BEHAVIOUR_CHECK, BINARY_SNIFF_BYTES, SENSITIVE_METADATA_KEYS,
    SLEEPER_METADATA_KEYS,
};
pub use finding::{
    masked_preview, CheckId, Confidence, Counts, Finding, Level, Severity, Suppression,
    WithoutEvidence,
};
pub use fingerprint::{
    assign_fingerprints, fingerprint, normalise_code, nth_line, split_lines, FINGERPRINT_SCHEME,
    MAX_FINGERPRINT_LINE_BYTES,
};
pub use history::{plugin_key, HistoryEntry, HELD_FOR_REVIEW};
pub use licence::{
    claimed_by, CheckDetails, Compatibility, Confidence1000, FileLicence, LibraryLicence,
    LicenceEvidence, LicenceFile, LicenceReport, PluginLicence,
};
pub use limits::{as_u32, as_usize, LimitError, NamedLimit, NamedLimits};
pub use notification::{Claim, NotificationKind, NotificationState, Notifications};
pub use package::{MetadataError, PackageInfo, PluginMetadata, PLUGIN_CONFIG_FILES};
pub use provenance::{Provenance, ToolVersion};
pub use qgis4::{Qgis4Readiness, Qgis4State};
pub use report::{metadata_map, CheckReportEntry, Report};
pub use rescan::{FindingLine, RescanOf, Standing, VerdictChange};
pub use review::{apply_decisions, AppliedDecision, DeciderRole, DecisionKind, ReviewDecision};
pub use scan::{
    CheckOutcome, CheckResult, ContentDigest, Scan, ScanId, ScanStatus, SkipDecision, SkipOutcome,
};
pub use signatures::{SignatureSource, SignaturesReport};
pub use upload::{Upload, UploadError, METADATA_KEYS};
pub use verdict::Verdict;

/// Timestamps are UTC, serialized as RFC 3339.
pub type Timestamp = time::OffsetDateTime;

/// The current time (one place, so stores and stages agree on the clock).
pub fn now() -> Timestamp {
    time::OffsetDateTime::now_utc()
}
