use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use validator_archive::{ArchiveError, ArchiveLimits, PluginArchive};

use crate::{CheckDetails, Finding, Level, PackageInfo, Severity};

/// What a check knows about one of its rules: the defaults that the shipped policy starts from,
/// and the remediation guidance shown in reports and emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// Default policy level.
    pub level: Level,
    /// Default: the uploader may not skip it.
    pub mandatory: bool,
    /// What the risk is and how to fix it, in our own words.
    pub remediation: &'static str,
}

/// Everything a check may look at. Built once per scan and shared by every check that runs in
/// the same process.
pub struct CheckContext<'a> {
    pub archive: &'a PluginArchive,
    pub package: &'a PackageInfo,
    /// Whether a rule runs at all under the selected rule set; checks may skip work for rules
    /// that do not run (the policy drops their findings anyway).
    pub rule_enabled: &'a (dyn Fn(&str) -> bool + Sync),
    /// `--rules all`: the engines run as the reference tools do by default (flake8's own
    /// settings, not the website's), so that their reports can be compared.
    pub reference_defaults: bool,
    /// Work shared by the checks of one scan in this process (the parsed Python sources), so
    /// that it is done once however many checks need it.
    pub cache: &'a ScanCache,
}

/// Artifacts computed once per scan and shared by the checks that run in the same process, one
/// slot per type (the Python parse cache is one). Safe to use from checks running in parallel.
#[derive(Default)]
pub struct ScanCache {
    slots: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl ScanCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The artifact of type `T`, created by `init` on first use.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        // A poisoned lock only means another check panicked while creating its slot; the map
        // itself is still consistent.
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let slot = slots
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()) as Arc<dyn Any + Send + Sync>)
            .clone();
        drop(slots);
        match slot.downcast::<T>() {
            Ok(value) => value,
            Err(_) => unreachable!("slots are keyed by their own type"),
        }
    }
}

impl std::fmt::Debug for ScanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanCache")
    }
}

/// A check that could not finish. The scan then ends in `error`: never a silent pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("reading the archive failed: {0}")]
    Archive(#[from] ArchiveError),
    #[error("{0}")]
    Failed(String),
}

/// What a check produced: its findings, and what it knows beyond them (the licence check's
/// licence section), carried with its result to the report.
#[derive(Debug, Clone, Default)]
pub struct CheckOutput {
    pub findings: Vec<Finding>,
    pub details: CheckDetails,
}

/// What a rule's findings mean at verdict time, beyond their action.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleRole {
    /// A finding about the plugin's code or files.
    #[default]
    Finding,
    /// Marks a file the plugin never loads: under `block_scope = "loaded"` the code findings
    /// in that file do not block.
    NotLoaded,
    /// Describes which files the plugin loads, not what its code does: never marked
    /// not-loaded itself, and not a change of behaviour between versions.
    Scope,
}

impl RuleRole {
    pub fn is_finding(&self) -> bool {
        *self == RuleRole::Finding
    }
}

/// One check. Implementations are pure functions of the context, so the same check runs in the
/// CLI, the local pipeline and the Lambda.
pub trait Check: Send + Sync {
    /// Stable name, as stored and queued (`package_structure`).
    fn id(&self) -> &'static str;
    /// Human name (`Package structure`).
    fn title(&self) -> &'static str;
    /// Every rule this check can report.
    fn rules(&self) -> &'static [RuleInfo];
    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError>;

    /// The findings and the details the report carries beside them. Checks with details to
    /// give implement this (and `run` as its findings); the others keep this default.
    fn run_with_details(&self, ctx: &CheckContext<'_>) -> Result<CheckOutput, CheckError> {
        Ok(CheckOutput {
            findings: self.run(ctx)?,
            details: CheckDetails::default(),
        })
    }

    /// The rule with this id.
    fn rule(&self, id: &str) -> Option<&'static RuleInfo> {
        self.rules().iter().find(|r| r.id == id)
    }

    /// The rule id that another name of a rule refers to: the website's policy data and
    /// uploaders' skip lists may name a rule differently from the findings (detect-secrets'
    /// plugin class `KeywordDetector` for the type "Secret Keyword").
    fn rule_alias(&self, _name: &str) -> Option<&'static str> {
        None
    }

    /// Whether the check reads every Python file through the scan's shared sources (parsed,
    /// or its bytes): a scan that runs several such checks inflates and parses each file once
    /// and keeps it until all of them have read it.
    fn reads_python_files(&self) -> bool {
        false
    }

    /// How many times the check takes each Python file from the scan's shared sources under
    /// these rules (`reference_defaults`: `--rules all`): once for a check that reads Python,
    /// more for one that goes through the files again. The scan keeps a file until every take
    /// is done, so a count short of the real one makes other checks parse it again.
    fn python_file_reads(&self, _reference_defaults: bool) -> usize {
        usize::from(self.reads_python_files())
    }

    /// What this rule's findings mean at verdict time (see [`RuleRole`]): the policy stamps it
    /// on every finding, so that the layers that decide the verdict and the diff read the
    /// role, not the check's rule names.
    fn rule_role(&self, _rule: &str) -> RuleRole {
        RuleRole::Finding
    }

    /// Whether a finding of this rule holds the version for a human review by default (the
    /// policy's `review` action) instead of blocking or only being reported: the behaviour
    /// check's rules for things a legitimate plugin may do but an approver must see.
    fn rule_holds_for_review(&self, _rule: &str) -> bool {
        false
    }
}

/// Runs one check alone on a plugin zip, every rule enabled, under the default archive limits
/// and the policy's engine settings (not `--rules all`): a check exercised outside a scan, as
/// its tests and fixtures do.
pub fn run_on_zip(check: &dyn Check, zip: Vec<u8>) -> Result<CheckOutput, CheckError> {
    run_on_zip_as(check, zip, false)
}

/// [`run_on_zip`], with `reference_defaults` as `--rules all` sets it (the engines run as the
/// reference tools do by default).
pub fn run_on_zip_as(
    check: &dyn Check,
    zip: Vec<u8>,
    reference_defaults: bool,
) -> Result<CheckOutput, CheckError> {
    let archive = PluginArchive::open(zip, &ArchiveLimits::default())?;
    let package = PackageInfo::inspect(&archive);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: &|_| true,
        reference_defaults,
        cache: &ScanCache::new(),
    };
    check.run_with_details(&ctx)
}
