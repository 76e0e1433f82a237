//! Rescan: a published version judged again by the current checks, rules, packs and policy.
//!
//! The new judgment is a scan of its own, pinned to the same object version and bytes, whose id
//! is derived from the version's first scan and the [`Judgment`]'s fingerprint: a version already
//! judged under the same fingerprint reuses that result, and a rescan run twice (or resumed after
//! a failure) finds the scans it made and sends nothing again. Its results are stored like any
//! check's and [`crate::aggregate`] decides it; for a rescan scan the aggregator sends nothing
//! when the verdict did not change, and otherwise the maintainers' email saying what changed and
//! the status event (each under its once-only claim). [`send_digest`] sends the approvers one
//! email listing every change of a run.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use sha2::{Digest, Sha256};
use tracing::Instrument;
use validator_checks::{CheckRegistry, Scanner};
use validator_domain::{
    CheckId, CheckResult, ContentDigest, Finding, FindingLine, Notifications, Report, RescanOf,
    Scan, ScanId, ScanStatus, Standing, VerdictChange,
};

use crate::notification::{send_once, Delivery};
use crate::{aggregate, keys, NotificationKind, Pipeline, PortError, StageError};

/// What judges a version: a rescan with the same fingerprint reuses the judgment it made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Judgment {
    /// The validator's version (every check's code).
    pub validator_version: String,
    /// Changes whenever a rule is added, removed or changed.
    pub rules_version: String,
    /// `sha256:` of the effective policy.
    pub policy_digest: String,
    /// The digests of the signature packs the checks load ([`crate::PipelineConfig::pack_digests`]).
    pub pack_digests: Vec<String>,
    /// The checks run again (the others' results are carried over from the previous judgment).
    pub checks: Vec<CheckId>,
}

impl Judgment {
    /// The pipeline's current judgment, re-running `checks` (`None`: every enabled check).
    pub fn current(pipeline: &Pipeline, checks: Option<&[CheckId]>) -> Self {
        let provenance = validator_checks::provenance(&pipeline.config.policy);
        let enabled = pipeline.registry.enabled(&pipeline.config.policy).ids();
        let mut checks: Vec<CheckId> = match checks {
            Some(wanted) => enabled.into_iter().filter(|c| wanted.contains(c)).collect(),
            None => enabled,
        };
        checks.sort();
        let mut pack_digests = pipeline.config.pack_digests.clone();
        pack_digests.sort();
        Self {
            validator_version: provenance.validator_version,
            rules_version: provenance.rules_version,
            policy_digest: provenance.policy_digest,
            pack_digests,
            checks,
        }
    }

    /// 16 hex digits over every part.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        for part in [
            &self.validator_version,
            &self.rules_version,
            &self.policy_digest,
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        for pack in &self.pack_digests {
            hasher.update(b"pack:");
            hasher.update(pack.as_bytes());
            hasher.update([0]);
        }
        for check in &self.checks {
            hasher.update(b"check:");
            hasher.update(check.as_str().as_bytes());
            hasher.update([0]);
        }
        hex::encode(&hasher.finalize()[..8])
    }
}

/// How one rescan runs.
#[derive(Debug, Clone)]
pub struct RescanSettings {
    /// Judge and report, but store nothing and send nothing.
    pub dry_run: bool,
    pub judgment: Judgment,
}

/// What became of one version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RescanOutcome {
    /// Not judged again: still validating, ended in error, or its bytes are gone.
    Skipped { scan_id: ScanId, reason: String },
    /// Judged again (`reused`: by an earlier run under the same judgment).
    Judged { change: VerdictChange, reused: bool },
}

/// Judges the version whose current judgment is `current` again (see the module's comment).
pub async fn rescan_version(
    pipeline: &Pipeline,
    current: &Scan,
    settings: &RescanSettings,
) -> Result<RescanOutcome, StageError> {
    let span = tracing::info_span!(
        "rescan",
        scan_id = current.id.as_str(),
        dry_run = settings.dry_run
    );
    rescan_inner(pipeline, current, settings, None)
        .instrument(span)
        .await
}

/// An upload's bytes its caller has already read ([`rescan_object`]): the version judged
/// again uses them instead of reading the object a second time.
struct ReadUpload {
    key: String,
    version: Option<String>,
    bytes: Vec<u8>,
}

async fn rescan_inner(
    pipeline: &Pipeline,
    current: &Scan,
    settings: &RescanSettings,
    read: Option<ReadUpload>,
) -> Result<RescanOutcome, StageError> {
    let skipped = |reason: String| {
        Ok(RescanOutcome::Skipped {
            scan_id: current.id.clone(),
            reason,
        })
    };
    if !matches!(current.status, ScanStatus::Validated | ScanStatus::Blocked) {
        return skipped(format!(
            "the version is {}: only validated and blocked versions are judged again",
            current.status
        ));
    }
    let judgment = settings.judgment.fingerprint();
    let origin = current
        .rescan
        .as_ref()
        .map_or_else(|| current.id.clone(), |r| r.origin.clone());
    let id = ScanId::derive_rescan(&origin, &judgment);
    // Already judged under this judgment: the result is reused.
    let existing = if current.id == id {
        Some(current.clone())
    } else {
        pipeline.store.get_scan(&id).await?
    };
    if let Some(existing) = existing.as_ref().filter(|s| s.status.is_final()) {
        return reused(pipeline, existing).await;
    }

    let pinned = match read
        .filter(|r| r.key == current.upload.object_key && r.version == current.object_version)
    {
        Some(read) => verified(current, read.bytes),
        None => read_pinned(pipeline, current).await?,
    };
    let bytes = match pinned {
        Ok(bytes) => bytes,
        Err(reason) => return skipped(reason),
    };
    let mut scan =
        existing.unwrap_or_else(|| new_rescan(pipeline, current, id.clone(), origin, judgment));
    let results = run_checks(
        pipeline,
        current,
        &mut scan,
        bytes,
        &settings.judgment.checks,
    )
    .await?;

    if settings.dry_run {
        let (_, report) = crate::aggregate::judge(pipeline, &scan, results).await?;
        let change = change_from_previous(pipeline, &scan, &report).await?;
        tracing::info!(changed = change.changed(), to = %change.to, "judged (dry run)");
        return Ok(RescanOutcome::Judged {
            change,
            reused: false,
        });
    }
    if pipeline.store.create_scan(&scan).await?.is_none() {
        tracing::info!("rescan recorded");
    }
    for result in results {
        store_result(pipeline, &scan, result).await?;
    }
    aggregate(pipeline, &id).await?;
    let judged = pipeline
        .store
        .get_scan(&id)
        .await?
        .ok_or_else(|| StageError::ScanNotFound(id.clone()))?;
    let outcome = reused(pipeline, &judged).await?;
    Ok(match outcome {
        RescanOutcome::Judged { change, .. } => RescanOutcome::Judged {
            change,
            reused: false,
        },
        skipped => skipped,
    })
}

/// The change a final rescan scan made.
async fn reused(pipeline: &Pipeline, judged: &Scan) -> Result<RescanOutcome, StageError> {
    if judged.status == ScanStatus::Error {
        return Ok(RescanOutcome::Skipped {
            scan_id: judged.id.clone(),
            reason: format!(
                "the rescan under this judgment ended in error ({}); the version keeps its \
                 judgment",
                judged.reasons.join("; ")
            ),
        });
    }
    let report = match &judged.report_key {
        Some(key) => crate::aggregate::read_report(pipeline, key)
            .await
            .map_err(|reason| StageError::Corrupt {
                scan: judged.id.clone(),
                reason,
            })?,
        None => {
            return Ok(RescanOutcome::Skipped {
                scan_id: judged.id.clone(),
                reason: "the rescan has no report".to_owned(),
            })
        }
    };
    let change = change_from_previous(pipeline, judged, &report).await?;
    Ok(RescanOutcome::Judged {
        change,
        reused: true,
    })
}

/// The rescan's change against the judgment it supersedes (`scan.rescan.of`).
pub(crate) async fn change_from_previous(
    pipeline: &Pipeline,
    scan: &Scan,
    report: &Report,
) -> Result<VerdictChange, StageError> {
    let of = scan
        .rescan
        .as_ref()
        .map_or_else(|| scan.id.clone(), |r| r.of.clone());
    let previous = pipeline
        .store
        .get_scan(&of)
        .await?
        .ok_or_else(|| StageError::ScanNotFound(of.clone()))?;
    let previous_report = match &previous.report_key {
        Some(key) => crate::aggregate::read_report(pipeline, key)
            .await
            .map_err(|e| tracing::warn!(error = %e, "the previous report is unreadable"))
            .ok(),
        None => None,
    };
    Ok(verdict_change(
        &previous,
        previous_report.as_ref(),
        scan,
        report,
    ))
}

/// What changed between two judgments of one version: the standings, and the findings that
/// block or hold on one side only (matched by path and fingerprint, else by rule, path, line
/// and message).
pub fn verdict_change(
    previous: &Scan,
    previous_report: Option<&Report>,
    scan: &Scan,
    report: &Report,
) -> VerdictChange {
    fn identity(f: &Finding) -> (String, String, String) {
        match &f.fingerprint {
            Some(fp) => (f.path.clone(), f.rule.clone(), fp.clone()),
            None => (
                f.path.clone(),
                f.rule.clone(),
                format!("{:?}:{}", f.line, f.message),
            ),
        }
    }
    let weighing = |r: &Report| -> Vec<Finding> {
        r.findings
            .iter()
            .filter(|f| VerdictChange::weighs(f))
            .cloned()
            .collect()
    };
    let before = previous_report.map(weighing).unwrap_or_default();
    let after = weighing(report);
    let before_ids: HashSet<_> = before.iter().map(identity).collect();
    let after_ids: HashSet<_> = after.iter().map(identity).collect();
    VerdictChange {
        scan_id: scan.id.clone(),
        previous_scan_id: previous.id.clone(),
        plugin: scan.plugin_name.clone(),
        version: scan.plugin_version.clone(),
        object_key: scan.upload.object_key.clone(),
        object_version: scan.object_version.clone(),
        from: Standing::of(previous),
        to: Standing::of_verdict(report.status, &report.reasons),
        reasons: report.reasons.clone(),
        new_findings: after
            .iter()
            .filter(|f| !before_ids.contains(&identity(f)))
            .map(FindingLine::of)
            .collect(),
        gone_findings: before
            .iter()
            .filter(|f| !after_ids.contains(&identity(f)))
            .map(FindingLine::of)
            .collect(),
    }
}

/// The pinned bytes of the version, or why they cannot be judged again.
async fn read_pinned(
    pipeline: &Pipeline,
    current: &Scan,
) -> Result<Result<Vec<u8>, String>, StageError> {
    let key = &current.upload.object_key;
    let read = match &current.object_version {
        Some(version) => pipeline.blobs.get_version(key, version).await,
        None => pipeline.blobs.get(key).await,
    };
    let blob = match read {
        Ok(blob) => blob,
        Err(PortError::NotFound(_)) => {
            return Ok(Err(format!(
                "the upload `{key}` (that version) no longer exists"
            )))
        }
        Err(e) => return Err(e.into()),
    };
    Ok(verified(current, blob.bytes))
}

/// The upload's bytes if they are the ones judged before.
fn verified(current: &Scan, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if let Some(expected) = &current.content_digest {
        let actual = ContentDigest::of(&bytes);
        if &actual != expected {
            return Err(format!(
                "the upload's bytes are not the ones judged before (SHA-256 {actual}, expected \
                 {expected})"
            ));
        }
    }
    Ok(bytes)
}

/// The rescan's scan record: the version's upload, judged again from scratch.
fn new_rescan(
    pipeline: &Pipeline,
    current: &Scan,
    id: ScanId,
    origin: ScanId,
    judgment: String,
) -> Scan {
    let policy = &pipeline.config.policy;
    let now = validator_domain::now();
    let uploaded_at = current
        .rescan
        .as_ref()
        .map_or(current.created_at, |r| r.uploaded_at);
    Scan {
        id,
        status: ScanStatus::Validating,
        auto_approved: false,
        expected_checks: pipeline.registry.enabled(policy).ids(),
        completed_checks: Vec::new(),
        skips: policy.resolve_skips(&current.upload.skip_rules, &pipeline.registry.as_slice()),
        intake_findings: Vec::new(),
        counts: None,
        reasons: Vec::new(),
        report_key: None,
        notifications: Notifications::default(),
        created_at: now,
        updated_at: now,
        finished_at: None,
        reviewed_at: None,
        rescan: Some(RescanOf {
            of: current.id.clone(),
            origin,
            judgment,
            uploaded_at,
        }),
        ..current.clone()
    }
}

/// Runs `rerun` (the others' results are carried over from `current`) in one pass over the
/// archive; an archive the current limits refuse gets the intake finding instead.
async fn run_checks(
    pipeline: &Pipeline,
    current: &Scan,
    scan: &mut Scan,
    bytes: Vec<u8>,
    rerun: &[CheckId],
) -> Result<Vec<CheckResult>, StageError> {
    let mut results = Vec::new();
    let mut checks = Vec::new();
    for id in &scan.expected_checks {
        match pipeline.registry.shared(id.as_str()) {
            Some(check) if rerun.contains(id) || !current.completed_checks.contains(id) => {
                checks.push(check)
            }
            _ => results.push(carried_over(pipeline, current, &scan.id, id).await?),
        }
    }
    // Results cached by content: the same bytes judged under the same judgment with the same
    // honoured skips give the same results, whatever key or version holds them.
    let cache_key =
        scan.content_digest
            .as_ref()
            .zip(scan.rescan.as_ref())
            .map(|(digest, rescan)| {
                let mut honoured: Vec<&str> = scan
                    .skips
                    .iter()
                    .filter(|s| s.honoured())
                    .map(|s| s.rule.as_str())
                    .collect();
                honoured.sort();
                keys::rescan_results(&rescan.judgment, digest, &honoured.join(","))
            });
    if let Some(key) = &cache_key {
        if let Ok(blob) = pipeline.blobs.get(key).await {
            match serde_json::from_slice::<Vec<CheckResult>>(&blob.bytes) {
                Ok(cached) => {
                    tracing::info!(key, "results reused by content");
                    results.extend(cached.into_iter().map(|mut r| {
                        r.scan_id = scan.id.clone();
                        r.findings_key = None;
                        r
                    }));
                    return Ok(results);
                }
                Err(error) => tracing::warn!(key, %error, "unreadable cached results ignored"),
            }
        }
    }
    let config = &pipeline.config;
    let scanner = Scanner::new(
        CheckRegistry::with(checks),
        config.policy.clone(),
        config.limits,
        config.python_limits,
    );
    let skips = scan.skips.clone();
    let scan_id = scan.id.clone();
    let started = Instant::now();
    // The checks are CPU-bound: off the async workers, within the configured time.
    let task = tokio::task::spawn_blocking(move || match scanner.open(bytes) {
        Ok(plugin) => Ok(scanner
            .run(&plugin, &skips)
            .into_iter()
            .map(|ran| ran.into_result(scan_id.clone(), 1))
            .collect::<Vec<_>>()),
        Err(refusal) => Err(Box::new(refusal.finding())),
    });
    let ran = match tokio::time::timeout(config.check_timeout, task).await {
        Ok(Ok(Ok(ran))) => ran,
        Ok(Ok(Err(intake))) => {
            scan.intake_findings = vec![*intake];
            scan.expected_checks.clear();
            return Ok(Vec::new());
        }
        Ok(Err(join)) => return Err(failed(scan, format!("the checks crashed: {join}"))),
        Err(_) => {
            return Err(failed(
                scan,
                format!(
                    "the checks did not finish within {} s",
                    config.check_timeout.as_secs()
                ),
            ))
        }
    };
    // Only complete results are cached: a check that failed is run again next time.
    if let Some(key) = cache_key.filter(|_| {
        ran.iter()
            .all(|r| r.outcome == validator_domain::CheckOutcome::Ok)
    }) {
        match serde_json::to_vec(&ran) {
            Ok(body) => {
                if let Err(error) = pipeline.blobs.put(&key, body, "application/json").await {
                    tracing::warn!(key, %error, "results not cached");
                }
            }
            Err(error) => tracing::warn!(key, %error, "results not cached"),
        }
    }
    tracing::info!(
        rerun = ran.len(),
        carried_over = results.len(),
        ms = started.elapsed().as_millis() as u64,
        "checks judged again"
    );
    results.extend(ran);
    Ok(results)
}

fn failed(scan: &Scan, reason: String) -> StageError {
    StageError::CheckFailed {
        check: "rescan".to_owned(),
        attempt: 1,
        max: 1,
        reason: format!("scan {}: {reason}", scan.id),
    }
}

/// A check not run again: the previous judgment's full result, now the rescan's.
async fn carried_over(
    pipeline: &Pipeline,
    current: &Scan,
    scan_id: &ScanId,
    check: &CheckId,
) -> Result<CheckResult, StageError> {
    let key = keys::findings(&current.id, check);
    let blob = pipeline.blobs.get(&key).await?;
    let mut result: CheckResult =
        serde_json::from_slice(&blob.bytes).map_err(|e| StageError::Corrupt {
            scan: current.id.clone(),
            reason: e.to_string(),
        })?;
    result.scan_id = scan_id.clone();
    result.findings_key = None;
    Ok(result)
}

/// Full findings first, then the summary (as `run_check` stores them).
async fn store_result(
    pipeline: &Pipeline,
    scan: &Scan,
    mut result: CheckResult,
) -> Result<(), StageError> {
    let key = keys::findings(&scan.id, &result.check);
    result.findings_key = Some(key.clone());
    let body = serde_json::to_vec(&result).map_err(|e| StageError::Corrupt {
        scan: scan.id.clone(),
        reason: e.to_string(),
    })?;
    pipeline.blobs.put(&key, body, "application/json").await?;
    pipeline.store.record_result(&result.summary()).await?;
    Ok(())
}

/// Sends the approvers one email listing every version of `changes` whose verdict changed.
/// Once: the claim is the approvers' notice of the first changed version's rescan scan (a rescan
/// scan sends no approvers' email of its own), so a run made again, or resumed, sends nothing
/// new. `Ok(false)` when nothing was sent now.
pub async fn send_digest(
    pipeline: &Pipeline,
    judgment: &str,
    changes: &[VerdictChange],
) -> Result<bool, StageError> {
    let mut changed: Vec<&VerdictChange> = changes.iter().filter(|c| c.changed()).collect();
    changed.sort_by(|a, b| a.scan_id.cmp(&b.scan_id));
    let Some(holder) = changed.first().map(|c| c.scan_id.clone()) else {
        return Ok(false);
    };
    let owned: Vec<VerdictChange> = changed.into_iter().cloned().collect();
    let Some(email) =
        validator_notify::rescan_digest_email(judgment, &owned, &pipeline.config.email)?
    else {
        return Ok(false);
    };
    let mailer = Arc::clone(&pipeline.mailer);
    let sent = send_once(pipeline, &holder, NotificationKind::Approvers, async move {
        Ok(Some(mailer.send(&email).await?))
    })
    .await?;
    Ok(matches!(sent, Delivery::Now(_)))
}

/// Every version's current judgment among `scans`: per upload (its scan and the rescans of
/// it), the newest final judgment that no other final one supersedes, oldest upload first.
/// Versions still validating their first scan are left out.
pub fn current_judgments(scans: Vec<Scan>) -> Vec<Scan> {
    let origin = |s: &Scan| {
        s.rescan
            .as_ref()
            .map_or_else(|| s.id.clone(), |r| r.origin.clone())
    };
    // A rescan that ended in error replaces nothing (and is no judgment of its own).
    let judged =
        |s: &Scan| s.status.is_final() && !(s.rescan.is_some() && s.status == ScanStatus::Error);
    let superseded: HashSet<ScanId> = scans
        .iter()
        .filter(|s| judged(s))
        .filter_map(|s| s.rescan.as_ref().map(|r| r.of.clone()))
        .collect();
    let mut current: std::collections::BTreeMap<ScanId, Scan> = Default::default();
    for scan in scans {
        if !judged(&scan) || superseded.contains(&scan.id) {
            continue;
        }
        let key = origin(&scan);
        match current.get(&key) {
            Some(kept) if kept.created_at >= scan.created_at => {}
            _ => {
                current.insert(key, scan);
            }
        }
    }
    let mut versions: Vec<Scan> = current.into_values().collect();
    let uploaded = |s: &Scan| s.rescan.as_ref().map_or(s.created_at, |r| r.uploaded_at);
    versions.sort_by(|a, b| (uploaded(a), &a.id).cmp(&(uploaded(b), &b.id)));
    versions
}

/// Which versions a rescan covers.
#[derive(Debug, Clone, Default)]
pub struct RescanSelection {
    /// Only versions uploaded at or after this time.
    pub since: Option<validator_domain::Timestamp>,
    /// Only these plugins: the `metadata.txt` name, the package folder or the website's plugin
    /// id, compared without case.
    pub plugins: Vec<String>,
}

impl RescanSelection {
    pub fn selects(&self, scan: &Scan) -> bool {
        let uploaded = scan
            .rescan
            .as_ref()
            .map_or(scan.upload.uploaded_at, |r| r.uploaded_at);
        if self.since.is_some_and(|since| uploaded < since) {
            return false;
        }
        if self.plugins.is_empty() {
            return true;
        }
        let names = [
            scan.plugin_name.as_deref(),
            scan.package_name.as_deref(),
            scan.upload.website_plugin_id.as_deref(),
        ];
        self.plugins.iter().any(|wanted| {
            names
                .iter()
                .flatten()
                .any(|name| name.trim().eq_ignore_ascii_case(wanted.trim()))
        })
    }
}

/// What a whole rescan run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RescanSummary {
    pub judgment: Judgment,
    /// The judgment's fingerprint (the rescan scans' ids derive from it).
    pub fingerprint: String,
    pub dry_run: bool,
    /// Versions looked at.
    pub versions: usize,
    /// Versions judged now.
    pub judged: usize,
    /// Versions whose judgment under this fingerprint an earlier run made.
    pub reused: usize,
    pub unchanged: usize,
    /// Every version whose verdict changed, with the findings that changed it.
    pub changes: Vec<VerdictChange>,
    pub skipped: Vec<SkippedVersion>,
    /// Versions whose rescan failed (run it again: it resumes).
    pub failed: Vec<SkippedVersion>,
    /// Whether the approvers' digest went out in this run.
    pub digest_sent: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SkippedVersion {
    pub scan_id: ScanId,
    pub reason: String,
}

/// Judges every version of `versions` again, one after the other, then sends the approvers'
/// digest (unless it is a dry run or a version failed: the run made again resumes and sends
/// it). `progress` hears about each version.
pub async fn rescan_all(
    pipeline: &Pipeline,
    versions: &[Scan],
    settings: &RescanSettings,
    mut progress: impl FnMut(usize, &Scan, &Result<RescanOutcome, StageError>),
) -> RescanSummary {
    let mut summary = RescanSummary {
        fingerprint: settings.judgment.fingerprint(),
        judgment: settings.judgment.clone(),
        dry_run: settings.dry_run,
        versions: versions.len(),
        judged: 0,
        reused: 0,
        unchanged: 0,
        changes: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        digest_sent: false,
    };
    for (n, version) in versions.iter().enumerate() {
        let outcome = rescan_version(pipeline, version, settings).await;
        progress(n + 1, version, &outcome);
        match outcome {
            Ok(RescanOutcome::Judged { change, reused }) => {
                if reused {
                    summary.reused += 1;
                } else {
                    summary.judged += 1;
                }
                if change.changed() {
                    summary.changes.push(change);
                } else {
                    summary.unchanged += 1;
                }
            }
            Ok(RescanOutcome::Skipped { scan_id, reason }) => {
                summary.skipped.push(SkippedVersion { scan_id, reason })
            }
            Err(error) => {
                tracing::error!(scan_id = version.id.as_str(), %error, "rescan failed");
                summary.failed.push(SkippedVersion {
                    scan_id: version.id.clone(),
                    reason: error.to_string(),
                });
            }
        }
    }
    if !settings.dry_run && summary.failed.is_empty() {
        match send_digest(pipeline, &summary.fingerprint, &summary.changes).await {
            Ok(sent) => summary.digest_sent = sent,
            Err(error) => summary.failed.push(SkippedVersion {
                scan_id: ScanId("digest".to_owned()),
                reason: format!("the approvers' digest was not sent: {error}"),
            }),
        }
    }
    summary
}

/// The current judgment of the version whose first scan is `origin`: the chain of rescans that
/// supersede it, followed through the plugin's history (each final rescan records itself there
/// with the judgment it replaces).
pub async fn current_judgment(pipeline: &Pipeline, origin: Scan) -> Result<Scan, StageError> {
    let Some(plugin) = validator_domain::plugin_key(&origin) else {
        return Ok(origin);
    };
    let history = pipeline
        .store
        .history(&plugin, pipeline.config.history_depth)
        .await?;
    let mut current = origin;
    // Bounded by the history's length: a chain cannot be longer than the entries it is made of.
    for _ in 0..history.len() {
        let Some(next) = history
            .iter()
            .find(|e| e.supersedes.as_ref() == Some(&current.id))
        else {
            break;
        };
        match pipeline.store.get_scan(&next.scan_id).await? {
            Some(scan) if scan.status.is_final() => current = scan,
            _ => break,
        }
    }
    Ok(current)
}

/// Judges one stored object version again (the AWS rescan's unit: an S3 listing or inventory
/// row names a key and maybe a version): finds the version's first scan by the same id its
/// upload got, follows it to the current judgment and rescans that. A version never scanned is
/// skipped (its upload event can be replayed).
pub async fn rescan_object(
    pipeline: &Pipeline,
    object_key: &str,
    version: Option<&str>,
    settings: &RescanSettings,
) -> Result<RescanOutcome, StageError> {
    let read = match version {
        Some(version) => pipeline.blobs.get_version(object_key, version).await,
        None => pipeline.blobs.get(object_key).await,
    };
    let blob = match read {
        Ok(blob) => blob,
        Err(PortError::NotFound(_)) => {
            return Ok(RescanOutcome::Skipped {
                scan_id: ScanId(String::new()),
                reason: format!("`{object_key}` (that version) no longer exists"),
            })
        }
        Err(e) => return Err(e.into()),
    };
    let version = blob.version.as_deref().or(version);
    let origin_id = ScanId::derive(object_key, version, &ContentDigest::of(&blob.bytes));
    let Some(origin) = pipeline.store.get_scan(&origin_id).await? else {
        return Ok(RescanOutcome::Skipped {
            scan_id: origin_id,
            reason: format!("`{object_key}` (that version) was never scanned"),
        });
    };
    let current = current_judgment(pipeline, origin).await?;
    let read = ReadUpload {
        key: object_key.to_owned(),
        version: version.map(str::to_owned),
        bytes: blob.bytes,
    };
    let span = tracing::info_span!(
        "rescan",
        scan_id = current.id.as_str(),
        dry_run = settings.dry_run
    );
    rescan_inner(pipeline, &current, settings, Some(read))
        .instrument(span)
        .await
}
