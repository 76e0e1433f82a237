//! Fingerprints and the version diff, through the domain's public functions.

use std::borrow::Cow;
use std::collections::BTreeMap;

use validator_domain::{
    assign_fingerprints, normalise_code, nth_line, CheckId, Counts, FileEntry, Finding, Level,
    Report, ScanStatus, Severity, VersionDiff,
};

fn finding(check: &str, rule: &str, path: &str, line: Option<u32>) -> Finding {
    Finding {
        check: CheckId::new(check),
        rule: rule.to_owned(),
        path: path.to_owned(),
        line,
        column: line.map(|_| 0),
        severity: Severity::Medium,
        confidence: None,
        message: format!("{rule} here"),
        remediation: Cow::Borrowed(""),
        snippet: None,
        level: Level::Warning,
        blocking: false,
        mandatory: false,
        suppressed: None,
        bundled_library: None,
        not_loaded: false,
        not_a_secret: None,
        without_evidence: None,
        changed_lines: Vec::new(),
        role: validator_domain::RuleRole::Finding,
        review_at_most: None,
        review: false,
        fingerprint: None,
        decision: None,
    }
}

/// Fingerprints of `findings` over the files `sources` (path, text).
fn printed(mut findings: Vec<Finding>, sources: &[(&str, &str)]) -> Vec<Finding> {
    assign_fingerprints(&mut findings, |path, line| {
        let (_, text) = sources.iter().find(|(p, _)| *p == path)?;
        nth_line(text, line).map(str::to_owned)
    });
    findings
}

fn fp(f: &Finding) -> String {
    f.fingerprint.clone().expect("fingerprint set")
}

const V1: &str = "import os\n\ndef run(cmd):\n    os.system(cmd)\n";

#[test]
fn a_finding_moved_by_an_edit_above_keeps_its_fingerprint() {
    let old = printed(
        vec![finding("security", "B605", "p/a.py", Some(4))],
        &[("p/a.py", V1)],
    );
    let edited =
        "import os\nimport sys\n\n# a helper\ndef run(cmd):\n        os.system( cmd )   # nosec\n";
    let new = printed(
        vec![finding("security", "B605", "p/a.py", Some(6))],
        &[("p/a.py", edited)],
    );
    assert_eq!(fp(&old[0]), fp(&new[0]));
}

#[test]
fn changed_code_or_another_rule_is_another_finding() {
    let old = printed(
        vec![finding("security", "B605", "p/a.py", Some(4))],
        &[("p/a.py", V1)],
    );
    let changed = "import os\n\ndef run(cmd):\n    os.system(cmd + ' &')\n";
    let new = printed(
        vec![
            finding("security", "B605", "p/a.py", Some(4)),
            finding("security", "B607", "p/a.py", Some(4)),
        ],
        &[("p/a.py", changed)],
    );
    assert_ne!(fp(&old[0]), fp(&new[0]));
    assert_ne!(fp(&new[0]), fp(&new[1]));
}

#[test]
fn identical_lines_are_told_apart_by_their_order() {
    let text = "assert a\nassert a\n";
    let found = printed(
        vec![
            finding("security", "B101", "p/a.py", Some(2)),
            finding("security", "B101", "p/a.py", Some(1)),
        ],
        &[("p/a.py", text)],
    );
    assert_ne!(fp(&found[0]), fp(&found[1]));
    // Inserting an unrelated line above keeps both.
    let moved = printed(
        vec![
            finding("security", "B101", "p/a.py", Some(2)),
            finding("security", "B101", "p/a.py", Some(3)),
        ],
        &[("p/a.py", "x = 1\nassert a\nassert a\n")],
    );
    assert_eq!(fp(&found[1]), fp(&moved[0]));
    assert_eq!(fp(&found[0]), fp(&moved[1]));
}

#[test]
fn normalisation_strips_python_comments_outside_strings_only() {
    assert_eq!(normalise_code("a.py", "  x =  1   # note"), "x=1");
    assert_eq!(
        normalise_code("a.py", "f( x, y )"),
        normalise_code("a.py", "f(x,y)")
    );
    assert_eq!(
        normalise_code("a.py", "s = '#not  a comment'  # one"),
        "s='#not  a comment'"
    );
    assert_eq!(normalise_code("a.py", r##"s = "a\"#b""##), r##"s="a\"#b""##);
    // Other files keep their `#` (it may be content); whitespace runs collapse.
    assert_eq!(normalise_code("a.cfg", "  key =   a#b "), "key = a#b");
}

#[test]
fn lines_count_as_python_counts_them() {
    let text = "a\r\nb\rc\n\nd";
    assert_eq!(nth_line(text, 1), Some("a"));
    assert_eq!(nth_line(text, 2), Some("b"));
    assert_eq!(nth_line(text, 3), Some("c"));
    assert_eq!(nth_line(text, 4), Some(""));
    assert_eq!(nth_line(text, 5), Some("d"));
    assert_eq!(nth_line(text, 6), None);
    assert_eq!(nth_line(text, 0), None);
}

fn file(path: &str, content: &str) -> FileEntry {
    use sha2::Digest;
    FileEntry {
        path: path.to_owned(),
        size: content.len() as u64,
        sha256: hex::encode(sha2::Sha256::digest(content.as_bytes())),
        binary: false,
    }
}

fn report(
    version: &str,
    status: ScanStatus,
    files: Vec<FileEntry>,
    findings: Vec<Finding>,
    metadata: &[(&str, &str)],
) -> Report {
    let verdict = validator_domain::Verdict {
        status,
        auto_approved: false,
        counts: Counts::of(&findings),
        reasons: Vec::new(),
    };
    let mut report = Report::build(
        "x.zip",
        Some("Plugin"),
        Some(version),
        &verdict,
        &findings,
        Vec::new(),
        &[],
        &[],
    );
    report.files = files;
    report.metadata = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect::<BTreeMap<_, _>>();
    report
}

#[test]
fn the_diff_lists_files_findings_and_metadata_changes() {
    let old_src = "import os\nos.system(x)\n";
    let new_src = "import os\n\nos.system(x)\nassert y\n";
    let old_findings = printed(
        vec![
            finding("security", "B605", "p/a.py", Some(2)),
            finding("code_quality", "E501", "p/gone.py", Some(1)),
        ],
        &[("p/a.py", old_src), ("p/gone.py", "long line\n")],
    );
    let new_findings = printed(
        vec![
            finding("security", "B605", "p/a.py", Some(3)),
            finding("security", "B101", "p/a.py", Some(4)),
        ],
        &[("p/a.py", new_src)],
    );
    let old = report(
        "1.4.2",
        ScanStatus::Validated,
        vec![
            file("p/a.py", old_src),
            file("p/gone.py", "long line\n"),
            file("p/same.txt", "same"),
        ],
        old_findings,
        &[
            ("version", "1.4.2"),
            ("email", "me@example.org"),
            ("author", "Me"),
        ],
    );
    let mut lib = file("p/lib.so", "\x7fELF....");
    lib.binary = true;
    let new = report(
        "1.5.0",
        ScanStatus::Validated,
        vec![file("p/a.py", new_src), file("p/same.txt", "same"), lib],
        new_findings,
        &[
            ("version", "1.5.0"),
            ("email", "thief@example.net"),
            ("author", "Me"),
        ],
    );
    let diff = VersionDiff::between(&old, None, &new);
    assert_eq!(diff.base.version.as_deref(), Some("1.4.2"));
    assert!(diff.base.validated);
    assert_eq!(diff.files.added.len(), 1);
    assert!(diff.files.added[0].binary);
    assert_eq!(diff.files.removed[0].path, "p/gone.py");
    assert_eq!(diff.files.changed[0].path, "p/a.py");
    assert_eq!(diff.files.changed[0].old_size, Some(old_src.len() as u64));
    assert_eq!(diff.files.unchanged, 1);
    let rules = |l: &[Finding]| l.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
    assert_eq!(rules(&diff.findings.new), ["B101"]);
    assert_eq!(rules(&diff.findings.fixed), ["E501"]);
    assert_eq!(diff.findings.unchanged, 1);
    assert_eq!(diff.headline(), "new since 1.4.2: 1 finding; fixed: 1");
    let email = diff
        .metadata
        .iter()
        .find(|m| m.key == "email")
        .expect("email change");
    assert!(email.sensitive);
    assert!(diff.metadata.iter().all(|m| m.key != "author"));
    // The email change alone holds the version for review.
    let reasons = diff.sleeper_reasons();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("email"));
    assert!(diff
        .to_text()
        .contains("! email: me@example.org -> thief@example.net"));
}

#[test]
fn renamed_files_and_package_folders_keep_their_findings() {
    let src = "import os\nos.system(x)\n";
    let old = report(
        "1.0",
        ScanStatus::Validated,
        vec![file("p/a.py", src), file("p/b.py", "x = 1\nos.system(y)\n")],
        printed(
            vec![
                finding("security", "B605", "p/a.py", Some(2)),
                finding("security", "B605", "p/b.py", Some(2)),
            ],
            &[("p/a.py", src), ("p/b.py", "x = 1\nos.system(y)\n")],
        ),
        &[],
    );
    // a.py moved to a subfolder unchanged; the package folder renamed and b.py edited.
    let b2 = "x = 2\nos.system(y)\n";
    let new = report(
        "1.1",
        ScanStatus::Validated,
        vec![file("q/tools/a.py", src), file("q/b.py", b2)],
        printed(
            vec![
                finding("security", "B605", "q/tools/a.py", Some(2)),
                finding("security", "B605", "q/b.py", Some(2)),
            ],
            &[("q/tools/a.py", src), ("q/b.py", b2)],
        ),
        &[],
    );
    let diff = VersionDiff::between(&old, None, &new);
    assert_eq!(diff.files.renamed.len(), 1, "{:?}", diff.files);
    assert_eq!(diff.files.renamed[0].to, "q/tools/a.py");
    let package = diff
        .files
        .package_renamed
        .as_ref()
        .expect("package folder renamed");
    assert_eq!((package.from.as_str(), package.to.as_str()), ("p", "q"));
    assert!(diff.files.added.is_empty() && diff.files.removed.is_empty());
    assert_eq!(diff.files.changed.len(), 1);
    assert!(diff.findings.new.is_empty(), "{:?}", diff.findings.new);
    assert!(diff.findings.fixed.is_empty());
    assert_eq!(diff.findings.unchanged, 2);
}

#[test]
fn new_behaviour_findings_hold_a_version_only_against_a_validated_base() {
    let src = "import requests\nrequests.post(u, data=open(k).read())\n";
    let new_findings = printed(
        vec![finding("behaviour", "BHV003", "p/a.py", Some(2))],
        &[("p/a.py", src)],
    );
    let new = report(
        "2.4",
        ScanStatus::Validated,
        vec![file("p/a.py", src)],
        new_findings,
        &[],
    );
    let validated = report(
        "2.3",
        ScanStatus::Validated,
        vec![file("p/a.py", "")],
        vec![],
        &[],
    );
    let reasons = VersionDiff::between(&validated, None, &new).sleeper_reasons();
    assert_eq!(reasons.len(), 1);
    assert!(
        reasons[0].contains("BHV003") && reasons[0].contains("2.3"),
        "{reasons:?}"
    );
    let blocked = report(
        "2.3",
        ScanStatus::Blocked,
        vec![file("p/a.py", "")],
        vec![],
        &[],
    );
    assert!(VersionDiff::between(&blocked, None, &new)
        .sleeper_reasons()
        .is_empty());
}

#[test]
fn reports_without_fingerprints_or_files_are_not_compared() {
    let old = report(
        "1.0",
        ScanStatus::Validated,
        vec![],
        vec![finding("security", "B101", "p/a.py", Some(1))],
        &[],
    );
    let new = report(
        "1.1",
        ScanStatus::Validated,
        vec![file("p/a.py", "assert x\n")],
        printed(
            vec![finding("security", "B101", "p/a.py", Some(1))],
            &[("p/a.py", "assert x\n")],
        ),
        &[],
    );
    let diff = VersionDiff::between(&old, None, &new);
    assert!(!diff.findings.comparable && diff.findings.new.is_empty());
    assert!(!diff.files.comparable);
    assert!(diff.headline().contains("not comparable"));
}

#[test]
fn old_reports_still_parse() {
    let mut value = serde_json::to_value(report("1.0", ScanStatus::Validated, vec![], vec![], &[]))
        .expect("json");
    let object = value.as_object_mut().expect("object");
    for key in ["files", "metadata", "diff", "first_version"] {
        object.remove(key);
    }
    let back: Report = serde_json::from_value(value).expect("an old report parses");
    assert!(back.files.is_empty() && back.diff.is_none());
}
