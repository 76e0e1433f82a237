//! One scan's run, in one place: open the upload (or say why it cannot be read), run the checks
//! side by side on the shared Python sources, rate their findings under the policy. The CLI's
//! `scan`, the check Lambda's `run_check` and the local pipeline all go through [`Scanner`].

use std::path::Path;

use validator_archive::{ArchiveError, ArchiveLimits, PluginArchive};
use validator_domain::{
    CheckError, CheckId, CheckResult, Finding, Level, PackageInfo, ScanCache, ScanId, SkipDecision,
};
use validator_policy::{Policy, RuleSet};
use validator_python::{PythonLimits, PythonSources};

use crate::{execute, CheckRegistry, CheckRun};

/// The checks of a scan and what they run under: the policy, the rule set, the limits.
#[derive(Debug, Clone)]
pub struct Scanner {
    registry: CheckRegistry,
    policy: Policy,
    rule_set: RuleSet,
    archive_limits: ArchiveLimits,
    python_limits: PythonLimits,
}

/// An upload that opened: its archive and what its metadata says.
pub struct OpenedPlugin {
    pub archive: PluginArchive,
    pub package: PackageInfo,
}

impl OpenedPlugin {
    /// Opens a zip's bytes (the intake: what the dispatcher records before any check runs).
    pub fn open(bytes: Vec<u8>, limits: &ArchiveLimits) -> Result<Self, IntakeRefusal> {
        Ok(Self::inspect(PluginArchive::open(bytes, limits)?))
    }

    fn inspect(archive: PluginArchive) -> Self {
        let package = PackageInfo::inspect(&archive);
        Self { archive, package }
    }
}

/// An upload that cannot be read as a plugin archive: it cannot be validated.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct IntakeRefusal(#[from] pub ArchiveError);

impl IntakeRefusal {
    /// The finding that blocks the upload whatever the policy says: nothing in it was checked.
    pub fn finding(&self) -> Finding {
        let mut finding = validator_package_checks::intake_finding(&self.0);
        finding.level = Level::Critical;
        finding.blocking = true;
        finding.mandatory = true;
        finding
    }
}

/// What one check of a scan gave.
#[derive(Debug)]
pub struct RanCheck {
    pub check: CheckId,
    pub run: Result<CheckRun, CheckError>,
}

impl RanCheck {
    /// The outcome as the result stored for the scan.
    pub fn into_result(self, scan_id: ScanId, attempt: u32) -> CheckResult {
        let duration_ms = self
            .run
            .as_ref()
            .map_or(0, |run| run.duration.as_millis() as u64);
        let (run, details) = match self.run {
            Ok(run) => (Ok(run.findings), run.details),
            Err(e) => (Err(e.to_string()), Default::default()),
        };
        CheckResult::new(scan_id, self.check, run, attempt, duration_ms).with_details(details)
    }
}

impl Scanner {
    /// The registry's checks under `policy` (with its rule set, [`RuleSet::Policy`]).
    pub fn new(
        registry: CheckRegistry,
        policy: Policy,
        archive_limits: ArchiveLimits,
        python_limits: PythonLimits,
    ) -> Self {
        Self {
            registry,
            policy,
            rule_set: RuleSet::Policy,
            archive_limits,
            python_limits,
        }
    }

    /// Runs `rule_set`'s rules (`All`: every rule, as the reference tools would).
    pub fn with_rule_set(mut self, rule_set: RuleSet) -> Self {
        self.rule_set = rule_set;
        self
    }

    pub fn registry(&self) -> &CheckRegistry {
        &self.registry
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Opens a zip's bytes under the scanner's archive limits.
    pub fn open(&self, bytes: Vec<u8>) -> Result<OpenedPlugin, IntakeRefusal> {
        OpenedPlugin::open(bytes, &self.archive_limits)
    }

    /// Opens a zip file, or packs a folder as the website would receive it.
    pub fn open_path(&self, path: &Path) -> Result<OpenedPlugin, IntakeRefusal> {
        let archive = PluginArchive::from_path(path, &self.archive_limits)?;
        Ok(OpenedPlugin::inspect(archive))
    }

    /// Runs every check of the registry on the plugin, side by side, in registry order. The
    /// checks share one parse of each Python file; a check that fails or panics gives an
    /// error, never an empty pass.
    pub fn run(&self, plugin: &OpenedPlugin, skips: &[SkipDecision]) -> Vec<RanCheck> {
        // Before the checks' threads start: each would otherwise keep an arena of freed memory.
        crate::tune_allocator(
            self.python_limits.max_malloc_arenas,
            self.python_limits.malloc_trim_threshold,
        );
        let cache = ScanCache::new();
        let python_readers = self
            .registry
            .iter()
            .filter(|c| c.reads_python_files())
            .count();
        let reference_defaults = self.rule_set == RuleSet::All;
        let python_reads = self
            .registry
            .iter()
            .map(|c| c.python_file_reads(reference_defaults))
            .sum();
        let sources =
            PythonSources::install(&cache, self.python_limits, python_readers, python_reads);
        let run_one = |check: &dyn validator_domain::Check| {
            // However the check ends (even by a panic outside the check), the others no longer
            // wait for it between stretches of files.
            let _leaves = check.reads_python_files().then(|| LeavesOnDrop(&sources));
            let run = execute(
                check,
                &plugin.archive,
                &plugin.package,
                &self.policy,
                self.rule_set,
                skips,
                &cache,
            );
            RanCheck {
                check: CheckId::new(check.id()),
                run,
            }
        };
        let checks = self.registry.as_slice();
        if let [check] = checks.as_slice() {
            return vec![run_one(*check)];
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = checks
                .iter()
                .map(|check| (check.id(), scope.spawn(|| run_one(*check))))
                .collect();
            handles
                .into_iter()
                .map(|(id, handle)| {
                    handle.join().unwrap_or_else(|_| RanCheck {
                        check: CheckId::new(id),
                        run: Err(CheckError::Failed(format!("the {id} check crashed"))),
                    })
                })
                .collect()
        })
    }
}

/// Says that a reader of the scan's Python files is done when dropped.
struct LeavesOnDrop<'a>(&'a PythonSources);

impl Drop for LeavesOnDrop<'_> {
    fn drop(&mut self) {
        self.0.leave();
    }
}
