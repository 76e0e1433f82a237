//! Bandit's view of argument values (`Context._get_literal_value` and the `.attr` shortcut of
//! `call_args`/`call_keywords`): strings for names, attributes and `True`/`False`/`None`, numbers,
//! containers, and `Unknown` where Bandit gets Python's `None` (any other expression).

use validator_python::ast::{Expr, Number};

/// Python's `isinstance(node, ast.Constant)`: a literal string, bytes, number, bool, `None` or
/// `...` (not an f-string).
pub(crate) fn is_constant(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
    )
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit<'a> {
    /// A str constant, a name's id, an attribute's attr, or `True`/`False`/`None` as text.
    Str(std::borrow::Cow<'a, str>),
    Bytes(bool),
    /// An int constant (`None` when it does not fit).
    Int(Option<i128>),
    Float(f64),
    Complex(bool),
    Ellipsis,
    List(Vec<Lit<'a>>),
    Tuple(Vec<Lit<'a>>),
    Set(Vec<Lit<'a>>),
    Dict(bool),
    /// Bandit's `None`: an expression it does not evaluate (calls, f-strings, operators, ...).
    Unknown,
}

impl<'a> Lit<'a> {
    /// `_get_literal_value`.
    pub(crate) fn of(expr: &'a Expr) -> Self {
        validator_python::with_stack(|| match expr {
            Expr::StringLiteral(s) => Lit::Str(s.value.to_str().into()),
            Expr::BooleanLiteral(b) => Lit::Str(if b.value { "True" } else { "False" }.into()),
            Expr::NoneLiteral(_) => Lit::Str("None".into()),
            Expr::BytesLiteral(b) => Lit::Bytes(b.value.iter().any(|part| !part.is_empty())),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(int) => Lit::Int(
                    int.as_i64()
                        .map(i128::from)
                        .or_else(|| int.to_string().parse::<i128>().ok()),
                ),
                Number::Float(f) => Lit::Float(*f),
                Number::Complex { real, imag } => Lit::Complex(*real != 0.0 || *imag != 0.0),
            },
            Expr::EllipsisLiteral(_) => Lit::Ellipsis,
            Expr::List(l) => Lit::List(l.elts.iter().map(Lit::of).collect()),
            Expr::Tuple(t) => Lit::Tuple(t.elts.iter().map(Lit::of).collect()),
            Expr::Set(s) => Lit::Set(s.elts.iter().map(Lit::of).collect()),
            Expr::Dict(d) => Lit::Dict(!d.items.is_empty()),
            Expr::Name(n) => Lit::Str(n.id.as_str().into()),
            _ => Lit::Unknown,
        })
    }

    /// A call argument as `call_args`/`call_keywords` see it: an attribute gives its attr.
    pub(crate) fn of_argument(expr: &'a Expr) -> Self {
        match expr {
            Expr::Attribute(a) => Lit::Str(a.attr.as_str().into()),
            other => Lit::of(other),
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Lit::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Lit::Unknown)
    }

    /// Python truthiness of the value Bandit holds.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Lit::Str(s) => !s.is_empty(),
            Lit::Bytes(nonempty) | Lit::Complex(nonempty) | Lit::Dict(nonempty) => *nonempty,
            Lit::Int(v) => *v != Some(0),
            Lit::Float(f) => *f != 0.0,
            Lit::Ellipsis => true,
            Lit::List(v) | Lit::Tuple(v) | Lit::Set(v) => !v.is_empty(),
            Lit::Unknown => false,
        }
    }

    /// `value == text` in Python.
    pub(crate) fn eq_str(&self, text: &str) -> bool {
        self.as_str() == Some(text)
    }

    /// `value == number` in Python.
    pub(crate) fn eq_int(&self, number: i128) -> bool {
        match self {
            Lit::Int(v) => *v == Some(number),
            Lit::Float(f) => *f == number as f64,
            _ => false,
        }
    }

    /// `str(value)` for the values Bandit formats into text.
    pub(crate) fn py_str(&self) -> String {
        match self {
            Lit::Str(s) => s.to_string(),
            Lit::Int(Some(v)) => v.to_string(),
            Lit::Int(None) => "<int>".to_owned(),
            Lit::Float(f) => format!("{f:?}"),
            Lit::Unknown => "None".to_owned(),
            Lit::Ellipsis => "Ellipsis".to_owned(),
            Lit::List(items) => format!("[{}]", repr_items(items)),
            Lit::Tuple(items) => format!("({})", repr_items(items)),
            Lit::Set(items) => format!("{{{}}}", repr_items(items)),
            Lit::Bytes(_) => "b''".to_owned(),
            Lit::Complex(_) => "0j".to_owned(),
            Lit::Dict(_) => "{}".to_owned(),
        }
    }

    fn py_repr(&self) -> String {
        match self {
            Lit::Str(s) => format!("'{s}'"),
            other => other.py_str(),
        }
    }
}

fn repr_items(items: &[Lit<'_>]) -> String {
    items
        .iter()
        .map(Lit::py_repr)
        .collect::<Vec<_>>()
        .join(", ")
}
