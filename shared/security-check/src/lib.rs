//! The security check (`security`): every test of Bandit 1.9.4, natively, with Bandit's test
//! ids, severities, confidences and `# nosec` rules, on the scan's shared Python parse.
//!
//! * [`engine::analyse_module`] runs the tests on one parsed file (the compatibility harness uses
//!   it directly);
//! * [`SecurityCheck`] runs it on every Python file of a plugin, reports files it cannot analyse
//!   as SEC000, keeps `# nosec`-suppressed findings visible, and applies the plugin's `.bandit`
//!   file as a (policy-limited) relaxation.

mod blacklist;
mod context;
pub mod engine;
mod evidence;
mod literal;
pub mod noqa;
pub mod nosec;
pub mod plugin_config;
mod plugins;
pub mod rules;
mod tree;
mod walk;

use validator_archive::Entry;
use validator_domain::{Check, CheckContext, CheckError, Finding, RuleInfo, Suppression};
use validator_python::{FileError, PythonSources};

pub use engine::{analyse_module, analyse_module_in_plugin, FileIssue, NotAnalysed};
pub use evidence::OwnValueFunctions;
pub use rules::{Rule, RULES};

const ID: &str = "security";

/// The Bandit-compatible security analysis.
#[derive(Debug, Default, Clone, Copy)]
pub struct SecurityCheck;

impl Check for SecurityCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "Security analysis"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        &RULES
    }

    fn reads_python_files(&self) -> bool {
        true
    }

    /// Under the policy every file is read twice: the plugin's own functions first (`run`),
    /// then the file's findings.
    fn python_file_reads(&self, reference_defaults: bool) -> usize {
        if reference_defaults {
            1
        } else {
            2
        }
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
        let relaxations = plugin_config::relaxations(ctx.archive, ctx.package);
        let entries: Vec<_> = PythonSources::python_files(ctx.archive).collect();
        // Evidence may come from another module of the plugin (a path helper in `utilities`):
        // its functions are read once, before any file is analysed.
        // The files in parallel on the scan's workers (the other checks wait for this one at
        // the end of their first stretch); merged in any order, the result is the same.
        let mut own_functions = OwnValueFunctions::default();
        if !ctx.reference_defaults {
            let parts = sources.map_files(&entries, |entry| {
                let mut part = OwnValueFunctions::default();
                if let Ok(module) = sources.get(ctx.archive, entry) {
                    if let Some(syntax) = module.syntax() {
                        part.add_module(entry.name.as_str(), &syntax.body);
                    }
                }
                part
            });
            for part in parts {
                own_functions.merge(part);
            }
        }
        sources.flat_map_entries(ctx.archive, &entries, |entry| {
            file_findings(ctx, &sources, entry, &relaxations, &own_functions)
        })
    }
}

/// The findings of one Python file, or SEC000 when it cannot be analysed.
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    relaxations: &[plugin_config::Relaxation],
    own_functions: &OwnValueFunctions,
) -> Result<Vec<Finding>, CheckError> {
    let path = entry.name.as_str();
    let analysed = match sources.get(ctx.archive, entry) {
        Ok(module) => analyse_module_in_plugin(&module, own_functions),
        Err(FileError::Source(error)) => Err(NotAnalysed {
            reason: error.to_string(),
            line: None,
        }),
        Err(FileError::Archive(error)) => {
            return Err(CheckError::Failed(format!("{path}: {error}")))
        }
    };
    let mut findings = Vec::new();
    match analysed {
        Ok(issues) => {
            for issue in issues {
                if (ctx.rule_enabled)(issue.rule.id()) {
                    findings.push(finding_of(ctx, path, issue, relaxations));
                }
            }
        }
        Err(not_analysed) => {
            tracing::info!(path, reason = %not_analysed, "Python file not analysed");
            if (ctx.rule_enabled)(Rule::SEC000.id()) {
                let mut finding = Finding::new(
                    ID,
                    Rule::SEC000.info(),
                    path,
                    format!("This Python file could not be analysed: {not_analysed}."),
                );
                finding.line = not_analysed.line;
                findings.push(finding);
            }
        }
    }
    Ok(findings)
}

fn finding_of(
    ctx: &CheckContext<'_>,
    path: &str,
    issue: FileIssue,
    relaxations: &[plugin_config::Relaxation],
) -> Finding {
    let mut finding =
        Finding::new(ID, issue.rule.info(), path, issue.text).at(issue.line, issue.column);
    finding.severity = issue.severity;
    finding.confidence = Some(issue.confidence);
    // ruff's `# noqa: Sxxx` counts like `# nosec Bxxx` under the policy; Bandit (`--rules all`)
    // does not read it.
    let noqa = issue.noqa.filter(|_| !ctx.reference_defaults);
    // Evidence is weighed under the policy only: `--rules all` is Bandit.
    finding.without_evidence = issue.without_evidence.filter(|_| !ctx.reference_defaults);
    finding.suppressed = match issue.nosec.or(noqa) {
        Some(marker) => Some(Suppression::Inline { marker }),
        None => relaxations
            .iter()
            .find(|r| r.relaxes(issue.rule.id()))
            .map(|r| Suppression::PluginConfig {
                file: r.file.clone(),
            }),
    };
    finding
}
