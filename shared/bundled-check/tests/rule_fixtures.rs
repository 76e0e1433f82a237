//! One fixture per rule of the bundled-libraries check: a plugin vendoring a small library,
//! verified offline against a release source made here (published files and their SHA-256), with
//! every finding expected. A test fails when a rule of the check has no fixture that triggers it.

use std::collections::BTreeMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use validator_bundled::{
    modified_files, relax_verified, verified_paths, ArtifactKind, BundledLibrariesCheck, Offline,
    Release, ReleaseError, ReleaseFiles, ReleaseSource, BND002,
};
use validator_domain::{run_on_zip, Check, Finding};
use validator_testkit::ZipBuilder;

/// The published `__init__.py` of the made-up library `tinylib` 1.0.0.
const PUBLISHED_INIT: &str = "__version__ = \"1.0.0\"\n\n\ndef greet():\n    return \"hello\"\n";

/// The published `qt.py` of tinylib 1.0.0, which plugins patch for Qt6.
const PUBLISHED_QT: &str = "from PyQt5 import QtCore\n\n\ndef run(code):\n    exec(code)\n";

/// The published `tinymod.py`, the single module of the made-up distribution `tinymod` 2.0.0.
const PUBLISHED_MODULE: &str = "__version__ = \"2.0.0\"\n\n\ndef tunnel(host):\n    return host\n";

/// A package index that knows two releases: tinylib 1.0.0's wheel and tinymod 2.0.0's.
struct OneRelease;

impl ReleaseSource for OneRelease {
    fn release(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Release, ReleaseError> {
        if (name, version, kind) == ("tinymod", "2.0.0", ArtifactKind::Wheel) {
            return Ok(Release::Found(ReleaseFiles {
                artifact: "tinymod-2.0.0-py3-none-any.whl".to_owned(),
                files: BTreeMap::from([(
                    "tinymod.py".to_owned(),
                    hex::encode(Sha256::digest(PUBLISHED_MODULE)),
                )]),
            }));
        }
        if (name, version, kind) != ("tinylib", "1.0.0", ArtifactKind::Wheel) {
            return Ok(Release::Unknown {
                reason: format!("no {name} {version} {kind:?} in this index"),
            });
        }
        let files = BTreeMap::from([
            (
                "tinylib/__init__.py".to_owned(),
                hex::encode(Sha256::digest(PUBLISHED_INIT)),
            ),
            (
                "tinylib/qt.py".to_owned(),
                hex::encode(Sha256::digest(PUBLISHED_QT)),
            ),
        ]);
        Ok(Release::Found(ReleaseFiles {
            artifact: "tinylib-1.0.0-py3-none-any.whl".to_owned(),
            files,
        }))
    }

    fn release_sources(
        &self,
        _: &str,
        _: &str,
        _: ArtifactKind,
        paths: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, ReleaseError> {
        let published = [
            ("tinylib/__init__.py", PUBLISHED_INIT),
            ("tinylib/qt.py", PUBLISHED_QT),
        ];
        Ok(published
            .into_iter()
            .filter(|(path, _)| paths.iter().any(|p| p == path))
            .map(|(path, text)| (path.to_owned(), text.as_bytes().to_vec()))
            .collect())
    }
}

/// The plugin `demo` vendoring tinylib with this `__init__.py`.
fn vendoring(init: &str) -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file("demo/ext_libs/tinylib/__init__.py", init)
        .build()
}

/// The plugin `demo` vendoring tinylib with its `qt.py` patched (for Qt6).
fn vendoring_patched() -> Vec<u8> {
    ZipBuilder::valid_plugin("demo")
        .file("demo/ext_libs/tinylib/__init__.py", PUBLISHED_INIT)
        .file(
            "demo/ext_libs/tinylib/qt.py",
            &PUBLISHED_QT.replace("PyQt5", "qgis.PyQt"),
        )
        .build()
}

/// (rule, the zip, whether the index knows tinylib, every finding as `RULE path`).
type Fixture = (&'static str, fn() -> Vec<u8>, bool, &'static [&'static str]);

const FIXTURES: &[Fixture] = &[
    (
        "BND001",
        || vendoring(PUBLISHED_INIT),
        true,
        &["BND001 demo/ext_libs/tinylib/"],
    ),
    (
        "BND002",
        || vendoring(&format!("{PUBLISHED_INIT}\nimport os\nos.system(\"id\")\n")),
        true,
        &["BND002 demo/ext_libs/tinylib/__init__.py"],
    ),
    (
        "BND003",
        || vendoring(PUBLISHED_INIT),
        false,
        &["BND003 demo/ext_libs/tinylib/"],
    ),
    (
        "BND004",
        vendoring_patched,
        true,
        &[
            "BND002 demo/ext_libs/tinylib/qt.py",
            "BND004 demo/ext_libs/tinylib/",
        ],
    ),
    (
        "BND005",
        || {
            ZipBuilder::valid_plugin("demo")
                .file("demo/ext_libs/tinylib/__init__.py", PUBLISHED_INIT)
                .file("demo/ext_libs/tinylib/contrib/__init__.py", "")
                .file(
                    "demo/ext_libs/tinylib/LICENSE",
                    "Copyright (c) tinylib authors. Permission is hereby granted...\n",
                )
                .build()
        },
        true,
        &[
            "BND001 demo/ext_libs/tinylib/",
            "BND005 demo/ext_libs/tinylib/contrib/__init__.py",
            "BND005 demo/ext_libs/tinylib/LICENSE",
        ],
    ),
];

fn findings(zip: Vec<u8>, index_knows_it: bool) -> Vec<String> {
    check_findings(zip, index_knows_it)
        .into_iter()
        .map(|finding| format!("{} {}", finding.rule, finding.path))
        .collect()
}

fn check_findings(zip: Vec<u8>, index_knows_it: bool) -> Vec<Finding> {
    let releases: Arc<dyn ReleaseSource> = match index_knows_it {
        true => Arc::new(OneRelease),
        false => Arc::new(Offline),
    };
    run_on_zip(&BundledLibrariesCheck::new(releases), zip)
        .expect("check runs")
        .findings
}

#[test]
fn a_top_level_package_is_a_library_when_its_files_are_a_release() {
    // Vendored at the plugin's top level, without a version folder (issue 30's pyqtgraph).
    let top_level = |init: &str| {
        ZipBuilder::valid_plugin("demo")
            .file("demo/tinylib/__init__.py", init)
            .build()
    };
    assert_eq!(
        findings(top_level(PUBLISHED_INIT), true),
        ["BND001 demo/tinylib/"]
    );
    // The plugin's own package with a `__version__`: not a release, or not reachable. Nothing
    // is reported, and its code is checked as the plugin's own.
    let own = "__version__ = \"1.0.0\"\n\n\ndef main():\n    pass\n";
    assert!(findings(top_level(own), true).is_empty());
    assert!(findings(top_level(PUBLISHED_INIT), false).is_empty());
}

#[test]
fn a_single_module_is_a_library_in_a_vendoring_folder_or_a_folder_of_its_name_when_released() {
    let plugin = |path: &str, module: &str| {
        ZipBuilder::valid_plugin("demo")
            .file("demo/core/__init__.py", "")
            .file("demo/core/tinymod/__init__.py", "")
            .file(path, module)
            .build()
    };
    // In a folder of its own name (beside an empty `__init__.py`), and in a vendoring folder.
    for path in ["demo/core/tinymod/tinymod.py", "demo/ext_libs/tinymod.py"] {
        assert_eq!(
            findings(plugin(path, PUBLISHED_MODULE), true),
            [format!("BND001 {path}")],
            "{path}"
        );
    }
    // Changed, or not a release the index knows: the plugin's own code, nothing reported.
    let changed = format!("{PUBLISHED_MODULE}\nimport os\n");
    assert!(findings(plugin("demo/core/tinymod/tinymod.py", &changed), true).is_empty());
    assert!(findings(
        plugin("demo/core/tinymod/tinymod.py", PUBLISHED_MODULE),
        false
    )
    .is_empty());
    // Anywhere else a module with a `__version__` is the plugin's: never compared.
    assert!(findings(plugin("demo/core/tinymod.py", PUBLISHED_MODULE), true).is_empty());
}

#[test]
fn a_version_written_as_a_tuple_identifies_the_library() {
    // dulwich writes `__version__ = (0, 20, 35)`: the same release as "0.20.35" (issue 30: its
    // vendored copy, test suite included, was checked as the plugin's own code).
    let tuple_init = PUBLISHED_INIT.replace("\"1.0.0\"", "(1, 0, 0)");
    let identified = findings(vendoring(&tuple_init), true);
    assert_eq!(identified, ["BND002 demo/ext_libs/tinylib/__init__.py"]);
    // Not a version: nothing identified, the code stays the plugin's own.
    let not_a_version = PUBLISHED_INIT.replace("\"1.0.0\"", "(MAJOR, MINOR)");
    assert!(findings(vendoring(&not_a_version), true).is_empty());
}

#[test]
fn a_version_constant_identifies_a_library_in_a_vendoring_folder_only() {
    // raven writes `VERSION = '6.10.0'` (issue 25: its vendored copies replace `http.client`'s
    // `putrequest` and were held because nothing identified them).
    let constant_init = PUBLISHED_INIT.replace("__version__ = \"1.0.0\"", "VERSION = '1.0.0'");
    let identified = findings(vendoring(&constant_init), true);
    assert_eq!(identified, ["BND002 demo/ext_libs/tinylib/__init__.py"]);
    // At the plugin's top level a `VERSION` constant is the plugin's own: not a library.
    let top_level = ZipBuilder::valid_plugin("demo")
        .file("demo/tinylib/__init__.py", &constant_init)
        .build();
    assert!(findings(top_level, true).is_empty());
}

#[test]
fn an_added_file_counts_as_no_code_only_when_empty_or_a_licence_text() {
    let with = |path: &str, text: &str| {
        ZipBuilder::valid_plugin("demo")
            .file("demo/ext_libs/tinylib/__init__.py", PUBLISHED_INIT)
            .file(&format!("demo/ext_libs/tinylib/{path}"), text)
            .build()
    };
    // Code, a file not named as documentation, or a documentation name with another
    // extension, makes the copy modified.
    for (path, text) in [
        ("extra.py", "import os\nos.system('id')\n"),
        ("LICENSE.py", "# Copyright\n"),
        ("payload.txt", "Copyright\n"),
        ("README.so", "text"),
    ] {
        let got = findings(with(path, text), true);
        assert!(
            got.contains(&format!("BND002 demo/ext_libs/tinylib/{path}")),
            "{path}: {got:?}"
        );
    }
    // The added file keeps its findings: it is listed with the modified files, not verified.
    let library = check_findings(with("__init__.py.bak", "  \n"), true);
    let modified = modified_files(&library);
    assert_eq!(
        modified,
        vec![("demo/ext_libs/tinylib/__init__.py.bak".to_owned(), vec![])],
        "{library:?}"
    );
}

#[test]
fn a_patched_copy_blocks_only_in_its_changed_files() {
    let library = check_findings(vendoring_patched(), true);
    let patched = library
        .iter()
        .find(|f| f.rule == "BND002")
        .expect("the patched file");
    assert_eq!(patched.changed_lines, vec![[1, 1]], "{patched:?}");
    assert!(
        patched.message.contains("the lines that differ: 1"),
        "{}",
        patched.message
    );
    // The diff against the release, for the report and the approvers' email.
    let diff = patched.snippet.as_deref().unwrap_or_default();
    assert!(diff.contains("- from PyQt5 import QtCore"), "{diff}");
    assert!(diff.contains("+ from qgis.PyQt import QtCore"), "{diff}");
    // Another check's findings: in the unchanged file, and in the patched file on an unchanged
    // line (the release's `exec`) and on the changed line.
    let code_finding = |path: &str, line: u32| {
        let mut f = Finding::new("security", &BND002, path, "finding").at(line, 4);
        f.blocking = true;
        f
    };
    let mut others = vec![
        code_finding("demo/ext_libs/tinylib/__init__.py", 5),
        code_finding("demo/ext_libs/tinylib/qt.py", 5),
        code_finding("demo/ext_libs/tinylib/qt.py", 1),
    ];
    let relaxed = relax_verified(
        &mut others,
        &verified_paths(&library),
        &modified_files(&library),
    );
    assert_eq!(relaxed, 2);
    assert!(
        !others[0].blocking,
        "the release's own file: {:?}",
        others[0]
    );
    assert_eq!(others[0].bundled_library.as_deref(), Some("tinylib 1.0.0"));
    assert!(!others[1].blocking, "the release's line: {:?}", others[1]);
    assert!(others[2].blocking, "the patched line keeps its findings");
    assert_eq!(others[2].bundled_library, None);
    // Without the release's text, the whole patched file keeps its findings.
    let mut unknown = vec![code_finding("demo/ext_libs/tinylib/qt.py", 5)];
    let whole: Vec<(String, Vec<[u32; 2]>)> = modified_files(&library)
        .into_iter()
        .map(|(path, _)| (path, Vec::new()))
        .collect();
    relax_verified(&mut unknown, &verified_paths(&library), &whole);
    assert!(unknown[0].blocking);
}

#[test]
fn every_fixture_gives_its_expected_findings() {
    let mut differences = Vec::new();
    for (rule, zip, index_knows_it, expected) in FIXTURES {
        let found = findings(zip(), *index_knows_it);
        if found != *expected {
            differences.push(format!("{rule}: found {found:#?}\nexpected {expected:#?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let check = BundledLibrariesCheck::new(Arc::new(Offline));
    let mut problems = Vec::new();
    for rule in check.rules() {
        match FIXTURES.iter().find(|(id, ..)| *id == rule.id) {
            None => problems.push(format!("{} has no fixture in FIXTURES", rule.id)),
            Some((_, _, _, expected)) => {
                if !expected
                    .iter()
                    .any(|line| line.split(' ').next() == Some(rule.id))
                {
                    problems.push(format!("{}'s fixture does not trigger it", rule.id));
                }
            }
        }
    }
    for (id, ..) in FIXTURES {
        if check.rule(id).is_none() {
            problems.push(format!(
                "a fixture for {id}, which the check does not declare"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
