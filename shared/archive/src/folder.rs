//! Packs a plugin folder into an in-memory zip, as a developer would before uploading, so that
//! `scan FOLDER` gives the verdict the server would give for that zip.

use std::io::{Cursor, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;

use crate::{ArchiveError, ArchiveLimits};

/// Unix file-type bits, kept with the permission bits so setuid and friends survive packing.
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;

pub(crate) fn pack(root: &Path, limits: &ArchiveLimits) -> Result<Vec<u8>, ArchiveError> {
    let top = root
        .canonicalize()
        .map_err(|source| io(root, source))?
        .file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .ok_or_else(|| ArchiveError::NonUtf8Name {
            lossy: root.display().to_string(),
        })?;
    let mut packer = Packer {
        writer: zip::ZipWriter::new(Cursor::new(Vec::new())),
        limits,
        entries: 0,
        total: 0,
    };
    packer.add_dir(root, &top, 1)?;
    let cursor = packer
        .writer
        .finish()
        .map_err(|e| ArchiveError::Corrupt(format!("packing the folder failed: {e}")))?;
    Ok(cursor.into_inner())
}

struct Packer<'a> {
    writer: zip::ZipWriter<Cursor<Vec<u8>>>,
    limits: &'a ArchiveLimits,
    entries: u64,
    total: u64,
}

impl Packer<'_> {
    fn count_entry(&mut self, name: &str, depth: u64) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_entries",
                max: self.limits.max_entries,
                detail: "the folder has more entries".to_owned(),
            });
        }
        if depth > self.limits.max_path_depth {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_path_depth",
                max: self.limits.max_path_depth,
                detail: format!("`{name}` is {depth} folders deep"),
            });
        }
        Ok(())
    }

    fn add_dir(&mut self, dir: &Path, name: &str, depth: u64) -> Result<(), ArchiveError> {
        self.count_entry(name, depth)?;
        let mode = mode_of(&std::fs::symlink_metadata(dir).map_err(|e| io(dir, e))?);
        self.writer
            .add_directory(
                format!("{name}/"),
                SimpleFileOptions::default().external_attributes((S_IFDIR | mode) << 16),
            )
            .map_err(|e| zip_write(dir, e))?;
        let mut children: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| io(dir, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io(dir, e))?;
        // Sorted so the same folder always packs to the same zip.
        children.sort_by_key(|c| c.file_name());
        for child in children {
            let path = child.path();
            let child_name =
                child
                    .file_name()
                    .into_string()
                    .map_err(|raw| ArchiveError::NonUtf8Name {
                        lossy: raw.to_string_lossy().into_owned(),
                    })?;
            let full = format!("{name}/{child_name}");
            // symlink_metadata: a link is recorded as a link, never followed out of the folder.
            let meta = std::fs::symlink_metadata(&path).map_err(|e| io(&path, e))?;
            if meta.file_type().is_symlink() {
                self.count_entry(&full, depth + 1)?;
                let target = std::fs::read_link(&path).map_err(|e| io(&path, e))?;
                self.writer
                    .add_symlink(full, target.to_string_lossy(), SimpleFileOptions::default())
                    .map_err(|e| zip_write(&path, e))?;
            } else if meta.is_dir() {
                self.add_dir(&path, &full, depth + 1)?;
            } else if meta.is_file() {
                self.add_file(&path, full, &meta, depth + 1)?;
            }
            // Sockets, fifos and devices cannot be zipped by the usual tools: not packed.
        }
        Ok(())
    }

    fn add_file(
        &mut self,
        path: &Path,
        name: String,
        meta: &std::fs::Metadata,
        depth: u64,
    ) -> Result<(), ArchiveError> {
        self.count_entry(&name, depth)?;
        if meta.len() > self.limits.max_entry_bytes {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_entry_bytes",
                max: self.limits.max_entry_bytes,
                detail: format!("`{name}` is {} bytes", meta.len()),
            });
        }
        self.total = self.total.saturating_add(meta.len());
        if self.total > self.limits.max_uncompressed_bytes {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_uncompressed_bytes",
                max: self.limits.max_uncompressed_bytes,
                detail: "the folder's files add up to more".to_owned(),
            });
        }
        let data = std::fs::read(path).map_err(|e| io(path, e))?;
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .external_attributes((S_IFREG | mode_of(meta)) << 16);
        self.writer
            .start_file(name, options)
            .map_err(|e| zip_write(path, e))?;
        self.writer.write_all(&data).map_err(|e| io(path, e))?;
        Ok(())
    }
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}

fn io(path: &Path, source: std::io::Error) -> ArchiveError {
    ArchiveError::Io {
        path: path.to_owned(),
        source,
    }
}

fn zip_write(path: &Path, e: zip::result::ZipError) -> ArchiveError {
    ArchiveError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e.to_string()),
    }
}
