//! Hand-built scans and reports for the email tests.
#![allow(dead_code)]

use time::macros::datetime;
use validator_domain::{
    CheckId, CheckOutcome, CheckResult, Counts, Finding, Level, Report, RuleInfo, Scan, ScanId,
    Severity, SkipDecision, SkipOutcome, Suppression, Upload, Verdict,
};

pub const MAINTAINER: &str = "maintainer@example.org";

pub const SECRET: RuleInfo = RuleInfo {
    id: "secrets-aws-key",
    title: "AWS access key",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "Remove the key from the plugin, revoke it, and read it at run time instead.",
};

pub const SHELL: RuleInfo = RuleInfo {
    id: "B602",
    title: "subprocess with shell=True",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "Pass the command as a list and drop shell=True.",
};

pub const LONG_LINE: RuleInfo = RuleInfo {
    id: "E501",
    title: "line too long",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Wrap the line.",
};

pub const ASSERT: RuleInfo = RuleInfo {
    id: "B101",
    title: "assert used",
    severity: Severity::Low,
    level: Level::Warning,
    mandatory: false,
    remediation: "Raise an exception instead of asserting.",
};

pub fn scan(name: &str, version: &str) -> Scan {
    let uploaded_at = datetime!(2024-05-01 12:00:00 UTC);
    let upload = Upload {
        object_key: "uploads/4242/my_plugin.zip".to_owned(),
        maintainers: vec![MAINTAINER.to_owned(), "second@example.org".to_owned()],
        uploader: Some("alice".to_owned()),
        trusted: false,
        skip_rules: Vec::new(),
        website_version_id: Some("4242".to_owned()),
        website_plugin_id: None,
        uploaded_at,
    };
    Scan {
        plugin_name: Some(name.to_owned()),
        plugin_version: Some(version.to_owned()),
        ..Scan::new(ScanId("0123456789abcdef".to_owned()), upload, uploaded_at)
    }
}

pub fn finding(check: &str, rule: &RuleInfo, path: &str, line: u32, message: &str) -> Finding {
    Finding::new(check, rule, path, message).at(line, 1)
}

pub fn blocking(mut f: Finding) -> Finding {
    f.blocking = true;
    f
}

pub fn suppressed(mut f: Finding, suppression: Suppression) -> Finding {
    f.suppressed = Some(suppression);
    f
}

pub fn result(check: &str, findings: Vec<Finding>) -> CheckResult {
    CheckResult {
        scan_id: ScanId("0123456789abcdef".to_owned()),
        check: CheckId::new(check),
        outcome: CheckOutcome::Ok,
        counts: Counts::of(&findings),
        findings,
        findings_key: None,
        details: Default::default(),
        attempt: 1,
        duration_ms: 10,
        completed_at: datetime!(2024-05-01 12:02:00 UTC),
    }
}

pub fn failed(check: &str, reason: &str) -> CheckResult {
    CheckResult {
        outcome: CheckOutcome::Error {
            reason: reason.to_owned(),
        },
        ..result(check, Vec::new())
    }
}

/// The report of `scan` over `results`, decided as the pipeline does.
pub fn report(scan: &mut Scan, results: &[CheckResult], trusted: bool) -> Report {
    scan.upload.trusted = trusted;
    scan.expected_checks = results.iter().map(|r| r.check.clone()).collect();
    scan.completed_checks = scan.expected_checks.clone();
    let verdict = Verdict::decide(
        &scan.expected_checks,
        &scan.intake_findings,
        results,
        trusted,
    );
    scan.status = verdict.status;
    scan.auto_approved = verdict.auto_approved;
    Report::for_scan(scan, &verdict, results)
}

/// Three blocking findings of two rules, non-blocking ones, a suppressed finding of a mandatory
/// rule, a skip, a configuration file and a warning.
pub fn blocked() -> (Scan, Report) {
    let mut scan = scan("MyPlugin", "1.2.0");
    scan.skips = vec![
        SkipDecision {
            rule: "E501".to_owned(),
            outcome: SkipOutcome::Honoured,
        },
        SkipDecision {
            rule: "B602".to_owned(),
            outcome: SkipOutcome::RefusedMandatory,
        },
    ];
    scan.plugin_config_files = vec!["my_plugin/.bandit".to_owned()];
    scan.warnings =
        vec!["maintainer address `nope` is not an email address; it was ignored".to_owned()];
    let mut key = blocking(finding(
        "secrets",
        &SECRET,
        "my_plugin/config.py",
        3,
        "An AWS access key is committed in the code",
    ));
    key.snippet = Some("AWS_KEY = AKIA************MPLE".to_owned());
    let key2 = blocking(finding(
        "secrets",
        &SECRET,
        "my_plugin/utils/aws.py",
        10,
        "An AWS access key is committed in the code",
    ));
    let shell = blocking(finding(
        "security",
        &SHELL,
        "my_plugin/run.py",
        7,
        "subprocess call with shell=True runs <script>alert(1)</script>",
    ));
    let nosec = suppressed(
        finding(
            "security",
            &SHELL,
            "my_plugin/tools.py",
            44,
            "subprocess call with shell=True",
        ),
        Suppression::Inline {
            marker: "# nosec".to_owned(),
        },
    );
    let results = vec![
        result("secrets", vec![key, key2]),
        result(
            "security",
            vec![
                shell,
                nosec,
                finding("security", &ASSERT, "my_plugin/a.py", 5, "assert used"),
            ],
        ),
        result(
            "flake8",
            vec![
                finding("flake8", &LONG_LINE, "my_plugin/a.py", 1, "line too long"),
                finding("flake8", &LONG_LINE, "my_plugin/a.py", 2, "line too long"),
            ],
        ),
    ];
    let report = report(&mut scan, &results, false);
    (scan, report)
}

/// No blocking finding; a suppressed finding of a mandatory rule.
pub fn validated(trusted: bool, with_nosec: bool) -> (Scan, Report) {
    let mut scan = scan("MyPlugin", "1.2.0");
    scan.skips = vec![SkipDecision {
        rule: "E501".to_owned(),
        outcome: SkipOutcome::Honoured,
    }];
    scan.plugin_config_files = vec!["my_plugin/setup.cfg".to_owned()];
    let mut findings = vec![finding(
        "security",
        &ASSERT,
        "my_plugin/a.py",
        5,
        "assert used",
    )];
    if with_nosec {
        let mut f = suppressed(
            finding(
                "security",
                &SHELL,
                "my_plugin/tools.py",
                44,
                "subprocess call with shell=True",
            ),
            Suppression::Inline {
                marker: "# nosec".to_owned(),
            },
        );
        f.snippet = Some("subprocess.run(cmd, shell=True)  # nosec".to_owned());
        findings.push(f);
    }
    let skipped = suppressed(
        finding("flake8", &LONG_LINE, "my_plugin/a.py", 1, "line too long"),
        Suppression::Skipped,
    );
    let results = vec![
        result("security", findings),
        result("flake8", vec![skipped]),
    ];
    let report = report(&mut scan, &results, trusted);
    (scan, report)
}

/// A check that could not finish.
pub fn errored() -> (Scan, Report) {
    let mut scan = scan("MyPlugin", "1.2.0");
    let results = vec![
        result(
            "security",
            vec![finding(
                "security",
                &ASSERT,
                "my_plugin/a.py",
                5,
                "assert used",
            )],
        ),
        failed("secrets", "the scanner timed out after 300 s"),
    ];
    let report = report(&mut scan, &results, false);
    (scan, report)
}
