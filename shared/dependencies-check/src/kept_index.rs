//! The name index of a folder or an export of OSV records, kept on disk between processes: which
//! records name which package, and where each record is (a file's path, size and modification
//! time; a zip entry's offset, sizes and CRC). A warm scan opens it, reads its header once, then
//! reads only the index buckets of the names it asks about (a hash table on disk, read by seek:
//! nothing is parsed for names it does not ask about).
//!
//! Layout (little-endian): `MAGIC`, the header's length (u32), the header (the source's
//! signature, the record count, the watched file-system objects, the bucket count), the bucket
//! table (`bucket_count` times offset u64, length u32), then the buckets: per name, the name
//! (u16 length), its locator count (u32) and the locators.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Changed whenever the layout changes: an index of another layout reads as corrupt and is
/// rebuilt.
const MAGIC: &[u8; 8] = b"PVOSVIX1";
/// One bucket table slot: offset (u64) and length (u32).
const SLOT_BYTES: u64 = 12;

/// Where one record is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Locator {
    /// The file's path relative to the folder (`/`-separated), or the zip entry's name.
    pub entry: String,
    /// A zip entry's local header offset (0 for a file).
    pub offset: u64,
    /// A zip entry's compressed size (0 for a file).
    pub stored_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// A zip entry's CRC-32 (0 for a file).
    pub crc32: u32,
    /// A file's modification time in nanoseconds since the epoch (0 for a zip entry).
    pub modified: u64,
}

/// A file-system object whose size and modification time tell whether the records changed
/// since the index was built (the export zip; every directory of a folder, whose modification
/// time changes when a record is added, removed or renamed in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// Relative to the source's path (empty: the path itself).
    pub path: String,
    pub size: u64,
    pub modified: u64,
}

impl Watched {
    /// `path`'s current state, `None` when it cannot be read.
    pub fn of(root: &Path, relative: &str) -> Option<Self> {
        let metadata = std::fs::metadata(joined(root, relative)).ok()?;
        Some(Self {
            path: relative.to_owned(),
            size: metadata.len(),
            modified: modified_nanos(&metadata),
        })
    }

    /// Whether the object at `root` still has the size and modification time recorded.
    pub fn unchanged(&self, root: &Path) -> bool {
        Self::of(root, &self.path).as_ref() == Some(self)
    }
}

/// `root` joined with a relative `/`-separated path (empty: `root`).
pub(crate) fn joined(root: &Path, relative: &str) -> PathBuf {
    if relative.is_empty() {
        root.to_path_buf()
    } else {
        root.join(relative)
    }
}

/// Modification time in nanoseconds since the epoch (0 when unknown).
pub(crate) fn modified_nanos(metadata: &std::fs::Metadata) -> u64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// FNV-1a: a cheap, stable hash for the bucket of a name and the file name of an index (not a
/// defence against anyone: the records and the cache are the operator's own).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Why a kept index cannot be used.
#[derive(Debug)]
pub(crate) enum Unusable {
    /// None kept yet (or the cache cannot be read).
    Missing,
    /// Kept for another source (a different signature).
    OtherSource,
    /// Not an index of this layout, or damaged.
    Corrupt(String),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("no index kept yet"),
            Self::OtherSource => f.write_str("the index kept there is of another source"),
            Self::Corrupt(reason) => write!(f, "the index is corrupt ({reason})"),
        }
    }
}

/// Encodes an index: `names` maps normalised package names to their records' locators.
pub(crate) fn encode(
    signature: &str,
    records: u64,
    watched: &[Watched],
    names: &BTreeMap<String, Vec<Locator>>,
) -> Vec<u8> {
    let mut header = Vec::new();
    put_str32(&mut header, signature);
    header.extend_from_slice(&records.to_le_bytes());
    put_u32(&mut header, watched.len());
    for w in watched {
        put_str32(&mut header, &w.path);
        header.extend_from_slice(&w.size.to_le_bytes());
        header.extend_from_slice(&w.modified.to_le_bytes());
    }
    let bucket_count = names.len().max(1).next_power_of_two();
    put_u32(&mut header, bucket_count);
    let mut buckets: Vec<Vec<u8>> = vec![Vec::new(); bucket_count];
    for (name, locators) in names {
        let bucket = &mut buckets[bucket_of(name, bucket_count)];
        // Names are package names: far below u16::MAX bytes (a longer one is left out rather
        // than written wrong; nothing can ask for it).
        let Ok(length) = u16::try_from(name.len()) else {
            continue;
        };
        bucket.extend_from_slice(&length.to_le_bytes());
        bucket.extend_from_slice(name.as_bytes());
        put_u32(bucket, locators.len());
        for l in locators {
            put_str32(bucket, &l.entry);
            for value in [l.offset, l.stored_size, l.size, l.modified] {
                bucket.extend_from_slice(&value.to_le_bytes());
            }
            bucket.extend_from_slice(&l.crc32.to_le_bytes());
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, header.len());
    out.extend_from_slice(&header);
    let table_start = out.len() as u64;
    let mut offset = table_start + SLOT_BYTES * bucket_count as u64;
    for bucket in &buckets {
        out.extend_from_slice(&offset.to_le_bytes());
        put_u32(&mut out, bucket.len());
        offset += bucket.len() as u64;
    }
    for bucket in buckets {
        out.extend_from_slice(&bucket);
    }
    out
}

fn bucket_of(name: &str, bucket_count: usize) -> usize {
    // bucket_count is a power of two: the mask keeps the hash's low bits.
    (fnv1a(name.as_bytes()) as usize) & (bucket_count - 1)
}

fn put_u32(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&u32::try_from(value).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str32(out: &mut Vec<u8>, text: &str) {
    put_u32(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// A cursor over bytes read from an index: every read is bounds-checked (a damaged index is
/// an error, never a panic).
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("truncated at byte {}", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u16(&mut self) -> Result<usize, String> {
        Ok(usize::from(u16::from_le_bytes(self.array()?)))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn len32(&mut self) -> Result<usize, String> {
        usize::try_from(self.u32()?).map_err(|e| e.to_string())
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn str(&mut self, n: usize) -> Result<&'a str, String> {
        std::str::from_utf8(self.take(n)?).map_err(|e| e.to_string())
    }

    fn str32(&mut self) -> Result<&'a str, String> {
        let n = self.len32()?;
        self.str(n)
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

/// What an index is read from: its file, or the bytes just built when the cache folder
/// cannot be written.
pub(crate) trait IndexBytes: Read + Seek + Send {}
impl<T: Read + Seek + Send> IndexBytes for T {}

/// An opened index: its header read, its buckets read on demand.
pub(crate) struct KeptIndex {
    reader: Box<dyn IndexBytes>,
    length: u64,
    table_start: u64,
    bucket_count: usize,
    pub records: u64,
    pub watched: Vec<Watched>,
}

impl std::fmt::Debug for KeptIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptIndex")
            .field("records", &self.records)
            .field("bucket_count", &self.bucket_count)
            .finish_non_exhaustive()
    }
}

impl KeptIndex {
    /// The index kept at `path`, when it was built for `signature`.
    pub fn open(path: &Path, signature: &str) -> Result<Self, Unusable> {
        let file = std::fs::File::open(path).map_err(|_| Unusable::Missing)?;
        let length = file
            .metadata()
            .map_err(|e| Unusable::Corrupt(e.to_string()))?
            .len();
        Self::read(Box::new(std::io::BufReader::new(file)), length, signature)
    }

    /// An index held in memory (built by this process).
    pub fn in_memory(bytes: Vec<u8>, signature: &str) -> Result<Self, Unusable> {
        let length = bytes.len() as u64;
        Self::read(Box::new(std::io::Cursor::new(bytes)), length, signature)
    }

    fn read(
        mut reader: Box<dyn IndexBytes>,
        length: u64,
        signature: &str,
    ) -> Result<Self, Unusable> {
        let corrupt = |e: String| Unusable::Corrupt(e);
        let mut start = [0u8; 12];
        reader
            .read_exact(&mut start)
            .map_err(|e| corrupt(e.to_string()))?;
        if &start[..8] != MAGIC {
            return Err(corrupt(
                "not an advisories index of this version".to_owned(),
            ));
        }
        let mut length_bytes = [0u8; 4];
        length_bytes.copy_from_slice(&start[8..]);
        let header_len = u64::from(u32::from_le_bytes(length_bytes));
        if 12 + header_len > length {
            return Err(corrupt("header beyond the end".to_owned()));
        }
        let mut header =
            vec![0u8; usize::try_from(header_len).map_err(|e| corrupt(e.to_string()))?];
        reader
            .read_exact(&mut header)
            .map_err(|e| corrupt(e.to_string()))?;
        let mut fields = Fields {
            bytes: &header,
            at: 0,
        };
        if fields.str32().map_err(corrupt)? != signature {
            return Err(Unusable::OtherSource);
        }
        let records = fields.u64().map_err(corrupt)?;
        let watched_count = fields.len32().map_err(corrupt)?;
        let mut watched = Vec::new();
        for _ in 0..watched_count {
            watched.push(Watched {
                path: fields.str32().map_err(corrupt)?.to_owned(),
                size: fields.u64().map_err(corrupt)?,
                modified: fields.u64().map_err(corrupt)?,
            });
        }
        let bucket_count = fields.len32().map_err(corrupt)?;
        if !bucket_count.is_power_of_two() || !fields.done() {
            return Err(corrupt("bad bucket count".to_owned()));
        }
        let table_start = 12 + header_len;
        if table_start + SLOT_BYTES * bucket_count as u64 > length {
            return Err(corrupt("bucket table beyond the end".to_owned()));
        }
        Ok(Self {
            reader,
            length,
            table_start,
            bucket_count,
            records,
            watched,
        })
    }

    fn read_at(&mut self, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        if offset.checked_add(len).is_none_or(|end| end > self.length) {
            return Err(format!("{len} bytes at {offset} beyond the end"));
        }
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(|e| e.to_string())?;
        let mut out = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
        self.reader
            .read_exact(&mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The locators of the records that name `name` (normalised); `Err` when the index is
    /// damaged.
    pub fn locators(&mut self, name: &str) -> Result<Vec<Locator>, String> {
        let slot = self.table_start + SLOT_BYTES * bucket_of(name, self.bucket_count) as u64;
        let slot = self.read_at(slot, SLOT_BYTES)?;
        let mut fields = Fields {
            bytes: &slot,
            at: 0,
        };
        let (offset, len) = (fields.u64()?, u64::from(fields.u32()?));
        if len == 0 {
            return Ok(Vec::new());
        }
        let bucket = self.read_at(offset, len)?;
        let mut fields = Fields {
            bytes: &bucket,
            at: 0,
        };
        while !fields.done() {
            let name_len = fields.u16()?;
            let here = fields.str(name_len)? == name;
            let count = fields.len32()?;
            let mut locators = Vec::new();
            for _ in 0..count {
                let entry = fields.str32()?;
                let (offset, stored_size, size, modified) =
                    (fields.u64()?, fields.u64()?, fields.u64()?, fields.u64()?);
                let crc32 = fields.u32()?;
                if here {
                    locators.push(Locator {
                        entry: entry.to_owned(),
                        offset,
                        stored_size,
                        size,
                        crc32,
                        modified,
                    });
                }
            }
            if here {
                return Ok(locators);
            }
        }
        Ok(Vec::new())
    }
}

/// Writes `bytes` at `path` aside, then renames it: a reader never sees half of an index.
pub(crate) fn keep(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locator(entry: &str, offset: u64) -> Locator {
        Locator {
            entry: entry.to_owned(),
            offset,
            stored_size: 10,
            size: 20,
            crc32: 7,
            modified: 99,
        }
    }

    #[test]
    fn encoded_names_are_found_and_others_are_not() {
        let mut names = BTreeMap::new();
        for n in 0..300 {
            names.insert(
                format!("package-{n}"),
                vec![locator(&format!("{n}.json"), n)],
            );
        }
        names.insert(
            "requests".to_owned(),
            vec![locator("a.yaml", 1), locator("b.yaml", 2)],
        );
        let watched = [Watched {
            path: String::new(),
            size: 5,
            modified: 6,
        }];
        let bytes = encode("sig", 302, &watched, &names);
        let mut index = KeptIndex::in_memory(bytes.clone(), "sig").expect("opens");
        assert_eq!(index.records, 302);
        assert_eq!(index.watched, watched);
        assert_eq!(
            index.locators("requests").expect("reads"),
            names["requests"]
        );
        assert_eq!(
            index.locators("package-123").expect("reads"),
            names["package-123"]
        );
        assert!(index.locators("package-300").expect("reads").is_empty());
        assert!(matches!(
            KeptIndex::in_memory(bytes.clone(), "other"),
            Err(Unusable::OtherSource)
        ));
        // Truncated: the header opens (it is whole) but buckets past the end are errors, and
        // a cut header is corrupt; nothing panics.
        let mut cut =
            KeptIndex::in_memory(bytes[..bytes.len() - 40].to_vec(), "sig").expect("header");
        let answers: Vec<_> = names.keys().map(|n| cut.locators(n)).collect();
        assert!(answers.iter().any(Result::is_err));
        assert!(matches!(
            KeptIndex::in_memory(bytes[..30].to_vec(), "sig"),
            Err(Unusable::Corrupt(_))
        ));
        assert!(matches!(
            KeptIndex::in_memory(b"{\"signature\": 1}".to_vec(), "sig"),
            Err(Unusable::Corrupt(_))
        ));
    }
}
