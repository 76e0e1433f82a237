//! What produced a report: the validator's version, the policy and rules it applied, and the
//! reference tools its engines reproduce. A report without this cannot be compared with another.

use serde::{Deserialize, Serialize};

/// A reference tool an engine is compatible with (`bandit` `1.9.4`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersion {
    pub name: String,
    pub version: String,
    /// The check whose engine reproduces it.
    pub check: String,
}

/// Stamped on every report (JSON, SARIF, HTML, emails).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The validator's version (the Cargo, wheel and `--version` version).
    pub validator_version: String,
    /// `sha256:` of the effective policy, serialized as canonical TOML (comments and layout of
    /// the file do not change it; any setting does).
    pub policy_digest: String,
    /// Changes whenever a rule is added, removed or its title, defaults or guidance change.
    pub rules_version: String,
    pub reference_tools: Vec<ToolVersion>,
    /// `sha256:` over the signature packs and known-bad hash lists the `signatures` check
    /// applied (their names and digests are in the report's signatures section).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures_digest: Option<String>,
}

impl Provenance {
    /// `bandit 1.9.4, detect-secrets 1.5.0, ...`.
    pub fn reference_tools_line(&self) -> String {
        self.reference_tools
            .iter()
            .map(|t| format!("{} {}", t.name, t.version))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The policy digest shortened for people (`sha256:0123456789ab`).
    pub fn short_policy_digest(&self) -> &str {
        let end = self
            .policy_digest
            .char_indices()
            .nth("sha256:".len() + 12)
            .map_or(self.policy_digest.len(), |(i, _)| i);
        &self.policy_digest[..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_digest_and_tool_line() {
        let p = Provenance {
            validator_version: "1.0.0".into(),
            policy_digest: format!("sha256:{}", "ab".repeat(32)),
            rules_version: "x".into(),
            reference_tools: vec![
                ToolVersion {
                    name: "bandit".into(),
                    version: "1.9.4".into(),
                    check: "security".into(),
                },
                ToolVersion {
                    name: "flake8".into(),
                    version: "7.5.0".into(),
                    check: "code_quality".into(),
                },
            ],
            signatures_digest: None,
        };
        assert_eq!(p.short_policy_digest(), "sha256:abababababab");
        assert_eq!(p.reference_tools_line(), "bandit 1.9.4, flake8 7.5.0");
        assert_eq!(Provenance::default().short_policy_digest(), "");
    }
}
