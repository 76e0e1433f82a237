//! SARIF 2.1.0 output, for code-scanning dashboards.

use serde_json::{json, Value};
use validator_checks::CheckRegistry;
use validator_domain::{Level, Report};

/// The `partialFingerprints` key of our fingerprints (versioned with their scheme).
const SARIF_FINGERPRINT_KEY: &str = "qgisPluginValidator/fp1";

pub fn to_sarif(report: &Report, registry: &CheckRegistry) -> Value {
    let rules: Vec<Value> = registry
        .iter()
        .flat_map(|check| {
            check.rules().iter().map(move |rule| {
                json!({
                    "id": rule.id,
                    "name": rule.title,
                    "shortDescription": { "text": rule.title },
                    "help": {
                        "text": rule.remediation,
                        "markdown": rule.remediation,
                    },
                    "properties": { "check": check.id() },
                })
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let level = if f.blocking {
                "error"
            } else if f.review {
                "warning"
            } else {
                match f.level {
                    Level::Critical | Level::Warning => "warning",
                    Level::Info => "note",
                }
            };
            let mut region = serde_json::Map::new();
            if let Some(line) = f.line {
                region.insert("startLine".into(), json!(line));
            }
            let mut result = json!({
                "ruleId": f.rule,
                "level": level,
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.path },
                        "region": region,
                    }
                }],
                "properties": {
                    "check": f.check,
                    "severity": f.severity,
                    "policyLevel": f.level,
                    "blocking": f.blocking,
                    "review": f.review,
                },
            });
            if f.suppressed.is_some() {
                result["suppressions"] = json!([{ "kind": "inSource" }]);
            }
            // With the location, the finding's identity across versions (docs/history.md), so
            // code-scanning tools track it through edits above it.
            if let Some(fingerprint) = &f.fingerprint {
                result["partialFingerprints"] = json!({ SARIF_FINGERPRINT_KEY: fingerprint });
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "plugin-validator",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
                "properties": {
                    "rulesVersion": report.provenance.rules_version,
                    "policyDigest": report.provenance.policy_digest,
                    "referenceTools": report.provenance.reference_tools,
                },
            }},
            "properties": {
                "verdict": report.status,
                "autoApproved": report.auto_approved,
                "provenance": report.provenance,
            },
            "results": results,
        }]
    })
}
