//! The policy digest stamped on reports: layout-independent, setting-sensitive.

use validator_policy::{Policy, DEFAULT_POLICY_TOML};

#[test]
fn digest_ignores_comments_and_layout_but_not_settings() {
    let shipped = Policy::from_toml(DEFAULT_POLICY_TOML, "shipped").unwrap();
    let digest = shipped.digest();
    assert!(digest.starts_with("sha256:"), "{digest}");
    assert_eq!(digest.len(), "sha256:".len() + 64);

    // The same settings written differently: no comments, other header.
    let rewritten = Policy::from_toml(&shipped.to_toml("another header"), "rewritten").unwrap();
    assert_eq!(rewritten.digest(), digest);

    let mut changed = shipped.clone();
    let rule = changed
        .rules
        .values_mut()
        .next()
        .expect("the shipped policy has rules");
    rule.enabled = !rule.enabled;
    assert_ne!(changed.digest(), digest);
    assert_ne!(Policy::empty().digest(), digest);
}
