//! Physical-line checks: E101, W191, W291, W293, W391, W292, and E501 apart (the only one that
//! depends on a setting).

use crate::rules::Rule;
use crate::tokens::char_len;

/// The checks of one physical line after E501, in flake8's order: `(column, rule, message)`.
pub fn check(
    physical: &str,
    indent_char: Option<char>,
    line_number: usize,
    lines: &[&str],
) -> Vec<(usize, Rule, String)> {
    let mut out = Vec::new();
    let indent: &str = &physical[..physical.len() - physical.trim_start_matches([' ', '\t']).len()];
    // W191: tabs in the indentation.
    if let Some(at) = indent.find('\t') {
        out.push((at, Rule::W191, "indentation contains tabs".to_owned()));
    }
    // E101: the indentation mixes the file's indent character with the other one.
    if let Some(offset) = indent.chars().position(|c| Some(c) != indent_char) {
        out.push((
            offset,
            Rule::E101,
            "indentation contains mixed spaces and tabs".to_owned(),
        ));
    }
    // W391 / W292 on the last line.
    if line_number == lines.len() {
        let stripped_last = physical.trim_end_matches(['\r', '\n']);
        if !physical.is_empty() && stripped_last.is_empty() {
            out.push((0, Rule::W391, "blank line at end of file".to_owned()));
        } else if stripped_last == physical {
            let len = lines.last().map_or(0, |l| char_len(l));
            out.push((len, Rule::W292, "no newline at end of file".to_owned()));
        }
    }
    // W291 / W293.
    let line = physical.trim_end_matches(['\n', '\r', '\x0c']);
    let stripped = line.trim_end_matches([' ', '\t', '\x0b']);
    if line != stripped {
        if stripped.is_empty() {
            out.push((0, Rule::W293, "blank line contains whitespace".to_owned()));
        } else {
            out.push((
                char_len(stripped),
                Rule::W291,
                "trailing whitespace".to_owned(),
            ));
        }
    }
    out
}

/// Python's `str.strip()`/`split()` whitespace.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// E501 (pycodestyle's `maximum_line_length`).
pub fn maximum_line_length(
    physical: &str,
    max_line_length: usize,
    multiline: bool,
    line_number: usize,
) -> Option<(usize, Rule, String)> {
    let line = physical.trim_end_matches(is_py_space);
    let length = char_len(line);
    if length <= max_line_length {
        return None;
    }
    if line_number == 1 && line.starts_with("#!") {
        return None;
    }
    let chunks: Vec<&str> = line.split(is_py_space).filter(|s| !s.is_empty()).collect();
    if ((chunks.len() == 1 && multiline) || (chunks.len() == 2 && chunks[0] == "#"))
        && length - char_len(chunks[chunks.len() - 1]) < max_line_length.saturating_sub(7)
    {
        return None;
    }
    Some((
        max_line_length,
        Rule::E501,
        format!("line too long ({length} > {max_line_length} characters)"),
    ))
}
