mod common;

use validator_notify::{approvers_email, EmailKind, EmailSettings};

fn settings() -> EmailSettings {
    EmailSettings {
        approvers: vec![
            "approver@example.org".to_owned(),
            "other-approver@example.org".to_owned(),
        ],
        ..EmailSettings::default()
    }
}

#[test]
fn none_for_blocked() {
    let (scan, report) = common::blocked();
    assert!(approvers_email(&scan, &report, &settings())
        .unwrap()
        .is_none());
}

#[test]
fn none_for_auto_approved() {
    let (scan, report) = common::validated(true, false);
    assert!(report.auto_approved);
    assert!(approvers_email(&scan, &report, &settings())
        .unwrap()
        .is_none());
}

#[test]
fn none_for_error() {
    let (scan, report) = common::errored();
    assert!(approvers_email(&scan, &report, &settings())
        .unwrap()
        .is_none());
}

#[test]
fn none_without_approvers() {
    let (scan, report) = common::validated(false, true);
    assert!(approvers_email(&scan, &report, &EmailSettings::default())
        .unwrap()
        .is_none());
}

#[test]
fn some_for_validated_not_auto_approved() {
    let (scan, report) = common::validated(false, true);
    let email = approvers_email(&scan, &report, &settings())
        .unwrap()
        .expect("an approvers email");
    assert_eq!(email.kind, EmailKind::ApproversReview);
    assert_eq!(email.kind.as_str(), "approvers_review");
    assert_eq!(email.to, settings().approvers);
    assert!(!email.to.contains(&common::MAINTAINER.to_owned()));
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: validated, ready for review"
    );
}

#[test]
fn lists_what_approvers_must_look_at() {
    let (mut scan, mut report) = common::validated(false, true);
    scan.warnings = vec!["`trusted` is `maybe`, not true or false".to_owned()];
    report.warnings = scan.warnings.clone();
    let email = approvers_email(&scan, &report, &settings())
        .unwrap()
        .unwrap();
    for body in [&email.text, &email.html] {
        // Plugin, version, uploader, review link.
        assert!(body.contains("MyPlugin"));
        assert!(body.contains("1.2.0"));
        assert!(body.contains("alice"), "{body}");
        assert!(body.contains("https://plugins.qgis.org/plugins/MyPlugin/version/1.2.0/"));
        // The suppressed finding of a mandatory rule, explicitly, with its redacted snippet.
        assert!(body.contains("my_plugin/tools.py:44"), "{body}");
        assert!(body.contains("B602"));
        assert!(body.contains("subprocess.run(cmd, shell=True)  # nosec"));
        // Non-blocking summary, skips honoured, configuration files, warnings.
        assert!(body.contains("B101"));
        assert!(body.contains("E501"));
        assert!(body.contains("skipped as requested (the rule is skippable)"));
        assert!(body.contains("my_plugin/setup.cfg"));
        assert!(body.contains("`trusted` is `maybe`, not true or false"));
    }
    assert!(email
        .text
        .contains("SUPPRESSED FINDINGS OF MANDATORY RULES (1)"));
    assert!(email
        .text
        .contains("RULES SKIPPED AT THE UPLOADER'S REQUEST"));
    assert!(email
        .text
        .contains("PLUGIN CONFIGURATION FILES (please review)"));
    assert!(email.text.contains("Suppressed:  2 (1 of mandatory rules)"));
    assert!(email.html.contains("Review this version"));
}

#[test]
fn trusted_uploader_with_suppressed_mandatory_findings_goes_to_approvers() {
    let (scan, report) = common::validated(true, true);
    assert!(!report.auto_approved);
    let email = approvers_email(&scan, &report, &settings())
        .unwrap()
        .unwrap();
    assert!(email.text.contains("alice (trusted)"), "{}", email.text);
    assert!(email.text.contains("not auto-approved"));
}
