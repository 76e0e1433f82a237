//! Where advisories come from, behind one port ([`AdvisorySource`]): a folder or zip of OSV
//! records (a checkout of the PyPA advisory database, an OSV export such as `PyPI/all.zip`), or
//! the OSV API (`querybatch`, then `vulns/{id}`) with a cache that expires, or nothing (every
//! dependency then reads "not checked", never clean).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use validator_bundled::ReleaseCache;

use crate::osv::{normalise, parse_record, OsvRecord, PYPI};
use crate::record_store::{
    is_record_file, AdvisoryFolder, FolderRecords, LazyIndex, RecordContainer,
};

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

    pub(crate) fn add_text(&mut self, name: &str, text: &str) {
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

    /// Every `*.json`/`*.yaml` record under a folder (recursively: the PyPA database keeps one
    /// folder per package).
    pub fn from_folder(path: &Path, limits: &AdvisoryLimits) -> Result<Self, AdvisoryError> {
        let mut index = Self {
            origin: format!("advisories folder {}", path.display()),
            ..Self::default()
        };
        FolderRecords::at(path).each_record(limits, &mut |locator, text| {
            index.add_text(&locator.entry, text);
        })?;
        tracing::info!(origin = %index.origin, records = index.records, skipped = index.skipped, "advisories loaded");
        Ok(index)
    }

    /// The records of a zip (an OSV export, `https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip`).
    pub fn from_zip(
        bytes: &[u8],
        origin: &str,
        limits: &AdvisoryLimits,
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
            if !file.is_file() || !is_record_file(&name) {
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

    /// Takes the records of one normalised name out of the index.
    pub(crate) fn take(&mut self, name: &str) -> Vec<Arc<OsvRecord>> {
        self.by_name.remove(name).unwrap_or_default()
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
pub(crate) struct Mentions(Vec<[String; 3]>);

impl Mentions {
    pub(crate) fn of(names: &[String]) -> Self {
        Self(
            names
                .iter()
                .map(|n| [n.clone(), n.replace('-', "_"), n.replace('-', ".")])
                .collect(),
        )
    }

    pub(crate) fn in_text(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        self.0
            .iter()
            .any(|forms| forms.iter().any(|f| lower.contains(f.as_str())))
    }
}

/// The normalised PyPI package names a record's `affected` entries name.
pub(crate) fn pypi_names(record: &OsvRecord) -> BTreeSet<String> {
    record
        .affected
        .iter()
        .filter_map(|a| a.package.as_ref())
        .filter(|p| p.ecosystem.split(':').next() == Some(PYPI))
        .map(|p| normalise(&p.name))
        .collect()
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
    /// Built on the first request: loading the system's certificates costs every process
    /// that builds the check (`--help` included) whether it asks anything or not.
    agent: std::sync::OnceLock<ureq::Agent>,
    cache: Option<Box<dyn ReleaseCache>>,
    limits: AdvisoryLimits,
}

impl OsvApi {
    pub const DEFAULT_URL: &'static str = "https://api.osv.dev";

    pub fn new(base: &str, limits: AdvisoryLimits) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent: std::sync::OnceLock::new(),
            cache: None,
            limits,
        }
    }

    /// Answers kept in `cache` (a folder locally, the stack's bucket on AWS).
    pub fn with_cache(mut self, cache: impl ReleaseCache + 'static) -> Self {
        self.cache = Some(Box::new(cache));
        self
    }

    fn agent(&self) -> &ureq::Agent {
        self.agent.get_or_init(|| {
            ureq::AgentBuilder::new()
                .timeout_connect(self.limits.timeout)
                .timeout(self.limits.timeout)
                .build()
        })
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
            .agent()
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
            .agent()
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
