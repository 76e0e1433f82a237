use anyhow::Context;
use validator_checks::CheckRegistry;
use validator_domain::{DeciderRole, DecisionKind, ScanId};
use validator_embedded::LocalBackends;
use validator_pipeline::{review, PipelineConfig, ReconsiderOutcome, ReviewRequest};

use crate::cli::ReviewArgs;

/// `review SCAN --finding PATH#FINGERPRINT ...`: records a decision on a finding of a scan
/// recorded by `pipeline`, for the plugin's later versions (the same path and fingerprint), and
/// validates the scan when every finding that blocked it is decided.
pub fn run(args: ReviewArgs) -> anyhow::Result<u8> {
    let Some((path, fingerprint)) = args.finding.rsplit_once('#') else {
        anyhow::bail!("--finding is PATH#FINGERPRINT (the report's `path` and `fingerprint`)");
    };
    if !args.data.data_dir.join("scans.sqlite3").exists() {
        anyhow::bail!("no scans recorded in {}", args.data.data_dir.display());
    }
    let backends = LocalBackends::open(&args.data.data_dir, &args.sender)
        .context("cannot open the data folder")?;
    let pipeline = backends.pipeline(PipelineConfig::default(), CheckRegistry::builtin());
    let request = ReviewRequest {
        scan_id: ScanId(args.scan_id.clone()),
        path: path.to_owned(),
        fingerprint: fingerprint.to_owned(),
        kind: if args.accepted_risk {
            DecisionKind::AcceptedRisk
        } else {
            DecisionKind::FalsePositive
        },
        reason: args.reason.clone(),
        by: args.by.clone(),
        role: if args.uploader {
            DeciderRole::Uploader
        } else {
            DeciderRole::Approver
        },
        withdraw: args.withdraw,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(review(&pipeline, &request))??;
    println!(
        "{} {} {} on {} ({}): applies to later versions of this plugin",
        if args.withdraw {
            "withdrew"
        } else {
            "recorded"
        },
        match outcome.decision.kind {
            DecisionKind::FalsePositive => "false positive",
            DecisionKind::AcceptedRisk => "accepted risk",
        },
        outcome.decision.rule,
        args.finding,
        outcome.decision.by
    );
    match outcome.scan {
        ReconsiderOutcome::Revalidated { emails, missing } => {
            println!("scan {}: validated after review", args.scan_id);
            for email in emails {
                println!("email: {email}");
            }
            for kind in missing {
                println!("missing (see `resend`): {kind}");
            }
        }
        ReconsiderOutcome::StillBlocked { blocking } => println!(
            "scan {}: still blocked ({blocking} blocking findings without a decision)",
            args.scan_id
        ),
        ReconsiderOutcome::NotBlocked { .. } | ReconsiderOutcome::NotFound => {}
    }
    Ok(super::EXIT_VALIDATED)
}
