//! The runner fingerprints every finding from the code of its line.

use validator_archive::ArchiveLimits;
use validator_checks::{CheckRegistry, PythonLimits, Scanner};
use validator_domain::Finding;
use validator_policy::{Policy, RuleSet};
use validator_testkit::ZipBuilder;

fn security_findings(plugin_py: &str) -> Vec<Finding> {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/plugin.py", plugin_py)
        .build();
    let registry = CheckRegistry::builtin()
        .select(&["security".to_owned()])
        .expect("security check");
    let scanner = Scanner::new(
        registry,
        Policy::default(),
        ArchiveLimits::default(),
        PythonLimits::default(),
    )
    .with_rule_set(RuleSet::All);
    let plugin = scanner.open(zip).expect("zip");
    let mut outcomes = scanner.run(&plugin, &[]);
    outcomes
        .pop()
        .expect("one check")
        .run
        .expect("runs")
        .findings
}

fn print_of<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| {
            f.fingerprint
                .as_deref()
                .expect("every finding is fingerprinted")
        })
        .collect()
}

#[test]
fn a_finding_keeps_its_fingerprint_when_code_above_it_changes() {
    let v1 =
        security_findings("import subprocess\n\ndef run(c):\n    subprocess.call(c, shell=True)\n");
    let v2 = security_findings(
        "import os\nimport subprocess\n\n\ndef helper():\n    return 1\n\n\ndef run(c):\n    subprocess.call(c,  shell=True)  # nosec\n",
    );
    let (a, b) = (print_of(&v1, "B602"), print_of(&v2, "B602"));
    assert_eq!(a.len(), 1);
    assert_eq!(a, b);
    assert_ne!(
        v1.iter().find(|f| f.rule == "B602").and_then(|f| f.line),
        v2.iter().find(|f| f.rule == "B602").and_then(|f| f.line)
    );
    // Other code on the line is another finding.
    let v3 = security_findings(
        "import subprocess\n\ndef run(c):\n    subprocess.call(c + 'x', shell=True)\n",
    );
    assert_ne!(print_of(&v3, "B602"), a);
}
