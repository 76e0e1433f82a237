//! Where advisories come from, behind one port ([`AdvisorySource`]): a folder or zip of OSV
//! records (a checkout of the PyPA advisory database, an OSV export such as `PyPI/all.zip`), or
//! the OSV API (`querybatch`, then `vulns/{id}`) with a cache that expires, or nothing (every
//! dependency then reads "not checked", never clean).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use validator_bundled::ReleaseCache;

use crate::osv::{normalise, parse_record, OsvRecord, PYPI};

/// One package to look up: its normalised name and, when pinned, its exact version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackageQuery {
    pub name: String,
    pub version: Option<String>,
}

/// What a source answers for one query: the records that may apply (the check evaluates each
/// against the version), or why it could not answer.
pub type Lookup = Result<Vec<Arc<OsvRecord>>, String>;

/// A source of OSV advisories.
pub trait AdvisorySource: Send + Sync {
    /// What the report names as the advisory data (`OSV API https://api.osv.dev`).
    fn describe(&self) -> String;
    /// One answer per query, in order.
    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup>;
}

/// No advisory data configured or reachable: every dependency is "not checked".
#[derive(Debug, Clone)]
pub struct NoAdvisories {
    pub reason: String,
}

impl AdvisorySource for NoAdvisories {
    fn describe(&self) -> String {
        format!("none ({})", self.reason)
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        queries.iter().map(|_| Err(self.reason.clone())).collect()
    }
}

/// Why advisory data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AdvisoryError {
    #[error("advisories `{path}` cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("advisories `{path}` hold more than max_index_records ({limit}) records")]
    TooMany { path: String, limit: usize },
}

/// Named, configurable limits of the advisory sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdvisoryLimits {
    /// Largest OSV record read (a folder's file, a zip's entry, an API answer).
    pub max_record_bytes: u64,
    /// Records an index (folder or export) may hold.
    pub max_index_records: usize,
    /// Queries in one `querybatch` request (the API accepts 1000).
    pub max_batch_queries: usize,
    /// Records fetched from the API per scan (past it, the rest read "not checked").
    pub max_fetched_records: usize,
    /// Pages followed per query when the API paginates its answer.
    pub max_pages: usize,
    /// Per request.
    pub timeout: Duration,
    /// How long a cached answer is used before it is asked again.
    pub cache_ttl: Duration,
}

impl Default for AdvisoryLimits {
    fn default() -> Self {
        Self {
            max_record_bytes: 4 * 1024 * 1024,
            max_index_records: 500_000,
            max_batch_queries: 1000,
            max_fetched_records: 500,
            max_pages: 5,
            timeout: Duration::from_secs(20),
            cache_ttl: Duration::from_secs(24 * 3600),
        }
    }
}

/// OSV records held in memory, by normalised package name (a folder of records or an export).
#[derive(Debug, Default)]
pub struct AdvisoryIndex {
    origin: String,
    by_name: HashMap<String, Vec<Arc<OsvRecord>>>,
    records: usize,
    /// Files that were not OSV records (counted, logged).
    skipped: usize,
}

impl AdvisoryIndex {
    fn add(&mut self, record: OsvRecord) {
        self.records += 1;
        let record = Arc::new(record);
        for name in pypi_names(&record) {
            self.by_name.entry(name).or_default().push(record.clone());
        }
    }

    fn add_text(&mut self, name: &str, text: &str) {
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        match parse_record(text, yaml) {
            Ok(record) if !record.id.is_empty() => self.add(record),
            Ok(_) => self.skipped += 1,
            Err(e) => {
                self.skipped += 1;
                tracing::debug!(file = name, error = %e, "not an OSV record");
            }
        }
    }

    fn is_record_file(name: &str) -> bool {
        [".json", ".yaml", ".yml"].iter().any(|e| name.ends_with(e))
    }

    /// Every `*.json`/`*.yaml` record under a folder (recursively: the PyPA database keeps one
    /// folder per package).
    pub fn from_folder(path: &Path, limits: &AdvisoryLimits) -> Result<Self, AdvisoryError> {
        let unreadable = |e: std::io::Error| AdvisoryError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let mut index = Self {
            origin: format!("advisories folder {}", path.display()),
            ..Self::default()
        };
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(unreadable)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for entry in entries {
                let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with('.') {
                    continue;
                }
                if entry.is_dir() {
                    stack.push(entry);
                    continue;
                }
                if !Self::is_record_file(name) {
                    continue;
                }
                let size = entry.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
                if size > limits.max_record_bytes {
                    index.skipped += 1;
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&entry) else {
                    index.skipped += 1;
                    continue;
                };
                index.add_text(name, &text);
                if index.records > limits.max_index_records {
                    return Err(AdvisoryError::TooMany {
                        path: path.display().to_string(),
                        limit: limits.max_index_records,
                    });
                }
            }
        }
        tracing::info!(origin = %index.origin, records = index.records, skipped = index.skipped, "advisories loaded");
        Ok(index)
    }

    /// The records of a zip (an OSV export, `https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip`).
    pub fn from_zip(
        bytes: &[u8],
        origin: &str,
        limits: &AdvisoryLimits,
    ) -> Result<Self, AdvisoryError> {
        Self::from_zip_mentioning(bytes, origin, limits, None)
    }

    /// The records of a zip; with `mentions`, only those that mention one of its names.
    fn from_zip_mentioning(
        bytes: &[u8],
        origin: &str,
        limits: &AdvisoryLimits,
        mentions: Option<&Mentions>,
    ) -> Result<Self, AdvisoryError> {
        let unreadable = |reason: String| AdvisoryError::Unreadable {
            path: origin.to_owned(),
            reason,
        };
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| unreadable(e.to_string()))?;
        let mut index = Self {
            origin: format!("OSV export {origin}"),
            ..Self::default()
        };
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).map_err(|e| unreadable(e.to_string()))?;
            let Ok(name) = file.name().map(|n| n.into_owned()) else {
                index.skipped += 1;
                continue;
            };
            if !file.is_file() || !Self::is_record_file(&name) {
                continue;
            }
            if file.size() > limits.max_record_bytes {
                index.skipped += 1;
                continue;
            }
            let mut text = String::new();
            if (&mut file)
                .take(limits.max_record_bytes)
                .read_to_string(&mut text)
                .is_err()
            {
                index.skipped += 1;
                continue;
            }
            if mentions.is_some_and(|m| !m.in_text(&text)) {
                continue;
            }
            index.add_text(&name, &text);
            if index.records > limits.max_index_records {
                return Err(AdvisoryError::TooMany {
                    path: origin.to_owned(),
                    limit: limits.max_index_records,
                });
            }
        }
        tracing::info!(
            origin,
            records = index.records,
            skipped = index.skipped,
            "advisories loaded"
        );
        Ok(index)
    }

    /// A folder, or a `.zip` file of records.
    pub fn from_path(path: &Path, limits: &AdvisoryLimits) -> Result<Self, AdvisoryError> {
        if path.is_file() {
            let bytes = std::fs::read(path).map_err(|e| AdvisoryError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            Self::from_zip(&bytes, &path.display().to_string(), limits)
        } else {
            Self::from_folder(path, limits)
        }
    }

    pub fn records(&self) -> usize {
        self.records
    }
}

impl AdvisorySource for AdvisoryIndex {
    fn describe(&self) -> String {
        format!("{} ({} records)", self.origin, self.records)
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        queries
            .iter()
            .map(|q| Ok(self.by_name.get(&q.name).cloned().unwrap_or_default()))
            .collect()
    }
}

/// The names a record must mention to be parsed, in every spelling a record may use for a
/// normalised name (`zope-interface`: `zope.interface`, `zope_interface`), lowercased.
struct Mentions(Vec<[String; 3]>);

impl Mentions {
    fn of(names: &[String]) -> Self {
        Self(
            names
                .iter()
                .map(|n| [n.clone(), n.replace('-', "_"), n.replace('-', ".")])
                .collect(),
        )
    }

    fn in_text(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        self.0
            .iter()
            .any(|forms| forms.iter().any(|f| lower.contains(f.as_str())))
    }
}

/// One record file of a folder, with what tells a changed file from the one indexed.
#[derive(Debug, Clone)]
struct RecordFile {
    path: PathBuf,
    size: u64,
    /// Modification time (nanoseconds since the epoch; 0 when unknown).
    modified: u128,
}

/// Which record files name which packages, for a folder listing with this signature: kept in
/// the advisory cache folder, so that a scan with a warm cache reads the few records of its
/// packages instead of every file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct NameIndex {
    /// Of every file's path (relative to the folder), size and modification time.
    signature: String,
    /// Normalised package name -> positions in the sorted listing.
    names: HashMap<String, Vec<usize>>,
}

/// FNV-1a over the listing: a cheap, stable fingerprint (not a defence against anyone: the
/// folder and the cache are the operator's own).
fn listing_signature(root: &Path, files: &[RecordFile]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in files {
        let relative = file.path.strip_prefix(root).unwrap_or(&file.path);
        feed(relative.to_string_lossy().as_bytes());
        feed(&[0]);
        feed(&file.size.to_le_bytes());
        feed(&file.modified.to_le_bytes());
    }
    format!("{hash:016x}-{}", files.len())
}

impl NameIndex {
    /// Where the index of the folder or export at `source` is kept under `cache`.
    fn path_for(cache: &Path, source: &Path) -> PathBuf {
        let source = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        let key = listing_signature(
            Path::new(""),
            &[RecordFile {
                path: source,
                size: 0,
                modified: 0,
            }],
        );
        cache.join("folder-index").join(format!("{key}.json"))
    }

    /// The index kept at `path`, when it was made for this `signature`.
    fn kept(path: &Path, signature: &str) -> Option<Self> {
        let kept = std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Self>(&bytes).ok())
            .filter(|kept| kept.signature == signature)?;
        tracing::debug!(index = %path.display(), "advisories index reused");
        Some(kept)
    }

    /// Keeps the index at `path` (written aside, then renamed: a reader never sees half of
    /// it). A cache that cannot be written costs speed, never an answer.
    fn keep(&self, path: &Path) {
        let written = path.parent().map(std::fs::create_dir_all).map(|r| {
            r.and_then(|()| {
                let tmp = path.with_extension(format!("tmp{}", std::process::id()));
                std::fs::write(&tmp, serde_json::to_vec(self).unwrap_or_default())
                    .and_then(|()| std::fs::rename(&tmp, path))
            })
        });
        if let Some(Err(e)) = written {
            tracing::warn!(index = %path.display(), error = %e, "advisories index not kept");
        }
    }
}

/// Records in a folder (recursively: the PyPA database keeps `vulns/<package>/*.yaml`; an
/// unpacked export is flat), read on first use and only for the packages asked about. With an
/// index cache folder, the first scan parses every record once and keeps which files name which
/// package (valid while no file is added, removed or changed: each file's size and modification
/// time are compared); later scans read only their packages' records. Without one (or while the
/// kept index does not match), every file is read, but only those that mention an asked name
/// are parsed. Parsed records are kept for the process.
pub struct AdvisoryFolder {
    root: PathBuf,
    limits: AdvisoryLimits,
    index_cache: Option<PathBuf>,
    files: OnceLock<Result<Vec<RecordFile>, String>>,
    names: OnceLock<Option<NameIndex>>,
    loaded: Mutex<HashMap<String, Vec<Arc<OsvRecord>>>>,
}

impl AdvisoryFolder {
    pub fn new(path: impl Into<PathBuf>, limits: AdvisoryLimits) -> Self {
        let mut root: PathBuf = path.into();
        // A checkout of the PyPA database: its records are under `vulns/`.
        if root.join("vulns").is_dir() {
            root = root.join("vulns");
        }
        Self {
            root,
            limits,
            index_cache: None,
            files: OnceLock::new(),
            names: OnceLock::new(),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps the folder's name index in `folder` (the advisory cache folder).
    pub fn with_index_cache(mut self, folder: impl Into<PathBuf>) -> Self {
        self.index_cache = Some(folder.into());
        self
    }

    fn files(&self) -> &Result<Vec<RecordFile>, String> {
        self.files.get_or_init(|| {
            let mut files = Vec::new();
            let mut stack = vec![self.root.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|e| {
                    AdvisoryError::Unreadable {
                        path: dir.display().to_string(),
                        reason: e.to_string(),
                    }
                    .to_string()
                })?;
                for entry in entries.filter_map(|e| e.ok()) {
                    let path = entry.path();
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    // The entry's type from the directory listing, and one `stat` per record
                    // file: this listing is most of a warm scan's cost.
                    let file_type = entry.file_type().ok();
                    let is_dir = match file_type {
                        Some(t) if t.is_symlink() => path.is_dir(),
                        Some(t) => t.is_dir(),
                        None => path.is_dir(),
                    };
                    if is_dir {
                        stack.push(path);
                    } else if AdvisoryIndex::is_record_file(&name) {
                        let metadata = match file_type {
                            Some(t) if !t.is_symlink() => entry.metadata().ok(),
                            _ => std::fs::metadata(&path).ok(),
                        };
                        let modified = metadata
                            .as_ref()
                            .and_then(|m| m.modified().ok())
                            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                            .map_or(0, |d| d.as_nanos());
                        files.push(RecordFile {
                            path,
                            size: metadata.map_or(u64::MAX, |m| m.len()),
                            modified,
                        });
                    }
                }
                if files.len() > self.limits.max_index_records {
                    return Err(AdvisoryError::TooMany {
                        path: self.root.display().to_string(),
                        limit: self.limits.max_index_records,
                    }
                    .to_string());
                }
            }
            files.sort_by(|a, b| a.path.cmp(&b.path));
            tracing::info!(root = %self.root.display(), files = files.len(), "advisories folder listed");
            Ok(files)
        })
    }

    /// Where the name index of this folder is kept (one file per folder path).
    fn index_path(&self) -> Option<PathBuf> {
        Some(NameIndex::path_for(self.index_cache.as_ref()?, &self.root))
    }

    /// The kept name index when it matches the listing; else one built now from every record
    /// (and kept, when the cache folder can be written). `None` without a cache folder.
    fn name_index(&self, files: &[RecordFile]) -> Option<&NameIndex> {
        self.names
            .get_or_init(|| {
                let path = self.index_path()?;
                let signature = listing_signature(&self.root, files);
                if let Some(kept) = NameIndex::kept(&path, &signature) {
                    return Some(kept);
                }
                let mut index = NameIndex {
                    signature,
                    names: HashMap::new(),
                };
                for (position, file) in files.iter().enumerate() {
                    let Some(record) = self.read_record(file) else {
                        continue;
                    };
                    for name in pypi_names(&record) {
                        index.names.entry(name).or_default().push(position);
                    }
                }
                index.keep(&path);
                Some(index)
            })
            .as_ref()
    }

    fn read_record(&self, file: &RecordFile) -> Option<OsvRecord> {
        if file.size > self.limits.max_record_bytes {
            return None;
        }
        let text = std::fs::read_to_string(&file.path).ok()?;
        let name = file.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        parse_record(&text, yaml).ok().filter(|r| !r.id.is_empty())
    }

    /// Parses the records that name any of `names` (normalised) and keeps them per name.
    fn load(&self, files: &[RecordFile], names: &[String]) {
        let mut index = AdvisoryIndex::default();
        if let Some(kept) = self.name_index(files) {
            let mut positions: Vec<usize> = names
                .iter()
                .filter_map(|n| kept.names.get(n))
                .flatten()
                .copied()
                .collect();
            positions.sort_unstable();
            positions.dedup();
            for file in positions.iter().filter_map(|&i| files.get(i)) {
                if let Some(record) = self.read_record(file) {
                    index.add(record);
                }
            }
        } else {
            let mentions = Mentions::of(names);
            for file in files {
                if file.size > self.limits.max_record_bytes {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&file.path) else {
                    continue;
                };
                if mentions.in_text(&text) {
                    let name = file.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    index.add_text(name, &text);
                }
            }
        }
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        for name in names {
            loaded.insert(name.clone(), index.by_name.remove(name).unwrap_or_default());
        }
    }
}

/// The normalised PyPI package names a record's `affected` entries name.
fn pypi_names(record: &OsvRecord) -> BTreeSet<String> {
    record
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .filter(|p| p.ecosystem.split(':').next() == Some(PYPI))
        .map(|p| normalise(&p.name))
        .collect()
}

impl AdvisorySource for AdvisoryFolder {
    fn describe(&self) -> String {
        match self.files() {
            Ok(files) => format!(
                "advisories folder {} ({} record files)",
                self.root.display(),
                files.len()
            ),
            Err(e) => format!("none ({e})"),
        }
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        let files = match self.files() {
            Ok(files) => files,
            Err(e) => return queries.iter().map(|_| Err(e.clone())).collect(),
        };
        let missing: Vec<String> = {
            let loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            let mut missing: Vec<String> = queries
                .iter()
                .map(|q| q.name.clone())
                .filter(|n| !loaded.contains_key(n))
                .collect();
            missing.sort();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            self.load(files, &missing);
        }
        let loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        queries
            .iter()
            .map(|q| Ok(loaded.get(&q.name).cloned().unwrap_or_default()))
            .collect()
    }
}

/// An OSV export zip read on first use (the check is built for every command; the export is
/// read only by a scan that has dependencies), parsing only the records that mention an asked
/// name, kept for the process. With an index cache folder, the first scan parses every record
/// once and keeps which entries name which package (valid while the zip's size and
/// modification time are the same); later scans open the zip and read only their packages'
/// entries.
pub struct LazyIndex {
    path: PathBuf,
    limits: AdvisoryLimits,
    index_cache: Option<PathBuf>,
    bytes: OnceLock<Result<Vec<u8>, String>>,
    names: OnceLock<Option<NameIndex>>,
    loaded: Mutex<HashMap<String, Vec<Arc<OsvRecord>>>>,
}

impl LazyIndex {
    pub fn new(path: impl Into<PathBuf>, limits: AdvisoryLimits) -> Self {
        Self {
            path: path.into(),
            limits,
            index_cache: None,
            bytes: OnceLock::new(),
            names: OnceLock::new(),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps the export's name index in `folder` (the advisory cache folder).
    pub fn with_index_cache(mut self, folder: impl Into<PathBuf>) -> Self {
        self.index_cache = Some(folder.into());
        self
    }

    fn unreadable(&self, e: impl std::fmt::Display) -> String {
        AdvisoryError::Unreadable {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        }
        .to_string()
    }

    fn bytes(&self) -> &Result<Vec<u8>, String> {
        self.bytes
            .get_or_init(|| std::fs::read(&self.path).map_err(|e| self.unreadable(e)))
    }

    /// The kept name index when it was made for this zip; else one built now from every entry
    /// (and kept). `None` without a cache folder or when the zip cannot be read.
    fn name_index(&self) -> Option<&NameIndex> {
        self.names
            .get_or_init(|| {
                let cache = self.index_cache.as_ref()?;
                let metadata = std::fs::metadata(&self.path).ok()?;
                let file = RecordFile {
                    path: PathBuf::from("export.zip"),
                    size: metadata.len(),
                    modified: metadata
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos()),
                };
                let signature = listing_signature(Path::new(""), &[file]);
                let path = NameIndex::path_for(cache, &self.path);
                if let Some(kept) = NameIndex::kept(&path, &signature) {
                    return Some(kept);
                }
                let bytes = self.bytes().as_ref().ok()?;
                let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
                let mut index = NameIndex {
                    signature,
                    names: HashMap::new(),
                };
                for position in 0..zip.len() {
                    let Some((name, text)) = self.entry_text(&mut zip, position) else {
                        continue;
                    };
                    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
                    let Ok(record) = parse_record(&text, yaml) else {
                        continue;
                    };
                    for package in pypi_names(&record) {
                        index.names.entry(package).or_default().push(position);
                    }
                }
                index.keep(&path);
                Some(index)
            })
            .as_ref()
    }

    /// One entry's name and text, when it is a record file within `max_record_bytes`.
    fn entry_text<R: std::io::Read + std::io::Seek>(
        &self,
        zip: &mut zip::ZipArchive<R>,
        position: usize,
    ) -> Option<(String, String)> {
        let file = zip.by_index(position).ok()?;
        let name = file.name().map(|n| n.into_owned()).ok()?;
        if !file.is_file()
            || !AdvisoryIndex::is_record_file(&name)
            || file.size() > self.limits.max_record_bytes
        {
            return None;
        }
        let mut text = String::new();
        file.take(self.limits.max_record_bytes)
            .read_to_string(&mut text)
            .ok()?;
        Some((name, text))
    }

    /// The records of `names` through the kept index: the zip's directory, then their entries.
    fn load_indexed(&self, index: &NameIndex, names: &[String]) -> Result<AdvisoryIndex, String> {
        let file = std::fs::File::open(&self.path).map_err(|e| self.unreadable(e))?;
        let mut zip =
            zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| self.unreadable(e))?;
        let mut positions: Vec<usize> = names
            .iter()
            .filter_map(|n| index.names.get(n))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        let mut out = AdvisoryIndex::default();
        for position in positions {
            if let Some((name, text)) = self.entry_text(&mut zip, position) {
                out.add_text(&name, &text);
            }
        }
        Ok(out)
    }
}

impl AdvisorySource for LazyIndex {
    fn describe(&self) -> String {
        // Its metadata, not its bytes: a scan with a kept index never reads the whole export.
        match std::fs::metadata(&self.path) {
            Ok(_) => format!("OSV export {}", self.path.display()),
            Err(e) => format!("none ({})", self.unreadable(e)),
        }
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        let mut missing: Vec<String> = queries
            .iter()
            .map(|q| q.name.clone())
            .filter(|n| !loaded.contains_key(n))
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let found = match self.name_index() {
                Some(index) => self.load_indexed(index, &missing),
                None => match self.bytes() {
                    Ok(bytes) => AdvisoryIndex::from_zip_mentioning(
                        bytes,
                        &self.path.display().to_string(),
                        &self.limits,
                        Some(&Mentions::of(&missing)),
                    )
                    .map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                },
            };
            match found {
                Ok(mut index) => {
                    for name in missing {
                        let records = index.by_name.remove(&name).unwrap_or_default();
                        loaded.insert(name, records);
                    }
                }
                Err(e) => return queries.iter().map(|_| Err(e.clone())).collect(),
            }
        }
        queries
            .iter()
            .map(|q| Ok(loaded.get(&q.name).cloned().unwrap_or_default()))
            .collect()
    }
}

/// The source of records at `path`: a folder ([`AdvisoryFolder`], its name index kept in
/// `index_cache` when given) or an export zip ([`LazyIndex`]). `Err` when nothing can be read
/// there.
pub fn advisories_at(
    path: &Path,
    limits: AdvisoryLimits,
    index_cache: Option<PathBuf>,
) -> Result<Arc<dyn AdvisorySource>, AdvisoryError> {
    let metadata = std::fs::metadata(path).map_err(|e| AdvisoryError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    Ok(if metadata.is_dir() {
        let folder = AdvisoryFolder::new(path, limits);
        match index_cache {
            Some(cache) => Arc::new(folder.with_index_cache(cache)),
            None => Arc::new(folder),
        }
    } else {
        let export = LazyIndex::new(path, limits);
        match index_cache {
            Some(cache) => Arc::new(export.with_index_cache(cache)),
            None => Arc::new(export),
        }
    })
}

/// A request's failure without its URL: the HTTP status, or the transport's kind and message.
fn failure(error: ureq::Error) -> String {
    match error {
        ureq::Error::Status(code, _) => format!("HTTP status {code}"),
        ureq::Error::Transport(t) => match t.message() {
            Some(message) => format!("{} ({message})", t.kind()),
            None => t.kind().to_string(),
        },
    }
}

/// A cached answer and when it was fetched.
#[derive(Serialize, Deserialize)]
struct Cached<T> {
    fetched_at: u64,
    value: T,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<BatchResult>,
}

#[derive(Deserialize, Default)]
struct BatchResult {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
struct VulnRef {
    id: String,
}

/// The OSV API (`https://api.osv.dev`): one `querybatch` for the dependencies not cached, then
/// each record by id (`vulns/{id}`), answers kept in `cache` for `cache_ttl`. Failures are never
/// cached: a dependency whose answer failed reads "not checked".
pub struct OsvApi {
    base: String,
    agent: ureq::Agent,
    cache: Option<Box<dyn ReleaseCache>>,
    limits: AdvisoryLimits,
}

impl OsvApi {
    pub const DEFAULT_URL: &'static str = "https://api.osv.dev";

    pub fn new(base: &str, limits: AdvisoryLimits) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent: ureq::AgentBuilder::new()
                .timeout_connect(limits.timeout)
                .timeout(limits.timeout)
                .build(),
            cache: None,
            limits,
        }
    }

    /// Answers kept in `cache` (a folder locally, the stack's bucket on AWS).
    pub fn with_cache(mut self, cache: impl ReleaseCache + 'static) -> Self {
        self.cache = Some(Box::new(cache));
        self
    }

    /// The API's host, for messages: reports name no URL (the HTML report links nowhere).
    fn host(&self) -> &str {
        self.base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, rest)| rest)
    }

    pub fn with_boxed_cache(mut self, cache: Box<dyn ReleaseCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    fn cache_get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Option<T> {
        let bytes = self.cache.as_ref()?.get(key)?;
        let cached: Cached<T> = serde_json::from_slice(&bytes).ok()?;
        let age = now_secs().saturating_sub(cached.fetched_at);
        (age < self.limits.cache_ttl.as_secs()).then_some(cached.value)
    }

    fn cache_put<T: Serialize>(&self, key: &str, value: T) {
        if let Some(cache) = &self.cache {
            let cached = Cached {
                fetched_at: now_secs(),
                value,
            };
            if let Ok(bytes) = serde_json::to_vec(&cached) {
                cache.put(key, bytes);
            }
        }
    }

    fn query_key(q: &PackageQuery) -> String {
        let version = q.version.as_deref().unwrap_or("_any");
        // Keys are paths: keep them to safe characters.
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        format!("osv/query/{PYPI}/{}/{}.json", safe(&q.name), safe(version))
    }

    fn read_body(&self, response: ureq::Response, url: &str) -> Result<Vec<u8>, String> {
        // Without the scheme: reports name no URL.
        let url = url.split_once("://").map_or(url, |(_, rest)| rest);
        let mut body = Vec::new();
        response
            .into_reader()
            .take(self.limits.max_record_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| format!("{url}: {e}"))?;
        if body.len() as u64 > self.limits.max_record_bytes {
            return Err(format!(
                "{url}: answer larger than max_record_bytes ({})",
                self.limits.max_record_bytes
            ));
        }
        Ok(body)
    }

    fn post(&self, path: &str, body: &serde_json::Value) -> Result<Vec<u8>, String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .agent
            .post(&url)
            .set("Content-Type", "application/json")
            .send_string(&body.to_string())
            .map_err(|e| format!("OSV API {}: {}", self.host(), failure(e)))?;
        self.read_body(response, &url)
    }

    fn query_json(q: &PackageQuery) -> serde_json::Value {
        let mut query = serde_json::json!({"package": {"name": q.name, "ecosystem": PYPI}});
        if let Some(version) = &q.version {
            query["version"] = serde_json::Value::String(version.clone());
        }
        query
    }

    /// The ids of the records that affect each query (from the cache or one batch request).
    fn ids(&self, queries: &[PackageQuery]) -> Vec<Result<Vec<String>, String>> {
        let mut out: Vec<Option<Result<Vec<String>, String>>> = queries
            .iter()
            .map(|q| self.cache_get::<Vec<String>>(&Self::query_key(q)).map(Ok))
            .collect();
        let missing: Vec<usize> = (0..queries.len()).filter(|&i| out[i].is_none()).collect();
        for chunk in missing.chunks(self.limits.max_batch_queries.max(1)) {
            let body = serde_json::json!({
                "queries": chunk.iter().map(|&i| Self::query_json(&queries[i])).collect::<Vec<_>>()
            });
            let answer = self.post("/v1/querybatch", &body).and_then(|bytes| {
                serde_json::from_slice::<BatchAnswer>(&bytes)
                    .map_err(|e| format!("OSV API querybatch: unexpected answer: {e}"))
            });
            let answer = answer.and_then(|a| {
                if a.results.len() == chunk.len() {
                    Ok(a.results)
                } else {
                    Err(format!(
                        "OSV API querybatch: {} results for {} queries",
                        a.results.len(),
                        chunk.len()
                    ))
                }
            });
            match answer {
                Err(e) => {
                    tracing::warn!(error = %e, "OSV API not answered");
                    for &i in chunk {
                        out[i] = Some(Err(e.clone()));
                    }
                }
                Ok(results) => {
                    for (&i, result) in chunk.iter().zip(results) {
                        let ids = self.follow_pages(&queries[i], result);
                        if let Ok(ids) = &ids {
                            self.cache_put(&Self::query_key(&queries[i]), ids);
                        }
                        out[i] = Some(ids);
                    }
                }
            }
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err("not asked".to_owned())))
            .collect()
    }

    /// The ids of one batch result, with the further pages the API announced.
    fn follow_pages(&self, q: &PackageQuery, first: BatchResult) -> Result<Vec<String>, String> {
        let mut ids: Vec<String> = first.vulns.into_iter().map(|v| v.id).collect();
        let mut token = first.next_page_token;
        let mut pages = 0;
        while let Some(t) = token.filter(|t| !t.is_empty()) {
            pages += 1;
            if pages > self.limits.max_pages {
                return Err(format!(
                    "OSV API: more than max_pages ({}) pages of advisories for {}",
                    self.limits.max_pages, q.name
                ));
            }
            let mut body = Self::query_json(q);
            body["page_token"] = serde_json::Value::String(t);
            let bytes = self.post("/v1/query", &body)?;
            let page: BatchResult = serde_json::from_slice(&bytes)
                .map_err(|e| format!("OSV API query: unexpected answer: {e}"))?;
            ids.extend(page.vulns.into_iter().map(|v| v.id));
            token = page.next_page_token;
        }
        // Without a version, only malicious-package records matter (they affect every version);
        // fetching every advisory of a popular name would say nothing about this plugin.
        if q.version.is_none() {
            ids.retain(|id| id.starts_with("MAL-"));
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn record(&self, id: &str) -> Result<Arc<OsvRecord>, String> {
        let safe = id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if !safe || id.is_empty() {
            return Err(format!("OSV API: unexpected advisory id `{id}`"));
        }
        let key = format!("osv/vulns/{id}.json");
        if let Some(value) = self.cache_get::<serde_json::Value>(&key) {
            if let Ok(record) = serde_json::from_value::<OsvRecord>(value) {
                return Ok(Arc::new(record));
            }
        }
        let url = format!("{}/v1/vulns/{id}", self.base);
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| format!("OSV API {}: {}", self.host(), failure(e)))?;
        let bytes = self.read_body(response, &url)?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("OSV API record {id}: {e}"))?;
        let record: OsvRecord = serde_json::from_value(value.clone())
            .map_err(|e| format!("OSV API record {id}: {e}"))?;
        self.cache_put(&key, value);
        Ok(Arc::new(record))
    }
}

impl AdvisorySource for OsvApi {
    fn describe(&self) -> String {
        format!("OSV API {}", self.host())
    }

    fn lookup(&self, queries: &[PackageQuery]) -> Vec<Lookup> {
        let ids = self.ids(queries);
        let mut records: BTreeMap<String, Result<Arc<OsvRecord>, String>> = BTreeMap::new();
        let wanted: BTreeSet<&String> = ids.iter().flatten().flatten().collect();
        for (n, id) in wanted.into_iter().enumerate() {
            let record = if n >= self.limits.max_fetched_records {
                Err(format!(
                    "more than max_fetched_records ({}) advisories",
                    self.limits.max_fetched_records
                ))
            } else {
                self.record(id)
            };
            records.insert(id.clone(), record);
        }
        ids.into_iter()
            .map(|ids| {
                ids?.iter()
                    .map(|id| {
                        records
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| Err(format!("advisory {id} not fetched")))
                    })
                    .collect()
            })
            .collect()
    }
}
