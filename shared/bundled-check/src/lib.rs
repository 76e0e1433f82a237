//! The `bundled_libraries` check: third-party libraries a plugin vendors (`ext_libs/boto-2.38.0`,
//! `libs/requests`, an installed `six-1.16.0.dist-info`), identified by name and version and
//! verified file by file against the release published on the package index.
//!
//! What matters about a bundled library is whether it is the published release, unmodified:
//! the maintainers did not write that code and cannot fix it. So the findings of the other checks
//! inside a verified, unmodified library do not block ([`relax_verified`], applied when the
//! verdict is computed); a file that differs from the release is where a payload would hide, so
//! it keeps its findings and adds one of its own; a library that cannot be verified (unknown,
//! offline, a platform build) keeps today's behaviour: fail-closed.

pub mod detect;
pub mod patch;
pub mod release;

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use validator_archive::PluginArchive;
use validator_domain::{Check, CheckContext, CheckError, Finding, Level, RuleInfo, Severity};

pub use detect::{detect, BundledLibrary, Layout};
pub use release::{
    ArtifactKind, CachedReleases, FolderCache, Offline, PackageIndex, Release, ReleaseCache,
    ReleaseError, ReleaseFiles, ReleaseLimits, ReleaseSource,
};

pub const CHECK_ID: &str = "bundled_libraries";

pub const BND001: RuleInfo = RuleInfo {
    id: "BND001",
    title: "Bundled library verified against its release",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Nothing to do: the files are the published release, unmodified. Findings of \
                  other checks inside it are listed under bundled libraries and do not block. \
                  Keep bundled libraries exactly as released (no local edits), and update them \
                  by replacing the whole folder with a newer release.",
};

pub const BND002: RuleInfo = RuleInfo {
    id: "BND002",
    title: "Bundled library differs from its release",
    severity: Severity::High,
    level: Level::Warning,
    mandatory: true,
    remediation: "A file of a bundled library is not the one published for that name and version \
                  (edited, added, or a compiled file that can replace the source). Restore the \
                  library from the published release, or, if you had to patch it, move your \
                  change into your own code; a modified copy is where a payload would hide, so \
                  an approver must look at it.",
};

pub const BND003: RuleInfo = RuleInfo {
    id: "BND003",
    title: "Bundled library could not be verified",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "The library could not be compared with a published release (not on the \
                  package index under that name and version, only platform builds, or the \
                  index was unreachable), so its code is checked like your own. Bundle an \
                  unmodified pure-Python release, with its `.dist-info` folder (`pip install \
                  --target ext_libs NAME==VERSION`) so that it can be identified.",
};

pub const BND004: RuleInfo = RuleInfo {
    id: "BND004",
    title: "Bundled library patched: its unchanged files are the release",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "The library is its published release except for the files listed as BND002 \
                  (plugins patch a few files of a library, for Qt6 for example). The files \
                  identical to the release count as the release: findings in them are listed \
                  under bundled libraries and do not block. The changed files are checked like \
                  your own code. Keep patches small, or move them into your own code.",
};

pub const BND005: RuleInfo = RuleInfo {
    id: "BND005",
    title: "File without code added to a verified bundled library",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "The file is not part of the library's published release, but it carries no \
                  code (an empty file such as a package's `__init__.py`, or the licence, readme \
                  or changelog text that vendoring tools copy beside it), so the library counts \
                  as its release. The file itself is checked like your own files. Nothing to \
                  do; to silence it, vendor the library exactly as released.",
};

const RULES: &[RuleInfo] = &[BND001, BND002, BND003, BND004, BND005];

/// Named, configurable limits of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledLimits {
    /// Largest metadata file read to identify a library.
    pub max_metadata_bytes: u64,
    /// Libraries verified per plugin (the rest are reported unverifiable).
    pub max_libraries: usize,
    /// Files that differ listed per library. A patched copy with more differing files is not
    /// judged by its patch (BND004): every finding in it stays as in the plugin's own code.
    pub max_listed_differences: usize,
    /// The share of a library's files (percent) that must be identical to the release for a
    /// patched copy to count as that release in its unchanged files (BND004), and for a
    /// top-level package found by its `__version__` to count as a library at all.
    pub min_identical_percent: usize,
    /// Line pairs compared per patched file (its lines times the release's, after the common
    /// start and end): past it, the whole differing middle counts as changed.
    pub max_diff_cells: usize,
    /// Changed lines shown per patched file in its finding's diff against the release.
    pub max_diff_lines: usize,
    /// Largest documentation text (a licence, readme or changelog) added to a library that
    /// still counts as carrying no code (BND005); a larger one is a difference (BND002).
    pub max_added_text_bytes: usize,
}

/// The names (before any `.txt`, `.md`, `.rst`) of the documentation that vendoring tools and
/// packagers copy beside a library: texts no Python import reads.
const DOCUMENT_STEMS: [&str; 11] = [
    "LICENSE",
    "LICENCE",
    "COPYING",
    "NOTICE",
    "AUTHORS",
    "CREDITS",
    "CITATION",
    "README",
    "CHANGES",
    "CHANGELOG",
    "HISTORY",
];

/// Whether a file the release lacks carries no code: empty (or whitespace only), or a
/// licence, readme or changelog text by its name, plain UTF-8 without NUL bytes, and small.
fn carries_no_code(path: &str, bytes: &[u8], max_text_bytes: usize) -> bool {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_uppercase();
    let (stem, ext) = match name.split_once('.') {
        Some((stem, ext)) => (stem, Some(ext)),
        None => (name.as_str(), None),
    };
    let document =
        DOCUMENT_STEMS.contains(&stem) && matches!(ext, None | Some("TXT" | "MD" | "RST"));
    document
        && bytes.len() <= max_text_bytes
        && !bytes.contains(&0)
        && std::str::from_utf8(bytes).is_ok()
}

impl Default for BundledLimits {
    fn default() -> Self {
        Self {
            max_metadata_bytes: 1_000_000,
            max_libraries: 50,
            max_listed_differences: 20,
            min_identical_percent: 50,
            max_diff_cells: 4_000_000,
            max_diff_lines: 40,
            max_added_text_bytes: 256 * 1024,
        }
    }
}

/// The check, with the source of published releases it verifies against.
pub struct BundledLibrariesCheck {
    releases: Arc<dyn ReleaseSource>,
    limits: BundledLimits,
}

impl BundledLibrariesCheck {
    pub fn new(releases: Arc<dyn ReleaseSource>) -> Self {
        Self {
            releases,
            limits: BundledLimits::default(),
        }
    }

    /// The check as deployments configure it from the environment:
    /// `PLUGIN_VALIDATOR_PACKAGE_INDEX` (default PyPI's simple index; `off` for none) and
    /// `PLUGIN_VALIDATOR_RELEASE_CACHE` (a folder; default the user's cache folder).
    pub fn from_env() -> Self {
        let Some(index) = Self::index_from_env() else {
            return Self::new(Arc::new(Offline));
        };
        let cache = std::env::var_os("PLUGIN_VALIDATOR_RELEASE_CACHE")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(std::path::PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cache"))
                    })
                    .map(|c| c.join("plugin-validator").join("releases"))
            })
            .unwrap_or_else(|| std::env::temp_dir().join("plugin-validator-releases"));
        Self::new(Arc::new(CachedReleases::new(cache, index)))
    }
}

impl BundledLibrariesCheck {
    /// The package index of `PLUGIN_VALIDATOR_PACKAGE_INDEX` (default PyPI's), `None` for `off`.
    fn index_from_env() -> Option<PackageIndex> {
        let index = std::env::var("PLUGIN_VALIDATOR_PACKAGE_INDEX")
            .unwrap_or_else(|_| PackageIndex::PYPI.to_owned());
        let off = index.trim().eq_ignore_ascii_case("off") || index.trim().is_empty();
        (!off).then(|| PackageIndex::new(&index, ReleaseLimits::default()))
    }

    /// The index from the environment, with releases kept in `cache` (the deployment's bucket
    /// on AWS).
    pub fn with_cache(cache: impl ReleaseCache + 'static) -> Self {
        match Self::index_from_env() {
            Some(index) => Self::new(Arc::new(CachedReleases::with_cache(cache, index))),
            None => Self::new(Arc::new(Offline)),
        }
    }

    /// Compares the library with its release's artifacts, the likelier first (an unpacked
    /// source distribution with the sdist, an installed layout with the wheel): verified by
    /// either is verified; otherwise the comparison with the fewest differences is reported.
    fn compare(&self, archive: &PluginArchive, library: &BundledLibrary) -> Verification {
        let order = match library.layout {
            Layout::VersionedFolder => [ArtifactKind::Sdist, ArtifactKind::Wheel],
            Layout::Installed | Layout::RenamedPackage => {
                [ArtifactKind::Wheel, ArtifactKind::Sdist]
            }
        };
        let mut best: Option<Verification> = None;
        let mut unverifiable = Vec::new();
        for kind in order {
            match self.releases.release(&library.name, &library.version, kind) {
                Ok(Release::Found(release)) => match verify(
                    archive,
                    library,
                    &release,
                    kind,
                    self.limits.max_added_text_bytes,
                ) {
                    verified @ Verification::Verified { .. } => return verified,
                    modified @ Verification::Modified { .. } => {
                        let count = |v: &Verification| match v {
                            Verification::Modified { differing, .. } => differing.len(),
                            _ => usize::MAX,
                        };
                        if best.as_ref().is_none_or(|b| count(&modified) < count(b)) {
                            best = Some(modified);
                        }
                    }
                    Verification::Unverifiable { reason } => unverifiable.push(reason),
                },
                Ok(Release::Unknown { reason }) => unverifiable.push(reason),
                // The index is unreachable: the other artifact would not fare better.
                Err(e) => {
                    return best.unwrap_or(Verification::Unverifiable {
                        reason: e.to_string(),
                    })
                }
            }
        }
        best.unwrap_or_else(|| Verification::Unverifiable {
            reason: unverifiable.join("; "),
        })
    }
}

/// How one library compared with its release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Verified {
        artifact: String,
        files: usize,
        /// Files the release lacks that carry no code ([`carries_no_code`]): they do not make
        /// the copy modified, and keep their own findings (BND005).
        added: Vec<String>,
    },
    Modified {
        artifact: String,
        /// The kind of that artifact.
        kind: ArtifactKind,
        /// Files of the library in the plugin.
        files: usize,
        differing: Vec<(String, &'static str)>,
        /// For each differing file the release has too: its path in the artifact.
        release_paths: BTreeMap<String, String>,
    },
    Unverifiable {
        reason: String,
    },
}

/// Compares every file the library claims with the release.
pub fn verify(
    archive: &PluginArchive,
    library: &BundledLibrary,
    release: &ReleaseFiles,
    kind: ArtifactKind,
    max_added_text_bytes: usize,
) -> Verification {
    // Release paths by suffix: a bundled path may sit under a renamed folder or skip `src/`.
    let lookup = |relative: &str| -> Option<(&String, &String)> {
        if let Some(found) = release.files.get_key_value(relative) {
            return Some(found);
        }
        let mut candidates = release.files.iter().filter(|(path, _)| {
            path.ends_with(relative)
                && path.len() > relative.len()
                && path.as_bytes()[path.len() - relative.len() - 1] == b'/'
        });
        match (candidates.next(), candidates.next()) {
            (Some(found), None) => Some(found),
            _ => None,
        }
    };
    let mut files = 0usize;
    let mut differing = Vec::new();
    let mut added = Vec::new();
    let mut release_paths = BTreeMap::new();
    for entry in archive.files().filter(|e| library.claims(&e.name)) {
        files += 1;
        let relative = entry
            .name
            .strip_prefix(&library.base)
            .unwrap_or(&entry.name);
        let bytes = match archive.read(entry) {
            Ok(bytes) => bytes,
            Err(_) => {
                differing.push((entry.name.clone(), "cannot be read"));
                continue;
            }
        };
        match lookup(relative) {
            None if carries_no_code(&entry.name, &bytes, max_added_text_bytes) => {
                added.push(entry.name.clone())
            }
            None => differing.push((entry.name.clone(), "is not part of the release")),
            Some((path, hash)) if *hash != hex::encode(Sha256::digest(&bytes)) => {
                differing.push((entry.name.clone(), "differs from the release"));
                release_paths.insert(entry.name.clone(), path.clone());
            }
            Some(_) => {}
        }
    }
    if differing.is_empty() {
        Verification::Verified {
            artifact: release.artifact.clone(),
            files: files - added.len(),
            added,
        }
    } else {
        // A copy that differs anyway is judged file by file, the additions included.
        differing.extend(
            added
                .into_iter()
                .map(|path| (path, "is not part of the release")),
        );
        Verification::Modified {
            artifact: release.artifact.clone(),
            kind,
            files,
            differing,
            release_paths,
        }
    }
}

/// The verified paths (library folders and modules) a scan's `bundled_libraries` findings
/// name, unmodified (BND001) or patched (BND004): findings of other checks under them do not
/// block, except in the [`modified_files`] of a patched copy.
pub fn verified_paths(findings: &[Finding]) -> Vec<(String, String)> {
    findings
        .iter()
        .filter(|f| {
            f.check.as_str() == CHECK_ID
                && (f.rule == BND001.id || f.rule == BND004.id)
                && f.suppressed.is_none()
        })
        .map(|f| {
            let library = f.bundled_library.clone().unwrap_or_default();
            (f.path.clone(), library)
        })
        .collect()
}

/// The checks whose findings in a verified library keep their rating.
const NOT_RELAXED_CHECKS: [&str; 2] = [CHECK_ID, "dependencies"];

/// The files of bundled libraries that differ from their release (BND002, however rated), and
/// the files without code added to a verified one (BND005), with the line ranges that differ when known: they keep their findings, like the plugin's own
/// code, on those lines (on every line when the ranges are unknown).
pub fn modified_files(findings: &[Finding]) -> Vec<(String, Vec<[u32; 2]>)> {
    findings
        .iter()
        .filter(|f| f.check.as_str() == CHECK_ID && (f.rule == BND002.id || f.rule == BND005.id))
        .map(|f| (f.path.clone(), f.changed_lines.clone()))
        .collect()
}

/// Whether a finding on `line` of a modified file may be the patch's: on a changed line, or
/// anywhere when the changed lines are unknown (or the finding is about the whole file).
fn on_changed_lines(line: Option<u32>, changed: &[[u32; 2]]) -> bool {
    match line {
        Some(line) if !changed.is_empty() => changed.iter().any(|[a, b]| (*a..=*b).contains(&line)),
        _ => true,
    }
}

/// Applies the bundled libraries' verification to the other checks' findings: a finding in a
/// file of a verified library (unmodified, or a patched copy's unchanged file) does not block
/// (nor hold for review) and says why; a file in `modified` keeps its findings. Returns how
/// many findings changed.
pub fn relax_verified(
    findings: &mut [Finding],
    verified: &[(String, String)],
    modified: &[(String, Vec<[u32; 2]>)],
) -> usize {
    let mut changed = 0;
    for finding in findings.iter_mut() {
        // Its own findings, and the advisories of a library: a verified release is still the
        // release that has them.
        if NOT_RELAXED_CHECKS.contains(&finding.check.as_str()) {
            continue;
        }
        let patched = modified
            .iter()
            .filter(|(path, _)| *path == finding.path)
            .any(|(_, lines)| on_changed_lines(finding.line, lines));
        if patched {
            continue;
        }
        let Some((_, library)) = verified.iter().find(|(path, _)| {
            if path.ends_with('/') {
                finding.path.starts_with(path.as_str())
            } else {
                finding.path == *path
            }
        }) else {
            continue;
        };
        finding.bundled_library = Some(library.clone());
        if finding.blocking || finding.review {
            finding.blocking = false;
            finding.review = false;
            changed += 1;
        }
    }
    changed
}

fn library_finding(rule: &RuleInfo, path: &str, message: String) -> Finding {
    Finding::new(CHECK_ID, rule, path, message)
}

impl BundledLibrariesCheck {
    /// The changed line ranges and the (masked) diff of each patched file of `library` that
    /// the release has too, compared with the release's text (files the source cannot give, or that are not text,
    /// are left out: they count as changed throughout).
    fn changed_lines(
        &self,
        archive: &PluginArchive,
        library: &BundledLibrary,
        kind: ArtifactKind,
        release_paths: &BTreeMap<String, String>,
    ) -> BTreeMap<String, (Vec<[u32; 2]>, String)> {
        let wanted: Vec<String> = release_paths.values().cloned().collect();
        let sources = match self.releases.release_sources(
            &library.name,
            &library.version,
            kind,
            &wanted,
        ) {
            Ok(sources) => sources,
            Err(e) => {
                tracing::info!(library = %library.label(), error = %e, "release sources unavailable");
                return BTreeMap::new();
            }
        };
        let mut out = BTreeMap::new();
        for (path, release_path) in release_paths {
            let Some(release) = sources.get(release_path) else {
                continue;
            };
            let Some(entry) = archive.files().find(|e| e.name == *path) else {
                continue;
            };
            let Ok(patched) = archive.read(entry) else {
                continue;
            };
            let (Ok(release), Ok(patched)) =
                (std::str::from_utf8(release), std::str::from_utf8(&patched))
            else {
                continue;
            };
            let diff = patch::Patch::of(release, patched, self.limits.max_diff_cells);
            if let Some(lines) = diff.changed_lines() {
                // Python only: elsewhere a value needs no quotes, and could not be masked.
                let shown = if path.ends_with(".py") {
                    diff.diff(self.limits.max_diff_lines)
                } else {
                    String::new()
                };
                out.insert(path.clone(), (lines, shown));
            }
        }
        out
    }

    /// Whether at least `min_identical_percent` of `files` are identical to the release.
    fn mostly_identical(&self, files: usize, differing: usize) -> bool {
        let identical = files.saturating_sub(differing);
        identical > 0 && identical * 100 >= files * self.limits.min_identical_percent
    }

    /// Whether the comparison shows the files are that release (unmodified or patched).
    fn is_that_release(&self, outcome: &Verification) -> bool {
        match outcome {
            Verification::Verified { .. } => true,
            Verification::Modified {
                files, differing, ..
            } => self.mostly_identical(*files, differing.len()),
            Verification::Unverifiable { .. } => false,
        }
    }
}

impl Check for BundledLibrariesCheck {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "Bundled libraries"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    /// A modified bundled library needs an approver's eyes, not necessarily a block: the
    /// file keeps its own findings, which block on their own rules.
    fn rule_holds_for_review(&self, rule: &str) -> bool {
        rule == BND002.id
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let libraries = detect(ctx.archive, self.limits.max_metadata_bytes);
        let mut findings = Vec::new();
        for (n, library) in libraries.iter().enumerate() {
            let claimed = library.claimed.join(", ");
            let label = library.label();
            let outcome = if n >= self.limits.max_libraries {
                Verification::Unverifiable {
                    reason: format!(
                        "more than max_libraries ({}) bundled libraries",
                        self.limits.max_libraries
                    ),
                }
            } else {
                self.compare(ctx.archive, library)
            };
            tracing::info!(library = %label, claimed, outcome = ?outcome, "bundled library");
            if library.by_content && !self.is_that_release(&outcome) {
                // A top-level package with a `__version__` that is no published release (or
                // one we cannot reach) is taken for the plugin's own code: nothing to report.
                continue;
            }
            match outcome {
                Verification::Verified {
                    artifact,
                    files,
                    added,
                } => {
                    for path in &library.claimed {
                        let mut finding = library_finding(
                            &BND001,
                            path,
                            format!(
                                "`{path}` is {label}, identical to its published release \
                                 ({artifact}, {files} file{}; identified by {})",
                                if files == 1 { "" } else { "s" },
                                library.evidence
                            ),
                        );
                        // The library travels with the finding to the verdict step.
                        finding.bundled_library = Some(label.clone());
                        findings.push(finding);
                    }
                    for path in &added {
                        findings.push(library_finding(
                            &BND005,
                            path,
                            format!(
                                "`{path}` is not part of {label} as published ({artifact}) but \
                                 carries no code (empty, or a licence, readme or changelog text): the library counts \
                                 as its release; this file keeps its own findings"
                            ),
                        ));
                    }
                }
                Verification::Modified {
                    artifact,
                    kind,
                    files,
                    differing,
                    release_paths,
                } => {
                    let patched = differing.len() <= self.limits.max_listed_differences
                        && self.mostly_identical(files, differing.len());
                    // A patched copy is judged by its patch: which lines of each changed file
                    // differ from the release.
                    let changed = if patched {
                        self.changed_lines(ctx.archive, library, kind, &release_paths)
                    } else {
                        BTreeMap::new()
                    };
                    for (path, how) in differing.iter().take(self.limits.max_listed_differences) {
                        let mut message =
                            format!("`{path}` {how} of {label} as published ({artifact})");
                        let (lines, diff) = changed.get(path).cloned().unwrap_or_default();
                        if !lines.is_empty() {
                            message.push_str(&format!(
                                "; the lines that differ: {}",
                                patch::describe(&lines)
                            ));
                        }
                        let mut finding = library_finding(&BND002, path, message);
                        finding.changed_lines = lines;
                        // The diff against the release, what a reviewer needs to read.
                        finding.snippet = (!diff.is_empty()).then_some(diff);
                        findings.push(finding);
                    }
                    if differing.len() > self.limits.max_listed_differences {
                        let first = &library.claimed[0];
                        findings.push(library_finding(
                            &BND002,
                            first,
                            format!(
                                "{} more files of {label} under `{first}` are not the published release",
                                differing.len() - self.limits.max_listed_differences
                            ),
                        ));
                    } else if patched {
                        // Judged by its patch: the unchanged files are the release.
                        let identical = files - differing.len();
                        for path in &library.claimed {
                            let mut finding = library_finding(
                                &BND004,
                                path,
                                format!(
                                    "`{path}` is {label} as published ({artifact}) in {identical} \
                                     of its {files} files; the {} changed file{} (BND002) {} \
                                     checked like the plugin's own code (identified by {})",
                                    differing.len(),
                                    if differing.len() == 1 { "" } else { "s" },
                                    if differing.len() == 1 { "is" } else { "are" },
                                    library.evidence
                                ),
                            );
                            finding.bundled_library = Some(label.clone());
                            findings.push(finding);
                        }
                    }
                }
                Verification::Unverifiable { reason } => {
                    findings.push(library_finding(
                        &BND003,
                        &library.claimed[0],
                        format!(
                            "`{claimed}` looks like {label} ({}), but it could not be verified: {reason}; its code is checked like the plugin's own",
                            library.evidence
                        ),
                    ));
                }
            }
        }
        Ok(findings)
    }
}
