//! The expression handlers: names, targets, `__all__`, comprehensions, dictionaries,
//! starred assignments, subscripts and `match` patterns.

use validator_python::ast::{self as ast, CmpOp, Expr, ExprContext, Operator, Pattern};
use validator_python::text_size::Ranged;
use validator_python::with_stack;

use super::{
    constant_key, is_constant, is_container, is_name_or_attr, is_singleton, node_id,
    AnnotationState, Checker, FunctionLike, Job, Node,
};
use crate::pyflakes::bindings::{Kind, Loc, ScopeKind};
use crate::pyflakes::formats::{percent_format, PercentArgs};
use crate::rules::Rule;

impl<'a> Checker<'a> {
    /// An assignment target (`Store` context) or a deletion target.
    pub(super) fn target(&mut self, e: &'a Expr, from_assign: bool) {
        self.expr_with(e, from_assign);
    }

    pub(super) fn expr(&mut self, e: &'a Expr) {
        self.expr_with(e, false);
    }

    pub(super) fn expr_with(&mut self, e: &'a Expr, all_target: bool) {
        let id = node_id(e);
        let node = match e {
            Expr::Named(_) => Node::NamedExpr,
            Expr::Call(_) => Node::Call,
            Expr::BinOp(b) if b.op == Operator::RShift => Node::BinOpRShift,
            Expr::If(_) => Node::IfExp,
            _ if is_container(e) => Node::Container,
            _ => Node::Other,
        };
        if let Expr::Name(n) = e {
            // Names are leaves: handled here with the parent still on top of the stack.
            match n.ctx {
                ExprContext::Store => {
                    let loc = self.loc(n);
                    let is_all = all_target
                        && n.id.as_str() == "__all__"
                        && self.scope().kind == ScopeKind::Module
                        && matches!(
                            self.direct_parent(),
                            Node::Assign { .. }
                                | Node::AugAssign
                                | Node::AnnAssign { has_value: true }
                        );
                    if is_all {
                        self.store_all(loc);
                    } else {
                        self.handle_node_store(n.id.as_str(), loc, false);
                    }
                }
                ExprContext::Del => self.handle_node_delete(n.id.as_str(), self.loc(n)),
                _ => {
                    let parent = self.parent_stmt();
                    let site = self.site(n.start());
                    self.handle_node_load(n.id.as_str(), site, parent);
                    if n.id.as_str() == "locals"
                        && self.scope().kind == ScopeKind::Function
                        && self.direct_parent() == Node::Call
                    {
                        self.scope_mut().uses_locals = true;
                    }
                }
            }
            return;
        }
        self.enter(id, node, None, false, |c| c.expr_inner(e));
    }

    /// `__all__ = [...]` / `+=` / annotated, at module level: an export binding.
    pub(super) fn store_all(&mut self, loc: Loc) {
        let Some(stmt) = self.current_all_statement else {
            return self.handle_node_store("__all__", loc, false);
        };
        let (value, is_aug) = stmt;
        let mut names: Vec<String> = Vec::new();
        if is_aug {
            if let Some(b) = self.scope().get("__all__") {
                if let Kind::Export { names: old } = &self.bindings[b].kind {
                    names = old.clone();
                }
            }
        }
        let add = |names: &mut Vec<String>, elts: &[Expr]| {
            for e in elts {
                if let Expr::StringLiteral(s) = e {
                    names.push(s.value.to_str().to_owned());
                }
            }
        };
        let elts_of = |e: &'a Expr| -> Option<&'a [Expr]> {
            match e {
                Expr::List(l) => Some(&l.elts),
                Expr::Tuple(t) => Some(&t.elts),
                _ => None,
            }
        };
        if let Some(value) = value {
            if let Some(elts) = elts_of(value) {
                add(&mut names, elts);
            } else if let Expr::BinOp(_) = value {
                let mut current = value;
                while let Expr::BinOp(b) = current {
                    let Some(right) = elts_of(&b.right) else {
                        break;
                    };
                    add(&mut names, right);
                    match b.left.as_ref() {
                        left @ Expr::BinOp(_) => current = left,
                        left => {
                            if let Some(l) = elts_of(left) {
                                add(&mut names, l);
                            }
                            break;
                        }
                    }
                }
            }
        }
        let mut b = self.new_binding("__all__", Kind::Export { names }, loc);
        b.in_for = false;
        self.add_binding(b, Some(loc));
    }

    pub(super) fn expr_inner(&mut self, e: &'a Expr) {
        match e {
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(v)),
            Expr::Named(n) => {
                self.expr(&n.value);
                self.target(&n.target, false);
            }
            Expr::BinOp(b) => self.bin_op(b),
            Expr::UnaryOp(u) => self.expr(&u.operand),
            Expr::Lambda(l) => self.function_like(FunctionLike::Lambda(l)),
            Expr::If(i) => {
                self.if_tuple(&i.test, i);
                self.expr(&i.test);
                self.expr(&i.body);
                self.expr(&i.orelse);
            }
            Expr::Dict(d) => self.dict(d),
            Expr::Set(s) => s.elts.iter().for_each(|v| self.expr(v)),
            Expr::ListComp(c) => self.comprehension(&c.generators, &[&c.elt], false),
            Expr::SetComp(c) => self.comprehension(&c.generators, &[&c.elt], false),
            Expr::DictComp(c) => {
                let mut elts: Vec<&'a Expr> = Vec::new();
                if let Some(k) = &c.key {
                    elts.push(k);
                }
                elts.push(&c.value);
                self.comprehension(&c.generators, &elts, false)
            }
            Expr::Generator(c) => self.comprehension(&c.generators, &[&c.elt], true),
            Expr::Await(a) => self.yield_like(e, Some(&a.value)),
            Expr::Yield(y) => self.yield_like(e, y.value.as_deref()),
            Expr::YieldFrom(y) => self.yield_like(e, Some(&y.value)),
            Expr::Compare(c) => self.compare(c),
            Expr::Call(call) => self.call(call),
            Expr::FString(f) => self.f_string(f),
            Expr::TString(_) => {}
            Expr::StringLiteral(s) => {
                if self.annotation != AnnotationState::None {
                    let loc = self.loc(s);
                    let text = s.value.to_str().to_owned();
                    self.defer(Job::StringAnnotation { text, loc });
                }
            }
            Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::IpyEscapeCommand(_) => {}
            Expr::Attribute(a) => self.expr(&a.value),
            Expr::Subscript(s) => self.subscript(s),
            Expr::Starred(s) => self.expr(&s.value),
            Expr::Name(_) => {}
            Expr::List(l) => {
                self.starred_assignment(&l.elts, l.ctx, e);
                l.elts.iter().for_each(|v| self.expr(v));
            }
            Expr::Tuple(t) => {
                self.starred_assignment(&t.elts, t.ctx, e);
                t.elts.iter().for_each(|v| self.expr(v));
            }
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.expr(part);
                }
            }
        }
    }

    /// A binary operation; on `'...' % args`, the `%`-format checks (F501-F509).
    fn bin_op(&mut self, b: &'a ast::ExprBinOp) {
        if b.op == Operator::Mod {
            if let Expr::StringLiteral(template) = b.left.as_ref() {
                let args = match b.right.as_ref() {
                    Expr::Tuple(t) if !t.elts.iter().any(|e| e.is_starred_expr()) => {
                        PercentArgs::Sequence(t.elts.len())
                    }
                    Expr::List(l) if !l.elts.iter().any(|e| e.is_starred_expr()) => {
                        PercentArgs::Sequence(l.elts.len())
                    }
                    Expr::Dict(d) => {
                        let keys: Option<Vec<String>> = d
                            .items
                            .iter()
                            .map(|i| match &i.key {
                                Some(Expr::StringLiteral(k)) => Some(k.value.to_str().to_owned()),
                                _ => None,
                            })
                            .collect();
                        keys.map_or(PercentArgs::Other, PercentArgs::Mapping)
                    }
                    _ => PercentArgs::Other,
                };
                let loc = self.loc(b);
                for (rule, text) in percent_format(template.value.to_str(), &args) {
                    self.report(loc, rule, text);
                }
            }
        }
        self.expr(&b.left);
        self.expr(&b.right);
    }

    /// A dictionary display: repeated keys (F601, F602), then keys and values.
    fn dict(&mut self, d: &'a ast::ExprDict) {
        self.dict_keys(d);
        for item in &d.items {
            if let Some(k) = &item.key {
                self.expr(k);
            }
            self.expr(&item.value);
        }
    }

    /// A comparison; F632 for `is` / `is not` against a literal.
    fn compare(&mut self, c: &'a ast::ExprCompare) {
        let mut left: &Expr = &c.left;
        for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
            if matches!(op, CmpOp::Is | CmpOp::IsNot)
                && ((is_constant(left) && !is_singleton(left))
                    || (is_constant(right) && !is_singleton(right)))
            {
                let loc = self.loc(c);
                self.report(
                    loc,
                    Rule::F632,
                    "use ==/!= to compare constant literals (str, bytes, int, float, tuple)".into(),
                );
            }
            left = right;
        }
        self.expr(&c.left);
        c.comparators.iter().for_each(|v| self.expr(v));
    }

    /// An f-string: F541 without placeholders (outside another f-string), then its
    /// interpolations.
    fn f_string(&mut self, f: &'a ast::ExprFString) {
        let has_placeholder = f.value.elements().any(|el| el.is_interpolation());
        if !self.in_fstring && !has_placeholder {
            let loc = self.loc(f);
            self.report(loc, Rule::F541, "f-string is missing placeholders".into());
        }
        let saved = std::mem::replace(&mut self.in_fstring, true);
        for el in f.value.elements() {
            if let ast::InterpolatedStringElement::Interpolation(i) = el {
                self.interpolation(i);
            }
        }
        self.in_fstring = saved;
    }

    pub(super) fn starred_assignment(&mut self, elts: &[Expr], ctx: ExprContext, node: &Expr) {
        if ctx != ExprContext::Store {
            return;
        }
        let mut has_starred = false;
        let mut star_loc: i64 = -1;
        for (i, n) in elts.iter().enumerate() {
            if matches!(n, Expr::Starred(_)) {
                if has_starred {
                    let loc = self.loc(node);
                    self.report(
                        loc,
                        Rule::F622,
                        "two starred expressions in assignment".into(),
                    );
                    break;
                }
                has_starred = true;
                star_loc = i as i64;
            }
        }
        if star_loc >= 1 << 8 || elts.len() as i64 - star_loc > 1 << 24 {
            let loc = self.loc(node);
            self.report(
                loc,
                Rule::F621,
                "too many expressions in star-unpacking assignment".into(),
            );
        }
    }

    pub(super) fn yield_like(&mut self, e: &'a Expr, value: Option<&'a Expr>) {
        if matches!(self.scope().kind, ScopeKind::Class | ScopeKind::Module) {
            let loc = self.loc(e);
            self.report(loc, Rule::F704, "'yield' outside function".into());
            return;
        }
        if let Some(v) = value {
            self.expr(v);
        }
    }

    pub(super) fn subscript(&mut self, s: &'a ast::ExprSubscript) {
        if is_name_or_attr(&s.value, "Literal") {
            self.expr(&s.value);
            let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
            self.expr(&s.slice);
            self.annotation = saved;
        } else if is_name_or_attr(&s.value, "Annotated") {
            self.expr(&s.value);
            match s.slice.as_ref() {
                Expr::Tuple(t) if t.elts.len() >= 2 => {
                    self.expr(&t.elts[0]);
                    let saved = std::mem::replace(&mut self.annotation, AnnotationState::None);
                    for x in &t.elts[1..] {
                        self.expr(x);
                    }
                    self.annotation = saved;
                }
                _ => self.expr(&s.slice),
            }
        } else if self.is_typing(&s.value, None) {
            let saved = std::mem::replace(&mut self.annotation, AnnotationState::Bare);
            self.expr(&s.value);
            self.expr(&s.slice);
            self.annotation = saved;
        } else {
            self.expr(&s.value);
            self.expr(&s.slice);
        }
    }

    pub(super) fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
        is_generator: bool,
    ) {
        let Some(first) = generators.first() else {
            return;
        };
        self.enter(node_id(first), Node::Comprehension, None, false, |c| {
            c.expr(&first.iter)
        });
        self.push_scope(if is_generator {
            ScopeKind::Generator
        } else {
            ScopeKind::Comprehension
        });
        for (i, g) in generators.iter().enumerate() {
            self.enter(node_id(g), Node::Comprehension, None, false, |c| {
                if i > 0 {
                    c.expr(&g.iter);
                }
                c.target(&g.target, false);
                g.ifs.iter().for_each(|x| c.expr(x));
            });
        }
        for e in elts {
            self.expr(e);
        }
        self.pop_scope();
    }

    pub(super) fn dict_keys(&mut self, d: &'a ast::ExprDict) {
        use std::collections::HashMap;
        // Keys as pyflakes compares them: constants by value, names by name.
        let key_of = |e: &Expr| -> Option<(bool, String)> {
            match e {
                Expr::Name(n) => Some((true, n.id.to_string())),
                _ => constant_key(e).map(|k| (false, k)),
            }
        };
        let keys: Vec<Option<(bool, String)>> = d
            .items
            .iter()
            .map(|i| i.key.as_ref().and_then(key_of))
            .collect();
        let mut counts: HashMap<&(bool, String), Vec<usize>> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some(k) = k {
                counts.entry(k).or_default().push(i);
            }
        }
        let mut reports = Vec::new();
        for (key, indices) in counts {
            if indices.len() < 2 {
                continue;
            }
            let values: Vec<Option<(bool, String)>> =
                indices.iter().map(|&i| key_of(&d.items[i].value)).collect();
            let mut value_counts: HashMap<String, usize> = HashMap::new();
            for v in &values {
                let v = v.as_ref().map_or_else(
                    || format!("unhandled{}", value_counts.len()),
                    |(_, s)| s.clone(),
                );
                *value_counts.entry(v).or_default() += 1;
            }
            if value_counts.values().any(|&c| c == 1) {
                for &i in &indices {
                    if let Some(k) = &d.items[i].key {
                        reports.push((self.loc(k), key.clone()));
                    }
                }
            }
        }
        reports.sort();
        for (loc, (is_var, key)) in reports {
            if is_var {
                self.report(
                    loc,
                    Rule::F602,
                    format!("dictionary key variable {key} repeated with different values"),
                );
            } else {
                self.report(
                    loc,
                    Rule::F601,
                    format!("dictionary key {key} repeated with different values"),
                );
            }
        }
    }

    pub(super) fn pattern(&mut self, p: &'a Pattern) {
        with_stack(|| match p {
            Pattern::MatchValue(v) => self.expr(&v.value),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(s) => s.patterns.iter().for_each(|x| self.pattern(x)),
            Pattern::MatchMapping(m) => {
                if let Some(rest) = &m.rest {
                    let loc = self.loc(m);
                    self.handle_node_store(rest.as_str(), loc, false);
                }
                m.keys.iter().for_each(|k| self.expr(k));
                m.patterns.iter().for_each(|x| self.pattern(x));
            }
            Pattern::MatchClass(c) => {
                self.expr(&c.cls);
                c.arguments.patterns.iter().for_each(|x| self.pattern(x));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| self.pattern(&k.pattern));
            }
            Pattern::MatchStar(s) => {
                if let Some(name) = &s.name {
                    let loc = self.loc(s);
                    self.handle_node_store(name.as_str(), loc, false);
                }
            }
            Pattern::MatchAs(a) => {
                if let Some(name) = &a.name {
                    let loc = self.loc(a);
                    self.handle_node_store(name.as_str(), loc, false);
                }
                if let Some(inner) = &a.pattern {
                    self.pattern(inner);
                }
            }
            Pattern::MatchOr(o) => o.patterns.iter().for_each(|x| self.pattern(x)),
        })
    }
}
