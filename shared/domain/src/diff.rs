//! What changed between two versions of a plugin: files, findings (by fingerprint) and
//! `metadata.txt`. A pure function of two reports, so the aggregator, the CLI's `diff` and the
//! tests compute the very same diff.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use validator_archive::{Entry, PluginArchive};

use crate::{Finding, Report, ScanId, ScanStatus, HELD_FOR_REVIEW};

/// `metadata.txt` keys whose change is an account-takeover signal: highlighted in the diff, and
/// the ones in [`SLEEPER_METADATA_KEYS`] hold a version for review.
pub const SENSITIVE_METADATA_KEYS: &[&str] = &["author", "email", "repository", "homepage"];

/// A change of these (compared with the last validated version) holds the version for review:
/// the address approvers and users trust and the code's home.
pub const SLEEPER_METADATA_KEYS: &[&str] = &["email", "repository"];

/// The check whose findings are behaviour (capability and threat) evidence (#15): any of its
/// findings new since the last validated version holds the version for review.
pub const BEHAVIOUR_CHECK: &str = "behaviour";

/// How many leading bytes decide whether a file is binary (git's heuristic: a NUL byte).
pub const BINARY_SNIFF_BYTES: usize = 8000;

/// One file of a plugin version, kept in its report so that a later version can diff against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    /// SHA-256 of the content, hex (empty when the entry could not be read).
    pub sha256: String,
    /// Not text: a NUL byte near the start, or an executable's magic number.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub binary: bool,
}

impl FileEntry {
    /// Every regular file of the archive, in archive order, each inflated once (within the
    /// archive's limits) to hash it.
    pub fn manifest(archive: &PluginArchive) -> Vec<FileEntry> {
        archive.files().map(|e| Self::of(archive, e)).collect()
    }

    fn of(archive: &PluginArchive, entry: &Entry) -> Self {
        match archive.read(entry) {
            Ok(bytes) => Self {
                path: entry.path().to_owned(),
                size: bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(&bytes)),
                binary: is_binary(&bytes),
            },
            // A damaged entry: the other checks report it; here it only needs to differ from
            // any readable content.
            Err(_) => Self {
                path: entry.path().to_owned(),
                size: entry.size,
                sha256: String::new(),
                binary: true,
            },
        }
    }
}

fn is_binary(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        b"\xcf\xfa\xed\xfe",
        b"\xce\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ];
    let head = &bytes[..bytes.len().min(BINARY_SNIFF_BYTES)];
    head.contains(&0) || MAGIC.iter().any(|m| bytes.starts_with(m))
}

/// What a diff compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffBase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<ScanId>,
    pub version: Option<String>,
    pub status: ScanStatus,
    /// The base is the last validated version (else: the previous scan, whatever its status).
    pub validated: bool,
}

/// A file added, removed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileChange {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_size: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub binary: bool,
}

/// A file that moved (same content, or the same place in a renamed package folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRename {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilesDiff {
    pub added: Vec<FileChange>,
    pub removed: Vec<FileChange>,
    /// Changed content (under the new path when it was also renamed).
    pub changed: Vec<FileChange>,
    /// Files moved other than by a renamed package folder.
    pub renamed: Vec<FileRename>,
    /// The package (top) folder was renamed (every file under it counts as the same file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_renamed: Option<FileRename>,
    pub unchanged: u32,
    /// False when the base report has no file list (written before files were kept).
    pub comparable: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsDiff {
    /// Findings of this version with no counterpart in the base.
    pub new: Vec<Finding>,
    /// Findings of the base with no counterpart in this version.
    pub fixed: Vec<Finding>,
    pub unchanged: u32,
    /// False when either report lacks fingerprints (written before they existed): the lists
    /// are then empty rather than wrong.
    pub comparable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataChange {
    pub key: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// One of [`SENSITIVE_METADATA_KEYS`]: an account-takeover signal.
    pub sensitive: bool,
}

/// What changed since the base version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDiff {
    pub base: DiffBase,
    pub files: FilesDiff,
    pub findings: FindingsDiff,
    pub metadata: Vec<MetadataChange>,
}

/// The diff's numbers, for the status event (which must stay small).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    pub base_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_scan_id: Option<ScanId>,
    pub base_validated: bool,
    pub new_findings: u32,
    pub fixed_findings: u32,
    pub files_added: u32,
    pub files_removed: u32,
    pub files_changed: u32,
    /// Keys of `metadata.txt` that changed.
    pub metadata_changed: Vec<String>,
    /// Why the change holds the version for review (empty: it does not).
    pub sleeper_reasons: Vec<String>,
}

impl VersionDiff {
    /// The diff from `old` (the base) to `new`.
    pub fn between(old: &Report, old_scan: Option<ScanId>, new: &Report) -> Self {
        let base = DiffBase {
            scan_id: old_scan.or_else(|| old.scan_id.clone()),
            version: old.version.clone(),
            status: old.status,
            validated: old.status == ScanStatus::Validated,
        };
        let (files, renames) = diff_files(&old.files, &new.files);
        let findings = diff_findings(&old.findings, &new.findings, &renames);
        let metadata = diff_metadata(&old.metadata, &new.metadata);
        Self {
            base,
            files,
            findings,
            metadata,
        }
    }

    /// New findings of the behaviour check (capabilities and threats), not suppressed.
    pub fn new_behaviour(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .new
            .iter()
            // Scope findings (BHV9xx) describe which files the plugin loads, not a behaviour.
            .filter(|f| {
                f.check.as_str() == BEHAVIOUR_CHECK && f.role.is_finding() && f.suppressed.is_none()
            })
    }

    /// Why this version must be held for review as a possible sleeper update: compared with the
    /// last validated version it gains behaviour findings, or its maintainer email or repository
    /// changed. Empty when the base is not a validated version (nothing vouched for to compare).
    pub fn sleeper_reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        if !self.base.validated {
            return reasons;
        }
        let since = self
            .base
            .version
            .as_deref()
            .unwrap_or("the last validated version");
        let behaviour: Vec<&Finding> = self.new_behaviour().collect();
        if !behaviour.is_empty() {
            let mut rules: Vec<&str> = behaviour.iter().map(|f| f.rule.as_str()).collect();
            rules.sort_unstable();
            rules.dedup();
            reasons.push(format!(
                "{HELD_FOR_REVIEW}: {} behaviour finding{} new since {since} ({})",
                behaviour.len(),
                plural(behaviour.len()),
                rules.join(", ")
            ));
        }
        for change in &self.metadata {
            if SLEEPER_METADATA_KEYS.contains(&change.key.as_str()) {
                reasons.push(format!(
                    "{}: metadata.txt `{}` changed since {since} ({} -> {})",
                    HELD_FOR_REVIEW,
                    change.key,
                    change.old.as_deref().unwrap_or("(none)"),
                    change.new.as_deref().unwrap_or("(none)")
                ));
            }
        }
        reasons
    }

    pub fn summary(&self) -> DiffSummary {
        DiffSummary {
            base_version: self.base.version.clone(),
            base_scan_id: self.base.scan_id.clone(),
            base_validated: self.base.validated,
            new_findings: count(self.findings.new.len()),
            fixed_findings: count(self.findings.fixed.len()),
            files_added: count(self.files.added.len()),
            files_removed: count(self.files.removed.len()),
            files_changed: count(self.files.changed.len()),
            metadata_changed: self.metadata.iter().map(|m| m.key.clone()).collect(),
            sleeper_reasons: self.sleeper_reasons(),
        }
    }

    /// One line for emails: "new since 1.4.2: 2 findings; fixed: 5".
    pub fn headline(&self) -> String {
        let since = self
            .base
            .version
            .as_deref()
            .unwrap_or("the previous version");
        if !self.findings.comparable {
            return format!(
                "compared with {since}: findings not comparable (the earlier report has no fingerprints)"
            );
        }
        format!(
            "new since {since}: {} finding{}; fixed: {}",
            self.findings.new.len(),
            plural(self.findings.new.len()),
            self.findings.fixed.len()
        )
    }

    /// The diff as text (`plugin-validator diff`, reports).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let since = self.base.version.as_deref().unwrap_or("(unknown version)");
        let _ = writeln!(
            out,
            "Compared with {since} ({}{})",
            self.base.status,
            if self.base.validated {
                ", the last validated version"
            } else {
                ""
            }
        );
        let _ = writeln!(out, "{}", self.headline());
        for reason in self.sleeper_reasons() {
            let _ = writeln!(out, "! {reason}");
        }
        if !self.metadata.is_empty() {
            let _ = writeln!(out, "\nmetadata.txt:");
            for m in &self.metadata {
                let _ = writeln!(
                    out,
                    "  {}{}: {} -> {}",
                    if m.sensitive { "! " } else { "" },
                    m.key,
                    m.old.as_deref().unwrap_or("(none)"),
                    m.new.as_deref().unwrap_or("(none)")
                );
            }
        }
        let files = &self.files;
        if !files.comparable {
            let _ = writeln!(
                out,
                "\nfiles: not comparable (the earlier report has no file list)"
            );
        } else {
            let _ = writeln!(
                out,
                "\nfiles: {} added, {} removed, {} changed, {} renamed, {} unchanged",
                files.added.len(),
                files.removed.len(),
                files.changed.len(),
                files.renamed.len(),
                files.unchanged
            );
            let size = |s: Option<u64>| s.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
            for (mark, list) in [
                ("+", &files.added),
                ("-", &files.removed),
                ("~", &files.changed),
            ] {
                for f in list {
                    let _ = writeln!(
                        out,
                        "  {mark} {} ({} -> {} bytes){}",
                        f.path,
                        size(f.old_size),
                        size(f.new_size),
                        if f.binary { " [binary]" } else { "" }
                    );
                }
            }
            if let Some(r) = &files.package_renamed {
                let _ = writeln!(out, "  > package folder {}/ -> {}/", r.from, r.to);
            }
            for r in &files.renamed {
                let _ = writeln!(out, "  > {} -> {}", r.from, r.to);
            }
        }
        for (title, list) in [
            ("new findings", &self.findings.new),
            ("fixed findings", &self.findings.fixed),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{title}:");
            for f in list {
                let _ = writeln!(
                    out,
                    "  {} {} [{}] {}",
                    f.location(),
                    f.rule,
                    if f.blocking {
                        "BLOCKING"
                    } else {
                        f.level.as_str()
                    },
                    f.message
                );
            }
        }
        let _ = writeln!(out, "\nunchanged findings: {}", self.findings.unchanged);
        out
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The first component of a path (the package folder).
fn top(path: &str) -> &str {
    path.split_once('/').map_or("", |(top, _)| top)
}

/// The path without its first component (the package folder).
fn inside_package(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, rest)| rest)
}

/// The files diff and the renames (old path -> new path) the findings diff follows.
fn diff_files(old: &[FileEntry], new: &[FileEntry]) -> (FilesDiff, HashMap<String, String>) {
    let mut diff = FilesDiff {
        comparable: !old.is_empty() || new.is_empty(),
        ..FilesDiff::default()
    };
    let old_by_path: HashMap<&str, &FileEntry> = old.iter().map(|f| (f.path.as_str(), f)).collect();
    let new_paths: HashSet<&str> = new.iter().map(|f| f.path.as_str()).collect();
    let mut pairs: HashMap<&str, &FileEntry> = HashMap::new(); // new path -> old entry
    let mut used_old: HashSet<&str> = HashSet::new();
    for f in new {
        if let Some(o) = old_by_path.get(f.path.as_str()) {
            pairs.insert(&f.path, o);
            used_old.insert(&o.path);
        }
    }
    // A renamed package folder: the same place inside it.
    let old_inside: HashMap<&str, &FileEntry> = old
        .iter()
        .filter(|o| !new_paths.contains(o.path.as_str()))
        .map(|o| (inside_package(&o.path), o))
        .collect();
    for f in new {
        if !pairs.contains_key(f.path.as_str()) && f.path.contains('/') {
            if let Some(o) = old_inside.get(inside_package(&f.path)) {
                if !used_old.contains(o.path.as_str()) {
                    pairs.insert(&f.path, o);
                    used_old.insert(&o.path);
                }
            }
        }
    }
    // A moved file: identical content, when exactly one unpaired old file has it.
    let mut old_by_digest: HashMap<&str, Vec<&FileEntry>> = HashMap::new();
    for o in old.iter().filter(|o| !used_old.contains(o.path.as_str())) {
        if !o.sha256.is_empty() {
            old_by_digest.entry(&o.sha256).or_default().push(o);
        }
    }
    for f in new {
        if pairs.contains_key(f.path.as_str()) {
            continue;
        }
        if let Some([o]) = old_by_digest.get(f.sha256.as_str()).map(Vec::as_slice) {
            if !used_old.contains(o.path.as_str()) {
                pairs.insert(&f.path, o);
                used_old.insert(&o.path);
            }
        }
    }
    let mut renames = HashMap::new();
    for f in new {
        match pairs.get(f.path.as_str()) {
            None => diff.added.push(FileChange {
                path: f.path.clone(),
                old_size: None,
                new_size: Some(f.size),
                binary: f.binary,
            }),
            Some(o) => {
                if o.path != f.path {
                    let (old_top, new_top) = (top(&o.path), top(&f.path));
                    if old_top != new_top && inside_package(&o.path) == inside_package(&f.path) {
                        diff.package_renamed.get_or_insert_with(|| FileRename {
                            from: old_top.to_owned(),
                            to: new_top.to_owned(),
                        });
                    } else {
                        diff.renamed.push(FileRename {
                            from: o.path.clone(),
                            to: f.path.clone(),
                        });
                    }
                    renames.insert(o.path.clone(), f.path.clone());
                }
                if o.sha256 == f.sha256 && !f.sha256.is_empty() {
                    diff.unchanged += 1;
                } else {
                    diff.changed.push(FileChange {
                        path: f.path.clone(),
                        old_size: Some(o.size),
                        new_size: Some(f.size),
                        binary: f.binary || o.binary,
                    });
                }
            }
        }
    }
    for o in old.iter().filter(|o| !used_old.contains(o.path.as_str())) {
        diff.removed.push(FileChange {
            path: o.path.clone(),
            old_size: Some(o.size),
            new_size: None,
            binary: o.binary,
        });
    }
    (diff, renames)
}

fn diff_findings(
    old: &[Finding],
    new: &[Finding],
    renames: &HashMap<String, String>,
) -> FindingsDiff {
    let comparable = old.iter().chain(new).all(|f| f.fingerprint.is_some());
    if !comparable {
        return FindingsDiff::default();
    }
    let key =
        |path: &str, f: &Finding| (path.to_owned(), f.fingerprint.clone().unwrap_or_default());
    let old_keys: HashSet<(String, String)> = old
        .iter()
        .map(|f| key(renames.get(&f.path).map_or(&f.path, |p| p), f))
        .collect();
    let new_keys: HashSet<(String, String)> = new.iter().map(|f| key(&f.path, f)).collect();
    let mut diff = FindingsDiff {
        comparable,
        ..FindingsDiff::default()
    };
    for f in new {
        if old_keys.contains(&key(&f.path, f)) {
            diff.unchanged += 1;
        } else {
            diff.new.push(f.clone());
        }
    }
    for f in old {
        let path = renames.get(&f.path).map_or(&f.path, |p| p);
        if !new_keys.contains(&key(path, f)) {
            diff.fixed.push(f.clone());
        }
    }
    diff
}

fn diff_metadata(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Vec<MetadataChange> {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| MetadataChange {
            key: k.clone(),
            old: old.get(k).cloned(),
            new: new.get(k).cloned(),
            sensitive: SENSITIVE_METADATA_KEYS.contains(&k.as_str()),
        })
        .collect()
}
