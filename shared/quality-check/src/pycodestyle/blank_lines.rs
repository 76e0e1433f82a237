//! Blank lines around definitions: E301-E306.

use crate::rules::Rule;
use std::sync::LazyLock;

use fancy_regex::Regex;

use super::logical_line::{LogicalLine, Offset, Results};
use super::text::expand_indent;
use super::whitespace::starts_with_def;

static STARTSWITH_TOP_LEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(async\s+def\s+|def\s+|class\s+|@)").expect("valid regex"));
static DOCSTRING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^u?r?["']"#).expect("valid regex"));

const TOP_LEVEL_LINES: usize = 2;
const METHOD_LINES: usize = 1;

/// pycodestyle's `STARTSWITH_TOP_LEVEL_REGEX.match(s)`, the regex only on the lines that start
/// like one of its alternatives (it runs on every logical line).
fn top_level(s: &str) -> bool {
    (s.starts_with('@') || s.starts_with("def") || s.starts_with("class") || s.starts_with("async"))
        && STARTSWITH_TOP_LEVEL.is_match(s).unwrap_or(false)
}

fn is_one_liner(line: &LogicalLine<'_>) -> bool {
    if !top_level(line.text) {
        return false;
    }
    let lines = line.lines;
    let mut line_idx = line.line_number as i64 - 1;
    let prev_indent = if line_idx < 1 {
        0
    } else {
        expand_indent(lines[line_idx as usize - 1])
    };
    if prev_indent > line.indent_level {
        return false;
    }
    loop {
        if line_idx as usize >= lines.len() {
            return false;
        }
        let l = lines[line_idx as usize].trim();
        if !l.starts_with('@') && top_level(l) {
            break;
        }
        line_idx += 1;
    }
    let mut next_idx = line_idx as usize + 1;
    loop {
        if next_idx >= lines.len() {
            return true;
        }
        if !lines[next_idx].trim().is_empty() {
            break;
        }
        next_idx += 1;
    }
    expand_indent(lines[next_idx]) <= line.indent_level
}

pub fn blank_lines(line: &LogicalLine<'_>, out: &mut Results) {
    let (blank_lines, blank_before) = (line.blank_lines, line.blank_before);
    let indent_level = line.indent_level;
    if line.previous_logical.is_empty() && blank_before < TOP_LEVEL_LINES {
        return;
    }
    if line.previous_logical.starts_with('@') {
        if blank_lines != 0 {
            out.push((
                Offset::Logical(0),
                Rule::E304,
                "blank lines found after function decorator".to_owned(),
            ));
        }
    } else if blank_lines > TOP_LEVEL_LINES
        || (indent_level != 0 && blank_lines == METHOD_LINES + 1)
    {
        out.push((
            Offset::Logical(0),
            Rule::E303,
            format!("too many blank lines ({blank_lines})"),
        ));
    } else if top_level(line.text) {
        if is_one_liner(line) && blank_before == 0 {
            return;
        }
        if indent_level != 0 {
            if !(blank_before == METHOD_LINES
                || line.previous_indent_level < indent_level
                || DOCSTRING.is_match(line.previous_logical).unwrap_or(false))
            {
                let mut ancestor_level = indent_level;
                let mut nested = false;
                // `lines[line_number - top_level_lines::-1]`: backwards from that index.
                let from = line.line_number as i64 - TOP_LEVEL_LINES as i64;
                let from = if from < 0 {
                    from + line.lines.len() as i64
                } else {
                    from.min(line.lines.len() as i64 - 1)
                };
                let mut idx = from;
                while idx >= 0 {
                    let l = &line.lines[idx as usize];
                    if !l.trim().is_empty() && expand_indent(l) < ancestor_level {
                        ancestor_level = expand_indent(l);
                        nested = starts_with_def(l.trim_start());
                        if nested || ancestor_level == 0 {
                            break;
                        }
                    }
                    idx -= 1;
                }
                if nested {
                    out.push((
                        Offset::Logical(0),
                        Rule::E306,
                        format!(
                            "expected {METHOD_LINES} blank line before a nested definition, found 0"
                        ),
                    ));
                } else {
                    out.push((
                        Offset::Logical(0),
                        Rule::E301,
                        format!("expected {METHOD_LINES} blank line, found 0"),
                    ));
                }
            }
        } else if blank_before != TOP_LEVEL_LINES {
            out.push((
                Offset::Logical(0),
                Rule::E302,
                format!("expected {TOP_LEVEL_LINES} blank lines, found {blank_before}"),
            ));
        }
    } else if !line.text.is_empty()
        && indent_level == 0
        && blank_before != TOP_LEVEL_LINES
        && (line.previous_unindented_logical_line.starts_with("def ")
            || line.previous_unindented_logical_line.starts_with("class "))
    {
        out.push((
            Offset::Logical(0),
            Rule::E305,
            format!(
                "expected {TOP_LEVEL_LINES} blank lines after class or function definition, found {blank_before}"
            ),
        ));
    }
}
