//! Records of a folder or an OSV export zip, read on first use and only for the packages asked
//! about. The two differ only in how records are listed and read ([`RecordContainer`]); the
//! rest (normalised names, what is loaded, the kept name index) is one [`RecordStore`].
//!
//! With an index cache folder, the first process parses every record once and keeps which
//! records name which package ([`crate::kept_index`]); later processes open that index once,
//! check that the records did not change (the export's size and modification time, or the
//! modification time of every directory of a folder) and read only the records of the names a
//! scan asks about, each checked against what was indexed (a file's size and modification time,
//! an entry's CRC). A record that changed, or an index that is damaged or of another layout, is
//! rebuilt with a log line. Without a cache folder, every record is read and those that mention
//! an asked name are parsed.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::advisories::{
    pypi_names, AdvisoryError, AdvisoryIndex, AdvisoryLimits, AdvisorySource, Lookup, Mentions,
    PackageQuery,
};
use crate::kept_index::{self, modified_nanos, KeptIndex, Locator, Unusable, Watched};
use crate::osv::{parse_record, OsvRecord};

/// How one kind of record set is listed and read.
pub trait RecordContainer: Send + Sync {
    /// The folder or the zip.
    fn path(&self) -> &Path;
    /// What reports name as the advisory data, without the record count.
    fn origin(&self) -> String;
    /// Tells this kind's index from another's kept for the same path.
    fn kind(&self) -> &'static str;
    /// Every record file within the limits, with where it is; returns what to watch for
    /// changes, as it was before the records were read.
    fn each_record(
        &self,
        limits: &AdvisoryLimits,
        each: &mut dyn FnMut(Locator, &str),
    ) -> Result<Vec<Watched>, AdvisoryError>;
    /// The text of one record, or why it is not the record that was indexed.
    fn read(&self, locator: &Locator, limits: &AdvisoryLimits) -> Result<String, String>;
}

pub(crate) fn is_record_file(name: &str) -> bool {
    [".json", ".yaml", ".yml"].iter().any(|e| name.ends_with(e))
}

fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

fn unreadable_error(path: &Path, e: impl std::fmt::Display) -> AdvisoryError {
    AdvisoryError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> String {
    unreadable_error(path, e).to_string()
}

fn too_many(path: &Path, limit: usize) -> AdvisoryError {
    AdvisoryError::TooMany {
        path: path.display().to_string(),
        limit,
    }
}

/// The records of a folder, recursively (the PyPA database keeps `vulns/<package>/*.yaml`; an
/// unpacked export is flat).
pub struct FolderRecords {
    root: PathBuf,
}

impl FolderRecords {
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

impl RecordContainer for FolderRecords {
    fn path(&self) -> &Path {
        &self.root
    }

    fn origin(&self) -> String {
        format!("advisories folder {}", self.root.display())
    }

    fn kind(&self) -> &'static str {
        "folder"
    }

    fn each_record(
        &self,
        limits: &AdvisoryLimits,
        each: &mut dyn FnMut(Locator, &str),
    ) -> Result<Vec<Watched>, AdvisoryError> {
        let mut watched = Vec::new();
        let mut files = 0usize;
        let mut stack = vec![String::new()];
        while let Some(relative) = stack.pop() {
            let dir = kept_index::joined(&self.root, &relative);
            // Before its listing: a record added while it is read changes what is watched.
            watched.push(
                Watched::of(&self.root, &relative).ok_or_else(|| unreadable_error(&dir, "gone"))?,
            );
            let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(&dir)
                .map_err(|e| unreadable_error(&dir, e))?
                .filter_map(Result::ok)
                .collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for entry in entries {
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                let child = if relative.is_empty() {
                    name.clone()
                } else {
                    format!("{relative}/{name}")
                };
                // Symbolic links are followed, as a reader of the folder would.
                let Ok(metadata) = std::fs::metadata(entry.path()) else {
                    continue;
                };
                if metadata.is_dir() {
                    stack.push(child);
                    continue;
                }
                if !is_record_file(&name) {
                    continue;
                }
                files += 1;
                if files > limits.max_index_records {
                    return Err(too_many(&self.root, limits.max_index_records));
                }
                if metadata.len() > limits.max_record_bytes {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                let locator = Locator {
                    entry: child,
                    offset: 0,
                    stored_size: 0,
                    size: metadata.len(),
                    crc32: 0,
                    modified: modified_nanos(&metadata),
                };
                each(locator, &text);
            }
        }
        Ok(watched)
    }

    fn read(&self, locator: &Locator, limits: &AdvisoryLimits) -> Result<String, String> {
        let path = kept_index::joined(&self.root, &locator.entry);
        let mut file = std::fs::File::open(&path).map_err(|e| unreadable(&path, e))?;
        let metadata = file.metadata().map_err(|e| unreadable(&path, e))?;
        if metadata.len() != locator.size || modified_nanos(&metadata) != locator.modified {
            return Err(format!("{} changed since it was indexed", path.display()));
        }
        let mut text = String::new();
        file.by_ref()
            .take(limits.max_record_bytes)
            .read_to_string(&mut text)
            .map_err(|e| unreadable(&path, e))?;
        Ok(text)
    }
}

/// The records of an OSV export zip (`PyPI/all.zip`). A warm read seeks to an entry's local
/// header: the zip's central directory (one entry per record) is not read.
pub struct ExportRecords {
    path: PathBuf,
    /// Opened on the first read and kept for the process.
    file: Mutex<Option<std::fs::File>>,
}

impl ExportRecords {
    fn entry_text<R: Read>(
        mut file: zip::read::ZipFile<'_, R>,
        limits: &AdvisoryLimits,
    ) -> std::io::Result<String> {
        let mut text = String::new();
        file.by_ref()
            .take(limits.max_record_bytes)
            .read_to_string(&mut text)?;
        Ok(text)
    }
}

impl RecordContainer for ExportRecords {
    fn path(&self) -> &Path {
        &self.path
    }

    fn origin(&self) -> String {
        format!("OSV export {}", self.path.display())
    }

    fn kind(&self) -> &'static str {
        "export"
    }

    fn each_record(
        &self,
        limits: &AdvisoryLimits,
        each: &mut dyn FnMut(Locator, &str),
    ) -> Result<Vec<Watched>, AdvisoryError> {
        let watched =
            Watched::of(&self.path, "").ok_or_else(|| unreadable_error(&self.path, "gone"))?;
        let file = std::fs::File::open(&self.path).map_err(|e| unreadable_error(&self.path, e))?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
            .map_err(|e| unreadable_error(&self.path, e))?;
        let mut files = 0usize;
        for position in 0..zip.len() {
            let Ok(file) = zip.by_index(position) else {
                continue;
            };
            let Ok(name) = file.name().map(|n| n.into_owned()) else {
                continue;
            };
            if !file.is_file() || !is_record_file(&name) {
                continue;
            }
            files += 1;
            if files > limits.max_index_records {
                return Err(too_many(&self.path, limits.max_index_records));
            }
            if file.size() > limits.max_record_bytes {
                continue;
            }
            let locator = Locator {
                entry: name,
                offset: file.header_start(),
                stored_size: file.compressed_size(),
                size: file.size(),
                crc32: file.crc32(),
                modified: 0,
            };
            if let Ok(text) = Self::entry_text(file, limits) {
                each(locator, &text);
            }
        }
        Ok(vec![watched])
    }

    fn read(&self, locator: &Locator, limits: &AdvisoryLimits) -> Result<String, String> {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = Some(std::fs::File::open(&self.path).map_err(|e| unreadable(&self.path, e))?);
        }
        let Some(file) = guard.as_mut() else {
            return Err(unreadable(&self.path, "not open"));
        };
        let changed = |e: &dyn std::fmt::Display| {
            format!(
                "entry {} of {} is not the one indexed: {e}",
                locator.entry,
                self.path.display()
            )
        };
        file.seek(SeekFrom::Start(locator.offset))
            .map_err(|e| changed(&e))?;
        let mut reader = std::io::BufReader::new(&mut *file);
        // The sizes and CRC recorded from the central directory: an entry written with a data
        // descriptor has none in its local header, and the CRC is checked as it is read.
        let options = zip::ZipReadOptions::new()
            .override_compressed_size(locator.stored_size)
            .override_uncompressed_size(locator.size)
            .override_crc(locator.crc32);
        let entry = zip::read::read_zipfile_from_stream_with_options(&mut reader, options)
            .map_err(|e| changed(&e))?
            .ok_or_else(|| changed(&"no entry there"))?;
        if entry.name_raw() != locator.entry.as_bytes() {
            return Err(changed(&"another name"));
        }
        Self::entry_text(entry, limits).map_err(|e| changed(&e))
    }
}

/// What a store holds for the process.
#[derive(Default)]
struct StoreState {
    /// The name index, once opened or built (`None` until then, and without a cache folder).
    index: Option<KeptIndex>,
    /// Records parsed so far, per normalised name asked about.
    loaded: HashMap<String, Vec<Arc<OsvRecord>>>,
    /// Records in the source, once known.
    records: Option<u64>,
}

/// A folder or an export of records, behind [`AdvisorySource`].
pub struct RecordStore<C: RecordContainer> {
    records: C,
    limits: AdvisoryLimits,
    index_cache: Option<PathBuf>,
    state: Mutex<StoreState>,
}

/// Records in a folder ([`FolderRecords`]).
pub type AdvisoryFolder = RecordStore<FolderRecords>;
/// Records in an OSV export zip ([`ExportRecords`]).
pub type LazyIndex = RecordStore<ExportRecords>;

impl RecordStore<FolderRecords> {
    pub fn new(path: impl Into<PathBuf>, limits: AdvisoryLimits) -> Self {
        let mut root: PathBuf = path.into();
        // A checkout of the PyPA database: its records are under `vulns/`.
        if root.join("vulns").is_dir() {
            root = root.join("vulns");
        }
        Self::of(FolderRecords { root }, limits)
    }
}

impl RecordStore<ExportRecords> {
    pub fn new(path: impl Into<PathBuf>, limits: AdvisoryLimits) -> Self {
        Self::of(
            ExportRecords {
                path: path.into(),
                file: Mutex::new(None),
            },
            limits,
        )
    }
}

/// Why located records could not be read as indexed: the index is rebuilt.
struct Stale(String);

impl<C: RecordContainer> RecordStore<C> {
    fn of(records: C, limits: AdvisoryLimits) -> Self {
        Self {
            records,
            limits,
            index_cache: None,
            state: Mutex::new(StoreState::default()),
        }
    }

    /// Keeps the name index in `folder` (the advisory cache folder).
    pub fn with_index_cache(mut self, folder: impl Into<PathBuf>) -> Self {
        self.index_cache = Some(folder.into());
        self
    }

    /// The canonical path of the records: the index's key and signature.
    fn canonical(&self) -> PathBuf {
        let path = self.records.path();
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }

    fn signature(&self, canonical: &Path) -> String {
        format!("{}\0{}", self.records.kind(), canonical.display())
    }

    /// Where the index of these records is kept under `cache` (one file per path and kind).
    fn index_path(cache: &Path, signature: &str) -> PathBuf {
        cache.join("advisory-index").join(format!(
            "{:016x}.idx",
            kept_index::fnv1a(signature.as_bytes())
        ))
    }

    /// The kept index when it matches the records; else one built now from every record (and
    /// kept when the cache folder can be written).
    fn open_or_build<'s>(
        &self,
        state: &'s mut StoreState,
        cache: &Path,
    ) -> Result<&'s mut KeptIndex, String> {
        if state.index.is_none() {
            let _span = tracing::debug_span!("advisory_index_open").entered();
            let canonical = self.canonical();
            let signature = self.signature(&canonical);
            let path = Self::index_path(cache, &signature);
            let reason = match KeptIndex::open(&path, &signature) {
                Ok(index) => match index.watched.iter().find(|w| !w.unchanged(&canonical)) {
                    None => {
                        tracing::debug!(index = %path.display(), records = index.records, "advisories index reused");
                        state.records = Some(index.records);
                        state.index = Some(index);
                        None
                    }
                    Some(w) => {
                        let changed = kept_index::joined(&canonical, &w.path);
                        tracing::info!(changed = %changed.display(), "advisories changed since their index was built: rebuilding");
                        Some(format!("{} changed", changed.display()))
                    }
                },
                Err(Unusable::Missing) => Some(Unusable::Missing.to_string()),
                Err(e) => {
                    tracing::warn!(index = %path.display(), reason = %e, "advisories index not usable: rebuilding");
                    Some(e.to_string())
                }
            };
            if let Some(reason) = reason {
                state.index = Some(self.build(&canonical, &signature, &path, &reason)?);
                state.records = state.index.as_ref().map(|i| i.records);
            }
        }
        state
            .index
            .as_mut()
            .ok_or_else(|| unreadable(self.records.path(), "no index"))
    }

    /// Parses every record once and keeps which name which package.
    fn build(
        &self,
        canonical: &Path,
        signature: &str,
        path: &Path,
        reason: &str,
    ) -> Result<KeptIndex, String> {
        let _span = tracing::info_span!("advisory_index_build", reason).entered();
        let mut names: BTreeMap<String, Vec<Locator>> = BTreeMap::new();
        let mut records = 0u64;
        let mut skipped = 0u64;
        let each =
            &mut |locator: Locator, text: &str| match parse_record(text, is_yaml(&locator.entry)) {
                Ok(record) if !record.id.is_empty() => {
                    records += 1;
                    for name in pypi_names(&record) {
                        names.entry(name).or_default().push(locator.clone());
                    }
                }
                _ => skipped += 1,
            };
        let watched = self
            .records
            .each_record(&self.limits, each)
            .map_err(|e| e.to_string())?;
        let bytes = kept_index::encode(signature, records, &watched, &names);
        match kept_index::keep(path, &bytes) {
            Ok(()) => {
                tracing::info!(source = %canonical.display(), index = %path.display(), records, skipped, names = names.len(), "advisories index built and kept")
            }
            // A cache that cannot be written costs speed, never an answer.
            Err(e) => {
                tracing::warn!(index = %path.display(), error = %e, "advisories index built but not kept")
            }
        }
        KeptIndex::in_memory(bytes, signature).map_err(|e| e.to_string())
    }

    /// The records of `names` through the index, each checked against what was indexed.
    fn read_located(
        &self,
        index: &mut KeptIndex,
        names: &[String],
    ) -> Result<AdvisoryIndex, Stale> {
        let mut locators = Vec::new();
        for name in names {
            locators.extend(index.locators(name).map_err(Stale)?);
        }
        locators.sort();
        locators.dedup();
        let mut out = AdvisoryIndex::default();
        for locator in &locators {
            let text = self.records.read(locator, &self.limits).map_err(Stale)?;
            out.add_text(&locator.entry, &text);
        }
        Ok(out)
    }

    /// Without an index: every record read, those that mention a name parsed.
    fn read_mentioning(
        &self,
        state: &mut StoreState,
        names: &[String],
    ) -> Result<AdvisoryIndex, String> {
        let mentions = Mentions::of(names);
        let mut out = AdvisoryIndex::default();
        let mut records = 0u64;
        self.records
            .each_record(&self.limits, &mut |locator, text| {
                records += 1;
                if mentions.in_text(text) {
                    out.add_text(&locator.entry, text);
                }
            })
            .map_err(|e| e.to_string())?;
        state.records = Some(records);
        Ok(out)
    }

    /// Parses the records that name any of `names` (normalised).
    fn load(&self, state: &mut StoreState, names: &[String]) -> Result<AdvisoryIndex, String> {
        let Some(cache) = &self.index_cache else {
            return self.read_mentioning(state, names);
        };
        let _span = tracing::debug_span!("advisory_lookup", names = names.len()).entered();
        let index = self.open_or_build(state, cache)?;
        match self.read_located(index, names) {
            Ok(found) => Ok(found),
            Err(Stale(reason)) => {
                // A record changed in place (the directories did not tell): rebuilt once; if
                // the records keep changing, these names read "not checked".
                tracing::warn!(reason, "advisories index stale: rebuilding");
                let canonical = self.canonical();
                let signature = self.signature(&canonical);
                let path = Self::index_path(cache, &signature);
                let mut index = self.build(&canonical, &signature, &path, &reason)?;
                let found = self.read_located(&mut index, names);
                state.records = Some(index.records);
                state.index = Some(index);
                found.map_err(|Stale(reason)| {
                    format!("advisories changed while they were read: {reason}")
                })
            }
        }
    }
}

impl<C: RecordContainer> AdvisorySource for RecordStore<C> {
    fn describe(&self) -> String {
        // Its metadata, not its records: a warm scan never lists them.
        if let Err(e) = std::fs::metadata(self.records.path()) {
            return format!("none ({})", unreadable(self.records.path(), e));
        }
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.records {
            Some(records) => format!("{} ({records} records)", self.records.origin()),
            None => self.records.origin(),
        }
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut missing: Vec<String> = queries
            .iter()
            .map(|q| q.name.clone())
            .filter(|n| !state.loaded.contains_key(n))
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            match self.load(&mut state, &missing) {
                Ok(mut found) => {
                    for name in missing {
                        let records = found.take(&name);
                        state.loaded.insert(name, records);
                    }
                }
                Err(e) => return queries.iter().map(|_| Err(e.clone())).collect(),
            }
        }
        queries
            .iter()
            .map(|q| Ok(state.loaded.get(&q.name).cloned().unwrap_or_default()))
            .collect()
    }
}
