mod common;

use common::{of, one, rules, run, says, with_metadata};
use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{Level, Severity};
use validator_package_checks::{intake_finding, PackageStructureCheck};
use validator_testkit::{metadata_txt, ZipBuilder};

const CHECK: PackageStructureCheck = PackageStructureCheck;

#[test]
fn valid_plugin_is_clean() {
    let findings = run(&CHECK, ZipBuilder::valid_plugin("demo"));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn intake_finding_names_the_limit() {
    let limits = ArchiveLimits {
        max_entries: 2,
        ..ArchiveLimits::default()
    };
    let err = PluginArchive::open(ZipBuilder::valid_plugin("demo").build(), &limits).unwrap_err();
    let finding = intake_finding(&err);
    assert_eq!(finding.rule, "PKG001");
    assert_eq!(finding.check.as_str(), "package_structure");
    assert_eq!(finding.path, "");
    assert_eq!(finding.message, err.to_string());
    assert!(
        finding.message.contains("max_entries"),
        "{}",
        finding.message
    );
    assert_eq!(finding.level, Level::Critical);
    assert_eq!(finding.severity, Severity::High);
    assert!(finding.mandatory);
    assert!(!finding.remediation.is_empty());
}

#[test]
fn intake_finding_for_a_corrupt_archive() {
    let err =
        PluginArchive::open(b"this is not a zip".to_vec(), &ArchiveLimits::default()).unwrap_err();
    let finding = intake_finding(&err);
    assert_eq!(finding.rule, "PKG001");
    assert!(
        finding.message.contains("not a readable zip"),
        "{}",
        finding.message
    );
}

#[test]
fn a_second_top_folder_and_top_level_files_are_listed_once() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("other/tool.py", "print('x')\n")
            .file("README.md", "# demo\n"),
    );
    assert_eq!(rules(&findings), ["PKG002"]);
    let finding = &findings[0];
    assert_eq!(finding.path, "");
    says(finding, &["`demo/`", "`other/`", "`README.md`"]);
}

#[test]
fn plugin_content_zipped_without_its_folder() {
    let findings = run(
        &CHECK,
        ZipBuilder::new()
            .file("__init__.py", "")
            .file("metadata.txt", &metadata_txt("demo", "1.0"))
            .file("LICENSE", "GPL\n"),
    );
    // The website cannot find a plugin folder; nothing else can be checked against it.
    assert_eq!(rules(&findings), ["PKG002"], "{findings:#?}");
    says(
        &findings[0],
        &["no plugin folder", "`__init__.py`", "`metadata.txt`"],
    );
}

#[test]
fn top_folder_must_start_with_a_letter() {
    let findings = run(&CHECK, ZipBuilder::valid_plugin("1demo"));
    let finding = one(&findings, "PKG003");
    assert_eq!(finding.path, "1demo");
    says(finding, &["`1demo`", "start with a letter"]);
    // Nothing else is wrong with it.
    assert_eq!(rules(&findings), ["PKG003"]);
}

#[test]
fn top_folder_names_with_dash_and_underscore_are_fine() {
    for top in ["my_plugin", "My-Plugin2"] {
        let findings = run(&CHECK, ZipBuilder::valid_plugin(top));
        assert!(findings.is_empty(), "{top}: {findings:#?}");
    }
    let findings = run(&CHECK, ZipBuilder::valid_plugin("my.plugin"));
    assert_eq!(rules(&findings), ["PKG003"]);
}

#[test]
fn missing_init_py() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").without("demo/__init__.py"),
    );
    let finding = one(&findings, "PKG004");
    assert_eq!(finding.path, "demo/__init__.py");
    says(finding, &["missing"]);
    assert_eq!(rules(&findings), ["PKG004"]);
}

#[test]
fn missing_license_mentions_the_near_miss() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .without("demo/LICENSE")
            .file("demo/LICENSE.txt", "GPL\n"),
    );
    let finding = one(&findings, "PKG005");
    assert_eq!(finding.path, "demo/LICENSE");
    says(
        finding,
        &["missing", "`demo/LICENSE.txt`", "exactly `LICENSE`"],
    );
    assert_eq!(rules(&findings), ["PKG005"]);
}

#[test]
fn missing_license_without_any_license_file() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").without("demo/LICENSE"),
    );
    let finding = one(&findings, "PKG005");
    assert!(!finding.message.contains("found"), "{}", finding.message);
}

#[test]
fn license_in_a_subfolder_does_not_count() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .without("demo/LICENSE")
            .file("demo/docs/LICENSE", "GPL\n"),
    );
    let finding = one(&findings, "PKG005");
    assert!(!finding.message.contains("docs"), "{}", finding.message);
}

#[test]
fn missing_metadata() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").without("demo/metadata.txt"),
    );
    let finding = one(&findings, "PKG006");
    assert_eq!(finding.path, "demo/metadata.txt");
    says(finding, &["no metadata.txt"]);
    assert_eq!(rules(&findings), ["PKG006"]);
}

#[test]
fn metadata_without_general_section() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").file("demo/metadata.txt", "[plugin]\nname=demo\n"),
    );
    says(one(&findings, "PKG006"), &["[general]"]);
}

#[test]
fn metadata_syntax_error_names_the_line() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").file("demo/metadata.txt", "[general]\nabout=100% free\n"),
    );
    says(one(&findings, "PKG006"), &["line 2", "%%"]);
}

#[test]
fn missing_and_empty_metadata_fields_one_finding_each() {
    let findings = run(
        &CHECK,
        with_metadata(&[("email", None), ("about", None), ("version", Some("  "))]),
    );
    let missing = of(&findings, "PKG007");
    assert_eq!(missing.len(), 3, "{findings:#?}");
    for finding in &missing {
        assert_eq!(finding.path, "demo/metadata.txt");
    }
    says(missing[0], &["`version`", "empty"]);
    says(missing[1], &["`email`", "missing"]);
    says(missing[2], &["`about`", "missing"]);
    assert_eq!(rules(&findings), ["PKG007"; 3]);
}

#[test]
fn missing_tracker_is_pkg007_only() {
    let findings = run(&CHECK, with_metadata(&[("tracker", None)]));
    assert_eq!(rules(&findings), ["PKG007"]);
    says(&findings[0], &["`tracker`"]);
}

#[test]
fn template_tracker_and_schemeless_repository() {
    let findings = run(
        &CHECK,
        with_metadata(&[
            ("tracker", Some("http://bugs")),
            ("repository", Some("github.com/x")),
        ]),
    );
    assert_eq!(rules(&findings), ["PKG008", "PKG008"]);
    says(&findings[0], &["`tracker`", "placeholder", "http://bugs"]);
    says(&findings[1], &["`repository`", "scheme", "github.com/x"]);
    assert_eq!(findings[0].path, "demo/metadata.txt");
}

#[test]
fn homepage_is_checked_only_when_present() {
    let findings = run(
        &CHECK,
        with_metadata(&[("homepage", Some("https://example.org/demo"))]),
    );
    assert!(findings.is_empty(), "{findings:#?}");
    let findings = run(
        &CHECK,
        with_metadata(&[("homepage", Some("http://homepage"))]),
    );
    assert_eq!(rules(&findings), ["PKG008"]);
    says(&findings[0], &["`homepage`", "placeholder"]);
    let findings = run(&CHECK, with_metadata(&[("homepage", Some("https:///x"))]));
    assert_eq!(rules(&findings), ["PKG008"]);
    says(&findings[0], &["`homepage`", "no host"]);
}

#[test]
fn author_with_a_slash() {
    let findings = run(&CHECK, with_metadata(&[("author", Some("a/b"))]));
    let finding = one(&findings, "PKG012");
    assert_eq!(finding.path, "demo/metadata.txt");
    assert_eq!(finding.level, Level::Warning);
    assert_eq!(finding.severity, Severity::Medium);
    assert!(finding.mandatory);
    says(finding, &["`author`", "a/b"]);
    assert_eq!(rules(&findings), ["PKG012"]);
}

#[test]
fn unsafe_names_one_finding_each() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/../evil.py", "x\n")
            .file("demo/foo..bar.py", "x\n")
            .file("/etc/cron.d/evil", "x\n")
            .file("demo\\win.py", "x\n")
            .file("C:/boot.ini", "x\n"),
    );
    let unsafe_names = of(&findings, "PKG009");
    let paths: Vec<&str> = unsafe_names.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "demo/../evil.py",
            "demo/foo..bar.py",
            "/etc/cron.d/evil",
            "demo\\win.py",
            "C:/boot.ini"
        ]
    );
    says(unsafe_names[0], &["`..`"]);
    says(unsafe_names[1], &["`..`"]);
    says(unsafe_names[2], &["absolute"]);
    says(unsafe_names[3], &["backslash"]);
    says(unsafe_names[4], &["drive letter"]);
    // Unsafe names are not listed again as extra top-level entries.
    assert!(of(&findings, "PKG002").is_empty(), "{findings:#?}");
}

#[test]
fn macosx_folder_is_reported_once() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .dir("__MACOSX/")
            .dir("__MACOSX/demo/")
            .file("__MACOSX/demo/._plugin.py", "junk")
            .file("__MACOSX/demo/._metadata.txt", "junk"),
    );
    assert_eq!(rules(&findings), ["PKG010"], "{findings:#?}");
    assert_eq!(findings[0].path, "__MACOSX");
    says(&findings[0], &["`__MACOSX`", "macOS", "4 entries"]);
}

#[test]
fn git_folder_is_reported_once() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/.git/config", "[core]\n")
            .file("demo/.git/HEAD", "ref: refs/heads/main\n"),
    );
    assert_eq!(rules(&findings), ["PKG010"], "{findings:#?}");
    assert_eq!(findings[0].path, "demo/.git");
    says(&findings[0], &["Git", "2 entries"]);
}

#[test]
fn similar_names_are_not_forbidden_folders() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/.github/workflows/ci.yml", "on: push\n")
            .file("demo/.gitignore", "*.pyc\n")
            .file("demo/my__pycache__notes.txt", "x\n"),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn pyc_files_outside_pycache_are_reported_per_file() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .bytes("demo/old.pyc", b"\x6f\x0d\x0d\x0a", 0o644)
            .bytes("demo/lib/util.pyc", b"\x6f\x0d\x0d\x0a", 0o644)
            .file("demo/notes.pyconf", "x\n"),
    );
    let pyc = of(&findings, "PKG011");
    let paths: Vec<&str> = pyc.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["demo/old.pyc", "demo/lib/util.pyc", "demo/notes.pyconf"]
    );
    says(pyc[0], &["compiled Python"]);
    says(pyc[2], &["`.pyc` in its name"]);
    assert_eq!(rules(&findings), ["PKG011"; 3]);
}

#[test]
fn pycache_is_one_folder_finding_not_one_per_pyc() {
    let zip = || {
        ZipBuilder::valid_plugin("demo")
            .bytes(
                "demo/__pycache__/plugin.cpython-311.pyc",
                b"\xa7\x0d\x0d\x0a",
                0o644,
            )
            .bytes(
                "demo/__pycache__/__init__.cpython-311.pyc",
                b"\xa7\x0d\x0d\x0a",
                0o644,
            )
    };
    let findings = run(&CHECK, zip());
    assert_eq!(rules(&findings), ["PKG010"], "{findings:#?}");
    assert_eq!(findings[0].path, "demo/__pycache__");
    says(&findings[0], &["bytecode cache", "2 entries"]);

    // When the folder rule does not run, the files are reported by PKG011 instead.
    let findings = common::run_bytes(&CHECK, zip().build(), &|rule| rule != "PKG010");
    assert_eq!(rules(&findings), ["PKG011", "PKG011"], "{findings:#?}");
}

#[test]
fn plugin_config_files_are_reported_for_approvers() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo")
            .file("demo/.bandit", "[bandit]\nskips = B101\n")
            .file("demo/setup.cfg", "[flake8]\nmax-line-length = 120\n"),
    );
    let config = of(&findings, "PKG013");
    let paths: Vec<&str> = config.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["demo/.bandit", "demo/setup.cfg"]);
    for finding in config {
        assert_eq!(finding.level, Level::Info);
        assert_eq!(finding.severity, Severity::Low);
        assert!(!finding.mandatory);
        says(finding, &["approvers", "skippable"]);
    }
    assert_eq!(rules(&findings), ["PKG013", "PKG013"]);
}

#[test]
fn hostile_names_are_escaped_in_messages() {
    let findings = run(
        &CHECK,
        ZipBuilder::valid_plugin("demo").file("demo/../x\nFAKE: approved.py", "x\n"),
    );
    let finding = one(&findings, "PKG009");
    assert_eq!(finding.path, "demo/../x\nFAKE: approved.py");
    assert!(!finding.message.contains('\n'), "{}", finding.message);
    says(finding, &["\\n"]);
}
