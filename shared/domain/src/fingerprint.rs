//! Finding fingerprints: the identity of a finding across versions of a plugin.
//!
//! A finding is identified by its **path** and its **fingerprint**, a hash of
//! - the check and the rule,
//! - the normalised code of the finding's line (in Python files the comment stripped and the
//!   whitespace outside string literals dropped; elsewhere whitespace collapsed), never its line
//!   or column number,
//! - its occurrence: the how-manieth finding with the same check, rule and code in that file, in
//!   file order (two identical `assert x` lines are two findings).
//!
//! So a finding moved by an edit above it, or re-indented, or given a comment (`# nosec`
//! included), keeps its identity, and a finding whose code changed is a new finding (the
//! approver should look at it again). The path is kept out of the hash so that a renamed file
//! keeps its findings: the version diff pairs renamed files first (same content, or the same
//! place inside a renamed package folder) and compares `(path, fingerprint)` with the old paths
//! renamed. See docs/history.md.
//!
//! Findings about a whole file (no line) hash an empty code: their identity is the check, the
//! rule, the path and the occurrence.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::Finding;

/// Bumped when the normalisation changes: fingerprints of different versions never match, so a
/// change shows every finding once as new rather than silently mismatching.
pub const FINGERPRINT_SCHEME: &str = "fp1";

/// Hex characters of a fingerprint (64 bits of SHA-256: collisions within one file of one
/// plugin are out of reach, and reports stay small).
const FINGERPRINT_HEX_CHARS: usize = 16;

/// The longest line the normaliser reads; a minified line past this is cut (its start still
/// identifies it, and a hostile 10 MB line costs nothing).
pub const MAX_FINGERPRINT_LINE_BYTES: usize = 4096;

/// The code of one line as the fingerprint sees it. In Python files: the `#` comment removed
/// and every whitespace outside string literals dropped (so a formatter's re-spacing, `f( x )`
/// for `f(x)`, changes nothing); in other files whitespace runs collapsed to one space. Trimmed.
pub fn normalise_code(path: &str, line: &str) -> String {
    let line = cut(line, MAX_FINGERPRINT_LINE_BYTES);
    if is_python(path) {
        return python_code(line);
    }
    let mut out = String::with_capacity(line.len());
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The fingerprint of a finding whose normalised code is `code` and which is the
/// `occurrence`-th (from 0) with that check, rule and code in its file.
pub fn fingerprint(check: &str, rule: &str, code: &str, occurrence: u32) -> String {
    let mut hasher = Sha256::new();
    for part in [FINGERPRINT_SCHEME, check, rule, code] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(occurrence.to_be_bytes());
    let mut hex = hex::encode(hasher.finalize());
    hex.truncate(FINGERPRINT_HEX_CHARS);
    hex
}

/// Sets `fingerprint` on every finding. `line_text(path, line)` gives the text of a line (1-based)
/// of a file of the plugin, `None` when it cannot (the code then counts as empty).
pub fn assign_fingerprints(
    findings: &mut [Finding],
    mut line_text: impl FnMut(&str, u32) -> Option<String>,
) {
    // Occurrences count in file order, whatever order the check reported in.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&findings[a], &findings[b]);
        (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column))
    });
    let mut seen: HashMap<(String, String, String, String), u32> = HashMap::new();
    for index in order {
        let finding = &findings[index];
        let code = finding
            .line
            .and_then(|line| line_text(&finding.path, line))
            .map(|text| normalise_code(&finding.path, &text))
            .unwrap_or_default();
        let key = (
            finding.path.clone(),
            finding.check.as_str().to_owned(),
            finding.rule.clone(),
            code,
        );
        let occurrence = seen.entry(key.clone()).or_insert(0);
        let print = fingerprint(&key.1, &key.2, &key.3, *occurrence);
        *occurrence += 1;
        findings[index].fingerprint = Some(print);
    }
}

/// Line `line` (1-based) of `text`, without its line ending.
pub fn nth_line(text: &str, line: u32) -> Option<&str> {
    let wanted = usize::try_from(line).ok()?.checked_sub(1)?;
    split_lines(text).get(wanted).copied()
}

/// The lines of `text` as Python counts them (`\n`, `\r\n` and `\r` end a line), without their
/// endings; a text ending in a line ending has no empty last line, an empty text has one.
pub fn split_lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < bytes.len() {
        let end = match bytes[at] {
            b'\n' => at + 1,
            b'\r' if bytes.get(at + 1) == Some(&b'\n') => at + 2,
            b'\r' => at + 1,
            _ => {
                at += 1;
                continue;
            }
        };
        // Line endings are ASCII: `start..at` is on character boundaries.
        lines.push(text.get(start..at).unwrap_or_default());
        start = end;
        at = end;
    }
    if start < bytes.len() || lines.is_empty() {
        lines.push(text.get(start..).unwrap_or_default());
    }
    lines
}

fn is_python(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".py") || lower.ends_with(".pyw")
}

fn cut(line: &str, max: usize) -> &str {
    if line.len() <= max {
        return line;
    }
    let mut end = max;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

/// The line without its `#` comment and without whitespace outside string literals (a line
/// inside a multi-line string is treated like code: the same in every version, so fingerprints
/// still match).
fn python_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => match c {
                '#' => break,
                '\'' | '"' => {
                    quote = Some(c);
                    out.push(c);
                }
                c if c.is_whitespace() => {}
                c => out.push(c),
            },
        }
    }
    out
}
