//! B608 `hardcoded_sql_expressions`: SQL text built by concatenation, `%`, `.format()`,
//! `.replace()` or an f-string, with medium confidence when it goes straight to `execute`.

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, ExprBinOp};

use crate::context::{called_name, Issue, StrContext, StrNode};
use crate::rules::Rule;
use crate::tree::{JoinedPart, Node};

fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Where `word` followed by whitespace occurs in `text` (already lower-cased), from `from` on.
fn find_word_space<'t>(
    text: &'t [char],
    word: &str,
    from: usize,
) -> impl Iterator<Item = usize> + 't {
    let word: Vec<char> = word.chars().collect();
    (from..text.len()).filter(move |&i| {
        text[i..].starts_with(&word) && text.get(i + word.len()).copied().is_some_and(is_space)
    })
}

/// `SIMPLE_SQL_RE`, searched, ignoring case:
/// `(select\s.*from\s|delete\s+from\s|insert\s+into\s.*values[\s(]|update\s.*set\s)`.
pub(crate) fn looks_like_sql(statement: &str) -> bool {
    if statement.len() < 10 {
        return false;
    }
    let text: Vec<char> = statement.chars().map(|c| c.to_ascii_lowercase()).collect();
    // `prefix\s.*word\s`: the first `prefix` followed by a later `word`.
    let word_after = |prefix: &str, word: &str| {
        find_word_space(&text, prefix, 0).next().is_some_and(|at| {
            find_word_space(&text, word, at + prefix.len() + 1)
                .next()
                .is_some()
        })
    };
    if word_after("select", "from") || word_after("update", "set") {
        return true;
    }
    // delete\s+from\s
    let delete = find_word_space(&text, "delete", 0).any(|at| {
        let mut i = at + "delete".len();
        while text.get(i).copied().is_some_and(is_space) {
            i += 1;
        }
        text[i..].starts_with(&['f', 'r', 'o', 'm'])
            && text.get(i + 4).copied().is_some_and(is_space)
    });
    if delete {
        return true;
    }
    // insert\s+into\s.*values[\s(]
    let into_end = find_word_space(&text, "insert", 0).find_map(|at| {
        let mut i = at + "insert".len();
        while text.get(i).copied().is_some_and(is_space) {
            i += 1;
        }
        (text[i..].starts_with(&['i', 'n', 't', 'o'])
            && text.get(i + 4).copied().is_some_and(is_space))
        .then_some(i + 5)
    });
    into_end.is_some_and(|from| {
        (from..text.len()).any(|i| {
            text[i..].starts_with(&['v', 'a', 'l', 'u', 'e', 's'])
                && text
                    .get(i + 6)
                    .copied()
                    .is_some_and(|c| is_space(c) || c == '(')
        })
    })
}

/// `concat_string`: the string constants of the `BinOp` chain around the node, the node first,
/// skipping the operation the node itself is part of.
fn concat_string(node: &str, stop: &ExprBinOp, top: &ExprBinOp) -> String {
    let mut bits = vec![node.to_owned()];
    fn collect(binop: &ExprBinOp, stop: &ExprBinOp, bits: &mut Vec<String>) {
        if std::ptr::eq(binop, stop) {
            return;
        }
        validator_python::with_stack(|| {
            for side in [binop.left.as_ref(), binop.right.as_ref()] {
                match side {
                    Expr::BinOp(inner) => collect(inner, stop, bits),
                    Expr::StringLiteral(s) => bits.push(s.value.to_str().to_owned()),
                    _ => {}
                }
            }
        });
    }
    collect(top, stop, &mut bits);
    bits.join(" ")
}

/// `_evaluate_ast`: (goes to `execute`, the statement text, built with `.replace`).
fn evaluate(context: &StrContext<'_, '_>) -> (bool, String, bool) {
    let mut statement = String::new();
    let mut str_replace = false;
    let mut wrapper: Option<&Node<'_>> = None;
    match (context.parent(), context.node) {
        (Some(Node::Expr(Expr::BinOp(parent))), StrNode::Literal(_)) => {
            // Climb to the top of the chain of operations.
            let mut depth = 1;
            let mut top = parent;
            while let Some(Node::Expr(Expr::BinOp(up))) = context.ancestor(depth + 1) {
                top = up;
                depth += 1;
            }
            statement = concat_string(context.value, parent, top);
            wrapper = context.ancestor(depth + 1);
        }
        (Some(Node::Expr(Expr::Attribute(attribute))), StrNode::Literal(_))
            if matches!(attribute.attr.as_str(), "format" | "replace") =>
        {
            statement = context.value.to_owned();
            wrapper = context.ancestor(3);
            str_replace = attribute.attr.as_str() == "replace";
        }
        (Some(Node::JoinedStr(joined)), StrNode::JoinedConst { first: true, .. }) => {
            statement = joined
                .parts()
                .into_iter()
                .filter_map(|part| match part {
                    JoinedPart::Const(text) => Some(text),
                    JoinedPart::Formatted(_) => None,
                })
                .collect();
            wrapper = context.ancestor(2);
        }
        _ => {}
    }
    match wrapper {
        Some(Node::Expr(Expr::Call(call))) => {
            let name = called_name(call);
            (
                name == "execute" || name == "executemany",
                statement,
                str_replace,
            )
        }
        _ => (false, statement, str_replace),
    }
}

pub(crate) fn hardcoded_sql_expressions(context: &StrContext<'_, '_>) -> Option<Issue> {
    let (execute_call, statement, str_replace) = evaluate(context);
    looks_like_sql(&statement).then(|| {
        Issue::new(
            Rule::B608,
            Severity::Medium,
            if execute_call && !str_replace {
                Confidence::Medium
            } else {
                Confidence::Low
            },
            "Possible SQL injection vector through string-based query construction.",
        )
    })
}
