//! The registry and the shipped default policy.

use std::path::PathBuf;

use validator_checks::CheckRegistry;
use validator_policy::{Policy, DEFAULT_POLICY_TOML};

/// The website's default rule policy, committed beside the policy it generates.
fn website_tsv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policy/qgis-default-policy.tsv")
}

#[test]
fn the_shipped_policy_is_the_one_generated_from_the_website_data() {
    let shipped = Policy::from_toml(DEFAULT_POLICY_TOML, "shipped").expect("valid default policy");
    let tsv = website_tsv();
    let text = std::fs::read_to_string(&tsv)
        .unwrap_or_else(|e| panic!("the website's policy table {}: {e}", tsv.display()));
    let generated = CheckRegistry::builtin().policy_from_tsv(&text).unwrap();
    assert_eq!(
        generated, shipped,
        "regenerate with: cargo run --locked -- policy --from-tsv \
         shared/policy/qgis-default-policy.tsv > shared/policy/default-policy.toml"
    );
}

#[test]
fn every_rule_of_every_registered_check_is_in_the_default_policy() {
    let shipped = Policy::default();
    for check in CheckRegistry::builtin().iter() {
        for rule in check.rules() {
            let setting = shipped
                .rules
                .get(rule.id)
                .unwrap_or_else(|| panic!("{} is not in the default policy", rule.id));
            assert_eq!(setting.check, check.id(), "{}", rule.id);
            assert!(
                !rule.remediation.trim().is_empty(),
                "{} has no remediation",
                rule.id
            );
        }
    }
    // The website's mandatory rules stay mandatory.
    assert!(!shipped.rules["B102"].skippable);
    assert!(shipped.rules["B101"].skippable);
    assert!(shipped.check("code_quality").informational);
}

#[test]
fn rule_ids_are_unique_across_checks() {
    let mut seen = std::collections::HashSet::new();
    for check in CheckRegistry::builtin().iter() {
        for rule in check.rules() {
            assert!(seen.insert(rule.id), "{} is defined twice", rule.id);
        }
    }
}

#[test]
fn selecting_checks_keeps_registry_order_and_refuses_unknown_names() {
    let registry = CheckRegistry::builtin();
    let picked = registry
        .select(&["suspicious_files".into(), "package_structure".into()])
        .unwrap();
    let ids: Vec<_> = picked.ids().into_iter().map(|c| c.0).collect();
    assert_eq!(ids, ["package_structure", "suspicious_files"]);
    let err = registry.select(&["bandit".into()]).unwrap_err();
    assert!(err.to_string().contains("unknown check `bandit`"));
}

#[test]
fn website_rule_names_reach_the_rules_the_findings_carry() {
    let registry = CheckRegistry::builtin();
    let policy = Policy::default();
    // The website's data names detect-secrets rules by plugin class; findings carry the type.
    let tsv =
        "tool\tcode\tlevel\tenabled\tskippable\nsecrets\tKeywordDetector\twarning\tyes\tyes\n";
    let generated = registry.policy_from_tsv(tsv).expect("valid data");
    let toml = generated.to_toml("test");
    assert!(toml.contains("[rules.\"Secret Keyword\"]"), "{toml}");
    assert!(!toml.contains("KeywordDetector"), "{toml}");

    let skips = policy.resolve_skips(
        &["KeywordDetector".to_owned(), "AWSKeyDetector".to_owned()],
        &registry.as_slice(),
    );
    let rules: Vec<(&str, String)> = skips
        .iter()
        .map(|d| (d.rule.as_str(), format!("{:?}", d.outcome)))
        .collect();
    assert_eq!(
        rules,
        [
            ("Secret Keyword", "Honoured".to_owned()),
            ("AWS Access Key", "RefusedMandatory".to_owned())
        ]
    );
}
