//! The behaviour check (`behaviour`): catches malicious plugins by what their code does, not by
//! the names it spells.
//!
//! * [`analyse`] resolves, per scope, the names and strings that code builds to hide a call
//!   (concatenation, formatting, `join`, `chr`, escapes, base64/hex/rot13 of literals, aliases,
//!   `getattr`, `__import__`, `import_module`, `sys.modules`, `globals()`) and records what each
//!   function and the module can do ([`caps::Cap`]), with evidence;
//! * [`rules`] combines capabilities into threat rules (`BHV0xx` block, `BHV1xx` hold for
//!   review by default); a capability on its own never fires;
//! * native code is found by content anywhere in the zip (ELF, PE, Mach-O).

pub mod analyse;
pub mod caps;
pub mod code_flow;
mod decode;
pub mod flow;
pub mod native;
mod native_build;
pub mod payload;
pub mod pip;
pub mod rules;
pub mod ui;
pub use validator_python::imports as scope;
pub mod value;

use validator_archive::Entry;
use validator_domain::{
    as_u32, as_usize, Check, CheckContext, CheckError, Finding, NamedLimit, NamedLimits, RuleInfo,
    RuleRole,
};
use validator_python::{FileError, PythonSources};

pub use rules::{REVIEW_RULES, RULES};

const ID: &str = "behaviour";

/// Invisible characters (zero-width spaces, variation selectors, private-use characters) in one
/// file before they count as hiding something.
const MIN_INVISIBLE_RUN: usize = 8;

/// Named, configurable bounds of the resolver (`PLUGIN_VALIDATOR_BEHAVIOUR_<NAME>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BehaviourLimits {
    /// Longest string or bytes value folded; longer results become unknown.
    pub max_folded_bytes: usize,
    /// Expression nesting followed while folding.
    pub max_fold_depth: u32,
    /// Shortest literal that counts as an encoded payload when it decodes to code.
    pub min_blob_chars: usize,
    /// Evidence kept per capability and function.
    pub max_evidence_per_capability: usize,
    /// Longest string classified as a path or URL.
    pub max_classified_string_bytes: usize,
    /// Functions analysed per file.
    pub max_functions: usize,
    /// Functions followed from one function through its calls.
    pub max_closure_units: usize,
    /// Bytes read from the start of every file to recognise native code.
    pub native_prefix_bytes: u64,
    /// Calls between the functions of a file followed to match a file written in one to its
    /// start in another (a path passed to a helper, or returned by one).
    pub max_link_depth: usize,
    /// Largest file read whole to recognise a pickle by its opcodes (BHV008); larger ones are
    /// not read.
    pub max_pickle_bytes: u64,
    /// Largest dict literal with constant keys folded entry by entry (`NAMES["run"]` is the
    /// string it holds); larger ones only carry their values' taint.
    pub max_folded_dict_items: usize,
    /// Text read, in all, to grade the native code a plugin ships (BHV103): the READMEs that
    /// may name its tools, the build recipes that may name it as a target, the notices at the
    /// head of the modules beside a library.
    pub max_provenance_text_bytes: u64,
    /// Longest string of code run by `exec`, `eval` or `compile` as a literal that is read as
    /// code of its own (its findings reported at the call); longer ones are not read.
    pub max_exec_literal_bytes: u64,
    /// Such strings read per file.
    pub max_exec_literals: usize,
    /// Names of the running file bound for such a string (`exec(code)` sees its caller's).
    pub max_exec_bindings: usize,
    /// Largest Windows binary whose version resource is read for the name it was built under,
    /// when an MSBuild project shipped in the plugin may have built it (BHV103).
    pub max_embedded_name_bytes: u64,
    /// Call names whose catalogue answer is kept between files (per thread): most names
    /// recur across a plugin's modules, and a name the tables do not spell costs a
    /// normalisation and a walk of its prefixes. Past this many, names are looked up again.
    pub max_cached_apis: usize,
    /// Calls of the file's own one-line functions (`def _r(s): return codecs.decode(s,
    /// "rot13")`) folded inside each other with constant arguments: deeper ones stay unknown.
    pub max_inline_depth: u32,
    /// Loops over constants read once per element (`for browser in ("Chrome", "Edge")`) when
    /// they have at most this many elements.
    pub max_unrolled_items: usize,
    /// Such loops read element by element inside each other.
    pub max_unroll_depth: u32,
    /// Longest loop body (bytes of source) read once per element.
    pub max_unrolled_body_bytes: usize,
}

impl Default for BehaviourLimits {
    fn default() -> Self {
        Self {
            max_folded_bytes: 16 * 1024,
            max_fold_depth: 200,
            min_blob_chars: 200,
            max_evidence_per_capability: 3,
            max_classified_string_bytes: 4096,
            max_functions: 20_000,
            max_closure_units: 512,
            native_prefix_bytes: 1024,
            max_link_depth: 4,
            max_pickle_bytes: 8 * 1024 * 1024,
            max_folded_dict_items: 64,
            max_provenance_text_bytes: 256 * 1024,
            max_embedded_name_bytes: 32 * 1024 * 1024,
            max_exec_literal_bytes: 64 * 1024,
            max_exec_literals: 16,
            max_exec_bindings: 64,
            max_cached_apis: 65_536,
            max_inline_depth: 3,
            max_unrolled_items: 4,
            max_unroll_depth: 2,
            max_unrolled_body_bytes: 1024,
        }
    }
}

/// A limit's value that is not a whole number.
pub use validator_domain::LimitError;

impl BehaviourLimits {
    /// Each limit's name (its environment variable: `PLUGIN_VALIDATOR_BEHAVIOUR_<NAME>`).
    pub const LIMITS: NamedLimits<Self> = NamedLimits {
        scope: "behaviour",
        prefix: "PLUGIN_VALIDATOR_BEHAVIOUR_",
        limits: &[
            NamedLimit {
                name: "max_folded_bytes",
                set: |l, v| l.max_folded_bytes = as_usize(v),
            },
            NamedLimit {
                name: "max_fold_depth",
                set: |l, v| l.max_fold_depth = as_u32(v),
            },
            NamedLimit {
                name: "min_blob_chars",
                set: |l, v| l.min_blob_chars = as_usize(v),
            },
            NamedLimit {
                name: "max_evidence_per_capability",
                set: |l, v| l.max_evidence_per_capability = as_usize(v),
            },
            NamedLimit {
                name: "max_classified_string_bytes",
                set: |l, v| l.max_classified_string_bytes = as_usize(v),
            },
            NamedLimit {
                name: "max_functions",
                set: |l, v| l.max_functions = as_usize(v),
            },
            NamedLimit {
                name: "max_closure_units",
                set: |l, v| l.max_closure_units = as_usize(v),
            },
            NamedLimit {
                name: "native_prefix_bytes",
                set: |l, v| l.native_prefix_bytes = v,
            },
            NamedLimit {
                name: "max_link_depth",
                set: |l, v| l.max_link_depth = as_usize(v),
            },
            NamedLimit {
                name: "max_pickle_bytes",
                set: |l, v| l.max_pickle_bytes = v,
            },
            NamedLimit {
                name: "max_folded_dict_items",
                set: |l, v| l.max_folded_dict_items = as_usize(v),
            },
            NamedLimit {
                name: "max_provenance_text_bytes",
                set: |l, v| l.max_provenance_text_bytes = v,
            },
            NamedLimit {
                name: "max_exec_literal_bytes",
                set: |l, v| l.max_exec_literal_bytes = v,
            },
            NamedLimit {
                name: "max_exec_literals",
                set: |l, v| l.max_exec_literals = as_usize(v),
            },
            NamedLimit {
                name: "max_exec_bindings",
                set: |l, v| l.max_exec_bindings = as_usize(v),
            },
            NamedLimit {
                name: "max_embedded_name_bytes",
                set: |l, v| l.max_embedded_name_bytes = v,
            },
            NamedLimit {
                name: "max_cached_apis",
                set: |l, v| l.max_cached_apis = as_usize(v),
            },
            NamedLimit {
                name: "max_inline_depth",
                set: |l, v| l.max_inline_depth = as_u32(v),
            },
            NamedLimit {
                name: "max_unrolled_items",
                set: |l, v| l.max_unrolled_items = as_usize(v),
            },
            NamedLimit {
                name: "max_unroll_depth",
                set: |l, v| l.max_unroll_depth = as_u32(v),
            },
            NamedLimit {
                name: "max_unrolled_body_bytes",
                set: |l, v| l.max_unrolled_body_bytes = as_usize(v),
            },
        ],
    };

    /// The environment variable of a limit (`PLUGIN_VALIDATOR_BEHAVIOUR_MAX_FOLDED_BYTES`).
    pub fn env_var(name: &str) -> String {
        Self::LIMITS.env_var(name)
    }

    pub fn from_env() -> Result<Self, LimitError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitError> {
        Self::LIMITS.read(Self::default(), lookup)
    }
}

/// The behaviour check.
#[derive(Debug, Default, Clone, Copy)]
pub struct BehaviourCheck;

impl Check for BehaviourCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "Malicious behaviour"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn reads_python_files(&self) -> bool {
        true
    }

    fn rule_holds_for_review(&self, rule: &str) -> bool {
        REVIEW_RULES.contains(&rule)
    }

    fn rule_role(&self, rule: &str) -> RuleRole {
        if rule == rules::BHV900.id {
            RuleRole::NotLoaded
        } else if rules::SCOPE_RULES.contains(&rule) {
            RuleRole::Scope
        } else {
            RuleRole::Finding
        }
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let limits = BehaviourLimits::from_env().map_err(|e| CheckError::Failed(e.to_string()))?;
        let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
        let entries: Vec<_> = PythonSources::python_files(ctx.archive).collect();
        let password_widgets = ui::password_widgets(ctx.archive);
        let files = sources.map_entries(ctx.archive, &entries, |entry| {
            file_findings(ctx, &sources, entry, &limits, &password_widgets)
        });
        let mut findings = Vec::new();
        let mut summaries = Vec::new();
        let mut imports = std::collections::BTreeMap::new();
        let mut scripts = std::collections::BTreeSet::new();
        let mut unpickling = Vec::new();
        for (entry, file) in entries.iter().zip(files) {
            let (file_findings, summary, file_imports, script) = file?;
            if summary.as_ref().is_some_and(|s| s.unpickles) {
                unpickling.push(entry.name.clone());
            }
            findings.extend(file_findings);
            if script {
                scripts.insert(entry.name.clone());
            }
            summaries.extend(summary);
            // A file that could not be parsed has unknown imports and may load anything.
            let file_imports = file_imports.unwrap_or_else(|| scope::FileImports {
                imports: Vec::new(),
                dynamic: vec!["its code could not be analysed".to_owned()],
            });
            imports.insert(entry.name.clone(), file_imports);
        }
        findings.extend(rules::across_modules(&summaries));
        rules::grade_by_declared_dependencies(&mut findings, ctx.package.metadata.as_ref().ok());
        {
            let names: Vec<&str> = ctx.archive.files().map(|e| e.name.as_str()).collect();
            // A module imported through the folder (`from .data import x`): its last
            // component is among the names the plugin's files import.
            let imported = |folder: &str| {
                let last = folder.rsplit('/').next().unwrap_or(folder);
                summaries.iter().any(|s| s.imports_name(last))
            };
            rules::grade_by_data_folders(&mut findings, &summaries, &names, &imported);
        }
        rules::grade_by_declared_hosts(
            &mut findings,
            &summaries,
            ctx.package.metadata.as_ref().ok(),
        );
        rules::grade_by_declared_repository(
            &mut findings,
            &summaries,
            ctx.package.metadata.as_ref().ok(),
        );
        let outside = outside_loaded_code(ctx, &imports, scripts);
        for finding in &mut findings {
            if outside.contains(&finding.path)
                && !rules::SCOPE_RULES.contains(&finding.rule.as_str())
            {
                finding.review_at_most = Some(format!(
                    "`{}` is a script nothing in the plugin imports (it runs as `__main__`): QGIS does not load it",
                    finding.path
                ));
            }
        }
        // Test modules the static imports never reach run under a test runner, not in QGIS,
        // even when dynamic loading makes every file count as loaded (a bundled library's
        // test suite round-tripping pickles).
        let tests_outside = outside_loaded_code(
            ctx,
            &imports,
            unpickling
                .iter()
                .filter(|path| is_test_module(path))
                .cloned()
                .collect(),
        );
        let scope = scope_findings(ctx, imports);
        // Shipped pickles are loaded only by code QGIS runs: a pickle loaded in a file the
        // plugin never imports (a bundled library's tests) or in a script run by hand does not
        // make the plugin's pickle files code.
        let unpickles = unpickling.iter().any(|path| {
            !outside.contains(path)
                && !tests_outside.contains(path)
                && !scope
                    .iter()
                    .any(|f| f.rule == rules::BHV900.id && f.path == *path)
        });
        findings.extend(scope);
        findings.extend(native::findings(ctx, &limits)?);
        findings.extend(payload::findings(ctx, &limits, unpickles)?);
        findings.retain(|f| (ctx.rule_enabled)(&f.rule));
        Ok(findings)
    }
}

/// Which of `scripts` the plugin's static imports never reach. For scripts (files that run as
/// programs: a `__main__` guard or a `#!` line: developer tools, container entry points) their
/// findings are held for review at most, even when dynamic loading makes every file count as
/// loaded: QGIS imports modules, it does not run scripts. For test modules, their unpickling
/// does not make the plugin's pickles loaded.
fn outside_loaded_code(
    ctx: &CheckContext<'_>,
    imports: &std::collections::BTreeMap<String, scope::FileImports>,
    scripts: std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    let Some(top) = ctx.package.top_folder.as_deref() else {
        return std::collections::BTreeSet::new();
    };
    if scripts.is_empty() {
        return scripts;
    }
    let reached = scope::statically_imported(&format!("{top}/"), imports);
    if reached.is_empty() {
        // No `__init__.py` to start from: nothing is known to be outside.
        return std::collections::BTreeSet::new();
    }
    scripts
        .into_iter()
        .filter(|path| !reached.contains(path))
        .collect()
}

/// Whether a path is a test module, which a test runner imports: `test_*.py`, `*_test.py`,
/// `conftest.py`, or any module in a `test` or `tests` folder.
fn is_test_module(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let in_tests = parts.any(|folder| folder == "tests" || folder == "test");
    in_tests
        || file == "conftest.py"
        || (file.starts_with("test_") && file.ends_with(".py"))
        || file.ends_with("_test.py")
}

/// Whether a module runs as a program: a `#!` line or an `if __name__ == "__main__":` block
/// at its top level.
fn is_script(module: &validator_python::PythonModule) -> bool {
    use validator_python::ast::{Expr, Stmt};
    if module.source().starts_with("#!") {
        return true;
    }
    let Some(syntax) = module.syntax() else {
        return false;
    };
    syntax.body.iter().any(|stmt| {
        let Stmt::If(guard) = stmt else {
            return false;
        };
        let Expr::Compare(compare) = guard.test.as_ref() else {
            return false;
        };
        let operands = || std::iter::once(compare.left.as_ref()).chain(compare.comparators.iter());
        let name = operands().any(|e| matches!(e, Expr::Name(n) if n.id.as_str() == "__name__"));
        let main = operands()
            .any(|e| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__"));
        name && main
    })
}

/// The plugin's loaded scope as findings: BHV900 on every `.py` file its import graph does
/// not reach, or BHV901 when dynamic loading makes every file count.
fn scope_findings(
    ctx: &CheckContext<'_>,
    imports: std::collections::BTreeMap<String, scope::FileImports>,
) -> Vec<Finding> {
    let Some(top) = ctx.package.top_folder.as_deref() else {
        return Vec::new();
    };
    let python: std::collections::BTreeMap<String, scope::FileImports> = imports
        .into_iter()
        .filter(|(path, _)| path.ends_with(".py"))
        .collect();
    match scope::loaded_scope(&format!("{top}/"), &python) {
        scope::LoadedScope::Everything { reason } => {
            if python.contains_key(&format!("{top}/__init__.py")) {
                vec![Finding::new(
                    ID,
                    &rules::BHV901,
                    format!("{top}/__init__.py"),
                    format!("every Python file counts as loaded: {reason}"),
                )]
            } else {
                Vec::new()
            }
        }
        scope::LoadedScope::Files { entry, loaded } => python
            .keys()
            .filter(|path| !loaded.contains(*path))
            .map(|path| {
                Finding::new(
                    ID,
                    &rules::BHV900,
                    path.clone(),
                    format!(
                        "`{path}` is not imported by the plugin's code from `{entry}`: QGIS never runs it"
                    ),
                )
            })
            .collect(),
    }
}

/// A file's findings, its summary for flows across modules, its imports, and whether it is a
/// script (see [`is_script`]).
type FileOutcome = (
    Vec<Finding>,
    Option<rules::ModuleSummary>,
    Option<scope::FileImports>,
    bool,
);

/// The findings of one Python file.
fn file_findings(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    limits: &BehaviourLimits,
    password_widgets: &rustc_hash::FxHashSet<String>,
) -> Result<FileOutcome, CheckError> {
    let path = entry.name.as_str();
    let _span = tracing::debug_span!("behaviour", path).entered();
    let module = match sources.get(ctx.archive, entry) {
        Ok(module) => module,
        Err(FileError::Source(error)) => {
            // The security check reports files that cannot be analysed (SEC000).
            tracing::info!(path, %error, "Python file not analysed for behaviour");
            return Ok((Vec::new(), None, None, false));
        }
        Err(FileError::Archive(error)) => {
            return Err(CheckError::Failed(format!("{path}: {error}")))
        }
    };
    let (hits, summary, imports) = analyse_module(path, &module, limits, password_widgets);
    let findings = hits
        .into_iter()
        .map(|hit| {
            let mut finding = Finding::new(ID, hit.rule, path, hit.message);
            finding.line = Some(hit.line);
            finding.without_evidence = hit.without_evidence;
            finding
        })
        .collect();
    Ok((findings, Some(summary), Some(imports), is_script(&module)))
}

/// The rules that fire on one parsed file (the corpus harness and benchmarks use it directly).
pub fn analyse_file(
    path: &str,
    module: &validator_python::PythonModule,
    limits: &BehaviourLimits,
) -> Vec<rules::Hit> {
    analyse_module(path, module, limits, &rustc_hash::FxHashSet::default()).0
}

/// A module import written as a string (`.sub`, `demo.sub`): its relative level and name.
fn import_ref(text: &str) -> scope::ImportRef {
    let module = text.trim_start_matches('.');
    scope::ImportRef {
        level: (text.len() - module.len()) as u32,
        module: module.to_owned(),
        names: Vec::new(),
    }
}

fn analyse_module(
    path: &str,
    module: &validator_python::PythonModule,
    limits: &BehaviourLimits,
    password_widgets: &rustc_hash::FxHashSet<String>,
) -> (Vec<rules::Hit>, rules::ModuleSummary, scope::FileImports) {
    let mut facts = analyse::analyse_with_forms(module, path, limits, password_widgets);
    source_markers(module.source(), &mut facts);
    let mut hits = rules::evaluate(path, &facts, limits.max_closure_units);
    let literals = std::mem::take(&mut facts.exec_literals);
    hits.extend(exec_literal_hits(path, literals, limits, password_widgets));
    let mut imports = scope::static_imports(module);
    imports.extend(facts.constant_imports.iter().map(|m| import_ref(m)));
    let dynamic = facts
        .units
        .iter()
        .flat_map(|u| u.caps.iter())
        .filter(|(cap, _)| *cap == caps::Cap::DynamicLoad)
        .map(|(_, e)| format!("{path}:{}: {}", e.line, e.what))
        .collect();
    let imports = scope::FileImports { imports, dynamic };
    (hits, rules::ModuleSummary::of(path, &facts), imports)
}

/// The findings of the code the file runs as readable literals (`exec("import os\n...")`):
/// each string read as a file of its own, one level deep (strings that code runs in turn are
/// not read), its findings reported at the call that runs it.
fn exec_literal_hits(
    path: &str,
    literals: Vec<analyse::ExecLiteral>,
    limits: &BehaviourLimits,
    password_widgets: &rustc_hash::FxHashSet<String>,
) -> Vec<rules::Hit> {
    let mut hits = Vec::new();
    for analyse::ExecLiteral {
        line,
        code,
        bindings,
    } in literals
    {
        let module = validator_python::PythonModule::parse_text(code, &Default::default());
        let mut inner = analyse::analyse_in(&module, path, limits, password_widgets, bindings);
        source_markers(module.source(), &mut inner);
        for mut hit in rules::evaluate(path, &inner, limits.max_closure_units) {
            hit.message = format!(
                "in the code run at line {line} (its lines counted from the string's start): {}",
                hit.message
            );
            hit.line = line;
            hits.push(hit);
        }
    }
    hits
}

/// Longest subdivision code a flag emoji spells in tag characters (ISO 3166-2, `gbeng`).
const MAX_FLAG_TAGS: usize = 7;

/// How many characters after a black flag (U+1F3F4) are its subdivision tags: tag letters and
/// digits ended by the cancel tag, or 0 when they are not a flag's.
fn subdivision_flag_tags(rest: &str) -> usize {
    let mut count = 0;
    for c in rest.chars().take(MAX_FLAG_TAGS + 1) {
        match c {
            '\u{E007F}' if count > 0 => return count + 1,
            '\u{E0030}'..='\u{E0039}' | '\u{E0061}'..='\u{E007A}' => count += 1,
            _ => return 0,
        }
    }
    0
}

/// Whether `c` is a symbol Unicode writes with a presentation selector after it (the bases of
/// emoji variation sequences: the emoji blocks, the arrows, technical and dingbat symbols, the
/// copyright and trademark signs; keycaps are checked where the selector is read).
fn takes_presentation_selector(c: char) -> bool {
    matches!(c,
        '\u{00A9}' | '\u{00AE}' | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}'
        | '\u{2300}'..='\u{23FF}'
        | '\u{24C2}' | '\u{25AA}'..='\u{25FE}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2934}' | '\u{2935}' | '\u{2B05}'..='\u{2B55}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}'
    )
}

/// Where the next byte outside ASCII is, from `from` on: eight bytes at a time.
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut offset = 0usize;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if u64::from_ne_bytes(word) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        offset += 8;
    }
    rest[offset..]
        .iter()
        .position(|b| *b >= 0x80)
        .map(|at| from + offset + at)
}

/// What the raw text shows: invisible or bidirectional characters, PyArmor's runtime markers.
fn source_markers(source: &str, facts: &mut analyse::FileFacts) {
    if facts.units.is_empty() {
        facts.units.push(analyse::Unit::default());
    }
    let unit = &mut facts.units[0];
    if !source.is_ascii() {
        // Bidirectional overrides and tag characters hide code at once (Trojan Source); the
        // other invisible characters also occur in copied text, so only a run of them counts.
        let (mut weak, mut first_weak) = (0usize, None);
        // Only the line of the evidence is counted, once.
        let line_of = |at: usize| {
            let newlines = source.as_bytes()[..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            u32::try_from(newlines + 1).unwrap_or(u32::MAX)
        };
        // Tag characters right after a black flag spell a subdivision flag emoji (England is
        // U+1F3F4, "gbeng" in tags, U+E007F): text, not hidden code. Longer runs still count.
        let mut skip = 0usize;
        // An emoji's presentation selector (U+FE0E text, U+FE0F emoji) right after a symbol
        // that takes one (`⚠️`, `✔️`, a keycap `1️⃣`) is how emoji are written: one selector
        // per symbol is text; a second one, or any selector after something else, counts.
        // Every character looked for is outside ASCII: the ASCII between them is skipped.
        let mut from = 0usize;
        // Where a flag's skipped tags end: the character before what follows is the flag.
        let mut flag_end = None;
        while let Some(at) = next_non_ascii(source.as_bytes(), from) {
            let Some(c) = source[at..].chars().next() else {
                break;
            };
            from = at + c.len_utf8();
            if skip > 0 {
                skip -= 1;
                if skip == 0 {
                    flag_end = Some(from);
                }
                continue;
            }
            if matches!(c, '\u{FE0E}' | '\u{FE0F}') {
                let before = if flag_end == Some(at) {
                    '\u{1F3F4}'
                } else {
                    source[..at].chars().next_back().unwrap_or('\n')
                };
                let keycap = matches!(before, '0'..='9' | '#' | '*')
                    && source[at + c.len_utf8()..].starts_with('\u{20E3}');
                if keycap || takes_presentation_selector(before) {
                    continue;
                }
            }
            if c == '\u{1F3F4}' {
                skip = subdivision_flag_tags(&source[at + c.len_utf8()..]);
                continue;
            }
            // The controls that open an embedding, override or isolate reorder what follows;
            // the ones that close them (PDF U+202C, PDI U+2069) reorder nothing on their own
            // (a stray PDF pasted into a formula string): they count as weak ones.
            let strong = matches!(c, '\u{202A}' | '\u{202B}' | '\u{202D}' | '\u{202E}' | '\u{2066}'..='\u{2068}' | '\u{E0000}'..='\u{E007F}');
            let closer = matches!(c, '\u{202C}' | '\u{2069}');
            if strong || closer || caps::is_invisible(c) {
                if !strong && first_weak.is_some() {
                    weak += 1;
                    continue;
                }
                let evidence = (line_of(at), c);
                if strong {
                    first_weak = Some(evidence);
                    weak = usize::MAX;
                    break;
                }
                weak += 1;
                first_weak.get_or_insert(evidence);
            }
        }
        if let (Some((line, c)), true) = (first_weak, weak >= MIN_INVISIBLE_RUN) {
            unit.caps.push((
                caps::Cap::InvisibleUnicode,
                caps::Evidence {
                    line,
                    what: format!(
                        "U+{:04X} ({} invisible characters)",
                        u32::from(c),
                        if weak == usize::MAX {
                            "bidirectional or tag".to_owned()
                        } else {
                            weak.to_string()
                        }
                    ),
                },
            ));
        }
    }
    // Every PyArmor marker contains "armor": one pass over the text in the common case.
    if source.contains("armor") {
        for marker in [
            "__pyarmor__",
            "pyarmor_runtime",
            "__armor_enter__",
            "__armor_wrap__",
        ] {
            if let Some(offset) = source.find(marker) {
                let line = 1 + source[..offset].bytes().filter(|b| *b == b'\n').count();
                unit.caps.push((
                    caps::Cap::PyArmor,
                    caps::Evidence {
                        line: u32::try_from(line).unwrap_or(u32::MAX),
                        what: marker.to_owned(),
                    },
                ));
                break;
            }
        }
    }
}
