//! Bandit configuration shipped inside a plugin (`.bandit`, INI `[bandit]` or YAML): its `skips`
//! and `tests` lists relax rules. The policy honours that for skippable rules only, and every
//! relaxed finding stays visible with the file that relaxed it.

use std::collections::BTreeSet;

use validator_archive::PluginArchive;
use validator_domain::PackageInfo;

/// What one plugin configuration file asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relaxation {
    /// The file, as a path inside the zip.
    pub file: String,
    /// Rules listed under `skips`.
    pub skips: BTreeSet<String>,
    /// Rules listed under `tests`: when present, every other rule is relaxed.
    pub tests: Option<BTreeSet<String>>,
}

impl Relaxation {
    /// Whether this file relaxes `rule`.
    pub fn relaxes(&self, rule: &str) -> bool {
        self.skips.contains(rule) || self.tests.as_ref().is_some_and(|t| !t.contains(rule))
    }
}

fn ids(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c == ',' || c.is_whitespace() || matches!(c, '[' | ']' | '\'' | '"'))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads `skips`/`tests` from an INI `[bandit]` section or a YAML mapping (inline or block lists).
pub fn parse(file: &str, text: &str) -> Relaxation {
    let mut relaxation = Relaxation {
        file: file.to_owned(),
        ..Relaxation::default()
    };
    let is_ini = text.lines().any(|l| l.trim() == "[bandit]");
    let mut section_is_bandit = !is_ini;
    let mut current: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if trimmed.starts_with('[') && is_ini {
            section_is_bandit = trimmed == "[bandit]";
            current = None;
            continue;
        }
        if !section_is_bandit {
            continue;
        }
        if let Some(item) = trimmed.strip_prefix("- ") {
            // A YAML block list item of the current key.
            if let Some(key) = current {
                add(&mut relaxation, key, item);
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once([':', '=']) else {
            if let Some(key) = current {
                // An INI continuation line.
                add(&mut relaxation, key, trimmed);
            }
            continue;
        };
        let key = key.trim();
        current = match key {
            "skips" => Some("skips"),
            "tests" => Some("tests"),
            _ => None,
        };
        if let Some(key) = current {
            add(&mut relaxation, key, value);
        }
    }
    relaxation
}

fn add(relaxation: &mut Relaxation, key: &str, value: &str) {
    let found = ids(value);
    match key {
        "skips" => relaxation.skips.extend(found),
        _ => {
            let tests = relaxation.tests.get_or_insert_with(BTreeSet::new);
            tests.extend(found);
        }
    }
}

/// The `.bandit` files the plugin ships, read from the archive.
pub fn relaxations(archive: &PluginArchive, package: &PackageInfo) -> Vec<Relaxation> {
    let mut out = Vec::new();
    for path in &package.plugin_config_files {
        let name = path.rsplit('/').next().unwrap_or(path);
        if name != ".bandit" {
            continue;
        }
        let Some(entry) = archive.files().find(|e| &e.name == path) else {
            continue;
        };
        match archive.read(entry) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let relaxation = parse(path, &text);
                tracing::info!(file = %path, skips = ?relaxation.skips, tests = ?relaxation.tests,
                    "plugin Bandit configuration");
                out.push(relaxation);
            }
            Err(error) => tracing::warn!(file = %path, %error, "cannot read the plugin's .bandit"),
        }
    }
    out
}
