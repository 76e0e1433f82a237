//! The caches of the checks that download, in the deployment's bucket: the bundled libraries
//! check's releases (`releases/...`) and the dependencies check's OSV answers
//! (`advisories/...`). Every check function instance shares what one of them downloaded.

use std::sync::Arc;

use validator_bundled::ReleaseCache;
use validator_pipeline::{BlobStore, PortError};

/// Where the cache lives in the bucket.
pub const RELEASES_PREFIX: &str = "releases/";

/// Where the dependencies check's OSV answers live in the bucket (each with the time it was
/// fetched: the check asks again after `PLUGIN_VALIDATOR_ADVISORY_CACHE_HOURS`).
pub const ADVISORIES_PREFIX: &str = "advisories/";

/// The release cache over the pipeline's blob store. The check runs on a blocking thread of
/// the runtime (run_check's `spawn_blocking`), so it waits for the store on that thread.
pub struct BlobReleaseCache {
    blobs: Arc<dyn BlobStore>,
    runtime: tokio::runtime::Handle,
    prefix: &'static str,
}

impl BlobReleaseCache {
    /// The bundled libraries check's cache (`releases/`).
    pub fn new(blobs: Arc<dyn BlobStore>, runtime: tokio::runtime::Handle) -> Self {
        Self::under(blobs, runtime, RELEASES_PREFIX)
    }

    /// A cache under `prefix` of the bucket (`advisories/`).
    pub fn under(
        blobs: Arc<dyn BlobStore>,
        runtime: tokio::runtime::Handle,
        prefix: &'static str,
    ) -> Self {
        Self {
            blobs,
            runtime,
            prefix,
        }
    }
}

impl ReleaseCache for BlobReleaseCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let key = format!("{}{key}", self.prefix);
        match self.runtime.block_on(self.blobs.get(&key)) {
            Ok(blob) => Some(blob.bytes),
            Err(PortError::NotFound(_)) => None,
            Err(e) => {
                tracing::warn!(key, error = %e, "cache not read");
                None
            }
        }
    }

    fn put(&self, key: &str, bytes: Vec<u8>) {
        let key = format!("{}{key}", self.prefix);
        if let Err(e) = self
            .runtime
            .block_on(self.blobs.put(&key, bytes, "application/json"))
        {
            tracing::warn!(key, error = %e, "cache not written");
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
