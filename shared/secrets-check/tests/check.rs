//! The `secrets` check as the pipeline runs it: on a zip, under the policy, with a plugin's own
//! `.secrets.baseline`.

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{Check, CheckContext, Finding, PackageInfo, Suppression};
use validator_policy::{Policy, RuleSet};
use validator_secrets::SecretsCheck;
use validator_testkit::ZipBuilder;

fn evaluate(zip: ZipBuilder) -> Vec<Finding> {
    let archive = PluginArchive::open(zip.build(), &ArchiveLimits::default()).expect("zip");
    let package = PackageInfo::inspect(&archive);
    let policy = Policy::default();
    let check = SecretsCheck;
    let enabled = |rule: &str| policy.runs(&check, rule, RuleSet::Policy);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: &enabled,
        reference_defaults: false,
        cache: &validator_domain::ScanCache::new(),
    };
    let raw = check.run(&ctx).expect("check runs");
    policy.evaluate(&check, raw, RuleSet::Policy, &[])
}

fn sha1_hex(value: &str) -> String {
    // The same hash detect-secrets stores as `hashed_secret`.
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            value,
        ])
        .output()
        .expect("python3");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn findings_carry_type_names_hashes_and_masks_only() {
    let password = ["correct", "Horse", "Battery", "9"].concat();
    let findings = evaluate(
        ZipBuilder::valid_plugin("demo")
            .file("demo/config.py", &format!("password = \"{password}\"\n")),
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f.rule, "Secret Keyword");
    assert_eq!(f.path, "demo/config.py");
    assert_eq!(f.line, Some(1));
    assert!(
        f.message.starts_with("Secret Keyword: co***"),
        "{}",
        f.message
    );
    assert!(f.message.contains(&sha1_hex(&password)), "{}", f.message);
    let shown = format!("{f:?} {}", serde_json::to_string(f).unwrap());
    assert!(!shown.contains(&password));
}

#[test]
fn a_baseline_acknowledges_skippable_types_only_and_stays_visible() {
    let password = ["letmein", "Please", "42"].concat();
    let aws = ["AKIA", "Q2W3E4R5T6Y7U8I9"].concat();
    let code = format!("password = \"{password}\"\nAWS = \"{aws}\"\n");
    let baseline = format!(
        r#"{{"version": "1.5.0", "results": {{"config.py": [
            {{"type": "Secret Keyword", "hashed_secret": "{}", "is_secret": false, "line_number": 1}},
            {{"type": "AWS Access Key", "hashed_secret": "{}", "is_secret": false, "line_number": 2}}
        ]}}}}"#,
        sha1_hex(&password),
        sha1_hex(&aws)
    );
    let findings = evaluate(
        ZipBuilder::valid_plugin("demo")
            .file("demo/config.py", &code)
            .file("demo/.secrets.baseline", &baseline),
    );
    let keyword = findings
        .iter()
        .find(|f| f.rule == "Secret Keyword")
        .unwrap();
    assert_eq!(
        keyword.suppressed,
        Some(Suppression::PluginConfig {
            file: "demo/.secrets.baseline".into()
        })
    );
    assert!(!keyword.blocking);
    assert!(keyword.message.contains("audited as a false positive"));
    let aws = findings
        .iter()
        .find(|f| f.rule == "AWS Access Key")
        .unwrap();
    assert_eq!(
        aws.suppressed, None,
        "mandatory rules cannot be acknowledged"
    );
    assert!(aws.blocking);
    // The baseline's own hashes are not reported as secrets.
    assert!(
        findings.iter().all(|f| f.path != "demo/.secrets.baseline"),
        "{findings:?}"
    );
}

#[test]
fn a_baseline_without_audits_changes_nothing() {
    let aws = ["AKIA", "Z2X3C4V5B6N7M8L9"].concat();
    let findings = evaluate(
        ZipBuilder::valid_plugin("demo")
            .file("demo/a.py", &format!("K = \"{aws}\"\n"))
            .file(
                "demo/.secrets.baseline",
                r#"{"results": {}, "plugins_used": []}"#,
            ),
    );
    assert!(findings
        .iter()
        .any(|f| f.rule == "AWS Access Key" && f.blocking));
}

#[test]
fn allowlisted_secrets_are_suppressed_inline_but_listed() {
    let aws = ["AKIA", "P0O9I8U7Y6T5R4E3"].concat();
    let findings = evaluate(ZipBuilder::valid_plugin("demo").file(
        "demo/a.py",
        &format!("K = \"{aws}\"  # pragma: allowlist secret\nL = \"{aws}\"\n"),
    ));
    let aws_findings: Vec<_> = findings
        .iter()
        .filter(|f| f.rule == "AWS Access Key")
        .collect();
    assert_eq!(aws_findings.len(), 2, "{findings:?}");
    let first = aws_findings.iter().find(|f| f.line == Some(1)).unwrap();
    assert!(matches!(first.suppressed, Some(Suppression::Inline { .. })));
    assert!(first.mandatory && !first.blocking);
    let second = aws_findings.iter().find(|f| f.line == Some(2)).unwrap();
    assert!(second.suppressed.is_none() && second.blocking);
}

#[test]
fn documented_defaults_in_test_and_sample_files_are_reported_and_live_keys_block() {
    // Issue 30: a database password in a `docker-compose.test.yml`, AWS's documented example key
    // in sample SQL data; a live-format token in the same files still blocks.
    let live_token = ["ghp_", "16C7e42F292c6912E7710c838347Ae178B4a"].concat();
    let findings = evaluate(
        ZipBuilder::valid_plugin("demo")
            .file(
                "demo/docker-compose.test.yml",
                "services:\n  qgis:\n    environment:\n      \
                 DATABASE_URL: postgresql://postgres:postgres@db:5432/gis\n",
            )
            .file(
                "demo/sample_data/init.sql",
                "INSERT INTO keys VALUES ('AKIAIOSFODNN7EXAMPLE');\n",
            )
            .file(
                "demo/tests/test_upload.py",
                &format!("GITHUB = '{live_token}'\n"),
            )
            .file(
                "demo/db.py",
                "URL = 'postgresql://postgres:postgres@db:5432/gis'\n",
            ),
    );
    let at = |path: &str| {
        findings
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{path} in {findings:?}"))
    };
    for path in ["demo/docker-compose.test.yml", "demo/sample_data/init.sql"] {
        let finding = at(path);
        assert!(!finding.blocking, "{finding:?}");
        assert!(finding.not_a_secret.is_some(), "{finding:?}");
    }
    let live = at("demo/tests/test_upload.py");
    assert!(live.blocking && live.not_a_secret.is_none(), "{live:?}");
    let loaded = at("demo/db.py");
    assert!(
        loaded.blocking,
        "outside test files a default still blocks: {loaded:?}"
    );
    // The website's rating (`evidence_aware = false`) blocks them all.
    let website = Policy {
        evidence_aware: false,
        ..Policy::default()
    };
    let rerated = website.evaluate(&SecretsCheck, findings.clone(), RuleSet::Policy, &[]);
    assert!(rerated.iter().all(|f| f.blocking), "{rerated:?}");
}
