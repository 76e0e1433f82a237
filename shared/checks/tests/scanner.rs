//! One `Scanner` runs a scan for the CLI, the check function and the local pipeline: the
//! intake, the checks side by side, no silent pass.

use std::sync::Arc;

use validator_archive::ArchiveLimits;
use validator_checks::{CheckRegistry, PythonLimits, Scanner};
use validator_domain::{
    Check, CheckContext, CheckError, CheckId, Finding, Level, RuleInfo, ScanId, Severity,
};
use validator_policy::{Policy, RuleSet};
use validator_testkit::ZipBuilder;

fn scanner(registry: CheckRegistry) -> Scanner {
    Scanner::new(
        registry,
        Policy::default(),
        ArchiveLimits::default(),
        PythonLimits::default(),
    )
}

static PANICS_RULES: [RuleInfo; 1] = [RuleInfo {
    id: "TST001",
    title: "test",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "none",
}];

/// A check that crashes on every plugin.
struct Panics;

impl Check for Panics {
    fn id(&self) -> &'static str {
        "panics"
    }
    fn title(&self) -> &'static str {
        "Panics"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &PANICS_RULES
    }
    fn run(&self, _ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        panic!("boom")
    }
}

#[test]
fn an_archive_that_cannot_be_read_is_refused_with_a_blocking_finding() {
    let scanner = scanner(CheckRegistry::builtin());
    let refusal = match scanner.open(b"not a zip".to_vec()) {
        Ok(_) => panic!("garbage opened as a plugin"),
        Err(refusal) => refusal,
    };
    let finding = refusal.finding();
    assert!(finding.blocking && finding.mandatory, "{finding:?}");
    assert_eq!(finding.level, Level::Critical);
}

#[test]
fn every_check_gives_an_outcome_in_registry_order_and_a_crash_is_an_error() {
    let registry = CheckRegistry::with(vec![
        Arc::new(Panics),
        CheckRegistry::builtin()
            .shared("security")
            .expect("security"),
    ]);
    let zip = ZipBuilder::valid_plugin("demo")
        .file(
            "demo/plugin.py",
            "import subprocess\nsubprocess.call(c, shell=True)\n",
        )
        .build();
    let scanner = scanner(registry).with_rule_set(RuleSet::All);
    let plugin = scanner.open(zip).expect("opens");
    let outcomes = scanner.run(&plugin, &[]);
    let ids: Vec<&str> = outcomes.iter().map(|o| o.check.as_str()).collect();
    assert_eq!(ids, ["panics", "security"]);
    match &outcomes[0].run {
        Err(CheckError::Failed(why)) => assert!(why.contains("crashed"), "{why}"),
        other => panic!("a crash must be an error, got {other:?}"),
    }
    let security = outcomes[1].run.as_ref().expect("security runs");
    assert!(
        security.findings.iter().any(|f| f.rule == "B602"),
        "{:?}",
        security.findings
    );
    let mut outcomes = outcomes;
    let result = outcomes.remove(0).into_result(ScanId("s".to_owned()), 2);
    assert_eq!(result.check, CheckId::new("panics"));
    assert_eq!(result.attempt, 2);
    assert!(
        matches!(result.outcome, validator_domain::CheckOutcome::Error { .. }),
        "{:?}",
        result.outcome
    );
}

#[test]
fn checks_that_read_python_see_the_same_files_when_run_together_or_alone() {
    let zip = ZipBuilder::valid_plugin("demo")
        .file("demo/a.py", "import pickle\npickle.loads(data)\n")
        .file("demo/b.py", "password = 'hunter2hunter2'\nx=1\n")
        .build();
    let together = scanner(CheckRegistry::builtin()).with_rule_set(RuleSet::All);
    let plugin = together.open(zip).expect("opens");
    let all = together.run(&plugin, &[]);
    for outcome in &all {
        let alone = scanner(
            CheckRegistry::builtin()
                .select(&[outcome.check.as_str().to_owned()])
                .expect("known"),
        )
        .with_rule_set(RuleSet::All);
        let by_itself = alone.run(&plugin, &[]).pop().expect("one");
        let rules = |run: &Result<validator_checks::CheckRun, CheckError>| {
            run.as_ref()
                .map(|r| {
                    r.findings
                        .iter()
                        .map(|f| f.rule.clone())
                        .collect::<Vec<_>>()
                })
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            rules(&outcome.run),
            rules(&by_itself.run),
            "{}",
            outcome.check
        );
    }
}
