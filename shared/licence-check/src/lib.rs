//! The `licence` check: under which terms the plugin and each of its files and bundled
//! libraries come, and whether the modules that use QGIS are under terms compatible with
//! QGIS's GPL-2.0-or-later.
//!
//! The rule plugins.qgis.org applies, as its maintainers state it: a plugin must be under the
//! GPL version 2 or later or a compatible licence; licence headers in the files are an accepted
//! alternative to a `LICENSE` file; and a plugin may keep a non-GPL core that does not import
//! QGIS, so the requirement holds for the modules that import QGIS, directly or through the
//! plugin's own modules. Every answer carries its evidence (the licence file and the detector's
//! score, the header line, the import chain, the compatibility table's source); what a human
//! should decide is held for review, never blocked by default.

pub mod compat;
pub mod detect;
mod files;
pub mod libraries;
pub mod notice;
pub mod rules;

use validator_domain::{
    Check, CheckContext, CheckDetails, CheckError, CheckOutput, Confidence1000, Finding, RuleInfo,
};

pub use rules::{REVIEW_RULES, RULES};

pub const CHECK_ID: &str = "licence";

/// Named, configurable limits and thresholds of the check (`PLUGIN_VALIDATOR_<NAME>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceLimits {
    /// The head of each source file searched for an SPDX line or a licence notice.
    pub max_header_bytes: u64,
    /// The part of a licence file (or packaging metadata) matched against the licence list.
    pub max_licence_text_bytes: u64,
    /// The detector's score from which a licence text counts as identified (0 to 1).
    pub min_licence_confidence: Confidence1000,
    /// Source files listed in the licence section (the rest are counted).
    pub max_listed_files: usize,
}

impl Default for LicenceLimits {
    fn default() -> Self {
        Self {
            max_header_bytes: 8 * 1024,
            max_licence_text_bytes: 256 * 1024,
            min_licence_confidence: Confidence1000(800),
            max_listed_files: 10_000,
        }
    }
}

/// A limit's value that is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value `{value}` for the licence limit `{name}`")]
pub struct LimitError {
    pub name: String,
    pub value: String,
}

impl LicenceLimits {
    pub const NAMES: [&'static str; 4] = [
        "max_header_bytes",
        "max_licence_text_bytes",
        "min_licence_confidence",
        "max_listed_files",
    ];

    pub fn env_var(name: &str) -> String {
        format!("PLUGIN_VALIDATOR_{}", name.to_ascii_uppercase())
    }

    pub fn from_env() -> Result<Self, LimitError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitError> {
        let mut limits = Self::default();
        for name in Self::NAMES {
            let Some(value) = lookup(&Self::env_var(name)) else {
                continue;
            };
            let invalid = || LimitError {
                name: name.to_owned(),
                value: value.clone(),
            };
            if name == "min_licence_confidence" {
                let score: f32 = value.trim().parse().map_err(|_| invalid())?;
                if !(0.0..=1.0).contains(&score) {
                    return Err(invalid());
                }
                limits.min_licence_confidence = Confidence1000::from_score(score);
                continue;
            }
            let parsed: u64 = value.trim().parse().map_err(|_| invalid())?;
            match name {
                "max_header_bytes" => limits.max_header_bytes = parsed,
                "max_licence_text_bytes" => limits.max_licence_text_bytes = parsed,
                _ => limits.max_listed_files = usize::try_from(parsed).unwrap_or(usize::MAX),
            }
        }
        Ok(limits)
    }
}

/// The licence check.
#[derive(Debug, Default, Clone, Copy)]
pub struct LicenceCheck;

impl Check for LicenceCheck {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "Licences"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    /// It reads each Python file's imports and head from the scan's shared parse.
    fn reads_python_files(&self) -> bool {
        true
    }

    fn rule_holds_for_review(&self, rule: &str) -> bool {
        REVIEW_RULES.contains(&rule)
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        self.run_with_details(ctx).map(|output| output.findings)
    }

    fn run_with_details(&self, ctx: &CheckContext<'_>) -> Result<CheckOutput, CheckError> {
        let limits = LicenceLimits::from_env().map_err(|e| CheckError::Failed(e.to_string()))?;
        let (report, mut findings) = files::examine(ctx, &limits)?;
        findings.retain(|f| (ctx.rule_enabled)(&f.rule));
        tracing::info!(
            plugin = report.plugin.spdx.as_deref().unwrap_or("unknown"),
            files = report.files.len(),
            libraries = report.libraries.len(),
            "licences"
        );
        Ok(CheckOutput {
            findings,
            details: CheckDetails {
                licence: Some(Box::new(report)),
                ..CheckDetails::default()
            },
        })
    }
}
