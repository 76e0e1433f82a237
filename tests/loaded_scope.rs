//! Findings in files the plugin never loads, end to end through the CLI: a Plugin Builder
//! layout whose developer script and tests hold blocking code findings, the same with dynamic
//! loading (fail-closed), and the `block_scope = "all"` switch.

use std::process::Command;

use validator_testkit::ZipBuilder;

/// A plugin as Plugin Builder lays it out, with blocking code findings only in files nothing
/// imports (a literal `exec` in a test, `shell=True` in a developer script).
fn plugin_builder_layout(init: &str) -> ZipBuilder {
    ZipBuilder::valid_plugin("demo")
        .file("demo/__init__.py", init)
        .file(
            "demo/demo.py",
            "from .resources import *\nfrom .demo_dialog import DemoDialog\n\n\nclass Demo:\n    def __init__(self, iface):\n        self.iface = iface\n",
        )
        .file("demo/demo_dialog.py", "class DemoDialog:\n    pass\n")
        .file("demo/resources.py", "qt_resource_data = b''\n")
        .file(
            "demo/plugin_upload.py",
            "import subprocess\n\n\ndef main(cmd):\n    subprocess.call(cmd, shell=True)\n",
        )
        .file(
            "demo/test/test_init.py",
            "def test_metadata(source):\n    exec(source)\n",
        )
}

const STATIC_INIT: &str =
    "def classFactory(iface):\n    from .demo import Demo\n    return Demo(iface)\n";

fn scan(zip: ZipBuilder, policy: Option<&str>) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("plugin.zip");
    std::fs::write(&path, zip.build()).expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plugin-validator"));
    cmd.args(["scan", "--format", "json"]).arg(&path);
    cmd.env("PLUGIN_VALIDATOR_PACKAGE_INDEX", "off");
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

fn code_findings_in<'a>(report: &'a serde_json::Value, path: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["path"] == path
                && (f["check"] == "security"
                    || (f["check"] == "behaviour"
                        && !f["rule"].as_str().unwrap_or_default().starts_with("BHV9")))
        })
        .collect()
}

#[test]
fn code_findings_in_files_the_plugin_never_loads_do_not_block() {
    let (code, report) = scan(plugin_builder_layout(STATIC_INIT), None);
    assert_eq!(report["status"], "validated", "{report}");
    assert_eq!(code, 0);
    for path in ["demo/plugin_upload.py", "demo/test/test_init.py"] {
        let findings = code_findings_in(&report, path);
        assert!(
            !findings.is_empty(),
            "{path} keeps its findings in the report"
        );
        for f in findings {
            assert_eq!(f["not_loaded"], true, "{f}");
            assert_eq!(f["blocking"], false, "{f}");
        }
    }
    let not_loaded: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "BHV900")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        not_loaded.contains(&"demo/plugin_upload.py"),
        "{not_loaded:?}"
    );
    assert!(
        !not_loaded.contains(&"demo/demo.py"),
        "imported from classFactory"
    );
    assert!(!not_loaded.contains(&"demo/resources.py"), "star import");
}

#[test]
fn dynamic_loading_makes_every_file_count_as_loaded() {
    let init = "import importlib\n\n\ndef classFactory(iface):\n    name = iface.property('module')\n    return importlib.import_module(name).Demo(iface)\n";
    let (code, report) = scan(plugin_builder_layout(init), None);
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "BHV901"),
        "{report}"
    );
    let hidden =
        "def classFactory(iface):\n    m = __import__('demo.plugin' + '_upload')\n    return m\n";
    let (_, report) = scan(plugin_builder_layout(hidden), None);
    assert_eq!(
        report["status"], "blocked",
        "an import through a built name is followed: {report}"
    );
}

#[test]
fn block_scope_all_blocks_wherever_the_finding_is() {
    let default = validator_policy::DEFAULT_POLICY_TOML;
    let all = default.replacen("block_scope = \"loaded\"", "block_scope = \"all\"", 1);
    assert_ne!(all, default, "the shipped policy names its block_scope");
    let (code, report) = scan(plugin_builder_layout(STATIC_INIT), Some(&all));
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);
}

/// Plugin Builder's older `plugin_upload.py` builds its URL from a template that detect-secrets
/// reads as a password (`://%s:%s@`). A secret blocks wherever it is, but a placeholder is not
/// a secret: under the policy it is reported with the reason and does not block.
#[test]
fn a_url_template_is_not_a_secret_under_the_policy() {
    let upload = "PROTOCOL = 'https'\nSERVER = 'plugins.qgis.org'\n\n\ndef main(user, password):\n    address = \"%s://%s:%s@%s:%s%s\" % (PROTOCOL, user, password, SERVER, 443, '/plugins/RPC2/')\n    return address\n";
    let zip = ZipBuilder::valid_plugin("demo").file("demo/plugin_upload.py", upload);
    let (code, report) = scan(zip, None);
    let secrets: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "secrets")
        .collect();
    assert!(
        !secrets.is_empty(),
        "the template is still reported: {report}"
    );
    for f in &secrets {
        assert_eq!(f["blocking"], false, "{f}");
        assert!(
            f["not_a_secret"]
                .as_str()
                .unwrap_or_default()
                .contains("placeholder"),
            "{f}"
        );
    }
    assert_eq!(code, 0, "{report}");
    // A real password in the same place still blocks.
    let real = upload.replace(
        "\"%s://%s:%s@%s:%s%s\" % (PROTOCOL, user, password, SERVER, 443, '/plugins/RPC2/')",
        "'https://alice:Tr0ub4dor3x@plugins.qgis.org:443/plugins/RPC2/'",
    );
    let (code, report) = scan(
        ZipBuilder::valid_plugin("demo").file("demo/plugin_upload.py", &real),
        None,
    );
    assert_eq!(code, 1, "{report}");
}

/// Dynamic loading makes every file count as loaded (fail-closed), but a test module is run by a
/// test runner: the Bandit findings of a test suite (a fixture password, `mktemp`, unpickling a
/// temporary file) are reported with the reason; the same code outside the tests blocks, and
/// `evidence_aware = false` blocks it everywhere.
#[test]
fn bandit_findings_in_test_modules_do_not_block_under_dynamic_loading() {
    let init = "import importlib\n\n\ndef classFactory(iface):\n    name = iface.property('module')\n    return importlib.import_module(name).Demo(iface)\n";
    let fixture = "import pickle\nimport tempfile\n\n\ndef test_roundtrip(value):\n    path = tempfile.mktemp()\n    password = 'hunter2'\n    return pickle.load(open(path, 'rb'))\n";
    let tests_only = ZipBuilder::valid_plugin("demo")
        .file("demo/__init__.py", init)
        .file("demo/tests/test_cache.py", fixture);
    let (code, report) = scan(tests_only, None);
    assert_eq!(report["status"], "validated", "{report}");
    assert_eq!(code, 0);
    let findings = code_findings_in(&report, "demo/tests/test_cache.py");
    let security: Vec<_> = findings
        .iter()
        .filter(|f| f["check"] == "security" && f["level"] == "critical")
        .collect();
    assert!(security.len() >= 3, "{findings:?}");
    for f in security {
        assert_eq!(f["blocking"], false, "{f}");
        let reason = f["without_evidence"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("test module"), "{f}");
    }

    let outside_tests = ZipBuilder::valid_plugin("demo")
        .file("demo/__init__.py", init)
        .file("demo/cache.py", fixture);
    let (code, report) = scan(outside_tests, None);
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);

    let website = validator_policy::DEFAULT_POLICY_TOML.replacen(
        "evidence_aware = true",
        "evidence_aware = false",
        1,
    );
    let tests_only = ZipBuilder::valid_plugin("demo")
        .file("demo/__init__.py", init)
        .file("demo/tests/test_cache.py", fixture);
    let (code, report) = scan(tests_only, Some(&website));
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);
}

/// A command-line tool shipped with the plugin (fct's `cli/autodoc.py`: click, jinja2 without
/// autoescape, a `__main__` block) that nothing imports: when dynamic loading makes every file
/// count as loaded (BHV901, kept), its Bandit findings are reported with the reason instead of
/// blocking (issue 30). The same code imported by the plugin, or without the `__main__` block,
/// still blocks; so does the website's rating.
#[test]
fn command_line_scripts_nothing_imports_do_not_block_under_dynamic_loading() {
    let dynamic_init = "import importlib\n\n\ndef classFactory(iface):\n    name = iface.property('module')\n    return importlib.import_module(name).Demo(iface)\n";
    let tool = "import click\nimport jinja2\n\n\ndef render(folder):\n    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder))\n\n\n@click.command()\ndef main():\n    render('docs')\n\n\nif __name__ == '__main__':\n    main()\n";
    let with = |init: &str, tool: &str| {
        ZipBuilder::valid_plugin("demo")
            .file("demo/__init__.py", init)
            .file("demo/cli/__init__.py", "")
            .file("demo/cli/autodoc.py", tool)
    };
    let (code, report) = scan(with(dynamic_init, tool), None);
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "BHV901"),
        "{report}"
    );
    assert_eq!(report["status"], "validated", "{report}");
    assert_eq!(code, 0);
    let b701: Vec<_> = code_findings_in(&report, "demo/cli/autodoc.py")
        .into_iter()
        .filter(|f| f["rule"] == "B701")
        .collect();
    assert_eq!(b701.len(), 1, "{report}");
    assert_eq!(b701[0]["blocking"], false);
    let reason = b701[0]["without_evidence"]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("command-line script"), "{reason}");

    // A module, not a script: no `__main__` block.
    let module = tool.replace("if __name__ == '__main__':\n    main()\n", "");
    let (code, report) = scan(with(dynamic_init, &module), None);
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);

    // The plugin imports the script statically: its code runs in QGIS.
    let importing_init = format!("from .cli import autodoc\n{dynamic_init}");
    let (code, report) = scan(with(&importing_init, tool), None);
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);

    let website = validator_policy::DEFAULT_POLICY_TOML.replacen(
        "evidence_aware = true",
        "evidence_aware = false",
        1,
    );
    let (code, report) = scan(with(dynamic_init, tool), Some(&website));
    assert_eq!(report["status"], "blocked", "{report}");
    assert_eq!(code, 1);
}
