use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use validator_pipeline::{Blob, BlobStore, PortError};

use crate::backend;

/// Objects as files under a folder; an object's metadata sits beside it in `KEY.meta.json`.
///
/// Uploads (written with [`FolderBlobStore::put_with_metadata`]) keep their versions, as the
/// versioned S3 bucket does: each write is also kept under `KEY.versions/VERSION` (with
/// `VERSION.meta.json`), and `KEY.versions/latest` names the newest. A scan reads the version it
/// was created for even after the key was written again.
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

    /// Stores an upload with its object metadata, as the website does, as a new version of the
    /// key. Returns the version id (ordered by time, unique in this process).
    pub fn put_with_metadata(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &BTreeMap<String, String>,
    ) -> Result<String, PortError> {
        let version = new_version_id();
        let meta = serde_json::to_vec_pretty(metadata).map_err(backend)?;
        write_atomically(&self.version_path(key, &version)?, bytes)?;
        write_atomically(&self.version_meta_path(key, &version)?, &meta)?;
        // The plain copy, for people and tools that look at the folder.
        write_atomically(&self.path_of(key)?, bytes)?;
        write_atomically(&self.meta_path(key)?, &meta)?;
        // Last: readers of the latest version see it only once it is complete.
        write_atomically(&self.latest_pointer(key)?, version.as_bytes())?;
        Ok(version)
    }

    fn versions_dir(&self, key: &str) -> Result<PathBuf, PortError> {
        self.path_of(&format!("{key}.versions"))
    }

    fn version_path(&self, key: &str, version: &str) -> Result<PathBuf, PortError> {
        if !is_version_id(version) {
            return Err(PortError::NotFound(format!("{key} version {version}")));
        }
        Ok(self.versions_dir(key)?.join(version))
    }

    fn version_meta_path(&self, key: &str, version: &str) -> Result<PathBuf, PortError> {
        Ok(self
            .version_path(key, version)?
            .with_file_name(format!("{version}.meta.json")))
    }

    fn latest_pointer(&self, key: &str) -> Result<PathBuf, PortError> {
        Ok(self.versions_dir(key)?.join("latest"))
    }

    /// The newest version of a key, when it was written as a versioned upload.
    fn latest_version(&self, key: &str) -> Result<Option<String>, PortError> {
        match std::fs::read_to_string(self.latest_pointer(key)?) {
            Ok(version) => Ok(Some(version.trim().to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    fn read_blob(
        &self,
        what: &str,
        path: &Path,
        meta_path: &Path,
        version: Option<String>,
    ) -> Result<Blob, PortError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(PortError::NotFound(what.to_owned()))
            }
            Err(e) => return Err(backend(format!("{}: {e}", path.display()))),
        };
        let metadata = match std::fs::read(meta_path) {
            Ok(raw) => serde_json::from_slice(&raw).map_err(backend)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(backend(e)),
        };
        let last_modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .map(time::OffsetDateTime::from);
        Ok(Blob {
            bytes,
            metadata,
            version,
            last_modified,
        })
    }
}

/// Version ids: the time in nanoseconds and a process counter, in hex of fixed width, so that
/// they sort in write order and never collide within a process.
fn new_version_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{nanos:016x}{:08x}{count:08x}", std::process::id())
}

/// Version ids come from messages: only ours (hex) may name a file.
fn is_version_id(version: &str) -> bool {
    !version.is_empty() && version.len() <= 64 && version.bytes().all(|b| b.is_ascii_hexdigit())
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
        match self.latest_version(key)? {
            Some(version) => self.get_version(key, &version).await,
            // Written by `put` (reports, findings): one version only.
            None => self.read_blob(key, &self.path_of(key)?, &self.meta_path(key)?, None),
        }
    }

    async fn get_version(&self, key: &str, version: &str) -> Result<Blob, PortError> {
        self.read_blob(
            &format!("{key} version {version}"),
            &self.version_path(key, version)?,
            &self.version_meta_path(key, version)?,
            Some(version.to_owned()),
        )
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), PortError> {
        write_atomically(&self.path_of(key)?, &bytes)
    }

    async fn list(&self, prefix: &str, max: usize) -> Result<Vec<String>, PortError> {
        // The prefix is a folder (`signatures/`) or a folder and a name start.
        let folder = prefix.rsplit_once('/').map_or("", |(folder, _)| folder);
        let base = if folder.is_empty() {
            self.root.clone()
        } else {
            self.path_of(folder)?
        };
        let mut keys = Vec::new();
        let mut pending = vec![base.clone()];
        while let Some(dir) = pending.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(backend(format!("{}: {e}", dir.display()))),
            };
            for entry in entries {
                let entry = entry.map_err(backend)?;
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                // The store's own files: versions, metadata, writes in progress.
                if name.ends_with(".versions")
                    || name.ends_with(".meta.json")
                    || name.ends_with(".partial")
                {
                    continue;
                }
                if entry.file_type().map_err(backend)?.is_dir() {
                    pending.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(&self.root)
                    .map_err(backend)?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                if relative.starts_with(prefix) {
                    keys.push(relative);
                }
            }
        }
        if keys.len() > max {
            return Err(PortError::Backend(format!(
                "more than {max} objects under {prefix}"
            )));
        }
        keys.sort();
        Ok(keys)
    }

    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }
}
