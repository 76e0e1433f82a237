//! Generates the default policy from the website's rule data (`qgis-default-policy.tsv`) plus
//! the defaults of our own checks' rules.

use std::collections::BTreeMap;

use validator_domain::{Check, Level};

use crate::{CheckPolicy, Policy, RuleAction, RulePolicy};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TsvError {
    #[error(
        "line {line}: expected 5 tab-separated columns (tool, code, level, enabled, skippable)"
    )]
    Columns { line: usize },
    #[error("line {line}: unknown tool `{tool}` (bandit, secrets or flake8)")]
    Tool { line: usize, tool: String },
    #[error("line {line}: unknown level `{level}` (critical, warning or info)")]
    Level { line: usize, level: String },
    #[error("line {line}: `{value}` is not yes or no")]
    YesNo { line: usize, value: String },
}

/// Our check that implements each of the website's tools.
fn check_of_tool(tool: &str) -> Option<&'static str> {
    match tool {
        "bandit" => Some("security"),
        "secrets" => Some("secrets"),
        "flake8" => Some("code_quality"),
        _ => None,
    }
}

/// Builds the policy: every TSV row as a rule of the matching check, then every rule of `checks`
/// that the TSV does not list, with the check's own defaults. Code quality is informational, as
/// on the website (it never blocks).
pub fn from_tsv(tsv: &str, checks: &[&dyn Check]) -> Result<Policy, TsvError> {
    let mut rules = BTreeMap::new();
    for (number, line) in tsv.lines().enumerate() {
        let line_no = number + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("tool\t") {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [tool, code, level, enabled, skippable] = cols.as_slice() else {
            return Err(TsvError::Columns { line: line_no });
        };
        let check = check_of_tool(tool).ok_or_else(|| TsvError::Tool {
            line: line_no,
            tool: (*tool).to_owned(),
        })?;
        let level = match *level {
            "critical" => Level::Critical,
            "warning" => Level::Warning,
            "info" => Level::Info,
            other => {
                return Err(TsvError::Level {
                    line: line_no,
                    level: other.to_owned(),
                })
            }
        };
        // The website names some rules differently from the findings (detect-secrets' plugin
        // classes): store the policy under the id the findings carry.
        let code = checks
            .iter()
            .filter(|c| c.id() == check)
            .find_map(|c| c.rule_alias(code))
            .unwrap_or(code);
        rules.insert(
            code.to_owned(),
            RulePolicy {
                check: check.to_owned(),
                level,
                enabled: yes_no(enabled, line_no)?,
                skippable: yes_no(skippable, line_no)?,
                action: None,
            },
        );
    }
    for check in checks {
        for info in check.rules() {
            rules.entry(info.id.to_owned()).or_insert(RulePolicy {
                check: check.id().to_owned(),
                level: info.level,
                enabled: true,
                skippable: !info.mandatory,
                // Written out so that operators see (and tune) which rules hold for review.
                action: check
                    .rule_holds_for_review(info.id)
                    .then_some(RuleAction::Review),
            });
        }
    }
    let mut check_settings = BTreeMap::new();
    check_settings.insert(
        "code_quality".to_owned(),
        CheckPolicy {
            enabled: true,
            informational: true,
        },
    );
    Ok(Policy {
        block_levels: vec![Level::Critical],
        block_scope: crate::BlockScope::Loaded,
        evidence_aware: true,
        checks: check_settings,
        rules,
    })
}

fn yes_no(value: &str, line: usize) -> Result<bool, TsvError> {
    match value {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(TsvError::YesNo {
            line,
            value: other.to_owned(),
        }),
    }
}
