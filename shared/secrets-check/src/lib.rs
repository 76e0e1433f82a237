//! Secrets detection compatible with detect-secrets 1.5.0 (`scan --all-files`): its 27 plugin
//! types, named by class (`AWSKeyDetector`) with their type names in messages ("AWS Access
//! Key"), its default filters, `pragma: allowlist secret`, and its INI transformer.
//!
//! A detected value never leaves the engine: findings carry its SHA-1 (detect-secrets'
//! `hashed_secret`) and a masked preview only. A plugin's `.secrets.baseline` can only
//! acknowledge audited false positives, which stay reported (see [`baseline`]).

mod baseline;
mod detect;
mod file_type;
mod filters;
mod line_regex;
mod placeholder;
mod pytext;
pub mod rules;
mod scan;
mod secret;
mod transform;

use std::sync::Arc;

use validator_archive::Entry;
use validator_domain::{Check, CheckContext, CheckError, Finding, RuleInfo, Suppression};
use validator_python::{is_python_path, PythonSources};

pub use baseline::BASELINE_FILE_NAME;
pub use file_type::FileType;
pub use scan::{scan_file, Enabled, RawSecret, Skipped};
pub use secret::Secret;

use baseline::Baseline;

const ID: &str = "secrets";

/// The `secrets` check.
#[derive(Debug, Clone, Copy, Default)]
pub struct SecretsCheck;

impl SecretsCheck {
    pub const ID: &'static str = ID;

    /// Compiles every pattern now rather than on the first file (for timing and warm Lambdas).
    pub fn warm_up() {
        detect::DETECTORS.warm_up();
        detect::keyword::warm_up();
    }
}

impl Check for SecretsCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "Secrets detection"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        &rules::RULES
    }

    /// The website's policy names these rules by plugin class (`KeywordDetector`).
    fn rule_alias(&self, name: &str) -> Option<&'static str> {
        rules::SECRET_TYPES
            .iter()
            .find(|t| t.plugin.eq_ignore_ascii_case(name))
            .map(|t| t.type_name)
    }

    fn reads_python_files(&self) -> bool {
        true
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let enabled = Enabled::by_rule(|rule| (ctx.rule_enabled)(rule));
        let baselines = read_baselines(ctx)?;
        let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
        let (entries, skipped): (Vec<_>, Vec<_>) = ctx
            .archive
            .files()
            .partition(|entry| filters::skipped_file(&entry.name).is_none());
        // A Python file this check skips is not kept for it by the scan's shared sources.
        skipped
            .into_iter()
            .filter(|entry| is_python_path(&entry.name))
            .for_each(|entry| sources.release(entry));
        let per_file = sources.map_entries(ctx.archive, &entries, |entry| {
            file_findings(ctx, &sources, entry, &enabled, &baselines)
        });
        let mut findings = Vec::new();
        let mut scanned = 0usize;
        for file in per_file {
            if let Some(found) = file? {
                scanned += 1;
                findings.extend(found);
            }
        }
        tracing::debug!(
            files = scanned,
            findings = findings.len(),
            "secrets scan finished"
        );
        Ok(findings)
    }
}

/// The findings of one file, `None` when it is not text (detect-secrets skips it).
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    enabled: &Enabled,
    baselines: &[Baseline],
) -> Result<Option<Vec<Finding>>, CheckError> {
    // A Python file's bytes come from the scan's shared sources: inflated once for the checks
    // that parse it and for this one.
    let bytes = if is_python_path(&entry.name) {
        sources
            .bytes(ctx.archive, entry)
            .map_err(|e| CheckError::Failed(format!("{}: {e}", entry.name)))?
    } else {
        Arc::new(ctx.archive.read(entry)?)
    };
    let Ok(found) = scan_file(&entry.name, &bytes, enabled) else {
        return Ok(None);
    };
    let own_baseline = baselines.iter().find(|b| b.path == entry.name);
    let mut findings = Vec::new();
    for raw in found {
        let hash = raw.value.hashed();
        // A baseline lists hashes, not secrets: do not report them back.
        if own_baseline.is_some_and(|b| b.hashes.contains(raw.value.expose())) {
            continue;
        }
        let ty = raw.secret_type;
        let mut message = format!(
            "{}: {} (hashed_secret {hash})",
            ty.type_name,
            raw.value.masked()
        );
        let acknowledged = baselines
            .iter()
            .find(|b| b.acknowledges(&entry.name, ty.type_name, &hash));
        let mut finding =
            Finding::new(ID, &ty.rule, entry.name.clone(), String::new()).at(raw.line, 0);
        if raw.allowlisted {
            message.push_str("; allowlisted in the code (pragma: allowlist secret)");
            finding.suppressed = Some(Suppression::Inline {
                marker: "pragma: allowlist secret".to_owned(),
            });
        } else if let Some(baseline) = acknowledged {
            message.push_str(&format!(
                "; audited as a false positive in {}",
                baseline.path
            ));
            finding.suppressed = Some(Suppression::PluginConfig {
                file: baseline.path.clone(),
            });
        }
        // Under the policy, what cannot be a secret says so and does not block (see
        // placeholder.rs); `--rules all` reports what detect-secrets reports.
        if !ctx.reference_defaults && finding.suppressed.is_none() {
            let line_text = line_of(&bytes, raw.line);
            let reason = placeholder::not_a_secret(raw.value.expose(), &line_text)
                .or_else(|| {
                    placeholder::documented_default(
                        raw.value.expose(),
                        &line_text,
                        &entry.name,
                        ty.type_name,
                    )
                })
                .or_else(|| {
                    placeholder::expired_token(raw.value.expose(), ty.type_name, unix_now())
                });
            if let Some(reason) = reason {
                message.push_str(&format!("; not a secret: {reason}"));
                finding.not_a_secret = Some(reason);
            }
        }
        finding.message = message;
        finding.snippet = Some(raw.value.masked());
        findings.push(finding);
    }
    Ok(Some(findings))
}

/// Seconds since 1970 now (0 if the clock is before it: then no token counts as expired).
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The text of 1-based `line` of a file (lossy; empty past the end).
fn line_of(bytes: &[u8], line: u32) -> String {
    bytes
        .split(|b| *b == b'\n')
        .nth((line as usize).saturating_sub(1))
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .unwrap_or_default()
}

/// Every `.secrets.baseline` in the plugin that parses as one.
fn read_baselines(ctx: &CheckContext<'_>) -> Result<Vec<Baseline>, CheckError> {
    let mut out = Vec::new();
    for entry in ctx.archive.files() {
        if entry.file_name() == BASELINE_FILE_NAME {
            let bytes = ctx.archive.read(entry)?;
            match Baseline::parse(&entry.name, &bytes) {
                Some(baseline) => out.push(baseline),
                None => tracing::info!(path = %entry.name, "not a detect-secrets baseline"),
            }
        }
    }
    Ok(out)
}
