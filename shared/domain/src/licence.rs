//! The licence section of a report: what the `licence` check found about the plugin's licence,
//! each source file's and each bundled library's, with the evidence beside every answer. The
//! check produces it ([`CheckDetails::licence`]), the report carries it, and the reports, the
//! emails and the SBOM read it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a check knows beyond its findings, carried with its result to the report. Each part is
/// optional and belongs to one check (the `licence` check fills [`Self::licence`], the
/// `dependencies` check [`Self::dependencies`], the `qgis4` check [`Self::qgis4`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDetails {
    /// Boxed: a result without details stays small.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<Box<LicenceReport>>,
    /// The `dependencies` check's section (boxed for the same reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Box<crate::DependenciesReport>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qgis4: Option<crate::Qgis4Readiness>,
    /// The `signatures` check's section (boxed for the same reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Box<crate::SignaturesReport>>,
}

impl CheckDetails {
    pub fn is_empty(&self) -> bool {
        self.licence.is_none()
            && self.dependencies.is_none()
            && self.qgis4.is_none()
            && self.signatures.is_none()
    }

    /// Takes what `other` carries (the details of several checks make the report's).
    pub fn merge(&mut self, other: CheckDetails) {
        if other.licence.is_some() {
            self.licence = other.licence;
        }
        if other.dependencies.is_some() {
            self.dependencies = other.dependencies;
        }
        if other.qgis4.is_some() {
            self.qgis4 = other.qgis4;
        }
        if other.signatures.is_some() {
            self.signatures = other.signatures;
        }
    }
}

/// A detector's similarity score between 0 and 1, kept to three decimals (so that reports
/// compare equal and read well).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confidence1000(pub u16);

impl Confidence1000 {
    pub fn from_score(score: f32) -> Self {
        let clamped = if score.is_finite() {
            score.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Self((clamped * 1000.0).round() as u16)
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl std::fmt::Display for Confidence1000 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3}", self.as_f64())
    }
}

impl Serialize for Confidence1000 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Confidence1000 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Ok(Self::from_score(value as f32))
    }
}

/// How a licence was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceEvidence {
    /// A licence file's text, matched against the SPDX licence list (with a score).
    Text,
    /// An `SPDX-License-Identifier:` line.
    SpdxHeader,
    /// A classic licence notice (the GPL's "This program is free software...", the MIT
    /// permission notice, "Licensed under the Apache License, Version 2.0", ...).
    Notice,
    /// `license=` in `metadata.txt`.
    Metadata,
    /// A bundled library's packaging metadata (`License-Expression`, `License`, classifiers).
    PackageMetadata,
    /// The file has no licence of its own: the plugin's licence applies.
    Plugin,
    /// The file belongs to a bundled library: the library's licence applies.
    Library,
}

/// How a licence relates to QGIS's GPL-2.0-or-later, with the source of that statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compatibility {
    /// Can be combined with GPL-2.0-or-later code and distributed under the GPL.
    Compatible,
    /// Compatible with GPL version 3 only (Apache-2.0, LGPL-3.0, GPL-3.0): fine for code that
    /// uses QGIS, since QGIS's "or later" lets the combination be distributed under GPLv3; it
    /// cannot be combined with GPL-2.0-only code.
    Gpl3Only,
    /// Cannot be combined with GPL code (non-commercial or no-derivatives terms, proprietary
    /// licences, licences the FSF lists as GPL-incompatible).
    Incompatible,
    /// Not in the table, or no licence known: a human decides.
    #[default]
    Unknown,
}

impl Compatibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compatible => "compatible",
            Self::Gpl3Only => "compatible (GPLv3 only)",
            Self::Incompatible => "incompatible",
            Self::Unknown => "unknown",
        }
    }

    /// Whether code under these terms may import QGIS (GPL-2.0-or-later).
    pub fn allows_qgis(self) -> bool {
        matches!(self, Self::Compatible | Self::Gpl3Only)
    }
}

/// A licence file of the plugin (`LICENSE`, `COPYING`, `LICENCE.md`, ...) and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceFile {
    pub path: String,
    /// The SPDX expression identified, `None` when the text was not identified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    /// The detector's score for the best match (also when below the threshold).
    pub confidence: Confidence1000,
    /// The best match's SPDX id, identified or not (what a human should compare with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<String>,
    pub evidence: LicenceEvidence,
    /// A short quote or description of what was recognised.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The plugin's own licence: from its licence files, `metadata.txt` and its files' headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginLicence {
    /// The licence that applies to files without one of their own, `None` when none is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    /// Where [`Self::spdx`] comes from (`LICENSE`, `metadata.txt`, ...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The detector's score when it comes from a licence file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence1000>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<LicenceFile>,
    /// `license=` of `metadata.txt`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// How [`Self::spdx`] relates to GPL-2.0-or-later.
    pub compatibility: Compatibility,
    /// Why, and the source of the statement.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// One source file of the plugin and its effective licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileLicence {
    pub path: String,
    /// Its effective licence: its header's, else its library's, else the plugin's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    pub evidence: LicenceEvidence,
    /// The line of the header, when the licence comes from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The file carries an `SPDX-License-Identifier:` line.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spdx_header: bool,
    /// The file imports QGIS, directly or through the plugin's modules; how (`qgis.core`, or
    /// the chain of the plugin's modules that leads to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imports_qgis: Option<String>,
    /// The bundled library the file belongs to (`six 1.16.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
    pub compatibility: Compatibility,
}

/// A bundled library's licence and whether its licence text and notices were kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryLicence {
    pub name: String,
    pub version: String,
    /// The folders and modules of the zip that are the library.
    pub paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spdx: Option<String>,
    /// Where the licence comes from (`six-1.16.0.dist-info/METADATA: License-Expression`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The library's licence texts and notices found in the zip.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_files: Vec<String>,
    /// Its licence text (or a notice carrying it) is in the zip.
    pub attribution_kept: bool,
    pub compatibility: Compatibility,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl LibraryLicence {
    pub fn label(&self) -> String {
        format!("{} {}", self.name, self.version)
    }

    /// Whether `path` (an entry of the zip) belongs to the library.
    pub fn claims(&self, path: &str) -> bool {
        claimed_by(&self.paths, path)
    }
}

/// Whether `path` (an entry of the zip) is one of `claimed`: folders (ending with `/`) hold
/// everything below them, modules are themselves.
pub fn claimed_by(claimed: &[String], path: &str) -> bool {
    claimed.iter().any(|c| {
        if c.ends_with('/') {
            path.starts_with(c.as_str())
        } else {
            path == c
        }
    })
}

/// Whether two licences are the same terms as far as a reader is concerned: `GPL-2.0-only`
/// (what the GPL's text alone says) and `GPL-2.0-or-later` (what its notices add) are.
fn same_terms(a: Option<&str>, b: Option<&str>) -> bool {
    let family = |s: &str| s.replace("-or-later", "").replace("-only", "");
    match (a, b) {
        (Some(a), Some(b)) => family(a) == family(b),
        (a, b) => a == b,
    }
}

/// Everything the `licence` check learned, for the report's licence section and the SBOM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceReport {
    pub plugin: PluginLicence,
    /// Every source file (Python and other code), in archive order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileLicence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryLicence>,
    /// Source files listed past `max_listed_files` (counted, not listed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files_not_listed: u64,
}

/// Files or libraries listed per part of the summary (reports and emails); the JSON report and
/// the SBOM list them all.
const MAX_SUMMARY_ITEMS: usize = 20;

/// A heading and at most [`MAX_SUMMARY_ITEMS`] items, indented; nothing when there are none.
fn listing<T>(lines: &mut Vec<String>, heading: String, items: &[T], line: impl Fn(&T) -> String) {
    if items.is_empty() {
        return;
    }
    lines.push(heading);
    for item in items.iter().take(MAX_SUMMARY_ITEMS) {
        lines.push(format!("  {}", line(item)));
    }
    more(lines, items.len());
}

fn more(lines: &mut Vec<String>, total: usize) {
    if total > MAX_SUMMARY_ITEMS {
        lines.push(format!(
            "  ... and {} more (the JSON report and the SBOM list them all)",
            total - MAX_SUMMARY_ITEMS
        ));
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl LicenceReport {
    /// The plugin's own files (not a bundled library's) whose licence differs from the plugin's.
    pub fn files_with_other_licence(&self) -> impl Iterator<Item = &FileLicence> {
        self.files.iter().filter(|f| {
            f.library.is_none()
                && matches!(
                    f.evidence,
                    LicenceEvidence::SpdxHeader | LicenceEvidence::Notice
                )
                && !same_terms(f.spdx.as_deref(), self.plugin.spdx.as_deref())
        })
    }

    /// Files that import QGIS under terms that do not allow it.
    pub fn incompatible_qgis_files(&self) -> impl Iterator<Item = &FileLicence> {
        self.files
            .iter()
            .filter(|f| f.imports_qgis.is_some() && f.compatibility == Compatibility::Incompatible)
    }

    /// How many source files carry an `SPDX-License-Identifier:` line.
    pub fn files_with_spdx_header(&self) -> usize {
        self.files.iter().filter(|f| f.spdx_header).count()
    }

    /// The licence section as text lines (the text report and the plain-text emails).
    pub fn summary_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let plugin = &self.plugin;
        let licence = plugin.spdx.as_deref().unwrap_or("none identified");
        let mut first = format!("plugin licence: {licence}");
        if !plugin.source.is_empty() {
            first.push_str(&format!(" (from {}", plugin.source));
            if let Some(confidence) = plugin.confidence {
                first.push_str(&format!(", confidence {confidence}"));
            }
            first.push(')');
        }
        first.push_str(&format!(
            "; GPL-2.0-or-later: {}",
            plugin.compatibility.as_str()
        ));
        lines.push(first);
        if !plugin.reason.is_empty() {
            lines.push(format!("  {}", plugin.reason));
        }
        for file in &plugin.files {
            let what = match &file.spdx {
                Some(spdx) if file.evidence != LicenceEvidence::Text => {
                    format!("{spdx} (a licence notice: {})", file.detail)
                }
                Some(spdx) => format!("{spdx} (confidence {})", file.confidence),
                None => match &file.closest {
                    Some(closest) => format!(
                        "not identified (closest: {closest}, confidence {})",
                        file.confidence
                    ),
                    None => "not identified".to_owned(),
                },
            };
            lines.push(format!("  licence file {}: {what}", file.path));
        }
        if let Some(metadata) = &plugin.metadata {
            lines.push(format!("  metadata.txt license={metadata}"));
        }
        let own = self.files.iter().filter(|f| f.library.is_none()).count();
        lines.push(format!(
            "source files: {own} of the plugin's own, {} with an SPDX header",
            self.files
                .iter()
                .filter(|f| f.library.is_none() && f.spdx_header)
                .count()
        ));
        let other: Vec<&FileLicence> = self.files_with_other_licence().collect();
        listing(
            &mut lines,
            format!(
                "files under another licence than the plugin's: {}",
                other.len()
            ),
            &other,
            |file| {
                format!(
                    "{}: {} ({}){}",
                    file.path,
                    file.spdx.as_deref().unwrap_or("unknown"),
                    file.compatibility.as_str(),
                    file.imports_qgis
                        .as_deref()
                        .map(|how| format!("; imports QGIS ({how})"))
                        .unwrap_or_default()
                )
            },
        );
        let incompatible: Vec<&FileLicence> = self.incompatible_qgis_files().collect();
        listing(
            &mut lines,
            format!(
                "INCOMPATIBLE: {} module(s) import QGIS under terms incompatible with GPL-2.0-or-later",
                incompatible.len()
            ),
            &incompatible,
            |file| {
                format!(
                    "{} is {} and imports QGIS ({})",
                    file.path,
                    file.spdx.as_deref().unwrap_or("unknown"),
                    file.imports_qgis.as_deref().unwrap_or_default()
                )
            },
        );
        for library in self.libraries.iter().take(MAX_SUMMARY_ITEMS) {
            lines.push(format!(
                "bundled {}: {} ({}){}{}",
                library.label(),
                library.spdx.as_deref().unwrap_or("licence unknown"),
                library.compatibility.as_str(),
                if library.attribution_kept {
                    ""
                } else {
                    "; licence text NOT kept"
                },
                if library.source.is_empty() {
                    String::new()
                } else {
                    format!("; from {}", library.source)
                }
            ));
        }
        more(&mut lines, self.libraries.len());
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_serialises_as_a_three_decimal_score() {
        let c = Confidence1000::from_score(0.98765);
        assert_eq!(serde_json::to_string(&c).unwrap(), "0.988");
        let back: Confidence1000 = serde_json::from_str("0.5").unwrap();
        assert_eq!(back, Confidence1000(500));
        assert_eq!(Confidence1000::from_score(f32::NAN), Confidence1000(0));
    }

    #[test]
    fn the_summary_lists_a_few_files_and_counts_the_rest() {
        let file = |n: usize| FileLicence {
            path: format!("demo/m{n}.py"),
            spdx: Some("CC-BY-NC-4.0".to_owned()),
            evidence: LicenceEvidence::SpdxHeader,
            line: Some(1),
            spdx_header: true,
            imports_qgis: Some("qgis.core".to_owned()),
            library: None,
            compatibility: Compatibility::Incompatible,
        };
        let report = LicenceReport {
            plugin: PluginLicence {
                spdx: Some("GPL-2.0-or-later".to_owned()),
                compatibility: Compatibility::Compatible,
                ..PluginLicence::default()
            },
            files: (0..25).map(file).collect(),
            ..LicenceReport::default()
        };
        let lines = report.summary_lines();
        assert!(lines.contains(&"files under another licence than the plugin's: 25".to_owned()));
        assert!(lines
            .iter()
            .any(|l| l.contains("INCOMPATIBLE: 25 module(s)")));
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains("... and 5 more"))
                .count(),
            2
        );
        assert!(lines.len() < 50, "{lines:#?}");
    }
}
