//! The engine: one file in, detect-secrets' findings out (type, line, value), following
//! `detect_secrets.core.scan.scan_file` with the default filters and `--all-files`.

use std::collections::HashSet;

use crate::detect::{Detector, LineBits, DETECTORS};
use crate::filters;
use crate::pytext;
use crate::rules::SecretType;
use crate::secret::Secret;
use crate::transform::config;
use crate::FileType;

/// One secret found in a file (the first line it appears on, like detect-secrets).
#[derive(Debug, Clone)]
pub struct RawSecret {
    pub secret_type: &'static SecretType,
    /// 1-based.
    pub line: u32,
    pub value: Secret,
    /// The line carries (or follows) a `pragma: allowlist secret`: detect-secrets drops the
    /// finding; we keep it, marked, so that approvers still see it.
    pub allowlisted: bool,
}

/// Which detectors run (by index in detect-secrets' plugin order).
#[derive(Debug, Clone)]
pub struct Enabled(Vec<bool>);

impl Enabled {
    pub fn all() -> Self {
        Self(vec![true; crate::rules::SECRET_TYPES.len()])
    }

    /// The detectors whose rule id passes `enabled`.
    pub fn by_rule(enabled: impl Fn(&str) -> bool) -> Self {
        Self(
            crate::rules::SECRET_TYPES
                .iter()
                .map(|t| enabled(t.rule.id))
                .collect(),
        )
    }

    fn bits(&self) -> LineBits {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, on)| **on)
            .fold(0, |bits, (i, _)| bits | (1 << i))
    }
}

/// Why a file was not scanned at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Extension, lock file or swagger path (detect-secrets' file filters).
    Filtered(&'static str),
    /// Not valid UTF-8: detect-secrets treats it as binary.
    Binary,
}

/// Scans one file's bytes as detect-secrets would scan `path`.
pub fn scan_file(path: &str, bytes: &[u8], enabled: &Enabled) -> Result<Vec<RawSecret>, Skipped> {
    if let Some(reason) = filters::skipped_file(path) {
        return Err(Skipped::Filtered(reason));
    }
    let text = pytext::decode(bytes).ok_or(Skipped::Binary)?;
    let file_type = FileType::of(path);
    // Non-eager transformers first (the INI parser accepts any file name), else the raw lines.
    let first = match config::transform(&text, false) {
        Some(lines) => scan_lines(path, file_type, &lines, None, enabled),
        None => scan_lines(
            path,
            file_type,
            &pytext::readlines(&text),
            Some(&text),
            enabled,
        ),
    };
    let reported = |found: &[RawSecret]| found.iter().any(|s| !s.allowlisted);
    if reported(&first) || file_type != FileType::Other {
        return Ok(first);
    }
    // Nothing reported: files of no known type get a second chance as header-less INI files.
    // Allowlisted findings of the first pass stay listed.
    let Some(lines) = config::transform(&text, true) else {
        return Ok(first);
    };
    let mut second = scan_lines(path, file_type, &lines, None, enabled);
    for old in first {
        let duplicate = second
            .iter()
            .any(|s| s.secret_type.rule.id == old.secret_type.rule.id && s.value == old.value);
        if !duplicate {
            second.push(old);
        }
    }
    Ok(second)
}

/// Scans lines. `text`, when given, is the text the lines were split from (the file's raw
/// lines); otherwise (synthesized lines) they are joined, so that each anchor automaton runs
/// once over the whole file either way.
fn scan_lines<S: AsRef<str>>(
    path: &str,
    file_type: FileType,
    lines: &[S],
    text: Option<&str>,
    enabled: &Enabled,
) -> Vec<RawSecret> {
    let detectors = &*DETECTORS;
    let enabled = enabled.bits();
    let marks = match text {
        Some(text) => {
            let base = text.as_ptr() as usize;
            let line_starts: Vec<usize> = lines
                .iter()
                .map(|l| l.as_ref().as_ptr() as usize - base)
                .collect();
            detectors.candidates(text, &line_starts, enabled)
        }
        None => {
            let mut joined =
                String::with_capacity(lines.iter().map(|l| l.as_ref().len() + 1).sum());
            let mut line_starts = Vec::with_capacity(lines.len());
            for line in lines {
                line_starts.push(joined.len());
                joined.push_str(line.as_ref());
                joined.push('\n');
            }
            detectors.candidates(&joined, &line_starts, enabled)
        }
    };
    // detect-secrets reports a (type, value) once per file, on its first line; allowlisted
    // occurrences do not count for that, so they are deduplicated apart.
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    let mut seen_allowlisted: HashSet<(usize, String)> = HashSet::new();
    let mut out = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut candidates: Vec<(usize, String)> = Vec::new();
    for (index, raw) in lines.iter().enumerate() {
        let line = pytext::rstrip(raw.as_ref());
        let bits = marks[index] | detectors.quote_candidates(line, enabled);
        if bits == 0 {
            continue;
        }
        candidates.clear();
        for d in (0..detectors.list.len()).filter(|d| bits & (1 << d) != 0) {
            let detector: &Detector = &detectors.list[d];
            values.clear();
            detector.analyze(line, file_type, &mut values);
            for value in values.drain(..) {
                if !filters::discard_value(&value, line, detector.is_regex_based()) {
                    candidates.push((d, value));
                }
            }
        }
        if candidates.is_empty() {
            continue;
        }
        // Line filters run before the plugins in detect-secrets; running them only on lines
        // with candidates gives the same result for less work.
        let previous = match index {
            0 => "",
            i => lines[i - 1].as_ref(),
        };
        if filters::is_indirect_reference(line) {
            continue;
        }
        let allowlisted = filters::is_line_allowlisted(path, line, previous);
        let seen = if allowlisted {
            &mut seen_allowlisted
        } else {
            &mut seen
        };
        for (d, value) in candidates.drain(..) {
            if seen.insert((d, value.clone())) {
                out.push(RawSecret {
                    secret_type: detectors.list[d].spec.ty,
                    line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    value: Secret::new(value),
                    allowlisted,
                });
            }
        }
    }
    out
}
