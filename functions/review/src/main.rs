//! Lambda: the website records review decisions through this function's IAM-authorised URL.
//! Wiring only; the handler is `validator_lambda::review::handle_function_url`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use validator_lambda::ColdStart;

#[tokio::main]
async fn main() -> Result<(), Error> {
    validator_lambda::init_json_logs();
    let cold = ColdStart::from_env().await?;
    let cold = &cold;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let response =
                validator_lambda::review::handle_function_url(&cold.pipeline, &event.payload)
                    .await?;
            Ok::<_, Error>(response)
        },
    ))
    .await
}
