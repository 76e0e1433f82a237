//! `package_structure`: the rules the plugins website applies to every upload, so that a plugin
//! that passes here is not refused there.

use validator_archive::{ArchiveError, EntryKind, PluginArchive};
use validator_domain::{
    Check, CheckContext, CheckError, Finding, Level, PackageInfo, PluginMetadata, RuleInfo,
    Severity,
};

use crate::emit::Findings;
use crate::names::{listed, plural, prefix_through, shown, unsafe_name_reasons, Tally};

const ID: &str = "package_structure";

const fn critical(id: &'static str, title: &'static str, remediation: &'static str) -> RuleInfo {
    RuleInfo {
        id,
        title,
        severity: Severity::High,
        level: Level::Critical,
        mandatory: true,
        remediation,
    }
}

const PKG001: RuleInfo = critical(
    "PKG001",
    "Archive refused",
    "The zip could not be opened safely, so nothing in it was checked. Create it again with a \
     standard zip tool, without a password, with UTF-8 file names, each file once, and within the \
     limit named in the message: `cd parent && zip -r myplugin.zip myplugin`.",
);
const PKG002: RuleInfo = critical(
    "PKG002",
    "Not exactly one plugin folder",
    "QGIS installs the one folder at the top of the zip; files beside it, or a second folder, \
     are lost or land outside the plugin. Zip the plugin folder itself, not its content or its \
     parent: `cd parent && zip -r myplugin.zip myplugin -x '*/__pycache__/*'`.",
);
const PKG003: RuleInfo = critical(
    "PKG003",
    "Invalid plugin folder name",
    "The folder name becomes the plugin's Python package and install folder, so the plugins site \
     only accepts a letter followed by letters, digits, `-` or `_` (two characters at least). \
     Rename the folder before zipping, e.g. `mv 1plugin my_plugin`.",
);
const PKG004: RuleInfo = critical(
    "PKG004",
    "Missing __init__.py",
    "QGIS loads a plugin through the `classFactory(iface)` function of its `__init__.py`; \
     without it the plugin cannot start and the plugins site refuses it. Put `__init__.py` \
     directly in the plugin folder, next to `metadata.txt`.",
);
const PKG005: RuleInfo = critical(
    "PKG005",
    "Missing LICENSE",
    "The plugins site requires the license text in a file named exactly `LICENSE` (upper case, \
     no extension) directly in the plugin folder. Rename your license file or add one: \
     `mv myplugin/LICENSE.md myplugin/LICENSE`.",
);
const PKG006: RuleInfo = critical(
    "PKG006",
    "Missing or unreadable metadata.txt",
    "The plugins site and QGIS read the plugin's name, version and requirements from \
     `metadata.txt`. Put it in the plugin folder, saved as UTF-8 without byte-order mark, \
     starting with `[general]` followed by `key=value` lines; write a literal `%` as `%%`.",
);
const PKG007: RuleInfo = critical(
    "PKG007",
    "Missing metadata field",
    "The plugins site refuses a plugin without this field. Add it with a real value to the \
     `[general]` section of `metadata.txt`, e.g. `email=you@example.org`.",
);
const PKG008: RuleInfo = critical(
    "PKG008",
    "Invalid link in metadata",
    "Users find the source and report bugs through these links. Write full addresses with \
     scheme and host, e.g. `tracker=https://github.com/you/myplugin/issues` and \
     `repository=https://github.com/you/myplugin`, never the template's `http://bugs`, \
     `http://repo` or `http://homepage`.",
);
const PKG009: RuleInfo = critical(
    "PKG009",
    "Unsafe entry name",
    "A name with `..`, a leading `/`, a backslash or a drive letter can make an extractor write \
     outside the plugin folder (zip slip), and the plugins site refuses it. Zip from the parent \
     folder so names are relative with forward slashes, and rename files with `..` in the name.",
);
const PKG010: RuleInfo = critical(
    "PKG010",
    "Forbidden folder",
    "`.git` carries the whole repository history (including secrets removed since), \
     `__pycache__` holds unreviewable bytecode and `__MACOSX` is Finder clutter; the plugins site \
     refuses all three. Exclude them: `zip -r myplugin.zip myplugin -x '*/.git/*' \
     '*/__pycache__/*'`, or build the zip with `git archive`.",
);
const PKG011: RuleInfo = critical(
    "PKG011",
    "Compiled Python file",
    "`.pyc` files cannot be reviewed, only work with one Python version and are refused by the \
     plugins site. Ship the `.py` sources only: `zip -r myplugin.zip myplugin -x '*.pyc'`.",
);
const PKG012: RuleInfo = RuleInfo {
    severity: Severity::Medium,
    level: Level::Warning,
    ..critical(
        "PKG012",
        "Slash in author",
        "The plugins site refuses an `author` containing `/`. Separate several authors with \
         commas, e.g. `author=Jane Doe, John Roe`.",
    )
};
const PKG013: RuleInfo = RuleInfo {
    severity: Severity::Low,
    level: Level::Info,
    mandatory: false,
    ..critical(
        "PKG013",
        "Plugin configuration file",
        "A tool configuration file shipped in the plugin can relax skippable rules only, and \
         approvers always see it. Keep it if the plugin needs it; otherwise leave it out of the \
         zip.",
    )
};

const RULES: &[RuleInfo] = &[
    PKG001, PKG002, PKG003, PKG004, PKG005, PKG006, PKG007, PKG008, PKG009, PKG010, PKG011, PKG012,
    PKG013,
];

/// Folder names the website refuses anywhere in a path.
const FORBIDDEN_COMPONENTS: [&str; 3] = ["__MACOSX", ".git", "__pycache__"];

/// Fields the website requires in `[general]`.
const REQUIRED_FIELDS: [&str; 9] = [
    "name",
    "description",
    "version",
    "qgisMinimumVersion",
    "author",
    "email",
    "about",
    "tracker",
    "repository",
];

/// Fields that must be links, and the values the plugin template ships in them.
const URL_FIELDS: [&str; 3] = ["tracker", "repository", "homepage"];
const TEMPLATE_URLS: [&str; 3] = ["http://bugs", "http://repo", "http://homepage"];

/// The package structure rules of the plugins website, plus the archive intake failure.
#[derive(Debug, Clone, Copy, Default)]
pub struct PackageStructureCheck;

impl PackageStructureCheck {
    pub const ID: &'static str = ID;
    pub const RULES: &'static [RuleInfo] = RULES;
}

/// The finding recorded when the archive cannot be opened at all (PKG001): the error's text,
/// which names the breached limit when there is one.
pub fn intake_finding(err: &ArchiveError) -> Finding {
    Finding::new(ID, &PKG001, "", err.to_string())
}

impl Check for PackageStructureCheck {
    fn id(&self) -> &'static str {
        ID
    }

    fn title(&self) -> &'static str {
        "Package structure"
    }

    fn rules(&self) -> &'static [RuleInfo] {
        RULES
    }

    fn run(&self, ctx: &CheckContext<'_>) -> Result<Vec<Finding>, CheckError> {
        let mut out = Findings::new(ID, ctx);
        top_level(&mut out, ctx.archive, ctx.package);
        if let Some(top) = &ctx.package.top_folder {
            plugin_folder(&mut out, ctx.archive, ctx.package, top);
        }
        entry_names(&mut out, ctx.archive);
        for path in &ctx.package.plugin_config_files {
            out.push(
                &PKG013,
                path,
                format!(
                    "`{}` is a plugin configuration file: it is reported to the approvers and \
                     can relax only skippable rules",
                    shown(path)
                ),
            );
        }
        Ok(out.into_vec())
    }
}

/// PKG002: one folder at the top, nothing beside it. Entries already refused for their name
/// (PKG009) or as a forbidden folder (PKG010, e.g. `__MACOSX/`) are left to those rules.
fn top_level(out: &mut Findings<'_>, archive: &PluginArchive, package: &PackageInfo) {
    if !out.on(&PKG002) {
        return;
    }
    let mut folders: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut loose: Vec<String> = Vec::new();
    for entry in archive.entries() {
        if !unsafe_name_reasons(&entry.name).is_empty() {
            continue;
        }
        match entry.name.split_once('/') {
            Some((first, _)) => {
                if !FORBIDDEN_COMPONENTS.contains(&first) && seen.insert(first) {
                    folders.push(first.to_owned());
                }
            }
            None => {
                if !FORBIDDEN_COMPONENTS.contains(&entry.name.as_str()) {
                    loose.push(entry.name.clone());
                }
            }
        }
    }
    let message = match &package.top_folder {
        None => {
            let Some(first) = archive.entries().first() else {
                out.push(&PKG002, "", "the archive is empty: it has no plugin folder");
                return;
            };
            let mut message = format!(
                "no plugin folder: the plugin folder is the folder of the first entry, and \
                 `{}` is not inside a folder",
                shown(&first.name)
            );
            if !loose.is_empty() {
                message.push_str(&format!(
                    "; files at the top level of the zip: {}",
                    listed(&loose)
                ));
            }
            message
        }
        Some(top) => {
            let others: Vec<String> = folders
                .iter()
                .filter(|f| *f != top)
                .map(|f| format!("{f}/"))
                .collect();
            if others.is_empty() && loose.is_empty() {
                return;
            }
            let mut parts = Vec::new();
            if !others.is_empty() {
                parts.push(format!(
                    "other folder{} {}",
                    plural(others.len()),
                    listed(&others)
                ));
            }
            if !loose.is_empty() {
                parts.push(format!("file{} {}", plural(loose.len()), listed(&loose)));
            }
            format!(
                "the zip must hold only the plugin folder `{}/`, but its top level also has {}",
                shown(top),
                parts.join(" and ")
            )
        }
    };
    out.push(&PKG002, "", message);
}

/// PKG003 to PKG008 and PKG012: the plugin folder and what must be in it.
fn plugin_folder(
    out: &mut Findings<'_>,
    archive: &PluginArchive,
    package: &PackageInfo,
    top: &str,
) {
    if !valid_folder_name(top) {
        out.push(
            &PKG003,
            top,
            format!(
                "the plugin folder `{}` must start with a letter and contain only letters, \
                 digits, `-` and `_` (two characters at least)",
                shown(top)
            ),
        );
    }

    let init = format!("{top}/__init__.py");
    if !archive
        .entry(&init)
        .is_some_and(|e| e.kind != EntryKind::Directory)
    {
        out.push(&PKG004, &init, format!("`{}` is missing", shown(&init)));
    }

    let license = format!("{top}/LICENSE");
    if !archive
        .entry(&license)
        .is_some_and(|e| e.kind != EntryKind::Directory)
    {
        let near: Vec<&str> = archive
            .entries()
            .iter()
            .filter(|e| e.kind != EntryKind::Directory)
            .filter(|e| {
                e.path()
                    .split_once('/')
                    .is_some_and(|(t, rest)| t == top && !rest.contains('/'))
            })
            .filter(|e| looks_like_license(e.file_name()))
            .map(|e| e.path())
            .collect();
        let mut message = format!("`{}` is missing", shown(&license));
        if !near.is_empty() {
            message.push_str(&format!(
                "; found {}, but the plugins site accepts only a file named exactly `LICENSE`",
                listed(&near)
            ));
        }
        out.push(&PKG005, &license, message);
    }

    let metadata_path = format!("{top}/metadata.txt");
    match &package.metadata {
        Err(err) => out.push(&PKG006, &metadata_path, err.to_string()),
        Ok(metadata) => metadata_fields(out, metadata, &metadata_path),
    }
}

fn metadata_fields(out: &mut Findings<'_>, metadata: &PluginMetadata, path: &str) {
    for field in REQUIRED_FIELDS {
        match metadata.get(field) {
            None => out.push(
                &PKG007,
                path,
                format!("required field `{field}` is missing from `[general]`"),
            ),
            Some(value) if value.trim().is_empty() => {
                out.push(&PKG007, path, format!("required field `{field}` is empty"))
            }
            Some(_) => {}
        }
    }
    for field in URL_FIELDS {
        let Some(value) = metadata.get(field).map(str::trim).filter(|v| !v.is_empty()) else {
            continue; // missing or empty: PKG007 for the required ones, fine for homepage
        };
        if let Some(problem) = url_problem(value) {
            out.push(
                &PKG008,
                path,
                format!("`{field}` {problem} (`{}`)", shown(value)),
            );
        }
    }
    if let Some(author) = metadata.get("author").filter(|a| a.contains('/')) {
        out.push(
            &PKG012,
            path,
            format!(
                "`author` contains `/` (`{}`), which the plugins site refuses",
                shown(author)
            ),
        );
    }
}

/// `^[A-Za-z][A-Za-z0-9-_]+$`, the website's pattern for the plugin folder.
fn valid_folder_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
}

/// A license file under another name (`LICENSE.txt`, `License.md`, `COPYING`, `licence`).
fn looks_like_license(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    ["license", "licence", "copying"]
        .iter()
        .any(|stem| lower.starts_with(stem))
}

/// Why a metadata link is not acceptable, in the terms of the website (Python's `urlsplit`:
/// a scheme and a network location), or `None` when it is fine.
fn url_problem(value: &str) -> Option<&'static str> {
    let normalized = value.trim_end_matches('/');
    if TEMPLATE_URLS
        .iter()
        .any(|t| normalized.eq_ignore_ascii_case(t))
    {
        return Some("is still the plugin template's placeholder");
    }
    let Some((_, rest)) = split_scheme(value) else {
        return Some("has no scheme: write the full address, starting with `https://`");
    };
    let host = rest
        .strip_prefix("//")
        .map(|r| r.split(['/', '?', '#']).next().unwrap_or_default())
        .unwrap_or_default();
    if host.is_empty() {
        return Some("has no host: write the full address, e.g. `https://github.com/you/myplugin`");
    }
    None
}

/// `urlsplit`'s scheme: a letter, then letters, digits, `+`, `-` or `.`, up to the first `:`.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some((scheme, rest))
}

/// PKG009 to PKG011: names the website refuses wherever they are.
fn entry_names(out: &mut Findings<'_>, archive: &PluginArchive) {
    let mut forbidden = Tally::default();
    for entry in archive.entries() {
        let reasons = unsafe_name_reasons(&entry.name);
        if !reasons.is_empty() {
            out.push(
                &PKG009,
                &entry.name,
                format!(
                    "`{}` is unsafe to extract: it {}",
                    shown(&entry.name),
                    reasons.join(", ")
                ),
            );
        }
        if let Some(folder) = prefix_through(entry, |c| FORBIDDEN_COMPONENTS.contains(&c)) {
            forbidden.add(folder);
        }
    }
    for (folder, count) in forbidden.into_items() {
        let name = folder.rsplit('/').next().unwrap_or(&folder);
        let what = match name {
            ".git" => "a Git repository, with the project's whole history",
            "__pycache__" => "a Python bytecode cache",
            _ => "macOS Finder metadata",
        };
        out.push(
            &PKG010,
            &folder,
            format!(
                "`{}` is {what} ({count} entr{}); the plugins site refuses `{name}` folders",
                shown(&folder),
                if count == 1 { "y" } else { "ies" }
            ),
        );
    }
    if !out.on(&PKG011) {
        return;
    }
    let folders_reported = out.on(&PKG010);
    for entry in archive.entries() {
        if entry.kind == EntryKind::Directory || !entry.name.contains(".pyc") {
            continue;
        }
        if folders_reported
            && prefix_through(entry, |c| FORBIDDEN_COMPONENTS.contains(&c)).is_some()
        {
            continue; // the whole folder is reported once by PKG010
        }
        let message = if entry.name.ends_with(".pyc") {
            format!(
                "`{}` is compiled Python bytecode; the plugins site refuses `.pyc` files",
                shown(&entry.name)
            )
        } else {
            format!(
                "`{}` has `.pyc` in its name, which the plugins site refuses",
                shown(&entry.name)
            )
        };
        out.push(&PKG011, &entry.name, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_name_pattern() {
        for good in ["ab", "demo", "my_plugin", "My-Plugin2", "a_", "a-"] {
            assert!(valid_folder_name(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "1demo",
            "_demo",
            "-demo",
            "my plugin",
            "démo",
            "a.b",
            "a/b",
        ] {
            assert!(!valid_folder_name(bad), "{bad}");
        }
    }

    #[test]
    fn urls_need_scheme_and_host() {
        assert_eq!(url_problem("https://github.com/x/y"), None);
        assert_eq!(url_problem("http://example.org"), None);
        assert!(url_problem("github.com/x").is_some());
        assert!(url_problem("localhost:8080").is_some());
        assert!(url_problem("https:///path").is_some());
        assert!(url_problem("mailto:me@example.org").is_some());
        assert!(url_problem("http://bugs").is_some());
        assert!(url_problem("HTTP://REPO/").is_some());
        assert!(url_problem("http://homepage").is_some());
        assert_eq!(url_problem("http://bugs.example.org"), None);
    }
}
