//! The validator's emails: the confirmation a maintainer gets when an upload is received, the
//! results once the checks have finished, and the review request to approvers.
//!
//! Every email is rendered twice (plain text and HTML) from minijinja templates compiled into the
//! crate (`templates/`), from a serializable context built here. HTML templates are auto-escaped
//! (by their `.html` name). Only what the report already holds is shown: finding messages and
//! the checks' redacted snippets, never the zip's contents.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};
use validator_domain::{
    Counts, Finding, FindingLine, Level, Report, Scan, ScanStatus, SkipDecision, Suppression,
    VerdictChange,
};

/// Every subject starts with this.
pub const SUBJECT_PREFIX: &str = "[QGIS plugins]";

/// How many rules the summaries of non-blocking and suppressed findings list before "and N more".
pub const SUMMARY_RULES: usize = 20;

/// Longest plugin name or version shown in a subject (longer ones are cut with `…`).
const MAX_SUBJECT_PART: usize = 100;

/// Longest snippet shown (they are redacted already; this only keeps emails readable).
const MAX_SNIPPET: usize = 500;

/// What the emails need to know about the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// The plugin website, e.g. `https://plugins.qgis.org` (a trailing slash is ignored).
    pub website_url: String,
    /// The completion time promised in the confirmation.
    pub expected_minutes: u32,
    /// Approvers' addresses: they get the review request.
    pub approvers: Vec<String>,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            website_url: "https://plugins.qgis.org".to_owned(),
            expected_minutes: 5,
            approvers: Vec::new(),
        }
    }
}

/// Which email this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    Confirmation,
    Results,
    ApproversReview,
    /// A rescan changed a version's verdict (to its maintainers).
    RescanChanged,
    /// Every version a rescan changed (to the approvers).
    RescanDigest,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Results => "results",
            Self::ApproversReview => "approvers_review",
            Self::RescanChanged => "rescan_changed",
            Self::RescanDigest => "rescan_digest",
        }
    }
}

/// One rendered email, ready to be handed to a mailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    pub kind: EmailKind,
    pub to: Vec<String>,
    /// One line: never contains CR or LF.
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The compiled-in templates could not be loaded (a bug: the tests load them all).
    #[error("the email templates could not be loaded: {0}")]
    Setup(String),
    #[error("rendering the email template `{template}` failed: {source}")]
    Template {
        template: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("formatting a timestamp for an email failed: {0}")]
    Time(#[from] time::error::Format),
    /// The results email of a scan that has not finished.
    #[error("the scan is still {0}: there are no results to send yet")]
    NotFinal(ScanStatus),
}

/// Embeds templates by their path under `templates/`, which is also their name.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// The templates, compiled into the crate. Names ending in `.html` are auto-escaped.
const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.txt",
    "layout.html",
    "partials/facts.txt",
    "partials/facts.html",
    "partials/reasons.txt",
    "partials/reasons.html",
    "partials/counts.txt",
    "partials/counts.html",
    "partials/findings.txt",
    "partials/findings.html",
    "partials/details.txt",
    "partials/details.html",
    "partials/reupload.txt",
    "partials/reupload.html",
    "partials/links.txt",
    "partials/links.html",
    "partials/review.txt",
    "partials/review.html",
    "partials/change.txt",
    "partials/change.html",
    "partials/upgrades.txt",
    "partials/upgrades.html",
    "confirmation.txt",
    "confirmation.html",
    "results_validated.txt",
    "results_validated.html",
    "results_auto_approved.txt",
    "results_auto_approved.html",
    "results_blocked.txt",
    "results_blocked.html",
    "results_error.txt",
    "results_error.html",
    "approvers_review.txt",
    "approvers_review.html",
    "rescan_changed.txt",
    "rescan_changed.html",
    "rescan_digest.txt",
    "rescan_digest.html",
);

/// The names of every compiled-in template (for tests and diagnostics).
pub fn template_names() -> impl Iterator<Item = &'static str> {
    TEMPLATES.iter().map(|(name, _)| *name)
}

fn environment() -> Result<&'static Environment<'static>, NotifyError> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        // A misspelt variable is an error, not silently empty text.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(validator_html_report::html_formatter);
        // Guidance marks code with backticks: `<code>` in HTML emails (escaped all the same).
        env.add_filter("code", |text: &str| {
            Value::from_safe_string(validator_html_report::code_markup(text))
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| NotifyError::Setup(e.clone()))
}

fn render(name: &str, context: &impl Serialize) -> Result<String, NotifyError> {
    let wrap = |source| NotifyError::Template {
        template: name.to_owned(),
        source,
    };
    environment()?
        .get_template(name)
        .map_err(wrap)?
        .render(context)
        .map_err(wrap)
}

/// Renders `{base}.txt` and `{base}.html`.
fn render_both(base: &str, context: &impl Serialize) -> Result<(String, String), NotifyError> {
    Ok((
        render(&format!("{base}.txt"), context)?,
        render(&format!("{base}.html"), context)?,
    ))
}

/// Where the maintainer can follow this version:
/// `{website_url}/plugins/{package}/version/{version}/` when both are known (the website names
/// plugins by their package folder; the metadata name stands in when the folder is unknown),
/// otherwise the
/// maintainer's plugin list `{website_url}/plugins/my`.
pub fn tracking_url(scan: &Scan, settings: &EmailSettings) -> String {
    let base = website(settings);
    let known = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let package = known(&scan.package_name).or_else(|| known(&scan.plugin_name));
    match (package, known(&scan.plugin_version)) {
        (Some(name), Some(version)) => format!(
            "{base}/plugins/{}/version/{}/",
            encode_segment(&name),
            encode_segment(&version)
        ),
        _ => format!("{base}/plugins/my"),
    }
}

/// The confirmation: the upload was received and is being validated.
pub fn confirmation_email(scan: &Scan, settings: &EmailSettings) -> Result<Email, NotifyError> {
    let names = Names::of(scan, None);
    let subject = subject(&names, "received, validating");
    let uploaded = scan.upload.uploaded_at;
    let expected = uploaded + Duration::minutes(i64::from(settings.expected_minutes));
    let context = ConfirmationContext {
        common: Common::new(scan, settings, &names, subject.clone())?,
        status: "Validating",
        expected_minutes: settings.expected_minutes,
        expected_at: readable_time(expected)?,
        expected_at_rfc3339: rfc3339(expected)?,
    };
    let (text, html) = render_both("confirmation", &context)?;
    Ok(Email {
        kind: EmailKind::Confirmation,
        to: scan.upload.maintainers.clone(),
        subject,
        text,
        html,
    })
}

/// The results: one variant per outcome (validated, auto-approved, blocked, error).
pub fn results_email(
    scan: &Scan,
    report: &Report,
    settings: &EmailSettings,
) -> Result<Email, NotifyError> {
    let names = Names::of(scan, Some(report));
    let (template, outcome) = match report.status {
        ScanStatus::Validating => return Err(NotifyError::NotFinal(report.status)),
        ScanStatus::Validated if report.auto_approved => (
            "results_auto_approved",
            "validated and auto-approved".to_owned(),
        ),
        ScanStatus::Validated => ("results_validated", "validated".to_owned()),
        ScanStatus::Blocked => {
            let n = report
                .counts
                .blocking
                .max(count(report.blocking_findings()));
            let outcome = if n == 0 {
                "blocked".to_owned()
            } else {
                format!("blocked ({n} blocking finding{})", plural(n as usize))
            };
            ("results_blocked", outcome)
        }
        ScanStatus::Error => ("results_error", "could not be validated (error)".to_owned()),
    };
    let subject = subject(&names, &outcome);
    let context = ResultsContext::new(scan, report, settings, &names, subject.clone())?;
    let (text, html) = render_both(template, &context)?;
    Ok(Email {
        kind: EmailKind::Results,
        to: scan.upload.maintainers.clone(),
        subject,
        text,
        html,
    })
}

/// The review request to approvers: only for a validated version that was not auto-approved,
/// and only when approvers are configured.
pub fn approvers_email(
    scan: &Scan,
    report: &Report,
    settings: &EmailSettings,
) -> Result<Option<Email>, NotifyError> {
    if report.status != ScanStatus::Validated
        || report.auto_approved
        || settings.approvers.is_empty()
    {
        return Ok(None);
    }
    let names = Names::of(scan, Some(report));
    let subject = subject(&names, "validated, ready for review");
    let context = ResultsContext::new(scan, report, settings, &names, subject.clone())?;
    let (text, html) = render_both("approvers_review", &context)?;
    Ok(Some(Email {
        kind: EmailKind::ApproversReview,
        to: settings.approvers.clone(),
        subject,
        text,
        html,
    }))
}

/// A rescan changed the version's verdict: to its maintainers, what changed and why (the new
/// findings that block or hold it, with how to fix them; those that no longer count).
pub fn rescan_email(
    scan: &Scan,
    change: &VerdictChange,
    report: &Report,
    settings: &EmailSettings,
) -> Result<Email, NotifyError> {
    let names = Names::of(scan, Some(report));
    let subject = subject(&names, &format!("checked again, now {}", change.to));
    let context = RescanContext {
        common: Common::new(scan, settings, &names, subject.clone())?,
        from: change.from.as_str(),
        to: change.to.as_str(),
        reasons: change.reasons.iter().map(|r| one_line(r)).collect(),
        new_findings: change.new_findings.iter().map(LineView::of).collect(),
        gone_findings: change.gone_findings.iter().map(LineView::of).collect(),
        reference_tools: report.provenance.reference_tools_line(),
        provenance: report.provenance.clone(),
    };
    let (text, html) = render_both("rescan_changed", &context)?;
    Ok(Email {
        kind: EmailKind::RescanChanged,
        to: scan.upload.maintainers.clone(),
        subject,
        text,
        html,
    })
}

/// One email to the approvers listing every version a rescan changed (`judgment`: the
/// fingerprint of what judged them). `None` without approvers or without a change.
pub fn rescan_digest_email(
    judgment: &str,
    changes: &[VerdictChange],
    settings: &EmailSettings,
) -> Result<Option<Email>, NotifyError> {
    let changed: Vec<&VerdictChange> = changes.iter().filter(|c| c.changed()).collect();
    if changed.is_empty() || settings.approvers.is_empty() {
        return Ok(None);
    }
    let subject = one_line(&format!(
        "{SUBJECT_PREFIX} rescan: {} version{} changed verdict",
        changed.len(),
        plural(changed.len())
    ));
    let context = DigestContext {
        subject: subject.clone(),
        judgment: one_line(judgment),
        website_url: website(settings).to_owned(),
        changes: changed
            .iter()
            .map(|c| RescanChangeView {
                scan_id: c.scan_id.to_string(),
                plugin: one_line(c.plugin.as_deref().unwrap_or(&c.object_key)),
                version: one_line(c.version.as_deref().unwrap_or("(unknown version)")),
                label: c.label(),
                new_findings: c.new_findings.iter().map(LineView::of).collect(),
                gone_findings: c.gone_findings.iter().map(LineView::of).collect(),
            })
            .collect(),
    };
    let (text, html) = render_both("rescan_digest", &context)?;
    Ok(Some(Email {
        kind: EmailKind::RescanDigest,
        to: settings.approvers.clone(),
        subject,
        text,
        html,
    }))
}

#[derive(Serialize)]
struct RescanContext {
    #[serde(flatten)]
    common: Common,
    from: &'static str,
    to: &'static str,
    reasons: Vec<String>,
    new_findings: Vec<LineView>,
    gone_findings: Vec<LineView>,
    reference_tools: String,
    provenance: validator_domain::Provenance,
}

#[derive(Serialize)]
struct DigestContext {
    subject: String,
    judgment: String,
    website_url: String,
    changes: Vec<RescanChangeView>,
}

#[derive(Serialize)]
struct RescanChangeView {
    scan_id: String,
    plugin: String,
    version: String,
    label: String,
    new_findings: Vec<LineView>,
    gone_findings: Vec<LineView>,
}

/// A finding of a rescan summary, one line, with its remediation.
#[derive(Serialize)]
struct LineView {
    headline: String,
    remediation: String,
}

impl LineView {
    fn of(line: &FindingLine) -> Self {
        Self {
            headline: one_line(&line.headline()),
            remediation: one_line(&line.remediation),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Contexts

/// The plugin's name and version as shown in subjects and bodies: one line each.
struct Names {
    plugin: String,
    version: String,
}

impl Names {
    fn of(scan: &Scan, report: Option<&Report>) -> Self {
        let plugin = scan
            .plugin_name
            .as_deref()
            .or_else(|| report.and_then(|r| r.plugin.as_deref()))
            .map(one_line)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| one_line(scan.upload.file_name()));
        let plugin = if plugin.is_empty() {
            "(unnamed plugin)".to_owned()
        } else {
            plugin
        };
        let version = scan
            .plugin_version
            .as_deref()
            .or_else(|| report.and_then(|r| r.version.as_deref()))
            .map(one_line)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "(unknown version)".to_owned());
        Self { plugin, version }
    }
}

fn subject(names: &Names, outcome: &str) -> String {
    one_line(&format!(
        "{SUBJECT_PREFIX} {} {}: {outcome}",
        shorten(&names.plugin, MAX_SUBJECT_PART),
        shorten(&names.version, MAX_SUBJECT_PART)
    ))
}

/// What every email shows.
#[derive(Serialize)]
struct Common {
    subject: String,
    plugin: String,
    version: String,
    scan_id: String,
    file_name: String,
    uploader: Option<String>,
    trusted: bool,
    uploaded_at: String,
    uploaded_at_rfc3339: String,
    tracking_url: String,
    website_url: String,
}

impl Common {
    fn new(
        scan: &Scan,
        settings: &EmailSettings,
        names: &Names,
        subject: String,
    ) -> Result<Self, NotifyError> {
        Ok(Self {
            subject,
            plugin: names.plugin.clone(),
            version: names.version.clone(),
            scan_id: scan.id.to_string(),
            file_name: one_line(scan.upload.file_name()),
            uploader: scan
                .upload
                .uploader
                .as_deref()
                .map(one_line)
                .filter(|u| !u.is_empty()),
            trusted: scan.upload.trusted,
            uploaded_at: readable_time(scan.upload.uploaded_at)?,
            uploaded_at_rfc3339: rfc3339(scan.upload.uploaded_at)?,
            tracking_url: tracking_url(scan, settings),
            website_url: website(settings).to_owned(),
        })
    }
}

#[derive(Serialize)]
struct ConfirmationContext {
    #[serde(flatten)]
    common: Common,
    status: &'static str,
    expected_minutes: u32,
    expected_at: String,
    expected_at_rfc3339: String,
}

/// The results and the approvers' review request.
#[derive(Serialize)]
struct ResultsContext {
    #[serde(flatten)]
    common: Common,
    status: &'static str,
    status_label: &'static str,
    status_color: &'static str,
    auto_approved: bool,
    reasons: Vec<String>,
    counts: Counts,
    /// Blocking findings, one group per rule.
    blocking: Vec<RuleGroup>,
    blocking_total: usize,
    /// Non-blocking, unsuppressed findings: counts per rule, at most [`SUMMARY_RULES`].
    nonblocking: Summary,
    /// Suppressed findings of mandatory rules, each listed.
    suppressed_mandatory: Vec<FindingView>,
    /// Findings held for a human review (the policy's `review` action), each with its evidence
    /// and the acceptable way: the approvers' email leads with them, the maintainer's results
    /// email says why a human will look.
    held_for_review: Vec<ReviewView>,
    review_heading: &'static str,
    review_intro: &'static str,
    /// Suppressed findings of skippable rules: counts per rule.
    suppressed_other: Summary,
    skips: Vec<SkipView>,
    skips_honoured: Vec<SkipView>,
    skips_refused: Vec<SkipView>,
    config_files: Vec<String>,
    warnings: Vec<String>,
    /// The licence section's lines (empty when the licence check did not run).
    licence: Vec<String>,
    /// The dependencies section's lines (empty when the dependencies check did not run).
    dependencies: Vec<String>,
    /// What to upgrade (or remove), one line per vulnerable dependency: the results emails
    /// lead with it.
    upgrades: Vec<String>,
    /// "QGIS 4 ready: yes / no (N places) / declared but not ready" (`None` when the qgis4
    /// check did not run).
    qgis4: Option<String>,
    checks_total: usize,
    checks_failed: Vec<String>,
    /// What produced the report (version, policy digest, rules version, reference tools).
    provenance: validator_domain::Provenance,
    reference_tools: String,
    /// What changed since the last validated version; `None` when nothing is known (a local
    /// scan, an unreadable earlier report).
    change: Option<VersionChangeView>,
}

/// New findings listed in an email's "what changed" section; the rest are counted.
pub const MAX_CHANGE_FINDINGS: usize = 20;
/// Longest `metadata.txt` value shown in a change (they come from the plugin).
const MAX_METADATA_VALUE: usize = 200;

/// The version diff as the emails show it: leads the results and the approvers' emails.
#[derive(Serialize)]
struct VersionChangeView {
    first_version: bool,
    headline: String,
    base_version: String,
    base_status: &'static str,
    sleeper: Vec<String>,
    metadata: Vec<MetadataView>,
    files_comparable: bool,
    files_added: usize,
    files_removed: usize,
    files_changed: usize,
    /// Binary files added or changed.
    binaries: Vec<String>,
    new_findings: Vec<FindingView>,
    new_more: usize,
    fixed_total: usize,
}

#[derive(Serialize)]
struct MetadataView {
    key: String,
    old: String,
    new: String,
    sensitive: bool,
}

impl VersionChangeView {
    fn of(report: &Report) -> Option<Self> {
        if report.first_version {
            return Some(Self {
                first_version: true,
                headline: String::new(),
                base_version: String::new(),
                base_status: "",
                sleeper: Vec::new(),
                metadata: Vec::new(),
                files_comparable: false,
                files_added: 0,
                files_removed: 0,
                files_changed: 0,
                binaries: Vec::new(),
                new_findings: Vec::new(),
                new_more: 0,
                fixed_total: 0,
            });
        }
        let diff = report.diff.as_ref()?;
        let value = |v: &Option<String>| {
            v.as_deref()
                .map(|v| shorten(&one_line(v), MAX_METADATA_VALUE))
                .unwrap_or_else(|| "(none)".to_owned())
        };
        let files = &diff.files;
        Some(Self {
            first_version: false,
            headline: one_line(&diff.headline()),
            base_version: diff
                .base
                .version
                .as_deref()
                .map(one_line)
                .unwrap_or_else(|| "(unknown version)".to_owned()),
            base_status: if diff.base.validated {
                "the last validated version"
            } else {
                "the last version, which was blocked"
            },
            sleeper: diff.sleeper_reasons().iter().map(|r| one_line(r)).collect(),
            metadata: diff
                .metadata
                .iter()
                .map(|m| MetadataView {
                    key: one_line(&m.key),
                    old: value(&m.old),
                    new: value(&m.new),
                    sensitive: m.sensitive,
                })
                .collect(),
            files_comparable: files.comparable,
            files_added: files.added.len(),
            files_removed: files.removed.len(),
            files_changed: files.changed.len(),
            binaries: files
                .added
                .iter()
                .chain(&files.changed)
                .filter(|f| f.binary)
                .map(|f| one_line(&f.path))
                .collect(),
            new_findings: diff
                .findings
                .new
                .iter()
                .take(MAX_CHANGE_FINDINGS)
                .map(FindingView::of)
                .collect(),
            new_more: diff.findings.new.len().saturating_sub(MAX_CHANGE_FINDINGS),
            fixed_total: diff.findings.fixed.len(),
        })
    }
}

impl ResultsContext {
    fn new(
        scan: &Scan,
        report: &Report,
        settings: &EmailSettings,
        names: &Names,
        subject: String,
    ) -> Result<Self, NotifyError> {
        let blocking: Vec<&Finding> = report.blocking_findings().collect();
        let nonblocking: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| !f.blocking && f.suppressed.is_none())
            .collect();
        let suppressed_mandatory = report
            .suppressed_findings()
            .filter(|f| f.mandatory && !f.blocking)
            .map(FindingView::of)
            .collect();
        let suppressed_other: Vec<&Finding> = report
            .suppressed_findings()
            .filter(|f| !f.mandatory && !f.blocking)
            .collect();
        let skips: Vec<SkipView> = report.skips.iter().map(SkipView::of).collect();
        let (status_label, status_color) = match report.status {
            ScanStatus::Validating => ("Validating", "#1d4ed8"),
            ScanStatus::Validated if report.auto_approved => {
                ("Validated and auto-approved", "#15803d")
            }
            ScanStatus::Validated => ("Validated, waiting for an approver", "#15803d"),
            ScanStatus::Blocked => ("Blocked", "#b91c1c"),
            ScanStatus::Error => ("Could not be validated (error)", "#b45309"),
        };
        Ok(Self {
            common: Common::new(scan, settings, names, subject)?,
            status: report.status.as_str(),
            status_label,
            status_color,
            auto_approved: report.auto_approved,
            reasons: report.reasons.iter().map(|r| r.trim().to_owned()).collect(),
            counts: report.counts,
            blocking_total: blocking.len(),
            blocking: RuleGroup::group(&blocking),
            nonblocking: Summary::of(&nonblocking),
            suppressed_mandatory,
            held_for_review: report
                .findings
                .iter()
                .filter(|f| f.review && f.suppressed.is_none())
                .map(ReviewView::of)
                .collect(),
            review_heading: "HELD FOR REVIEW: WHAT THE CODE DOES",
            review_intro: "These behaviours are not blocked, but a human approver checks each one \
                 before this version is approved (it is never auto-approved). Each line gives \
                 the evidence (file and line) and the acceptable way to do the same thing.",
            suppressed_other: Summary::of(&suppressed_other),
            skips_honoured: skips.iter().filter(|s| s.honoured).cloned().collect(),
            skips_refused: skips.iter().filter(|s| !s.honoured).cloned().collect(),
            skips,
            config_files: report.plugin_config_files.clone(),
            warnings: report.warnings.clone(),
            licence: report
                .licence
                .as_ref()
                .map(|l| l.summary_lines())
                .unwrap_or_default(),
            dependencies: report
                .dependencies
                .as_ref()
                .map(|d| d.summary_lines())
                .unwrap_or_default(),
            upgrades: report
                .dependencies
                .as_ref()
                .map(|d| d.upgrade_lines())
                .unwrap_or_default(),
            qgis4: report.qgis4.as_ref().map(|q| q.line()),
            checks_total: report.checks.len(),
            checks_failed: report
                .checks
                .iter()
                .filter(|c| c.error.is_some())
                .map(|c| c.check.to_string())
                .collect(),
            reference_tools: report.provenance.reference_tools_line(),
            provenance: report.provenance.clone(),
            change: VersionChangeView::of(report),
        })
    }
}

/// One finding held for review: where, what the code does, and the acceptable way.
#[derive(Serialize)]
struct ReviewView {
    location: String,
    rule: String,
    message: String,
    remediation: String,
}

impl ReviewView {
    fn of(finding: &Finding) -> Self {
        let view = FindingView::of(finding);
        Self {
            location: view.location,
            rule: finding.rule.clone(),
            message: one_line(&finding.message),
            remediation: one_line(&finding.remediation),
        }
    }
}

/// One finding as an email shows it.
#[derive(Serialize)]
struct FindingView {
    /// `path:line`, or the path alone.
    location: String,
    rule: String,
    check: String,
    level: &'static str,
    severity: String,
    message: String,
    /// The check's redacted snippet.
    snippet: Option<String>,
    snippet_lines: Vec<String>,
    /// What suppressed it, in words.
    suppression: Option<String>,
}

impl FindingView {
    fn of(finding: &Finding) -> Self {
        let location = if finding.path.is_empty() {
            match finding.line {
                Some(line) => format!("(the archive):{line}"),
                None => "(the archive)".to_owned(),
            }
        } else {
            finding.location()
        };
        let snippet = finding
            .snippet
            .as_deref()
            .map(|s| s.trim_end_matches(['\r', '\n']))
            .filter(|s| !s.trim().is_empty())
            .map(|s| shorten(s, MAX_SNIPPET));
        Self {
            location,
            rule: finding.rule.clone(),
            check: finding.check.to_string(),
            level: finding.level.as_str(),
            severity: finding.severity.to_string(),
            message: finding.message.clone(),
            snippet_lines: snippet
                .as_deref()
                .map(|s| s.lines().map(str::to_owned).collect())
                .unwrap_or_default(),
            snippet,
            suppression: finding.suppressed.as_ref().map(describe_suppression),
        }
    }
}

fn describe_suppression(suppression: &Suppression) -> String {
    match suppression {
        Suppression::Inline { marker } => format!("an inline \"{marker}\" marker in the code"),
        Suppression::Skipped => "the uploader's request to skip the rule".to_owned(),
        Suppression::PluginConfig { file } => {
            format!("the plugin's configuration file {file}")
        }
    }
}

/// The blocking findings of one rule: its guidance once, then every occurrence.
#[derive(Serialize)]
struct RuleGroup {
    rule: String,
    checks: Vec<String>,
    level: &'static str,
    count: usize,
    /// The distinct remediation texts (normally one).
    remediations: Vec<String>,
    occurrences: Vec<FindingView>,
}

impl RuleGroup {
    fn group(findings: &[&Finding]) -> Vec<Self> {
        let mut by_rule: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for finding in findings {
            by_rule.entry(&finding.rule).or_default().push(finding);
        }
        let mut groups: Vec<(Level, Self)> = by_rule
            .into_iter()
            .map(|(rule, mut findings)| {
                findings
                    .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
                let level = findings
                    .iter()
                    .map(|f| f.level)
                    .max()
                    .unwrap_or(Level::Info);
                let mut checks: Vec<String> = Vec::new();
                let mut remediations: Vec<String> = Vec::new();
                for finding in &findings {
                    let check = finding.check.to_string();
                    if !checks.contains(&check) {
                        checks.push(check);
                    }
                    let remediation = finding.remediation.trim();
                    if !remediation.is_empty() && !remediations.iter().any(|r| r == remediation) {
                        remediations.push(remediation.to_owned());
                    }
                }
                let group = Self {
                    rule: rule.to_owned(),
                    checks,
                    level: level.as_str(),
                    count: findings.len(),
                    remediations,
                    occurrences: findings.into_iter().map(FindingView::of).collect(),
                };
                (level, group)
            })
            .collect();
        // Most severe first, then alphabetical (the map's order, kept by the stable sort).
        groups.sort_by_key(|g| std::cmp::Reverse(g.0));
        groups.into_iter().map(|(_, g)| g).collect()
    }
}

/// Findings counted per rule, the largest [`SUMMARY_RULES`] rules listed.
#[derive(Serialize)]
struct Summary {
    total: usize,
    rules: Vec<RuleCount>,
    more_rules: usize,
    more_findings: usize,
}

#[derive(Serialize)]
struct RuleCount {
    rule: String,
    checks: Vec<String>,
    level: &'static str,
    count: usize,
}

impl Summary {
    fn of(findings: &[&Finding]) -> Self {
        let mut by_rule: BTreeMap<&str, (Level, Vec<String>, usize)> = BTreeMap::new();
        for finding in findings {
            let entry = by_rule
                .entry(&finding.rule)
                .or_insert((finding.level, Vec::new(), 0));
            entry.0 = entry.0.max(finding.level);
            let check = finding.check.to_string();
            if !entry.1.contains(&check) {
                entry.1.push(check);
            }
            entry.2 += 1;
        }
        let mut rules: Vec<(Level, RuleCount)> = by_rule
            .into_iter()
            .map(|(rule, (level, checks, count))| {
                (
                    level,
                    RuleCount {
                        rule: rule.to_owned(),
                        checks,
                        level: level.as_str(),
                        count,
                    },
                )
            })
            .collect();
        rules.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.count.cmp(&a.1.count)));
        let more: Vec<_> = if rules.len() > SUMMARY_RULES {
            rules.split_off(SUMMARY_RULES)
        } else {
            Vec::new()
        };
        Self {
            total: findings.len(),
            rules: rules.into_iter().map(|(_, r)| r).collect(),
            more_rules: more.len(),
            more_findings: more.iter().map(|(_, r)| r.count).sum(),
        }
    }
}

#[derive(Clone, Serialize)]
struct SkipView {
    rule: String,
    honoured: bool,
    explanation: &'static str,
}

impl SkipView {
    fn of(skip: &SkipDecision) -> Self {
        Self {
            rule: one_line(&skip.rule),
            honoured: skip.honoured(),
            explanation: skip.explanation(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn website(settings: &EmailSettings) -> &str {
    settings.website_url.trim().trim_end_matches('/')
}

fn count<T>(iter: impl Iterator<Item = T>) -> u32 {
    u32::try_from(iter.count()).unwrap_or(u32::MAX)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One line: control characters (CR, LF, tab, ...) and runs of whitespace become one space.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, `…` marking a cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// Percent-encodes one URL path segment: everything but RFC 3986 unreserved characters, and the
/// dots of a `.` or `..` segment so that it cannot climb the path.
fn encode_segment(segment: &str) -> String {
    let dots_only = segment.bytes().all(|b| b == b'.');
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        let unreserved = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'~')
            || (byte == b'.' && !dots_only);
        if unreserved {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `2024-05-01 12:34 UTC`.
fn readable_time(at: OffsetDateTime) -> Result<String, NotifyError> {
    Ok(at.to_offset(UtcOffset::UTC).format(format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))?)
}

fn rfc3339(at: OffsetDateTime) -> Result<String, NotifyError> {
    Ok(at
        .to_offset(UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        let env = environment().expect("templates load");
        for name in template_names() {
            env.get_template(name).expect(name);
        }
    }

    #[test]
    fn html_strings_are_escaped_and_safe_ones_are_not() {
        let env = environment().unwrap();
        let out = env
            .render_named_str(
                "t.html",
                "{{ a }}|{{ b | safe }}|{{ n }}|{{ x }}",
                minijinja::context! { a => "<a href='x'>&\"</a> p/q", b => "<b>", n => 3, x => true },
            )
            .unwrap();
        assert_eq!(
            out,
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt; p/q|<b>|3|True"
        );
        let text = env
            .render_named_str("t.txt", "{{ a }}", minijinja::context! { a => "<b>" })
            .unwrap();
        assert_eq!(text, "<b>");
    }

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode_segment("My_Plugin-1.2~x"), "My_Plugin-1.2~x");
        assert_eq!(encode_segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("."), "%2E");
    }

    #[test]
    fn one_line_strips_line_breaks() {
        assert_eq!(one_line("  My\r\nPlugin\u{2028}X\tY  "), "My Plugin X Y");
        assert_eq!(one_line("\r\n"), "");
    }

    #[test]
    fn shorten_cuts_on_characters() {
        assert_eq!(shorten("héllo", 10), "héllo");
        assert_eq!(shorten("héllo", 2), "hé…");
    }
}
