//! Lambda: the rescan state machine's Distributed Map item processor (a batch of listed object
//! versions judged again) and its digest step. Wiring only; the handlers are
//! `validator_lambda::rescan`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use validator_lambda::rescan::{handle_rescan_batch, handle_rescan_digest, RescanEvent};
use validator_lambda::ColdStart;

#[tokio::main]
async fn main() -> Result<(), Error> {
    validator_lambda::init_json_logs();
    let cold = ColdStart::from_env().await?;
    let cold = &cold;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<RescanEvent>| async move {
            let output = match &event.payload {
                RescanEvent::Batch(batch) => {
                    serde_json::to_value(handle_rescan_batch(&cold.pipeline, batch).await?)?
                }
                RescanEvent::Digest { digest } => serde_json::json!({
                    "digest_sent": handle_rescan_digest(&cold.pipeline, digest).await?
                }),
            };
            Ok::<_, Error>(output)
        },
    ))
    .await
}
