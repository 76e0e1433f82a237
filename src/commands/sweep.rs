//! `plugin-validator sweep`: the pipeline's sweep stage on the local data folder.

use validator_pipeline::PipelineConfig;

use crate::cli::SweepArgs;

pub fn run(args: SweepArgs) -> anyhow::Result<u8> {
    let config = PipelineConfig {
        policy: super::load_policy(args.policy.as_deref())?,
        email: args.email.settings(),
        sweep: args.stuck.settings(),
        ..PipelineConfig::default()
    };
    let (_backends, pipeline, runtime) =
        super::pipeline::open_local(&args.data.data_dir, &args.email.sender, config)?;
    let report = runtime.block_on(validator_pipeline::sweep(&pipeline))?;
    println!(
        "stuck scans: {} (validating for over {} minutes)",
        report.stuck, args.stuck.stuck_after_minutes
    );
    for id in &report.ended {
        println!("ended in error: {id}");
    }
    for (id, kind) in &report.resumed {
        println!("notification taken up again: {id} {kind}");
    }
    for (id, kind) in &report.missing {
        println!("notification missing: {id} {kind} (check, then `plugin-validator resend {id}`)");
    }
    Ok(super::EXIT_VALIDATED)
}
