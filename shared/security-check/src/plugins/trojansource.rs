//! B613 `trojansource`: bidirectional control characters anywhere in the file. One result per
//! file: the first line holding one, the first such character in Bandit's order.

use validator_domain::{Confidence, Severity};

use crate::context::Issue;
use crate::rules::Rule;

const BIDI_CHARACTERS: [char; 10] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200f}',
];

/// Python's `str.splitlines` boundaries.
fn is_line_boundary(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

pub(crate) fn trojansource(source: &str) -> Option<Issue> {
    if !source.chars().any(|c| BIDI_CHARACTERS.contains(&c)) {
        return None;
    }
    let mut lineno = 0u32;
    let mut rest = source;
    while !rest.is_empty() {
        lineno += 1;
        let end = rest.find(is_line_boundary).unwrap_or(rest.len());
        let line = &rest[..end];
        for bidi in BIDI_CHARACTERS {
            if let Some(at) = line.find(bidi) {
                let column = line[..at].chars().count() as u32 + 1;
                let mut issue = Issue::new(
                    Rule::B613,
                    Severity::High,
                    Confidence::Medium,
                    format!(
                        "A Python source file contains bidirectional control characters ('\\u{:04x}').",
                        bidi as u32
                    ),
                )
                .at_line(Some(lineno));
                issue.col = Some(column);
                return Some(issue);
            }
        }
        rest = &rest[end..];
        // `\r\n` is one boundary.
        if rest.starts_with("\r\n") {
            rest = &rest[2..];
        } else if let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
        }
    }
    None
}
