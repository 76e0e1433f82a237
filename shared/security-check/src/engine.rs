//! One file through the Bandit-compatible engine: the walk, the `File` tests, and Bandit's
//! tester rules for positions and `# nosec`.

pub use crate::evidence::OwnValueFunctions;
use validator_domain::{Confidence, Severity};
use validator_python::{PythonModule, SyntaxProblemKind};

use crate::nosec::NosecLines;
use crate::plugins;
use crate::rules::Rule;
use crate::tree::Lines;
use crate::walk::{Found, Walker};

/// One result of a Bandit test on a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileIssue {
    pub rule: Rule,
    pub severity: Severity,
    pub confidence: Confidence,
    pub text: String,
    /// 1-based line.
    pub line: u32,
    /// CPython's `col_offset` of the node (Bandit's `col_offset`).
    pub column: u32,
    /// The `# nosec` comment that suppresses it, if any.
    pub nosec: Option<String>,
    /// The ruff `# noqa: Sxxx` comment that names its test, if any: honoured under the policy,
    /// not by Bandit (so not under `--rules all`).
    pub noqa: Option<String>,
    /// What the result lacks to be a risk, for the evidence-aware policy (`evidence.rs`).
    pub without_evidence: Option<validator_domain::WithoutEvidence>,
    /// The value comes from its function's parameters: what the function's callers in the
    /// plugin pass decides (`callers.rs`); answered by [`crate::SecurityCheck`] over all files.
    pub callers_question: Option<Box<crate::callers::CallersQuestion>>,
}

/// Why a file was not analysed (Bandit's "skipped" files).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct NotAnalysed {
    pub reason: String,
    /// The line of the problem, when there is one.
    pub line: Option<u32>,
}

/// Runs every Bandit test on one parsed module.
pub fn analyse_module(module: &PythonModule) -> Result<Vec<FileIssue>, NotAnalysed> {
    analyse_module_in_plugin(module, &OwnValueFunctions::default())
}

/// Runs every Bandit test on one parsed module of a plugin whose other modules' functions are
/// `own_functions` (evidence for a finding may come from another module).
pub fn analyse_module_in_plugin(
    module: &PythonModule,
    own_functions: &OwnValueFunctions,
) -> Result<Vec<FileIssue>, NotAnalysed> {
    if let Some(problem) = module.syntax_error() {
        let what = match problem.kind {
            SyntaxProblemKind::Invalid => "syntax error",
            SyntaxProblemKind::TooDeep => "nesting too deep",
        };
        return Err(NotAnalysed {
            reason: format!(
                "{what} at line {}, column {}: {}",
                problem.location.line,
                problem.location.char_column + 1,
                problem.message
            ),
            line: Some(problem.location.line),
        });
    }
    if let Some(at) = module.source().find('\0') {
        let line = module.location((at as u32).into()).line;
        return Err(NotAnalysed {
            reason: format!("the source contains a null byte (line {line}), which Python refuses"),
            line: Some(line),
        });
    }
    let Some(syntax) = module.syntax() else {
        return Err(NotAnalysed {
            reason: "the syntax tree is not available".to_owned(),
            line: None,
        });
    };
    let nosec = NosecLines::of(module);
    let noqa = crate::noqa::noqa_lines(module);
    let mut walker = Walker::new(Lines { module }, &syntax.body, own_functions);
    walker.body(&syntax.body);
    let mut found = std::mem::take(&mut walker.found);
    if let Some(issue) = plugins::trojansource::trojansource(module.source()) {
        found.push(Found {
            issue,
            node_line: 0,
            node_col: 0,
            // The `File` context's linerange is `[0, 1]`.
            context_lines: (0, 1),
        });
    }
    Ok(found
        .into_iter()
        .map(|found| {
            let line = found.issue.lineno.unwrap_or(found.node_line);
            let nosec = nosec.suppression(found.issue.rule.id(), line, found.context_lines);
            let noqa = noqa.suppression(found.issue.rule.id(), line, found.context_lines);
            FileIssue {
                rule: found.issue.rule,
                severity: found.issue.severity,
                confidence: found.issue.confidence,
                text: found.issue.text,
                line,
                column: found.issue.col.unwrap_or(found.node_col),
                nosec,
                noqa,
                without_evidence: found.issue.without_evidence,
                callers_question: found.issue.callers_question,
            }
        })
        .collect())
}
