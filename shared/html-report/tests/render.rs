//! The HTML report of hand-built reports: limits, code context, secrets hidden, escaping.

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{
    CheckId, CheckResult, Finding, Level, Report, RuleInfo, ScanId, Severity, SkipDecision,
    SkipOutcome, Suppression, Verdict,
};
use validator_html_report::{render, CodeContexts, HtmlLimits, HIDDEN_SECRET_LINE};
use validator_testkit::ZipBuilder;

const SHELL: RuleInfo = RuleInfo {
    id: "B602",
    title: "subprocess with shell=True",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "Drop `shell=True`; pass a list: `subprocess.run([\"ls\", path])`.",
};

const LONG_LINE: RuleInfo = RuleInfo {
    id: "E501",
    title: "line too long",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Wrap the line.",
};

fn finding(check: &str, rule: &RuleInfo, path: &str, line: u32, blocking: bool) -> Finding {
    let mut f = Finding::new(check, rule, path, format!("{} <b>here</b>", rule.title));
    f.line = Some(line);
    f.column = Some(0);
    f.level = rule.level;
    f.blocking = blocking;
    f.mandatory = rule.mandatory;
    f
}

fn report(findings: Vec<(&str, Vec<Finding>)>) -> Report {
    let results: Vec<CheckResult> = findings
        .into_iter()
        .map(|(check, f)| CheckResult::new(ScanId("s".into()), CheckId::new(check), Ok(f), 1, 3))
        .collect();
    let ids: Vec<CheckId> = results.iter().map(|r| r.check.clone()).collect();
    let verdict = Verdict::decide(&ids, &[], &results, false);
    Report::build(
        "uploads/<script>.zip",
        Some("<script>alert(1)</script>"),
        Some("1.0\u{202E}"),
        &verdict,
        &[],
        results,
        &[SkipDecision {
            rule: "<i>B101</i>".into(),
            outcome: SkipOutcome::UnknownRule,
        }],
        &["demo/\"setup.cfg".to_owned()],
    )
}

#[test]
fn code_context_numbers_lines_hides_secrets_and_cuts_long_lines() {
    let code = format!(
        "import subprocess\ntoken = 'ghp_secret'\nsubprocess.call(x, shell=True)\n{}\nend = 1\nafter = 2\n",
        "y".repeat(50)
    );
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/run.py", &code)
        .build();
    let archive = PluginArchive::open(zip, &ArchiveLimits::default()).unwrap();
    let mut secret = finding("secrets", &SHELL, "demo/run.py", 2, false);
    secret.rule = "GitHub Token".into();
    secret.suppressed = Some(Suppression::Inline {
        marker: "pragma: allowlist secret".into(),
    });
    let report = report(vec![
        (
            "security",
            vec![finding("security", &SHELL, "demo/run.py", 3, true)],
        ),
        ("secrets", vec![secret]),
    ]);
    let limits = HtmlLimits {
        context_lines: 1,
        max_line_chars: 20,
        ..HtmlLimits::default()
    };
    let contexts = CodeContexts::from_archive(&archive, &report, &limits);
    let lines = contexts.get("demo/run.py", 3).expect("context of line 3");
    let numbers: Vec<u32> = lines.iter().map(|l| l.number).collect();
    assert_eq!(numbers, [2, 3, 4]);
    assert_eq!(lines[0].text, HIDDEN_SECRET_LINE);
    assert!(lines[1].highlight && !lines[0].highlight);
    assert_eq!(lines[2].text, format!("{}…", "y".repeat(20)));
    let html = render(&report, &contexts, &limits).unwrap();
    assert!(!html.contains("ghp_secret"));
    assert!(html.contains("<code>shell=True</code>"));
    assert!(html.contains("<code>subprocess.run([&quot;ls&quot;, path])</code>"));
}

#[test]
fn every_field_is_escaped() {
    let report = report(vec![(
        "security",
        vec![finding("security", &SHELL, "demo/<b>.py", 1, true)],
    )]);
    let html = render(&report, &CodeContexts::none(), &HtmlLimits::default()).unwrap();
    assert!(!html.contains("<script>"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains("<i>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("demo/&lt;b&gt;.py:1:0"));
    assert!(html.contains("&lt;i&gt;B101&lt;/i&gt;"));
    assert!(html.contains("demo/&quot;setup.cfg"));
    assert!(html.contains("1.0⟨U+202E⟩"));
    assert!(!html.contains('\u{202E}'));
}

#[test]
fn long_rules_are_cut_with_a_count_of_the_rest() {
    let many: Vec<Finding> = (1..=7)
        .map(|line| finding("code_quality", &LONG_LINE, "demo/a.py", line, false))
        .collect();
    let report = report(vec![("code_quality", many)]);
    let limits = HtmlLimits {
        max_occurrences_per_rule: 5,
        ..HtmlLimits::default()
    };
    let html = render(&report, &CodeContexts::none(), &limits).unwrap();
    assert!(html.contains("<summary><code>E501</code>"));
    assert!(html.contains("demo/a.py:5:0"));
    assert!(!html.contains("demo/a.py:6:0"));
    assert!(html.contains("and 2 more"));
    assert!(html.contains("class=\"verdict validated\""));
}

#[test]
fn the_qgis4_line_is_shown_when_the_check_ran() {
    let mut report = report(vec![]);
    let html = render(&report, &CodeContexts::none(), &HtmlLimits::default()).unwrap();
    assert!(!html.contains("QGIS 4 ready"));
    report.qgis4 = Some(validator_domain::Qgis4Readiness::of(3, true, false));
    let html = render(&report, &CodeContexts::none(), &HtmlLimits::default()).unwrap();
    assert!(
        html.contains(r#"id="qgis4">QGIS 4 ready: declared but not ready (3 places)<"#),
        "{html}"
    );
}
