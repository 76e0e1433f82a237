//! Embedded backends for the pipeline's ports, so that the whole product runs on one machine
//! without AWS: a folder as blob store, an in-process queue, SQLite as scan store, an outbox of
//! `.eml` files as mailer and a JSON-lines file as event publisher.

mod blobs;
mod events;
mod local;
mod mailer;
mod queue;
mod store;

pub use blobs::FolderBlobStore;
pub use events::JsonlEventPublisher;
pub use local::{LocalBackends, LocalRun};
pub use mailer::OutboxMailer;
pub use queue::InProcessQueue;
pub use store::SqliteScanStore;

fn backend(e: impl std::fmt::Display) -> validator_pipeline::PortError {
    validator_pipeline::PortError::Backend(e.to_string())
}
