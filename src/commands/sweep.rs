//! `plugin-validator sweep`: the pipeline's sweep stage on the local data folder.

use anyhow::Context;
use validator_checks::CheckRegistry;
use validator_embedded::LocalBackends;
use validator_pipeline::PipelineConfig;

use crate::cli::SweepArgs;

pub fn run(args: SweepArgs) -> anyhow::Result<u8> {
    let config = PipelineConfig {
        policy: super::load_policy(args.policy.as_deref())?,
        email: args.email.settings(),
        sweep: args.stuck.settings(),
        ..PipelineConfig::default()
    };
    let backends =
        LocalBackends::open(&args.data.data_dir, &args.email.sender).with_context(|| {
            format!(
                "cannot open the data folder {}",
                args.data.data_dir.display()
            )
        })?;
    let pipeline = backends.pipeline(config, CheckRegistry::builtin());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(validator_pipeline::sweep(&pipeline))?;
    println!(
        "stuck scans: {} (validating for over {} minutes)",
        report.stuck, args.stuck.stuck_after_minutes
    );
    for id in &report.ended {
        println!("ended in error: {id}");
    }
    Ok(super::EXIT_VALIDATED)
}
