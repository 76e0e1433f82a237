//! The bundled libraries check's release cache in the deployment's bucket (`releases/...`):
//! every check function instance shares what one of them downloaded.

use std::sync::Arc;

use validator_bundled::ReleaseCache;
use validator_pipeline::{BlobStore, PortError};

/// Where the cache lives in the bucket.
pub const RELEASES_PREFIX: &str = "releases/";

/// The release cache over the pipeline's blob store. The check runs on a blocking thread of
/// the runtime (run_check's `spawn_blocking`), so it waits for the store on that thread.
pub struct BlobReleaseCache {
    blobs: Arc<dyn BlobStore>,
    runtime: tokio::runtime::Handle,
}

impl BlobReleaseCache {
    pub fn new(blobs: Arc<dyn BlobStore>, runtime: tokio::runtime::Handle) -> Self {
        Self { blobs, runtime }
    }
}

impl ReleaseCache for BlobReleaseCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let key = format!("{RELEASES_PREFIX}{key}");
        match self.runtime.block_on(self.blobs.get(&key)) {
            Ok(blob) => Some(blob.bytes),
            Err(PortError::NotFound(_)) => None,
            Err(e) => {
                tracing::warn!(key, error = %e, "release cache not read");
                None
            }
        }
    }

    fn put(&self, key: &str, bytes: Vec<u8>) {
        let key = format!("{RELEASES_PREFIX}{key}");
        if let Err(e) = self
            .runtime
            .block_on(self.blobs.put(&key, bytes, "application/json"))
        {
            tracing::warn!(key, error = %e, "release cache not written");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_are_kept_in_the_blob_store_under_their_prefix() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs: Arc<dyn BlobStore> =
            Arc::new(validator_embedded::FolderBlobStore::new(dir.path()));
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let cache = BlobReleaseCache::new(blobs, runtime.handle().clone());
        // From a blocking thread, as a check runs.
        let got = std::thread::spawn(move || {
            assert!(cache.get("six/1.16.0.wheel.json").is_none());
            cache.put("six/1.16.0.wheel.json", b"{}".to_vec());
            cache.get("six/1.16.0.wheel.json")
        })
        .join()
        .expect("thread");
        assert_eq!(got.as_deref(), Some(&b"{}"[..]));
        assert!(dir.path().join("releases/six/1.16.0.wheel.json").exists());
    }
}
