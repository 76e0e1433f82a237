//! Lambda: one check (which one: `CHECK_ID`). Wiring only; the handler is
//! `validator_lambda::check`.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use validator_lambda::{check::handle_sqs_batch, ColdStart};

#[tokio::main]
async fn main() -> Result<(), Error> {
    validator_lambda::init_json_logs();
    let cold = ColdStart::from_env().await?;
    let check = cold
        .environment
        .check
        .clone()
        .ok_or("the environment variable CHECK_ID is required")?;
    let (cold, check) = (&cold, &check);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let max = cold.environment.max_receive_count;
        Ok::<SqsBatchResponse, Error>(
            handle_sqs_batch(&cold.pipeline, check, max, &event.payload).await,
        )
    }))
    .await
}
