//! `plugin-validator rescan`: every version in the data folder judged again
//! ([`validator_pipeline::rescan_all`]).

use std::time::Duration;

use anyhow::Context;
use validator_checks::CheckRegistry;
use validator_domain::CheckId;
use validator_pipeline::{
    current_judgments, rescan_all, Judgment, PipelineConfig, RescanOutcome, RescanSelection,
    RescanSettings, RescanSummary,
};

use crate::cli::{RescanArgs, RescanFormat};

pub fn run(args: RescanArgs) -> anyhow::Result<u8> {
    let (policy, limits) = super::engine(&args.engine)?;
    let config = PipelineConfig {
        limits: limits.archive,
        python_limits: limits.python,
        policy,
        email: args.email.settings(),
        check_timeout: Duration::from_secs(args.check_timeout),
        ..PipelineConfig::default()
    };
    let registry = super::with_advisories(CheckRegistry::builtin(), &args.engine)?;
    let known = registry.ids();
    let checks: Vec<CheckId> = args.checks.iter().map(|c| CheckId::new(c.trim())).collect();
    if let Some(unknown) = checks.iter().find(|c| !known.contains(c)) {
        anyhow::bail!(
            "no check named `{unknown}` (known: {})",
            known
                .iter()
                .map(CheckId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let selection = RescanSelection {
        since: args.since.as_deref().map(parse_since).transpose()?,
        plugins: args.plugins.clone(),
    };
    let (backends, pipeline, runtime) =
        super::pipeline::open_local(&args.data.data_dir, &args.email.sender, config, registry)?;
    let versions: Vec<_> = current_judgments(backends.store.list()?)
        .into_iter()
        .filter(|scan| selection.selects(scan))
        .collect();
    let settings = RescanSettings {
        dry_run: args.dry_run,
        judgment: Judgment::current(&pipeline, (!checks.is_empty()).then_some(&checks[..])),
    };
    eprintln!(
        "rescan{}: {} version(s), judgment {}",
        if args.dry_run { " (dry run)" } else { "" },
        versions.len(),
        settings.judgment.fingerprint()
    );
    let total = versions.len();
    let summary = runtime.block_on(rescan_all(
        &pipeline,
        &versions,
        &settings,
        |n, scan, outcome| {
            let what = match outcome {
                Ok(RescanOutcome::Judged { change, reused }) if change.changed() => format!(
                    "{}{}",
                    change.label(),
                    if *reused { " (judged before)" } else { "" }
                ),
                Ok(RescanOutcome::Judged { change, reused }) => format!(
                    "unchanged, {}{}",
                    change.to,
                    if *reused { " (judged before)" } else { "" }
                ),
                Ok(RescanOutcome::Skipped { reason, .. }) => format!("skipped: {reason}"),
                Err(error) => format!("FAILED: {error}"),
            };
            eprintln!(
                "[{n}/{total}] {} {} ({}): {what}",
                scan.display_name(),
                scan.display_version(),
                scan.id
            );
        },
    ));
    match args.format {
        RescanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&summary).context("the summary as JSON")?
        ),
        RescanFormat::Text => print!("{}", text(&summary)),
    }
    Ok(if summary.failed.is_empty() {
        super::EXIT_VALIDATED
    } else {
        super::EXIT_ERROR
    })
}

/// RFC 3339, or a date (midnight UTC).
fn parse_since(text: &str) -> anyhow::Result<validator_domain::Timestamp> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .with_context(|| format!("--since `{text}`: not an RFC 3339 time nor a YYYY-MM-DD date"))?;
    Ok(date.midnight().assume_utc())
}

fn text(summary: &RescanSummary) -> String {
    let mut out = String::new();
    let mode = if summary.dry_run {
        " (dry run: no status changed, nothing sent)"
    } else {
        ""
    };
    out.push_str(&format!(
        "rescan{mode}: judgment {} (validator {}, rules {}, policy {})\n",
        summary.fingerprint,
        summary.judgment.validator_version,
        summary.judgment.rules_version,
        summary.judgment.policy_digest
    ));
    out.push_str(&format!(
        "versions: {}, judged now: {}, judged before: {}, unchanged: {}, changed: {}, skipped: {}, failed: {}\n",
        summary.versions,
        summary.judged,
        summary.reused,
        summary.unchanged,
        summary.changes.len(),
        summary.skipped.len(),
        summary.failed.len()
    ));
    for change in &summary.changes {
        out.push_str(&format!(
            "\n{} {} ({}): {}\n  scan {} replaces {}\n",
            change.plugin.as_deref().unwrap_or(&change.object_key),
            change.version.as_deref().unwrap_or("(unknown version)"),
            change.object_key,
            change.label(),
            change.scan_id,
            change.previous_scan_id
        ));
        for finding in &change.new_findings {
            out.push_str(&format!("  + {}\n", finding.headline()));
        }
        for finding in &change.gone_findings {
            out.push_str(&format!("  - {}\n", finding.headline()));
        }
        for reason in &change.reasons {
            out.push_str(&format!("  why: {reason}\n"));
        }
    }
    for skipped in &summary.skipped {
        out.push_str(&format!(
            "skipped {}: {}\n",
            skipped.scan_id, skipped.reason
        ));
    }
    for failed in &summary.failed {
        out.push_str(&format!(
            "FAILED {}: {} (run the rescan again: it resumes)\n",
            failed.scan_id, failed.reason
        ));
    }
    if !summary.dry_run {
        out.push_str(if summary.digest_sent {
            "approvers' digest: sent\n"
        } else {
            "approvers' digest: not sent now (no change, no approver, or sent before)\n"
        });
    }
    out
}
