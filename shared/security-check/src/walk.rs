//! Bandit's node visitor: a depth-first walk in CPython's field order (imports are recorded in
//! the order Bandit meets them, e.g. a function's body before its decorators), running the tests
//! of each node kind before its children.

use validator_python::ast::{
    ExceptHandler, Expr, ExprCall, Parameters, Pattern, Stmt, StmtImport, StmtImportFrom,
    TypeParam, TypeParams,
};
use validator_python::text_size::Ranged;
use validator_python::with_stack;

use crate::context::{
    call_name, CallContext, FunctionContext, Imports, Issue, StrContext, StrNode,
};
use crate::plugins;
use crate::tree::{range_of, Joined, JoinedPart, Lines, Node};

/// A test result with the position of the node it was found on.
pub(crate) struct Found {
    pub(crate) issue: Issue,
    pub(crate) node_line: u32,
    pub(crate) node_col: u32,
    /// The lines whose `# nosec` applies besides the result's own line (`context["linerange"]`).
    pub(crate) context_lines: (u32, u32),
}

pub(crate) struct Walker<'a> {
    pub(crate) lines: Lines<'a>,
    /// The module's body, where the evidence of a finding is looked up (`evidence.rs`).
    pub(crate) module: &'a [Stmt],
    /// The plugin's functions returning its own values, across modules (`evidence.rs`).
    pub(crate) own_functions: &'a crate::evidence::OwnValueFunctions,
    pub(crate) imports: Imports,
    pub(crate) stack: Vec<Node<'a>>,
    pub(crate) found: Vec<Found>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        lines: Lines<'a>,
        module: &'a [Stmt],
        own_functions: &'a crate::evidence::OwnValueFunctions,
    ) -> Self {
        Self {
            lines,
            module,
            own_functions,
            imports: Imports::default(),
            stack: vec![Node::Module],
            found: Vec::new(),
        }
    }

    fn record(&mut self, node: &Node<'a>, issues: Vec<Issue>) {
        if issues.is_empty() {
            return;
        }
        let start = match node {
            Node::Stmt(stmt) => self.lines.definition_start(stmt),
            other => range_of(other).start(),
        };
        let node_line = self.lines.line(start);
        let node_col = self.lines.column(start);
        let context_lines = self.lines.line_range(node);
        for issue in issues {
            self.found.push(Found {
                issue,
                node_line,
                node_col,
                context_lines,
            });
        }
    }

    fn within(&mut self, node: Node<'a>, children: impl FnOnce(&mut Self)) {
        self.stack.push(node);
        with_stack(|| children(self));
        self.stack.pop();
    }

    pub(crate) fn body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.stmt(stmt);
        }
    }

    pub(crate) fn stmt(&mut self, stmt: &'a Stmt) {
        let node = Node::Stmt(stmt);
        match stmt {
            // Bandit has no tests for `AsyncFunctionDef`.
            Stmt::FunctionDef(function) if !function.is_async => {
                let issues = plugins::function_tests(&FunctionContext { function });
                self.record(&node, issues);
            }
            Stmt::Assert(_) => {
                let issues = plugins::asserts::assert_used().into_iter().collect();
                self.record(&node, issues);
            }
            Stmt::Import(import) => {
                self.record_import(import);
                let issues = crate::blacklist::imports::check_import(import);
                let issues = issues.into_iter().map(crate::evidence::of_import).collect();
                self.record(&node, issues);
            }
            Stmt::ImportFrom(import) => {
                self.record_import_from(import);
                let issues = crate::blacklist::imports::check_import_from(import);
                let issues = issues.into_iter().map(crate::evidence::of_import).collect();
                self.record(&node, issues);
            }
            _ => {}
        }
        self.within(node, |w| w.stmt_children(stmt));
    }

    fn record_import(&mut self, import: &'a StmtImport) {
        for alias in &import.names {
            if let Some(asname) = &alias.asname {
                self.imports
                    .aliases
                    .insert(asname.to_string(), alias.name.to_string());
            }
            self.imports.add(alias.name.to_string());
        }
    }

    fn record_import_from(&mut self, import: &'a StmtImportFrom) {
        let Some(module) = &import.module else {
            // `from . import x` is visited as an `Import` by Bandit.
            for alias in &import.names {
                if let Some(asname) = &alias.asname {
                    self.imports
                        .aliases
                        .insert(asname.to_string(), alias.name.to_string());
                }
                self.imports.add(alias.name.to_string());
            }
            return;
        };
        for alias in &import.names {
            let full = format!("{}.{}", module.as_str(), alias.name.as_str());
            let local = alias.asname.as_ref().unwrap_or(&alias.name);
            self.imports.aliases.insert(local.to_string(), full.clone());
            self.imports.add(full);
        }
    }

    fn stmt_children(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.parameters(&f.parameters);
                self.body(&f.body);
                for decorator in &f.decorator_list {
                    self.expr(&decorator.expression);
                }
                if let Some(returns) = &f.returns {
                    self.expr(returns);
                }
                self.type_params(f.type_params.as_deref());
            }
            Stmt::ClassDef(c) => {
                if let Some(arguments) = &c.arguments {
                    self.exprs(&arguments.args);
                    for keyword in &arguments.keywords {
                        self.keyword(keyword);
                    }
                }
                self.body(&c.body);
                for decorator in &c.decorator_list {
                    self.expr(&decorator.expression);
                }
                self.type_params(c.type_params.as_deref());
            }
            Stmt::Return(r) => self.opt_expr(r.value.as_deref()),
            Stmt::Delete(d) => self.exprs(&d.targets),
            Stmt::TypeAlias(t) => {
                self.expr(&t.name);
                self.type_params(t.type_params.as_deref());
                self.expr(&t.value);
            }
            Stmt::Assign(a) => {
                self.exprs(&a.targets);
                self.expr(&a.value);
            }
            Stmt::AugAssign(a) => {
                self.expr(&a.target);
                self.expr(&a.value);
            }
            Stmt::AnnAssign(a) => {
                self.expr(&a.target);
                self.expr(&a.annotation);
                self.opt_expr(a.value.as_deref());
            }
            Stmt::For(f) => {
                self.expr(&f.target);
                self.expr(&f.iter);
                self.body(&f.body);
                self.body(&f.orelse);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.body(&w.body);
                self.body(&w.orelse);
            }
            Stmt::If(i) => {
                self.expr(&i.test);
                self.body(&i.body);
                self.elif_chain(&i.elif_else_clauses);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.within(Node::WithItem(item), |w| {
                        w.expr(&item.context_expr);
                        w.opt_expr(item.optional_vars.as_deref());
                    });
                }
                self.body(&w.body);
            }
            Stmt::Match(m) => {
                self.expr(&m.subject);
                for case in &m.cases {
                    self.within(Node::MatchCase(case), |w| {
                        w.pattern(&case.pattern);
                        w.opt_expr(case.guard.as_deref());
                        w.body(&case.body);
                    });
                }
            }
            Stmt::Raise(r) => {
                self.opt_expr(r.exc.as_deref());
                self.opt_expr(r.cause.as_deref());
            }
            Stmt::Try(t) => {
                self.body(&t.body);
                for handler in &t.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    let node = Node::ExceptHandler(handler);
                    let issues = plugins::try_except::except_handler_tests(handler);
                    self.record(&node, issues);
                    self.within(node, |w| {
                        w.opt_expr(handler.type_.as_deref());
                        w.body(&handler.body);
                    });
                }
                self.body(&t.orelse);
                self.body(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.expr(&a.test);
                self.opt_expr(a.msg.as_deref());
            }
            Stmt::Expr(e) => self.expr(&e.value),
            Stmt::Import(_)
            | Stmt::ImportFrom(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    /// `elif` clauses are nested `If` nodes in CPython's tree; a final `else` is the last one's
    /// `orelse`.
    fn elif_chain(&mut self, clauses: &'a [validator_python::ast::ElifElseClause]) {
        let Some((first, rest)) = clauses.split_first() else {
            return;
        };
        match &first.test {
            Some(test) => self.within(Node::Elif(first), |w| {
                w.expr(test);
                w.body(&first.body);
                w.elif_chain(rest);
            }),
            None => self.body(&first.body),
        }
    }

    fn type_params(&mut self, params: Option<&'a TypeParams>) {
        let Some(params) = params else { return };
        for param in params.iter() {
            self.within(Node::Other(param.range()), |w| match param {
                TypeParam::TypeVar(v) => {
                    w.opt_expr(v.bound.as_deref());
                    w.opt_expr(v.default.as_deref());
                }
                TypeParam::TypeVarTuple(v) => w.opt_expr(v.default.as_deref()),
                TypeParam::ParamSpec(v) => w.opt_expr(v.default.as_deref()),
            });
        }
    }

    fn pattern(&mut self, pattern: &'a Pattern) {
        self.within(Node::Pattern(pattern), |w| match pattern {
            Pattern::MatchValue(v) => w.expr(&v.value),
            Pattern::MatchSingleton(_) | Pattern::MatchStar(_) => {}
            Pattern::MatchSequence(s) => s.patterns.iter().for_each(|p| w.pattern(p)),
            Pattern::MatchMapping(m) => {
                w.exprs(&m.keys);
                m.patterns.iter().for_each(|p| w.pattern(p));
            }
            Pattern::MatchClass(c) => {
                w.expr(&c.cls);
                c.arguments.patterns.iter().for_each(|p| w.pattern(p));
                c.arguments
                    .keywords
                    .iter()
                    .for_each(|k| w.pattern(&k.pattern));
            }
            Pattern::MatchAs(a) => {
                if let Some(inner) = &a.pattern {
                    w.pattern(inner);
                }
            }
            Pattern::MatchOr(o) => o.patterns.iter().for_each(|p| w.pattern(p)),
        });
    }

    /// CPython's `arguments`: parameters (annotations), `*args`, keyword-only parameters, their
    /// defaults, `**kwargs`, then the positional defaults.
    fn parameters(&mut self, parameters: &'a Parameters) {
        self.within(Node::Arguments(parameters), |w| {
            for p in parameters.posonlyargs.iter().chain(&parameters.args) {
                w.opt_expr(p.parameter.annotation.as_deref());
            }
            if let Some(vararg) = &parameters.vararg {
                w.opt_expr(vararg.annotation.as_deref());
            }
            for p in &parameters.kwonlyargs {
                w.opt_expr(p.parameter.annotation.as_deref());
            }
            for p in &parameters.kwonlyargs {
                w.opt_expr(p.default.as_deref());
            }
            if let Some(kwarg) = &parameters.kwarg {
                w.opt_expr(kwarg.annotation.as_deref());
            }
            for p in parameters.posonlyargs.iter().chain(&parameters.args) {
                w.opt_expr(p.default.as_deref());
            }
        });
    }

    fn keyword(&mut self, keyword: &'a validator_python::ast::Keyword) {
        self.within(Node::Keyword(keyword), |w| w.expr(&keyword.value));
    }

    fn exprs(&mut self, exprs: &'a [Expr]) {
        for expr in exprs {
            self.expr(expr);
        }
    }

    fn opt_expr(&mut self, expr: Option<&'a Expr>) {
        if let Some(expr) = expr {
            self.expr(expr);
        }
    }

    pub(crate) fn expr(&mut self, expr: &'a Expr) {
        let node = Node::Expr(expr);
        match expr {
            Expr::Call(call) => self.call_tests(&node, call),
            Expr::StringLiteral(s) => {
                let value = s.value.to_str();
                self.str_tests(value, StrNode::Literal(expr));
            }
            Expr::FString(f) => {
                self.joined(Joined::FString(f));
                return;
            }
            _ => {}
        }
        self.within(node, |w| w.expr_children(expr));
    }

    fn call_tests(&mut self, node: &Node<'a>, call: &'a ExprCall) {
        let context = CallContext {
            call,
            qualname: call_name(call, &self.imports.aliases),
            imports: &self.imports,
            lines: &self.lines,
            parents: &self.stack,
        };
        let mut issues = plugins::call_tests(&context);
        for issue in issues.iter_mut().filter(|i| i.without_evidence.is_none()) {
            match crate::evidence::of_call(issue.rule, &context, self.module, self.own_functions) {
                crate::evidence::CallEvidence::Decided(missing) => issue.without_evidence = missing,
                crate::evidence::CallEvidence::AskCallers(question) => {
                    issue.callers_question = Some(question)
                }
            }
        }
        self.record(node, issues);
    }

    /// A `Str` node: its tests run unless it is an expression statement (a docstring).
    fn str_tests(&mut self, value: &str, node: StrNode<'a>) {
        if matches!(self.stack.last(), Some(Node::Stmt(Stmt::Expr(_)))) {
            return;
        }
        let Some(parent) = self.stack.last().copied() else {
            return;
        };
        let context = StrContext {
            value,
            node,
            parents: &self.stack,
        };
        let issues = plugins::str_tests(&context);
        if issues.is_empty() {
            return;
        }
        let start = match node {
            StrNode::Literal(expr) => expr.start(),
            StrNode::JoinedConst { joined, .. } => joined.outer().start(),
        };
        let node_line = self.lines.line(start);
        let node_col = self.lines.column(start);
        let context_lines = self.lines.line_range(&parent);
        for issue in issues {
            self.found.push(Found {
                issue,
                node_line,
                node_col,
                context_lines,
            });
        }
    }

    fn joined(&mut self, joined: Joined<'a>) {
        let parts = joined.parts();
        self.within(Node::JoinedStr(joined), |w| {
            let mut first = true;
            for part in &parts {
                match part {
                    JoinedPart::Const(text) => {
                        w.str_tests(text, StrNode::JoinedConst { joined, first });
                        first = false;
                    }
                    JoinedPart::Formatted(field) => {
                        let outer = joined.outer();
                        w.within(Node::FormattedValue(outer), |w| {
                            w.expr(&field.expression);
                            if let Some(spec) = &field.format_spec {
                                w.joined(Joined::Spec(spec, outer));
                            }
                        });
                    }
                }
            }
        });
    }

    fn expr_children(&mut self, expr: &'a Expr) {
        match expr {
            Expr::BoolOp(b) => self.exprs(&b.values),
            Expr::Named(n) => {
                self.expr(&n.target);
                self.expr(&n.value);
            }
            Expr::BinOp(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
            }
            Expr::UnaryOp(u) => self.expr(&u.operand),
            Expr::Lambda(l) => {
                if let Some(parameters) = &l.parameters {
                    self.parameters(parameters);
                }
                self.expr(&l.body);
            }
            Expr::If(i) => {
                self.expr(&i.test);
                self.expr(&i.body);
                self.expr(&i.orelse);
            }
            Expr::Dict(d) => {
                for item in &d.items {
                    if let Some(key) = &item.key {
                        self.expr(key);
                    }
                }
                for item in &d.items {
                    self.expr(&item.value);
                }
            }
            Expr::Set(s) => self.exprs(&s.elts),
            Expr::ListComp(c) => {
                self.expr(&c.elt);
                self.generators(&c.generators);
            }
            Expr::SetComp(c) => {
                self.expr(&c.elt);
                self.generators(&c.generators);
            }
            Expr::Generator(c) => {
                self.expr(&c.elt);
                self.generators(&c.generators);
            }
            Expr::DictComp(c) => {
                self.opt_expr(c.key.as_deref());
                self.expr(&c.value);
                self.generators(&c.generators);
            }
            Expr::Await(a) => self.expr(&a.value),
            Expr::Yield(y) => self.opt_expr(y.value.as_deref()),
            Expr::YieldFrom(y) => self.expr(&y.value),
            Expr::Compare(c) => {
                self.expr(&c.left);
                self.exprs(&c.comparators);
            }
            Expr::Call(c) => {
                self.expr(&c.func);
                self.exprs(&c.arguments.args);
                for keyword in &c.arguments.keywords {
                    self.keyword(keyword);
                }
            }
            Expr::TString(t) => {
                for element in t.value.elements() {
                    if let validator_python::ast::InterpolatedStringElement::Interpolation(field) =
                        element
                    {
                        self.expr(&field.expression);
                    }
                }
            }
            Expr::Attribute(a) => self.expr(&a.value),
            Expr::Subscript(s) => {
                self.expr(&s.value);
                self.expr(&s.slice);
            }
            Expr::Starred(s) => self.expr(&s.value),
            Expr::List(l) => self.exprs(&l.elts),
            Expr::Tuple(t) => self.exprs(&t.elts),
            Expr::Slice(s) => {
                self.opt_expr(s.lower.as_deref());
                self.opt_expr(s.upper.as_deref());
                self.opt_expr(s.step.as_deref());
            }
            Expr::FString(_)
            | Expr::StringLiteral(_)
            | Expr::BytesLiteral(_)
            | Expr::NumberLiteral(_)
            | Expr::BooleanLiteral(_)
            | Expr::NoneLiteral(_)
            | Expr::EllipsisLiteral(_)
            | Expr::Name(_)
            | Expr::IpyEscapeCommand(_) => {}
        }
    }

    fn generators(&mut self, generators: &'a [validator_python::ast::Comprehension]) {
        for generator in generators {
            self.within(Node::Comprehension(generator), |w| {
                w.expr(&generator.target);
                w.expr(&generator.iter);
                w.exprs(&generator.ifs);
            });
        }
    }
}
