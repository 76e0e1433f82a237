//! The provenance stamped on reports agrees with the pins the compatibility tests run against.

use std::collections::BTreeMap;

use validator_checks::{provenance, rules_version, REFERENCE_TOOLS, VALIDATOR_VERSION};
use validator_policy::Policy;

/// `name==version` pins of infra/requirements-reference.txt.
fn reference_pins() -> BTreeMap<String, String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../infra/requirements-reference.txt"
    );
    let text = std::fs::read_to_string(path).expect("infra/requirements-reference.txt");
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, version) = l.split_once("==").expect("every reference tool is pinned");
            (name.trim().to_lowercase(), version.trim().to_owned())
        })
        .collect()
}

#[test]
fn reference_tools_are_the_pinned_ones() {
    let pins = reference_pins();
    let ours: BTreeMap<String, String> = REFERENCE_TOOLS
        .iter()
        .map(|t| (t.name.to_owned(), t.version.to_owned()))
        .collect();
    assert_eq!(
        ours, pins,
        "REFERENCE_TOOLS and the requirements file disagree"
    );
}

#[test]
fn provenance_names_version_policy_and_rules() {
    let p = provenance(&Policy::default());
    assert_eq!(p.validator_version, VALIDATOR_VERSION);
    assert_eq!(p.validator_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(p.policy_digest, Policy::default().digest());
    assert_ne!(p.policy_digest, Policy::empty().digest());
    assert_eq!(p.rules_version, rules_version());
    assert_eq!(p.rules_version.len(), 12);
    assert!(p.rules_version.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(p
        .reference_tools
        .iter()
        .any(|t| t.name == "bandit" && t.check == "security"));
}
