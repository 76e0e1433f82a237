//! Compiled rule sets kept on disk between processes.
//!
//! Compiling the shipped packs costs about 0.2 s of CPU; loading the same sets back from their
//! serialized form costs about a twentieth of that. A Lambda container compiles once for all
//! its scans, but every command-line run is a new process (and every report's provenance needs
//! the rule catalogue), so the command line keeps each compiled set in a cache folder, named by
//! a SHA-256 over the set's exact sources and the running executable. A set is a pure function
//! of those: a changed rule, pack or validator build is another file, never a stale set.
//!
//! YARA-X warns that deserialized rules must come from a trusted writer. A file is loaded only
//! from a folder and file owned by the current user that no one else can write (as `ssh` treats
//! its keys), with a SHA-256 of its payload in its header (a torn or damaged file is compiled
//! again, never loaded); anything else is ignored and the set compiled. The cache is never
//! needed: with no folder, or any failure, the set is compiled as before.
//!
//! `PLUGIN_VALIDATOR_SIGNATURES_CACHE`: the folder, or `off`. Unset: `$XDG_CACHE_HOME/
//! plugin-validator/signatures`, else `$HOME/.cache/plugin-validator/signatures`; off in AWS
//! Lambda (`AWS_LAMBDA_FUNCTION_NAME` set), where the container keeps its compiled sets in
//! memory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};

/// The environment variable naming the cache folder (`off` turns the cache off).
pub const SIGNATURES_CACHE_ENV: &str = "PLUGIN_VALIDATOR_SIGNATURES_CACHE";

/// Compiled sets kept in the folder; the least recently written beyond it are removed when a
/// set is added. A cache size (each set is 1-4 MB), not a limit on what is scanned.
pub const MAX_CACHED_SETS: usize = 48;

/// The first bytes of a cache file, then the payload's SHA-256, then YARA-X's serialized rules.
const MAGIC: &[u8] = b"plugin-validator compiled signature set 1\n";

/// One source file of a set, as given to the compiler.
pub(crate) struct SetSource<'a> {
    pub namespace: &'a str,
    pub origin: &'a str,
    pub text: &'a str,
}

/// Where compiled sets are kept, and how many this process loaded and compiled.
#[derive(Debug, Default)]
pub struct CompiledSetCache {
    dir: Option<PathBuf>,
    loaded: AtomicUsize,
    compiled: AtomicUsize,
}

impl CompiledSetCache {
    /// No cache: every set is compiled.
    pub fn off() -> Self {
        Self::default()
    }

    /// Sets kept in `dir` (created when the first set is stored).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: Some(dir.into()),
            ..Self::default()
        }
    }

    /// As the environment says (see the module's documentation).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Self {
        if let Some(dir) = lookup(SIGNATURES_CACHE_ENV) {
            return if dir == "off" {
                Self::off()
            } else {
                Self::in_dir(dir)
            };
        }
        if lookup("AWS_LAMBDA_FUNCTION_NAME").is_some() {
            return Self::off();
        }
        let base = lookup("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| lookup("HOME").map(|home| PathBuf::from(home).join(".cache")));
        match base {
            Some(base) => Self::in_dir(base.join("plugin-validator").join("signatures")),
            None => Self::off(),
        }
    }

    /// Sets this process loaded from the folder.
    pub fn loaded(&self) -> usize {
        self.loaded.load(Ordering::Relaxed)
    }

    /// Sets this process compiled (not found in the folder, or no folder).
    pub fn compiled(&self) -> usize {
        self.compiled.load(Ordering::Relaxed)
    }

    /// The set of `sources`: loaded from the folder if it holds it, else `compile`d (and stored
    /// when that succeeds; errors are the compiler's, never the cache's).
    pub(crate) fn get_or_compile<E>(
        &self,
        sources: &[SetSource<'_>],
        compile: impl FnOnce() -> Result<yara_x::Rules, E>,
    ) -> Result<yara_x::Rules, E> {
        let file = self
            .dir
            .as_deref()
            .and_then(|dir| set_key(sources).map(|key| dir.join(format!("{key}.yarc"))));
        if let Some(rules) = file.as_deref().and_then(load) {
            self.loaded.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                sources = sources.len(),
                "signature set loaded from the cache"
            );
            return Ok(rules);
        }
        let rules = compile()?;
        self.compiled.fetch_add(1, Ordering::Relaxed);
        tracing::info!(sources = sources.len(), "signature set compiled");
        if let Some(file) = file {
            if let Err(e) = store(&file, &rules) {
                tracing::debug!(file = %file.display(), error = %e, "compiled signature set not cached");
            }
        }
        Ok(rules)
    }
}

/// The set's name in the folder: its sources and the executable that compiled it (a rebuild
/// may change YARA-X or how sets are cut). `None` when the executable cannot be identified.
fn set_key(sources: &[SetSource<'_>]) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut hash = Sha256::new();
    hash.update(MAGIC);
    hash.update(exe.to_string_lossy().as_bytes());
    hash.update(meta.len().to_le_bytes());
    hash.update(modified.as_nanos().to_le_bytes());
    for source in sources {
        for part in [source.namespace, source.origin, source.text] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
    }
    Some(hex::encode(hash.finalize()))
}

/// Whether only the current user can write `path` (and owns it).
#[cfg(unix)]
fn private(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    meta.uid() == uid && meta.mode() & 0o022 == 0
}

#[cfg(not(unix))]
fn private(_meta: &std::fs::Metadata) -> bool {
    // Ownership cannot be checked the same way: never load.
    false
}

fn load(file: &Path) -> Option<yara_x::Rules> {
    let dir_meta = std::fs::metadata(file.parent()?).ok()?;
    let meta = std::fs::symlink_metadata(file).ok()?;
    if !dir_meta.is_dir() || !private(&dir_meta) || !meta.is_file() || !private(&meta) {
        return None;
    }
    let bytes = std::fs::read(file).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (digest, payload) = rest.split_at_checked(32)?;
    if Sha256::digest(payload).as_slice() != digest {
        tracing::debug!(file = %file.display(), "damaged compiled signature set: compiled again");
        return None;
    }
    match yara_x::Rules::deserialize(payload) {
        Ok(rules) => Some(rules),
        Err(e) => {
            tracing::debug!(file = %file.display(), error = %e, "compiled signature set not loaded");
            None
        }
    }
}

fn store(file: &Path, rules: &yara_x::Rules) -> std::io::Result<()> {
    let dir = file
        .parent()
        .ok_or_else(|| std::io::Error::other("no folder"))?;
    create_private_dir(dir)?;
    let payload = rules.serialize().map_err(std::io::Error::other)?;
    // Written beside the final name, then renamed: a reader sees a whole file or none.
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(MAGIC)?;
    temp.write_all(&Sha256::digest(&payload))?;
    temp.write_all(&payload)?;
    temp.persist(file).map_err(|e| e.error)?;
    prune(dir);
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Keeps the newest [`MAX_CACHED_SETS`] sets (older builds' and packs' sets go first).
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut sets: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "yarc"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if sets.len() <= MAX_CACHED_SETS {
        return;
    }
    sets.sort();
    for (_, path) in &sets[..sets.len() - MAX_CACHED_SETS] {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(
        vars: &'a [(&'a str, &'a str)],
    ) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).into())
        }
    }

    #[test]
    fn the_folder_comes_from_the_environment() {
        let dir = |vars: &[(&str, &str)]| CompiledSetCache::from_lookup(lookup(vars)).dir;
        assert_eq!(
            dir(&[(SIGNATURES_CACHE_ENV, "/c"), ("HOME", "/h")]),
            Some(PathBuf::from("/c"))
        );
        assert_eq!(dir(&[(SIGNATURES_CACHE_ENV, "off"), ("HOME", "/h")]), None);
        assert_eq!(
            dir(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]),
            Some(PathBuf::from("/x/plugin-validator/signatures"))
        );
        assert_eq!(
            dir(&[("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/plugin-validator/signatures"))
        );
        assert_eq!(
            dir(&[("HOME", "/h"), ("AWS_LAMBDA_FUNCTION_NAME", "f")]),
            None
        );
        assert_eq!(dir(&[]), None);
    }

    fn compile(text: &str) -> Result<yara_x::Rules, String> {
        let mut compiler = yara_x::Compiler::new();
        compiler.add_source(text).map_err(|e| e.to_string())?;
        Ok(compiler.build())
    }

    fn matches(rules: &yara_x::Rules, bytes: &[u8]) -> Vec<String> {
        let mut scanner = yara_x::Scanner::new(rules);
        let results = scanner.scan(bytes).expect("scan");
        results
            .matching_rules()
            .map(|r| r.identifier().to_owned())
            .collect()
    }

    const RULE: &str = "rule needle { strings: $a = \"needle\" condition: $a }";

    fn sources(text: &str) -> [SetSource<'_>; 1] {
        [SetSource {
            namespace: "pack",
            origin: "pack/a.yar",
            text,
        }]
    }

    #[test]
    fn a_set_is_compiled_once_then_loaded_with_the_same_matches() {
        let temp = tempfile::tempdir().expect("temp");
        let cache = CompiledSetCache::in_dir(temp.path().join("sets"));
        let first = cache.get_or_compile(&sources(RULE), || compile(RULE));
        let second = cache.get_or_compile(&sources(RULE), || -> Result<_, String> {
            panic!("compiled again")
        });
        let (first, second) = (first.expect("compiled"), second.expect("loaded"));
        assert_eq!((cache.compiled(), cache.loaded()), (1, 1));
        assert_eq!(matches(&first, b"a needle"), ["needle"]);
        assert_eq!(matches(&second, b"a needle"), ["needle"]);
        assert!(matches(&second, b"nothing").is_empty());
        // Other sources are another set.
        let other = "rule other { condition: true }";
        cache
            .get_or_compile(&sources(other), || compile(other))
            .expect("compiled");
        assert_eq!((cache.compiled(), cache.loaded()), (2, 1));
    }

    #[test]
    fn a_damaged_or_foreign_writable_file_is_compiled_again_never_loaded() {
        let temp = tempfile::tempdir().expect("temp");
        let dir = temp.path().join("sets");
        let cache = CompiledSetCache::in_dir(&dir);
        cache
            .get_or_compile(&sources(RULE), || compile(RULE))
            .expect("compiled");
        let file = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "yarc"))
            .expect("stored");
        // One byte of the payload changed: the digest no longer matches.
        let mut bytes = std::fs::read(&file).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&file, &bytes).expect("write");
        let rules = cache
            .get_or_compile(&sources(RULE), || compile(RULE))
            .expect("compiled again");
        assert_eq!((cache.compiled(), cache.loaded()), (2, 0));
        assert_eq!(matches(&rules, b"needle"), ["needle"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Whole again, but writable by others: not trusted.
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
            cache
                .get_or_compile(&sources(RULE), || compile(RULE))
                .expect("compiled again");
            assert_eq!((cache.compiled(), cache.loaded()), (3, 0));
        }
    }

    #[test]
    fn a_compile_error_is_returned_and_nothing_is_stored() {
        let temp = tempfile::tempdir().expect("temp");
        let cache = CompiledSetCache::in_dir(temp.path().join("sets"));
        let broken = "rule broken { condition: $nothing }";
        assert!(cache
            .get_or_compile(&sources(broken), || compile(broken))
            .is_err());
        assert!(!temp.path().join("sets").exists());
    }
}
