use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The name of a check (`package_structure`, `security`, ...), stable across versions because it
/// is stored, queued and shown to users.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(pub String);

impl CheckId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// The engine's own severity of a finding (Bandit's scale; our checks use the same one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Low,
    Medium,
    High,
}

/// How sure the engine is (Bandit's scale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// How the policy rates a rule: the level decides, with the policy's block levels, what blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Critical,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Critical, Level::Warning, Level::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
        })
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "LOW",
            Confidence::Medium => "MEDIUM",
            Confidence::High => "HIGH",
        })
    }
}

/// Why a finding does not count against the plugin although its rule matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Suppression {
    /// An inline marker in the code (`# nosec`, `# noqa`, `pragma: allowlist secret`).
    Inline { marker: String },
    /// The uploader asked to skip this (skippable) rule.
    Skipped,
    /// A configuration file shipped in the plugin relaxed this (skippable) rule.
    PluginConfig { file: String },
}

/// What a finding lacks to be a risk, found by the check that reported it (see
/// [`Finding::without_evidence`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithoutEvidence {
    /// Why it is no risk as found, for maintainers and approvers.
    pub reason: String,
    /// Held for a human review instead of blocking (code the plugin's user typed, run by the
    /// plugin); `false`: reported only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub review: bool,
}

impl WithoutEvidence {
    /// Reported only.
    pub fn report(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            review: false,
        }
    }

    /// Held for a human review.
    pub fn review(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            review: true,
        }
    }
}

/// One problem found in the plugin. Values that could be secrets never appear here: checks put
/// redacted snippets only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: CheckId,
    pub rule: String,
    /// Path inside the zip.
    pub path: String,
    /// 1-based line, when the finding is about a line.
    pub line: Option<u32>,
    /// Column in the reference tool's convention, when the finding is about a line.
    pub column: Option<u32>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    pub message: String,
    /// The rule's guidance, shared rather than copied into every finding.
    pub remediation: Cow<'static, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// Set by the policy.
    pub level: Level,
    /// Set by the policy: this finding alone makes the plugin blocked.
    pub blocking: bool,
    /// Set by the policy: the rule cannot be skipped by uploaders or plugin configuration.
    pub mandatory: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// The bundled library (`six 1.16.0`) this finding's file belongs to, when that library was
    /// verified against its published release: the finding is listed under bundled libraries
    /// and does not block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundled_library: Option<String>,
    /// The finding is in a Python file the plugin never loads (not imported from its
    /// `__init__.py`): under `block_scope = "loaded"` a code finding there does not block.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_loaded: bool,
    /// Why the value a secrets rule matched cannot be a secret (a format placeholder, a
    /// documented placeholder, an example host's credentials): under the policy it does not
    /// block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_a_secret: Option<String>,
    /// The line ranges (`[first, last]`, 1-based) of this file that differ from a bundled
    /// library's release, on the bundled-libraries check's BND002 finding of a patched file:
    /// elsewhere in the file, findings are the release's and do not block. Empty: unknown (the
    /// whole file counts as changed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_lines: Vec<[u32; 2]>,
    /// Why the finding lacks the evidence that makes its rule a risk (a constant shell command,
    /// an empty password, the plugin's own cache file unpickled): under the evidence-aware
    /// policy (`evidence_aware = true`) it is reported, or held for review, and does not block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_evidence: Option<WithoutEvidence>,
    /// Set by the policy from the check ([`crate::Check::rule_role`]): what the finding means
    /// at verdict time. Absent for ordinary findings.
    #[serde(default, skip_serializing_if = "crate::RuleRole::is_finding")]
    pub role: crate::RuleRole,
    /// Set by the check: why this finding is held for review at most, whatever its rule's
    /// action (a script QGIS does not load): a `block` action becomes `review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_at_most: Option<String>,
    /// Set by the policy (`review` action): the version is validated but held for a human
    /// review, never auto-approved. Absent in reports written before the action existed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub review: bool,
    /// The finding's identity across versions, with `path` (see `fingerprint.rs`): set by the
    /// check runner from the code of the finding's line. `None` in reports made before
    /// fingerprints existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// A reviewer's decision on this finding (false positive, accepted risk), carried forward
    /// from an earlier version by path and fingerprint; a decided finding does not block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<crate::AppliedDecision>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Finding {
    /// A finding about a whole file (no line), with the rule's default rating; the policy rates it
    /// again when it is evaluated.
    pub fn new(
        check: &str,
        rule: &crate::RuleInfo,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            check: CheckId::new(check),
            rule: rule.id.to_owned(),
            path: path.into(),
            line: None,
            column: None,
            severity: rule.severity,
            confidence: None,
            message: message.into(),
            remediation: Cow::Borrowed(rule.remediation),
            snippet: None,
            level: rule.level,
            blocking: false,
            mandatory: rule.mandatory,
            suppressed: None,
            bundled_library: None,
            not_loaded: false,
            not_a_secret: None,
            without_evidence: None,
            changed_lines: Vec::new(),
            role: crate::RuleRole::Finding,
            review_at_most: None,
            review: false,
            fingerprint: None,
            decision: None,
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// `path:line` (or just the path) for reports and emails.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Findings counted by policy level, plus how many block and how many were suppressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub critical: u32,
    pub warning: u32,
    pub info: u32,
    pub blocking: u32,
    pub suppressed: u32,
    /// Suppressed findings of mandatory rules: listed for approvers, they stop auto-approval.
    pub suppressed_mandatory: u32,
    /// Findings of rules whose policy action is `review`: the version waits for a human.
    #[serde(default)]
    pub review: u32,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Self {
        let mut counts = Self::default();
        for finding in findings {
            counts.add(finding);
        }
        counts
    }

    pub fn add(&mut self, finding: &Finding) {
        if finding.suppressed.is_some() {
            self.suppressed += 1;
            if finding.mandatory {
                self.suppressed_mandatory += 1;
            }
            return;
        }
        match finding.level {
            Level::Critical => self.critical += 1,
            Level::Warning => self.warning += 1,
            Level::Info => self.info += 1,
        }
        if finding.blocking {
            self.blocking += 1;
        }
        if finding.review {
            self.review += 1;
        }
    }

    pub fn merge(&mut self, other: &Counts) {
        self.critical += other.critical;
        self.warning += other.warning;
        self.info += other.info;
        self.blocking += other.blocking;
        self.suppressed += other.suppressed;
        self.suppressed_mandatory += other.suppressed_mandatory;
        self.review += other.review;
    }

    pub fn total(&self) -> u32 {
        self.critical + self.warning + self.info
    }
}

/// Values shorter than this are masked entirely: a two-character preview of a short password
/// would give too much of it away.
const MIN_CHARS_FOR_PREVIEW: usize = 8;
/// How many leading characters a preview shows.
const PREVIEW_CHARS: usize = 2;

/// The only form in which a secret value may appear in a finding: its first two characters and
/// `***` (only `***` for short values), control characters shown as `?`.
pub fn masked_preview(value: &str) -> String {
    if value.chars().count() < MIN_CHARS_FOR_PREVIEW {
        return "***".to_owned();
    }
    let mut out: String = value
        .chars()
        .take(PREVIEW_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    out.push_str("***");
    out
}
