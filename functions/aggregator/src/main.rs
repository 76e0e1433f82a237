//! Lambda: the aggregator. It turns DynamoDB stream records into calls of the stage function
//! `validator_pipeline::aggregate`, which is complete and tested with the embedded backends. The AWS
//! adapters and the Lambda runtime wiring arrive with the deployment issue; until then this
//! binary only builds, and says so if it is run.

fn main() -> anyhow::Result<()> {
    // Keeps the binary honest about which stage it will drive.
    let _stage = validator_pipeline::aggregate;
    anyhow::bail!(
        "the aggregator Lambda is not wired to AWS yet; run the same stages locally with `plugin-validator pipeline`"
    )
}
