use aws_config::SdkConfig;

/// One client per service, built once from one SDK configuration (a Lambda builds them at cold
/// start and reuses them for every invocation).
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub events: aws_sdk_eventbridge::Client,
}

impl AwsClients {
    /// Clients from the environment's configuration (credentials, region, and
    /// `AWS_ENDPOINT_URL` when set, e.g. for moto server).
    pub async fn from_env() -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(&config)
    }

    pub fn new(config: &SdkConfig) -> Self {
        // Path-style S3 addressing when the endpoint is overridden: local endpoints (moto) have
        // no per-bucket host names.
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            sqs: aws_sdk_sqs::Client::new(config),
            dynamodb: aws_sdk_dynamodb::Client::new(config),
            ses: aws_sdk_sesv2::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
        }
    }
}
