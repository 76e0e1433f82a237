//! What plugin developers' tools read: the version, the provenance every report carries, the
//! rule catalogue and the HTML report, through the binary as users run it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use validator_testkit::ZipBuilder;

mod common;

/// The binary without the operator's environment (tests must not pick it up).
use common::plugin_validator as bin;

fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("run plugin-validator");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A plugin written to attack the report's reader: markup in a file name, in code and in
/// strings, a direction override, and secrets that must never appear.
pub const HOSTILE_FILE: &str = "hostile/<img src=x onerror=alert(1)>.py";
pub const HOSTILE_CODE: &str = concat!(
    "import subprocess\n",
    "# </pre><script>alert('code')</script>\n",
    "def run(cmd):\n",
    "    subprocess.call(cmd, shell=True)\n",
    "    eval(cmd)  # \u{202E} } \u{2066}if admin\u{2069} \u{2066}\n",
    "aws_key = \"AKIAIOSFODNN7EXAMPLE\"\n",
);

fn hostile_zip(dir: &Path) -> PathBuf {
    let path = dir.join("hostile.zip");
    // Its entry point loads a module by a computed name, so every file counts as loaded and
    // the hostile file's findings block (see the loaded scope, docs/policy.md).
    let zip = ZipBuilder::valid_plugin("hostile")
        .file(
            "hostile/__init__.py",
            "import importlib\n\n\ndef classFactory(iface):\n    return importlib.import_module(iface.name)\n",
        )
        .file(HOSTILE_FILE, HOSTILE_CODE)
        .build();
    std::fs::write(&path, zip).unwrap();
    path
}

#[test]
fn version_agrees_between_cargo_the_cli_and_every_report() {
    let version = env!("CARGO_PKG_VERSION");
    let (code, out) = run(bin().arg("--version"));
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().next(),
        Some(format!("plugin-validator {version}").as_str())
    );
    assert!(out.contains("bandit 1.9.4"), "{out}");

    let (_, json) = run(bin()
        .args(["scan", "--format", "json"])
        .arg(fixture("sample_plugin")));
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["provenance"]["validator_version"], version);

    let (_, sarif) = run(bin()
        .args(["scan", "--format", "sarif"])
        .arg(fixture("sample_plugin")));
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["tool"]["driver"]["version"], version);
    assert_eq!(
        run0["properties"]["provenance"]["validator_version"],
        version
    );

    // The wheel takes its version from Cargo.toml: pyproject.toml must not pin another one.
    let pyproject =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pyproject.toml"))
            .expect("pyproject.toml");
    let pyproject: toml::Value = toml::from_str(&pyproject).unwrap();
    let project = &pyproject["project"];
    assert!(
        project.get("version").is_none(),
        "pyproject.toml must take the version from Cargo.toml"
    );
    assert!(project["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v.as_str() == Some("version")));
}

#[test]
fn reports_name_the_policy_rules_and_reference_tools_that_produced_them() {
    let (_, version) = run(bin().arg("--version"));
    let (_, json) = run(bin()
        .args(["scan", "--format", "json"])
        .arg(fixture("broken_plugin")));
    let report: Value = serde_json::from_str(&json).unwrap();
    let p = &report["provenance"];
    let digest = p["policy_digest"].as_str().unwrap();
    let rules = p["rules_version"].as_str().unwrap();
    assert!(version.contains(digest), "{version} vs {digest}");
    assert!(version.contains(rules), "{version} vs {rules}");
    let tools: Vec<String> = p["reference_tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["name"].as_str().unwrap(),
                t["version"].as_str().unwrap()
            )
        })
        .collect();
    for tool in [
        "bandit",
        "detect-secrets",
        "flake8",
        "pycodestyle",
        "pyflakes",
        "mccabe",
    ] {
        assert!(tools.iter().any(|t| t.starts_with(tool)), "{tools:?}");
    }

    // Another policy, another digest; the rules version stays.
    let dir = tempfile::tempdir().unwrap();
    let (_, shipped) = run(bin().arg("policy"));
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        shipped.replace(
            "block_levels = [\"critical\"]",
            "block_levels = [\"critical\", \"warning\"]",
        ),
    )
    .unwrap();
    let (_, json) = run(bin()
        .args(["scan", "--format", "json", "--policy"])
        .arg(&policy)
        .arg(fixture("broken_plugin")));
    let other: Value = serde_json::from_str(&json).unwrap();
    assert_ne!(other["provenance"]["policy_digest"], p["policy_digest"]);
    assert_eq!(other["provenance"]["rules_version"], p["rules_version"]);

    let (_, text) = run(bin().arg("scan").arg(fixture("broken_plugin")));
    assert!(text.contains(&format!("rules {rules}")), "{text}");
}

#[test]
fn rules_json_is_the_catalogue_a_website_can_show() {
    let (code, out) = run(bin().args(["rules", "--format", "json"]));
    assert_eq!(code, 0);
    let catalogue: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        catalogue["provenance"]["validator_version"],
        env!("CARGO_PKG_VERSION")
    );
    let checks = catalogue["checks"].as_array().unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "package_structure",
            "file_permissions",
            "suspicious_files",
            "security",
            "secrets",
            "code_quality",
            "behaviour",
            "bundled_libraries",
            "licence",
            "dependencies",
            "qgis4",
            "signatures",
        ]
    );
    let b602 = checks
        .iter()
        .flat_map(|c| c["rules"].as_array().unwrap())
        .find(|r| r["id"] == "B602")
        .expect("B602 in the catalogue");
    assert_eq!(b602["level"], "critical");
    assert_eq!(b602["mandatory"], true);
    assert!(b602["remediation"].as_str().unwrap().contains("shell=True"));
    let quality = checks.iter().find(|c| c["id"] == "code_quality").unwrap();
    assert_eq!(quality["informational"], true);
    // --markdown stays the source of docs/rules.md.
    let (_, md) = run(bin().args(["rules", "--format", "markdown"]));
    let (_, md2) = run(bin().args(["rules", "--markdown"]));
    assert_eq!(md, md2);
    assert!(md.starts_with("# Rules reference"));
}

#[test]
fn html_report_is_self_contained_and_escapes_a_hostile_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let zip = hostile_zip(dir.path());
    let (code, html) = run(bin().args(["scan", "--format", "html"]).arg(&zip));
    assert_eq!(code, 1, "blocked");
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing runs and nothing is fetched: only known elements, no attribute that loads or runs.
    let allowed = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "main", "p", "h1", "h2",
        "h3", "div", "table", "tr", "th", "td", "ul", "li", "code", "pre", "span", "strong",
        "time", "section", "details", "summary", "footer",
    ];
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default().to_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '\n'])
            .next()
            .unwrap_or_default();
        assert!(allowed.contains(&name), "<{tag}> in the HTML report");
        for attribute in ["src=", "href=", "on", "style="] {
            assert!(
                !tag.split_whitespace()
                    .skip(1)
                    .any(|a| a.starts_with(attribute)),
                "<{tag}> has {attribute}"
            );
        }
    }
    let lower = html.to_lowercase();
    for forbidden in ["url(", "@import", "http://", "https://"] {
        assert!(!lower.contains(forbidden), "{forbidden} in the HTML report");
    }
    // The hostile name and code are shown, escaped.
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;.py"),
        "file name"
    );
    assert!(html.contains("&lt;/pre&gt;&lt;script&gt;"), "code context");
    // The direction override is written out, the secret never.
    assert!(html.contains("⟨U+202E⟩"));
    assert!(!html.contains('\u{202E}'));
    assert!(!html.contains("AKIAIOSFODNN7EXAMPLE"));
    assert!(html.contains(validator_html_report::HIDDEN_SECRET_LINE));
    // Verdict, blocking findings with guidance whose backticks are code, provenance.
    assert!(html.contains("class=\"verdict blocked\""));
    assert!(html.contains("<code>shell=True</code>"), "code markup");
    assert!(html.contains("Rule <code>B602</code>"));
    assert!(html.contains(&format!("plugin-validator {}", env!("CARGO_PKG_VERSION"))));
    // Code context: the finding's line, numbered and highlighted.
    assert!(html.contains("<span class=\"hl\"><span class=\"ln\">4</span>    subprocess.call(cmd, shell=True)</span>"), "{html}");
}

#[test]
fn html_report_lists_other_findings_skips_and_plugin_config() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("tidy.zip");
    let plugin = ZipBuilder::valid_plugin("tidy")
        .file("tidy/style.py", "import os\nx=1\nassert x\n")
        .file("tidy/setup.cfg", "[flake8]\nmax-line-length = 100\n")
        .build();
    std::fs::write(&zip, plugin).unwrap();
    let (code, html) = run(bin()
        .args([
            "scan", "--format", "html", "--rules", "all", "--skip", "B101", "--skip", "NOPE",
        ])
        .arg(&zip));
    assert_eq!(code, 0, "{html}");
    assert!(html.contains("class=\"verdict validated\""));
    assert!(
        html.contains("<summary><code>F401</code>"),
        "pyflakes finding grouped by rule"
    );
    assert!(html.contains("<code>B101</code>: skipped as requested"));
    assert!(html.contains("<code>NOPE</code>: not skipped: no such rule"));
    assert!(html.contains("<code>tidy/setup.cfg</code>"));
}

#[test]
fn the_pipeline_stores_report_html_beside_report_json() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run(bin()
        .arg("pipeline")
        .arg(hostile_zip(dir.path()))
        .args(["--maintainer", "dev@example.org", "--data-dir"])
        .arg(dir.path().join("data")));
    assert_eq!(code, 1, "{out}");
    let json = out
        .lines()
        .find_map(|l| l.strip_prefix("report: "))
        .map(PathBuf::from)
        .expect("a report");
    let html = json.with_extension("html");
    let html = std::fs::read_to_string(&html).expect("report.html beside report.json");
    assert!(html.contains("class=\"verdict blocked\""));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.py"));
    assert!(
        html.contains("<span class=\"ln\">4</span>"),
        "code context from the upload"
    );
    assert!(!html.contains("AKIAIOSFODNN7EXAMPLE"));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        report["provenance"]["validator_version"],
        env!("CARGO_PKG_VERSION")
    );
    // The results email says what produced the report.
    let outbox = dir.path().join("data/outbox");
    let results = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("-results.eml"))
        .expect("a results email");
    let eml = std::fs::read_to_string(results).unwrap();
    assert!(eml.contains("Checked by plugin-validator"), "{eml}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
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
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn scan_staged_checks_what_git_would_ship_not_the_work_tree() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("sample_plugin");
    copy_dir(&fixture("sample_plugin"), &repo);
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "plugin"]);
    // Untracked build litter that a work-tree scan reports and a release zip never holds.
    std::fs::create_dir_all(repo.join("__pycache__")).unwrap();
    std::fs::write(
        repo.join("__pycache__/sample_plugin.cpython-311.pyc"),
        b"\x00",
    )
    .unwrap();
    let (code, out) = run(bin().args(["scan", "--staged"]).arg(&repo));
    assert_eq!(code, 0, "{out}");
    let (code, out) = run(bin().arg("scan").arg(&repo));
    assert_eq!(code, 1, "the work tree has .git and __pycache__: {out}");

    // A staged finding counts before it is committed; the same file unstaged does not.
    std::fs::write(
        repo.join("run.py"),
        // A command from outside the plugin (a constant one is reported, not blocking).
        "import subprocess\nsubprocess.call(input(), shell=True)\n",
    )
    .unwrap();
    // The plugin loads it (a file nothing imports would not block).
    let init = std::fs::read_to_string(repo.join("__init__.py")).unwrap();
    std::fs::write(
        repo.join("__init__.py"),
        format!("{init}\nfrom . import run  # noqa: E402,F401\n"),
    )
    .unwrap();
    git(&repo, &["add", "__init__.py"]);
    let (code, _) = run(bin().args(["scan", "--staged"]).arg(&repo));
    assert_eq!(code, 0, "untracked files are not checked");
    git(&repo, &["add", "run.py"]);
    let (code, out) = run(bin().args(["scan", "--staged"]).arg(&repo));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("sample_plugin/run.py:2"), "{out}");

    // A plugin in a subfolder of the repository.
    let outer = dir.path().join("outer");
    copy_dir(&fixture("sample_plugin"), &outer.join("sample_plugin"));
    git(&outer, &["init", "-q"]);
    git(&outer, &["add", "."]);
    let (code, out) = run(bin()
        .args(["scan", "--staged"])
        .arg(outer.join("sample_plugin")));
    assert_eq!(code, 0, "{out}");

    // Not a git work tree: a usage error that says why.
    let plain = dir.path().join("plain");
    copy_dir(&fixture("sample_plugin"), &plain);
    let out = bin()
        .args(["scan", "--staged"])
        .arg(&plain)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("git"));
}
