//! Lambda: the aggregator (DynamoDB stream batches), the scheduled stuck-scan sweep and the
//! operator's resend of missing notifications.
//! Wiring only; the handlers are in `validator_lambda::aggregator`.

use aws_lambda_events::streams::DynamoDbEventResponse;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use validator_lambda::aggregator::{
    handle_resend, handle_stream_batch, handle_sweep, AggregatorEvent,
};
use validator_lambda::ColdStart;

#[tokio::main]
async fn main() -> Result<(), Error> {
    validator_lambda::init_json_logs();
    let cold = ColdStart::from_env().await?;
    let cold = &cold;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let response = match AggregatorEvent::parse(event.payload)? {
                AggregatorEvent::Stream(batch) => {
                    serde_json::to_value(handle_stream_batch(&cold.pipeline, &batch).await)?
                }
                AggregatorEvent::Sweep => {
                    let report = handle_sweep(&cold.pipeline).await?;
                    tracing::info!(
                        stuck = report.stuck,
                        ended = report.ended.len(),
                        resumed = report.resumed.len(),
                        missing = report.missing.len(),
                        "sweep done"
                    );
                    serde_json::to_value(DynamoDbEventResponse::default())?
                }
                AggregatorEvent::Resend(request) => handle_resend(&cold.pipeline, &request).await?,
            };
            Ok::<_, Error>(response)
        },
    ))
    .await
}
