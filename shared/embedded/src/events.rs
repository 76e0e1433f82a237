use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use validator_pipeline::{EventPublisher, PortError, StatusEvent};

use crate::backend;

/// Appends each status event as one JSON line.
#[derive(Debug)]
pub struct JsonlEventPublisher {
    path: PathBuf,
    lock: Mutex<()>,
}

impl JsonlEventPublisher {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

#[async_trait]
impl EventPublisher for JsonlEventPublisher {
    async fn publish(&self, event: &StatusEvent) -> Result<(), PortError> {
        let mut line = serde_json::to_vec(event).map_err(backend)?;
        line.push(b'\n');
        let _guard = self.lock.lock().map_err(backend_poison)?;
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(backend)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(backend)?;
        file.write_all(&line).map_err(backend)
    }
}

fn backend_poison<T>(_: std::sync::PoisonError<T>) -> PortError {
    PortError::Backend("the event file lock is poisoned".to_owned())
}
