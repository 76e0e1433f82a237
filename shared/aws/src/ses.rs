use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use validator_notify::Email;
use validator_pipeline::{Mailer, PortError};

use crate::backend;

/// Sends emails with SESv2 (`SendEmail`, simple content: text and HTML parts), at most one
/// per `min_interval` from this instance (SES refuses sends over the account's rate).
#[derive(Debug, Clone)]
pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
    configuration_set: Option<String>,
    min_interval: Duration,
    last_send: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

impl SesMailer {
    pub fn new(
        client: aws_sdk_sesv2::Client,
        from: &str,
        configuration_set: Option<String>,
    ) -> Self {
        Self {
            client,
            from: from.to_owned(),
            configuration_set,
            min_interval: Duration::ZERO,
            last_send: Arc::default(),
        }
    }

    /// Paces this instance's sends: at most one per `interval`.
    pub fn with_min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Waits until `min_interval` has passed since the previous send, and takes the slot.
    async fn pace(&self) {
        if self.min_interval.is_zero() {
            return;
        }
        let mut last = self.last_send.lock().await;
        if let Some(previous) = *last {
            let ready = previous + self.min_interval;
            let now = Instant::now();
            if ready > now {
                tokio::time::sleep(ready - now).await;
            }
        }
        *last = Some(Instant::now());
    }
}

fn content(text: &str) -> Result<Content, PortError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| PortError::Backend(format!("building an SES message: {e}")))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, PortError> {
        self.pace().await;
        let message = Message::builder()
            .subject(content(&email.subject)?)
            .body(
                Body::builder()
                    .text(content(&email.text)?)
                    .html(content(&email.html)?)
                    .build(),
            )
            .build();
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| backend(&format!("SES SendEmail ({})", email.kind.as_str()), e))?;
        Ok(output.message_id().unwrap_or("(no message id)").to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer(interval: Duration) -> SesMailer {
        let config = aws_sdk_sesv2::Config::builder()
            .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
            .build();
        SesMailer::new(
            aws_sdk_sesv2::Client::from_conf(config),
            "a@example.org",
            None,
        )
        .with_min_interval(interval)
    }

    #[tokio::test(start_paused = true)]
    async fn sends_from_one_instance_are_paced() {
        let mailer = mailer(Duration::from_millis(600));
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            mailer.pace().await;
        }
        // Three sends: two full intervals between them (paused time advances exactly).
        assert_eq!(start.elapsed(), Duration::from_millis(1200));
    }

    #[tokio::test(start_paused = true)]
    async fn no_interval_means_no_wait() {
        let mailer = mailer(Duration::ZERO);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            mailer.pace().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
