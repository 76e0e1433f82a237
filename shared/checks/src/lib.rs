//! The one place where checks are registered, and the runner that executes one check under the
//! policy. Adding a check is one entry in [`CheckRegistry::builtin`].

mod arenas;
mod provenance;
mod scanner;

pub use arenas::{tune_allocator, AllocatorTuning, MMAP_THRESHOLD_BYTES};
pub use scanner::{IntakeRefusal, OpenedPlugin, RanCheck, Scanner};
pub use validator_python::PythonLimits;

pub use provenance::{
    provenance, rules_version, ReferenceTool, REFERENCE_TOOLS, VALIDATOR_VERSION,
};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use validator_archive::PluginArchive;
use validator_domain::{
    assign_fingerprints, split_lines, Check, CheckContext, CheckError, CheckId, Finding,
    PackageInfo, RuleRole, ScanCache, SkipDecision,
};
use validator_policy::{Policy, RuleSet};

/// The checks a deployment runs.
#[derive(Clone)]
pub struct CheckRegistry {
    checks: Vec<Arc<dyn Check>>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown check `{name}` (known: {known})")]
pub struct UnknownCheck {
    pub name: String,
    pub known: String,
}

impl std::fmt::Debug for CheckRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|c| c.id())).finish()
    }
}

impl CheckRegistry {
    /// Every check of the product.
    pub fn builtin() -> Self {
        Self::with(vec![
            Arc::new(validator_package_checks::PackageStructureCheck),
            Arc::new(validator_package_checks::FilePermissionsCheck),
            Arc::new(validator_package_checks::SuspiciousFilesCheck),
            Arc::new(validator_security::SecurityCheck),
            Arc::new(validator_secrets::SecretsCheck),
            Arc::new(validator_quality::CodeQualityCheck),
            Arc::new(validator_behaviour::BehaviourCheck),
            Arc::new(validator_bundled::BundledLibrariesCheck::from_env()),
            Arc::new(validator_licence::LicenceCheck),
            Arc::new(validator_dependencies::DependenciesCheck::from_env()),
            Arc::new(validator_qgis4::Qgis4Check),
            Arc::new(validator_signatures::SignaturesCheck::from_env()),
        ])
    }

    pub fn with(checks: Vec<Arc<dyn Check>>) -> Self {
        Self { checks }
    }

    /// The registry with `check` in place of the check of the same id (a deployment's own
    /// configuration of a check); unchanged when no check has that id.
    pub fn replacing(mut self, check: Arc<dyn Check>) -> Self {
        if let Some(slot) = self.checks.iter_mut().find(|c| c.id() == check.id()) {
            *slot = check;
        }
        self
    }

    /// The check with this id, shared (to move into a worker thread).
    pub fn shared(&self, id: &str) -> Option<Arc<dyn Check>> {
        self.checks.iter().find(|c| c.id() == id).cloned()
    }

    pub fn get(&self, id: &str) -> Option<&dyn Check> {
        self.checks
            .iter()
            .find(|c| c.id() == id)
            .map(|c| c.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Check> {
        self.checks.iter().map(|c| c.as_ref())
    }

    pub fn as_slice(&self) -> Vec<&dyn Check> {
        self.iter().collect()
    }

    pub fn ids(&self) -> Vec<CheckId> {
        self.iter().map(|c| CheckId::new(c.id())).collect()
    }

    /// The checks the policy enables, in registry order.
    pub fn enabled(&self, policy: &Policy) -> Self {
        Self::with(
            self.checks
                .iter()
                .filter(|c| policy.check_enabled(c.id()))
                .cloned()
                .collect(),
        )
    }

    /// A subset by name (`--checks a,b`), in registry order; an unknown name is an error.
    pub fn select(&self, names: &[String]) -> Result<Self, UnknownCheck> {
        for name in names {
            if self.get(name).is_none() {
                return Err(UnknownCheck {
                    name: name.clone(),
                    known: self.iter().map(|c| c.id()).collect::<Vec<_>>().join(", "),
                });
            }
        }
        Ok(Self::with(
            self.checks
                .iter()
                .filter(|c| names.iter().any(|n| n == c.id()))
                .cloned()
                .collect(),
        ))
    }

    /// The default policy generated from the website's rule data and these checks' rules.
    pub fn policy_from_tsv(&self, tsv: &str) -> Result<Policy, validator_policy::TsvError> {
        validator_policy::from_tsv(tsv, &self.as_slice())
    }
}

/// Applies, at verdict time, what the `bundled_libraries` check verified: the other checks'
/// findings in files of a verified bundled library (unmodified, or a patched copy's files that
/// are the release's) do not block and name the library (the report lists them under bundled
/// libraries); each result's counts follow.
/// Returns how many findings stopped blocking.
pub fn apply_bundled_libraries(results: &mut [validator_domain::CheckResult]) -> usize {
    let verified: Vec<(String, String)> = results
        .iter()
        .flat_map(|r| validator_bundled::verified_paths(&r.findings))
        .collect();
    if verified.is_empty() {
        return 0;
    }
    let modified: Vec<(String, Vec<[u32; 2]>)> = results
        .iter()
        .flat_map(|r| validator_bundled::modified_files(&r.findings))
        .collect();
    let mut changed = 0;
    for result in results.iter_mut() {
        let relaxed = validator_bundled::relax_verified(&mut result.findings, &verified, &modified);
        if relaxed > 0 || result.findings.iter().any(|f| f.bundled_library.is_some()) {
            result.counts = validator_domain::Counts::of(&result.findings);
        }
        changed += relaxed;
    }
    changed
}

/// The checks whose findings are about code that must run to do harm: under
/// `block_scope = "loaded"` their findings in files the plugin never loads do not block.
/// (Secrets are not among them: a secret is published with the zip whether its file runs or not.)
pub const LOADED_SCOPE_CHECKS: &[&str] = &["security", "behaviour"];

/// Applies, at verdict time, the behaviour check's loaded scope: under
/// `block_scope = "loaded"`, findings of [`LOADED_SCOPE_CHECKS`] in Python files the plugin
/// never loads (the files its findings of role [`RuleRole::NotLoaded`] name: the behaviour
/// check's BHV900) are marked `not_loaded` and do not block. Without the
/// behaviour check's scope (disabled, failed, or dynamic loading found) nothing changes:
/// fail-closed. Returns how many findings stopped blocking.
pub fn apply_loaded_scope(results: &mut [validator_domain::CheckResult], policy: &Policy) -> usize {
    if policy.block_scope == validator_policy::BlockScope::All {
        return 0;
    }
    let not_loaded: std::collections::BTreeSet<String> = results
        .iter()
        .flat_map(|r| r.findings.iter())
        .filter(|f| f.role == RuleRole::NotLoaded && f.suppressed.is_none())
        .map(|f| f.path.clone())
        .collect();
    if not_loaded.is_empty() {
        return 0;
    }
    let mut changed = 0;
    for result in results.iter_mut() {
        if !LOADED_SCOPE_CHECKS.contains(&result.check.as_str()) {
            continue;
        }
        let mut touched = false;
        for finding in result.findings.iter_mut() {
            if !finding.role.is_finding() || !not_loaded.contains(&finding.path) {
                continue;
            }
            finding.not_loaded = true;
            touched = true;
            if finding.blocking || finding.review {
                finding.blocking = false;
                finding.review = false;
                changed += 1;
            }
        }
        if touched {
            result.counts = validator_domain::Counts::of(&result.findings);
        }
    }
    changed
}

/// The checks whose findings in test modules do not block even when dynamic loading makes
/// every file count as loaded: the Bandit rules, about how code is written. The behaviour
/// check's findings (malice hidden in a test module a dynamic import reaches) still block.
pub const TEST_MODULE_RELAXED_CHECKS: &[&str] = &["security"];

/// Folder names under which test runners, not QGIS, load the modules.
const TEST_FOLDERS: &[&str] = &["test", "tests", "testing", "unittests", "unit_tests"];

/// A test module by the conventions of pytest and unittest: below a `test`/`tests` folder
/// (the plugin's top folder itself is not counted), `test_*.py`, `*_test.py`, `conftest.py`.
pub fn is_test_module(path: &str) -> bool {
    let Some(inside) = path.split_once('/').map(|(_, rest)| rest) else {
        return false;
    };
    if !inside.ends_with(".py") {
        return false;
    }
    let mut parts: Vec<&str> = inside.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    parts
        .iter()
        .any(|p| TEST_FOLDERS.contains(&p.to_ascii_lowercase().as_str()))
        || file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
}

/// Under `block_scope = "loaded"` and `evidence_aware = true`, when the behaviour check could
/// not bound what the plugin loads (its scope finding, BHV901: every file counts as loaded),
/// the findings of [`TEST_MODULE_RELAXED_CHECKS`] in test modules ([`is_test_module`]) are
/// reported with the reason instead of blocking. A plugin loads providers and algorithms by
/// computed names; a test module is run by a test runner. Returns how many stopped blocking.
pub fn apply_test_modules(results: &mut [validator_domain::CheckResult], policy: &Policy) -> usize {
    if policy.block_scope == validator_policy::BlockScope::All || !policy.evidence_aware {
        return 0;
    }
    let everything_loaded = results
        .iter()
        .flat_map(|r| r.findings.iter())
        .any(|f| f.role == RuleRole::Scope && f.suppressed.is_none());
    if !everything_loaded {
        return 0;
    }
    const REASON: &str = "in a test module, which a test runner runs, not QGIS (the plugin \
                          loads code dynamically, so every file counts as loaded, but test \
                          modules are not what plugins load)";
    let mut changed = 0;
    for result in results.iter_mut() {
        if !TEST_MODULE_RELAXED_CHECKS.contains(&result.check.as_str()) {
            continue;
        }
        let mut touched = false;
        for finding in result.findings.iter_mut() {
            if !finding.role.is_finding()
                || !(finding.blocking || finding.review)
                || !is_test_module(&finding.path)
            {
                continue;
            }
            finding.blocking = false;
            finding.review = false;
            finding.message = format!("{} (reported, does not block: {REASON})", finding.message);
            finding.without_evidence = Some(validator_domain::WithoutEvidence::report(REASON));
            touched = true;
            changed += 1;
        }
        if touched {
            result.counts = validator_domain::Counts::of(&result.findings);
        }
    }
    changed
}

/// Everything decided at verdict time, over all checks' findings: verified bundled libraries,
/// the plugin's loaded scope and test modules. Returns how many findings stopped blocking.
pub fn apply_verdict_time_rules(
    results: &mut [validator_domain::CheckResult],
    policy: &Policy,
) -> usize {
    apply_bundled_libraries(results)
        + apply_loaded_scope(results, policy)
        + apply_test_modules(results, policy)
}

/// What one check produced, rated by the policy.
#[derive(Debug)]
pub struct CheckRun {
    pub findings: Vec<Finding>,
    /// What the check knows beyond its findings (the licence section).
    pub details: validator_domain::CheckDetails,
    pub duration: Duration,
}

/// Runs one check on an opened archive and rates its findings, sharing `cache` with the other
/// checks of the same scan (one Python parse per file however many checks read it). A panic
/// inside the check is caught and becomes an error: a crash never passes a plugin.
pub(crate) fn execute(
    check: &dyn Check,
    archive: &PluginArchive,
    package: &PackageInfo,
    policy: &Policy,
    rule_set: RuleSet,
    skips: &[SkipDecision],
    cache: &ScanCache,
) -> Result<CheckRun, CheckError> {
    let _span = tracing::info_span!("check", check = check.id()).entered();
    let started = Instant::now();
    let rule_enabled = |rule: &str| policy.runs(check, rule, rule_set);
    let ctx = CheckContext {
        archive,
        package,
        rule_enabled: &rule_enabled,
        reference_defaults: rule_set == RuleSet::All,
        cache,
    };
    let output =
        catch_unwind(AssertUnwindSafe(|| check.run_with_details(&ctx))).map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            CheckError::Failed(format!("the {} check crashed: {what}", check.id()))
        })??;
    // The policy also weighs the evidence (`not_a_secret`, `without_evidence`).
    let mut findings = policy.evaluate(check, output.findings, rule_set, skips);
    let fingerprinting = Instant::now();
    fingerprint_findings(archive, &mut findings);
    let fingerprint_us = fingerprinting.elapsed().as_micros() as u64;
    let duration = started.elapsed();
    tracing::info!(
        findings = findings.len(),
        fingerprint_us,
        duration_ms = duration.as_millis() as u64,
        "check finished"
    );
    Ok(CheckRun {
        findings,
        details: output.details,
        duration,
    })
}

/// Sets each finding's fingerprint from the code of its line (see
/// `validator_domain::assign_fingerprints`). Each file with a line finding is inflated once more
/// here; a file that cannot be read or decoded gives an empty code (the fingerprint then rests on
/// the rule, the path and the order).
fn fingerprint_findings(archive: &PluginArchive, findings: &mut [Finding]) {
    // Findings come in path order: one file is read and split at a time.
    let mut current: Option<(String, Option<String>)> = None;
    let mut lines: Vec<(usize, usize)> = Vec::new();
    assign_fingerprints(findings, |path, line| {
        if current.as_ref().is_none_or(|(p, _)| p != path) {
            let text = archive
                .entry(path)
                .filter(|e| e.is_file())
                .and_then(|e| archive.read(e).ok())
                .map(|bytes| validator_archive::decode_text(&bytes).into_owned());
            lines = text.as_deref().map(line_spans).unwrap_or_default();
            current = Some((path.to_owned(), text));
        }
        let text = current.as_ref()?.1.as_deref()?;
        let (start, end) = *lines.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        text.get(start..end).map(str::to_owned)
    });
}

/// Byte ranges of the lines of `text` (as `split_lines` splits them).
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let base = text.as_ptr() as usize;
    split_lines(text)
        .into_iter()
        .map(|l| {
            let start = l.as_ptr() as usize - base;
            (start, start + l.len())
        })
        .collect()
}
