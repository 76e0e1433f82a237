//! The results emails say what produced the report, and guidance code renders as code.

mod common;

use std::borrow::Cow;

use validator_domain::{Provenance, ToolVersion};
use validator_notify::{approvers_email, results_email, EmailSettings};

fn provenance() -> Provenance {
    Provenance {
        validator_version: "9.8.7".into(),
        policy_digest: "sha256:0123456789abcdef".into(),
        rules_version: "abcdef012345".into(),
        reference_tools: vec![ToolVersion {
            name: "bandit".into(),
            version: "1.9.4".into(),
            check: "security".into(),
        }],
        signatures_digest: None,
    }
}

#[test]
fn results_emails_name_the_validator_policy_and_rules() {
    let (scan, report) = common::blocked();
    let settings = EmailSettings::default();
    let without = results_email(&scan, &report, &settings).unwrap();
    assert!(!without.html.contains("Checked by"));
    assert!(!without.text.contains("Checked by"));

    let report = report.with_provenance(provenance());
    let email = results_email(&scan, &report, &settings).unwrap();
    for body in [&email.html, &email.text] {
        assert!(
            body.contains("Checked by plugin-validator 9.8.7, rules abcdef012345"),
            "{body}"
        );
        assert!(body.contains("sha256:0123456789abcdef"));
        assert!(body.contains("bandit 1.9.4"));
        assert!(!body.contains("signatures"), "no pack applied, none named");
    }
    let (scan, report) = common::blocked();
    let report = report.with_provenance(Provenance {
        signatures_digest: Some("sha256:5a5a5a".into()),
        ..provenance()
    });
    let email = results_email(&scan, &report, &settings).unwrap();
    for body in [&email.html, &email.text] {
        assert!(body.contains("signatures"), "{body}");
        assert!(body.contains("sha256:5a5a5a"), "{body}");
    }
    let (scan, report) = common::validated(false, false);
    let settings = EmailSettings {
        approvers: vec!["approver@example.org".into()],
        ..EmailSettings::default()
    };
    let review = approvers_email(&scan, &report.with_provenance(provenance()), &settings)
        .unwrap()
        .expect("a review request");
    assert!(review.html.contains("Checked by plugin-validator 9.8.7"));
}

#[test]
fn guidance_code_is_code_in_html_and_backticks_in_text() {
    let (scan, mut report) = common::blocked();
    for finding in report.findings.iter_mut().filter(|f| f.blocking) {
        finding.remediation = Cow::Borrowed("Use `subprocess.run([\"ls\"])` not `<shell>`.");
    }
    let email = results_email(&scan, &report, &EmailSettings::default()).unwrap();
    assert!(
        email.html.contains(
            "Use <code>subprocess.run([&quot;ls&quot;])</code> not <code>&lt;shell&gt;</code>."
        ),
        "{}",
        email.html
    );
    assert!(
        !email.html.contains("`subprocess"),
        "the guidance's backticks became <code>"
    );
    assert!(email
        .text
        .contains("Use `subprocess.run([\"ls\"])` not `<shell>`."));
}
