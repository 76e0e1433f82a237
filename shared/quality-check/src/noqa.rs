//! `# noqa` as flake8 honours it: a blanket `# noqa`, or `# noqa: E501,W291` (code prefixes),
//! searched on the whole logical line a finding belongs to; `# flake8: noqa` on a line of its own
//! skips the file.

use std::collections::HashMap;
use std::sync::LazyLock;

use fancy_regex::Regex;

use crate::tokens::{Kind, Token};

static NOQA_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?").expect("valid regex")
});
static NOQA_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*# flake8[:=]\s*noqa").expect("valid regex"));

/// The `# flake8: noqa` line that makes flake8 skip the file, if any.
pub fn file_marker(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find(|l| NOQA_FILE.is_match(l).unwrap_or(false))
        .map(|l| l.trim().to_owned())
}

/// For each line, the text flake8 searches for `# noqa`.
pub struct NoqaLines<'a> {
    lines: &'a [String],
    ranges: HashMap<usize, (usize, usize)>,
}

impl<'a> NoqaLines<'a> {
    /// `tokens` are the file's tokens when tokenizing succeeded (else each line stands alone).
    pub fn new(lines: &'a [String], tokens: Option<&[Token]>) -> Self {
        let mut ranges = HashMap::new();
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
                    for line in min_line..=max_line {
                        ranges.insert(line, (min_line, max_line));
                    }
                    min_line = usize::MAX;
                    max_line = 0;
                }
            }
        }
        Self { lines, ranges }
    }

    fn text(&self, line: usize) -> String {
        match self.ranges.get(&line) {
            Some(&(a, b)) => {
                let a = a.max(1);
                let b = b.min(self.lines.len());
                if a > b {
                    String::new()
                } else {
                    self.lines[a - 1..b].concat()
                }
            }
            None => self
                .lines
                .get(line.wrapping_sub(1))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// The `# noqa` comment that silences `code` on `line`, if any.
    pub fn marker_for(&self, line: usize, code: &str) -> Option<String> {
        let text = self.text(line);
        let caps = NOQA_INLINE.captures(&text).ok().flatten()?;
        let whole = caps.get(0)?.as_str().trim_end().to_owned();
        let Some(codes) = caps.name("codes") else {
            return Some(whole);
        };
        let listed: Vec<&str> = codes
            .as_str()
            .split([',', ' ', '\t', '\n', '\r', '\x0b', '\x0c'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        listed
            .iter()
            .any(|c| code == *c || code.starts_with(c))
            .then_some(whole)
    }
}
