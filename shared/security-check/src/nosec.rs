//! `# nosec` comments, read exactly as Bandit 1.9.4 reads them (`manager._parse_nosec_comment`)
//! and applied with its tester's rules: the comment on the result's own line, plus the first
//! `# nosec` within the lines of the node the test ran on (a multi-line call, a function, the
//! statement around a string).

use std::collections::{BTreeSet, HashMap};

use validator_python::PythonModule;

use crate::rules::Rule;

/// What one comment says: `None` when it is no `# nosec`, an empty set for a bare `# nosec`,
/// else the tests it names (as ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nosec {
    pub tests: BTreeSet<String>,
    /// The comment, for reports.
    pub comment: String,
}

/// The `# nosec` comments of a file, by line.
#[derive(Debug, Default)]
pub struct NosecLines {
    lines: HashMap<u32, Nosec>,
}

impl NosecLines {
    pub fn of(module: &PythonModule) -> Self {
        let mut lines = HashMap::new();
        for (range, text) in module.comments() {
            if let Some(tests) = parse_nosec_comment(text) {
                let line = module.location(range.start()).line;
                lines.insert(
                    line,
                    Nosec {
                        tests,
                        comment: text.to_owned(),
                    },
                );
            }
        }
        Self { lines }
    }

    /// Comments already read, by line (ruff's `# noqa: Sxxx`, see `noqa.rs`).
    pub fn from_lines(lines: HashMap<u32, Nosec>) -> Self {
        Self { lines }
    }

    pub fn get(&self, line: u32) -> Option<&Nosec> {
        self.lines.get(&line)
    }

    /// Whether a result of `test_id` on `line`, found on a node spanning `context`, is
    /// suppressed, and by which comment.
    pub fn suppression(&self, test_id: &str, line: u32, context: (u32, u32)) -> Option<String> {
        let base = self.get(line);
        // `get_nosec`: the first line of the node's range that has a nosec comment.
        let in_context = (context.0..=context.1).find_map(|l| self.get(l));
        if base.is_none() && in_context.is_none() {
            return None;
        }
        let mut tests: BTreeSet<&str> = BTreeSet::new();
        for nosec in [base, in_context].into_iter().flatten() {
            tests.extend(nosec.tests.iter().map(String::as_str));
        }
        let comment = base.or(in_context).map(|n| n.comment.clone())?;
        (tests.is_empty() || tests.contains(test_id)).then_some(comment)
    }
}

/// `_parse_nosec_comment`: `NOSEC_COMMENT = #\s*nosec:?\s*(?P<tests>[^#]+)?#?` searched in the
/// comment, then `(?:(B\d+|[a-z\d_]+),?)+` over the tests, keeping each match's last word when it
/// is a known test id or test name.
pub fn parse_nosec_comment(comment: &str) -> Option<BTreeSet<String>> {
    let tests_text = find_nosec(comment)?;
    let mut tests = BTreeSet::new();
    if let Some(text) = tests_text {
        for word in nosec_words(text) {
            if let Some(id) = test_id_of(word) {
                tests.insert(id.to_owned());
            }
        }
    }
    Some(tests)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `Some(None)` for a bare `# nosec`, `Some(Some(tests))` when text follows.
fn find_nosec(comment: &str) -> Option<Option<&str>> {
    for (at, _) in comment.match_indices('#') {
        let rest = comment[at + 1..].trim_start_matches(is_space);
        let Some(rest) = rest.strip_prefix("nosec") else {
            continue;
        };
        let rest = rest.strip_prefix(':').unwrap_or(rest);
        let rest = rest.trim_start_matches(is_space);
        let end = rest.find('#').unwrap_or(rest.len());
        let tests = &rest[..end];
        return Some((!tests.is_empty()).then_some(tests));
    }
    None
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c.is_numeric()
}

/// The last word of each match of `(?:(B\d+|[a-z\d_]+),?)+` (case-insensitive).
fn nosec_words(text: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut words = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word(chars[i].1) {
            i += 1;
            continue;
        }
        let mut last = "";
        while i < chars.len() && is_word(chars[i].1) {
            let start = i;
            let b_digits = matches!(chars[i].1, 'B' | 'b')
                && chars.get(i + 1).is_some_and(|(_, c)| c.is_numeric());
            if b_digits {
                i += 1;
                while i < chars.len() && chars[i].1.is_numeric() {
                    i += 1;
                }
            } else {
                while i < chars.len() && is_word(chars[i].1) {
                    i += 1;
                }
            }
            let end = chars.get(i).map_or(text.len(), |(at, _)| *at);
            last = &text[chars[start].0..end];
            if chars.get(i).is_some_and(|(_, c)| *c == ',') {
                i += 1;
            }
        }
        words.push(last);
    }
    words
}

/// A test id (`B602`) or test name (`subprocess_popen_with_shell_equals_true`, `pickle`) as
/// Bandit's extension manager knows it.
fn test_id_of(word: &str) -> Option<&'static str> {
    // The id of Bandit's generic `blacklist` test, which is no rule of ours.
    const BLACKLIST_TEST_ID: &str = "B001";
    if word == BLACKLIST_TEST_ID {
        return Some(BLACKLIST_TEST_ID);
    }
    Rule::named_in_nosec(word).map(Rule::id)
}
