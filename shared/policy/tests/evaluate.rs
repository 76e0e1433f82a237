//! How the policy rates findings and decides skips.

use validator_domain::{
    Check, CheckContext, CheckError, Finding, Level, RuleInfo, Severity, SkipOutcome, Suppression,
};
use validator_policy::{from_tsv, Policy, RuleSet};

static RULES: [RuleInfo; 2] = [
    RuleInfo {
        id: "X1",
        title: "x1",
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation: "fix x1",
    },
    RuleInfo {
        id: "X2",
        title: "x2",
        severity: Severity::Low,
        level: Level::Info,
        mandatory: false,
        remediation: "fix x2",
    },
];

struct Demo(&'static str);

impl Check for Demo {
    fn id(&self) -> &'static str {
        self.0
    }
    fn title(&self) -> &'static str {
        "demo"
    }
    fn rules(&self) -> &'static [RuleInfo] {
        &RULES
    }
    fn run(&self, _: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        Ok(Vec::new())
    }
}

fn finding(check: &str, rule: usize) -> Finding {
    Finding::new(check, &RULES[rule], "p/a.py", "m").at(1, 0)
}

const TSV: &str = "# comment\ntool\tcode\tlevel\tenabled\tskippable\n\
bandit\tB101\twarning\tyes\tyes\n\
bandit\tB102\tcritical\tyes\tno\n\
bandit\tB109\tinfo\tno\tyes\n\
flake8\tE999\tcritical\tyes\tno\n";

fn policy() -> Policy {
    let mut policy = from_tsv(TSV, &[&Demo("demo")]).unwrap();
    // B-rules belong to `security`; give the demo check two of them for the tests.
    for (code, check) in [
        ("B101", "demo"),
        ("B102", "demo"),
        ("B109", "demo"),
        ("E999", "code_quality"),
    ] {
        policy.rules.get_mut(code).unwrap().check = check.to_owned();
    }
    policy
}

fn rated(policy: &Policy, check: &Demo, rule: &str, rule_set: RuleSet) -> Option<Finding> {
    let mut f = finding(check.0, 0);
    f.rule = rule.to_owned();
    policy
        .evaluate(check, vec![f], rule_set, &[])
        .into_iter()
        .next()
}

#[test]
fn tsv_rows_become_rules_and_check_rules_get_defaults() {
    let policy = from_tsv(TSV, &[&Demo("demo")]).unwrap();
    assert_eq!(policy.rules["B101"].check, "security");
    assert_eq!(policy.rules["B101"].level, Level::Warning);
    assert!(policy.rules["B101"].skippable);
    assert!(!policy.rules["B102"].skippable);
    assert!(!policy.rules["B109"].enabled);
    assert_eq!(policy.rules["E999"].check, "code_quality");
    assert_eq!(policy.rules["X1"].check, "demo");
    assert!(!policy.rules["X1"].skippable, "mandatory by default");
    assert!(policy.check("code_quality").informational);
    // Round trip through TOML.
    let text = policy.to_toml("header");
    assert!(text.starts_with("# header"));
    assert_eq!(Policy::from_toml(&text, "test").unwrap(), policy);
}

#[test]
fn bad_tsv_lines_are_reported_with_their_line() {
    let err = from_tsv("bandit\tB1\tsevere\tyes\tno\n", &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1: unknown level `severe` (critical, warning or info)"
    );
    assert!(from_tsv("pylint\tC1\tinfo\tyes\tno\n", &[]).is_err());
    assert!(from_tsv("bandit\tB1\tinfo\tmaybe\tno\n", &[]).is_err());
    assert!(from_tsv("bandit\tB1\n", &[]).is_err());
}

#[test]
fn the_level_decides_what_blocks_not_any_finding() {
    let policy = policy();
    let demo = Demo("demo");
    let warning = rated(&policy, &demo, "B101", RuleSet::Policy).unwrap();
    assert_eq!(warning.level, Level::Warning);
    assert!(
        !warning.blocking,
        "a warning (like B101 assert) does not block"
    );
    let critical = rated(&policy, &demo, "B102", RuleSet::Policy).unwrap();
    assert!(critical.blocking);
    assert!(critical.mandatory);
}

#[test]
fn disabled_rules_only_run_with_all_rules() {
    let policy = policy();
    let demo = Demo("demo");
    assert!(rated(&policy, &demo, "B109", RuleSet::Policy).is_none());
    let all = rated(&policy, &demo, "B109", RuleSet::All).unwrap();
    assert!(!all.blocking, "a disabled rule reports but never blocks");
    assert!(!policy.runs(&demo, "B109", RuleSet::Policy));
    assert!(policy.runs(&demo, "B109", RuleSet::All));
}

#[test]
fn informational_checks_never_block() {
    let policy = policy();
    let quality = Demo("code_quality");
    let syntax = rated(&policy, &quality, "E999", RuleSet::Policy).unwrap();
    assert_eq!(syntax.level, Level::Critical);
    assert!(!syntax.blocking);
}

#[test]
fn plugin_configuration_cannot_relax_mandatory_rules() {
    let policy = policy();
    let demo = Demo("demo");
    let mut relaxed_mandatory = finding("demo", 0);
    relaxed_mandatory.suppressed = Some(Suppression::PluginConfig {
        file: "p/.bandit".into(),
    });
    let mut relaxed_skippable = finding("demo", 1);
    relaxed_skippable.suppressed = Some(Suppression::PluginConfig {
        file: "p/.bandit".into(),
    });
    let out = policy.evaluate(
        &demo,
        vec![relaxed_mandatory, relaxed_skippable],
        RuleSet::Policy,
        &[],
    );
    assert_eq!(out[0].suppressed, None);
    assert!(out[0].blocking);
    assert!(out[1].suppressed.is_some());
}

#[test]
fn inline_suppressions_are_honoured_but_stay_visible() {
    let policy = policy();
    let demo = Demo("demo");
    let mut nosec = finding("demo", 0);
    nosec.suppressed = Some(Suppression::Inline {
        marker: "# nosec".into(),
    });
    let out = policy.evaluate(&demo, vec![nosec], RuleSet::Policy, &[]);
    assert_eq!(out.len(), 1, "suppressed findings are kept for approvers");
    assert!(!out[0].blocking);
    assert!(out[0].mandatory);
}

#[test]
fn skips_honour_skippable_rules_only() {
    let policy = policy();
    let demo = Demo("demo");
    let skips = policy.resolve_skips(
        &[
            "b101".into(),
            "B102".into(),
            "X2".into(),
            "ZZZ".into(),
            "B101".into(),
        ],
        &[&demo],
    );
    let outcome = |rule: &str| skips.iter().find(|s| s.rule == rule).unwrap().outcome;
    assert_eq!(skips.len(), 4, "duplicates are recorded once: {skips:?}");
    assert_eq!(outcome("B101"), SkipOutcome::Honoured);
    assert_eq!(outcome("B102"), SkipOutcome::RefusedMandatory);
    assert_eq!(outcome("X2"), SkipOutcome::Honoured);
    assert_eq!(outcome("ZZZ"), SkipOutcome::UnknownRule);
    let mut f = finding("demo", 0);
    f.rule = "B101".into();
    let mut g = finding("demo", 0);
    g.rule = "B102".into();
    let out = policy.evaluate(&demo, vec![f, g], RuleSet::Policy, &skips);
    assert_eq!(out[0].suppressed, Some(Suppression::Skipped));
    assert_eq!(out[1].suppressed, None);
    assert!(out[1].blocking);
}

#[test]
fn unknown_policy_fields_are_errors() {
    let err = Policy::from_toml(
        "[rules.B101]\ncheck='security'\nlevel='warning'\nskipable=true\n",
        "x",
    )
    .unwrap_err();
    assert!(err.to_string().contains("skipable"), "{err}");
}

#[test]
fn an_entry_ending_in_a_star_sets_every_rule_with_its_prefix_and_a_rules_own_entry_wins() {
    let policy = Policy::from_toml(
        r#"
[rules."SIG:acme/*"]
check = "demo"
level = "info"
enabled = false

[rules."SIG:acme/kept"]
check = "demo"
level = "critical"

[rules."SIG:*"]
check = "other"
level = "critical"
"#,
        "test",
    )
    .expect("policy");
    let pack = policy.rule("demo", "SIG:acme/noisy", None);
    assert!(!pack.enabled);
    assert_eq!(pack.level, Level::Info);
    let own = policy.rule("demo", "SIG:acme/kept", None);
    assert!(own.enabled);
    assert_eq!(own.level, Level::Critical);
    // Another check's wildcard, and a rule outside the prefix, keep the defaults.
    let other = policy.rule("demo", "SIG:beta/x", None);
    assert!(other.enabled);
    assert_eq!(other.level, Level::Warning);
}
