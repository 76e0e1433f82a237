//! `suspicious_files`: files that do not belong in a reviewable Python plugin, by name and by
//! content (a short prefix of each file, never the whole file).

use std::borrow::Cow;

use validator_archive::{Entry, EntryKind, FileHeads, PluginArchive, FILE_HEAD_BYTES};
use validator_domain::{Check, CheckContext, CheckError, Finding, Level, RuleInfo, Severity};

use crate::emit::Findings;
use crate::names::{plural, prefix_through, shown, Tally};

const ID: &str = "suspicious_files";

const SUS001: RuleInfo = RuleInfo {
    id: "SUS001",
    title: "Executable, library or script",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "Executables, native libraries, installers and shell scripts cannot be reviewed \
                  like Python source, and run with the user's rights. Remove them; if the plugin \
                  truly needs one, document where it comes from and how to rebuild it so that \
                  approvers can verify it.",
};
const SUS002: RuleInfo = RuleInfo {
    id: "SUS002",
    title: "Executable content",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "The file's content is compiled machine code or bytecode, whatever its name \
                  says; hiding a binary under an image or data extension is a classic way to \
                  smuggle malware. Remove it, or give it its real extension and document why the \
                  plugin needs it.",
};
const SUS003: RuleInfo = RuleInfo {
    id: "SUS003",
    title: "Hidden file or folder",
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    remediation: "Hidden files are easy to miss in a review and are mostly editor, system or \
                  version-control leftovers (`.DS_Store`, `.idea`, `.env`), sometimes with \
                  secrets in them. Leave them out of the zip unless the plugin needs them: \
                  `zip -r myplugin.zip myplugin -x '*/.*'`.",
};
const SUS004: RuleInfo = RuleInfo {
    id: "SUS004",
    title: "Nested archive",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "An archive inside the plugin hides its content from review, and whatever the \
                  plugin unpacks at run time escapes these checks. Ship the files unpacked in \
                  the plugin folder; do not bundle wheels or eggs, declare the dependency in the \
                  plugin's documentation instead.",
};
const SUS005: RuleInfo = RuleInfo {
    id: "SUS005",
    title: "Compiled Python",
    severity: Severity::Medium,
    level: Level::Warning,
    mandatory: false,
    remediation: "Compiled Python cannot be reviewed and need not match the shipped sources. \
                  Ship `.py` files only: \
                  `zip -r myplugin.zip myplugin -x '*/__pycache__/*' '*.pyc' '*.pyo'`.",
};

const RULES: &[RuleInfo] = &[SUS001, SUS002, SUS003, SUS004, SUS005];

/// Extensions of executables, native libraries, installers and scripts (SUS001). `.js` is not
/// one: plugins routinely ship web assets.
const EXECUTABLE_EXTENSIONS: &[(&str, &str)] = &[
    ("exe", "a Windows executable"),
    ("dll", "a Windows library"),
    ("so", "a native shared library"),
    ("dylib", "a macOS library"),
    ("pyd", "a compiled Python extension"),
    ("bat", "a Windows batch script"),
    ("cmd", "a Windows batch script"),
    ("com", "a DOS/Windows executable"),
    ("sh", "a shell script"),
    ("bash", "a shell script"),
    ("ps1", "a PowerShell script"),
    ("psm1", "a PowerShell module"),
    ("vbs", "a VBScript"),
    ("vbe", "an encoded VBScript"),
    ("msi", "a Windows installer"),
    ("jar", "a Java archive"),
    ("scr", "a Windows screensaver executable"),
    ("cpl", "a Windows control panel item"),
    ("app", "a macOS application"),
    ("apk", "an Android package"),
    ("deb", "a Debian package"),
    ("rpm", "an RPM package"),
    ("bin", "a binary"),
    ("elf", "an ELF executable"),
    ("run", "a self-extracting installer"),
];

/// Extensions of nested archives (SUS004).
const ARCHIVE_EXTENSIONS: &[&str] = &[
    "zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "rar", "whl", "egg",
];

/// Document formats that are zip (or gzip) containers by design and that plugins legitimately
/// ship: QGIS projects (`.qgz`), KML bundles (`.kmz`), office and OpenDocument files, e-books,
/// browser extensions and compressed SVG. Their magic number is not reported as a nested
/// archive. (`.jar` and `.apk` are zips too, but SUS001 reports them as executables.)
pub const NOT_NESTED_ARCHIVES: &[&str] = &[
    "qgz", "kmz", "docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "xpi", "svgz",
];

/// How far a PE header may start for us to follow `e_lfanew` with a second, longer read.
const MAX_PE_HEADER_OFFSET: u64 = 4096;

/// Executables, disguised binaries, hidden files, nested archives and compiled Python.
#[derive(Debug, Clone, Copy, Default)]
pub struct SuspiciousFilesCheck;

impl SuspiciousFilesCheck {
    pub const ID: &'static str = ID;
    pub const RULES: &'static [RuleInfo] = RULES;
}

impl Check for SuspiciousFilesCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "Suspicious files"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let mut out = Findings::new(ID, ctx);
        let sniff = out.on(&SUS002) || out.on(&SUS004);
        let heads = ctx.cache.get_or_init(|| FileHeads::new(ctx.archive));
        for entry in ctx.archive.files() {
            let executable = executable_extension(entry);
            if let Some(what) = executable {
                out.push(
                    &SUS001,
                    &entry.name,
                    format!("`{}` is {what} by its name", shown(&entry.name)),
                );
            }
            let prefix = if sniff && entry.size > 0 {
                read_sniff_prefix(ctx.archive, &heads, entry)?
            } else {
                Cow::Borrowed(&[][..])
            };
            let executable = executable.is_some() && out.on(&SUS001);
            native_content(&mut out, entry, &prefix, executable);
            nested_archive(&mut out, entry, &prefix, executable);
        }
        hidden(&mut out, ctx.archive);
        compiled_python(&mut out, ctx.archive);
        Ok(out.into_vec())
    }
}

/// SUS001's description of the file by its name: its extension, or a versioned shared library
/// (`libfoo.so.1.2`).
fn executable_extension(entry: &Entry) -> Option<&'static str> {
    if versioned_shared_library(entry.file_name()) {
        return Some("a native shared library");
    }
    let ext = entry.extension()?;
    EXECUTABLE_EXTENSIONS
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, what)| *what)
}

/// `libfoo.so.1`, `libfoo.so.1.2.3`.
fn versioned_shared_library(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let Some(at) = lower.find(".so.") else {
        return false;
    };
    let version = &lower[at + 4..];
    at > 0
        && !version.is_empty()
        && version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// The file's head shared with the other checks of the scan (text heads come back empty: no
/// magic number matches them), read further when a PE header lies past it.
fn read_sniff_prefix<'h>(
    archive: &PluginArchive,
    heads: &'h FileHeads,
    entry: &Entry,
) -> Result<Cow<'h, [u8]>, CheckError> {
    let prefix = heads.prefix(archive, entry, FILE_HEAD_BYTES)?;
    // A PE file starts with `MZ` and points at its `PE\0\0` header from offset 0x3C.
    if prefix.starts_with(b"MZ") {
        if let Some(offset) = pe_header_offset(&prefix) {
            let needed = offset + 4;
            if needed > prefix.len() as u64 && needed <= MAX_PE_HEADER_OFFSET {
                return Ok(heads.prefix(archive, entry, needed)?);
            }
        }
    }
    Ok(prefix)
}

fn pe_header_offset(prefix: &[u8]) -> Option<u64> {
    let bytes: [u8; 4] = prefix.get(0x3C..0x40)?.try_into().ok()?;
    Some(u64::from(u32::from_le_bytes(bytes)))
}

/// Native code (or JVM bytecode) recognized by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Native {
    Elf,
    Pe,
    MachO,
    FatMachO,
    JavaClass,
}

impl Native {
    fn describe(self) -> &'static str {
        match self {
            Native::Elf => "an ELF executable",
            Native::Pe => "a Windows (PE) executable",
            Native::MachO => "a Mach-O executable",
            Native::FatMachO => "a universal (fat) Mach-O executable",
            Native::JavaClass => "Java bytecode",
        }
    }

    /// Extensions under which this content is expected, i.e. not disguised.
    fn expected_extensions(self) -> &'static [&'static str] {
        match self {
            Native::Elf => &["so", "bin", "elf", "run", "o", "ko", "out"],
            Native::Pe => &[
                "exe", "dll", "pyd", "scr", "cpl", "com", "bin", "sys", "ocx", "drv", "efi",
            ],
            Native::MachO | Native::FatMachO => &["dylib", "so", "bin", "bundle", "o"],
            Native::JavaClass => &["class"],
        }
    }

    fn expected_for(self, entry: &Entry) -> bool {
        if self == Native::Elf && versioned_shared_library(entry.file_name()) {
            return true;
        }
        entry
            .extension()
            .is_some_and(|ext| self.expected_extensions().contains(&ext.as_str()))
    }
}

fn sniff_native(prefix: &[u8]) -> Option<Native> {
    let magic: [u8; 4] = prefix.get(..4)?.try_into().ok()?;
    match magic {
        [0x7F, b'E', b'L', b'F'] => Some(Native::Elf),
        [0xFE, 0xED, 0xFA, 0xCE | 0xCF] | [0xCE | 0xCF, 0xFA, 0xED, 0xFE] => Some(Native::MachO),
        [0xCA, 0xFE, 0xBA, 0xBE] => {
            // Shared by fat Mach-O (then a small architecture count follows) and Java class
            // files (then minor and major version, the major one 45 or more).
            let next: [u8; 4] = prefix.get(4..8)?.try_into().ok()?;
            if u32::from_be_bytes(next) < 45 {
                Some(Native::FatMachO)
            } else {
                Some(Native::JavaClass)
            }
        }
        [b'M', b'Z', ..] => {
            let offset = usize::try_from(pe_header_offset(prefix)?).ok()?;
            (prefix.get(offset..offset.checked_add(4)?) == Some(b"PE\0\0")).then_some(Native::Pe)
        }
        _ => None,
    }
}

/// SUS002. `named_executable`: SUS001 already reported the file by its extension, so content
/// that matches that extension is not reported again.
fn native_content(out: &mut Findings<'_>, entry: &Entry, prefix: &[u8], named_executable: bool) {
    if !out.on(&SUS002) {
        return;
    }
    let Some(native) = sniff_native(prefix) else {
        return;
    };
    let ext = entry.extension();
    // `.class` files are Java bytecode by name, whatever their first bytes look like.
    if ext.as_deref() == Some("class") {
        return;
    }
    let expected = native.expected_for(entry);
    if expected && named_executable {
        return;
    }
    let name = shown(&entry.name);
    let what = native.describe();
    let message = match ext {
        _ if expected => format!("`{name}` is {what}"),
        None => format!("`{name}` is {what} (with no file extension)"),
        Some(ext) => format!("`{name}` is {what} disguised as .{}", shown(&ext)),
    };
    out.push(&SUS002, &entry.name, message);
}

fn sniff_archive(prefix: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| prefix.starts_with(magic);
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        Some("a zip archive")
    } else if starts(b"7z\xBC\xAF\x27\x1C") {
        Some("a 7-Zip archive")
    } else if starts(b"Rar!\x1A\x07") {
        Some("a RAR archive")
    } else if starts(b"\x1F\x8B\x08") {
        Some("gzip-compressed data")
    } else if starts(b"\xFD7zXZ\x00") {
        Some("xz-compressed data")
    } else if starts(b"BZh")
        && prefix.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        && matches!(prefix.get(4..10), Some(b"1AY&SY") | Some(b"\x17rE8P\x90"))
    {
        Some("bzip2-compressed data")
    } else if prefix.get(257..262) == Some(b"ustar") {
        Some("a tar archive")
    } else {
        None
    }
}

/// SUS004: by extension, else by magic number unless the extension is a known zip-based
/// document or an executable SUS001 already reported.
fn nested_archive(out: &mut Findings<'_>, entry: &Entry, prefix: &[u8], named_executable: bool) {
    if !out.on(&SUS004) {
        return;
    }
    let ext = entry.extension();
    let name = shown(&entry.name);
    if let Some(ext) = ext.as_deref().filter(|e| ARCHIVE_EXTENSIONS.contains(e)) {
        out.push(
            &SUS004,
            &entry.name,
            format!("`{name}` is a nested archive (.{ext})"),
        );
        return;
    }
    if named_executable
        || ext
            .as_deref()
            .is_some_and(|e| NOT_NESTED_ARCHIVES.contains(&e))
    {
        return;
    }
    let Some(what) = sniff_archive(prefix) else {
        return;
    };
    let message = match ext {
        None => format!("`{name}` is {what} (by its content, with no file extension)"),
        Some(ext) => format!("`{name}` is {what} (by its content) named .{}", shown(&ext)),
    };
    out.push(&SUS004, &entry.name, message);
}

/// Hidden names that are expected in a plugin and not reported.
const HIDDEN_ALLOWED: [&str; 2] = [".gitignore", ".gitattributes"];

fn is_hidden(component: &str) -> bool {
    component.starts_with('.')
        && component != "."
        && component != ".."
        && !HIDDEN_ALLOWED.contains(&component)
}

/// SUS003: one finding per top-most hidden component, whatever it is (`.git`, `.DS_Store`,
/// `.bandit`, the `._*` files of `__MACOSX`). `..` is not hidden (PKG009 refuses it).
fn hidden(out: &mut Findings<'_>, archive: &PluginArchive) {
    if !out.on(&SUS003) {
        return;
    }
    let mut found = Tally::default();
    let mut folders = Tally::default();
    for entry in archive.entries() {
        if let Some(prefix) = prefix_through(entry, is_hidden) {
            if prefix != entry.path() || entry.kind == EntryKind::Directory {
                folders.add(prefix.clone());
            }
            found.add(prefix);
        }
    }
    for (path, count) in found.into_items() {
        let message = if folders.contains(&path) {
            format!(
                "`{}` is a hidden folder ({count} entr{})",
                shown(&path),
                if count == 1 { "y" } else { "ies" }
            )
        } else {
            format!("`{}` is a hidden file", shown(&path))
        };
        out.push(&SUS003, path, message);
    }
}

/// SUS005: one finding per top-most `__pycache__` folder holding files, one per `.pyc`/`.pyo`
/// file elsewhere.
fn compiled_python(out: &mut Findings<'_>, archive: &PluginArchive) {
    if !out.on(&SUS005) {
        return;
    }
    let mut caches = Tally::default();
    for entry in archive.files() {
        if let Some(cache) = prefix_through(entry, |c| c == "__pycache__") {
            caches.add(cache);
        } else if matches!(entry.extension().as_deref(), Some("pyc" | "pyo")) {
            out.push(
                &SUS005,
                &entry.name,
                format!("`{}` is compiled Python bytecode", shown(&entry.name)),
            );
        }
    }
    for (cache, count) in caches.into_items() {
        out.push(
            &SUS005,
            &cache,
            format!(
                "`{}` holds {count} compiled Python file{}",
                shown(&cache),
                plural(count)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_libraries() {
        assert!(versioned_shared_library("libfoo.so.1"));
        assert!(versioned_shared_library("libfoo.so.1.2.3"));
        assert!(!versioned_shared_library("libfoo.so."));
        assert!(!versioned_shared_library("libfoo.so.1a"));
        assert!(!versioned_shared_library("notes.so.txt"));
        assert!(!versioned_shared_library(".so.1"));
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff_native(b"\x7fELF\x02\x01\x01\0"), Some(Native::Elf));
        assert_eq!(
            sniff_native(b"\xcf\xfa\xed\xfe\x07\0\0\x01"),
            Some(Native::MachO)
        );
        assert_eq!(
            sniff_native(b"\xfe\xed\xfa\xce\0\0\0\x07"),
            Some(Native::MachO)
        );
        assert_eq!(
            sniff_native(b"\xca\xfe\xba\xbe\0\0\0\x02"),
            Some(Native::FatMachO)
        );
        assert_eq!(
            sniff_native(b"\xca\xfe\xba\xbe\0\0\0\x34"),
            Some(Native::JavaClass)
        );
        assert_eq!(sniff_native(b"MZ but just text, no PE header"), None);
        assert_eq!(sniff_native(b"\x7fEL"), None);
        assert_eq!(sniff_archive(b"PK\x03\x04rest"), Some("a zip archive"));
        assert_eq!(
            sniff_archive(b"\x1f\x8b\x08\0"),
            Some("gzip-compressed data")
        );
        assert_eq!(sniff_archive(b"BZh91AY&SY"), Some("bzip2-compressed data"));
        assert_eq!(sniff_archive(b"BZh is a word"), None);
        assert_eq!(sniff_archive(b"plain text"), None);
    }
}
