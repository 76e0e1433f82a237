//! The website-enabled pycodestyle checks about what code means rather than how it is laid out:
//! E711/E712 (comparison to singletons), E713/E714 (negative tests), E721 (type comparison),
//! E722 (bare except), E741-E743 (ambiguous names), W605 (invalid escape sequences).

use crate::rules::Rule;
use std::sync::LazyLock;

use fancy_regex::Regex;

use super::logical_line::{LogicalLine, Offset, Results};
use super::text::text_in;
use crate::tokens::Kind;

static COMPARE_SINGLETON: LazyLock<Regex> = LazyLock::new(|| {
    // pycodestyle's `(\bNone|\bFalse|\bTrue)?\s*([=!]=)\s*(?(1)|(None|False|True))\b` without
    // the conditional group: the two branches it chooses between, in the same order.
    Regex::new(r"(\bNone|\bFalse|\bTrue)\s*([=!]=)\s*\b|\s*([=!]=)\s*(None|False|True)\b")
        .expect("valid regex")
});
static COMPARE_NEGATIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?<!is[ \t\n\r\x0b\x0c])(not)\s+[^\]\[)(}{ ]+\s+(in|is)\s").expect("valid regex")
});
static COMPARE_TYPE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[=!]=\s+type(?:\s*\(\s*([^)]*[^\s)])\s*\))|(?<!\.)\btype(?:\s*\(\s*([^)]*[^\s)])\s*\))\s+[=!]=",
    )
    .expect("valid regex")
});
static BLANK_EXCEPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^except\s*:").expect("valid regex"));

/// Where `not` starts in a text (searched on most lines by E713/E714's precheck).
static NOT: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("not"));

/// Python's `str.isidentifier()`.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

pub fn comparison_to_singleton(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    // Every match names a singleton and an equality: skip the regex on the many lines without.
    if !line.has_equality()
        || !(text.contains("None") || text.contains("True") || text.contains("False"))
    {
        return;
    }
    for caps in COMPARE_SINGLETON.captures_iter(text).flatten() {
        let singleton = caps
            .get(1)
            .or_else(|| caps.get(4))
            .map_or("", |m| m.as_str());
        let Some(op) = caps.get(2).or_else(|| caps.get(3)) else {
            continue;
        };
        let same = op.as_str() == "==";
        let mut msg = format!(
            "'if cond is {}{}:'",
            if same { "" } else { "not " },
            singleton
        );
        let rule = if singleton == "None" {
            Rule::E711
        } else {
            let nonzero = (singleton == "True" && same) || (singleton == "False" && !same);
            msg.push_str(&format!(
                " or 'if {}cond:'",
                if nonzero { "" } else { "not " }
            ));
            Rule::E712
        };
        out.push((
            Offset::Logical(line.char_at(op.start())),
            rule,
            format!("comparison to {singleton} should be {msg}"),
        ));
    }
}

pub fn comparison_negative(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    // The regex has a look-behind (slow engine): run it only where it can match.
    // Only where `not` and then `in` or `is` between blanks follow.
    let Some(not_at) = NOT
        .find_iter(text.as_bytes())
        .map(|at| at + 3)
        .find(|&end| text[end..].starts_with(char::is_whitespace))
    else {
        return;
    };
    let rest = &text[not_at..];
    let between_blanks = |word: &str| {
        rest.match_indices(word).any(|(at, _)| {
            rest[..at].ends_with(char::is_whitespace)
                && rest[at + word.len()..].starts_with(char::is_whitespace)
        })
    };
    if !between_blanks("in") && !between_blanks("is") {
        return;
    }
    if let Ok(Some(caps)) = COMPARE_NEGATIVE.captures(text) {
        let (Some(not), Some(op)) = (caps.get(1), caps.get(2)) else {
            return;
        };
        let pos = Offset::Logical(line.char_at(not.start()));
        if op.as_str() == "in" {
            out.push((
                pos,
                Rule::E713,
                "test for membership should be 'not in'".to_owned(),
            ));
        } else {
            out.push((
                pos,
                Rule::E714,
                "test for object identity should be 'is not'".to_owned(),
            ));
        }
    }
}

pub fn comparison_type(line: &LogicalLine<'_>, out: &mut Results) {
    let text = line.text;
    // Both alternatives need `type` and an equality.
    if !line.has_equality() || !text.contains("type") {
        return;
    }
    if let Ok(Some(caps)) = COMPARE_TYPE.captures(text) {
        if let Some(inst) = caps.get(1) {
            let inst = inst.as_str();
            if is_identifier(inst) && !matches!(inst, "None" | "True" | "False") {
                return;
            }
        }
        let start = caps.get(0).map_or(0, |m| m.start());
        out.push((
            Offset::Logical(line.char_at(start)),
            Rule::E721,
            "do not compare types, for exact checks use `is` / `is not`, for instance \
             checks use `isinstance()`"
                .to_owned(),
        ));
    }
}

pub fn bare_except(line: &LogicalLine<'_>, out: &mut Results) {
    if line.text.starts_with("except") && BLANK_EXCEPT.is_match(line.text).unwrap_or(false) {
        out.push((
            Offset::Logical(0),
            Rule::E722,
            "do not use bare 'except'".to_owned(),
        ));
    }
}

pub fn ambiguous_identifier(line: &LogicalLine<'_>, out: &mut Results) {
    let tokens = line.tokens;
    let Some(first) = tokens.first() else { return };
    let avoid = |s: &str| matches!(s, "l" | "O" | "I");
    // Every report names a token `l`, `O` or `I`.
    if !tokens.iter().any(|t| avoid(&t.text)) {
        return;
    }
    let mut func_depth: Option<i64> = None;
    let mut seen_colon = false;
    let mut brace_depth: i64 = 0;
    let mut prev_text = first.text.as_str();
    let mut prev_start = first.start;
    for index in 1..tokens.len() {
        let token = &tokens[index];
        let (text, start) = (token.text.as_str(), token.start);
        let mut ident: Option<(&str, (usize, usize))> = None;
        if prev_text == "def" || prev_text == "lambda" {
            func_depth = Some(brace_depth);
            seen_colon = false;
        } else if func_depth.is_some() && text == ":" && Some(brace_depth) == func_depth {
            seen_colon = true;
        }
        if text_in(text, "([{") {
            brace_depth += 1;
        } else if text_in(text, ")]}") {
            brace_depth -= 1;
        }
        if (text == ":=" || (text == "=" && brace_depth == 0)) && avoid(prev_text) {
            ident = Some((prev_text, prev_start));
        }
        if matches!(prev_text, "as" | "for" | "global" | "nonlocal") && avoid(text) {
            ident = Some((text, start));
        }
        if func_depth.is_some()
            && !seen_colon
            && index < tokens.len() - 1
            && text_in(&tokens[index + 1].text, ":,=)")
            && matches!(prev_text, "lambda" | "," | "*" | "**" | "(")
            && avoid(text)
        {
            ident = Some((text, start));
        }
        if prev_text == "class" && avoid(text) {
            out.push((
                Offset::At(start),
                Rule::E742,
                format!("ambiguous class definition '{text}'"),
            ));
        }
        if prev_text == "def" && avoid(text) {
            out.push((
                Offset::At(start),
                Rule::E743,
                format!("ambiguous function definition '{text}'"),
            ));
        }
        if let Some((name, pos)) = ident {
            out.push((
                Offset::At(pos),
                Rule::E741,
                format!("ambiguous variable name '{name}'"),
            ));
        }
        prev_text = text;
        prev_start = start;
    }
}

const VALID_ESCAPES: &str = "\n\\'\"abfnrtv01234567xNuU";

pub fn invalid_escape_sequence(line: &LogicalLine<'_>, out: &mut Results) {
    for token in line.tokens {
        // Without a backslash there is nothing to look at.
        if token.kind != Kind::String || !token.text.contains('\\') {
            continue;
        }
        let chars: Vec<char> = token.text.chars().collect();
        let Some(&last) = chars.last() else { continue };
        let quote_at = chars.iter().position(|&c| c == last).unwrap_or(0);
        let prefix: String = chars[..quote_at].iter().collect::<String>().to_lowercase();
        if prefix.contains('r') {
            continue;
        }
        let (start_line, start_col) = token.start;
        let find = |from: usize| (from..chars.len()).find(|&i| chars[i] == '\\');
        let mut pos = find(0);
        while let Some(mut p) = pos {
            p += 1;
            let Some(&c) = chars.get(p) else { break };
            if !VALID_ESCAPES.contains(c) {
                let newlines = chars[..p].iter().filter(|&&c| c == '\n').count();
                let row = start_line + newlines;
                let col = if newlines == 0 {
                    start_col + p
                } else {
                    let last_nl = chars[..p].iter().rposition(|&c| c == '\n').unwrap_or(0);
                    p - last_nl - 1
                };
                out.push((
                    Offset::At((row, col.saturating_sub(1))),
                    Rule::W605,
                    format!("invalid escape sequence '\\{c}'"),
                ));
            }
            pos = find(p + 1);
        }
    }
}
