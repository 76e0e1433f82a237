//! Scoped rule sets (each file scanned with only the rules its path can match) find exactly
//! what the full set finds with each rule's `path_include` globs and `disabled.txt` applied
//! afterwards: on the shipped packs, the agreement test's pack and a pack whose rules depend on
//! other rules (a global rule, a private rule, a rule named by another), over files of every kind
//! under paths of every scope. The fixtures are benign text written to match.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use validator_signatures::engine::path_included;
use validator_signatures::{
    FolderSource, PackSource, SignatureLimits, SignaturesCheck, MIN_SCOPED_SET_BYTES,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Paths of every scope the shipped and test packs use, and of none.
const PATHS: &[&str] = &[
    "plugin/module.py",
    "plugin/stub.pyi",
    "setup.py",
    "plugin/setup.py",
    "plugin/package.json",
    "plugin/web/app.js",
    "plugin/tool.go",
    "plugin/run.sh",
    "plugin/i18n/fr.po",
    "plugin/notes.txt",
    "README.md",
    "plugin/icon.png",
    "plugin/vendor/lib.whl!inner/module.py",
];

fn contents() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("agreement/files")).expect("files") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.push((name, std::fs::read(&path).expect("read")));
    }
    let marks = "SCOPE-HELPER-MARK SCOPE-WILD-MARK SCOPE-PY-MARK SCOPE-OFF-MARK SCOPE-ANY-MARK\n";
    out.push(("marks (small)".to_owned(), marks.as_bytes().to_vec()));
    // A rule of JavaScript files only (the second base set's).
    out.push((
        "require aliased".to_owned(),
        b"global['rq'] = require\n".to_vec(),
    ));
    // Past the global rule's size: nothing of its pack may match.
    out.push((
        "marks (large)".to_owned(),
        format!("{marks}{}", "# padding\n".repeat(300)).into_bytes(),
    ));
    out
}

#[test]
fn scoped_rule_sets_find_what_every_rule_on_every_file_finds_with_the_globs_applied() {
    let limits = SignatureLimits::default();
    let sources: Vec<Arc<dyn PackSource>> = ["agreement/packs", "scoping"]
        .iter()
        .map(|dir| {
            Arc::new(FolderSource::new(
                fixtures().join(dir),
                limits.source_limits(),
            )) as Arc<dyn PackSource>
        })
        .collect();
    let check = SignaturesCheck::new(sources, limits);
    let compiled = check.current().expect("the packs compile");
    let mut compared = 0;
    let mut matched = std::collections::BTreeSet::new();
    // A scan with few bytes of each kind of file first (the base sets for every file: no small
    // set is compiled), then one with many (the small sets).
    for scan_bytes in [0, MIN_SCOPED_SET_BYTES] {
        for (name, bytes) in contents() {
            let every_rule = check.raw_matches(&bytes).expect("scan");
            for path in PATHS {
                let expected: Vec<String> = every_rule
                    .iter()
                    .filter(|id| {
                        let rule = compiled.rule(id).expect("a compiled rule");
                        !compiled.is_disabled(id) && path_included(&rule.path_include, path)
                    })
                    .cloned()
                    .collect();
                let scoped = check
                    .path_matches_in_scan(path, &bytes, scan_bytes)
                    .expect("scan");
                assert_eq!(scoped, expected, "{name} as {path} ({scan_bytes} bytes)");
                compared += 1;
                matched.extend(scoped.into_iter().map(|rule| (*path, rule)));
            }
        }
    }
    assert!(compared > 200);
    // The comparison covers rules of every kind of scope, and rules that depend on others.
    for expected in [
        ("plugin/module.py", "SIG:scoping/uses_helper"),
        ("plugin/module.py", "SIG:scoping/names_a_rule"),
        ("setup.py", "SIG:scoping/python_only"),
        ("plugin/notes.txt", "SIG:scoping/wild_one"),
        ("plugin/i18n/fr.po", "SIG:scoping/everywhere"),
        ("plugin/module.py", "SIG:qgis/qgis_auth_db_access"),
        ("plugin/run.sh", "SIG:qgis/qgis_auth_db_access"),
        ("plugin/i18n/fr.po", "SIG:campaign/text_marker"),
        (
            "plugin/web/app.js",
            "SIG:guarddog/threat_runtime_obfuscation_hidden_code",
        ),
        (
            "plugin/vendor/lib.whl!inner/module.py",
            "SIG:guarddog/threat_runtime_obfuscation_base64exec",
        ),
    ] {
        assert!(
            matched.contains(&(expected.0, expected.1.to_owned())),
            "{expected:?} not found: {matched:?}"
        );
    }
    assert!(!matched
        .iter()
        .any(|(_, rule)| rule == "SIG:scoping/switched_off"));
    assert!(!matched
        .iter()
        .any(|(path, rule)| *path == "plugin/i18n/fr.po" && rule.starts_with("SIG:guarddog/")));
}
