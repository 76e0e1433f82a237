//! Evidence-aware blocking end to end through the CLI (issue 30): a plugin with the idioms real
//! plugins were blocked for, none a risk, is validated with every finding reported and a reason
//! per finding; the website's rating (`evidence_aware = false`) blocks it; a real password in the
//! same place blocks it under the default policy too.

use std::process::Command;

use validator_testkit::ZipBuilder;

const INIT: &str =
    "def classFactory(iface):\n    from .plugin import Plugin\n    return Plugin(iface)\n";

/// Issue 30's idioms: a settings key named like a password, an empty token, a cookie name marked
/// for ruff, a constant `git` command through the shell, a console that runs what its user types,
/// and the plugin's own cache file unpickled.
const PLUGIN: &str = r#"import os
import pickle
import subprocess

SETTINGS_PASS = 'Plugin/earthdata_pass'
COOKIE_TOKEN = 'csrftoken'  # noqa: S105


class Plugin:
    def __init__(self, iface):
        self.iface = iface
        self.token = ''
        self.cache_file = os.path.join(os.path.dirname(__file__), 'cache.pkl')

    def version(self):
        return subprocess.check_output('git rev-parse --short HEAD', shell=True)

    def run_console(self):
        exec(self.console.input.toPlainText(), {})

    def cached(self):
        with open(self.cache_file, 'rb') as stream:
            return pickle.load(stream)
"#;

fn scan(plugin: &str, policy: Option<&str>) -> (i32, serde_json::Value) {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/__init__.py", INIT)
        .file("demo/plugin.py", plugin);
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("plugin.zip");
    std::fs::write(&path, zip.build()).expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    cmd.args(["scan", "--format", "json"]).arg(&path);
    cmd.env("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off");
    cmd.env_remove("PLUGIN_VALIDATOR_POLICY");
    if let Some(policy) = policy {
        let file = dir.path().join("policy.toml");
        std::fs::write(&file, policy).expect("policy");
        cmd.arg("--policy").arg(&file);
    }
    let output = cmd.output().expect("run");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap_or(-1), report)
}

fn security(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "security")
        .collect()
}

fn default_policy() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shared/policy/default-policy.toml"),
    )
    .expect("the shipped policy")
}

#[test]
fn findings_without_evidence_of_a_risk_are_reported_with_the_reason_and_do_not_block() {
    let (code, report) = scan(PLUGIN, None);
    let findings = security(&report);
    for rule in ["B105", "B602", "B102", "B301"] {
        assert!(
            findings.iter().any(|f| f["rule"] == rule),
            "{rule} still reported: {report:#}"
        );
    }
    for f in findings.iter().filter(|f| f["level"] == "critical") {
        assert_eq!(f["blocking"], false, "{f:#}");
        let explained = f["without_evidence"]["reason"].is_string() || f["suppressed"].is_object();
        assert!(explained, "says why it does not block: {f:#}");
    }
    let cookie = findings
        .iter()
        .find(|f| f["line"] == 6)
        .expect("the cookie name");
    assert_eq!(cookie["suppressed"]["marker"], "# noqa: S105", "{cookie:#}");
    let console = findings.iter().find(|f| f["rule"] == "B102").expect("exec");
    assert_eq!(console["review"], true, "the console is held for review");
    assert_eq!(code, 0, "validated: {report:#}");

    // The website's rating blocks the same plugin.
    let website = default_policy().replace("evidence_aware = true", "evidence_aware = false");
    assert_ne!(
        website,
        default_policy(),
        "the shipped policy states the setting"
    );
    let (code, report) = scan(PLUGIN, Some(&website));
    assert_eq!(code, 1, "blocked as on the website: {report:#}");
    assert!(security(&report)
        .iter()
        .all(|f| f["without_evidence"].is_null()));
}

#[test]
fn a_real_password_in_the_same_place_still_blocks() {
    let leaky = PLUGIN.replace("self.token = ''", "self.token = 'Xk9#mQ2vLp'");
    let (code, report) = scan(&leaky, None);
    let token = security(&report)
        .into_iter()
        .find(|f| f["rule"] == "B105" && f["line"] == 12)
        .cloned()
        .expect("the token");
    assert_eq!(token["blocking"], true, "{token:#}");
    assert_eq!(code, 1, "{report:#}");
}
