use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use validator_pipeline::{CheckQueue, CheckRequest, PortError};

/// A FIFO of check requests inside the process; the local driver pops and runs them.
#[derive(Debug, Default)]
pub struct InProcessQueue {
    items: Mutex<VecDeque<CheckRequest>>,
}

impl InProcessQueue {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn pop(&self) -> Option<CheckRequest> {
        self.items.lock().ok()?.pop_front()
    }

    pub fn len(&self) -> usize {
        self.items.lock().map(|q| q.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl CheckQueue for InProcessQueue {
    async fn send(&self, request: &CheckRequest) -> Result<(), PortError> {
        self.items
            .lock()
            .map_err(|_| PortError::Backend("the in-process queue is poisoned".to_owned()))?
            .push_back(request.clone());
        Ok(())
    }
}
