//! The dependencies section of a report: every third-party package the plugin bundles, declares
//! or installs at run time, and the known advisories (OSV) that apply to it. The `dependencies`
//! check produces it ([`crate::CheckDetails::dependencies`]); the reports, the emails and the
//! SBOM read it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a dependency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyOrigin {
    /// Vendored in the zip (the bundled-libraries check's identification).
    Bundled,
    /// Declared in a requirements file, `pyproject.toml`, `setup.cfg` or `setup.py`.
    Declared,
    /// Installed by the plugin's code at run time (`pip install` arguments).
    Installed,
}

impl DependencyOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bundled => "bundled",
            Self::Declared => "declared",
            Self::Installed => "installed at run time",
        }
    }
}

/// A CVSS base score, kept to one decimal (so that reports compare equal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CvssScore(pub u8);

impl CvssScore {
    pub fn from_score(score: f64) -> Self {
        let clamped = if score.is_finite() {
            score.clamp(0.0, 10.0)
        } else {
            0.0
        };
        Self((clamped * 10.0).round() as u8)
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl std::fmt::Display for CvssScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}", self.as_f64())
    }
}

impl Serialize for CvssScore {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for CvssScore {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from_score(f64::deserialize(deserializer)?))
    }
}

/// One vulnerability that applies to a dependency: OSV records about the same vulnerability
/// (a PYSEC, a GHSA and a CVE id) merged into one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The id shown first (`MAL-...`, else `PYSEC-...`, else `GHSA-...`).
    pub id: String,
    /// Every other id of the vulnerability (the merged records' ids and their aliases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A known-malicious package (an OSV `MAL-` record or a malware advisory).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub malicious: bool,
    /// `critical`, `high`, `medium`, `low`, or `unknown`.
    pub severity: String,
    /// The CVSS base score, when a record carries a CVSS vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<CvssScore>,
    /// The CVSS vector the score comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<String>,
    /// The record's summary (or the start of its details).
    pub summary: String,
    /// The first version that fixes it for this dependency's version, when one is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Where to read the record (`https://osv.dev/vulnerability/ID`).
    pub url: String,
}

impl Vulnerability {
    pub fn is_critical(&self) -> bool {
        self.severity == "critical"
    }

    /// The id and its aliases, for messages (`PYSEC-2018-28 (CVE-2018-18074, GHSA-...)`).
    pub fn label(&self) -> String {
        if self.aliases.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.id, self.aliases.join(", "))
        }
    }
}

/// Whether a dependency was compared with advisory data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum AdvisoryCheck {
    /// Every advisory of its exact version was looked up.
    Checked,
    /// No version is pinned: only advisories that affect every version (malicious packages)
    /// were looked up.
    NameOnly,
    /// No advisory data could be reached: nothing is known about it.
    NotChecked(String),
}

impl AdvisoryCheck {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Checked => "checked",
            Self::NameOnly => "checked for malicious packages only (no pinned version)",
            Self::NotChecked(_) => "not checked",
        }
    }
}

/// One third-party package the plugin bundles, declares or installs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The distribution name as written.
    pub name: String,
    /// The exact version (a bundled library's, or a requirement pinned with `==`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The requirement's version specifier as written (`>=2.0`), when it is not an exact pin.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub specifier: String,
    pub origin: DependencyOrigin,
    /// The file that bundles, declares or installs it (a folder for a bundled library).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// How it was found (the metadata file, the requirement line, the install command).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evidence: String,
    pub advisories: AdvisoryCheck,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<Vulnerability>,
    /// The smallest version that fixes every vulnerability listed (when each has a fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_to: Option<String>,
    /// For a bundled library, how it compared with its published release (`verified`,
    /// `modified`, `unverifiable`), from the bundled-libraries check when it ran in the same
    /// scan ([`DependenciesReport::note_verification`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
}

impl Dependency {
    pub fn label(&self) -> String {
        match &self.version {
            Some(version) => format!("{} {version}", self.name),
            None if self.specifier.is_empty() => self.name.clone(),
            None => format!("{} {}", self.name, self.specifier),
        }
    }

    pub fn malicious(&self) -> bool {
        self.vulnerabilities.iter().any(|v| v.malicious)
    }
}

/// Everything the `dependencies` check learned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependenciesReport {
    /// The advisory data the dependencies were compared with (`OSV API`, `advisories folder
    /// ... (N records)`), or why none.
    pub advisory_source: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// `plugin_dependencies` of `metadata.txt`: other QGIS plugins it needs (informational).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugin_dependencies: Vec<String>,
}

/// How each bundled library compared with its release, from the bundled-libraries check's
/// findings (rule, path): BND002 on a file under it, else BND001 or BND003 on it.
pub fn verification_of(path: &str, bundled_findings: &[(&str, &str)]) -> Option<&'static str> {
    let under = |p: &str| p == path || (path.ends_with('/') && p.starts_with(path));
    let has = |rule: &str| bundled_findings.iter().any(|(r, p)| *r == rule && under(p));
    if has("BND002") {
        Some("modified")
    } else if has("BND001") {
        Some("verified")
    } else if has("BND003") {
        Some("unverifiable")
    } else {
        None
    }
}

/// Dependencies listed per part of the summary (reports and emails); the JSON has them all.
const MAX_SUMMARY_ITEMS: usize = 20;

impl DependenciesReport {
    /// Notes on each bundled library how the bundled-libraries check found it (the two
    /// checks run apart; the report brings them together).
    pub fn note_verification(&mut self, bundled_findings: &[(&str, &str)]) {
        for d in &mut self.dependencies {
            if d.origin == DependencyOrigin::Bundled {
                d.verification = verification_of(&d.path, bundled_findings).map(str::to_owned);
            }
        }
    }

    /// Dependencies with a known vulnerability or a malicious package, malicious first.
    pub fn vulnerable(&self) -> Vec<&Dependency> {
        let mut out: Vec<&Dependency> = self
            .dependencies
            .iter()
            .filter(|d| !d.vulnerabilities.is_empty())
            .collect();
        out.sort_by_key(|d| !d.malicious());
        out
    }

    pub fn not_checked(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies
            .iter()
            .filter(|d| matches!(d.advisories, AdvisoryCheck::NotChecked(_)))
    }

    /// One line per upgrade to make ("requests 2.7.0 in ext_libs/requests/: 6 advisories,
    /// upgrade to 2.32.0"), malicious packages first.
    pub fn upgrade_lines(&self) -> Vec<String> {
        self.vulnerable()
            .into_iter()
            .map(|d| {
                let n = d.vulnerabilities.len();
                let advice = if d.malicious() {
                    "a known-MALICIOUS package: remove it".to_owned()
                } else {
                    match &d.upgrade_to {
                        Some(v) => format!("upgrade to {v} or later"),
                        None => "no fixed version published: replace or remove it".to_owned(),
                    }
                };
                format!(
                    "{} ({}{}) in {}: {n} advisor{}, {advice}",
                    d.label(),
                    d.origin.as_str(),
                    d.verification
                        .as_deref()
                        .map(|v| format!(", {v}"))
                        .unwrap_or_default(),
                    d.path,
                    if n == 1 { "y" } else { "ies" }
                )
            })
            .collect()
    }

    /// The dependencies section as text lines (the text report and the plain-text emails);
    /// none for a plugin without dependencies.
    pub fn summary_lines(&self) -> Vec<String> {
        if self.dependencies.is_empty() && self.plugin_dependencies.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![format!(
            "{} dependenc{} (bundled, declared, installed); advisories: {}",
            self.dependencies.len(),
            if self.dependencies.len() == 1 {
                "y"
            } else {
                "ies"
            },
            self.advisory_source
        )];
        let vulnerable = self.vulnerable();
        for (line, dependency) in self.upgrade_lines().into_iter().zip(&vulnerable) {
            lines.push(line);
            for v in dependency.vulnerabilities.iter().take(MAX_SUMMARY_ITEMS) {
                let severity = match v.score {
                    Some(score) => format!("{} {score}", v.severity),
                    None => v.severity.clone(),
                };
                lines.push(format!(
                    "  {} [{severity}]{}: {}",
                    v.label(),
                    v.fixed
                        .as_deref()
                        .map(|f| format!(" fixed in {f}"))
                        .unwrap_or_default(),
                    v.summary
                ));
            }
        }
        let not_checked: Vec<&Dependency> = self.not_checked().collect();
        if !not_checked.is_empty() {
            let reason = match &not_checked[0].advisories {
                AdvisoryCheck::NotChecked(reason) => reason.as_str(),
                _ => "",
            };
            lines.push(format!(
                "NOT CHECKED against advisories ({reason}): {}",
                not_checked
                    .iter()
                    .take(MAX_SUMMARY_ITEMS)
                    .map(|d| d.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let clean: Vec<String> = self
            .dependencies
            .iter()
            .filter(|d| {
                d.vulnerabilities.is_empty()
                    && !matches!(d.advisories, AdvisoryCheck::NotChecked(_))
            })
            .take(MAX_SUMMARY_ITEMS)
            .map(|d| {
                format!(
                    "{} ({}, {})",
                    d.label(),
                    d.origin.as_str(),
                    d.advisories.as_str()
                )
            })
            .collect();
        if !clean.is_empty() {
            lines.push(format!("no known advisory: {}", clean.join(", ")));
        }
        if !self.plugin_dependencies.is_empty() {
            lines.push(format!(
                "QGIS plugins it depends on (metadata.txt plugin_dependencies): {}",
                self.plugin_dependencies.join(", ")
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_libraries_carry_the_bundled_checks_verification() {
        let findings = [
            ("BND001", "p/ext_libs/six.py"),
            ("BND002", "p/ext_libs/requests/api.py"),
            ("BND001", "p/ext_libs/requests/"),
            ("BND003", "p/libs/boto-2.38.0/"),
        ];
        assert_eq!(
            verification_of("p/ext_libs/six.py", &findings),
            Some("verified")
        );
        assert_eq!(
            verification_of("p/ext_libs/requests/", &findings),
            Some("modified")
        );
        assert_eq!(
            verification_of("p/libs/boto-2.38.0/", &findings),
            Some("unverifiable")
        );
        assert_eq!(verification_of("p/ext_libs/six", &findings), None);
        let dependency = |origin, path: &str| Dependency {
            name: "x".into(),
            version: Some("1.0".into()),
            specifier: String::new(),
            origin,
            path: path.into(),
            line: None,
            evidence: String::new(),
            advisories: AdvisoryCheck::Checked,
            vulnerabilities: Vec::new(),
            upgrade_to: None,
            verification: None,
        };
        let mut report = DependenciesReport {
            advisory_source: "test".into(),
            dependencies: vec![
                dependency(DependencyOrigin::Bundled, "p/ext_libs/six.py"),
                dependency(DependencyOrigin::Declared, "p/ext_libs/six.py"),
            ],
            plugin_dependencies: Vec::new(),
        };
        report.note_verification(&findings);
        assert_eq!(
            report.dependencies[0].verification.as_deref(),
            Some("verified")
        );
        assert_eq!(report.dependencies[1].verification, None);
    }
}
