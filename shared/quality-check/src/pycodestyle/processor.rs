//! flake8's token loop (`FileChecker.process_tokens`): it cuts the file into physical and
//! logical lines, builds each logical line with its strings muted and its offset mapping, keeps
//! the blank-line counters, and runs the physical and logical checks on each.

use std::borrow::Cow;

use super::logical_checks;
use super::logical_line::{line_from, token_line, LogicalLine, Offset, StyleSettings};
use super::physical;
use super::statements;
use super::text::text_in;
use crate::tokens::{char_len, Kind, LineChars, Token};
use crate::violation::Violation;

/// flake8's `expand_indent`: `len(line.expandtabs(8))`.
fn expand_tabs_len(s: &str) -> usize {
    let mut col = 0;
    for c in s.chars() {
        match c {
            '\t' => col = col / 8 * 8 + 8,
            '\n' | '\r' => col = 0,
            _ => col += 1,
        }
    }
    col
}

/// pycodestyle's `mute_string` (string contents replaced with `x` so that checks never match
/// inside them) appended to `out` (no list of characters for an ASCII string).
fn push_muted(text: &str, out: &mut String) {
    // pycodestyle counts characters: in an ASCII string they are the bytes.
    if text.is_ascii() {
        push_muted_in(text.as_bytes(), out);
    } else {
        let chars: Vec<char> = text.chars().collect();
        push_muted_in(&chars, out);
    }
}

fn push_muted_in<C: Copy + PartialEq + Into<char>>(chars: &[C], out: &mut String) {
    let Some(&last) = chars.last() else {
        return;
    };
    let mut start = chars.iter().position(|&c| c == last).unwrap_or(0) + 1;
    let mut end = chars.len() - 1;
    let tail = &chars[chars.len().saturating_sub(3)..];
    // `text[-3:] in ('"""', "'''")`
    if tail.len() == 3 && tail.iter().all(|&c| c == last) && matches!(last.into(), '"' | '\'') {
        start += 2;
        end = end.saturating_sub(2);
    }
    fn text<C: Copy + Into<char>>(part: &[C]) -> impl Iterator<Item = char> + '_ {
        part.iter().map(|&c| c.into())
    }
    if start > end {
        out.extend(text(chars));
        return;
    }
    out.extend(text(&chars[..start]));
    out.extend(std::iter::repeat_n('x', end - start));
    out.extend(text(&chars[end..]));
}

/// flake8's logical-line mapping: (offset in the logical line, end of the token there).
type Mapping = Vec<(usize, (usize, usize))>;

struct Processor<'a> {
    lines: &'a [&'a str],
    chars: &'a LineChars,
    settings: &'a StyleSettings,
    first_indent_row: Option<usize>,
    blank_before: usize,
    blank_lines: usize,
    indent_level: usize,
    previous_indent_level: usize,
    previous_logical: String,
    previous_unindented_logical_line: String,
    /// The file's tokens; the current logical line's are `all_tokens[line_start..line_end]`
    /// (a range rather than copies: each token owns its text).
    all_tokens: &'a [Token],
    line_start: usize,
    line_end: usize,
    imports: statements::ImportState,
    /// E501's limits, and what is found under each (E501 is the only check a line length
    /// changes, so one pass serves several limits).
    line_lengths: &'a [usize],
    out: Vec<Vec<Violation>>,
    logical_buffer: String,
    mapping_buffer: Mapping,
}

/// Runs every pycodestyle check over a file's lines (and their [`LineChars`]) and tokens (the
/// tokens of [`crate::tokens::tokenize`], which must have succeeded).
pub fn check(
    lines: &[&str],
    chars: &LineChars,
    tokens: &[Token],
    settings: &StyleSettings,
) -> Vec<Violation> {
    check_each_line_length(lines, chars, tokens, settings, &[settings.max_line_length])
        .pop()
        .unwrap_or_default()
}

/// [`check`] under `settings` with each of `line_lengths` as the maximum line length, in one
/// pass: what each finds.
pub fn check_each_line_length(
    lines: &[&str],
    chars: &LineChars,
    tokens: &[Token],
    settings: &StyleSettings,
    line_lengths: &[usize],
) -> Vec<Vec<Violation>> {
    let first_indent_row = lines
        .iter()
        .position(|l| l.starts_with([' ', '\t']))
        .map(|i| i + 1);
    let mut p = Processor {
        lines,
        chars,
        settings,
        first_indent_row,
        blank_before: 0,
        blank_lines: 0,
        indent_level: 0,
        previous_indent_level: 0,
        previous_logical: String::new(),
        previous_unindented_logical_line: String::new(),
        all_tokens: tokens,
        line_start: 0,
        line_end: 0,
        imports: statements::ImportState::default(),
        line_lengths,
        out: vec![Vec::new(); line_lengths.len()],
        logical_buffer: String::new(),
        mapping_buffer: Vec::new(),
    };
    let total = lines.len();
    let mut parens: i64 = 0;
    let mut prev_token: Option<&Token> = None;
    for (index, token) in tokens.iter().enumerate() {
        if token.start.0 > total {
            break;
        }
        p.line_end = index + 1;
        p.check_physical_eol(token, prev_token);
        if token.kind == Kind::Op {
            let t = token.text.as_str();
            if !t.is_empty() && "([{".contains(t) {
                parens += 1;
            } else if !t.is_empty() && "}])".contains(t) {
                parens -= 1;
            }
        } else if parens == 0 && matches!(token.kind, Kind::Newline | Kind::Nl) {
            p.handle_newline(token.kind);
        }
        prev_token = Some(token);
    }
    if p.line_end > p.line_start {
        if let Some(last) = lines.last() {
            p.run_physical(last, lines.len(), false);
        }
        p.run_logical();
    }
    p.out
}

impl<'a> Processor<'a> {
    /// The tokens of the logical line being read.
    fn tokens(&self) -> &'a [Token] {
        &self.all_tokens[self.line_start..self.line_end]
    }

    fn indent_char(&self, lines_read: usize) -> Option<char> {
        self.first_indent_row
            .filter(|row| *row <= lines_read)
            .and_then(|row| self.lines[row - 1].chars().next())
    }

    fn handle_newline(&mut self, kind: Kind) {
        if kind == Kind::Newline {
            self.run_logical();
            self.blank_before = 0;
        } else if self.line_end - self.line_start == 1 {
            self.blank_lines += 1;
            self.line_start = self.line_end;
        } else {
            self.run_logical();
        }
    }

    fn check_physical_eol(&mut self, token: &Token, prev_token: Option<&Token>) {
        // (A backslash continuation ends the token's last line: check that first.)
        let is_eol = matches!(token.kind, Kind::Newline | Kind::Nl)
            || (token.lines.is_none_or(|(_, last)| {
                self.lines
                    .get(last.wrapping_sub(1))
                    .is_none_or(|l| l.ends_with("\\\n"))
            }) && line_from(self.lines, self.chars, token, token.end.1).trim_start() == "\\\n");
        if is_eol {
            let physical = if token.lines.is_none() {
                prev_token.map_or(Cow::Borrowed(""), |t| token_line(self.lines, t))
            } else {
                token_line(self.lines, token)
            };
            // tokenize has read up to the token's last line.
            let row = token.end.0.min(self.lines.len());
            self.run_physical(&physical, row, false);
        } else if token.kind == Kind::String && token.text.contains('\n') {
            for row in token.start.0..token.end.0 {
                let physical = self.lines[row - 1];
                self.run_physical_at(physical, row, token.end.0, true);
            }
        }
    }

    fn run_physical(&mut self, physical: &str, row: usize, multiline: bool) {
        self.run_physical_at(physical, row, row, multiline);
    }

    fn run_physical_at(&mut self, physical: &str, row: usize, lines_read: usize, multiline: bool) {
        let indent_char = self.indent_char(lines_read);
        let found = physical::check(physical, indent_char, row, self.lines);
        for (out, &max_line_length) in self.out.iter_mut().zip(self.line_lengths) {
            // E501 comes first, as pycodestyle orders the physical checks.
            if let Some((col, rule, message)) =
                physical::maximum_line_length(physical, max_line_length, multiline, row)
            {
                out.push(Violation::new(rule, row, col, message));
            }
            out.extend(
                found
                    .iter()
                    .map(|(col, rule, message)| Violation::new(*rule, row, *col, message.clone())),
            );
        }
    }

    /// A violation found whatever the line length.
    fn report(&mut self, violation: Violation) {
        if let Some((last, rest)) = self.out.split_last_mut() {
            for out in rest {
                out.push(violation.clone());
            }
            last.push(violation);
        }
    }

    fn build_logical(&self, logical: &mut String, mapping: &mut Mapping) {
        logical.clear();
        mapping.clear();
        let mut length = 0usize;
        let mut previous: Option<(usize, usize)> = None;
        for token in self.tokens() {
            if matches!(
                token.kind,
                Kind::Nl | Kind::Newline | Kind::Indent | Kind::Dedent
            ) {
                continue;
            }
            if mapping.is_empty() {
                mapping.push((0, token.start));
            }
            if token.kind == Kind::Comment {
                continue;
            }
            let before = logical.len();
            if let Some((prev_row, prev_col)) = previous {
                let (start_row, start_col) = token.start;
                if prev_row != start_row {
                    let prev_text = prev_col
                        .checked_sub(1)
                        .and_then(|c| self.lines.get(prev_row - 1)?.chars().nth(c))
                        // Python's `line[-1]` for a column of 0: the line's last character.
                        .or_else(|| self.lines.get(prev_row - 1)?.chars().last())
                        .unwrap_or(' ');
                    // (A muted string is never a closing bracket, so the token's own text
                    // decides as well as the muted one.)
                    if prev_text == ','
                        || (!"{[(".contains(prev_text) && !text_in(&token.text, "}])"))
                    {
                        logical.push(' ');
                    }
                } else if prev_col != start_col {
                    logical.push_str(self.chars.slice(self.lines, start_row, prev_col, start_col));
                }
            }
            if token.kind == Kind::String {
                push_muted(&token.text, logical);
            } else {
                logical.push_str(&token.text);
            }
            length += char_len(&logical[before..]);
            mapping.push((length, token.end));
            previous = Some(token.end);
        }
    }

    fn run_logical(&mut self) {
        // The buffers go back to `self` at the end: one allocation per file, not per line.
        let mut logical = std::mem::take(&mut self.logical_buffer);
        let mut mapping = std::mem::take(&mut self.mapping_buffer);
        self.build_logical(&mut logical, &mut mapping);
        let Some(&(_, (start_row, start_col))) = mapping.first() else {
            self.logical_buffer = logical;
            self.mapping_buffer = mapping;
            return;
        };
        self.indent_level = expand_tabs_len(self.chars.slice(self.lines, start_row, 0, start_col));
        if self.blank_before < self.blank_lines {
            self.blank_before = self.blank_lines;
        }
        let line_number = self
            .tokens()
            .last()
            .map_or(0, |t| t.end.0.min(self.lines.len()));
        let context = LogicalLine {
            text: &logical,
            tokens: self.tokens(),
            lines: self.lines,
            indent_level: self.indent_level,
            previous_indent_level: self.previous_indent_level,
            previous_logical: &self.previous_logical,
            previous_unindented_logical_line: &self.previous_unindented_logical_line,
            indent_char: self.indent_char(line_number),
            blank_lines: self.blank_lines,
            blank_before: self.blank_before,
            line_number,
            settings: self.settings,
            chars: self.chars,
            text_chars: std::cell::OnceCell::new(),
            wide_whitespace: std::cell::OnceCell::new(),
            equality: std::cell::OnceCell::new(),
        };
        let mut results: super::logical_line::Results = Vec::new();
        logical_checks::run(&context, &mut self.imports, &mut results);
        for (offset, rule, message) in results {
            let (row, col) = find_offset(offset, &mapping);
            self.report(Violation::new(rule, row, col, message));
        }
        if !logical.is_empty() {
            self.previous_indent_level = self.indent_level;
            if self.indent_level == 0 {
                self.previous_unindented_logical_line.clone_from(&logical);
            }
            std::mem::swap(&mut self.previous_logical, &mut logical);
        }
        self.logical_buffer = logical;
        self.mapping_buffer = mapping;
        self.blank_lines = 0;
        self.line_start = self.line_end;
    }
}

/// flake8's `find_offset`: a logical-line offset to a (row, column) through the token mapping.
fn find_offset(offset: Offset, mapping: &[(usize, (usize, usize))]) -> (usize, usize) {
    match offset {
        Offset::At(position) => position,
        Offset::Logical(offset) => {
            // The first token ending at or after the offset (offsets never decrease).
            let at = mapping.partition_point(|&(token_offset, _)| token_offset < offset);
            match mapping.get(at) {
                Some(&(token_offset, position)) => (
                    position.0,
                    (position.1 + offset).saturating_sub(token_offset),
                ),
                None => (0, 0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::push_muted;

    fn mute_string(text: &str) -> String {
        let mut out = String::new();
        push_muted(text, &mut out);
        out
    }

    /// pycodestyle 2.15.0's `mute_string` on the same texts (its docstring's examples, then
    /// non-ASCII ones, which take the list-of-characters path).
    #[test]
    fn mute_string_matches_pycodestyle() {
        for (text, muted) in [
            (r#""abc""#, r#""xxx""#),
            ("'''abc'''", "'''xxx'''"),
            ("r'abc'", "r'xxx'"),
            ("''", "''"),
            (r#""""""""#, r#""""""""#),
            ("f'{x}'", "f'xxx'"),
            ("'é ü'", "'xxx'"),
            ("b\"\"\"x\né\"\"\"", "b\"\"\"xxx\"\"\""),
            ("u\"ß\"", "u\"x\""),
        ] {
            assert_eq!(mute_string(text), muted, "{text}");
        }
    }
}
