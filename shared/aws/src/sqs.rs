use async_trait::async_trait;
use validator_pipeline::{CheckQueue, CheckRequest, PortError};

use crate::backend;

/// One SQS queue per check: the queue URL is a prefix followed by the check id
/// (`.../123456789012/STACK-check-package_structure`).
#[derive(Debug, Clone)]
pub struct SqsCheckQueue {
    client: aws_sdk_sqs::Client,
    url_prefix: String,
}

impl SqsCheckQueue {
    pub fn new(client: aws_sdk_sqs::Client, url_prefix: &str) -> Self {
        Self {
            client,
            url_prefix: url_prefix.to_owned(),
        }
    }

    pub fn queue_url(&self, check: &str) -> String {
        format!("{}{check}", self.url_prefix)
    }
}

#[async_trait]
impl CheckQueue for SqsCheckQueue {
    async fn send(&self, request: &CheckRequest) -> Result<(), PortError> {
        let body = serde_json::to_string(request)
            .map_err(|e| PortError::Backend(format!("encoding a check request: {e}")))?;
        self.client
            .send_message()
            .queue_url(self.queue_url(request.check.as_str()))
            .message_body(body)
            .send()
            .await
            .map_err(|e| backend(&format!("SQS SendMessage ({})", request.check), e))?;
        Ok(())
    }
}
