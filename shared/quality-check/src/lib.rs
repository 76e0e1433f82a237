//! The code quality check (`code_quality`): flake8 7.5.0's findings — pycodestyle 2.15.0's
//! E/W codes, pyflakes 4.1.0's F codes and mccabe 0.7.0's C901 — computed natively from the
//! scan's shared parse. Informational: it never blocks a plugin.
//!
//! * [`tokens`]: the token stream of CPython 3.11's `tokenize`, which pycodestyle reads.
//! * [`pycodestyle`]: physical- and logical-line checks, driven the way flake8 drives them.
//! * [`pyflakes`]: scope analysis over the syntax tree, once per file.
//! * [`mccabe`]: cyclomatic complexity per function.
//! * [`noqa`] and [`settings`]: `# noqa`, and flake8's options from the plugin's config files.

pub mod mccabe;
pub mod noqa;
mod positions;
pub mod pycodestyle;
pub mod pyflakes;
mod rules;
pub mod settings;
pub mod tokens;
mod violation;

use std::collections::HashSet;

use validator_archive::Entry;
use validator_domain::{Check, CheckContext, CheckError, Finding, RuleInfo, Suppression};
use validator_python::{FileError, PythonModule, PythonSources, SourceError};

pub use rules::{Rule, RULES};
pub use settings::Settings;
pub use violation::Violation;

/// A violation and, when flake8 would not show it, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub violation: Violation,
    /// The `# noqa` comment (or `# flake8: noqa` line) that silences it.
    pub noqa: Option<String>,
}

/// Every violation flake8 would compute for one decoded file under `settings`, before `select`
/// / `ignore` filtering, with the `# noqa` that silences each one.
pub fn lint_module(module: &PythonModule, path: &str, settings: &Settings) -> Vec<Reported> {
    lint_module_each(module, path, &[settings])
        .pop()
        .unwrap_or_default()
}

/// [`lint_module`] under each of several settings (our defaults and a plugin's own): what no
/// setting changes (tokens, pyflakes, `# noqa` comments) is computed once.
pub fn lint_module_each(
    module: &PythonModule,
    path: &str,
    each: &[&Settings],
) -> Vec<Vec<Reported>> {
    let text = tokens::universal_newlines(module.source());
    let lines = tokens::split_lines(&text);
    let mut file_tokens = None;
    // What each settings find, in `each` order.
    let mut found_each: Vec<Vec<Violation>> = Vec::with_capacity(each.len());
    if let Some(error) = module.syntax_error() {
        // flake8 builds the tree first; a syntax error is the only result for the file.
        let violation = syntax_error(module, error);
        found_each.extend(each.iter().map(|_| vec![violation.clone()]));
    } else {
        let is_init = is_package_init(path);
        let flakes = module
            .syntax()
            .map(|syntax| pyflakes::check(module, syntax, is_init))
            .unwrap_or_default();
        let chars = tokens::LineChars::new(&lines);
        let (toks, error) = tokens::tokenize(&lines, &chars);
        let style_each: Vec<pycodestyle::StyleSettings> = each
            .iter()
            .map(|settings| style_settings(settings))
            .collect();
        let mut style_found = if error.is_none() {
            style_runs(&lines, &chars, &toks, &style_each)
        } else {
            Vec::new()
        }
        .into_iter();
        for settings in each {
            let mut found = flakes.clone();
            if let (Some(syntax), Some(max)) = (module.syntax(), settings.max_complexity) {
                found.extend(mccabe::check(module, syntax, max));
            }
            if let Some(error) = &error {
                found.push(tokenize_error(error));
            } else {
                found.extend(style_found.next().unwrap_or_default());
            }
            found_each.push(found);
        }
        if error.is_none() {
            file_tokens = Some(toks);
        }
    }
    let file_noqa = noqa::file_marker(&lines);
    let noqa_lines = noqa::NoqaLines::new(&lines, file_tokens.as_deref());
    each.iter()
        .zip(found_each)
        .map(|(settings, found)| {
            found
                .into_iter()
                .map(|violation| {
                    let noqa = if settings.disable_noqa {
                        None
                    } else {
                        file_noqa
                            .clone()
                            .or_else(|| noqa_lines.marker_for(violation.line, violation.code()))
                    };
                    Reported { violation, noqa }
                })
                .collect()
        })
        .collect()
}

/// The part of flake8's settings that pycodestyle reads.
fn style_settings(settings: &Settings) -> pycodestyle::StyleSettings {
    pycodestyle::StyleSettings {
        max_line_length: settings.max_line_length,
        max_doc_length: settings.max_doc_length,
        hang_closing: settings.hang_closing,
        indent_size: settings.indent_size,
    }
}

/// Whether the file is a package's `__init__.py`, which pyflakes treats apart (`__path__` is
/// defined there).
fn is_package_init(path: &str) -> bool {
    path.rsplit('/').next() == Some("__init__.py")
}

/// pycodestyle's findings under each of `each`, running it once per group of settings that
/// differ only in the line length.
fn style_runs(
    lines: &[&str],
    chars: &tokens::LineChars,
    tokens: &[tokens::Token],
    each: &[pycodestyle::StyleSettings],
) -> Vec<Vec<Violation>> {
    let mut found: Vec<Option<Vec<Violation>>> = vec![None; each.len()];
    for (index, settings) in each.iter().enumerate() {
        if found[index].is_some() {
            continue;
        }
        let same_but_length = |other: &pycodestyle::StyleSettings| {
            pycodestyle::StyleSettings {
                max_line_length: settings.max_line_length,
                ..*other
            } == *settings
        };
        let group: Vec<usize> = (index..each.len())
            .filter(|&i| found[i].is_none() && same_but_length(&each[i]))
            .collect();
        let lengths: Vec<usize> = group.iter().map(|&i| each[i].max_line_length).collect();
        let runs = pycodestyle::check_each_line_length(lines, chars, tokens, settings, &lengths);
        for (i, run) in group.into_iter().zip(runs) {
            found[i] = Some(run);
        }
    }
    found.into_iter().map(Option::unwrap_or_default).collect()
}

/// E999 (an `IndentationError`) or E902 (a `TokenError`) where tokenizing stopped.
fn tokenize_error(error: &tokens::TokenizeError) -> Violation {
    let (rule, kind) = if error.is_indentation {
        (Rule::E999, "IndentationError")
    } else {
        (Rule::E902, "TokenizeError")
    };
    Violation::new(
        rule,
        error.row,
        error.column,
        format!("{kind}: {}", error.message),
    )
}

/// E999 where CPython reports it: flake8 is given CPython's 1-based offset as the column.
fn syntax_error(module: &PythonModule, error: &validator_python::SyntaxProblem) -> Violation {
    let location = error.location;
    let line = location.line as usize;
    let mut column = location.char_column as usize + 1;
    let mut message = format!("SyntaxError: {}", error.message);
    // Python 2's `print x`: CPython points at `print` with a message of its own.
    let text = module.line_text(location.line);
    let indent = text.len() - text.trim_start().len();
    if let Some(rest) = text.trim_start().strip_prefix("print") {
        let next = rest.trim_start().chars().next();
        if rest.starts_with([' ', '\t']) && !matches!(next, Some('(' | '=' | '.' | '[') | None) {
            column = tokens::char_len(&text[..indent]) + 1;
            message =
                "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?"
                    .to_owned();
        }
    }
    Violation::new(Rule::E999, line, column, message)
}

/// What flake8 prints for a file's source text: the violations it reports under `settings`
/// (selected, not silenced by `# noqa`).
pub fn lint_source(source: &str, path: &str, settings: &Settings) -> Vec<Violation> {
    let module = PythonModule::parse_text(source.to_owned(), &Default::default());
    lint_module(&module, path, settings)
        .into_iter()
        .filter(|r| r.noqa.is_none() && settings.reports(r.violation.code()))
        .map(|r| r.violation)
        .collect()
}

/// pyflakes alone on a source text (`E999` when it does not parse), for comparing with pyflakes.
pub fn lint_pyflakes(source: &str, path: &str) -> Vec<Violation> {
    let module = PythonModule::parse_text(source.to_owned(), &Default::default());
    if let Some(error) = module.syntax_error() {
        let location = error.location;
        return vec![Violation::new(
            Rule::E999,
            location.line as usize,
            location.char_column as usize + 1,
            error.message.clone(),
        )];
    }
    let is_init = is_package_init(path);
    match module.syntax() {
        Some(syntax) => pyflakes::check(&module, syntax, is_init),
        None => Vec::new(),
    }
}

/// pycodestyle alone on a source text (no syntax tree: what pycodestyle's own test suite runs),
/// every code selected.
pub fn lint_style(source: &str, settings: &Settings) -> Vec<Violation> {
    let text = tokens::universal_newlines(source);
    let lines = tokens::split_lines(&text);
    let chars = tokens::LineChars::new(&lines);
    let (toks, error) = tokens::tokenize(&lines, &chars);
    let mut found = pycodestyle::check(&lines, &chars, &toks, &style_settings(settings));
    if let Some(error) = error {
        let rule = if error.is_indentation {
            Rule::E999
        } else {
            Rule::E902
        };
        found.push(Violation::new(rule, error.row, error.column, error.message));
    }
    found
}

/// The `code_quality` check.
#[derive(Debug, Default, Clone, Copy)]
pub struct CodeQualityCheck;

const CHECK_ID: &str = "code_quality";

/// The plugin's flake8 configuration: the first of `setup.cfg`, `tox.ini`, `.flake8` (in the
/// plugin folder, else at the archive root) with a `[flake8]` section.
fn plugin_settings(ctx: &CheckContext<'_>) -> Option<(String, Settings)> {
    let mut folders: Vec<String> = Vec::new();
    if let Some(top) = ctx
        .archive
        .files()
        .find_map(|e| e.name.split_once('/').map(|(top, _)| top.to_owned()))
    {
        folders.push(format!("{top}/"));
    }
    folders.push(String::new());
    for folder in folders {
        for name in settings::CONFIG_FILES {
            let path = format!("{folder}{name}");
            let Some(entry) = ctx.archive.files().find(|e| e.name == path) else {
                continue;
            };
            let Ok(bytes) = ctx.archive.read(entry) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let mut settings = base_settings(ctx);
            if settings.apply_config(&text) {
                return Some((path, settings));
            }
        }
    }
    None
}

/// The website's settings under the policy; flake8's own defaults under `--rules all`, where
/// the report is compared with flake8 run as it runs by default (line length 79, no C901).
fn base_settings(ctx: &CheckContext<'_>) -> Settings {
    if ctx.reference_defaults {
        Settings::flake8()
    } else {
        Settings::website()
    }
}

fn finding(path: &str, violation: &Violation) -> Finding {
    // The rule field carries the code; the message is flake8's text after it.
    Finding::new(
        CHECK_ID,
        violation.rule.info(),
        path,
        violation.message.clone(),
    )
    .at(violation.line as u32, violation.column as u32 + 1)
}

impl Check for CodeQualityCheck {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "Code quality (flake8-compatible)"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn reads_python_files(&self) -> bool {
        true
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
        let defaults = base_settings(ctx);
        let plugin = plugin_settings(ctx);
        let (entries, others): (Vec<_>, Vec<_>) = PythonSources::python_files(ctx.archive)
            .partition(|entry| entry.name.to_ascii_lowercase().ends_with(".py"));
        // flake8 reads `.py` files only: the scan need not keep the others for this check.
        others.into_iter().for_each(|entry| sources.release(entry));
        sources.flat_map_entries(ctx.archive, &entries, |entry| {
            file_findings(ctx, &sources, entry, &defaults, plugin.as_ref())
        })
    }
}

/// The findings of one `.py` file: flake8's under our defaults, marked where the plugin's own
/// settings or `# noqa` silence them, plus those only the plugin's settings add.
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    defaults: &Settings,
    plugin: Option<&(String, Settings)>,
) -> Result<Vec<Finding>, CheckError> {
    let mut findings = Vec::new();
    let module = match sources.get(ctx.archive, entry) {
        Ok(module) => module,
        Err(FileError::Archive(message)) => return Err(CheckError::Failed(message)),
        Err(FileError::Source(error)) => {
            let rule = match error {
                SourceError::TooLarge { .. } => Rule::E902,
                SourceError::Decode(_) => Rule::E902,
            };
            let v = Violation::new(rule, 1, 0, error.to_string());
            findings.push(finding(&entry.name, &v));
            return Ok(findings);
        }
    };
    let _span = tracing::debug_span!("code_quality", path = %entry.name).entered();
    let (ours, plugin_only) = match plugin {
        Some((_, settings)) if settings != defaults => {
            let mut both = lint_module_each(&module, &entry.name, &[defaults, settings]);
            let theirs = both.pop();
            (both.pop().unwrap_or_default(), theirs)
        }
        _ => (lint_module(&module, &entry.name, defaults), None),
    };
    let theirs = plugin_only.as_ref().unwrap_or(&ours);
    let key = |r: &Reported| (r.violation.rule, r.violation.line, r.violation.column);
    let plugin_reported: HashSet<_> = theirs
        .iter()
        .filter(|r| plugin.is_none_or(|(_, s)| s.reports(r.violation.code())))
        .map(key)
        .collect();
    let mut seen = HashSet::new();
    // Our defaults decide what is looked at; the plugin's settings may only silence
    // (visibly) or add findings.
    for reported in ours.iter().filter(|r| defaults.reports(r.violation.code())) {
        let mut f = finding(&entry.name, &reported.violation);
        seen.insert(key(reported));
        if let Some(marker) = &reported.noqa {
            f.suppressed = Some(Suppression::Inline {
                marker: marker.clone(),
            });
        } else if let Some((file, _)) = plugin {
            if !plugin_reported.contains(&key(reported)) {
                f.suppressed = Some(Suppression::PluginConfig { file: file.clone() });
            }
        }
        findings.push(f);
    }
    if let Some((_, settings)) = plugin {
        for reported in theirs
            .iter()
            .filter(|r| settings.reports(r.violation.code()) && !seen.contains(&key(r)))
        {
            let mut f = finding(&entry.name, &reported.violation);
            if let Some(marker) = &reported.noqa {
                f.suppressed = Some(Suppression::Inline {
                    marker: marker.clone(),
                });
            }
            findings.push(f);
        }
    }
    Ok(findings)
}
