//! `# noqa` as flake8 honours it: a blanket `# noqa`, or `# noqa: E501,W291` (code prefixes),
//! searched on the whole logical line a finding belongs to; `# flake8: noqa` on a line of its own
//! skips the file.

use std::sync::LazyLock;

use fancy_regex::Regex;

use crate::tokens::{Kind, Token};

static NOQA_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?").expect("valid regex")
});
static NOQA_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*# flake8[:=]\s*noqa").expect("valid regex"));

/// The `# flake8: noqa` line that makes flake8 skip the file, if any.
pub fn file_marker(lines: &[&str]) -> Option<String> {
    lines
        .iter()
        // The regex starts with `^\s*#`: other lines are not searched.
        .find(|l| l.trim_start().starts_with('#') && NOQA_FILE.is_match(l).unwrap_or(false))
        .map(|l| l.trim().to_owned())
}

/// A `# noqa` comment: its text and the codes it lists (`None`: all codes).
#[derive(Debug, Clone)]
struct Noqa {
    marker: String,
    codes: Option<Vec<String>>,
}

fn parse_noqa(text: &str) -> Option<Noqa> {
    let caps = NOQA_INLINE.captures(text).ok().flatten()?;
    let marker = caps.get(0)?.as_str().trim_end().to_owned();
    let codes = caps.name("codes").map(|codes| {
        codes
            .as_str()
            .split([',', ' ', '\t', '\n', '\r', '\x0b', '\x0c'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    });
    Some(Noqa { marker, codes })
}

/// Whether a line can hold a `# noqa` (the regex is case-insensitive; no other character folds
/// to an ASCII letter of `noqa`): most lines cannot, and then the regex is not run.
fn may_hold_noqa(line: &str) -> bool {
    line.contains('#')
        && line
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"noqa"))
}

/// For each line, the `# noqa` flake8 finds on it: searched once per logical line (the lines of
/// a statement or multi-line string together), each line standing alone when tokenizing failed.
pub struct NoqaLines {
    /// Per line number, the index in `found` of its logical line's `# noqa`.
    by_line: Vec<Option<usize>>,
    found: Vec<Option<Noqa>>,
}

impl NoqaLines {
    pub fn new(lines: &[&str], tokens: Option<&[Token]>) -> Self {
        let mut by_line: Vec<Option<usize>> = vec![None; lines.len() + 2];
        let mut found = Vec::new();
        let mut range = |min: usize, max: usize, by_line: &mut Vec<Option<usize>>| {
            let a = min.max(1);
            let b = max.min(lines.len());
            let text = if a > b || !lines[a - 1..b].iter().any(|l| may_hold_noqa(l)) {
                None
            } else {
                Some(lines[a - 1..b].concat())
            };
            found.push(text.and_then(|text| parse_noqa(&text)));
            if by_line.len() <= max {
                by_line.resize(max + 1, None);
            }
            for slot in &mut by_line[min..=max] {
                *slot = Some(found.len() - 1);
            }
        };
        if let Some(tokens) = tokens {
            let mut min_line = usize::MAX;
            let mut max_line = 0usize;
            for token in tokens {
                if matches!(token.kind, Kind::EndMarker | Kind::Dedent) {
                    continue;
                }
                min_line = min_line.min(token.start.0);
                max_line = max_line.max(token.end.0);
                if matches!(token.kind, Kind::Nl | Kind::Newline) {
                    range(min_line, max_line, &mut by_line);
                    min_line = usize::MAX;
                    max_line = 0;
                }
            }
        }
        // Lines outside any logical line (or every line, without tokens): the line alone.
        for (i, line) in lines.iter().enumerate() {
            if by_line[i + 1].is_none() && line.contains('#') {
                found.push(may_hold_noqa(line).then(|| parse_noqa(line)).flatten());
                by_line[i + 1] = Some(found.len() - 1);
            }
        }
        Self { by_line, found }
    }

    /// The `# noqa` comment that silences `code` on `line`, if any.
    pub fn marker_for(&self, line: usize, code: &str) -> Option<String> {
        let noqa = self.found.get((*self.by_line.get(line)?)?)?.as_ref()?;
        match &noqa.codes {
            None => Some(noqa.marker.clone()),
            Some(codes) => codes
                .iter()
                .any(|c| code == c || code.starts_with(c.as_str()))
                .then(|| noqa.marker.clone()),
        }
    }
}
