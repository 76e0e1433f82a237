//! Native code anywhere in the zip, recognised by content (ELF, PE, Mach-O), whatever the
//! file is called.

use rustc_hash::FxHashSet as HashSet;
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
    for entry in ctx.archive.files() {
        if entry.size < 4 {
            continue;
        }
        let prefix = heads
            .prefix(ctx.archive, entry, limits.native_prefix_bytes)
            .map_err(|e| CheckError::Failed(format!("{}: {e}", entry.name)))?;
        if let Some(kind) = native_kind(&prefix) {
            let name = entry.name.to_ascii_lowercase();
            let extension = if [".so", ".pyd", ".dylib"]
                .iter()
                .any(|e| name.ends_with(e) || name.contains(&format!("{e}.")))
            {
                " (a Python extension module or library Python code can load)"
            } else {
                ""
            };
            let mut finding = Finding::new(
                crate::ID,
                &BHV103,
                entry.name.clone(),
                format!("ships native code: {kind}{extension} ({})", entry.name),
            );
            if let Some(package) = bundled_extension_package(&entry.name, &names) {
                finding.without_evidence = Some(WithoutEvidence::report(format!(
                    "a Python extension module of the bundled package `{package}`, loaded by \
                     import like the package's Python code"
                )));
            }
            findings.push(finding);
        }
    }
    Ok(findings)
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
