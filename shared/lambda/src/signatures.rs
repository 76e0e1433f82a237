//! The signatures check's operator packs in the deployment's bucket (`signatures/`): read at
//! every scan through the blob store port (S3 on AWS, the folder store locally), compiled again
//! only when their digest changed. Adding a rule or a hash list is one upload.

use std::sync::Arc;

use validator_pipeline::BlobStore;
use validator_signatures::{PackFile, PackFileKind, PackSource, SourceError, SourceLimits};

/// Where operators put packs, hash lists and `disabled.txt` in the bucket.
pub const SIGNATURES_PREFIX: &str = "signatures/";

/// The packs under `signatures/`. The check runs on a blocking thread of the runtime
/// (run_check's `spawn_blocking`), so it waits for the store on that thread.
pub struct BlobPackSource {
    blobs: Arc<dyn BlobStore>,
    runtime: tokio::runtime::Handle,
    limits: SourceLimits,
}

impl BlobPackSource {
    pub fn new(
        blobs: Arc<dyn BlobStore>,
        runtime: tokio::runtime::Handle,
        limits: SourceLimits,
    ) -> Self {
        Self {
            blobs,
            runtime,
            limits,
        }
    }
}

impl PackSource for BlobPackSource {
    fn origin(&self) -> String {
        self.blobs.location(SIGNATURES_PREFIX)
    }

    fn files(&self) -> Result<Vec<PackFile>, SourceError> {
        let fail = |reason: String| SourceError {
            origin: self.origin(),
            reason,
        };
        let keys = self
            .runtime
            .block_on(self.blobs.list(SIGNATURES_PREFIX, self.limits.max_files))
            .map_err(|e| fail(e.to_string()))?;
        let mut files = Vec::new();
        for key in keys {
            let name = key.trim_start_matches(SIGNATURES_PREFIX).to_owned();
            let Some(kind) = PackFileKind::of(&name) else {
                continue;
            };
            // A listed pack that cannot be read fails the check: never scanned without it.
            let blob = self
                .runtime
                .block_on(self.blobs.get(&key))
                .map_err(|e| fail(format!("{key}: {e}")))?;
            files.push(PackFile {
                name,
                kind,
                bytes: blob.bytes,
            });
        }
        let bytes: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        if bytes > self.limits.max_bytes {
            return Err(fail(format!(
                "{bytes} bytes of packs: more than max_signature_bytes ({})",
                self.limits.max_bytes
            )));
        }
        Ok(files)
    }
}
