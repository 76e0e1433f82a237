//! The compiled signatures: every pack's rules in YARA-X rule sets (one namespace per pack; the
//! sets by `path_include` scope in `scope.rs`), the known-bad hash lists, the rules switched
//! off, and what each rule's `meta` says.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use validator_domain::{Level, RuleInfo, Severity, SignatureSource};

use crate::compiled_cache::CompiledSetCache;
use crate::packs::{files_digest, PackFile, PackFileKind, PackSource, SignatureAction};
use crate::scope::{PackInput, Scopes};

/// Why the signatures cannot be used. The check ends in error (fail closed): a broken pack is
/// never skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignaturesError {
    #[error(transparent)]
    Source(#[from] crate::packs::SourceError),
    /// YARA's own message names the file, line and column (`--> pack.yar:3:12`).
    #[error("the signature pack `{pack}` ({origin}) does not compile: {file}: {message}")]
    Compile {
        pack: String,
        origin: String,
        file: String,
        message: String,
    },
    #[error("{origin}: {file}:{line}: {reason}")]
    Invalid {
        origin: String,
        file: String,
        line: usize,
        reason: String,
    },
}

/// What one rule's `meta` says, and the rule info reports and the policy read.
#[derive(Debug, Clone)]
pub struct SignatureRule {
    /// `SIG:<pack>/<rule>`.
    pub id: String,
    pub action: SignatureAction,
    pub description: Option<String>,
    pub reference: Option<String>,
    pub severity: Severity,
    /// GuardDog's `path_include` globs (`*.py,*.pyx`): the rule applies to these files only.
    pub path_include: Vec<String>,
    /// The rule as the policy and reports see it (leaked once per compiled pack version: the
    /// `Check` interface hands out `'static` rule infos).
    pub info: &'static RuleInfo,
}

/// Every pack and list, compiled.
pub struct Compiled {
    /// `sha256:` over every source's files (see [`crate::packs::files_digest`]).
    pub digest: String,
    /// By YARA namespace (the pack) and rule identifier.
    pub rules_meta: HashMap<(String, String), SignatureRule>,
    /// SHA-256 (hex, lower case) -> the lists that name it.
    pub bad_hashes: HashMap<String, Vec<String>>,
    /// Rule ids (`SIG:pack/rule`, `SIG:pack/*`) switched off by `disabled.txt`.
    pub disabled: BTreeSet<String>,
    pub sources: Vec<SignatureSource>,
    /// The packs' rules in their base sets, and the small sets compiled so far (`scope.rs`).
    pub(crate) scopes: crate::scope::Scopes,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("digest", &self.digest)
            .field("rules", &self.rules_meta.len())
            .field("bad_hashes", &self.bad_hashes.len())
            .finish()
    }
}

impl Compiled {
    /// Whether `id` is switched off by a `disabled.txt`.
    pub fn is_disabled(&self, id: &str) -> bool {
        is_disabled(&self.disabled, id)
    }

    pub fn rule(&self, id: &str) -> Option<&SignatureRule> {
        self.rules_meta.values().find(|r| r.id == id)
    }
}

/// Whether `id` is in `disabled` (`SIG:pack/rule`, or `SIG:pack/*` for a whole pack).
pub(crate) fn is_disabled(disabled: &BTreeSet<String>, id: &str) -> bool {
    disabled.contains(id)
        || disabled.iter().any(|d| {
            d.strip_suffix('*')
                .is_some_and(|prefix| !prefix.is_empty() && id.starts_with(prefix))
        })
}

/// The files every source gave, read once per scan.
pub struct Snapshot {
    pub sources: Vec<(String, Vec<PackFile>)>,
    pub digest: String,
}

/// Reads every source now.
pub fn snapshot(sources: &[std::sync::Arc<dyn PackSource>]) -> Result<Snapshot, SignaturesError> {
    let mut read = Vec::with_capacity(sources.len());
    for source in sources {
        read.push((source.origin(), source.files()?));
    }
    let all: Vec<&PackFile> = read.iter().flat_map(|(_, files)| files.iter()).collect();
    // The origin is part of the identity too: the same file from another place is another pack.
    let mut digest_input = files_digest(&all);
    for (origin, _) in &read {
        digest_input.push_str(origin);
    }
    let digest = format!(
        "sha256:{}",
        crate::packs::sha256_hex(digest_input.as_bytes())
    );
    Ok(Snapshot {
        sources: read,
        digest,
    })
}

/// Compiles a snapshot: each pack in its own namespace, hash lists parsed, `meta` read.
/// Sets already compiled by an earlier process are loaded from `cache`.
pub fn compile(
    sources: &[std::sync::Arc<dyn PackSource>],
    snapshot: Snapshot,
    cache: std::sync::Arc<CompiledSetCache>,
) -> Result<Compiled, SignaturesError> {
    let _span = tracing::info_span!("compile_signatures", digest = %snapshot.digest).entered();
    let mut rules_meta = HashMap::new();
    let mut bad_hashes: HashMap<String, Vec<String>> = HashMap::new();
    let mut disabled = BTreeSet::new();
    let mut described = Vec::new();
    // Which source each pack came from (a pack name used twice is refused: its rule ids
    // would be ambiguous).
    let mut pack_origin: BTreeMap<String, String> = BTreeMap::new();
    let mut pack_defaults: BTreeMap<String, SignatureAction> = BTreeMap::new();
    // Each pack's rule files' text, in the order they are compiled (`scope.rs`), and its
    // origin.
    let mut inputs: Vec<PackInput> = Vec::new();
    let mut input_origins: Vec<String> = Vec::new();
    for ((origin, files), source) in snapshot.sources.iter().zip(sources) {
        let mut by_pack: BTreeMap<(PackFileKind, String), Vec<&PackFile>> = BTreeMap::new();
        for file in files {
            by_pack
                .entry((file.kind, file.pack()))
                .or_default()
                .push(file);
        }
        for ((kind, pack), mut files) in by_pack {
            files.sort_by(|a, b| a.name.cmp(&b.name));
            let digest = files_digest(&files);
            match kind {
                PackFileKind::Rules => {
                    if crate::RESERVED_PACKS.contains(&pack.as_str()) {
                        return Err(SignaturesError::Invalid {
                            origin: origin.clone(),
                            file: files[0].name.clone(),
                            line: 0,
                            reason: format!(
                                "the pack name `{pack}` is reserved for the check's own rules: \
                                 rename the file or folder"
                            ),
                        });
                    }
                    if let Some(other) = pack_origin.insert(pack.clone(), origin.clone()) {
                        return Err(SignaturesError::Invalid {
                            origin: origin.clone(),
                            file: files[0].name.clone(),
                            line: 0,
                            reason: format!(
                                "the pack name `{pack}` is already used by {other}: rename the \
                                 file or folder"
                            ),
                        });
                    }
                    pack_defaults.insert(pack.clone(), source.default_action(&pack));
                    let mut texts = Vec::with_capacity(files.len());
                    for file in &files {
                        let text = std::str::from_utf8(&file.bytes).map_err(|e| {
                            SignaturesError::Invalid {
                                origin: origin.clone(),
                                file: file.name.clone(),
                                line: 0,
                                reason: format!("not UTF-8 text: {e}"),
                            }
                        })?;
                        texts.push((file.name.clone(), text.to_owned()));
                    }
                    inputs.push(PackInput {
                        namespace: pack.clone(),
                        files: texts,
                    });
                    input_origins.push(origin.clone());
                    described.push(SignatureSource {
                        name: pack,
                        kind: "rules".to_owned(),
                        origin: origin.clone(),
                        digest,
                        entries: 0,
                    });
                }
                PackFileKind::Hashes => {
                    let mut count = 0;
                    for file in &files {
                        for (number, line) in
                            String::from_utf8_lossy(&file.bytes).lines().enumerate()
                        {
                            let Some(hash) = parse_hash_line(line).map_err(|reason| {
                                SignaturesError::Invalid {
                                    origin: origin.clone(),
                                    file: file.name.clone(),
                                    line: number + 1,
                                    reason,
                                }
                            })?
                            else {
                                continue;
                            };
                            let lists = bad_hashes.entry(hash).or_default();
                            if !lists.contains(&pack) {
                                lists.push(pack.clone());
                            }
                            count += 1;
                        }
                    }
                    described.push(SignatureSource {
                        name: pack,
                        kind: "hashes".to_owned(),
                        origin: origin.clone(),
                        digest,
                        entries: count,
                    });
                }
                PackFileKind::Disabled => {
                    for file in &files {
                        for line in String::from_utf8_lossy(&file.bytes).lines() {
                            let id = line.split('#').next().unwrap_or("").trim();
                            if !id.is_empty() {
                                disabled.insert(id.to_owned());
                            }
                        }
                    }
                }
            }
        }
    }
    let mut scopes = Scopes::compile(&inputs, cache).map_err(|e| {
        let input = inputs.get(e.pack);
        SignaturesError::Compile {
            pack: input.map(|p| p.namespace.clone()).unwrap_or_default(),
            origin: input_origins.get(e.pack).cloned().unwrap_or_default(),
            file: input
                .and_then(|p| p.files.get(e.file))
                .map(|(name, _)| name.clone())
                .unwrap_or_default(),
            message: e.message,
        }
    })?;
    // A rule other rules depend on is in both base sets: its metadata is read once.
    for rule in scopes.bases().iter().flat_map(|rules| rules.iter()) {
        let pack = rule.namespace().to_owned();
        let name = rule.identifier().to_owned();
        if rules_meta.contains_key(&(pack.clone(), name.clone())) {
            continue;
        }
        let default = pack_defaults
            .get(&pack)
            .copied()
            .unwrap_or(SignatureAction::Review);
        let meta = read_meta(&pack, &name, rule.metadata(), default).map_err(|reason| {
            SignaturesError::Invalid {
                origin: pack_origin.get(&pack).cloned().unwrap_or_default(),
                file: pack.clone(),
                line: 0,
                reason,
            }
        })?;
        if let Some(source) = described
            .iter_mut()
            .find(|s| s.kind == "rules" && s.name == pack)
        {
            source.entries += 1;
        }
        rules_meta.insert((pack, name), meta);
    }
    tracing::info!(
        rules = rules_meta.len(),
        hashes = bad_hashes.len(),
        "signatures compiled"
    );
    scopes.set_scopes(&rules_meta, &disabled);
    Ok(Compiled {
        digest: snapshot.digest,
        rules_meta,
        bad_hashes,
        disabled,
        sources: described,
        scopes,
    })
}

/// One line of a hash list: `<64 hex digits>` then anything (a comment, a file name); blank
/// lines and `#` comments are skipped. Anything else is refused: a list with a typo must not
/// silently match nothing.
fn parse_hash_line(line: &str) -> Result<Option<String>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let token = line.split_whitespace().next().unwrap_or("");
    let token = token.strip_prefix("sha256:").unwrap_or(token);
    if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(token.to_ascii_lowercase()))
    } else {
        Err(format!(
            "`{token}` is not a SHA-256 (64 hex digits, optionally followed by a comment)"
        ))
    }
}

fn meta_text(value: &yara_x::MetaValue<'_>) -> Option<String> {
    match value {
        yara_x::MetaValue::String(s) => Some((*s).to_owned()),
        yara_x::MetaValue::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        yara_x::MetaValue::Integer(i) => Some(i.to_string()),
        yara_x::MetaValue::Float(f) => Some(f.to_string()),
        yara_x::MetaValue::Bool(b) => Some(b.to_string()),
    }
}

pub(crate) fn read_meta(
    pack: &str,
    name: &str,
    metadata: yara_x::Metadata<'_, '_>,
    default: SignatureAction,
) -> Result<SignatureRule, String> {
    let mut action = default;
    let mut description = None;
    let mut reference = None;
    let mut severity = None;
    let mut path_include = Vec::new();
    for (key, value) in metadata {
        let Some(text) = meta_text(&value) else {
            continue;
        };
        match key {
            "action" => {
                action = SignatureAction::parse(&text).ok_or_else(|| {
                    format!(
                        "rule `{name}`: meta action = \"{text}\" must be block, review or report"
                    )
                })?;
            }
            "description" => description = Some(text),
            "reference" | "url" => reference = Some(text),
            "severity" => severity = parse_severity(&text),
            "path_include" => {
                path_include = text
                    .split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            _ => {}
        }
    }
    let id = rule_id(pack, name);
    let severity = severity.unwrap_or(match action {
        SignatureAction::Block => Severity::High,
        SignatureAction::Review => Severity::Medium,
        SignatureAction::Report => Severity::Low,
    });
    let level = match action {
        SignatureAction::Block => Level::Critical,
        SignatureAction::Review => Level::Warning,
        SignatureAction::Report => Level::Info,
    };
    let title = description
        .clone()
        .unwrap_or_else(|| format!("matches the signature `{name}` of the pack `{pack}`"));
    let mut remediation = format!(
        "The file matches the YARA rule `{name}` of the signature pack `{pack}` ({}). If the \
         matched bytes are your own code, remove or rewrite them, or ask the operators to \
         review the rule (they can disable it in the policy or in the pack's disabled.txt).",
        title
    );
    if let Some(reference) = &reference {
        remediation.push_str(&format!(" Reference: {reference}"));
    }
    let info: &'static RuleInfo = Box::leak(Box::new(RuleInfo {
        id: Box::leak(id.clone().into_boxed_str()),
        title: Box::leak(title.into_boxed_str()),
        severity,
        level,
        // Signatures are the operators' call, never the uploader's.
        mandatory: true,
        remediation: Box::leak(remediation.into_boxed_str()),
    }));
    Ok(SignatureRule {
        id,
        action,
        description,
        reference,
        severity,
        path_include,
        info,
    })
}

fn parse_severity(text: &str) -> Option<Severity> {
    match text.trim().to_ascii_lowercase().as_str() {
        "critical" | "high" => Some(Severity::High),
        "medium" | "moderate" => Some(Severity::Medium),
        "low" | "info" | "informational" => Some(Severity::Low),
        _ => None,
    }
}

/// `SIG:<pack>/<rule>`.
pub fn rule_id(pack: &str, rule: &str) -> String {
    format!("SIG:{pack}/{rule}")
}

/// Whether `path` matches one of GuardDog's `path_include` globs (fnmatch: `*` matches any
/// characters, `/` included; `?` one character). No globs: every file.
pub fn path_included(globs: &[String], path: &str) -> bool {
    globs.is_empty()
        || globs
            .iter()
            .any(|g| glob_match(g.as_bytes(), path.as_bytes()))
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // GuardDog's globs are `*.py` and `*/setup.py` (a suffix) or `setup.py` (the name): every
    // file's path is matched against every scope's globs, so these skip the general loop.
    let literal = |p: &[u8]| !p.iter().any(|c| matches!(c, b'*' | b'?'));
    if literal(pattern) {
        return pattern == text;
    }
    if let Some(suffix) = pattern.strip_prefix(b"*").filter(|s| literal(s)) {
        return text.ends_with(suffix);
    }
    // Iterative wildcard matching with one backtrack point (the last `*`).
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pattern.len() && pattern[p] == b'*' {
        p += 1;
    }
    p == pattern.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_fnmatch_does() {
        let globs = vec!["*.py".to_owned(), "*/package.json".to_owned()];
        assert!(path_included(&globs, "plugin/a/b.py"));
        assert!(path_included(&globs, "x/package.json"));
        assert!(!path_included(&globs, "package.json"));
        assert!(!path_included(&globs, "plugin/b.pyc"));
        assert!(path_included(&[], "anything"));
        // The general loop: a wildcard inside, `?`.
        assert!(path_included(
            &["plugin/*/x?.py".to_owned()],
            "plugin/a/b/x1.py"
        ));
        assert!(!path_included(
            &["plugin/*/x?.py".to_owned()],
            "plugin/x1.py"
        ));
        assert!(path_included(&["setup.py".to_owned()], "setup.py"));
        assert!(!path_included(&["setup.py".to_owned()], "a/setup.py"));
    }

    #[test]
    fn hash_lines_are_strict() {
        let h = "ab".repeat(32);
        assert_eq!(
            parse_hash_line(&format!("{h}  evil.py")),
            Ok(Some(h.clone()))
        );
        assert_eq!(
            parse_hash_line(&format!("sha256:{}", h.to_uppercase())),
            Ok(Some(h))
        );
        assert_eq!(parse_hash_line("# comment"), Ok(None));
        assert!(parse_hash_line("abc").is_err());
    }
}
