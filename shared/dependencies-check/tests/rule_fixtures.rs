//! The dependencies check end to end on test-built plugins, with the committed advisory
//! records (real PyPA records and two test records, tests/fixtures/advisories/README.md): one
//! fixture per rule, and the evaluation semantics on real records.

use std::path::PathBuf;
use std::sync::Arc;

use validator_dependencies::{
    AdvisoryIndex, AdvisoryLimits, AdvisorySource, DependenciesCheck, NoAdvisories, RULES,
};
use validator_domain::{
    run_on_zip, AdvisoryCheck, Check, DependenciesReport, DependencyOrigin, Finding,
};
use validator_testkit::ZipBuilder;

fn advisories_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/advisories")
}

fn index() -> Arc<dyn AdvisorySource> {
    Arc::new(
        AdvisoryIndex::from_folder(&advisories_dir(), &AdvisoryLimits::default())
            .expect("the fixtures load"),
    )
}

struct Outcome {
    findings: Vec<Finding>,
    report: DependenciesReport,
}

fn run_with(zip: Vec<u8>, source: Arc<dyn AdvisorySource>) -> Outcome {
    let output = run_on_zip(&DependenciesCheck::new(source), zip).expect("check runs");
    Outcome {
        findings: output.findings,
        report: *output
            .details
            .dependencies
            .expect("the dependencies section"),
    }
}

fn run(zip: Vec<u8>) -> Outcome {
    run_with(zip, index())
}

fn rules_of(outcome: &Outcome) -> Vec<&str> {
    outcome.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// A fake `requests` package bundled the way `pip install --target` leaves it: a tiny module
/// and its `.dist-info` with the version (no code of the real library).
fn with_fake_requests(zip: ZipBuilder, version: &str) -> ZipBuilder {
    let info = format!("demo/ext_libs/requests-{version}.dist-info");
    zip.file(
        "demo/ext_libs/requests/__init__.py",
        &format!("__version__ = '{version}'\n"),
    )
    .file(
        &format!("{info}/METADATA"),
        &format!("Metadata-Version: 2.1\nName: requests\nVersion: {version}\n"),
    )
    .file(&format!("{info}/top_level.txt"), "requests\n")
}

#[test]
fn dep002_a_bundled_old_requests_lists_its_advisories_with_the_fix() {
    let outcome = run(with_fake_requests(ZipBuilder::valid_plugin("demo"), "2.7.0").build());
    let dep = &outcome.report.dependencies;
    assert_eq!(dep.len(), 1, "{dep:#?}");
    let requests = &dep[0];
    assert_eq!(requests.origin, DependencyOrigin::Bundled);
    assert_eq!(requests.version.as_deref(), Some("2.7.0"));
    assert_eq!(requests.advisories, AdvisoryCheck::Checked);
    // 2.7.0 is in PYSEC-2018-28 (< 2.20.0) and PYSEC-2023-74 (2.3.0 to 2.31.0), whose GHSA
    // record (same CVE) merges into it; PYSEC-2014-13/14 (< 2.3.0) and 2015-17 (< 2.6.0) do not
    // apply.
    let ids: Vec<&str> = requests
        .vulnerabilities
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(ids, ["PYSEC-2023-74", "PYSEC-2018-28"]);
    let merged = &requests.vulnerabilities[0];
    assert!(
        merged.aliases.contains(&"GHSA-j8r2-6x86-q33q".to_owned())
            && merged.aliases.contains(&"CVE-2023-32681".to_owned()),
        "{merged:#?}"
    );
    assert_eq!(merged.fixed.as_deref(), Some("2.31.0"));
    assert_eq!(merged.severity, "medium");
    assert_eq!(merged.score.map(|s| s.to_string()).as_deref(), Some("6.1"));
    assert_eq!(requests.upgrade_to.as_deref(), Some("2.31.0"));
    assert_eq!(rules_of(&outcome), ["DEP002"]);
    let message = &outcome.findings[0].message;
    assert!(
        message.starts_with("requests 2.7.0 (bundled) in demo/ext_libs/requests/: 2 advisories")
            && message.contains("fixed in 2.31.0")
            && message.contains("PYSEC-2018-28"),
        "{message}"
    );
    let upgrades = outcome.report.upgrade_lines();
    assert_eq!(
        upgrades,
        ["requests 2.7.0 (bundled) in demo/ext_libs/requests/: 2 advisories, upgrade to 2.31.0 or later"]
    );
}

#[test]
fn a_fixed_release_is_clean_and_says_it_was_checked() {
    let outcome = run(with_fake_requests(ZipBuilder::valid_plugin("demo"), "2.32.3").build());
    assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
    assert_eq!(
        outcome.report.dependencies[0].advisories,
        AdvisoryCheck::Checked
    );
    assert!(outcome
        .report
        .summary_lines()
        .iter()
        .any(|l| l.starts_with("no known advisory: requests 2.32.3")));
}

#[test]
fn dep001_a_plugin_that_pip_installs_a_malicious_package_is_flagged() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/setup_deps.py",
            "import subprocess, sys\n\n\ndef ensure():\n    subprocess.check_call(\n        [sys.executable, '-m', 'pip', 'install', 'qgis-totally-fake-helper']\n    )\n",
        )
        .build();
    let outcome = run(zip);
    assert_eq!(
        rules_of(&outcome),
        ["DEP001", "DEP004"],
        "{:#?}",
        outcome.findings
    );
    let malicious = &outcome.findings[0];
    assert_eq!(
        (malicious.path.as_str(), malicious.line),
        ("demo/setup_deps.py", Some(5))
    );
    assert!(
        malicious.message.contains("MAL-2099-0001"),
        "{}",
        malicious.message
    );
    let d = &outcome.report.dependencies[0];
    assert_eq!(d.origin, DependencyOrigin::Installed);
    assert_eq!(d.advisories, AdvisoryCheck::NameOnly);
    assert!(outcome.report.upgrade_lines()[0].contains("MALICIOUS"));
}

#[test]
fn dep001_blocks_under_the_default_policy() {
    let check = DependenciesCheck::new(index());
    let policy = validator_policy::from_tsv("", &[&check as &dyn Check]).expect("policy");
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/requirements.txt", "qgis-totally-fake-helper==1.0\n")
        .build();
    let outcome = run(zip);
    let rated = policy.evaluate(
        &check,
        outcome.findings,
        validator_policy::RuleSet::Policy,
        &[],
    );
    let blocking: Vec<&str> = rated
        .iter()
        .filter(|f| f.blocking)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(blocking, ["DEP001"]);
}

#[test]
fn dep003_a_critical_advisory_holds_for_review() {
    let check = DependenciesCheck::new(index());
    let policy = validator_policy::from_tsv("", &[&check as &dyn Check]).expect("policy");
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/requirements.txt", "GDAL==3.0.1\naiohttp==3.8.5\n")
        .build();
    let outcome = run(zip);
    assert_eq!(
        rules_of(&outcome),
        ["DEP003", "DEP002"],
        "{:#?}",
        outcome.findings
    );
    assert!(outcome.findings[0]
        .message
        .contains("1 critical: PYSEC-2019-241"));
    assert!(outcome.findings[0].message.contains("fixed in 3.0.2"));
    let gdal = &outcome.report.dependencies[0];
    assert_eq!(gdal.vulnerabilities[0].severity, "critical");
    assert_eq!(
        gdal.vulnerabilities[0]
            .score
            .map(|s| s.to_string())
            .as_deref(),
        Some("9.8")
    );
    // aiohttp 3.8.5: PYSEC-2023-246 (< 3.8.6, CVSS 7.5) applies; the withdrawn
    // PYSEC-2022-43059 (every version) does not.
    let aiohttp = &outcome.report.dependencies[1];
    let ids: Vec<&str> = aiohttp
        .vulnerabilities
        .iter()
        .map(|v| v.id.as_str())
        .collect();
    assert_eq!(ids, ["PYSEC-2023-246"]);
    assert_eq!(aiohttp.vulnerabilities[0].severity, "high");
    let rated = policy.evaluate(
        &check,
        outcome.findings,
        validator_policy::RuleSet::Policy,
        &[],
    );
    let review: Vec<&str> = rated
        .iter()
        .filter(|f| f.review)
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(review, ["DEP003"]);
    assert!(rated.iter().all(|f| !f.blocking));
}

#[test]
fn last_affected_includes_its_version_and_names_no_fix() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/requirements.txt", "py==1.11.0\n")
        .file("demo/requirements-dev.txt", "py==1.11.1\n")
        .build();
    let outcome = run(zip);
    let deps = &outcome.report.dependencies;
    assert_eq!(deps[0].vulnerabilities.len(), 1);
    assert_eq!(deps[0].vulnerabilities[0].id, "PYSEC-2022-42969");
    assert_eq!(deps[0].vulnerabilities[0].fixed, None);
    assert_eq!(deps[0].upgrade_to, None);
    assert!(deps[1].vulnerabilities.is_empty(), "{:#?}", deps[1]);
    assert!(outcome.findings[0].message.contains("no fixed version"));
}

#[test]
fn dep004_unpinned_requirements_are_checked_for_malice_only() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/requirements.txt", "requests>=2.0\n")
        .build();
    let outcome = run(zip);
    assert_eq!(rules_of(&outcome), ["DEP004"]);
    assert_eq!(outcome.findings[0].line, Some(1));
    assert_eq!(
        outcome.report.dependencies[0].advisories,
        AdvisoryCheck::NameOnly
    );
}

#[test]
fn dep005_without_advisory_data_nothing_reads_as_clean() {
    let source = Arc::new(NoAdvisories {
        reason: "the OSV API is unreachable".to_owned(),
    });
    let outcome = run_with(
        with_fake_requests(ZipBuilder::valid_plugin("demo"), "2.32.3").build(),
        source,
    );
    assert_eq!(rules_of(&outcome), ["DEP005"]);
    assert_eq!(
        outcome.report.dependencies[0].advisories,
        AdvisoryCheck::NotChecked("the OSV API is unreachable".to_owned())
    );
    let lines = outcome.report.summary_lines();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("NOT CHECKED against advisories")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("no known advisory")));
}

#[test]
fn plugin_dependencies_are_listed() {
    let zip = ZipBuilder::valid_plugin("demo")
        .without("demo/metadata.txt")
        .file(
            "demo/metadata.txt",
            &format!(
                "{}plugin_dependencies=QuickOSM==2.2, Lizmap\n",
                validator_testkit::metadata_txt("demo", "1.0")
            ),
        )
        .build();
    let outcome = run(zip);
    assert_eq!(
        outcome.report.plugin_dependencies,
        ["QuickOSM==2.2", "Lizmap"]
    );
    assert!(outcome.findings.is_empty());
}

#[test]
fn every_rule_has_a_fixture() {
    // The tests above name each rule: a rule added without one fails here.
    let source = include_str!("rule_fixtures.rs");
    for rule in RULES {
        let name = format!("fn {}_", rule.id.to_ascii_lowercase());
        assert!(source.contains(&name), "no fixture test for {}", rule.id);
    }
}

#[test]
fn the_lazy_folder_answers_like_the_whole_index() {
    use validator_dependencies::{AdvisoryFolder, PackageQuery};
    let folder = AdvisoryFolder::new(advisories_dir(), AdvisoryLimits::default());
    let whole = index();
    let queries: Vec<PackageQuery> = ["requests", "gdal", "qgis-totally-fake-helper", "py", "six"]
        .iter()
        .map(|n| PackageQuery {
            name: (*n).to_owned(),
            version: None,
        })
        .collect();
    let ids = |source: &dyn AdvisorySource| -> Vec<Vec<String>> {
        source
            .lookup(&queries)
            .into_iter()
            .map(|answer| {
                let mut ids: Vec<String> = answer
                    .expect("answered")
                    .iter()
                    .map(|r| r.id.clone())
                    .collect();
                ids.sort();
                ids
            })
            .collect()
    };
    let lazy = ids(&folder);
    assert_eq!(lazy, ids(whole.as_ref()));
    // The same records as an export zip (flat, as OSV publishes them), read lazily too.
    let mut export = ZipBuilder::new();
    let mut stack = vec![advisories_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e != "md") {
                let name = path.file_name().and_then(|n| n.to_str()).expect("name");
                export = export.file(name, &std::fs::read_to_string(&path).expect("record"));
            }
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    let zip = dir.path().join("all.zip");
    std::fs::write(&zip, export.build()).expect("zip");
    let zipped = validator_dependencies::LazyIndex::new(&zip, AdvisoryLimits::default());
    assert_eq!(ids(&zipped), lazy);
    assert!(zipped.describe().starts_with("OSV export"));
    // With an index cache: the first scan keeps which entries name which package, the next
    // reads only those entries; both answer the same.
    let cache = dir.path().join("cache");
    let indexed = || {
        validator_dependencies::LazyIndex::new(&zip, AdvisoryLimits::default())
            .with_index_cache(&cache)
    };
    assert_eq!(ids(&indexed()), lazy);
    let kept = std::fs::read_dir(cache.join("advisory-index"))
        .expect("the index is kept")
        .count();
    assert_eq!(kept, 1);
    assert_eq!(ids(&indexed()), lazy);
    assert_eq!(
        lazy[0].len(),
        6,
        "five PYSEC records and the GHSA one: {lazy:?}"
    );
    assert!(lazy[4].is_empty());
    assert!(
        folder.describe().contains("11 records"),
        "{}",
        folder.describe()
    );
}

#[test]
fn a_folder_with_a_warm_index_reads_only_its_packages_records_and_sees_changes() {
    use validator_dependencies::{AdvisoryFolder, PackageQuery};
    let copy_tree = |from: &std::path::Path, to: &std::path::Path| {
        let mut stack = vec![from.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
                let path = entry.path();
                let target = to.join(path.strip_prefix(from).expect("inside"));
                if path.is_dir() {
                    std::fs::create_dir_all(&target).expect("dir");
                    stack.push(path);
                } else {
                    std::fs::copy(&path, &target).expect("copy");
                }
            }
        }
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let records = tmp.path().join("records");
    let cache = tmp.path().join("cache");
    copy_tree(&advisories_dir(), &records);
    let queries: Vec<PackageQuery> = ["requests", "gdal", "six"]
        .iter()
        .map(|n| PackageQuery {
            name: (*n).to_owned(),
            version: None,
        })
        .collect();
    let ids = |source: &dyn AdvisorySource| -> Vec<usize> {
        source
            .lookup(&queries)
            .into_iter()
            .map(|answer| answer.expect("answered").len())
            .collect()
    };
    let expected = ids(index().as_ref());
    assert_eq!(expected, vec![6, 1, 0]);
    let folder =
        || AdvisoryFolder::new(&records, AdvisoryLimits::default()).with_index_cache(&cache);
    // Cold: every record parsed once, the index kept.
    assert_eq!(ids(&folder()), expected);
    let kept: Vec<_> = std::fs::read_dir(cache.join("advisory-index"))
        .expect("the index is kept")
        .flatten()
        .collect();
    assert_eq!(kept.len(), 1);
    let bytes = std::fs::read(kept[0].path()).expect("index");
    assert!(
        bytes.windows(8).any(|w| w == b"requests"),
        "the index names requests"
    );
    // Warm: the same answers from the kept index.
    assert_eq!(ids(&folder()), expected);
    // A record added to the folder changes the listing: the index is rebuilt, the record seen.
    let six = r#"{"id": "GHSA-test-six0-0001", "affected": [{"package": {"ecosystem": "PyPI", "name": "six"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}"#;
    std::fs::write(records.join("six.json"), six).expect("record");
    assert_eq!(ids(&folder()), vec![6, 1, 1]);
    // A cache folder that cannot be written costs speed, not answers.
    let blocked = tmp.path().join("not-a-folder");
    std::fs::write(&blocked, "").expect("file");
    let unwritable =
        AdvisoryFolder::new(&records, AdvisoryLimits::default()).with_index_cache(&blocked);
    assert_eq!(ids(&unwritable), vec![6, 1, 1]);
}

/// Copies the fixture records to `to` (a folder the test may change).
fn copy_fixtures(to: &std::path::Path) {
    let from = advisories_dir();
    let mut stack = vec![from.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures").flatten() {
            let path = entry.path();
            let target = to.join(path.strip_prefix(&from).expect("inside"));
            if path.is_dir() {
                std::fs::create_dir_all(&target).expect("dir");
                stack.push(path);
            } else {
                std::fs::copy(&path, &target).expect("copy");
            }
        }
    }
}

fn record_ids(source: &dyn AdvisorySource, names: &[&str]) -> Vec<Vec<String>> {
    let queries: Vec<validator_dependencies::PackageQuery> = names
        .iter()
        .map(|n| validator_dependencies::PackageQuery {
            name: (*n).to_owned(),
            version: None,
        })
        .collect();
    source
        .lookup(&queries)
        .into_iter()
        .map(|answer| {
            let mut ids: Vec<String> = answer
                .expect("answered")
                .iter()
                .map(|r| r.id.clone())
                .collect();
            ids.sort();
            ids
        })
        .collect()
}

#[test]
fn a_warm_index_sees_a_record_edited_in_place_and_rebuilds_a_damaged_index() {
    use validator_dependencies::AdvisoryFolder;
    let tmp = tempfile::tempdir().expect("tmp");
    let records = tmp.path().join("records");
    let cache = tmp.path().join("cache");
    copy_fixtures(&records);
    let folder =
        || AdvisoryFolder::new(&records, AdvisoryLimits::default()).with_index_cache(&cache);
    let names = ["requests", "gdal", "six"];
    let before = record_ids(&folder(), &names);
    assert_eq!(before[0].len(), 6);
    assert!(before[2].is_empty());
    // Edited in place (its directory unchanged) to name `six` too: a warm scan that reads this
    // record for `requests` sees that its size and modification time are not those indexed and
    // rebuilds the index, so a later scan that asks only for `six` finds it.
    let record = records.join("pypa/requests/PYSEC-2014-13.yaml");
    let text = std::fs::read_to_string(&record).expect("record");
    let also_six =
        "affected:\n- package:\n    name: six\n    ecosystem: PyPI\n  versions:\n  - 1.0.0\n";
    std::fs::write(&record, text.replacen("affected:\n", also_six, 1)).expect("edit");
    assert_eq!(record_ids(&folder(), &["requests"])[0], before[0]);
    assert_eq!(record_ids(&folder(), &["six"])[0], ["PYSEC-2014-13"]);
    let after = record_ids(&folder(), &names);
    assert_eq!(after[0], before[0]);
    // A damaged index (or one of another layout) is rebuilt, not trusted.
    let kept = std::fs::read_dir(cache.join("advisory-index"))
        .expect("kept")
        .flatten()
        .next()
        .expect("one index")
        .path();
    let mut bytes = std::fs::read(&kept).expect("index");
    let half = bytes.len() / 2;
    bytes.truncate(half);
    std::fs::write(&kept, &bytes).expect("damage");
    assert_eq!(record_ids(&folder(), &names), after);
    std::fs::write(&kept, b"{\"signature\": \"an index of an older layout\"}").expect("old");
    assert_eq!(record_ids(&folder(), &names), after);
    assert!(std::fs::read(&kept).expect("rebuilt").len() > half);
}

#[test]
fn a_warm_export_reads_its_entries_without_the_directory_and_sees_a_new_export() {
    use validator_dependencies::LazyIndex;
    let tmp = tempfile::tempdir().expect("tmp");
    let zip = tmp.path().join("all.zip");
    let cache = tmp.path().join("cache");
    let six = r#"{"id": "GHSA-test-six0-0001", "affected": [{"package": {"ecosystem": "PyPI", "name": "six"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}]}"#;
    let requests =
        std::fs::read_to_string(advisories_dir().join("pypa/requests/PYSEC-2014-13.yaml"))
            .expect("record");
    // Stored and deflated entries written with data descriptors (as streaming writers such as
    // Go's write them: no sizes in the local headers): each read from its local header with
    // the sizes and CRC indexed.
    let mut writer = zip::ZipWriter::new_stream(Vec::new());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    use std::io::Write;
    writer
        .start_file("PYSEC-2014-13.yaml", stored)
        .expect("entry");
    writer.write_all(requests.as_bytes()).expect("write");
    writer
        .start_file("GHSA-test-six0-0001.json", deflated)
        .expect("entry");
    writer.write_all(six.as_bytes()).expect("write");
    let bytes = writer.finish().expect("zip").into_inner();
    assert_ne!(
        bytes[6] & 0x08,
        0,
        "the first entry is written with a data descriptor"
    );
    std::fs::write(&zip, &bytes).expect("zip");
    let export = || LazyIndex::new(&zip, AdvisoryLimits::default()).with_index_cache(&cache);
    let expected = vec![
        vec!["PYSEC-2014-13".to_owned()],
        vec!["GHSA-test-six0-0001".to_owned()],
    ];
    assert_eq!(record_ids(&export(), &["requests", "six"]), expected);
    // Warm: the entries' bytes are read where the index says, not through the zip's central
    // directory (damaged here, size and modification time kept: the index still holds).
    let modified = std::fs::metadata(&zip)
        .and_then(|m| m.modified())
        .expect("mtime");
    let mut damaged = bytes.clone();
    let directory = damaged
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .expect("central directory");
    damaged[directory] = b'X';
    std::fs::write(&zip, &damaged).expect("damage");
    std::fs::File::options()
        .write(true)
        .open(&zip)
        .and_then(|f| f.set_modified(modified))
        .expect("mtime");
    assert_eq!(record_ids(&export(), &["requests", "six"]), expected);
    // A new export (another size or time) is indexed again.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer
        .start_file("GHSA-test-six0-0001.json", deflated)
        .expect("entry");
    writer.write_all(six.as_bytes()).expect("write");
    std::fs::write(&zip, writer.finish().expect("zip").into_inner()).expect("zip");
    assert_eq!(
        record_ids(&export(), &["requests", "six"]),
        vec![vec![], vec!["GHSA-test-six0-0001".to_owned()]]
    );
}

#[test]
fn a_plugin_without_dependencies_has_no_section_lines_and_asks_nothing() {
    // A source that fails every lookup: asking it would list the plugin as not checked.
    let source = Arc::new(NoAdvisories {
        reason: "must not be asked".to_owned(),
    });
    let outcome = run_with(ZipBuilder::valid_plugin("demo").build(), source);
    assert!(outcome.findings.is_empty());
    assert!(outcome.report.dependencies.is_empty());
    assert!(outcome.report.summary_lines().is_empty());
    assert_eq!(
        outcome.report.advisory_source,
        "not needed (no dependencies)"
    );
}

#[test]
fn dep001_names_bound_to_literals_are_read_and_rebound_names_are_not() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/deps.py",
            "import subprocess\nimport sys\n\nPACKAGES = ['qgis-totally-fake-helper==1.0', 'six==1.16.0']\nOTHER = 'a==1.0'\nOTHER = 'b==1.0'\n\n\ndef ensure():\n    subprocess.check_call([sys.executable, '-m', 'pip', 'install', *PACKAGES])\n    subprocess.check_call(['pip', 'install', OTHER])\n",
        )
        .build();
    let outcome = run(zip);
    let installed: Vec<String> = outcome
        .report
        .dependencies
        .iter()
        .map(|d| format!("{} line {:?}", d.label(), d.line))
        .collect();
    assert_eq!(
        installed,
        [
            "qgis-totally-fake-helper 1.0 line Some(10)",
            "six 1.16.0 line Some(10)"
        ]
    );
    assert_eq!(rules_of(&outcome), ["DEP001"]);
}

#[test]
fn the_environment_chooses_the_source() {
    use validator_dependencies::advisory_source_from_lookup;
    let dir = advisories_dir();
    let folder = dir.to_string_lossy().into_owned();
    let source = |vars: &[(&str, &str)]| {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        advisory_source_from_lookup(
            move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            None,
        )
        .describe()
    };
    assert!(source(&[("PLUGIN_VALIDATOR_ADVISORIES", &folder)]).starts_with("advisories folder"));
    assert!(
        source(&[("PLUGIN_VALIDATOR_ADVISORIES", "/nonexistent/advisories")])
            .starts_with("none (advisories `/nonexistent/advisories` cannot be read")
    );
    assert!(source(&[("PLUGIN_VALIDATOR_OSV_API", "off")]).starts_with("none (no advisory data"));
    assert_eq!(source(&[]), "OSV API api.osv.dev");
    assert_eq!(
        source(&[("PLUGIN_VALIDATOR_OSV_API", "http://127.0.0.1:8080/")]),
        "OSV API 127.0.0.1:8080"
    );
}

#[test]
fn limits_are_named_and_a_bad_value_is_an_error() {
    use validator_dependencies::DependenciesLimits;
    let limits = DependenciesLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_MAX_DEPENDENCIES").then(|| "3".to_owned())
    })
    .expect("valid");
    assert_eq!(limits.max_dependencies, 3);
    assert_eq!(
        limits.max_file_bytes,
        DependenciesLimits::default().max_file_bytes
    );
    let error = DependenciesLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_MAX_DEPENDENCY_FILE_BYTES").then(|| "2MB".to_owned())
    })
    .expect_err("not a whole number");
    assert_eq!(error.name, "max_dependency_file_bytes");
    assert!(
        error
            .to_string()
            .contains("PLUGIN_VALIDATOR_MAX_DEPENDENCY_FILE_BYTES"),
        "{error}"
    );
}
