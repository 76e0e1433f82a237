use anyhow::{bail, Context};
use validator_checks::CheckRegistry;
use validator_domain::{plugin_key, DeciderRole, DecisionKind, Report, ReviewDecision, ScanId};
use validator_embedded::{FolderBlobStore, LocalBackends, SqliteScanStore};
use validator_pipeline::{reconsider, PipelineConfig, ReconsiderOutcome, ScanStore};

use crate::cli::ReviewArgs;

/// `review SCAN --finding PATH#FINGERPRINT ...`: records a decision on a finding of a scan
/// recorded by `pipeline`, for the plugin's later versions (the same path and fingerprint).
pub fn run(args: ReviewArgs) -> anyhow::Result<u8> {
    let db = args.data.data_dir.join("scans.sqlite3");
    if !db.exists() {
        bail!("no scans recorded in {}", args.data.data_dir.display());
    }
    let store = SqliteScanStore::open(&db).context("cannot open the scan store")?;
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let Some(scan) = runtime.block_on(store.get_scan(&ScanId(args.scan_id.clone())))? else {
        bail!(
            "no scan {} in {}",
            args.scan_id,
            args.data.data_dir.display()
        );
    };
    let Some(plugin) = plugin_key(&scan) else {
        bail!("scan {} has no plugin name or package folder", scan.id);
    };
    let Some(report_key) = &scan.report_key else {
        bail!("scan {} is not finished", scan.id);
    };
    let blobs = FolderBlobStore::new(args.data.data_dir.join("blobs"));
    let report: Report = serde_json::from_slice(&std::fs::read(blobs.path_of(report_key)?)?)
        .context("unreadable report")?;
    let Some((path, fingerprint)) = args.finding.rsplit_once('#') else {
        bail!("--finding is PATH#FINGERPRINT (the report's `path` and `fingerprint`)");
    };
    let Some(finding) = report
        .findings
        .iter()
        .find(|f| f.path == path && f.fingerprint.as_deref() == Some(fingerprint))
    else {
        bail!("scan {} has no finding {}", scan.id, args.finding);
    };
    let role = if args.uploader {
        DeciderRole::Uploader
    } else {
        DeciderRole::Approver
    };
    if finding.mandatory && role != DeciderRole::Approver {
        bail!(
            "{} is a mandatory rule: only an approver can decide on its findings",
            finding.rule
        );
    }
    let decision = ReviewDecision {
        plugin,
        path: path.to_owned(),
        fingerprint: fingerprint.to_owned(),
        rule: finding.rule.clone(),
        kind: if args.accepted_risk {
            DecisionKind::AcceptedRisk
        } else {
            DecisionKind::FalsePositive
        },
        reason: args.reason.clone(),
        by: args.by.clone(),
        role,
        at: validator_domain::now(),
        withdrawn: args.withdraw,
    };
    runtime.block_on(store.record_decision(&decision))?;
    drop(store);
    println!(
        "{} {} {} on {} ({}): applies to later versions of this plugin",
        if args.withdraw {
            "withdrew"
        } else {
            "recorded"
        },
        match decision.kind {
            DecisionKind::FalsePositive => "false positive",
            DecisionKind::AcceptedRisk => "accepted risk",
        },
        decision.rule,
        args.finding,
        decision.by
    );
    // The scan itself: validated once reviewers decided every finding that blocked it.
    let backends = LocalBackends::open(&args.data.data_dir, &args.sender)
        .context("cannot open the data folder")?;
    let pipeline = backends.pipeline(PipelineConfig::default(), CheckRegistry::builtin());
    match runtime.block_on(reconsider(&pipeline, &scan.id))? {
        ReconsiderOutcome::Revalidated { emails } => {
            println!("scan {}: validated after review", scan.id);
            for email in emails {
                println!("email: {email}");
            }
        }
        ReconsiderOutcome::StillBlocked { blocking } => {
            println!(
                "scan {}: still blocked ({blocking} blocking findings without a decision)",
                scan.id
            );
        }
        ReconsiderOutcome::NotBlocked { .. } | ReconsiderOutcome::NotFound => {}
    }
    Ok(super::EXIT_VALIDATED)
}
