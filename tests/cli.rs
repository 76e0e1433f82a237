//! The `plugin-validator` binary as users run it: exit codes, formats, the local pipeline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use validator_testkit::ZipBuilder;

mod common;

/// The binary without the operator's environment (tests must not pick it up).
use common::plugin_validator as bin;

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run plugin-validator");
    (
        status.code().expect("exit code"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn write_zip(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn scan_exits_0_for_a_clean_plugin_and_1_for_a_blocked_one() {
    let (code, out, _) = run(bin().arg("scan").arg(fixture("sample_plugin")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Verdict: VALIDATED"), "{out}");
    let (code, out, _) = run(bin().arg("scan").arg(fixture("broken_plugin")));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Verdict: BLOCKED"), "{out}");
}

#[test]
fn scan_exits_2_on_unreadable_input_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(bin().arg("scan").arg(dir.path().join("missing.zip")));
    assert_eq!(code, 2);
    assert!(err.contains("missing.zip"), "{err}");

    let corrupt = write_zip(dir.path(), "corrupt.zip", b"PK\x03\x04 this is not a zip");
    let (code, _, err) = run(bin().arg("scan").arg(&corrupt));
    assert_eq!(code, 2);
    assert!(err.contains("not a readable zip"), "{err}");

    let zip = write_zip(
        dir.path(),
        "demo.zip",
        &ZipBuilder::valid_plugin("demo").build(),
    );
    let (code, _, err) = run(bin().args(["scan", "--limit", "max_entries=2"]).arg(&zip));
    assert_eq!(code, 2);
    assert!(err.contains("max_entries"), "{err}");

    let (code, _, err) = run(bin().args(["scan", "--checks", "nonsense"]).arg(&zip));
    assert_eq!(code, 2);
    assert!(err.contains("unknown check `nonsense`"), "{err}");

    let (code, _, err) = run(bin().args(["scan", "--format", "xml"]).arg(&zip));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(bin().args(["scan", "--limit", "max_files=1"]).arg(&zip));
    assert_eq!(code, 2);
    assert!(err.contains("unknown archive limit"), "{err}");
    let (code, _, err) = run(bin()
        .args(["scan", "--limit", "max_syntax_depth=deep"])
        .arg(&zip));
    assert_eq!(code, 2);
    assert!(err.contains("max_syntax_depth"), "{err}");
    let (code, _, _) = run(bin().arg("frobnicate"));
    assert_eq!(code, 2);
}

#[test]
fn scan_json_has_the_contract_fields() {
    let (code, out, _) = run(bin()
        .args(["scan", "--format", "json"])
        .arg(fixture("broken_plugin")));
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["status"], "blocked");
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        for key in [
            "check", "rule", "path", "line", "column", "severity", "message",
        ] {
            assert!(finding.get(key).is_some(), "no {key} in {finding}");
        }
    }
    assert!(findings.iter().any(|f| f["blocking"] == true));
}

#[test]
fn findings_do_not_depend_on_parallelism_or_the_parse_cache() {
    let mut plugin = ZipBuilder::valid_plugin("demo");
    for i in 0..40 {
        // Files of different sizes and findings, so that workers finish out of order.
        let body = format!(
            "import os, subprocess\npassword = 'hunter{i}x'\n{}def f{i}(x):\n    subprocess.call(x, shell=True)\n    return eval(x)  \n",
            "y = 1\n".repeat(i * 37)
        );
        plugin = plugin.file(&format!("demo/m{i:02}.py"), &body);
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = write_zip(dir.path(), "demo.zip", &plugin.build());
    let findings = |limits: &[&str]| {
        let mut cmd = bin();
        cmd.args(["scan", "--format", "json", "--rules", "all"]);
        for limit in limits {
            cmd.args(["--limit", limit]);
        }
        let (_, out, err) = run(cmd.arg(&zip));
        let report: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        report["findings"].clone()
    };
    let one_by_one = findings(&["max_parallel_files=1"]);
    assert!(one_by_one.as_array().unwrap().len() > 200, "{one_by_one}");
    for limits in [
        &["max_parallel_files=4"][..],
        &["max_parallel_files=3", "max_cached_source_bytes=0"][..],
        &["max_malloc_arenas=0", "malloc_trim_threshold=0"][..],
        &["max_malloc_arenas=1", "malloc_trim_threshold=65536"][..],
        &[][..],
    ] {
        assert_eq!(findings(limits), one_by_one, "with {limits:?}");
    }
}

#[test]
fn scan_sarif_and_check_subsets() {
    let (code, out, _) = run(bin()
        .args(["scan", "--format", "sarif", "--checks", "package_structure"])
        .arg(fixture("broken_plugin")));
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .all(|r| r["properties"]["check"] == "package_structure"));
    assert!(results.iter().any(|r| r["level"] == "error"));
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["qgisPluginValidator/fp1"]
            .as_str()
            .is_some_and(|f| f.len() == 16)));
}

#[test]
fn pipeline_validates_the_sample_and_blocks_the_broken_one() {
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = run(bin()
        .arg("pipeline")
        .arg(fixture("sample_plugin"))
        .args(["--maintainer", "dev@example.org", "--data-dir"])
        .arg(data.path()));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("status: validated"), "{out}");
    assert!(
        out.contains("confirmation.eml") && out.contains("results.eml"),
        "{out}"
    );
    assert!(err.contains("dispatched scan"), "progress on stderr: {err}");
    let scan_id = out
        .lines()
        .find_map(|l| l.strip_prefix("scan id: "))
        .unwrap()
        .to_owned();

    let (code, out, _) = run(bin()
        .args(["status", &scan_id, "--data-dir"])
        .arg(data.path()));
    assert_eq!(code, 0);
    assert!(out.contains("validated"), "{out}");

    let (code, out, _) = run(bin()
        .arg("pipeline")
        .arg(fixture("broken_plugin"))
        .args(["--maintainer", "dev@example.org", "--data-dir"])
        .arg(data.path()));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("status: blocked"), "{out}");
    let outbox: Vec<_> = std::fs::read_dir(data.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        outbox
            .iter()
            .filter(|n| n.ends_with("-results.eml"))
            .count(),
        2
    );
    assert_eq!(
        outbox
            .iter()
            .filter(|n| n.ends_with("-confirmation.eml"))
            .count(),
        2
    );

    let (code, out, _) = run(bin().args(["status", "--data-dir"]).arg(data.path()));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn status_of_an_unknown_scan_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = run(bin().args(["status", "abc", "--data-dir"]).arg(data.path()));
    assert_eq!(code, 2);
    assert!(err.contains("no scans recorded"), "{err}");
}

#[test]
fn policy_prints_the_effective_policy_and_rejects_bad_files() {
    let (code, out, _) = run(bin().arg("policy"));
    assert_eq!(code, 0);
    let parsed: toml::Value = toml::from_str(&out).expect("TOML");
    assert_eq!(
        parsed["rules"]["B102"]["skippable"],
        toml::Value::Boolean(false)
    );
    assert_eq!(
        parsed["checks"]["code_quality"]["informational"],
        toml::Value::Boolean(true)
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("policy.toml");
    std::fs::write(&bad, "block_levels = [\"severe\"]\n").unwrap();
    let (code, _, err) = run(bin().arg("policy").arg("--policy").arg(&bad));
    assert_eq!(code, 2);
    assert!(err.contains("invalid policy"), "{err}");

    // An operator's policy changes what blocks: warnings block too here.
    let strict = dir.path().join("strict.toml");
    std::fs::write(&strict, "block_levels = [\"critical\", \"warning\"]\n").unwrap();
    let zip = write_zip(
        dir.path(),
        "exec.zip",
        &ZipBuilder::valid_plugin("demo")
            .mode("demo/plugin.py", 0o755)
            .build(),
    );
    let (code, _, _) = run(bin().arg("scan").arg(&zip));
    assert_eq!(code, 0, "an executable .py is a warning by default");
    let (code, _, _) = run(bin().arg("scan").arg("--policy").arg(&strict).arg(&zip));
    assert_eq!(code, 1, "the strict policy blocks warnings");
}

#[test]
fn pack_builds_a_zip_that_scans_like_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("sample.zip");
    let (code, _, err) = run(bin()
        .arg("pack")
        .arg(fixture("sample_plugin"))
        .arg("-o")
        .arg(&zip));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(bin().args(["scan", "--format", "json"]).arg(&zip));
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["plugin"], "Sample Plugin");
}

#[test]
fn the_rules_reference_in_docs_is_current() {
    let (code, out, _) = run(bin().args(["rules", "--markdown"]));
    assert_eq!(code, 0);
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
        .expect("docs/rules.md");
    assert!(
        docs == out,
        "docs/rules.md is out of date: run `cargo run -- rules --markdown > docs/rules.md`"
    );
    let (code, out, _) = run(bin().arg("rules"));
    assert_eq!(code, 0);
    assert!(
        out.contains("PERM005") && out.contains("mandatory"),
        "{out}"
    );
}

/// `plugin-validator rules | head`: the reader goes away after a few lines. The command must
/// end quietly (killed by SIGPIPE, as shell tools are), not panic.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    for args in [&["rules"][..], &["policy"][..]] {
        let mut child = bin()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(
            output.status.code(),
            Some(101),
            "{args:?}: a panic's exit code"
        );
    }
}

/// Two versions of one plugin: `plugin.py` with an `assert` (B101, reported) and, in the second
/// version, code added above it, a new `shell=True` call and a new maintainer email.
fn two_versions(dir: &Path) -> (PathBuf, PathBuf) {
    let v1 = validator_testkit::ZipBuilder::valid_plugin("demo")
        .file("demo/plugin.py", "def f(x):\n    assert x\n")
        .build();
    let v2 = validator_testkit::ZipBuilder::valid_plugin("demo")
        .file(
            "demo/metadata.txt",
            &validator_testkit::metadata_txt("demo", "1.1.0")
                .replace("jane@example.org", "mallory@example.net"),
        )
        .file(
            "demo/plugin.py",
            "import subprocess\n\n\ndef f(x):\n    assert  x  # still here\n    subprocess.call(x, shell=True)\n",
        )
        .build();
    (write_zip(dir, "v1.zip", &v1), write_zip(dir, "v2.zip", &v2))
}

#[test]
fn diff_shows_what_changed_between_two_versions() {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = two_versions(dir.path());
    let (code, out, err) = run(bin().arg("diff").arg(&v1).arg(&v2));
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("new since 1.0.0: 1 finding; fixed: 0"),
        "{out}"
    );
    assert!(out.contains("B602"), "{out}");
    assert!(
        out.contains("! email: jane@example.org -> mallory@example.net"),
        "{out}"
    );
    assert!(out.contains("~ demo/plugin.py"), "{out}");
    // B101, the licence check's LIC006 on the two files without an SPDX line, and the qgis4
    // check's Q4103 (the code is ready for QGIS 4, qgisMaximumVersion does not declare it).
    assert!(out.contains("unchanged findings: 4"), "{out}");

    let (code, out, _) = run(bin().args(["diff", "--format", "json"]).arg(&v1).arg(&v1));
    assert_eq!(code, 0, "{out}");
    let diff: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(diff["findings"]["new"].as_array().map(Vec::len), Some(0));
    assert_eq!(diff["files"]["changed"].as_array().map(Vec::len), Some(0));

    let (code, _, err) = run(bin()
        .arg("diff")
        .arg(&v1)
        .arg(dir.path().join("missing.zip")));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn review_records_a_decision_that_the_next_version_carries() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = "KEY = '''-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'''\n";
    let zip = |version: &str| {
        validator_testkit::ZipBuilder::valid_plugin("demo")
            .file(
                "demo/metadata.txt",
                &validator_testkit::metadata_txt("demo", version),
            )
            .file("demo/keys.py", key)
            .build()
    };
    let pipeline = |path: &Path| run(bin().arg("pipeline").arg(path).arg("--data-dir").arg(&data));
    let v1 = write_zip(dir.path(), "v1.zip", &zip("1.0.0"));
    let (code, out, err) = pipeline(&v1);
    assert_eq!(code, 1, "{out}{err}");
    let line = |prefix: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {prefix} in {out}"))
            .to_owned()
    };
    let scan_id = line("scan id:");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(line("report:")).unwrap()).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["blocking"] == true)
        .expect("a blocking finding");
    let target = format!(
        "{}#{}",
        finding["path"].as_str().unwrap(),
        finding["fingerprint"].as_str().unwrap()
    );
    let review = |extra: &[&str]| {
        run(bin()
            .args(["review", &scan_id, "--finding", &target])
            .args(["--reason", "test fixture", "--by", "someone@example.org"])
            .args(extra)
            .arg("--data-dir")
            .arg(&data))
    };
    // A mandatory rule: the uploader cannot decide.
    let (code, _, err) = review(&["--uploader"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("only an approver"), "{err}");
    let (code, out, err) = review(&[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("recorded false positive"), "{out}");
    // It was the only blocking finding: the scan is validated after review.
    assert!(out.contains("validated after review"), "{out}");
    let (code, out, _) = run(bin().args(["status", &scan_id, "--data-dir"]).arg(&data));
    assert_eq!(code, 0, "{out}");

    let v2 = write_zip(dir.path(), "v2.zip", &zip("1.0.1"));
    let (code, out, err) = pipeline(&v2);
    assert_eq!(code, 0, "{out}{err}");
}

/// Compiled signature sets are kept in the cache folder between runs and loaded back by the
/// next run, with the same report; `off` compiles every time and writes nothing.
#[test]
fn compiled_signatures_are_kept_between_runs_with_the_same_findings() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("signatures");
    let scan = |cache_setting: &std::ffi::OsStr| {
        let (code, out, err) = run(bin()
            .args(["-v", "scan", "--checks", "signatures", "--format", "json"])
            .arg(fixture("sample_plugin"))
            .env("PLUGIN_VALIDATOR_SIGNATURES_CACHE", cache_setting));
        assert!(code == 0 || code == 1, "{err}");
        let mut report: serde_json::Value = serde_json::from_str(&out).unwrap();
        report.as_object_mut().unwrap().remove("generated_at");
        for check in report["checks"].as_array_mut().unwrap() {
            check.as_object_mut().unwrap().remove("duration_ms");
        }
        (report, err)
    };
    let (off, err) = scan(std::ffi::OsStr::new("off"));
    assert!(err.contains("signature set compiled"), "{err}");
    assert!(!cache.exists());
    let (first, err) = scan(cache.as_os_str());
    assert!(err.contains("signature set compiled"), "{err}");
    assert!(!err.contains("loaded from the cache"), "{err}");
    let kept = std::fs::read_dir(&cache).unwrap().count();
    assert!(kept >= 1, "sets kept: {kept}");
    let (second, err) = scan(cache.as_os_str());
    assert!(err.contains("signature set loaded from the cache"), "{err}");
    assert!(!err.contains("signature set compiled"), "{err}");
    assert_eq!(first, off);
    assert_eq!(second, first);
}
