//! AWS adapters for the pipeline's five ports: S3 (uploads, findings, reports), SQS (one queue
//! per check), DynamoDB (scans and results, conditional writes), SESv2 (emails) and EventBridge
//! (status events). Clients are built once (per Lambda cold start) and shared.

mod clients;
mod dynamodb;
mod eventbridge;
mod s3;
mod ses;
mod settings;
mod sqs;

pub use clients::AwsClients;
pub use dynamodb::{item_keys, DynamoScanStore};
pub use eventbridge::EventBridgePublisher;
pub use s3::{LookupFailure, S3BlobStore, MAX_LISTED_VERSIONS};
pub use ses::SesMailer;
pub use settings::{AwsSettings, SettingsError};
pub use sqs::SqsCheckQueue;

use std::sync::Arc;

use validator_pipeline::{Pipeline, PipelineConfig, PortError, Ports};

/// An SDK error as a port error, with the whole chain of causes (the SDK's top-level message
/// alone is often just "service error").
fn backend<E>(operation: &str, error: E) -> PortError
where
    E: std::error::Error,
{
    PortError::Backend(format!(
        "{operation}: {}",
        aws_sdk_s3::error::DisplayErrorContext(&error)
    ))
}

/// The five adapters over one set of clients.
#[derive(Clone)]
pub struct AwsBackends {
    pub blobs: Arc<S3BlobStore>,
    pub queue: Arc<SqsCheckQueue>,
    pub store: Arc<DynamoScanStore>,
    pub mailer: Arc<SesMailer>,
    pub events: Arc<EventBridgePublisher>,
}

impl AwsBackends {
    pub fn new(clients: &AwsClients, settings: &AwsSettings, config: &PipelineConfig) -> Self {
        Self {
            blobs: Arc::new(S3BlobStore::new(
                clients.s3.clone(),
                &settings.bucket,
                S3BlobStore::read_cap(&config.limits),
            )),
            queue: Arc::new(SqsCheckQueue::new(
                clients.sqs.clone(),
                &settings.check_queue_url_prefix,
            )),
            store: Arc::new(DynamoScanStore::new(
                clients.dynamodb.clone(),
                &settings.table,
                settings.retention,
            )),
            mailer: Arc::new(
                SesMailer::new(
                    clients.ses.clone(),
                    &settings.sender,
                    settings.configuration_set.clone(),
                )
                .with_min_interval(settings.email_interval),
            ),
            events: Arc::new(EventBridgePublisher::new(
                clients.events.clone(),
                &settings.event_bus,
                &settings.event_source,
            )),
        }
    }

    /// The AWS adapters as the pipeline's five ports.
    pub fn ports(&self) -> Ports {
        Ports {
            blobs: self.blobs.clone(),
            queue: self.queue.clone(),
            store: self.store.clone(),
            mailer: self.mailer.clone(),
            events: self.events.clone(),
        }
    }

    pub fn pipeline(
        &self,
        config: PipelineConfig,
        registry: validator_checks::CheckRegistry,
    ) -> Pipeline {
        Pipeline::new(config, registry, self.ports())
    }
}
