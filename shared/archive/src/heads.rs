//! The first bytes of the archive's files, read once per scan for every check that recognises
//! a format by its content (native code, nested archives).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::{ArchiveError, Entry, PluginArchive};

/// Bytes of a file's head that [`FileHeads`] reads: enough for every magic number the checks
/// know (the tar header's `ustar` sits at 257) and for most PE header offsets.
pub const FILE_HEAD_BYTES: u64 = 1024;

/// The heads of the archive's files, each read at its first request, whichever check asks
/// first. Only the heads that may hold a binary format are kept: a head of printable ASCII text
/// without a NUL byte matches no magic number the checks know except `MZ`, bzip2's `BZh` and
/// tar's `ustar` (at 257), which are kept too. So memory stays small on plugins of text files.
#[derive(Debug)]
pub struct FileHeads {
    heads: Vec<OnceLock<Option<Box<[u8]>>>>,
}

impl FileHeads {
    /// Nothing read yet: one empty slot per entry of `archive`.
    pub fn new(archive: &PluginArchive) -> Self {
        Self {
            heads: (0..archive.entries().len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// The first bytes (at most [`FILE_HEAD_BYTES`]) of `entry`, an entry of the `archive` these
    /// heads were made for, or `None` when they are text that no binary format starts with. A
    /// read that fails is not kept: the next caller gets the same error.
    pub fn head(
        &self,
        archive: &PluginArchive,
        entry: &Entry,
    ) -> Result<Option<&[u8]>, ArchiveError> {
        let Some(slot) = self.heads.get(entry.index) else {
            // Not an entry of this archive.
            return Err(ArchiveError::NoSuchEntry(entry.name.clone()));
        };
        if let Some(head) = slot.get() {
            return Ok(head.as_deref());
        }
        let bytes = archive.read_prefix(entry, FILE_HEAD_BYTES)?;
        let kept = may_be_binary(&bytes).then(|| bytes.into_boxed_slice());
        Ok(slot.get_or_init(|| kept).as_deref())
    }

    /// The first `len` bytes of `entry` as a sniffer sees them: from the shared head when it
    /// holds them (empty for a text head, which no magic number matches), else read now (and
    /// not kept).
    pub fn prefix(
        &self,
        archive: &PluginArchive,
        entry: &Entry,
        len: u64,
    ) -> Result<Cow<'_, [u8]>, ArchiveError> {
        if len > FILE_HEAD_BYTES {
            return archive.read_prefix(entry, len).map(Cow::Owned);
        }
        let head = self.head(archive, entry)?.unwrap_or_default();
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        Ok(Cow::Borrowed(&head[..head.len().min(len)]))
    }
}

/// Whether `head` may start a binary format: it has a NUL or a byte outside printable ASCII,
/// or has one of the magic numbers made of printable ASCII.
fn may_be_binary(head: &[u8]) -> bool {
    head.starts_with(b"MZ")
        || head.starts_with(b"BZh")
        || head.get(257..262) == Some(b"ustar")
        || head
            .iter()
            .any(|b| *b == 0 || !(b.is_ascii_graphic() || b.is_ascii_whitespace()))
}
