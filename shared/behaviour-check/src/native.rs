//! Native code anywhere in the zip, recognised by content (ELF, PE, Mach-O), whatever the
//! file is called.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use validator_archive::FileHeads;
use validator_domain::{CheckContext, CheckError, Finding, WithoutEvidence};

use crate::rules::BHV103;
use crate::BehaviourLimits;

/// The kind of native code that `data` (a file's first bytes) starts with.
pub fn native_kind(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x7fELF") {
        return Some("an ELF executable or shared library");
    }
    if data.starts_with(b"MZ") && data.len() >= 0x40 {
        let offset = u32::from_le_bytes([data[0x3c], data[0x3d], data[0x3e], data[0x3f]]);
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let pe = data
            .get(offset..offset.saturating_add(4))
            .is_some_and(|sig| sig == b"PE\0\0");
        // A header pointing past what was read still reads as PE: text files do not start MZ
        // followed by a plausible header offset.
        if pe || (offset > data.len() && offset < 64 * 1024) {
            return Some("a Windows PE executable or DLL");
        }
    }
    let magic = data.get(..4)?;
    match magic {
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => {
            Some("a Mach-O executable or library")
        }
        [0xca, 0xfe, 0xba, 0xbe] => {
            // Also the magic of Java class files, which follow it with a version >= 45; a fat
            // Mach-O follows it with a small architecture count.
            let count = u32::from_be_bytes(data.get(4..8)?.try_into().ok()?);
            (count > 0 && count < 32).then_some("a universal Mach-O binary")
        }
        _ => None,
    }
}

/// One BHV103 finding per file of native code.
pub fn findings(
    ctx: &CheckContext<'_>,
    limits: &BehaviourLimits,
) -> Result<Vec<Finding>, CheckError> {
    let mut findings = Vec::new();
    if !(ctx.rule_enabled)(BHV103.id) {
        return Ok(findings);
    }
    // The heads suspicious_files sniffs too: read once per scan.
    let heads = ctx.cache.get_or_init(|| FileHeads::new(ctx.archive));
    let names: HashSet<&str> = ctx.archive.files().map(|e| e.name.as_str()).collect();
    let mut native: Vec<(&str, &'static str)> = Vec::new();
    for entry in ctx.archive.files() {
        if entry.size < 4 {
            continue;
        }
        let prefix = heads
            .prefix(ctx.archive, entry, limits.native_prefix_bytes)
            .map_err(|e| CheckError::Failed(format!("{}: {e}", entry.name)))?;
        if let Some(kind) = native_kind(&prefix) {
            native.push((entry.name.as_str(), kind));
        }
    }
    if native.is_empty() {
        return Ok(findings);
    }
    let mut budget = limits.max_provenance_text_bytes;
    let documentation = documentation(ctx, &mut budget);
    let named: Vec<&str> = native
        .iter()
        .filter(|(path, kind)| named_as_native(path, kind))
        .map(|(path, _)| *path)
        .collect();
    let by_files = crate::native_build::declared_by_files(
        ctx.archive,
        &named,
        &mut budget,
        limits.max_embedded_name_bytes,
    );
    let provenance = provenance(&native, &names, &documentation, by_files);
    for (name, kind) in native {
        let lower = name.to_ascii_lowercase();
        let extension = if [".so", ".pyd", ".dylib"]
            .iter()
            .any(|e| lower.ends_with(e) || lower.contains(&format!("{e}.")))
        {
            " (a Python extension module or library Python code can load)"
        } else {
            ""
        };
        let mut finding = Finding::new(
            crate::ID,
            &BHV103,
            name.to_owned(),
            format!("ships native code: {kind}{extension} ({name})"),
        );
        if let Some(package) = bundled_extension_package(name, &names) {
            finding.without_evidence = Some(WithoutEvidence::report(format!(
                "a Python extension module of the bundled package `{package}`, loaded by \
                 import like the package's Python code"
            )));
        } else if let Some(reason) = provenance.get(name) {
            finding.message = format!("{} (provenance: {reason})", finding.message);
            finding.without_evidence = Some(WithoutEvidence::report(format!(
                "a program or library shipped under a name that says what it is, with its \
                 provenance declared: {reason}"
            )));
        }
        findings.push(finding);
    }
    Ok(findings)
}

/// What the plugin says about itself, lowercased: `about`, `description` and `changelog` of
/// metadata.txt (the plugin page shows all three: "Cython terrain analysis extensions for
/// windows" in a release's notes declares `terrain_analysis.pyd`) and the README files it ships (the top level's may only point to the real one in its help
/// folder), within `budget` bytes (`max_provenance_text_bytes`, shared with `native_build.rs`).
fn documentation(ctx: &CheckContext<'_>, budget: &mut u64) -> String {
    let mut text = String::new();
    if let Ok(metadata) = ctx.package.metadata.as_ref() {
        for key in ["about", "description", "changelog"] {
            if let Some(value) = metadata.get(key) {
                text.push_str(value);
                text.push('\n');
            }
        }
    }
    for entry in ctx.archive.files() {
        let file = entry
            .name
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let is_readme = file.starts_with("readme")
            && [".md", ".rst", ".txt", ".org", "readme"]
                .iter()
                .any(|e| file.ends_with(e));
        if !is_readme || entry.size > *budget {
            continue;
        }
        if let Ok(bytes) = ctx.archive.read(entry) {
            *budget = budget.saturating_sub(entry.size);
            text.push_str(&validator_archive::decode_text(&bytes));
            text.push('\n');
        }
    }
    text.to_lowercase()
}

/// Programs and runtime libraries QGIS's Windows distribution (OSGeo4W) ships itself: Qt's
/// translation tools and Microsoft's C/C++ runtime, by name without version digits.
const QGIS_SHIPPED: &[&str] = &[
    "lrelease",
    "lupdate",
    "lconvert",
    "msvcp",
    "msvcr",
    "vcruntime",
    "concrt",
    "ucrtbase",
    "vcomp",
];

/// Name parts that say which platform a build is for, not what it is
/// (`pbf2geojson_windows_x86_64.dll`).
const PLATFORM_PARTS: &[&str] = &[
    "win", "win32", "win64", "windows", "linux", "lin", "lin32", "lin64", "osx", "macos", "mac",
    "darwin", "x86", "x64", "i386", "i686", "amd64", "arm64", "aarch64", "32", "64", "32bit",
    "64bit",
];

/// The tool a native file's name names: its stem without platform parts and version digits
/// (`epanet20012.exe` -> `epanet`, `pbf2geojson_windows_x86_64.dll` -> `pbf2geojson`).
pub fn tool_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file).to_ascii_lowercase();
    let parts: Vec<&str> = stem
        .split(['_', '-'])
        .filter(|p| !p.is_empty() && !PLATFORM_PARTS.contains(p))
        .collect();
    parts
        .join("_")
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .to_owned()
}

/// Whether a file's name says it is native code of `kind`: a Windows program or library named
/// `.exe`/`.dll`/`.pyd`/`.com`, an ELF or Mach-O file named as a shared library or without an
/// extension. A binary named like an image or a script is disguised.
fn named_as_native(path: &str, kind: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let library = file.ends_with(".so") || file.contains(".so.") || file.ends_with(".dylib");
    if kind.contains("Windows") {
        [".exe", ".dll", ".pyd", ".com"]
            .iter()
            .any(|e| file.ends_with(e))
    } else {
        library || file.ends_with(".bundle") || !file.contains('.')
    }
}

fn is_library(path: &str) -> bool {
    let file = path.to_ascii_lowercase();
    file.ends_with(".dll")
        || file.ends_with(".so")
        || file.contains(".so.")
        || file.ends_with(".dylib")
}

/// Whether `word` occurs in `text` as a word (digits may follow: `swmm5`, `epanet 2.2`).
pub(crate) fn mentions(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphabetic)
    })
}

/// Whether `text` names the tool `tool` (a [`tool_name`], words joined by `_`): as it is, or
/// as a phrase of its words joined by a space or a hyphen (`terrain_analysis` is named by
/// "terrain analysis", `ascii_grid_to_netcdf` by "ASCII grid-to-netcdf"), never by its words
/// scattered through the text.
fn names_tool(text: &str, tool: &str) -> bool {
    if mentions(text, tool) {
        return true;
    }
    let words: Vec<&str> = tool.split('_').filter(|w| !w.is_empty()).collect();
    if words.len() < 2 {
        return false;
    }
    let Some(first) = words.first() else {
        return false;
    };
    text.match_indices(first).any(|(at, _)| {
        if text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
        {
            return false;
        }
        let mut rest = &text[at + first.len()..];
        for word in &words[1..] {
            let Some(after) = rest.strip_prefix([' ', '-', '_']) else {
                return false;
            };
            let Some(after) = after.strip_prefix(word) else {
                return false;
            };
            rest = after;
        }
        !rest.chars().next().is_some_and(char::is_alphabetic)
    })
}

/// The declared provenance of each shipped native file that has one, by its path: a licence
/// or readme file beside it (in its folder or the folder above, below the plugin's top level),
/// its tool named in the plugin's description or README, a program or runtime QGIS's own
/// distribution ships, what the plugin's own files declare (`by_files`: a build recipe shipped
/// with its sources, a licence notice in its wrapper), or a library beside such a file. A file
/// whose name disguises it has none.
fn provenance<'a>(
    native: &[(&'a str, &'static str)],
    names: &HashSet<&str>,
    documentation: &str,
    mut by_files: HashMap<&'a str, String>,
) -> HashMap<&'a str, String> {
    let folders_with_notes: HashSet<&str> = names
        .iter()
        .filter_map(|n| {
            let (folder, file) = n.rsplit_once('/')?;
            let file = file.to_ascii_lowercase();
            ["license", "licence", "copying", "readme", "notice"]
                .iter()
                .any(|p| file.starts_with(p))
                .then_some(folder)
        })
        .collect();
    let mut found: HashMap<&str, String> = HashMap::default();
    for &(path, kind) in native {
        if !named_as_native(path, kind) {
            continue;
        }
        let Some((folder, _)) = path.rsplit_once('/') else {
            continue;
        };
        let tool = tool_name(path);
        let parent = folder.rsplit_once('/').map(|(p, _)| p);
        let note = [Some(folder), parent]
            .into_iter()
            .flatten()
            // The plugin's top folder's LICENSE is the plugin's own, not the binary's.
            .filter(|f| f.contains('/'))
            .find(|f| folders_with_notes.contains(f));
        let reason = if let Some(note) = note {
            Some(format!("a licence or readme ships beside it in `{note}/`"))
        } else if tool.len() >= 4 && names_tool(documentation, &tool) {
            Some(format!("the plugin's description or README names `{tool}`"))
        } else if QGIS_SHIPPED.contains(&tool.as_str()) {
            Some(format!(
                "`{tool}` is a program or runtime library QGIS's Windows distribution ships"
            ))
        } else {
            by_files.remove(path)
        };
        if let Some(reason) = reason {
            found.insert(path, reason);
        }
    }
    // Libraries beside a program or library with declared provenance are its runtime.
    for &(path, kind) in native {
        if found.contains_key(path) || !named_as_native(path, kind) || !is_library(path) {
            continue;
        }
        let Some((folder, _)) = path.rsplit_once('/') else {
            continue;
        };
        let companion = found
            .keys()
            .copied()
            .filter(|other| other.rsplit_once('/').is_some_and(|(f, _)| f == folder))
            .min();
        if let Some(companion) = companion {
            let reason = format!("a library beside `{companion}`, whose provenance is declared");
            found.insert(path, reason);
        }
    }
    found
}

/// Folders plugins vendor third-party packages into (as the bundled-libraries check knows them).
const VENDOR_FOLDERS: &[&str] = &[
    "ext_libs",
    "ext-libs",
    "extlibs",
    "libs",
    "lib",
    "vendor",
    "vendored",
    "_vendor",
    "third_party",
    "thirdparty",
    "external",
    "deps",
    "packages",
    "site-packages",
];

/// The bundled package `path` is a Python extension module of: a `.so`/`.pyd` named as an
/// importable module, in a Python package (its folder has `__init__.py`) inside a vendoring
/// folder of the plugin (`ext_libs/dulwich/_pack.cpython-38-x86_64-linux-gnu.so`). Such a file
/// is loaded by the package's own imports; native code elsewhere (beside the plugin's code, in a
/// folder no Python package claims, loaded by ctypes or started) is held for review.
pub fn bundled_extension_package(path: &str, names: &HashSet<&str>) -> Option<String> {
    let (folder, file) = path.rsplit_once('/')?;
    let lower = file.to_ascii_lowercase();
    if !(lower.ends_with(".so") || lower.ends_with(".pyd")) {
        return None;
    }
    let stem = file.split('.').next().unwrap_or("");
    let identifier = stem
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !identifier || !names.contains(format!("{folder}/__init__.py").as_str()) {
        return None;
    }
    // `<plugin>/.../<vendor>/<package>/...`: the package is the folder after the vendoring one.
    let parts: Vec<&str> = folder.split('/').collect();
    let vendor = parts
        .iter()
        .skip(1)
        .position(|p| VENDOR_FOLDERS.contains(&p.to_ascii_lowercase().as_str()))?
        + 1;
    parts.get(vendor + 1).map(|package| (*package).to_owned())
}
