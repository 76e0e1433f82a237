//! The syntax tree as Bandit sees it: CPython's `ast` node kinds and parents on top of ruff's
//! tree (f-strings as `JoinedStr` with merged constant parts, decorators under their function,
//! call arguments directly under the call), and CPython's line numbers for each node.

use validator_python::ast::token::TokenKind;
use validator_python::ast::{
    Comprehension, ElifElseClause, ExceptHandlerExceptHandler, Expr, ExprFString, FStringPart,
    InterpolatedElement, InterpolatedStringElement, InterpolatedStringFormatSpec, Keyword,
    MatchCase, Parameters, Pattern, Stmt, WithItem,
};
use validator_python::text_size::{Ranged, TextRange, TextSize};
use validator_python::PythonModule;

/// A node on the path from the module to the node being visited.
#[derive(Clone, Copy)]
pub(crate) enum Node<'a> {
    Module,
    Stmt(&'a Stmt),
    /// An `elif` of an `if` (a nested `If` in CPython's tree).
    Elif(&'a ElifElseClause),
    Expr(&'a Expr),
    Keyword(&'a Keyword),
    ExceptHandler(&'a ExceptHandlerExceptHandler),
    Arguments(&'a Parameters),
    Comprehension(&'a Comprehension),
    WithItem(&'a WithItem),
    MatchCase(&'a MatchCase),
    Pattern(&'a Pattern),
    /// An f-string (`ExprFString`) or the format spec inside one.
    JoinedStr(Joined<'a>),
    FormattedValue(TextRange),
    Other(TextRange),
}

/// A CPython `JoinedStr`: a whole f-string, or the format spec of a replacement field. CPython
/// 3.11 places every part of an f-string at the f-string's own position (`outer`).
#[derive(Clone, Copy)]
pub(crate) enum Joined<'a> {
    FString(&'a ExprFString),
    Spec(&'a InterpolatedStringFormatSpec, TextRange),
}

/// One value of a `JoinedStr`: constant text (adjacent literal parts merged, empty ones dropped,
/// as CPython does) or a replacement field.
pub(crate) enum JoinedPart<'a> {
    Const(String),
    Formatted(&'a InterpolatedElement),
}

impl<'a> Joined<'a> {
    /// The range CPython gives every part (the outermost f-string).
    pub(crate) fn outer(&self) -> TextRange {
        match self {
            Joined::FString(f) => f.range(),
            Joined::Spec(_, outer) => *outer,
        }
    }

    pub(crate) fn parts(&self) -> Vec<JoinedPart<'a>> {
        let mut raw = Vec::new();
        match self {
            Joined::FString(f) => {
                for part in f.value.iter() {
                    match part {
                        FStringPart::Literal(literal) => {
                            raw.push(JoinedPart::Const(literal.as_str().to_owned()))
                        }
                        FStringPart::FString(fstring) => push_elements(&fstring.elements, &mut raw),
                    }
                }
            }
            Joined::Spec(spec, _) => push_elements(&spec.elements, &mut raw),
        }
        let mut merged: Vec<JoinedPart<'a>> = Vec::with_capacity(raw.len());
        for part in raw {
            match (merged.last_mut(), part) {
                (Some(JoinedPart::Const(previous)), JoinedPart::Const(text)) => {
                    previous.push_str(&text)
                }
                (_, part) => merged.push(part),
            }
        }
        merged.retain(|part| !matches!(part, JoinedPart::Const(text) if text.is_empty()));
        merged
    }
}

fn push_elements<'a>(elements: &'a [InterpolatedStringElement], raw: &mut Vec<JoinedPart<'a>>) {
    for element in elements {
        raw.push(match element {
            InterpolatedStringElement::Literal(literal) => {
                JoinedPart::Const(literal.value.to_string())
            }
            InterpolatedStringElement::Interpolation(field) => JoinedPart::Formatted(field),
        });
    }
}

/// Line facts of one file.
pub(crate) struct Lines<'a> {
    pub(crate) module: &'a PythonModule,
}

impl<'a> Lines<'a> {
    pub(crate) fn line(&self, offset: TextSize) -> u32 {
        self.module.location(offset).line
    }

    pub(crate) fn column(&self, offset: TextSize) -> u32 {
        self.module.location(offset).byte_column
    }

    /// Where CPython places a function or class: its `def`/`async`/`class` keyword, after the
    /// decorators.
    pub(crate) fn definition_start(&self, stmt: &Stmt) -> TextSize {
        let (decorators_end, range) = match stmt {
            Stmt::FunctionDef(f) => (f.decorator_list.last().map(|d| d.end()), f.range),
            Stmt::ClassDef(c) => (c.decorator_list.last().map(|d| d.end()), c.range),
            other => return other.start(),
        };
        let Some(after) = decorators_end else {
            return range.start();
        };
        let Some(tokens) = self.module.tokens() else {
            return range.start();
        };
        let all = tokens.iter().as_slice();
        let first = all.partition_point(|t| t.start() < after);
        all[first..]
            .iter()
            .find(|t| {
                matches!(
                    t.kind(),
                    TokenKind::Def | TokenKind::Async | TokenKind::Class
                )
            })
            .map_or(range.start(), |t| t.start())
    }

    /// CPython's `lineno` of a node.
    pub(crate) fn start_line(&self, node: &Node<'_>) -> u32 {
        match node {
            Node::Stmt(stmt) => self.line(self.definition_start(stmt)),
            other => self.line(range_of(other).start()),
        }
    }

    /// Bandit's `linerange(node)`: the node's lines, from `lineno` to `end_lineno`.
    pub(crate) fn line_range(&self, node: &Node<'_>) -> (u32, u32) {
        let range = range_of(node);
        let end = range.end().max(range.start());
        // `end` is exclusive; the last character is one before it.
        let last = if end > range.start() {
            end - TextSize::new(1)
        } else {
            end
        };
        (self.start_line(node), self.line(last))
    }
}

pub(crate) fn range_of(node: &Node<'_>) -> TextRange {
    match node {
        Node::Module => TextRange::default(),
        Node::Stmt(s) => s.range(),
        Node::Elif(e) => e.range(),
        Node::Expr(e) => e.range(),
        Node::Keyword(k) => k.range(),
        Node::ExceptHandler(h) => h.range(),
        Node::Arguments(p) => p.range(),
        Node::Comprehension(c) => c.range(),
        Node::WithItem(w) => w.range(),
        Node::MatchCase(m) => m.range(),
        Node::Pattern(p) => p.range(),
        Node::JoinedStr(j) => j.outer(),
        Node::FormattedValue(outer) => *outer,
        Node::Other(range) => *range,
    }
}
