mod common;

use validator_notify::{confirmation_email, EmailKind, EmailSettings};

#[test]
fn subject_recipients_and_kind() {
    let scan = common::scan("MyPlugin", "1.2.0");
    let email = confirmation_email(&scan, &EmailSettings::default()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] MyPlugin 1.2.0: received, validating"
    );
    assert_eq!(email.kind, EmailKind::Confirmation);
    assert_eq!(email.kind.as_str(), "confirmation");
    assert_eq!(email.to, scan.upload.maintainers);
    assert_eq!(email.to[0], common::MAINTAINER);
}

#[test]
fn says_what_is_happening_and_when_it_will_be_done() {
    let scan = common::scan("MyPlugin", "1.2.0");
    let settings = EmailSettings {
        expected_minutes: 15,
        ..EmailSettings::default()
    };
    let email = confirmation_email(&scan, &settings).unwrap();
    let url = "https://plugins.qgis.org/plugins/MyPlugin/version/1.2.0/";
    for body in [&email.text, &email.html] {
        assert!(body.contains("MyPlugin"), "{body}");
        assert!(body.contains("1.2.0"), "{body}");
        // Upload time, status, availability, expected completion, tracking link.
        assert!(body.contains("2024-05-01 12:00 UTC"), "{body}");
        assert!(body.contains("Validating"), "{body}");
        assert!(body.contains("not yet available for approval or download"));
        assert!(body.contains("within 15 minutes"), "{body}");
        assert!(body.contains("2024-05-01 12:15 UTC"), "{body}");
        assert!(body.contains(url), "{body}");
        // What the next email will say.
        assert!(body.contains("validated"));
        assert!(body.contains("blocked"));
        assert!(body.contains("how to"));
        assert!(body.contains("higher version number"));
    }
    assert!(email.html.contains(&format!("href=\"{url}\"")));
    assert!(email.html.contains("datetime=\"2024-05-01T12:15:00Z\""));
    assert!(email.text.contains("Uploader:  alice"));
    assert!(!email.text.contains("{{") && !email.html.contains("{{"));
    assert!(!email.text.contains("{%") && !email.html.contains("{%"));
}

#[test]
fn default_settings() {
    let settings = EmailSettings::default();
    assert_eq!(settings.website_url, "https://plugins.qgis.org");
    assert_eq!(settings.expected_minutes, 5);
    assert!(settings.approvers.is_empty());
    let email = confirmation_email(&common::scan("P", "1"), &settings).unwrap();
    assert!(email
        .text
        .contains("within 5 minutes, by about 2024-05-01 12:05 UTC"));
}

#[test]
fn one_minute_is_singular() {
    let settings = EmailSettings {
        expected_minutes: 1,
        ..EmailSettings::default()
    };
    let email = confirmation_email(&common::scan("P", "1"), &settings).unwrap();
    assert!(
        email.text.contains("within 1 minute, by about"),
        "{}",
        email.text
    );
}

#[test]
fn line_breaks_in_the_plugin_name_never_reach_the_subject() {
    let scan = common::scan("Evil\r\nBcc: victim@example.org\n", "1.0\r\n");
    let email = confirmation_email(&scan, &EmailSettings::default()).unwrap();
    assert!(!email.subject.contains('\r') && !email.subject.contains('\n'));
    assert_eq!(
        email.subject,
        "[QGIS plugins] Evil Bcc: victim@example.org 1.0: received, validating"
    );
}

#[test]
fn html_escapes_the_plugin_name() {
    let scan = common::scan("<img src=x onerror=alert(1)>", "1.0");
    let email = confirmation_email(&scan, &EmailSettings::default()).unwrap();
    assert!(!email.html.contains("<img"), "{}", email.html);
    assert!(email.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(email.text.contains("<img src=x onerror=alert(1)>"));
}

#[test]
fn unknown_name_and_version() {
    let mut scan = common::scan("x", "y");
    scan.plugin_name = None;
    scan.plugin_version = None;
    let email = confirmation_email(&scan, &EmailSettings::default()).unwrap();
    assert_eq!(
        email.subject,
        "[QGIS plugins] my_plugin.zip (unknown version): received, validating"
    );
    assert!(email.text.contains("https://plugins.qgis.org/plugins/my"));
}
