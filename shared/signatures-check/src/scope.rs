//! Scoped rule sets: each file is scanned with only the rules its path can match.
//!
//! GuardDog's rules carry `path_include` globs (`*.py,*.pyx,...`); a rule's matches in other
//! files are dropped. Scanning every rule over every file and dropping the matches afterwards
//! spent half the check's time on files no rule applies to (`.po`, `.mo`, HTML), and a good part
//! of the rest on JavaScript-only rules run over Python. The packs are cut into their rules
//! (yara-x-parser's concrete syntax tree) and compiled as two base sets instead of one: the
//! rules that apply to Python source ([`BASE_PATH`]) and the others; each file is scanned with
//! the base sets that hold a rule its path can match. The rules of paths whose rules are a
//! small share of the packs (every file no GuardDog rule applies to: `.po`, images, HTML) get a
//! small set of their own, compiled on first use by a scan holding [`MIN_SCOPED_SET_BYTES`] of
//! such files (a scan with fewer scans them with the base sets); a path no rule applies to is
//! not given to YARA at all (hash lists still apply to it). Everything is kept with the compiled packs, so
//! it is compiled once per pack digest; the base sets together cost what the one full set did.
//!
//! The matches stay those of the full set filtered by the globs (the filter still runs after
//! the scan): a rule's result depends only on its own patterns, the rules its condition names
//! and its namespace's global rules, so these are in every set. Global and private rules, and
//! every rule another rule's condition could name (an identifier equal to its name or a prefix
//! of it, should a condition name rules by a wildcard), are in every set; a file the parser cannot cut (an
//! `include`, anything it does not recognise) is in every set whole. If a base set does not
//! compile, the full set is compiled as the packs are written (its error, with file and line,
//! fails the check; if it compiles, it is the one base set); a small set that does not compile
//! is replaced by the base sets. Rules a `disabled.txt` switches off, and no other rule names,
//! are left out of the small sets (their matches are dropped anyway).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use yara_x_parser::cst::{CSTStream, Event, SyntaxKind};
use yara_x_parser::Parser;

use crate::compiled_cache::{CompiledSetCache, SetSource};
use crate::engine::{is_disabled, path_included, rule_id, SignatureRule};

/// The path the base sets are cut around: the rules that apply to it (Python source, what QGIS
/// plugins are made of) are one base set, the others (JavaScript, `setup.py`, `package.json`
/// only) the other.
pub const BASE_PATH: &str = "plugin/module.py";

/// Distinct combinations of scopes whose sets are remembered per pack version (one per kind of
/// path: `.py`, `setup.py`, `.js`, anything else, ...); paths past them are scanned with the
/// base sets. A cache size, not a limit on what is scanned: the matches are the same either way.
pub const MAX_SCOPED_RULE_SETS: usize = 32;

/// The largest share (per cent of the packs' rule text) a small set may have; a path whose
/// rules are more is scanned with the base sets. Compiling a set costs about as much CPU as
/// scanning a few megabytes of source with it, so a set of its own pays for itself only when it
/// is small: the rules that apply to every file (QGIS's own pack's unscoped rule), not those of
/// `.js` files (half of GuardDog's rules).
pub const MAX_SCOPED_SET_SHARE_PERCENT: usize = 25;

/// The bytes a scan must hold of the files a small set would serve (files of one kind of path:
/// the `.txt`, `.po`, images and the like that only QGIS's unscoped rule applies to, or the
/// `.sh`, `.bat`, ...) for the set to be compiled; below, those files are scanned with the base
/// sets, compiled already. Compiling a small set costs 5-12 ms of CPU (QGIS's
/// `credential_stealer_campaign_strings` the most: its regular expressions' literal
/// extraction), what scanning about a megabyte with the Python base set costs; a small plugin's
/// other files (metadata, icons, forms, a few hundred kilobytes) are scanned for less than that.
/// Once compiled, a set is reused by every later scan of the process (a Lambda container's),
/// whatever its size. A cost threshold, not a limit on what is scanned: the matches are the same
/// either way.
pub const MIN_SCOPED_SET_BYTES: u64 = 1 << 20;

/// The rule sets to scan one path with, each with an id (for reusing its scanner).
pub(crate) type Selected<'a> = Vec<(usize, &'a yara_x::Rules)>;

enum Slot {
    /// No rule applies: no scan.
    Nothing,
    /// The set of the rules that apply to every file ([`Scopes::always`]), and a small set of
    /// the path's scoped rules (with their dependencies), if it has any.
    Small(Option<Box<yara_x::Rules>>),
    /// These base sets.
    Bases(Vec<usize>),
}

/// When a piece of a pack is compiled into a small set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// In every set: an unscoped rule, a global or private rule, a rule others name, a file
    /// that could not be cut.
    Always,
    /// In the sets of paths that match the scope (an index into `Scopes::globs`).
    Scope(usize),
    /// In no small set: switched off by a `disabled.txt` and named by no other rule.
    Never,
}

struct Piece {
    text: String,
    /// The rule's name (`None`: a whole file).
    rule: Option<String>,
    /// Its base set (0: the rules of `BASE_PATH`).
    home: usize,
    /// In every set (global, private, named by another rule, a whole file).
    dependency: bool,
    /// Whether its rules can be reported (not private): a set of private rules only is no set.
    public: bool,
    when: When,
}

struct FileText {
    name: String,
    /// As written (the full set, for [`Scopes::full`] and precise compile errors).
    original: String,
    /// The file's `import` statements, given to every set that takes one of its rules.
    header: String,
    pieces: Vec<Piece>,
}

struct PackText {
    namespace: String,
    files: Vec<FileText>,
}

/// One pack's rule files (name, text), in the order they are compiled.
pub(crate) struct PackInput {
    pub namespace: String,
    pub files: Vec<(String, String)>,
}

/// Base sets: how many there are.
const BASES: usize = 2;

/// The packs cut into rules, their base sets, and the small sets compiled so far.
pub(crate) struct Scopes {
    packs: Vec<PackText>,
    bases: Vec<yara_x::Rules>,
    /// Distinct non-empty `path_include` glob lists.
    globs: Vec<Vec<String>>,
    /// Bytes of rule text of every pack.
    full_weight: usize,
    /// `SIG:pack/rule` -> its place in the packs (the order the full set reports rules in).
    order: HashMap<String, usize>,
    /// The scopes a path matches -> its slot.
    keys: Mutex<HashMap<Vec<usize>, usize>>,
    slots: Vec<OnceLock<Slot>>,
    /// The full set as the packs are written, compiled on first use ([`Scopes::full`]).
    full: OnceLock<Result<yara_x::Rules, String>>,
    /// The rules that apply to every file (unscoped, and the dependencies), compiled on first
    /// use, once for all the small sets: `None` if none can be reported or it does not compile.
    always: OnceLock<Option<yara_x::Rules>>,
    /// Where compiled sets are kept between processes.
    cache: Arc<CompiledSetCache>,
}

impl std::fmt::Debug for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scopes")
            .field("bases", &self.bases.len())
            .field("globs", &self.globs.len())
            .field("packs", &self.packs.len())
            .finish()
    }
}

/// One rule as the source gives it.
struct RuleText {
    name: String,
    /// Its `path_include` as the source writes it (to choose its base set; the globs the
    /// scan applies are read from the compiled rule).
    globs: Option<Vec<String>>,
    text: String,
    private: bool,
    global: bool,
    /// Identifiers in its condition (a rule it names, a module, a loop variable).
    refs: Vec<String>,
}

/// A rule file cut into its imports and rules; `None` when it holds anything else (an
/// `include`, a parse error): it is then kept whole.
fn split(source: &str) -> Option<(String, Vec<RuleText>)> {
    let mut header = String::new();
    let mut rules = Vec::new();
    let mut stack: Vec<SyntaxKind> = Vec::new();
    let mut current: Option<RuleText> = None;
    let mut meta_key = String::new();
    for event in CSTStream::from(Parser::new(source.as_bytes())) {
        match event {
            Event::Error { .. } => return None,
            Event::Begin { kind, span } => {
                if stack.len() == 1 {
                    match kind {
                        SyntaxKind::IMPORT_STMT => {
                            header.push_str(source.get(span.range())?);
                            header.push('\n');
                        }
                        SyntaxKind::RULE_DECL => {
                            current = Some(RuleText {
                                name: String::new(),
                                globs: None,
                                text: source.get(span.range())?.to_owned(),
                                private: false,
                                global: false,
                                refs: Vec::new(),
                            });
                        }
                        _ => return None,
                    }
                } else if stack.is_empty() && kind != SyntaxKind::SOURCE_FILE {
                    return None;
                }
                if kind == SyntaxKind::ERROR {
                    return None;
                }
                stack.push(kind);
            }
            Event::End { kind, .. } => {
                stack.pop();
                if stack.len() == 1 && kind == SyntaxKind::RULE_DECL {
                    let rule = current.take()?;
                    if rule.name.is_empty() {
                        return None;
                    }
                    rules.push(rule);
                }
            }
            Event::Token { kind, span } => {
                let Some(rule) = current.as_mut() else {
                    continue;
                };
                match kind {
                    SyntaxKind::PRIVATE_KW => rule.private = true,
                    SyntaxKind::GLOBAL_KW => rule.global = true,
                    SyntaxKind::IDENT => {
                        let text = source.get(span.range())?;
                        if stack.last() == Some(&SyntaxKind::RULE_DECL) && rule.name.is_empty() {
                            rule.name = text.to_owned();
                        } else if stack.contains(&SyntaxKind::CONDITION_BLK) {
                            rule.refs.push(text.trim_end_matches('*').to_owned());
                        } else if stack.contains(&SyntaxKind::META_BLK) {
                            meta_key = text.to_owned();
                        }
                    }
                    SyntaxKind::STRING_LIT
                        if meta_key == "path_include" && stack.contains(&SyntaxKind::META_BLK) =>
                    {
                        let text = source.get(span.range())?;
                        let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
                        rule.globs = inner.filter(|t| !t.contains('\\')).map(|t| {
                            t.split(',')
                                .map(str::trim)
                                .filter(|g| !g.is_empty())
                                .map(str::to_owned)
                                .collect()
                        });
                        meta_key.clear();
                    }
                    _ => {}
                }
            }
        }
    }
    if current.is_some() {
        return None;
    }
    Some((header, rules))
}

/// A compile error of a set: where, and YARA's message.
pub(crate) struct SetError {
    pub pack: usize,
    pub file: usize,
    pub message: String,
}

/// Compiles `sources` in order, each in its namespace (or loads the set an earlier process
/// compiled from the same sources): an error names the source that does not compile.
fn compile_sources(
    cache: &CompiledSetCache,
    sources: &[SetSource<'_>],
) -> Result<yara_x::Rules, (usize, String)> {
    cache.get_or_compile(sources, || {
        let mut compiler = yara_x::Compiler::new();
        compiler.colorize_errors(false);
        for (index, source) in sources.iter().enumerate() {
            compiler.new_namespace(source.namespace);
            let code = yara_x::SourceCode::from(source.text).with_origin(source.origin.to_owned());
            compiler
                .add_source(code)
                .map_err(|e| (index, e.to_string()))?;
        }
        Ok(compiler.build())
    })
}

/// The packs as written, in one set.
fn compile_original(
    packs: &[PackInput],
    cache: &CompiledSetCache,
) -> Result<yara_x::Rules, SetError> {
    let mut places = Vec::new();
    let mut sources = Vec::new();
    for (p, pack) in packs.iter().enumerate() {
        for (f, (name, text)) in pack.files.iter().enumerate() {
            places.push((p, f));
            sources.push(SetSource {
                namespace: &pack.namespace,
                origin: name,
                text,
            });
        }
    }
    compile_sources(cache, &sources).map_err(|(index, message)| {
        let (pack, file) = places.get(index).copied().unwrap_or_default();
        SetError {
            pack,
            file,
            message,
        }
    })
}

impl Scopes {
    /// Cuts the packs and compiles the base sets; if one does not compile, the full set as
    /// written (its error is the packs' error).
    pub(crate) fn compile(
        packs: &[PackInput],
        cache: Arc<CompiledSetCache>,
    ) -> Result<Self, SetError> {
        let mut cut_packs = Vec::with_capacity(packs.len());
        let mut order = HashMap::new();
        for pack in packs {
            let cut: Vec<Option<(String, Vec<RuleText>)>> =
                pack.files.iter().map(|(_, text)| split(text)).collect();
            // Every identifier any condition of the pack uses (rules can name rules of their
            // namespace, in any of its files).
            let named: Vec<String> = cut
                .iter()
                .flatten()
                .flat_map(|(_, rules)| rules.iter())
                .flat_map(|r| r.refs.iter().cloned())
                .collect();
            let is_named = |name: &str| {
                named
                    .iter()
                    .any(|r| !r.is_empty() && name.starts_with(r.as_str()))
            };
            let mut files = Vec::with_capacity(pack.files.len());
            for ((name, text), cut) in pack.files.iter().zip(cut) {
                let (header, pieces) = match cut {
                    None => (
                        String::new(),
                        vec![Piece {
                            text: text.clone(),
                            rule: None,
                            home: 0,
                            dependency: true,
                            public: true,
                            when: When::Always,
                        }],
                    ),
                    Some((header, rules)) => {
                        let pieces = rules
                            .into_iter()
                            .map(|rule| {
                                let home = match &rule.globs {
                                    Some(globs) if !path_included(globs, BASE_PATH) => 1,
                                    _ => 0,
                                };
                                order.insert(rule_id(&pack.namespace, &rule.name), order.len());
                                Piece {
                                    dependency: rule.global || rule.private || is_named(&rule.name),
                                    public: !rule.private,
                                    text: rule.text,
                                    rule: Some(rule.name),
                                    home,
                                    when: When::Always,
                                }
                            })
                            .collect();
                        (header, pieces)
                    }
                };
                files.push(FileText {
                    name: name.clone(),
                    original: text.clone(),
                    header,
                    pieces,
                });
            }
            cut_packs.push(PackText {
                namespace: pack.namespace.clone(),
                files,
            });
        }
        let mut scopes = Self {
            packs: cut_packs,
            bases: Vec::new(),
            globs: Vec::new(),
            full_weight: 0,
            order,
            keys: Mutex::new(HashMap::new()),
            slots: (0..MAX_SCOPED_RULE_SETS).map(|_| OnceLock::new()).collect(),
            full: OnceLock::new(),
            always: OnceLock::new(),
            cache,
        };
        let mut bases = Vec::with_capacity(BASES);
        for base in 0..BASES {
            match scopes.compile_set(|p| p.dependency || p.home == base) {
                Ok(Some(rules)) => bases.push(rules),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "a base signature set does not compile: the full set is used");
                    bases.clear();
                    break;
                }
            }
        }
        if bases.is_empty() && scopes.packs.iter().any(|p| !p.files.is_empty()) {
            bases.push(compile_original(packs, &scopes.cache)?);
            for piece in scopes.pieces_mut() {
                piece.home = 0;
            }
        } else if bases.len() < BASES {
            // One base set empty: every piece is in the other.
            for piece in scopes.pieces_mut() {
                piece.home = 0;
            }
        }
        scopes.bases = bases;
        Ok(scopes)
    }

    fn pieces_mut(&mut self) -> impl Iterator<Item = &mut Piece> {
        self.packs
            .iter_mut()
            .flat_map(|p| p.files.iter_mut())
            .flat_map(|f| f.pieces.iter_mut())
    }

    fn pieces(&self) -> impl Iterator<Item = &Piece> {
        self.packs
            .iter()
            .flat_map(|p| p.files.iter())
            .flat_map(|f| f.pieces.iter())
    }

    /// The base sets (every rule is in one; the metadata is read from them).
    pub(crate) fn bases(&self) -> &[yara_x::Rules] {
        &self.bases
    }

    /// Once the metadata is read: each rule's scope for the small sets.
    pub(crate) fn set_scopes(
        &mut self,
        meta: &HashMap<(String, String), SignatureRule>,
        disabled: &BTreeSet<String>,
    ) {
        let mut globs: Vec<Vec<String>> = Vec::new();
        for pack in &mut self.packs {
            for file in &mut pack.files {
                for piece in &mut file.pieces {
                    let Some(name) = &piece.rule else {
                        continue;
                    };
                    piece.when = if piece.dependency {
                        When::Always
                    } else if is_disabled(disabled, &rule_id(&pack.namespace, name)) {
                        When::Never
                    } else {
                        match meta.get(&(pack.namespace.clone(), name.clone())) {
                            Some(m) if !m.path_include.is_empty() => {
                                When::Scope(match globs.iter().position(|g| *g == m.path_include) {
                                    Some(index) => index,
                                    None => {
                                        globs.push(m.path_include.clone());
                                        globs.len() - 1
                                    }
                                })
                            }
                            _ => When::Always,
                        }
                    };
                }
            }
        }
        self.globs = globs;
        self.full_weight = self.pieces().map(|p| p.text.len()).sum();
    }

    /// The place of a rule in the packs: matches are reported in this order.
    pub(crate) fn order(&self, id: &str) -> usize {
        self.order.get(id).copied().unwrap_or(usize::MAX)
    }

    /// The full set as the packs are written (what the agreement test compares with libyara).
    pub(crate) fn full(&self) -> Result<&yara_x::Rules, String> {
        self.full
            .get_or_init(|| {
                let packs: Vec<PackInput> = self
                    .packs
                    .iter()
                    .map(|p| PackInput {
                        namespace: p.namespace.clone(),
                        files: p
                            .files
                            .iter()
                            .map(|f| (f.name.clone(), f.original.clone()))
                            .collect(),
                    })
                    .collect();
                compile_original(&packs, &self.cache).map_err(|e| e.message)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The scopes `path` matches: the paths of one key are scanned with the same sets.
    pub(crate) fn key(&self, path: &str) -> Vec<usize> {
        self.globs
            .iter()
            .enumerate()
            .filter(|(_, globs)| path_included(globs, path))
            .map(|(index, _)| index)
            .collect()
    }

    /// The rule sets to scan `path` with in a scan holding plenty of files of its kind (its small
    /// set compiled if it has one).
    #[cfg(test)]
    pub(crate) fn select(&self, path: &str) -> Selected<'_> {
        self.select_key(&self.key(path), u64::MAX)
    }

    /// The rule sets to scan the paths of `key` with (none: no rule applies to them); ids below
    /// [`Self::bases`]' length are base sets. `planned`: the bytes of the scan's files of this
    /// key; under [`MIN_SCOPED_SET_BYTES`] a small set not compiled yet is not compiled for
    /// them (the base sets are used).
    pub(crate) fn select_key(&self, key: &[usize], planned: u64) -> Selected<'_> {
        let index = {
            let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
            match keys.get(key) {
                Some(index) => Some(*index),
                None if keys.len() < self.slots.len() => {
                    let index = keys.len();
                    keys.insert(key.to_vec(), index);
                    Some(index)
                }
                None => None,
            }
        };
        let Some((index, slot)) = index.and_then(|i| self.slots.get(i).map(|slot| (i, slot)))
        else {
            // Past the remembered combinations: the base sets, compiled already.
            return self.with_bases(&self.bases_for(key));
        };
        let chosen = match slot.get() {
            Some(chosen) => chosen,
            // Too few bytes to pay for a compile: the base sets holding the key's rules (none
            // when no rule applies to it, as `Slot::Nothing`).
            None if planned < MIN_SCOPED_SET_BYTES => return self.with_bases(&self.bases_for(key)),
            None => slot.get_or_init(|| self.slot(key)),
        };
        match chosen {
            Slot::Nothing => Vec::new(),
            Slot::Small(scoped) => {
                let mut sets = Vec::with_capacity(2);
                if let Some(always) = self.always.get().and_then(Option::as_ref) {
                    sets.push((self.bases.len() + self.slots.len(), always));
                }
                if let Some(rules) = scoped {
                    sets.push((self.bases.len() + index, &**rules));
                }
                sets
            }
            Slot::Bases(bases) => self.with_bases(bases),
        }
    }

    fn with_bases(&self, bases: &[usize]) -> Selected<'_> {
        bases
            .iter()
            .filter_map(|b| self.bases.get(*b).map(|rules| (*b, rules)))
            .collect()
    }

    /// The base sets holding a rule the paths of `key` can report.
    fn bases_for(&self, key: &[usize]) -> Vec<usize> {
        (0..self.bases.len())
            .filter(|b| {
                self.pieces().any(|p| {
                    p.public && p.home == *b && p.when != When::Never && self.applies(p, key)
                })
            })
            .collect()
    }

    fn applies(&self, piece: &Piece, key: &[usize]) -> bool {
        match piece.when {
            When::Always => true,
            When::Scope(index) => key.contains(&index),
            When::Never => false,
        }
    }

    /// What the paths of `key` are scanned with: nothing when no rule of theirs can be
    /// reported, a small set when their rules are few, else the base sets holding them.
    fn slot(&self, key: &[usize]) -> Slot {
        if !self.pieces().any(|p| p.public && self.applies(p, key)) {
            return Slot::Nothing;
        }
        let weight: usize = self
            .pieces()
            .filter(|p| self.applies(p, key))
            .map(|p| p.text.len())
            .sum();
        let bases = || Slot::Bases(self.bases_for(key));
        if weight * 100 > self.full_weight * MAX_SCOPED_SET_SHARE_PERCENT {
            return bases();
        }
        // The rules of every file are compiled once for all the small sets (QGIS's unscoped
        // rule costs more to compile than the scoped rules of a `.sh` file); the path's own
        // scoped rules, if any, in a set of theirs with the rules they depend on.
        let unscoped = self.pieces().any(|p| p.public && p.when == When::Always);
        let always = self.always.get_or_init(|| {
            if !unscoped {
                return None;
            }
            let _span = tracing::info_span!("compile_unscoped_signatures").entered();
            match self.compile_set(|p| p.when == When::Always) {
                Ok(rules) => rules,
                Err(e) => {
                    tracing::warn!(error = %e, "the unscoped signature set does not compile");
                    None
                }
            }
        });
        if unscoped && always.is_none() {
            return bases();
        }
        let own = |p: &Piece| matches!(p.when, When::Scope(index) if key.contains(&index));
        if !self.pieces().any(|p| p.public && own(p)) {
            return Slot::Small(None);
        }
        let _span = tracing::info_span!("compile_scoped_signatures", scopes = ?key).entered();
        match self.compile_set(|p| p.dependency || own(p)) {
            Ok(Some(rules)) => Slot::Small(Some(Box::new(rules))),
            Ok(None) => Slot::Small(None),
            Err(e) => {
                tracing::warn!(error = %e, "a scoped signature set does not compile: the base sets are used");
                bases()
            }
        }
    }

    /// The set of the pieces `chosen` takes, each file's imports with them (`None`: no piece).
    fn compile_set(
        &self,
        chosen: impl Fn(&Piece) -> bool,
    ) -> Result<Option<yara_x::Rules>, String> {
        // Each file's chosen pieces, its imports first, in the packs' order.
        let mut texts: Vec<(&str, &str, String)> = Vec::new();
        for pack in &self.packs {
            for file in &pack.files {
                let mut text = String::new();
                for piece in file.pieces.iter().filter(|p| chosen(p)) {
                    if text.is_empty() {
                        text.push_str(&file.header);
                    }
                    text.push_str(&piece.text);
                    text.push('\n');
                }
                if !text.is_empty() {
                    texts.push((&pack.namespace, &file.name, text));
                }
            }
        }
        if texts.is_empty() {
            return Ok(None);
        }
        let sources: Vec<SetSource<'_>> = texts
            .iter()
            .map(|(namespace, origin, text)| SetSource {
                namespace,
                origin,
                text,
            })
            .collect();
        compile_sources(&self.cache, &sources)
            .map_err(|(_, message)| message)
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_cut_into_imports_and_rules_with_their_flags_and_names() {
        let source = "import \"math\"\n// a comment\nprivate rule a : tag { condition: true }\n\
                      global rule b { condition: filesize < 10 }\n\
                      rule c { strings: $x = \"x\" condition: $x and a and d_rule }\n";
        let (header, rules) = split(source).expect("cut");
        assert_eq!(header, "import \"math\"\n");
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(rules[0].private && !rules[0].global);
        assert!(rules[1].global && !rules[1].private);
        assert_eq!(rules[2].refs, ["a", "d_rule"]);
        assert_eq!(rules[0].globs, None);
        assert!(rules[2].text.starts_with("rule c") && rules[2].text.ends_with('}'));
        assert!(split("include \"other.yar\"\nrule a { condition: true }").is_none());
        assert!(split("rule a { condition: }").is_none());
    }

    /// The shipped packs cut and compiled, each rule's scope set.
    fn shipped_scopes() -> Scopes {
        let mut packs: Vec<PackInput> = Vec::new();
        for (name, text) in crate::builtin::FILES {
            let (pack, _) = name.split_once('/').expect("pack/file");
            if packs.last().is_none_or(|p| p.namespace != pack) {
                packs.push(PackInput {
                    namespace: pack.to_owned(),
                    files: Vec::new(),
                });
            }
            if let Some(last) = packs.last_mut() {
                last.files.push(((*name).to_owned(), (*text).to_owned()));
            }
        }
        let Ok(mut scopes) = Scopes::compile(&packs, Arc::new(CompiledSetCache::off())) else {
            panic!("the shipped packs compile");
        };
        assert_eq!(scopes.bases().len(), BASES);
        let mut meta = HashMap::new();
        for rule in scopes.bases().iter().flat_map(|r| r.iter()) {
            let key = (rule.namespace().to_owned(), rule.identifier().to_owned());
            let read = crate::engine::read_meta(
                &key.0,
                &key.1,
                rule.metadata(),
                crate::SignatureAction::Report,
            )
            .expect("meta");
            meta.insert(key, read);
        }
        scopes.set_scopes(&meta, &BTreeSet::new());
        scopes
    }

    /// The shipped packs compile as two base sets (not the full set of the fallback), Python
    /// source needs only the first, and a `.po` file a small set of QGIS's unscoped rule.
    #[test]
    fn the_shipped_packs_compile_as_two_base_sets_and_a_small_one_for_other_files() {
        let scopes = shipped_scopes();
        let ids = |path: &str| -> Vec<usize> { scopes.select(path).iter().map(|s| s.0).collect() };
        assert_eq!(ids("plugin/module.py"), [0]);
        assert_eq!(ids("plugin/web/app.js"), [0, 1]);
        let other = ids("plugin/i18n/fr.po");
        assert_eq!(other.len(), 1);
        assert!(other[0] >= BASES, "a small set of its own: {other:?}");
        assert_eq!(ids("plugin/i18n/de.po"), other, "compiled once, reused");
        // A shell script: the set of every file's rules, and one of the rules of its own.
        let script = ids("plugin/tools/run.sh");
        assert_eq!(script.len(), 2, "{script:?}");
        assert_eq!(
            script[0], other[0],
            "the unscoped rules compiled once for both"
        );
        assert!(script[1] >= BASES && script[1] != other[0]);
    }

    /// A scan with few bytes of a kind of path compiles no small set for it: those files are
    /// scanned with the base sets holding their rules (none when no rule applies); a scan with
    /// enough bytes compiles the set, and later scans use it whatever their size.
    #[test]
    fn small_sets_are_compiled_only_for_scans_with_enough_bytes_of_their_files() {
        let scopes = shipped_scopes();
        let ids = |path: &str, planned: u64| -> Vec<usize> {
            scopes
                .select_key(&scopes.key(path), planned)
                .iter()
                .map(|s| s.0)
                .collect()
        };
        let few = MIN_SCOPED_SET_BYTES - 1;
        assert_eq!(ids("plugin/i18n/fr.po", few), [0]);
        assert_eq!(ids("plugin/tools/run.sh", few), [0]);
        assert_eq!(ids("plugin/web/app.js", few), [0, 1]);
        assert_eq!(ids("plugin/module.py", few), [0]);
        assert!(scopes.always.get().is_none(), "no small set compiled");
        assert!(scopes.slots.iter().all(|slot| slot.get().is_none()));
        let other = ids("plugin/i18n/fr.po", MIN_SCOPED_SET_BYTES);
        assert_eq!(other.len(), 1);
        assert!(other[0] >= BASES, "a small set of its own: {other:?}");
        assert_eq!(
            ids("plugin/i18n/de.po", 1),
            other,
            "compiled: used by any scan"
        );
        assert_eq!(ids("plugin/tools/run.sh", few), [0]);
    }
}
