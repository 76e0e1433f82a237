//! What a logical-line check reads (pycodestyle's parameters of the same names) and how it
//! reports, with the token-line helpers the checks and the token loop share.

use std::borrow::Cow;

use crate::rules::Rule;
use crate::tokens::{char_slice, LineChars, Token};

/// The settings pycodestyle's checks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StyleSettings {
    pub max_line_length: usize,
    pub max_doc_length: Option<usize>,
    pub hang_closing: bool,
    pub indent_size: usize,
}

/// Where a logical-line check reports: an offset in the logical line, or a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    Logical(usize),
    At((usize, usize)),
}

/// What a logical-line check reports: where, the rule, and the message after the code.
pub type Results = Vec<(Offset, Rule, String)>;

/// What a logical-line check may read (pycodestyle's parameters of the same names).
pub struct LogicalLine<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
    pub lines: &'a [&'a str],
    pub indent_level: usize,
    pub previous_indent_level: usize,
    pub previous_logical: &'a str,
    pub previous_unindented_logical_line: &'a str,
    pub indent_char: Option<char>,
    pub blank_lines: usize,
    pub blank_before: usize,
    pub line_number: usize,
    pub settings: &'a StyleSettings,
    pub chars: &'a LineChars,
    /// Byte offset of every character of `text`, built on first use for a non-ASCII line.
    pub text_chars: std::cell::OnceCell<Option<Vec<u32>>>,
    /// Whether `text` has a tab or two blanks in a row, for the checks that need it.
    pub wide_whitespace: std::cell::OnceCell<bool>,
    /// Whether `text` has `==` or `!=`, for the comparison checks.
    pub equality: std::cell::OnceCell<bool>,
}

impl<'a> LogicalLine<'a> {
    /// The character offset in the logical line of a byte offset (regex matches are bytes,
    /// pycodestyle counts characters).
    pub fn char_at(&self, byte: usize) -> usize {
        let table = self.text_chars.get_or_init(|| {
            (!self.text.is_ascii())
                .then(|| self.text.char_indices().map(|(i, _)| i as u32).collect())
        });
        match table {
            Some(starts) => starts.partition_point(|&b| (b as usize) < byte),
            None => byte,
        }
    }

    /// See [`has_wide_whitespace`], computed once per line.
    pub fn has_wide_whitespace(&self) -> bool {
        *self
            .wide_whitespace
            .get_or_init(|| has_wide_whitespace(self.text))
    }

    /// Whether `text` has `==` or `!=` (most lines have neither), computed once per line.
    pub fn has_equality(&self) -> bool {
        *self.equality.get_or_init(|| {
            let bytes = self.text.as_bytes();
            memchr::memchr_iter(b'=', bytes)
                .any(|at| at > 0 && matches!(bytes[at - 1], b'=' | b'!'))
        })
    }

    /// The `line` attribute of a token: its physical line(s).
    pub fn token_line(&self, token: &Token) -> Cow<'a, str> {
        token_line(self.lines, token)
    }

    /// `token.line[from:]` for a token on one line (Python slices the joined text of a token
    /// spanning lines, which this also does).
    pub fn line_from(&self, token: &Token, from: usize) -> Cow<'a, str> {
        line_from(self.lines, self.chars, token, from)
    }
}

pub fn token_line<'l>(lines: &'l [&'l str], token: &Token) -> Cow<'l, str> {
    match token.lines {
        Some((a, b)) if a >= 1 && a == b && b <= lines.len() => Cow::Borrowed(lines[a - 1]),
        Some((a, b)) if a >= 1 && b <= lines.len() => Cow::Owned(lines[a - 1..b].concat()),
        _ => Cow::Borrowed(""),
    }
}

pub fn line_from<'l>(
    lines: &'l [&'l str],
    chars: &LineChars,
    token: &Token,
    from: usize,
) -> Cow<'l, str> {
    match token.lines {
        Some((a, b)) if a >= 1 && a == b && b <= lines.len() => {
            Cow::Borrowed(chars.slice(lines, a, from, usize::MAX))
        }
        _ => Cow::Owned(char_slice(&token_line(lines, token), from, usize::MAX).to_owned()),
    }
}

/// Whether `text` has a tab or two whitespace characters in a row: E221-E224 and E271-E274
/// report nothing else, so their regexes (a search at every blank) only run on such lines.
fn has_wide_whitespace(text: &str) -> bool {
    if text.is_ascii() {
        let mut previous_blank = false;
        for &b in text.as_bytes() {
            // Most bytes are printable: one comparison for them.
            if b > b' ' {
                previous_blank = false;
                continue;
            }
            // `char::is_whitespace` on ASCII.
            let blank = matches!(b, b' ' | b'\t'..=b'\r');
            if b == b'\t' || (previous_blank && blank) {
                return true;
            }
            previous_blank = blank;
        }
        return false;
    }
    let mut previous_blank = false;
    for c in text.chars() {
        if c == '\t' || (previous_blank && c.is_whitespace()) {
            return true;
        }
        previous_blank = c.is_whitespace();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_wide_whitespace;

    #[test]
    fn wide_whitespace_prefilter_matches_its_definition() {
        for text in [
            "", "\t", "a\t", "a  b", "a b", " \n", "é  ", "é b", "\u{a0} ", "a\u{a0}",
        ] {
            let mut previous_blank = false;
            let mut expected = false;
            for c in text.chars() {
                if c == '\t' || (previous_blank && c.is_whitespace()) {
                    expected = true;
                }
                previous_blank = c.is_whitespace();
            }
            assert_eq!(has_wide_whitespace(text), expected, "{text:?}");
        }
    }
}
