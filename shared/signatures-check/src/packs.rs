//! Where rule packs and known-bad hash lists come from: the packs shipped in the repository, a
//! local folder (`--signatures DIR`), one hash list file (`--bad-hashes FILE`), or the stack's
//! bucket (`signatures/`, read by the Lambda through the blob store port). Every source gives
//! its files as they are now; the engine compiles them again only when their digest changed.

use std::path::{Path, PathBuf};

use sha2::Digest as _;

/// What a file of a pack source holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PackFileKind {
    /// YARA source (`.yar`, `.yara`).
    Rules,
    /// SHA-256 digests, one per line (`.sha256`).
    Hashes,
    /// Rule ids switched off without editing their pack (`disabled.txt`).
    Disabled,
}

impl PackFileKind {
    /// The kind of a file of a pack folder or bucket prefix by its (relative) name; `None`:
    /// not a pack file (a README, a licence), ignored.
    pub fn of(name: &str) -> Option<Self> {
        let file = name.rsplit('/').next().unwrap_or(name);
        let lower = file.to_ascii_lowercase();
        if lower == DISABLED_FILE {
            Some(Self::Disabled)
        } else if lower.ends_with(".yar") || lower.ends_with(".yara") {
            Some(Self::Rules)
        } else if lower.ends_with(".sha256") {
            Some(Self::Hashes)
        } else {
            None
        }
    }
}

/// The file of a pack source that lists rules switched off (`SIG:pack/rule` or `SIG:pack/*`).
pub const DISABLED_FILE: &str = "disabled.txt";

/// One file of a pack source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackFile {
    /// Path relative to the source (`campaign.yar`, `acme/loader.yar`, `bad.sha256`).
    pub name: String,
    pub kind: PackFileKind,
    pub bytes: Vec<u8>,
}

impl PackFile {
    /// The pack (or hash list) this file belongs to: its first folder, else its name without
    /// the extension (`acme/loader.yar` -> `acme`, `campaign.yar` -> `campaign`).
    pub fn pack(&self) -> String {
        match self.name.split_once('/') {
            Some((folder, _)) => folder.to_owned(),
            None => {
                let stem = self.name.rsplit_once('.').map_or(&*self.name, |(s, _)| s);
                stem.to_owned()
            }
        }
    }
}

/// A source that could not be read. The check then ends in error: a pack that an operator added
/// and that cannot be read is never silently left out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signature source {origin} cannot be read: {reason}")]
pub struct SourceError {
    pub origin: String,
    pub reason: String,
}

/// Where packs come from. Implementations read their files each time they are asked (cheap:
/// packs are small); the engine compiles only when the digest of what they gave changed.
pub trait PackSource: Send + Sync {
    /// Where the files come from, for reports and errors (`built-in`, a path, `s3://...`).
    fn origin(&self) -> String;
    /// The pack's files as they are now, in any order.
    fn files(&self) -> Result<Vec<PackFile>, SourceError>;
    /// Whether a rule without an `action` in its `meta` blocks, holds for review or reports.
    fn default_action(&self, _pack: &str) -> SignatureAction {
        SignatureAction::Review
    }
}

/// What a rule's match does, from its `meta: action = "..."` (or its source's default); the
/// policy can override it per rule or per pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAction {
    Block,
    Review,
    Report,
}

impl SignatureAction {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "block" => Some(Self::Block),
            "review" => Some(Self::Review),
            "report" => Some(Self::Report),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Block => "block",
            Self::Review => "review",
            Self::Report => "report",
        }
    }
}

/// Limits on what one source may hold (named, configurable through `SignatureLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimits {
    pub max_files: usize,
    pub max_bytes: u64,
}

impl SourceLimits {
    pub(crate) fn check(&self, origin: &str, files: &[PackFile]) -> Result<(), SourceError> {
        let bytes: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        if files.len() > self.max_files || bytes > self.max_bytes {
            return Err(SourceError {
                origin: origin.to_owned(),
                reason: format!(
                    "{} pack files, {bytes} bytes: more than max_signature_files ({}) or \
                     max_signature_bytes ({})",
                    files.len(),
                    self.max_files,
                    self.max_bytes
                ),
            });
        }
        Ok(())
    }
}

/// The packs shipped in the repository (`shared/signatures-check/packs/`): GuardDog's rules for
/// Python source (report only: the behaviour check judges the same behaviour with more
/// context) and the QGIS-specific rules (each with its own action).
pub struct BuiltinPacks;

/// The pack of GuardDog's rules, whose matches are reported by default.
pub const GUARDDOG_PACK: &str = "guarddog";
/// The pack of QGIS-specific rules of the validator.
pub const QGIS_PACK: &str = "qgis";

impl PackSource for BuiltinPacks {
    fn origin(&self) -> String {
        "built-in".to_owned()
    }

    fn files(&self) -> Result<Vec<PackFile>, SourceError> {
        Ok(crate::builtin::FILES
            .iter()
            .map(|(name, text)| PackFile {
                name: (*name).to_owned(),
                kind: PackFileKind::Rules,
                bytes: text.as_bytes().to_vec(),
            })
            .collect())
    }

    fn default_action(&self, pack: &str) -> SignatureAction {
        if pack == GUARDDOG_PACK {
            SignatureAction::Report
        } else {
            SignatureAction::Review
        }
    }
}

/// A local folder of packs (`--signatures DIR`): `X.yar` is the pack `X`, every rule file under
/// `X/` belongs to the pack `X`; `*.sha256` are hash lists; `disabled.txt` switches rules off.
pub struct FolderSource {
    root: PathBuf,
    limits: SourceLimits,
}

impl FolderSource {
    pub fn new(root: impl Into<PathBuf>, limits: SourceLimits) -> Self {
        Self {
            root: root.into(),
            limits,
        }
    }
}

impl PackSource for FolderSource {
    fn origin(&self) -> String {
        self.root.display().to_string()
    }

    fn files(&self) -> Result<Vec<PackFile>, SourceError> {
        let mut out = Vec::new();
        let fail = |reason: String| SourceError {
            origin: self.origin(),
            reason,
        };
        let mut pending = vec![self.root.clone()];
        while let Some(dir) = pending.pop() {
            let entries =
                std::fs::read_dir(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
            for entry in entries {
                let entry = entry.map_err(|e| fail(e.to_string()))?;
                let path = entry.path();
                let kind = entry.file_type().map_err(|e| fail(e.to_string()))?;
                if kind.is_dir() {
                    pending.push(path);
                    continue;
                }
                let name = relative_name(&self.root, &path);
                let Some(kind) = PackFileKind::of(&name) else {
                    continue;
                };
                if out.len() >= self.limits.max_files {
                    // Stop reading: the limit check below reports it.
                    out.push(PackFile {
                        name,
                        kind,
                        bytes: Vec::new(),
                    });
                    break;
                }
                let bytes =
                    std::fs::read(&path).map_err(|e| fail(format!("{}: {e}", path.display())))?;
                out.push(PackFile { name, kind, bytes });
            }
        }
        self.limits.check(&self.origin(), &out)?;
        Ok(out)
    }
}

fn relative_name(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// One known-bad hash list file (`--bad-hashes FILE`), named after the file.
pub struct HashListFile {
    path: PathBuf,
    limits: SourceLimits,
}

impl HashListFile {
    pub fn new(path: impl Into<PathBuf>, limits: SourceLimits) -> Self {
        Self {
            path: path.into(),
            limits,
        }
    }
}

impl PackSource for HashListFile {
    fn origin(&self) -> String {
        self.path.display().to_string()
    }

    fn files(&self) -> Result<Vec<PackFile>, SourceError> {
        let bytes = std::fs::read(&self.path).map_err(|e| SourceError {
            origin: self.origin(),
            reason: e.to_string(),
        })?;
        let name = self.path.file_name().map_or_else(
            || "bad-hashes".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let files = vec![PackFile {
            name,
            kind: PackFileKind::Hashes,
            bytes,
        }];
        self.limits.check(&self.origin(), &files)?;
        Ok(files)
    }
}

/// Packs given in memory (tests, and the Lambda's bucket reader once it has listed them).
pub struct StaticSource {
    pub origin: String,
    pub files: Vec<PackFile>,
}

impl PackSource for StaticSource {
    fn origin(&self) -> String {
        self.origin.clone()
    }

    fn files(&self) -> Result<Vec<PackFile>, SourceError> {
        Ok(self.files.clone())
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The digest of a set of pack files: over their names, kinds and contents in name order, so
/// the order a store lists them in does not matter and any change does.
pub fn files_digest(files: &[&PackFile]) -> String {
    let mut sorted: Vec<&&PackFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut hasher = sha2::Sha256::new();
    for file in sorted {
        hasher.update(file.name.as_bytes());
        hasher.update([0, file.kind as u8]);
        hasher.update((file.bytes.len() as u64).to_le_bytes());
        hasher.update(&file.bytes);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}
