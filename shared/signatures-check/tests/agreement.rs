//! Agreement with the reference: libyara (yara-python, pinned in infra/requirements-yara.txt)
//! and YARA-X, given the same packs (the shipped ones and a test pack) and the same files, find
//! the same (file, rule) matches. The fixtures are benign text written to match.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use validator_signatures::{FolderSource, PackSource, SignatureLimits, SignaturesCheck};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/agreement")
}

/// `(file, rule)` as yara-python finds them.
fn reference(pack_dirs: &[PathBuf], files: &Path) -> BTreeSet<(String, String)> {
    let python = validator_testkit::reference::venv("yara").join("bin/python");
    let script = validator_testkit::reference::repo_root().join("infra/signatures/yara_matches.py");
    let output = Command::new(python)
        .arg(script)
        .args(pack_dirs)
        .arg("--")
        .arg(files)
        .output()
        .expect("yara_matches.py runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            assert!(value.get("error").is_none(), "{line}");
            (
                value["path"].as_str().expect("path").to_owned(),
                value["rule"].as_str().expect("rule").to_owned(),
            )
        })
        .collect()
}

#[test]
fn yara_x_and_libyara_find_the_same_rules_in_the_same_files() {
    let limits = SignatureLimits::default();
    let check = SignaturesCheck::new(
        vec![Arc::new(FolderSource::new(
            fixtures().join("packs"),
            limits.source_limits(),
        )) as Arc<dyn PackSource>],
        limits,
    );
    let files = fixtures().join("files");
    let mut ours = BTreeSet::new();
    for entry in std::fs::read_dir(&files).expect("files") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let bytes = std::fs::read(&path).expect("read");
        for rule in check.raw_matches(&bytes).expect("scan") {
            ours.insert((name.clone(), rule));
        }
    }
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("packs");
    let theirs = reference(&[shipped, fixtures().join("packs")], &files);
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "YARA-X only: {only_ours:?}\nlibyara only: {only_theirs:?}"
    );
    // The fixtures exercise every rule of the test pack and both shipped packs.
    for expected in [
        ("marker.py", "SIG:campaign/text_marker"),
        ("hex.txt", "SIG:campaign/hex_with_jump"),
        ("regex.py", "SIG:campaign/regex_nocase_wide"),
        ("wide.bin", "SIG:campaign/regex_nocase_wide"),
        ("counted.txt", "SIG:campaign/counted_at_start"),
        ("fake.so", "SIG:campaign/magic_header"),
        ("qgis_auth.py", "SIG:qgis/qgis_auth_db_access"),
        ("qgis_auth.py", "SIG:qgis/qgis_startup_persistence"),
        ("qgis_auth.py", "SIG:qgis/qgis_profile_exfiltration"),
        ("qgis_auth.py", "SIG:qgis/qgis_auth_master_password"),
        (
            "guarddog_like.py",
            "SIG:guarddog/threat_runtime_obfuscation_base64exec",
        ),
    ] {
        assert!(
            ours.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} not found: {ours:?}"
        );
    }
    assert!(!ours
        .iter()
        .any(|(f, _)| f == "counted_not_at_start.txt" || f == "clean.txt"));
}
