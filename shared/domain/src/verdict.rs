use serde::{Deserialize, Serialize};

use crate::{CheckId, CheckOutcome, CheckResult, Counts, Finding, ScanStatus};

/// The decision over a whole scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: ScanStatus,
    pub auto_approved: bool,
    pub counts: Counts,
    /// Why, in sentences for the report and the emails.
    pub reasons: Vec<String>,
}

impl Verdict {
    /// Fail-closed: a check that errored or never reported makes the scan `error`; any blocking
    /// finding makes it `blocked`; otherwise it is `validated`, and auto-approved when the uploader
    /// is trusted, no finding of a mandatory rule was suppressed and no finding is held for
    /// review.
    pub fn decide(
        expected: &[CheckId],
        intake_findings: &[Finding],
        results: &[CheckResult],
        trusted: bool,
    ) -> Self {
        let mut counts = Counts::of(intake_findings);
        let mut errors = Vec::new();
        for check in expected {
            match results.iter().find(|r| &r.check == check) {
                None => errors.push(format!("the {check} check did not report a result")),
                Some(result) => {
                    if let CheckOutcome::Error { reason } = &result.outcome {
                        errors.push(format!("the {check} check could not finish: {reason}"));
                    }
                    counts.merge(&result.counts);
                }
            }
        }
        if !errors.is_empty() {
            return Self {
                status: ScanStatus::Error,
                auto_approved: false,
                counts,
                reasons: errors,
            };
        }
        if counts.blocking > 0 {
            let mut reasons = vec![format!(
                "{} finding{} of rules that block under the policy",
                counts.blocking,
                plural(counts.blocking)
            )];
            reasons.extend(intake_findings.iter().map(|f| f.message.clone()));
            return Self {
                status: ScanStatus::Blocked,
                auto_approved: false,
                counts,
                reasons,
            };
        }
        let mut reasons = vec!["no finding blocks under the policy".to_owned()];
        let auto_approved = trusted && counts.suppressed_mandatory == 0 && counts.review == 0;
        if counts.review > 0 {
            // Said whether or not the uploader is trusted: the maintainer learns why a human
            // will look before the version is approved.
            reasons.push(format!(
                "held for review: {} finding{} of rules that need an approver to look at the evidence",
                counts.review,
                plural(counts.review)
            ));
        }
        if trusted && counts.suppressed_mandatory > 0 {
            reasons.push(format!(
                "not auto-approved: {} suppressed finding{} of mandatory rules need a human review",
                counts.suppressed_mandatory,
                plural(counts.suppressed_mandatory)
            ));
        }
        Self {
            status: ScanStatus::Validated,
            auto_approved,
            counts,
            reasons,
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
