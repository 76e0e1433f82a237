//! Bundled libraries verified against their published releases, end to end through the CLI:
//! real PyPI releases (downloaded at test time, never committed) vendored in the layouts
//! plugins use, unmodified, modified, with a planted payload, and offline.

use std::path::{Path, PathBuf};
use std::process::Command;

use validator_testkit::{reference, ZipBuilder};

const SIX: (&str, &str) = ("six", "1.16.0");

/// The unpacked six sdist (six.py uses `exec`, a blocking Bandit finding under the policy).
fn six_sdist() -> PathBuf {
    reference::sdist(SIX.0, SIX.1)
}

fn add_tree(mut zip: ZipBuilder, from: &Path, under: &str) -> ZipBuilder {
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .expect("read dir")
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == ".complete") {
                // The download marker of the test harness, not part of the release.
                continue;
            } else {
                let relative = path
                    .strip_prefix(from)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(&path).expect("read");
                zip = zip.bytes(&format!("{under}{relative}"), &bytes, 0o644);
            }
        }
    }
    zip
}

/// The plugin imports its bundled folder the way plugins do (sys.path, then a top-level
/// import), so the library's code counts as loaded.
fn plugin_importing(folder: &str) -> ZipBuilder {
    ZipBuilder::valid_plugin("demo").file(
        "demo/__init__.py",
        &format!(
            "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '{folder}'))\nimport six  # noqa: E402\n\n\ndef classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n"
        ),
    )
}

/// six installed with `pip install --target demo/ext_libs` (the wheel's layout).
fn installed_six() -> ZipBuilder {
    let six_py = std::fs::read(six_sdist().join("six.py")).expect("six.py");
    plugin_importing("ext_libs")
        .bytes("demo/ext_libs/six.py", &six_py, 0o644)
        .file(
            "demo/ext_libs/six-1.16.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nPython 2 and 3 compatibility utilities\n",
        )
        .file("demo/ext_libs/six-1.16.0.dist-info/top_level.txt", "six\n")
}

struct Scan {
    code: i32,
    report: serde_json::Value,
}

fn scan(zip: ZipBuilder, env: &[(&str, &str)]) -> Scan {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("plugin.zip");
    std::fs::write(&path, zip.build()).expect("write");
    let cache = dir.path().join("releases");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    cmd.args(["scan", "--format", "json"]).arg(&path);
    cmd.env("PLUGIN_VALIDATOR_RELEASE_CACHE", &cache);
    cmd.env_remove("PLUGIN_VALIDATOR_PACKAGE_INDEX");
    // Advisories are the dependencies check's business (its own tests), not the network's.
    cmd.env("PLUGIN_VALIDATOR_OSV_API", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("run");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    Scan {
        code: output.status.code().unwrap_or(-1),
        report,
    }
}

fn findings<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The findings of the other checks in `path` that hold the version (block it, or hold it
/// for review), with no `bundled_library` mark: the file is checked like the plugin's own.
fn holding_in<'a>(report: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] != "bundled_libraries" && f["path"] == path)
        .filter(|f| f["blocking"] == true || f["review"] == true)
        .filter(|f| f["bundled_library"].is_null())
        .collect()
}

/// The shipped policy with `evidence_aware = false` (the website's rating), in `dir`: six's
/// `exec` of a constant string then blocks, as any B102 does on the website.
fn website_policy(dir: &Path) -> PathBuf {
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("shared/policy/default-policy.toml"),
    )
    .expect("policy");
    let path = dir.join("website.toml");
    std::fs::write(
        &path,
        shipped.replace("evidence_aware = true", "evidence_aware = false"),
    )
    .expect("write policy");
    path
}

fn blocking(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["blocking"] == true)
        .map(|f| format!("{} {}", f["rule"], f["path"]))
        .collect()
}

#[test]
fn an_unmodified_installed_release_is_verified_and_its_findings_do_not_block() {
    let done = scan(installed_six(), &[]);
    let verified = findings(&done.report, "BND001");
    assert_eq!(verified.len(), 1, "{}", done.report);
    assert_eq!(verified[0]["path"], "demo/ext_libs/six.py");
    assert!(
        blocking(&done.report).is_empty(),
        "{:?}",
        blocking(&done.report)
    );
    assert_eq!(done.report["status"], "validated");
    assert_eq!(done.code, 0);
    // The library's own findings stay in the report, marked as bundled (the dependencies
    // check's are about the release itself: a verified release keeps its advisories).
    let inside: Vec<_> = done.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["check"] != "bundled_libraries"
                && f["check"] != "dependencies"
                && f["path"] == "demo/ext_libs/six.py"
        })
        .collect();
    assert!(!inside.is_empty(), "six.py has Bandit findings");
    assert!(
        inside.iter().all(|f| f["bundled_library"] == "six 1.16.0"),
        "{inside:?}"
    );
}

#[test]
fn a_modified_file_keeps_its_findings_and_is_held_for_a_human() {
    let mut six_py = std::fs::read(six_sdist().join("six.py")).expect("six.py");
    six_py.extend_from_slice(b"\nimport os\n_x = os.environ.get('HOME')\n");
    let zip = || installed_six().bytes("demo/ext_libs/six.py", &six_py, 0o644);
    let done = scan(zip(), &[]);
    let modified = findings(&done.report, "BND002");
    assert_eq!(modified.len(), 1, "{}", done.report);
    assert_eq!(modified[0]["path"], "demo/ext_libs/six.py");
    assert!(findings(&done.report, "BND001").is_empty());
    // Under the default policy six's `exec` of a constant string is held for review (evidence-
    // aware), and so is the modified file (BND002): a human looks, nothing is relaxed.
    assert!(
        !holding_in(&done.report, "demo/ext_libs/six.py").is_empty(),
        "the modified file's findings are active: {}",
        done.report
    );
    // With the website's rating they block.
    let dir = tempfile::tempdir().expect("tmp");
    let policy = website_policy(dir.path());
    let done = scan(
        zip(),
        &[("PLUGIN_VALIDATOR_POLICY", policy.to_str().expect("utf-8"))],
    );
    assert!(
        blocking(&done.report)
            .iter()
            .any(|b| b.contains("demo/ext_libs/six.py")),
        "the modified file's findings block: {:?}",
        blocking(&done.report)
    );
    assert_eq!(done.code, 1);
}

#[test]
fn a_payload_planted_in_a_bundled_release_folder_is_not_part_of_the_release() {
    // The sdist unpacked under a versioned folder, as plugins vendor `boto-2.38.0/`.
    // The plugin imports the planted module (it must, for the payload to run).
    let init = "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'ext-libs/six-1.16.0'))\nimport six_compat  # noqa: E402\n";
    let zip = add_tree(
        ZipBuilder::valid_plugin("demo"),
        &six_sdist(),
        "demo/ext-libs/six-1.16.0/",
    )
    .file("demo/__init__.py", init)
    .file(
        "demo/ext-libs/six-1.16.0/six_compat.py",
        "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n",
    );
    let done = scan(zip, &[]);
    let planted: Vec<_> = findings(&done.report, "BND002")
        .into_iter()
        .filter(|f| f["path"] == "demo/ext-libs/six-1.16.0/six_compat.py")
        .collect();
    assert_eq!(planted.len(), 1, "{}", done.report);
    assert!(planted[0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("not part of the release"));
    assert!(
        blocking(&done.report)
            .iter()
            .any(|b| b.contains("six_compat.py")),
        "{:?}",
        blocking(&done.report)
    );
    assert_eq!(done.report["status"], "blocked");
}

#[test]
fn an_unmodified_release_folder_is_verified() {
    let zip = add_tree(
        ZipBuilder::valid_plugin("demo"),
        &six_sdist(),
        "demo/ext-libs/six-1.16.0/",
    );
    let done = scan(zip, &[]);
    let verified = findings(&done.report, "BND001");
    assert_eq!(verified.len(), 1, "{}", done.report);
    assert_eq!(verified[0]["path"], "demo/ext-libs/six-1.16.0/");
    assert!(
        blocking(&done.report).is_empty(),
        "{:?}",
        blocking(&done.report)
    );
}

#[test]
fn without_a_package_index_bundled_code_is_checked_like_the_plugins_own() {
    let done = scan(
        installed_six(),
        &[("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off")],
    );
    assert_eq!(findings(&done.report, "BND003").len(), 1, "{}", done.report);
    assert!(findings(&done.report, "BND001").is_empty());
    assert!(
        !holding_in(&done.report, "demo/ext_libs/six.py").is_empty(),
        "fail-closed: {}",
        done.report
    );
    let dir = tempfile::tempdir().expect("tmp");
    let policy = website_policy(dir.path());
    let done = scan(
        installed_six(),
        &[
            ("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off"),
            ("PLUGIN_VALIDATOR_POLICY", policy.to_str().expect("utf-8")),
        ],
    );
    assert!(!blocking(&done.report).is_empty(), "fail-closed");
    assert_eq!(done.code, 1);
}
