//! The statement handlers: the walk over bodies, imports, `global`/`nonlocal`, `try`, loops.

use validator_python::ast::{self as ast, ExceptHandler, Expr, Stmt};
use validator_python::text_size::Ranged;
use validator_python::with_stack;

use super::{
    has_elts, is_notimplemented, node_id, node_name, AnnotationState, Checker, Frame, FunctionLike,
    Node,
};
use crate::pyflakes::bindings::{Kind, Loc, Name, ScopeKind, Step, UseSite};
use crate::pyflakes::builtins::FUTURE_FEATURES;
use crate::rules::Rule;

impl<'a> Checker<'a> {
    pub(super) fn enter<R>(
        &mut self,
        id: usize,
        node: Node,
        fork: Option<u32>,
        in_orelse: bool,
        f: impl FnOnce(&mut Self) -> R,
    ) -> R {
        self.frames.push(Frame {
            step: Step { id, fork },
            node,
            in_orelse,
        });
        self.node_depth += 1;
        let result = with_stack(|| f(self));
        self.node_depth -= 1;
        self.frames.pop();
        result
    }

    pub(super) fn body(&mut self, stmts: &'a [Stmt], fork: Option<u32>, in_orelse: bool) {
        for stmt in stmts {
            self.stmt(stmt, fork, in_orelse);
        }
    }

    pub(super) fn is_docstring(stmt: &Stmt) -> bool {
        matches!(stmt, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::StringLiteral(_)))
    }

    pub(super) fn stmt(&mut self, stmt: &'a Stmt, fork: Option<u32>, in_orelse: bool) {
        // `from __future__` imports are only allowed before any other statement.
        if self.scope().kind == ScopeKind::Module
            && self.scope().futures_allowed
            && self.frames.len() == 1
            && !matches!(stmt, Stmt::ImportFrom(_))
            && !Self::is_docstring(stmt)
        {
            self.scope_mut().futures_allowed = false;
        }
        let id = node_id(stmt);
        let node = match stmt {
            Stmt::If(_) => Node::If,
            Stmt::While(_) => Node::While,
            Stmt::For(f) if f.is_async => Node::AsyncFor,
            Stmt::For(_) => Node::For,
            Stmt::FunctionDef(f) if f.is_async => Node::AsyncFunctionDef,
            Stmt::FunctionDef(_) => Node::FunctionDef,
            Stmt::ClassDef(_) => Node::ClassDef,
            Stmt::Try(t) if !t.is_star => Node::Try,
            Stmt::Match(_) => Node::Match,
            Stmt::AnnAssign(a) => Node::AnnAssign {
                has_value: a.value.is_some(),
            },
            Stmt::Assign(a) => Node::Assign {
                literal_unpacking: a.targets.iter().all(has_elts) && has_elts(&a.value),
            },
            Stmt::AugAssign(_) => Node::AugAssign,
            _ => Node::Other,
        };
        self.enter(id, node, fork, in_orelse, |c| c.stmt_inner(stmt));
    }

    pub(super) fn stmt_inner(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => self.function_def(f),
            Stmt::ClassDef(cdef) => self.class_def(cdef),
            Stmt::Return(r) => self.return_stmt(r),
            Stmt::Delete(d) => {
                for t in &d.targets {
                    self.expr(t);
                }
            }
            Stmt::TypeAlias(_) | Stmt::IpyEscapeCommand(_) | Stmt::Pass(_) => {}
            Stmt::Assign(a) => self.assign(a),
            Stmt::AugAssign(a) => self.aug_assign(a),
            Stmt::AnnAssign(a) => self.ann_assign(a),
            Stmt::For(f) => {
                self.expr(&f.iter);
                self.target(&f.target, false);
                self.body(&f.body, None, false);
                self.body(&f.orelse, None, true);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.body(&w.body, None, false);
                self.body(&w.orelse, None, true);
            }
            Stmt::If(i) => self.if_stmt(i),
            Stmt::With(w) => {
                for item in &w.items {
                    self.expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.target(v, false);
                    }
                }
                self.body(&w.body, None, false);
            }
            Stmt::Match(m) => self.match_stmt(m),
            Stmt::Raise(r) => self.raise_stmt(r),
            Stmt::Try(t) => self.try_stmt(t),
            Stmt::Assert(a) => self.assert_stmt(a),
            Stmt::Import(imp) => self.import(imp),
            Stmt::ImportFrom(imp) => self.import_from(imp),
            Stmt::Global(g) => {
                self.global("global", g.names.iter().map(|n| n.as_str()), self.loc(g))
            }
            Stmt::Nonlocal(g) => {
                self.global("nonlocal", g.names.iter().map(|n| n.as_str()), self.loc(g))
            }
            Stmt::Expr(e) => self.expr(&e.value),
            Stmt::Break(b) => self.loop_control(self.loc(b), Rule::F701, "'break' outside loop"),
            Stmt::Continue(b) => {
                self.loop_control(self.loc(b), Rule::F702, "'continue' not properly in loop")
            }
        }
    }

    /// A function definition: decorators, then the deferred body, then the name.
    fn function_def(&mut self, f: &'a ast::StmtFunctionDef) {
        for d in &f.decorator_list {
            self.expr(&d.expression);
        }
        self.function_like(FunctionLike::Def(f));
        let loc = self.def_loc(f.range.start(), &f.decorator_list);
        let mut b = self.new_binding(f.name.as_str(), Kind::FunctionDefinition, loc);
        b.overload = f
            .decorator_list
            .iter()
            .any(|d| self.is_typing(&d.expression, Some("overload")));
        self.add_binding(b, Some(loc));
    }

    /// A class definition: decorators and bases, the body in a class scope, then the name.
    fn class_def(&mut self, cdef: &'a ast::StmtClassDef) {
        for d in &cdef.decorator_list {
            self.expr(&d.expression);
        }
        if let Some(args) = &cdef.arguments {
            for a in args.args.iter() {
                self.expr(a);
            }
            for k in args.keywords.iter() {
                self.expr(&k.value);
            }
        }
        self.push_scope(ScopeKind::Class);
        self.body(&cdef.body, None, false);
        self.pop_scope();
        let loc = self.def_loc(cdef.range.start(), &cdef.decorator_list);
        let b = self.new_binding(cdef.name.as_str(), Kind::ClassDefinition, loc);
        self.add_binding(b, Some(loc));
    }

    /// `return`, F706 outside a function.
    fn return_stmt(&mut self, r: &'a ast::StmtReturn) {
        if matches!(self.scope().kind, ScopeKind::Class | ScopeKind::Module) {
            let loc = self.loc(r);
            self.report(loc, Rule::F706, "'return' outside function".into());
            return;
        }
        if let Some(v) = &r.value {
            self.expr(v);
        }
    }

    /// `x = value`: the value first, then the targets (which may define `__all__`).
    fn assign(&mut self, a: &'a ast::StmtAssign) {
        self.expr(&a.value);
        let saved = self.current_all_statement.replace((Some(&a.value), false));
        for t in &a.targets {
            self.target(t, true);
        }
        self.current_all_statement = saved;
    }

    /// `x += value`: a load of the name, then a store.
    fn aug_assign(&mut self, a: &'a ast::StmtAugAssign) {
        if let Expr::Name(n) = a.target.as_ref() {
            let site = self.site(n.start());
            self.handle_node_load(n.id.as_str(), site, Node::AugAssign);
        }
        self.expr(&a.value);
        let saved = self.current_all_statement.replace((Some(&a.value), true));
        self.target(&a.target, true);
        self.current_all_statement = saved;
    }

    /// `x: T = value`: the annotation, the value (a type alias's value is an annotation), then the target.
    fn ann_assign(&mut self, a: &'a ast::StmtAnnAssign) {
        self.handle_annotation(&a.annotation);
        if let Some(v) = &a.value {
            if self.is_typing(&a.annotation, Some("TypeAlias")) {
                let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
                self.expr(v);
                self.annotation = saved;
            } else {
                self.expr(v);
            }
        }
        let saved = self
            .current_all_statement
            .replace((a.value.as_deref(), false));
        self.target(&a.target, true);
        self.current_all_statement = saved;
    }

    /// `if`/`elif`/`else`, each branch a fork of its own; F634 on a tuple test.
    fn if_stmt(&mut self, i: &'a ast::StmtIf) {
        self.if_tuple(&i.test, i);
        self.expr(&i.test);
        self.body(&i.body, Some(0), false);
        for (n, clause) in i.elif_else_clauses.iter().enumerate() {
            if let Some(test) = &clause.test {
                self.if_tuple(test, clause);
                self.expr(test);
            }
            self.body(&clause.body, Some(n as u32 + 1), true);
        }
    }

    /// `match`: each case a fork of its own.
    fn match_stmt(&mut self, m: &'a ast::StmtMatch) {
        self.expr(&m.subject);
        for (n, case) in m.cases.iter().enumerate() {
            let id = node_id(case);
            self.enter(id, Node::Other, Some(n as u32), false, |c| {
                c.pattern(&case.pattern);
                if let Some(g) = &case.guard {
                    c.expr(g);
                }
                c.body(&case.body, None, false);
            });
        }
    }

    /// `raise`, F901 for `NotImplemented`.
    fn raise_stmt(&mut self, r: &'a ast::StmtRaise) {
        if let Some(e) = &r.exc {
            self.expr(e);
        }
        if let Some(e) = &r.cause {
            self.expr(e);
        }
        let bad = match r.exc.as_deref() {
            Some(Expr::Call(call)) => is_notimplemented(&call.func),
            Some(e) => is_notimplemented(e),
            None => false,
        };
        if bad {
            let loc = self.loc(r);
            self.report(
                loc,
                Rule::F901,
                "'raise NotImplemented' should be 'raise NotImplementedError'".into(),
            );
        }
    }

    /// `assert`, F631 on a non-empty tuple.
    fn assert_stmt(&mut self, a: &'a ast::StmtAssert) {
        if matches!(a.test.as_ref(), Expr::Tuple(t) if !t.elts.is_empty()) {
            let loc = self.loc(a);
            self.report(
                loc,
                Rule::F631,
                "assertion is always true, perhaps remove parentheses?".into(),
            );
        }
        self.expr(&a.test);
        if let Some(m) = &a.msg {
            self.expr(m);
        }
    }

    /// `import a.b`, `import a as b`.
    fn import(&mut self, imp: &'a ast::StmtImport) {
        let loc = self.loc(imp);
        for alias in &imp.names {
            let full = alias.name.as_str();
            let b = if full.contains('.') && alias.asname.is_none() {
                let root = full.split('.').next().unwrap_or(full);
                self.new_binding(
                    root,
                    Kind::SubmoduleImportation {
                        full_name: full.to_owned(),
                    },
                    loc,
                )
            } else {
                let name = alias.asname.as_ref().map_or(full, |a| a.as_str());
                self.new_binding(
                    name,
                    Kind::Importation {
                        full_name: full.to_owned(),
                    },
                    loc,
                )
            };
            self.add_binding(b, Some(loc));
        }
    }

    pub(super) fn loop_control(&mut self, loc: Loc, rule: Rule, text: &str) {
        // Walk up: fine inside a loop's body (not its else), stop at a function or class.
        let mut child_in_orelse = false;
        for frame in self.frames.iter().rev() {
            match frame.node {
                Node::While | Node::For | Node::AsyncFor if !child_in_orelse => return,
                Node::FunctionDef | Node::ClassDef => break,
                _ => {}
            }
            child_in_orelse = frame.in_orelse;
        }
        self.report(loc, rule, text.to_owned());
    }

    pub(super) fn global(
        &mut self,
        keyword: &'static str,
        names: impl Iterator<Item = &'a str>,
        loc: Loc,
    ) {
        let global_scope = self.stack[0];
        if self.scope_id() == global_scope {
            return;
        }
        for name in names {
            let mut value = self.new_binding(name, Kind::Assignment, loc);
            value.used = Some((global_scope, UseSite::Fixed(loc)));
            self.messages
                .retain(|m| m.undefined.as_deref() != Some(name));
            self.bindings.push(value);
            let id = self.bindings.len() - 1;
            let key = Name::Borrowed(name);
            if self.scopes[global_scope].get(&key).is_none() {
                self.scopes[global_scope].set(&key, id);
            }
            for i in 1..self.stack.len() {
                let sid = self.stack[i];
                self.scopes[sid].set(&key, id);
            }
            self.scope_mut().pop_indirect(name);
            self.scope_mut()
                .indirect_assignments
                .push((name.to_owned(), loc, keyword));
        }
    }

    pub(super) fn import_from(&mut self, imp: &'a ast::StmtImportFrom) {
        let loc = self.loc(imp);
        let module_name = imp.module.as_ref().map_or("", |m| m.as_str());
        let is_future = module_name == "__future__";
        if is_future {
            let allowed = self.scope().kind == ScopeKind::Module && self.scope().futures_allowed;
            if !allowed {
                self.report(
                    loc,
                    Rule::F404,
                    "from __future__ imports must occur at the beginning of the file".into(),
                );
            }
        } else if self.scope().kind == ScopeKind::Module {
            self.scope_mut().futures_allowed = false;
        }
        let module = format!("{}{}", ".".repeat(imp.level as usize), module_name);
        for alias in &imp.names {
            let real = alias.name.as_str();
            let name = alias.asname.as_ref().map_or(real, |a| a.as_str());
            let b = if is_future {
                let mut b = self.new_binding(name, Kind::FutureImportation, loc);
                b.used = Some((self.scope_id(), UseSite::Fixed(loc)));
                b.imported_name = format!("__future__.{real}");
                if !FUTURE_FEATURES.contains(&real) {
                    self.report(
                        loc,
                        Rule::F407,
                        format!("future feature {real} is not defined"),
                    );
                }
                if real == "annotations" {
                    self.scope_mut().annotations_future = true;
                }
                b
            } else if real == "*" {
                if self.scope().kind != ScopeKind::Module {
                    self.report(
                        loc,
                        Rule::F406,
                        format!("'from {module} import *' only allowed at module level"),
                    );
                    continue;
                }
                self.scope_mut().import_starred = true;
                self.report(
                    loc,
                    Rule::F403,
                    format!("'from {module} import *' used; unable to detect undefined names"),
                );
                let mut b = self.new_binding(
                    "*",
                    Kind::StarImportation {
                        full_name: module.clone(),
                    },
                    loc,
                );
                b.name = Name::Owned(format!("{module}.*"));
                b
            } else {
                let full_name = if module.ends_with('.') {
                    format!("{module}{real}")
                } else {
                    format!("{module}.{real}")
                };
                self.new_binding(
                    name,
                    Kind::ImportationFrom {
                        module: module.clone(),
                        real_name: real.to_owned(),
                        full_name,
                    },
                    loc,
                )
            };
            self.add_binding(b, Some(loc));
        }
    }

    pub(super) fn try_stmt(&mut self, t: &'a ast::StmtTry) {
        let alternatives = !t.is_star;
        let mut names = Vec::new();
        for (i, handler) in t.handlers.iter().enumerate() {
            let ExceptHandler::ExceptHandler(h) = handler;
            match h.type_.as_deref() {
                Some(Expr::Tuple(tuple)) => {
                    for e in &tuple.elts {
                        if let Some(n) = node_name(e) {
                            names.push(n);
                        }
                    }
                }
                Some(e) => {
                    if let Some(n) = node_name(e) {
                        names.push(n);
                    }
                }
                None => {
                    if i + 1 < t.handlers.len() {
                        let loc = self.loc(h);
                        self.report(loc, Rule::F707, "default 'except:' must be last".into());
                    }
                }
            }
        }
        self.except_handlers.push(names);
        let main = alternatives.then_some(0);
        self.body(&t.body, main, false);
        self.except_handlers.pop();
        for (i, handler) in t.handlers.iter().enumerate() {
            let ExceptHandler::ExceptHandler(h) = handler;
            let fork = alternatives.then_some(i as u32 + 1);
            self.enter(node_id(h), Node::ExceptHandler, fork, false, |c| {
                c.except_handler(h)
            });
        }
        self.body(&t.orelse, main, true);
        self.body(&t.finalbody, None, false);
    }

    pub(super) fn except_handler(&mut self, h: &'a ast::ExceptHandlerExceptHandler) {
        let Some(name) = &h.name else {
            if let Some(t) = &h.type_ {
                self.expr(t);
            }
            self.body(&h.body, None, false);
            return;
        };
        let name = name.as_str();
        let loc = self.loc(h);
        if self.scope().get(name).is_some() {
            self.handle_node_store(name, loc, false);
        }
        let prev = self.scope_mut().remove(name);
        self.handle_node_store(name, loc, false);
        if let Some(t) = &h.type_ {
            self.expr(t);
        }
        self.body(&h.body, None, false);
        if let Some(b) = self.scope_mut().remove(name) {
            if self.bindings[b].used.is_none() {
                self.report(
                    loc,
                    Rule::F841,
                    format!("local variable '{name}' is assigned to but never used"),
                );
            }
        }
        if let Some(prev) = prev {
            self.scope_mut().set(&Name::Borrowed(name), prev);
        }
    }
}
