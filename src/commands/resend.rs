//! `plugin-validator resend`: the pipeline's resend of missing notifications on the local data
//! folder.

use anyhow::bail;
use validator_domain::{NotificationKind, ScanId};
use validator_pipeline::PipelineConfig;

use crate::cli::ResendArgs;

pub fn run(args: ResendArgs) -> anyhow::Result<u8> {
    let mut kinds = Vec::new();
    for name in &args.only {
        match NotificationKind::parse(name.trim()) {
            Some(kind) => kinds.push(kind),
            None => bail!("unknown notification `{name}`"),
        }
    }
    let config = PipelineConfig {
        policy: super::load_policy(args.policy.as_deref())?,
        email: args.email.settings(),
        ..PipelineConfig::default()
    };
    let (_backends, pipeline, runtime) =
        super::pipeline::open_local(&args.data.data_dir, &args.email.sender, config)?;
    let id = ScanId(args.scan_id.clone());
    if args.acknowledge {
        let Some(kinds) =
            runtime.block_on(validator_pipeline::acknowledge(&pipeline, &id, &kinds))?
        else {
            bail!("no scan {id}");
        };
        for kind in kinds {
            println!("acknowledged as sent: {kind}");
        }
        return Ok(super::EXIT_VALIDATED);
    }
    let Some(outcome) = runtime.block_on(validator_pipeline::resend(&pipeline, &id, &kinds))?
    else {
        bail!("no scan {id}");
    };
    for kind in &outcome.reset {
        println!("resent: {kind}");
    }
    if outcome.reset.is_empty() {
        println!("nothing was missing");
    }
    for kind in &outcome.superseded {
        println!("superseded by the review's email and event, not sent: {kind}");
    }
    for kind in &outcome.still_missing {
        println!("still missing: {kind} (sending failed again; see the log)");
    }
    Ok(if outcome.still_missing.is_empty() {
        super::EXIT_VALIDATED
    } else {
        super::EXIT_ERROR
    })
}
