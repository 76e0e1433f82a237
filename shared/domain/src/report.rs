use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::{
    CheckDetails, CheckId, CheckOutcome, CheckResult, Counts, DependenciesReport, FileEntry,
    Finding, LicenceReport, PackageInfo, Provenance, Scan, ScanId, ScanStatus, SkipDecision,
    Timestamp, Verdict, VersionDiff,
};

/// One check's line in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReportEntry {
    pub check: CheckId,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub counts: Counts,
    /// How long the check ran (0 when it could not run), for the benchmark and the operators.
    #[serde(default)]
    pub duration_ms: u64,
}

/// The full result of a scan: what `scan --format json` prints and what the aggregator stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<ScanId>,
    /// The zip, folder or object key that was checked.
    pub source: String,
    pub plugin: Option<String>,
    pub version: Option<String>,
    pub status: ScanStatus,
    pub auto_approved: bool,
    pub reasons: Vec<String>,
    pub counts: Counts,
    pub checks: Vec<CheckReportEntry>,
    /// Every finding, blocking ones first.
    pub findings: Vec<Finding>,
    pub skips: Vec<SkipDecision>,
    pub plugin_config_files: Vec<String>,
    pub warnings: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: Timestamp,
    /// What produced this report (empty in reports stored before it was recorded).
    #[serde(default)]
    pub provenance: Provenance,
    /// Every file of the version (size, SHA-256, binary), so that a later version can diff
    /// against this report. Empty in reports written before files were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    /// The `[general]` section of `metadata.txt`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// What changed since the last validated version (else the previous scan) of the plugin;
    /// `None` for the first version, or when the diff was not computed (`scan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<VersionDiff>,
    /// True when the plugin has no earlier scan: the first version says so in the emails.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub first_version: bool,
    /// The licence section (the `licence` check's details); `None` when that check did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<LicenceReport>,
    /// The dependencies section (the `dependencies` check's details); `None` when that check
    /// did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<DependenciesReport>,
    /// Whether the plugin loads in QGIS 4 (the `qgis4` check's details); `None` when that check
    /// did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qgis4: Option<crate::Qgis4Readiness>,
    /// The signature packs and hash lists applied (the `signatures` check's details); `None`
    /// when that check did not run. Their digests are also stamped on the provenance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<crate::SignaturesReport>,
}

impl Report {
    /// Builds the report from the verdict, the full results and the intake findings.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        source: &str,
        plugin: Option<&str>,
        version: Option<&str>,
        verdict: &Verdict,
        intake_findings: &[Finding],
        results: Vec<CheckResult>,
        skips: &[SkipDecision],
        plugin_config_files: &[String],
    ) -> Self {
        let checks = results
            .iter()
            .map(|r| CheckReportEntry {
                check: r.check.clone(),
                status: match r.outcome {
                    CheckOutcome::Ok => "ok".to_owned(),
                    CheckOutcome::Error { .. } => "error".to_owned(),
                },
                error: match &r.outcome {
                    CheckOutcome::Error { reason } => Some(reason.clone()),
                    CheckOutcome::Ok => None,
                },
                counts: r.counts,
                duration_ms: r.duration_ms,
            })
            .collect();
        // The findings move into the report (a plugin can have 100,000 of them).
        let mut findings: Vec<Finding> = intake_findings.to_vec();
        let mut details = CheckDetails::default();
        for result in results {
            findings.extend(result.findings);
            details.merge(result.details);
        }
        findings.sort_by(|a, b| {
            (b.blocking, b.suppressed.is_none(), b.level)
                .cmp(&(a.blocking, a.suppressed.is_none(), a.level))
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.line.cmp(&b.line))
                .then_with(|| a.rule.cmp(&b.rule))
        });
        // The bundled-libraries check's verification, noted on each bundled dependency.
        let dependencies_section = details.dependencies.map(|dependencies| {
            let mut dependencies = *dependencies;
            let bundled: Vec<(&str, &str)> = findings
                .iter()
                .filter(|f| f.check.as_str() == "bundled_libraries")
                .map(|f| (f.rule.as_str(), f.path.as_str()))
                .collect();
            dependencies.note_verification(&bundled);
            dependencies
        });
        Self {
            scan_id: None,
            source: source.to_owned(),
            plugin: plugin.map(str::to_owned),
            version: version.map(str::to_owned),
            status: verdict.status,
            auto_approved: verdict.auto_approved,
            reasons: verdict.reasons.clone(),
            counts: verdict.counts,
            checks,
            findings,
            skips: skips.to_vec(),
            plugin_config_files: plugin_config_files.to_vec(),
            warnings: Vec::new(),
            generated_at: crate::now(),
            provenance: Provenance::default(),
            files: Vec::new(),
            metadata: BTreeMap::new(),
            diff: None,
            first_version: false,
            licence: details.licence.map(|licence| *licence),
            dependencies: dependencies_section,
            qgis4: details.qgis4,
            signatures: details.signatures.map(|s| *s),
        }
    }

    /// The report of a pipeline scan.
    pub fn for_scan(scan: &Scan, verdict: &Verdict, results: &[CheckResult]) -> Self {
        let mut report = Self::build(
            &scan.upload.object_key,
            scan.plugin_name.as_deref(),
            scan.plugin_version.as_deref(),
            verdict,
            &scan.intake_findings,
            results.to_vec(),
            &scan.skips,
            &scan.plugin_config_files,
        );
        report.scan_id = Some(scan.id.clone());
        report.warnings = scan.warnings.clone();
        report
    }

    /// Stamps what produced the report.
    pub fn with_provenance(mut self, mut provenance: Provenance) -> Self {
        if let Some(signatures) = &self.signatures {
            provenance.signatures_digest = Some(signatures.digest.clone());
        }
        self.provenance = provenance;
        self
    }

    /// Records the version's files and `metadata.txt` (what a later version's diff needs).
    pub fn describe_package(&mut self, files: Vec<FileEntry>, package: &PackageInfo) {
        self.files = files;
        self.metadata = metadata_map(package);
    }

    pub fn blocking_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.blocking)
    }

    pub fn suppressed_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_some())
    }

    /// The human-readable report (`scan --format text`).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let name = self.plugin.as_deref().unwrap_or("(unnamed plugin)");
        let version = self.version.as_deref().unwrap_or("(unknown version)");
        let _ = writeln!(out, "Plugin: {name} {version}");
        let _ = writeln!(out, "Source: {}", self.source);
        if let Some(id) = &self.scan_id {
            let _ = writeln!(out, "Scan:   {id}");
        }
        out.push('\n');
        for finding in &self.findings {
            let bundled;
            let tag = if finding.blocking {
                "BLOCKING"
            } else if finding.suppressed.is_some() {
                "suppressed"
            } else if let Some(library) = finding
                .bundled_library
                .as_deref()
                .filter(|_| finding.check.as_str() != "bundled_libraries")
            {
                bundled = format!("in verified bundled library {library}: does not block");
                &bundled
            } else if finding.not_loaded {
                "not loaded by the plugin: does not block"
            } else if finding.review {
                "held for review"
            } else {
                finding.level.as_str()
            };
            let column = finding.column.map(|c| format!(":{c}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}{column}: {} [{tag}] {} ({}: {})",
                finding.location(),
                finding.rule,
                finding.message,
                finding.check,
                finding.severity,
            );
            if let Some(snippet) = &finding.snippet {
                let _ = writeln!(out, "    | {snippet}");
            }
            if let Some(d) = &finding.decision {
                let kind = match d.kind {
                    crate::DecisionKind::FalsePositive => "false positive",
                    crate::DecisionKind::AcceptedRisk => "accepted risk",
                };
                let _ = writeln!(out, "    decided: {kind} by {} ({})", d.by, d.reason);
            }
            if finding.blocking {
                let _ = writeln!(out, "    fix: {}", finding.remediation);
            }
        }
        if self.findings.is_empty() {
            out.push_str("No findings.\n");
        }
        out.push('\n');
        for check in &self.checks {
            match &check.error {
                Some(error) => {
                    let _ = writeln!(out, "check {:<20} ERROR: {error}", check.check);
                }
                None => {
                    let c = &check.counts;
                    let _ = writeln!(
                        out,
                        "check {:<20} ok: {} critical, {} warning, {} info, {} suppressed",
                        check.check, c.critical, c.warning, c.info, c.suppressed
                    );
                }
            }
        }
        let libraries: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.check.as_str() == "bundled_libraries")
            .collect();
        if !libraries.is_empty() {
            out.push_str("bundled libraries:\n");
            for f in libraries {
                let _ = writeln!(out, "  {} {}", f.rule, f.message);
            }
        }
        let dependency_lines = self
            .dependencies
            .as_ref()
            .map(|d| d.summary_lines())
            .unwrap_or_default();
        if !dependency_lines.is_empty() {
            out.push_str("dependencies:\n");
            for line in dependency_lines {
                let _ = writeln!(out, "  {line}");
            }
        }
        if let Some(licence) = &self.licence {
            out.push_str("licence:\n");
            for line in licence.summary_lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        if let Some(signatures) = &self.signatures {
            let _ = writeln!(out, "{}", signatures.line());
        }
        if let Some(qgis4) = &self.qgis4 {
            let _ = writeln!(out, "{}", qgis4.line());
        }
        for skip in &self.skips {
            let _ = writeln!(out, "skip {}: {}", skip.rule, skip.explanation());
        }
        for file in &self.plugin_config_files {
            let _ = writeln!(
                out,
                "plugin configuration file: {file} (reported to approvers; cannot relax mandatory rules)"
            );
        }
        for warning in &self.warnings {
            let _ = writeln!(out, "warning: {warning}");
        }
        let c = &self.counts;
        let _ = writeln!(
            out,
            "\n{} blocking, {} critical, {} warning, {} info, {} suppressed",
            c.blocking, c.critical, c.warning, c.info, c.suppressed
        );
        let status = if self.auto_approved {
            "VALIDATED (auto-approved)".to_owned()
        } else {
            self.status.as_str().to_uppercase()
        };
        let _ = writeln!(out, "Verdict: {status}");
        for reason in &self.reasons {
            let _ = writeln!(out, "  - {reason}");
        }
        let p = &self.provenance;
        if !p.validator_version.is_empty() {
            let _ = writeln!(
                out,
                "\nplugin-validator {}, rules {}, policy {}; compatible with {}",
                p.validator_version,
                p.rules_version,
                p.short_policy_digest(),
                p.reference_tools_line()
            );
        }
        if let Some(diff) = &self.diff {
            out.push('\n');
            out.push_str(&diff.to_text());
        } else if self.first_version {
            out.push_str("\nFirst version of this plugin: nothing to compare with.\n");
        }
        out
    }
}

/// The `[general]` fields of `metadata.txt` (empty when it is missing or unreadable).
pub fn metadata_map(package: &PackageInfo) -> BTreeMap<String, String> {
    match &package.metadata {
        Ok(metadata) => metadata
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.trim().to_owned()))
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}
