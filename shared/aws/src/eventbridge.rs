use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use validator_pipeline::{EventPublisher, PortError, StatusEvent};

use crate::backend;

/// Publishes status events on an EventBridge bus; the detail is the [`StatusEvent`] JSON.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    source: String,
}

impl EventBridgePublisher {
    /// The `detail-type` of every status event.
    pub const DETAIL_TYPE: &'static str = "Plugin scan finished";

    pub fn new(client: aws_sdk_eventbridge::Client, bus: &str, source: &str) -> Self {
        Self {
            client,
            bus: bus.to_owned(),
            source: source.to_owned(),
        }
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, event: &StatusEvent) -> Result<(), PortError> {
        let detail = serde_json::to_string(event)
            .map_err(|e| PortError::Backend(format!("encoding a status event: {e}")))?;
        let output = self
            .client
            .put_events()
            .entries(
                PutEventsRequestEntry::builder()
                    .event_bus_name(&self.bus)
                    .source(&self.source)
                    .detail_type(Self::DETAIL_TYPE)
                    .detail(detail)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| backend("EventBridge PutEvents", e))?;
        // PutEvents reports per-entry failures in a successful response.
        if output.failed_entry_count() > 0 {
            let reason = output
                .entries()
                .iter()
                .filter_map(|e| e.error_message())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(PortError::Backend(format!(
                "EventBridge PutEvents rejected the status event: {reason}"
            )));
        }
        Ok(())
    }
}
