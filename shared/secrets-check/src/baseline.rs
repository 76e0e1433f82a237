//! A plugin-supplied `.secrets.baseline` (detect-secrets' audit file). It never turns detection
//! off: the only thing it can do is acknowledge findings its maintainers audited as false
//! positives (`"is_secret": false`), matched by file, type and `hashed_secret`. Those findings
//! are still reported, marked as suppressed by plugin configuration, and the policy ignores that
//! mark for mandatory rules.

use std::collections::HashSet;

use serde_json::Value;

/// detect-secrets' default baseline file name.
pub const BASELINE_FILE_NAME: &str = ".secrets.baseline";

/// The audited false positives of one baseline file.
#[derive(Debug, Default)]
pub(crate) struct Baseline {
    /// Path of the baseline inside the zip.
    pub path: String,
    /// Folder the baseline's file names are relative to (with a trailing `/`, or empty).
    dir: String,
    /// (file name as written, type name, hashed_secret).
    false_positives: HashSet<(String, String, String)>,
    /// Every `hashed_secret` the file lists: these hashes are not secrets when the baseline
    /// itself is scanned.
    pub hashes: HashSet<String>,
}

impl Baseline {
    /// Parses a baseline; `None` when it is not detect-secrets JSON.
    pub(crate) fn parse(path: &str, bytes: &[u8]) -> Option<Self> {
        let json: Value = serde_json::from_slice(bytes).ok()?;
        let results = json.get("results")?.as_object()?;
        let dir = match path.rfind('/') {
            Some(at) => path[..=at].to_owned(),
            None => String::new(),
        };
        let mut baseline = Baseline {
            path: path.to_owned(),
            dir,
            ..Default::default()
        };
        for (file, entries) in results {
            for entry in entries.as_array().into_iter().flatten() {
                let (Some(kind), Some(hash)) = (
                    entry.get("type").and_then(Value::as_str),
                    entry.get("hashed_secret").and_then(Value::as_str),
                ) else {
                    continue;
                };
                baseline.hashes.insert(hash.to_owned());
                if entry.get("is_secret").and_then(Value::as_bool) == Some(false) {
                    let file = file.trim_start_matches("./").to_owned();
                    baseline
                        .false_positives
                        .insert((file, kind.to_owned(), hash.to_owned()));
                }
            }
        }
        Some(baseline)
    }

    /// Whether the maintainers audited this finding as a false positive. The file name is taken
    /// relative to the baseline's folder, or to the zip's root.
    pub(crate) fn acknowledges(&self, path: &str, type_name: &str, hash: &str) -> bool {
        let relative = path.strip_prefix(self.dir.as_str()).unwrap_or(path);
        [relative, path].iter().any(|file| {
            self.false_positives.contains(&(
                (*file).to_owned(),
                type_name.to_owned(),
                hash.to_owned(),
            ))
        })
    }
}
