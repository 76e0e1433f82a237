//! A plugin with planted secrets, scanned through every output users and operators see: the
//! CLI's text, JSON and SARIF reports, and the local pipeline's report, stored findings, emails,
//! events and database. The secrets must be detected, and their values must appear nowhere.

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    for var in [
        "PLUGIN_VALIDATOR_POLICY",
        "PLUGIN_VALIDATOR_DATA_DIR",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    // Debug logs too must stay clean.
    cmd.env("RUST_LOG", "debug");
    cmd
}

/// Made-up values, assembled at run time so that no secret-shaped literal is in the repository.
fn planted() -> Vec<(String, String)> {
    let tail = "Q7wZp2Lk9Rt4Vx8Mn3Bc6Hy1Jd5Fg0Se";
    vec![
        ("GitHub Token".into(), format!("ghp_{tail}Ab12")),
        (
            "AWS Access Key".into(),
            format!("AKIA{}", "Z7Q2M4K8P1R6T3W9"),
        ),
        (
            "Secret Keyword".into(),
            format!("Tr0ub4dor-{}", &tail[..10]),
        ),
        (
            "Base64 High Entropy String".into(),
            format!("{tail}+/{}", "Xq9Lm2Np7Rs4Tv"),
        ),
        (
            "Stripe Access Key".into(),
            format!("sk_live_{}", &tail[..24]),
        ),
    ]
}

fn write_plugin(dir: &Path) -> PathBuf {
    let plugin = dir.join("leaky_plugin");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sample_plugin");
    std::fs::create_dir_all(&plugin).unwrap();
    for entry in std::fs::read_dir(&sample).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), plugin.join(entry.file_name())).unwrap();
    }
    let secrets = planted();
    let code = format!(
        "GITHUB_TOKEN = \"{}\"\nAWS_KEY_ID = \"{}\"\npassword = \"{}\"\nBLOB = \"{}\"\nSTRIPE = \"{}\"\n",
        secrets[0].1, secrets[1].1, secrets[2].1, secrets[3].1, secrets[4].1
    );
    std::fs::write(plugin.join("config.py"), code).unwrap();
    plugin
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (rule, value) in planted() {
        assert!(!text.contains(&value), "the {rule} value leaks into {what}");
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn planted_secrets_are_reported_but_never_shown() {
    let work = tempfile::tempdir().unwrap();
    let plugin = write_plugin(work.path());

    for format in ["json", "text", "sarif"] {
        let output = bin()
            .args(["scan", "--format", format, "--rules", "all"])
            .arg(&plugin)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "critical secrets block");
        let stdout = String::from_utf8_lossy(&output.stdout);
        for (rule, _) in planted() {
            assert!(stdout.contains(&rule), "{format} report lacks {rule}");
        }
        assert_clean(&format!("scan --format {format} (stdout)"), &output.stdout);
        assert_clean(&format!("scan --format {format} (stderr)"), &output.stderr);
    }

    let data = work.path().join("data");
    let output = bin()
        .arg("pipeline")
        .arg(&plugin)
        .args(["--maintainer", "dev@example.org", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("status: blocked"));
    assert_clean("pipeline (stdout)", &output.stdout);
    assert_clean("pipeline (stderr)", &output.stderr);

    let mut files = Vec::new();
    files_under(&data, &mut files);
    let uploads = data.join("blobs/uploads");
    let mut seen = Vec::new();
    for file in files {
        if file.starts_with(&uploads) {
            continue; // the uploaded zip itself is the input
        }
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        seen.push(name.clone());
        assert_clean(&file.display().to_string(), &std::fs::read(&file).unwrap());
    }
    for expected in ["events.jsonl", "secrets.json", "results.eml"] {
        assert!(
            seen.iter().any(|n| n.ends_with(expected)),
            "no {expected} among {seen:?}"
        );
    }
    // The JSON report (beside it: the HTML report and the `.cdx.json` SBOM, in any order).
    let report = std::fs::read_dir(data.join("blobs/reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".json") && !name.ends_with(".cdx.json")
        })
        .expect("a JSON report");
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.contains("GitHub Token"), "report lists the finding");
}
