//! The check through its public interface, on the fixture plugins: every rule has a fixture
//! that triggers it, each finding names its replacement, and the readiness line follows the
//! code and `metadata.txt`.

mod common;

use std::collections::BTreeSet;

use validator_domain::Qgis4State;
use validator_qgis4::{counts_against_readiness, RULES};
use validator_testkit::ZipBuilder;

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let mut seen = BTreeSet::new();
    for folder in common::fixtures() {
        for finding in common::run_folder(&folder).findings {
            seen.insert(finding.rule);
        }
    }
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}

#[test]
fn each_state_of_readiness() {
    let state = |name: &str| common::run_folder(&common::fixture(name)).readiness;
    let ready = state("ready");
    assert_eq!(ready.state, Qgis4State::Ready);
    assert_eq!(ready.line(), "QGIS 4 ready: yes");
    let declared = state("declared_not_ready");
    assert_eq!(declared.state, Qgis4State::DeclaredNotReady);
    assert_eq!(
        declared.line(),
        "QGIS 4 ready: declared but not ready (2 places)"
    );
    let porting = state("porting_needed");
    assert_eq!(porting.state, Qgis4State::NotReady);
    assert!(porting.places > 40, "{porting:?}");
    assert_eq!(state("ready_not_declared").state, Qgis4State::NotDeclared);
}

#[test]
fn places_behind_version_tests_are_reported_but_not_counted() {
    let outcome = common::run_folder(&common::fixture("guarded"));
    assert_eq!(outcome.readiness.state, Qgis4State::Ready, "{outcome:?}");
    let rules: Vec<&str> = outcome.findings.iter().map(|f| f.rule.as_str()).collect();
    for rule in ["Q4007", "Q4015", "Q4002"] {
        assert!(rules.contains(&rule), "{rule} in {rules:?}");
    }
    let q4002 = outcome
        .findings
        .iter()
        .find(|f| f.rule == "Q4002")
        .expect("exec_");
    assert!(q4002
        .message
        .contains("not counted against QGIS 4 readiness"));
}

#[test]
fn a_clean_plugin_has_no_code_finding() {
    for name in ["ready", "ready_not_declared"] {
        let outcome = common::run_folder(&common::fixture(name));
        let code: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| counts_against_readiness(&f.rule) || f.rule == "Q4006")
            .collect();
        assert!(code.is_empty(), "{name}: {code:#?}");
    }
}

#[test]
fn findings_name_the_replacement_and_the_place() {
    let outcome = common::run_folder(&common::fixture("porting_needed"));
    let find = |rule: &str, line: u32| {
        outcome
            .findings
            .iter()
            .find(|f| f.rule == rule && f.path == "porting_needed/main.py" && f.line == Some(line))
            .unwrap_or_else(|| {
                panic!(
                    "{rule} at main.py:{line}: {:#?}",
                    common::keys(&outcome.findings)
                )
            })
    };
    assert!(find("Q4003", 17)
        .message
        .contains("`Qt.AlignmentFlag.AlignLeft`"));
    assert_eq!(find("Q4003", 17).column, Some(22));
    assert!(find("Q4001", 2)
        .message
        .contains("from qgis.PyQt.QtCore import"));
    assert!(find("Q4005", 33)
        .message
        .contains("`Qt.MouseButton.MiddleButton`"));
    assert!(find("Q4004", 35)
        .message
        .contains("`QColorSpace.NamedColorSpace.SRgb`"));
    assert!(find("Q4009", 25)
        .message
        .contains("QApplication.instance().processEvents"));
    assert!(find("Q4006", 19).message.contains("`QMetaType.Type.Int`"));
    // Guidance on every finding: why, and how to fix it.
    assert!(outcome.findings.iter().all(|f| !f.remediation.is_empty()));
}

#[test]
fn metadata_decides_declared_and_the_maximum_version() {
    let plugin = |metadata_extra: &str, code: &str| {
        ZipBuilder::valid_plugin("p")
            .without("p/metadata.txt")
            .file(
                "p/metadata.txt",
                &format!(
                    "{}{metadata_extra}",
                    validator_testkit::metadata_txt("P", "1.0")
                ),
            )
            .file("p/main.py", code)
            .build()
    };
    let clean = "from qgis.PyQt.QtCore import Qt\nALIGN = Qt.AlignmentFlag.AlignLeft\n";
    let dirty = "from qgis.PyQt.QtCore import Qt\nALIGN = Qt.AlignLeft\n";
    let run = |extra: &str, code: &str| common::run(plugin(extra, code));

    // plugins.qgis.org lists a plugin for QGIS 4 by its qgisMaximumVersion (since May 2026).
    for declared in ["qgisMaximumVersion=4.99\n", "qgismaximumversion = 4\n"] {
        let outcome = run(declared, clean);
        assert_eq!(outcome.readiness.state, Qgis4State::Ready, "{declared}");
        assert!(
            !outcome.findings.iter().any(|f| f.rule.starts_with("Q41")),
            "{declared}: {:?}",
            common::keys(&outcome.findings)
        );
    }
    // Without one, QGIS takes the minimum version's major .99 (3.99 here): not declared.
    let undeclared = run("", clean);
    assert_eq!(undeclared.readiness.state, Qgis4State::NotDeclared);
    assert!(undeclared.findings.iter().any(|f| f.rule == "Q4103"));
    assert_eq!(
        run("qgisMaximumVersion=3.99\n", clean).readiness.state,
        Qgis4State::NotDeclared
    );
    // supportsQt6 is deprecated: alone it declares nothing, and the finding says to set
    // qgisMaximumVersion instead (QGIS's plugin manager reads it as `True`, `yes` or `1`).
    for flag in ["supportsQt6=True\n", "supportsqt6 = yes\n"] {
        let outcome = run(flag, clean);
        assert_eq!(outcome.readiness.state, Qgis4State::NotDeclared, "{flag}");
        assert!(outcome.readiness.supports_qt6, "{flag}");
        let deprecated = outcome
            .findings
            .iter()
            .find(|f| f.rule == "Q4102")
            .unwrap_or_else(|| panic!("{flag}: {:?}", common::keys(&outcome.findings)));
        assert!(deprecated.message.contains("deprecated"));
        assert!(deprecated.message.contains("qgisMaximumVersion=4.99"));
        assert!(!outcome.findings.iter().any(|f| f.rule == "Q4103"));
        assert!(outcome.readiness.line().contains("qgisMaximumVersion=4.99"));
    }
    assert!(!run("supportsQt6=False\n", clean).readiness.supports_qt6);
    let flag_dirty = run("supportsQt6=True\n", dirty);
    assert_eq!(flag_dirty.readiness.state, Qgis4State::NotReady);
    assert!(flag_dirty.findings.iter().any(|f| f.rule == "Q4102"));
    assert!(!flag_dirty.findings.iter().any(|f| f.rule == "Q4101"));
    // Both: qgisMaximumVersion decides; the flag is not reported.
    let both = run("supportsQt6=True\nqgisMaximumVersion=4.99\n", clean);
    assert_eq!(both.readiness.state, Qgis4State::Ready);
    assert!(!both.findings.iter().any(|f| f.rule.starts_with("Q41")));
    let declared_dirty = run("qgisMaximumVersion=4.99\n", dirty);
    assert_eq!(declared_dirty.readiness.state, Qgis4State::DeclaredNotReady);
    let q4101 = declared_dirty
        .findings
        .iter()
        .find(|f| f.rule == "Q4101")
        .expect("Q4101");
    assert!(q4101.message.contains("qgisMaximumVersion=4.99"));
    // A QGIS 4 plugin without a maximum: its minimum's major .99 (4.99).
    let qgis4_only = ZipBuilder::valid_plugin("p")
        .without("p/metadata.txt")
        .file(
            "p/metadata.txt",
            &validator_testkit::metadata_txt("P", "1.0")
                .replace("qgisMinimumVersion=3.22", "qgisMinimumVersion=4.0"),
        )
        .file("p/main.py", clean)
        .build();
    assert_eq!(common::run(qgis4_only).readiness.state, Qgis4State::Ready);
    let quiet = run("", dirty);
    assert_eq!(quiet.readiness.line(), "QGIS 4 ready: no (1 place)");
    assert!(!quiet.findings.iter().any(|f| f.rule.starts_with("Q41")));
}

#[test]
fn qgis_api_that_qt6_builds_lack_or_qgis_deprecated_is_found_and_look_alikes_are_not() {
    let outcome = common::run_folder(&common::fixture("qgis_api"));
    let mut found: Vec<(String, u32, String)> = outcome
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("Q42"))
        .map(|f| {
            let member = f.message.split('`').nth(1).unwrap_or_default().to_owned();
            (f.rule.clone(), f.line.unwrap_or_default(), member)
        })
        .collect();
    found.sort();
    let expected: Vec<(String, u32, String)> = [
        ("Q4201", 30, "QgsVectorDataProvider.textEncoding"),
        ("Q4202", 44, "QgsRectangle.setMinimal"),
        ("Q4203", 34, "QgsProject.fileInfo"),
        ("Q4203", 39, "QgsCoordinateReferenceSystem.createFromProj4"),
        ("Q4203", 61, "QgsProcessingAlgorithm.parameterAsFields"),
    ]
    .into_iter()
    .map(|(r, l, m)| (r.to_owned(), l, m.to_owned()))
    .collect();
    assert_eq!(found, expected, "{:#?}", outcome.findings);
    // Each names QGIS's replacement from the deprecation note.
    let fields = outcome
        .findings
        .iter()
        .find(|f| f.message.contains("parameterAsFields"))
        .expect("parameterAsFields");
    assert!(
        fields.message.contains("parameterAsStrings"),
        "{}",
        fields.message
    );
    // Only what Qt6 builds lack counts against readiness.
    assert!(counts_against_readiness("Q4201"));
    assert!(!counts_against_readiness("Q4202") && !counts_against_readiness("Q4203"));
    assert_eq!(outcome.readiness.places, 1, "{:?}", outcome.readiness);
}
