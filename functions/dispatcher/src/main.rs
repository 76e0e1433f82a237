//! Lambda: the dispatcher. It turns S3 upload events into calls of the stage function
//! `validator_pipeline::dispatch`, which is complete and tested with the embedded backends. The AWS
//! adapters and the Lambda runtime wiring arrive with the deployment issue; until then this
//! binary only builds, and says so if it is run.

fn main() -> anyhow::Result<()> {
    // Keeps the binary honest about which stage it will drive.
    let _stage = validator_pipeline::dispatch;
    anyhow::bail!(
        "the dispatcher Lambda is not wired to AWS yet; run the same stages locally with `plugin-validator pipeline`"
    )
}
