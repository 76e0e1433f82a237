use serde::{Deserialize, Serialize};
use validator_domain::{plugin_key, DeciderRole, DecisionKind, Report, ReviewDecision, ScanId};

use crate::{keys, reconsider, Pipeline, ReconsiderOutcome, StageError};

/// A reviewer's decision on one finding of one scan, as the website (or the CLI) sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub scan_id: ScanId,
    /// The finding's `path` and `fingerprint` in the scan's report.
    pub path: String,
    pub fingerprint: String,
    pub kind: DecisionKind,
    pub reason: String,
    pub by: String,
    pub role: DeciderRole,
    #[serde(default)]
    pub withdraw: bool,
}

/// Why a decision was refused (the caller's mistake, not a backend failure).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefused {
    #[error("no scan {0}")]
    NoScan(ScanId),
    #[error("scan {0} is not finished")]
    NotFinished(ScanId),
    #[error("scan {0} has no plugin name or package folder")]
    NoPlugin(ScanId),
    #[error("scan {scan} has no finding {path}#{fingerprint}")]
    NoFinding {
        scan: ScanId,
        path: String,
        fingerprint: String,
    },
    #[error("{0} is a mandatory rule: only an approver can decide on its findings")]
    Mandatory(String),
    #[error("a decision needs a reason and who decided")]
    Incomplete,
}

/// What a recorded decision did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewOutcome {
    pub decision: ReviewDecision,
    /// The scan after the decision (validated when nothing else blocked it).
    pub scan: ReconsiderOutcome,
}

/// Records a decision on a finding of a finished scan, in the plugin's audit trail (it applies
/// to the same finding in later versions), then reconsiders the scan. An uploader's decision on
/// a mandatory rule is refused.
pub async fn review(
    pipeline: &Pipeline,
    request: &ReviewRequest,
) -> Result<Result<ReviewOutcome, ReviewRefused>, StageError> {
    if request.reason.trim().is_empty() || request.by.trim().is_empty() {
        return Ok(Err(ReviewRefused::Incomplete));
    }
    let id = &request.scan_id;
    let Some(scan) = pipeline.store.get_scan(id).await? else {
        return Ok(Err(ReviewRefused::NoScan(id.clone())));
    };
    if !scan.status.is_final() {
        return Ok(Err(ReviewRefused::NotFinished(id.clone())));
    }
    let Some(plugin) = plugin_key(&scan) else {
        return Ok(Err(ReviewRefused::NoPlugin(id.clone())));
    };
    let report_key = scan.report_key.clone().unwrap_or_else(|| keys::report(id));
    let report: Report = serde_json::from_slice(&pipeline.blobs.get(&report_key).await?.bytes)
        .map_err(|e| StageError::Corrupt {
            scan: id.clone(),
            reason: e.to_string(),
        })?;
    let Some(finding) = report.findings.iter().find(|f| {
        f.path == request.path && f.fingerprint.as_deref() == Some(request.fingerprint.as_str())
    }) else {
        return Ok(Err(ReviewRefused::NoFinding {
            scan: id.clone(),
            path: request.path.clone(),
            fingerprint: request.fingerprint.clone(),
        }));
    };
    if finding.mandatory && request.role != DeciderRole::Approver {
        return Ok(Err(ReviewRefused::Mandatory(finding.rule.clone())));
    }
    let decision = ReviewDecision {
        plugin,
        path: request.path.clone(),
        fingerprint: request.fingerprint.clone(),
        rule: finding.rule.clone(),
        kind: request.kind,
        reason: request.reason.trim().to_owned(),
        by: request.by.trim().to_owned(),
        role: request.role,
        at: validator_domain::now(),
        withdrawn: request.withdraw,
    };
    pipeline.store.record_decision(&decision).await?;
    tracing::info!(scan_id = %id, rule = %decision.rule, by = %decision.by, withdrawn = decision.withdrawn, "review decision recorded");
    let scan = reconsider(pipeline, id).await?;
    Ok(Ok(ReviewOutcome { decision, scan }))
}
