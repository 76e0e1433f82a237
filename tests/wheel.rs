//! Plugin developers' tools, for real: the wheel built by maturin and installed into a fresh
//! venv, the pre-commit hook run by the real `pre-commit try-repo`, and the composite action
//! linted by actionlint and run step by step. The tools come from PyPI into the pinned
//! `devtools` venv (infra/requirements-devtools.txt).
//!
//! The wheel is built with `maturin build --profile wheel-ci` (no LTO) into target/wheel, a
//! target folder of its own: the cargo running these tests keeps target/debug.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use validator_testkit::reference::{repo_root, venv};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn devtools(tool: &str) -> PathBuf {
    let path = venv("devtools").join("bin").join(tool);
    assert!(path.exists(), "{} is not installed", path.display());
    path
}

fn wheel_target() -> PathBuf {
    repo_root().join("target/wheel")
}

fn checked(what: &str, output: Output) -> Output {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The wheel, built once per test run.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<PathBuf> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let out = wheel_target().join("dist-test");
        let _ = std::fs::remove_dir_all(&out);
        let started = Instant::now();
        checked(
            "maturin build",
            Command::new(devtools("maturin"))
                .args(["build", "--profile", "wheel-ci", "--locked", "--out"])
                .arg(&out)
                .current_dir(repo_root())
                .env("CARGO_TARGET_DIR", wheel_target())
                .output()
                .expect("run maturin"),
        );
        let wheel = std::fs::read_dir(&out)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
            .expect("maturin wrote a wheel");
        eprintln!(
            "built {} ({} bytes) in {:.1} s",
            wheel.display(),
            std::fs::metadata(&wheel).unwrap().len(),
            started.elapsed().as_secs_f64()
        );
        wheel
    })
}

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

#[test]
fn the_wheel_installs_into_a_fresh_venv_and_scans_without_rust() {
    let wheel = wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("qgis_plugin_validator-{VERSION}-py3-none-")),
        "{name}"
    );
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("venv");
    checked(
        "python3 -m venv",
        Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&env)
            .output()
            .unwrap(),
    );
    let started = Instant::now();
    checked(
        "pip install",
        Command::new(env.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-index",
            ])
            .arg(wheel)
            .output()
            .unwrap(),
    );
    // Run from an empty folder: the policy and rules are inside the binary, not beside it.
    let cli = env.join("bin/plugin-validator");
    let run = |args: &[&str], path: &Path| {
        Command::new(&cli)
            .args(args)
            .arg(path)
            .current_dir(dir.path())
            .env_remove("PLUGIN_VALIDATOR_POLICY")
            .output()
            .unwrap()
    };
    let first = run(&["scan"], &fixture("sample_plugin"));
    eprintln!(
        "pip install -> first report: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout).contains("Verdict: VALIDATED"));
    assert_eq!(
        run(&["scan"], &fixture("broken_plugin")).status.code(),
        Some(1)
    );

    // One version: the wheel's, --version's and the report's are Cargo's.
    let show = checked(
        "pip show",
        Command::new(env.join("bin/pip"))
            .args(["show", "qgis-plugin-validator"])
            .output()
            .unwrap(),
    );
    assert!(String::from_utf8_lossy(&show.stdout).contains(&format!("Version: {VERSION}\n")));
    let version = checked(
        "--version",
        Command::new(&cli).arg("--version").output().unwrap(),
    );
    assert!(String::from_utf8_lossy(&version.stdout)
        .starts_with(&format!("plugin-validator {VERSION}\n")));
    let json = run(&["scan", "--format", "json"], &fixture("sample_plugin"));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["provenance"]["validator_version"], VERSION);
}

fn git(dir: &Path, args: &[&str]) {
    checked(
        &format!("git {args:?}"),
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.org",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap(),
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(target, to.join(entry.file_name())).unwrap();
        } else if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn the_pre_commit_hook_passes_a_clean_plugin_and_fails_a_planted_finding() {
    // The hook's build shares the wheel's target folder: let the wheel finish first, so the
    // two maturin runs never stage files in the same folder at once (and the hook's build
    // reuses the compiled crates).
    wheel();
    let dir = tempfile::tempdir().unwrap();
    // A plugin repository whose root is the plugin (the hook's default argument, ".").
    let repo = dir.path().join("sample_plugin");
    copy_dir(&fixture("sample_plugin"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "plugin"]);
    // pre-commit builds the hook's package from this repository with pip and maturin: the same
    // quick profile and target folder as the wheel above, and a hook cache of our own.
    let try_repo = || {
        Command::new(devtools("pre-commit"))
            .args(["try-repo"])
            .arg(repo_root())
            .args(["plugin-validator", "--all-files", "--verbose"])
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", wheel_target().join("pre-commit-home"))
            .env("MATURIN_PEP517_ARGS", "--profile wheel-ci")
            .env("CARGO_TARGET_DIR", wheel_target())
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .output()
            .expect("run pre-commit")
    };
    let clean = try_repo();
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    assert!(
        text(&clean).contains("Verdict: VALIDATED"),
        "{}",
        text(&clean)
    );

    std::fs::write(
        repo.join("run.py"),
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n",
    )
    .unwrap();
    // The plugin loads it (a file nothing imports would not block).
    let init = std::fs::read_to_string(repo.join("__init__.py")).unwrap();
    std::fs::write(
        repo.join("__init__.py"),
        format!("{init}\nfrom . import run  # noqa: E402,F401\n"),
    )
    .unwrap();
    git(&repo, &["add", "run.py", "__init__.py"]);
    let planted = try_repo();
    assert_eq!(planted.status.code(), Some(1), "{}", text(&planted));
    assert!(text(&planted).contains("B602"), "{}", text(&planted));
    assert!(
        text(&planted).contains("Verdict: BLOCKED"),
        "{}",
        text(&planted)
    );
}

#[test]
fn actionlint_accepts_the_action_and_the_example_workflows_and_catches_a_broken_one() {
    let python = devtools("python");
    let actionlint = devtools("actionlint");
    let lint = |root: &Path, workflows: &[PathBuf]| {
        Command::new(&python)
            .arg(repo_root().join("infra/lint-action.py"))
            .arg(&actionlint)
            .arg(root)
            .args(workflows)
            .output()
            .unwrap()
    };
    checked(
        "actionlint",
        lint(
            &repo_root(),
            &[
                repo_root().join("docs/examples/plugin-workflow.yml"),
                repo_root().join(".github/workflows/release.yml"),
            ],
        ),
    );
    // The lint can fail: a misspelt step id in a copy of the action.
    let dir = tempfile::tempdir().unwrap();
    let action = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let broken = action.replace(
        "steps.scan.outputs.verdict !=",
        "steps.scna.outputs.verdict !=",
    );
    assert_ne!(broken, action);
    std::fs::write(dir.path().join("action.yml"), broken).unwrap();
    let out = lint(dir.path(), &[]);
    assert!(
        !out.status.success(),
        "actionlint missed a misspelt step id"
    );
}

#[test]
fn the_action_installs_the_wheel_writes_sarif_and_html_and_fails_on_the_verdict() {
    let wheel = wheel();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("sample_plugin"), &dir.path().join("sample_plugin"));
    copy_dir(&fixture("broken_plugin"), &dir.path().join("broken_plugin"));
    let action = |inputs: &[&str]| {
        let out = Command::new(devtools("python"))
            .arg(repo_root().join("infra/run-action.py"))
            .arg(repo_root())
            .arg(dir.path())
            .arg(format!("wheel={}", wheel.display()))
            .args(inputs)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let outputs: serde_json::Value = stdout
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| {
                panic!(
                    "no outputs: {stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        (out.status.code(), outputs)
    };
    let (code, outputs) = action(&["path=sample_plugin"]);
    assert_eq!(code, Some(0), "{outputs}");
    assert_eq!(outputs["verdict"], "validated");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("plugin-validator.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["version"], VERSION);
    let html = std::fs::read_to_string(dir.path().join("plugin-validator.html")).unwrap();
    assert!(html.contains("class=\"verdict validated\""));

    let (code, outputs) = action(&["path=broken_plugin", "sarif-file=broken.sarif"]);
    assert_eq!(code, Some(1), "{outputs}");
    assert_eq!(outputs["verdict"], "blocked");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("broken.sarif")).unwrap())
            .unwrap();
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["level"] == "error"));

    let (code, outputs) = action(&["path=broken_plugin", "fail-on-verdict=false"]);
    assert_eq!(code, Some(0), "{outputs}");
    assert_eq!(outputs["verdict"], "blocked");
}
