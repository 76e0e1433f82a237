//! Whitespace checks of logical lines: E201-E204, E211, E221-E231, E241/E242, E251/E252,
//! E261-E266, E271-E275.

use crate::rules::Rule;
use std::sync::LazyLock;

use fancy_regex::Regex;

use super::keywords::{in_keywords, is_keyword, is_soft_keyword, KWLIST};
use super::logical_line::{LogicalLine, Offset, Results};
use super::text::text_in;
use crate::tokens::Kind;

static KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<&str> = KWLIST
        .iter()
        .copied()
        .chain(["print"])
        .filter(|w| in_keywords(w))
        .collect();
    Regex::new(&format!(r"(\s*)\b(?:{})\b(\s*)", words.join("|"))).expect("valid regex")
});
static OPERATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[^,\s])(\s*)(?:[-+*/|!<=>%&^]+|:=)(\s*)").expect("valid regex")
});
static WHITESPACE_AFTER_COMMA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[,;:]\s*(?:  |\t)").expect("valid regex"));
static STARTSWITH_DEF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(async\s+def|def)\b").expect("valid regex"));
static STARTSWITH_GENERIC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(async\s+def|def|class|type)\s+\w+\[").expect("valid regex"));

/// pycodestyle's `STARTSWITH_DEF_REGEX.match(text)` (the regex only on lines that can match).
pub fn starts_with_def(text: &str) -> bool {
    (text.starts_with("def") || text.starts_with("async"))
        && STARTSWITH_DEF.is_match(text).unwrap_or(false)
}

const WHITESPACE: [char; 3] = [' ', '\t', '\u{a0}'];

/// The matches of pycodestyle's `EXTRANEOUS_WHITESPACE_REGEX`,
/// `[\[({][ \t]|[ \t][\]}),;:](?!=)`, as `finditer` gives them: byte offsets of two-byte
/// matches, left to right, not overlapping. (Scanned by hand: the look-ahead needs the slow
/// regex engine, and every line is searched.)
fn extraneous_whitespace_matches(text: &str) -> impl Iterator<Item = usize> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + 1 < bytes.len() {
            let (first, second) = (bytes[at], bytes[at + 1]);
            let found = matches!((first, second), (b'[' | b'(' | b'{', b' ' | b'\t'))
                || (matches!(
                    (first, second),
                    (b' ' | b'\t', b']' | b'}' | b')' | b',' | b';' | b':')
                ) && bytes.get(at + 2) != Some(&b'='));
            if found {
                at += 2;
                return Some(at - 2);
            }
            at += 1;
        }
        None
    })
}

pub fn extraneous_whitespace(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    for start in extraneous_whitespace_matches(text) {
        let matched = &text[start..start + 2];
        let ch = matched.trim();
        let found = line.char_at(start);
        if matched.ends_with(char::is_whitespace) {
            out.push((
                Offset::Logical(found + 1),
                Rule::E201,
                format!("whitespace after '{ch}'"),
            ));
        } else {
            let before = if found == 0 {
                text.chars().last()
            } else {
                text[..start].chars().last()
            };
            if before != Some(',') {
                let rule = if "}])".contains(ch) {
                    Rule::E202
                } else {
                    Rule::E203
                };
                out.push((
                    Offset::Logical(found),
                    rule,
                    format!("whitespace before '{ch}'"),
                ));
            }
        }
    }
    let mut chars = text.chars();
    if chars.next() == Some('@') && chars.next().is_some_and(char::is_whitespace) {
        out.push((
            Offset::Logical(1),
            Rule::E204,
            "whitespace after decorator '@'".to_owned(),
        ));
    }
}

pub fn whitespace_around_keywords(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    if !line.has_wide_whitespace() {
        return;
    }
    for caps in KEYWORD.captures_iter(text).flatten() {
        let (Some(before), Some(after)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        if before.as_str().contains('\t') {
            out.push((
                Offset::Logical(line.char_at(before.start())),
                Rule::E274,
                "tab before keyword".to_owned(),
            ));
        } else if before.as_str().chars().count() > 1 {
            out.push((
                Offset::Logical(line.char_at(before.start())),
                Rule::E272,
                "multiple spaces before keyword".to_owned(),
            ));
        }
        if after.as_str().contains('\t') {
            out.push((
                Offset::Logical(line.char_at(after.start())),
                Rule::E273,
                "tab after keyword".to_owned(),
            ));
        } else if after.as_str().chars().count() > 1 {
            out.push((
                Offset::Logical(line.char_at(after.start())),
                Rule::E271,
                "multiple spaces after keyword".to_owned(),
            ));
        }
    }
}

pub fn missing_whitespace_after_keyword(line: &LogicalLine<'_>, out: &mut Results) {
    for pair in line.tokens.windows(2) {
        let (tok0, tok1) = (&pair[0], &pair[1]);
        if tok0.end == tok1.start
            && tok0.kind == Kind::Name
            && is_keyword(&tok0.text)
            && !matches!(tok0.text.as_str(), "True" | "False" | "None")
            && !(tok0.text == "except" && tok1.text == "*")
            && !(tok0.text == "yield" && tok1.text == ")")
            && !tok1.text.is_empty()
            && tok1.text != ":"
            && tok1.text != "\n"
        {
            out.push((
                Offset::At(tok0.end),
                Rule::E275,
                "missing whitespace after keyword".to_owned(),
            ));
        }
    }
}

pub fn whitespace_before_parameters(line: &LogicalLine<'_>, out: &mut Results) {
    let tokens = line.tokens;
    let Some(first) = tokens.first() else { return };
    let (mut prev_kind, mut prev_text, mut prev_end) = (first.kind, first.text.as_str(), first.end);
    for index in 1..tokens.len() {
        let token = &tokens[index];
        let text = token.text.as_str();
        if token.kind == Kind::Op
            && text_in(text, "([")
            && token.start != prev_end
            && (prev_kind == Kind::Name || text_in(prev_text, "}])"))
            && (index < 2 || tokens[index - 2].text != "class")
            && !is_keyword(prev_text)
            && !is_soft_keyword(prev_text)
        {
            out.push((
                Offset::At(prev_end),
                Rule::E211,
                format!("whitespace before '{text}'"),
            ));
        }
        prev_kind = token.kind;
        prev_text = text;
        prev_end = token.end;
    }
}

pub fn whitespace_around_operator(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    if !line.has_wide_whitespace() {
        return;
    }
    for caps in OPERATOR.captures_iter(text).flatten() {
        let (Some(before), Some(after)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        if before.as_str().contains('\t') {
            out.push((
                Offset::Logical(line.char_at(before.start())),
                Rule::E223,
                "tab before operator".to_owned(),
            ));
        } else if before.as_str().chars().count() > 1 {
            out.push((
                Offset::Logical(line.char_at(before.start())),
                Rule::E221,
                "multiple spaces before operator".to_owned(),
            ));
        }
        if after.as_str().contains('\t') {
            out.push((
                Offset::Logical(line.char_at(after.start())),
                Rule::E224,
                "tab after operator".to_owned(),
            ));
        } else if after.as_str().chars().count() > 1 {
            out.push((
                Offset::Logical(line.char_at(after.start())),
                Rule::E222,
                "multiple spaces after operator".to_owned(),
            ));
        }
    }
}

const ARITHMETIC_OP: [&str; 7] = ["**", "*", "/", "//", "+", "-", "@"];
const WS_NEEDED_OPERATORS: [&str; 25] = [
    "**=", "*=", "/=", "//=", "+=", "-=", "!=", "<", ">", "%=", "^=", "&=", "|=", "==", "<=", ">=",
    "<<=", ">>=", "=", "and", "in", "is", "or", "->", ":=",
];
const UNARY_OPERATORS: [&str; 5] = [">>", "**", "*", "+", "-"];

fn ws_optional(text: &str) -> bool {
    ARITHMETIC_OP.contains(&text) || matches!(text, "^" | "&" | "|" | "<<" | ">>" | "%")
}

#[derive(Clone, Copy, PartialEq)]
enum NeedSpace {
    No,
    Yes,
    /// Optional: (where the operator's preceding token ended, whether a space preceded it).
    Optional((usize, usize), bool),
}

pub fn missing_whitespace(line: &LogicalLine<'_>, out: &mut Results) {
    let mut need_space = NeedSpace::No;
    let mut prev_kind = Kind::Op;
    let mut prev_text: Option<&str> = None;
    let mut prev_end: Option<(usize, usize)> = None;
    let mut brace_stack: Vec<char> = Vec::new();
    for token in line.tokens {
        let (kind, text, start, end) = (token.kind, token.text.as_str(), token.start, token.end);
        if kind == Kind::Op && matches!(text, "[" | "(" | "{") {
            brace_stack.push(text.chars().next().unwrap_or('('));
        } else if kind == Kind::Name && text == "lambda" {
            brace_stack.push('l');
        } else if !brace_stack.is_empty() {
            let closes = kind == Kind::Op && matches!(text, "]" | ")" | "}");
            let ends_lambda = brace_stack.last() == Some(&'l') && kind == Kind::Op && text == ":";
            if closes || ends_lambda {
                brace_stack.pop();
            }
        }
        if matches!(
            kind,
            Kind::Nl
                | Kind::Newline
                | Kind::Indent
                | Kind::Dedent
                | Kind::Comment
                | Kind::ErrorToken
        ) {
            continue;
        }
        if kind == Kind::Op && matches!(text, "," | ";" | ":") {
            let rest = line.line_from(token, end.1);
            let next_char = rest.chars().next().map_or("", |c| &rest[..c.len_utf8()]);
            let next_ws = next_char
                .chars()
                .next()
                .is_some_and(|c| WHITESPACE.contains(&c));
            if !next_ws && !text_in(next_char, "\r\n") {
                // A slice's colon, and a comma before a closing bracket, need no space.
                let slice = text == ":" && brace_stack.last() == Some(&'[');
                let tuple = text == "," && text_in(next_char, ")]");
                if !slice && !tuple {
                    out.push((
                        Offset::At(start),
                        Rule::E231,
                        format!("missing whitespace after '{text}'"),
                    ));
                }
            }
        }
        if need_space != NeedSpace::No {
            if Some(start) != prev_end {
                if let NeedSpace::Optional(at, false) = need_space {
                    out.push((
                        Offset::At(at),
                        Rule::E225,
                        "missing whitespace around operator".to_owned(),
                    ));
                }
                need_space = NeedSpace::No;
            } else if (prev_text == Some("/") && matches!(text, "," | ")" | ":"))
                || (prev_text == Some(")") && text == ":")
            {
                // PEP 570 positional-only marker.
            } else {
                match need_space {
                    NeedSpace::Yes | NeedSpace::Optional(_, true) => {
                        if let Some(prev_end) = prev_end {
                            out.push((
                                Offset::At(prev_end),
                                Rule::E225,
                                "missing whitespace around operator".to_owned(),
                            ));
                        }
                    }
                    NeedSpace::Optional(at, false) if prev_text != Some("**") => {
                        let prev = prev_text.unwrap_or("");
                        let (rule, optype) = if prev == "%" {
                            (Rule::E228, "modulo")
                        } else if !ARITHMETIC_OP.contains(&prev) {
                            (Rule::E227, "bitwise or shift")
                        } else {
                            (Rule::E226, "arithmetic")
                        };
                        out.push((
                            Offset::At(at),
                            rule,
                            format!("missing whitespace around {optype} operator"),
                        ));
                    }
                    _ => {}
                }
                need_space = NeedSpace::No;
            }
        } else if matches!(kind, Kind::Op | Kind::Name) && prev_end.is_some() {
            let prev_end_v = prev_end.unwrap_or((0, 0));
            let mut optional = false;
            if text == "=" && (brace_stack.last() == Some(&'l') || brace_stack.last() == Some(&'('))
            {
            } else if WS_NEEDED_OPERATORS.contains(&text) {
                need_space = NeedSpace::Yes;
            } else if UNARY_OPERATORS.contains(&text) {
                let prev = prev_text.unwrap_or("");
                if (prev_kind == Kind::Op && text_in(prev, "}])"))
                    || (prev_kind != Kind::Op && !in_keywords(prev) && !is_soft_keyword(prev))
                {
                    optional = true;
                }
            } else if ws_optional(text) {
                optional = true;
            }
            if optional {
                need_space = NeedSpace::Optional(prev_end_v, start != prev_end_v);
            } else if need_space == NeedSpace::Yes && start == prev_end_v {
                out.push((
                    Offset::At(prev_end_v),
                    Rule::E225,
                    "missing whitespace around operator".to_owned(),
                ));
                need_space = NeedSpace::No;
            }
        }
        prev_kind = kind;
        prev_text = Some(text);
        prev_end = Some(end);
    }
}

pub fn whitespace_around_comma(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    // A match ends in two spaces or a tab.
    if !line.has_wide_whitespace() {
        return;
    }
    for m in WHITESPACE_AFTER_COMMA.find_iter(text).flatten() {
        let found = line.char_at(m.start()) + 1;
        let first = m.as_str().chars().next().unwrap_or(',');
        if m.as_str().contains('\t') {
            out.push((
                Offset::Logical(found),
                Rule::E242,
                format!("tab after '{first}'"),
            ));
        } else {
            out.push((
                Offset::Logical(found),
                Rule::E241,
                format!("multiple spaces after '{first}'"),
            ));
        }
    }
}

pub fn whitespace_around_named_parameter_equals(line: &LogicalLine<'_>, out: &mut Results) {
    // Every report is at an `=` token inside brackets: an `=` after an opening bracket in the
    // logical line (strings are muted there, comments left out).
    let text = line.text.as_bytes();
    let inside = memchr::memchr2(b'(', b'[', text)
        .is_some_and(|open| memchr::memchr(b'=', &text[open..]).is_some());
    if !inside {
        return;
    }
    let mut paren_stack: Vec<&str> = Vec::new();
    let mut no_space = false;
    let mut require_space = false;
    let mut prev_end: Option<(usize, usize)> = None;
    let mut annotated_func_arg = false;
    let in_def = starts_with_def(line.text);
    let in_generic = ["def", "async", "class", "type"]
        .iter()
        .any(|p| line.text.starts_with(p))
        && line.text.contains('[')
        && STARTSWITH_GENERIC.is_match(line.text).unwrap_or(false);
    let message = "unexpected spaces around keyword / parameter equals";
    let missing = "missing whitespace around parameter equals";
    for token in line.tokens {
        if token.kind == Kind::Nl {
            continue;
        }
        let (text, start) = (token.text.as_str(), token.start);
        let at = prev_end.unwrap_or((0, 0));
        if no_space {
            no_space = false;
            if Some(start) != prev_end {
                out.push((Offset::At(at), Rule::E251, message.to_owned()));
            }
        }
        if require_space {
            require_space = false;
            if Some(start) == prev_end {
                out.push((Offset::At(at), Rule::E252, missing.to_owned()));
            }
        }
        if token.kind == Kind::Op {
            if text_in(text, "([") {
                paren_stack.push(text);
            } else if text_in(text, ")]") && !paren_stack.is_empty() {
                paren_stack.pop();
            } else if text == ":" && in_def && paren_stack == ["("] {
                annotated_func_arg = true;
            } else if paren_stack.len() == 1 && text == "," {
                annotated_func_arg = false;
            } else if !paren_stack.is_empty() && text == "=" {
                if (in_generic && paren_stack == ["["])
                    || (annotated_func_arg && paren_stack == ["("])
                {
                    require_space = true;
                    if Some(start) == prev_end {
                        out.push((Offset::At(at), Rule::E252, missing.to_owned()));
                    }
                } else {
                    no_space = true;
                    if Some(start) != prev_end {
                        out.push((Offset::At(at), Rule::E251, message.to_owned()));
                    }
                }
            }
            if paren_stack.is_empty() {
                annotated_func_arg = false;
            }
        }
        prev_end = Some(token.end);
    }
}

pub fn whitespace_before_comment(line: &LogicalLine<'_>, out: &mut Results) {
    let mut prev_end = (0usize, 0usize);
    for token in line.tokens {
        if token.kind == Kind::Comment {
            let inline = !line
                .chars
                .slice(line.lines, token.start.0, 0, token.start.1)
                .trim()
                .is_empty();
            if inline && prev_end.0 == token.start.0 && token.start.1 < prev_end.1 + 2 {
                out.push((
                    Offset::At(prev_end),
                    Rule::E261,
                    "at least two spaces before inline comment".to_owned(),
                ));
            }
            let text = token.text.as_str();
            let (symbol, comment) = match text.split_once(' ') {
                Some((s, c)) => (s, c),
                None => (text, ""),
            };
            // `symbol not in '#:' and (symbol.lstrip('#')[:1] or '#')`
            let bad_prefix: Option<char> = if text_in(symbol, "#:") {
                None
            } else {
                Some(symbol.trim_start_matches('#').chars().next().unwrap_or('#'))
            };
            if inline {
                if bad_prefix.is_some()
                    || comment
                        .chars()
                        .next()
                        .is_some_and(|c| WHITESPACE.contains(&c))
                {
                    out.push((
                        Offset::At(token.start),
                        Rule::E262,
                        "inline comment should start with '# '".to_owned(),
                    ));
                }
            } else if let Some(bad) = bad_prefix {
                if bad != '!' || token.start.0 > 1 {
                    if bad != '#' {
                        out.push((
                            Offset::At(token.start),
                            Rule::E265,
                            "block comment should start with '# '".to_owned(),
                        ));
                    } else if !comment.is_empty() {
                        out.push((
                            Offset::At(token.start),
                            Rule::E266,
                            "too many leading '#' for block comment".to_owned(),
                        ));
                    }
                }
            }
        } else if token.kind != Kind::Nl {
            prev_end = token.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand scan finds what pycodestyle's regex finds, on every short string of the
    /// characters it looks at (and a few it does not, multi-byte included).
    #[test]
    fn extraneous_whitespace_scan_matches_the_regex() {
        let regex = Regex::new(r"[\[({][ \t]|[ \t][\]}),;:](?!=)").expect("valid regex");
        let alphabet = ['[', '(', ' ', '\t', ']', ')', ':', ',', '=', 'a', 'é'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.chars().count() == texts.last().map_or(0, |l| l.chars().count()))
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        assert!(texts.len() > 100_000);
        for text in &texts {
            let expected: Vec<usize> = regex.find_iter(text).flatten().map(|m| m.start()).collect();
            let found: Vec<usize> = extraneous_whitespace_matches(text).collect();
            assert_eq!(found, expected, "{text:?}");
        }
    }
}
