//! Statement-level checks: E401/E402 (imports), E502 (redundant backslash), E701-E704 and
//! E731 (compound statements, lambda assignment).

use crate::rules::Rule;
use std::sync::LazyLock;

use fancy_regex::Regex;

use super::comparisons::is_identifier;
use super::logical_line::{LogicalLine, Offset, Results};
use super::text::text_in;
use super::whitespace::starts_with_def;
use crate::tokens::{char_len, Kind, Token};

static DUNDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^__([^\s]+)__(?::\s*[a-zA-Z.0-9_\[\]"]+)? = "#).expect("valid regex")
});
static LAMBDA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\blambda\b").expect("valid regex"));
static STARTSWITH_INDENT_STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(def|async\s+def|for|async\s+for|if|elif|else|try|except|finally|with|async\s+with|class|while)\b",
    )
    .expect("valid regex")
});

/// `module_imports_on_top_of_file`'s checker state, kept across the logical lines of a file.
#[derive(Debug, Default)]
pub struct ImportState {
    seen_non_imports: bool,
    seen_docstring: bool,
}

pub fn imports_on_separate_lines(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    if text.starts_with("import ") {
        if let Some(found) = text.find(',') {
            if !text[..found].contains(';') {
                out.push((
                    Offset::Logical(char_len(&text[..found])),
                    Rule::E401,
                    "multiple imports on one line".to_owned(),
                ));
            }
        }
    }
}

fn is_string_literal(line: &str) -> bool {
    let mut chars = line.chars();
    let Some(mut first) = chars.next() else {
        return false;
    };
    if matches!(first, 'u' | 'U' | 'b' | 'B' | 'r' | 'R') {
        first = chars.next().unwrap_or(' ');
    }
    first == '"' || first == '\''
}

pub fn module_imports_on_top_of_file(
    line: &LogicalLine<'_>,
    state: &mut ImportState,
    out: &mut Results,
) {
    let text = line.text;
    if line.indent_level != 0 || text.is_empty() {
        return;
    }
    if ["import ", "from ", "lazy import ", "lazy from "]
        .iter()
        .any(|p| text.starts_with(p))
    {
        if state.seen_non_imports {
            out.push((
                Offset::Logical(0),
                Rule::E402,
                "module level import not at top of file".to_owned(),
            ));
        }
    } else if !state.seen_non_imports {
        if DUNDER.is_match(text).unwrap_or(false) {
            return;
        }
        if ["try", "except", "else", "finally", "with", "if", "elif"]
            .iter()
            .any(|p| text.starts_with(p))
        {
            return;
        }
        if is_string_literal(text) {
            if state.seen_docstring {
                state.seen_non_imports = true;
            } else {
                state.seen_docstring = true;
            }
        } else {
            state.seen_non_imports = true;
        }
    }
}

pub fn compound_statements(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    // Every report is at a colon or a semicolon.
    if !text.contains([':', ';']) {
        return;
    }
    // pycodestyle indexes characters: bytes are characters in an ASCII line.
    if text.is_ascii() {
        compound_statements_in(line, text.as_bytes(), out);
    } else {
        let chars: Vec<char> = text.chars().collect();
        compound_statements_in(line, &chars, out);
    }
}

fn compound_statements_in<C: Copy + Into<char>>(
    line: &LogicalLine<'_>,
    chars: &[C],
    out: &mut Results,
) {
    let text = line.text;
    let last_char = chars.len() as i64 - 1;
    let at = |i: usize| -> char { chars[i].into() };
    let find = |c: char, from: usize| (from..chars.len()).find(|&i| at(i) == c);
    // The first `lambda` of the line (as a char range): pycodestyle searches the text before
    // each colon, which finds the same match when it ends before that colon.
    let lambda = if text.contains("lambda") {
        LAMBDA.find(text).ok().flatten()
    } else {
        None
    };
    let first_lambda = lambda.map(|m| {
        let start = line.char_at(m.start());
        (start, start + char_len(m.as_str()))
    });
    let mut found = find(':', 0);
    let mut prev_found = 0usize;
    let mut counts = [0i64; 6]; // { } [ ] ( )
    while let Some(f) = found {
        if (f as i64) >= last_char {
            break;
        }
        for &c in &chars[prev_found.min(f)..f] {
            let slot = match c.into() {
                '{' => 0,
                '}' => 1,
                '[' => 2,
                ']' => 3,
                '(' => 4,
                ')' => 5,
                _ => continue,
            };
            counts[slot] += 1;
        }
        if counts[0] <= counts[1]
            && counts[2] <= counts[3]
            && counts[4] <= counts[5]
            && (f + 1 >= chars.len() || at(f + 1) != '=')
        {
            if let Some((lambda_start, _)) = first_lambda.filter(|&(_, end)| end <= f) {
                let head: String = chars[..lambda_start].iter().map(|&c| c.into()).collect();
                let before = head.trim_end();
                if let Some(target) = before.strip_suffix('=') {
                    if is_identifier(target.trim()) {
                        out.push((
                            Offset::Logical(0),
                            Rule::E731,
                            "do not assign a lambda expression, use a def".to_owned(),
                        ));
                    }
                }
                break;
            }
            if starts_with_def(text) {
                out.push((
                    Offset::Logical(0),
                    Rule::E704,
                    "multiple statements on one line (def)".to_owned(),
                ));
            } else if STARTSWITH_INDENT_STATEMENT.is_match(text).unwrap_or(false) {
                out.push((
                    Offset::Logical(f),
                    Rule::E701,
                    "multiple statements on one line (colon)".to_owned(),
                ));
            }
        }
        prev_found = f;
        found = find(':', f + 1);
    }
    let mut found = find(';', 0);
    while let Some(f) = found {
        if (f as i64) < last_char {
            out.push((
                Offset::Logical(f),
                Rule::E702,
                "multiple statements on one line (semicolon)".to_owned(),
            ));
        } else {
            out.push((
                Offset::Logical(f),
                Rule::E703,
                "statement ends with a semicolon".to_owned(),
            ));
        }
        found = find(';', f + 1);
    }
}

pub fn explicit_line_join(line: &LogicalLine<'_>, out: &mut Results) {
    // A report needs a token on a later row than the first.
    let first_row = line.tokens.first().map_or(0, |t| t.start.0);
    if line.tokens.iter().all(|t| t.start.0 == first_row) {
        return;
    }
    let (mut prev_start, mut prev_end, mut parens) = (0usize, 0usize, 0i64);
    let mut comment = false;
    let mut backslash: Option<(usize, usize)> = None;
    for token in line.tokens {
        if token.kind == Kind::Comment {
            comment = true;
        }
        if token.start.0 != prev_start && parens != 0 && !comment {
            if let Some(at) = backslash {
                out.push((
                    Offset::At(at),
                    Rule::E502,
                    "the backslash is redundant between brackets".to_owned(),
                ));
            }
        }
        if token.start.0 != prev_start {
            comment = false;
        }
        if token.end.0 != prev_end {
            let physical = line.token_line(token);
            if physical.trim_end_matches(['\r', '\n']).ends_with('\\') {
                let last = physical.lines().last().unwrap_or("");
                backslash = Some((token.end.0, char_len(last).saturating_sub(1)));
            } else {
                backslash = None;
            }
            prev_start = token.end.0;
            prev_end = token.end.0;
        } else {
            prev_start = token.start.0;
        }
        if token.kind == Kind::Op {
            if text_in(&token.text, "([{") {
                parens += 1;
            } else if text_in(&token.text, ")]}") {
                parens -= 1;
            }
        }
    }
}

/// pycodestyle's `MAX_DOC_LENGTH`, used by W505's exemptions whatever the configured limit.
const MAX_DOC_LENGTH: usize = 72;

pub fn maximum_doc_length(line: &LogicalLine<'_>, out: &mut Results) {
    let Some(max_doc_length) = line.settings.max_doc_length else {
        return;
    };
    let skip_kinds = |k: Kind| {
        matches!(
            k,
            Kind::Nl
                | Kind::Newline
                | Kind::Indent
                | Kind::Dedent
                | Kind::Comment
                | Kind::ErrorToken
        )
    };
    let has_code = line
        .tokens
        .iter()
        .any(|t| !skip_kinds(t.kind) && t.kind != Kind::String);
    let mut prev: Option<Kind> = None;
    for token in line.tokens {
        if token.kind == Kind::String && has_code {
            prev = Some(token.kind);
            continue;
        }
        if matches!(token.kind, Kind::String | Kind::Comment)
            && prev
                .is_none_or(|p| matches!(p, Kind::Nl | Kind::Newline | Kind::Indent | Kind::Dedent))
        {
            let text = line.token_line(token);
            let physical_lines: Vec<&str> = text.lines().collect();
            for (line_num, physical) in physical_lines.iter().enumerate() {
                if token.start.0 + line_num == 1 && text.starts_with("#!") {
                    return;
                }
                let length = char_len(physical);
                let chunks: Vec<&str> = physical.split_whitespace().collect();
                if token.kind == Kind::Comment
                    && chunks.len() == 2
                    && length - char_len(chunks[1]) < MAX_DOC_LENGTH
                {
                    continue;
                }
                if chunks.len() == 1
                    && line_num + 1 < physical_lines.len()
                    && length - char_len(chunks[0]) < MAX_DOC_LENGTH
                {
                    continue;
                }
                if length > max_doc_length {
                    out.push((
                        Offset::At((token.start.0 + line_num, max_doc_length)),
                        Rule::W505,
                        format!("doc line too long ({length} > {max_doc_length} characters)"),
                    ));
                }
            }
        }
        prev = Some(token.kind);
    }
}

fn is_binary_operator(kind: Option<Kind>, text: &str) -> bool {
    (kind == Some(Kind::Op) || text == "and" || text == "or")
        && !matches!(
            text,
            "(" | ")"
                | "["
                | "]"
                | "{"
                | "}"
                | ","
                | ":"
                | "."
                | ";"
                | "@"
                | "="
                | "%"
                | "~"
                | "..."
        )
}

/// A token that `_break_around_binary_operators` counts as a line break.
fn is_line_break(token: &Token) -> bool {
    // Only these kinds of token can hold a line break (strings do not count).
    matches!(
        token.kind,
        Kind::Nl | Kind::Newline | Kind::ErrorToken | Kind::EndMarker
    ) && token.text.bytes().any(|b| b == b'\n' || b == b'\r')
}

/// Whether a line break comes before the last token: W503 and W504 need a token after one.
fn has_inner_line_break(line: &LogicalLine<'_>) -> bool {
    line.tokens
        .split_last()
        .is_some_and(|(_, inner)| inner.iter().any(is_line_break))
}

/// One step of `_break_around_binary_operators`: a token that is not a comment or line break.
struct OperatorStep<'a> {
    kind: Kind,
    text: &'a str,
    previous_kind: Option<Kind>,
    previous_text: &'a str,
    line_break: bool,
    unary_context: bool,
    start: (usize, usize),
}

/// `_break_around_binary_operators`, lazily (it runs on every logical line, twice).
fn around_binary_operators<'a>(
    line: &'a LogicalLine<'_>,
) -> impl Iterator<Item = OperatorStep<'a>> + 'a {
    let mut line_break = false;
    let mut unary_context = true;
    let mut previous_kind: Option<Kind> = None;
    let mut previous_text = "";
    line.tokens
        .iter()
        .filter(|token| token.kind != Kind::Comment)
        .filter_map(move |token| {
            let text = token.text.as_str();
            if is_line_break(token) {
                line_break = true;
                return None;
            }
            let step = OperatorStep {
                kind: token.kind,
                text,
                previous_kind,
                previous_text,
                line_break,
                unary_context,
                start: token.start,
            };
            unary_context = text_in(text, "([{,;");
            line_break = false;
            previous_kind = Some(token.kind);
            previous_text = text;
            Some(step)
        })
}

pub fn break_before_binary_operator(line: &LogicalLine<'_>, out: &mut Results) {
    if !has_inner_line_break(line) {
        return;
    }
    for step in around_binary_operators(line) {
        if is_binary_operator(Some(step.kind), step.text)
            && step.line_break
            && !step.unary_context
            && !is_binary_operator(step.previous_kind, step.previous_text)
        {
            out.push((
                Offset::At(step.start),
                Rule::W503,
                "line break before binary operator".to_owned(),
            ));
        }
    }
}

pub fn break_after_binary_operator(line: &LogicalLine<'_>, out: &mut Results) {
    if !has_inner_line_break(line) {
        return;
    }
    let mut prev_start: Option<(usize, usize)> = None;
    for step in around_binary_operators(line) {
        if is_binary_operator(step.previous_kind, step.previous_text)
            && step.line_break
            && !step.unary_context
            && !is_binary_operator(Some(step.kind), step.text)
        {
            if let Some(at) = prev_start {
                out.push((
                    Offset::At(at),
                    Rule::W504,
                    "line break after binary operator".to_owned(),
                ));
            }
        }
        prev_start = Some(step.start);
    }
}
