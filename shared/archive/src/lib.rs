//! Reading untrusted plugin archives.
//!
//! A [`PluginArchive`] keeps the zip bytes in memory and its validated index; entries are
//! decompressed one at a time on demand, each bounded by its declared size, so memory stays
//! bounded by the zip plus the largest entry. Folders are packed into an in-memory zip first so
//! that a folder and its zip are checked by the very same code.

mod error;
mod folder;
mod heads;
mod limits;

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

pub use error::ArchiveError;
pub use heads::{FileHeads, FILE_HEAD_BYTES};
pub use limits::{ArchiveLimits, LimitConfigError};
use zip::result::ZipError;
use zip::CompressionMethod;

/// The longest symlink target we read; real targets are short paths.
const MAX_SYMLINK_TARGET_BYTES: u64 = 4096;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Directory,
    Symlink,
}

/// One entry of the archive's index, validated at open time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    index: usize,
    /// The name as stored (UTF-8), a trailing `/` for folders.
    pub name: String,
    pub kind: EntryKind,
    /// Unix mode bits (file type and permissions) when the zipper recorded them.
    pub unix_mode: Option<u32>,
    /// Declared uncompressed size.
    pub size: u64,
    pub compressed_size: u64,
}

impl Entry {
    /// The name without a trailing `/`.
    pub fn path(&self) -> &str {
        self.name.trim_end_matches('/')
    }

    /// The last path component.
    pub fn file_name(&self) -> &str {
        let path = self.path();
        path.rsplit('/').next().unwrap_or(path)
    }

    /// The lowercase extension of the last component, without the dot.
    pub fn extension(&self) -> Option<String> {
        let name = self.file_name();
        let (stem, ext) = name.rsplit_once('.')?;
        (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// The path components.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.path().split('/')
    }

    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }
}

/// Zips a plugin folder in memory (the folder becomes the top-level folder; modes and symlinks
/// are kept, links are never followed), within `limits`.
pub fn pack_folder(path: &Path, limits: &ArchiveLimits) -> Result<Vec<u8>, ArchiveError> {
    folder::pack(path, limits)
}

/// The zip's bytes, shared by every clone of the reader. An `Arc<Vec<u8>>` rather than an
/// `Arc<[u8]>`: converting the file's `Vec` into `Arc<[u8]>` copies it, which doubled the peak
/// memory of a scan (a 25 MB zip cost 50 MB before anything was inflated).
#[derive(Clone)]
struct ZipBytes(Arc<Vec<u8>>);

impl std::fmt::Debug for ZipBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZipBytes({} bytes)", self.0.len())
    }
}

impl AsRef<[u8]> for ZipBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// A plugin archive opened within [`ArchiveLimits`].
#[derive(Debug, Clone)]
pub struct PluginArchive {
    zip: zip::ZipArchive<Cursor<ZipBytes>>,
    /// The same bytes as `zip`'s, for inflating whole entries in place.
    data: ZipBytes,
    entries: Vec<Entry>,
    compressed_len: u64,
    limits: ArchiveLimits,
}

impl PluginArchive {
    /// Opens zip bytes, validating the whole index against `limits` before anything is
    /// decompressed.
    pub fn open(bytes: Vec<u8>, limits: &ArchiveLimits) -> Result<Self, ArchiveError> {
        let compressed_len = bytes.len() as u64;
        if compressed_len > limits.max_compressed_bytes {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_compressed_bytes",
                max: limits.max_compressed_bytes,
                detail: format!("the archive is {compressed_len} bytes"),
            });
        }
        let data = ZipBytes(Arc::new(bytes));
        let zip = zip::ZipArchive::new(Cursor::new(data.clone())).map_err(corrupt)?;
        if zip.len() as u64 > limits.max_entries {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_entries",
                max: limits.max_entries,
                detail: format!("the archive has {} entries", zip.len()),
            });
        }
        // The zip reader keys entries by name and silently keeps one of two same-named entries;
        // an attacker could show us one file while QGIS extracts the other, so count them first.
        if let Some(name) = first_duplicate_name(&zip, data.as_ref()) {
            return Err(ArchiveError::DuplicateName(name));
        }
        let entries = index_entries(&zip, limits)?;
        Ok(Self {
            zip,
            data,
            entries,
            compressed_len,
            limits: *limits,
        })
    }

    /// Opens a zip file or packs a folder (the folder becomes the top-level folder).
    pub fn from_path(path: &Path, limits: &ArchiveLimits) -> Result<Self, ArchiveError> {
        let meta = std::fs::metadata(path).map_err(|source| ArchiveError::Io {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_dir() {
            let bytes = pack_folder(path, limits)?;
            Self::open(bytes, limits)
        } else if meta.is_file() {
            if meta.len() > limits.max_compressed_bytes {
                return Err(ArchiveError::LimitExceeded {
                    limit: "max_compressed_bytes",
                    max: limits.max_compressed_bytes,
                    detail: format!("the archive is {} bytes", meta.len()),
                });
            }
            let bytes = std::fs::read(path).map_err(|source| ArchiveError::Io {
                path: path.to_owned(),
                source,
            })?;
            Self::open(bytes, limits)
        } else {
            Err(ArchiveError::NotAPlugin(path.to_owned()))
        }
    }

    /// Every entry, in archive order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Regular files only.
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_file())
    }

    /// The entry with exactly this name (folders may be given with or without the `/`).
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.name == name || e.path() == name)
    }

    /// Size of the zip itself.
    pub fn compressed_len(&self) -> u64 {
        self.compressed_len
    }

    /// The zip's own bytes (their SHA-256 is what known-bad lists of whole zips name).
    pub fn zip_bytes(&self) -> &[u8] {
        self.data.as_ref()
    }

    /// The limits this archive was opened with.
    pub fn limits(&self) -> &ArchiveLimits {
        &self.limits
    }

    /// Decompresses one entry, never more than its declared size (which was checked against the
    /// limits at open time); a stream longer than declared or failing its CRC is damaged.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, ArchiveError> {
        self.read_bounded(entry, entry.size, true)
    }

    /// The first `len` bytes of an entry (magic-number sniffing) without inflating the rest.
    pub fn read_prefix(&self, entry: &Entry, len: u64) -> Result<Vec<u8>, ArchiveError> {
        self.read_bounded(entry, len.min(entry.size), false)
    }

    /// Where a symlink entry points.
    pub fn symlink_target(&self, entry: &Entry) -> Result<String, ArchiveError> {
        let raw = self.read_bounded(entry, entry.size.min(MAX_SYMLINK_TARGET_BYTES), false)?;
        Ok(String::from_utf8_lossy(&raw).into_owned())
    }

    fn read_bounded(&self, entry: &Entry, len: u64, whole: bool) -> Result<Vec<u8>, ArchiveError> {
        let damaged = |reason: String| ArchiveError::DamagedEntry {
            entry: entry.name.clone(),
            reason,
        };
        // Cloning shares the bytes and the parsed index; it only copies the cursor, so checks can
        // read entries concurrently.
        let mut zip = self.zip.clone();
        let raw = zip
            .by_index_raw(entry.index)
            .map_err(|e| damaged(e.to_string()))?;
        if let Some(read) = self.read_in_place(&raw, len, whole) {
            return read.map_err(damaged);
        }
        drop(raw);
        let file = zip
            .by_index(entry.index)
            .map_err(|e| damaged(e.to_string()))?;
        let capacity = usize::try_from(len).unwrap_or(usize::MAX);
        let mut out = Vec::with_capacity(capacity.min(1 << 20));
        // One byte past the expected length tells us whether the stream is longer than declared.
        let budget = if whole { len.saturating_add(1) } else { len };
        file.take(budget)
            .read_to_end(&mut out)
            .map_err(|e| damaged(e.to_string()))?;
        if whole && out.len() as u64 != len {
            return Err(damaged(size_mismatch(len, out.len() as u64)));
        }
        Ok(out)
    }

    /// A stored or deflated entry read straight from the zip's bytes: inflated in one call into
    /// a buffer of the size asked for, without the stream reader's buffers (which inflate at
    /// least 32 KiB even for a 64-byte prefix). A whole entry must have its declared size and
    /// CRC. `None` for the methods only the stream reader knows (Deflate64).
    fn read_in_place(
        &self,
        raw: &zip::read::ZipFile<'_, Cursor<ZipBytes>>,
        len: u64,
        whole: bool,
    ) -> Option<Result<Vec<u8>, String>> {
        let method = raw.compression();
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return None;
        }
        let read = || -> Result<Vec<u8>, String> {
            let start = raw
                .data_start()
                .ok_or_else(|| "its data cannot be located".to_owned())?;
            let data = usize::try_from(start)
                .ok()
                .zip(usize::try_from(raw.compressed_size()).ok())
                .and_then(|(start, size)| self.data.as_ref().get(start..start.checked_add(size)?))
                .ok_or_else(|| "its data runs past the end of the archive".to_owned())?;
            let wanted = usize::try_from(len).map_err(|_| "too large to read".to_owned())?;
            if wanted == 0 && !whole {
                return Ok(Vec::new());
            }
            let out = match method {
                CompressionMethod::Deflated => inflate_raw(data, wanted, whole)?,
                _ if !whole => data[..wanted.min(data.len())].to_vec(),
                _ if data.len() == wanted => data.to_vec(),
                _ => return Err(size_mismatch(len, data.len() as u64)),
            };
            if whole && crc32fast::hash(&out) != raw.crc32() {
                return Err("its CRC-32 checksum does not match".to_owned());
            }
            Ok(out)
        };
        Some(read())
    }
}

/// Inflates a raw deflate stream: the whole of it, which must give exactly `wanted` bytes (the
/// buffer has one byte more, so that a longer stream is caught), or its first `wanted` bytes.
fn inflate_raw(data: &[u8], wanted: usize, whole: bool) -> Result<Vec<u8>, String> {
    // Zeroing the buffer once costs far less than the stream reader's per-read buffers.
    let mut out = vec![
        0u8;
        if whole {
            wanted.saturating_add(1)
        } else {
            wanted
        }
    ];
    // Negative window bits: a raw stream, as zips store it (no zlib header or trailer).
    let config = zlib_rs::InflateConfig { window_bits: -15 };
    let (inflated, code) = zlib_rs::decompress_slice(&mut out, data, config);
    let written = inflated.len();
    match code {
        zlib_rs::ReturnCode::Ok if !whole || written == wanted => {
            out.truncate(written);
            Ok(out)
        }
        // The buffer filled before the stream ended: a prefix is complete, a whole entry is
        // longer than declared.
        zlib_rs::ReturnCode::BufError if !whole => Ok(out),
        zlib_rs::ReturnCode::Ok => Err(size_mismatch(wanted as u64, written as u64)),
        zlib_rs::ReturnCode::BufError => Err(size_mismatch(wanted as u64, u64::MAX)),
        other => Err(format!("its deflate stream is corrupt ({other:?})")),
    }
}

/// An entry that inflates to another size than its header declares.
fn size_mismatch(declared: u64, found: u64) -> String {
    let found = if found > declared {
        "more".to_owned()
    } else {
        found.to_string()
    };
    format!("declares {declared} bytes but holds {found}")
}

fn corrupt(e: ZipError) -> ArchiveError {
    ArchiveError::Corrupt(match e {
        ZipError::Io(io) => format!("truncated or unreadable ({io})"),
        other => other.to_string(),
    })
}

/// The first name that the central directory lists twice. Reads the raw central directory records
/// (their count and names) because the zip reader deduplicates names.
fn first_duplicate_name(zip: &zip::ZipArchive<Cursor<ZipBytes>>, bytes: &[u8]) -> Option<String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CDH: &[u8] = b"PK\x01\x02";
    let tail_start = bytes.len().saturating_sub(22 + u16::MAX as usize);
    let eocd = bytes[tail_start..].windows(4).rposition(|w| w == EOCD)? + tail_start;
    let u16_at = |at: usize| -> Option<usize> {
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as usize)
    };
    let u32_at = |at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let declared = u16_at(eocd + 10)?;
    if declared == zip.len() || declared == u16::MAX as usize {
        return None; // nothing was collapsed (or zip64 counts, which we leave to the reader)
    }
    // The central directory sits right before the EOCD record (plus any zip64 records); walk it
    // from its recorded size.
    let cd_size = u32_at(eocd + 12)?;
    let mut at = eocd.checked_sub(cd_size)?;
    let mut seen = std::collections::HashSet::new();
    while bytes.get(at..at + 4) == Some(CDH) {
        let name_len = u16_at(at + 28)?;
        let extra_len = u16_at(at + 30)?;
        let comment_len = u16_at(at + 32)?;
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if !seen.insert(name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(format!(
        "({declared} entries declared, {} distinct)",
        zip.len()
    ))
}

fn index_entries(
    zip: &zip::ZipArchive<Cursor<ZipBytes>>,
    limits: &ArchiveLimits,
) -> Result<Vec<Entry>, ArchiveError> {
    let mut entries = Vec::with_capacity(zip.len());
    let mut seen = std::collections::HashSet::with_capacity(zip.len());
    let mut total: u64 = 0;
    for index in 0..zip.len() {
        let data = zip.by_index_data(index).map_err(corrupt)?;
        let name = match std::str::from_utf8(data.name_raw()) {
            Ok(name) => name.to_owned(),
            Err(_) => {
                return Err(ArchiveError::NonUtf8Name {
                    lossy: String::from_utf8_lossy(data.name_raw()).into_owned(),
                })
            }
        };
        if !seen.insert(name.clone()) {
            return Err(ArchiveError::DuplicateName(name));
        }
        if data.encrypted() {
            return Err(ArchiveError::Encrypted { entry: name });
        }
        let kind = if data.is_symlink() {
            EntryKind::Symlink
        } else if data.is_dir() {
            EntryKind::Directory
        } else {
            EntryKind::File
        };
        let compression = data.compression();
        if kind != EntryKind::Directory
            && !matches!(
                compression,
                CompressionMethod::Stored
                    | CompressionMethod::Deflated
                    | CompressionMethod::Deflate64
            )
        {
            return Err(ArchiveError::UnsupportedCompression {
                entry: name,
                method: format!("{compression:?}"),
            });
        }
        let entry = Entry {
            index,
            kind,
            unix_mode: unix_mode(&data),
            size: data.size(),
            compressed_size: data.compressed_size(),
            name,
        };
        check_entry_limits(&entry, limits)?;
        total = total.saturating_add(entry.size);
        if total > limits.max_uncompressed_bytes {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_uncompressed_bytes",
                max: limits.max_uncompressed_bytes,
                detail: format!("the entries add up to more than {total} bytes uncompressed"),
            });
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// The full Unix mode. The zip reader's own `unix_mode()` masks out the setuid, setgid and
/// sticky bits, which are exactly what the permissions check must see.
fn unix_mode(data: &zip::read::ZipFileEntry<'_>) -> Option<u32> {
    let raw = data.external_attributes() >> 16;
    if data.system() == zip::System::Unix && raw != 0 {
        Some(raw)
    } else {
        data.unix_mode()
    }
}

fn check_entry_limits(entry: &Entry, limits: &ArchiveLimits) -> Result<(), ArchiveError> {
    let depth = entry.components().count() as u64;
    if depth > limits.max_path_depth {
        return Err(ArchiveError::LimitExceeded {
            limit: "max_path_depth",
            max: limits.max_path_depth,
            detail: format!("entry `{}` is {depth} folders deep", entry.name),
        });
    }
    if entry.size > limits.max_entry_bytes {
        return Err(ArchiveError::LimitExceeded {
            limit: "max_entry_bytes",
            max: limits.max_entry_bytes,
            detail: format!(
                "entry `{}` is {} bytes uncompressed",
                entry.name, entry.size
            ),
        });
    }
    if entry.size >= limits.ratio_min_entry_bytes {
        let ratio = entry.size / entry.compressed_size.max(1);
        if ratio > limits.max_compression_ratio {
            return Err(ArchiveError::LimitExceeded {
                limit: "max_compression_ratio",
                max: limits.max_compression_ratio,
                detail: format!(
                    "entry `{}` expands {ratio} times ({} bytes from {}), like a zip bomb",
                    entry.name, entry.size, entry.compressed_size
                ),
            });
        }
    }
    Ok(())
}

/// Decodes text the way the checks need it: UTF-8 (BOM stripped), else Latin-1 so that every
/// byte maps to a character and no line is ever silently dropped.
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}
