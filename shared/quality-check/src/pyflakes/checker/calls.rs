//! Calls (`typing` helpers whose string arguments are annotations, `.format`) and f-string
//! interpolations.

use validator_python::ast::{self as ast, Expr};

use super::{AnnotationState, Checker};
use crate::pyflakes::formats::{dot_format, CallArgs};

impl<'a> Checker<'a> {
    /// Calls of `typing` helpers whose string arguments are annotations (`cast("T", x)`,
    /// `TypeVar("T", bound="B")`, ...); other calls are plain.
    pub(super) fn call(&mut self, call: &'a ast::ExprCall) {
        use AnnotationState::{Bare, None as Plain};
        self.format_call(call);
        let args = &call.arguments.args;
        let keywords = &call.arguments.keywords;
        // One lookup of the callee for the whole chain below.
        const HELPERS: [&str; 8] = [
            "cast",
            "assert_type",
            "TypeVar",
            "ParamSpec",
            "TypeVarTuple",
            "NewType",
            "TypedDict",
            "NamedTuple",
        ];
        let helper = self
            .typing_member(&call.func)
            .and_then(|m| HELPERS.into_iter().find(|h| *h == m));
        let typing = |name: &str| helper == Some(name);
        let kw = |c: &mut Self, annotated: &dyn Fn(Option<&str>) -> bool| {
            for k in keywords.iter() {
                let state = if annotated(k.arg.as_ref().map(|a| a.as_str())) {
                    Bare
                } else {
                    Plain
                };
                c.with_annotation(state, &k.value);
            }
        };
        let split = |c: &mut Self, first_annotated: bool, at: usize| {
            for (i, a) in args.iter().enumerate() {
                let annotated = (i < at) == first_annotated;
                c.with_annotation(if annotated { Bare } else { Plain }, a);
            }
        };
        if typing("cast") {
            self.with_annotation(Plain, &call.func);
            split(self, true, 1);
            kw(self, &|a| a == Some("typ"));
        } else if typing("assert_type") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|_| false);
        } else if typing("TypeVar") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|a| matches!(a, Some("bound" | "default")));
        } else if typing("ParamSpec") || typing("TypeVarTuple") {
            self.with_annotation(Plain, &call.func);
            args.iter().for_each(|a| self.with_annotation(Plain, a));
            kw(self, &|a| matches!(a, Some("bound" | "default")));
        } else if typing("NewType") {
            self.with_annotation(Plain, &call.func);
            split(self, false, 1);
            kw(self, &|a| a == Some("tp"));
        } else if typing("TypedDict") {
            self.with_annotation(Plain, &call.func);
            self.typed_dict_fields(args);
            kw(self, &|_| true);
        } else if typing("NamedTuple") {
            self.with_annotation(Plain, &call.func);
            self.named_tuple_fields(args);
            kw(self, &|_| true);
        } else {
            self.expr(&call.func);
            args.iter().for_each(|v| self.expr(v));
            for k in keywords.iter() {
                self.expr(&k.value);
            }
        }
    }

    /// F521-F525 on `'...'.format(...)`.
    fn format_call(&mut self, call: &'a ast::ExprCall) {
        if let Expr::Attribute(attr) = call.func.as_ref() {
            if let (Expr::StringLiteral(template), "format") =
                (attr.value.as_ref(), attr.attr.as_str())
            {
                let args = CallArgs {
                    positional: call.arguments.args.len(),
                    named: call
                        .arguments
                        .keywords
                        .iter()
                        .filter_map(|k| k.arg.as_ref().map(|a| a.to_string()))
                        .collect(),
                    splat: call.arguments.args.iter().any(|a| a.is_starred_expr())
                        || call.arguments.keywords.iter().any(|k| k.arg.is_none()),
                };
                let loc = self.loc(call);
                for (rule, text) in dot_format(template.value.to_str(), &args) {
                    self.report(loc, rule, text);
                }
            }
        }
    }

    /// `TypedDict(name, {field: type})`: the field types are annotations.
    fn typed_dict_fields(&mut self, args: &'a [Expr]) {
        use AnnotationState::{Bare, None as Plain};
        if let Some(first) = args.first() {
            self.with_annotation(Plain, first);
        }
        if let Some(Expr::Dict(d)) = args.get(1) {
            for item in &d.items {
                if let Some(k) = &item.key {
                    self.with_annotation(Plain, k);
                }
                self.with_annotation(Bare, &item.value);
            }
            args.iter()
                .skip(2)
                .for_each(|a| self.with_annotation(Plain, a));
        } else {
            args.iter()
                .skip(1)
                .for_each(|a| self.with_annotation(Plain, a));
        }
    }

    /// `NamedTuple(name, [(field, type)])`: the field types are annotations.
    fn named_tuple_fields(&mut self, args: &'a [Expr]) {
        use AnnotationState::{Bare, None as Plain};
        if let Some(first) = args.first() {
            self.with_annotation(Plain, first);
        }
        let fields = match args.get(1) {
            Some(Expr::Tuple(t)) => Some(&t.elts),
            Some(Expr::List(l)) => Some(&l.elts),
            _ => None,
        };
        if let Some(fields) = fields {
            for elt in fields {
                let pair = match elt {
                    Expr::Tuple(t) => Some(&t.elts),
                    Expr::List(l) => Some(&l.elts),
                    _ => None,
                };
                match pair {
                    Some(pair) => {
                        for (i, x) in pair.iter().enumerate() {
                            self.with_annotation(if i == 0 { Plain } else { Bare }, x);
                        }
                    }
                    None => self.with_annotation(Plain, elt),
                }
            }
            args.iter()
                .skip(2)
                .for_each(|a| self.with_annotation(Plain, a));
        } else {
            args.iter()
                .skip(1)
                .for_each(|a| self.with_annotation(Plain, a));
        }
    }

    pub(super) fn interpolation(&mut self, i: &'a ast::InterpolatedElement) {
        self.expr(&i.expression);
        if let Some(spec) = &i.format_spec {
            for el in spec.elements.iter() {
                if let ast::InterpolatedStringElement::Interpolation(inner) = el {
                    self.interpolation(inner);
                }
            }
        }
    }
}
