//! Published releases: the files of a distribution's release (name, version) with their
//! SHA-256, read from a Python package index (PEP 691 JSON of the simple index, the artifact
//! checked against the index's hash) and cached by name and version.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The files of one published release, by path inside the artifact (an sdist's top folder
/// removed), each with its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFiles {
    /// The artifact the files come from (`six-1.16.0-py2.py3-none-any.whl`).
    pub artifact: String,
    pub files: BTreeMap<String, String>,
}

/// What the index knows of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Release {
    Found(ReleaseFiles),
    /// The index has no such project or version (a definite answer, cached).
    Unknown {
        reason: String,
    },
}

/// Why a release could not be read (network, size limits, a damaged artifact): the library
/// stays unverified, never verified by default.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("the package index could not be reached: {0}")]
    Unreachable(String),
    #[error("{0}")]
    Invalid(String),
}

/// Which artifact of a release to compare with: a library vendored in its installed layout is
/// a wheel's files; an unpacked source distribution is the sdist's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArtifactKind {
    /// A pure-Python wheel.
    Wheel,
    /// The source distribution.
    Sdist,
}

impl ArtifactKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Wheel => "wheel",
            Self::Sdist => "sdist",
        }
    }
}

/// Where releases come from.
pub trait ReleaseSource: Send + Sync {
    fn release(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Release, ReleaseError>;

    /// The contents of some files of a release (by their path in the artifact), to compare a
    /// patched copy line by line. Sources that cannot give them answer none: the patched files
    /// then count as changed throughout.
    fn release_sources(
        &self,
        _name: &str,
        _version: &str,
        _kind: ArtifactKind,
        _paths: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, ReleaseError> {
        Ok(BTreeMap::new())
    }
}

/// No index at all (offline runs): every library is unverifiable.
#[derive(Debug, Default)]
pub struct Offline;

impl ReleaseSource for Offline {
    fn release(&self, _: &str, _: &str, _: ArtifactKind) -> Result<Release, ReleaseError> {
        Err(ReleaseError::Unreachable(
            "offline: no package index configured".to_owned(),
        ))
    }
}

/// Named, configurable limits of release downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReleaseLimits {
    /// Largest artifact downloaded.
    pub max_artifact_bytes: u64,
    /// Files read from one artifact.
    pub max_files: usize,
    /// Uncompressed bytes read from one artifact.
    pub max_unpacked_bytes: u64,
    pub timeout: Duration,
}

impl Default for ReleaseLimits {
    fn default() -> Self {
        Self {
            max_artifact_bytes: 50_000_000,
            max_files: 20_000,
            max_unpacked_bytes: 300_000_000,
            timeout: Duration::from_secs(30),
        }
    }
}

/// PEP 503 normalisation of a project name.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// A simple index (`https://pypi.org/simple`), read with an ordinary HTTP client.
pub struct PackageIndex {
    base: String,
    limits: ReleaseLimits,
    /// Built on the first request (loading the system's certificates costs every process that
    /// builds the check, whether it asks anything or not).
    agent: std::sync::OnceLock<ureq::Agent>,
}

#[derive(Deserialize)]
struct ProjectPage {
    files: Vec<IndexFile>,
}

#[derive(Deserialize)]
struct IndexFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
    #[serde(default)]
    yanked: serde_json::Value,
}

impl PackageIndex {
    pub const PYPI: &'static str = "https://pypi.org/simple";

    pub fn new(base: &str, limits: ReleaseLimits) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            limits,
            agent: std::sync::OnceLock::new(),
        }
    }

    /// The artifact of `kind` (a pure-Python wheel or the sdist).
    fn pick<'a>(
        files: &'a [IndexFile],
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Option<&'a IndexFile> {
        let dist = normalise(name).replace('-', "_");
        let matches_version = |filename: &str, stem_end: &str| -> bool {
            let lower = filename.to_ascii_lowercase();
            let Some(rest) = lower
                .strip_prefix(&format!("{dist}-"))
                .or_else(|| lower.strip_prefix(&format!("{}-", normalise(name))))
            else {
                return false;
            };
            rest.starts_with(&format!("{}{stem_end}", version.to_ascii_lowercase()))
        };
        let not_yanked = |f: &&IndexFile| f.yanked.is_null() || f.yanked == false;
        match kind {
            ArtifactKind::Wheel => files.iter().filter(not_yanked).find(|f| {
                f.filename.ends_with("-none-any.whl") && matches_version(&f.filename, "-")
            }),
            ArtifactKind::Sdist => files.iter().filter(not_yanked).find(|f| {
                (f.filename.ends_with(".tar.gz") || f.filename.ends_with(".zip"))
                    && (matches_version(&f.filename, ".tar.gz")
                        || matches_version(&f.filename, ".zip"))
            }),
        }
    }

    fn get(&self, url: &str, accept: &str) -> Result<Option<Vec<u8>>, ReleaseError> {
        let response = match self
            .agent
            .get_or_init(|| {
                ureq::AgentBuilder::new()
                    .timeout(self.limits.timeout)
                    .build()
            })
            .get(url)
            .set("Accept", accept)
            .call()
        {
            Ok(response) => response,
            Err(ureq::Error::Status(404, _)) => return Ok(None),
            Err(e) => return Err(ReleaseError::Unreachable(format!("{url}: {e}"))),
        };
        let mut body = Vec::new();
        response
            .into_reader()
            .take(self.limits.max_artifact_bytes + 1)
            .read_to_end(&mut body)
            .map_err(|e| ReleaseError::Unreachable(format!("{url}: {e}")))?;
        if body.len() as u64 > self.limits.max_artifact_bytes {
            return Err(ReleaseError::Invalid(format!(
                "{url} is larger than max_artifact_bytes ({})",
                self.limits.max_artifact_bytes
            )));
        }
        Ok(Some(body))
    }
}

impl PackageIndex {
    /// The artifact of `kind` of the release, checked against the index's SHA-256:
    /// `Err(reason)` inside `Ok` when the index has no such release.
    fn artifact(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Result<(String, Vec<u8>), String>, ReleaseError> {
        let url = format!("{}/{}/", self.base, normalise(name));
        let Some(page) = self.get(&url, "application/vnd.pypi.simple.v1+json")? else {
            return Ok(Err(format!("no project `{name}` on the package index")));
        };
        let page: ProjectPage = serde_json::from_slice(&page)
            .map_err(|e| ReleaseError::Invalid(format!("{url}: not a PEP 691 page: {e}")))?;
        let Some(file) = Self::pick(&page.files, name, version, kind) else {
            let what = match kind {
                ArtifactKind::Wheel => "pure-Python wheel",
                ArtifactKind::Sdist => "source distribution",
            };
            return Ok(Err(format!(
                "no {what} of {name} {version} on the package index"
            )));
        };
        let artifact = self
            .get(&file.url, "application/octet-stream")?
            .ok_or_else(|| ReleaseError::Invalid(format!("{} is gone", file.url)))?;
        if let Some(expected) = file.hashes.get("sha256") {
            let actual = hex::encode(Sha256::digest(&artifact));
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(ReleaseError::Invalid(format!(
                    "{} does not have the index's SHA-256",
                    file.filename
                )));
            }
        }
        Ok(Ok((file.filename.clone(), artifact)))
    }
}

impl ReleaseSource for PackageIndex {
    fn release(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Release, ReleaseError> {
        let (filename, artifact) = match self.artifact(name, version, kind)? {
            Ok(found) => found,
            Err(reason) => return Ok(Release::Unknown { reason }),
        };
        let mut files = BTreeMap::new();
        walk_artifact(&filename, &artifact, &self.limits, |path, bytes| {
            files.insert(path, hex::encode(Sha256::digest(bytes)));
        })?;
        Ok(Release::Found(ReleaseFiles {
            artifact: filename,
            files,
        }))
    }

    fn release_sources(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
        paths: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, ReleaseError> {
        let (filename, artifact) = match self.artifact(name, version, kind)? {
            Ok(found) => found,
            Err(_) => return Ok(BTreeMap::new()),
        };
        let mut sources = BTreeMap::new();
        walk_artifact(&filename, &artifact, &self.limits, |path, bytes| {
            if paths.contains(&path) {
                sources.insert(path, bytes.to_vec());
            }
        })?;
        Ok(sources)
    }
}

/// Every file of a wheel or sdist with its SHA-256; an sdist's top folder is removed.
pub fn unpack(
    filename: &str,
    artifact: &[u8],
    limits: &ReleaseLimits,
) -> Result<BTreeMap<String, String>, ReleaseError> {
    let mut files = BTreeMap::new();
    walk_artifact(filename, artifact, limits, |path, bytes| {
        files.insert(path, hex::encode(Sha256::digest(bytes)));
    })?;
    Ok(files)
}

/// Calls `visit` with every file of a wheel or sdist (an sdist's top folder removed), within
/// the release limits.
fn walk_artifact(
    filename: &str,
    artifact: &[u8],
    limits: &ReleaseLimits,
    mut visit: impl FnMut(String, &[u8]),
) -> Result<(), ReleaseError> {
    let invalid = |e: &dyn std::fmt::Display| ReleaseError::Invalid(format!("{filename}: {e}"));
    let mut count = 0usize;
    let mut total = 0u64;
    let mut add = |path: String, bytes: &[u8]| -> Result<(), ReleaseError> {
        total += bytes.len() as u64;
        count += 1;
        if count > limits.max_files || total > limits.max_unpacked_bytes {
            return Err(ReleaseError::Invalid(format!(
                "{filename} is larger than the release limits"
            )));
        }
        visit(path, bytes);
        Ok(())
    };
    let is_sdist = !filename.ends_with(".whl");
    let strip = |path: &str| -> String {
        if is_sdist {
            path.split_once('/')
                .map_or(path, |(_, rest)| rest)
                .to_owned()
        } else {
            path.to_owned()
        }
    };
    if filename.ends_with(".tar.gz") {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(artifact));
        for entry in archive.entries().map_err(|e| invalid(&e))? {
            let mut entry = entry.map_err(|e| invalid(&e))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry
                .path()
                .map_err(|e| invalid(&e))?
                .to_string_lossy()
                .into_owned();
            let mut bytes = Vec::new();
            entry
                .by_ref()
                .take(limits.max_unpacked_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| invalid(&e))?;
            add(strip(&path), &bytes)?;
        }
    } else {
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(artifact)).map_err(|e| invalid(&e))?;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| invalid(&e))?;
            if entry.is_dir() {
                continue;
            }
            let path = entry.name().map_err(|e| invalid(&e))?.to_string();
            let mut bytes = Vec::new();
            (&mut entry)
                .take(limits.max_unpacked_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| invalid(&e))?;
            add(strip(&path), &bytes)?;
        }
    }
    Ok(())
}

/// Where answers about releases are kept, by key (`NAME/VERSION.KIND.json`). A release never
/// changes once published, so a cached answer never goes stale.
pub trait ReleaseCache: Send + Sync {
    fn get(&self, key: &str) -> Option<Vec<u8>>;
    /// Best effort: a cache that cannot be written only costs a download next time.
    fn put(&self, key: &str, bytes: Vec<u8>);
}

/// Releases cached in a local folder (the CLI, the local pipeline).
#[derive(Debug, Clone)]
pub struct FolderCache {
    folder: PathBuf,
}

impl FolderCache {
    pub fn new(folder: impl Into<PathBuf>) -> Self {
        Self {
            folder: folder.into(),
        }
    }
}

impl ReleaseCache for FolderCache {
    fn get(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.folder.join(key)).ok()
    }

    fn put(&self, key: &str, bytes: Vec<u8>) {
        let path = self.folder.join(key);
        let written = path
            .parent()
            .map(std::fs::create_dir_all)
            .transpose()
            .and_then(|_| {
                let tmp = path.with_extension(format!("json.{}.partial", std::process::id()));
                std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, &path))
            });
        if let Err(e) = written {
            tracing::warn!(error = %e, path = %path.display(), "release cache not written");
        }
    }
}

/// A cache of releases in front of another source. Network failures are not cached.
pub struct CachedReleases<S> {
    cache: Box<dyn ReleaseCache>,
    upstream: S,
}

impl<S: ReleaseSource> CachedReleases<S> {
    /// Cached in a local folder.
    pub fn new(folder: impl Into<PathBuf>, upstream: S) -> Self {
        Self::with_cache(FolderCache::new(folder), upstream)
    }

    pub fn with_cache(cache: impl ReleaseCache + 'static, upstream: S) -> Self {
        Self {
            cache: Box::new(cache),
            upstream,
        }
    }

    /// The cache key of a release, `None` for names or versions that could not be a key.
    pub fn key(name: &str, version: &str, kind: ArtifactKind) -> Option<String> {
        let safe = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.+!".contains(c))
                && !s.starts_with('.')
        };
        let name = normalise(name);
        (safe(&name) && safe(version)).then(|| format!("{name}/{version}.{}.json", kind.as_str()))
    }
}

impl<S: ReleaseSource> ReleaseSource for CachedReleases<S> {
    fn release(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
    ) -> Result<Release, ReleaseError> {
        let key = Self::key(name, version, kind);
        if let Some(cached) = key
            .as_deref()
            .and_then(|k| self.cache.get(k))
            .and_then(|raw| serde_json::from_slice::<Release>(&raw).ok())
        {
            return Ok(cached);
        }
        let release = self.upstream.release(name, version, kind)?;
        if let (Some(key), Ok(body)) = (key, serde_json::to_vec(&release)) {
            self.cache.put(&key, body);
        }
        Ok(release)
    }

    /// Not cached: only patched copies ask, for their few changed files.
    fn release_sources(
        &self,
        name: &str,
        version: &str,
        kind: ArtifactKind,
        paths: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, ReleaseError> {
        self.upstream.release_sources(name, version, kind, paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_as_pep_503_says() {
        assert_eq!(normalise("PyYAML"), "pyyaml");
        assert_eq!(normalise("python_dateutil"), "python-dateutil");
        assert_eq!(normalise("zope.interface"), "zope-interface");
        assert_eq!(normalise("A__b--C"), "a-b-c");
    }

    #[test]
    fn the_pure_wheel_is_preferred_then_the_sdist() {
        let file = |name: &str| IndexFile {
            filename: name.to_owned(),
            url: format!("https://files.example/{name}"),
            hashes: BTreeMap::new(),
            yanked: serde_json::Value::Null,
        };
        let files = vec![
            file("six-1.15.0-py2.py3-none-any.whl"),
            file("six-1.16.0.tar.gz"),
            file("six-1.16.0-py2.py3-none-any.whl"),
            file("six-1.16.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        ];
        let wheel = ArtifactKind::Wheel;
        let picked = PackageIndex::pick(&files, "six", "1.16.0", wheel).expect("found");
        assert_eq!(picked.filename, "six-1.16.0-py2.py3-none-any.whl");
        let picked =
            PackageIndex::pick(&files, "six", "1.16.0", ArtifactKind::Sdist).expect("found");
        assert_eq!(picked.filename, "six-1.16.0.tar.gz");
        let sdist_only = vec![file("boto-2.38.0.tar.gz"), file("boto-2.38.1.tar.gz")];
        assert!(PackageIndex::pick(&sdist_only, "boto", "2.38.0", wheel).is_none());
        let picked =
            PackageIndex::pick(&sdist_only, "boto", "2.38.0", ArtifactKind::Sdist).expect("found");
        assert_eq!(picked.filename, "boto-2.38.0.tar.gz");
        assert!(PackageIndex::pick(&files, "six", "1.1", wheel).is_none());
    }

    #[test]
    fn the_cache_answers_without_the_upstream_and_refuses_odd_names() {
        struct Once(std::sync::atomic::AtomicU32);
        impl ReleaseSource for Once {
            fn release(&self, _: &str, _: &str, _: ArtifactKind) -> Result<Release, ReleaseError> {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(Release::Unknown {
                    reason: "none".into(),
                })
            }
        }
        let dir = tempfile::tempdir().expect("tmp");
        let cache = CachedReleases::new(dir.path(), Once(Default::default()));
        for _ in 0..3 {
            cache
                .release("Six", "1.16.0", ArtifactKind::Wheel)
                .expect("answer");
        }
        assert_eq!(
            cache.upstream.0.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
        type Cached = CachedReleases<Once>;
        assert!(Cached::key("a/../../etc", "1", ArtifactKind::Wheel).is_none());
        assert!(Cached::key("six", "../../x", ArtifactKind::Wheel).is_none());
        assert_eq!(
            Cached::key("Six", "1.16.0", ArtifactKind::Wheel).as_deref(),
            Some("six/1.16.0.wheel.json")
        );
    }
}
