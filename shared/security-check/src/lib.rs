//! The security check (`security`): every test of Bandit 1.9.4, natively, with Bandit's test
//! ids, severities, confidences and `# nosec` rules, on the scan's shared Python parse.
//!
//! * [`engine::analyse_module`] runs the tests on one parsed file (the compatibility harness uses
//!   it directly);
//! * [`SecurityCheck`] runs it on every Python file of a plugin, reports files it cannot analyse
//!   as SEC000, keeps `# nosec`-suppressed findings visible, and applies the plugin's `.bandit`
//!   file as a (policy-limited) relaxation.

mod blacklist;
pub mod callers;
mod context;
pub mod engine;
mod evidence;
mod literal;
pub mod noqa;
pub mod nosec;
pub mod plugin_config;
mod plugins;
pub mod rules;
mod scripts;
mod tree;
mod walk;

use validator_archive::Entry;
use validator_domain::{
    Check, CheckContext, CheckError, Finding, RuleInfo, Suppression, WithoutEvidence,
};
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
        let mut script_scan = scripts::ScriptScan::default();
        if !ctx.reference_defaults {
            let parts = sources.map_files(&entries, |entry| {
                let mut functions = OwnValueFunctions::default();
                let mut scripts = scripts::ScriptScan::default();
                let module = sources.get(ctx.archive, entry).ok();
                if let Some(syntax) = module.as_ref().and_then(|m| m.syntax()) {
                    functions.add_module(entry.name.as_str(), &syntax.body);
                }
                scripts.add(entry.name.as_str(), module.as_deref());
                (functions, scripts)
            });
            for (functions, scripts) in parts {
                own_functions.merge(functions);
                script_scan.merge(scripts);
            }
        }
        let scripts = script_scan.outside_loaded_code(ctx.package.top_folder.as_deref());
        let mut findings = sources.flat_map_entries(ctx.archive, &entries, |entry| {
            let mut findings = file_findings(ctx, &sources, entry, &relaxations, &own_functions)?;
            if scripts.contains(entry.name.as_str()) {
                for (finding, question) in findings.iter_mut() {
                    if finding.without_evidence.is_none() {
                        finding.without_evidence = Some(WithoutEvidence::report(scripts::REASON));
                        *question = None;
                    }
                }
            }
            Ok::<_, CheckError>(findings)
        })?;
        answer_callers_questions(ctx, &sources, &entries, &own_functions, &mut findings);
        Ok(findings.into_iter().map(|(finding, _)| finding).collect())
    }
}

/// A finding, and the question for its function's callers when its evidence depends on them.
type Pending = (Finding, Option<Box<callers::CallersQuestion>>);

/// Answers the findings' questions to their functions' callers: one more look at every Python
/// file of the plugin, only when a finding asks. Parameters of a function whose calls cannot
/// all be seen count as outside input, and the finding keeps blocking.
fn answer_callers_questions(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entries: &[&Entry],
    own_functions: &OwnValueFunctions,
    findings: &mut [Pending],
) {
    let questions: Vec<&callers::CallersQuestion> = findings
        .iter()
        .filter_map(|(_, question)| question.as_deref())
        .collect();
    if questions.is_empty() {
        return;
    }
    // A file that could not be analysed may call the function with anything.
    if findings.iter().any(|(f, _)| f.rule == Rule::SEC000.id()) {
        return;
    }
    let _span = tracing::info_span!("callers", questions = questions.len()).entered();
    let mut sites = callers::CallSites::new(&questions);
    let names: Vec<&str> = questions.iter().map(|q| q.function()).collect();
    for entry in entries {
        // Only files that name an asked function are parsed again: a call or a reference
        // spells the name (a file with NUL bytes, UTF-16, is parsed whatever it holds).
        let Ok(bytes) = ctx.archive.read(entry) else {
            return;
        };
        let text = String::from_utf8_lossy(&bytes);
        let may_name = text.contains('\0') || names.iter().any(|name| text.contains(name));
        if !may_name {
            continue;
        }
        match validator_python::PythonModule::parse(&bytes, sources.limits()) {
            Ok(module) => match module.syntax() {
                Some(syntax) => sites.add_module(&syntax.body, own_functions),
                None => return,
            },
            Err(_) => return,
        }
    }
    let answers = sites.finish();
    let mut answers = answers.into_iter();
    for (finding, question) in findings.iter_mut() {
        if question.take().is_some() {
            finding.without_evidence = answers.next().flatten();
        }
    }
}

/// The findings of one Python file, or SEC000 when it cannot be analysed.
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    relaxations: &[plugin_config::Relaxation],
    own_functions: &OwnValueFunctions,
) -> Result<Vec<Pending>, CheckError> {
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
            for mut issue in issues {
                if (ctx.rule_enabled)(issue.rule.id()) {
                    // Under the policy only: `--rules all` is Bandit.
                    let question = issue
                        .callers_question
                        .take()
                        .filter(|_| !ctx.reference_defaults);
                    findings.push((finding_of(ctx, path, issue, relaxations), question));
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
                findings.push((finding, None));
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
