//! Compatibility with detect-secrets 1.5.0: the reference tool (`scan --all-files --no-verify`)
//! and our engine scan the same files, generated fixtures for every plugin and filter plus real
//! files from pinned PyPI sdists, and must agree on (file, line, type).

mod fixtures;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use validator_secrets::{scan_file, Enabled};
use validator_testkit::reference;

/// Real-world code: HTTP client code and tests (requests), the tests of an AWS library, full of
/// fake keys (boto; its library code would double the reference run's time for little more),
/// JSON schemas and vocabularies (jsonschema-specifications). (name, version, folder or "").
const SDISTS: &[(&str, &str, &str)] = &[
    ("requests", "2.32.3", ""),
    ("boto", "2.49.0", "tests"),
    ("jsonschema-specifications", "2024.10.1", ""),
];

type Key = (String, u32, String);

fn relative_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read corpus folder") {
            let entry = entry.expect("corpus entry");
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path().strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn ours(root: &Path) -> BTreeSet<Key> {
    let enabled = Enabled::all();
    let mut out = BTreeSet::new();
    for rel in relative_files(root) {
        let name = rel.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(root.join(&rel)).expect("read corpus file");
        if let Ok(found) = scan_file(&name, &bytes, &enabled) {
            for secret in found.into_iter().filter(|s| !s.allowlisted) {
                out.insert((
                    name.clone(),
                    secret.line,
                    secret.secret_type.type_name.to_owned(),
                ));
            }
        }
    }
    out
}

fn theirs(root: &Path) -> BTreeSet<Key> {
    let tool = reference::tool("reference", "detect-secrets");
    let output = Command::new(&tool)
        .args(["scan", "--all-files", "--no-verify"])
        .current_dir(root)
        .env("PYTHONUTF8", "1")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    assert!(
        output.status.success(),
        "detect-secrets failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("detect-secrets prints JSON");
    let mut out = BTreeSet::new();
    for (file, entries) in json["results"].as_object().expect("results") {
        for entry in entries.as_array().expect("entries") {
            out.insert((
                file.clone(),
                entry["line_number"].as_u64().expect("line") as u32,
                entry["type"].as_str().expect("type").to_owned(),
            ));
        }
    }
    out
}

/// More sdists for a longer run: `VALIDATOR_SECRETS_EXTRA_SDISTS=SQLAlchemy==0.7.10,...`.
const EXTRA_SDISTS_VAR: &str = "VALIDATOR_SECRETS_EXTRA_SDISTS";

fn build_corpus(root: &Path) {
    fixtures::write(&root.join("fixtures"));
    let extra = std::env::var(EXTRA_SDISTS_VAR).unwrap_or_default();
    for spec in extra.split(',').filter(|s| !s.trim().is_empty()) {
        let (name, version) = spec
            .trim()
            .split_once("==")
            .unwrap_or_else(|| panic!("{EXTRA_SDISTS_VAR}: `{spec}` is not NAME==VERSION"));
        let unpacked = reference::sdist(name, version);
        copy_tree(&unpacked, &root.join(format!("{name}-{version}")));
    }
    for (name, version, folder) in SDISTS {
        let unpacked = reference::sdist(name, version);
        copy_tree(
            &unpacked.join(folder),
            &root.join(format!("{name}-{version}")).join(folder),
        );
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn agrees_with_detect_secrets_on_fixtures_and_real_packages() {
    let corpus = tempfile::tempdir().unwrap();
    build_corpus(corpus.path());
    let expected = theirs(corpus.path());
    let actual = ours(corpus.path());

    let mut table: BTreeMap<String, [usize; 3]> = BTreeMap::new(); // both, only ours, only theirs
    for key in expected.union(&actual) {
        let row = table.entry(key.2.clone()).or_default();
        match (expected.contains(key), actual.contains(key)) {
            (true, true) => row[0] += 1,
            (false, true) => row[1] += 1,
            _ => row[2] += 1,
        }
    }
    println!("{:<36} {:>6} {:>6} {:>6}", "type", "both", "+ours", "+ref");
    for (ty, [both, extra, missed]) in &table {
        println!("{ty:<36} {both:>6} {extra:>6} {missed:>6}");
    }
    for key in actual.difference(&expected) {
        println!("only ours: {}:{} {}", key.0, key.1, key.2);
    }
    for key in expected.difference(&actual) {
        println!("only detect-secrets: {}:{} {}", key.0, key.1, key.2);
    }
    let both = expected.intersection(&actual).count() as f64;
    let precision = both / actual.len().max(1) as f64;
    let recall = both / expected.len().max(1) as f64;
    println!(
        "findings: detect-secrets {}, ours {}, agreed {both}; precision {:.4}, recall {:.4}",
        expected.len(),
        actual.len(),
        precision,
        recall
    );
    // Every plugin type must be exercised by the fixtures.
    for ty in validator_secrets::rules::SECRET_TYPES {
        if ty.plugin == "IPPublicDetector" {
            // detect-secrets' own `is_not_alphanumeric_string` filter drops every IPv4 address.
            continue;
        }
        assert!(
            expected.iter().any(|k| k.2 == ty.type_name),
            "no fixture triggers {}",
            ty.type_name
        );
    }
    assert!(precision >= 0.99, "precision {precision}");
    assert!(recall >= 0.99, "recall {recall}");
}
