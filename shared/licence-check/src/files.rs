//! The check's work over one plugin: its licence files and `metadata.txt`, every source file's
//! head and imports, the bundled libraries; then each file's effective licence and the
//! findings.

use std::collections::{BTreeMap, VecDeque};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use validator_archive::{Entry, PluginArchive};
use validator_domain::{
    CheckContext, CheckError, Compatibility, FileLicence, Finding, LicenceEvidence, LicenceFile,
    LicenceReport, PluginLicence,
};
use validator_python::imports::{static_imports, FileImports, ImportGraph};
use validator_python::{FileError, PythonSources};

use crate::libraries::{self, FileNoticeRef};
use crate::notice::{self, Notice};
use crate::rules::{LIC001, LIC002, LIC003, LIC004, LIC005, LIC006, LIC007};
use crate::{compat, detect, LicenceLimits, CHECK_ID};

/// Extensions of source files other than Python whose heads are read for a licence.
const OTHER_SOURCE_EXTENSIONS: &[&str] = &[
    "pyx", "pxd", "pyi", "js", "mjs", "ts", "c", "h", "cc", "cpp", "cxx", "hpp", "sh", "qml", "r",
];

/// A licence file at most this long that the common licences do not match is read as a
/// statement naming a licence ("This plugin is licensed under the GPL v3") before the whole list
/// is consulted; longer ones are licence texts.
const MAX_STATEMENT_BYTES: usize = 4096;

/// Marks of files written by a tool (Qt's resource compiler, pyuic): nobody puts a header in
/// them by hand, so their missing SPDX line is not reported.
const GENERATED_MARKS: &[&str] = &[
    "Created by: The Resource Compiler for PyQt",
    "Resource object code",
    "UI code generator",
    "Form implementation generated from reading ui file",
    "WARNING! All changes made in this file will be lost!",
];

/// The marks, found in one pass over a head (five substring searches per file cost more).
static GENERATED_MARKS_SEARCH: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(GENERATED_MARKS).expect("valid marks"));

/// What the check reads of one source file.
struct SourceFile {
    path: String,
    notice: Option<Notice>,
    /// An `SPDX-License-Identifier:` line that is not a valid expression: (line, text, why).
    invalid_spdx: Option<(u32, String, String)>,
    /// The file's imports (Python files only); `None` when they could not be read.
    imports: Option<FileImports>,
    /// The first `qgis` import found by text when the file could not be parsed.
    qgis_by_text: Option<String>,
    generated: bool,
    empty: bool,
}

static QGIS_IMPORT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(?:from[ \t]+(?P<a>qgis(?:\.\w+)*)[ \t]+import|import[ \t]+(?P<b>qgis(?:\.\w+)*))")
        .expect("a valid pattern")
});

fn head_of(text: &str, max: u64) -> &str {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn read_head(
    archive: &PluginArchive,
    entry: &Entry,
    limits: &LicenceLimits,
) -> Result<String, CheckError> {
    let bytes = archive.read_prefix(entry, limits.max_header_bytes)?;
    Ok(validator_archive::decode_text(&bytes).into_owned())
}

fn source_file(path: &str, head: &str, imports: Option<FileImports>) -> SourceFile {
    let (notice, invalid_spdx) = notice::file_notice(head);
    let qgis_by_text = if imports.is_none() {
        QGIS_IMPORT_TEXT.captures(head).and_then(|c| {
            c.name("a")
                .or_else(|| c.name("b"))
                .map(|m| m.as_str().to_owned())
        })
    } else {
        None
    };
    SourceFile {
        path: path.to_owned(),
        notice,
        invalid_spdx,
        imports,
        qgis_by_text,
        generated: GENERATED_MARKS_SEARCH.is_match(head),
        empty: head.trim().is_empty(),
    }
}

/// One Python file: its head and imports from the scan's shared parse.
fn python_file(
    ctx: &CheckContext<'_>,
    sources: &PythonSources,
    entry: &Entry,
    limits: &LicenceLimits,
) -> Result<SourceFile, CheckError> {
    match sources.get(ctx.archive, entry) {
        Ok(module) => {
            let imports = module.syntax().map(|_| FileImports {
                imports: static_imports(&module),
                dynamic: Vec::new(),
            });
            let head = head_of(module.source(), limits.max_header_bytes);
            let mut file = source_file(&entry.name, head, imports);
            if file.imports.is_none() {
                // Nested too deep to walk: the whole text is searched for a `qgis` import.
                file.qgis_by_text = QGIS_IMPORT_TEXT
                    .captures(module.source())
                    .and_then(|c| c.name("a").or_else(|| c.name("b")))
                    .map(|m| m.as_str().to_owned());
            }
            Ok(file)
        }
        // Too large or not decodable: the head is still read for its licence.
        Err(FileError::Source(_)) => {
            let head = read_head(ctx.archive, entry, limits)?;
            Ok(source_file(&entry.name, &head, None))
        }
        Err(FileError::Archive(error)) => {
            Err(CheckError::Failed(format!("{}: {error}", entry.name)))
        }
    }
}

/// Whether an entry is a source file other than Python.
fn other_source(entry: &Entry) -> bool {
    entry
        .extension()
        .is_some_and(|ext| OTHER_SOURCE_EXTENSIONS.contains(&ext.as_str()))
}

/// For each file that imports QGIS, how: the module (`qgis.core`) or the chain of the plugin's
/// modules that leads to one (`demo/gui.py -> qgis.core`). The files' imports are taken (they
/// are not needed after this).
fn qgis_importers(files: &mut [SourceFile]) -> BTreeMap<String, String> {
    let mut how: BTreeMap<String, String> = BTreeMap::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    for file in files.iter() {
        let direct = match &file.imports {
            Some(imports) => imports.imports.iter().find_map(|import| {
                let module = ImportGraph::absolute_module(&file.path, import);
                (import.level == 0 && (module == "qgis" || module.starts_with("qgis.")))
                    .then_some(module)
            }),
            None => file.qgis_by_text.clone(),
        };
        if let Some(module) = direct {
            how.insert(file.path.clone(), module);
            queue.push_back(file.path.clone());
        }
    }
    // Nothing imports QGIS directly: nothing imports it through the plugin's modules either,
    // and the import graph is not needed (most of a library's cost here).
    if how.is_empty() {
        return how;
    }
    let imports: BTreeMap<String, FileImports> = files
        .iter_mut()
        .filter_map(|f| f.imports.take().map(|i| (f.path.clone(), i)))
        .collect();
    let graph = ImportGraph::new(&imports);
    // Backwards along the imports: whoever imports a QGIS-importing module imports QGIS.
    let mut importers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for path in imports.keys() {
        for imported in graph.imported_files(path) {
            if imported != path {
                importers.entry(imported).or_default().push(path);
            }
        }
    }
    while let Some(path) = queue.pop_front() {
        let Some(users) = importers.get(path.as_str()) else {
            continue;
        };
        let chain = how.get(&path).cloned().unwrap_or_default();
        for user in users {
            if how.contains_key(*user) {
                continue;
            }
            // A chain of a few hops says enough.
            let chain = if chain.matches(" -> ").count() >= 4 {
                format!("{path} -> ...")
            } else {
                format!("{path} -> {chain}")
            };
            how.insert((*user).to_owned(), chain);
            queue.push_back((*user).to_owned());
        }
    }
    how
}

/// The plugin's licence files (in its folder, or at the zip's root), identified.
fn licence_files(
    archive: &PluginArchive,
    prefix: &str,
    limits: &LicenceLimits,
) -> Result<Vec<LicenceFile>, CheckError> {
    let mut out = Vec::new();
    for entry in archive.files() {
        let rest = entry.name.strip_prefix(prefix).unwrap_or(&entry.name);
        let in_folder = entry.name.starts_with(prefix) || !entry.name.contains('/');
        if !in_folder || rest.contains('/') || !libraries::is_licence_name(entry.file_name()) {
            continue;
        }
        // A NOTICE file carries attributions, not the plugin's licence.
        if entry.file_name().to_ascii_lowercase().starts_with("notice") {
            continue;
        }
        let bytes = archive.read_prefix(entry, limits.max_licence_text_bytes)?;
        let file = licence_text(&entry.name, &validator_archive::decode_text(&bytes), limits);
        tracing::debug!(path = %file.path, spdx = ?file.spdx, confidence = %file.confidence, "licence file");
        out.push(file);
    }
    Ok(out)
}

/// What a licence file's text is: a licence of the list (the common ones first), else a short
/// statement naming one ("This plugin is licensed under the GPL v3"), else the whole list's
/// closest match (its data is loaded only then: it costs about 150 ms and 80 MB).
pub(crate) fn licence_text(path: &str, text: &str, limits: &LicenceLimits) -> LicenceFile {
    // A file that holds nothing but an SPDX expression (`GPL-2.0-or-later`).
    let trimmed = text.trim();
    if trimmed.len() <= 100 && !trimmed.contains('\n') {
        if let Ok(spdx) = notice::canonical_expression(trimmed) {
            return LicenceFile {
                path: path.to_owned(),
                spdx: Some(spdx),
                confidence: validator_domain::Confidence1000(0),
                closest: None,
                evidence: LicenceEvidence::SpdxHeader,
                detail: format!("the file names the SPDX expression `{trimmed}`"),
            };
        }
    }
    let prepared = detect::prepare(text);
    let first = detect::common(&prepared);
    let statement = |found: &detect::TextMatch| {
        let (notice, _) = notice::file_notice(head_of(text, limits.max_header_bytes));
        notice.map(|notice| LicenceFile {
            path: path.to_owned(),
            spdx: Some(notice.spdx),
            confidence: found.confidence,
            closest: found.closest.clone(),
            evidence: notice.evidence,
            detail: format!("line {}: {}", notice.line, notice.quote),
        })
    };
    let mut found = first.clone();
    if !detect::accepted(&first) {
        // A short statement naming a licence, not a licence text: no need for the whole list.
        if text.len() <= MAX_STATEMENT_BYTES {
            if let Some(file) = statement(&first) {
                return file;
            }
        }
        found = detect::full(&prepared, first);
        // A long text no licence matches may still name one (the full texts of rare licences
        // mention others, which is why they go to the whole list first).
        if found.identified(limits.min_licence_confidence).is_none() {
            if let Some(file) = statement(&found) {
                return file;
            }
        }
    }
    LicenceFile {
        path: path.to_owned(),
        spdx: found
            .identified(limits.min_licence_confidence)
            .map(str::to_owned),
        confidence: found.confidence,
        closest: found.closest.clone(),
        evidence: LicenceEvidence::Text,
        detail: String::new(),
    }
}

/// Whether an expression names the same licence family as `id` (`GPL-2.0-or-later` and the
/// `GPL-2.0-only` of a text agree).
fn agrees(expression: &str, id: &str) -> bool {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .any(|token| !token.is_empty() && compat::family(token) == compat::family(id))
}

/// Everything the check finds in one plugin.
pub(crate) fn examine(
    ctx: &CheckContext<'_>,
    limits: &LicenceLimits,
) -> Result<(LicenceReport, Vec<Finding>), CheckError> {
    let archive = ctx.archive;
    let prefix = ctx
        .package
        .top_folder
        .as_deref()
        .map(|t| format!("{t}/"))
        .unwrap_or_default();
    let mut findings = Vec::new();

    // The source files: Python from the shared parse, the others by their heads.
    let sources = PythonSources::of(ctx).map_err(|e| CheckError::Failed(e.to_string()))?;
    let python: Vec<&Entry> = PythonSources::python_files(archive).collect();
    let mut files = Vec::new();
    for file in sources.map_entries(archive, &python, |entry| {
        python_file(ctx, &sources, entry, limits)
    }) {
        files.push(file?);
    }
    for entry in archive.files().filter(|e| other_source(e)) {
        let head = read_head(archive, entry, limits)?;
        files.push(source_file(&entry.name, &head, None));
    }
    let qgis = qgis_importers(&mut files);
    // A top-level package found by its `__version__` alone may be the plugin's own code: only
    // the bundled-libraries check, which compares it with the release, can tell.
    let bundled: Vec<_> = validator_bundled::detect(archive, limits.max_licence_text_bytes)
        .into_iter()
        .filter(|library| !library.by_content)
        .collect();

    // The plugin's licence: its licence files, `metadata.txt`, else its files' headers.
    let plugin_files = licence_files(archive, &prefix, limits)?;
    let metadata_path = format!("{prefix}metadata.txt");
    let metadata = ctx.package.metadata.as_ref().ok().and_then(|m| {
        m.get("license")
            .or_else(|| m.get("licence"))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    });
    let metadata_spdx = match &metadata {
        Some(value) => match notice::canonical_expression(value) {
            Ok(spdx) => Some(spdx),
            Err(why) => {
                findings.push(Finding::new(
                    CHECK_ID,
                    &LIC007,
                    metadata_path.clone(),
                    format!("`license={value}` in metadata.txt is not an SPDX expression ({why})"),
                ));
                None
            }
        },
        None => None,
    };
    // The plugin's own source files that should say under which terms they are (not a bundled
    // library's, not generated, not empty).
    let own: Vec<&SourceFile> = files
        .iter()
        .filter(|f| !f.generated && !f.empty && !bundled.iter().any(|l| l.claims(&f.path)))
        .collect();
    let mut plugin = PluginLicence {
        metadata: metadata.clone(),
        ..PluginLicence::default()
    };
    let identified = plugin_files.iter().find(|f| f.spdx.is_some());
    match (identified, &metadata_spdx) {
        (Some(file), meta) => {
            let spdx = file.spdx.clone().unwrap_or_default();
            plugin.spdx = Some(spdx.clone());
            plugin.source = file.path.clone();
            plugin.confidence = (file.evidence == LicenceEvidence::Text).then_some(file.confidence);
            if let Some(meta) = meta {
                if agrees(meta, &spdx) {
                    // metadata.txt may say what the text cannot: "or later".
                    if *meta != spdx {
                        plugin.spdx = Some(meta.clone());
                        plugin.source = format!("{} and metadata.txt", file.path);
                    }
                } else {
                    findings.push(Finding::new(
                        CHECK_ID,
                        &LIC007,
                        metadata_path.clone(),
                        format!(
                            "metadata.txt says `license={}` but `{}` is {spdx} (confidence {})",
                            metadata.as_deref().unwrap_or_default(),
                            file.path,
                            file.confidence
                        ),
                    ));
                }
            }
        }
        (None, Some(meta)) => {
            plugin.spdx = Some(meta.clone());
            plugin.source = "metadata.txt".to_owned();
        }
        (None, None) => {
            // Headers are an accepted alternative to a licence file when every file has one:
            // the plugin's licence is then the most common of them.
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for file in &own {
                if let Some(n) = &file.notice {
                    *counts.entry(n.spdx.as_str()).or_default() += 1;
                }
            }
            let headed: usize = counts.values().sum();
            match counts.iter().max_by_key(|(_, n)| **n) {
                Some((spdx, n)) if headed == own.len() => {
                    plugin.spdx = Some((*spdx).to_owned());
                    plugin.source = format!(
                        "licence headers ({n} of the {} source files; every file has one)",
                        own.len()
                    );
                }
                _ => {
                    plugin.reason = format!(
                        "no licence file and no `license=` in metadata.txt; {headed} of {} \
                         source files carry a licence header",
                        own.len()
                    );
                }
            }
        }
    }
    plugin.files = plugin_files;
    if let Some(spdx) = &plugin.spdx {
        let (compatibility, reason) = compat::classify(spdx);
        plugin.compatibility = compatibility;
        plugin.reason = reason;
    }
    for file in plugin.files.iter().filter(|f| f.spdx.is_none()) {
        findings.push(Finding::new(
            CHECK_ID,
            &LIC002,
            file.path.clone(),
            match &file.closest {
                Some(closest) => format!(
                    "`{}` is not a licence of the SPDX list: the closest, {closest}, scores {} \
                     (identified from {}); a human reads it",
                    file.path, file.confidence, limits.min_licence_confidence
                ),
                None => format!(
                    "`{}` could not be compared with the licence list",
                    file.path
                ),
            },
        ));
    }
    let headed = own.iter().filter(|f| f.notice.is_some()).count();
    if plugin.files.is_empty() && metadata.is_none() && (headed < own.len() || own.is_empty()) {
        let headers = if headed == 0 {
            format!(
                "none of the {} source files has a licence header",
                own.len()
            )
        } else {
            format!(
                "only {headed} of the {} source files carry a licence header: the others' \
                 terms are unknown",
                own.len()
            )
        };
        findings.push(Finding::new(
            CHECK_ID,
            &LIC001,
            format!("{prefix}LICENSE"),
            format!(
                "no licence: no LICENSE or COPYING file in `{prefix}`, no `license=` in \
                 metadata.txt, and {headers}"
            ),
        ));
    }
    // An explicit GPL-2.0-only plugin cannot take code that is compatible with GPLv3 only.
    let gpl2_only = plugin.spdx.as_deref() == Some("GPL-2.0-only") && plugin.confidence.is_none();

    // The bundled libraries.
    let notices: Vec<FileNoticeRef<'_>> = files
        .iter()
        .filter_map(|f| {
            f.notice.as_ref().map(|n| FileNoticeRef {
                path: &f.path,
                spdx: &n.spdx,
                full_terms: n.full_terms,
            })
        })
        .collect();
    let plugin_text = plugin.spdx.as_deref().zip(
        plugin
            .files
            .iter()
            .find(|f| f.spdx.is_some())
            .map(|f| f.path.as_str()),
    );
    let library_licences = libraries::libraries(archive, &bundled, &notices, plugin_text, limits);
    for library in &library_licences {
        let at = library.paths.first().cloned().unwrap_or_default();
        let label = library.label();
        let licence = library.spdx.as_deref().unwrap_or("unknown");
        if library.compatibility == Compatibility::Incompatible
            || (gpl2_only && library.compatibility == Compatibility::Gpl3Only)
        {
            let why = if library.compatibility == Compatibility::Gpl3Only {
                format!("the plugin is GPL-2.0-only, and {}", library.reason)
            } else {
                library.reason.clone()
            };
            findings.push(Finding::new(
                CHECK_ID,
                &LIC004,
                at.clone(),
                format!(
                    "bundled {label} is under {licence} (from {}): {why}",
                    library.source
                ),
            ));
        }
        if !library.attribution_kept {
            findings.push(Finding::new(
                CHECK_ID,
                &LIC005,
                at,
                format!(
                    "bundled {label} ({licence}) has no licence text or notice in the plugin: \
                     its licence file was not kept"
                ),
            ));
        }
    }

    // Each file's effective licence.
    let mut classified: BTreeMap<String, (Compatibility, String)> = BTreeMap::new();
    let mut listed = Vec::new();
    let mut not_listed = 0u64;
    for file in &files {
        let library = library_licences.iter().find(|l| l.claims(&file.path));
        let (spdx, evidence, line) = match (&file.notice, library) {
            (Some(n), _) => (Some(n.spdx.clone()), n.evidence, Some(n.line)),
            (None, Some(l)) => (l.spdx.clone(), LicenceEvidence::Library, None),
            (None, None) => (plugin.spdx.clone(), LicenceEvidence::Plugin, None),
        };
        let (compatibility, reason) = match &spdx {
            // Most files share a few expressions: each is parsed and classified once.
            Some(spdx) => classified
                .entry(spdx.clone())
                .or_insert_with(|| compat::classify(spdx))
                .clone(),
            None => (Compatibility::Unknown, String::new()),
        };
        let imports_qgis = qgis.get(&file.path).cloned();
        if let Some(how) = &imports_qgis {
            let conflict = compatibility == Compatibility::Incompatible
                || (gpl2_only && compatibility == Compatibility::Gpl3Only);
            if conflict {
                let from = match evidence {
                    LicenceEvidence::SpdxHeader | LicenceEvidence::Notice => {
                        format!("its header, line {}", line.unwrap_or(1))
                    }
                    LicenceEvidence::Library => "its bundled library".to_owned(),
                    _ => format!("the plugin's licence, from {}", plugin.source),
                };
                let mut finding = Finding::new(
                    CHECK_ID,
                    &LIC003,
                    file.path.clone(),
                    format!(
                        "`{}` imports QGIS ({how}) but is under {} ({from}), which is not \
                         compatible with QGIS's GPL-2.0-or-later: {reason}",
                        file.path,
                        spdx.as_deref().unwrap_or_default()
                    ),
                );
                finding.line = line;
                findings.push(finding);
            }
        }
        if let Some((line, text, why)) = &file.invalid_spdx {
            findings.push(
                Finding::new(
                    CHECK_ID,
                    &LIC006,
                    file.path.clone(),
                    format!(
                        "`SPDX-License-Identifier: {text}` is not a valid SPDX expression ({why})"
                    ),
                )
                .at(*line, 1),
            );
        } else if !matches!(evidence, LicenceEvidence::SpdxHeader)
            && library.is_none()
            && !file.generated
            && !file.empty
        {
            findings.push(Finding::new(
                CHECK_ID,
                &LIC006,
                file.path.clone(),
                format!(
                    "`{}` has no `SPDX-License-Identifier:` line{}",
                    file.path,
                    match (&spdx, evidence) {
                        (Some(s), LicenceEvidence::Notice) =>
                            format!(" (its licence notice says {s})"),
                        (Some(s), _) => format!(" (it is {s}, the plugin's licence)"),
                        (None, _) => String::new(),
                    }
                ),
            ));
        }
        if listed.len() >= limits.max_listed_files {
            not_listed += 1;
            continue;
        }
        listed.push(FileLicence {
            path: file.path.clone(),
            spdx,
            evidence,
            line,
            spdx_header: evidence == LicenceEvidence::SpdxHeader,
            imports_qgis,
            library: library.map(|l| l.label()),
            compatibility,
        });
    }
    let report = LicenceReport {
        plugin,
        files: listed,
        libraries: library_licences,
        files_not_listed: not_listed,
    };
    Ok((report, findings))
}
