//! Lambda: the dispatcher. Wiring only; the handler is `validator_lambda::dispatcher`.

use aws_lambda_events::s3::S3Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use validator_lambda::{dispatcher::handle_s3_event, ColdStart};

#[tokio::main]
async fn main() -> Result<(), Error> {
    validator_lambda::init_json_logs();
    let cold = ColdStart::from_env().await?;
    let cold = &cold;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        let outcomes =
            handle_s3_event(&cold.pipeline, &cold.environment.aws.bucket, &event.payload).await?;
        Ok::<_, Error>(format!("{} record(s) handled", outcomes.len()))
    }))
    .await
}
