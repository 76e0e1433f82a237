use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use validator_notify::Email;
use validator_pipeline::{Mailer, PortError};

use crate::backend;

/// Writes every email as an RFC 5322 `.eml` file (multipart text + HTML) into a folder.
#[derive(Debug)]
pub struct OutboxMailer {
    dir: PathBuf,
    from: Mailbox,
    counter: AtomicU64,
    sent: Mutex<Vec<PathBuf>>,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, PortError> {
        let from = from
            .parse()
            .map_err(|e| PortError::Backend(format!("invalid sender address `{from}`: {e}")))?;
        Ok(Self {
            dir: dir.into(),
            from,
            counter: AtomicU64::new(0),
            sent: Mutex::new(Vec::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files written by this mailer, in order.
    pub fn sent(&self) -> Vec<PathBuf> {
        self.sent.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<String, PortError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(email.subject.clone());
        for to in &email.to {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|e| PortError::Backend(format!("invalid recipient `{to}`: {e}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(backend)?;
        std::fs::create_dir_all(&self.dir).map_err(backend)?;
        let stamp = time::OffsetDateTime::now_utc()
            .format(&time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]"
            ))
            .map_err(backend)?;
        let seq = self.counter.fetch_add(1, Ordering::SeqCst);
        let path = self.dir.join(format!(
            "{stamp}-{}-{seq:04}-{}.eml",
            std::process::id(),
            email.kind.as_str()
        ));
        std::fs::write(&path, message.formatted()).map_err(backend)?;
        if let Ok(mut sent) = self.sent.lock() {
            sent.push(path.clone());
        }
        Ok(path.display().to_string())
    }
}
