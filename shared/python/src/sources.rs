//! The Python files of one plugin, each inflated and parsed at most once per scan and shared by
//! every check that reads Python in the same process: the parsed module for security and code
//! quality, the bytes for secrets.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use validator_archive::{ArchiveError, Entry, PluginArchive};
use validator_domain::{CheckContext, ScanCache};

use crate::lockstep::{Lockstep, Stretches};
use crate::{PythonLimitError, PythonLimits, PythonModule, SourceError};

/// What reading one Python file gave: its module, or why there is none.
pub type ParsedFile = Result<Arc<PythonModule>, FileError>;

/// One Python file's bytes, as stored in the archive.
pub type FileBytes = Result<Arc<Vec<u8>>, FileError>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The archive could not give the file's bytes: the check cannot finish.
    #[error("reading the file from the archive failed: {0}")]
    Archive(String),
}

impl From<ArchiveError> for FileError {
    fn from(error: ArchiveError) -> Self {
        Self::Archive(error.to_string())
    }
}

/// Is this archive path a Python source file? (`.py`, and `.pyw` like Bandit's default.)
pub fn is_python_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".py") || lower.ends_with(".pyw")
}

/// The [`ScanCache`] slot: the limits may be invalid, and every check must then say so.
struct SourcesSlot(Result<Arc<PythonSources>, PythonLimitError>);

/// A file kept for the checks that have not read it yet: its bytes once inflated, its module
/// once parsed (from those bytes).
#[derive(Clone, Default)]
struct CachedFile {
    bytes: Arc<OnceLock<FileBytes>>,
    parsed: Arc<OnceLock<ParsedFile>>,
}

/// A cache entry and the readers still to come; it is dropped when the last one has it.
struct Slot {
    file: CachedFile,
    remaining: usize,
}

/// The files kept, and their source bytes (against `max_cached_source_bytes`).
#[derive(Default)]
struct Cache {
    files: HashMap<String, Slot>,
    bytes: u64,
    /// Readers that passed a file while nothing was kept for it (the cache was full): a slot
    /// made for it later must not wait for them, or it would be held to the end of the scan
    /// and fill the budget for every file after it.
    passed: HashMap<String, usize>,
}

/// The parse cache of one scan, and the worker threads its checks share.
pub struct PythonSources {
    limits: PythonLimits,
    /// How many checks of the scan read each file, through [`Self::get`] or [`Self::bytes`]
    /// (or pass it with [`Self::release`]).
    readers: usize,
    /// How many times each file is taken from the cache in all: one per reader, more when a
    /// reader goes through the files twice (see [`Self::read_per_file`]).
    reads_per_file: usize,
    cache: Mutex<Cache>,
    /// Built on first use; `None` when threads cannot be started (then files go one by one).
    workers: OnceLock<Option<rayon::ThreadPool>>,
    /// With several readers: the stretches of files they read together (see [`lockstep`]).
    lockstep: Option<Lockstep>,
    stretches: OnceLock<Stretches>,
}

impl PythonSources {
    /// A cache for one reader: nothing is kept (see [`Self::shared_by`]).
    pub fn new(limits: PythonLimits) -> Self {
        Self {
            limits,
            readers: 1,
            reads_per_file: 1,
            cache: Mutex::default(),
            workers: OnceLock::new(),
            lockstep: None,
            stretches: OnceLock::new(),
        }
    }

    /// Keeps each file until `readers` checks have read it (within
    /// `max_cached_source_bytes`), then frees it: the checks of a scan move through the files
    /// together, so only the files between the fastest and the slowest check are held.
    pub fn shared_by(mut self, readers: usize) -> Self {
        self.readers = readers.max(1);
        self.reads_per_file = self.readers;
        self.lockstep = (self.readers > 1).then(|| Lockstep::new(self.readers));
        self
    }

    /// Keeps each file until it has been taken `reads` times in all (at least once per
    /// reader): a reader that goes through the files twice (a first pass outside the
    /// lockstep, then its own) counts twice. Counted once, its second take would free the file
    /// before the last reader had it, and that reader would parse it again into a slot nobody
    /// else takes, held to the end of the scan.
    pub fn read_per_file(mut self, reads: usize) -> Self {
        self.reads_per_file = reads.max(self.readers);
        self
    }

    /// A reader is done with the scan's files (its check ended, however it ended): the others
    /// stop waiting for it at the end of each stretch. Every reader counted by
    /// [`Self::shared_by`] must say so once.
    pub fn leave(&self) {
        if let Some(lockstep) = &self.lockstep {
            lockstep.leave();
        }
    }

    /// The scan's shared cache: the one [`Self::install`]ed by the caller, else one with the
    /// limits of the environment (`PLUGIN_VALIDATOR_MAX_SYNTAX_DEPTH`, ...).
    pub fn of(ctx: &CheckContext<'_>) -> Result<Arc<Self>, PythonLimitError> {
        let slot = ctx.cache.get_or_init(|| {
            SourcesSlot(PythonLimits::from_env().map(|limits| Arc::new(Self::new(limits))))
        });
        slot.0.clone()
    }

    /// Gives the scan in `cache` a parse cache with these limits, for `readers` checks that
    /// read the parsed files, taking each file `reads_per_file` times in all (before the
    /// checks run).
    pub fn install(
        cache: &ScanCache,
        limits: PythonLimits,
        readers: usize,
        reads_per_file: usize,
    ) -> Arc<Self> {
        let sources = Arc::new(
            Self::new(limits)
                .shared_by(readers)
                .read_per_file(reads_per_file),
        );
        let slot = cache.get_or_init(|| SourcesSlot(Ok(sources.clone())));
        match &slot.0 {
            Ok(installed) => installed.clone(),
            Err(_) => sources,
        }
    }

    pub fn limits(&self) -> &PythonLimits {
        &self.limits
    }

    /// The Python files of the archive, in archive order.
    pub fn python_files(archive: &PluginArchive) -> impl Iterator<Item = &Entry> {
        archive.files().filter(|entry| is_python_path(&entry.name))
    }

    /// `work` applied to every item, on the scan's worker threads, results in the items' order.
    /// One pool per scan, shared by all its checks: at most `max_parallel_files` files are in
    /// flight at once across the checks, which bounds memory.
    pub fn map_files<I, T, F>(&self, items: &[I], work: F) -> Vec<T>
    where
        I: Sync,
        T: Send,
        F: Fn(&I) -> T + Sync + Send,
    {
        let workers = self.workers.get_or_init(|| {
            let threads = usize::try_from(self.limits.max_parallel_files).unwrap_or(usize::MAX);
            if threads == 1 {
                return None;
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("scan-worker-{i}"))
                .build()
                .map_err(|e| tracing::warn!(error = %e, "no worker threads; files one by one"))
                .ok()
        });
        match workers {
            Some(pool) if items.len() > 1 => pool.install(|| items.par_iter().map(&work).collect()),
            _ => items.iter().map(work).collect(),
        }
    }

    /// [`Self::map_files`] over files of `archive`, for a check that reads Python files: with
    /// several readers, the files go in stretches of at most half `max_cached_source_bytes` of
    /// Python source, and each reader waits at the end of a stretch until all are done with
    /// it. So a file is parsed once, shared while every reader has it, and freed, however
    /// fast each check is. Results in the entries' order.
    pub fn map_entries<'e, T, F>(
        &self,
        archive: &PluginArchive,
        entries: &[&'e Entry],
        work: F,
    ) -> Vec<T>
    where
        T: Send,
        F: Fn(&&'e Entry) -> T + Sync + Send,
    {
        let Some(lockstep) = &self.lockstep else {
            return self.map_files(entries, work);
        };
        // Half the budget: the trees of a stretch are several times its source, and on the
        // 25 MB bench zip half gave 6-8 MB less peak memory for about the same CPU time.
        let stretches = self
            .stretches
            .get_or_init(|| Stretches::plan(archive, self.limits.max_cached_source_bytes / 2));
        let mut by_stretch: Vec<Vec<(usize, &'e Entry)>> = vec![Vec::new(); stretches.count()];
        for (i, entry) in entries.iter().enumerate() {
            by_stretch[stretches.of(entry)].push((i, *entry));
        }
        let mut results: Vec<Option<T>> = std::iter::repeat_with(|| None)
            .take(entries.len())
            .collect();
        for (stretch, items) in by_stretch.iter().enumerate() {
            let done = self.map_files(items, |(i, entry)| (*i, work(entry)));
            for (i, result) in done {
                results[i] = Some(result);
            }
            lockstep.arrive_and_wait(stretch);
        }
        results.into_iter().flatten().collect()
    }

    /// [`Self::map_entries`] for work that gives a list per file: the lists joined in the
    /// entries' order, or the first error in that order.
    pub fn flat_map_entries<'e, T, E, F>(
        &self,
        archive: &PluginArchive,
        entries: &[&'e Entry],
        work: F,
    ) -> Result<Vec<T>, E>
    where
        T: Send,
        E: Send,
        F: Fn(&&'e Entry) -> Result<Vec<T>, E> + Sync + Send,
    {
        let mut joined = Vec::new();
        for part in self.map_entries(archive, entries, work) {
            joined.extend(part?);
        }
        Ok(joined)
    }

    /// [`Self::map_files`] for work that gives a list per file (a check's findings): the
    /// lists joined in the items' order, or the first error in that order.
    pub fn flat_map_files<I, T, E, F>(&self, items: &[I], work: F) -> Result<Vec<T>, E>
    where
        I: Sync,
        T: Send,
        E: Send,
        F: Fn(&I) -> Result<Vec<T>, E> + Sync + Send,
    {
        let mut joined = Vec::new();
        for part in self.map_files(items, work) {
            joined.extend(part?);
        }
        Ok(joined)
    }

    /// One file, parsed now or taken from the cache. With several readers a file is kept
    /// until the last has it, while the cache holds less than `max_cached_source_bytes` of
    /// source; past that each caller parses its own copy, so memory stays bounded.
    pub fn get(&self, archive: &PluginArchive, entry: &Entry) -> ParsedFile {
        match self.take_slot(entry) {
            Some(file) => file
                .parsed
                .get_or_init(|| self.parse_entry(entry, || Self::bytes_of(&file, archive, entry)))
                .clone(),
            None => self.parse_entry(entry, || inflate(archive, entry)),
        }
    }

    /// One file's bytes, inflated now or taken from the cache (the same bytes the parse
    /// reads), for a check that reads the text itself.
    pub fn bytes(&self, archive: &PluginArchive, entry: &Entry) -> FileBytes {
        match self.take_slot(entry) {
            Some(file) => Self::bytes_of(&file, archive, entry),
            None => inflate(archive, entry),
        }
    }

    /// A reader that will not read this file says so, so that the file is not kept for it.
    pub fn release(&self, entry: &Entry) {
        drop(self.take_slot(entry));
    }

    fn bytes_of(file: &CachedFile, archive: &PluginArchive, entry: &Entry) -> FileBytes {
        file.bytes.get_or_init(|| inflate(archive, entry)).clone()
    }

    /// The file's cache entry for one reader (counted), or `None` when nothing is kept: a
    /// single reader, or the cache is full.
    fn take_slot(&self, entry: &Entry) -> Option<CachedFile> {
        if self.reads_per_file <= 1 {
            return None;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let cache = &mut *cache;
        if let Some(slot) = cache.files.get_mut(&entry.name) {
            slot.remaining -= 1;
            let file = slot.file.clone();
            if slot.remaining == 0 {
                cache.bytes -= entry.size;
                cache.files.remove(&entry.name);
            }
            return Some(file);
        }
        let passed = cache.passed.get(&entry.name).copied().unwrap_or(0);
        let remaining = (self.reads_per_file - 1).saturating_sub(passed);
        if remaining == 0 {
            // The last reader: nobody is left to share with.
            cache.passed.remove(&entry.name);
            return None;
        }
        if cache.bytes.saturating_add(entry.size) > self.limits.max_cached_source_bytes {
            *cache.passed.entry(entry.name.clone()).or_insert(0) += 1;
            return None;
        }
        cache.passed.remove(&entry.name);
        cache.bytes += entry.size;
        let file = CachedFile::default();
        let slot = Slot {
            file: file.clone(),
            remaining,
        };
        cache.files.insert(entry.name.clone(), slot);
        Some(file)
    }

    fn parse_entry(&self, entry: &Entry, bytes: impl FnOnce() -> FileBytes) -> ParsedFile {
        let _span = tracing::debug_span!("parse", path = %entry.name).entered();
        if entry.size > self.limits.max_python_file_bytes {
            return Err(SourceError::TooLarge {
                size: entry.size,
                limit: self.limits.max_python_file_bytes,
            }
            .into());
        }
        let bytes = bytes()?;
        Ok(Arc::new(PythonModule::parse(&bytes, &self.limits)?))
    }
}

fn inflate(archive: &PluginArchive, entry: &Entry) -> FileBytes {
    Ok(Arc::new(archive.read(entry)?))
}
