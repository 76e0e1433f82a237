//! Indentation checks: E111-E117 (`indentation`) and E121-E131 (`continued_indentation`),
//! ported statement by statement because their results hinge on pycodestyle's exact state.

use crate::rules::Rule;
use std::collections::BTreeMap;

use super::logical_line::{LogicalLine, Offset, Results};
use super::text::{expand_indent, text_in};
use crate::tokens::Kind;

pub fn indentation(line: &LogicalLine<'_>, out: &mut Results) {
    let logical = !line.text.is_empty();
    // pycodestyle numbers the comment-line variant of E111-E113 three higher (E114-E116).
    let report = |out: &mut Results, (code_line, code_comment): (Rule, Rule), text: &str| {
        let (rule, message) = if logical {
            (code_line, text.to_owned())
        } else {
            (code_comment, format!("{text} (comment)"))
        };
        out.push((Offset::Logical(0), rule, message));
    };
    let indent_size = line.settings.indent_size.max(1);
    if !line.indent_level.is_multiple_of(indent_size) {
        report(
            out,
            (Rule::E111, Rule::E114),
            &format!("indentation is not a multiple of {indent_size}"),
        );
    }
    let indent_expect = line.previous_logical.ends_with(':');
    if indent_expect && line.indent_level <= line.previous_indent_level {
        report(out, (Rule::E112, Rule::E115), "expected an indented block");
    } else if !indent_expect && line.indent_level > line.previous_indent_level {
        report(out, (Rule::E113, Rule::E116), "unexpected indentation");
    }
    if indent_expect {
        let amount = if line.indent_char == Some('\t') { 8 } else { 4 };
        if line.indent_level > line.previous_indent_level + amount {
            report(out, (Rule::E117, Rule::E117), "over-indented");
        }
    }
}

/// A value of pycodestyle's `indent_chances` dict: `True`, the type `str`, or a token's text.
#[derive(Debug, Clone, PartialEq)]
enum Chance<'t> {
    True,
    Str,
    Text(&'t str),
}

impl Chance<'_> {
    fn truthy(&self) -> bool {
        match self {
            Chance::Text(t) => !t.is_empty(),
            _ => true,
        }
    }
}

pub fn continued_indentation(line: &LogicalLine<'_>, out: &mut Results) {
    let tokens = line.tokens;
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return;
    };
    let first_row = first.start.0;
    let nrows = 1 + last.start.0 - first_row;
    if nrows == 1 {
        return;
    }
    let indent_size = line.settings.indent_size as i64;
    let hang_closing = line.settings.hang_closing;
    let indent_level = line.indent_level as i64;
    let indent_next = line.text.ends_with(':');
    let (mut row, mut depth) = (0usize, 0usize);
    let valid_hangs: Vec<i64> = if line.indent_char != Some('\t') {
        vec![indent_size]
    } else {
        vec![indent_size, indent_size * 2]
    };
    let mut parens = vec![0i64; nrows];
    let mut rel_indent = vec![0i64; nrows];
    let mut open_rows: Vec<Vec<usize>> = vec![vec![0]];
    let mut hangs: Vec<Option<i64>> = vec![None];
    let mut indent_chances: BTreeMap<usize, Chance> = BTreeMap::new();
    let mut last_indent = first.start;
    let mut visual_indent: Option<Chance> = None;
    let mut last_token_multiline = false;
    let mut indent: Vec<usize> = vec![last_indent.1];
    let mut hang: i64 = 0;
    let mut hanging_indent;
    for token in tokens {
        let (kind, text, start, end) = (token.kind, token.text.as_str(), token.start, token.end);
        let mut newline = row < start.0 - first_row;
        if newline {
            row = start.0 - first_row;
            newline = !last_token_multiline && !matches!(kind, Kind::Nl | Kind::Newline);
        }
        if newline {
            last_indent = start;
            rel_indent[row] = expand_indent(&line.token_line(token)) as i64 - indent_level;
            let close_bracket = kind == Kind::Op && text_in(text, "]})");
            hanging_indent = false;
            for &open_row in open_rows[depth].iter().rev() {
                hang = rel_indent[row] - rel_indent[open_row];
                hanging_indent = valid_hangs.contains(&hang);
                if hanging_indent {
                    break;
                }
            }
            if let Some(h) = hangs[depth].filter(|h| *h != 0) {
                hanging_indent = hang == h;
            }
            visual_indent = if !close_bracket && hang > 0 {
                indent_chances.get(&start.1).cloned()
            } else {
                None
            };
            if close_bracket && indent[depth] != 0 {
                if start.1 != indent[depth] {
                    out.push((
                        Offset::At(start),
                        Rule::E124,
                        "closing bracket does not match visual indentation".to_owned(),
                    ));
                }
            } else if close_bracket && hang == 0 {
                if hang_closing {
                    out.push((
                        Offset::At(start),
                        Rule::E133,
                        "closing bracket is missing indentation".to_owned(),
                    ));
                }
            } else if indent[depth] != 0 && start.1 < indent[depth] {
                if visual_indent != Some(Chance::True) {
                    out.push((
                        Offset::At(start),
                        Rule::E128,
                        "continuation line under-indented for visual indent".to_owned(),
                    ));
                }
            } else if hanging_indent || (indent_next && rel_indent[row] == 2 * indent_size) {
                if close_bracket && !hang_closing {
                    out.push((
                        Offset::At(start),
                        Rule::E123,
                        "closing bracket does not match indentation of opening bracket's line"
                            .to_owned(),
                    ));
                }
                hangs[depth] = Some(hang);
            } else if visual_indent == Some(Chance::True) {
                indent[depth] = start.1;
            } else if visual_indent == Some(Chance::Str)
                || visual_indent == Some(Chance::Text(text))
            {
                // Lined up with a matching token of a previous line.
            } else {
                let (rule, what) = if hang <= 0 {
                    (Rule::E122, "missing indentation or outdented")
                } else if indent[depth] != 0 {
                    (Rule::E127, "over-indented for visual indent")
                } else if !close_bracket && hangs[depth].is_some_and(|h| h != 0) {
                    (Rule::E131, "unaligned for hanging indent")
                } else {
                    hangs[depth] = Some(hang);
                    if hang > indent_size {
                        (Rule::E126, "over-indented for hanging indent")
                    } else {
                        (Rule::E121, "under-indented for hanging indent")
                    }
                };
                out.push((Offset::At(start), rule, format!("continuation line {what}")));
            }
        }
        if parens[row] != 0 && !matches!(kind, Kind::Nl | Kind::Comment) && indent[depth] == 0 {
            indent[depth] = start.1;
            indent_chances.insert(start.1, Chance::True);
        } else if matches!(kind, Kind::String | Kind::Comment) {
            indent_chances.insert(start.1, Chance::Str);
        } else if (row == 0 && depth == 0 && matches!(text, "assert" | "raise" | "with"))
            || (indent_chances.is_empty() && row == 0 && depth == 0 && text == "if")
        {
            // Visual indent after `assert`/`raise`/`with`, and after `if (` (4 characters).
            indent_chances.insert(end.1 + 1, Chance::True);
        } else if text == ":" && {
            let rest = line.line_from(token, end.1);
            !rest.is_empty() && rest.chars().all(char::is_whitespace)
        } {
            open_rows[depth].push(row);
        }
        if kind == Kind::Op {
            if text_in(text, "([{") {
                depth += 1;
                indent.push(0);
                hangs.push(None);
                if open_rows.len() == depth {
                    open_rows.push(Vec::new());
                }
                open_rows[depth].push(row);
                parens[row] += 1;
            } else if text_in(text, ")]}") && depth > 0 {
                let popped = indent.pop().unwrap_or(0);
                let prev_indent = if popped != 0 { popped } else { last_indent.1 };
                hangs.pop();
                for d in indent.iter_mut().take(depth) {
                    if *d > prev_indent {
                        *d = 0;
                    }
                }
                indent_chances.retain(|&ind, _| ind < prev_indent);
                open_rows.truncate(depth + 1);
                depth -= 1;
                if depth != 0 {
                    indent_chances.insert(indent[depth], Chance::True);
                }
                for idx in (0..=row).rev() {
                    if parens[idx] != 0 {
                        parens[idx] -= 1;
                        break;
                    }
                }
            }
            indent_chances.entry(start.1).or_insert(Chance::Text(text));
        }
        last_token_multiline = start.0 != end.0;
        if last_token_multiline {
            let value = rel_indent[row];
            if let Some(slot) = rel_indent.get_mut(end.0 - first_row) {
                *slot = value;
            }
        }
    }
    let last_physical = line.token_line(last);
    if indent_next && expand_indent(&last_physical) as i64 == indent_level + indent_size {
        let pos = (last.start.0, indent[0] + indent_size as usize);
        let (rule, what) = if visual_indent.as_ref().is_some_and(Chance::truthy) {
            (Rule::E129, "visually indented line")
        } else {
            (Rule::E125, "continuation line")
        };
        out.push((
            Offset::At(pos),
            rule,
            format!("{what} with same indent as next logical line"),
        ));
    }
}
