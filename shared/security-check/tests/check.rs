//! The security check through the `Check` interface: findings with Bandit's ids and ratings,
//! files it cannot analyse, `# nosec` kept visible, and the plugin's `.bandit` file.

use validator_domain::{run_on_zip_as, Check, Confidence, Finding, Severity, Suppression};
use validator_policy::{Policy, RuleSet};
use validator_security::SecurityCheck;
use validator_testkit::ZipBuilder;

fn run(zip: ZipBuilder) -> Vec<Finding> {
    run_as(zip, false)
}

/// `reference_defaults`: as `--rules all` runs the check (Bandit's behaviour).
fn run_as(zip: ZipBuilder, reference_defaults: bool) -> Vec<Finding> {
    let findings = run_on_zip_as(&SecurityCheck, zip.build(), reference_defaults)
        .expect("runs")
        .findings;
    for finding in &findings {
        assert!(SecurityCheck.rule(&finding.rule).is_some(), "{finding:?}");
        assert!(!finding.remediation.is_empty());
    }
    findings
}

fn of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn aliased_imports_resolve_like_bandit() {
    let findings = run(ZipBuilder::valid_plugin("demo").file(
        "demo/run.py",
        "import subprocess as sp\nfrom os import system as run\n\n\
         def go(cmd):\n    sp.call(cmd, shell=True)\n    run('ls ' + cmd)\n",
    ));
    let shell = of(&findings, "B602");
    assert_eq!(shell.len(), 1, "{findings:?}");
    assert_eq!(shell[0].line, Some(5));
    assert_eq!(shell[0].severity, Severity::High);
    assert_eq!(shell[0].confidence, Some(Confidence::High));
    let system = of(&findings, "B605");
    assert_eq!(system.len(), 1);
    assert_eq!(system[0].severity, Severity::High, "a built command");
    assert_eq!(of(&findings, "B404").len(), 1, "import subprocess");
}

#[test]
fn nosec_findings_stay_visible_as_suppressed() {
    let findings = run(ZipBuilder::valid_plugin("demo").file(
        "demo/calc.py",
        "def f(text):\n    return eval(text)  # nosec B307\n\n\
         def g(text):\n    return eval(text)  # nosec B101\n\n\
         def h(\n    text,\n):\n    return eval(\n        text  # nosec\n    )\n",
    ));
    let evals = of(&findings, "B307");
    assert_eq!(evals.len(), 3, "{findings:?}");
    assert_eq!(
        evals[0].suppressed,
        Some(Suppression::Inline {
            marker: "# nosec B307".into()
        })
    );
    assert_eq!(evals[1].suppressed, None, "a nosec for another test");
    assert!(
        matches!(&evals[2].suppressed, Some(Suppression::Inline { .. })),
        "a nosec inside a multi-line call covers it"
    );
}

#[test]
fn ruff_noqa_codes_suppress_the_bandit_test_they_mirror_under_the_policy() {
    // A cookie name marked for ruff (issue 30), a real password marked for another code, a bare
    // `# noqa` (written for line length, never honoured for security), and ruff's S602.
    let zip = || {
        ZipBuilder::valid_plugin("demo").file(
            "demo/auth.py",
            "import subprocess\n\
             COOKIE_TOKEN = 'session_token_cookie'  # noqa: S105\n\
             DB_PASSWORD = 'hunter2!x'  # noqa: E501\n\
             API_TOKEN = 'tk-93f0a'  # noqa\n\
             subprocess.call(cmd, shell=True)  # noqa:S602,S603\n",
        )
    };
    let findings = run(zip());
    let passwords = of(&findings, "B105");
    assert_eq!(passwords.len(), 3, "{findings:?}");
    assert_eq!(
        passwords[0].suppressed,
        Some(Suppression::Inline {
            marker: "# noqa: S105".into()
        })
    );
    assert_eq!(passwords[1].suppressed, None, "a noqa for another code");
    assert_eq!(passwords[2].suppressed, None, "a bare noqa");
    let shell = of(&findings, "B602");
    assert!(
        matches!(&shell[0].suppressed, Some(Suppression::Inline { marker }) if marker.contains("S602")),
        "{shell:?}"
    );
    // Approvers see them: a suppressed finding of a mandatory rule is kept and counted.
    let policy = Policy::default();
    let rated = policy.evaluate(&SecurityCheck, findings, RuleSet::Policy, &[]);
    let cookie = of(&rated, "B105")[0];
    assert!(cookie.mandatory && !cookie.blocking && cookie.suppressed.is_some());
    // Bandit does not read `# noqa`: `--rules all` reports it active.
    let reference = run_as(zip(), true);
    assert!(of(&reference, "B105")
        .iter()
        .chain(of(&reference, "B602").iter())
        .all(|f| f.suppressed.is_none()));
}

#[test]
fn unparsable_files_are_reported_not_skipped() {
    let findings = run(ZipBuilder::valid_plugin("demo")
        .file("demo/py2.py", "print 'hello'\n")
        .bytes("demo/latin.py", b"x = '\xe9'\n", 0o644)
        .file("demo/deep.py", &format!("x = {}1\n", "-".repeat(5000)))
        .file("demo/ok.py", "assert True\n"));
    let not_analysed = of(&findings, "SEC000");
    let paths: Vec<&str> = not_analysed.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths.len(), 3, "{findings:?}");
    for path in ["demo/py2.py", "demo/latin.py", "demo/deep.py"] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    assert!(not_analysed.iter().all(|f| f.mandatory));
    let py2 = not_analysed
        .iter()
        .find(|f| f.path == "demo/py2.py")
        .unwrap();
    assert_eq!(py2.line, Some(1), "{py2:?}");
    assert_eq!(
        of(&findings, "B101").len(),
        1,
        "the other files are analysed"
    );
}

#[test]
fn a_plugin_bandit_file_relaxes_skippable_rules_only() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/.bandit", "[bandit]\nskips = B101,B307\n")
        .file("demo/code.py", "assert x\neval(x)\n");
    let raw = run(zip);
    for finding in &raw {
        assert_eq!(
            finding.suppressed,
            Some(Suppression::PluginConfig {
                file: "demo/.bandit".into()
            }),
            "{finding:?}"
        );
    }
    let tsv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policy/default-policy.toml"),
    )
    .unwrap();
    let policy = Policy::from_toml(&tsv, "default").unwrap();
    let rated = policy.evaluate(&SecurityCheck, raw, RuleSet::Policy, &[]);
    let assert_ = of(&rated, "B101");
    assert!(assert_[0].suppressed.is_some(), "B101 is skippable");
    let eval = of(&rated, "B307");
    assert_eq!(eval[0].suppressed, None, "B307 is mandatory: never relaxed");
    assert!(eval[0].blocking);
}

#[test]
fn yaml_bandit_files_are_read_too() {
    let relaxation = validator_security::plugin_config::parse(
        "p/.bandit",
        "exclude_dirs: ['tests']\nskips:\n  - B101\n  - 'B603'\n",
    );
    assert!(relaxation.relaxes("B101") && relaxation.relaxes("B603"));
    assert!(!relaxation.relaxes("B602"));
}

#[test]
fn nosec_comments_parse_like_bandit() {
    use validator_security::nosec::parse_nosec_comment;
    let ids = |c: &str| parse_nosec_comment(c).map(|s| s.into_iter().collect::<Vec<_>>());
    assert_eq!(ids("# nosec"), Some(vec![]));
    assert_eq!(
        ids("# nosec: B101, B602"),
        Some(vec!["B101".into(), "B602".into()])
    );
    // Bandit keeps the last id of a comma-joined run, and accepts test names.
    assert_eq!(ids("#nosec B101,B602"), Some(vec!["B602".into()]));
    assert_eq!(ids("# nosec assert_used"), Some(vec!["B101".into()]));
    assert_eq!(ids("# nosec because it is fine"), Some(vec![]));
    assert_eq!(ids("# noqa"), None);
}
