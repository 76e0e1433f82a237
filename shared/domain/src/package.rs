//! What the dispatcher and the checks learn once about a package: its top-level folder, its
//! `metadata.txt` (read the way the website's Python `configparser` reads it) and the tool
//! configuration files it ships.

use std::collections::{HashMap, HashSet};

use validator_archive::{Entry, PluginArchive};

/// Configuration files of the reference tools that a plugin may ship. They can relax skippable
/// rules only, and are always listed for approvers.
pub const PLUGIN_CONFIG_FILES: [&str; 5] = [
    ".bandit",
    ".flake8",
    "setup.cfg",
    "tox.ini",
    ".secrets.baseline",
];

/// Why `metadata.txt` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("there is no metadata.txt in the plugin folder")]
    Missing,
    #[error("metadata.txt could not be read from the archive: {0}")]
    Unreadable(String),
    #[error("metadata.txt is not valid UTF-8")]
    NotUtf8,
    #[error("metadata.txt starts with a UTF-8 byte-order mark, which the website cannot parse")]
    ByteOrderMark,
    #[error("metadata.txt line {line}: {message}")]
    Syntax { line: usize, message: String },
    #[error("metadata.txt has no [general] section")]
    NoGeneralSection,
}

/// The `[general]` section of `metadata.txt`, values as `configparser` returns them
/// (continuation lines joined, `%` interpolation applied).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginMetadata {
    pub fields: Vec<(String, String)>,
}

impl PluginMetadata {
    /// The value of a field (names are case-sensitive, as on the website).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Parses the whole file and returns its `[general]` section.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        let text = std::str::from_utf8(bytes).map_err(|_| MetadataError::NotUtf8)?;
        if text.starts_with('\u{feff}') {
            return Err(MetadataError::ByteOrderMark);
        }
        let sections = parse_ini(text)?;
        let general = sections
            .iter()
            .find(|(name, _)| name == "general")
            .ok_or(MetadataError::NoGeneralSection)?;
        let defaults: &[(String, String, usize)] = sections
            .iter()
            .find(|(name, _)| name == "DEFAULT")
            .map(|(_, fields)| fields.as_slice())
            .unwrap_or(&[]);
        let mut values: HashMap<&str, &str> = HashMap::with_capacity(general.1.len());
        for (key, raw, _) in defaults.iter().chain(general.1.iter()) {
            values.insert(key, raw); // the section's own value wins over [DEFAULT]
        }
        let mut fields = Vec::with_capacity(general.1.len());
        let mut seen = HashSet::with_capacity(general.1.len());
        for (key, raw, line) in general.1.iter().chain(defaults.iter()) {
            if !seen.insert(key.as_str()) {
                continue;
            }
            let value = interpolate(raw, &values, 0).map_err(|message| MetadataError::Syntax {
                line: *line,
                message,
            })?;
            fields.push((key.clone(), value));
        }
        Ok(Self { fields })
    }
}

type Section = (String, Vec<(String, String, usize)>);

/// `configparser.ConfigParser` with `optionxform = str`, strict mode: sections, `=`/`:`
/// delimiters, `#`/`;` comment lines, indented continuation lines, no duplicates.
fn parse_ini(text: &str) -> Result<Vec<Section>, MetadataError> {
    let mut sections: Vec<Section> = Vec::new();
    // Keys seen in the current section: a set, so that a hostile file with many keys stays linear.
    let mut keys: HashSet<String> = HashSet::new();
    let mut section_names: HashSet<String> = HashSet::new();
    let mut last_key = false;
    for (number, raw) in text.split('\n').enumerate() {
        let line_no = number + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let stripped = line.trim();
        let syntax = |message: String| MetadataError::Syntax {
            line: line_no,
            message,
        };
        if stripped.is_empty() || stripped.starts_with('#') || stripped.starts_with(';') {
            if stripped.is_empty() {
                // A blank line inside a value is kept only if a continuation follows; keeping
                // the value open costs nothing here because we trim values at the end.
                if let Some((_, fields)) = sections.last_mut() {
                    if let Some(last) = fields.last_mut().filter(|_| last_key) {
                        last.1.push('\n');
                    }
                }
            }
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && last_key {
            if let Some((_, fields)) = sections.last_mut() {
                if let Some(last) = fields.last_mut() {
                    last.1.push('\n');
                    last.1.push_str(stripped);
                    continue;
                }
            }
        }
        if stripped.starts_with('[') && stripped.ends_with(']') && stripped.len() > 2 {
            let name = stripped[1..stripped.len() - 1].to_owned();
            if !section_names.insert(name.clone()) {
                return Err(syntax(format!(
                    "section [{}] appears twice",
                    truncate(&name)
                )));
            }
            sections.push((name, Vec::new()));
            keys.clear();
            last_key = false;
            continue;
        }
        let Some((_, fields)) = sections.last_mut() else {
            return Err(syntax(
                "text before the first [section] header (the file must start with [general])"
                    .to_owned(),
            ));
        };
        let Some(at) = stripped.find(['=', ':']) else {
            return Err(syntax(format!(
                "`{}` is neither `key = value` nor a [section]",
                truncate(stripped)
            )));
        };
        let key = stripped[..at].trim().to_owned();
        let value = stripped[at + 1..].trim().to_owned();
        if key.is_empty() {
            return Err(syntax("a value without a key".to_owned()));
        }
        if !keys.insert(key.clone()) {
            return Err(syntax(format!("`{}` is set twice", truncate(&key))));
        }
        fields.push((key, value, line_no));
        last_key = true;
    }
    for (_, fields) in &mut sections {
        for field in fields.iter_mut() {
            field.1 = field.1.trim_end().to_owned();
        }
    }
    Ok(sections)
}

/// The longest value interpolation may produce: references can double a value at every level,
/// so a small hostile file could otherwise expand a thousandfold.
const MAX_INTERPOLATED_BYTES: usize = 1 << 20;

/// `configparser.BasicInterpolation`: `%%` is a percent sign, `%(key)s` another value; any other
/// `%` is an error on the website, so it is one here. `values` maps every key of the section
/// (then `[DEFAULT]`) to its raw value.
fn interpolate(raw: &str, values: &HashMap<&str, &str>, depth: usize) -> Result<String, String> {
    const MAX_DEPTH: usize = 10; // configparser's MAX_INTERPOLATION_DEPTH
    if depth > MAX_DEPTH {
        return Err("`%(...)s` references nest too deeply".to_owned());
    }
    let mut out = String::with_capacity(raw.len().min(MAX_INTERPOLATED_BYTES));
    let mut rest = raw;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('(') {
            let close = tail
                .find(")s")
                .ok_or_else(|| format!("bad `%(` reference in `{}`", truncate(raw)))?;
            let name = &tail[..close];
            let target = values.get(name).ok_or_else(|| {
                format!(
                    "`%({})s` refers to a key that does not exist",
                    truncate(name)
                )
            })?;
            out.push_str(&interpolate(target, values, depth + 1)?);
            rest = &tail[close + 2..];
        } else {
            return Err(format!(
                "`%` must be written `%%` (found in `{}`)",
                truncate(raw)
            ));
        }
        if out.len() > MAX_INTERPOLATED_BYTES {
            return Err(format!(
                "`%(...)s` references expand a value past {MAX_INTERPOLATED_BYTES} bytes"
            ));
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn truncate(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// What is known about the package before any check runs.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    /// Distinct first path components, in archive order.
    pub top_folders: Vec<String>,
    /// The plugin folder as the website determines it: the folder of the first entry.
    pub top_folder: Option<String>,
    pub metadata: Result<PluginMetadata, MetadataError>,
    /// Tool configuration files shipped in the plugin (paths inside the zip).
    pub plugin_config_files: Vec<String>,
}

impl PackageInfo {
    pub fn inspect(archive: &PluginArchive) -> Self {
        let entries = archive.entries();
        let mut top_folders: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for entry in entries {
            let first = entry.name.split('/').next().unwrap_or_default();
            if seen.insert(first) {
                top_folders.push(first.to_owned());
            }
        }
        let top_folder = entries
            .first()
            .and_then(|e| e.name.split_once('/'))
            .map(|(top, _)| top.to_owned())
            .filter(|top| !top.is_empty());
        let metadata = match &top_folder {
            None => Err(MetadataError::Missing),
            Some(top) => match archive
                .entry(&format!("{top}/metadata.txt"))
                .filter(|e| e.is_file())
            {
                None => Err(MetadataError::Missing),
                Some(entry) => archive
                    .read(entry)
                    .map_err(|e| MetadataError::Unreadable(e.to_string()))
                    .and_then(|bytes| PluginMetadata::parse(&bytes)),
            },
        };
        let plugin_config_files = entries
            .iter()
            .filter(|e| e.is_file() && PLUGIN_CONFIG_FILES.contains(&e.file_name()))
            .map(|e: &Entry| e.name.clone())
            .collect();
        Self {
            top_folders,
            top_folder,
            metadata,
            plugin_config_files,
        }
    }

    pub fn plugin_name(&self) -> Option<&str> {
        self.metadata.as_ref().ok()?.get("name")
    }

    pub fn plugin_version(&self) -> Option<&str> {
        self.metadata.as_ref().ok()?.get("version")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_continuations_and_comments() {
        let meta = PluginMetadata::parse(
            b"; comment\n[general]\nname = Demo\nabout=First line\n  second line\n# note\nversion: 1.2\n",
        )
        .unwrap();
        assert_eq!(meta.get("name"), Some("Demo"));
        assert_eq!(meta.get("about"), Some("First line\nsecond line"));
        assert_eq!(meta.get("version"), Some("1.2"));
        assert_eq!(meta.get("Name"), None, "keys are case-sensitive");
    }

    #[test]
    fn interpolation_follows_configparser() {
        let meta = PluginMetadata::parse(b"[general]\nname=Demo\nabout=100%% %(name)s\n").unwrap();
        assert_eq!(meta.get("about"), Some("100% Demo"));
        let err = PluginMetadata::parse(b"[general]\nabout=100% free\n").unwrap_err();
        assert!(
            matches!(err, MetadataError::Syntax { line: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn hostile_files_fail_cleanly() {
        // Self-referencing interpolation stops at configparser's depth limit.
        let err =
            PluginMetadata::parse(b"[general]\nname=%(about)s\nabout=%(name)s\n").unwrap_err();
        assert!(matches!(err, MetadataError::Syntax { .. }), "{err}");
        // A huge single line and many lines are read without trouble.
        let mut big = b"[general]\nname=".to_vec();
        big.extend(std::iter::repeat_n(b'x', 2_000_000));
        big.extend(b"\n");
        for i in 0..50_000 {
            big.extend(format!("k{i}=v\n").as_bytes());
        }
        let meta = PluginMetadata::parse(&big).unwrap();
        assert_eq!(meta.get("name").map(str::len), Some(2_000_000));
        // References that double at every level are cut off instead of expanding a thousandfold.
        let mut doubling = String::from("[general]\nv0=");
        doubling.push_str(&"z".repeat(10_000));
        for i in 1..=10 {
            doubling.push_str(&format!("\nv{i}=%(v{p})s%(v{p})s", p = i - 1));
        }
        doubling.push('\n');
        let err = PluginMetadata::parse(doubling.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("expand"), "{err}");
        // Many sections stay linear too.
        let sections: String = (0..50_000).map(|i| format!("[s{i}]\nk=v\n")).collect();
        let err = PluginMetadata::parse(sections.as_bytes()).unwrap_err();
        assert_eq!(err, MetadataError::NoGeneralSection);
        // Messages quote at most a short excerpt of a bad line.
        let long_bad = format!("[general]\n{}\n", "y".repeat(10_000));
        let err = PluginMetadata::parse(long_bad.as_bytes()).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }

    #[test]
    fn malformed_files_are_errors() {
        assert_eq!(
            PluginMetadata::parse(b"name=x\n[general]\n").unwrap_err(),
            MetadataError::Syntax {
                line: 1,
                message:
                    "text before the first [section] header (the file must start with [general])"
                        .into()
            }
        );
        assert!(matches!(
            PluginMetadata::parse(b"[general]\nname=a\nname=b\n"),
            Err(MetadataError::Syntax { line: 3, .. })
        ));
        assert_eq!(
            PluginMetadata::parse(b"[other]\nname=a\n").unwrap_err(),
            MetadataError::NoGeneralSection
        );
        assert_eq!(
            PluginMetadata::parse(b"\xef\xbb\xbf[general]\n").unwrap_err(),
            MetadataError::ByteOrderMark
        );
        assert_eq!(
            PluginMetadata::parse(b"[general]\nname=\xff\n").unwrap_err(),
            MetadataError::NotUtf8
        );
        assert!(matches!(
            PluginMetadata::parse(b"[general]\njust words\n"),
            Err(MetadataError::Syntax { line: 2, .. })
        ));
    }
}
