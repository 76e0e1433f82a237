use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use validator_pipeline::{Blob, BlobStore, PortError};

use crate::backend;

/// Objects as files under a folder; an object's metadata sits beside it in `KEY.meta.json`.
#[derive(Debug, Clone)]
pub struct FolderBlobStore {
    root: PathBuf,
}

impl FolderBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file of a key. Keys are relative paths; anything that could escape the folder is
    /// refused.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, PortError> {
        let relative = Path::new(key);
        if key.is_empty()
            || relative
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(PortError::Backend(format!("invalid object key `{key}`")));
        }
        Ok(self.root.join(relative))
    }

    fn meta_path(&self, key: &str) -> Result<PathBuf, PortError> {
        self.path_of(&format!("{key}.meta.json"))
    }

    /// Stores an upload with its object metadata, as the website does.
    pub fn put_with_metadata(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &BTreeMap<String, String>,
    ) -> Result<(), PortError> {
        write_atomically(&self.path_of(key)?, bytes)?;
        let meta = serde_json::to_vec_pretty(metadata).map_err(backend)?;
        write_atomically(&self.meta_path(key)?, &meta)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), PortError> {
    let parent = path
        .parent()
        .ok_or_else(|| PortError::Backend(format!("no folder for {}", path.display())))?;
    std::fs::create_dir_all(parent).map_err(backend)?;
    // A temporary name unique to this write: concurrent writers of one key (duplicate
    // deliveries) must not rename each other's file away. The last rename wins, as on S3.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let unique = WRITES.fetch_add(1, Ordering::Relaxed);
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".{}-{unique}.partial", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, bytes).map_err(backend)?;
    std::fs::rename(&tmp, path).map_err(backend)
}

#[async_trait]
impl BlobStore for FolderBlobStore {
    async fn get(&self, key: &str) -> Result<Blob, PortError> {
        let path = self.path_of(key)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PortError::NotFound(key.to_owned()))
            }
            Err(e) => return Err(backend(format!("{}: {e}", path.display()))),
        };
        let metadata = match std::fs::read(self.meta_path(key)?) {
            Ok(raw) => serde_json::from_slice(&raw).map_err(backend)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(backend(e)),
        };
        let last_modified = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .map(time::OffsetDateTime::from);
        Ok(Blob {
            bytes,
            metadata,
            version: None,
            last_modified,
        })
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), PortError> {
        write_atomically(&self.path_of(key)?, &bytes)
    }

    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }
}
