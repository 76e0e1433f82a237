//! The `review` action: a rule's policy can block, hold for review or only report.

use validator_domain::{
    Check, CheckContext, CheckError, CheckId, CheckResult, Counts, Finding, Level, RuleInfo,
    ScanId, ScanStatus, Severity, Verdict,
};
use validator_policy::{from_tsv, Policy, RuleAction, RuleSet};

static RULES: [RuleInfo; 2] = [
    RuleInfo {
        id: "R1",
        title: "held",
        severity: Severity::Medium,
        level: Level::Warning,
        mandatory: true,
        remediation: "do it the acceptable way",
    },
    RuleInfo {
        id: "R2",
        title: "blocks",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation: "remove it",
    },
];

struct Reviewing;

impl Check for Reviewing {
    fn id(&self) -> &'static str {
        "reviewing"
    }
    fn title(&self) -> &'static str {
        "reviewing"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &RULES
    }
    fn rule_holds_for_review(&self, rule: &str) -> bool {
        rule == "R1"
    }
    fn run(&self, _: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(Vec::new())
    }
}

fn rated(policy: &Policy, rule: usize) -> Finding {
    let finding = Finding::new("reviewing", &RULES[rule], "p/a.py", "evidence").at(3, 0);
    policy
        .evaluate(&Reviewing, vec![finding], RuleSet::Policy, &[])
        .pop()
        .expect("rated")
}

fn result(findings: &[Finding]) -> CheckResult {
    CheckResult::new(
        ScanId("s".into()),
        CheckId::new("reviewing"),
        Ok(findings.to_vec()),
        1,
        0,
    )
}

#[test]
fn generated_policies_write_the_review_action_of_review_rules() {
    let policy = from_tsv("", &[&Reviewing]).unwrap();
    assert_eq!(policy.rules["R1"].action, Some(RuleAction::Review));
    assert_eq!(policy.rules["R2"].action, None);
    let toml = policy.to_toml("t");
    assert!(toml.contains("action = \"review\""), "{toml}");
    assert_eq!(Policy::from_toml(&toml, "t").unwrap(), policy);
}

#[test]
fn a_review_finding_neither_blocks_nor_lets_a_trusted_upload_be_auto_approved() {
    for policy in [Policy::empty(), from_tsv("", &[&Reviewing]).unwrap()] {
        let held = rated(&policy, 0);
        assert!(held.review && !held.blocking, "{held:?}");
        let counts = Counts::of(std::slice::from_ref(&held));
        assert_eq!(counts.review, 1);
        let verdict = Verdict::decide(&[CheckId::new("reviewing")], &[], &[result(&[held])], true);
        assert_eq!(verdict.status, ScanStatus::Validated);
        assert!(!verdict.auto_approved);
        assert!(
            verdict
                .reasons
                .iter()
                .any(|r| r.contains("held for review")),
            "{:?}",
            verdict.reasons
        );
    }
}

#[test]
fn operators_can_make_a_review_rule_block_or_only_report_and_a_block_rule_review() {
    let mut policy = from_tsv("", &[&Reviewing]).unwrap();
    policy.rules.get_mut("R1").unwrap().action = Some(RuleAction::Block);
    let f = rated(&policy, 0);
    assert!(f.blocking && !f.review);
    policy.rules.get_mut("R1").unwrap().action = Some(RuleAction::Report);
    let f = rated(&policy, 0);
    assert!(!f.blocking && !f.review);
    policy.rules.get_mut("R2").unwrap().action = Some(RuleAction::Review);
    let f = rated(&policy, 1);
    assert!(!f.blocking && f.review);
    // Without an action the levels decide, as before.
    policy.rules.get_mut("R2").unwrap().action = None;
    assert!(rated(&policy, 1).blocking);
}

#[test]
fn suppressed_or_disabled_review_findings_hold_nothing() {
    let mut policy = from_tsv("", &[&Reviewing]).unwrap();
    let mut finding = Finding::new("reviewing", &RULES[0], "p/a.py", "e");
    finding.suppressed = Some(validator_domain::Suppression::Inline {
        marker: "# nosec".into(),
    });
    let rated = policy.evaluate(&Reviewing, vec![finding], RuleSet::Policy, &[]);
    assert!(!rated[0].review);
    policy.rules.get_mut("R1").unwrap().enabled = false;
    let finding = Finding::new("reviewing", &RULES[0], "p/a.py", "e");
    assert!(policy
        .evaluate(&Reviewing, vec![finding], RuleSet::Policy, &[])
        .is_empty());
}

#[test]
fn reports_and_policies_written_before_the_review_action_still_load() {
    let old_counts = r#"{"critical":1,"warning":0,"info":0,"blocking":1,"suppressed":0,"suppressed_mandatory":0}"#;
    let counts: Counts = serde_json::from_str(old_counts).unwrap();
    assert_eq!(counts.review, 0);
    let old_finding = r#"{"check":"security","rule":"B101","path":"a.py","line":1,"column":0,
        "severity":"LOW","message":"m","remediation":"r","level":"warning","blocking":false,"mandatory":false}"#;
    let finding: Finding = serde_json::from_str(old_finding).unwrap();
    assert!(!finding.review);
    assert!(!serde_json::to_string(&finding).unwrap().contains("review"));
    let old_policy = "[rules.X]\ncheck = \"security\"\nlevel = \"critical\"\n";
    let policy = Policy::from_toml(old_policy, "old").unwrap();
    assert_eq!(policy.rules["X"].action, None);
}
