//! The rule policy: per rule, whether it runs, how it is rated (the level) and whether uploaders
//! may skip it; per check, whether it can block at all. The policy, not "any finding", decides
//! what blocks.

mod generate;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use validator_domain::{Check, Finding, Level, RuleInfo, SkipDecision, SkipOutcome, Suppression};

pub use generate::{from_tsv, TsvError};

/// The policy shipped with the validator, generated from the website's rule data
/// (`plugin-validator policy --from-tsv`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../default-policy.toml");

/// Which rules run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleSet {
    /// The policy's enabled rules.
    #[default]
    Policy,
    /// Every rule the engines know, as the reference tools run by default.
    All,
}

impl std::str::FromStr for RuleSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "policy" => Ok(Self::Policy),
            "all" => Ok(Self::All),
            other => Err(format!("unknown rule set `{other}` (use policy or all)")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid policy {origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Settings of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckPolicy {
    /// A disabled check is not run at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// An informational check reports but never blocks.
    #[serde(default)]
    pub informational: bool,
}

impl Default for CheckPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            informational: false,
        }
    }
}

/// What a finding of an enabled rule does to the version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// The version is blocked (unless the check is informational).
    Block,
    /// The version is validated but held for a human review: never auto-approved, and the
    /// approvers' email leads with the finding's evidence.
    Review,
    /// Listed in the report only.
    Report,
}

/// Which findings of code rules may block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockScope {
    /// Findings of code rules (security, behaviour) block only in Python files the plugin
    /// loads (its import graph from `__init__.py`); elsewhere they are reported as "not loaded
    /// by the plugin". Secrets block in every file: they are published with the zip.
    #[default]
    Loaded,
    /// Every finding blocks wherever it is, as the website's scanner does.
    All,
}

/// Settings of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePolicy {
    pub check: String,
    pub level: Level,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `false`: mandatory. Uploaders cannot skip it and plugin configuration cannot relax it.
    #[serde(default)]
    pub skippable: bool,
    /// Absent: the rule's default (review for the rules a check holds for review, else block
    /// when the level is one of `block_levels`, else report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RuleAction>,
}

fn yes() -> bool {
    true
}

fn default_block_levels() -> Vec<Level> {
    vec![Level::Critical]
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Findings of enabled rules at these levels block.
    #[serde(default = "default_block_levels")]
    pub block_levels: Vec<Level>,
    /// `loaded` (default): code findings in files the plugin never loads do not block; `all`:
    /// every finding blocks wherever it is.
    #[serde(default)]
    pub block_scope: BlockScope,
    /// `true` (default): a finding without the evidence that makes its rule a risk (a
    /// placeholder password, a constant shell command, the plugin's own cache file unpickled,
    /// code its user typed) is reported, or held for review, with the reason, and does not
    /// block. `false`: every finding of a blocking rule blocks, as the website's scanner does.
    #[serde(default = "yes")]
    pub evidence_aware: bool,
    #[serde(default)]
    pub checks: BTreeMap<String, CheckPolicy>,
    #[serde(default)]
    pub rules: BTreeMap<String, RulePolicy>,
}

/// The effective setting of one rule (from the policy, else the check's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSetting {
    pub level: Level,
    pub enabled: bool,
    pub mandatory: bool,
    /// The policy's explicit action, if any.
    pub action: Option<RuleAction>,
}

impl Default for Policy {
    fn default() -> Self {
        // The shipped file is validated by a test; fall back to an empty policy (checks'
        // defaults) rather than panic if it were ever broken.
        Self::from_toml(DEFAULT_POLICY_TOML, "default").unwrap_or_else(|_| Self::empty())
    }
}

impl Policy {
    /// No rule settings: every rule runs with its check's defaults.
    pub fn empty() -> Self {
        Self {
            block_levels: default_block_levels(),
            block_scope: BlockScope::default(),
            evidence_aware: true,
            checks: BTreeMap::new(),
            rules: BTreeMap::new(),
        }
    }

    pub fn from_toml(text: &str, origin: &str) -> Result<Self, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError::Invalid {
            origin: origin.to_owned(),
            message: e.to_string(),
        })
    }

    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// The policy as TOML, with a header that says where it came from.
    pub fn to_toml(&self, header: &str) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        let mut out = String::new();
        for line in header.lines() {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&body);
        out
    }

    /// `sha256:<hex>` of the policy serialized as canonical TOML: two files that differ only in
    /// comments or layout have the same digest, any changed setting changes it.
    pub fn digest(&self) -> String {
        use sha2::Digest as _;
        let canonical = toml::to_string(self).unwrap_or_default();
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
        )
    }

    pub fn check(&self, check: &str) -> CheckPolicy {
        self.checks.get(check).cloned().unwrap_or_default()
    }

    pub fn check_enabled(&self, check: &str) -> bool {
        self.check(check).enabled
    }

    /// The setting of `rule` of `check`; a rule the policy does not list keeps its defaults.
    /// An entry whose id ends with `*` (`SIG:acme/*`) applies to every rule of its check whose
    /// id starts with what precedes the `*` (a whole signature pack); the rule's own entry,
    /// else the longest such prefix, wins.
    pub fn rule(&self, check: &str, rule: &str, defaults: Option<&RuleInfo>) -> RuleSetting {
        let listed = self
            .rules
            .get(rule)
            .filter(|r| r.check == check)
            .or_else(|| self.wildcard_rule(check, rule));
        match listed {
            Some(r) => RuleSetting {
                level: r.level,
                enabled: r.enabled,
                mandatory: !r.skippable,
                action: r.action,
            },
            None => RuleSetting {
                level: defaults.map_or(Level::Warning, |d| d.level),
                enabled: true,
                mandatory: defaults.is_some_and(|d| d.mandatory),
                action: None,
            },
        }
    }

    fn wildcard_rule(&self, check: &str, rule: &str) -> Option<&RulePolicy> {
        self.rules
            .iter()
            .filter(|(id, r)| {
                r.check == check
                    && id
                        .strip_suffix('*')
                        .is_some_and(|prefix| !prefix.is_empty() && rule.starts_with(prefix))
            })
            .max_by_key(|(id, _)| id.len())
            .map(|(_, r)| r)
    }

    /// The action of a rule of `check`: the policy's, else review for the rules the check
    /// holds for review, else block at the block levels, else report.
    pub fn action(&self, check: &dyn Check, rule: &str) -> RuleAction {
        let setting = self.rule(check.id(), rule, check.rule(rule));
        match setting.action {
            Some(action) => action,
            None if check.rule_holds_for_review(rule) => RuleAction::Review,
            None if self.block_levels.contains(&setting.level) => RuleAction::Block,
            None => RuleAction::Report,
        }
    }

    /// Whether a rule runs under `rule_set`.
    pub fn runs(&self, check: &dyn Check, rule: &str, rule_set: RuleSet) -> bool {
        rule_set == RuleSet::All || self.rule(check.id(), rule, check.rule(rule)).enabled
    }

    /// Rates the raw findings of `check`: drops those of rules that do not run, applies levels,
    /// honoured skips, and decides per finding whether it blocks.
    pub fn evaluate(
        &self,
        check: &dyn Check,
        findings: Vec<Finding>,
        rule_set: RuleSet,
        skips: &[SkipDecision],
    ) -> Vec<Finding> {
        let informational = self.check(check.id()).informational;
        findings
            .into_iter()
            .filter_map(|mut finding| {
                let setting = self.rule(check.id(), &finding.rule, check.rule(&finding.rule));
                if !setting.enabled && rule_set == RuleSet::Policy {
                    return None;
                }
                finding.level = setting.level;
                finding.mandatory = setting.mandatory;
                finding.role = check.rule_role(&finding.rule);
                if setting.mandatory
                    && matches!(finding.suppressed, Some(Suppression::PluginConfig { .. }))
                {
                    // Plugin-supplied configuration never relaxes a mandatory rule.
                    finding.suppressed = None;
                }
                if finding.suppressed.is_none()
                    && !setting.mandatory
                    && skips.iter().any(|s| s.honoured() && s.rule == finding.rule)
                {
                    finding.suppressed = Some(Suppression::Skipped);
                }
                let counts = finding.suppressed.is_none() && setting.enabled && !informational;
                let action = match setting.action {
                    Some(action) => action,
                    None if check.rule_holds_for_review(&finding.rule) => RuleAction::Review,
                    None if self.block_levels.contains(&setting.level) => RuleAction::Block,
                    None => RuleAction::Report,
                };
                // The check knows this finding cannot block on its own (a script QGIS does not
                // load): a human looks instead.
                let action = match (action, &finding.review_at_most) {
                    (RuleAction::Block, Some(_)) => RuleAction::Review,
                    (action, _) => action,
                };
                finding.blocking = counts && action == RuleAction::Block;
                finding.review = counts && action == RuleAction::Review;
                self.weigh_evidence(&mut finding);
                Some(finding)
            })
            .collect()
    }

    /// The evidence-aware relaxations: a finding its check found without the evidence that
    /// makes its rule a risk (`without_evidence`), or whose value cannot be a secret
    /// (`not_a_secret`), does not block; the former is held for review when its check says so,
    /// and a finding of a review rule marked for reporting only is not held.
    /// With `evidence_aware = false` both marks are dropped and the finding is rated as the
    /// website rates it.
    fn weigh_evidence(&self, finding: &mut Finding) {
        if !self.evidence_aware {
            finding.without_evidence = None;
            finding.not_a_secret = None;
            return;
        }
        if finding.not_a_secret.is_some() {
            finding.blocking = false;
            finding.review = false;
        }
        if let Some(missing) = &finding.without_evidence {
            // A finding held for review is relaxed too when its check says reporting is enough.
            if finding.blocking || (finding.review && !missing.review) {
                finding.blocking = false;
                finding.review = missing.review;
                let outcome = if missing.review {
                    "held for review, does not block"
                } else {
                    "reported, does not block"
                };
                finding.message = format!("{} ({outcome}: {})", finding.message, missing.reason);
            }
        }
    }

    /// Decides each skip request: skippable rules are honoured, mandatory ones refused, unknown
    /// ones reported. Rule codes match case-insensitively and are recorded as the engines spell
    /// them.
    pub fn resolve_skips(&self, requested: &[String], checks: &[&dyn Check]) -> Vec<SkipDecision> {
        let mut decisions: Vec<SkipDecision> = Vec::new();
        for request in requested {
            let wanted = checks
                .iter()
                .find_map(|check| check.rule_alias(request.trim()))
                .unwrap_or(request.trim());
            let known = checks.iter().find_map(|check| {
                let info = check
                    .rules()
                    .iter()
                    .find(|r| r.id.eq_ignore_ascii_case(wanted));
                let listed = self
                    .rules
                    .iter()
                    .find(|(id, r)| id.eq_ignore_ascii_case(wanted) && r.check == check.id());
                match (info, listed) {
                    (_, Some((id, _))) => {
                        Some((id.clone(), self.rule(check.id(), id, check.rule(id))))
                    }
                    (Some(info), None) => Some((
                        info.id.to_owned(),
                        self.rule(check.id(), info.id, Some(info)),
                    )),
                    (None, None) => None,
                }
            });
            let decision = match known {
                Some((rule, setting)) => SkipDecision {
                    rule,
                    outcome: if setting.mandatory {
                        SkipOutcome::RefusedMandatory
                    } else {
                        SkipOutcome::Honoured
                    },
                },
                None => SkipDecision {
                    rule: wanted.to_owned(),
                    outcome: SkipOutcome::UnknownRule,
                },
            };
            if !decisions.iter().any(|d| d.rule == decision.rule) {
                decisions.push(decision);
            }
        }
        decisions
    }
}
