//! The dependencies check through the CLI: `scan --advisories` on a plugin bundling an old
//! `requests` (a fake package with its metadata, no code of the real library) and declaring a
//! critical `gdal`, with the committed OSV fixtures; the report's section, the text report, the
//! results email leading with the upgrades, and an unreadable `--advisories`.

use std::path::{Path, PathBuf};
use std::process::Command;

use validator_testkit::ZipBuilder;

fn advisories() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shared/dependencies-check/tests/fixtures/advisories")
}

fn plugin(dir: &Path) -> PathBuf {
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/ext_libs/requests/__init__.py",
            "__version__ = '2.7.0'\n",
        )
        .file(
            "demo/ext_libs/requests-2.7.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: requests\nVersion: 2.7.0\n",
        )
        .file(
            "demo/ext_libs/requests-2.7.0.dist-info/top_level.txt",
            "requests\n",
        )
        .file("demo/requirements.txt", "GDAL==3.0.1\n")
        .build();
    let path = dir.join("demo.zip");
    std::fs::write(&path, zip).expect("zip written");
    path
}

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    // The bundled library cannot be verified here: that is the bundled check's business.
    cmd.env("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off");
    cmd.env_remove("PLUGIN_VALIDATOR_ADVISORIES");
    cmd
}

#[test]
fn scan_lists_the_advisories_and_the_upgrades() {
    let dir = tempfile::tempdir().expect("tmp");
    let zip = plugin(dir.path());
    let output = bin()
        .args(["scan", "--format", "json", "--advisories"])
        .arg(advisories())
        .arg(&zip)
        .output()
        .expect("runs");
    // A critical advisory holds the version for review; nothing blocks.
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let dependencies = report["dependencies"]["dependencies"]
        .as_array()
        .expect("the dependencies section");
    let requests = &dependencies[0];
    assert_eq!(requests["name"], "requests");
    assert_eq!(requests["origin"], "bundled");
    assert_eq!(requests["verification"], "unverifiable");
    assert_eq!(requests["upgrade_to"], "2.31.0");
    assert_eq!(requests["vulnerabilities"][0]["id"], "PYSEC-2023-74");
    let mut rules: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "dependencies")
        .map(|f| (f["rule"].as_str().unwrap_or(""), f["review"] == true))
        .collect();
    rules.sort();
    assert_eq!(rules, [("DEP002", false), ("DEP003", true)]);

    let text = bin()
        .args(["scan", "--advisories"])
        .arg(advisories())
        .arg(&zip)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(
            "requests 2.7.0 (bundled, unverifiable) in demo/ext_libs/requests/: 2 advisories, upgrade to 2.31.0 or later"
        ),
        "{text}"
    );
    assert!(text.contains("GDAL 3.0.1"), "{text}");

    let html = bin()
        .args(["scan", "--format", "html", "--advisories"])
        .arg(advisories())
        .arg(&zip)
        .output()
        .expect("runs");
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains("<h2 id=\"dependencies\">Dependencies</h2>"),
        "{html}"
    );
    assert!(html.contains("upgrade to 2.31.0 or later"));
    assert!(!html.contains("https://"), "the HTML report links nowhere");
}

#[test]
fn the_results_email_leads_with_the_upgrades() {
    let dir = tempfile::tempdir().expect("tmp");
    let zip = plugin(dir.path());
    let data = dir.path().join("data");
    let output = bin()
        .args([
            "pipeline",
            "--maintainer",
            "dev@example.org",
            "--advisories",
        ])
        .arg(advisories())
        .arg("--data-dir")
        .arg(&data)
        .arg(&zip)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let results = std::fs::read_dir(data.join("outbox"))
        .expect("outbox")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("results"))
        .expect("the results email");
    let email = std::fs::read_to_string(results).expect("email");
    let upgrades = email.find("UPGRADE FIRST").expect("the upgrades section");
    let counts = email
        .find("DEPENDENCIES")
        .expect("the dependencies section");
    assert!(upgrades < counts, "the email leads with the upgrades");
    assert!(email.contains("upgrade to 2.31.0 or later"), "{email}");
}

#[test]
fn unreadable_advisories_are_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let zip = plugin(dir.path());
    let output = bin()
        .args(["scan", "--advisories"])
        .arg(dir.path().join("missing"))
        .arg(&zip)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing"));
}
