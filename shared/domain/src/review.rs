//! Review decisions that carry forward: an approver (or, for skippable rules, the uploader)
//! marks a finding as a false positive or an accepted risk; the decision applies to the same
//! finding (path and fingerprint) in later versions of the plugin. Decisions are appended, never
//! rewritten: a withdrawal is a new record.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Finding, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    FalsePositive,
    AcceptedRisk,
}

/// Who decided: only an approver's decision applies to a finding of a mandatory rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeciderRole {
    Approver,
    Uploader,
}

/// One record of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// The plugin's history key (`plugin_key`).
    pub plugin: String,
    pub path: String,
    pub fingerprint: String,
    pub rule: String,
    pub kind: DecisionKind,
    pub reason: String,
    pub by: String,
    pub role: DeciderRole,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
    /// This record withdraws the earlier decision on the same finding.
    #[serde(default)]
    pub withdrawn: bool,
}

/// A decision as a finding of a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedDecision {
    pub kind: DecisionKind,
    pub reason: String,
    pub by: String,
    pub role: DeciderRole,
    #[serde(with = "time::serde::rfc3339")]
    pub at: Timestamp,
}

/// Applies the plugin's decisions (any order: the latest record per finding counts, a
/// withdrawal cancels) to `findings`: a decided finding records its decision and stops blocking.
/// A decision by the uploader on a mandatory rule is ignored. Returns how many findings were
/// decided.
pub fn apply_decisions(findings: &mut [Finding], decisions: &[ReviewDecision]) -> u32 {
    let mut latest: HashMap<(&str, &str), &ReviewDecision> = HashMap::new();
    for d in decisions {
        let slot = latest
            .entry((d.path.as_str(), d.fingerprint.as_str()))
            .or_insert(d);
        if d.at >= slot.at {
            *slot = d;
        }
    }
    let mut decided = 0;
    for finding in findings.iter_mut() {
        let Some(fingerprint) = finding.fingerprint.as_deref() else {
            continue;
        };
        let Some(d) = latest.get(&(finding.path.as_str(), fingerprint)) else {
            continue;
        };
        if d.withdrawn || d.rule != finding.rule {
            continue;
        }
        if finding.mandatory && d.role != DeciderRole::Approver {
            continue;
        }
        finding.decision = Some(AppliedDecision {
            kind: d.kind,
            reason: d.reason.clone(),
            by: d.by.clone(),
            role: d.role,
            at: d.at,
        });
        finding.blocking = false;
        decided += 1;
    }
    decided
}
