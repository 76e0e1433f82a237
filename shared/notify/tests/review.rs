//! Findings held for review: the approvers' email leads with their evidence, the maintainer's
//! results email says why a human will look, and a trusted upload is not auto-approved.

mod common;

use validator_domain::{Level, RuleInfo, Severity};
use validator_notify::{approvers_email, results_email, EmailSettings};

const PIP: RuleInfo = RuleInfo {
    id: "BHV101",
    title: "Installs packages at run time",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: true,
    remediation: "Bundle pure-Python dependencies instead of running pip.",
};

fn held() -> (validator_domain::Scan, validator_domain::Report) {
    let mut scan = common::scan("MyPlugin", "1.2.0");
    let mut finding = common::finding(
        "behaviour",
        &PIP,
        "my_plugin/deps.py",
        12,
        "installs packages at run time (my_plugin/deps.py:12: subprocess.check_call: pip install x)",
    );
    finding.review = true;
    let results = vec![
        common::result("behaviour", vec![finding]),
        common::result(
            "security",
            vec![common::finding(
                "security",
                &common::ASSERT,
                "my_plugin/a.py",
                5,
                "assert used",
            )],
        ),
    ];
    let report = common::report(&mut scan, &results, true);
    (scan, report)
}

#[test]
fn a_trusted_upload_with_a_review_finding_goes_to_the_approvers_evidence_first() {
    let (scan, report) = held();
    assert!(!report.auto_approved);
    assert_eq!(report.counts.review, 1);
    let settings = EmailSettings {
        approvers: vec!["approver@example.org".to_owned()],
        ..EmailSettings::default()
    };
    let email = approvers_email(&scan, &report, &settings)
        .unwrap()
        .expect("approvers are asked to review");
    let evidence = email
        .text
        .find("my_plugin/deps.py:12")
        .expect("evidence in the email");
    for later in ["assert used", "Why"] {
        if let Some(at) = email.text.find(later) {
            assert!(
                evidence < at,
                "the evidence comes before `{later}`:\n{}",
                email.text
            );
        }
    }
    assert!(
        email.text.contains("Bundle pure-Python dependencies"),
        "{}",
        email.text
    );
    assert!(email.html.contains("my_plugin/deps.py:12"));
}

#[test]
fn the_maintainer_is_told_why_a_human_will_look() {
    let (scan, report) = held();
    let email = results_email(&scan, &report, &EmailSettings::default()).unwrap();
    assert!(email.text.contains("HELD FOR REVIEW"), "{}", email.text);
    assert!(
        email.text.contains("installs packages at run time"),
        "{}",
        email.text
    );
    assert!(email.text.contains("held for review"), "{}", email.text);
    assert!(
        !email.subject.contains("auto-approved"),
        "{}",
        email.subject
    );
}
