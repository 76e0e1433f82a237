//! B105-B107: hardcoded passwords in assignments, comparisons, dictionaries, keyword arguments
//! and argument defaults, for names that look like a password, pass phrase, token or secret.

use validator_domain::{Confidence, Severity};
use validator_python::ast::{Expr, Stmt};
use validator_python::text_size::Ranged;

use crate::context::{CallContext, FunctionContext, Issue, StrContext, StrNode};
use crate::rules::Rule;
use crate::tree::Node;

/// Bandit's `RE_CANDIDATES`: `(^W$|_W_|^W_|_W$)` with
/// `W = (pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)`, case-insensitive, searched.
pub(crate) fn is_candidate(name: &str) -> bool {
    let lower: Vec<u8> = name.bytes().map(|b| b.to_ascii_lowercase()).collect();
    (0..lower.len()).any(|start| {
        (start == 0 || lower[start - 1] == b'_')
            && word_ends(&lower[start..])
                .into_iter()
                .any(|len| start + len == lower.len() || lower[start + len] == b'_')
    })
}

/// The lengths of every match of `W` at the start of `text`.
fn word_ends(text: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    for word in [
        &b"pass"[..],
        b"passphrase",
        b"pwd",
        b"token",
        b"secret",
        b"secrete",
    ] {
        if text.starts_with(word) {
            ends.push(word.len());
        }
    }
    // pas+wo?r?d
    if text.starts_with(b"pa") {
        let mut i = 2;
        while text.get(i) == Some(&b's') {
            i += 1;
        }
        if i > 2 && text.get(i) == Some(&b'w') {
            i += 1;
            let after_w = i;
            for o in [false, true] {
                for r in [false, true] {
                    let mut j = after_w;
                    if o {
                        if text.get(j) != Some(&b'o') {
                            continue;
                        }
                        j += 1;
                    }
                    if r {
                        if text.get(j) != Some(&b'r') {
                            continue;
                        }
                        j += 1;
                    }
                    if text.get(j) == Some(&b'd') {
                        ends.push(j + 1);
                    }
                }
            }
        }
    }
    ends
}

/// Bandit prints the password itself; we never put a secret value in a finding (it reaches
/// reports, logs and emails), only the masked preview the secrets check shows too.
/// `name` is what the value is assigned to, compared with or keyed by (the candidate name).
fn report(name: &str, value: &str, lineno: Option<u32>) -> Issue {
    let mut issue = Issue::new(
        Rule::B105,
        Severity::Low,
        Confidence::Medium,
        format!(
            "Possible hardcoded password: '{}'",
            validator_domain::masked_preview(value)
        ),
    )
    .at_line(lineno);
    issue.without_evidence = crate::evidence::password_evidence(name, value)
        .map(validator_domain::WithoutEvidence::report);
    issue
}

/// The text Bandit formats for a constant (`'{value}'`).
fn constant_text(expr: &Expr) -> Option<String> {
    Some(match expr {
        Expr::StringLiteral(s) => s.value.to_str().to_owned(),
        Expr::NumberLiteral(n) => match &n.value {
            validator_python::ast::Number::Int(i) => i.to_string(),
            validator_python::ast::Number::Float(f) => format!("{f:?}"),
            validator_python::ast::Number::Complex { imag, .. } => format!("{imag:?}j"),
        },
        Expr::BooleanLiteral(b) => if b.value { "True" } else { "False" }.to_owned(),
        Expr::NoneLiteral(_) => "None".to_owned(),
        Expr::EllipsisLiteral(_) => "Ellipsis".to_owned(),
        Expr::BytesLiteral(b) => {
            let bytes: Vec<u8> = b.value.bytes().collect();
            format!("b'{}'", String::from_utf8_lossy(&bytes))
        }
        _ => return None,
    })
}

fn str_constant(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

/// B105 `hardcoded_password_string`.
pub(crate) fn hardcoded_password_string(context: &StrContext<'_, '_>) -> Option<Issue> {
    let StrNode::Literal(node) = context.node else {
        // Constant parts of f-strings have a `JoinedStr` parent: no branch applies.
        return None;
    };
    let value = context.value;
    match context.parent()? {
        Node::Stmt(Stmt::Assign(assign)) => {
            for target in &assign.targets {
                match target {
                    Expr::Name(name) if is_candidate(name.id.as_str()) => {
                        return Some(report(name.id.as_str(), value, None))
                    }
                    Expr::Attribute(attribute) if is_candidate(attribute.attr.as_str()) => {
                        return Some(report(attribute.attr.as_str(), value, None))
                    }
                    _ => {}
                }
            }
            None
        }
        Node::Expr(Expr::Dict(dict)) => {
            let item = dict
                .items
                .iter()
                .find(|item| item.key.as_ref().is_some_and(|k| std::ptr::eq(k, node)))?;
            if !is_candidate(value) {
                return None;
            }
            constant_text(&item.value).map(|text| report(value, &text, None))
        }
        Node::Expr(Expr::Subscript(_)) if is_candidate(value) => {
            let Some(Node::Stmt(Stmt::Assign(assign))) = context.ancestor(2) else {
                return None;
            };
            str_constant(&assign.value).map(|text| report(value, text, None))
        }
        Node::Expr(Expr::Compare(compare)) => {
            let name = match compare.left.as_ref() {
                Expr::Name(name) => name.id.as_str(),
                Expr::Attribute(attribute) => attribute.attr.as_str(),
                _ => return None,
            };
            if !is_candidate(name) {
                return None;
            }
            compare
                .comparators
                .first()
                .and_then(str_constant)
                .map(|text| report(name, text, None))
        }
        _ => None,
    }
}

/// B106 `hardcoded_password_funcarg`: the first keyword argument with a candidate name and a
/// string value.
pub(crate) fn hardcoded_password_funcarg(context: &CallContext<'_, '_>) -> Option<Issue> {
    for keyword in context.keywords() {
        let Some(text) = str_constant(&keyword.value) else {
            continue;
        };
        // `re.search(None)` raises in Bandit: the test stops at a `**mapping` of a string.
        let arg = keyword.arg.as_ref()?;
        if is_candidate(arg.as_str()) {
            let mut issue = report(
                arg.as_str(),
                text,
                Some(context.lines.line(keyword.value.start())),
            );
            issue.rule = Rule::B106;
            return Some(issue);
        }
    }
    None
}

/// B107 `hardcoded_password_default`, pairing `args.args` with the padded `defaults` the way
/// Bandit does (positional-only parameters' defaults shift the pairing).
pub(crate) fn hardcoded_password_default(context: &FunctionContext<'_>) -> Option<Issue> {
    let parameters = &context.function.parameters;
    let defaults: Vec<&Expr> = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .filter_map(|p| p.default.as_deref())
        .collect();
    let args = &parameters.args;
    let padding = args.len().saturating_sub(defaults.len());
    let padded = std::iter::repeat_n(None, padding).chain(defaults.into_iter().map(Some));
    for (arg, default) in args.iter().zip(padded) {
        let Some(default) = default else { continue };
        if let Some(text) = str_constant(default) {
            if is_candidate(arg.parameter.name.as_str()) {
                let mut issue = report(arg.parameter.name.as_str(), text, None);
                issue.rule = Rule::B107;
                return Some(issue);
            }
        }
    }
    None
}
