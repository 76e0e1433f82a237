//! Per-plugin history: every finished scan of a plugin, in upload order, so that a new version
//! is compared with the last validated one.

use serde::{Deserialize, Serialize};

use crate::{Scan, ScanId, ScanStatus, Timestamp};

/// How a verdict's reason starts when the version is validated but held for a human review.
pub const HELD_FOR_REVIEW: &str = "held for review";

/// One finished scan in its plugin's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The plugin's key ([`plugin_key`]).
    pub plugin: String,
    pub scan_id: ScanId,
    /// `metadata.txt` name and version of this scan.
    pub name: Option<String>,
    pub version: Option<String>,
    pub status: ScanStatus,
    pub auto_approved: bool,
    /// Validated but held for a human review (a sleeper-update signal, or a rule whose action
    /// is review): not a version later ones may be compared with as "validated", or the next
    /// upload with the same code would pass unseen.
    #[serde(default)]
    pub held_for_review: bool,
    /// The stored report (what a later version's diff reads).
    pub report_key: String,
    /// The website's plugin id, when the upload metadata gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website_plugin_id: Option<String>,
    /// When the scan was created (upload order); for a rescan, when its version was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// A rescan's entry: the judgment of the same version it replaces, which later versions are
    /// no longer compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ScanId>,
}

/// The key under which a plugin's scans are kept: the website's plugin id when the upload
/// metadata gives one, else the package folder (the website's identifier of a plugin, which an
/// uploader cannot change without creating another plugin), else the `metadata.txt` name; the
/// folder and name lowercased and trimmed. The `metadata.txt` name alone would let a new version
/// rename itself and pass as a first version. `None` when the scan knows none of them (an
/// archive refused at intake).
pub fn plugin_key(scan: &Scan) -> Option<String> {
    if let Some(id) = scan.upload.website_plugin_id.as_deref() {
        return Some(format!("id:{}", id.trim()));
    }
    let normalise = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    if let Some(folder) = scan
        .package_name
        .as_deref()
        .filter(|f| !f.trim().is_empty())
    {
        return Some(format!("package:{}", normalise(folder)));
    }
    scan.plugin_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(|name| format!("name:{}", normalise(name)))
}

impl HistoryEntry {
    /// The entry of a final scan (`None` while it is validating, or without a plugin key).
    pub fn of(scan: &Scan) -> Option<Self> {
        if !scan.status.is_final() {
            return None;
        }
        Some(Self {
            plugin: plugin_key(scan)?,
            scan_id: scan.id.clone(),
            name: scan.plugin_name.clone(),
            version: scan.plugin_version.clone(),
            status: scan.status,
            auto_approved: scan.auto_approved,
            held_for_review: scan.reasons.iter().any(|r| r.starts_with(HELD_FOR_REVIEW)),
            report_key: scan.report_key.clone()?,
            website_plugin_id: scan.upload.website_plugin_id.clone(),
            created_at: scan
                .rescan
                .as_ref()
                .map_or(scan.created_at, |r| r.uploaded_at),
            // A rescan that ended in error replaces nothing: the version keeps its judgment.
            supersedes: scan
                .rescan
                .as_ref()
                .filter(|_| scan.status != ScanStatus::Error)
                .map(|r| r.of.clone()),
        })
    }

    /// What a new scan is compared with: the last validated scan uploaded before it that was not
    /// held for review, else the
    /// last blocked one uploaded before it (a scan that ended in `error` was never fully
    /// checked: nothing to compare with). `history` in any order.
    pub fn base_for<'a>(history: &'a [HistoryEntry], scan: &Scan) -> Option<&'a HistoryEntry> {
        // A judgment a rescan replaced is not a version of its own any more.
        let superseded: std::collections::HashSet<&ScanId> = history
            .iter()
            .filter_map(|e| e.supersedes.as_ref())
            .collect();
        let superseded = &superseded;
        let created_at = scan
            .rescan
            .as_ref()
            .map_or(scan.created_at, |r| r.uploaded_at);
        let earlier = move || {
            history.iter().filter(move |e| {
                e.scan_id != scan.id
                    && e.created_at <= created_at
                    && !superseded.contains(&e.scan_id)
            })
        };
        let latest = |a: &&HistoryEntry, b: &&HistoryEntry| {
            (a.created_at, &a.scan_id).cmp(&(b.created_at, &b.scan_id))
        };
        earlier()
            .filter(|e| e.status == ScanStatus::Validated && !e.held_for_review)
            .max_by(latest)
            .or_else(|| {
                earlier()
                    .filter(|e| e.status == ScanStatus::Blocked)
                    .max_by(latest)
            })
    }
}
