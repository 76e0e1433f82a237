mod common;

use common::{finding, result, LONG_LINE, SECRET, SHELL};
use validator_domain::{Finding, Level, RuleInfo, ScanStatus, Severity};
use validator_notify::{results_email, EmailKind, EmailSettings, NotifyError};

fn settings() -> EmailSettings {
    EmailSettings {
        approvers: vec!["approver@example.org".to_owned()],
        ..EmailSettings::default()
    }
}

fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn blocked_subject_and_recipients() {
    let (scan, report) = common::blocked();
    assert_eq!(report.status, ScanStatus::Blocked);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: blocked (3 blocking findings)"
    );
    assert_eq!(email.kind, EmailKind::Results);
    assert_eq!(email.to, scan.upload.maintainers);
}

#[test]
fn one_blocking_finding_is_singular() {
    let mut scan = common::scan("MyPlugin", "1.2.0");
    let results = [result(
        "security",
        vec![common::blocking(finding(
            "security", &SHELL, "p/run.py", 7, "shell",
        ))],
    )];
    let report = common::report(&mut scan, &results, false);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: blocked (1 blocking finding)"
    );
}

#[test]
fn every_blocking_finding_with_location_rule_and_message() {
    let (scan, report) = common::blocked();
    let email = results_email(&scan, &report, &settings()).unwrap();
    for body in [&email.text, &email.html] {
        for f in report.blocking_findings() {
            let location = format!("{}:{}", f.path, f.line.unwrap());
            assert!(body.contains(&location), "{location} missing:\n{body}");
            assert!(body.contains(&f.rule));
        }
        assert!(body.contains("my_plugin/config.py:3"));
        assert!(body.contains("my_plugin/utils/aws.py:10"));
        assert!(body.contains("my_plugin/run.py:7"));
        assert!(body.contains("An AWS access key is committed in the code"));
    }
    assert!(email.text.contains(
        "- my_plugin/config.py:3: secrets-aws-key: An AWS access key is committed in the code"
    ));
    // Blocking before the rest, the most severe rules first.
    let blocking_at = email.text.find("BLOCKING FINDINGS (3)").unwrap();
    let other_at = email.text.find("OTHER FINDINGS").unwrap();
    assert!(blocking_at < other_at);
}

#[test]
fn remediation_appears_once_per_rule() {
    let (scan, report) = common::blocked();
    let email = results_email(&scan, &report, &settings()).unwrap();
    for body in [&email.text, &email.html] {
        // Two findings of SECRET: its guidance once, both occurrences after it.
        assert_eq!(occurrences(body, SECRET.remediation), 1, "{body}");
        assert_eq!(occurrences(body, SHELL.remediation), 1, "{body}");
        let guidance = body.find(SECRET.remediation).unwrap();
        assert!(body.find("my_plugin/config.py:3").unwrap() > guidance);
        assert!(body.find("my_plugin/utils/aws.py:10").unwrap() > guidance);
        // Non-blocking rules are summarised, without their guidance.
        assert!(!body.contains(LONG_LINE.remediation));
    }
}

#[test]
fn counts_summary_suppressed_skips_config_files_and_how_to_fix() {
    let (scan, report) = common::blocked();
    let email = results_email(&scan, &report, &settings()).unwrap();
    let text = &email.text;
    assert!(text.contains("Blocking:    3"), "{text}");
    assert!(text.contains("Critical:    3"));
    assert!(text.contains("Warning:     1"));
    assert!(text.contains("Info:        2"));
    assert!(text.contains("Suppressed:  1 (1 of mandatory rules)"));
    // Non-blocking findings, counted per rule.
    assert!(text.contains("- E501 (info, flake8): 2"), "{text}");
    assert!(text.contains("- B101 (warning, security): 1"));
    // The suppressed finding of a mandatory rule, listed.
    assert!(text.contains("SUPPRESSED FINDINGS OF MANDATORY RULES (1)"));
    assert!(text.contains("my_plugin/tools.py:44: B602"));
    assert!(text.contains("\"# nosec\""));
    // Skips with their explanation, configuration files, warnings.
    assert!(text.contains("- E501: skipped as requested (the rule is skippable)"));
    assert!(text.contains("- B602: not skipped: the rule is mandatory"));
    assert!(text.contains("my_plugin/.bandit"));
    assert!(text.contains("maintainer address `nope` is not an email address"));
    // How to fix and re-upload; links.
    assert!(text.contains("HOW TO FIX AND RE-UPLOAD"));
    assert!(text.contains("higher version number"));
    assert!(text.contains("https://plugins.qgis.org/plugins/MyPlugin/version/1.2.0/"));
    assert!(email.html.contains("my_plugin/.bandit"));
    assert!(email.html.contains("How to fix and re-upload"));
}

#[test]
fn html_escapes_finding_messages() {
    let (scan, report) = common::blocked();
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert!(!email.html.contains("<script>"), "{}", email.html);
    assert!(email
        .html
        .contains("runs &lt;script&gt;alert(1)&lt;/script&gt;"));
    // The text part is not HTML: it shows the message as it is.
    assert!(email.text.contains("runs <script>alert(1)</script>"));
}

#[test]
fn redacted_snippet_is_shown_only_when_set() {
    let snippet = "AWS_KEY = AKIA************MPLE";
    let (scan, report) = common::blocked();
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert!(
        email.text.contains(&format!("| {snippet}")),
        "{}",
        email.text
    );
    assert!(email.html.contains(snippet));

    let mut without = report.clone();
    for f in &mut without.findings {
        f.snippet = None;
    }
    let email = results_email(&scan, &without, &settings()).unwrap();
    assert!(!email.text.contains(snippet));
    assert!(!email.html.contains(snippet));
    assert!(!email.html.contains("<pre"));
}

#[test]
fn validated_subject_and_content() {
    let (scan, report) = common::validated(false, true);
    assert_eq!(report.status, ScanStatus::Validated);
    assert!(!report.auto_approved);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(email.subject, "[QGIS plugins] MyPlugin 1.2.0: validated");
    assert_eq!(email.to, scan.upload.maintainers);
    for body in [&email.text, &email.html] {
        assert!(body.contains("approver"), "{body}");
        assert!(!body.contains("Blocking findings") && !body.contains("BLOCKING FINDINGS"));
        assert!(body.contains("my_plugin/tools.py:44"));
        assert!(body.contains("subprocess.run(cmd, shell=True)  # nosec"));
        assert!(body.contains("my_plugin/setup.cfg"));
    }
    assert!(email.text.contains("- E501 (info, flake8): 1"));
}

#[test]
fn auto_approved_subject_and_content() {
    let (scan, report) = common::validated(true, false);
    assert!(report.auto_approved);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: validated and auto-approved"
    );
    for body in [&email.text, &email.html] {
        assert!(body.contains("because its uploader is trusted"), "{body}");
        assert!(body.contains("published"));
    }
    assert!(email.text.contains("APPROVED AUTOMATICALLY"));
}

#[test]
fn trusted_but_suppressed_mandatory_is_validated_only() {
    let (scan, report) = common::validated(true, true);
    assert!(!report.auto_approved);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(email.subject, "[QGIS plugins] MyPlugin 1.2.0: validated");
    assert!(email.text.contains("not auto-approved"), "{}", email.text);
}

#[test]
fn error_subject_and_content() {
    let (scan, report) = common::errored();
    assert_eq!(report.status, ScanStatus::Error);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: could not be validated (error)"
    );
    assert_eq!(email.to, scan.upload.maintainers);
    for body in [&email.text, &email.html] {
        assert!(body.contains("could not finish"), "{body}");
        assert!(body.contains("not necessarily a problem with your plugin"));
        assert!(body.contains("unavailable for approval or download"));
        assert!(body.contains("operators"));
        for reason in &report.reasons {
            assert!(body.contains(reason.as_str()), "{reason} missing");
        }
        assert!(body.contains("the scanner timed out after 300 s"));
    }
}

#[test]
fn results_of_an_unfinished_scan_are_refused() {
    let (scan, mut report) = common::validated(false, false);
    report.status = ScanStatus::Validating;
    assert!(matches!(
        results_email(&scan, &report, &settings()),
        Err(NotifyError::NotFinal(ScanStatus::Validating))
    ));
}

#[test]
fn line_breaks_stripped_from_results_subjects() {
    let (mut scan, report) = common::blocked();
    scan.plugin_name = Some("My\r\nPlugin\rX".to_owned());
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert!(!email.subject.contains(['\r', '\n']));
    assert!(email
        .subject
        .starts_with("[QGIS plugins] My Plugin X 1.2.0: blocked"));
}

#[test]
fn non_blocking_summary_lists_twenty_rules_then_the_rest() {
    static RULES: std::sync::OnceLock<Vec<RuleInfo>> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| {
        (0..25)
            .map(|i| RuleInfo {
                id: Box::leak(format!("R{i:03}").into_boxed_str()),
                title: "a rule",
                severity: Severity::Low,
                level: Level::Info,
                mandatory: false,
                remediation: "Fix it.",
            })
            .collect()
    });
    let mut scan = common::scan("MyPlugin", "1.2.0");
    let findings: Vec<Finding> = rules
        .iter()
        .enumerate()
        .flat_map(|(i, rule)| {
            // R000 has 1 finding, R024 has 25: the most frequent are listed first.
            (0..=i as u32).map(move |n| finding("flake8", rule, "p/a.py", n + 1, "style"))
        })
        .collect();
    let results = [result("flake8", findings)];
    let report = common::report(&mut scan, &results, false);
    let email = results_email(&scan, &report, &settings()).unwrap();
    let text = &email.text;
    assert!(text.contains("- R024 (info, flake8): 25"), "{text}");
    assert!(text.contains("- R005 (info, flake8): 6"));
    assert!(!text.contains("- R004 "));
    // Five rules left, with 1 + 2 + 3 + 4 + 5 findings.
    assert!(
        text.contains("... and 5 more rules (15 findings)"),
        "{text}"
    );
    assert!(email.html.contains("and 5 more rules (15 findings)"));
}

#[test]
fn intake_finding_about_the_whole_archive() {
    let mut scan = common::scan("MyPlugin", "1.2.0");
    let mut refused = Finding::new(
        "intake",
        &RuleInfo {
            id: "archive-too-large",
            title: "archive too large",
            severity: Severity::High,
            level: Level::Critical,
            mandatory: true,
            remediation: "Keep the zip under the size limit.",
        },
        "",
        "the archive expands to more than 200 MB",
    );
    refused.blocking = true;
    scan.intake_findings = vec![refused];
    let report = common::report(&mut scan, &[], false);
    assert_eq!(report.status, ScanStatus::Blocked);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: blocked (1 blocking finding)"
    );
    assert!(email
        .text
        .contains("- (the archive): archive-too-large: the archive expands to more than 200 MB"));
    assert!(email.text.contains("Keep the zip under the size limit."));
}

#[test]
fn error_without_any_finding() {
    let mut scan = common::scan("MyPlugin", "1.2.0");
    let results = [common::failed("security", "out of memory")];
    let report = common::report(&mut scan, &results, false);
    let email = results_email(&scan, &report, &settings()).unwrap();
    assert!(email
        .text
        .contains("the security check could not finish: out of memory"));
    assert!(!email.text.contains("The checks that did finish reported"));
    assert!(email.text.contains("Blocking:    0"));
}

#[test]
fn no_template_syntax_leaks() {
    let s = settings();
    for (scan, report) in [
        common::blocked(),
        common::validated(false, true),
        common::validated(true, false),
        common::errored(),
    ] {
        let email = results_email(&scan, &report, &s).unwrap();
        for body in [&email.text, &email.html] {
            for marker in ["{{", "}}", "{%", "%}", ">none<", " none\n", "undefined"] {
                assert!(!body.contains(marker), "{marker} in\n{body}");
            }
        }
        assert!(email.html.starts_with("<!DOCTYPE html>"));
        assert!(email.html.trim_end().ends_with("</html>"));
    }
}
