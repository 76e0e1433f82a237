//! Function and lambda definitions (arguments, defaults, decorators) and their bodies, which
//! pyflakes defers to the end of the module.

use validator_python::ast::{Expr, Parameters};

use super::{node_id, AnnotationState, Checker, Deferred, FunctionLike, Job, Node};
use crate::pyflakes::bindings::{Kind, Loc, ScopeKind};
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn function_like(&mut self, f: FunctionLike<'a>) {
        let (params, loc, returns): (Option<&'a Parameters>, Loc, Option<&'a Expr>) = match f {
            FunctionLike::Def(d) => (
                Some(&d.parameters),
                self.def_loc(d.range.start(), &d.decorator_list),
                d.returns.as_deref(),
            ),
            FunctionLike::Lambda(l) => (l.parameters.as_deref(), self.loc(l), None),
        };
        let mut args: Vec<&str> = Vec::new();
        let mut annotations: Vec<&'a Expr> = Vec::new();
        let mut defaults: Vec<&'a Expr> = Vec::new();
        if let Some(p) = params {
            for a in p.posonlyargs.iter().chain(p.args.iter()) {
                args.push(a.parameter.name.as_str());
                annotations.extend(a.parameter.annotation.as_deref());
                defaults.extend(a.default.as_deref());
            }
            for a in p.kwonlyargs.iter() {
                args.push(a.parameter.name.as_str());
                annotations.extend(a.parameter.annotation.as_deref());
            }
            // CPython lists positional defaults before keyword-only ones.
            for a in p.kwonlyargs.iter() {
                defaults.extend(a.default.as_deref());
            }
            for w in [&p.vararg, &p.kwarg].into_iter().flatten() {
                args.push(w.name.as_str());
                annotations.extend(w.annotation.as_deref());
            }
        }
        annotations.extend(returns);
        for (idx, arg) in args.iter().enumerate() {
            if args[..idx].contains(arg) {
                self.report(
                    loc,
                    Rule::F831,
                    format!("duplicate argument '{arg}' in function definition"),
                );
            }
        }
        for a in annotations {
            self.handle_annotation(a);
        }
        for d in defaults {
            self.expr(d);
        }
        self.defer(Job::Function(f));
    }

    pub(super) fn defer(&mut self, job: Job<'a>) {
        self.deferred.push_back(Deferred {
            job,
            scopes: self.stack.clone(),
            frames: self.frames.clone(),
            annotation: self.annotation,
        });
    }

    pub(super) fn run_deferred(&mut self) {
        let saved = (self.stack.clone(), self.frames.clone());
        while let Some(d) = self.deferred.pop_front() {
            self.stack = d.scopes;
            self.frames = d.frames;
            let saved_annotation = self.annotation;
            match d.job {
                Job::Function(f) => {
                    self.annotation = AnnotationState::None;
                    self.run_function(f);
                }
                Job::Annotation(e) => {
                    self.annotation = AnnotationState::Bare;
                    self.expr(e);
                }
                Job::StringAnnotation { text, loc } => {
                    self.annotation = d.annotation;
                    self.string_annotation(&text, loc);
                }
            }
            self.annotation = saved_annotation;
        }
        self.stack = saved.0;
        self.frames = saved.1;
    }

    pub(super) fn run_function(&mut self, f: FunctionLike<'a>) {
        let (id, node) = match f {
            FunctionLike::Def(d) => (
                node_id(d),
                if d.is_async {
                    Node::AsyncFunctionDef
                } else {
                    Node::FunctionDef
                },
            ),
            FunctionLike::Lambda(l) => (node_id(l), Node::Other),
        };
        // The deferred frames end at the function's parent; the function node itself is
        // part of the path of everything inside it.
        let in_frames = self.frames.last().is_some_and(|fr| fr.step.id == id);
        let run = |c: &mut Self| {
            c.push_scope(ScopeKind::Function);
            let params = match f {
                FunctionLike::Def(d) => Some(d.parameters.as_ref()),
                FunctionLike::Lambda(l) => l.parameters.as_deref(),
            };
            if let Some(p) = params {
                let all = p
                    .posonlyargs
                    .iter()
                    .chain(p.args.iter())
                    .map(|a| &a.parameter)
                    .chain(p.vararg.as_deref())
                    .chain(p.kwonlyargs.iter().map(|a| &a.parameter))
                    .chain(p.kwarg.as_deref());
                for param in all {
                    let loc = c.loc(param);
                    let b = c.new_binding(param.name.as_str(), Kind::Argument, loc);
                    c.add_binding(b, Some(loc));
                }
            }
            match f {
                FunctionLike::Def(d) => c.body(&d.body, None, false),
                FunctionLike::Lambda(l) => c.expr(&l.body),
            }
            c.pop_scope();
        };
        if in_frames {
            run(self);
        } else {
            self.enter(id, node, None, false, run);
        }
    }
}
