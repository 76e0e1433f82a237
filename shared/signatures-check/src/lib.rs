//! The `signatures` check: YARA-X rule packs and known-bad SHA-256 lists over every file of the
//! zip, nested archives' members included.
//!
//! Packs come from the repository (GuardDog's rules for Python source and QGIS-specific rules),
//! from a local folder (`--signatures DIR`) and, on AWS, from the stack bucket's `signatures/`
//! prefix. They are read on every scan and compiled again only when their digest changed, so a
//! rule an operator adds applies to the next upload and a process compiles each version once.
//! A pack that does not compile ends the check in error with YARA's message: never skipped.

mod builtin;
mod compiled_cache;
pub mod engine;
pub mod packs;
mod scan;
mod scope;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use validator_domain::{
    as_u32, as_usize, Check, CheckContext, CheckDetails, CheckError, CheckOutput, Finding, Level,
    NamedLimit, NamedLimits, RuleInfo, Severity,
};

pub use compiled_cache::{CompiledSetCache, MAX_CACHED_SETS, SIGNATURES_CACHE_ENV};
pub use engine::{rule_id, Compiled, SignatureRule, SignaturesError};
pub use packs::{
    BuiltinPacks, FolderSource, HashListFile, PackFile, PackFileKind, PackSource, SignatureAction,
    SourceError, SourceLimits, StaticSource, DISABLED_FILE, GUARDDOG_PACK, QGIS_PACK,
};
pub use scan::{redact, Hit, RuleMatch};
pub use scope::{
    BASE_PATH, MAX_SCOPED_RULE_SETS, MAX_SCOPED_SET_SHARE_PERCENT, MIN_SCOPED_SET_BYTES,
};

pub const CHECK_ID: &str = "signatures";

/// A file (or the whole zip) whose SHA-256 is on a known-bad list.
pub const KNOWN_BAD_HASH: RuleInfo = RuleInfo {
    id: "SIG:hashes/known-bad",
    title: "file on a known-bad hash list",
    severity: Severity::High,
    level: Level::Critical,
    mandatory: true,
    remediation: "The file's SHA-256 is on a list of known-bad files the operators keep (a \
                  reported malware sample or campaign). Remove the file; if it is a library \
                  you bundle, take a clean copy from its official release. If you believe the \
                  listing is wrong, contact the plugin repository's operators.",
};

/// A file the signatures could not be checked against (a nested archive past the nesting
/// limit, the byte budget spent, a scan timeout): a human looks instead.
pub const NOT_SCANNED: RuleInfo = RuleInfo {
    id: "SIG:scan/not-scanned",
    title: "file not checked against the signatures",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: true,
    remediation: "Part of the plugin could not be checked against the malware signatures (an \
                  archive nested too deep, too much data, or a scan that took too long). Ship \
                  plain files instead of archives inside the plugin, or smaller data files.",
};

/// Names reserved for the check's own rules (`SIG:hashes/...`, `SIG:scan/...`).
pub const RESERVED_PACKS: [&str; 2] = ["hashes", "scan"];

/// Named, configurable limits of the check (`PLUGIN_VALIDATOR_<NAME>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureLimits {
    /// How deep archives inside the plugin are opened (a zip in the plugin is depth 1).
    pub max_nested_depth: u32,
    /// Bytes scanned per plugin, nested archives' members included.
    pub max_scanned_bytes: u64,
    /// Matches of one rule in one file shown in its finding.
    pub max_matches_shown: usize,
    /// Bytes of one match shown (longer ones are cut; offset and length say where they are).
    pub max_match_bytes: usize,
    /// Matches kept per pattern and file (a bound on memory for hostile files).
    pub max_matches_per_pattern: usize,
    /// Time YARA-X may take on one file.
    pub scan_timeout_seconds: u64,
    /// Files in one signature source.
    pub max_signature_files: usize,
    /// Bytes of one signature source.
    pub max_signature_bytes: u64,
}

impl Default for SignatureLimits {
    fn default() -> Self {
        Self {
            max_nested_depth: 3,
            max_scanned_bytes: 400_000_000,
            max_matches_shown: 3,
            max_match_bytes: 80,
            max_matches_per_pattern: 1_000,
            scan_timeout_seconds: 10,
            max_signature_files: 2_000,
            max_signature_bytes: 50_000_000,
        }
    }
}

/// A limit's value that is not a whole number.
pub use validator_domain::LimitError;

impl SignatureLimits {
    /// Each limit's name (its environment variable: `PLUGIN_VALIDATOR_<NAME>`).
    pub const LIMITS: NamedLimits<Self> = NamedLimits {
        scope: "signatures",
        prefix: "PLUGIN_VALIDATOR_",
        limits: &[
            NamedLimit {
                name: "max_nested_depth",
                set: |l, v| l.max_nested_depth = as_u32(v),
            },
            NamedLimit {
                name: "max_scanned_bytes",
                set: |l, v| l.max_scanned_bytes = v,
            },
            NamedLimit {
                name: "max_matches_shown",
                set: |l, v| l.max_matches_shown = as_usize(v),
            },
            NamedLimit {
                name: "max_match_bytes",
                set: |l, v| l.max_match_bytes = as_usize(v),
            },
            NamedLimit {
                name: "max_matches_per_pattern",
                set: |l, v| l.max_matches_per_pattern = as_usize(v).max(1),
            },
            NamedLimit {
                name: "signature_scan_timeout_seconds",
                set: |l, v| l.scan_timeout_seconds = v.max(1),
            },
            NamedLimit {
                name: "max_signature_files",
                set: |l, v| l.max_signature_files = as_usize(v),
            },
            NamedLimit {
                name: "max_signature_bytes",
                set: |l, v| l.max_signature_bytes = v,
            },
        ],
    };

    pub fn env_var(name: &str) -> String {
        Self::LIMITS.env_var(name)
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitError> {
        Self::LIMITS.read(Self::default(), lookup)
    }

    pub fn from_env() -> Result<Self, LimitError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn source_limits(&self) -> SourceLimits {
        SourceLimits {
            max_files: self.max_signature_files,
            max_bytes: self.max_signature_bytes,
        }
    }
}

/// The check, with its pack sources and the compiled packs of the last digest it saw.
pub struct SignaturesCheck {
    sources: Vec<Arc<dyn PackSource>>,
    limits: SignatureLimits,
    compiled: Mutex<Option<Arc<Compiled>>>,
    compilations: AtomicUsize,
    /// Compiled sets kept between processes (see [`CompiledSetCache`]).
    set_cache: Arc<CompiledSetCache>,
}

impl SignaturesCheck {
    /// The shipped packs, then `extra` sources (an operator's folder, hash lists, the bucket).
    pub fn new(extra: Vec<Arc<dyn PackSource>>, limits: SignatureLimits) -> Self {
        let mut sources: Vec<Arc<dyn PackSource>> = vec![Arc::new(BuiltinPacks)];
        sources.extend(extra);
        Self {
            sources,
            limits,
            compiled: Mutex::new(None),
            compilations: AtomicUsize::new(0),
            set_cache: Arc::new(CompiledSetCache::from_env()),
        }
    }

    /// The shipped packs only.
    pub fn builtin() -> Self {
        Self::new(Vec::new(), SignatureLimits::default())
    }

    /// As the environment configures it: `PLUGIN_VALIDATOR_SIGNATURES` (a folder of packs) and
    /// `PLUGIN_VALIDATOR_BAD_HASHES` (a hash list file), beside the shipped packs. An invalid
    /// limit falls back to the defaults here and fails the check when it runs.
    pub fn from_env() -> Self {
        let limits = SignatureLimits::from_env().unwrap_or_default();
        let mut extra: Vec<Arc<dyn PackSource>> = Vec::new();
        if let Some(dir) = std::env::var_os("PLUGIN_VALIDATOR_SIGNATURES").filter(|d| !d.is_empty())
        {
            extra.push(Arc::new(FolderSource::new(dir, limits.source_limits())));
        }
        if let Some(file) =
            std::env::var_os("PLUGIN_VALIDATOR_BAD_HASHES").filter(|f| !f.is_empty())
        {
            extra.push(Arc::new(HashListFile::new(file, limits.source_limits())));
        }
        Self::new(extra, limits)
    }

    pub fn limits(&self) -> &SignatureLimits {
        &self.limits
    }

    /// How many times this check compiled its packs (once per distinct digest).
    pub fn compilations(&self) -> usize {
        self.compilations.load(Ordering::Relaxed)
    }

    /// The compiled packs as the sources are now: the cached ones while the digest is
    /// unchanged, else compiled again.
    pub fn current(&self) -> Result<Arc<Compiled>, SignaturesError> {
        let snapshot = engine::snapshot(&self.sources)?;
        {
            let cached = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(compiled) = cached.as_ref().filter(|c| c.digest == snapshot.digest) {
                return Ok(compiled.clone());
            }
        }
        let compiled = match shared_compiled(&snapshot.digest) {
            Some(compiled) => compiled,
            None => {
                let compiled = Arc::new(engine::compile(
                    &self.sources,
                    snapshot,
                    self.set_cache.clone(),
                )?);
                self.compilations.fetch_add(1, Ordering::Relaxed);
                share_compiled(&compiled);
                compiled
            }
        };
        *self.compiled.lock().unwrap_or_else(|e| e.into_inner()) = Some(compiled.clone());
        Ok(compiled)
    }

    /// The ids of the rules that match `bytes`, as YARA reports them (no path filter, nothing
    /// disabled): what the agreement test compares with yara-python.
    pub fn raw_matches(&self, bytes: &[u8]) -> Result<Vec<String>, SignaturesError> {
        let compiled = self.current()?;
        let full = compiled
            .scopes
            .full()
            .map_err(|reason| SignaturesError::Invalid {
                origin: "full set".to_owned(),
                file: String::new(),
                line: 0,
                reason,
            })?;
        let mut scanner = yara_x::Scanner::new(full);
        let found = scan::scan_bytes(&mut scanner, &compiled, bytes, &self.limits, &|_, _| true);
        sorted_rule_ids(found, "")
    }

    /// The ids of the rules that match `bytes` as the scan of a file at `path` finds them: with
    /// the rule set of the path's `path_include` scopes, the globs applied and the rules of
    /// `disabled.txt` files left out (the policy is not applied). The same as
    /// [`Self::raw_matches`] with both applied afterwards: the scoped sets change the time a
    /// scan takes, never its matches. As in a scan of this one file: see
    /// [`Self::path_matches_in_scan`].
    pub fn path_matches(&self, path: &str, bytes: &[u8]) -> Result<Vec<String>, SignaturesError> {
        self.path_matches_in_scan(path, bytes, bytes.len() as u64)
    }

    /// [`Self::path_matches`] as a scan finds them whose files of the same kind of path as
    /// `path` total `scan_bytes`: under [`MIN_SCOPED_SET_BYTES`] they are scanned with the base
    /// sets unless their small set is compiled already, over it with their small set.
    pub fn path_matches_in_scan(
        &self,
        path: &str,
        bytes: &[u8],
        scan_bytes: u64,
    ) -> Result<Vec<String>, SignaturesError> {
        let compiled = self.current()?;
        let mut scanners = scan::Scanners::new(&compiled, &self.limits);
        scanners.plan(path, scan_bytes);
        let found = scanners.scan_path(path, bytes, |id, globs| {
            !compiled.is_disabled(id) && engine::path_included(globs, path)
        });
        sorted_rule_ids(found, path)
    }

    fn cached_rule(&self, id: &str) -> Option<SignatureRule> {
        let cached = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        cached.as_ref().and_then(|c| c.rule(id).cloned())
    }
}

/// Compiled sets shared by every check instance of the process (the registry builds several:
/// the catalogue, the CLI's, the pipeline's), by digest; the last few only.
static SHARED: Mutex<Vec<Arc<Compiled>>> = Mutex::new(Vec::new());
const SHARED_SETS: usize = 4;

fn shared_compiled(digest: &str) -> Option<Arc<Compiled>> {
    let shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.iter().find(|c| c.digest == digest).cloned()
}

fn share_compiled(compiled: &Arc<Compiled>) {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    shared.retain(|c| c.digest != compiled.digest);
    if shared.len() >= SHARED_SETS {
        shared.remove(0);
    }
    shared.push(compiled.clone());
}

/// The rules of the shipped packs, compiled once per process for the rule catalogue.
fn builtin_rules() -> &'static [RuleInfo] {
    static RULES: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = vec![KNOWN_BAD_HASH, NOT_SCANNED];
        match SignaturesCheck::builtin().current() {
            Ok(compiled) => {
                let mut shipped: Vec<RuleInfo> =
                    compiled.rules_meta.values().map(|r| *r.info).collect();
                shipped.sort_by_key(|r| r.id);
                rules.extend(shipped);
            }
            // A test compiles the shipped packs; the catalogue then lacks them, and the check
            // itself fails when it runs.
            Err(e) => tracing::error!(error = %e, "the shipped signature packs do not compile"),
        }
        rules
    })
}

impl Check for SignaturesCheck {
    fn id(&self) -> &'static str {
        CHECK_ID
    }

    fn title(&self) -> &'static str {
        "Malware signatures"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        builtin_rules()
    }

    fn rule(&self, id: &str) -> Option<&'static RuleInfo> {
        self.rules()
            .iter()
            .find(|r| r.id == id)
            .or_else(|| self.cached_rule(id).map(|r| r.info))
    }

    fn rule_holds_for_review(&self, rule: &str) -> bool {
        if rule == NOT_SCANNED.id {
            return true;
        }
        match self.cached_rule(rule) {
            Some(r) => r.action == SignatureAction::Review,
            None => self
                .rules()
                .iter()
                .any(|r| r.id == rule && r.level == Level::Warning),
        }
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        self.run_with_details(ctx).map(|output| output.findings)
    }

    fn run_with_details(&self, ctx: &CheckContext<'_>) -> Result<CheckOutput, CheckError> {
        let limits = SignatureLimits::from_env().map_err(|e| CheckError::Failed(e.to_string()))?;
        let limits = if limits == SignatureLimits::default() {
            self.limits
        } else {
            limits
        };
        let span = tracing::info_span!("signatures");
        let _entered = span.enter();
        let compiled = self
            .current()
            .map_err(|e| CheckError::Failed(e.to_string()))?;
        let (findings, report) =
            scan::scan_archive(&compiled, ctx.archive, &limits, ctx.rule_enabled)?;
        tracing::info!(
            digest = %report.digest,
            files = report.files_scanned,
            bytes = report.bytes_scanned,
            findings = findings.len(),
            "signatures"
        );
        Ok(CheckOutput {
            findings,
            details: CheckDetails {
                signatures: Some(Box::new(report)),
                ..CheckDetails::default()
            },
        })
    }
}

/// The sorted rule ids of a scan's matches, or the scan's failure as an error naming `file`.
fn sorted_rule_ids(
    found: Result<Vec<scan::RuleMatch>, String>,
    file: &str,
) -> Result<Vec<String>, SignaturesError> {
    let mut ids: Vec<String> = found
        .map_err(|reason| SignaturesError::Invalid {
            origin: "scan".to_owned(),
            file: file.to_owned(),
            line: 0,
            reason,
        })?
        .into_iter()
        .map(|m| m.rule)
        .collect();
    ids.sort();
    Ok(ids)
}
