//! The HTML report (`scan --format html`, and `report.html` beside the aggregator's
//! `report.json`): one self-contained file, with inline CSS, no scripts and no external assets, so
//! that it opens the same from a mail attachment, an S3 link or a CI artifact, offline.
//!
//! Everything in a report comes from a hostile plugin (file names, messages, code), so every
//! value is HTML-escaped by the template engine, and the code shown is made visible: control and
//! bidirectional-override characters are written as `⟨U+202E⟩`, never passed through.
//! Guidance texts mark code with backticks; [`code_markup`] renders them as `<code>` (the emails
//! use it too).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, Output, State, UndefinedBehavior, Value};
use serde::Serialize;
use validator_archive::PluginArchive;
use validator_domain::{Finding, Level, Report, ScanStatus, Suppression};

/// Named limits of the HTML report: a plugin can have 100,000 style findings, and the report
/// must stay a page a browser opens. The JSON report always has every finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtmlLimits {
    /// Occurrences listed per rule (blocking, other and suppressed alike) before "and N more".
    pub max_occurrences_per_rule: usize,
    /// Blocking findings that get code context (the lines around them, read from the plugin).
    pub max_context_findings: usize,
    /// Lines shown before and after a finding's line.
    pub context_lines: u32,
    /// Longest line of code shown, in characters (minified code has megabyte lines).
    pub max_line_chars: usize,
}

impl Default for HtmlLimits {
    fn default() -> Self {
        Self {
            max_occurrences_per_rule: 200,
            max_context_findings: 200,
            context_lines: 3,
            max_line_chars: 240,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HtmlReportError {
    #[error("the HTML report template could not be loaded: {0}")]
    Setup(String),
    #[error("rendering the HTML report failed: {0}")]
    Render(#[from] minijinja::Error),
}

/// One line of code around a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeLine {
    pub number: u32,
    /// Made visible ([`visible`]) and cut at [`HtmlLimits::max_line_chars`].
    pub text: String,
    /// The finding's own line.
    pub highlight: bool,
}

/// The code around blocking findings, by `(path, line)`.
#[derive(Debug, Clone, Default)]
pub struct CodeContexts {
    by_location: HashMap<(String, u32), Vec<CodeLine>>,
}

/// Shown instead of a line that has a secrets finding: the report never carries a secret.
pub const HIDDEN_SECRET_LINE: &str = "(line hidden: a possible secret was found here)";

impl CodeContexts {
    /// No code context (the report then shows the findings' own snippets only).
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads the lines around the report's blocking findings from the plugin. Lines with a
    /// secrets finding are hidden; an unreadable file just gets no context.
    pub fn from_archive(archive: &PluginArchive, report: &Report, limits: &HtmlLimits) -> Self {
        let secret_lines: BTreeSet<(&str, u32)> = report
            .findings
            .iter()
            .filter(|f| f.check.as_str() == "secrets")
            .filter_map(|f| f.line.map(|l| (f.path.as_str(), l)))
            .collect();
        let mut wanted: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for finding in report
            .blocking_findings()
            .filter(|f| f.line.is_some())
            .take(limits.max_context_findings)
        {
            if let Some(line) = finding.line {
                wanted.entry(&finding.path).or_default().push(line);
            }
        }
        let mut by_location = HashMap::new();
        for (path, lines) in wanted {
            let Some(entry) = archive.entry(path).filter(|e| e.is_file()) else {
                continue;
            };
            let bytes = match archive.read(entry) {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::debug!(path, error = %e, "no code context");
                    continue;
                }
            };
            let text = validator_archive::decode_text(&bytes);
            let all: Vec<&str> = text.lines().collect();
            for line in lines {
                let first = line.saturating_sub(limits.context_lines).max(1);
                let last = line.saturating_add(limits.context_lines);
                let context: Vec<CodeLine> = (first..=last)
                    .filter_map(|n| {
                        let source = all.get(usize::try_from(n).ok()?.checked_sub(1)?)?;
                        let text = if secret_lines.contains(&(path, n)) {
                            HIDDEN_SECRET_LINE.to_owned()
                        } else {
                            visible(&shorten(source, limits.max_line_chars))
                        };
                        Some(CodeLine {
                            number: n,
                            text,
                            highlight: n == line,
                        })
                    })
                    .collect();
                if !context.is_empty() {
                    by_location.insert((path.to_owned(), line), context);
                }
            }
        }
        Self { by_location }
    }

    pub fn get(&self, path: &str, line: u32) -> Option<&[CodeLine]> {
        self.by_location
            .get(&(path.to_owned(), line))
            .map(Vec::as_slice)
    }

    pub fn len(&self) -> usize {
        self.by_location.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_location.is_empty()
    }
}

/// Renders the report as one self-contained HTML page.
pub fn render(
    report: &Report,
    contexts: &CodeContexts,
    limits: &HtmlLimits,
) -> Result<String, HtmlReportError> {
    let view = ReportView::new(report, contexts, limits);
    Ok(environment()?.get_template("report.html")?.render(&view)?)
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped HTML of a guidance text whose code is marked with backticks:
/// ``use `subprocess.run([...])` `` -> `use <code>subprocess.run([...])</code>`. A lone
/// backtick stays a backtick.
pub fn code_markup(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    // An even number of parts means an unpaired backtick: the last one is literal.
    let paired = if parts.len().is_multiple_of(2) {
        parts.len() - 1
    } else {
        parts.len()
    };
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i >= paired {
            out.push('`');
            out.push_str(&escape_html(part));
        } else if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(&escape_html(part));
            out.push_str("</code>");
        } else {
            out.push_str(&escape_html(part));
        }
    }
    out
}

/// The text with control characters (but tab) and invisible direction overrides written out as
/// `⟨U+XXXX⟩`, so code shown to people reads as the interpreter reads it ("Trojan Source").
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = (c.is_control() && c != '\t')
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if hidden {
            out.push_str(&format!("⟨U+{:04X}⟩", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// At most `max` characters, `…` marking a cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

const TEMPLATE: &str = include_str!("../templates/report.html");

fn environment() -> Result<&'static Environment<'static>, HtmlReportError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(html_formatter);
        env.add_filter("code", |text: &str| {
            Value::from_safe_string(code_markup(text))
        });
        env.add_template("report.html", TEMPLATE)
            .map_err(|e| e.to_string())?;
        Ok(env)
    })
    .as_ref()
    .map_err(|e| HtmlReportError::Setup(e.clone()))
}

/// minijinja's formatter, except that strings are escaped with [`escape_html`] (`& < > " '`):
/// paths and URLs keep their `/`, so the HTML source reads like the text (the report and the
/// HTML emails share it).
pub fn html_formatter(
    out: &mut Output,
    state: &State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() == AutoEscape::Html && !value.is_safe() {
        if let Some(text) = value.as_str() {
            return Ok(out.write_str(&escape_html(text))?);
        }
    }
    minijinja::escape_formatter(out, state, value)
}

// ---------------------------------------------------------------------------------------------
// The template's view of a report

#[derive(Serialize)]
struct ReportView {
    title: String,
    plugin: String,
    version: String,
    source: String,
    scan_id: Option<String>,
    generated_at: String,
    status: &'static str,
    status_label: &'static str,
    reasons: Vec<String>,
    counts: validator_domain::Counts,
    checks: Vec<CheckView>,
    blocking: Vec<RuleView>,
    blocking_total: usize,
    other: Vec<RuleView>,
    other_total: usize,
    suppressed: Vec<RuleView>,
    suppressed_total: usize,
    skips: Vec<SkipView>,
    config_files: Vec<String>,
    warnings: Vec<String>,
    /// The licence section's lines (empty when the licence check did not run).
    licence: Vec<String>,
    /// The dependencies section's lines (empty when the dependencies check did not run).
    dependencies: Vec<String>,
    /// "QGIS 4 ready: ..." (`None` when the qgis4 check did not run).
    qgis4: Option<String>,
    provenance: validator_domain::Provenance,
    reference_tools: String,
}

#[derive(Serialize)]
struct CheckView {
    check: String,
    ok: bool,
    error: Option<String>,
    counts: validator_domain::Counts,
    duration_ms: u64,
}

#[derive(Serialize)]
struct SkipView {
    rule: String,
    honoured: bool,
    explanation: &'static str,
}

/// The findings of one rule: its guidance once, then the occurrences.
#[derive(Serialize)]
struct RuleView {
    rule: String,
    level: &'static str,
    checks: String,
    mandatory: bool,
    count: usize,
    remediation: String,
    occurrences: Vec<Occurrence>,
    more: usize,
}

#[derive(Serialize)]
struct Occurrence {
    location: String,
    message: String,
    severity: String,
    confidence: Option<String>,
    snippet: Vec<String>,
    context: Vec<CodeLine>,
    suppression: Option<String>,
}

impl ReportView {
    fn new(report: &Report, contexts: &CodeContexts, limits: &HtmlLimits) -> Self {
        let plugin = report
            .plugin
            .clone()
            .unwrap_or_else(|| "(unnamed plugin)".to_owned());
        let version = report
            .version
            .clone()
            .unwrap_or_else(|| "(unknown version)".to_owned());
        let (status_label, status) = match report.status {
            ScanStatus::Validated if report.auto_approved => {
                ("Validated and auto-approved", "validated")
            }
            ScanStatus::Validated => ("Validated", "validated"),
            ScanStatus::Blocked => ("Blocked", "blocked"),
            ScanStatus::Error => ("Could not be validated (error)", "error"),
            ScanStatus::Validating => ("Validating", "validating"),
        };
        let blocking: Vec<&Finding> = report.blocking_findings().collect();
        let other: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| !f.blocking && f.suppressed.is_none())
            .collect();
        let suppressed: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| !f.blocking && f.suppressed.is_some())
            .collect();
        Self {
            title: visible(&format!("{plugin} {version}: {status_label}")),
            plugin: visible(&plugin),
            version: visible(&version),
            source: visible(&report.source),
            scan_id: report.scan_id.as_ref().map(|id| id.to_string()),
            generated_at: report
                .generated_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            status,
            status_label,
            reasons: report.reasons.iter().map(|r| visible(r)).collect(),
            counts: report.counts,
            checks: report
                .checks
                .iter()
                .map(|c| CheckView {
                    check: c.check.to_string(),
                    ok: c.error.is_none(),
                    error: c.error.as_deref().map(visible),
                    counts: c.counts,
                    duration_ms: c.duration_ms,
                })
                .collect(),
            blocking_total: blocking.len(),
            blocking: RuleView::group(&blocking, Some(contexts), limits),
            other_total: other.len(),
            other: RuleView::group(&other, None, limits),
            suppressed_total: suppressed.len(),
            suppressed: RuleView::group(&suppressed, None, limits),
            skips: report
                .skips
                .iter()
                .map(|s| SkipView {
                    rule: visible(&s.rule),
                    honoured: s.honoured(),
                    explanation: s.explanation(),
                })
                .collect(),
            config_files: report
                .plugin_config_files
                .iter()
                .map(|f| visible(f))
                .collect(),
            warnings: report.warnings.iter().map(|w| visible(w)).collect(),
            licence: report
                .licence
                .as_ref()
                .map(|l| l.summary_lines().iter().map(|line| visible(line)).collect())
                .unwrap_or_default(),
            dependencies: report
                .dependencies
                .as_ref()
                .map(|d| d.summary_lines().iter().map(|line| visible(line)).collect())
                .unwrap_or_default(),
            qgis4: report.qgis4.as_ref().map(|q| q.line()),
            reference_tools: report.provenance.reference_tools_line(),
            provenance: report.provenance.clone(),
        }
    }
}

impl RuleView {
    /// One view per rule, the most severe rules first, then by rule id.
    fn group(
        findings: &[&Finding],
        contexts: Option<&CodeContexts>,
        limits: &HtmlLimits,
    ) -> Vec<Self> {
        let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for finding in findings {
            by_rule.entry(&finding.rule).or_default().push(finding);
        }
        let mut groups: Vec<(Level, Self)> = by_rule
            .into_iter()
            .map(|(rule, findings)| {
                let level = findings
                    .iter()
                    .map(|f| f.level)
                    .max()
                    .unwrap_or(Level::Info);
                let mut checks: Vec<&str> = findings.iter().map(|f| f.check.as_str()).collect();
                checks.dedup();
                let mut remediations: Vec<&str> = Vec::new();
                for f in &findings {
                    let r = f.remediation.trim();
                    if !r.is_empty() && !remediations.contains(&r) {
                        remediations.push(r);
                    }
                }
                let occurrences = findings
                    .iter()
                    .take(limits.max_occurrences_per_rule)
                    .map(|f| Occurrence::of(f, contexts))
                    .collect();
                let view = Self {
                    rule: visible(rule),
                    level: level.as_str(),
                    checks: checks.join(", "),
                    mandatory: findings.iter().any(|f| f.mandatory),
                    count: findings.len(),
                    remediation: remediations.join("\n\n"),
                    occurrences,
                    more: findings
                        .len()
                        .saturating_sub(limits.max_occurrences_per_rule),
                };
                (level, view)
            })
            .collect();
        groups.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
        groups.into_iter().map(|(_, g)| g).collect()
    }
}

impl Occurrence {
    fn of(finding: &Finding, contexts: Option<&CodeContexts>) -> Self {
        let path = if finding.path.is_empty() {
            "(the archive)"
        } else {
            &finding.path
        };
        let location = match (finding.line, finding.column) {
            (Some(line), Some(column)) => format!("{path}:{line}:{column}"),
            (Some(line), None) => format!("{path}:{line}"),
            _ => path.to_owned(),
        };
        let context = match (contexts, finding.line) {
            (Some(contexts), Some(line)) => contexts
                .get(&finding.path, line)
                .map(<[CodeLine]>::to_vec)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Self {
            location: visible(&location),
            message: visible(&finding.message),
            severity: finding.severity.to_string(),
            confidence: finding.confidence.map(|c| c.to_string()),
            snippet: finding
                .snippet
                .as_deref()
                .map(|s| s.lines().map(visible).collect())
                .unwrap_or_default(),
            context,
            suppression: finding.suppressed.as_ref().map(|s| match s {
                Suppression::Inline { marker } => {
                    format!("an inline {} marker", visible(marker))
                }
                Suppression::Skipped => "the uploader's request to skip the rule".to_owned(),
                Suppression::PluginConfig { file } => {
                    format!("the plugin's configuration file {}", visible(file))
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_markup_escapes_and_marks_code() {
        assert_eq!(
            code_markup("use `a<b>` & `c`"),
            "use <code>a&lt;b&gt;</code> &amp; <code>c</code>"
        );
        assert_eq!(code_markup("a ` b"), "a ` b");
        assert_eq!(code_markup("`x` and `y"), "<code>x</code> and `y");
        assert_eq!(code_markup("<script>"), "&lt;script&gt;");
        assert_eq!(code_markup(""), "");
    }

    #[test]
    fn visible_writes_out_hidden_characters() {
        assert_eq!(visible("a\u{202E}b\tc\u{0}"), "a⟨U+202E⟩b\tc⟨U+0000⟩");
        assert_eq!(visible("é ok"), "é ok");
    }

    #[test]
    fn the_template_loads() {
        environment().expect("the template compiles");
    }
}
