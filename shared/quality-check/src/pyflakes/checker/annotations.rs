//! Annotations: bare, postponed and string annotations, and the `typing` forms that hold them.

use validator_python::ast::Expr;
use validator_python::parser::parse_expression;
use validator_python::text_size::Ranged;
use validator_python::with_stack;

use super::{is_name_or_attr, AnnotationState, Checker, Job, Node};
use crate::pyflakes::bindings::Loc;
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn handle_annotation(&mut self, e: &'a Expr) {
        let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
        if self.scopes[self.stack[0]].annotations_future {
            self.defer(Job::Annotation(e));
        } else {
            self.expr(e);
        }
        self.annotation = saved;
    }

    pub(super) fn string_annotation(&mut self, text: &str, loc: Loc) {
        let parsed = parse_expression(text);
        let Ok(parsed) = parsed else {
            self.report(
                loc,
                Rule::F722,
                format!("syntax error in forward annotation '{text}'"),
            );
            return;
        };
        let saved_loc = self.forced_loc.replace(loc);
        let saved_state = std::mem::replace(&mut self.annotation, AnnotationState::String);
        let expr = parsed.expr().clone();
        self.annotation_expr(&expr);
        self.annotation = saved_state;
        self.forced_loc = saved_loc;
    }

    /// A parsed string annotation: names are loaded, nested strings parsed in turn. (Such
    /// annotations hold names, attributes, subscripts and literals; nothing in them binds.)
    pub(super) fn annotation_expr(&mut self, e: &Expr) {
        with_stack(|| match e {
            Expr::Name(n) => {
                let site = self.site(n.start());
                self.handle_node_load(n.id.as_str(), site, Node::Other);
            }
            Expr::StringLiteral(s) if self.annotation != AnnotationState::None => {
                let loc = self.loc(s);
                let text = s.value.to_str().to_owned();
                self.string_annotation(&text, loc);
            }
            Expr::Subscript(s) => {
                if is_name_or_attr(&s.value, "Literal") {
                    self.annotation_expr(&s.value);
                    let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
                    self.annotation_expr(&s.slice);
                    self.annotation = saved;
                } else if is_name_or_attr(&s.value, "Annotated") {
                    self.annotation_expr(&s.value);
                    match s.slice.as_ref() {
                        Expr::Tuple(t) if t.elts.len() >= 2 => {
                            self.annotation_expr(&t.elts[0]);
                            let saved =
                                std::mem::replace(&mut self.annotation, AnnotationState::None);
                            for x in &t.elts[1..] {
                                self.annotation_expr(x);
                            }
                            self.annotation = saved;
                        }
                        other => self.annotation_expr(other),
                    }
                } else {
                    self.annotation_expr(&s.value);
                    self.annotation_expr(&s.slice);
                }
            }
            Expr::Attribute(a) => self.annotation_expr(&a.value),
            Expr::Tuple(t) => t.elts.iter().for_each(|x| self.annotation_expr(x)),
            Expr::List(t) => t.elts.iter().for_each(|x| self.annotation_expr(x)),
            Expr::BinOp(b) => {
                self.annotation_expr(&b.left);
                self.annotation_expr(&b.right);
            }
            Expr::Call(call) => {
                self.annotation_expr(&call.func);
                call.arguments
                    .args
                    .iter()
                    .for_each(|x| self.annotation_expr(x));
                for k in call.arguments.keywords.iter() {
                    self.annotation_expr(&k.value);
                }
            }
            Expr::UnaryOp(u) => self.annotation_expr(&u.operand),
            Expr::Starred(s) => self.annotation_expr(&s.value),
            _ => {}
        })
    }

    pub(super) fn with_annotation(&mut self, state: AnnotationState, e: &'a Expr) {
        let saved = std::mem::replace(&mut self.annotation, state);
        self.expr(e);
        self.annotation = saved;
    }
}
