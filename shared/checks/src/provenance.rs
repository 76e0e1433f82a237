//! What a report says produced it: see [`provenance`].

use std::fmt::Write as _;
use std::sync::OnceLock;

use sha2::Digest as _;
use validator_domain::{Provenance, ToolVersion};
use validator_policy::Policy;

use crate::CheckRegistry;

/// The validator's version: every crate of the workspace shares it, and so do the CLI's
/// `--version` and the wheel (maturin reads it from Cargo.toml).
pub const VALIDATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A reference tool whose results an engine reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceTool {
    pub check: &'static str,
    pub name: &'static str,
    pub version: &'static str,
}

/// The reference tools the engines are compatible with. A test keeps this equal to the pins of
/// `infra/requirements-reference.txt`, the versions the compatibility tests run against.
pub const REFERENCE_TOOLS: &[ReferenceTool] = &[
    ReferenceTool {
        check: "security",
        name: "bandit",
        version: "1.9.4",
    },
    ReferenceTool {
        check: "secrets",
        name: "detect-secrets",
        version: "1.5.0",
    },
    ReferenceTool {
        check: "code_quality",
        name: "flake8",
        version: "7.5.0",
    },
    ReferenceTool {
        check: "code_quality",
        name: "pycodestyle",
        version: "2.15.0",
    },
    ReferenceTool {
        check: "code_quality",
        name: "pyflakes",
        version: "4.1.0",
    },
    ReferenceTool {
        check: "code_quality",
        name: "mccabe",
        version: "0.7.0",
    },
];

/// The version of the built-in rule catalogue: the first 12 hex digits of a SHA-256 over every
/// rule's check, id, title, severity, default level, mandatory flag and guidance. Any change to a
/// rule changes it; a rebuild without one does not.
pub fn rules_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut catalogue = String::new();
        for check in CheckRegistry::builtin().iter() {
            for rule in check.rules() {
                let _ = writeln!(
                    catalogue,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    check.id(),
                    rule.id,
                    rule.title,
                    rule.severity,
                    rule.level,
                    rule.mandatory,
                    rule.remediation
                );
            }
        }
        let digest = hex::encode(sha2::Sha256::digest(catalogue.as_bytes()));
        digest[..12].to_owned()
    })
}

/// What produced a report checked under `policy`.
pub fn provenance(policy: &Policy) -> Provenance {
    Provenance {
        validator_version: VALIDATOR_VERSION.to_owned(),
        policy_digest: policy.digest(),
        rules_version: rules_version().to_owned(),
        reference_tools: REFERENCE_TOOLS
            .iter()
            .map(|t| ToolVersion {
                name: t.name.to_owned(),
                version: t.version.to_owned(),
                check: t.check.to_owned(),
            })
            .collect(),
        // Stamped from the report's signatures section (`Report::with_provenance`).
        signatures_digest: None,
    }
}
