use validator_archive::{ArchiveError, PluginArchive};

use crate::{Finding, Level, PackageInfo, Severity};

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
}

/// A check that could not finish. The scan then ends in `error`: never a silent pass.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("reading the archive failed: {0}")]
    Archive(#[from] ArchiveError),
    #[error("{0}")]
    Failed(String),
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

    /// The rule with this id.
    fn rule(&self, id: &str) -> Option<&'static RuleInfo> {
        self.rules().iter().find(|r| r.id == id)
    }
}
